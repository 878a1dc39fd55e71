package scenarios

import (
	"github.com/loadlab/loadlab/internal/yamlfile"

	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// NewSource compiles the scenario's request mix (with its defaults) into a
// Source. Relative body_file paths resolve against baseDir, or s.Dir when
// baseDir is empty; a body file is read here unless Parse (or Decode, or
// Load) already read that same file, whose bodies are then used. seed
// fixes the sequence of requests seen by a single goroutine.
//
// A scenario whose source is a vegeta targets_file has no request mix:
// the engine (scenarios/engine) reads that file itself, and NewSource
// returns an error.
func (s Scenario) NewSource(baseDir string, seed int64) (Source, error) {
	d := s.WithDefaults()
	if baseDir == "" {
		baseDir = d.Dir
	}
	if len(d.Requests) == 0 {
		if d.TargetsFile != "" {
			return nil, fmt.Errorf("targets_file %q is a vegeta targets file, read by the engine: there is no request mix", d.TargetsFile)
		}
		return nil, errors.New("requests: none: add at least one request (method, path, body)")
	}
	var p problems
	for i, q := range d.Requests {
		q.check(&p, yamlfile.Index("requests", i), baseDir)
	}
	if err := p.Join(); err != nil {
		return nil, err
	}
	src := &mixSource{seed: uint64(seed), entries: make([]entry, len(d.Requests))}
	for i, q := range d.Requests {
		e, err := compileEntry(q, yamlfile.Index("requests", i), baseDir)
		if err != nil {
			return nil, err
		}
		src.entries[i] = e
		src.total += q.Weight
		src.cum = append(src.cum, src.total)
	}
	return src, nil
}

// mixSource picks an entry by weight and renders its body.
type mixSource struct {
	entries []entry
	cum     []float64 // cumulative weights
	total   float64
	seed    uint64
	calls   atomic.Uint64
}

// entry is a compiled RequestSpec.
type entry struct {
	name, invalidName string
	method, path      string
	headers           []Header
	expect            []int
	invalidExpect     []int
	body              *template // template body, or nil
	lines             [][]byte  // body_file lines, or nil
	invalid           *template
	invalidFrac       float64
	batch             int
	size              int // typical body size
	stream            string
	chunkTimeout      time.Duration
	prompts           *promptSource // nil without a prompts block
}

// Next is safe for concurrent use: its only shared state is an atomic call
// counter.
func (s *mixSource) Next() Request {
	r := newRNG(s.seed, s.calls.Add(1))
	e := &s.entries[0]
	if len(s.entries) > 1 {
		e = &s.entries[s.pick(r.float64()*s.total)]
	}
	req := Request{Name: e.name, Method: e.method, Path: e.path, Headers: e.headers, Expect: e.expect,
		Stream: e.stream, ChunkTimeout: e.chunkTimeout}
	t := e.body
	if e.invalidFrac > 0 && r.float64() < e.invalidFrac {
		req.Name, req.Expect, req.Invalid, t = e.invalidName, e.invalidExpect, true, e.invalid
	}
	if t == nil && e.lines == nil {
		return req
	}
	if e.prompts != nil { // one prompt per request: no body_file, no batch
		d := e.prompts.draw(&r)
		if t.texts > 0 {
			req.InputTokens = d.words
		}
		req.Body = t.render(make([]byte, 0, t.size+t.texts*d.textSize()), &r, &d)
		return req
	}
	buf := make([]byte, 0, e.size)
	if e.batch == 0 {
		req.Body = e.render(buf, &r, t)
		return req
	}
	buf = append(buf, `{"instances":[`...)
	for i := 0; i < e.batch; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = e.render(buf, &r, t)
	}
	req.Body = append(buf, "]}"...)
	return req
}

// pick returns the index of the entry whose cumulative weight first
// exceeds x.
func (s *mixSource) pick(x float64) int {
	lo, hi := 0, len(s.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if x < s.cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func (e *entry) render(dst []byte, r *rng, t *template) []byte {
	if t != nil {
		return t.render(dst, r, nil)
	}
	return append(dst, e.lines[r.uint64n(uint64(len(e.lines)))]...)
}

func compileEntry(q RequestSpec, at, baseDir string) (entry, error) {
	e := entry{
		name: q.Name, invalidName: q.Name + " (invalid)",
		method: q.Method, path: q.Path,
		headers: q.Headers, expect: q.Expect,
		batch: max(q.Batch, 0), invalidFrac: q.Invalid.Fraction,
		stream: q.Stream, chunkTimeout: q.ChunkTimeout,
	}
	hasBody := len(q.Body) > 0 || q.BodyFile != ""
	if hasBody && !hasHeader(q.Headers, "Content-Type") {
		e.headers = append(append([]Header(nil), q.Headers...), Header{Key: "Content-Type", Value: "application/json"})
	}
	hasPrompts := q.Prompts != nil
	one := 0
	if len(q.Body) > 0 {
		t, errs := compileTemplate(q.Body, at+".body", hasPrompts)
		if err := errs.Join(); err != nil {
			return entry{}, err
		}
		e.body, one = t, t.size
	}
	if q.BodyFile != "" {
		bf := q.bodies(baseDir)
		if bf.err != nil {
			return entry{}, fmt.Errorf("%s.body_file: %w", at, bf.err)
		}
		e.lines = bf.lines
		for _, l := range bf.lines {
			one = max(one, len(l))
		}
	}
	if e.invalidFrac > 0 {
		t, errs := compileTemplate(q.Invalid.Body, at+".invalid.body", hasPrompts)
		if err := errs.Join(); err != nil {
			return entry{}, err
		}
		e.invalid = t
		e.invalidExpect = []int{q.Invalid.ExpectStatus}
		one = max(one, t.size)
	}
	if hasPrompts {
		e.prompts = &promptSource{input: q.Prompts.InputTokens, output: q.Prompts.OutputTokens}
		if q.Prompts.File != "" {
			pf := q.prompts(baseDir)
			if len(pf.errs) > 0 {
				return entry{}, fmt.Errorf("%s.prompts.file: %w", at, errors.Join(pf.errs...))
			}
			e.prompts.lines = pf.lines
		}
	}
	e.size = one
	if e.batch > 0 {
		e.size = e.batch*(one+1) + len(`{"instances":[]}`)
	}
	return e, nil
}

func hasHeader(hs []Header, key string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Key, key) {
			return true
		}
	}
	return false
}
