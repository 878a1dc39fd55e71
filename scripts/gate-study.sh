#!/usr/bin/env bash
# gate-study.sh — the power of `make gate` on this machine: how often it
# cries wolf on the unmodified reference API, and how often it catches a
# known regression, with a busy neighbour process on one core in half of
# the runs (shared CI machines are noisy too).
#
#   unmodified  experiments/gate.yaml as it is: the gate must pass (exit 0);
#               any other exit code is a false alarm.
#   knob        the same experiment with the reference API's
#               LOADLAB_EXTRA_CPU_PER_REQUEST=<X> in target.env (a copy of
#               the file with the variable added, same name "gate"):
#               every /predict burns X more CPU; a detection is exit 1 with
#               the cpu_per_request comparison failing.
#
# The runs alternate unmodified, knob, unmodified, knob…; in each set every
# second run has the neighbour (`taskset -c 0` busy loop) for its whole
# length. Each run is gated against the baseline exactly as `make gate`
# does, and one line per run is printed:
#   run  set  neighbour  exit  cpu_per_request change  verdict
# then the counts: false alarms (of N unmodified) and detections (of N).
#
# Usage: scripts/gate-study.sh, usually through `make gate-study` (N=10)
# or `make gate-check` (N=1, GATE_STUDY_CHECK=1).
# Environment:
#   GATE_TOLERANCE, GATE_ALPHA  the gate's --tolerance and --alpha (required:
#                               the Makefile owns their values)
#   GATE_STUDY_N                runs per set (default 10)
#   GATE_STUDY_EXTRA            the knob, e.g. 8us (default: derived from the
#                               baseline, see below)
#   GATE_STUDY_RISE             the rise of CPU per request the derived knob
#                               aims at, in % (default 25; make gate-check 50)
#   GATE_STUDY_CHECK=1          exit 1 unless every unmodified run passed and
#                               every knob run was detected (make gate-check)
#   GATE_BASELINE               default baselines/gate.json
#   GATE_STUDY_FRESH=1          record the baseline first, in this job: one
#                               unmodified run whose results folder is the
#                               baseline (make gate-check: CPU per request
#                               belongs to the CPU model, and a CI runner
#                               need not be the machine that recorded
#                               baselines/gate.json)
#   BIN, OUT                    default bin/loadlab, results (the study
#                               writes OUT/gate-study/<UTC time>/)
# The default knob is derived from the baseline's CPU per request C so that
# C rises by ~GATE_STUDY_RISE %: X = that share of C minus the knob's own
# cost of being on,
# GATE_STUDY_KNOB_ONCOST_US (default 3 µs: on this machine at capacity,
# 2us raised C by ~5 µs, 3us by ~5–6 µs and 5us by ~8 µs — the thread lock
# and the CPU clock's system calls cost a few µs of their own), at least
# 1 µs.
# Docker is required. Ctrl-C (or the script's end) stops the neighbour
# and the run in progress, which tears its containers down; any left are
# removed by `loadlab clean --run <its run ID>`.
set -uo pipefail

cd "$(dirname "$0")/.."
BIN=${BIN:-bin/loadlab}
N=${GATE_STUDY_N:-10}
BASELINE=${GATE_BASELINE:-baselines/gate.json}
EXPERIMENT=experiments/gate.yaml
: "${GATE_TOLERANCE:?set GATE_TOLERANCE and GATE_ALPHA, or run make gate-study}"
: "${GATE_ALPHA:?set GATE_TOLERANCE and GATE_ALPHA, or run make gate-study}"

die() { echo "gate-study: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "$BIN is missing: run make build"
[ "${GATE_STUDY_FRESH:-}" = 1 ] || [ -f "$BASELINE" ] || die "$BASELINE is missing: record it with make baseline"
docker info >/dev/null 2>&1 || die "Docker does not answer: the study needs the docker runtime"
case $N in '' | *[!0-9]* | 0) die "GATE_STUDY_N=$N: want a number of runs ≥ 1" ;; esac

neighbour= # PID of the busy loop, while one runs
child=     # PID of the loadlab run in progress
current=   # its --out folder

stop_neighbour() {
	if [ -n "$neighbour" ]; then
		kill "$neighbour" 2>/dev/null
		wait "$neighbour" 2>/dev/null
		neighbour=
	fi
}

cleanup() {
	stop_neighbour
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null # loadlab tears its containers down
		wait "$child" 2>/dev/null
	fi
	child=
	if [ -n "$current" ]; then
		for d in "$current"/*/; do
			[ -d "$d" ] && "$BIN" clean --run "$(basename "$d")" >/dev/null 2>&1
		done
	fi
}
trap cleanup EXIT
trap 'echo "gate-study: interrupted" >&2; exit 130' INT TERM

STUDY=${OUT:-results}/gate-study/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$STUDY" || die "cannot create $STUDY"

# The knob: GATE_STUDY_EXTRA, else derived from the baseline (see above).
if [ "${GATE_STUDY_FRESH:-}" = 1 ]; then
	echo "gate-study: recording a fresh baseline (one unmodified run) into $STUDY/baseline"
	current=$STUDY/baseline
	"$BIN" run "$EXPERIMENT" --runtime docker --out "$current" >"$current.run.log" 2>&1 &
	child=$!
	wait "$child" || die "the baseline run failed: see $current.run.log"
	child= current=
	BASELINE=$(ls -td "$STUDY"/baseline/*/ | head -1)
	# Its median CPU per request over the repeats, in µs.
	base_us=$(jq -s '[.[] | .target.cpu_per_request_ms // empty] | sort | .[length / 2 | floor] * 1000' "$BASELINE/steps.jsonl") ||
		die "cannot read cpu_per_request from $BASELINE/steps.jsonl"
else
	base_us=$(jq -r '[.configs[].metrics.cpu_per_request] | first * 1000' "$BASELINE") ||
		die "cannot read cpu_per_request from $BASELINE"
fi
RISE=${GATE_STUDY_RISE:-25}
EXTRA=${GATE_STUDY_EXTRA:-$(awk -v c="$base_us" -v r="$RISE" -v on="${GATE_STUDY_KNOB_ONCOST_US:-3}" \
	'BEGIN { x = int(r / 100 * c - on + 0.5); if (x < 1) x = 1; print x "us" }')}

# The knob's experiment: gate.yaml with the fixture's variable added to
# its target.env (and public_env), same name "gate".
KNOB=$STUDY/gate-knob.yaml
grep -q '^  env: {GOMAXPROCS: "1"}$' "$EXPERIMENT" && grep -q '^  public_env: \[GOMAXPROCS\]$' "$EXPERIMENT" ||
	die "$EXPERIMENT: its target.env/public_env lines changed: update the knob's sed below"
sed -e "s/^  env: {GOMAXPROCS: \"1\"}\$/  env: {GOMAXPROCS: \"1\", LOADLAB_EXTRA_CPU_PER_REQUEST: $EXTRA}/" \
	-e 's/^  public_env: \[GOMAXPROCS\]$/  public_env: [GOMAXPROCS, LOADLAB_EXTRA_CPU_PER_REQUEST]/' \
	"$EXPERIMENT" >"$KNOB"

# run_one SET I FILE NEIGHBOUR: runs FILE into STUDY/SET-I, gates it, and
# prints the table line; sets RC and CHANGE, CPU_FAILED.
run_one() {
	local set=$1 i=$2 file=$3 nb=$4 run
	current=$STUDY/$set-$i
	if [ "$nb" = yes ]; then
		taskset -c 0 sh -c 'while :; do :; done' &
		neighbour=$!
	fi
	"$BIN" run "$file" --runtime docker --out "$current" >"$current.run.log" 2>&1 &
	child=$!
	wait "$child"
	RC=$?
	child=
	stop_neighbour
	CHANGE=- CPU_FAILED=no
	run=$(ls -td "$current"/*/ 2>/dev/null | head -1)
	if [ "$RC" -eq 0 ] && [ -n "$run" ]; then
		"$BIN" gate "$run" --baseline "$BASELINE" --tolerance "$GATE_TOLERANCE" \
			--alpha "$GATE_ALPHA" >"$current.gate.txt" 2>&1
		RC=$?
		CHANGE=$(awk -F'│' '/cpu_per_request vs baseline/ { gsub(/^ +| +$/, "", $6); print $6; exit }' "$current.gate.txt")
		grep -q 'cpu_per_request vs baseline.*FAIL' "$current.gate.txt" && CPU_FAILED=yes
	else
		RC=$((RC == 0 ? 2 : RC)) # the run itself failed: not a gate verdict
		echo "run failed, see $current.run.log" >"$current.gate.txt"
	fi
	current=
}

echo "gate-study: $N unmodified + $N knob runs (LOADLAB_EXTRA_CPU_PER_REQUEST=$EXTRA; baseline $BASELINE, cpu_per_request $(printf '%.1f' "$base_us")µs)"
echo "gate-study: gate --tolerance $GATE_TOLERANCE --alpha $GATE_ALPHA; results in $STUDY"
printf '%-4s %-11s %-9s %-4s %-36s %s\n' run set neighbour exit "cpu_per_request change" verdict | tee "$STUDY/table.txt"
false_alarms=0 detections=0 other=0 errors=0
for i in $(seq 1 "$N"); do
	nb=no
	[ $((i % 2)) -eq 0 ] && nb=yes
	for set in unmodified knob; do
		file=$EXPERIMENT
		[ "$set" = knob ] && file=$KNOB
		run_one "$set" "$i" "$file" "$nb"
		case $set:$RC in
		unmodified:0) verdict=pass ;;
		unmodified:1) verdict="FALSE ALARM" false_alarms=$((false_alarms + 1)) ;;
		knob:1)
			if [ "$CPU_FAILED" = yes ]; then
				verdict=detected detections=$((detections + 1))
			else
				verdict="failed, not on cpu_per_request" other=$((other + 1))
			fi
			;;
		knob:0) verdict=MISSED ;;
		*) verdict="error (exit $RC, see $STUDY/$set-$i.gate.txt)" errors=$((errors + 1)) ;;
		esac
		printf '%-4s %-11s %-9s %-4s %-36s %s\n' "$i" "$set" "$nb" "$RC" "${CHANGE:--}" "$verdict" | tee -a "$STUDY/table.txt"
	done
done
{
	echo "false alarms: $false_alarms of $N unmodified runs"
	echo "detections:   $detections of $N knob runs (LOADLAB_EXTRA_CPU_PER_REQUEST=$EXTRA) failed on cpu_per_request"
	[ "$other" -gt 0 ] && echo "              $other more failed (exit 1) on another metric only"
	[ "$errors" -gt 0 ] && echo "errors:       $errors runs could not be gated"
} | tee -a "$STUDY/table.txt"

if [ "${GATE_STUDY_CHECK:-}" = 1 ] && { [ "$false_alarms" -gt 0 ] || [ "$detections" -lt "$N" ] || [ "$errors" -gt 0 ]; }; then
	echo "gate-check: FAIL — the self-gate did not pass the unmodified API and fail the regressed one (see $STUDY)" >&2
	exit 1
fi
exit 0
