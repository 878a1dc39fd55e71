#!/usr/bin/env bash
# bench-search.sh — a search against the brute force it replaces, on this
# machine, with the docker runtime: wall time and answer of each side.
#
#   capacity   scripts/bench-search/capacity-ladder.yaml (the workshop ladder on
#              one configuration) vs capacity-search.yaml (ramp.search, same
#              question, hold and resolution)
#   limits     experiments/workshop-search.yaml (bisection) vs the same file
#              with search.strategy: grid (every CPU value; GRID_REPLICAS and
#              GRID_MAX narrow the grid, see below)
#
# Usage: scripts/bench-search.sh [capacity|limits|all] (default all).
# Environment: BIN (bin/loadlab, built when missing), OUT (results/bench-search),
# CAP_CPUS (the capacity benchmark's CPU limit, default 0.2 as in its files),
# GRID_REPLICAS (the replica counts the grid runs, default "1"), GRID_MAX
# (the grid's largest CPU, default: the search's). Each side prints one line:
#   <side> <wall seconds> <answer>
# and leaves its results folder under OUT for `loadlab report`.
# It takes long: ~10 minutes for capacity, the grid ~1 minute per CPU value.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${BIN:-bin/loadlab}
OUT=${OUT:-results/bench-search}
WHAT=${1:-all}
[ -x "$BIN" ] || make build >/dev/null
mkdir -p "$OUT"

# side NAME FILE: runs FILE, prints NAME, its wall time and the answer from
# summary.json.
side() {
	local name=$1 file=$2 t0 t1 run
	t0=$(date +%s.%N)
	"$BIN" run "$file" --runtime docker --out "$OUT/$name" >"$OUT/$name.log" 2>&1 || true
	t1=$(date +%s.%N)
	run=$(ls -td "$OUT/$name"/*/ | head -1)
	printf '%-16s %8.1f s  %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$(answer "$run")"
}

# answer RUN: the capacity per configuration, or the search's minimal
# CPUs per replica count, from the run's summary.json.
answer() {
	python3 - "$1/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
out = []
for r in ((s.get("search") or {}).get("limits") or {}).get("replicas") or []:
    out.append(f'x{r.get("replicas")}: min {r.get("minimal_cpus")} CPU (fails {r.get("fail_cpus_below")}), {r.get("trials")} trials')
for c in (s.get("search") or {}).get("capacity") or []:
    out.append(f'{c.get("config")}: capacity {c.get("capacity")} (first fail {c.get("first_fail")}), {c.get("probes")} probes')
if not out:
    for c in s.get("configs") or []:
        out.append(f'{c.get("name")}: capacity {c.get("capacity")}')
print("; ".join(out))
PY
}

if [ "$WHAT" = capacity ] || [ "$WHAT" = all ]; then
	for f in capacity-ladder capacity-search; do
		sed "s/cpus: 0.2,/cpus: ${CAP_CPUS:-0.2},/" "scripts/bench-search/$f.yaml" >"$OUT/$f.yaml"
		side "$f" "$OUT/$f.yaml"
	done
fi
if [ "$WHAT" = limits ] || [ "$WHAT" = all ]; then
	grid="$OUT/workshop-grid.yaml"
	python3 - experiments/workshop-search.yaml "$grid" "${GRID_REPLICAS:-1}" "${GRID_MAX:-}" <<'PY'
import sys, re
src, dst, reps, gmax = sys.argv[1:5]
text = open(src).read()
text = re.sub(r'(?m)^name:.*$', 'name: workshop-grid', text)
text = re.sub(r'(?m)^(\s*)replicas:.*$', lambda m: m.group(1) + 'replicas: [' + reps + ']', text, count=1)
text = re.sub(r'(?m)^search:\s*$', 'search:\n  strategy: grid', text, count=1)
if gmax:
    text = re.sub(r'max: *[0-9.]+', 'max: ' + gmax, text, count=1)
open(dst, 'w').write(text)
PY
	side limits-search experiments/workshop-search.yaml
	side limits-grid "$grid"
fi
