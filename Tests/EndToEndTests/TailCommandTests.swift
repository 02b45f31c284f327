import Foundation
import PMSTestSupport
import XCTest

/// `pmsctl tail` prints alerts as they arrive.
final class TailCommandTests: XCTestCase {
    func testTailPrintsAnArrivingAlert() async throws {
        let prefix = "tail\(UUID().uuidString.prefix(6))/pms/v1"
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("pmsctl"))
        process.arguments = ["tail", "--mqtt-url", MosquittoTestServer.shared.url, "--topic-prefix", prefix, "--time-zone", "Asia/Shanghai"]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); try? FileManager.default.removeItem(at: output) }
        func text() -> String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        XCTAssertTrue(waitUntil(timeout: 10) { text().contains("watching \(prefix)/alert/#") }, text())

        let observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: prefix + "/none")
        try await observer.publish("\(prefix)/alert/CRITICAL/shortage/MATERIAL_SHORTAGE", #"{"alert_id": 1000000, "alert_no": "SA202601090001", "rule_code": "MATERIAL_SHORTAGE", "level": "CRITICAL", "project_id": 5, "target_type": "MATERIAL_SHORTAGE", "target_id": 11, "title": "物料缺料：气缸", "content": "物料 M-001 缺料 5.0，需求日期：2026-01-11", "triggered_at": "2026-01-08T23:00:00.000Z", "dedup_key": "MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:11", "event": "raised"}"#)
        XCTAssertTrue(waitUntil(timeout: 10) { text().contains("SA202601090001") }, text())
        XCTAssertTrue(text().contains("2026-01-09T07:00:00+08:00  CRITICAL SA202601090001  shortage/MATERIAL_SHORTAGE  raised  物料缺料：气缸 — 物料 M-001 缺料 5.0，需求日期：2026-01-11"), text())
        await observer.close()
    }
}
