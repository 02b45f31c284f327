-- =====================================================================================================
-- demo.sql — deterministic demo / benchmark data set behind `pmsctl seed --scale N`.
--
-- Contract (see Seed/README.md):
--   * Run by the CLI with one PQexec (multi-statement simple query) inside one transaction, after
--       SELECT set_config('pms.seed_scale', '<N>', false),
--              set_config('pms.seed_anchor', '<YYYY-MM-DD>', false),
--              set_config('pms.seed_zone', '<IANA zone>', false);
--     Plain SQL only: no psql meta-commands, no BEGIN/COMMIT.
--   * Deterministic: same scale + anchor (+ zone) => byte-identical rows. No random(), no now(): every
--     created_at / updated_at is set explicitly, relative to the anchor day in the given zone.
--   * Explicit ids below 1 000 000 (identity columns start at 1 000 000). Id ranges per table scale with N;
--     N is therefore limited to 1..1000 (10 000 projects, 990 000 BOM lines).
--   * Set-based (INSERT … SELECT FROM generate_series); no row-by-row loops.
--   * Fails with a clear message when projects already exist (run it on a fresh, migrated database).
--   * Touches no job-produced table (alert_records, alert_recipients, alert_notifications, notifications,
--     material_shortages, spec_match_records, auto mat_kit_check rows, snapshots/reports, job_runs,
--     executed_runs, outbox, payment_plan_adjustments) and none of the migration seed rows (alert_rules,
--     scheduler_job_state).
--
-- Shape: one fixed "head office" (central departments finance, purchasing, PMC, quality, GM office and
-- their 18 users, who hold the routing roles GM, CFO, FIN, FINANCE, FI, PU, PU_MGR, PMC, QA_MGR) plus N
-- "divisions" (事业部). Each division has 7 departments, 44 users, 4 workshops, 16 workers, 300 materials,
-- 8 customers and 10 projects; each project has 3 machines, 4 BOM headers and 99 BOM lines (96 on the
-- latest RELEASED BOMs), 8 purchase orders, 8 work orders, 6 milestones, 18 WBS tasks, and so on.
-- Keeping the routing-role holders fixed keeps role-based recipient fan-out linear in N.
--
-- Notation used in comments: a = anchor day ("today" D), p = global project number 1..10N (= project id),
-- u = division 1..N, lp = project number inside its division 1..10, j = user number inside a division.
-- =====================================================================================================

-- ---------------------------------------------------------------------------------------------------
-- 0. Guard and parameters
-- ---------------------------------------------------------------------------------------------------
DO $guard$
DECLARE
    v_scale  text := nullif(current_setting('pms.seed_scale', true), '');
    v_anchor text := nullif(current_setting('pms.seed_anchor', true), '');
    v_zone   text := nullif(current_setting('pms.seed_zone', true), '');
    v_n      integer;
    v_a      date;
BEGIN
    IF v_scale IS NULL OR v_anchor IS NULL OR v_zone IS NULL THEN
        RAISE EXCEPTION 'demo seed: pms.seed_scale, pms.seed_anchor and pms.seed_zone must be set (set_config) before running demo.sql';
    END IF;
    IF v_scale !~ '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION 'demo seed: pms.seed_scale must be an integer between 1 and 1000, got "%"', v_scale;
    END IF;
    v_n := v_scale::integer;
    IF v_n < 1 OR v_n > 1000 THEN
        RAISE EXCEPTION 'demo seed: scale % is out of range 1..1000 (explicit ids must stay below 1 000 000)', v_n;
    END IF;
    BEGIN
        v_a := v_anchor::date;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'demo seed: pms.seed_anchor must be a date YYYY-MM-DD, got "%"', v_anchor;
    END;
    BEGIN
        PERFORM (v_a + time '12:00') AT TIME ZONE v_zone;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'demo seed: pms.seed_zone "%" is not a valid time zone', v_zone;
    END;
    IF EXISTS (SELECT 1 FROM projects) THEN
        RAISE EXCEPTION 'demo data already present: projects exist; use a fresh database';
    END IF;
    IF EXISTS (SELECT 1 FROM users) THEN
        RAISE EXCEPTION 'demo data already present: users exist; use a fresh database';
    END IF;
END
$guard$;

-- Transaction-local planner setting: the cross joins over small temp tables look expensive to the planner and
-- JIT compilation (hundreds of ms per statement) would dominate the run time at small scales.
SELECT set_config('jit', 'off', true);

CREATE TEMP TABLE seed_p AS
SELECT current_setting('pms.seed_scale')::integer       AS n,
       current_setting('pms.seed_anchor')::date         AS a,
       current_setting('pms.seed_zone')                 AS z,
       current_setting('pms.seed_scale')::integer * 10  AS np;
ANALYZE seed_p;

-- ts(day, time of day) -> timestamptz of that wall-clock time in the seed zone.
CREATE FUNCTION pg_temp.ts(d date, t time) RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT (d + t) AT TIME ZONE current_setting('pms.seed_zone') $$;

-- Division user id, division department id.
CREATE FUNCTION pg_temp.du(u integer, j integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (100 + (u - 1) * 44 + j)::bigint $$;
CREATE FUNCTION pg_temp.dd(u integer, d integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (10 + (u - 1) * 7 + d)::bigint $$;

-- Deterministic Chinese names (surname + given name) and their pinyin, from the user id.
CREATE FUNCTION pg_temp.cn_name(id bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','高','林','罗',
              '郑','梁','谢','宋','唐','许','韩','冯','邓','曹','彭','曾','肖','田','董','袁','潘','于','蒋','蔡'])
           [1 + ((id * 7 + id / 40) % 40)::int]
    || (ARRAY['伟','芳','娜','敏','静','强','磊','洋','勇','艳','杰','军','涛','明','超','秀英','霞','平','刚','桂英',
              '建华','志强','晓东','海燕','国庆','丽华','文博','子轩','浩然','思远','雨涵','嘉怡','俊杰','建国','春梅',
              '志明','鹏飞','宇航','晨曦','欣怡','振华','立新','永刚','红梅','建军','国栋','少华','德明','亚楠','慧敏'])
           [1 + ((id * 13 + id / 7) % 50)::int]
$$;
CREATE FUNCTION pg_temp.py_name(id bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT (ARRAY['wang','li','zhang','liu','chen','yang','huang','zhao','wu','zhou','xu','sun','ma','zhu','hu','guo','he',
              'gao','lin','luo','zheng','liang','xie','song','tang','xu','han','feng','deng','cao','peng','zeng','xiao',
              'tian','dong','yuan','pan','yu','jiang','cai'])
           [1 + ((id * 7 + id / 40) % 40)::int]
    || (ARRAY['wei','fang','na','min','jing','qiang','lei','yang','yong','yan','jie','jun','tao','ming','chao','xiuying',
              'xia','ping','gang','guiying','jianhua','zhiqiang','xiaodong','haiyan','guoqing','lihua','wenbo','zixuan',
              'haoran','siyuan','yuhan','jiayi','junjie','jianguo','chunmei','zhiming','pengfei','yuhang','chenxi',
              'xinyi','zhenhua','lixin','yonggang','hongmei','jianjun','guodong','shaohua','deming','yanan','huimin'])
           [1 + ((id * 13 + id / 7) % 50)::int]
$$;

-- Division label prefix for department / workshop names ('' at scale 1).
CREATE FUNCTION pg_temp.div(u integer) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT CASE WHEN current_setting('pms.seed_scale')::integer = 1 THEN '' ELSE '第' || u || '事业部·' END
$$;

-- Per-project attributes used by many tables.
CREATE TEMP TABLE seed_pj AS
SELECT p,
       u,
       lp,
       st,                                                                  -- ACTIVE | INACTIVE | ARCHIVED
       pg_temp.du(u, 1 + (lp % 5))                          AS pm,          -- PM: division users j = 1..5
       10 + (u - 1) * 4 + 1 + (lp % 3)                      AS ws,          -- workshop 1..3 of the division
       (u - 1) * 8 + 1 + ((lp - 1) % 8)                     AS cust,
       800000 + ((p * 7919) % 40) * 100000                  AS budget,
       a - (90 + (p * 13) % 60)                             AS pstart,
       CASE WHEN p % 10 = 4 THEN a + 5 ELSE a + 30 + (p * 37) % 150 END AS pend,
       -- the milestone in progress ("current") and its planned date
       CASE p % 5 WHEN 2 THEN 3 WHEN 0 THEN 3 ELSE 4 END    AS cur,
       a + CASE p % 5 WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 3 WHEN 4 THEN -2 ELSE -8 END AS curd,
       (ARRAY['电池模组自动装配线','视觉检测设备','激光焊接工作站','机器人上下料单元','全自动贴标机','电芯PACK生产线',
              '伺服压装机','点胶固化线','AGV物流系统','FCT功能测试设备','自动包装码垛线','螺丝自动锁付机'])
           [1 + (p * 7) % 12]                               AS eqtype,
       a
  FROM (SELECT p::integer, ((p - 1) / 10 + 1)::integer AS u, ((p - 1) % 10 + 1)::integer AS lp,
               CASE WHEN p % 20 = 7 THEN CASE WHEN (p / 20) % 2 = 0 THEN 'INACTIVE' ELSE 'ARCHIVED' END
                    ELSE 'ACTIVE' END AS st,
               sp.a
          FROM seed_p sp, generate_series(1, sp.np) AS p) x;
CREATE UNIQUE INDEX ON seed_pj (p);
ANALYZE seed_pj;

-- ---------------------------------------------------------------------------------------------------
-- 1. Organisation: positions, roles, departments, users, user_roles, notification_settings
-- ---------------------------------------------------------------------------------------------------
INSERT INTO positions (id, position_name, created_at)
SELECT v.id, v.name, pg_temp.ts(sp.a - 400, '09:00')
  FROM seed_p sp,
       (VALUES (1,'总经理'),(2,'副总经理'),(3,'财务总监'),(4,'会计'),(5,'出纳'),(6,'采购经理'),(7,'采购工程师'),
               (8,'PMC经理'),(9,'计划员'),(10,'质量经理'),(11,'质量工程师'),(12,'项目总监'),(13,'项目经理'),
               (14,'销售经理'),(15,'销售工程师'),(16,'售前经理'),(17,'售前工程师'),(18,'机械工程师'),
               (19,'电气工程师'),(20,'软件工程师'),(21,'设计经理'),(22,'生产经理'),(23,'车间主任'),(24,'装配技工'),
               (25,'电工'),(26,'调试工程师'),(27,'质检员'),(28,'项目助理'),(29,'仓库主管'),(30,'系统管理员'))
       AS v(id, name);

INSERT INTO roles (id, role_code, role_name, is_active, created_at)
SELECT v.id, v.code, v.name, v.active, pg_temp.ts(sp.a - 400, '09:00')
  FROM seed_p sp,
       (VALUES (1,'ADMIN','系统管理员',true),(2,'GM','总经理',true),(3,'CFO','财务总监',true),(4,'FIN','财务',true),
               (5,'FINANCE','财务（旧编码）',true),(6,'FI','财务专员（停用）',false),(7,'PU','采购',true),
               (8,'PU_MGR','采购经理',true),(9,'PMC','计划物控',true),(10,'QA','质量',true),(11,'QA_MGR','质量经理',true),
               (12,'PM','项目经理',true),(13,'SALES','销售',true),(14,'PRESALES','售前',true),(15,'ENGINEER','工程师',true),
               (16,'WORKSHOP_MGR','车间主任',true),(17,'WORKER','技工',true))
       AS v(id, code, name, active);

-- Head-office departments 1..5, division departments 10 + (u-1)*7 + d.
INSERT INTO departments (id, dept_name, manager_id, created_at)
SELECT v.id, v.name, NULL, pg_temp.ts(sp.a - 400, '09:00')
  FROM seed_p sp,
       (VALUES (1,'总经办'),(2,'财务部'),(3,'采购部'),(4,'计划物控部'),(5,'品质部')) AS v(id, name);

INSERT INTO departments (id, dept_name, manager_id, created_at)
SELECT pg_temp.dd(u, d), pg_temp.div(u) || v.name, NULL, pg_temp.ts(sp.a - 400 + (u % 30), '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u,
       (VALUES (1,'项目管理部'),(2,'销售部'),(3,'售前技术部'),(4,'机械设计部'),(5,'电气设计部'),(6,'软件部'),
               (7,'生产部')) AS v(d, name);

-- Head-office users 1..18.
INSERT INTO users (id, username, real_name, email, phone, position, department_id, position_id, is_active,
                   is_superuser, created_at)
SELECT v.id, v.username, v.real_name, v.username || '@demo-automation.cn',
       '1' || (ARRAY['3','5','8'])[1 + v.id % 3] || lpad(((v.id * 7919 * 131) % 1000000000)::text, 9, '0'),
       pos.position_name, v.dept, v.pos, v.active, v.su, pg_temp.ts(sp.a - 380, '09:00')
  FROM seed_p sp,
       (VALUES (1,'admin','周建国',1,30,true,true),
               (2,'wang.jianhua','王建华',1,1,true,false),
               (3,'li.zhiqiang','李志强',1,2,true,false),
               (4,'zhang.lihua','张丽华',2,3,true,false),
               (5,'liu.fang','刘芳',2,4,true,false),
               (6,'chen.jing','陈静',2,5,true,false),
               (7,'yang.min','杨敏',2,4,true,false),
               (8,'zhao.gang','赵刚',3,6,true,false),
               (9,'huang.lei','黄磊',3,7,true,false),
               (10,'wu.tao','吴涛',3,7,true,false),
               (11,'xu.haiyan','徐海燕',3,7,true,false),
               (12,'sun.pengfei','孙鹏飞',4,8,true,false),
               (13,'ma.xiaodong','马晓东',4,9,true,false),
               (14,'zhu.chunmei','朱春梅',4,9,true,false),
               (15,'hu.zhenhua','胡振华',5,10,true,false),
               (16,'guo.yanan','郭亚楠',5,11,true,false),
               (17,'he.yong','何勇',3,7,false,false),          -- left the company, still holds role PU
               (18,'gao.deming','高德明',4,29,true,false))
       AS v(id, username, real_name, dept, pos, active, su)
  JOIN positions pos ON pos.id = v.pos;

-- Division user layout: j -> position, department (0 = head-office 品质部), roles.
CREATE TEMP TABLE seed_dj AS
SELECT j, pos, dept, roles
  FROM (VALUES (1,12,1,ARRAY['PM']), (2,13,1,ARRAY['PM']), (3,13,1,ARRAY['PM']), (4,13,1,ARRAY['PM']),
               (5,13,1,ARRAY['PM']), (6,14,2,ARRAY['SALES']), (7,15,2,ARRAY['SALES']), (8,15,2,ARRAY['SALES']),
               (9,15,2,ARRAY['SALES']), (10,16,3,ARRAY['PRESALES']), (11,17,3,ARRAY['PRESALES']),
               (12,17,3,ARRAY['PRESALES']), (13,21,4,ARRAY['ENGINEER']), (14,18,4,ARRAY['ENGINEER']),
               (15,18,4,ARRAY['ENGINEER']), (16,18,4,ARRAY['ENGINEER']), (17,21,5,ARRAY['ENGINEER']),
               (18,19,5,ARRAY['ENGINEER']), (19,19,5,ARRAY['ENGINEER']), (20,21,6,ARRAY['ENGINEER']),
               (21,20,6,ARRAY['ENGINEER']), (22,20,6,ARRAY['ENGINEER']), (23,22,7,ARRAY['WORKSHOP_MGR']),
               (24,23,7,ARRAY['WORKSHOP_MGR']),
               (25,24,7,ARRAY['WORKER']), (26,24,7,ARRAY['WORKER']), (27,24,7,ARRAY['WORKER']),
               (28,24,7,ARRAY['WORKER']), (29,24,7,ARRAY['WORKER']), (30,24,7,ARRAY['WORKER']),
               (31,24,7,ARRAY['WORKER']), (32,24,7,ARRAY['WORKER']), (33,24,7,ARRAY['WORKER']),
               (34,24,7,ARRAY['WORKER']), (35,25,7,ARRAY['WORKER']), (36,25,7,ARRAY['WORKER']),
               (37,25,7,ARRAY['WORKER']), (38,26,7,ARRAY['WORKER']), (39,26,7,ARRAY['WORKER']),
               (40,26,7,ARRAY['WORKER']), (41,27,0,ARRAY['QA']), (42,27,0,ARRAY['QA']), (43,28,1,ARRAY[]::text[]),
               (44,18,4,ARRAY['ENGINEER','PM']))
       AS v(j, pos, dept, roles);

-- Division users 100 + (u-1)*44 + j. j = 42 has only the legacy free-text position (no position_id);
-- j = 44 left the company (inactive) but still holds roles.
INSERT INTO users (id, username, real_name, email, phone, position, department_id, position_id, is_active,
                   is_superuser, created_at)
SELECT x.id, pg_temp.py_name(x.id) || '.' || x.id, pg_temp.cn_name(x.id),
       pg_temp.py_name(x.id) || '.' || x.id || '@demo-automation.cn',
       '1' || (ARRAY['3','5','8'])[1 + x.id % 3] || lpad(((x.id * 7919 * 131) % 1000000000)::text, 9, '0'),
       pos.position_name,
       CASE WHEN dj.dept = 0 THEN 5 ELSE pg_temp.dd(x.u, dj.dept) END,
       CASE WHEN dj.j = 42 THEN NULL ELSE dj.pos END,
       dj.j <> 44, false, pg_temp.ts(sp.a - 370 + (x.id % 200)::integer, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u
  CROSS JOIN seed_dj dj
  CROSS JOIN LATERAL (SELECT pg_temp.du(u, dj.j) AS id, u) x
  JOIN positions pos ON pos.id = dj.pos;

UPDATE departments d SET manager_id = v.mgr
  FROM (VALUES (1,2),(2,4),(3,8),(4,12),(5,15)) AS v(id, mgr)
 WHERE d.id = v.id;

UPDATE departments d SET manager_id = pg_temp.du(x.u, x.j)
  FROM (SELECT u, v.d, v.j FROM seed_p sp, generate_series(1, sp.n) AS u,
               (VALUES (1,1),(2,6),(3,10),(4,13),(5,17),(6,20),(7,23)) AS v(d, j)) x
 WHERE d.id = pg_temp.dd(x.u, x.d);

INSERT INTO user_roles (id, user_id, role_id, created_at)
SELECT v.id, v.user_id, r.id, pg_temp.ts(sp.a - 380, '10:00')
  FROM seed_p sp,
       (VALUES (1,1,'ADMIN'),(2,2,'GM'),(3,3,'GM'),(4,4,'CFO'),(5,4,'FIN'),(6,5,'FIN'),(7,6,'FINANCE'),(8,7,'FI'),
               (9,8,'PU_MGR'),(10,8,'PU'),(11,9,'PU'),(12,10,'PU'),(13,11,'PU'),(14,12,'PMC'),(15,13,'PMC'),
               (16,14,'PMC'),(17,15,'QA_MGR'),(18,15,'QA'),(19,16,'QA'),(20,17,'PU'))
       AS v(id, user_id, code)
  JOIN roles r ON r.role_code = v.code;

INSERT INTO user_roles (id, user_id, role_id, created_at)
SELECT 100 + (u - 1) * 48 + x.k, pg_temp.du(u, x.j), r.id, pg_temp.ts(sp.a - 370, '10:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u,
       (SELECT dj.j, rc.code, row_number() OVER (ORDER BY dj.j, rc.ord)::integer AS k
          FROM seed_dj dj, unnest(dj.roles) WITH ORDINALITY AS rc(code, ord)) x
  JOIN roles r ON r.role_code = x.code;

-- Some users have notification preferences; several have quiet hours.
INSERT INTO notification_settings (id, user_id, system_enabled, email_enabled, wechat_enabled, dingtalk_enabled,
                                   sms_enabled, alert_notifications, issue_notifications, quiet_hours_start,
                                   quiet_hours_end, created_at)
SELECT v.id, v.uid, true, v.email, v.wechat, true, v.sms, v.alerts, true, v.qs::time, v.qe::time,
       pg_temp.ts(sp.a - 200, '09:00')
  FROM seed_p sp,
       (VALUES (1, 2,true,true,true,true,'22:00','07:00'),
               (2, 4,false,true,false,true,NULL,NULL),
               (3, 8,true,true,true,true,'23:00','06:30'),
               (4,12,true,false,false,true,NULL,NULL),
               (5,13,true,true,false,false,NULL,NULL),
               (6,15,true,true,false,true,'12:00','13:30'))
       AS v(id, uid, email, wechat, sms, alerts, qs, qe);

INSERT INTO notification_settings (id, user_id, system_enabled, email_enabled, wechat_enabled, dingtalk_enabled,
                                   sms_enabled, alert_notifications, issue_notifications, quiet_hours_start,
                                   quiet_hours_end, created_at)
SELECT 10 + (u - 1) * 5 + v.k, pg_temp.du(u, v.j), true, true, true, v.ding, v.sms, true, v.issues,
       v.qs::time, v.qe::time, pg_temp.ts(sp.a - 190, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u,
       (VALUES (1, 1,true,false,true,'22:00','08:00'),
               (2, 2,false,false,true,'12:00','13:00'),
               (3, 6,true,true,true,NULL,NULL),
               (4,14,true,false,false,NULL,NULL),
               (5,23,true,true,true,'00:00','06:00'))
       AS v(k, j, ding, sms, issues, qs, qe);

-- ---------------------------------------------------------------------------------------------------
-- 2. Customers, projects, machines, contracts
-- ---------------------------------------------------------------------------------------------------
INSERT INTO customers (id, customer_name, created_at)
SELECT c,
       (ARRAY['苏州','深圳','东莞','宁波','无锡','常州','合肥','武汉','成都','西安','厦门','天津'])[1 + (c * 5) % 12]
    || (ARRAY['恒瑞','华科','精诚','瑞联','宏达','新锐','博远','领航','鼎盛','凯越','金泰','永盛','天成','中元',
              '联创','海纳'])[1 + (c * 7 + c / 12) % 16]
    || (ARRAY['精密电子','新能源电池','汽车零部件','医疗器械','光电科技','智能家电','半导体设备','通信技术'])[1 + (c * 3) % 8]
    || CASE WHEN c % 3 = 0 THEN '股份有限公司' ELSE '有限公司' END,
       pg_temp.ts(sp.a - 500 + (c % 100), '10:00')
  FROM seed_p sp, generate_series(1, sp.n * 8) AS c;

INSERT INTO projects (id, project_code, project_name, stage, status, health, progress_pct, planned_start_date,
                      planned_end_date, actual_start_date, pm_id, contract_id, budget_amount, actual_cost,
                      is_active, is_archived, created_at, updated_at)
SELECT pj.p, 'PJ' || to_char(pj.p, 'FM00000'),
       left(c.customer_name, 4) || pj.eqtype || '项目',
       CASE WHEN pj.st = 'ACTIVE' THEN 'S' || (2 + (pj.p * 3) % 6) ELSE 'S9' END,
       CASE WHEN pj.st = 'INACTIVE' THEN 'ST99'
            WHEN pj.st = 'ARCHIVED' THEN 'ST30'
            WHEN pj.p % 13 = 5 THEN 'ST14'
            WHEN pj.p % 13 = 9 THEN 'ST22'
            ELSE 'ST' || to_char(4 + ((pj.p * 3) % 6) * 2, 'FM00') END,
       CASE WHEN pj.st <> 'ACTIVE' THEN 'H4' WHEN pj.p % 13 = 5 THEN 'H3' WHEN pj.p % 13 = 9 THEN 'H2' ELSE 'H1' END,
       0, pj.pstart, pj.pend,
       CASE WHEN pj.p % 9 = 0 THEN NULL ELSE pj.pstart + (pj.p % 5) END,
       pj.pm, NULL, pj.budget, 0,
       pj.st <> 'INACTIVE', pj.st = 'ARCHIVED',
       pg_temp.ts(pj.pstart - 15, '10:00'), pg_temp.ts(pj.pstart - 15, '10:00')
  FROM seed_pj pj
  JOIN customers c ON c.id = pj.cust;

INSERT INTO machines (id, project_id, machine_code, machine_name, created_at)
SELECT (pj.p - 1) * 3 + m, pj.p, 'PJ' || to_char(pj.p, 'FM00000') || '-M' || m,
       (ARRAY['上料机构','主装配单元','检测下料单元'])[m], pg_temp.ts(pj.pstart - 10, '10:00')
  FROM seed_pj pj, generate_series(1, 3) AS m;

-- One contract per project (id = p), plus two not-yet-signed contracts per division (20000 + …).
INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id, status, delivery_deadline, created_at)
SELECT pj.p, 'HT' || to_char(pj.p, 'FM000000'), pj.cust, pj.p, pg_temp.du(pj.u, 6 + (pj.lp % 4)),
       CASE pj.st WHEN 'INACTIVE' THEN 'CANCELLED' WHEN 'ARCHIVED' THEN 'CLOSED'
                  ELSE CASE WHEN pj.p % 3 = 0 THEN 'SIGNED' ELSE 'ACTIVE' END END,
       CASE pj.p % 10 WHEN 1 THEN pj.a + 7 WHEN 2 THEN pj.a + 15 WHEN 5 THEN pj.a + 30 ELSE pj.pend + 10 END,
       pg_temp.ts(pj.pstart - 20, '15:00')
  FROM seed_pj pj;

INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id, status, delivery_deadline, created_at)
SELECT 20000 + (u - 1) * 2 + c, 'HT-N' || to_char((u - 1) * 2 + c, 'FM000000'), (u - 1) * 8 + 2 + c, NULL,
       pg_temp.du(u, 6 + c), CASE c WHEN 1 THEN 'DRAFT' ELSE 'IN_REVIEW' END, sp.a + 120 + c * 30,
       pg_temp.ts(sp.a - 6 - c, '11:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 2) AS c;

UPDATE projects SET contract_id = id;

-- ---------------------------------------------------------------------------------------------------
-- 3. Materials, BOMs, purchasing
-- ---------------------------------------------------------------------------------------------------
-- 300 materials per division, id (u-1)*300 + m:
--   m   1..240  general parts  (stock 0..59; used on BOM lines and purchase orders)
--   m 241..280  plentiful parts (stock ≥ 5000; BOM lines, work-order lines of kitted orders)
--   m 281..290  scarce parts, stock 0 (never on a purchase order)  -> kit shortage lines
--   m 291..300  scarce parts, stock 3 (never on a purchase order)  -> kit "in transit / partial" lines
CREATE TEMP TABLE seed_cat AS
SELECT * FROM (VALUES
 (1,'气缸','QG','MAL20x{n}-CA',ARRAY['SMC','亚德客','FESTO']),
 (2,'电磁阀','DCF','SY5120-5DZ-{n}',ARRAY['SMC','亚德客','FESTO']),
 (3,'伺服电机','SFDJ','MSMF{n}2L1G6M',ARRAY['松下','安川','汇川']),
 (4,'伺服驱动器','SFQD','SV-DA200-{n}',ARRAY['松下','安川','汇川']),
 (5,'行星减速机','JSJ','PLF060-{n}',ARRAY['纽卡特','台湾精锐','新宝']),
 (6,'直线导轨','DG','HGH20CA-{n}mm',ARRAY['上银','THK','银泰']),
 (7,'滚珠丝杠','SG','SFU1605-{n}mm',ARRAY['上银','THK','TBI']),
 (8,'同步带','TB','HTD5M-{n}',ARRAY['盖茨','三星','米思米']),
 (9,'同步带轮','TBL','HTPA{n}S5M150',ARRAY['米思米','怡合达','盖茨']),
 (10,'深沟球轴承','ZC','620{n}-2RS',ARRAY['NSK','SKF','哈瓦洛']),
 (11,'梅花联轴器','LZQ','XGT-{n}',ARRAY['米思米','怡合达','鲁尔']),
 (12,'工业铝型材','LXC','4040-{n}mm',ARRAY['凯宝','怡合达','米思米']),
 (13,'PLC控制器','PLC','FX5U-{n}MT',ARRAY['三菱','西门子','欧姆龙']),
 (14,'触摸屏','HMI','TPC7{n}',ARRAY['威纶通','昆仑通态','西门子']),
 (15,'变频器','BPQ','VFD{n}E',ARRAY['台达','汇川','三菱']),
 (16,'中间继电器','JDQ','MY2N-{n}',ARRAY['欧姆龙','施耐德','正泰']),
 (17,'交流接触器','JCQ','LC1D{n}',ARRAY['施耐德','正泰','西门子']),
 (18,'微型断路器','DLQ','C{n}A 2P',ARRAY['施耐德','正泰','ABB']),
 (19,'开关电源','KGDY','24V-{n}W',ARRAY['明纬','欧姆龙','台达']),
 (20,'光电传感器','GDCG','E3Z-D6{n}',ARRAY['欧姆龙','基恩士','松下']),
 (21,'接近开关','JJKG','E2E-X{n}D1',ARRAY['欧姆龙','倍加福','图尔克']),
 (22,'光纤传感器','GXCG','FS-N4{n}N',ARRAY['基恩士','欧姆龙','松下']),
 (23,'工业相机','GYXJ','MV-CA0{n}-10GM',ARRAY['海康机器人','巴斯勒','大华']),
 (24,'工业镜头','GYJT','MVL-HF{n}28M',ARRAY['海康机器人','Computar','大华']),
 (25,'视觉光源','SJGY','RL-{n}-W',ARRAY['奥普特','CCS','沃德普']),
 (26,'扫码枪','SMQ','HR-{n}',ARRAY['霍尼韦尔','基恩士','新大陆']),
 (27,'六轴机器人','LZJQR','IRB1200-{n}',ARRAY['ABB','发那科','埃斯顿']),
 (28,'SCARA机器人','SCARA','LS6-{n}02S',ARRAY['爱普生','雅马哈','汇川']),
 (29,'真空吸盘','ZKXP','ZP{n}BS',ARRAY['SMC','PISCO','怡合达']),
 (30,'真空发生器','ZKFSQ','ZH{n}DS',ARRAY['SMC','PISCO','亚德客']),
 (31,'气管','QGU','PU8x5-{n}m',ARRAY['SMC','亚德客','PISCO']),
 (32,'拖链','TL','TL{n}x38',ARRAY['易格斯','怡合达','米思米']),
 (33,'屏蔽电缆','PBDL','RVVP4x0.5-{n}m',ARRAY['远东','起帆','胜华']),
 (34,'接线端子排','DZP','UK{n}N',ARRAY['菲尼克斯','魏德米勒','正泰']),
 (35,'钣金机架','BJJJ','JJ-{n}',ARRAY['自制','外协钣金','外协焊接']),
 (36,'定位销','DWX','MSTH{n}-20',ARRAY['米思米','怡合达','自制']),
 (37,'导向轴','DXZ','SFJ{n}-200',ARRAY['米思米','怡合达','THK']),
 (38,'压力传感器','YLCG','ISE30A-{n}',ARRAY['SMC','基恩士','亚德客']),
 (39,'安全光栅','AQGS','SF4B-H{n}',ARRAY['松下','基恩士','欧姆龙']),
 (40,'急停按钮','JTAN','XB2-BS{n}42',ARRAY['施耐德','西门子','正泰'])
) AS v(c, name, prefix, spec, brands);

INSERT INTO materials (id, material_code, material_name, specification, brand, current_stock, created_at)
SELECT x.id, cat.prefix || '-' || to_char(x.id, 'FM0000000'), cat.name,
       replace(cat.spec, '{n}', (1 + (x.id * 7) % 9)::text || CASE WHEN x.id % 2 = 0 THEN '0' ELSE '5' END),
       cat.brands[1 + (x.id % 3)::int],
       CASE WHEN x.m <= 240 THEN (x.id * 37) % 60
            WHEN x.m <= 280 THEN 5000 + x.id % 100
            WHEN x.m <= 290 THEN 0
            ELSE 3 END,
       pg_temp.ts(sp.a - 450 + (x.id % 50)::integer, '09:30')
  FROM seed_p sp, generate_series(1, sp.n) AS u
  CROSS JOIN generate_series(1, 300) AS m
  CROSS JOIN LATERAL (SELECT ((u - 1) * 300 + m)::bigint AS id, m) x
  JOIN seed_cat cat ON cat.c = 1 + ((x.m * 11 + u) % 40);
ANALYZE materials;

-- BOM headers, 4 per project, id (p-1)*4 + h: h = 1..3 the latest BOM of machine h (RELEASED; machine 3 of
-- every project with p % 10 = 3 only has a DRAFT), h = 4 an older RELEASED version of machine 1 (is_latest false).
INSERT INTO bom_headers (id, project_id, machine_id, status, is_latest, created_at)
SELECT (pj.p - 1) * 4 + h, pj.p, (pj.p - 1) * 3 + CASE WHEN h = 4 THEN 1 ELSE h END,
       CASE WHEN h = 3 AND pj.p % 10 = 3 THEN 'DRAFT' ELSE 'RELEASED' END,
       h <> 4,
       pg_temp.ts(pj.pstart + CASE WHEN h = 4 THEN 5 ELSE 20 END, '14:00')
  FROM seed_pj pj, generate_series(1, 4) AS h;

-- BOM lines, 99 per project, id (p-1)*99 + k: k 1..96 on the latest headers (32 per machine), k 97..99 on the
-- old version. Coverage class per line (off = required_date - a, hc = a 0..99 hash):
--   off < -3          : received (hc < 90; hc < 20 also with a RECEIVED purchase line), else covered by the
--                       late ORDERED order 8
--   -3 <= off <= 14   : hc < 40 received; < 70 half received + open PO for the rest; < 80 open PO for all;
--                       short: < 86 nothing ordered; < 92 a third received + open PO for half of the rest;
--                       < 96 ordered on a DRAFT / CANCELLED order only; else on order 3 (PARTIAL_RECEIVED) with
--                       half of the PO line already received (coverage counts only quantity - received_qty)
--   off > 14          : hc < 30 open PO (order 4); < 40 DRAFT order 6; else nothing yet
-- Old-version lines (k 97..99) are due in the window with nothing received or ordered.
CREATE TEMP TABLE seed_bl AS
SELECT y.*,
       CASE y.cls
            WHEN 'RECEIVED'      THEN y.q
            WHEN 'RECV_PO'       THEN y.q
            WHEN 'PARTIAL_PO'    THEN y.q / 2
            WHEN 'SHORT_PARTIAL' THEN y.q / 3
            ELSE 0 END                                                      AS recv,
       CASE y.cls
            WHEN 'RECV_PO'       THEN 5
            WHEN 'LATE_PO'       THEN 8
            WHEN 'PARTIAL_PO'    THEN 1 + (y.hc % 3)
            WHEN 'FULL_PO'       THEN 1 + (y.hc % 2)
            WHEN 'SHORT_PARTIAL' THEN CASE WHEN (y.q - y.q / 3) / 2 > 0 THEN 1 + (y.hc % 2) END
            WHEN 'SHORT_DRAFT'   THEN 6 + (y.hc % 2)
            WHEN 'SHORT_PORECV'  THEN 3
            WHEN 'FUTURE_PO'     THEN 4
            WHEN 'FUTURE_DRAFT'  THEN 6
            END                                                             AS po_idx,
       CASE y.cls
            WHEN 'PARTIAL_PO'    THEN y.q - y.q / 2
            WHEN 'SHORT_PARTIAL' THEN (y.q - y.q / 3) / 2
            ELSE y.q END                                                    AS po_qty,
       CASE y.cls
            WHEN 'RECV_PO'       THEN y.q
            WHEN 'SHORT_PORECV'  THEN (y.q + 1) / 2
            ELSE 0 END                                                      AS po_recv
  FROM (SELECT x.*,
               CASE WHEN x.k > 96 THEN 'OLD'
                    WHEN x.off < -3 THEN CASE WHEN x.hc >= 90 THEN 'LATE_PO' WHEN x.hc < 20 THEN 'RECV_PO'
                                              ELSE 'RECEIVED' END
                    WHEN x.off <= 14 THEN CASE WHEN x.hc < 40 THEN 'RECEIVED'
                                               WHEN x.hc < 70 THEN 'PARTIAL_PO'
                                               WHEN x.hc < 80 THEN 'FULL_PO'
                                               WHEN x.hc < 86 THEN 'SHORT_NONE'
                                               WHEN x.hc < 92 THEN 'SHORT_PARTIAL'
                                               WHEN x.hc < 96 THEN 'SHORT_DRAFT'
                                               ELSE 'SHORT_PORECV' END
                    ELSE CASE WHEN x.hc < 30 THEN 'FUTURE_PO' WHEN x.hc < 40 THEN 'FUTURE_DRAFT' ELSE 'NONE' END
               END AS cls
          FROM (SELECT pj.p, pj.u, k,
                       ((pj.p - 1) * 99 + k)::bigint                                      AS id,
                       ((pj.p - 1) * 4 + CASE WHEN k > 96 THEN 4 ELSE (k - 1) / 32 + 1 END)::bigint AS bom_id,
                       CASE WHEN pj.p % 5 = 0 AND k = 50 THEN NULL
                            ELSE ((pj.u - 1) * 300 + 1 + ((pj.p * 31 + k * 7919) % 280))::bigint END AS material_id,
                       1 + ((pj.p * 7 + k * 13) % 12)                                     AS q,
                       CASE WHEN k > 96 THEN (k - 97) * 3
                            ELSE ((pj.p * 131 + k * 7919) % 121) - 30 END                 AS off,
                       (pj.p * 7 + k * 29) % 100                                          AS hc,
                       pj.a, pj.pstart
                  FROM seed_pj pj, generate_series(1, 99) AS k) x) y;
CREATE UNIQUE INDEX ON seed_bl (id);
ANALYZE seed_bl;

INSERT INTO bom_items (id, bom_id, material_id, material_code, material_name, specification, quantity,
                       required_date, received_qty, created_at)
SELECT bl.id, bl.bom_id, bl.material_id,
       COALESCE(m.material_code, 'FZ-' || to_char(bl.id, 'FM0000000')),
       COALESCE(m.material_name, '辅料包（杂项）'),
       CASE WHEN m.id IS NULL THEN '按清单配套'
            WHEN bl.k % 17 = 5 THEN m.specification || '（代用型号）'
            ELSE m.specification END,
       bl.q, bl.a + bl.off, bl.recv,
       pg_temp.ts(bl.pstart + CASE WHEN bl.k > 96 THEN 5 ELSE 20 END, '14:00')
  FROM seed_bl bl
  LEFT JOIN materials m ON m.id = bl.material_id;

-- Purchase orders, 8 per project, id (p-1)*8 + o:
--   1 ORDERED due a+3 · 2 APPROVED due a+10 · 3 PARTIAL_RECEIVED due a-1 (late) · 4 ORDERED due a+25 ·
--   5 RECEIVED · 6 DRAFT · 7 CANCELLED · 8 ORDERED due a-4 (late)
-- plus 3 stock-replenishment orders per division (90000 + …, no project).
INSERT INTO purchase_orders (id, order_no, order_title, project_id, status, required_date, promised_date,
                             created_by, created_at)
SELECT (pj.p - 1) * 8 + o, 'PO' || to_char((pj.p - 1) * 8 + o, 'FM0000000'),
       left(pj.eqtype, 6) || (ARRAY['标准件','电气件','气动元件','机加件','型材','外购件','备件','传感器'])[o] || '采购',
       pj.p,
       (ARRAY['ORDERED','APPROVED','PARTIAL_RECEIVED','ORDERED','RECEIVED','DRAFT','CANCELLED','ORDERED'])[o],
       pj.a + (ARRAY[3, 10, -1, 25, -20, 20, 5, -4])[o],
       pj.a + (ARRAY[3, 12, 2, 28, -21, NULL, NULL, -1])[o],
       CASE WHEN o = 5 OR (o = 8 AND pj.p % 6 = 0) THEN 17 ELSE 8 + (pj.p + o) % 4 END,
       pg_temp.ts(pj.a - 45 + o * 2, '10:30')
  FROM seed_pj pj, generate_series(1, 8) AS o;

INSERT INTO purchase_orders (id, order_no, order_title, project_id, status, required_date, promised_date,
                             created_by, created_at)
SELECT 90000 + (u - 1) * 3 + s, 'PO-STK' || to_char((u - 1) * 3 + s, 'FM000000'), '库存备货采购', NULL,
       (ARRAY['ORDERED','APPROVED','RECEIVED'])[s], sp.a + (ARRAY[7, 12, -10])[s], sp.a + (ARRAY[8, 12, -11])[s],
       9 + s, pg_temp.ts(sp.a - 30 + s, '11:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 3) AS s;

INSERT INTO purchase_order_items (id, order_id, material_id, bom_item_id, material_code, material_name,
                                  specification, quantity, received_qty, status, required_date, promised_date,
                                  created_at)
SELECT bl.id, (bl.p - 1) * 8 + bl.po_idx, bl.material_id, bl.id, bi.material_code, bi.material_name,
       bi.specification, bl.po_qty, bl.po_recv,
       CASE WHEN bl.po_recv >= bl.po_qty THEN 'RECEIVED' WHEN bl.po_recv > 0 THEN 'PARTIAL_RECEIVED' ELSE 'PENDING' END,
       bi.required_date, po.promised_date, po.created_at
  FROM seed_bl bl
  JOIN bom_items bi ON bi.id = bl.id
  JOIN purchase_orders po ON po.id = (bl.p - 1) * 8 + bl.po_idx
 WHERE bl.po_idx IS NOT NULL;

INSERT INTO purchase_order_items (id, order_id, material_id, bom_item_id, material_code, material_name,
                                  specification, quantity, received_qty, status, required_date, promised_date,
                                  created_at)
SELECT 990000 + (po.u - 1) * 9 + (po.s - 1) * 3 + i, po.id, m.id, NULL, m.material_code, m.material_name,
       m.specification, 50, CASE WHEN po.s = 3 THEN 50 ELSE 0 END,
       CASE WHEN po.s = 3 THEN 'RECEIVED' ELSE 'PENDING' END, po.required_date, po.promised_date, po.created_at
  FROM (SELECT o.*, ((o.id - 90000 - 1) / 3 + 1)::integer AS u, ((o.id - 90000 - 1) % 3 + 1)::integer AS s
          FROM purchase_orders o WHERE o.id > 90000) po
  CROSS JOIN generate_series(1, 3) AS i
  JOIN materials m ON m.id = (po.u - 1) * 300 + 1 + ((po.u * 17 + po.s * 41 + i * 23) % 240);

-- Specification requirements (daily_spec_match_check): per project one on line 5 (whose spec is a substitute
-- model: mismatch), one on line 40 (matches), one generic requirement on every 气缸 line of the project.
INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification, brand, model,
                                         key_parameters, requirement_level, created_at, updated_at)
SELECT (pj.p - 1) * 3 + r, pj.p,
       CASE WHEN r = 3 THEN NULL ELSE m.material_code END,
       CASE WHEN r = 3 THEN '气缸' ELSE m.material_name END,
       CASE WHEN r = 3 THEN 'MAL20x100-CA' ELSE m.specification END,
       CASE WHEN r = 3 THEN 'SMC' ELSE m.brand END,
       NULL,
       CASE r WHEN 1 THEN '{"voltage": "24V"}'::jsonb WHEN 3 THEN '{"diameter": 20, "length": 100}'::jsonb END,
       CASE r WHEN 1 THEN 'REQUIRED' WHEN 2 THEN 'OPTIONAL' ELSE 'STRICT' END,
       pg_temp.ts(pj.pstart + 10, '09:00'), pg_temp.ts(pj.pstart + 10, '09:00')
  FROM seed_pj pj
  CROSS JOIN generate_series(1, 3) AS r
  LEFT JOIN materials m ON m.id = (pj.u - 1) * 300 + 1
                             + ((pj.p * 31 + CASE r WHEN 1 THEN 5 ELSE 40 END * 7919) % 280);

INSERT INTO material_arrivals (id, expected_date, actual_date, is_delayed, status, created_at)
SELECT (pj.p - 1) * 3 + i,
       pj.a + (ARRAY[-1, -3, CASE WHEN pj.p % 4 = 0 THEN -2 ELSE 2 END])[i],
       CASE i WHEN 3 THEN NULL ELSE pj.a - 1 END,
       i = 2,
       CASE i WHEN 3 THEN CASE WHEN pj.p % 4 = 0 THEN 'DELAYED' ELSE 'IN_TRANSIT' END ELSE 'RECEIVED' END,
       pg_temp.ts(pj.a - 20, '09:00')
  FROM seed_pj pj, generate_series(1, 3) AS i;

INSERT INTO shortage_reports (id, report_time, resolved_at, status, created_at)
SELECT (u - 1) * 4 + r, pg_temp.ts(sp.a - 1, (time '08:40' + r * interval '95 minutes')),
       CASE WHEN r = 4 THEN pg_temp.ts(sp.a - 1, '17:10') END,
       (ARRAY['REPORTED','CONFIRMED','HANDLING','RESOLVED'])[r],
       pg_temp.ts(sp.a - 1, (time '08:40' + r * interval '95 minutes'))
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 4) AS r;

INSERT INTO mat_shortage_alert (id, alert_no, impact_type, estimated_delay_days, created_at)
SELECT (u - 1) * 3 + r, 'MSA' || to_char((u - 1) * 3 + r, 'FM0000000'),
       (ARRAY['stop','delay','none'])[r], (ARRAY[2, 1, NULL])[r],
       pg_temp.ts(sp.a - 1, (time '10:00' + r * interval '2 hours'))
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 3) AS r;

-- ---------------------------------------------------------------------------------------------------
-- 4. Production: workshops, workers, shifts, plans, work orders, kit lines, reports, exceptions, equipment
-- ---------------------------------------------------------------------------------------------------
INSERT INTO workshop (id, workshop_code, workshop_name, manager_id, is_active, created_at)
SELECT 10 + (u - 1) * 4 + w, 'WS' || to_char((u - 1) * 4 + w, 'FM00000'),
       pg_temp.div(u) || (ARRAY['总装车间','电气装配车间','调试车间','旧厂区车间'])[w],
       CASE w WHEN 1 THEN pg_temp.du(u, 23) WHEN 4 THEN NULL ELSE pg_temp.du(u, 24) END,
       w <> 4, pg_temp.ts(sp.a - 400, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 4) AS w;

-- 16 workers per division (users j = 25..40); worker 8 on leave, worker 16 resigned.
INSERT INTO worker (id, user_id, workshop_id, status, is_active, created_at)
SELECT (u - 1) * 16 + w, pg_temp.du(u, 24 + w),
       10 + (u - 1) * 4 + CASE WHEN w <= 6 THEN 1 WHEN w <= 11 THEN 2 ELSE 3 END,
       CASE w WHEN 8 THEN 'LEAVE' WHEN 16 THEN 'RESIGNED' ELSE 'ACTIVE' END,
       w <> 16, pg_temp.ts(sp.a - 360, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 16) AS w;

-- The electrical workshop (2) of every division runs two shifts Monday–Friday; others use the default calendar.
INSERT INTO work_shifts (id, workshop_id, weekday, start_time, end_time, is_active, created_at)
SELECT (u - 1) * 10 + (wd - 1) * 2 + s, 10 + (u - 1) * 4 + 2, wd,
       CASE s WHEN 1 THEN time '08:00' ELSE time '20:00' END,
       CASE s WHEN 1 THEN time '20:00' ELSE time '08:00' END,
       true, pg_temp.ts(sp.a - 300, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 5) AS wd, generate_series(1, 2) AS s;

INSERT INTO non_working_days (id, workshop_id, day, reason, created_at)
SELECT v.id, NULL, make_date(extract(year FROM sp.a)::integer + v.dy, v.mo, v.dd), v.reason,
       pg_temp.ts(sp.a - 300, '09:00')
  FROM seed_p sp,
       (VALUES (1,0,1,1,'元旦'),(2,0,5,1,'劳动节'),(3,0,5,2,'劳动节'),(4,0,5,3,'劳动节'),(5,0,10,1,'国庆节'),
               (6,0,10,2,'国庆节'),(7,0,10,3,'国庆节'),(8,0,10,4,'国庆节'),(9,0,10,5,'国庆节'),(10,0,10,6,'国庆节'),
               (11,0,10,7,'国庆节'),(12,1,1,1,'元旦')) AS v(id, dy, mo, dd, reason);

INSERT INTO non_working_days (id, workshop_id, day, reason, created_at)
SELECT 100 + u, 10 + (u - 1) * 4 + 3, sp.a - 2, '设备检修停产', pg_temp.ts(sp.a - 20, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u;

-- One production plan per project (id = p). p % 4: 0 due a+5, 1 overdue (a-2), 2 due a+30, 3 PUBLISHED a+60.
INSERT INTO production_plan (id, plan_no, plan_name, project_id, workshop_id, plan_end_date, status, progress,
                             created_by, created_at)
SELECT pj.p, 'PP' || to_char(pj.p, 'FM0000000'), left(c.customer_name, 4) || pj.eqtype || '生产计划', pj.p, pj.ws,
       pj.a + (ARRAY[5, -2, 30, 60])[1 + pj.p % 4],
       CASE WHEN pj.st = 'INACTIVE' THEN 'CANCELLED' WHEN pj.st = 'ARCHIVED' THEN 'COMPLETED'
            WHEN pj.p % 4 = 3 THEN 'PUBLISHED' ELSE 'EXECUTING' END,
       CASE WHEN pj.st = 'ARCHIVED' THEN 100 ELSE 10 + (pj.p * 7) % 30 END,
       12 + pj.p % 3, pg_temp.ts(pj.a - 35, '09:00')
  FROM seed_pj pj JOIN customers c ON c.id = pj.cust;

-- Work orders, 8 per project, id (p-1)*8 + w:
--   1 COMPLETED · 2 STARTED, last report a-6 (report timeout) · 3 STARTED, reported yesterday ·
--   4 PENDING start a+1, fully kitted · 5 ASSIGNED start a+3, kit 50–70 % · 6 PENDING start a+6, kit 90 % ·
--   7 ASSIGNED start a+10 (outside the kit window, no project) ·
--   8 PENDING start a + p%8, no own lines: machine 1's BOM (p even) or a manual kit check (p odd)
-- Orders 2..8 of inactive/archived projects are PAUSED / CANCELLED.
INSERT INTO work_order (id, work_order_no, task_name, project_id, machine_id, production_plan_id, workshop_id,
                        plan_qty, completed_qty, standard_hours, plan_start_date, plan_end_date, actual_start_time,
                        assigned_to, status, created_at)
SELECT (pj.p - 1) * 8 + w, 'WO' || to_char((pj.p - 1) * 8 + w, 'FM0000000'),
       (ARRAY['整机装配','上料机构装配','检测单元电气接线','主装配单元装配','送料机构调试','检测下料单元装配',
              '标准备件预装','上料机构气路安装'])[w],
       CASE WHEN w = 7 THEN NULL ELSE pj.p END,
       CASE w WHEN 7 THEN NULL
              WHEN 8 THEN CASE WHEN pj.p % 2 = 0 THEN (pj.p - 1) * 3 + 1 END
              ELSE (pj.p - 1) * 3 + 1 + (w - 1) % 3 END,
       CASE WHEN w = 7 THEN NULL ELSE pj.p END,
       CASE WHEN w = 7 THEN 10 + (pj.u - 1) * 4 + 2 ELSE pj.ws END,
       (ARRAY[2, 2, 3, 2, 1, 2, 5, 1])[w],
       (ARRAY[2, 1, 1, 0, 0, 0, 0, 0])[w],
       (ARRAY[2, 2, 3, 2, 1, 2, 5, 1])[w] * 16,
       pj.a + (ARRAY[-25, -8, -3, 1, 3, 6, 10, pj.p % 8])[w],
       pj.a + (ARRAY[-18, 2, 4, 5, 8, 10, 15, pj.p % 8 + 3])[w],
       CASE w WHEN 1 THEN pg_temp.ts(pj.a - 25, '08:30') WHEN 2 THEN pg_temp.ts(pj.a - 8, '08:30')
              WHEN 3 THEN pg_temp.ts(pj.a - 3, '08:30') END,
       CASE WHEN w IN (1, 2, 3, 5, 7) THEN (pj.u - 1) * 16 + 1 + ((pj.lp * 3 + w) % 7) END,
       CASE WHEN pj.st <> 'ACTIVE' AND w IN (2, 3) THEN 'PAUSED'
            WHEN pj.st <> 'ACTIVE' AND w >= 4 THEN 'CANCELLED'
            ELSE (ARRAY['COMPLETED','STARTED','STARTED','PENDING','ASSIGNED','PENDING','ASSIGNED','PENDING'])[w] END,
       pg_temp.ts(pj.a - 30, '09:00')
  FROM seed_pj pj, generate_series(1, 8) AS w;

-- Work-order BOM lines, 45 per project, id (p-1)*45 + i: order 1: 5 lines, orders 4, 5, 6, 7: 10 lines each.
-- Order 5 has s = 3 + p%3 unfulfilled lines (two of them partly in stock), order 6 one short line.
INSERT INTO mat_work_order_bom (id, work_order_id, material_id, material_code, bom_qty, required_qty, required_date,
                                created_at)
SELECT x.id, x.wo, m.id, m.material_code, round(x.req / x.plan_qty, 4), x.req, x.start - 1,
       pg_temp.ts(x.a - 28, '09:00')
  FROM (SELECT (pj.p - 1) * 45 + g.i AS id, (pj.p - 1) * 8 + g.w AS wo, pj.a,
               (ARRAY[2, 2, 3, 2, 1, 2, 5, 1])[g.w]::numeric AS plan_qty,
               pj.a + (ARRAY[-25, -8, -3, 1, 3, 6, 10, 0])[g.w] AS start,
               CASE WHEN g.w = 5 AND g.li >= 9 THEN 'K3'
                    WHEN g.w = 5 AND g.li > 10 - (3 + pj.p % 3) THEN 'K0'
                    WHEN g.w = 6 AND g.li = 10 THEN 'K0'
                    ELSE 'P' END AS cls,
               CASE WHEN g.w = 5 AND g.li >= 9 THEN 8
                    WHEN g.w = 5 AND g.li > 10 - (3 + pj.p % 3) THEN 4
                    WHEN g.w = 6 AND g.li = 10 THEN 4
                    ELSE 1 + (pj.p + g.li) % 5 END::numeric AS req,
               pj.u, pj.p, g.li
          FROM seed_pj pj,
               (SELECT i, CASE WHEN i <= 5 THEN 1 ELSE 4 + (i - 6) / 10 END AS w,
                          CASE WHEN i <= 5 THEN i ELSE (i - 6) % 10 + 1 END AS li
                  FROM generate_series(1, 45) AS i) g) x
  JOIN materials m ON m.id = (x.u - 1) * 300
                             + CASE x.cls WHEN 'P'  THEN 241 + (x.p + x.li * 7) % 40
                                          WHEN 'K0' THEN 281 + (x.p + x.li) % 10
                                          ELSE 291 + (x.p + x.li) % 10 END;

-- Manual kit checks (check_method 'manual') for order 8 of odd projects, which has no BOM lines of its own:
-- the fallback of daily_kit_check. p % 4 = 1: 60 %, p % 4 = 3: complete.
INSERT INTO mat_kit_check (id, check_no, check_type, work_order_id, project_id, total_items, fulfilled_items,
                           shortage_items, in_transit_items, kit_rate, kit_status, shortage_summary, check_time,
                           check_date, check_method, checked_by, can_start, created_at)
SELECT pj.p, 'KC-M-' || to_char(pj.p, 'FM0000000'), 'work_order', (pj.p - 1) * 8 + 8, pj.p, 10,
       CASE WHEN pj.p % 4 = 1 THEN 6 ELSE 10 END,
       CASE WHEN pj.p % 4 = 1 THEN 3 ELSE 0 END,
       CASE WHEN pj.p % 4 = 1 THEN 1 ELSE 0 END,
       CASE WHEN pj.p % 4 = 1 THEN 60.00 ELSE 100.00 END,
       CASE WHEN pj.p % 4 = 1 THEN 'partial' ELSE 'complete' END,
       CASE WHEN pj.p % 4 = 1
            THEN '[{"material": "伺服电机", "required": 2, "available": 0},
                   {"material": "工业相机", "required": 1, "available": 0},
                   {"material": "直线导轨", "required": 4, "available": 0},
                   {"material": "电磁阀", "required": 6, "available": 2}]'::jsonb
            ELSE '[]'::jsonb END,
       pg_temp.ts(pj.a - 2, '15:00'), pj.a - 2, 'manual', 13, pj.p % 4 <> 1, pg_temp.ts(pj.a - 2, '15:00')
  FROM seed_pj pj
 WHERE pj.p % 2 = 1;

-- Work reports, 10 per project, id (p-1)*10 + r (orders 1, 2 and 3).
INSERT INTO work_report (id, work_order_id, worker_id, report_type, report_time, work_hours, completed_qty,
                         qualified_qty, defect_qty, status, created_at)
SELECT (pj.p - 1) * 10 + v.r, (pj.p - 1) * 8 + v.w, (pj.u - 1) * 16 + 1 + ((pj.lp * 3 + v.w) % 7), v.typ,
       pg_temp.ts(pj.a + v.d, v.t::time), v.hrs, v.cq, v.qq, v.dq,
       CASE WHEN v.r = 9 AND pj.p % 7 = 0 THEN 'REJECTED' WHEN v.r <= 7 THEN 'APPROVED' ELSE 'PENDING' END,
       pg_temp.ts(pj.a + v.d, v.t::time)
  FROM seed_pj pj,
       (VALUES (1,1,'START',-25,'09:00',4.0,0,0,0),
               (2,1,'PROGRESS',-23,'17:00',8.0,1,1,0),
               (3,1,'PROGRESS',-20,'17:00',8.0,0,0,0),
               (4,1,'COMPLETE',-18,'16:00',6.0,1,1,0),
               (5,2,'START',-8,'09:00',3.0,0,0,0),
               (6,2,'PROGRESS',-7,'17:30',8.0,1,1,0),
               (7,2,'PROGRESS',-6,'16:00',6.0,0,0,0),
               (8,3,'START',-3,'09:00',3.0,0,0,0),
               (9,3,'PROGRESS',-2,'17:00',8.0,1,1,0),
               (10,3,'PROGRESS',-1,'17:30',7.5,0,0,0))
       AS v(r, w, typ, d, t, hrs, cq, qq, dq);

INSERT INTO production_exception (id, workshop_id, report_time, resolved_at, status, created_at)
SELECT (u - 1) * 6 + e, 10 + (u - 1) * 4 + 1 + (e % 3),
       pg_temp.ts(sp.a + (ARRAY[-1, -1, -2, -5, -1, -3])[e], (ARRAY['09:15','14:30','10:00','11:20','16:45','08:50'])[e]::time),
       CASE e WHEN 2 THEN pg_temp.ts(sp.a - 1, '18:00') WHEN 4 THEN pg_temp.ts(sp.a - 1, '11:00')
              WHEN 6 THEN pg_temp.ts(sp.a - 2, '15:00') END,
       (ARRAY['REPORTED','RESOLVED','HANDLING','CLOSED','IN_PROGRESS','RESOLVED'])[e],
       pg_temp.ts(sp.a + (ARRAY[-1, -1, -2, -5, -1, -3])[e], (ARRAY['09:15','14:30','10:00','11:20','16:45','08:50'])[e]::time)
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 6) AS e;

-- Equipment, 20 per division; maintenance due a-3, a, a+1, a+3, a+7 … (reminders at 7, 3, 1, 0 days and overdue).
INSERT INTO equipment (id, equipment_code, equipment_name, workshop_id, status, is_active, last_maintenance_date,
                       next_maintenance_date, created_at)
SELECT (u - 1) * 20 + e, 'EQ' || to_char((u - 1) * 20 + e, 'FM000000'),
       (ARRAY['数控加工中心','激光切割机','数控折弯机','螺杆空压机','三坐标测量仪','扭矩测试台','老化测试房','5吨行车',
              '电动叉车','焊接机器人','自动点胶机','回流焊炉','自动螺丝机','数字示波器','电批校验台','气密检测仪',
              '真空泵','工业冷水机','立式钻床','平面磨床'])[e],
       10 + (u - 1) * 4 + 1 + (e % 4),
       CASE WHEN e = 20 THEN 'DISABLED' WHEN e = 19 THEN 'MAINTENANCE' WHEN e % 3 = 0 THEN 'IDLE' ELSE 'RUNNING' END,
       e <> 18,
       sp.a + (ARRAY[-3,0,1,3,7,2,14,30,-10,5,21,45,60,90,4,6,8,10,1,3])[e] - 90,
       sp.a + (ARRAY[-3,0,1,3,7,2,14,30,-10,5,21,45,60,90,4,6,8,10,1,3])[e],
       pg_temp.ts(sp.a - 600, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 20) AS e;

-- ---------------------------------------------------------------------------------------------------
-- 5. Outsourcing
-- ---------------------------------------------------------------------------------------------------
-- 3 orders per project: 1 IN_PROGRESS due a+2 (vendor forecast later for p%3=0; fully delivered for p%4=0),
-- 2 CONFIRMED overdue a-3 (p even) or APPROVED due a+10 (p odd), 3 COMPLETED.
INSERT INTO outsourcing_orders (id, order_no, order_title, project_id, required_date, estimated_date, status,
                                created_by, created_at)
SELECT (pj.p - 1) * 3 + o, 'WX' || to_char((pj.p - 1) * 3 + o, 'FM0000000'),
       (ARRAY['机架焊接外协','钣金外壳外协','零件表面阳极氧化'])[o], pj.p,
       pj.a + CASE o WHEN 1 THEN 2 WHEN 2 THEN CASE WHEN pj.p % 2 = 0 THEN -3 ELSE 10 END ELSE -15 END,
       pj.a + CASE o WHEN 1 THEN CASE WHEN pj.p % 3 = 0 THEN 5 ELSE 2 END
                     WHEN 2 THEN CASE WHEN pj.p % 2 = 0 THEN 1 ELSE 10 END ELSE -16 END,
       CASE WHEN pj.st <> 'ACTIVE' AND o < 3 THEN 'CANCELLED'
            WHEN o = 1 THEN 'IN_PROGRESS'
            WHEN o = 2 THEN CASE WHEN pj.p % 2 = 0 THEN 'CONFIRMED' ELSE 'APPROVED' END
            ELSE 'COMPLETED' END,
       CASE WHEN o = 2 THEN pj.pm ELSE 9 + (pj.p + o) % 3 END,
       pg_temp.ts(pj.a - 40 + o, '14:00')
  FROM seed_pj pj, generate_series(1, 3) AS o;

INSERT INTO outsourcing_order_items (id, order_id, quantity, delivered_quantity, created_at)
SELECT (pj.p - 1) * 6 + (o - 1) * 2 + i, (pj.p - 1) * 3 + o, (ARRAY[10, 6])[i],
       CASE WHEN o = 3 OR (o = 1 AND pj.p % 4 = 0) THEN (ARRAY[10, 6])[i]
            WHEN o = 1 AND i = 1 THEN 4 ELSE 0 END,
       pg_temp.ts(pj.a - 40 + o, '14:00')
  FROM seed_pj pj, generate_series(1, 3) AS o, generate_series(1, 2) AS i;

-- ---------------------------------------------------------------------------------------------------
-- 6. Milestones, WBS tasks, allocations, personal tasks, status logs
-- ---------------------------------------------------------------------------------------------------
-- 6 milestones per project, id (p-1)*6 + s. The "current" one (3 or 4) is due a+1, a+2, a+3 (upcoming),
-- a-2 (overdue, IN_PROGRESS) or a-8 (DELAYED); earlier ones are COMPLETED, later ones PENDING.
INSERT INTO project_milestones (id, project_id, machine_id, milestone_code, milestone_name, planned_date,
                                actual_date, status, is_key, owner_id, created_at, updated_at)
SELECT x.id, x.p, CASE WHEN x.s = 4 THEN (x.p - 1) * 3 + 1 END,
       'MS' || to_char(x.p, 'FM00000') || '-' || x.s,
       (ARRAY['项目启动','方案设计评审','物料齐套','装配完成','FAT预验收','发货及SAT终验收'])[x.s],
       x.pd,
       CASE WHEN x.status = 'COMPLETED' THEN x.pd + ((x.p + x.s) % 5) - 2 END,
       x.status, x.s IN (3, 5, 6),
       CASE WHEN x.s = 5 AND x.p % 6 = 1 THEN NULL
            WHEN x.s IN (1, 3, 6) THEN x.pm
            WHEN x.s = 2 THEN pg_temp.du(x.u, 13)
            WHEN x.s = 4 THEN pg_temp.du(x.u, 23)
            ELSE pg_temp.du(x.u, 41) END,
       pg_temp.ts(x.pstart - 15, '10:00'),
       CASE WHEN x.status = 'COMPLETED' THEN pg_temp.ts(x.pd + ((x.p + x.s) % 5) - 2, '18:00')
            WHEN x.status = 'DELAYED' THEN pg_temp.ts(x.a - 1, '10:00')
            ELSE pg_temp.ts(x.pstart - 15, '10:00') END
  FROM (SELECT (pj.p - 1) * 6 + s AS id, pj.p, pj.u, pj.pm, pj.pstart, pj.a, s,
               pj.curd + 14 * (s - pj.cur) AS pd,
               CASE WHEN s < pj.cur THEN 'COMPLETED'
                    WHEN s = 6 AND pj.p % 17 = 8 THEN 'CANCELLED'
                    WHEN s > pj.cur THEN 'PENDING'
                    WHEN pj.p % 5 = 0 THEN 'DELAYED'
                    WHEN pj.p % 5 = 2 THEN 'PENDING'
                    ELSE 'IN_PROGRESS' END AS status
          FROM seed_pj pj, generate_series(1, 6) AS s) x;

-- 18 WBS tasks per project (3 per milestone), id (p-1)*18 + t. Tasks of the current milestone: one DONE, one
-- IN_PROGRESS (late), one TODO (BLOCKED for p % 9 = 4) -> completion 33 % (milestone risk), task delays.
INSERT INTO tasks (id, project_id, milestone_id, task_name, status, owner_id, plan_start, plan_end,
                   progress_percent, weight, created_at)
SELECT (ms.project_id - 1) * 18 + (ms.s - 1) * 3 + i + 1, ms.project_id, ms.id,
       (ARRAY['需求调研','项目计划编制','立项评审',
              '机械方案设计','电气方案设计','设计评审整改',
              '长周期物料下单','标准件采购跟催','来料检验',
              '机械装配','电气接线','单机调试',
              '联机调试','FAT预验收','问题整改',
              '包装发运','现场安装调试','SAT终验收'])[(ms.s - 1) * 3 + i + 1],
       x.status, x.owner, x.ps, x.ps + 4 + i,
       CASE x.status WHEN 'DONE' THEN 100 WHEN 'IN_PROGRESS' THEN 30 + (ms.project_id * 7 + i * 11) % 50
                     WHEN 'BLOCKED' THEN 10 ELSE 0 END,
       CASE WHEN i = 0 THEN 2.00 WHEN (ms.project_id + i) % 7 = 0 THEN NULL ELSE 1.00 END,
       pg_temp.ts(pj.pstart - 14, '10:00')
  FROM (SELECT pm.*, (pm.id - (pm.project_id - 1) * 6)::integer AS s FROM project_milestones pm) ms
  JOIN seed_pj pj ON pj.p = ms.project_id
  CROSS JOIN generate_series(0, 2) AS i
  CROSS JOIN LATERAL (
        SELECT ms.planned_date - 14 + i * 4 AS ps,
               CASE WHEN ms.status = 'COMPLETED' THEN 'DONE'
                    WHEN ms.status = 'CANCELLED' THEN 'CANCELLED'
                    WHEN ms.s = pj.cur THEN CASE i WHEN 0 THEN 'DONE' WHEN 1 THEN 'IN_PROGRESS'
                                                   ELSE CASE WHEN pj.p % 9 = 4 THEN 'BLOCKED' ELSE 'TODO' END END
                    WHEN ms.s = pj.cur + 1 AND i = 0 AND ms.planned_date - 14 <= pj.a THEN 'IN_PROGRESS'
                    ELSE 'TODO' END AS status,
               pg_temp.du(pj.u, (ARRAY[14, 15, 16, 18, 19, 21, 22, 2, 3, 13, 17, 20, 4, 5])
                                [1 + (((ms.s - 1) * 3 + i) * 5 + pj.lp) % 14]) AS owner) x;

-- Resource allocations: two per project (the PM, and a task owner on his own task: not double counted), plus
-- two per division that overload electrical engineer j = 18 and mechanical engineer j = 14 over the next 30 days.
INSERT INTO pmo_resource_allocation (id, project_id, task_id, resource_id, start_date, end_date, planned_hours,
                                     status, created_at)
SELECT (pj.p - 1) * 2 + i, pj.p,
       CASE WHEN i = 2 THEN t.id END,
       CASE WHEN i = 1 THEN pj.pm ELSE t.owner_id END,
       CASE WHEN i = 1 THEN pj.a ELSE t.plan_start END,
       CASE WHEN i = 1 THEN pj.a + 20 ELSE t.plan_end END,
       CASE WHEN i = 1 THEN 40 ELSE 24 END,
       CASE WHEN i = 2 AND pj.p % 6 = 0 THEN 'CANCELLED' WHEN i = 1 THEN 'ACTIVE' ELSE 'PLANNED' END,
       pg_temp.ts(pj.a - 10, '10:00')
  FROM seed_pj pj, generate_series(1, 2) AS i, tasks t
 WHERE t.id = (pj.p - 1) * 18 + (pj.cur) * 3 + 1;

INSERT INTO pmo_resource_allocation (id, project_id, task_id, resource_id, start_date, end_date, planned_hours,
                                     status, created_at)
SELECT 30000 + (u - 1) * 2 + k, (u - 1) * 10 + 1, NULL, pg_temp.du(u, CASE k WHEN 1 THEN 18 ELSE 14 END),
       sp.a + CASE k WHEN 1 THEN 0 ELSE 5 END, sp.a + CASE k WHEN 1 THEN 30 ELSE 25 END,
       CASE k WHEN 1 THEN 160 ELSE 60 END, CASE k WHEN 1 THEN 'ACTIVE' ELSE 'PLANNED' END,
       pg_temp.ts(sp.a - 7, '10:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 2) AS k;

-- Personal / assigned tasks, 3 per project: due today 18:00, due tomorrow 10:00, due a-2 (done or overdue).
INSERT INTO task_unified (id, task_code, title, description, task_type, category, tags, source_type, source_id,
                          project_id, assignee_id, assignee_name, assigner_id, assigner_name, plan_start_date,
                          plan_end_date, deadline, estimated_hours, status, progress, priority, is_urgent,
                          reminder_enabled, reminder_before_hours, created_by, created_at)
SELECT x.id, 'TASK-' || to_char(x.cday, 'YYMMDD') || '-' || to_char(x.id, 'FM000000'),
       (ARRAY['提交电气原理图终版','更新项目周报','核对BOM变更清单'])[x.i],
       (ARRAY['按客户最新意见修改后提交审核','汇总本周进度、风险与下周计划','与采购核对ECN涉及的物料变更'])[x.i],
       CASE x.i WHEN 2 THEN 'PERSONAL' ELSE 'ASSIGNED' END,
       CASE x.i WHEN 2 THEN 'PERSONAL' ELSE 'PROJECT' END,
       CASE x.i WHEN 1 THEN '["设计"]'::jsonb WHEN 2 THEN '["周报"]'::jsonb ELSE '["BOM","变更"]'::jsonb END,
       CASE x.i WHEN 2 THEN NULL ELSE 'MANUAL' END, NULL,
       x.p, x.assignee, au.real_name,
       CASE x.i WHEN 2 THEN NULL ELSE x.pm END,
       CASE x.i WHEN 2 THEN NULL ELSE pu.real_name END,
       x.cday, x.dday,
       pg_temp.ts(x.dday, CASE x.i WHEN 1 THEN time '18:00' WHEN 2 THEN time '10:00' ELSE time '18:00' END),
       (ARRAY[6.0, 1.0, 3.0])[x.i],
       CASE x.i WHEN 1 THEN 'IN_PROGRESS' WHEN 2 THEN 'PENDING'
                ELSE CASE WHEN x.p % 3 = 0 THEN 'IN_PROGRESS' ELSE 'COMPLETED' END END,
       CASE x.i WHEN 1 THEN 60 WHEN 2 THEN 0 ELSE CASE WHEN x.p % 3 = 0 THEN 50 ELSE 100 END END,
       (ARRAY['HIGH','MEDIUM','MEDIUM'])[x.i], x.i = 1 AND x.p % 5 = 0,
       NOT (x.i = 3 AND x.p % 4 = 0), CASE WHEN x.i = 2 AND x.p % 2 = 0 THEN NULL ELSE 24 END,
       x.pm, pg_temp.ts(x.cday, '09:00')
  FROM (SELECT (pj.p - 1) * 3 + i AS id, pj.p, pj.pm, i,
               CASE i WHEN 2 THEN pj.pm ELSE pg_temp.du(pj.u, (ARRAY[18, 19, 14])[1 + pj.lp % 3]) END AS assignee,
               pj.a - 1 - (pj.p + i) % 3 AS cday,
               pj.a + (ARRAY[0, 1, -2])[i] AS dday
          FROM seed_pj pj, generate_series(1, 3) AS i) x
  JOIN users au ON au.id = x.assignee
  JOIN users pu ON pu.id = x.pm;

INSERT INTO project_status_logs (id, project_id, old_stage, new_stage, old_status, new_status, old_health,
                                 new_health, change_type, change_reason, changed_by, changed_at, created_at)
SELECT (pj.p - 1) * 2 + i, pj.p,
       CASE i WHEN 1 THEN 'S1' ELSE pr.stage END, CASE i WHEN 1 THEN 'S2' ELSE pr.stage END,
       CASE i WHEN 1 THEN 'ST01' ELSE 'ST02' END, CASE i WHEN 1 THEN 'ST02' ELSE pr.status END,
       'H1', 'H1',
       CASE i WHEN 1 THEN 'STAGE_CHANGE' ELSE 'STATUS_CHANGE' END,
       CASE i WHEN 1 THEN '立项评审通过，进入方案设计阶段' ELSE '项目状态按计划更新' END,
       pj.pm,
       pg_temp.ts(CASE i WHEN 1 THEN pj.pstart + 10 ELSE pj.a - 15 END, '16:00'),
       pg_temp.ts(CASE i WHEN 1 THEN pj.pstart + 10 ELSE pj.a - 15 END, '16:00')
  FROM seed_pj pj JOIN projects pr ON pr.id = pj.p, generate_series(1, 2) AS i;

-- ---------------------------------------------------------------------------------------------------
-- 7. Sales and receivables
-- ---------------------------------------------------------------------------------------------------
-- 3 invoices per contract, id (p-1)*3 + v: 1 paid; 2 issued and unpaid (overdue 1..45 days for p % 3 <> 0,
-- partly paid otherwise: overdue for p % 6 = 0); 3 APPLIED (pending approval, p even) or DRAFT.
INSERT INTO invoices (id, invoice_code, contract_id, project_id, amount, total_amount, paid_amount, status,
                      payment_status, due_date, created_at)
SELECT (pj.p - 1) * 3 + v, 'FP' || to_char((pj.p - 1) * 3 + v, 'FM00000000'), pj.p,
       CASE WHEN pj.p % 11 = 4 THEN NULL ELSE pj.p END,
       round(pj.budget * 1.3 * 0.3 / 1.13, 2),
       CASE WHEN v = 2 AND pj.p % 10 = 8 THEN NULL ELSE round(pj.budget * 1.3 * 0.3, 2) END,
       CASE WHEN v = 1 OR (v = 2 AND pj.st = 'ARCHIVED') THEN round(pj.budget * 1.3 * 0.3, 2)
            WHEN v = 2 AND pj.p % 3 = 0 THEN round(pj.budget * 1.3 * 0.3 * 0.3, 2)
            ELSE 0 END,
       CASE WHEN v = 2 AND pj.st = 'INACTIVE' THEN 'VOID' WHEN v < 3 THEN 'ISSUED'
            WHEN pj.p % 2 = 0 THEN 'APPLIED' ELSE 'DRAFT' END,
       CASE WHEN v = 1 OR (v = 2 AND pj.st = 'ARCHIVED') THEN 'PAID'
            WHEN v = 2 AND pj.p % 3 = 0 THEN 'PARTIAL' ELSE 'PENDING' END,
       CASE v WHEN 1 THEN pj.a - 60
              WHEN 2 THEN CASE WHEN pj.p % 6 = 3 THEN pj.a + 10
                               WHEN pj.p % 6 = 0 THEN pj.a - 20
                               ELSE pj.a - (1 + (pj.p * 7) % 45) END
              ELSE pj.a + 30 END,
       pg_temp.ts(CASE v WHEN 1 THEN pj.a - 90 WHEN 2 THEN pj.a - 60 ELSE pj.a - 3 END, '10:00')
  FROM seed_pj pj, generate_series(1, 3) AS v;

-- 4 payment plans per project, id (p-1)*4 + k: advance (collected), delivery (due a+2 / a+6 / overdue 7 / 15
-- days), acceptance (after FAT), warranty.
INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                                   actual_amount, planned_date, milestone_id, status, remark, created_at, updated_at)
SELECT (pj.p - 1) * 4 + k, pj.p, pj.p,
       (ARRAY['预付款','发货款','验收款','质保金'])[k],
       (ARRAY['ADVANCE','DELIVERY','ACCEPTANCE','WARRANTY'])[k],
       round(pj.budget * 1.3 * (ARRAY[0.3, 0.3, 0.3, 0.1])[k], 2),
       CASE WHEN k = 1 OR (pj.st = 'ARCHIVED' AND k < 4) THEN round(pj.budget * 1.3 * (ARRAY[0.3, 0.3, 0.3, 0.1])[k], 2)
            WHEN k = 2 AND pj.p % 8 = 2 THEN NULL
            WHEN k = 2 AND pj.p % 4 = 3 THEN round(pj.budget * 1.3 * 0.3 * 0.2, 2)
            ELSE 0 END,
       CASE k WHEN 1 THEN pj.pstart + 15
              WHEN 2 THEN pj.a + (ARRAY[2, 6, -7, -15])[1 + pj.p % 4]
              WHEN 3 THEN pj.curd + 14 * (5 - pj.cur) + 30
              ELSE pj.pend + 365 END,
       CASE k WHEN 1 THEN (pj.p - 1) * 6 + 1 WHEN 2 THEN (pj.p - 1) * 6 + 4 WHEN 3 THEN (pj.p - 1) * 6 + 5 END,
       CASE WHEN k = 1 OR (pj.st = 'ARCHIVED' AND k < 4) THEN 'COMPLETED'
            WHEN k = 2 AND pj.p % 4 = 3 THEN 'PARTIAL'
            WHEN k = 2 AND pj.p % 3 = 0 THEN 'INVOICED'
            ELSE 'PENDING' END,
       CASE WHEN k = 2 AND pj.p % 5 = 0 THEN '客户要求分两次付款' WHEN k = 3 AND pj.p % 7 = 0 THEN '[]' END,
       pg_temp.ts(pj.pstart - 18, '11:00'), pg_temp.ts(pj.pstart - 18, '11:00')
  FROM seed_pj pj, generate_series(1, 4) AS k;

-- Leads (6 per division), opportunities (8), quotes (8).
INSERT INTO leads (id, lead_code, owner_id, status, created_at, updated_at)
SELECT (u - 1) * 6 + l, 'XS' || to_char((u - 1) * 6 + l, 'FM0000000'),
       CASE WHEN l = 6 THEN NULL ELSE pg_temp.du(u, 7 + l % 3) END,
       (ARRAY['NEW','QUALIFYING','QUALIFYING','INVALID','CONVERTED','QUALIFYING'])[l],
       pg_temp.ts(sp.a - (ARRAY[3, 12, 4, 40, 60, 15])[l], '10:00'),
       pg_temp.ts(sp.a - (ARRAY[1, 5, 1, 30, 45, 10])[l], '11:30')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 6) AS l;

INSERT INTO opportunities (id, opp_code, opp_name, stage, gate_status, owner_id, stage_changed_at, created_at,
                           updated_at)
SELECT (u - 1) * 8 + o, 'SJ' || to_char((u - 1) * 8 + o, 'FM0000000'),
       left(c.customer_name, 4)
         || (ARRAY['电池模组自动装配线','视觉检测设备','激光焊接工作站','机器人上下料单元','全自动贴标机',
                   '电芯PACK生产线','伺服压装机','点胶固化线'])[o] || '商机',
       (ARRAY['DISCOVERY','QUALIFIED','PROPOSAL','NEGOTIATION','WON','LOST','ON_HOLD','QUALIFIED'])[o],
       (ARRAY['PENDING','PENDING','PENDING','PENDING','PASS','REJECT','PENDING','PENDING'])[o],
       CASE WHEN o = 7 AND u % 2 = 0 THEN NULL ELSE pg_temp.du(u, 6 + o % 4) END,
       CASE WHEN o = 8 THEN NULL ELSE pg_temp.ts(sp.a - (ARRAY[20, 3, 12, 5, 30, 25, 40, 0])[o], '14:00') END,
       pg_temp.ts(sp.a - 60 - o, '09:00'),
       pg_temp.ts(sp.a - (ARRAY[20, 3, 12, 5, 30, 25, 40, 9])[o], '14:00')
  FROM seed_p sp
  CROSS JOIN generate_series(1, sp.n) AS u
  CROSS JOIN generate_series(1, 8) AS o
  JOIN customers c ON c.id = (u - 1) * 8 + o;

INSERT INTO quotes (id, quote_code, status, valid_until, owner_id, created_at)
SELECT (u - 1) * 8 + q, 'BJ' || to_char((u - 1) * 8 + q, 'FM0000000'),
       (ARRAY['SENT','SENT','SENT','SENT','IN_REVIEW','APPROVED','DRAFT','EXPIRED'])[q],
       sp.a + (ARRAY[7, 3, 1, -2, 10, 20, 30, -30])[q],
       pg_temp.du(u, 6 + q % 4),
       pg_temp.ts(sp.a - (ARRAY[23, 27, 29, 32, 5, 10, 2, 60])[q], '15:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 8) AS q;

-- Approval workflows per division (workflow ids (u-1)*3 + w: 1 quote, 2 contract, 3 invoice). Division 1 uses
-- role-based approvers (approver_role GM / FIN) on two steps; the others name their approvers.
INSERT INTO approval_workflow_steps (id, workflow_id, step_order, step_name, approver_id, approver_role, created_at)
SELECT (u - 1) * 5 + v.s, (u - 1) * 3 + v.w, v.ord, v.name,
       CASE WHEN u = 1 AND v.role IS NOT NULL THEN NULL
            WHEN v.j > 0 THEN pg_temp.du(u, v.j) ELSE -v.j END,
       CASE WHEN u = 1 THEN v.role END,
       pg_temp.ts(sp.a - 300, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u,
       (VALUES (1,1,1,'售前技术评审',10,NULL),
               (2,1,2,'销售经理审批',6,NULL),
               (3,2,1,'财务审核',-5,NULL),
               (4,2,2,'总经理审批',-2,'GM'),
               (5,3,1,'财务总监审批',-4,'FIN'))
       AS v(s, w, ord, name, j, role);

INSERT INTO approval_records (id, entity_type, entity_id, workflow_id, current_step, status, created_at)
SELECT (u - 1) * 4 + r,
       (ARRAY['QUOTE','CONTRACT','INVOICE','QUOTE'])[r],
       CASE r WHEN 1 THEN (u - 1) * 8 + 5 WHEN 2 THEN 20000 + (u - 1) * 2 + 2
              WHEN 3 THEN ((u - 1) * 10 + 2 - 1) * 3 + 3 ELSE (u - 1) * 8 + 6 END,
       (u - 1) * 3 + (ARRAY[1, 2, 3, 1])[r],
       (ARRAY[1, 2, 1, 2])[r],
       (ARRAY['PENDING','PENDING','PENDING','APPROVED'])[r],
       pg_temp.ts(sp.a + (ARRAY[-2, -3, -1, -10])[r], (ARRAY['10:00','16:00','20:00','09:00'])[r]::time)
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 4) AS r;

INSERT INTO presale_support_ticket (id, ticket_no, title, ticket_type, urgency, status, applicant_id, assignee_id,
                                    expected_date, deadline, created_at)
SELECT (u - 1) * 6 + t, 'SQ' || to_char((u - 1) * 6 + t, 'FM0000000'),
       (ARRAY['客户工艺咨询：电芯极耳焊接','视觉检测方案编制','报价技术清单核算','招标文件技术应答',
              '客户现场勘察','展会样机演示支持'])[t],
       (ARRAY['CONSULT','SOLUTION','QUOTATION','TENDER','SITE_VISIT','OTHER'])[t],
       (ARRAY['NORMAL','URGENT','NORMAL','VERY_URGENT','NORMAL','NORMAL'])[t],
       (ARRAY['PENDING','PROCESSING','ACCEPTED','REVIEW','COMPLETED','PROCESSING'])[t],
       pg_temp.du(u, 7 + t % 3),
       CASE WHEN t = 1 THEN NULL ELSE pg_temp.du(u, 11 + t % 2) END,
       CASE t WHEN 3 THEN sp.a + 3 WHEN 6 THEN sp.a + 2 END,
       CASE t WHEN 2 THEN pg_temp.ts(sp.a - 1, '18:00') END,
       pg_temp.ts(sp.a - (ARRAY[5, 4, 2, 12, 9, 1])[t], '10:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 6) AS t;

-- ---------------------------------------------------------------------------------------------------
-- 8. Timesheets, hourly rates, costs, budgets
-- ---------------------------------------------------------------------------------------------------
-- 40 timesheet rows per project over the last ~45 days (PM + 3 engineers); mostly APPROVED; some without project.
INSERT INTO timesheet (id, user_id, user_name, department_id, project_id, work_date, hours, status, created_at)
SELECT x.id, x.uid, us.real_name, us.department_id, CASE WHEN x.r % 13 = 0 THEN NULL ELSE x.p END,
       x.wd, 2 + ((x.p + x.r) % 13) * 0.5,
       CASE WHEN x.r % 10 = 9 THEN 'SUBMITTED' WHEN x.r % 10 = 0 THEN 'DRAFT' WHEN x.r % 17 = 0 THEN 'REJECTED'
            ELSE 'APPROVED' END,
       pg_temp.ts(x.wd, '19:00')
  FROM (SELECT (pj.p - 1) * 40 + r AS id, pj.p, r,
               CASE (r - 1) / 10 WHEN 0 THEN pj.pm
                                 WHEN 1 THEN pg_temp.du(pj.u, 14 + pj.lp % 3)
                                 WHEN 2 THEN pg_temp.du(pj.u, 18 + pj.lp % 2)
                                 ELSE pg_temp.du(pj.u, 21 + pj.lp % 2) END AS uid,
               pj.a - 1 - ((r - 1) % 10) * 4 - (r - 1) / 10 AS wd
          FROM seed_pj pj, generate_series(1, 40) AS r) x
  JOIN users us ON us.id = x.uid;

INSERT INTO hourly_rate_configs (id, config_type, user_id, role_id, dept_id, hourly_rate, effective_date,
                                 expiry_date, is_active, created_at)
SELECT v.id, v.typ, NULL, v.role_id, v.dept_id, v.rate, sp.a + v.eff, sp.a + v.exp, v.active,
       pg_temp.ts(sp.a - 400, '09:00')
  FROM seed_p sp,
       (VALUES (1,'DEFAULT',NULL::bigint,NULL::bigint,150.00,NULL::integer,NULL::integer,true),
               (2,'ROLE',12,NULL,260.00,-365,NULL,true),
               (3,'ROLE',15,NULL,200.00,-365,NULL,true),
               (4,'ROLE',15,NULL,180.00,-730,-366,true),
               (5,'ROLE',17,NULL,120.00,NULL,NULL,true),
               (6,'ROLE',2,NULL,500.00,NULL,NULL,false),
               (7,'DEPT',NULL,5,170.00,-365,NULL,true))
       AS v(id, typ, role_id, dept_id, rate, eff, exp, active);

INSERT INTO hourly_rate_configs (id, config_type, user_id, role_id, dept_id, hourly_rate, effective_date,
                                 expiry_date, is_active, created_at)
SELECT 10 + (u - 1) * 2 + k,
       CASE k WHEN 1 THEN 'DEPT' ELSE 'USER' END,
       CASE k WHEN 2 THEN pg_temp.du(u, 1) END, NULL,
       CASE k WHEN 1 THEN pg_temp.dd(u, 5) END,
       CASE k WHEN 1 THEN 210.00 ELSE 320.00 END,
       sp.a - CASE k WHEN 1 THEN 200 ELSE 100 END, NULL, true, pg_temp.ts(sp.a - 200, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 2) AS k;

-- Costs: 6 rows per project. Total = budget × factor: p % 6 = 0 -> 125 % (CRITICAL overrun), p % 6 = 3 -> 108 %
-- (WARNING), otherwise 30–80 %.
INSERT INTO project_costs (id, project_id, machine_id, cost_type, cost_category, source_module, source_type,
                           source_id, source_no, amount, tax_amount, cost_date, description, created_by, created_at,
                           updated_at)
SELECT (pj.p - 1) * 6 + c, pj.p,
       CASE WHEN c IN (1, 2, 6) THEN (pj.p - 1) * 3 + 1 + c % 3 END,
       (ARRAY['MATERIAL','MATERIAL','OUTSOURCING','CHANGE','OTHER','MATERIAL'])[c],
       (ARRAY['标准件','电气件','外协加工','设计变更','差旅费','机加件'])[c],
       (ARRAY['PURCHASE','PURCHASE','OUTSOURCING','ECN','EXPENSE','PURCHASE'])[c],
       (ARRAY['PURCHASE_ORDER','PURCHASE_ORDER','OUTSOURCING_ORDER','ECN','EXPENSE_CLAIM','PURCHASE_ORDER'])[c],
       CASE c WHEN 1 THEN (pj.p - 1) * 8 + 5 WHEN 2 THEN (pj.p - 1) * 8 + 3 WHEN 3 THEN (pj.p - 1) * 3 + 3
              WHEN 4 THEN (pj.p - 1) * 2 + 1 WHEN 6 THEN (pj.p - 1) * 8 + 1 END,
       CASE c WHEN 1 THEN 'PO' || to_char((pj.p - 1) * 8 + 5, 'FM0000000')
              WHEN 2 THEN 'PO' || to_char((pj.p - 1) * 8 + 3, 'FM0000000')
              WHEN 3 THEN 'WX' || to_char((pj.p - 1) * 3 + 3, 'FM0000000')
              WHEN 4 THEN 'ECN' || to_char((pj.p - 1) * 2 + 1, 'FM0000000')
              WHEN 5 THEN 'BX' || to_char((pj.p - 1) * 6 + 5, 'FM0000000')
              ELSE 'PO' || to_char((pj.p - 1) * 8 + 1, 'FM0000000') END,
       round(pj.budget * f.factor * (ARRAY[0.30, 0.25, 0.15, 0.05, 0.05, 0.20])[c], 2),
       CASE WHEN c IN (1, 2, 6) THEN round(pj.budget * f.factor * (ARRAY[0.30, 0.25, 0.15, 0.05, 0.05, 0.20])[c] * 0.13, 2)
            ELSE 0 END,
       pj.a - (ARRAY[60, 40, 20, 12, 8, 5])[c],
       (ARRAY['标准件采购入账','电气件采购入账','外协加工费','ECN设计变更费用','现场调试差旅费','机加件采购入账'])[c],
       5, pg_temp.ts(pj.a - (ARRAY[60, 40, 20, 12, 8, 5])[c], '17:00'),
       pg_temp.ts(pj.a - (ARRAY[60, 40, 20, 12, 8, 5])[c], '17:00')
  FROM seed_pj pj
  CROSS JOIN LATERAL (SELECT CASE WHEN pj.p % 6 = 0 THEN 1.25 WHEN pj.p % 6 = 3 THEN 1.08
                                  ELSE 0.30 + ((pj.p * 7) % 6) * 0.10 END AS factor) f
  CROSS JOIN generate_series(1, 6) AS c;

UPDATE projects pr SET actual_cost = s.total
  FROM (SELECT project_id, sum(amount) AS total FROM project_costs GROUP BY project_id) s
 WHERE pr.id = s.project_id;

-- Budgets: V1.0 approved long ago, V2.0 approved (the one that counts; 0 = "no budget" for p % 25 = 11),
-- V3.0 submitted / draft / rejected.
INSERT INTO project_budgets (id, project_id, version, total_amount, status, is_active, approved_at, created_at)
SELECT (pj.p - 1) * 3 + b, pj.p, 'V' || b || '.0',
       CASE b WHEN 1 THEN round(pj.budget * 0.9, 2)
              WHEN 2 THEN CASE WHEN pj.p % 25 = 11 THEN 0 ELSE pj.budget END
              ELSE round(pj.budget * 1.2, 2) END,
       CASE b WHEN 3 THEN (ARRAY['SUBMITTED','DRAFT','REJECTED'])[1 + pj.p % 3] ELSE 'APPROVED' END,
       true,
       CASE b WHEN 1 THEN pg_temp.ts(pj.a - 150, '16:00') WHEN 2 THEN pg_temp.ts(pj.a - 60, '16:00') END,
       pg_temp.ts(pj.a - CASE b WHEN 1 THEN 155 WHEN 2 THEN 65 ELSE 5 END, '10:00')
  FROM seed_pj pj, generate_series(1, 3) AS b;

-- ---------------------------------------------------------------------------------------------------
-- 9. Issues and ECNs
-- ---------------------------------------------------------------------------------------------------
-- 6 issues per project, id (p-1)*6 + i: 1 open & overdue & inactive 20 days; 2 processing LOW (deferred /
-- deleted for some); 3 blocking (p even) or a customer question; 4 resolved; 5 closed yesterday; 6 processing
-- HIGH & overdue.
INSERT INTO issues (id, issue_no, title, category, issue_type, severity, priority, status, project_id, machine_id,
                    assignee_id, due_date, is_blocking, impact_scope, impact_level, report_date, resolved_at,
                    last_follow_up_at, priority_escalated_at, created_at, updated_at)
SELECT x.id, 'IS' || to_char(x.cday, 'YYYYMMDD') || to_char(x.id, 'FM000000'),
       x.title, x.category, x.itype, x.severity, x.priority, x.status, x.p, x.machine,
       pg_temp.du(x.u, (ARRAY[14, 21, 15, 22, 41, 18])[x.i]),
       x.due, x.blocking, x.scope, x.ilevel,
       pg_temp.ts(x.cday, '09:30'),
       CASE x.i WHEN 4 THEN pg_temp.ts(x.a - 2, '16:00') WHEN 5 THEN pg_temp.ts(x.a - 6, '11:00') END,
       CASE x.i WHEN 6 THEN pg_temp.ts(x.a - 1, '15:00') END,
       NULL,
       pg_temp.ts(x.cday, '09:30'),
       CASE x.i WHEN 4 THEN pg_temp.ts(x.a - 2, '16:00') WHEN 5 THEN pg_temp.ts(x.a - 1, '10:00')
                WHEN 6 THEN pg_temp.ts(x.a - 1, '15:00') ELSE pg_temp.ts(x.cday, '09:30') END
  FROM (SELECT (pj.p - 1) * 6 + i AS id, pj.p, pj.u, pj.a, i,
               pj.a - (ARRAY[20, 16, CASE WHEN pj.p % 2 = 0 THEN 3 ELSE 1 END, 10, 12, 5])[i] AS cday,
               CASE i WHEN 1 THEN '气缸动作不到位，夹爪无法夹紧'
                      WHEN 2 THEN '伺服报警AL.16频繁出现'
                      WHEN 3 THEN CASE WHEN pj.p % 2 = 0 THEN '关键物料延期，整机无法继续装配' ELSE '客户变更需求待确认' END
                      WHEN 4 THEN 'PLC程序联锁逻辑错误'
                      WHEN 5 THEN '机架外观划伤'
                      ELSE '设备节拍未达标（目标12秒/件）' END AS title,
               (ARRAY['QUALITY','TECHNICAL', CASE WHEN pj.p % 2 = 0 THEN 'RESOURCE' ELSE 'CUSTOMER' END,
                      'TECHNICAL','ACCEPTANCE','PROJECT'])[i] AS category,
               (ARRAY['DEFECT','RISK', CASE WHEN pj.p % 2 = 0 THEN 'BLOCKER' ELSE 'QUESTION' END,
                      'DEFECT','DEFECT','DEVIATION'])[i] AS itype,
               (ARRAY['MAJOR','MINOR', CASE WHEN pj.p % 4 = 0 THEN 'CRITICAL' WHEN pj.p % 2 = 0 THEN 'MAJOR' ELSE 'MINOR' END,
                      'MINOR','MINOR','MAJOR'])[i] AS severity,
               (ARRAY['MEDIUM','LOW', CASE WHEN pj.p % 2 = 0 THEN 'HIGH' ELSE 'MEDIUM' END,
                      'HIGH','LOW','HIGH'])[i] AS priority,
               CASE i WHEN 1 THEN 'OPEN'
                      WHEN 2 THEN CASE WHEN pj.p % 13 = 0 THEN 'DELETED' WHEN pj.p % 7 = 1 THEN 'DEFERRED'
                                       ELSE 'PROCESSING' END
                      WHEN 3 THEN 'OPEN' WHEN 4 THEN 'RESOLVED' WHEN 5 THEN 'CLOSED' ELSE 'PROCESSING' END AS status,
               CASE i WHEN 3 THEN CASE WHEN pj.p % 2 = 0 THEN (pj.p - 1) * 3 + 1 END
                      WHEN 6 THEN (pj.p - 1) * 3 + 2 END AS machine,
               pj.a + (ARRAY[-5, 3, CASE WHEN pj.p % 2 = 0 THEN -1 ELSE 7 END, -3, -8, -2])[i] AS due,
               i = 3 AND pj.p % 2 = 0 AS blocking,
               CASE WHEN i = 3 AND pj.p % 2 = 0 THEN '影响整机装配及FAT节点' END AS scope,
               CASE WHEN i = 3 AND pj.p % 2 = 0 THEN CASE WHEN pj.p % 4 = 0 THEN 'CRITICAL' ELSE 'HIGH' END
                    WHEN i = 6 THEN 'MEDIUM' END AS ilevel
          FROM seed_pj pj, generate_series(1, 6) AS i) x;

INSERT INTO issue_follow_up_records (id, issue_id, follow_up_type, content, operator_id, operator_name, old_status,
                                     new_status, created_at)
SELECT (pj.p - 1) * 5 + f, (pj.p - 1) * 6 + (ARRAY[1, 2, 4, 5, 6])[f],
       (ARRAY['COMMENT','ASSIGNMENT','SOLUTION','STATUS_CHANGE','COMMENT'])[f],
       (ARRAY['已通知供应商更换气缸，等待到货','指派电气工程师排查伺服参数','修改联锁程序并完成验证',
              '客户确认整改结果，问题关闭','已优化运动轨迹，节拍提升至13.5秒/件'])[f],
       pj.pm, op.real_name,
       (ARRAY['OPEN','OPEN','PROCESSING','RESOLVED','PROCESSING'])[f],
       (ARRAY['OPEN','PROCESSING','RESOLVED','CLOSED','PROCESSING'])[f],
       pg_temp.ts(pj.a + (ARRAY[-15, -16, -2, -1, -1])[f], (ARRAY['14:00','10:00','16:00','10:00','15:00'])[f]::time)
  FROM seed_pj pj JOIN users op ON op.id = pj.pm, generate_series(1, 5) AS f;

-- ECNs, 2 per project, id (p-1)*2 + e. ECN 1 by p % 4: EVALUATING, IN_APPROVAL, EXECUTING, COMPLETED.
-- ECN 2 by p % 5: CANCELLED (with a stale open task), PENDING_APPROVAL, EVALUATED, otherwise DRAFT.
CREATE TEMP TABLE seed_ecn AS
SELECT (pj.p - 1) * 2 + e AS id, pj.p, pj.u, pj.pm, pj.a, e,
       CASE WHEN e = 1 THEN (ARRAY['EVALUATING','IN_APPROVAL','EXECUTING','COMPLETED'])[1 + pj.p % 4]
            ELSE CASE pj.p % 5 WHEN 0 THEN 'CANCELLED' WHEN 1 THEN 'PENDING_APPROVAL' WHEN 2 THEN 'EVALUATED'
                               ELSE 'DRAFT' END END AS status
  FROM seed_pj pj, generate_series(1, 2) AS e;

INSERT INTO ecn (id, ecn_no, ecn_title, project_id, applicant_id, status, created_at)
SELECT ec.id, 'ECN' || to_char(ec.id, 'FM0000000'),
       (ARRAY['夹爪气缸型号变更','控制柜布局优化'])[ec.e], ec.p,
       CASE WHEN ec.e = 1 THEN ec.pm ELSE pg_temp.du(ec.u, 13) END, ec.status,
       pg_temp.ts(ec.a - 12 - ec.e, '10:00')
  FROM seed_ecn ec;

INSERT INTO ecn_evaluations (id, ecn_id, eval_dept, evaluator_id, status, created_at)
SELECT (ec.id - 1) * 3 + k, ec.id, (ARRAY['机械设计部','电气设计部','采购部'])[k],
       CASE WHEN k = 2 AND ec.p % 8 = 0 THEN NULL
            WHEN k = 3 THEN 9 + ec.p % 3 ELSE pg_temp.du(ec.u, CASE k WHEN 1 THEN 13 ELSE 17 END) END,
       CASE WHEN ec.status <> 'EVALUATING' THEN 'SUBMITTED' ELSE (ARRAY['SUBMITTED','PENDING','ASSIGNED'])[k] END,
       pg_temp.ts(ec.a + CASE WHEN ec.status = 'EVALUATING' THEN (ARRAY[-6, -5, -1])[k] ELSE -11 END, '10:00')
  FROM seed_ecn ec, generate_series(1, 3) AS k
 WHERE ec.status <> 'DRAFT';

INSERT INTO ecn_approvals (id, ecn_id, approval_level, approval_role, approver_id, status, due_date, is_overdue,
                           created_at, updated_at)
SELECT (ec.id - 1) * 3 + k, ec.id, k, (ARRAY['设计经理','项目总监','总经理'])[k],
       CASE WHEN k = 2 AND ec.p % 12 = 1 THEN NULL
            WHEN k = 3 THEN 2 ELSE pg_temp.du(ec.u, CASE k WHEN 1 THEN 13 ELSE 1 END) END,
       CASE WHEN ec.status IN ('EXECUTING','COMPLETED','CANCELLED') THEN 'COMPLETED'
            WHEN ec.status = 'EVALUATED' THEN 'PENDING'
            WHEN k = 1 THEN 'COMPLETED' ELSE 'PENDING' END,
       CASE WHEN ec.status = 'EVALUATED' THEN pg_temp.ts(ec.a + k, '18:00')
            ELSE pg_temp.ts(ec.a + (ARRAY[-5, -2, 2])[k], '18:00') END,
       false,
       pg_temp.ts(ec.a - 8, '10:00'), pg_temp.ts(ec.a - 8, '10:00')
  FROM seed_ecn ec, generate_series(1, 3) AS k
 WHERE ec.status NOT IN ('DRAFT', 'EVALUATING');

INSERT INTO ecn_tasks (id, ecn_id, task_name, assignee_id, planned_end, status, created_at)
SELECT (ec.id - 1) * 3 + k, ec.id, (ARRAY['更新机械图纸','修改电气原理图','采购新型号物料'])[k],
       CASE WHEN k = 3 THEN 10 ELSE pg_temp.du(ec.u, CASE k WHEN 1 THEN 14 ELSE 18 END) END,
       ec.a + CASE WHEN ec.status = 'CANCELLED' THEN -10 ELSE (ARRAY[-6, -3, 5])[k] END,
       CASE WHEN ec.status = 'COMPLETED' THEN 'COMPLETED'
            WHEN ec.status = 'CANCELLED' THEN CASE WHEN k = 2 THEN 'PENDING' ELSE 'COMPLETED' END
            ELSE (ARRAY['COMPLETED','IN_PROGRESS','PENDING'])[k] END,
       pg_temp.ts(ec.a - 7, '10:00')
  FROM seed_ecn ec, generate_series(1, 3) AS k
 WHERE ec.status IN ('EXECUTING', 'COMPLETED', 'CANCELLED');

-- ---------------------------------------------------------------------------------------------------
-- 10. Job-duty templates (8 per division; restricted to the division's department, except one
--     plant-wide template for the QA inspectors in division 1, matched by position / position name)
-- ---------------------------------------------------------------------------------------------------
INSERT INTO job_duty_template (id, position_id, position_name, department_id, duty_name, duty_description,
                               frequency, day_of_week, day_of_month, month_of_year, auto_generate,
                               generate_before_days, deadline_offset_days, default_priority, estimated_hours,
                               is_active, created_at)
SELECT (u - 1) * 8 + v.t,
       CASE WHEN v.t = 8 AND u = 1 THEN 27 ELSE v.pos END,
       CASE WHEN v.t = 8 AND u = 1 THEN '质检员' ELSE pos.position_name END,
       CASE WHEN v.t = 8 AND u = 1 THEN NULL ELSE pg_temp.dd(u, v.d) END,
       CASE WHEN v.t = 8 AND u = 1 THEN '来料检验记录汇总' ELSE v.name END,
       CASE WHEN v.t = 8 AND u = 1 THEN '汇总当日来料检验记录并上传系统' ELSE v.descr END,
       CASE WHEN v.t = 8 AND u = 1 THEN 'DAILY' ELSE v.freq END,
       CASE WHEN v.t = 8 AND u = 1 THEN NULL ELSE v.dow END,
       v.dom, v.moy,
       NOT (v.t = 8 AND u % 2 = 0 AND u > 1),
       v.gen, v.off, v.prio, v.hrs,
       NOT (v.t = 8 AND u % 3 = 0),
       pg_temp.ts(sp.a - 90, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u,
       (VALUES (1,13,1,'提交项目周报','汇总本周项目进度、风险与下周计划','WEEKLY',5,NULL,NULL,2,0,'HIGH',1.0),
               (2,12,1,'项目月度经营分析','分析各项目成本、回款与毛利','MONTHLY',NULL,28,NULL,3,2,'MEDIUM',3.0),
               (3,23,7,'车间5S日巡检','按5S检查表巡检车间并记录问题','DAILY',NULL,NULL,NULL,0,0,'MEDIUM',0.5),
               (4,18,4,'双周设计评审','组织机械设计双周评审会','BIWEEKLY',3,NULL,NULL,3,1,'MEDIUM',2.0),
               (5,19,5,'电气图纸归档检查','检查本月电气图纸版本与归档情况','MONTHLY',NULL,31,NULL,3,0,'LOW',1.5),
               (6,17,3,'季度解决方案复盘','复盘本季度方案中标与失标原因','QUARTERLY',NULL,15,1,5,3,'MEDIUM',4.0),
               (7,22,7,'年度设备保养计划编制','编制下一年度设备保养计划','YEARLY',NULL,15,12,7,5,'HIGH',8.0),
               (8,15,2,'客户拜访周计划','制定下周重点客户拜访计划','WEEKLY',1,NULL,NULL,NULL,0,NULL,1.0))
       AS v(t, pos, d, name, descr, freq, dow, dom, moy, gen, off, prio, hrs)
  JOIN positions pos ON pos.id = v.pos;

-- ---------------------------------------------------------------------------------------------------
-- 11. Alert subscriptions
-- ---------------------------------------------------------------------------------------------------
INSERT INTO alert_subscriptions (id, user_id, alert_type, project_id, min_level, notify_channels, quiet_start,
                                 quiet_end, is_active, created_at)
SELECT v.id, v.uid, v.typ, NULL, v.lvl, v.ch::jsonb, v.qs::time, v.qe::time, v.active, pg_temp.ts(sp.a - 100, '09:00')
  FROM seed_p sp,
       (VALUES (1, 2,NULL,'CRITICAL','["SYSTEM","EMAIL"]',NULL,NULL,true),
               (2, 4,'COST_OVERRUN','WARNING','["SYSTEM","EMAIL"]',NULL,NULL,true),
               (3, 4,'PAYMENT_DUE','WARNING','["SYSTEM"]',NULL,NULL,true),
               (4, 8,'MATERIAL_SHORTAGE','CRITICAL','["SYSTEM","WECHAT"]','22:00','07:00',true),
               (5,15,'SPECIFICATION_MISMATCH','WARNING','["SYSTEM"]',NULL,NULL,true),
               (6,12,'DELIVERY_DUE','WARNING','["SYSTEM"]',NULL,NULL,false))
       AS v(id, uid, typ, lvl, ch, qs, qe, active);

INSERT INTO alert_subscriptions (id, user_id, alert_type, project_id, min_level, notify_channels, quiet_start,
                                 quiet_end, is_active, created_at)
SELECT 10 + (u - 1) * 3 + k, pg_temp.du(u, (ARRAY[1, 23, 6])[k]),
       (ARRAY[NULL, 'SCHEDULE_DELAY', 'PAYMENT_DUE'])[k],
       CASE k WHEN 1 THEN (u - 1) * 10 + 1 END,
       (ARRAY['INFO','WARNING','WARNING'])[k],
       (ARRAY['["SYSTEM","DINGTALK"]','["SYSTEM"]','["SYSTEM","EMAIL"]'])[k]::jsonb,
       NULL, NULL, true, pg_temp.ts(sp.a - 90, '09:00')
  FROM seed_p sp, generate_series(1, sp.n) AS u, generate_series(1, 3) AS k;

-- ---------------------------------------------------------------------------------------------------
-- 12. Derived project columns, statistics, clean-up
-- ---------------------------------------------------------------------------------------------------
-- progress_pct as calculate_progress_summary would compute it (weighted WBS mean; DONE = 100).
UPDATE projects pr SET progress_pct = s.pct
  FROM (SELECT project_id,
               round(sum(COALESCE(weight, 1.00)
                         * CASE WHEN status = 'DONE' THEN 100 ELSE least(greatest(COALESCE(progress_percent, 0), 0), 100) END)
                     / nullif(sum(COALESCE(weight, 1.00)), 0), 2) AS pct
          FROM tasks
         WHERE status <> 'CANCELLED' AND COALESCE(weight, 1.00) > 0
         GROUP BY project_id) s
 WHERE pr.id = s.project_id;

DROP TABLE seed_ecn;
DROP TABLE seed_bl;
DROP TABLE seed_cat;
DROP TABLE seed_dj;
DROP TABLE seed_pj;
DROP TABLE seed_p;
DROP FUNCTION pg_temp.ts(date, time);
DROP FUNCTION pg_temp.du(integer, integer);
DROP FUNCTION pg_temp.dd(integer, integer);
DROP FUNCTION pg_temp.cn_name(bigint);
DROP FUNCTION pg_temp.py_name(bigint);
DROP FUNCTION pg_temp.div(integer);

-- Planner statistics for the big tables (one statement per table: a multi-table ANALYZE inside the seed
-- transaction was found to be far slower).
ANALYZE users;
ANALYZE projects;
ANALYZE machines;
ANALYZE materials;
ANALYZE bom_headers;
ANALYZE bom_items;
ANALYZE purchase_orders;
ANALYZE purchase_order_items;
ANALYZE work_order;
ANALYZE mat_work_order_bom;
ANALYZE project_milestones;
ANALYZE tasks;
ANALYZE issues;
ANALYZE invoices;
ANALYZE project_payment_plans;
ANALYZE project_costs;
ANALYZE timesheet;
