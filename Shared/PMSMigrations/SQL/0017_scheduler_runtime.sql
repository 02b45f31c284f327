-- Scheduler runtime bookkeeping (issue: scheduler an operator can trust).
-- job_runs.resent_at: a queued tick that no service started in time is re-sent once (same run id).
-- job_runs.retry_of is unique: a failed run is retried at most once by each later attempt, even with two schedulers.
-- scheduler_job_state.overlap_policy: what a due slot does while the job's previous run is still going.
ALTER TABLE job_runs ADD COLUMN resent_at timestamptz NULL;
CREATE UNIQUE INDEX uq_job_runs_retry_of ON job_runs (retry_of) WHERE retry_of IS NOT NULL;
CREATE INDEX idx_job_runs_failed_recent ON job_runs (finished_at) WHERE status = 'failed';
ALTER TABLE scheduler_job_state
    ADD COLUMN overlap_policy text NOT NULL DEFAULT 'skip' CHECK (overlap_policy IN ('skip', 'queue'));
