import Foundation
import Hummingbird
import PMSBus
import PMSCatalog

/// One handler per endpoint of `APIRoutes.table`.
extension SchedulerAPI {
    static let maxBodyBytes = 64 * 1024

    func respond(_ endpoint: APIRoutes.Endpoint, request: Request, context: some RequestContext) async throws -> Response {
        switch endpoint {
        case .status: return try await status()
        case .jobs: return try await jobs()
        case .services: return services()
        case .trigger: return try await trigger(request, context: context)
        case .pause: return try await setEnabled(false, request, context: context)
        case .resume: return try await setEnabled(true, request, context: context)
        case .runs: return try await runs(request, context: context)
        }
    }

    func status() async throws -> Response {
        let views = try await JobStatusQuery(pool: pool, timeZone: timeZone).views(at: now())
        let leader = await isLeader()
        return APIResponse.success(.object([
            "running": .bool(true), "job_count": APIJSON.int(views.count), "leader": .bool(leader),
            "jobs": .array(JobStatusQuery.byNextRun(views).map { CatalogViews.statusJob($0, zone: timeZone) }),
            "services": .array(ServiceInstancesView.instances(directory, zone: timeZone)),
            "jobs_without_live_service": APIJSON.strings(ServiceInstancesView.jobsWithoutLiveService(directory)),
        ]))
    }

    func jobs() async throws -> Response {
        let views = try await JobStatusQuery(pool: pool, timeZone: timeZone).views(at: now())
        return APIResponse.success(.object([
            "total": APIJSON.int(views.count), "jobs": .array(views.map { CatalogViews.job($0, zone: timeZone) }),
        ]))
    }

    func services() -> Response {
        APIResponse.success(.object([
            "total": APIJSON.int(JobCatalog.all.count), "services": .array(JobCatalog.all.map(CatalogViews.service)),
        ]))
    }

    func trigger(_ request: Request, context: some RequestContext) async throws -> Response {
        try auth.authorize(request)
        let job = try Self.job(context)
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        let trigger = ManualTrigger(pool: pool, dispatcher: dispatcher, timeZone: timeZone, inFlight: gate)
        let parsed = try trigger.request(from: Array(body.readableBytesView))
        let requester = parsed.requestedBy ?? Self.requester(request)
        let tick = try await trigger.trigger(job, request: parsed, requestedBy: requester, at: now())
        return APIResponse.success(.object([
            "job_id": .string(job.id), "job_name": .string(job.name), "run_id": .string(tick.runID.uuidString.lowercased()),
            "message": .string("任务已触发"),
        ]), status: .accepted)
    }

    func setEnabled(_ enabled: Bool, _ request: Request, context: some RequestContext) async throws -> Response {
        try auth.authorize(request)
        let job = try Self.job(context)
        let stored = try await JobStateUpdate(pool: pool).setEnabled(enabled, job: job, by: Self.requester(request), at: now())
        dispatcher.logger.info(stored ? "job resumed" : "job paused", metadata: [
            "event": stored ? "resumed" : "paused", "job": "\(job.id)", "by": "\(Self.requester(request))"])
        return APIResponse.success(.object(["job_id": .string(job.id), "enabled": .bool(stored)]))
    }

    func runs(_ request: Request, context: some RequestContext) async throws -> Response {
        let job = try Self.job(context)
        let limit = try RunsQuery.limit(request.uri.queryParameters.get("limit"))
        let runs = try await RunsQuery(pool: pool, timeZone: timeZone).runs(of: job.id, limit: limit)
        return APIResponse.success(.object(["job_id": .string(job.id), "runs": .array(runs)]))
    }

    /// The catalog job named by the `job_id` path segment; 404 when there is none.
    static func job(_ context: some RequestContext) throws(APIError) -> JobDefinition {
        let id = context.parameters.get("job_id") ?? ""
        guard let job = JobCatalog.job(id: id) else { throw .unknownJob(id) }
        return job
    }

    /// Who asks: the `X-Requested-By` header, else "api".
    static func requester(_ request: Request) -> String {
        let header = request.headers.first { $0.name.canonicalName == "x-requested-by" }?
            .value.trimmingCharacters(in: .whitespaces) ?? ""
        return header.isEmpty ? "api" : header
    }
}
