#!/usr/bin/env bash
# soak.sh — leak check of loadlab and the reference API (make soak; not in CI).
#
# Runs the reference API as a local process (GOMAXPROCS=1) and holds a
# constant high load on it with `loadlab ramp` for SOAK_DURATION, sampling
# every SOAK_INTERVAL:
#   generator (loadlab ramp): RSS (VmRSS of /proc/<pid>/status) and OS threads
#     (its goroutine count is not observable from outside the process);
#   API (loadlab serve): RSS (VmRSS) and goroutines (go_goroutines of /metrics),
#     and the requests it served in the interval (to show the load held).
# It prints one table row per sample, then the growth of each figure between
# the end of the warm-up (SOAK_WARMUP) and the last sample. The verdict is
# "flat after warm-up" when every figure grew by less than SOAK_TOLERANCE
# percent (exit 0), else "GROWTH" (exit 1).
#
# Environment (defaults in brackets):
#   SOAK_DURATION  [10m]   how long the load is held (a Go duration: 3m, 10m, 1h)
#   SOAK_RATE      [2000]  open-loop requests/s (POST /predict, one lead each)
#   SOAK_POOL      [16]    connections the open-loop load shares
#   SOAK_USERS     []      closed-loop users with zero think time (one connection each) instead of SOAK_RATE
#   SOAK_INTERVAL  [30]    seconds between samples
#   SOAK_WARMUP    [2m]    start of the comparison (shorter runs use a third of the duration)
#   SOAK_TOLERANCE [10]    allowed growth in percent
#   LOADLAB        []      a loadlab binary to use (default: built from this tree)
#   SOAK_KEEP      []      set to keep the working folder (API log, ramp results)
#
# Load goes only to 127.0.0.1.
set -euo pipefail

DURATION=${SOAK_DURATION:-10m}
RATE=${SOAK_RATE:-2000}
USERS=${SOAK_USERS:-}
INTERVAL=${SOAK_INTERVAL:-30}
WARMUP=${SOAK_WARMUP:-2m}
TOLERANCE=${SOAK_TOLERANCE:-10}
POOL=${SOAK_POOL:-16}

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/loadlab-soak.XXXXXX")
api_pid="" gen_pid=""
cleanup() {
	[[ -n "$gen_pid" ]] && kill "$gen_pid" 2>/dev/null || true
	[[ -n "$api_pid" ]] && kill "$api_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [[ -n "${SOAK_KEEP:-}" ]]; then echo "soak: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# seconds converts a Go-style duration (90s, 10m, 1h, 1h30m) to seconds.
seconds() {
	local d=$1 total=0 n unit
	while [[ $d =~ ^([0-9]+)(h|m|s)(.*)$ ]]; do
		n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]}
		case $unit in h) total=$((total + n * 3600)) ;; m) total=$((total + n * 60)) ;; s) total=$((total + n)) ;; esac
	done
	[[ -z $d ]] || { echo "soak: cannot read duration $1 (use e.g. 90s, 10m, 1h)" >&2; exit 2; }
	echo "$total"
}
dur_s=$(seconds "$DURATION")
warm_s=$(seconds "$WARMUP")
if ((warm_s >= dur_s)); then warm_s=$((dur_s / 3)); fi

bin=${LOADLAB:-}
if [[ -z $bin ]]; then
	bin=$work/loadlab
	echo "soak: building loadlab"
	CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/loadlab
fi

# The API on a free port of 127.0.0.1, one core of Go scheduler.
GOMAXPROCS=1 "$bin" serve --addr 127.0.0.1:0 2>"$work/api.log" &
api_pid=$!
addr=""
for _ in $(seq 1 100); do
	addr=$(grep -o '"msg":"listening","addr":"[^"]*"' "$work/api.log" 2>/dev/null | sed 's/.*"addr":"//; s/"$//' || true)
	[[ -n $addr ]] && curl -fsS -o /dev/null "http://$addr/health" 2>/dev/null && break
	addr=""
	sleep 0.1
done
[[ -n $addr ]] || { echo "soak: the API did not become healthy; its log:" >&2; cat "$work/api.log" >&2; exit 1; }
url=http://$addr

if [[ -n $USERS ]]; then
	load=(--users "$USERS" --think 0)
	what="$USERS users, no think time"
else
	# A fixed pool of connections: the API's goroutines (one per
	# connection) then stay constant unless something leaks.
	load=(--rate "$RATE" --connections shared --pool "$POOL")
	what="$RATE requests/s over $POOL connections"
fi
echo "soak: API pid $api_pid at $url (GOMAXPROCS=1); load $what for $DURATION; sample every ${INTERVAL}s; compare from $((warm_s))s"
"$bin" ramp --url "$url" "${load[@]}" --hold "$DURATION" --timeout 5s --out "$work/ramp" >"$work/ramp.out" 2>"$work/ramp.err" &
gen_pid=$!

status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || true; }
metric() { curl -fsS -m 5 "$url/metrics" 2>/dev/null | awk -v m="$1" '
	$1 == m { print $2; found = 1 }
	index($1, m "{") == 1 && m == "http_requests_total" && index($1, "endpoint=\"/predict\"") { s += $2; found = 1 }
	END { if (m == "http_requests_total" && found) printf "%.0f\n", s }' | tail -1; }

declare -a T GRSS GTHR ARSS AGOR
printf '%8s %12s %12s %12s %14s %10s\n' "t(s)" "gen RSS MiB" "gen threads" "API RSS MiB" "API goroutines" "API rps"
start=$(date +%s)
prev_req=$(metric http_requests_total) prev_t=$start
while kill -0 "$gen_pid" 2>/dev/null; do
	now=$(date +%s)
	g_rss=$(status_kb "$gen_pid" VmRSS) g_thr=$(status_kb "$gen_pid" Threads)
	a_rss=$(status_kb "$api_pid" VmRSS) a_gor=$(metric go_goroutines) req=$(metric http_requests_total)
	[[ -n $g_rss && -n $a_rss && -n $a_gor && -n $req ]] || break
	rps=0
	((now > prev_t)) && rps=$(((req - prev_req) / (now - prev_t)))
	prev_req=$req prev_t=$now
	T+=($((now - start))) GRSS+=("$g_rss") GTHR+=("$g_thr") ARSS+=("$a_rss") AGOR+=("$a_gor")
	printf '%8d %12.1f %12d %12.1f %14d %10d\n' $((now - start)) "$(echo "$g_rss/1024" | bc -l)" "$g_thr" "$(echo "$a_rss/1024" | bc -l)" "$a_gor" "$rps"
	# Sleep until the next sample; the last one is taken 3 s before the
	# load ends, so the comparison covers the whole run.
	elapsed=$(($(date +%s) - start)) wait_s=$INTERVAL
	if ((elapsed + wait_s > dur_s - 3 && elapsed < dur_s - 3)); then wait_s=$((dur_s - 3 - elapsed)); fi
	for _ in $(seq 1 "$wait_s"); do kill -0 "$gen_pid" 2>/dev/null || break; sleep 1; done
done
if wait "$gen_pid"; then gen_rc=0; else gen_rc=$?; fi
gen_pid=""
tail -n 4 "$work/ramp.out" | sed 's/^/soak: ramp: /'
if ((gen_rc != 0)); then
	echo "soak: loadlab ramp exited with $gen_rc:" >&2
	tail -n 20 "$work/ramp.err" >&2
	exit 1
fi

# Compare the first sample at or after the warm-up with the last one.
n=${#T[@]}
base=-1
for ((i = 0; i < n; i++)); do
	if ((T[i] >= warm_s)); then base=$i; break; fi
done
if ((n < 2 || base < 0 || base == n - 1)); then
	echo "soak: too few samples after the warm-up ($n samples): lengthen SOAK_DURATION or shorten SOAK_INTERVAL" >&2
	exit 1
fi
last=$((n - 1))
flat=1
growth() { # name base end
	local pct
	pct=$(echo "($3 - $2) * 100 / $2" | bc -l)
	printf 'soak: %-15s %10s -> %-10s %+6.1f %%\n' "$1" "$2" "$3" "$pct"
	if (($(echo "$pct >= $TOLERANCE" | bc -l))); then flat=0; fi
}
echo "soak: growth from t=${T[base]}s to t=${T[last]}s (tolerance ${TOLERANCE} %):"
growth "gen RSS kB" "${GRSS[base]}" "${GRSS[last]}"
printf 'soak: %-15s %10s -> %-10s (informational: the Go runtime adds threads for blocking syscalls)\n' "gen threads" "${GTHR[base]}" "${GTHR[last]}"
growth "API RSS kB" "${ARSS[base]}" "${ARSS[last]}"
growth "API goroutines" "${AGOR[base]}" "${AGOR[last]}"
if ((flat)); then
	echo "soak: verdict: flat after warm-up"
else
	echo "soak: verdict: GROWTH (a figure grew by ${TOLERANCE} % or more after the warm-up)"
	exit 1
fi
