-- DATA-MODEL.md §5 Seed rows.
-- §5.1: the 16 system alert rules (explicit ids 1-16, below the identity start of 1 000 000). No job creates
-- rules; notify_channels / notify_users stay NULL (in-app only) until an operator changes them.
-- §5.2: one scheduler_job_state row per catalog job (37), enabled, everything else NULL.

INSERT INTO alert_rules (id, rule_code, rule_name, rule_type, target_type, condition_type,
                         condition_operator, threshold_value, alert_level, alert_no_prefix, domain,
                         is_enabled, is_system, description) VALUES
 (1, 'MATERIAL_SHORTAGE', '缺料预警', 'MATERIAL_SHORTAGE', 'MATERIAL', 'THRESHOLD', 'LT', '0', 'WARNING', 'SA', 'shortage', true, true, '当物料短缺时触发预警'),
 (2, 'KIT_RATE_LOW', '齐套率过低预警', 'MATERIAL_SHORTAGE', 'WORK_ORDER', 'THRESHOLD', 'LT', '80', 'WARNING', 'KC', 'shortage', true, true, '当工单齐套率低于80%时触发预警'),
 (3, 'DELIVERY_DELAY', '到货延迟预警', 'DELIVERY_DUE', 'PURCHASE_ORDER', 'THRESHOLD', 'LT', '0', 'WARNING', 'DD', 'shortage', true, true, '当采购订单到货日期超过要求交期时触发预警'),
 (4, 'SPEC_MISMATCH', '规格不匹配预警', 'SPECIFICATION_MISMATCH', 'SPEC_MATCH', 'THRESHOLD', 'LT', '80', 'WARNING', 'AL', 'shortage', true, true, '当采购订单或BOM中的物料规格与技术规格书要求不匹配时触发预警'),
 (5, 'PRODUCTION_PLAN', '生产计划预警', 'SCHEDULE_DELAY', 'PRODUCTION_PLAN', 'THRESHOLD', 'LT', '80', 'WARNING', 'PP', 'production', true, true, '当生产计划进度低于80%或计划日期临近时触发预警'),
 (6, 'WORK_REPORT_TIMEOUT', '报工超时提醒', 'SCHEDULE_DELAY', 'WORK_ORDER', 'THRESHOLD', 'GT', '24', 'WARNING', 'WT', 'production', true, true, '当工单超过24小时未报工时触发预警'),
 (7, 'OUTSOURCING_DELIVERY', '外协交期预警', 'DELIVERY_DUE', 'OUTSOURCING_ORDER', 'THRESHOLD', 'LT', '3', 'WARNING', 'OD', 'production', true, true, '当外协订单交期临近或已逾期时触发预警'),
 (8, 'MILESTONE_WARNING', '里程碑即将到期预警', 'MILESTONE_DUE', 'MILESTONE', 'THRESHOLD', 'LT', '3', 'WARNING', 'MS', 'progress', true, true, '当里程碑将在3天内到期时触发预警'),
 (9, 'MILESTONE_OVERDUE', '里程碑逾期预警', 'MILESTONE_DUE', 'MILESTONE', 'THRESHOLD', 'LT', '0', 'CRITICAL', 'MS', 'progress', true, true, '当里程碑已逾期时触发预警'),
 (10, 'MILESTONE_RISK', '里程碑风险预警', 'MILESTONE_DUE', 'MILESTONE', 'THRESHOLD', 'LT', '7', 'WARNING', 'MR', 'progress', true, true, '当里程碑临近但关联任务未完成时触发预警'),
 (11, 'TASK_DELAY', '任务延期预警', 'SCHEDULE_DELAY', 'TASK', 'THRESHOLD', 'LT', '0', 'WARNING', 'TD', 'progress', true, true, '当任务计划结束日期已过但未完成时触发预警'),
 (12, 'TASK_DEADLINE_REMINDER', '任务到期提醒', 'SCHEDULE_DELAY', 'TASK_UNIFIED', 'THRESHOLD', 'LT', '24', 'INFO', 'TR', 'progress', true, true, '当任务即将在24小时内到期时触发提醒'),
 (13, 'WORKLOAD_OVERLOAD', '资源负荷超限预警', 'RESOURCE', 'USER', 'THRESHOLD', 'GT', '110', 'WARNING', 'WO', 'progress', true, true, '当用户未来30天负荷超过110%时触发预警'),
 (14, 'OVERDUE_RECEIVABLE', '逾期应收预警', 'PAYMENT_DUE', 'INVOICE', 'THRESHOLD', 'GT', '0', 'WARNING', 'AR', 'receivables', true, true, '当发票已逾期且未完全收款时触发预警'),
 (15, 'COST_OVERRUN', '成本超支预警', 'COST_OVERRUN', 'PROJECT', 'THRESHOLD', 'GT', '5', 'WARNING', 'CO', 'cost', true, true, '当项目成本超支超过5%时触发预警'),
 (16, 'BLOCKING_ISSUE', '阻塞问题预警', 'QUALITY_ISSUE', 'ISSUE', 'THRESHOLD', 'EQ', '1', 'WARNING', 'AL', 'issues', true, true, '当问题被标记为阻塞时触发预警')
ON CONFLICT (rule_code) DO NOTHING;

-- Catalog order (DATA-MODEL.md §6); shortage 5, progress 10, receivables 6, issues 5, production 5, cost 2,
-- notifications 4.
INSERT INTO scheduler_job_state (job_id, domain) VALUES
 ('calculate_project_health', 'progress'),
 ('daily_health_snapshot', 'progress'),
 ('daily_spec_match_check', 'shortage'),
 ('check_overdue_issues', 'issues'),
 ('check_blocking_issues', 'issues'),
 ('check_timeout_issues', 'issues'),
 ('daily_issue_statistics_snapshot', 'issues'),
 ('check_milestone_alerts', 'progress'),
 ('check_milestone_status_and_adjust_payments', 'receivables'),
 ('check_cost_overrun_alerts', 'cost'),
 ('check_workload_overload_alerts', 'progress'),
 ('generate_shortage_alerts', 'shortage'),
 ('check_task_delay_alerts', 'progress'),
 ('check_production_plan_alerts', 'production'),
 ('check_work_report_timeout', 'production'),
 ('calculate_progress_summary', 'progress'),
 ('daily_kit_check', 'shortage'),
 ('check_delivery_delay', 'shortage'),
 ('check_task_deadline_reminder', 'progress'),
 ('check_outsourcing_delivery_alerts', 'production'),
 ('check_milestone_risk_alerts', 'progress'),
 ('generate_production_daily_reports', 'production'),
 ('generate_shortage_daily_report', 'shortage'),
 ('generate_job_duty_tasks', 'progress'),
 ('check_ecn_overdue', 'progress'),
 ('check_payment_reminder', 'receivables'),
 ('check_overdue_receivable_alerts', 'receivables'),
 ('check_alert_escalation', 'notifications'),
 ('check_opportunity_stage_timeout', 'receivables'),
 ('check_presale_workorder_timeout', 'receivables'),
 ('check_issue_timeout_escalation', 'issues'),
 ('check_equipment_maintenance_reminder', 'production'),
 ('calculate_response_metrics', 'notifications'),
 ('send_alert_notifications', 'notifications'),
 ('retry_failed_notifications', 'notifications'),
 ('calculate_monthly_labor_cost', 'cost'),
 ('sales_reminder_scan', 'receivables')
ON CONFLICT (job_id) DO NOTHING;
