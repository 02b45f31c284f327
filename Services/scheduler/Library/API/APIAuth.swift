import Foundation
import Hummingbird

/// Bearer-token check of the mutating calls. Without a configured token they are refused (403), never open.
struct APIAuth: Sendable {
    /// nil (or empty at init) = no token configured.
    let token: String?

    init(token: String?) {
        self.token = (token?.isEmpty ?? true) ? nil : token
    }

    static let disabledDetail = "mutating calls are disabled: no API token configured (--api-token / PMS_API_TOKEN)"

    func authorize(_ request: Request) throws(APIError) {
        guard let token else { throw APIError(status: .forbidden, detail: Self.disabledDetail) }
        guard let presented = Self.bearer(request.headers[.authorization]),
              Self.constantTimeEqual(Array(presented.utf8), Array(token.utf8)) else {
            throw APIError(status: .unauthorized, detail: "Not authenticated", headers: [.wwwAuthenticate: "Bearer"])
        }
    }

    /// The credentials of `Authorization: Bearer <token>` (scheme case-insensitive), nil for anything else.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        return credentials.isEmpty ? nil : credentials
    }

    /// Compares every byte whatever the first difference, so the time taken says nothing about the token
    /// (only its length leaks, which is not secret in practice).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
