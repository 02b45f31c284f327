#!/usr/bin/env bash
# `make bench`: the benchmarks, each against a throw-away mosquitto and PostgreSQL started here on free
# loopback ports in a temporary folder, stopped (and the folder removed) on exit. Not part of `make test`.
#
#   scripts/bench.sh notifications [--events N] [--recipients R]   (default: 50000 events, 2 recipients)
#
# Environment: PMS_BIN_DIR (built executables, default .build/release), PMS_PG_BIN (PostgreSQL tools,
# default /usr/lib/postgresql/15/bin), PMS_BENCH_KEEP=1 keeps the temporary folder (logs) for a look.
# The cleanup function runs from the EXIT trap, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir=${PMS_BIN_DIR:-$root_dir/.build/release}
pg_bin=${PMS_PG_BIN:-/usr/lib/postgresql/15/bin}
say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

[[ -x "$bin_dir/pms-bench" ]] || die "$bin_dir/pms-bench not found: build it first (swift build -c release --product pms-bench)"
[[ -x "$pg_bin/initdb" ]] || die "PostgreSQL tools not found in $pg_bin: run scripts/install-deps.sh or set PMS_PG_BIN"
mosquitto_bin=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)
[[ -x "$mosquitto_bin" ]] || die "mosquitto not found: run scripts/install-deps.sh"

is_root=0
[[ "$(id -u)" == "0" ]] && is_root=1
as_pg() { if ((is_root)); then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

work=$(mktemp -d /tmp/pms-bench.XXXXXX)
chmod 755 "$work"
mosquitto_pid=""
pg_started=0
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    [[ -n "$mosquitto_pid" ]] && kill "$mosquitto_pid" 2>/dev/null && wait "$mosquitto_pid" 2>/dev/null
    ((pg_started)) && as_pg "$pg_bin/pg_ctl" -D "$work/pgdata" -m fast -w stop >/dev/null
    if [[ "${PMS_BENCH_KEEP:-0}" == "1" ]]; then say "kept $work"; else rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mqtt_port=$(free_port)
pg_port=$(free_port)

# A broker that queues without limit: the benchmark publishes far more than mosquitto's default 1000.
cat >"$work/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
log_dest file $work/mosquitto.log
user $(id -un)
CONF
"$mosquitto_bin" -c "$work/mosquitto.conf" >"$work/mosquitto.out" 2>&1 &
mosquitto_pid=$!
for _ in $(seq 100); do port_busy "$mqtt_port" && break; sleep 0.1; done
port_busy "$mqtt_port" || die "mosquitto did not start (see $work/mosquitto.out)"

mkdir -p "$work/pgdata" && chmod 700 "$work/pgdata"
((is_root)) && chown -R postgres: "$work/pgdata"
as_pg "$pg_bin/initdb" -D "$work/pgdata" -U postgres -A trust -E UTF8 --no-locale >"$work/initdb.log" 2>&1 \
    || die "initdb failed (see $work/initdb.log)"
printf "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\nmax_connections = 200\nlog_min_duration_statement = 200\n" \
    >>"$work/pgdata/postgresql.conf"
touch "$work/postgresql.log" && ((is_root)) && chown postgres: "$work/postgresql.log"
pg_started=1
as_pg "$pg_bin/pg_ctl" -D "$work/pgdata" -l "$work/postgresql.log" -o "-p $pg_port" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start (see $work/postgresql.log)"
"$pg_bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE bench" \
    || die "could not create the benchmark database"

say "broker 127.0.0.1:$mqtt_port, database 127.0.0.1:$pg_port (fsync off: a throw-away cluster)"
"$bin_dir/pms-bench" "${@:-notifications}" --log-level warning \
    --mqtt-url "mqtt://127.0.0.1:$mqtt_port" --database-url "postgresql://postgres@127.0.0.1:$pg_port/bench"
