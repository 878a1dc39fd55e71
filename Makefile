# loadlab — the whole loop in one command.
#   make experiment   run the built-in quick experiment (Docker if it answers, else local processes)
#   make test         vet, race tests (Docker integration included), short fuzz runs
SHELL := /bin/bash
GO ?= go
BIN := bin/loadlab
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
EXPERIMENT ?= experiments/quick.yaml
RUNTIME ?= auto
OUT ?= results
FUZZTIME ?= 30000x

.PHONY: all build experiment test fuzz train image bench bench-api bench-generator bench-search report-check gate baseline soak clean

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
	$(MAKE) gate

# Short runs of every fuzz target (longer by hand: make fuzz FUZZTIME=5m).
# The default budget is a count of executions, not a duration: with a
# duration, Go 1.26's fuzz coordinator can report a spurious "context
# deadline exceeded" failure when the deadline fires while a worker is
# mid-call on a busy machine (golang/go#75804, fixed in Go 1.27); a count
# has no deadline to race.
# Each line is "package target".
FUZZ_TARGETS := ./slo:FuzzParse ./scenarios:FuzzParse ./experiments:FuzzParse ./target/refapi/server:FuzzPredictDecoder
fuzz:
	@set -e; for ft in $(FUZZ_TARGETS); do \
	  pkg=$${ft%%:*}; fn=$${ft##*:}; echo "fuzz $$fn in $$pkg ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1000x $$pkg; \
	done

train:
	$(GO) run ./cmd/loadlab train --out target/refapi/model/model.json --seed 42

image: 
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o target/refapi/loadlab ./cmd/loadlab
	docker build -t loadlab/reference-api:dev -f target/refapi/Dockerfile target/refapi

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./...
	$(MAKE) bench-api bench-generator

bench-api:
	bash scripts/bench-api.sh

bench-generator:
	bash scripts/bench-generator.sh

# A search against the brute force it replaces, with Docker: wall time and
# answer of each side (an hour or more; see the script's header).
bench-search: build
	bash scripts/bench-search.sh

# loadlab gating itself: the quick experiment, gated at its first rung
# (10 users, where every configuration uses under half of its CPU limit)
# on its SLO, and against the checked-in baseline with wide tolerances (CI
# machines are noisy: ratios and rungs, never tight absolute times). In CI
# the Docker runtime is required.
GATE_AT_USERS ?= 10
GATE_TOLERANCE ?= rps=20%,error_rate=1%,capacity=1step
gate: build
	@set -e; runtime=$(RUNTIME); if [ "$$CI" = true ]; then runtime=docker; fi; \
	./$(BIN) run experiments/quick.yaml --runtime $$runtime --out $(OUT)/gate; \
	run=$$(ls -td $(OUT)/gate/*-quick-* | head -1); \
	./$(BIN) gate "$$run" --at-users $(GATE_AT_USERS) --baseline baselines/quick.json --tolerance $(GATE_TOLERANCE)

# Re-record the baseline (on a quiet machine, with Docker).
baseline: build
	@set -e; ./$(BIN) run experiments/quick.yaml --runtime docker --out $(OUT)/baseline; \
	run=$$(ls -td $(OUT)/baseline/*-quick-* | head -1); \
	./$(BIN) baseline save "$$run" baselines/quick.json --at-users $(GATE_AT_USERS)

report-check:
	bash scripts/report-check.sh

soak:
	bash scripts/soak.sh

clean:
	rm -rf bin target/refapi/loadlab
	-./$(BIN) clean 2>/dev/null || true
