import Foundation
import PMSCatalog
import PMSPostgres

/// `POST /jobs/{job_id}/pause` and `/resume`: `scheduler_job_state.is_enabled`, with who and when.
struct JobStateUpdate: Sendable {
    let pool: PostgresPool

    /// Sets the flag (creating the row if the migrations' seed row is missing); returns the stored value.
    func setEnabled(_ enabled: Bool, job: JobDefinition, by requester: String, at now: Date) async throws -> Bool {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO scheduler_job_state AS s (job_id, domain, is_enabled, updated_by, updated_at)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (job_id) DO UPDATE
                   SET is_enabled = EXCLUDED.is_enabled, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
                RETURNING s.is_enabled
                """, [job.id, job.domain.rawValue, enabled, requester, now])
                .first?.decode(Bool.self, "is_enabled") ?? enabled
        }
    }
}
