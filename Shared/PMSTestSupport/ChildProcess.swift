import Foundation

/// Runs a command to completion and returns its exit status and combined output.
@discardableResult
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       standardInput: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let standardInput {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-\(UUID().uuidString)")
        try Data(standardInput.utf8).write(to: file)
        process.standardInput = try FileHandle(forReadingFrom: file)
        defer { try? FileManager.default.removeItem(at: file) }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
