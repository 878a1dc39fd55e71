package engine

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// Generator saturation thresholds.
const (
	// SaturatedCPU is the fraction of the generator's available CPU above
	// which a step is flagged as saturated.
	SaturatedCPU = 0.85
	// LagLimit is the p95 open-loop send lag above which a step is flagged.
	LagLimit = 10 * time.Millisecond
)

// progressEvery is the period of Progress calls.
const progressEvery = time.Second

// enrichTimeout bounds Enrich after an interrupt.
const enrichTimeout = 5 * time.Second

// controller runs the steps its planner decides, one after another: it
// moves the load to each step's level, waits out the settle time,
// measures the window (extending it for stability when asked), builds the
// record, lets the hooks enrich it, asks the planner for the next step
// (which may annotate the record), emits it, and applies the stop
// conditions (a search's planner alone ends its ramp).
type controller struct {
	cfg     config
	planner scenarios.Planner
	planned []scenarios.Step // the planner's steps when known in advance
	first   scenarios.Step   // the first step, already planned and checked
	opt     Options
	col     *collector
	set     *connSet
	drv     driver

	began    time.Time
	nextTick time.Time
	cur      int       // index of the running step
	stepEnd  time.Time // planned end of the running step
	rssMax   int64     // peak RSS sampled in the open window
	inWindow bool
}

func (c *controller) run(ctx context.Context) (Outcome, error) {
	var out Outcome
	c.began = time.Now()
	c.nextTick = c.began.Add(progressEvery)
	searching := c.planner.Len() == 0
	var history []record.Record
	for st := c.first; ; {
		c.cur = len(history)
		rec, interrupted := c.measure(ctx, st)
		if st.Search != nil {
			s := *st.Search
			rec.Search = &s
		}
		if interrupted {
			c.drv.stop(stopGrace)
			rec.Partial = true
			rec.StopReason = StopInterrupted
		}
		ectx := ctx
		if interrupted {
			var cancel context.CancelFunc
			ectx, cancel = context.WithTimeout(context.WithoutCancel(ctx), enrichTimeout)
			defer cancel()
		}
		if c.opt.Hooks.Enrich != nil {
			c.opt.Hooks.Enrich(ectx, &rec)
		}
		c.cfg.judge(&rec)
		var next scenarios.Step
		more := false
		if !interrupted {
			if !rec.Partial && !searching {
				rec.StopReason = c.stopReason(rec)
			}
			done := append(history, rec)
			next, more = c.planner.Next(done)
			rec = done[len(done)-1]
			if searching && !more && rec.StopReason == "" {
				rec.StopReason = searchDone(rec, len(done))
			}
		}
		if c.opt.Hooks.Emit != nil {
			if err := c.opt.Hooks.Emit(rec); err != nil {
				return out, fmt.Errorf("emit step %d: %w", st.Index, err)
			}
		}
		out.Steps = append(out.Steps, rec)
		history = append(history, rec)
		c.progressDone(st, rec, more)
		if interrupted {
			out.StopReason, out.Interrupted = StopInterrupted, true
			return out, fmt.Errorf("ramp interrupted during step %d: %w", st.Index, ctx.Err())
		}
		if rec.StopReason != "" {
			out.StopReason = rec.StopReason
			break
		}
		if !more {
			break
		}
		if err := c.cfg.checkStep(next); err != nil {
			return out, fmt.Errorf("planned %w", err)
		}
		st = next
	}
	return out, nil
}

// measure runs one step and returns its measured record (no verdict) and
// whether ctx was cancelled during it.
func (c *controller) measure(ctx context.Context, st scenarios.Step) (record.Record, bool) {
	rec := record.Record{
		Run:    c.opt.Template.Run,
		Repeat: c.opt.Template.Repeat,
		Config: c.opt.Template.Config,
		Step:   st.Index,
		Load:   c.load(st),
	}
	start := time.Now()
	rec.StartedAt = start.UTC()
	c.stepEnd = start.Add(st.Hold)
	c.col.setAttack(fmt.Sprintf("step %d", st.Index))
	c.col.timeline().setStep(st)
	c.drv.begin(st)

	interrupted := c.sleepUntil(ctx, start.Add(st.Settle), st)
	var w *window
	var wStart time.Time
	var cpu0 time.Duration
	if !interrupted {
		subLen := time.Duration(0)
		if c.cfg.stability.Enabled {
			subLen = c.cfg.stability.Window
		}
		wStart = time.Now()
		w = newWindow(wStart, c.cfg.openLoop, subLen)
		w.stream.goodput = c.cfg.goodput
		c.rssMax = 0
		c.inWindow = true
		cpu0 = cpuTime()
		c.col.open(w)
		if c.opt.Hooks.WindowStart != nil {
			c.opt.Hooks.WindowStart(ctx, st)
		}
		interrupted = c.sleepUntil(ctx, c.stepEnd, st)
		if !interrupted && c.cfg.stability.Enabled {
			var stableNow bool
			stableNow, interrupted = c.extend(ctx, st, start, w)
			rec.Stable = &stableNow
		}
	}
	c.drv.endWindow()
	var fl flightTally
	var why string
	var wEnd time.Time
	// The window ends when it stops taking results. Claim and close in one
	// step under the collector's lock: a request is either measured before
	// the close or seen in flight by the claim (and, when claimed, skipped
	// when its result arrives), never lost between the two.
	c.col.close(func() {
		wEnd = time.Now()
		if w == nil {
			return
		}
		var age time.Duration
		age, why = claimAge(wEnd.Sub(wStart), c.cfg.latencyBound, c.cfg.timeout)
		slow := wEnd // no latency bound: no request is slow
		if b := c.cfg.latencyBound; b > 0 {
			slow = wEnd.Add(-b)
		}
		fl = c.drv.inFlight(wEnd.Add(-age), slow, wEnd)
	})
	c.inWindow = false
	rec.OpenConnections = c.set.count()
	if w == nil {
		return rec, interrupted
	}
	cpu := cpuTime() - cpu0
	w.addInFlight(fl, why, c.cfg.timeout)
	rec.InFlight = fl.inFlight
	if err := w.fill(&rec, wEnd, c.opt.Histograms); err != nil {
		rec.Generator.Warning = err.Error()
	}
	c.generator(&rec, cpu, wEnd.Sub(wStart))
	return rec, interrupted
}

// extend prolongs the step by stability windows until the last ones agree
// or the step reaches MaxHold; it reports stability and interruption.
func (c *controller) extend(ctx context.Context, st scenarios.Step, start time.Time, w *window) (bool, bool) {
	s := c.cfg.stability
	maxEnd := start.Add(max(s.MaxHold, st.Hold))
	for {
		var rps, p95 []float64
		now := time.Now()
		c.col.with(func(*window) { rps, p95 = w.completeSubs(now) })
		if stable(rps, p95, s.Windows, s.Tolerance) {
			return true, false
		}
		if !c.stepEnd.Before(maxEnd) {
			return false, false
		}
		// Wait for the next stability window to complete.
		next := w.start.Add(time.Duration(len(rps)+1) * s.Window)
		if next.After(maxEnd) {
			next = maxEnd
		}
		c.stepEnd = next
		if c.sleepUntil(ctx, next, st) {
			return false, true
		}
	}
}

// load is the offered load of a step.
func (c *controller) load(st scenarios.Step) record.Load { return c.cfg.load(st) }

// load is the offered load of a step.
func (c config) load(st scenarios.Step) record.Load {
	l := record.Load{Connections: c.connections}
	if c.openLoop {
		l.Model = record.ModelRate
		l.Rate = st.Rate
		l.Arrival = c.arrival
		return l
	}
	l.Model = record.ModelUsers
	l.Users = st.Users
	l.ThinkMinS = c.think.Min.Seconds()
	l.ThinkMaxS = c.think.Max.Seconds()
	return l
}

// generator fills rec.Generator from the window's CPU time and wall time
// and flags saturation.
func (c *controller) generator(rec *record.Record, cpu, wall time.Duration) {
	g := &rec.Generator
	g.CPUAvailablePct = 100 * float64(runtime.GOMAXPROCS(0))
	if wall > 0 {
		g.CPUPct = 100 * cpu.Seconds() / wall.Seconds()
	}
	g.RSSBytes = max(c.rssMax, rssBytes())
	var warn []string
	if g.Warning != "" {
		warn = append(warn, g.Warning)
	}
	if g.CPUPct > SaturatedCPU*g.CPUAvailablePct {
		g.Saturated = true
		warn = append(warn, fmt.Sprintf("generator CPU %.0f%% of %.0f%% available (over %.0f%%): the generator, not the API, may be the bottleneck",
			g.CPUPct, g.CPUAvailablePct, SaturatedCPU*100))
	}
	if c.cfg.openLoop {
		if g.LagMs > float64(LagLimit)/float64(time.Millisecond) {
			g.Saturated = true
			warn = append(warn, fmt.Sprintf("open-loop sends lagged the schedule (p95 %.1f ms > %s)", g.LagMs, LagLimit))
		}
		if rec.Dropped > 0 {
			g.Saturated = true
			warn = append(warn, fmt.Sprintf("%d requests dropped: not sent within %s of schedule (max_workers %d in flight)",
				rec.Dropped, DropAfter, c.cfg.maxWorkers))
		}
	}
	g.Warning = strings.Join(warn, "; ")
}

// judge sets rec's SLO verdict: the verdict SLO's, failed with a
// breach of its own when no response arrived.
func (c config) judge(rec *record.Record) {
	rec.SLO = c.verdict.Evaluate(*rec)
	if rec.Latency == nil {
		rec.SLO.Pass = false
		rec.SLO.Breaches = append(rec.SLO.Breaches, noAnswers(*rec))
	}
}

// stopReason applies the stop conditions to a finished step; a step in
// which no response arrived always stops the ramp.
func (c *controller) stopReason(rec record.Record) string { return c.cfg.stopReason(rec) }

// stopReason applies the stop conditions to a finished step (see
// controller.stopReason).
func (c config) stopReason(rec record.Record) string {
	if c.abortRate > 0 && rec.ErrorRate > c.abortRate {
		return fmt.Sprintf("error rate %.2f%% exceeds abort_error_rate %.2f%%", rec.ErrorRate*100, c.abortRate*100)
	}
	if len(c.stopSLO) > 0 {
		v := c.stopSLO.EvaluateWithin(rec, c.margin)
		if !v.Pass {
			reason := "slo breached: " + strings.Join(v.Breaches, ", ")
			if c.margin > 0 {
				reason += fmt.Sprintf(" (beyond the %.0f%% margin)", c.margin*100)
			}
			return reason
		}
	}
	if rec.Latency == nil && rec.WindowS > 0 {
		return noAnswers(rec)
	}
	return ""
}

// noAnswers explains a step in which no response arrived.
func noAnswers(rec record.Record) string {
	return fmt.Sprintf("no response completed in the measurement window (%d requests in flight at its end)", rec.InFlight)
}

// sleepUntil waits until t, reporting progress every second and sampling
// RSS while a window is open; it returns true when ctx was cancelled.
func (c *controller) sleepUntil(ctx context.Context, t time.Time, st scenarios.Step) bool {
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()
	for {
		now := time.Now()
		if !now.Before(t) {
			return false
		}
		if !now.Before(c.nextTick) {
			c.tick(now, st)
			c.nextTick = now.Add(progressEvery)
		}
		wait := t.Sub(now)
		if d := c.nextTick.Sub(now); d < wait {
			wait = d
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return true
		case <-timer.C:
		}
	}
}

// tick samples RSS and reports live progress.
func (c *controller) tick(now time.Time, st scenarios.Step) {
	if c.inWindow {
		c.rssMax = max(c.rssMax, rssBytes())
	}
	rps, errRate, p95 := c.col.snapshot(now)
	if c.opt.Progress == nil {
		return
	}
	c.opt.Progress(Progress{
		Step: c.cur + 1, Steps: c.planner.Len(),
		Users: c.drv.users(), Rate: st.Rate,
		Elapsed: now.Sub(c.began), Remaining: c.remaining(now),
		RPS: rps, ErrorRate: errRate, P95: p95,
	})
}

// remaining is the planned time left: the rest of the running step plus
// the holds of the steps planned after it (none when they are not known
// in advance).
func (c *controller) remaining(now time.Time) time.Duration {
	d := max(c.stepEnd.Sub(now), 0)
	if c.cur+1 < len(c.planned) {
		for _, st := range c.planned[c.cur+1:] {
			d += st.Hold
		}
	}
	return d
}

// progressDone reports the end of a step with its window's figures; more
// says whether the planner has a step after it.
func (c *controller) progressDone(st scenarios.Step, rec record.Record, more bool) {
	if c.opt.Progress == nil {
		return
	}
	now := time.Now()
	rem := c.remaining(now)
	if rec.StopReason != "" || !more {
		rem = 0
	}
	pr := StepDone(rec)
	pr.Step, pr.Steps = c.cur+1, c.planner.Len()
	pr.Users, pr.Rate = st.Users, st.Rate
	pr.Elapsed, pr.Remaining = now.Sub(c.began), rem
	c.opt.Progress(pr)
}
