package engine

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadlab/loadlab/scenarios"
)

// targetsSource replays the targets of a vegeta targets file round-robin,
// as vegeta's static targeter does.
type targetsSource struct {
	reqs []scenarios.Request
	next atomic.Uint64
}

func (s *targetsSource) Next() scenarios.Request {
	return s.reqs[(s.next.Add(1)-1)%uint64(len(s.reqs))]
}

// NewTargetsSource reads a vegeta targets file in format "http" (`vegeta
// attack -format=http`, the default when format is empty) or "json", with
// vegeta's own parsers, into a Source. Each target keeps its method,
// headers, body and the path and query of its URL; the scheme and host are
// replaced by the ramp's base URLs (round-robin), so one targets file
// serves any deployment. Relative "@body" file references of the http
// format resolve against the targets file's directory. Any 2xx counts as
// success.
func NewTargetsSource(path, format string) (scenarios.Source, error) {
	data, err := scenarios.ReadInput(path)
	if err != nil {
		return nil, fmt.Errorf("read targets file: %w", err)
	}
	var tr vegeta.Targeter
	switch format {
	case "", vegeta.HTTPTargetFormat:
		tr = vegeta.NewHTTPTargeter(bytes.NewReader(resolveBodyRefs(data, filepath.Dir(path))), nil, nil)
	case vegeta.JSONTargetFormat:
		tr = vegeta.NewJSONTargeter(bytes.NewReader(data), nil, nil)
	default:
		return nil, fmt.Errorf("targets file %s: unknown format %q (allowed: http, json)", path, format)
	}
	tgts, err := vegeta.ReadAllTargets(tr)
	if err != nil {
		if errors.Is(err, vegeta.ErrNoTargets) {
			return nil, fmt.Errorf("targets file %s: no targets (want lines like \"GET http://host/path\" for format http, or JSON objects with method and url for format json)", path)
		}
		return nil, fmt.Errorf("targets file %s (format %s): %w", path, orDefault(format, "http"), err)
	}
	src := &targetsSource{reqs: make([]scenarios.Request, 0, len(tgts))}
	for i, t := range tgts {
		u, err := url.Parse(t.URL)
		if err != nil {
			return nil, fmt.Errorf("targets file %s: target %d: bad url %q: %w", path, i+1, t.URL, err)
		}
		r := scenarios.Request{
			Name:   t.Method + " " + u.Path,
			Method: t.Method,
			Path:   u.RequestURI(),
			Body:   t.Body,
		}
		keys := make([]string, 0, len(t.Header))
		for k := range t.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range t.Header[k] {
				r.Headers = append(r.Headers, scenarios.Header{Key: k, Value: v})
			}
		}
		src.reqs = append(src.reqs, r)
	}
	return src, nil
}

// resolveBodyRefs rewrites relative "@file" lines of an http-format
// targets file to paths under dir.
func resolveBodyRefs(data []byte, dir string) []byte {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "@") && len(t) > 1 && !filepath.IsAbs(t[1:]) {
			lines[i] = "@" + filepath.Join(dir, t[1:])
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
