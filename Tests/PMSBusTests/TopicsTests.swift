import PMSBus
import XCTest

final class TopicsTests: XCTestCase {
    let topics = Topics(prefix: "pms/v1")

    func testBuildersFollowTheContract() {
        XCTAssertEqual(topics.tick(domain: .shortage, jobID: "generate_shortage_alerts"), "pms/v1/tick/shortage/generate_shortage_alerts")
        XCTAssertEqual(topics.tickSubscription(domain: .shortage), "$share/shortage/pms/v1/tick/shortage/+")
        XCTAssertEqual(topics.trigger(jobID: "daily_kit_check"), "pms/v1/trigger/daily_kit_check")
        XCTAssertEqual(topics.run(jobID: "daily_kit_check", event: .succeeded), "pms/v1/run/daily_kit_check/succeeded")
        XCTAssertEqual(topics.alert(level: .urgent, domain: .shortage, ruleCode: "MATERIAL_SHORTAGE"),
                       "pms/v1/alert/URGENT/shortage/MATERIAL_SHORTAGE")
        XCTAssertEqual(topics.inbox(userID: 7), "pms/v1/inbox/7")
        XCTAssertEqual(topics.service(name: "shortage", instance: "a"), "pms/v1/service/shortage/a")
        XCTAssertEqual(topics.errors(service: "scheduler"), "pms/v1/errors/scheduler")
    }

    func testPrefixIsConfigurableAndTrailingSlashIgnored() {
        let custom = Topics(prefix: "factory/pms/")
        XCTAssertEqual(custom.trigger(jobID: "x"), "factory/pms/trigger/x")
        XCTAssertEqual(custom.parse("factory/pms/trigger/x"), .trigger(jobID: "x"))
        XCTAssertNil(custom.parse("pms/v1/trigger/x"))
    }

    func testParsesEveryTopicKind() {
        XCTAssertEqual(topics.parse("pms/v1/tick/cost/calculate_monthly_labor_cost"), .tick(domain: .cost, jobID: "calculate_monthly_labor_cost"))
        XCTAssertEqual(topics.parse("pms/v1/run/daily_kit_check/failed"), .run(jobID: "daily_kit_check", event: .failed))
        XCTAssertEqual(topics.parse("pms/v1/alert/CRITICAL/shortage/KIT_RATE_LOW"), .alert(level: .critical, domain: .shortage, ruleCode: "KIT_RATE_LOW"))
        XCTAssertEqual(topics.parse("pms/v1/inbox/42"), .inbox(userID: 42))
        XCTAssertEqual(topics.parse("pms/v1/service/metrics/host-1"), .service(name: "metrics", instance: "host-1"))
        XCTAssertEqual(topics.parse("pms/v1/errors/scheduler"), .errors(service: "scheduler"))
    }

    func testRejectsWhatIsNotOurs() {
        XCTAssertNil(topics.parse("pms/v1/tick/marketing/x"), "unknown domain")
        XCTAssertNil(topics.parse("pms/v1/run/x/exploded"), "unknown run event")
        XCTAssertNil(topics.parse("pms/v1/alert/SEVERE/shortage/X"), "unknown level")
        XCTAssertNil(topics.parse("pms/v1/inbox/abc"), "user id not a number")
        XCTAssertNil(topics.parse("pms/v1/trigger/"), "empty job id")
        XCTAssertNil(topics.parse("pms/v1/trigger/a/b"), "too many levels")
        XCTAssertNil(topics.parse("other/thing"))
    }

    func testLevelsRankInfoWarningCriticalUrgent() {
        XCTAssertEqual(AlertLevel.allCases.sorted(), [.info, .warning, .critical, .urgent])
        XCTAssertLessThan(AlertLevel.critical, AlertLevel.urgent)
    }
}
