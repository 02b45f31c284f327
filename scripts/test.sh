#!/usr/bin/env bash
# `make test`: build everything including the tests, then run the tests one at a time.
#
# The integration tests start their own mosquitto and PostgreSQL on free loopback ports and stop
# them again, so nothing needs to be running (and nothing is started here). Tests run serially
# (`--no-parallel`, which also keeps swift-testing from parallelising): several of them start
# servers, and serial is the safer choice on a small (2-core) machine.
#
# Extra arguments go to both swift commands, e.g. scripts/test.sh --scratch-path /tmp/pms-build;
# SWIFT_TEST_FLAGS adds arguments to `swift test` only (e.g. SWIFT_TEST_FLAGS="--filter PMSBusTests").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

swift=${SWIFT:-swift}

# A test process that crashes skips its teardown, and the mosquitto and PostgreSQL it started live on as
# orphans (parent pid 1). Stop those before a new run; servers of a running test process are left alone.
stop_orphaned_test_servers() {
    local dir pid ppid cmd signal
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        cmd=$({ tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null) || continue
        case $cmd in
            *"mosquitto -c /tmp/mosquitto-test-"*) signal=TERM ;;
            *"postgres -D /tmp/pms-pg-"*) signal=INT ;;  # fast shutdown
            *) continue ;;
        esac
        ppid=$(awk '/^PPid:/ { print $2 }' "$dir/status" 2>/dev/null) || continue
        [[ "$ppid" == 1 ]] || continue
        echo "==> stopping an orphaned test server of an earlier run (pid $pid): $cmd"
        kill -s "$signal" "$pid" 2>/dev/null || true
    done
}
stop_orphaned_test_servers
read -r -a test_flags <<<"${SWIFT_TEST_FLAGS:-}"

echo "==> swift build --build-tests $*"
"$swift" build --build-tests "$@"

echo "==> swift test --no-parallel $* ${test_flags[*]}"
"$swift" test --no-parallel "$@" "${test_flags[@]}"

echo "==> tests passed"
