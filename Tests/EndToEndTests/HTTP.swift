import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain GET, returning the body and the content type.
func httpGet(_ url: String) async throws -> (String, String?) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    let type = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
    return (String(decoding: data, as: UTF8.self), type)
}
