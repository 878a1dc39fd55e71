package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
	"github.com/loadlab/loadlab/scenarios/engine"
	"github.com/loadlab/loadlab/slo"
)

// This file binds loadlab ramp's flags onto the scenario's fields, and
// says what a capacity search (--search) found.

// explicitZeros refuses an explicit 0 for the flags whose 0 would
// otherwise silently mean "the default".
func (c *rampCmd) explicitZeros(changed func(string) bool) []error {
	var errs []error
	for _, z := range []struct {
		flag, got, allowed, def string
		zero                    bool
	}{
		{"hold", c.hold.String(), "> 0", scenarios.DefaultHold.String(), c.hold == 0},
		{"timeout", c.timeout.String(), "> 0", scenarios.DefaultTimeout.String(), c.timeout == 0},
		{"spawn-rate", "0", "> 0 users/s", fmt.Sprint(scenarios.DefaultSpawnRate), c.spawnRate == 0},
		{"max-workers", "0", "> 0", fmt.Sprint(scenarios.DefaultMaxWorkers), c.maxWorkers == 0},
		{"pool", "0", "≥ 1 connection", fmt.Sprint(scenarios.DefaultPool), c.pool == 0},
	} {
		if z.zero && changed(z.flag) {
			errs = append(errs, fmt.Errorf("--%s %s: must be %s; leave --%s out to keep the scenario's value (default %s)", z.flag, z.got, z.allowed, z.flag, z.def))
		}
	}
	return errs
}

// bind builds the scenario: the file or the default, then the flags that
// were set.
func (c *rampCmd) bind(flags *pflag.FlagSet) (scenarios.Scenario, error) {
	sc := scenarios.Default()
	if c.scenario != "" {
		var err error
		if sc, err = scenarios.Load(c.scenario); err != nil {
			return sc, usagef("--scenario: %w", err)
		}
	}
	var errs []error
	if c.users != "" && c.rate != "" {
		errs = append(errs, errors.New("--users and --rate exclude each other: give one (closed loop or open loop)"))
	}
	if c.search != "" && (c.users != "" || c.rate != "") {
		errs = append(errs, errors.New("--search excludes --users and --rate: a search chooses its own loads between FROM and MAX; "+
			"give --search alone (users, or requests/s with a --scenario that says model: rate), or a ladder without --search"))
	}
	if c.users != "" {
		if err := sc.SetRange(record.ModelUsers, c.users); err != nil {
			errs = append(errs, fmt.Errorf("--users: %w", err))
		}
	}
	if c.rate != "" {
		if err := sc.SetRange(record.ModelRate, c.rate); err != nil {
			errs = append(errs, fmt.Errorf("--rate: %w", err))
		}
	}
	if c.search != "" {
		if err := sc.SetSearch(c.search); err != nil {
			errs = append(errs, fmt.Errorf("--search: %w", err))
		}
	}
	changed := flags.Changed
	errs = append(errs, c.explicitZeros(changed)...)
	if err := experiments.CheckRepeat(c.repeat); err != nil {
		errs = append(errs, fmt.Errorf("--repeat: %w", err))
	}
	if changed("allow-large") {
		sc.AllowLarge = c.allowLarge
	}
	if changed("hold") {
		sc.Ramp.Hold = c.hold
	}
	if changed("settle") {
		sc.Ramp.Settle, sc.Ramp.NoSettle = c.settle, c.settle == 0
	}
	if changed("think") {
		t, err := scenarios.ParseThink(c.think)
		if err != nil {
			errs = append(errs, fmt.Errorf("--think: %w", err))
		}
		sc.Think = t
	}
	if changed("slo") {
		if _, err := slo.Parse(c.slo); err != nil {
			errs = append(errs, fmt.Errorf("--slo: %w", err))
		}
		sc.Stop.SLO = c.slo
	}
	if changed("preset") {
		sc.Preset = c.preset
	}
	if changed("spawn-rate") {
		sc.SpawnRate = c.spawnRate
	}
	if changed("timeout") {
		sc.Timeout = c.timeout
	}
	if changed("connections") {
		sc.Connections = c.connections
	}
	if changed("arrival") {
		sc.Arrival = c.arrival
	}
	if changed("pool") {
		sc.Pool = c.pool
	}
	if changed("max-workers") {
		sc.MaxWorkers = c.maxWorkers
	}
	if changed("margin") {
		sc.Stop.Margin = c.margin
	}
	if changed("abort-error-rate") {
		sc.Stop.AbortErrorRate = c.abort
	}
	if sc.Ramp.Search != nil {
		errs = append(errs, searchExcludes(changed)...)
	}
	if changed("ca-file") && c.caFile == "" {
		errs = append(errs, errors.New("--ca-file: empty path: give a PEM file of CA certificates"))
	}
	if err := sc.SetTLS(c.caFile, c.insecure); err != nil {
		errs = append(errs, fmt.Errorf("--ca-file: %w", err))
	}
	if len(errs) > 0 {
		return sc, usagef("%w", errors.Join(errs...))
	}
	sc = sc.WithDefaults()
	if sc.Ramp.Search != nil && sc.Stop.SLO == "" { // after the defaults: preset stress brings its SLO
		return sc, usagef("a capacity search needs an SLO to judge its probes: add --slo, e.g. --slo 'p95<1s,error_rate<1%%'")
	}
	if err := sc.Validate(); err != nil {
		where := "flags"
		if c.scenario != "" {
			where = c.scenario + " with the flags"
		}
		return sc, usagef("scenario (%s): %w", where, err)
	}
	return sc, nil
}

// searchExcludes refuses the stop flags a capacity search would silently
// ignore: it never stops on --slo (it judges each probe by it), so
// --margin and --abort-error-rate mean nothing to it. --margin is not
// mapped onto the search's noise band, ramp.search.margin: a band around
// each limit in which a probe is measured again is not a tolerance beyond
// it, and the same number would mean two things.
func searchExcludes(changed func(string) bool) []error {
	var errs []error
	if changed("margin") {
		errs = append(errs, errors.New("--margin: not used by a capacity search (--search, or ramp.search in the --scenario), which never stops on its SLO but judges each probe by it; "+
			"a search's noise band (probes within that fraction of a limit are measured again, default 0.1) is ramp.search.margin "+
			"in a --scenario file: remove --margin"))
	}
	if changed("abort-error-rate") {
		errs = append(errs, errors.New("--abort-error-rate: not used by a capacity search (--search, or ramp.search in the --scenario), which does not stop on errors; "+
			"judge them with an error_rate condition in --slo (e.g. --slo 'p95<1s,error_rate<1%') and remove --abort-error-rate"))
	}
	return errs
}

// searchResult is the result of the capacity search out ran, or nil (a
// ladder, or a search that did not end).
func searchResult(out engine.Outcome) *record.SearchResult {
	if len(out.Steps) == 0 || out.Interrupted {
		return nil
	}
	if s := out.Steps[len(out.Steps)-1].Search; s != nil {
		return s.Result
	}
	return nil
}
