import Hummingbird

/// The control API's endpoints under `/api/v1/scheduler`: registered from this table, and used to tell
/// a wrong method (405) from an unknown path (404).
enum APIRoutes {
    static let base = "/api/v1/scheduler"

    enum Endpoint: Sendable, CaseIterable {
        case status, jobs, trigger, pause, resume, runs, services
    }

    static let table: [(endpoint: Endpoint, method: HTTPRequest.Method, path: String)] = [
        (.status, .get, "status"),
        (.jobs, .get, "jobs"),
        (.trigger, .post, "jobs/:job_id/trigger"),
        (.pause, .post, "jobs/:job_id/pause"),
        (.resume, .post, "jobs/:job_id/resume"),
        (.runs, .get, "jobs/:job_id/runs"),
        (.services, .get, "services/list"),
    ]

    static func path(_ relative: String) -> String { base + "/" + relative }

    /// The methods the table serves at `path` (empty when the path is unknown).
    static func methods(at path: String) -> [HTTPRequest.Method] {
        let segments = split(path)
        return table.filter { matches(split(self.path($0.path)), segments) }.map(\.method)
    }

    private static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
