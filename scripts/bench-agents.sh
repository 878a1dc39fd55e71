#!/usr/bin/env bash
# bench-agents: the same open-loop load against the reference API sent by
# the in-process engine, by 1 `loadlab agent` and by 2 agents (the merged
# result), on loopback: rps and p95 of each (issue 14's benchmark, local
# side; the swarm side runs on the two-node lab). The reference API runs
# pinned to one core (API_CPU), the generators (the benchmark process and
# its agents) to the other (GEN_CPU), so that each mode has the same CPU
# budget. Traffic goes only to 127.0.0.1.
#
# Settings (environment): RATE=1000 (requests/s) HOLD=10s (2 s of it
# settle) COUNT=3 (runs of each mode) PORT=18790 API_CPU=1 GEN_CPU=0.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-1000}
HOLD=${HOLD:-10s}
COUNT=${COUNT:-3}
PORT=${PORT:-18790}
API_CPU=${API_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
BIN="$ROOT/bin/loadlab"
API_PID=""
cleanup() {
	if [ -n "$API_PID" ]; then kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

(cd "$ROOT" && make -s build)
taskset -c "$API_CPU" "$BIN" serve --addr "127.0.0.1:$PORT" --log-level warn &
API_PID=$!
for _ in $(seq 100); do
	if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null

echo "bench-agents: $RATE requests/s for $HOLD against the reference API (core $API_CPU), generators on core $GEN_CPU, $COUNT runs each"
cd "$ROOT"
LOADLAB_TEST_BINARY="$BIN" LOADLAB_BENCH_AGENTS_URL="http://127.0.0.1:$PORT" \
	LOADLAB_BENCH_RATE="$RATE" LOADLAB_BENCH_HOLD="$HOLD" \
	taskset -c "$GEN_CPU" go test -run '^$' -bench AgentsVsInProcess -benchtime 1x -count "$COUNT" ./scenarios/agent
