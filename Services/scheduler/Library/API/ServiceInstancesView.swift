import Foundation
import PMSBus
import PMSCatalog
import PMSRuntime

/// The `services` and `jobs_without_live_service` parts of `/status`, from the ServiceDirectory.
enum ServiceInstancesView {
    static func instances(_ directory: ServiceDirectory, zone: TimeZone) -> [JSONValue] {
        directory.instances.map { instance in
            .object([
                "service": .string(instance.service), "instance": .string(instance.instance), "online": .bool(instance.online),
                "version": APIJSON.string(instance.version), "started_at": APIJSON.time(instance.startedAt, zone),
            ])
        }
    }

    /// Catalog ids (catalog order) whose domain has no online instance.
    static func jobsWithoutLiveService(_ directory: ServiceDirectory, jobs: [JobDefinition] = JobCatalog.all) -> [String] {
        let live = Set(directory.instances.filter(\.online).map(\.service))
        return jobs.filter { !live.contains($0.domain.rawValue) }.map(\.id)
    }
}
