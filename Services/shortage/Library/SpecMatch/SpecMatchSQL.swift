import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// The statements of daily_spec_match_check.
enum SpecMatchSQL {
    static let open = "('PENDING','ACKNOWLEDGED','PROCESSING')"

    /// Every line in scope with each applicable requirement (req_id NULL: none applies), its fingerprint and
    /// its current record. Coded requirements win; a NULL-code one applies by name only when none is coded.
    static let pairs = """
        DROP TABLE IF EXISTS pg_temp.spec_pairs;
        CREATE TEMP TABLE spec_pairs ON COMMIT DROP AS
        WITH lines AS (
            SELECT 'PURCHASE_ORDER'::text AS match_type, 1 AS kind, poi.id AS line_id, po.project_id,
                   poi.material_code AS code, coalesce(poi.material_name, m.material_name) AS name,
                   coalesce(poi.specification, '') AS spec, m.brand, po.created_by AS creator
              FROM purchase_order_items poi
              JOIN purchase_orders po ON po.id = poi.order_id AND po.status IN ('APPROVED','ORDERED','PARTIAL_RECEIVED')
              JOIN projects p ON p.id = po.project_id AND p.is_active AND NOT p.is_archived
              LEFT JOIN materials m ON m.id = poi.material_id
            UNION ALL
            SELECT 'BOM', 2, bi.id, bh.project_id, m.material_code, coalesce(bi.material_name, m.material_name),
                   coalesce(bi.specification, ''), m.brand, NULL::bigint
              FROM bom_items bi
              JOIN bom_headers bh ON bh.id = bi.bom_id AND bh.is_latest AND bh.status IN ('APPROVED','RELEASED')
              JOIN projects p ON p.id = bh.project_id AND p.is_active AND NOT p.is_archived
              JOIN materials m ON m.id = bi.material_id
        )
        SELECT l.*, r.id AS req_id, r.material_name AS req_name, r.specification AS req_spec, r.brand AS req_brand,
               r.requirement_level AS req_level, jsonb_typeof(r.key_parameters) AS params_type,
               (SELECT jsonb_agg(jsonb_build_object('k', e.key, 't', jsonb_typeof(e.value), 'v', e.value #>> '{}',
                                                    'j', e.value::text) ORDER BY e.key)
                  FROM jsonb_each(CASE WHEN jsonb_typeof(r.key_parameters) = 'object' THEN r.key_parameters END) e) AS params,
               md5(jsonb_build_array(l.spec, l.brand, r.id, extract(epoch FROM r.updated_at)::text, r.specification,
                                     r.brand, r.model, r.key_parameters, r.requirement_level)::text) AS fingerprint,
               cur.id AS current_id, cur.fingerprint AS current_fingerprint
          FROM lines l
          LEFT JOIN technical_spec_requirements r ON r.project_id = l.project_id AND (
                   r.material_code = l.code
                OR (nullif(btrim(r.material_code), '') IS NULL AND lower(btrim(r.material_name)) = lower(btrim(l.name))
                    AND NOT EXISTS (SELECT 1 FROM technical_spec_requirements c
                                     WHERE c.project_id = l.project_id AND c.material_code = l.code)))
          LEFT JOIN spec_match_records cur ON cur.superseded_at IS NULL AND cur.match_type = l.match_type
               AND cur.match_target_id = l.line_id AND cur.spec_requirement_id = r.id;
        """

    static let scopeCounts = """
        SELECT count(DISTINCT (match_type, line_id))::int AS lines,
               count(DISTINCT (match_type, line_id)) FILTER (WHERE req_id IS NULL)::int AS no_requirement
          FROM spec_pairs
        """

    /// Pairs without a current record of the same fingerprint, in load order.
    static let toEvaluate = """
        SELECT match_type, line_id, project_id, spec, brand, req_id, req_spec, req_brand, req_level, params_type,
               params::text AS params, fingerprint
          FROM spec_pairs
         WHERE req_id IS NOT NULL AND current_fingerprint IS DISTINCT FROM fingerprint
         ORDER BY project_id, kind, line_id, req_id
        """

    static let recordset = """
        jsonb_to_recordset($1::jsonb) AS i(match_type text, line_id bigint, project_id bigint, req_id bigint,
                                           status text, score numeric, differences jsonb, fingerprint text)
        """

    /// $1 evaluated records, $2 now.
    static let supersede = """
        UPDATE spec_match_records s SET superseded_at = $2, updated_at = $2
          FROM \(recordset)
         WHERE s.superseded_at IS NULL AND s.match_type = i.match_type AND s.match_target_id = i.line_id
           AND s.spec_requirement_id = i.req_id
        """

    static let insertRecords = """
        INSERT INTO spec_match_records (project_id, spec_requirement_id, match_type, match_target_id, match_status,
            match_score, differences, fingerprint, created_at, updated_at)
        SELECT i.project_id, i.req_id, i.match_type, i.line_id, i.status, i.score,
               nullif(i.differences, 'null'::jsonb), i.fingerprint, $2, $2
          FROM \(recordset)
        """

    /// The open (or still-ignored) alert of a record superseded in this run moves to its successor unless that
    /// one matches, so the alert's level can rise in place; a MATCHED successor lets it resolve.
    /// $1 rule, $2 now, $3 rule code.
    static let carryAlerts = """
        UPDATE alert_records a
           SET target_id = n.id, target_no = 'MATCH-' || n.id, dedup_key = $3 || ':SPEC_MATCH:' || n.id, updated_at = $2
          FROM spec_match_records o
          JOIN spec_match_records n ON n.superseded_at IS NULL AND n.match_type = o.match_type
               AND n.match_target_id = o.match_target_id AND n.spec_requirement_id = o.spec_requirement_id
         WHERE o.superseded_at = $2 AND n.match_status <> 'MATCHED'
           AND a.rule_id = $1 AND a.target_type = 'SPEC_MATCH' AND a.target_id = o.id
           AND (a.status IN \(open) OR (a.status = 'IGNORED' AND a.condition_cleared_at IS NULL))
        """

    /// Readable differences (gap 6), e.g. `电压: 要求 24, 实际 12; 品牌: 要求 SMC, 实际 缺失`.
    static let readableDifferences = """
        coalesce(nullif(concat_ws('; ',
            CASE WHEN s.differences ? 'specification' THEN '规格: 要求 ' || coalesce(s.differences->'specification'->>'required', '')
                 || ', 实际 ' || coalesce(nullif(s.differences->'specification'->>'actual', ''), '缺失') END,
            CASE WHEN s.differences ? 'brand' THEN '品牌: 要求 ' || coalesce(s.differences->'brand'->>'required', '')
                 || ', 实际 ' || coalesce(s.differences->'brand'->>'actual', '缺失') END,
            CASE WHEN s.differences ? 'model' THEN '型号: 要求 ' || coalesce(s.differences->'model'->>'required', '')
                 || ', 实际 ' || coalesce(s.differences->'model'->>'actual', '缺失') END,
            (SELECT string_agg(coalesce(l.label, d.key) || ': 要求 ' || coalesce(d.value->>'required', '')
                               || ', 实际 ' || coalesce(d.value->>'actual', '缺失'), '; ' ORDER BY coalesce(l.ord, 99), d.key)
               FROM jsonb_each(CASE WHEN jsonb_typeof(s.differences->'parameters') = 'object' THEN s.differences->'parameters' END) d
               LEFT JOIN (VALUES ('voltage', '电压', 1), ('current', '电流', 2), ('accuracy', '精度', 3),
                                 ('temp_min', '最低温度', 4), ('temp_max', '最高温度', 5), ('power', '功率', 6),
                                 ('frequency', '频率', 7), ('length', '长度', 8), ('width', '宽度', 9),
                                 ('height', '高度', 10), ('diameter', '直径', 11)) l(key, label, ord) ON l.key = d.key)
        ), ''), '无')
        """

    /// Alert candidates for the AlertWriter: current MISMATCHED/UNKNOWN records of pairs in scope.
    /// $1 the rule's configured threshold (the WARNING threshold; CRITICAL is below 50).
    static let candidates = """
        SELECT 'SPEC_MATCH', s.id, 'MATCH-' || s.id, p.req_name || ' 规格不匹配', s.project_id, NULL::bigint,
               v.level, '物料 ' || p.req_name || ' 规格不匹配',
               '物料 ' || p.req_name || ' 的规格与技术规格书要求不一致。匹配度：' || coalesce(s.match_score::text, '0.00')
                   || '%。差异：' || \(readableDifferences),
               jsonb_build_object('spec_requirement_id', p.req_id, 'material_name', p.req_name,
                                  'required_spec', p.req_spec, 'match_score', s.match_score::float8,
                                  'differences', s.differences, 'match_type', s.match_type,
                                  'match_target_id', s.match_target_id),
               s.match_score::text,
               CASE v.level WHEN 'CRITICAL' THEN '50' WHEN 'WARNING' THEN $1::text END,
               'SPEC_MISMATCH:SPEC_MATCH:' || s.id,
               row_number() OVER (ORDER BY p.project_id, p.kind, p.line_id, p.req_id),
               true,
               jsonb_build_array(jsonb_build_object('user_id', pr.pm_id, 'reason', 'PM'),
                                 jsonb_build_object('user_id', p.creator, 'reason', 'CREATOR'))
          FROM spec_pairs p
          JOIN spec_match_records s ON s.superseded_at IS NULL AND s.match_type = p.match_type
               AND s.match_target_id = p.line_id AND s.spec_requirement_id = p.req_id
          JOIN projects pr ON pr.id = p.project_id
          CROSS JOIN LATERAL (SELECT CASE WHEN s.match_status = 'UNKNOWN' THEN 'INFO'
                                          WHEN s.match_score < 50 THEN 'CRITICAL' ELSE 'WARNING' END AS level) v
         WHERE s.match_status IN ('MISMATCHED','UNKNOWN')
        """

    /// Current records point at their open alert. $1 rule, $2 now.
    static let linkAlerts = """
        UPDATE spec_match_records s SET alert_id = a.id, updated_at = $2
          FROM alert_records a
         WHERE a.rule_id = $1 AND a.target_type = 'SPEC_MATCH' AND a.target_id = s.id AND a.status IN \(open)
           AND s.superseded_at IS NULL AND s.alert_id IS DISTINCT FROM a.id
        """
}
