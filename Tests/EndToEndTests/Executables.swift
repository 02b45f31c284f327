import Foundation
import PMSTestSupport

/// The path of a built executable: they sit next to the test bundle (`make test` builds them first).
func builtExecutable(_ name: String) throws -> String {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    for candidate in [directory, directory.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestServerError("\(name) is not built next to the tests in \(directory.path); run `swift build --build-tests` first")
}
