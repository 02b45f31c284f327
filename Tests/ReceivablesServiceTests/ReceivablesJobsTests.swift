import PMSCatalog
import ReceivablesService
import XCTest

final class ReceivablesJobsTests: XCTestCase {
    func testEveryReceivablesJobOfTheCatalogIsRegistered() {
        XCTAssertEqual(Set(ReceivablesJobs.all().map(\.id)), Set(JobCatalog.jobs(in: .receivables).map(\.id)))
    }
}
