import Foundation
import PMSCatalog
import Testing

/// Cron evaluation in the default business zone (UTC+8 all year, no daylight saving).
@Suite struct CronShanghaiTests {
    @Test func hourly() throws {
        #expect(try next("0 * * * *", after: "2026-01-09T07:20:00+08:00") == at("2026-01-09T08:00:00+08:00"))
        #expect(try next("0 * * * *", after: "2026-01-09T08:00:00+08:00") == at("2026-01-09T09:00:00+08:00"))
        #expect(try next("0 * * * *", after: "2026-01-09T23:30:00+08:00") == at("2026-01-10T00:00:00+08:00"))
        #expect(try next("15 * * * *", after: "2026-01-09T07:15:00+08:00") == at("2026-01-09T08:15:00+08:00"))
    }

    @Test func dailyAcrossDayBoundary() throws {
        #expect(try next("0 7 * * *", after: "2026-01-09T07:00:00+08:00") == at("2026-01-10T07:00:00+08:00"))
        #expect(try next("0 7 * * *", after: "2026-01-09T06:59:59+08:00") == at("2026-01-09T07:00:00+08:00"))
        // Strictly after: a fraction of a second past the slot already counts as past it.
        let justAfter = at("2026-01-09T07:00:00+08:00").addingTimeInterval(0.001)
        #expect(try CronExpression("0 7 * * *").nextFireDate(after: justAfter, in: shanghai)
            == at("2026-01-10T07:00:00+08:00"))
        #expect(try next("10 8 * * *", after: "2026-01-09T08:09:00+08:00") == at("2026-01-09T08:10:00+08:00"))
        #expect(try next("10 8 * * *", after: "2026-01-09T08:10:00+08:00") == at("2026-01-10T08:10:00+08:00"))
    }

    @Test func monthlyAcrossMonthEnds() throws {
        let monthly = "0 2 1 * *"
        #expect(try next(monthly, after: "2026-01-31T12:00:00+08:00") == at("2026-02-01T02:00:00+08:00"))
        #expect(try next(monthly, after: "2026-02-28T02:00:00+08:00") == at("2026-03-01T02:00:00+08:00"))
        #expect(try next(monthly, after: "2026-12-31T23:59:00+08:00") == at("2027-01-01T02:00:00+08:00"))
        #expect(try next(monthly, after: "2026-01-01T02:00:00+08:00") == at("2026-02-01T02:00:00+08:00"))
        // 02:00 on the 1st in Shanghai is 18:00 UTC on the last day of the month before.
        #expect(try next(monthly, after: "2026-03-31T17:59:00Z") == at("2026-03-31T18:00:00Z"))
    }

    @Test func leapDay() throws {
        #expect(try next("0 0 29 2 *", after: "2026-03-01T00:00:00+08:00") == at("2028-02-29T00:00:00+08:00"))
        #expect(try next("0 0 29 2 *", after: "2096-03-01T00:00:00+08:00") == at("2104-02-29T00:00:00+08:00"))
    }

    @Test func thirtyFirstSkipsShortMonths() throws {
        let dates = try fires("0 0 31 * *", from: "2026-01-31T00:00:00+08:00", through: "2026-12-31T00:00:00+08:00")
        #expect(dates == [
            "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31", "2026-10-31", "2026-12-31",
        ].map { at("\($0)T00:00:00+08:00") })
    }

    @Test func impossibleExpressionsReturnNil() throws {
        let clock = ContinuousClock()
        var results: [Date?] = []
        let elapsed = try clock.measure {
            for impossible in ["0 0 31 2 *", "0 0 30 2 *", "* * 31 4,6,9,11 *"] {
                results.append(try next(impossible, after: "2026-01-01T00:00:00+08:00"))
            }
        }
        #expect(results == [nil, nil, nil])
        #expect(elapsed < .seconds(1))
        #expect(try fires("0 0 31 2 *", from: "2026-01-01T00:00:00+08:00", through: "2036-01-01T00:00:00+08:00").isEmpty)
    }

    @Test func weekdayListsRangesAndNames() throws {
        // 2026-01-09 is a Friday.
        #expect(try next("0 9 * * 1-5", after: "2026-01-09T09:00:00+08:00") == at("2026-01-12T09:00:00+08:00"))
        #expect(try next("0 9 * * 1,3,5", after: "2026-01-12T09:00:00+08:00") == at("2026-01-14T09:00:00+08:00"))
        #expect(try CronExpression("0 9 * * mon-FRI") == CronExpression("0 9 * * 1-5"))
        #expect(try CronExpression("0 0 1 jan,Jul *") == CronExpression("0 0 1 1,7 *"))
        #expect(try next("0 0 1 JAN,JUL *", after: "2026-01-01T00:00:00+08:00") == at("2026-07-01T00:00:00+08:00"))
        #expect(try next("30 6 * * SAT", after: "2026-01-09T00:00:00+08:00") == at("2026-01-10T06:30:00+08:00"))
    }

    @Test func sundayIsZeroAndSeven() throws {
        let sunday = at("2026-01-11T00:00:00+08:00")
        #expect(try next("0 0 * * 0", after: "2026-01-09T12:00:00+08:00") == sunday)
        #expect(try next("0 0 * * 7", after: "2026-01-09T12:00:00+08:00") == sunday)
        #expect(try next("0 0 * * SUN", after: "2026-01-09T12:00:00+08:00") == sunday)
        #expect(try CronExpression("0 0 * * 7") == CronExpression("0 0 * * 0"))
        // 5-7 is Friday, Saturday, Sunday.
        let weekend = try fires("0 0 * * 5-7", from: "2026-01-05T00:00:00+08:00", through: "2026-01-11T23:59:00+08:00")
        #expect(weekend == ["2026-01-09", "2026-01-10", "2026-01-11"].map { at("\($0)T00:00:00+08:00") })
    }

    @Test func steps() throws {
        let quarterHours = try fires("*/15 * * * *", from: "2026-01-09T10:00:00+08:00", through: "2026-01-09T11:00:00+08:00")
        #expect(wallTimes(quarterHours, in: shanghai) == ["10:15", "10:30", "10:45", "11:00"])
        let everyOtherHour = try fires("0 8-18/2 * * *", from: "2026-01-09T00:00:00+08:00", through: "2026-01-09T23:59:00+08:00")
        #expect(wallTimes(everyOtherHour, in: shanghai) == ["08:00", "10:00", "12:00", "14:00", "16:00", "18:00"])
        let offsetSteps = try fires("5-59/20 9 * * *", from: "2026-01-09T00:00:00+08:00", through: "2026-01-09T23:59:00+08:00")
        #expect(wallTimes(offsetSteps, in: shanghai) == ["09:05", "09:25", "09:45"])
    }

    /// Vixie rule: both day fields restricted → either matches; one written with `*` → both must.
    @Test func dayOfMonthOrDayOfWeek() throws {
        let january = ("2025-12-31T23:59:00+08:00", "2026-01-31T23:59:00+08:00")
        let firstOrMonday = try fires("0 0 1 * 1", from: january.0, through: january.1)
        #expect(firstOrMonday == ["01", "05", "12", "19", "26"].map { at("2026-01-\($0)T00:00:00+08:00") })
        let oddMondays = try fires("0 0 */2 * 1", from: january.0, through: january.1)
        #expect(oddMondays == ["05", "19"].map { at("2026-01-\($0)T00:00:00+08:00") })
        let firstOnly = try fires("0 0 1 * *", from: january.0, through: january.1)
        #expect(firstOnly == [at("2026-01-01T00:00:00+08:00")])
    }

    @Test func fireDatesBoundsAndCap() throws {
        // start is excluded, end is included.
        let hours = try fires("0 * * * *", from: "2026-01-09T07:00:00+08:00", through: "2026-01-09T09:00:00+08:00")
        #expect(hours == [at("2026-01-09T08:00:00+08:00"), at("2026-01-09T09:00:00+08:00")])
        let year = try fires("0 * * * *", from: "2025-12-31T23:59:00+08:00", through: "2026-12-31T23:59:00+08:00")
        #expect(year.count == 8760)
        let capped = try fires("* * * * *", from: "2026-01-01T00:00:00+08:00", through: "2026-02-01T00:00:00+08:00")
        #expect(capped.count == CronExpression.fireDateLimit)
        let limited = try CronExpression("* * * * *")
            .fireDates(from: at("2026-01-01T00:00:00+08:00"), through: at("2026-01-02T00:00:00+08:00"), in: shanghai, limit: 3)
        #expect(wallTimes(limited, in: shanghai) == ["00:01", "00:02", "00:03"])
    }

    @Test func normalisedDescription() throws {
        #expect(try CronExpression("  0   7 * *\tmon-fri ").description == "0 7 * * MON-FRI")
        #expect(try CronExpression("@daily").description == "0 0 * * *")
        #expect(try CronExpression("@HOURLY") == CronExpression("0 * * * *"))
    }
}
