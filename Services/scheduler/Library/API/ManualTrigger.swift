import Foundation
import PMSBus
import PMSCatalog
import PMSPostgres
import Synchronization

/// `POST /jobs/{job_id}/trigger`: validates the body as the MQTT trigger path does, refuses a second run
/// while one is queued or started (409), and queues a manual run through the `TickDispatcher`.
struct ManualTrigger: Sendable {
    let pool: PostgresPool
    let dispatcher: TickDispatcher
    let timeZone: TimeZone
    /// Jobs whose trigger this process is handling right now: closes the check-then-dispatch race locally.
    let inFlight: TriggerGate

    /// The body, empty or `{"requested_by": …, "params": {…}}`; errors carry the MQTT path's reasons.
    func request(from body: [UInt8]) throws(APIError) -> TriggerRequest {
        do { return try TriggerRequest.parse(body, timeZone: timeZone) } catch { throw .badRequest(error.reason) }
    }

    /// Queues the run and returns its tick; 409 when a run of the job is still queued or started.
    func trigger(_ job: JobDefinition, request: TriggerRequest, requestedBy: String, at now: Date) async throws -> TickMessage {
        let running = APIError(status: .conflict, detail: "任务 \(job.id) 正在运行")
        guard inFlight.enter(job.id) else { throw running }
        defer { inFlight.leave(job.id) }
        if try await hasUnfinishedRun(job) { throw running }
        return try await dispatcher.dispatch(job, scheduledFor: now, trigger: .manual, requestedBy: requestedBy,
                                             params: request.params)
    }

    /// A run queued or started within the job's SLA seconds. `created_at` is written from the
    /// dispatcher's clock, so the window is measured on that clock, not on the API's injected one.
    func hasUnfinishedRun(_ job: JobDefinition) async throws -> Bool {
        let since = dispatcher.clock.now().addingTimeInterval(-Double(job.slaSeconds))
        return try await pool.withConnection { connection in
            try await !connection.query(
                """
                SELECT 1 FROM job_runs
                 WHERE job_id = $1 AND status IN ('queued', 'started') AND created_at > $2
                 LIMIT 1
                """, [job.id, since]).isEmpty
        }
    }
}

/// The set of job ids being triggered in this process.
final class TriggerGate: Sendable {
    private let jobs = Mutex<Set<String>>([])

    /// false when the job is already being triggered.
    func enter(_ jobID: String) -> Bool { jobs.withLock { $0.insert(jobID).inserted } }
    func leave(_ jobID: String) { jobs.withLock { _ = $0.remove(jobID) } }
}
