import Foundation
import PMSBus
import PMSCatalog
import SchedulerService
import XCTest

final class CronPlanTests: XCTestCase {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    func at(_ text: String) -> Date { RFC3339.parse(text)! }

    func testAt0700ShanghaiTheShortageJobAndTheHourlyJobsFallDue() {
        var plan = CronPlan(jobs: JobCatalog.all, after: at("2026-01-09T06:59:30+08:00"), timeZone: shanghai)
        XCTAssertEqual(plan.nextSlot, at("2026-01-09T07:00:00+08:00"))
        XCTAssertEqual(plan.takeDue(at: at("2026-01-09T06:59:59+08:00")), [])
        let due = plan.takeDue(at: at("2026-01-09T07:00:00+08:00"))
        XCTAssertEqual(Set(due.map(\.scheduledFor)), [at("2026-01-09T07:00:00+08:00")])
        XCTAssertEqual(due.map(\.job.id), [
            "calculate_progress_summary", "calculate_project_health", "check_milestone_status_and_adjust_payments",
            "check_overdue_issues", "check_task_deadline_reminder", "check_task_delay_alerts", "check_work_report_timeout",
            "generate_shortage_alerts",
        ])
        XCTAssertEqual(due.first { $0.job.id == "generate_shortage_alerts" }?.following, at("2026-01-10T07:00:00+08:00"))
        XCTAssertEqual(plan.takeDue(at: at("2026-01-09T07:00:00+08:00")), [], "a slot is taken once")
        XCTAssertEqual(plan.nextSlot, at("2026-01-09T07:05:00+08:00"), "check_blocking_issues at HH:05")
    }

    func testMonthlyLabourCostFallsDueOnTheFirstAt0200() {
        let job = JobCatalog.job(id: "calculate_monthly_labor_cost")!
        var plan = CronPlan(jobs: [job], after: at("2026-01-31T12:00:00+08:00"), timeZone: shanghai)
        XCTAssertEqual(plan.nextSlot, at("2026-02-01T02:00:00+08:00"))
        XCTAssertEqual(plan.takeDue(at: at("2026-02-01T02:00:05+08:00")).map(\.scheduledFor), [at("2026-02-01T02:00:00+08:00")])
        XCTAssertEqual(plan.nextSlot, at("2026-03-01T02:00:00+08:00"))
    }

    func testOneTickPerSlotEvenAfterALongPause() {
        let job = JobCatalog.job(id: "check_task_delay_alerts")!  // hourly
        var plan = CronPlan(jobs: [job], after: at("2026-01-09T06:30:00+08:00"), timeZone: shanghai)
        let due = plan.takeDue(at: at("2026-01-09T09:30:00+08:00"))
        XCTAssertEqual(due.map(\.scheduledFor), [at("2026-01-09T07:00:00+08:00"), at("2026-01-09T08:00:00+08:00"),
                                                 at("2026-01-09T09:00:00+08:00")])
    }
}
