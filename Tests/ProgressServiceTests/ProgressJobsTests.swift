import PMSCatalog
import ProgressService
import XCTest

final class ProgressJobsTests: XCTestCase {
    func testEveryProgressJobOfTheCatalogIsRegistered() {
        XCTAssertEqual(Set(ProgressJobs.all().map(\.id)), Set(JobCatalog.jobs(in: .progress).map(\.id)))
    }
}
