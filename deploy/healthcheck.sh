#!/bin/bash
# Container health check of the PMS image (HEALTHCHECK in deploy/Dockerfile). Only bash, no curl:
# the runtime image carries nothing but the services and their two C libraries.
#   PMS_HEALTH_PORT set (pms-scheduler 8080, pms-metrics 9464): GET http://127.0.0.1:$PMS_HEALTH_PORT$PMS_HEALTH_PATH
#     must answer 200 (PMS_HEALTH_PATH default /health; the scheduler uses /api/v1/scheduler/status).
#   otherwise (domain services have no HTTP port): some process in the container must hold an established
#     TCP connection to the broker port of PMS_MQTT_URL (default 1883); a service that lost its broker
#     reconnects, and stays unhealthy only while it cannot.
set -u

if [[ -n "${PMS_HEALTH_PORT:-}" ]]; then
    path=${PMS_HEALTH_PATH:-/health}
    exec 3<>"/dev/tcp/127.0.0.1/$PMS_HEALTH_PORT" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
    read -r -t 5 _ status _ <&3 || exit 1
    [[ "$status" == "200" ]] || { echo "GET $path answered ${status:-nothing}"; exit 1; }
    exit 0
fi

url=${PMS_MQTT_URL:-mqtt://127.0.0.1:1883}
hostport=${url#mqtt://}
hostport=${hostport##*@}
hostport=${hostport%%/*}
port=1883
[[ "$hostport" == *:* ]] && port=${hostport##*:}
hex=$(printf '%04X' "$port")
# /proc/net/tcp{,6}: "sl local rem st ..."; state 01 is ESTABLISHED, rem is ADDR:PORT in hex.
for table in /proc/net/tcp /proc/net/tcp6; do
    [[ -r "$table" ]] || continue
    while read -r _ _ remote state _; do
        [[ "$state" == "01" && "${remote##*:}" == "$hex" ]] && exit 0
    done <"$table"
done
echo "no established connection to the broker port $port"
exit 1
