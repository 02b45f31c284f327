import PMSCatalog
import ProductionService
import PMSTestSupport
import XCTest

final class ProductionJobsTests: XCTestCase {
    func testEveryProductionJobOfTheCatalogIsRegistered() {
        XCTAssertEqual(Set(ProductionJobs.all().map(\.id)), Set(JobCatalog.jobs(in: .production).map(\.id)))
    }
}
