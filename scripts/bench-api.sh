#!/usr/bin/env bash
# bench-api.sh — requests/s of the reference API's POST /predict on ONE core.
#
# Builds the static binary, starts `loadlab serve` pinned to CPU $SERVER_CPU
# with GOMAXPROCS=1, drives POST /predict with wrk pinned to CPU $CLIENT_CPU
# ($CONNECTIONS keep-alive connections over loopback, one wrk thread), then
# prints RPS and latency percentiles and stops the server. wrk is installed
# from Debian when missing (needs root).
#
# Environment: DURATION (10s), WARMUP (3s), CONNECTIONS (50), PORT (18080),
# SERVER_CPU (1), CLIENT_CPU (0), BIN (target/refapi/loadlab), NO_BUILD (1: use BIN
# as is), MIN_RPS (unset: only
# report; set: exit 1 when the measured RPS or the p95 goal is missed).
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-50}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
BIN=${BIN:-target/refapi/loadlab}
P95_GOAL_MS=10

if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench-api: installing wrk (apt-get)" >&2
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
	else
		echo "bench-api: wrk not found; install it (Debian: apt-get install wrk)" >&2
		exit 1
	fi
fi
for tool in taskset go curl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench-api: $tool not found" >&2; exit 1; }
done

if [ "${NO_BUILD:-0}" != 1 ]; then
	echo "bench-api: building $BIN" >&2
	CGO_ENABLED=0 go build -trimpath -o "$BIN" ./cmd/loadlab
fi

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

GOMAXPROCS=1 taskset -c "$SERVER_CPU" "$BIN" serve --addr "127.0.0.1:$PORT" 2>"$work/server.log" &
server_pid=$!

url="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
	if "$BIN" healthcheck --url "$url/health" --timeout 1s >/dev/null 2>&1; then
		break
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "bench-api: server exited:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
"$BIN" healthcheck --url "$url/health" --timeout 1s >/dev/null

cat >"$work/predict.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"RESULT requests=%d rps=%.0f p50_ms=%.3f p90_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d\n",
		summary.requests, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

# Sanity check: the body the benchmark sends must succeed.
curl -fsS -X POST -H 'Content-Type: application/json' \
	-d '{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}' "$url/predict" >/dev/null

echo "bench-api: warm-up $WARMUP" >&2
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$work/predict.lua" "$url/predict" >/dev/null

echo "bench-api: POST /predict, $CONNECTIONS connections, $DURATION, server on CPU $SERVER_CPU (GOMAXPROCS=1), wrk on CPU $CLIENT_CPU" >&2
# cpu_ticks prints the server's user+system CPU time in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
ticks0=$(cpu_ticks)
result=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s "$work/predict.lua" "$url/predict" | grep '^RESULT')
ticks1=$(cpu_ticks)
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
cpu_us=$(awk -v t="$((ticks1 - ticks0))" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
result="$result cpu_us_per_req=$cpu_us"

rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$result")
p95=$(sed -E 's/.* p95_ms=([0-9.]+).*/\1/' <<<"$result")
non2xx=$(sed -E 's/.* non2xx=([0-9]+).*/\1/' <<<"$result")
sockerr=$(sed -E 's/.* socket_errors=([0-9]+).*/\1/' <<<"$result")
echo "${result#RESULT }"
printf 'POST /predict on one core: %s req/s, p95 %s ms, %s µs of server CPU per request (goal: >= 15000 req/s at p95 < %s ms)\n' "$rps" "$p95" "$cpu_us" "$P95_GOAL_MS"

status=0
if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
	echo "bench-api: $non2xx non-2xx responses, $sockerr socket errors" >&2
	status=1
fi
if [ -n "${MIN_RPS:-}" ]; then
	if ! awk -v r="$rps" -v min="$MIN_RPS" -v p="$p95" -v g="$P95_GOAL_MS" 'BEGIN { exit !(r >= min && p < g) }'; then
		echo "bench-api: below goal (MIN_RPS=$MIN_RPS, p95 < $P95_GOAL_MS ms)" >&2
		status=1
	fi
fi
exit "$status"
