-- Receivables and cost jobs (issue 7): the indexes their set-based statements need beyond 0007/0008.

-- sales_reminder_scan, G2–G4 gate timeout: pending gates by age (the open-stage index does not cover them).
CREATE INDEX idx_opportunities_gate_pending ON opportunities (updated_at) WHERE gate_status = 'PENDING';

-- calculate_monthly_labor_cost: the month's labour rows, found by cost_date when stale ones are deleted.
CREATE INDEX idx_project_costs_labor_date ON project_costs (cost_date)
    WHERE source_module = 'TIMESHEET' AND source_type = 'LABOR_COST';
