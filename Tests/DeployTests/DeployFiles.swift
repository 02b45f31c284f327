import Foundation

/// Where the files under test live: `deploy/` of this checkout, found from this source file's path.
enum DeployFiles {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let deploy = repositoryRoot.appendingPathComponent("deploy")

    static func path(_ relative: String) -> String { deploy.appendingPathComponent(relative).path }
}
