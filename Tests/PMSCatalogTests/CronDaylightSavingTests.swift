import Foundation
import PMSCatalog
import Testing

/// The documented rules: a skipped wall slot does not fire; a repeated one fires once, at its first
/// occurrence. 2026 transitions: New York 8 Mar 02:00 EST → 03:00 EDT and 1 Nov 02:00 EDT → 01:00 EST;
/// Berlin 29 Mar 02:00 CET → 03:00 CEST and 25 Oct 03:00 CEST → 02:00 CET.
@Suite struct CronDaylightSavingTests {
    // MARK: spring forward

    @Test func skippedSlotDoesNotFire() throws {
        #expect(try next("30 2 * * *", after: "2026-03-07T02:30:00-05:00", in: newYork) == at("2026-03-09T02:30:00-04:00"))
        #expect(try next("30 2 * * *", after: "2026-03-28T02:30:00+01:00", in: berlin) == at("2026-03-30T02:30:00+02:00"))
        // Not moved to 03:00 either: the 03:00 slot of a `0 3` job is the only thing firing then.
        #expect(try next("0 2 * * *", after: "2026-03-08T01:59:00-05:00", in: newYork) == at("2026-03-09T02:00:00-04:00"))
    }

    @Test func hourlyFiresTwentyThreeTimesOnSpringForwardDay() throws {
        let newYorkDay = try fires("0 * * * *", from: "2026-03-07T23:59:59-05:00", through: "2026-03-08T23:59:59-04:00", in: newYork)
        #expect(newYorkDay.count == 23)
        #expect(!wallTimes(newYorkDay, in: newYork).contains("02:00"))
        #expect(newYorkDay[1] == at("2026-03-08T01:00:00-05:00"))
        #expect(newYorkDay[2] == at("2026-03-08T03:00:00-04:00"))
        #expect(newYorkDay[2].timeIntervalSince(newYorkDay[1]) == 3600)

        let berlinDay = try fires("0 * * * *", from: "2026-03-28T23:59:59+01:00", through: "2026-03-29T23:59:59+02:00", in: berlin)
        #expect(berlinDay.count == 23)
        #expect(!wallTimes(berlinDay, in: berlin).contains("02:00"))
    }

    @Test func minutelySkipsTheGap() throws {
        let around = try fires("*/30 * * * *", from: "2026-03-08T01:00:00-05:00", through: "2026-03-08T03:30:00-04:00", in: newYork)
        #expect(wallTimes(around, in: newYork) == ["01:30", "03:00", "03:30"])
    }

    // MARK: fall back

    @Test func repeatedSlotFiresOnceAtFirstOccurrence() throws {
        let newYorkDays = try fires("30 1 * * *", from: "2026-10-31T12:00:00-04:00", through: "2026-11-02T12:00:00-05:00", in: newYork)
        #expect(newYorkDays == [at("2026-11-01T01:30:00-04:00"), at("2026-11-02T01:30:00-05:00")])
        // From inside the first pass or the second, the next run is the following day.
        #expect(try next("30 1 * * *", after: "2026-11-01T01:30:00-04:00", in: newYork) == at("2026-11-02T01:30:00-05:00"))
        #expect(try next("30 1 * * *", after: "2026-11-01T01:10:00-05:00", in: newYork) == at("2026-11-02T01:30:00-05:00"))

        let berlinDays = try fires("30 2 * * *", from: "2026-10-24T12:00:00+02:00", through: "2026-10-26T12:00:00+01:00", in: berlin)
        #expect(berlinDays == [at("2026-10-25T02:30:00+02:00"), at("2026-10-26T02:30:00+01:00")])
    }

    @Test func hourlyFiresTwentyFourWallSlotsOnFallBackDay() throws {
        // The day lasts 25 hours; 01:00 fires in EDT only, so 01:00 → 02:00 is two real hours.
        let newYorkDay = try fires("0 * * * *", from: "2026-10-31T23:59:59-04:00", through: "2026-11-01T23:59:59-05:00", in: newYork)
        #expect(newYorkDay.count == 24)
        #expect(Set(wallTimes(newYorkDay, in: newYork)).count == 24)
        #expect(newYorkDay[1] == at("2026-11-01T01:00:00-04:00"))
        #expect(newYorkDay[2] == at("2026-11-01T02:00:00-05:00"))
        #expect(newYorkDay[2].timeIntervalSince(newYorkDay[1]) == 7200)

        let berlinDay = try fires("0 * * * *", from: "2026-10-24T23:59:59+02:00", through: "2026-10-25T23:59:59+01:00", in: berlin)
        #expect(berlinDay.count == 24)
        #expect(berlinDay[2] == at("2026-10-25T02:00:00+02:00"))
        #expect(berlinDay[3] == at("2026-10-25T03:00:00+01:00"))
    }

    @Test func secondPassOfRepeatedHourIsSilent() throws {
        // 01:30 EST is the second 01:30; its quarter-hour slots already fired in EDT.
        #expect(try next("*/15 * * * *", after: "2026-11-01T01:30:00-05:00", in: newYork) == at("2026-11-01T02:00:00-05:00"))
        #expect(try next("*/15 * * * *", after: "2026-11-01T01:50:00-04:00", in: newYork) == at("2026-11-01T02:00:00-05:00"))
    }

    // MARK: local time is kept

    @Test func dailyJobKeepsLocalTimeAcrossTransitions() throws {
        let spring = try fires("0 7 * * *", from: "2026-03-07T00:00:00-05:00", through: "2026-03-09T23:00:00-04:00", in: newYork)
        #expect(spring == [at("2026-03-07T12:00:00Z"), at("2026-03-08T11:00:00Z"), at("2026-03-09T11:00:00Z")])
        let autumn = try fires("0 7 * * *", from: "2026-10-24T00:00:00+02:00", through: "2026-10-26T23:00:00+01:00", in: berlin)
        #expect(autumn == [at("2026-10-24T05:00:00Z"), at("2026-10-25T06:00:00Z"), at("2026-10-26T06:00:00Z")])
        #expect(Set(wallTimes(spring, in: newYork) + wallTimes(autumn, in: berlin)) == ["07:00"])
    }
}
