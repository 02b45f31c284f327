import Foundation
import Logging
import PMSCore
import Synchronization
import XCTest

final class JSONLogHandlerTests: XCTestCase {
    final class Lines: Sendable {
        let store = Mutex<[String]>([])
        func append(_ line: String) { store.withLock { $0.append(line) } }
        var all: [String] { store.withLock { $0 } }
    }

    func testEachEntryIsOneJSONObjectOnOneLineWithItsFields() throws {
        let lines = Lines()
        var handler = JSONLogHandler(label: "t", level: .info, output: lines.append)
        handler[metadataKey: "service"] = "shortage"
        let logger = Logger(label: "t", factory: { _ in handler })
        logger.info("run succeeded\nsecond line \"quoted\"", metadata: [
            "job": "generate_shortage_alerts", "run_id": "2f1c8c3e", "event": "succeeded", "duration_ms": "12.5",
            "created": "3", "note": "007",
        ])
        logger.debug("below the level: not written")

        XCTAssertEqual(lines.all.count, 1)
        let line = lines.all[0]
        XCTAssertTrue(line.hasSuffix("}\n"))
        XCTAssertEqual(line.dropLast().split(separator: "\n").count, 1, "one line per entry")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["service"] as? String, "shortage")
        XCTAssertEqual(object["level"] as? String, "info")
        XCTAssertEqual(object["message"] as? String, "run succeeded\nsecond line \"quoted\"")
        XCTAssertEqual(object["job"] as? String, "generate_shortage_alerts")
        XCTAssertEqual(object["run_id"] as? String, "2f1c8c3e")
        XCTAssertEqual(object["event"] as? String, "succeeded")
        XCTAssertEqual(object["duration_ms"] as? Double, 12.5, "numbers stay numbers")
        XCTAssertEqual(object["created"] as? Int, 3)
        XCTAssertEqual(object["note"] as? String, "007", "a leading zero is not a number")
        XCTAssertNotNil(object["ts"] as? String)
    }
}
