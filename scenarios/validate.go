package scenarios

import (
	"github.com/loadlab/loadlab/internal/yamlfile"

	"math"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/slo"
)

// Limits enforced by Validate.
const (
	MaxSteps = 1000 // steps in one ramp
	MaxBatch = 1000 // bodies in one batched request
)

// Validate checks the scenario as it will run, that is after WithDefaults,
// and returns every problem joined (errors.Join), each a *FieldError naming
// the field and what is allowed. Relative body_file, targets_file and
// tls.ca_file paths resolve against s.Dir; body and targets files are read
// and checked whole (a bad body or target is named by file:line), a body
// file only once per parsed scenario (see Parse). Values beyond the sanity
// bounds are refused (see MaxUsers and allow_large).
func (s Scenario) Validate() error {
	return s.problems().Join()
}

// ValidateSteps is Validate for a scenario whose steps come from another
// planner (engine.Options.Planner: a limit search's trial), which may
// leave the ramp without levels: only a missing ramp is not a problem.
func (s Scenario) ValidateSteps() error {
	var p problems
	for _, e := range s.problems() {
		if !(e.Missing && e.Field == "ramp") {
			p = append(p, e)
		}
	}
	return p.Join()
}

// problems lists every problem of s with its defaults.
func (s Scenario) problems() problems {
	var p problems
	d := s.WithDefaults()
	if !isPreset(s.Preset) {
		p.Add("preset", "unknown preset %q (allowed: %s)", s.Preset, presetList())
	}
	if d.Model != record.ModelUsers && d.Model != record.ModelRate {
		p.Add("model", "unknown model %q (allowed: users (closed loop with think time), rate (open loop, requests/s))", d.Model)
	}
	if err := CheckArrival(d.Arrival); err != nil {
		p.Add("arrival", "%v", err)
	} else if d.Arrival != "" && d.Model != record.ModelRate {
		p.Add("arrival", "only used with model: rate (got arrival %s with model: %s)", d.Arrival, d.Model)
	}
	if s.Preset == "spike" && s.Ramp.By != 0 && len(s.Ramp.Steps) == 0 {
		p.Add("ramp.by", "preset spike has no step size (got %s): set ramp.from (baseline) and ramp.to (peak), or ramp.steps", num(s.Ramp.By))
	}
	rampOK := d.checkRamp(&p)
	d.checkThink(&p)
	if !(d.SpawnRate > 0) || math.IsInf(d.SpawnRate, 0) {
		p.Add("spawn_rate", "must be > 0 users/s (got %s)", num(d.SpawnRate))
	} else if rampOK && d.Model == record.ModelUsers {
		d.checkSpawn(&p)
	}
	switch d.Connections {
	case ConnPerUser:
		if d.Pool != 0 {
			p.Add("pool", "only used with connections: shared (got pool %d with connections: per_user)", d.Pool)
		}
	case ConnShared:
		if d.Pool < 1 {
			p.Add("pool", "must be ≥ 1 connection (got %d)", d.Pool)
		}
	default:
		p.Add("connections", "unknown mode %q (allowed: per_user (one keep-alive connection per user), shared (a pool of `pool` connections))", d.Connections)
	}
	if d.Timeout <= 0 {
		p.Add("timeout", "must be > 0 (got %s)", d.Timeout)
	}
	if d.MaxWorkers <= 0 {
		p.Add("max_workers", "must be > 0 (got %d)", d.MaxWorkers)
	}
	d.checkStability(&p)
	d.checkBounds(&p, rampOK)
	d.checkStop(&p)
	d.checkSource(&p, d.Dir)
	d.checkTLS(&p, d.Dir)
	return p
}

func num(v float64) string { return formatNum(v) }

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// checkLevel checks one load level; ok when valid.
func (s Scenario) checkLevel(p *problems, field string, v float64) bool {
	switch {
	case !finite(v):
		p.Add(field, "must be a finite number (got %s)", num(v))
	case s.Model == record.ModelRate && v <= 0:
		p.Add(field, "must be > 0 requests/s (got %s)", num(v))
	case s.Model != record.ModelRate && v < 1:
		p.Add(field, "must be ≥ 1 user (got %s)", num(v))
	case s.Model != record.ModelRate && v != math.Trunc(v):
		p.Add(field, "users must be a whole number (got %s)", num(v))
	default:
		return s.checkLevelBound(p, field, v)
	}
	return false
}

// checkRamp reports ramp problems; true when the ramp yields a valid plan.
func (s Scenario) checkRamp(p *problems) bool {
	r := s.Ramp
	n := len(*p)
	if r.Hold <= 0 {
		p.Add("ramp.hold", "must be > 0 (got %s)", r.Hold)
	}
	if r.Settle < 0 {
		p.Add("ramp.settle", "must be ≥ 0 (got %s)", r.Settle)
	} else if r.Hold > 0 && r.Settle >= r.Hold {
		p.Add("ramp.settle", "must be shorter than ramp.hold %s (got %s)", r.Hold, r.Settle)
	}
	switch {
	case r.Search != nil:
		s.checkSearch(p)
	case len(r.Steps) > 0:
		if r.From != 0 || r.To != 0 || r.By != 0 {
			p.Add("ramp.steps", "set either ramp.steps or ramp.from/ramp.to/ramp.by, not both")
		}
		if len(r.Steps) > MaxSteps {
			p.Add("ramp.steps", "%d steps (at most %d)", len(r.Steps), MaxSteps)
		}
		for i, v := range r.Steps {
			s.checkLevel(p, yamlfile.Index("ramp.steps", i), v)
		}
	case r.From == 0 && r.To == 0 && r.By == 0:
		p.Missing("ramp", "no load: set ramp.from, ramp.to and ramp.by (e.g. 500, 10000, 500), ramp.steps, or a preset (%s)", presetList())
	default:
		okFrom := s.checkLevel(p, "ramp.from", r.From)
		okTo := okFrom
		if r.To != r.From { // one problem for one value
			okTo = s.checkLevel(p, "ramp.to", r.To)
		}
		if okFrom && okTo && r.To < r.From {
			p.Add("ramp.to", "must be ≥ ramp.from %s (got %s)", num(r.From), num(r.To))
			break
		}
		span := r.To - r.From
		switch {
		case !finite(r.By) || r.By < 0:
			p.Add("ramp.by", "must be > 0 (got %s)", num(r.By))
		case r.By == 0 && span > 0:
			p.Add("ramp.by", "must be > 0 when ramp.to > ramp.from (got 0)")
		case span > 0 && r.By > span: // from = to is one step, whatever by is
			p.Add("ramp.by", "step %s is larger than the range %s→%s: use a smaller ramp.by, or leave it out for a single step", num(r.By), num(r.From), num(r.To))
		case span > 0 && s.Model != record.ModelRate && r.By != math.Trunc(r.By):
			p.Add("ramp.by", "users must be a whole number (got %s)", num(r.By))
		case okFrom && okTo && r.By > 0 && span/r.By >= MaxSteps:
			p.Add("ramp.by", "%s→%s by %s is more than %d steps: raise ramp.by", num(r.From), num(r.To), num(r.By), MaxSteps)
		}
	}
	return len(*p) == n
}

// checkSpawn reports steps whose spawning would outlast their hold.
func (s Scenario) checkSpawn(p *problems) {
	prev := 0
	for _, st := range s.Plan() {
		if sp := spawnTime(st.Users-prev, s.SpawnRate); sp >= st.Hold {
			p.Add("spawn_rate", "step %d changes %d→%d users, which takes %s at %s users/s, not less than ramp.hold %s: raise spawn_rate or ramp.hold",
				st.Index, prev, st.Users, sp, num(s.SpawnRate), st.Hold)
			return
		}
		prev = st.Users
	}
}

func (s Scenario) checkThink(p *problems) {
	t := s.Think
	if t.Min < 0 {
		p.Add("think.min", "must be ≥ 0 (got %s)", t.Min)
	}
	if t.Max < 0 {
		p.Add("think.max", "must be ≥ 0 (got %s)", t.Max)
	}
	if t.Min > t.Max {
		p.Add("think", "min %s is greater than max %s", t.Min, t.Max)
	}
	if t.None && (t.Min != 0 || t.Max != 0) {
		p.Add("think.none", "none means no think time, but min/max are %s/%s: drop one of them", t.Min, t.Max)
	}
}

func (s Scenario) checkStability(p *problems) {
	st := s.Stability
	if !st.Enabled {
		if st != (Stability{}) {
			p.Add("stability.enabled", "stability fields are set but enabled is false: add enabled: true or remove them")
		}
		return
	}
	if st.Windows < 2 {
		p.Add("stability.windows", "must be ≥ 2: stability compares consecutive windows (got %d)", st.Windows)
	}
	if !(st.Tolerance > 0 && st.Tolerance <= 1) {
		p.Add("stability.tolerance", "must be a fraction in (0, 1], e.g. 0.10 for 10 %% (got %s)", num(st.Tolerance))
	}
	if st.Window <= 0 {
		p.Add("stability.window", "must be > 0 (got %s)", st.Window)
	}
	if st.MaxHold < s.Ramp.Hold {
		p.Add("stability.max_hold", "must be ≥ ramp.hold %s (got %s)", s.Ramp.Hold, st.MaxHold)
	} else if st.Window > 0 && st.Windows > 0 && st.Window*time.Duration(st.Windows) > st.MaxHold-s.Ramp.Settle {
		p.Add("stability.window", "%d windows of %s do not fit in max_hold %s minus settle %s", st.Windows, st.Window, st.MaxHold, s.Ramp.Settle)
	}
}

func (s Scenario) checkStop(p *problems) {
	st := s.Stop
	if !(st.Margin >= 0) || math.IsInf(st.Margin, 0) {
		p.Add("stop.margin", "must be ≥ 0, a fraction of each SLO limit (0.1 = 10 %%) (got %s)", num(st.Margin))
	}
	if st.AbortErrorRate != 0 && !(st.AbortErrorRate > 0 && st.AbortErrorRate <= 1) {
		p.Add("stop.abort_error_rate", "must be a fraction in (0, 1], e.g. 0.5; 0 or absent never aborts (got %s)", num(st.AbortErrorRate))
	}
	if _, err := slo.ParseGoodput(s.Goodput); err != nil {
		for _, e := range unjoin(err) {
			p.Add("goodput", "%v", e)
		}
	}
	if _, err := slo.Parse(st.SLO); err != nil {
		for _, e := range unjoin(err) {
			p.Add("stop.slo", "%v", e)
		}
	}
}

// unjoin splits an errors.Join result.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

var (
	methodRe = regexp.MustCompile(`^[A-Z][A-Z_-]*$`)
	tokenRe  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// checkSource reports problems of the request source; dir resolves
// relative paths.
func (s Scenario) checkSource(p *problems, dir string) {
	switch {
	case len(s.Requests) == 0 && s.TargetsFile == "":
		p.Missing("requests", "none: add at least one request (method, path, body), or a targets_file")
	case len(s.Requests) > 0 && s.TargetsFile != "":
		p.Add("targets_file", "set either requests or targets_file, not both")
	}
	formatOK := s.TargetsFormat == "" || s.TargetsFormat == "http" || s.TargetsFormat == "json"
	if s.TargetsFile != "" && checkFile(p, "targets_file", dir, s.TargetsFile) && formatOK && targetsChecker != nil {
		if err := targetsChecker(resolvePath(dir, s.TargetsFile), s.TargetsFormat); err != nil {
			p.Add("targets_file", "%v", err)
		}
	}
	if s.TargetsFormat != "" && s.TargetsFile == "" {
		p.Add("targets_format", "only used with targets_file")
	} else if !formatOK {
		p.Add("targets_format", "unknown vegeta targets format %q (allowed: http, json)", s.TargetsFormat)
	}
	for i, q := range s.Requests {
		q.check(p, yamlfile.Index("requests", i), dir)
	}
}

// checkFile reports a file that cannot be read; ok when it can.
func checkFile(p *problems, field, dir, name string) bool {
	if err := checkInput(resolvePath(dir, name)); err != nil {
		p.Add(field, "cannot read %q: %v", name, err)
		return false
	}
	return true
}

// resolvePath joins a relative name to dir.
func resolvePath(dir, name string) string {
	if filepath.IsAbs(name) || dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

func (q RequestSpec) check(p *problems, at, dir string) {
	if !methodRe.MatchString(q.Method) {
		p.Add(at+".method", "must be an upper-case HTTP method such as GET or POST (got %q)", q.Method)
	}
	switch {
	case q.Path == "":
		p.Add(at+".path", "required: the path appended to each base URL, e.g. /predict")
	case !strings.HasPrefix(q.Path, "/"):
		p.Add(at+".path", "must start with / (got %q)", q.Path)
	case strings.ContainsAny(q.Path, " \t\r\n"):
		p.Add(at+".path", "must not contain spaces or line breaks; URL-encode them (got %q)", q.Path)
	}
	for _, h := range q.Headers {
		if !tokenRe.MatchString(h.Key) {
			p.Add(yamlfile.Join(at+".headers", h.Key), "not a valid header name: use letters, digits and -")
		}
		if strings.ContainsAny(h.Value, "\r\n") {
			p.Add(yamlfile.Join(at+".headers", h.Key), "header values must not contain line breaks")
		}
	}
	if !(q.Weight > 0) || math.IsInf(q.Weight, 0) {
		p.Add(at+".weight", "must be > 0, the entry's relative share of requests (got %s)", num(q.Weight))
	}
	if len(q.Body) > 0 && q.BodyFile != "" {
		p.Add(at+".body_file", "set either body or body_file, not both")
	}
	used, usedOK := false, true // whether the templates place a prompt, when known
	if len(q.Body) > 0 {
		t, errs := compileTemplate(q.Body, at+".body", q.Prompts != nil)
		*p = append(*p, errs...)
		used, usedOK = t != nil && t.prompts, t != nil
	}
	if q.BodyFile != "" {
		if bf := q.bodies(dir); bf.err != nil {
			p.Add(at+".body_file", "%v", bf.err)
		}
	}
	switch {
	case q.Batch < 0 || q.Batch > MaxBatch:
		p.Add(at+".batch", "must be in 0..%d bodies per request, 0 for no batching (got %d)", MaxBatch, q.Batch)
	case q.Batch > 0 && len(q.Body) == 0 && q.BodyFile == "":
		p.Add(at+".batch", "batches bodies, but there is no body or body_file")
	}
	inv := q.Invalid
	if !(inv.Fraction >= 0 && inv.Fraction <= 1) {
		p.Add(at+".invalid.fraction", "must be in [0, 1], e.g. 0.05 for 5 %% (got %s)", num(inv.Fraction))
	}
	if inv.Fraction > 0 && len(inv.Body) == 0 {
		p.Add(at+".invalid.body", "required when invalid.fraction > 0: the invalid body template")
	}
	if len(inv.Body) > 0 {
		t, errs := compileTemplate(inv.Body, at+".invalid.body", q.Prompts != nil)
		*p = append(*p, errs...)
		used, usedOK = used || t != nil && t.prompts, usedOK && t != nil
	}
	q.checkPrompts(p, at, dir, used, usedOK)
	if inv.ExpectStatus != 0 && !validStatus(inv.ExpectStatus) {
		p.Add(at+".invalid.expect_status", "must be an HTTP status 100..599 (got %d)", inv.ExpectStatus)
	}
	switch q.Stream {
	case "", StreamSSE, StreamNDJSON:
	default:
		p.Add(at+".stream", "unknown stream format %q (allowed: %s for text/event-stream, %s for JSON lines)", q.Stream, StreamSSE, StreamNDJSON)
	}
	if q.ChunkTimeout < 0 {
		p.Add(at+".chunk_timeout", "must be > 0, the longest wait for one chunk (got %s)", q.ChunkTimeout)
	} else if q.ChunkTimeout > 0 && q.Stream == "" {
		p.Add(at+".chunk_timeout", "only used with stream: sse or stream: ndjson")
	}
	for i, c := range q.Expect {
		if !validStatus(c) {
			p.Add(yamlfile.Index(at+".expect", i), "must be an HTTP status 100..599 (got %d)", c)
		}
	}
}

func validStatus(c int) bool { return c >= 100 && c <= 599 }
