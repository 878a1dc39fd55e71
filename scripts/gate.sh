#!/usr/bin/env bash
# gate.sh — `make gate`: did this change make the reference API slower?
#
# The reference API of GATE_BASE (a git ref) and that of the working tree
# run side by side in one A/B run of experiments/gate-ab.yaml (the API at
# 0.1 CPU driven to its capacity, 20 + 20 users, 10 repeats): the base as
# the champion, the working tree as the challenger, both built the same
# way (a static binary in the FROM-scratch reference image). The run is
# gated with `loadlab gate <run> --against champion`, each repeat's two
# versions compared pair by pair, at GATE_TOLERANCE and GATE_ALPHA. Both
# versions are measured in the same seconds on the same machine, so a
# machine whose speed drifts (by 20–30 % within half an hour on the VMs
# measured: README, "The self-gate") moves both alike, where a baseline
# recorded once, on another day or runner, does not hold.
#
# GATE_BASE: any git ref; by default HEAD when the working tree has
# changes (modified or untracked files: gate your change), else HEAD~1
# (gate the last commit: in CI on a pull request's merge commit, the
# target branch); only changes to what goes into the API's image count
# (Go sources, go.mod/go.sum, target/refapi). The two images
# (loadlab/reference-api:gate-base-<commit>-<pid>, :gate-head-<pid>) are
# this invocation's and are removed at the end; the run is in
# OUT/gate-ab/<UTC time>-<pid>/.
# GATE_BASELINE (a baseline file such as baselines/gate.json, or a results
# folder) gates experiments/gate.yaml against it instead: the form that
# holds only on a machine whose speed does not drift.
#
# Exit codes are the gate's: 0 pass, 1 a regression, 2 bad input or a run
# that failed, 3 untrustworthy data. Docker is required for the A/B form.
# Environment: GATE_TOLERANCE, GATE_ALPHA (required: the Makefile owns
# their values), GATE_BASE, GATE_BASELINE, RUNTIME (baseline form only),
# BIN (bin/loadlab), OUT (results), GO (go).
set -uo pipefail

cd "$(dirname "$0")/.."
BIN=${BIN:-bin/loadlab}
OUT=${OUT:-results}
GO=${GO:-go}
: "${GATE_TOLERANCE:?set GATE_TOLERANCE and GATE_ALPHA, or run make gate}"
: "${GATE_ALPHA:?set GATE_TOLERANCE and GATE_ALPHA, or run make gate}"

die() { echo "gate: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "$BIN is missing: run make build"

# only_run DIR: the one run folder `loadlab run --out DIR` made.
only_run() {
	local runs=("$1"/*/)
	[ ${#runs[@]} -eq 1 ] && [ -d "${runs[0]}" ] || die "no run folder in $1"
	echo "${runs[0]}"
}

# The baseline form.
if [ -n "${GATE_BASELINE:-}" ]; then
	runtime=${RUNTIME:-auto}
	[ "${CI:-}" = true ] && runtime=docker
	out=$OUT/gate/$(date -u +%Y%m%dT%H%M%SZ)-$$
	echo "gate: experiments/gate.yaml against the baseline $GATE_BASELINE (GATE_BASELINE), tolerance $GATE_TOLERANCE, α $GATE_ALPHA"
	"$BIN" run experiments/gate.yaml --runtime "$runtime" --out "$out" || die "the gate run failed (see above)"
	run=$(only_run "$out") || exit 2
	exec "$BIN" gate "$run" --baseline "$GATE_BASELINE" --tolerance "$GATE_TOLERANCE" --alpha "$GATE_ALPHA"
fi

docker info >/dev/null 2>&1 || die "Docker does not answer: make gate runs the base's and the working tree's images side by side (GATE_BASELINE=baselines/gate.json gates against a recorded baseline instead)"
git rev-parse --git-dir >/dev/null || die "git cannot read this checkout (above): make gate compares the working tree with a git ref (GATE_BASE); GATE_BASELINE=baselines/gate.json gates against a recorded baseline instead"
# What goes into the reference API's image: the Go sources and the
# reference API's files (its model, its Dockerfile).
api_paths=('*.go' go.mod go.sum target/refapi)
api_changes=$(git status --porcelain --untracked-files=normal -- "${api_paths[@]}")
base=${GATE_BASE:-}
if [ -z "$base" ]; then
	base=HEAD~1
	[ -n "$api_changes" ] && base=HEAD
fi
sha=$(git rev-parse --verify --quiet "$base^{commit}") ||
	die "GATE_BASE=$base is not a commit of this repository (in a shallow clone, fetch its history first: git fetch --deepen 1)"
short=${sha:0:12}
if [ -z "$api_changes" ] && git diff --quiet "$sha" -- "${api_paths[@]}"; then
	echo "gate: note: the working tree's Go sources and reference API files are those of $base ($short): the gate compares the same code"
fi
grep -q '^    env: {LOADLAB_AB: challenger}$' experiments/gate-ab.yaml && grep -q '^target:$' experiments/gate-ab.yaml ||
	die "experiments/gate-ab.yaml: its target: or challenger env line changed: update scripts/gate.sh"

# Tags of this invocation only: another make gate on the same engine has
# its own, and a user's images are never touched.
base_tag=loadlab/reference-api:gate-base-$short-$$
head_tag=loadlab/reference-api:gate-head-$$
work=$(mktemp -d) || die "cannot create a temporary folder"
trap 'rm -rf "$work"; docker image rm -f "$base_tag" "$head_tag" >/dev/null 2>&1' EXIT

# image TAG TREE: the reference image of the source tree TREE (a static
# binary in TREE's own target/refapi/Dockerfile), tagged TAG, without the
# Dockerfile's HEALTHCHECK: loadlab polls /health itself, and the check
# would run a second process in the container every 5 s, ~45 ms of CPU
# charged to a 0.1-CPU API (the docker runtime turns it off for the
# reference image it builds; these are images to it).
image() {
	local ctx=$work/ctx-$3
	[ -f "$2/target/refapi/Dockerfile" ] || { echo "gate: $2 has no target/refapi/Dockerfile" >&2; return 1; }
	mkdir -p "$ctx" && (cd "$2" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags '-s -w' -o "$ctx/loadlab" ./cmd/loadlab) &&
		{ cat "$2/target/refapi/Dockerfile" && echo 'HEALTHCHECK NONE'; } >"$ctx/Dockerfile" &&
		docker build -q -t "$1" "$ctx" >/dev/null
}

echo "gate: building the reference API of $base ($short) and of the working tree"
mkdir -p "$work/base" && git archive "$sha" | tar -x -C "$work/base" || die "cannot extract $base"
image "$base_tag" "$work/base" base || die "cannot build the reference API image of $base ($short): choose another GATE_BASE"
image "$head_tag" . head || die "cannot build the reference API image of the working tree"

exp=$work/gate-ab-vs-$short.yaml
awk -v base="$base_tag" -v head="$head_tag" '
	$0 == "    env: {LOADLAB_AB: challenger}" { print "    image: " head; next }
	{ print }
	$0 == "target:" { print "  image: " base }
' experiments/gate-ab.yaml >"$exp" || die "cannot write $exp"
out=$OUT/gate-ab/$(date -u +%Y%m%dT%H%M%SZ)-$$
echo "gate: the reference API of $base ($short) as the champion, the working tree's as the challenger; tolerance $GATE_TOLERANCE, α $GATE_ALPHA"
"$BIN" run "$exp" --runtime docker --out "$out" || die "the gate run failed (see above)"
run=$(only_run "$out") || exit 2
"$BIN" gate "$run" --against champion --tolerance "$GATE_TOLERANCE" --alpha "$GATE_ALPHA"
