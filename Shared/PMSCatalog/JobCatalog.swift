import PMSBus

/// The 37 scheduled jobs, in the original's file order (platform.md §1.8, domains from DATA-MODEL.md
/// §5.2). Cron text is the APScheduler fields mapped per platform.md §1.4: `{minute: 0}` → `0 * * * *`,
/// `{hour: 8, minute: 10}` → `10 8 * * *`, `{day: 1, hour: 2, minute: 0}` → `0 2 1 * *`.
public enum JobCatalog {
    public static let all: [JobDefinition] = [
        // id, Chinese name, domain, cron, owner, category,
        // description (the spec's English gloss), risk, SLA seconds, retry on failure,
        // dependency tables (verbatim from the metadata, including names that are not real tables).
        entry(
            "calculate_project_health", "计算项目健康度", .progress, "0 * * * *", "Backend Platform", "Project Health",
            "compute project health", .high, 300, false,
            ["projects", "project_milestones", "issues", "alert_records", "tasks"]
        ),
        entry(
            "daily_health_snapshot", "每日健康度快照", .progress, "0 2 * * *", "Backend Platform", "Project Health",
            "daily health snapshot", .medium, 600, false,
            ["projects", "project_health_snapshots"]
        ),
        entry(
            "daily_spec_match_check", "每日规格匹配检查", .shortage, "0 9 * * *", "Quality Team", "Spec Match",
            "daily spec-match check", .medium, 900, false,
            ["purchase_orders", "bom_items", "materials"]
        ),
        entry(
            "check_overdue_issues", "问题逾期预警", .issues, "0 * * * *", "Issue Squad", "Issue Management",
            "overdue-issue alert", .high, 180, true,
            ["issues", "alert_records"]
        ),
        entry(
            "check_blocking_issues", "阻塞问题预警", .issues, "5 * * * *", "Issue Squad", "Issue Management",
            "blocking-issue alert", .high, 180, true,
            ["issues", "alert_records"]
        ),
        entry(
            "check_timeout_issues", "问题超时升级", .issues, "0 1 * * *", "Issue Squad", "Issue Management",
            "issue timeout escalation", .medium, 300, false,
            ["issues", "alert_records"]
        ),
        entry(
            "daily_issue_statistics_snapshot", "每日问题统计快照", .issues, "0 3 * * *", "Issue Squad", "Issue Management",
            "daily issue statistics snapshot", .low, 600, false,
            ["issues", "alert_statistics"]
        ),
        entry(
            "check_milestone_alerts", "里程碑预警", .progress, "0 8 * * *", "PMO", "Milestone",
            "milestone alert", .high, 300, true,
            ["project_milestones", "alert_records"]
        ),
        entry(
            "check_milestone_status_and_adjust_payments", "里程碑状态监控与收款计划调整", .receivables, "0 * * * *", "Sales", "Payment",
            "milestone status monitor & payment-plan adjustment", .medium, 300, true,
            ["project_milestones", "project_payment_plans", "notifications"]
        ),
        entry(
            "check_cost_overrun_alerts", "成本超支预警", .cost, "0 10 * * *", "Finance", "Cost",
            "cost overrun alert", .high, 600, true,
            ["projects", "project_costs", "alert_records"]
        ),
        entry(
            "check_workload_overload_alerts", "负荷超限预警", .progress, "0 11 * * *", "PMO", "Resource",
            "workload overload alert", .medium, 600, false,
            ["users", "timesheets", "tasks", "alert_records"]
        ),
        entry(
            "generate_shortage_alerts", "缺料预警生成", .shortage, "0 7 * * *", "Supply Chain", "Shortage",
            "material-shortage alert generation", .critical, 1200, true,
            ["bom_items", "materials", "purchase_orders", "goods_receipts", "alert_records"]
        ),
        entry(
            "check_task_delay_alerts", "任务延期预警", .progress, "0 * * * *", "PMO", "Schedule",
            "task delay alert", .high, 180, true,
            ["tasks", "alert_records"]
        ),
        entry(
            "check_production_plan_alerts", "生产计划预警", .production, "0 11 * * *", "Manufacturing", "Production",
            "production plan alert", .medium, 600, false,
            ["production_plans", "machines", "alert_records"]
        ),
        entry(
            "check_work_report_timeout", "报工超时提醒", .production, "0 * * * *", "Manufacturing", "Production",
            "work-report timeout reminder", .low, 120, false,
            ["timesheets", "users"]
        ),
        entry(
            "calculate_progress_summary", "进度汇总计算", .progress, "0 * * * *", "PMO", "Schedule",
            "progress summary", .medium, 300, false,
            ["projects", "tasks"]
        ),
        entry(
            "daily_kit_check", "每日齐套检查", .shortage, "0 6 * * *", "Supply Chain", "Shortage",
            "daily kit-completeness check", .high, 1200, true,
            ["bom_items", "materials", "purchase_orders", "goods_receipts"]
        ),
        entry(
            "check_delivery_delay", "到货延迟检查", .shortage, "0 14 * * *", "Supply Chain", "Procurement",
            "delivery delay check", .medium, 600, false,
            ["purchase_orders", "goods_receipts", "alert_records"]
        ),
        entry(
            "check_task_deadline_reminder", "任务到期提醒", .progress, "0 * * * *", "PMO", "Schedule",
            "task deadline reminder", .low, 120, false,
            ["tasks", "users"]
        ),
        entry(
            "check_outsourcing_delivery_alerts", "外协交期预警", .production, "0 15 * * *", "Supply Chain", "Outsourcing",
            "outsourcing delivery alert", .medium, 600, false,
            ["outsourcing_orders", "alert_records"]
        ),
        entry(
            "check_milestone_risk_alerts", "里程碑风险预警", .progress, "10 8 * * *", "PMO", "Milestone",
            "milestone risk alert", .high, 600, true,
            ["project_milestones", "projects", "tasks", "alert_records"]
        ),
        entry(
            "generate_production_daily_reports", "生产日报自动生成", .production, "0 5 * * *", "Manufacturing", "Production",
            "production daily reports", .low, 900, false,
            ["production_plans", "machines", "timesheets"]
        ),
        entry(
            "generate_shortage_daily_report", "缺料日报自动生成", .shortage, "15 5 * * *", "Supply Chain", "Shortage",
            "shortage daily report", .medium, 1200, false,
            ["bom_items", "materials", "purchase_orders", "goods_receipts"]
        ),
        entry(
            "generate_job_duty_tasks", "岗位职责任务生成", .progress, "0 4 * * *", "PMO", "Workspace",
            "job-duty task generation", .low, 600, false,
            ["job_duties", "tasks", "users"]
        ),
        entry(
            "check_ecn_overdue", "ECN 超时检查", .progress, "0 9 * * *", "ECN Team", "Change Management",
            "ECN overdue check", .medium, 600, false,
            ["ecns", "ecn_tasks", "ecn_approvals"]
        ),
        entry(
            "check_payment_reminder", "收款提醒服务", .receivables, "30 9 * * *", "Finance", "Finance",
            "payment collection reminder", .medium, 300, false,
            ["project_payment_plans", "projects"]
        ),
        entry(
            "check_overdue_receivable_alerts", "逾期应收预警", .receivables, "30 10 * * *", "Finance", "Finance",
            "overdue receivable alert", .high, 600, true,
            ["project_payment_plans", "projects", "alert_records"]
        ),
        entry(
            "check_alert_escalation", "预警升级服务", .notifications, "10 * * * *", "PMO", "Alerting",
            "alert escalation", .medium, 180, true,
            ["alert_records"]
        ),
        entry(
            "check_opportunity_stage_timeout", "商机阶段超时提醒", .receivables, "30 15 * * *", "Sales", "Sales",
            "opportunity stage timeout", .low, 300, false,
            ["opportunities", "opportunity_stages"]
        ),
        entry(
            "check_presale_workorder_timeout", "售前工单超时提醒", .receivables, "0 16 * * *", "Presales", "Sales",
            "presales work-order timeout", .low, 300, false,
            ["presale_workorders"]
        ),
        entry(
            "check_issue_timeout_escalation", "问题超时升级服务", .issues, "30 1 * * *", "Issue Squad", "Issue Management",
            "issue timeout escalation, second tier", .medium, 300, false,
            ["issues", "alert_records"]
        ),
        entry(
            "check_equipment_maintenance_reminder", "设备保养提醒服务", .production, "30 8 * * *", "Manufacturing", "Equipment",
            "equipment maintenance reminder", .low, 300, false,
            ["machines", "equipment_maintenance_plans"]
        ),
        entry(
            "calculate_response_metrics", "计算响应时效指标", .notifications, "0 1 * * *", "Backend Platform", "Alert Statistics",
            "alert response-time metrics", .medium, 300, false,
            ["alert_records", "alert_statistics"]
        ),
        entry(
            "send_alert_notifications", "消息推送服务", .notifications, "15 * * * *", "PMO", "Alerting",
            "alert notification push", .high, 300, true,
            ["alert_records", "users"]
        ),
        entry(
            "retry_failed_notifications", "通知重试机制", .notifications, "30 * * * *", "PMO", "Alerting",
            "failed-notification retry", .medium, 300, false,
            ["alert_notifications", "alert_records", "users"]
        ),
        entry(
            "calculate_monthly_labor_cost", "月度工时成本计算", .cost, "0 2 1 * *", "Finance", "Cost",
            "monthly labour cost", .medium, 1800, false,
            ["timesheets", "projects", "project_costs"]
        ),
        entry(
            "sales_reminder_scan", "销售提醒扫描", .receivables, "0 9 * * *", "Sales", "Sales",
            "sales reminder scan", .medium, 600, false,
            ["opportunities", "project_payment_plans", "projects"]
        ),
    ]

    private static let byID: [String: JobDefinition] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.id, $0) }
    )

    public static func job(id: String) -> JobDefinition? {
        byID[id]
    }

    /// The jobs one domain service runs, in catalog order.
    public static func jobs(in domain: Domain) -> [JobDefinition] {
        all.filter { $0.domain == domain }
    }

    private static func entry(
        _ id: String, _ name: String, _ domain: Domain, _ cron: String, _ owner: String, _ category: String,
        _ description: String, _ risk: RiskLevel, _ slaSeconds: Int, _ retryOnFailure: Bool,
        _ dependencyTables: [String]
    ) -> JobDefinition {
        JobDefinition(
            id: id, name: name, domain: domain, cron: cron, owner: owner, category: category,
            description: description, riskLevel: risk, slaSeconds: slaSeconds, retryOnFailure: retryOnFailure,
            dependencyTables: dependencyTables
        )
    }
}
