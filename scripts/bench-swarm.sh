#!/usr/bin/env bash
# bench-swarm: issue 14's benchmark on the two-node lab (scripts/swarm-lab.sh),
# which it brings up and takes down again (also on failure or Ctrl-C):
#   1. the merged result of 2 agents against 1 agent at the same total load
#      (open loop RATE requests/s for HOLD against the reference API as 2
#      replicas, one per node; the agents a Swarm service): rps and p95;
#   2. deploy → healthy and teardown per configuration, swarm runtime on
#      the lab (×2 spread over both nodes) against the docker runtime;
#   3. the controller's per-step merge cost (BenchmarkMergeStep; no lab).
# Both nodes share this machine's cores: this measures overhead, not scale.
# Root and a Docker Engine outside any swarm. Settings (environment):
# RATE=400 HOLD=10s COUNT=3 (rounds of 1 then 2 agents) DEPLOYS=3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-400}
HOLD=${HOLD:-10s}
COUNT=${COUNT:-3}
DEPLOYS=${DEPLOYS:-3}
LAB="$ROOT/scripts/swarm-lab.sh"

cd "$ROOT"
# Compile first, outside the lab's life.
go test -c -o "${TMPDIR:-/tmp}/loadlab-bench-swarm.test" ./experiments
TEST_BIN="${TMPDIR:-/tmp}/loadlab-bench-swarm.test"
AGENTS_OUT="${TMPDIR:-/tmp}/loadlab-bench-swarm.agents.txt"

echo "== 3. the controller's per-step merge cost (go test -bench MergeStep ./scenarios/agent; no lab)"
go test -run '^$' -bench MergeStep -benchmem ./scenarios/agent

down() { bash "$LAB" down || echo "bench-swarm: swarm-lab.sh down failed: run it again" >&2; rm -f "$TEST_BIN" "$AGENTS_OUT"; }
trap down EXIT
trap 'exit 130' INT TERM
start=$(date +%s.%N)
bash "$LAB" up
echo "bench-swarm: lab up in $(echo "$(date +%s.%N) - $start" | bc) s"

echo "== 1. 2 agents vs 1 agent: $RATE requests/s for $HOLD against the reference API ×2 (one per node) and against a 20–40 ms server on 10.213.0.1, $COUNT rounds of 1 then 2 agents each"
(cd experiments && LOADLAB_SWARM_LAB=1 LOADLAB_BENCH_RATE="$RATE" LOADLAB_BENCH_HOLD="$HOLD" \
	LOADLAB_BENCH_ROUNDS="$COUNT" "$TEST_BIN" -test.run '^$' -test.bench 'LabAgents' -test.benchtime 1x -test.v -test.timeout 15m) | tee "$AGENTS_OUT"
# Medians of each mode and 2 agents against 1.
for target in api fixed20-40ms; do
awk -v target="$target" '$1 ~ "^BenchmarkLabAgents/" target "/agents=" {
	sub(".*/agents=", "", $1); split($1, a, "[#-]"); n = a[1]
	for (i = 2; i < NF; i++) { if ($(i+1) == "rps") rps[n] = rps[n] " " $i; if ($(i+1) == "p95_ms") p95[n] = p95[n] " " $i }
}
function median(s,   v, k, i, j, t) { k = split(s, v, " "); for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }; return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2 }
END {
	if (!(1 in rps) || !(2 in rps)) { print "bench-swarm: no agents results"; exit 1 }
	r1 = median(rps[1]); r2 = median(rps[2]); q1 = median(p95[1]); q2 = median(p95[2])
	printf "bench-swarm: %s: ", target
	printf "median rps 1 agent %.1f (%s), 2 agents %.1f (%s): %+.2f %%\n", r1, rps[1], r2, rps[2], 100 * (r2 - r1) / r1
	printf "bench-swarm: %s: ", target
	printf "median p95 1 agent %.3f ms (%s), 2 agents %.3f ms (%s): %+.1f %%\n", q1, p95[1], q2, p95[2], 100 * (q2 - q1) / q1
}' "$AGENTS_OUT"
done

echo "== 2. deploy → healthy / teardown per configuration: swarm (lab) vs docker, ${DEPLOYS}x each"
(cd experiments && LOADLAB_SWARM_LAB=1 "$TEST_BIN" -test.run '^$' -test.bench 'LabDeploy' -test.benchtime "${DEPLOYS}x" -test.timeout 10m)
