import Foundation
import PMSBus
import PMSRuntime

/// Up or down per service, from the retained statuses a `ServiceDirectory` holds.
public struct ServiceStatus: Sendable, Equatable {
    public let name: String
    public let online: Int
    public let instances: Int

    /// Up when at least one instance says it is online.
    public var up: Bool { online > 0 }

    /// The services of the system (ARCHITECTURE.md), always listed even before any status is heard.
    public static let known: [String] = ["scheduler"] + Domain.allCases.map(\.rawValue) + ["metrics"]

    /// The known services in their order, then any other service heard of, by name.
    public static func list(_ instances: [ServiceDirectory.Instance]) -> [ServiceStatus] {
        let byService = Dictionary(grouping: instances, by: \.service)
        let others = byService.keys.filter { !known.contains($0) }.sorted()
        return (known + others).map { name in
            let entries = byService[name] ?? []
            return ServiceStatus(name: name, online: entries.filter(\.online).count, instances: entries.count)
        }
    }
}
