package record

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// TimelineFile is the name of the per-second timeline inside a results
// folder: one Second per line, written while a rollout is measured.
const TimelineFile = "timeline.jsonl"

// Second is one second of load as the generator saw it: the requests whose
// result arrived in [At, At+DurationS), as a step's window counts them
// (an error is counted when its failure arrives). It is part of the
// results contract (timeline.jsonl).
type Second struct {
	// At is the start of the second (UTC); DurationS its length in
	// seconds: 1, except the last second of a run, which may be shorter.
	At        time.Time `json:"at"`
	DurationS float64   `json:"duration_s"`
	// Rollout names the part of the run the second belongs to (a rollout
	// experiment's order, "start-first"); empty otherwise.
	Rollout string `json:"rollout,omitempty"`
	// Step is the engine's step running at the end of the second (from
	// 0); Users (closed loop) and Rate (open loop, requests/s) its offered
	// load.
	Step  int     `json:"step"`
	Users int     `json:"users,omitempty"`
	Rate  float64 `json:"rate,omitempty"`
	// Requests counts the results of the second: Successes plus Errors.
	Requests  int64 `json:"requests"`
	Successes int64 `json:"successes"`
	Errors    int64 `json:"errors"`
	// ErrorsByKind splits Errors by the engine's error kinds (timeout,
	// refused, reset, eof, http_503…); nil when there was none.
	ErrorsByKind map[string]int64 `json:"errors_by_kind,omitempty"`
	// P95Ms is the 95th percentile latency of all the second's results in
	// milliseconds (an HDR histogram of two significant digits); nil when
	// no result arrived in the second.
	P95Ms *float64 `json:"p95_ms"`
	// Tasks counts the target's running tasks per version (image or
	// version label) at the end of the second, as the orchestrator
	// reported them; nil when not sampled.
	Tasks map[string]int `json:"tasks,omitempty"`
}

// TimelineWriter appends Seconds to a timeline.jsonl file, one line each,
// synced as it is written so that a crash keeps every finished second.
type TimelineWriter struct {
	f    *os.File
	path string
}

// CreateTimeline creates path (which must not exist yet) for appending.
func CreateTimeline(path string) (*TimelineWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create timeline %s: %w", path, err)
	}
	return &TimelineWriter{f: f, path: path}, nil
}

// Append writes one second as a JSON line and syncs it.
func (w *TimelineWriter) Append(s Second) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode the second at %s: %w", s.At.Format(time.RFC3339), err)
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("append to %s: %w", w.path, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	return nil
}

// Close closes the file.
func (w *TimelineWriter) Close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", w.path, err)
	}
	return nil
}

// ReadTimeline decodes every second of a timeline.jsonl stream; a torn
// last line (a crash mid-write) is left out, any other malformed line is
// an error naming it.
func ReadTimeline(r io.Reader) ([]Second, error) {
	var out []Second
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	var torn error
	for sc.Scan() {
		line++
		if torn != nil {
			return nil, torn
		}
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var s Second
		if err := json.Unmarshal(b, &s); err != nil {
			torn = fmt.Errorf("line %d: %w", line, err)
			continue
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read timeline: %w", err)
	}
	return out, nil
}

// ReadTimelineFile reads path's timeline; a missing file is an error
// wrapping os.ErrNotExist (a run without a rollout has none).
func ReadTimelineFile(path string) ([]Second, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read timeline: %s does not exist: %w", path, err)
		}
		return nil, fmt.Errorf("read timeline: %w", err)
	}
	defer f.Close()
	secs, err := ReadTimeline(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return secs, nil
}
