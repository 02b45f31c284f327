import CostService
import PMSCatalog
import XCTest

final class CostJobsTests: XCTestCase {
    func testEveryCostJobOfTheCatalogIsRegistered() {
        XCTAssertEqual(Set(CostJobs.all().map(\.id)), Set(JobCatalog.jobs(in: .cost).map(\.id)))
    }
}
