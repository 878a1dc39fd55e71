package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// testLeads keeps the precomputed table small so tests stay fast.
const testLeads = 2000

func testConfig() Config {
	c := DefaultConfig()
	c.Leads = testLeads
	return c
}

func embedded(t testing.TB) *model.Model {
	t.Helper()
	m, err := model.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newLoadedServer returns a server with the embedded model behind a real
// loopback HTTP server.
func newLoadedServer(t testing.TB) (*Server, *httptest.Server) {
	t.Helper()
	return newLoadedServerWith(t, testConfig())
}

// newLoadedServerWith is newLoadedServer with configuration cfg.
func newLoadedServerWith(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetModel(embedded(t), "embedded"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, method, url, contentType string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func post(t testing.TB, url, body string) response {
	t.Helper()
	return do(t, http.MethodPost, url, "application/json", strings.NewReader(body))
}

func get(t testing.TB, url string) response {
	t.Helper()
	return do(t, http.MethodGet, url, "", nil)
}

// decodeJSON strictly decodes a JSON response body into v.
func decodeJSON(t testing.TB, r response, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json (body %s)", ct, r.body)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// getJSON GETs url, fails t unless the answer has status, and strictly
// decodes its JSON body into v.
func getJSON(t testing.TB, url string, status int, v any) response {
	t.Helper()
	r := get(t, url)
	if r.status != status {
		t.Fatalf("GET %s: status %d, want %d: %s", url, r.status, status, r.body)
	}
	decodeJSON(t, r, v)
	return r
}

// predictionJSON is one prediction in a response.
type predictionJSON struct {
	ConversionProbability float64 `json:"conversion_probability"`
	PredictedConversion   int     `json:"predicted_conversion"`
	Segment               string  `json:"segment"`
	ModelVersion          string  `json:"model_version"`
}

// checkPrediction asserts p is exactly what the model gives lead.
func checkPrediction(t testing.TB, m *model.Model, lead model.Lead, p predictionJSON) {
	t.Helper()
	want := m.Predict(lead)
	conv := 0
	if want.Converted {
		conv = 1
	}
	if p.ConversionProbability != want.Probability || p.PredictedConversion != conv ||
		p.Segment != want.Segment.String() || p.ModelVersion != m.Version() {
		t.Fatalf("lead %+v: got %+v, want probability %v, predicted %d, segment %s, version %s",
			lead, p, want.Probability, conv, want.Segment, m.Version())
	}
}

// detailList is a 422 body.
type detailList struct {
	Detail []struct {
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
		Type string `json:"type"`
	} `json:"detail"`
}

// detailString is the body of other errors.
type detailString struct {
	Detail string `json:"detail"`
}

// locs renders each entry as "body.instances.3.age:type".
func (d detailList) locs() []string {
	var out []string
	for _, e := range d.Detail {
		parts := make([]string, len(e.Loc))
		for i, l := range e.Loc {
			switch v := l.(type) {
			case string:
				parts[i] = v
			case float64:
				parts[i] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		out = append(out, strings.Join(parts, ".")+":"+e.Type)
	}
	return out
}

// metricValue returns the value of the sample line `series value` in a
// Prometheus text exposition, or 0 when absent.
func metricValue(t testing.TB, text []byte, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return v
		}
	}
	return 0
}

func leadJSON(l model.Lead) string {
	return `{"age":` + strconv.Itoa(l.Age) + `,"salary":` + strconv.FormatFloat(l.Salary, 'f', -1, 64) +
		`,"web_visits":` + strconv.Itoa(l.WebVisits) + `,"last_action":"` + l.LastAction.String() + `"}`
}
