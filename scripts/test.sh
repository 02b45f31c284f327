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
read -r -a test_flags <<<"${SWIFT_TEST_FLAGS:-}"

echo "==> swift build --build-tests $*"
"$swift" build --build-tests "$@"

echo "==> swift test --no-parallel $* ${test_flags[*]}"
"$swift" test --no-parallel "$@" "${test_flags[@]}"

echo "==> tests passed"
