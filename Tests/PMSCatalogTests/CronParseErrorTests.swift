import PMSCatalog
import Testing

@Suite struct CronParseErrorTests {
    /// Parses `text`, expecting failure, and returns the message.
    private func message(_ text: String) -> String {
        do {
            let parsed = try CronExpression(text)
            Issue.record("\"\(text)\" parsed as \(parsed)")
            return ""
        } catch {
            return error.description
        }
    }

    @Test func wrongFieldCount() {
        #expect(message("0 7 * *").contains("expected 5 fields"))
        #expect(message("0 7 * * * *").contains("got 6"))
        #expect(message("").contains("got 0"))
    }

    @Test(arguments: [
        ("60 * * * *", "minute", "60"),
        ("0 24 * * *", "hour", "24"),
        ("0 0 0 * *", "day-of-month", "0"),
        ("0 0 32 * *", "day-of-month", "32"),
        ("0 0 1 13 *", "month", "13"),
        ("0 0 * * 8", "day-of-week", "8"),
    ])
    func outOfRange(text: String, field: String, value: String) {
        let text = message(text)
        #expect(text.contains("\(field) field"))
        #expect(text.contains("value \(value) is out of range"))
    }

    @Test(arguments: [
        ("*/0 * * * *", "minute"),
        ("*/x * * * *", "minute"),
        ("0 */ * * *", "hour"),
        ("0 0 1-10/-2 * *", "day-of-month"),
        ("5/10 * * * *", "minute"),
    ])
    func badStep(text: String, field: String) {
        let text = message(text)
        #expect(text.contains("\(field) field"))
        #expect(text.contains("step"))
    }

    @Test(arguments: [
        ("hello world foo bar baz", "minute field \"hello\""),
        ("0 0 * JANUARY *", "month field \"JANUARY\""),
        ("0 0 * * JAN", "day-of-week field \"JAN\""),
        ("0 0 * JAN-MON *", "month field"),
        ("5-1 * * * *", "runs backwards"),
        ("1,,2 * * * *", "empty list item"),
        ("0 0 * * MON-", "day-of-week field"),
        ("+5 * * * *", "minute field"),
        ("0 1-2-3 * * *", "hour field"),
    ])
    func garbage(text: String, expected: String) {
        #expect(message(text).contains(expected))
    }
}
