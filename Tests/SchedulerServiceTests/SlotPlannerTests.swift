import Foundation
import PMSBus
import PMSCatalog
import SchedulerService
import XCTest

final class SlotPlannerTests: XCTestCase {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    func at(_ text: String) -> Date { RFC3339.parse(text)! }
    let daily0700 = JobCatalog.job(id: "generate_shortage_alerts")!.schedule
    let hourly = JobCatalog.job(id: "check_task_delay_alerts")!.schedule

    func testASlotAfterTheLeaderStartedIsAnOnTimeCronRun() {
        let decision = SlotPlanner.decide(schedule: daily0700, last: at("2026-01-08T07:00:00+08:00"), since: at("2026-01-09T06:00:00+08:00"),
                                          now: at("2026-01-09T07:00:00+08:00"), grace: 1200, timeZone: shanghai)
        XCTAssertEqual(decision, .fire(slot: at("2026-01-09T07:00:00+08:00"), trigger: .cron, coalesced: 0))
    }

    func testNothingIsDueBeforeTheSlot() {
        let decision = SlotPlanner.decide(schedule: daily0700, last: at("2026-01-08T07:00:00+08:00"), since: at("2026-01-09T06:00:00+08:00"),
                                          now: at("2026-01-09T06:59:59+08:00"), grace: 1200, timeZone: shanghai)
        XCTAssertEqual(decision, .nothingDue)
    }

    func testASlotMissedWhileDownIsCaughtUpWithinTheGrace() {
        let decision = SlotPlanner.decide(schedule: daily0700, last: at("2026-01-08T07:00:00+08:00"), since: at("2026-01-09T07:10:00+08:00"),
                                          now: at("2026-01-09T07:10:00+08:00"), grace: 1200, timeZone: shanghai)
        XCTAssertEqual(decision, .fire(slot: at("2026-01-09T07:00:00+08:00"), trigger: .catchup, coalesced: 0))
    }

    func testASlotMissedBeyondTheGraceIsRecordedAsMissed() {
        let decision = SlotPlanner.decide(schedule: daily0700, last: at("2026-01-08T07:00:00+08:00"), since: at("2026-01-09T08:00:00+08:00"),
                                          now: at("2026-01-09T08:00:00+08:00"), grace: 1200, timeZone: shanghai)
        XCTAssertEqual(decision, .missed(slot: at("2026-01-09T07:00:00+08:00"), coalesced: 0))
    }

    func testSeveralMissedSlotsCoalesceIntoTheLatest() {
        let decision = SlotPlanner.decide(schedule: hourly, last: at("2026-01-09T03:00:00+08:00"), since: at("2026-01-09T07:02:00+08:00"),
                                          now: at("2026-01-09T07:02:00+08:00"), grace: 300, timeZone: shanghai)
        XCTAssertEqual(decision, .fire(slot: at("2026-01-09T07:00:00+08:00"), trigger: .catchup, coalesced: 3))
    }

    func testAFirstStartDoesNotReplayHistory() {
        let decision = SlotPlanner.decide(schedule: hourly, last: nil, since: at("2026-01-09T07:30:00+08:00"),
                                          now: at("2026-01-09T07:30:00+08:00"), grace: 300, timeZone: shanghai)
        XCTAssertEqual(decision, .nothingDue)
    }

    func testMonthlyLabourCostOnTheFirstAt0200() {
        let monthly = JobCatalog.job(id: "calculate_monthly_labor_cost")!.schedule
        let decision = SlotPlanner.decide(schedule: monthly, last: at("2026-01-01T02:00:00+08:00"), since: at("2026-01-31T12:00:00+08:00"),
                                          now: at("2026-02-01T02:00:00+08:00"), grace: 1800, timeZone: shanghai)
        XCTAssertEqual(decision, .fire(slot: at("2026-02-01T02:00:00+08:00"), trigger: .cron, coalesced: 0))
    }
}
