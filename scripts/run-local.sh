#!/usr/bin/env bash
# `make run`: a local broker, a local PostgreSQL with demo data and every service, all under ./run/.
#
#   1. mosquitto on 127.0.0.1:$PMS_MQTT_PORT (config written to ./run/mosquitto.conf from ./mosquitto.conf)
#   2. PostgreSQL cluster in ./run/pgdata on 127.0.0.1:$PMS_PG_PORT, database `pms`
#   3. pmsctl migrate; pmsctl seed --scale 1 when there are no projects yet
#   4. pms-scheduler, the seven domain services and pms-metrics in the background (logs in ./run/logs/)
#   5. triggers generate_shortage_alerts and daily_kit_check once and shows `pmsctl tail --runs`
# Ctrl-C (or SIGTERM) stops everything this script started, and nothing else.
#
# Environment (all optional):
#   PMS_BIN_DIR        built executables (default .build/debug; PMS_BUILD_DIR is accepted too)
#   PMS_MQTT_PORT      broker port (default 1883)
#   PMS_PG_PORT        PostgreSQL port (default 5432)
#   PMS_METRICS_PORT   pms-metrics HTTP port (default 9464)
#   PMS_SCHEDULER_PORT pms-scheduler control API port (default 8080)
#   PMS_API_TOKEN      bearer token of the control API (default: a demo token, printed)
#   PMS_RUN_DIR        state folder (default ./run)
#   PMS_PG_BIN         PostgreSQL server tools (default /usr/lib/postgresql/15/bin, else the newest installed)
#   PMS_SEED_SCALE     demo data scale for the first start (default 1)
#   PMS_NO_DEMO=1      do not trigger the two demo jobs
#   PMS_TOPIC_PREFIX, PMS_TIME_ZONE, PMS_LOG_LEVEL are passed through to the services.
# The cleanup functions below run from the EXIT trap, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root_dir"

absolute() { if [[ "$1" == /* ]]; then printf '%s\n' "$1"; else printf '%s\n' "$root_dir/$1"; fi; }

bin_dir=$(absolute "${PMS_BIN_DIR:-${PMS_BUILD_DIR:-.build/debug}}")
run_dir=$(absolute "${PMS_RUN_DIR:-run}")
mqtt_port=${PMS_MQTT_PORT:-1883}
pg_port=${PMS_PG_PORT:-5432}
metrics_port=${PMS_METRICS_PORT:-9464}
scheduler_port=${PMS_SCHEDULER_PORT:-8080}
export PMS_API_TOKEN=${PMS_API_TOKEN:-demo-token}
seed_scale=${PMS_SEED_SCALE:-1}
prefix=${PMS_TOPIC_PREFIX:-pms/v1}
log_dir=$run_dir/logs
pgdata=$run_dir/pgdata
services=(pms-scheduler pms-shortage pms-progress pms-receivables pms-issues pms-production pms-cost
          pms-notifications pms-metrics)

say() { printf 'run-local: %s\n' "$*"; }
die() { printf 'run-local: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# What we start, so the exit trap stops exactly that.
pids=()          # background processes started here (services, pmsctl tail, mosquitto last)
names=()
mosquitto_pid=""
pg_started=0
is_root=0
[[ "$(id -u)" == "0" ]] && is_root=1

# Runs a PostgreSQL server tool as `postgres` when we are root (initdb and postgres refuse root).
as_pg() {
    if ((is_root)); then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

alive() { kill -0 "$1" 2>/dev/null; }

# TERM the given pids, wait up to $1 seconds, then KILL what is left.
stop_pids() {
    local grace=$1; shift
    local pid deadline
    for pid in "$@"; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
    deadline=$((SECONDS + grace))
    for pid in "$@"; do
        while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
        if alive "$pid"; then
            say "pid $pid did not stop within ${grace}s, killing it"
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if ((${#pids[@]} > 0)) || [[ -n "$mosquitto_pid" ]] || ((pg_started)); then
        echo
        say "stopping what this script started"
    fi
    if ((${#pids[@]} > 0)); then
        say "stopping ${names[*]}"
        stop_pids 15 "${pids[@]}"
    fi
    if [[ -n "$mosquitto_pid" ]]; then
        say "stopping mosquitto (pid $mosquitto_pid)"
        stop_pids 10 "$mosquitto_pid"
    fi
    if ((pg_started)); then
        say "stopping PostgreSQL (pg_ctl stop, $pgdata)"
        as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m fast -w -t 30 stop >/dev/null \
            || say "pg_ctl stop failed; see $log_dir/postgresql.log"
    fi
    if ((${#pids[@]} > 0)) || [[ -n "$mosquitto_pid" ]] || ((pg_started)); then
        say "stopped; state kept in $run_dir (delete it for a fresh start)"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Is something listening on 127.0.0.1:<port>? (bash's /dev/tcp: no extra tools needed)
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() { # port pid seconds
    local deadline=$((SECONDS + $3))
    while ! port_busy "$1"; do
        alive "$2" || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------------------------------
# Preconditions: the executables, the tools, free ports.
for exe in "${services[@]}" pmsctl; do
    [[ -x "$bin_dir/$exe" ]] || die "$bin_dir/$exe not found: build first (swift build), or set PMS_BIN_DIR"
done
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] \
    || die "mosquitto not found: run scripts/install-deps.sh"
mosquitto_bin=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)

if [[ -n "${PMS_PG_BIN:-}" ]]; then
    pg_bin=$PMS_PG_BIN
elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    pg_bin=/usr/lib/postgresql/15/bin
else
    pg_bin=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null | sort -V | tail -n 1)
    pg_bin=${pg_bin%/pg_ctl}
    [[ -n "$pg_bin" ]] || pg_bin=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")
fi
for tool in initdb pg_ctl psql; do
    [[ -x "$pg_bin/$tool" ]] || die "PostgreSQL tool $tool not found in $pg_bin: run scripts/install-deps.sh or set PMS_PG_BIN"
done
if ((is_root)); then
    getent passwd postgres >/dev/null || die "running as root but the 'postgres' OS user does not exist (apt-get install postgresql creates it)"
    command -v runuser >/dev/null 2>&1 || die "running as root but runuser is not available"
fi

if port_busy "$mqtt_port"; then
    die "port $mqtt_port on 127.0.0.1 is already in use (a system mosquitto? try 'systemctl stop mosquitto'), or use a free port: PMS_MQTT_PORT=$((mqtt_port + 10000)) make run"
fi
if port_busy "$pg_port"; then
    die "port $pg_port on 127.0.0.1 is already in use (a system PostgreSQL? try 'systemctl stop postgresql'), or use a free port: PMS_PG_PORT=$((pg_port + 10000)) make run"
fi
if port_busy "$scheduler_port"; then
    die "port $scheduler_port on 127.0.0.1 is already in use; use a free port: PMS_SCHEDULER_PORT=$((scheduler_port + 10000)) make run"
fi
if port_busy "$metrics_port"; then
    die "port $metrics_port on 127.0.0.1 is already in use; use a free port: PMS_METRICS_PORT=$((metrics_port + 10000)) make run"
fi

mkdir -p "$run_dir/mosquitto" "$log_dir"

# ---------------------------------------------------------------------------------------------------
# 1. mosquitto
mosquitto_conf=$run_dir/mosquitto.conf
{
    echo "# Generated by scripts/run-local.sh from mosquitto.conf; edit that file instead."
    sed -e "s|^listener 1883 |listener $mqtt_port |" -e "s|\./run/|$run_dir/|g" mosquitto.conf
    echo
    echo "# Stay the current user, so a broker started as root keeps writing to $run_dir."
    echo "user $(id -un)"
} >"$mosquitto_conf"
grep -q "^listener $mqtt_port 127.0.0.1" "$mosquitto_conf" \
    || die "mosquitto.conf must contain the line 'listener 1883 127.0.0.1' (the port is replaced by PMS_MQTT_PORT)"

say "starting mosquitto on 127.0.0.1:$mqtt_port (log $log_dir/mosquitto.log)"
"$mosquitto_bin" -c "$mosquitto_conf" >>"$log_dir/mosquitto.out" 2>&1 &
mosquitto_pid=$!
if ! wait_for_port "$mqtt_port" "$mosquitto_pid" 10; then
    tail -n 20 "$log_dir/mosquitto.out" "$log_dir/mosquitto.log" 2>/dev/null >&2 || true
    die "mosquitto did not start listening on port $mqtt_port"
fi

# ---------------------------------------------------------------------------------------------------
# 2. PostgreSQL
pg_log=$log_dir/postgresql.log
touch "$pg_log"
if [[ ! -f "$pgdata/PG_VERSION" ]]; then
    say "initialising a PostgreSQL cluster in $pgdata ($pg_bin)"
    mkdir -p "$pgdata"
    chmod 700 "$pgdata"
    if ((is_root)); then
        chown -R postgres: "$pgdata"
        runuser -u postgres -- test -w "$pgdata" \
            || die "the postgres user cannot write $pgdata (is a parent folder private to root?); set PMS_RUN_DIR to a folder it can reach"
    fi
    as_pg "$pg_bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --no-locale >"$log_dir/initdb.log" 2>&1 \
        || { tail -n 20 "$log_dir/initdb.log" >&2; die "initdb failed (log $log_dir/initdb.log)"; }
    # Loopback TCP only; no Unix socket (its default folder may not exist or be writable here).
    printf "\n# run-local.sh\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n" >>"$pgdata/postgresql.conf"
fi
if ((is_root)); then chown postgres: "$pg_log"; fi
if as_pg "$pg_bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    die "a PostgreSQL server is already running on $pgdata (not started by this script); stop it with: $pg_bin/pg_ctl -D $pgdata stop"
fi

say "starting PostgreSQL on 127.0.0.1:$pg_port (log $pg_log)"
pg_started=1
if ! as_pg "$pg_bin/pg_ctl" -D "$pgdata" -l "$pg_log" -o "-p $pg_port" -w -t 60 start >/dev/null; then
    tail -n 20 "$pg_log" >&2 || true
    die "PostgreSQL did not start (log $pg_log)"
fi

psql_pms() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -tA "$@"; }

if [[ "$(psql_pms -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'pms'")" == "0" ]]; then
    say "creating database pms"
    psql_pms -d postgres -c "CREATE DATABASE pms"
fi

export PMS_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/pms"
export PMS_MQTT_URL="mqtt://127.0.0.1:$mqtt_port"

# ---------------------------------------------------------------------------------------------------
# 3. schema and demo data
say "pmsctl migrate"
"$bin_dir/pmsctl" migrate
projects=$(psql_pms -d pms -c "SELECT count(*) FROM projects")
if [[ "$projects" == "0" ]]; then
    say "pmsctl seed --scale $seed_scale (empty database)"
    "$bin_dir/pmsctl" seed --scale "$seed_scale"
else
    say "database already has $projects projects, not seeding (delete $run_dir for a fresh start)"
fi

# ---------------------------------------------------------------------------------------------------
# 4. the services
# A stable instance name: each restart overwrites the same retained status (and MQTT session) instead of
# leaving an "offline" <host>-<pid> entry behind.
for name in "${services[@]}"; do
    args=(--instance "${PMS_INSTANCE:-local}")
    [[ "$name" == pms-metrics ]] && args+=(--http-port "$metrics_port" --http-host 127.0.0.1)
    [[ "$name" == pms-scheduler ]] && args+=(--http-port "$scheduler_port" --http-host 127.0.0.1)
    "$bin_dir/$name" "${args[@]}" >"$log_dir/$name.log" 2>&1 &
    pids+=("$!")
    names+=("$name")
done
say "started ${#pids[@]} services (logs: $log_dir/<name>.log, JSON lines)"
if [[ -z "${PMS_SMTP_HOST:-}${PMS_WECOM_WEBHOOK_URL:-}${PMS_DINGTALK_WEBHOOK_URL:-}${PMS_SMS_GATEWAY_URL:-}" ]]; then
    say "notifications: in-app only; e-mail, WeCom, DingTalk and SMS are off, so their deliveries fail, retry and end DEAD"
    say "  (set PMS_SMTP_HOST, PMS_WECOM_WEBHOOK_URL, PMS_DINGTALK_WEBHOOK_URL or PMS_SMS_GATEWAY_URL to turn them on; see README)"
fi

# Wait until every service has announced itself (retained <prefix>/service/<name>/<instance> "online").
expected=(scheduler shortage progress receivables issues production cost notifications metrics)
deadline=$((SECONDS + 30))
while :; do
    for i in "${!pids[@]}"; do
        if ! alive "${pids[$i]}"; then
            tail -n 20 "$log_dir/${names[$i]}.log" >&2 || true
            die "${names[$i]} exited at start (log $log_dir/${names[$i]}.log)"
        fi
    done
    online=$(mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t "$prefix/service/+/+" -v -W 1 2>/dev/null \
        | grep -E '"status" *: *"online"' | cut -d/ -f"$(($(tr -cd / <<<"$prefix" | wc -c) + 3))" | sort -u || true)
    missing=()
    for service in "${expected[@]}"; do grep -qx "$service" <<<"$online" || missing+=("$service"); done
    ((${#missing[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
        say "warning: not online after 30 s: ${missing[*]} (see their logs); going on"
        break
    fi
    sleep 1
done

cat <<EOF

==================================================================================================
 PMS is running: mosquitto 127.0.0.1:$mqtt_port, PostgreSQL 127.0.0.1:$pg_port/pms, ${#pids[@]} services.
   export PMS_MQTT_URL=$PMS_MQTT_URL PMS_DATABASE_URL=$PMS_DATABASE_URL

 Watch:    mosquitto_sub -p $mqtt_port -v -t '$prefix/alert/#'
           mosquitto_sub -p $mqtt_port -v -t '$prefix/run/#'
           $bin_dir/pmsctl tail --runs
 Trigger:  mosquitto_pub -p $mqtt_port -q 1 -t $prefix/trigger/generate_shortage_alerts -m '{}'
           $bin_dir/pmsctl trigger daily_kit_check --as-of $(date +%Y-%m-%d)
 Metrics:  curl -s http://127.0.0.1:$metrics_port/metrics
 API:      curl -s http://127.0.0.1:$scheduler_port/api/v1/scheduler/status
           curl -s -X POST -H 'Authorization: Bearer $PMS_API_TOKEN' http://127.0.0.1:$scheduler_port/api/v1/scheduler/jobs/daily_kit_check/trigger
 Logs:     $log_dir/  (one JSON line per event; mosquitto.log, postgresql.log)
 Database: $pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres pms
 Ctrl-C stops everything started here.
==================================================================================================

EOF

# ---------------------------------------------------------------------------------------------------
# 5. show alerts and run events; trigger the two shortage jobs once so there is something to see.
# pmsctl tail runs as a background job we wait for, so a signal to this script stops it at once.
"$bin_dir/pmsctl" tail --runs &
tail_pid=$!
pids+=("$tail_pid")
names+=("pmsctl-tail")
sleep 2
if [[ "${PMS_NO_DEMO:-0}" != "1" ]]; then
    for job in generate_shortage_alerts daily_kit_check; do
        "$bin_dir/pmsctl" trigger "$job" --requested-by run-local || say "warning: could not trigger $job"
    done
fi

status=0
wait "$tail_pid" || status=$?
say "pmsctl tail ended (status $status)"
exit "$status"
