#!/usr/bin/env bash
# verify-schema.sh — apply Shared/PMSMigrations/SQL/NNNN_*.sql to an EMPTY PostgreSQL 15 database, the way
# `pmsctl migrate` does, and check the result against the database contract (DATA-MODEL.md).
#
#   usage: Shared/PMSMigrations/verify-schema.sh 'postgresql://user@127.0.0.1:PORT/dbname'
#
# The database must be empty (no relation in schema public); the script refuses anything else. It leaves the
# database migrated (schema_migrations filled, seeds present, no test rows: the data checks run in a
# transaction that is rolled back).
#
# Environment:
#   DATA_MODEL  path of DATA-MODEL.md (default: /work/shared/spec/DATA-MODEL.md). When it is not readable the
#               column/constraint/index-definition comparison is skipped and only the embedded table and index
#               name lists (taken from DATA-MODEL.md when the migrations were written) are compared.
#   APPLY_MODE  file   (default) psql --single-transaction -f <file>
#               pqexec          the whole file as ONE simple-query string (psql -c), inside BEGIN/COMMIT —
#                               exactly what the runner's single PQexec does
#   PSQL        psql binary (default: psql)
#
# Checks: file lint (names, no BEGIN/COMMIT, no psql meta-commands) · every table, column (type, null,
# default, identity start 1000000), primary key, unique constraint, foreign key (+ ON DELETE), CHECK
# constraint and named index (definition incl. partial predicate, DESC, NULLS NOT DISTINCT) of DATA-MODEL.md
# §2–§3, and nothing extra · the seeds of §5 (16 rules, 37 job rows; re-applying them is a no-op) · data
# checks: a realistic row set over the main tables, FK / CHECK / unique rejections, the one-open-alert
# index, the §4.1 alert-number allocation, pms_float_text.
# Exit status: 0 when every check passes, 1 when one fails, 2 on a usage or environment error.

set -u -o pipefail
shopt -s lastpipe   # so that "... | tally" updates the counters of this shell

URL=${1:-}
if [ -z "$URL" ] || [ "$URL" = "-h" ] || [ "$URL" = "--help" ]; then
    sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
SQL_DIR=$HERE/SQL
DATA_MODEL=${DATA_MODEL:-/work/shared/spec/DATA-MODEL.md}
APPLY_MODE=${APPLY_MODE:-file}
PSQL=${PSQL:-psql}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass=0
fail=0
ok()   { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
nok()  { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
info() { printf '     %s\n' "$*"; }
die()  { printf 'ERROR %s\n' "$*" >&2; exit 2; }
# psql, quiet, unaligned, stop on error.
q()    { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$URL" "$@"; }
# Counts the "ok ..." / "FAIL ..." lines a SQL check script prints, echoes them.
tally() {
    local line
    while IFS= read -r line; do
        case "$line" in
            ok*)   pass=$((pass + 1)); printf '%s\n' "$line" ;;
            FAIL*) fail=$((fail + 1)); printf '%s\n' "$line" ;;
            *)     printf '     %s\n' "$line" ;;
        esac
    done
}

# ---------------------------------------------------------------------------------------------------------
echo "== 0. target database"
ver=$(q -c "SHOW server_version_num") || die "cannot connect to $URL"
[ "$ver" -ge 150000 ] || die "PostgreSQL 15 or later required (server_version_num $ver)"
nrel=$(q -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
[ "$nrel" = 0 ] || die "the database is not empty ($nrel relations in schema public); give an empty database"
info "server_version_num $ver, schema public empty"

# ---------------------------------------------------------------------------------------------------------
echo "== 1. migration files ($SQL_DIR)"
mapfile -t FILES < <(find "$SQL_DIR" -maxdepth 1 -name '*.sql' -printf '%f\n' | LC_ALL=C sort)
[ "${#FILES[@]}" -gt 0 ] || die "no .sql files in $SQL_DIR"
lint_ok=1
prev=0
for f in "${FILES[@]}"; do
    if ! [[ $f =~ ^([0-9]{4})_[a-z0-9_]+\.sql$ ]]; then nok "file name $f is not NNNN_<name>.sql"; lint_ok=0; continue; fi
    num=$((10#${BASH_REMATCH[1]}))
    [ "$num" -gt "$prev" ] || { nok "file $f: number not greater than the previous one"; lint_ok=0; }
    prev=$num
    if grep -nE '^[[:space:]]*\\' "$SQL_DIR/$f" >/dev/null; then nok "file $f contains a psql meta-command (line starting with \\)"; lint_ok=0; fi
    if grep -niE '^[[:space:]]*(BEGIN|COMMIT|ROLLBACK|START[[:space:]]+TRANSACTION|END[[:space:]]+TRANSACTION)[[:space:]]*;' "$SQL_DIR/$f" >/dev/null; then
        nok "file $f contains transaction control (the runner adds BEGIN/COMMIT)"; lint_ok=0
    fi
done
[ $lint_ok = 1 ] && ok "${#FILES[@]} files, numbered in order, no BEGIN/COMMIT, no psql meta-commands: ${FILES[*]}"

# ---------------------------------------------------------------------------------------------------------
echo "== 2. apply (mode $APPLY_MODE), each file in its own transaction, recorded in schema_migrations"
# The runner creates schema_migrations itself (DATA-MODEL.md §3.4); emulate it.
q -c "CREATE TABLE schema_migrations (version text NOT NULL PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())" \
    || die "cannot create schema_migrations"
for f in "${FILES[@]}"; do
    v=${f%.sql}
    rec="INSERT INTO schema_migrations (version) VALUES ('$v')"
    if [ "$APPLY_MODE" = pqexec ]; then
        out=$("$PSQL" -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$URL" -c "$(cat "$SQL_DIR/$f")" -c "$rec" 2>&1)
    else
        out=$("$PSQL" -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$URL" -f "$SQL_DIR/$f" -c "$rec" 2>&1)
    fi
    rc=$?
    if [ $rc -ne 0 ]; then
        nok "apply $f"; printf '%s\n' "$out" | sed 's/^/     /'
        echo "stopping: later files depend on it"; echo "SUMMARY: $pass passed, $fail failed"; exit 1
    fi
    [ -n "$out" ] && printf '%s\n' "$out" | sed "s/^/     [$v] /"
done
napplied=$(q -c "SELECT count(*) FROM schema_migrations")
[ "$napplied" = "${#FILES[@]}" ] && ok "all ${#FILES[@]} files applied and recorded in schema_migrations" \
    || nok "schema_migrations has $napplied rows, expected ${#FILES[@]}"

# ---------------------------------------------------------------------------------------------------------
echo "== 3. structure against DATA-MODEL.md"
if [ -r "$DATA_MODEL" ]; then
    info "contract: $DATA_MODEL"
    cat > "$TMP/extract.awk" <<'AWK'
# DATA-MODEL.md §2–§3 as INSERTs into the x_* temp tables (see the SQL below).
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
function dq(s) { return "$v$" s "$v$" }
function quote_list(s,    n, a, i, out) {
    n = split(s, a, /,[ ]*/); out = ""
    for (i = 1; i <= n; i++) out = out (i > 1 ? ", " : "") "'" trim(a[i]) "'"
    return out
}
function chk(t, e) { nk++; print "INSERT INTO x_chk VALUES (" nk ", " dq(t) ", " dq(e) ");" }
FNR == NR {                                  # pass 1: the target-type list paragraph of §3.1
    if ($0 ~ /^Target-type list/) { grab = 1; buf = "" }
    if (grab) { buf = buf " " $0; if ($0 ~ /\(The /) grab = 0 }
    next
}
FNR == 1 { sub(/^[^:]*: */, "", buf); sub(/\. *\(The.*/, "", buf); gsub(/ +/, " ", buf); targets = trim(buf) }
/^## 2\./ { on = 1 }
/^## 4\./ { on = 0 }
!on { next }
/^#### / { tbl = $2; print "INSERT INTO x_tables VALUES (" dq(tbl) ");"; next }
/^Constraint: `CHECK/ { s = $0; sub(/^Constraint: `CHECK /, "", s); sub(/`[^`]*$/, "", s); chk(tbl, s); next }
/^\| / && !/^\| column/ && !/^\|---/ {
    split($0, c, "|"); col = trim(c[2]); typ = trim(c[3]); nd = trim(c[4]); con = trim(c[5])
    ident = (nd == "identity"); notnull = (ident || nd ~ /^not null/)
    def = ""; if (nd ~ / default /) { def = nd; sub(/^.* default /, "", def) }
    print "INSERT INTO x_cols VALUES (" dq(tbl) ", " dq(col) ", " dq(typ) ", " (notnull ? "true" : "false") ", " \
          (ident ? "true" : "false") ", " (def == "" ? "NULL" : dq(def)) ");"
    if (con ~ /(^|[ ,])unique([ ,;]|$)/) print "INSERT INTO x_uniq VALUES (" dq(tbl) ", " dq(col) ");"
    if (con ~ /PK/ || ident) print "INSERT INTO x_pk VALUES (" dq(tbl) ", " dq(col) ");"
    if (match(con, /FK → [a-z_]+/)) {
        ref = substr(con, RSTART, RLENGTH); sub(/.* /, "", ref)
        print "INSERT INTO x_fk VALUES (" dq(tbl) ", " dq(col) ", " dq(ref) ", '" (con ~ /ON DELETE CASCADE/ ? "c" : "a") "');"
    }
    if (match(con, /CHECK in \([^)]*\)/)) {
        lst = substr(con, RSTART + 10, RLENGTH - 11); lists[tbl "." col] = lst
        chk(tbl, "(" col " IN (" quote_list(lst) "))")
    } else if (con ~ /CHECK in the target-type list/) {
        chk(tbl, "(" col " IN (" quote_list(targets) "))")
    } else if (match(con, /CHECK in the `[a-z_]+` list/)) {
        key = substr(con, RSTART + 14, RLENGTH - 20); found = ""
        for (k in lists) if (k ~ ("\\." key "$")) found = k
        chk(tbl, "(" col " IN (" quote_list(lists[found]) "))")
    } else if (match(con, /CHECK as `[a-z_.]+`/)) {
        chk(tbl, "(" col " IN (" quote_list(lists[substr(con, RSTART + 10, RLENGTH - 11)]) "))")
    } else if (match(con, /CHECK `[^`]+`/)) {
        chk(tbl, "(" substr(con, RSTART + 7, RLENGTH - 8) ")")
    } else if (match(con, /CHECK \(.*$/)) {
        chk(tbl, substr(con, RSTART + 6))
    }
    next
}
{
    s = $0
    while (match(s, /`(idx|uq)_[a-z0-9_]+ \([^`]*`/)) {
        span = substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH)
        name = span; sub(/ .*/, "", name); rest = span; sub(/^[^ ]+ /, "", rest)
        ni++; print "INSERT INTO x_idx VALUES (" ni ", " dq(tbl) ", " dq(name) ", " dq(rest) ");"
    }
}
AWK
    {
        cat <<'SQL'
CREATE TEMP TABLE x_tables (t text);
CREATE TEMP TABLE x_cols (t text, c text, typ text, nn boolean, ident boolean, def text);
CREATE TEMP TABLE x_uniq (t text, c text);
CREATE TEMP TABLE x_pk (t text, c text);
CREATE TEMP TABLE x_fk (t text, c text, ref text, del "char");
CREATE TEMP TABLE x_chk (i integer, t text, expr text);
CREATE TEMP TABLE x_idx (i integer, t text, name text, def text);
SQL
        awk -f "$TMP/extract.awk" "$DATA_MODEL" "$DATA_MODEL"
    } > "$TMP/load.sql"
    # The CHECKs and indexes of the document, compiled by the server itself (as NOT VALID constraints zz_chk_<i>
    # and indexes zz_idx_<i>) so that their canonical definitions can be compared with the real ones.
    {
        echo "SELECT format('ALTER TABLE %I ADD CONSTRAINT zz_chk_%s CHECK %s NOT VALID;', t, i, expr) FROM x_chk ORDER BY i;"
        echo "SELECT format('CREATE %sINDEX zz_idx_%s ON %I %s;', CASE WHEN name LIKE 'uq\\_%' THEN 'UNIQUE ' ELSE '' END, i, t, def) FROM x_idx ORDER BY i;"
    } > "$TMP/gen.sql"
    cat > "$TMP/compare.sql" <<'SQL'
-- tables
SELECT 'FAIL table of DATA-MODEL.md missing: ' || t FROM x_tables WHERE to_regclass('public.' || t) IS NULL;
SELECT 'FAIL table not in DATA-MODEL.md: ' || tablename FROM pg_tables
 WHERE schemaname = 'public' AND tablename NOT IN (SELECT t FROM x_tables);
SELECT CASE WHEN e = a AND NOT EXISTS (SELECT 1 FROM x_tables WHERE to_regclass('public.' || t) IS NULL)
            THEN 'ok   tables: ' || e || ' in DATA-MODEL.md, ' || a || ' in the database, same names'
            ELSE 'FAIL tables: ' || e || ' in DATA-MODEL.md, ' || a || ' in the database' END
  FROM (SELECT (SELECT count(*) FROM x_tables) e, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') a) s;

-- columns: type, nullability, identity, default
WITH act AS (
    SELECT c.relname t, a.attname c, format_type(a.atttypid, a.atttypmod) typ, a.attnotnull nn, a.attidentity <> '' ident,
           regexp_replace(pg_get_expr(d.adbin, d.adrelid), '::[a-z ]+$', '') def
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE c.relkind = 'r'),
exp AS (
    SELECT t, c, CASE typ WHEN 'timestamptz' THEN 'timestamp with time zone'
                          WHEN 'time' THEN 'time without time zone' ELSE typ END typ, nn, ident, def
      FROM x_cols),
diff AS (
    SELECT coalesce(e.t, a.t) t, coalesce(e.c, a.c) c,
           CASE WHEN e.t IS NULL THEN 'absent' ELSE concat_ws(' ', e.typ, CASE WHEN e.nn THEN 'not null' ELSE 'null' END,
                CASE WHEN e.ident THEN 'identity' END, 'default ' || e.def) END ed,
           CASE WHEN a.t IS NULL THEN 'absent' ELSE concat_ws(' ', a.typ, CASE WHEN a.nn THEN 'not null' ELSE 'null' END,
                CASE WHEN a.ident THEN 'identity' END, 'default ' || a.def) END ad
      FROM exp e FULL JOIN act a ON a.t = e.t AND a.c = e.c
     WHERE e.t IS NULL OR a.t IS NULL OR e.typ <> a.typ OR e.nn <> a.nn OR e.ident <> a.ident
        OR e.def IS DISTINCT FROM a.def)
SELECT 'FAIL column ' || t || '.' || c || ': DATA-MODEL.md "' || ed || '", database "' || ad || '"' FROM diff
UNION ALL
SELECT 'ok   columns: all ' || (SELECT count(*) FROM x_cols) || ' columns match (type, null, default, identity)'
 WHERE NOT EXISTS (SELECT 1 FROM diff);

-- identity columns start at 1 000 000, BY DEFAULT
WITH idc AS (
    SELECT x.t, x.c, a.attidentity, s.seqstart, s.seqtypid::regtype::text seqtype
      FROM x_cols x
      JOIN pg_class c ON c.relname = x.t AND c.relnamespace = 'public'::regnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = x.c
      LEFT JOIN pg_sequence s ON s.seqrelid = to_regclass(pg_get_serial_sequence('public.' || x.t, x.c))
     WHERE x.ident),
bad AS (SELECT * FROM idc WHERE attidentity <> 'd' OR seqstart IS DISTINCT FROM 1000000 OR seqtype <> 'bigint')
SELECT 'FAIL identity ' || t || '.' || c || ': kind ' || attidentity::text || ', start ' || coalesce(seqstart::text, '?') FROM bad
UNION ALL
SELECT 'ok   identity: ' || (SELECT count(*) FROM idc) || ' id columns are bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1000000)'
 WHERE NOT EXISTS (SELECT 1 FROM bad);

-- primary keys
WITH e AS (SELECT t, string_agg(c, ',' ORDER BY c) cols FROM x_pk GROUP BY t),
a AS (SELECT k.conrelid::regclass::text t, string_agg(att.attname, ',' ORDER BY att.attname) cols
        FROM pg_constraint k JOIN pg_attribute att ON att.attrelid = k.conrelid AND att.attnum = ANY (k.conkey)
       WHERE k.contype = 'p' AND k.connamespace = 'public'::regnamespace GROUP BY 1),
d AS (SELECT coalesce(e.t, a.t) t, e.cols ec, a.cols ac FROM e FULL JOIN a ON a.t = e.t WHERE e.cols IS DISTINCT FROM a.cols)
SELECT 'FAIL primary key of ' || t || ': DATA-MODEL.md (' || coalesce(ec, 'none') || '), database (' || coalesce(ac, 'none') || ')' FROM d
UNION ALL
SELECT 'ok   primary keys: ' || (SELECT count(*) FROM e) || ' tables, all match' WHERE NOT EXISTS (SELECT 1 FROM d);

-- single-column unique constraints, named <table>_<column>_key
WITH a AS (SELECT k.conrelid::regclass::text t, att.attname c, k.conname
             FROM pg_constraint k JOIN pg_attribute att ON att.attrelid = k.conrelid AND att.attnum = ANY (k.conkey)
            WHERE k.contype = 'u' AND k.connamespace = 'public'::regnamespace AND cardinality(k.conkey) = 1),
d AS (SELECT coalesce(x.t, a.t) t, coalesce(x.c, a.c) c, x.t IS NOT NULL in_doc, a.conname
        FROM x_uniq x FULL JOIN a ON a.t = x.t AND a.c = x.c
       WHERE x.t IS NULL OR a.t IS NULL OR a.conname <> x.t || '_' || x.c || '_key')
SELECT 'FAIL unique ' || t || '.' || c || CASE WHEN NOT in_doc THEN ': not in DATA-MODEL.md'
                                             WHEN conname IS NULL THEN ': missing'
                                             ELSE ': constraint named ' || conname END FROM d
UNION ALL
SELECT 'ok   unique constraints: ' || (SELECT count(*) FROM x_uniq) || ' columns marked unique, all <table>_<column>_key'
 WHERE NOT EXISTS (SELECT 1 FROM d)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'u' AND connamespace = 'public'::regnamespace
                                                 AND cardinality(conkey) > 1);

-- foreign keys with their ON DELETE rule
WITH a AS (SELECT k.conrelid::regclass::text t, att.attname c, k.confrelid::regclass::text ref, k.confdeltype del,
                  cardinality(k.conkey) n
             FROM pg_constraint k JOIN pg_attribute att ON att.attrelid = k.conrelid AND att.attnum = k.conkey[1]
            WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace),
d AS (SELECT coalesce(x.t, a.t) t, coalesce(x.c, a.c) c,
             CASE WHEN x.t IS NULL THEN 'none' ELSE x.ref || ' ON DELETE ' || CASE x.del WHEN 'c' THEN 'CASCADE' ELSE 'NO ACTION' END END xd,
             CASE WHEN a.t IS NULL THEN 'none' ELSE a.ref || ' ON DELETE ' || CASE a.del WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' ELSE a.del::text END END ad
        FROM x_fk x FULL JOIN a ON a.t = x.t AND a.c = x.c
       WHERE x.t IS NULL OR a.t IS NULL OR x.ref <> a.ref OR x.del <> a.del OR a.n <> 1)
SELECT 'FAIL foreign key ' || t || '.' || c || ': DATA-MODEL.md ' || xd || ', database ' || ad FROM d
UNION ALL
SELECT 'ok   foreign keys: ' || (SELECT count(*) FROM x_fk) || ' FKs, all match (target and ON DELETE rule)'
 WHERE NOT EXISTS (SELECT 1 FROM d);

-- CHECK constraints: canonical definitions compared as multisets per table
WITH e AS (SELECT x.t, x.i, x.expr, replace(pg_get_constraintdef(k.oid), ' NOT VALID', '') def
             FROM x_chk x LEFT JOIN pg_constraint k ON k.conname = 'zz_chk_' || x.i AND k.connamespace = 'public'::regnamespace),
a AS (SELECT conrelid::regclass::text t, conname, pg_get_constraintdef(oid) def
        FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace AND conname NOT LIKE 'zz\_chk\_%'),
en AS (SELECT *, row_number() OVER (PARTITION BY t, def ORDER BY i) rn FROM e WHERE def IS NOT NULL),
an AS (SELECT *, row_number() OVER (PARTITION BY t, def ORDER BY conname) rn FROM a),
d AS (SELECT 'FAIL CHECK of DATA-MODEL.md does not compile: ' || t || ' ' || expr m FROM e WHERE def IS NULL
      UNION ALL
      SELECT CASE WHEN an.t IS NULL THEN 'FAIL CHECK of DATA-MODEL.md missing on ' || en.t || ': ' || en.def
                  ELSE 'FAIL CHECK not in DATA-MODEL.md on ' || an.t || ': ' || an.conname || ' ' || an.def END
        FROM en FULL JOIN an ON an.t = en.t AND an.def = en.def AND an.rn = en.rn
       WHERE an.t IS NULL OR en.t IS NULL)
SELECT m FROM d
UNION ALL
SELECT 'ok   CHECK constraints: ' || (SELECT count(*) FROM x_chk) || ' in DATA-MODEL.md, ' || (SELECT count(*) FROM a)
       || ' in the database, identical definitions (enum lists value by value)'
 WHERE NOT EXISTS (SELECT 1 FROM d);

-- named indexes: same name, table, uniqueness, columns/expressions, order, NULLS NOT DISTINCT and predicate
WITH e AS (SELECT x.i, x.t, x.name, x.def,
                  replace(pg_get_indexdef(to_regclass('public.zz_idx_' || x.i)), 'INDEX zz_idx_' || x.i || ' ON', 'INDEX ' || x.name || ' ON') want,
                  pg_get_indexdef(to_regclass('public.' || x.name)) got
             FROM x_idx x),
a AS (SELECT i.indexrelid::regclass::text name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'zz\_idx\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u'))),
d AS (SELECT 'FAIL index ' || name || ' (' || t || ' ' || def || '): '
             || CASE WHEN want IS NULL THEN 'definition in DATA-MODEL.md does not compile'
                     WHEN got IS NULL THEN 'missing'
                     ELSE 'differs: database "' || got || '", DATA-MODEL.md "' || want || '"' END m
        FROM e WHERE want IS NULL OR got IS DISTINCT FROM want
      UNION ALL
      SELECT 'FAIL index not in DATA-MODEL.md: ' || name FROM a WHERE name NOT IN (SELECT name FROM x_idx))
SELECT m FROM d
UNION ALL
SELECT 'ok   indexes: ' || (SELECT count(*) FROM x_idx) || ' index names in DATA-MODEL.md, '
       || (SELECT count(*) FROM a) || ' named indexes in the database (besides PK and unique-constraint indexes), '
       || 'same names, identical definitions' WHERE NOT EXISTS (SELECT 1 FROM d);

-- the index-name comparison, as plain counts
SELECT 'index names: ' || (SELECT count(DISTINCT name) FROM x_idx) || ' in DATA-MODEL.md ('
       || (SELECT count(*) FROM x_idx WHERE name LIKE 'uq\_%') || ' uq_, ' || (SELECT count(*) FROM x_idx WHERE name LIKE 'idx\_%')
       || ' idx_), ' || (SELECT count(*) FROM x_idx WHERE to_regclass('public.' || name) IS NOT NULL) || ' of them present; '
       || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE 'zz\_idx\_%')
       || ' indexes in total (PK and unique constraints included)';
SQL
    # One transaction, rolled back: temp tables, generated zz_ objects. While the document's CHECKs and indexes
    # are compiled, ON_ERROR_ROLLBACK keeps going past one that does not compile (compare.sql reports it);
    # everything else stops on the first error.
    {
        echo "\\set ON_ERROR_STOP on"
        echo "BEGIN;"
        cat "$TMP/load.sql"
        echo "\\o $TMP/ddl.sql"
        cat "$TMP/gen.sql"
        echo "\\o"
        echo "\\set ON_ERROR_STOP off"
        echo "\\set ON_ERROR_ROLLBACK on"
        echo "\\i $TMP/ddl.sql"
        echo "\\set ON_ERROR_ROLLBACK off"
        echo "\\set ON_ERROR_STOP on"
        cat "$TMP/compare.sql"
        echo "ROLLBACK;"
    } > "$TMP/structure.sql"
    "$PSQL" -X -q -At -d "$URL" -f "$TMP/structure.sql" 2> "$TMP/structure.err" | tally
    [ "${PIPESTATUS[0]}" = 0 ] || nok "structure comparison aborted (error below)"
    if [ -s "$TMP/structure.err" ]; then
        info "server messages:"; sed 's/^/       /' "$TMP/structure.err" | head -40
    fi
else
    info "DATA-MODEL.md not readable at $DATA_MODEL: comparing embedded name lists only"
    EXPECTED_TABLES="departments positions users roles user_roles notification_settings projects machines
project_milestones tasks task_unified project_status_logs pmo_resource_allocation materials bom_headers bom_items
purchase_orders purchase_order_items material_shortages mat_kit_check mat_work_order_bom mat_shortage_alert
shortage_reports material_arrivals technical_spec_requirements spec_match_records workshop worker production_plan
work_order work_report production_exception equipment work_shifts non_working_days outsourcing_orders
outsourcing_order_items customers contracts invoices project_payment_plans leads opportunities quotes approval_records
approval_workflow_steps presale_support_ticket timesheet hourly_rate_configs project_costs project_budgets issues
issue_follow_up_records ecn ecn_evaluations ecn_approvals ecn_tasks job_duty_template alert_rules alert_records
alert_recipients alert_notifications notifications alert_subscriptions alert_no_counters alert_statistics
project_health_snapshots issue_statistics_snapshots mat_shortage_daily_report production_daily_report
payment_plan_adjustments scheduler_job_state job_runs executed_runs outbox schema_migrations"
    EXPECTED_INDEXES="idx_users_department idx_users_position uq_user_roles_user_role idx_user_roles_role idx_projects_pm
idx_projects_active idx_project_milestones_project idx_project_milestones_open_due idx_project_milestones_updated
idx_tasks_project_status idx_tasks_milestone idx_tasks_owner idx_tasks_overdue uq_task_unified_job_duty
idx_task_unified_open_deadline idx_project_status_logs_project idx_pmo_resource_allocation_resource
idx_bom_headers_project_latest idx_bom_headers_machine_latest idx_bom_items_bom idx_bom_items_material
idx_bom_items_required_date idx_purchase_orders_open_due idx_purchase_orders_project idx_purchase_order_items_order
idx_purchase_order_items_bom_item idx_purchase_order_items_material uq_material_shortages_open_line
idx_material_shortages_status uq_mat_kit_check_auto_daily idx_mat_kit_check_order_time idx_mat_kit_check_time
idx_mat_work_order_bom_order idx_mat_shortage_alert_created idx_shortage_reports_report_time
idx_shortage_reports_resolved_at idx_material_arrivals_expected idx_material_arrivals_actual
idx_technical_spec_requirements_project_code uq_spec_match_records_current idx_spec_match_records_project
idx_worker_workshop idx_production_plan_open idx_work_order_kit_window idx_work_order_started idx_work_order_plan
idx_work_order_workshop idx_work_report_order_time idx_work_report_time idx_production_exception_report_time
idx_production_exception_resolved_at idx_equipment_next_maintenance idx_work_shifts_workshop uq_non_working_days_day
idx_outsourcing_orders_open idx_outsourcing_order_items_order idx_contracts_delivery_deadline idx_contracts_project
idx_invoices_overdue idx_invoices_contract idx_project_payment_plans_milestone idx_project_payment_plans_open_date
idx_leads_qualifying idx_opportunities_open_stage idx_quotes_open_validity idx_approval_records_pending
uq_approval_workflow_steps_step idx_presale_support_ticket_open idx_timesheet_approved idx_hourly_rate_configs_lookup
uq_project_costs_labor_month idx_project_costs_project idx_project_budgets_approved idx_issues_open_due
idx_issues_blocking idx_issues_project_status idx_issue_follow_up_records_issue idx_issue_follow_up_records_closed
idx_ecn_evaluations_open idx_ecn_approvals_pending idx_ecn_tasks_open idx_alert_rules_rule_type uq_alert_records_open
idx_alert_records_ignored idx_alert_records_dedup_key idx_alert_records_target idx_alert_records_project_status
idx_alert_records_status_triggered idx_alert_records_rule_triggered idx_alert_records_triggered
idx_alert_records_escalation uq_alert_recipients_alert_user uq_alert_notifications_delivery
idx_alert_notifications_due idx_alert_notifications_user idx_notifications_user_created idx_notifications_source
idx_alert_subscriptions_active uq_alert_statistics_day_type uq_project_health_snapshots_project_day
idx_project_health_snapshots_day uq_production_daily_report_day_scope uq_payment_plan_adjustments_auto
idx_job_runs_job_slot idx_job_runs_unfinished idx_job_runs_created idx_outbox_unpublished"
    want_t=$(printf '%s\n' $EXPECTED_TABLES | sort)
    got_t=$(q -c "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" | sort)
    [ "$want_t" = "$got_t" ] && ok "tables: $(printf '%s\n' $EXPECTED_TABLES | wc -l) expected, same names in the database" \
        || nok "tables differ: $(diff <(echo "$want_t") <(echo "$got_t") | grep '^[<>]' | tr '\n' ' ')"
    want_i=$(printf '%s\n' $EXPECTED_INDEXES | sort)
    got_i=$(q -c "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE c.relnamespace = 'public'::regnamespace
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p','u'))" | sort)
    [ "$want_i" = "$got_i" ] && ok "indexes: $(printf '%s\n' $EXPECTED_INDEXES | wc -l) expected names, same names in the database" \
        || nok "index names differ: $(diff <(echo "$want_i") <(echo "$got_i") | grep '^[<>]' | tr '\n' ' ')"
fi

# ---------------------------------------------------------------------------------------------------------
echo "== 4. seed rows (§5)"
if [ -r "$DATA_MODEL" ]; then
    # §5.1 table: | id | rule_code | rule_name | rule_type | target_type | cond. | op | threshold | level | prefix | domain | job |
    awk '/^### 5\.1/{f=1} /^### 5\.2/{f=0} f && /^\| [0-9]+ \|/' "$DATA_MODEL" \
        | awk -F'|' 'function t(s){gsub(/^ +| +$/,"",s);return s}
            {printf "(%s,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$,$v$%s$v$),\n",
             t($2),t($3),t($4),t($5),t($6),t($7),t($8),t($9),t($10),t($11),t($12)}' | sed '$ s/,$//' > "$TMP/rules.values"
    # §5.2 table: two (job_id, domain) pairs per line.
    awk '/^### 5\.2/{f=1} /^## 6\./{f=0} f && /^\| [a-z]/ && !/^\| job_id/' "$DATA_MODEL" \
        | awk -F'|' 'function t(s){gsub(/ /,"",s);return s}
            {print "($v$" t($2) "$v$,$v$" t($3) "$v$),"; if (t($5) != "") print "($v$" t($5) "$v$,$v$" t($6) "$v$),"}' \
        | sed '$ s/,$//' > "$TMP/jobs.values"
    {
        echo "CREATE TEMP TABLE x_rules (id bigint, rule_code text, rule_name text, rule_type text, target_type text,"
        echo "  condition_type text, condition_operator text, threshold_value text, alert_level text, alert_no_prefix text, domain text);"
        echo "INSERT INTO x_rules VALUES"; cat "$TMP/rules.values"; echo ";"
        echo "CREATE TEMP TABLE x_jobs (job_id text, domain text);"
        echo "INSERT INTO x_jobs VALUES"; cat "$TMP/jobs.values"; echo ";"
        cat <<'SQL'
WITH d AS (
    (SELECT 'in DATA-MODEL.md §5.1 only' w, * FROM x_rules
     EXCEPT SELECT 'in DATA-MODEL.md §5.1 only', id, rule_code, rule_name, rule_type, target_type, condition_type,
                   condition_operator, threshold_value, alert_level, alert_no_prefix, domain FROM alert_rules)
    UNION ALL
    (SELECT 'in the database only', id, rule_code, rule_name, rule_type, target_type, condition_type,
            condition_operator, threshold_value, alert_level, alert_no_prefix, domain FROM alert_rules
     EXCEPT SELECT 'in the database only', * FROM x_rules))
SELECT 'FAIL alert rule ' || w || ': ' || id || ' ' || rule_code || ' ' || alert_no_prefix || ' ' || domain FROM d
UNION ALL
SELECT 'ok   alert_rules: ' || (SELECT count(*) FROM alert_rules) || ' rows, identical to the §5.1 table (ids, codes, names, types, '
       || 'targets, operators, thresholds, levels, prefixes, domains)' WHERE NOT EXISTS (SELECT 1 FROM d);
SELECT CASE WHEN count(*) = 16 AND bool_and(is_enabled AND is_system AND notify_channels IS NULL AND notify_users IS NULL
                                             AND condition_type = 'THRESHOLD' AND description IS NOT NULL)
            THEN 'ok   alert_rules: all enabled, is_system, notify_channels/notify_users NULL, descriptions set'
            ELSE 'FAIL alert_rules flags/channels/descriptions not as in §5.1' END FROM alert_rules;
WITH d AS ((SELECT 'in DATA-MODEL.md §5.2 only' w, * FROM x_jobs EXCEPT SELECT 'in DATA-MODEL.md §5.2 only', job_id, domain FROM scheduler_job_state)
           UNION ALL
           (SELECT 'in the database only', job_id, domain FROM scheduler_job_state EXCEPT SELECT 'in the database only', * FROM x_jobs))
SELECT 'FAIL scheduler_job_state ' || w || ': ' || job_id || ' ' || domain FROM d
UNION ALL
SELECT 'ok   scheduler_job_state: ' || (SELECT count(*) FROM scheduler_job_state) || ' rows, same (job_id, domain) as the §5.2 table ('
       || (SELECT string_agg(domain || ' ' || n, ', ' ORDER BY domain) FROM (SELECT domain, count(*) n FROM scheduler_job_state GROUP BY 1) s) || ')'
 WHERE NOT EXISTS (SELECT 1 FROM d);
SELECT CASE WHEN bool_and(is_enabled AND cron_override IS NULL AND last_scheduled_for IS NULL AND last_run_id IS NULL
                          AND last_outcome IS NULL AND last_success_started_at IS NULL)
            THEN 'ok   scheduler_job_state: every row enabled, everything else NULL'
            ELSE 'FAIL scheduler_job_state rows are not all enabled with NULL state' END FROM scheduler_job_state;
SQL
    } > "$TMP/seeds.sql"
    "$PSQL" -X -q -At -v ON_ERROR_STOP=1 --single-transaction -d "$URL" -f "$TMP/seeds.sql" 2>&1 | tally
else
    q -c "SELECT CASE WHEN count(*) = 16 AND min(id) = 1 AND max(id) = 16 THEN 'ok   alert_rules: 16 seeded rules, ids 1-16'
                      ELSE 'FAIL alert_rules: ' || count(*) || ' rows' END FROM alert_rules" \
         -c "SELECT CASE WHEN count(*) = 37 THEN 'ok   scheduler_job_state: 37 rows' ELSE 'FAIL scheduler_job_state: ' || count(*) || ' rows' END
               FROM scheduler_job_state" 2>&1 | tally
fi
# Re-applying the seed file(s) must change nothing (ON CONFLICT DO NOTHING).
for f in "${FILES[@]}"; do
    if grep -qE 'INSERT INTO (alert_rules|scheduler_job_state)' "$SQL_DIR/$f"; then
        if out=$("$PSQL" -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$URL" -f "$SQL_DIR/$f" 2>&1); then
            n=$(q -c "SELECT (SELECT count(*) FROM alert_rules) || '/' || (SELECT count(*) FROM scheduler_job_state)")
            [ "$n" = "16/37" ] && ok "re-applying $f is a no-op (alert_rules/scheduler_job_state still $n)" \
                || nok "re-applying $f changed the seeds: $n"
        else
            nok "re-applying $f fails: $out"
        fi
    fi
done

# ---------------------------------------------------------------------------------------------------------
echo "== 5. data checks (one transaction, rolled back)"
cat > "$TMP/data.sql" <<'SQL'
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE FUNCTION pg_temp.expect(label text, cond boolean) RETURNS text LANGUAGE sql AS
$f$ SELECT CASE WHEN cond THEN 'ok   ' ELSE 'FAIL ' END || label $f$;
CREATE FUNCTION pg_temp.expect_error(label text, stmt text, state text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    BEGIN
        EXECUTE stmt;
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = state THEN RETURN 'ok   ' || label || ' (rejected: ' || SQLERRM || ')'; END IF;
        RETURN 'FAIL ' || label || ': expected SQLSTATE ' || state || ', got ' || SQLSTATE || ' ' || SQLERRM;
    END;
    RETURN 'FAIL ' || label || ': accepted, expected SQLSTATE ' || state;
END $f$;

-- organisation; the circular pair users.department_id <-> departments.manager_id
INSERT INTO departments (id, dept_name) VALUES (1, '项目管理部'), (2, '采购部');
INSERT INTO positions (id, position_name) VALUES (1, '采购工程师');
INSERT INTO users (id, username, real_name, email, phone, department_id, position_id, position) VALUES
    (1, 'zhang.pm', '张伟', 'zhang.pm@example.com', '13800000001', 1, NULL, '项目经理'),
    (2, 'li.buyer', '李娜', 'li.buyer@example.com', '13800000002', 2, 1, NULL),
    (3, 'wang.mgr', '王强', NULL, '13800000003', 1, NULL, NULL),
    (4, 'zhao.worker', NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE departments SET manager_id = 3 WHERE id = 1;
INSERT INTO users (username) VALUES ('generated.user');
SELECT pg_temp.expect('users: explicit ids < 1000000 do not advance the identity; generated id ' || id || ', is_active true, is_superuser false',
                      id >= 1000000 AND is_active AND NOT is_superuser AND created_at IS NOT NULL)
  FROM users WHERE username = 'generated.user';
SELECT pg_temp.expect_error('departments.manager_id FK rejects an unknown user',
                            $$UPDATE departments SET manager_id = 999 WHERE id = 2$$, '23503');
SELECT pg_temp.expect_error('users.username unique', $$INSERT INTO users (username) VALUES ('li.buyer')$$, '23505');
INSERT INTO roles (id, role_code, role_name) VALUES (1, 'PU', '采购'), (2, 'PMC', '物控'), (3, 'GM', '总经理');
INSERT INTO user_roles (user_id, role_id) VALUES (2, 1), (2, 2), (3, 3);
SELECT pg_temp.expect_error('uq_user_roles_user_role', $$INSERT INTO user_roles (user_id, role_id) VALUES (2, 1)$$, '23505');
INSERT INTO notification_settings (user_id, quiet_hours_start, quiet_hours_end) VALUES (1, '22:00', '07:00');
SELECT pg_temp.expect('notification_settings defaults (system/email/wechat/dingtalk on, sms off) and quiet hours as time',
                      system_enabled AND email_enabled AND wechat_enabled AND dingtalk_enabled AND NOT sms_enabled
                      AND alert_notifications AND issue_notifications AND quiet_hours_start = time '22:00')
  FROM notification_settings WHERE user_id = 1;

-- projects and the circular pair projects.contract_id <-> contracts.project_id
INSERT INTO customers (id, customer_name) VALUES (1, '华东汽车零部件有限公司');
INSERT INTO projects (id, project_code, project_name, pm_id, planned_start_date, planned_end_date, actual_start_date)
VALUES (1, 'PJ-2026-001', '焊装自动化产线', 1, '2025-11-01', '2026-03-31', '2025-11-03');
SELECT pg_temp.expect('projects defaults: stage S1, status ST01, health H1, progress_pct 0, budget 0, active, not archived',
                      stage = 'S1' AND status = 'ST01' AND health = 'H1' AND progress_pct = 0 AND budget_amount = 0
                      AND actual_cost = 0 AND is_active AND NOT is_archived AND updated_at IS NOT NULL)
  FROM projects WHERE id = 1;
INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id, status, delivery_deadline)
VALUES (1, 'HT-2026-001', 1, 1, 2, 'SIGNED', '2026-04-30');
UPDATE projects SET contract_id = 1 WHERE id = 1;
SELECT pg_temp.expect_error('projects.contract_id FK rejects an unknown contract',
                            $$UPDATE projects SET contract_id = 999 WHERE id = 1$$, '23503');
SELECT pg_temp.expect_error('projects.stage CHECK rejects S0', $$UPDATE projects SET stage = 'S0' WHERE id = 1$$, '23514');
SELECT pg_temp.expect_error('projects.status CHECK rejects ST1', $$UPDATE projects SET status = 'ST1' WHERE id = 1$$, '23514');
INSERT INTO machines (id, project_id, machine_code, machine_name) VALUES (1, 1, 'M-01', '焊装工位1');
INSERT INTO project_milestones (id, project_id, machine_id, milestone_code, milestone_name, planned_date, is_key, owner_id)
VALUES (1, 1, 1, 'MS-FAT', '出厂验收', '2026-01-14', true, 1);
INSERT INTO tasks (id, project_id, milestone_id, task_name, status, owner_id, plan_start, plan_end)
VALUES (1, 1, 1, '电气设计', 'IN_PROGRESS', 1, '2025-12-01', '2026-01-08');
SELECT pg_temp.expect('tasks defaults: progress_percent 0, weight 1.00', progress_percent = 0 AND weight = 1.00) FROM tasks WHERE id = 1;
SELECT pg_temp.expect_error('tasks.status CHECK rejects COMPLETED', $$UPDATE tasks SET status = 'COMPLETED' WHERE id = 1$$, '23514');

-- materials, BOM, purchasing, shortages
INSERT INTO materials (id, material_code, material_name, specification, brand) VALUES
    (1, 'M-001', '伺服电机', '400W 220V', '安川'), (2, 'M-002', '气缸', 'SC63x100', 'SMC');
INSERT INTO bom_headers (id, project_id, machine_id, status) VALUES (1, 1, 1, 'RELEASED');
INSERT INTO bom_items (id, bom_id, material_id, material_code, material_name, specification, quantity, required_date) VALUES
    (1, 1, 1, 'M-001', '伺服电机', '400W 220V', 10, '2026-01-11'),
    (2, 1, 2, 'M-002', '气缸', 'SC63x100', 4, '2026-01-20');
SELECT pg_temp.expect_error('bom_items.bom_id FK rejects an unknown BOM',
                            $$INSERT INTO bom_items (bom_id, quantity) VALUES (999, 1)$$, '23503');
INSERT INTO purchase_orders (id, order_no, order_title, project_id, status, required_date, promised_date, created_by)
VALUES (1, 'PO-2026-0001', '伺服电机采购', 1, 'ORDERED', '2026-01-08', '2026-01-12', 2);
INSERT INTO purchase_order_items (id, order_id, material_id, bom_item_id, material_code, material_name, specification, quantity, received_qty)
VALUES (1, 1, 1, 1, 'M-001', '伺服电机', '400W 220V', 5, 0);
SELECT pg_temp.expect('purchase_order_items defaults: status PENDING', status = 'PENDING') FROM purchase_order_items WHERE id = 1;
SELECT pg_temp.expect_error('purchase_orders.status CHECK rejects OPEN',
                            $$UPDATE purchase_orders SET status = 'OPEN' WHERE id = 1$$, '23514');
-- detection upsert on the partial unique index (§1.10: the insert repeats the predicate), twice
INSERT INTO material_shortages (project_id, bom_item_id, material_id, material_code, material_name, required_qty,
                                available_qty, shortage_qty, required_date, handler_id)
VALUES (1, 1, 1, 'M-001', '伺服电机', 10, 5, 5, '2026-01-11', 2)
ON CONFLICT (project_id, bom_item_id) WHERE status IN ('OPEN','ACKNOWLEDGED')
DO UPDATE SET available_qty = EXCLUDED.available_qty, shortage_qty = EXCLUDED.shortage_qty, updated_at = now();
INSERT INTO material_shortages (project_id, bom_item_id, material_id, material_code, material_name, required_qty,
                                available_qty, shortage_qty, required_date, handler_id)
VALUES (1, 1, 1, 'M-001', '伺服电机', 10, 6, 4, '2026-01-11', 2)
ON CONFLICT (project_id, bom_item_id) WHERE status IN ('OPEN','ACKNOWLEDGED')
DO UPDATE SET available_qty = EXCLUDED.available_qty, shortage_qty = EXCLUDED.shortage_qty, updated_at = now();
SELECT pg_temp.expect('material_shortages: the detection upsert keeps one open row per (project, BOM line), status OPEN, shortage 4',
                      count(*) = 1 AND min(shortage_qty) = 4 AND min(status) = 'OPEN' AND min(id) >= 1000000)
  FROM material_shortages WHERE project_id = 1 AND bom_item_id = 1;
INSERT INTO material_shortages (project_id, material_code, material_name, shortage_qty) VALUES
    (1, 'M-009', '手工录入缺料', 2), (1, 'M-009', '手工录入缺料', 3);
SELECT pg_temp.expect('material_shortages: rows entered by hand (NULL bom_item_id) never conflict',
                      count(*) = 2) FROM material_shortages WHERE bom_item_id IS NULL;
INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification, brand, key_parameters)
VALUES (1, 1, 'M-001', '伺服电机', '400W 220V', '安川', '{"power": "400W", "voltage": 220}');

-- production, kit checks
INSERT INTO workshop (id, workshop_code, workshop_name, manager_id) VALUES (1, 'WS-01', '总装车间', 3);
INSERT INTO worker (id, user_id, workshop_id) VALUES (1, 4, 1);
INSERT INTO production_plan (id, plan_no, plan_name, project_id, workshop_id, plan_end_date, status, created_by)
VALUES (1, 'PP-2026-01', '一月总装计划', 1, 1, '2026-01-31', 'EXECUTING', 3);
INSERT INTO work_order (id, work_order_no, task_name, project_id, machine_id, production_plan_id, workshop_id,
                        standard_hours, plan_start_date, plan_end_date, assigned_to)
VALUES (1, 'WO-2026-0001', '工位1总装', 1, 1, 1, 1, 16, '2026-01-10', '2026-01-12', 1);
SELECT pg_temp.expect('work_order defaults: plan_qty 1, completed_qty 0, status PENDING',
                      plan_qty = 1 AND completed_qty = 0 AND status = 'PENDING') FROM work_order WHERE id = 1;
INSERT INTO work_report (work_order_id, worker_id, report_type, report_time, work_hours, completed_qty)
VALUES (1, 1, 'START', '2026-01-10 08:30+08', 0, 0);
INSERT INTO mat_work_order_bom (work_order_id, material_id, material_code, bom_qty, required_qty) VALUES (1, 1, 'M-001', 10, 10);
INSERT INTO mat_kit_check (check_no, work_order_id, project_id, total_items, fulfilled_items, shortage_items, in_transit_items,
                           kit_rate, kit_status, shortage_summary, check_time, check_date, check_method, can_start)
VALUES ('AUTO-20260109-1', 1, 1, 2, 1, 0, 1, 50.00, 'partial',
        '[{"material": "M-001", "required": 10, "available": 5}]', '2026-01-09 06:30+08', '2026-01-09', 'auto', false)
ON CONFLICT (work_order_id, check_date) WHERE check_method = 'auto' DO NOTHING;
INSERT INTO mat_kit_check (check_no, work_order_id, project_id, kit_rate, kit_status, check_time, check_date, check_method)
VALUES ('AUTO-20260109-1b', 1, 1, 60.00, 'partial', '2026-01-09 07:30+08', '2026-01-09', 'auto')
ON CONFLICT (work_order_id, check_date) WHERE check_method = 'auto' DO NOTHING;
INSERT INTO mat_kit_check (work_order_id, kit_rate, kit_status, check_time, checked_by) VALUES (1, 100, 'complete', now(), 3);
SELECT pg_temp.expect('mat_kit_check: one auto row per order and day (uq_mat_kit_check_auto_daily), manual rows free, check_type default work_order',
                      count(*) FILTER (WHERE check_method = 'auto') = 1 AND count(*) FILTER (WHERE check_method = 'manual') = 1
                      AND bool_and(check_type = 'work_order'))
  FROM mat_kit_check WHERE work_order_id = 1;
SELECT pg_temp.expect_error('mat_kit_check: an auto row needs check_date',
                            $$INSERT INTO mat_kit_check (work_order_id, check_time, check_method) VALUES (1, now(), 'auto')$$, '23514');
SELECT pg_temp.expect_error('mat_kit_check.kit_status CHECK is lower case (rejects COMPLETE)',
                            $$INSERT INTO mat_kit_check (work_order_id, check_time, kit_status) VALUES (1, now(), 'COMPLETE')$$, '23514');
SELECT pg_temp.expect_error('work_shifts: end_time <> start_time',
                            $$INSERT INTO work_shifts (weekday, start_time, end_time) VALUES (1, '08:00', '08:00')$$, '23514');
SELECT pg_temp.expect_error('work_shifts: weekday 1..7',
                            $$INSERT INTO work_shifts (weekday, start_time, end_time) VALUES (8, '08:00', '20:00')$$, '23514');
INSERT INTO non_working_days (workshop_id, day, reason) VALUES (NULL, '2026-02-17', '春节'), (1, '2026-02-17', '春节');
SELECT pg_temp.expect_error('uq_non_working_days_day NULLS NOT DISTINCT: a second plant-wide row for a day',
                            $$INSERT INTO non_working_days (workshop_id, day) VALUES (NULL, '2026-02-17')$$, '23505');
INSERT INTO production_daily_report (report_date, workshop_id, plan_qty) VALUES ('2026-01-09', NULL, 5)
ON CONFLICT (report_date, workshop_id) DO UPDATE SET plan_qty = EXCLUDED.plan_qty, updated_at = now();
INSERT INTO production_daily_report (report_date, workshop_id, plan_qty) VALUES ('2026-01-09', NULL, 7)
ON CONFLICT (report_date, workshop_id) DO UPDATE SET plan_qty = EXCLUDED.plan_qty, updated_at = now();
SELECT pg_temp.expect('production_daily_report: ON CONFLICT (report_date, workshop_id) matches the plant-wide (NULL) row',
                      count(*) = 1 AND max(plan_qty) = 7) FROM production_daily_report WHERE report_date = '2026-01-09';

-- alerts: numbers (§4.1), one open alert per (rule, target), recipients, notifications
INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status,
                           triggered_at, handle_end_at)
VALUES ('SA202601090007', 1, 'MATERIAL_SHORTAGE', 424242, 'INFO', '手工录入', '手工录入', 'RESOLVED',
        '2026-01-09 07:00+08', '2026-01-09 08:00+08');
INSERT INTO alert_no_counters AS c (prefix, day, last_no)
SELECT 'SA', date '2026-01-09', 1 + COALESCE(max(substr(alert_no, 11)::int), 0)
  FROM alert_records
 WHERE alert_no ~ ('^' || 'SA' || to_char(date '2026-01-09', 'YYYYMMDD') || '[0-9]+$')
ON CONFLICT (prefix, day) DO UPDATE SET last_no = c.last_no + 1, updated_at = now();
INSERT INTO alert_no_counters AS c (prefix, day, last_no)
SELECT 'SA', date '2026-01-09', 2 + COALESCE(max(substr(alert_no, 11)::int), 0)
  FROM alert_records
 WHERE alert_no ~ ('^' || 'SA' || to_char(date '2026-01-09', 'YYYYMMDD') || '[0-9]+$')
ON CONFLICT (prefix, day) DO UPDATE SET last_no = c.last_no + 2, updated_at = now();
SELECT pg_temp.expect('alert_no_counters: the §4.1 allocation starts after the highest hand-written number (7 -> 8, then 9..10)',
                      last_no = 10) FROM alert_no_counters WHERE prefix = 'SA' AND day = '2026-01-09';
SELECT pg_temp.expect_error('alert_no_counters.prefix CHECK (two capitals)',
                            $$INSERT INTO alert_no_counters (prefix, day, last_no) VALUES ('sa', '2026-01-09', 1)$$, '23514');
CREATE TEMP TABLE t_ids (k text, id bigint);
WITH s AS (SELECT id FROM material_shortages WHERE bom_item_id = 1),
ins AS (
    INSERT INTO alert_records (alert_no, rule_id, dedup_key, target_type, target_id, target_no, target_name, project_id,
                               alert_level, alert_title, alert_content, alert_data, triggered_at, trigger_value, threshold_value)
    SELECT 'SA202601090008', r.id, 'MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:' || s.id, 'MATERIAL_SHORTAGE', s.id, 'M-001', '伺服电机', 1,
           'CRITICAL', '缺料预警：伺服电机', '物料 M-001 缺料 ' || pms_float_text(4.0000) || '，需求日期：2026-01-11',
           '{"shortage_qty": 4}', '2026-01-09 07:00+08', pms_float_text(4.0000), '0'
      FROM s, alert_rules r WHERE r.rule_code = 'MATERIAL_SHORTAGE'
    ON CONFLICT (rule_id, target_type, target_id) WHERE status IN ('PENDING','ACKNOWLEDGED','PROCESSING') DO NOTHING
    RETURNING id)
INSERT INTO t_ids SELECT 'first', id FROM ins;
SELECT pg_temp.expect('alert_records: first open alert inserted with defaults (PENDING, LEVEL, escalation_count 0, not escalated), content "物料 M-001 缺料 4.0…"',
                      a.status = 'PENDING' AND a.escalation_stage = 'LEVEL' AND a.escalation_count = 0 AND NOT a.is_escalated
                      AND a.id >= 1000000 AND a.alert_content LIKE '物料 M-001 缺料 4.0，%')
  FROM alert_records a JOIN t_ids t ON t.id = a.id AND t.k = 'first';
WITH s AS (SELECT id FROM material_shortages WHERE bom_item_id = 1),
ins AS (
    INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content)
    SELECT 'SA202601090009', 1, 'MATERIAL_SHORTAGE', s.id, 'URGENT', 'second', 'second' FROM s
    ON CONFLICT (rule_id, target_type, target_id) WHERE status IN ('PENDING','ACKNOWLEDGED','PROCESSING') DO NOTHING
    RETURNING id)
SELECT pg_temp.expect('uq_alert_records_open: a re-run insert with ON CONFLICT … DO NOTHING inserts nothing', count(*) = 0) FROM ins;
SELECT pg_temp.expect_error('uq_alert_records_open rejects a second open alert for the same (rule, target)',
    format($$INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
             VALUES ('SA202601090009', 1, 'MATERIAL_SHORTAGE', %s, 'WARNING', 'x', 'x', 'ACKNOWLEDGED')$$,
           (SELECT id FROM material_shortages WHERE bom_item_id = 1)), '23505');
SELECT pg_temp.expect_error('alert_records.status CHECK rejects OPEN',
                            $$UPDATE alert_records SET status = 'OPEN' WHERE alert_no = 'SA202601090008'$$, '23514');
SELECT pg_temp.expect_error('alert_records.target_type CHECK rejects SHORTAGE',
                            $$UPDATE alert_records SET target_type = 'SHORTAGE' WHERE alert_no = 'SA202601090008'$$, '23514');
SELECT pg_temp.expect_error('alert_records.alert_title: 201 characters rejected',
                            $$UPDATE alert_records SET alert_title = repeat('缺', 201) WHERE alert_no = 'SA202601090008'$$, '23514');
UPDATE alert_records SET alert_title = repeat('缺', 200) WHERE alert_no = 'SA202601090008';
SELECT pg_temp.expect('alert_records.alert_title: 200 characters accepted', char_length(alert_title) = 200)
  FROM alert_records WHERE alert_no = 'SA202601090008';
INSERT INTO alert_recipients (alert_id, user_id, reason) SELECT id, 1, 'PM' FROM t_ids WHERE k = 'first';
INSERT INTO alert_recipients (alert_id, user_id, reason, role_code) SELECT id, 2, 'ROLE', 'PU' FROM t_ids WHERE k = 'first';
SELECT pg_temp.expect_error('uq_alert_recipients_alert_user',
    format($$INSERT INTO alert_recipients (alert_id, user_id, reason) VALUES (%s, 1, 'OWNER')$$, (SELECT id FROM t_ids WHERE k = 'first')), '23505');
INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, notify_title, notify_content)
SELECT id, 'SYSTEM', '1', 1, '缺料预警：伺服电机', '物料 M-001 缺料 4.0' FROM t_ids WHERE k = 'first';
INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, event, escalation_step)
SELECT id, 'DINGTALK', '13800000001', 1, 'ESCALATED', 1 FROM t_ids WHERE k = 'first';
SELECT pg_temp.expect_error('alert_notifications: ESCALATED requires escalation_step > 0',
    format($$INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, event) VALUES (%s, 'EMAIL', 'a@b', 'ESCALATED')$$,
           (SELECT id FROM t_ids WHERE k = 'first')), '23514');
SELECT pg_temp.expect_error('alert_notifications.notify_channel CHECK rejects WE_COM',
    format($$INSERT INTO alert_notifications (alert_id, notify_channel, notify_target) VALUES (%s, 'WE_COM', 'x')$$,
           (SELECT id FROM t_ids WHERE k = 'first')), '23514');
SELECT pg_temp.expect_error('uq_alert_notifications_delivery',
    format($$INSERT INTO alert_notifications (alert_id, notify_channel, notify_target) VALUES (%s, 'SYSTEM', '1')$$,
           (SELECT id FROM t_ids WHERE k = 'first')), '23505');
INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, content, link_url, priority, extra_data, dedupe_key)
SELECT 1, 'ALERT_NOTIFICATION', 'alert', id, '缺料预警：伺服电机', '物料 M-001 缺料 4.0', '/alerts/' || id, 'CRITICAL',
       '{"alert_no": "SA202601090008"}', 'ALERT_NOTIFICATION|alert|' || id || '|1|0' FROM t_ids WHERE k = 'first'
ON CONFLICT (dedupe_key) DO NOTHING;
INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, dedupe_key)
SELECT 1, 'ALERT_NOTIFICATION', 'alert', id, 'dup', 'ALERT_NOTIFICATION|alert|' || id || '|1|0' FROM t_ids WHERE k = 'first'
ON CONFLICT (dedupe_key) DO NOTHING;
SELECT pg_temp.expect('notifications: one row per dedupe_key (ON CONFLICT (dedupe_key) DO NOTHING), is_read false',
                      count(*) = 1 AND bool_and(NOT is_read)) FROM notifications WHERE dedupe_key LIKE 'ALERT_NOTIFICATION|alert|%';
SELECT pg_temp.expect_error('notifications.source_type CHECK is case-exact (rejects ALERT)',
    $$INSERT INTO notifications (user_id, notification_type, source_type, title) VALUES (1, 'ALERT_NOTIFICATION', 'ALERT', 't')$$, '23514');
SELECT pg_temp.expect_error('notifications.title: 201 characters rejected',
    $$INSERT INTO notifications (user_id, notification_type, title) VALUES (1, 'ISSUE_OVERDUE', repeat('x', 201))$$, '23514');
-- resolve, then a new open alert for the same (rule, target) is accepted
UPDATE alert_records SET status = 'RESOLVED', handle_end_at = now(), handle_result = 'AUTO: condition cleared',
                         condition_cleared_at = now(), updated_at = now()
 WHERE alert_no = 'SA202601090008';
WITH s AS (SELECT id FROM material_shortages WHERE bom_item_id = 1),
ins AS (
    INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, triggered_at)
    SELECT 'SA202601090010', 1, 'MATERIAL_SHORTAGE', s.id, 'WARNING', 'again', 'again', '2026-01-10 07:00+08' FROM s
    ON CONFLICT (rule_id, target_type, target_id) WHERE status IN ('PENDING','ACKNOWLEDGED','PROCESSING') DO NOTHING
    RETURNING id)
SELECT pg_temp.expect('uq_alert_records_open: after the first alert is RESOLVED a new open alert is accepted', count(*) = 1) FROM ins;
INSERT INTO alert_subscriptions (user_id, alert_type, project_id, min_level) VALUES (3, 'MATERIAL_SHORTAGE', 1, 'CRITICAL');
SELECT pg_temp.expect('alert_subscriptions default notify_channels ["SYSTEM"]', notify_channels = '["SYSTEM"]'::jsonb)
  FROM alert_subscriptions WHERE user_id = 3;
SELECT pg_temp.expect_error('alert_subscriptions.alert_type CHECK uses the rule_type list (rejects MATERIAL)',
    $$INSERT INTO alert_subscriptions (user_id, alert_type) VALUES (3, 'MATERIAL')$$, '23514');
INSERT INTO spec_match_records (project_id, spec_requirement_id, match_type, match_target_id, match_status, match_score, alert_id)
SELECT 1, 1, 'PURCHASE_ORDER', 1, 'MATCHED', 100, id FROM t_ids WHERE k = 'first';

-- sales, costs, issues, ECN, duties
INSERT INTO invoices (id, invoice_code, contract_id, project_id, total_amount, status, due_date)
VALUES (1, 'INV-2026-001', 1, 1, 580000.00, 'ISSUED', '2026-01-05');
SELECT pg_temp.expect('invoices defaults: paid_amount 0, payment_status PENDING', paid_amount = 0 AND payment_status = 'PENDING')
  FROM invoices WHERE id = 1;
INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount, planned_date, milestone_id)
VALUES (1, 1, 1, '验收款', 'ACCEPTANCE', 290000.00, '2026-01-20', 1);
SELECT pg_temp.expect_error('payment_plan_adjustments: an automatic row needs milestone, status and date',
    $$INSERT INTO payment_plan_adjustments (plan_id, adjusted_at) VALUES (1, now())$$, '23514');
INSERT INTO payment_plan_adjustments (plan_id, milestone_id, milestone_status, milestone_date, old_value, new_value, reason, adjusted_at)
VALUES (1, 1, 'DELAYED', '2026-01-21', '2026-01-20', '2026-01-27', '里程碑状态变更为 DELAYED，自动调整收款计划', now());
SELECT pg_temp.expect_error('uq_payment_plan_adjustments_auto: the same automatic cause twice',
    $$INSERT INTO payment_plan_adjustments (plan_id, milestone_id, milestone_status, milestone_date, adjusted_at)
      VALUES (1, 1, 'DELAYED', '2026-01-21', now())$$, '23505');
INSERT INTO timesheet (user_id, user_name, department_id, project_id, work_date, hours, status) VALUES (1, '张伟', 1, 1, '2025-12-15', 8, 'APPROVED');
INSERT INTO hourly_rate_configs (config_type, hourly_rate) VALUES ('DEFAULT', 120.00);
SELECT pg_temp.expect_error('hourly_rate_configs: a USER rate needs user_id',
    $$INSERT INTO hourly_rate_configs (config_type, hourly_rate) VALUES ('USER', 150)$$, '23514');
INSERT INTO project_costs (project_id, cost_type, cost_category, source_module, source_type, source_id, source_no, amount, cost_date, description)
VALUES (1, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 1, 'LABOR-1-202512', 960.00, '2025-12-31', '人工成本：张伟，工时：8.0小时');
SELECT pg_temp.expect_error('uq_project_costs_labor_month',
    $$INSERT INTO project_costs (project_id, cost_type, cost_category, source_module, source_type, source_id, amount, cost_date)
      VALUES (1, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 1, 1, '2025-12-31')$$, '23505');
INSERT INTO issues (id, issue_no, title, issue_type, severity, project_id, assignee_id, due_date, is_blocking, report_date)
VALUES (1, 'IS20260105001', '焊枪定位偏差', 'BLOCKER', 'MAJOR', 1, 1, '2026-01-07', true, '2026-01-05 10:00+08');
SELECT pg_temp.expect('issues defaults: priority MEDIUM, status OPEN', priority = 'MEDIUM' AND status = 'OPEN') FROM issues WHERE id = 1;
INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_name, old_status, new_status)
VALUES (1, 'STATUS_CHANGE', '问题超时自动升级优先级至 HIGH', '系统', 'OPEN', 'OPEN');
INSERT INTO ecn (id, ecn_no, project_id, applicant_id, status) VALUES (1, 'ECN-2026-001', 1, 1, 'IN_APPROVAL');
INSERT INTO ecn_approvals (ecn_id, approval_level, approver_id, due_date) VALUES (1, 1, 3, '2026-01-08 18:00+08');
INSERT INTO job_duty_template (id, position_id, duty_name, frequency, day_of_week) VALUES (1, 1, '供应商交期跟踪', 'WEEKLY', 1);
INSERT INTO task_unified (task_code, title, task_type, category, tags, source_type, source_id, assignee_id, assignee_name,
                          assigner_name, plan_start_date, plan_end_date, deadline)
VALUES ('TASK-260112-001', '供应商交期跟踪', 'JOB_DUTY', 'JOB_DUTY', '["岗位职责"]', 'JOB_DUTY_TEMPLATE', 1, 2, '李娜', '系统',
        '2026-01-12', '2026-01-12', '2026-01-12 23:59:59+08');
SELECT pg_temp.expect_error('uq_task_unified_job_duty: one generated task per template, user and day',
    $$INSERT INTO task_unified (task_code, title, source_type, source_id, assignee_id, plan_start_date)
      VALUES ('TASK-260112-002', 'dup', 'JOB_DUTY_TEMPLATE', 1, 2, '2026-01-12')$$, '23505');

-- platform tables
INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for)
VALUES ('7b0e7c3e-2c7e-4d4e-9a6b-0d8f6d1e5a01', 'generate_shortage_alerts', 'shortage', 'cron', '2026-01-09 07:00+08');
SELECT pg_temp.expect('job_runs defaults: status queued, attempt 1', status = 'queued' AND attempt = 1)
  FROM job_runs WHERE run_id = '7b0e7c3e-2c7e-4d4e-9a6b-0d8f6d1e5a01';
SELECT pg_temp.expect_error('job_runs.job_id FK → scheduler_job_state',
    $$INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for) VALUES (gen_random_uuid(), 'no_such_job', 'cost', 'cron', now())$$, '23503');
INSERT INTO executed_runs (run_id, job_id, scheduled_for)
VALUES ('7b0e7c3e-2c7e-4d4e-9a6b-0d8f6d1e5a01', 'generate_shortage_alerts', '2026-01-09 07:00+08') ON CONFLICT (run_id) DO NOTHING;
WITH ins AS (INSERT INTO executed_runs (run_id, job_id, scheduled_for)
             VALUES ('7b0e7c3e-2c7e-4d4e-9a6b-0d8f6d1e5a01', 'generate_shortage_alerts', '2026-01-09 07:00+08')
             ON CONFLICT (run_id) DO NOTHING RETURNING 1)
SELECT pg_temp.expect('executed_runs: a duplicate run_id inserts nothing', count(*) = 0) FROM ins;
INSERT INTO outbox (producer, topic, payload) VALUES ('shortage', 'pms/v1/alert/CRITICAL/shortage/MATERIAL_SHORTAGE', '{"alert_id": 1}');
SELECT pg_temp.expect('outbox defaults: qos 1, retain false, attempts 0, unpublished', qos = 1 AND NOT retain AND attempts = 0 AND published_at IS NULL)
  FROM outbox WHERE producer = 'shortage';
SELECT pg_temp.expect_error('outbox.qos CHECK (0 or 1)',
    $$INSERT INTO outbox (producer, topic, payload, qos) VALUES ('cost', 't', '{}', 2)$$, '23514');
UPDATE scheduler_job_state SET last_success_started_at = '2026-01-09 07:00+08', updated_at = now()
 WHERE job_id = 'check_milestone_status_and_adjust_payments';

-- ON DELETE rules
SELECT pg_temp.expect_error('ON DELETE NO ACTION: a referenced project cannot be deleted', $$DELETE FROM projects WHERE id = 1$$, '23503');
INSERT INTO users (id, username) VALUES (99, 'to.delete');
INSERT INTO user_roles (user_id, role_id) VALUES (99, 1);
INSERT INTO notification_settings (user_id) VALUES (99);
INSERT INTO alert_subscriptions (user_id) VALUES (99);
DELETE FROM users WHERE id = 99;
SELECT pg_temp.expect('ON DELETE CASCADE: deleting a user removes its user_roles, notification_settings, alert_subscriptions',
                      (SELECT count(*) FROM user_roles WHERE user_id = 99) + (SELECT count(*) FROM notification_settings WHERE user_id = 99)
                      + (SELECT count(*) FROM alert_subscriptions WHERE user_id = 99) = 0);
DELETE FROM spec_match_records;
DELETE FROM alert_records WHERE id = (SELECT id FROM t_ids WHERE k = 'first');
SELECT pg_temp.expect('ON DELETE CASCADE: deleting an alert removes its alert_recipients and alert_notifications',
                      (SELECT count(*) FROM alert_recipients WHERE alert_id = (SELECT id FROM t_ids WHERE k = 'first'))
                      + (SELECT count(*) FROM alert_notifications WHERE alert_id = (SELECT id FROM t_ids WHERE k = 'first')) = 0);

-- pms_float_text (convention C8: Python str(float(x)))
WITH v(x, want) AS (VALUES (5.0000, '5.0'), (60.00, '60.0'), (12.5, '12.5'), (0.3333, '0.3333'), (-1.50, '-1.5'),
                           (100, '100.0'), (NULL::numeric, NULL), (0, '0.0'), (121.6666666666666667, '121.66666666666667'),
                           (0.00001, '1e-05'), (1e15, '1000000000000000.0'), (1e16, '1e+16'), (65466357814321343.07, '6.546635781432134e+16'))
SELECT pg_temp.expect('pms_float_text: ' || string_agg(coalesce(x::text, 'NULL') || ' -> ' || coalesce(pms_float_text(x), 'NULL'), ', '),
                      bool_and(pms_float_text(x) IS NOT DISTINCT FROM want))
  FROM v;
SET LOCAL extra_float_digits = 0;
SELECT pg_temp.expect('pms_float_text does not depend on the session''s extra_float_digits (0.3333 -> 0.3333 with extra_float_digits 0)',
                      pms_float_text(0.3333) = '0.3333' AND pms_float_text(121.6666666666666667) = '121.66666666666667');
SELECT pg_temp.expect('pms_float_text is IMMUTABLE, STRICT', provolatile = 'i' AND proisstrict) FROM pg_proc WHERE proname = 'pms_float_text';
ROLLBACK;
SQL
"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$URL" -f "$TMP/data.sql" 2>&1 | tally
[ "${PIPESTATUS[0]}" = 0 ] || nok "data checks aborted (see the error above)"
leftover=$(q -c "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM projects) + (SELECT count(*) FROM alert_records)")
[ "$leftover" = 0 ] && ok "data checks rolled back: the database holds only the migrations and their seeds" \
    || nok "data rows left behind after the rolled-back data checks ($leftover)"

# ---------------------------------------------------------------------------------------------------------
echo "== summary"
tables=$(q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
idx_named=$(q -c "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p','u'))")
idx_all=$(q -c "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")
info "database: $tables tables (schema_migrations included), $idx_named named indexes, $idx_all indexes in all"
echo "SUMMARY: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
