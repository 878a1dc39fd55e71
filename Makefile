# loadlab — the whole loop in one command.
#   make experiment   run the built-in quick experiment (Docker if it answers, else local processes)
#   make test         vet, race tests (Docker and a single-node Docker Swarm included: see internal/swarmtest), short fuzz runs, the self-gate check
#   make gate         did this change make the reference API slower? (the working tree's against GATE_BASE's, one A/B run)
SHELL := /bin/bash
GO ?= go
BIN := bin/loadlab
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
EXPERIMENT ?= experiments/quick.yaml
RUNTIME ?= auto
OUT ?= results
FUZZTIME ?= 30000x

.PHONY: all build experiment test fuzz train image bench bench-api bench-generator bench-agents bench-search report-check gate gate-study gate-check baseline soak clean swarm-lab-accept bench-swarm

all: build

# A static binary: the same file runs on the host, as local replicas and in the FROM-scratch image.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/loadlab

experiment: build
	./$(BIN) run $(EXPERIMENT) --runtime $(RUNTIME) --out $(OUT)

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) fuzz
	$(MAKE) gate-check

# Short runs of every fuzz target (longer by hand: make fuzz FUZZTIME=5m).
# The default budget is a count of executions, not a duration: with a
# duration, Go 1.26's fuzz coordinator can report a spurious "context
# deadline exceeded" failure when the deadline fires while a worker is
# mid-call on a busy machine (golang/go#75804, fixed in Go 1.27); a count
# has no deadline to race.
# Each line is "package target".
FUZZ_TARGETS := ./slo:FuzzParse ./scenarios:FuzzParse ./scenarios:FuzzPromptFile ./experiments:FuzzParse ./target/refapi/server:FuzzPredictDecoder ./target/refapi/server:FuzzGenDecoder ./scenarios/engine:FuzzStreamParser
fuzz:
	@set -e; for ft in $(FUZZ_TARGETS); do \
	  pkg=$${ft%%:*}; fn=$${ft##*:}; echo "fuzz $$fn in $$pkg ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1000x $$pkg; \
	done

# Both artifacts of the reference API, byte-identical for a seed: the
# lead-scoring trees and the language model behind /v1/chat/completions.
train:
	$(GO) run ./cmd/loadlab train --out target/refapi/model/model.json --lm-out target/refapi/lm/lm.bin --seed 42

image: 
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o target/refapi/loadlab ./cmd/loadlab
	docker build -t loadlab/reference-api:dev -f target/refapi/Dockerfile target/refapi

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./...
	$(MAKE) bench-api bench-generator bench-agents

bench-api:
	bash scripts/bench-api.sh

bench-generator:
	bash scripts/bench-generator.sh

# The same load from the in-process engine, 1 agent and 2 agents (merged):
# rps and p95 of each, on loopback (see the script's header).
bench-agents:
	bash scripts/bench-agents.sh

# A search against the brute force it replaces, with Docker: wall time and
# answer of each side (an hour or more; see the script's header).
bench-search: build
	bash scripts/bench-search.sh

# loadlab gating itself (scripts/gate.sh): did this change make the
# reference API slower? The API of GATE_BASE (a git ref; by default HEAD
# when the working tree's Go sources or target/refapi have changes, else
# HEAD~1) and the working
# tree's run side by side in one A/B run of experiments/gate-ab.yaml (0.1
# CPU each, driven to capacity, 10 repeats), gated with --against champion
# pair by pair at GATE_AB_TOLERANCE and GATE_ALPHA: the target's CPU time
# per request and its inverse, rps at capacity, the error rate. Both
# versions are measured in the same seconds, so a VM whose speed drifts
# moves both; a metric fails only when its change is significant and
# significantly beyond its tolerance (Wilcoxon's signed-rank test of the
# pairs). The values come from `make gate-study` (see the README's "The
# self-gate"). Docker is required.
#
# GATE_BASELINE=<baseline file or results folder> gates experiments/gate.yaml
# (7 repeats) against it instead, at GATE_TOLERANCE: the form of a baseline
# recorded once, which holds only on a machine whose speed does not drift
# (baselines/gate.json was recorded on one such VM).
GATE_TOLERANCE ?= cpu_per_request=10%,requests_per_cpu_s=10%,rps=15%,error_rate=1%
GATE_ALPHA ?= 0.05
GATE_BASELINE ?=
GATE_BASE ?=
# The A/B form's tolerance (both versions in the same seconds, compared
# pair by pair per repeat): the machine's drift cancels, so CPU per
# request is held to 5 % (from `make gate-study`).
GATE_AB_TOLERANCE ?= cpu_per_request=5%,requests_per_cpu_s=5%,rps=15%,error_rate=1%
export GATE_ALPHA
gate: build
	GATE_BASE='$(GATE_BASE)' GATE_BASELINE='$(GATE_BASELINE)' RUNTIME='$(RUNTIME)' BIN='$(BIN)' OUT='$(OUT)' GO='$(GO)' \
	GATE_TOLERANCE='$(if $(GATE_BASELINE),$(GATE_TOLERANCE),$(GATE_AB_TOLERANCE))' bash scripts/gate.sh

# Re-record baselines/gate.json (on a quiet machine, with Docker).
# baselines/quick.json stays as it is (recorded from the quick experiment
# at 10 users; see the README's CI section).
baseline: build
	@set -e; ./$(BIN) run experiments/gate.yaml --runtime docker --out $(OUT)/baseline; \
	run=$$(ls -td $(OUT)/baseline/*-gate-* | head -1); \
	./$(BIN) baseline save "$$run" baselines/gate.json

# The self-gate's power (a benchmark, ~50 minutes): a probe run that
# measures the knob's effect (to aim it at the rise), then GATE_STUDY_N (10) unmodified A/B runs
# of experiments/gate-ab.yaml (a champion and a challenger of the reference
# API side by side under one load) and as many whose challenger has
# LOADLAB_EXTRA_CPU_PER_REQUEST set so that its CPU per request rises
# ~25 %, a busy neighbour on one core in half of each set, each gated with
# `loadlab gate <run> --against champion`; prints every run and the false
# alarms and detections. GATE_STUDY_DESIGN=baseline studies the baseline
# form instead (gate.yaml against GATE_BASELINE, default baselines/gate.json).
GATE_STUDY_N ?= 10
GATE_STUDY_DESIGN ?= ab
gate-study: build
	GATE_STUDY_N=$(GATE_STUDY_N) GATE_STUDY_DESIGN=$(GATE_STUDY_DESIGN) GATE_STUDY_CALIBRATE=$(if $(filter ab,$(GATE_STUDY_DESIGN)),1,) \
	GATE_BASELINE=$(or $(GATE_BASELINE),baselines/gate.json) GATE_TOLERANCE=$(if $(filter ab,$(GATE_STUDY_DESIGN)),$(GATE_AB_TOLERANCE),$(GATE_TOLERANCE)) \
	bash scripts/gate-study.sh

# What `make test` runs instead of the whole study (~5 minutes): one
# unmodified A/B run that must pass and one whose challenger is made ~50 %
# more expensive per request (from the first run's champion), which must
# fail on cpu_per_request. Both versions run in the same seconds, so a CI
# runner's speed (which CPU model, what else runs) moves both alike; the
# 50 % (not the study's 25 %) keeps one run's verdict far from the edge.
gate-check: build
	GATE_STUDY_N=1 GATE_STUDY_CHECK=1 GATE_STUDY_RISE=50 GATE_STUDY_DESIGN=ab GATE_TOLERANCE=$(GATE_AB_TOLERANCE) bash scripts/gate-study.sh

# The real two-node swarm lab (scripts/swarm-lab.sh: a second dockerd in
# the network namespace n2 joined as a worker) brought up, checked with one
# reference API task per node answering at 10.213.0.1 and 10.213.0.2, a
# rollout experiment moving a task across the nodes (start-first, then
# stop-first), and torn down (~65 s; root, a Docker Engine outside any
# swarm). On a machine
# whose engine is shared, LAB_LOCK names the lock file held for the lab's
# whole life.
LAB_LOCK ?=
.PHONY: swarm-lab-test
swarm-lab-test:
	$(if $(LAB_LOCK),flock $(LAB_LOCK)) env LOADLAB_SWARM_LAB=1 $(GO) test -count=1 -v -run '^TestSwarmLab$$' -timeout 10m ./internal/swarmlab/

# Issue 14 §4's acceptance tests on the two-node lab (~3 minutes; root, a
# Docker Engine outside any swarm): a spread service ramped by 2 agents
# (one per node), merged percentiles against a truth server's own
# timings, a task killed on n2, an agent killed on n2, rolling updates
# (experiments/rollout.yaml, then stop-first on one replica); the lab is
# brought up and torn down by the test. LAB_LOCK as for swarm-lab-test.
swarm-lab-accept:
	$(if $(LAB_LOCK),flock $(LAB_LOCK)) env LOADLAB_SWARM_LAB=1 $(GO) test -count=1 -v -run '^TestSwarmLabAcceptance$$' -timeout 10m ./experiments/

# Issue 14's benchmark on the two-node lab, which the script brings up and
# down (~3 minutes): 2 agents against 1 at the same load, deploy → healthy
# for swarm vs docker, the controller's merge cost. LAB_LOCK as above.
bench-swarm:
	$(if $(LAB_LOCK),flock $(LAB_LOCK)) bash scripts/bench-swarm.sh

report-check:
	bash scripts/report-check.sh

soak:
	bash scripts/soak.sh

clean:
	rm -rf bin target/refapi/loadlab
	-./$(BIN) clean 2>/dev/null || true
