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
# Streaming (issue 15): a lean loopback SSE server (target-sse: one
# goroutine per connection, OpenAI-style chat chunks, TOKENS per response,
# one every TOKEN_GAP, usage and [DONE] at the end, chunked), pinned like
# the others. Two rows: streamed tokens parsed per generator CPU-second
# (CONC users without think time reading streams paced at FAST_GAP, next to
# the non-streaming requests per CPU-second; the whole process's CPU, as
# the other rows), and BIG_STREAM_USERS streaming users (think 1–2.5 s,
# per-user connections, TOKEN_GAP) held with ≤ 200 MB RSS and without
# generator saturation, with its own tokens per CPU-second over the
# measured window (output_tokens_per_s ÷ the generator's CPU share).
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
# skips the 10,000-user run) BIG_STREAM_USERS=10000 (0 skips the streaming
# users' run; the spawn takes BIG_STREAM_USERS/2000 s, then 8 s settle and
# a BIG_HOLD=12s window) TOKENS=100 TOKEN_GAP=20ms FAST_GAP=1ms ONLY=stream (only the
# streaming rows) GEN_CPU=0 TARGET_CPU=1 PORT=18765 (the net/http target
# listens on PORT+1, the SSE target on PORT+2) LOADLAB=<prebuilt binary>
# (default: build ./cmd/loadlab).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${DUR:-10}
RATE=${RATE:-4000}
CONC=${CONC:-50}
BIG_USERS=${BIG_USERS:-10000}
BIG_STREAM_USERS=${BIG_STREAM_USERS:-10000}
BIG_HOLD=${BIG_HOLD:-12}
TOKENS=${TOKENS:-100}
TOKEN_GAP=${TOKEN_GAP:-20ms}
FAST_GAP=${FAST_GAP:-1ms}
ONLY=${ONLY:-}
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

build_target target-sse <<'EOF'
package main

// A lean streaming chat-completions server: every request on a
// connection is answered with -tokens SSE chunks, one every -gap from the
// request's arrival, then a usage chunk and [DONE], chunked; one
// goroutine per connection, one write per chunk.
import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"strconv"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18767", "listen address")
	tokens := flag.Int("tokens", 100, "content chunks per response")
	gap := flag.Duration("gap", 20*time.Millisecond, "time between chunks (the first comes one gap after the request)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	chunk := frame([]byte(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"bench","choices":[{"index":0,"delta":{"content":" tok"},"finish_reason":null}]}` + "\n\n"))
	usage := fmt.Sprintf(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"bench","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":%d}}`+"\n\ndata: [DONE]\n\n", *tokens)
	last := append(frame([]byte(usage)), "0\r\n\r\n"...)
	head := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c, head, chunk, last, *tokens, *gap)
	}
}

// frame is b as one chunk of a chunked body.
func frame(b []byte) []byte {
	return append(append([]byte(strconv.FormatInt(int64(len(b)), 16)+"\r\n"), b...), "\r\n"...)
}

func serve(c net.Conn, head, chunk, last []byte, tokens int, gap time.Duration) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 1024)
	for {
		// The request: its header up to the blank line, then its body.
		n := 0
		for {
			ln, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(bytes.TrimSpace(ln)) == 0 {
				break
			}
			if k := bytes.IndexByte(ln, ':'); k > 0 && bytes.EqualFold(bytes.TrimSpace(ln[:k]), []byte("Content-Length")) {
				n, _ = strconv.Atoi(string(bytes.TrimSpace(ln[k+1:])))
			}
		}
		if _, err := br.Discard(n); err != nil {
			return
		}
		start := time.Now()
		if _, err := c.Write(head); err != nil {
			return
		}
		for i := 1; i <= tokens; i++ {
			time.Sleep(time.Until(start.Add(time.Duration(i) * gap)))
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
		if _, err := c.Write(last); err != nil {
			return
		}
	}
}
EOF

VEGETA=$(command -v vegeta || true)
WRK=$(command -v wrk || true)
if [[ "$ONLY" == stream ]]; then
	: # the streaming rows need no peer
elif [[ -z "$VEGETA" ]]; then
	say "building vegeta $VEGETA_VERSION from its module copy"
	if (cd "$WORK" && GOFLAGS=-mod=mod go mod download "github.com/tsenart/vegeta/v12@$VEGETA_VERSION") &&
		(cd "$(go env GOMODCACHE)/github.com/tsenart/vegeta/v12@$VEGETA_VERSION" &&
			GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -o "$WORK/vegeta" .); then
		VEGETA="$WORK/vegeta"
	else
		say "vegeta could not be built: skipped"
	fi
fi
if [[ "$ONLY" != stream ]] && [[ -z "$WRK" ]] && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
	say "installing wrk from Debian"
	(apt-get update -qq && apt-get install -y -qq wrk) >/dev/null 2>&1 || true
	WRK=$(command -v wrk || true)
fi
[[ "$ONLY" != stream ]] && [[ -z "$WRK" ]] && say "wrk is not installed and could not be: skipped"

# The same request for every generator: GET /predict, no body.
cat >"$WORK/get.yaml" <<'EOF'
name: bench-get
requests:
  - path: /predict
EOF

# The streamed request: a chat completion read as SSE.
cat >"$WORK/stream.yaml" <<'EOF'
name: bench-stream
requests:
  - path: /v1/chat/completions
    method: POST
    body: {"model": "bench", "stream": true, "messages": [{"role": "user", "content": "hi"}]}
    stream: sse
EOF

# --- target -------------------------------------------------------------------
# start_target BIN PORT: runs BIN pinned to TARGET_CPU on PORT (stopping the
# previous one), waits until it listens, and points URL at it.
stop_target() {
	if [[ -n "$TARGET_PID" ]]; then kill "$TARGET_PID" 2>/dev/null || true; wait "$TARGET_PID" 2>/dev/null || true; fi
	TARGET_PID=""
}
start_target() { # BIN PORT [flags...]
	stop_target
	local bin=$1 port=$2
	shift 2
	taskset -c "$TARGET_CPU" "$bin" -addr "127.0.0.1:$port" "$@" &
	TARGET_PID=$!
	URL="http://127.0.0.1:$port"
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
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
if [[ "$ONLY" != stream ]]; then
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
fi

# --- streaming ----------------------------------------------------------------
# Tokens parsed per generator CPU-second: CONC users without think time
# reading SSE streams of TOKENS chunks, one every FAST_GAP.
start_target "$WORK/target-sse" "$((PORT + 2))" -tokens "$TOKENS" -gap "$FAST_GAP"
drain_timewait
st_out="$WORK/ll-stream"
if st_cpu=$(CI=true cpu_of "$LOADLAB" ramp --url "$URL" --scenario "$WORK/stream.yaml" --users "$CONC" --think 0 \
	--hold "${DUR}s" --settle 0s --spawn-rate 100000 --out "$st_out"); then
	st_req=$(json_field "$st_out/steps.jsonl" requests)
	st_tok=$(json_field "$st_out/steps.jsonl" output_tokens)
	st_tps=$(json_field "$st_out/steps.jsonl" output_tokens_per_s)
	PERCPU[loadlab-stream]=$(per_cpu "$st_tok" "$st_cpu")
	PERCPU[loadlab-stream-req]=$(per_cpu "$st_req" "$st_cpu")
	row "loadlab (engine)" "SSE, $CONC users, no think, $TOKENS tok @ $FAST_GAP" "$st_req" "$(printf '%.0f' "$(json_field "$st_out/steps.jsonl" rps)")" "$st_cpu" "${PERCPU[loadlab-stream-req]}"
else
	say "loadlab streaming failed"
fi

# BIG_STREAM_USERS streaming users, think 1–2.5 s, per-user connections.
if [[ "$BIG_STREAM_USERS" -gt 0 ]]; then
start_target "$WORK/target-sse" "$((PORT + 2))" -tokens "$TOKENS" -gap "$TOKEN_GAP"
drain_timewait
bigs="$WORK/ll-big-stream"
bs_spawn=$(( (BIG_STREAM_USERS + 1999) / 2000 ))
bs_settle=$(( bs_spawn + 8 ))
CI=true taskset -c "$GEN_CPU" "$LOADLAB" ramp --url "$URL" --scenario "$WORK/stream.yaml" --users "$BIG_STREAM_USERS" --think 1s-2.5s \
	--spawn-rate 2000 --hold "$(( bs_settle + BIG_HOLD ))s" --settle "${bs_settle}s" --timeout 30s --out "$bigs" >/dev/null 2>"$WORK/big-stream.err" || { cat "$WORK/big-stream.err" >&2; exit 1; }
bs_rps=$(json_field "$bigs/steps.jsonl" rps)
bs_tps=$(json_field "$bigs/steps.jsonl" output_tokens_per_s)
bs_conns=$(json_field "$bigs/steps.jsonl" open_connections)
bs_cpu=$(json_field "$bigs/steps.jsonl" cpu_pct)
bs_avail=$(json_field "$bigs/steps.jsonl" cpu_available_pct)
bs_rss=$(json_field "$bigs/steps.jsonl" rss_bytes)
bs_sat=$(json_field "$bigs/steps.jsonl" saturated)
bs_err=$(json_field "$bigs/steps.jsonl" error_rate)
bs_percpu=$(awk -v t="$bs_tps" -v c="$bs_cpu" 'BEGIN { if (c > 0) printf "%.0f", t / (c / 100); else print "-" }')
bs_ttft50=$(grep -o '"ttft_ms":{[^}]*}' "$bigs/steps.jsonl" | head -1 | grep -o '"p50":[^,}]*' | cut -d: -f2)
bs_ttft=$(grep -o '"ttft_ms":{[^}]*}' "$bigs/steps.jsonl" | head -1 | grep -o '"p95":[^,}]*' | cut -d: -f2)
bs_itl=$(grep -o '"itl_ms":{[^}]*}' "$bigs/steps.jsonl" | head -1 | grep -o '"p95":[^,}]*' | cut -d: -f2)
fi
if [[ "$ONLY" == stream ]]; then
	BIG_USERS=0
else
	start_target "$WORK/target" "$PORT"
fi

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
[[ "$ONLY" == stream ]] || echo "loadlab vs vegeta, requests per CPU-second: open ${r_open}× ($(verdict "$r_open")), closed ${r_closed}× ($(verdict "$r_closed")), closed with the net/http target ${r_nethttp}× ($(verdict "$r_nethttp")); goal ≥ 1.5×"
if [[ -n "${PERCPU[loadlab-stream]:-}" ]]; then
	printf 'streamed tokens parsed per generator CPU-second: %s (%s tokens, %.0f tokens/s, SSE, %s users without think, a token every %s); ' "${PERCPU[loadlab-stream]}" "$st_tok" "$st_tps" "$CONC" "$FAST_GAP"
	echo "non-streaming requests per CPU-second: closed ${PERCPU[loadlab-closed]:-n/a}, open ${PERCPU[loadlab-open]:-n/a}"
fi
if [[ "$BIG_STREAM_USERS" -gt 0 ]]; then
	bs_mb=$(awk -v b="$bs_rss" 'BEGIN { printf "%.1f", b / 1048576 }')
	bs_rss_ok=$(awk -v b="$bs_rss" 'BEGIN { print (b <= 200 * 1048576) ? "met" : "NOT met" }')
	bs_sat_ok=$([[ "$bs_sat" == "false" ]] && echo "met" || echo "NOT met")
	printf '%s streaming users, think 1-2.5s, %s tokens at %s: %s open, %.0f rps, %.0f tokens/s (%s per generator CPU-second), error rate %s, TTFT p50/p95 %s/%s ms, ITL p95 %s ms, generator CPU %.0f%% of %.0f%%, RSS %s MB (≤ 200 MB: %s), saturated %s (%s)\n' \
		"$BIG_STREAM_USERS" "$TOKENS" "$TOKEN_GAP" "$bs_conns" "$bs_rps" "$bs_tps" "$bs_percpu" "$bs_err" "$bs_ttft50" "$bs_ttft" "$bs_itl" "$bs_cpu" "$bs_avail" "$bs_mb" "$bs_rss_ok" "$bs_sat" "$bs_sat_ok"
fi
[[ "$ONLY" != stream ]] || exit 0
[[ "$BIG_USERS" -gt 0 ]] || exit 0
rss_mb=$(awk -v b="$b_rss" 'BEGIN { printf "%.1f", b / 1048576 }')
rss_ok=$(awk -v b="$b_rss" 'BEGIN { print (b <= 150 * 1048576) ? "met" : "NOT met" }')
sat_ok=$([[ "$b_sat" == "false" ]] && echo "met" || echo "NOT met")
printf '%s users, think 1-2.5s, per-user connections: %s open, %.0f rps, error rate %s, generator CPU %.0f%% of %.0f%%, RSS %s MB (≤ 150 MB: %s), saturated %s (%s)\n' \
	"$BIG_USERS" "$b_conns" "$b_rps" "$b_err" "$b_cpu" "$b_avail" "$rss_mb" "$rss_ok" "$b_sat" "$sat_ok"
