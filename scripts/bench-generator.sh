#!/usr/bin/env bash
# bench-generator: how much load the loadlab engine generates per CPU-second,
# next to the vegeta and wrk CLIs run the same way, and whether 10,000
# closed-loop users (1–2.5 s think, one keep-alive connection each) fit in
# 150 MB without saturating the generator.
#
# A fast loopback target (a minimal fasthttp server) runs pinned to one core
# (TARGET_CPU), each generator pinned to another (GEN_CPU). Requests per
# generator CPU-second = completed requests / (user + system CPU time of the
# generator process). Modes:
#   open    RATE requests/s for DUR seconds (loadlab --rate; vegeta attack -rate)
#   closed  CONC users without think time (loadlab --users --think 0;
#           vegeta attack -rate=0 -max-workers=CONC; wrk -c CONC)
# and once more closed, against a plain net/http target pinned the same way:
# there the target, not the generator, is the bottleneck, and the generator's
# CPU per request is what it takes away from an API under test on a shared
# machine.
# Goals (issues 3 and 11): loadlab ≥ 1.5× vegeta's requests per CPU-second,
# open and closed, with either target; 10,000 users ≤ 150 MB RSS, not
# saturated.
#
# Where the engine spends its CPU: the Go benchmarks of the engine run the
# same loads in one process under a CPU profile, against a target given by
# URL, e.g. against this script's target:
#   LOADLAB_BENCH_URL=http://127.0.0.1:18765 taskset -c 0 go test -run '^$' \
#     -bench Generator -benchtime 1x -cpuprofile cpu.out ./scenarios/engine
#   go tool pprof -top cpu.out
#
# Peers: vegeta is built from its module copy (go mod download
# github.com/tsenart/vegeta/v12@v12.12.0; `go install` of it is refused);
# wrk comes from Debian (apt-get install wrk). A peer that cannot be had is
# skipped and said so. Traffic goes only to 127.0.0.1.
#
# The open-loop RATE defaults to 4000/s: on this 2-core machine, shared with
# other work, vegeta's open loop falls behind above ~5000/s (every late
# request gets a new connection, and its dialer binds the local address
# before connecting, which the kernel makes slow when many sockets sit in
# TIME_WAIT), and a collapsed peer says nothing about CPU per request.
#
# Settings (environment): DUR=10 RATE=4000 CONC=50 BIG_USERS=10000 (0
# skips the 10,000-user run) GEN_CPU=0 TARGET_CPU=1 PORT=18765 (the net/http
# target listens on PORT+1) LOADLAB=<prebuilt binary> (default: build
# ./cmd/loadlab).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${DUR:-10}
RATE=${RATE:-4000}
CONC=${CONC:-50}
BIG_USERS=${BIG_USERS:-10000}
GEN_CPU=${GEN_CPU:-0}
TARGET_CPU=${TARGET_CPU:-1}
PORT=${PORT:-18765}
VEGETA_VERSION=v12.12.0
URL="http://127.0.0.1:${PORT}"

WORK=$(mktemp -d)
SRC=""
TARGET_PID=""
cleanup() {
	if [[ -n "$TARGET_PID" ]]; then kill "$TARGET_PID" 2>/dev/null || true; wait "$TARGET_PID" 2>/dev/null || true; fi
	[[ -n "$SRC" ]] && rm -rf "$SRC"
	rm -rf "$WORK"
}
trap cleanup EXIT

say() { echo "bench-generator: $*" >&2; }

if [[ $(nproc) -lt 2 ]]; then
	say "needs 2 cores (target and generator pinned apart); found $(nproc)"
	exit 1
fi
command -v taskset >/dev/null || { say "taskset (util-linux) is required"; exit 1; }

# --- build ------------------------------------------------------------------
cd "$ROOT"
LOADLAB=${LOADLAB:-}
if [[ -z "$LOADLAB" ]]; then
	say "building loadlab"
	CGO_ENABLED=0 go build -o "$WORK/loadlab" ./cmd/loadlab
	LOADLAB="$WORK/loadlab"
fi

# The targets, built inside the module so that they use the module's
# dependencies; the directory starts with a dot, so ./... never sees it,
# and it is removed on exit. target: a minimal fasthttp server;
# target-nethttp: the same answer from the standard library's server.
build_target() { # name, source on stdin
	SRC=$(mktemp -d "$ROOT/.benchtarget.XXXXXX")
	cat >"$SRC/main.go"
	go build -o "$WORK/$1" "./$(basename "$SRC")"
	rm -rf "$SRC"
	SRC=""
}
build_target target <<'EOF'
package main

import (
	"flag"
	"log"

	"github.com/valyala/fasthttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18765", "listen address")
	flag.Parse()
	body := []byte(`{"probability":0.42,"label":1}`)
	s := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType("application/json")
			ctx.SetBody(body)
		},
		Concurrency: 1 << 20,
	}
	log.Fatal(s.ListenAndServe(*addr))
}
EOF
build_target target-nethttp <<'EOF'
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18766", "listen address")
	flag.Parse()
	body := []byte(`{"probability":0.42,"label":1}`)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})))
}
EOF

VEGETA=$(command -v vegeta || true)
if [[ -z "$VEGETA" ]]; then
	say "building vegeta $VEGETA_VERSION from its module copy"
	if (cd "$WORK" && GOFLAGS=-mod=mod go mod download "github.com/tsenart/vegeta/v12@$VEGETA_VERSION") &&
		(cd "$(go env GOMODCACHE)/github.com/tsenart/vegeta/v12@$VEGETA_VERSION" &&
			GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -o "$WORK/vegeta" .); then
		VEGETA="$WORK/vegeta"
	else
		say "vegeta could not be built: skipped"
	fi
fi
WRK=$(command -v wrk || true)
if [[ -z "$WRK" ]] && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
	say "installing wrk from Debian"
	(apt-get update -qq && apt-get install -y -qq wrk) >/dev/null 2>&1 || true
	WRK=$(command -v wrk || true)
fi
[[ -z "$WRK" ]] && say "wrk is not installed and could not be: skipped"

# The same request for every generator: GET /predict, no body.
cat >"$WORK/get.yaml" <<'EOF'
name: bench-get
requests:
  - path: /predict
EOF

# --- target -------------------------------------------------------------------
# start_target BIN PORT: runs BIN pinned to TARGET_CPU on PORT (stopping the
# previous one), waits until it listens, and points URL at it.
stop_target() {
	if [[ -n "$TARGET_PID" ]]; then kill "$TARGET_PID" 2>/dev/null || true; wait "$TARGET_PID" 2>/dev/null || true; fi
	TARGET_PID=""
}
start_target() {
	stop_target
	taskset -c "$TARGET_CPU" "$1" -addr "127.0.0.1:$2" &
	TARGET_PID=$!
	URL="http://127.0.0.1:$2"
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break
		sleep 0.1
	done
}
start_target "$WORK/target" "$PORT"

# Closed connections linger in TIME_WAIT; a dialer that binds its local
# address (vegeta does) slows down badly when thousands of them exist, so
# each run starts after they drained (at most 60 s).
drain_timewait() {
	command -v ss >/dev/null || return 0
	for _ in $(seq 60); do
		[[ $(ss -tan state time-wait | wc -l) -lt 500 ]] && return 0
		sleep 1
	done
	say "warning: $(ss -tan state time-wait | wc -l) sockets still in TIME_WAIT"
}

# cpu_of CMD...: runs CMD pinned to GEN_CPU; prints its user+system CPU
# seconds on fd 3 and its output on stdout.
cpu_of() {
	local t
	t=$( { TIMEFORMAT='%U %S'; time taskset -c "$GEN_CPU" "$@" >"$WORK/out" 2>"$WORK/err"; } 2>&1) || {
		cat "$WORK/err" >&2
		return 1
	}
	awk '{printf "%.3f\n", $1 + $2}' <<<"$t"
}

# json_field FILE KEY: the first numeric or boolean value of "KEY" in FILE.
json_field() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2; }

ROWS=()
row() { ROWS+=("$(printf '%-24s %-44s %10s %10s %8s %11s' "$@")"); }
per_cpu() { awk -v r="$1" -v c="$2" 'BEGIN { if (c > 0) printf "%.0f", r / c; else print "-" }'; }

declare -A PERCPU

run_loadlab() { # mode label args...
	local mode=$1 label=$2
	shift 2
	drain_timewait
	local out="$WORK/ll-$mode"
	local cpu
	cpu=$(CI=true cpu_of "$LOADLAB" ramp --url "$URL" --scenario "$WORK/get.yaml" "$@" --out "$out") || { say "loadlab $mode failed"; return 0; }
	local req rps
	req=$(json_field "$out/steps.jsonl" requests)
	rps=$(json_field "$out/steps.jsonl" rps)
	PERCPU[loadlab-$mode]=$(per_cpu "$req" "$cpu")
	row "loadlab (engine)" "$label" "$req" "$(printf '%.0f' "$rps")" "$cpu" "${PERCPU[loadlab-$mode]}"
}

run_vegeta() { # mode label args...
	local mode=$1 label=$2
	shift 2
	[[ -z "$VEGETA" ]] && { row "vegeta $VEGETA_VERSION" "$label" "skipped" "" "" ""; return 0; }
	drain_timewait
	local cpu
	cpu=$(echo "GET $URL/predict" | cpu_of "$VEGETA" attack -duration="${DUR}s" "$@" -output="$WORK/vegeta-$mode.bin") || { say "vegeta $mode failed"; return 0; }
	"$VEGETA" report -type=json "$WORK/vegeta-$mode.bin" >"$WORK/vegeta-$mode.json"
	local req rps
	req=$(json_field "$WORK/vegeta-$mode.json" requests)
	rps=$(json_field "$WORK/vegeta-$mode.json" throughput)
	PERCPU[vegeta-$mode]=$(per_cpu "$req" "$cpu")
	# An open loop that fell behind its rate measured a collapse, not its
	# cost per request: keep the row, leave it out of the comparison.
	if [[ "$mode" == open ]] && awk -v r="$rps" -v want="$RATE" 'BEGIN { exit !(r < 0.95 * want) }'; then
		label="$label (fell behind)"
		PERCPU[vegeta-$mode]=""
	fi
	row "vegeta $VEGETA_VERSION" "$label" "$req" "$(printf '%.0f' "$rps")" "$cpu" "${PERCPU[vegeta-$mode]:--}"
}

run_wrk() {
	[[ -z "$WRK" ]] && { row "wrk" "closed, $CONC connections" "skipped" "" "" ""; return 0; }
	drain_timewait
	local cpu
	cpu=$(cpu_of "$WRK" -t1 -c"$CONC" -d"${DUR}s" "$URL/predict") || { say "wrk failed"; return 0; }
	local req rps
	req=$(grep -o '[0-9]* requests in' "$WORK/out" | awk '{print $1}')
	rps=$(grep 'Requests/sec' "$WORK/out" | awk '{printf "%.0f", $2}')
	PERCPU[wrk]=$(per_cpu "$req" "$cpu")
	row "wrk (Debian)" "closed, $CONC connections" "$req" "$rps" "$cpu" "${PERCPU[wrk]}"
}

say "target on CPU $TARGET_CPU, generators on CPU $GEN_CPU, ${DUR}s per run"
run_loadlab open "open, ${RATE}/s" --rate "$RATE" --hold "${DUR}s" --settle 0s
run_vegeta open "open, ${RATE}/s" -rate="$RATE"
run_loadlab closed "closed, $CONC users, no think" --users "$CONC" --think 0 --hold "${DUR}s" --settle 0s --spawn-rate 100000
run_vegeta closed "closed, $CONC workers (-rate=0)" -rate=0 -max-workers="$CONC"
run_wrk

# The target is the bottleneck: a plain net/http server on one core.
start_target "$WORK/target-nethttp" "$((PORT + 1))"
run_loadlab closed-nethttp "closed, $CONC users, net/http target" --users "$CONC" --think 0 --hold "${DUR}s" --settle 0s --spawn-rate 100000
run_vegeta closed-nethttp "closed, $CONC workers, net/http target" -rate=0 -max-workers="$CONC"
start_target "$WORK/target" "$PORT"

# --- 10,000 users -------------------------------------------------------------
# Spawned at 2000/s (5 s), then 8 s of settle before a 12 s window.
if [[ "$BIG_USERS" -gt 0 ]]; then
drain_timewait
big="$WORK/ll-big"
CI=true taskset -c "$GEN_CPU" "$LOADLAB" ramp --url "$URL" --scenario "$WORK/get.yaml" --users "$BIG_USERS" --think 1s-2.5s \
	--spawn-rate 2000 --hold 25s --settle 13s --out "$big" >/dev/null 2>"$WORK/big.err" || { cat "$WORK/big.err" >&2; exit 1; }
b_rps=$(json_field "$big/steps.jsonl" rps)
b_conns=$(json_field "$big/steps.jsonl" open_connections)
b_cpu=$(json_field "$big/steps.jsonl" cpu_pct)
b_avail=$(json_field "$big/steps.jsonl" cpu_available_pct)
b_rss=$(json_field "$big/steps.jsonl" rss_bytes)
b_sat=$(json_field "$big/steps.jsonl" saturated)
b_err=$(json_field "$big/steps.jsonl" error_rate)
fi

# --- report -------------------------------------------------------------------
echo
printf '%-24s %-44s %10s %10s %8s %11s\n' "generator" "mode" "requests" "rps" "cpu-s" "req/cpu-s"
printf '%s\n' "${ROWS[@]}"
echo
ratio() { awk -v a="${PERCPU[$1]:-}" -v b="${PERCPU[$2]:-}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# n/a: a peer was skipped or fell behind; rerun when the machine is quieter.
r_open=$(ratio loadlab-open vegeta-open)
r_closed=$(ratio loadlab-closed vegeta-closed)
r_nethttp=$(ratio loadlab-closed-nethttp vegeta-closed-nethttp)
verdict() { awk -v r="$1" 'BEGIN { if (r == "n/a") print "n/a"; else if (r >= 1.5) print "met"; else print "NOT met" }'; }
echo "loadlab vs vegeta, requests per CPU-second: open ${r_open}× ($(verdict "$r_open")), closed ${r_closed}× ($(verdict "$r_closed")), closed with the net/http target ${r_nethttp}× ($(verdict "$r_nethttp")); goal ≥ 1.5×"
[[ "$BIG_USERS" -gt 0 ]] || exit 0
rss_mb=$(awk -v b="$b_rss" 'BEGIN { printf "%.1f", b / 1048576 }')
rss_ok=$(awk -v b="$b_rss" 'BEGIN { print (b <= 150 * 1048576) ? "met" : "NOT met" }')
sat_ok=$([[ "$b_sat" == "false" ]] && echo "met" || echo "NOT met")
printf '%s users, think 1-2.5s, per-user connections: %s open, %.0f rps, error rate %s, generator CPU %.0f%% of %.0f%%, RSS %s MB (≤ 150 MB: %s), saturated %s (%s)\n' \
	"$BIG_USERS" "$b_conns" "$b_rps" "$b_err" "$b_cpu" "$b_avail" "$rss_mb" "$rss_ok" "$b_sat" "$sat_ok"
