#!/usr/bin/env bash
# Installs the system packages the PMS services, `make run` and `make test` need on Debian 12:
#   mosquitto, mosquitto-clients   the MQTT broker (tests and `make run` start their own) and its CLI clients
#   libmosquitto-dev, libpq-dev    the C libraries the Swift code links (MQTT, PostgreSQL)
#   postgresql                     PostgreSQL 15 server tools in /usr/lib/postgresql/15/bin (and the `postgres` user)
#   prometheus                     for `promtool` (a test checks the /metrics text with it)
#   libssl-dev                     libcrypto (HMAC-SHA256 of the DingTalk robot signature)
#   python3-aiosmtpd, openssl      the SMTP server the e-mail tests deliver to (Debian's /usr/bin/python3), and
#                                  the self-signed certificate of its STARTTLS test
#   python3-venv                   the virtual environment scripts/install-python-tools.sh puts the deploy/
#                                  validators in (kubernetes-validate, check-jsonschema, hadolint, from PyPI)
# Only what is missing is installed: a prepared machine never reaches apt-get. Swift is not installed
# here (it must already be on the PATH).
#
# Environment: PMS_SKIP_DEPS=1 skips this script entirely.
set -euo pipefail

if [[ "${PMS_SKIP_DEPS:-0}" == "1" ]]; then
    echo "install-deps: PMS_SKIP_DEPS=1, not checking system packages"
    exit 0
fi

# package | a file or command that proves it is usable (checked together with the dpkg status)
checks=(
    "mosquitto|/usr/sbin/mosquitto"
    "mosquitto-clients|cmd:mosquitto_pub"
    "libmosquitto-dev|/usr/include/mosquitto.h"
    "libpq-dev|/usr/include/postgresql/libpq-fe.h"
    "postgresql|/usr/lib/postgresql/15/bin/initdb"
    "prometheus|cmd:promtool"
    "chromium|cmd:chromium"
    "fonts-noto-cjk|/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    "libssl-dev|/usr/include/openssl/hmac.h"
    "python3-aiosmtpd|/usr/lib/python3/dist-packages/aiosmtpd/__init__.py"
    "openssl|/usr/bin/openssl"
    "python3-venv|/usr/share/doc/python3-venv"
)

is_installed() {
    # dpkg -s also succeeds for removed-but-not-purged packages; require the "installed" state.
    local status
    status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
    [[ "$status" == "installed" ]]
}

has_proof() {
    case "$1" in
        cmd:*) command -v "${1#cmd:}" >/dev/null 2>&1 ;;
        *) [[ -e "$1" ]] ;;
    esac
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: dpkg-query not found: this script supports Debian 12 (bookworm) only." >&2
    echo "install-deps: install mosquitto, mosquitto-clients, libmosquitto-dev, libpq-dev, PostgreSQL 15 and promtool by hand," >&2
    echo "install-deps: then run make with PMS_SKIP_DEPS=1." >&2
    exit 1
fi

missing=()
for entry in "${checks[@]}"; do
    package=${entry%%|*}
    proof=${entry#*|}
    if [[ "$package" == "postgresql" ]]; then
        # The server itself is postgresql-15; the `postgresql` metapackage is optional once it is there.
        if is_installed postgresql-15 && has_proof "$proof"; then continue; fi
    elif is_installed "$package" && has_proof "$proof"; then
        continue
    fi
    missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all system packages present (mosquitto, mosquitto-clients, libmosquitto-dev, libpq-dev, postgresql 15, prometheus, chromium, fonts-noto-cjk, libssl-dev, python3-aiosmtpd, openssl, python3-venv)"
    exit 0
fi

echo "install-deps: missing: ${missing[*]}"

# Root runs apt directly; anyone else goes through sudo, or is told what to do.
as_root=()
if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "install-deps: not root and sudo is not available; as root run:" >&2
        echo "    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
fi

# The Debian packages would start a system mosquitto (port 1883), a PostgreSQL cluster (5432) and a
# Prometheus server right away; `make run` wants those ports for its own broker and database, and the
# tests start their own servers. Unless the machine already has one, a temporary policy-rc.d that
# answers "no" (exit 101) keeps the daemons from being started during this install; it is removed
# again on the way out. (They stay installed and enabled as Debian ships them.)
policy=/usr/sbin/policy-rc.d
added_policy=0
remove_policy() {
    if ((added_policy)); then "${as_root[@]}" rm -f "$policy" || true; fi
}
trap remove_policy EXIT
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, from pms-services scripts/install-deps.sh\nexit 101\n' \
        | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    added_policy=1
fi

apt_env=(env DEBIAN_FRONTEND=noninteractive)

echo "install-deps: apt-get update"
"${as_root[@]}" "${apt_env[@]}" apt-get update
echo "install-deps: apt-get install -y --no-install-recommends ${missing[*]}"
"${as_root[@]}" "${apt_env[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
remove_policy
added_policy=0

# Check the result, so a failure shows here rather than as a puzzling build or test error.
failed=()
for entry in "${checks[@]}"; do
    proof=${entry#*|}
    has_proof "$proof" || failed+=("${entry%%|*} ($proof)")
done
if ((${#failed[@]} > 0)); then
    echo "install-deps: still missing after apt-get install: ${failed[*]}" >&2
    exit 1
fi
if ! getent passwd postgres >/dev/null; then
    echo "install-deps: the 'postgres' OS user does not exist (the postgresql package normally creates it)" >&2
    exit 1
fi
echo "install-deps: done (the system mosquitto/postgresql/prometheus daemons were not started: make run starts its own)"
