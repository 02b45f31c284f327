import IssuesService
import PMSCatalog
import XCTest

final class IssuesJobsTests: XCTestCase {
    func testEveryIssuesJobOfTheCatalogIsRegistered() {
        XCTAssertEqual(Set(IssuesJobs.all().map(\.id)), Set(JobCatalog.jobs(in: .issues).map(\.id)))
    }
}
