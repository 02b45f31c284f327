#!/usr/bin/env bash
# Writes the broker's password file (mosquitto_passwd -b, hashed) for every account of ./acl.
#
#   deploy/mosquitto/make-passwords.sh OUTPUT [SECRETS_FILE]
#
# Each account's password comes from SECRETS_FILE, lines `<account> <password>` (# comments and blank
# lines ignored), or else from the environment: PMS_MQTT_PASSWORD_<ACCOUNT>, the account in upper case
# with '-' as '_' (PMS_MQTT_PASSWORD_PMS_SHORTAGE, PMS_MQTT_PASSWORD_PMSCTL). An account without a
# password is an error: no account is left open or with a default. Never commit the secrets file or
# OUTPUT; mount OUTPUT as /mosquitto/config/passwords (mode 600; for Kubernetes keep it in a Secret).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
accounts=(pms-scheduler pms-shortage pms-progress pms-receivables pms-issues pms-production pms-cost
          pms-notifications pms-metrics pmsctl)

die() { printf 'make-passwords: error: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 OUTPUT [SECRETS_FILE]"
output=$1
secrets=${2:-}
[[ -z "$secrets" || -r "$secrets" ]] || die "cannot read secrets file $secrets"
command -v mosquitto_passwd >/dev/null 2>&1 \
    || die "mosquitto_passwd not found: run scripts/install-deps.sh (Debian package mosquitto)"

# The ACL must name exactly these accounts, so a new service cannot be forgotten here.
acl_accounts=$(sed -n 's/^user  *\([^ ]*\) *$/\1/p' "$here/acl" | sort)
[[ "$acl_accounts" == "$(printf '%s\n' "${accounts[@]}" | sort)" ]] \
    || die "accounts in $here/acl differ from this script's list: ${acl_accounts//$'\n'/ }"

password_for() {
    local account=$1 line name value
    if [[ -n "$secrets" ]]; then
        while IFS= read -r line || [[ -n "$line" ]]; do
            [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
            name=${line%%[[:space:]]*}
            value=${line#"$name"}
            value=${value#"${value%%[![:space:]]*}"}
            if [[ "$name" == "$account" ]]; then printf '%s' "$value"; return; fi
        done <"$secrets"
    fi
    local variable
    variable="PMS_MQTT_PASSWORD_$(tr 'a-z-' 'A-Z_' <<<"$account")"
    printf '%s' "${!variable:-}"
}

tmp=$(mktemp "$(dirname "$output")/.passwords.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chmod 600 "$tmp"
missing=()
for account in "${accounts[@]}"; do
    password=$(password_for "$account")
    if [[ -z "$password" ]]; then missing+=("$account"); continue; fi
    mosquitto_passwd -b "$tmp" "$account" "$password"
done
((${#missing[@]} == 0)) || die "no password for: ${missing[*]} (secrets file line '<account> <password>' or PMS_MQTT_PASSWORD_<ACCOUNT>)"
mv "$tmp" "$output"
trap - EXIT
echo "make-passwords: wrote $output (${#accounts[@]} accounts)"
