package server

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// tableRow is one precomputed prediction.
type tableRow struct {
	LeadID     int     `json:"lead_id"`
	Age        int     `json:"age"`
	Salary     float64 `json:"salary"`
	WebVisits  int     `json:"web_visits"`
	LastAction string  `json:"last_action"`
	predictionJSON
}

func (r tableRow) lead(t *testing.T) model.Lead {
	a, ok := model.ParseAction([]byte(r.LastAction))
	if !ok {
		t.Fatalf("row %d: action %q", r.LeadID, r.LastAction)
	}
	return model.Lead{Age: r.Age, Salary: r.Salary, WebVisits: r.WebVisits, LastAction: a}
}

// expectedTable scores the table independently of the server.
func expectedTable(t *testing.T) ([]model.Lead, []model.Prediction) {
	cfg := testConfig()
	leads := model.GenerateLeads(cfg.LeadsSeed, cfg.Leads)
	m := embedded(t)
	preds := make([]model.Prediction, len(leads))
	for i, l := range leads {
		preds[i] = m.Predict(l)
	}
	return leads, preds
}

func TestPredictionLookup(t *testing.T) {
	_, ts := newLoadedServer(t)
	leads, _ := expectedTable(t)
	m := embedded(t)
	for _, id := range []int{1, 42, testLeads} {
		var row tableRow
		getJSON(t, fmt.Sprintf("%s/predictions/%d", ts.URL, id), http.StatusOK, &row)
		if row.LeadID != id || row.lead(t) != leads[id-1] {
			t.Fatalf("lead %d: got %+v, want %+v", id, row, leads[id-1])
		}
		checkPrediction(t, m, leads[id-1], row.predictionJSON)
	}
	for _, id := range []string{"0", "-1", fmt.Sprint(testLeads + 1), "99999999999999999"} {
		var d detailString
		getJSON(t, ts.URL+"/predictions/"+id, http.StatusNotFound, &d)
		if !strings.Contains(d.Detail, "not found") {
			t.Fatalf("lead %s: %q, want 404 not found", id, d.Detail)
		}
	}
	for _, id := range []string{"abc", "1.5", "1e3", "999999999999999999999"} {
		var d detailList
		getJSON(t, ts.URL+"/predictions/"+id, http.StatusUnprocessableEntity, &d)
		if !slices.Equal(d.locs(), []string{"path.lead_id:int_parsing"}) {
			t.Fatalf("lead %s: %v, want 422 path.lead_id", id, d.locs())
		}
	}
}

type listing struct {
	Count         int        `json:"count"`
	TotalMatching int        `json:"total_matching"`
	Predictions   []tableRow `json:"predictions"`
}

func TestPredictionsListing(t *testing.T) {
	_, ts := newLoadedServer(t)
	leads, preds := expectedTable(t)
	m := embedded(t)
	cases := []struct {
		query   string
		segment string
		minProb float64
		limit   int
	}{
		{"", "", 0, 100},
		{"?segment=hot&min_probability=0.5&limit=10", "hot", 0.5, 10},
		{"?segment=warm&limit=1000", "warm", 0, 1000},
		{"?segment=cold&limit=5", "cold", 0, 5},
		{"?min_probability=0.95", "", 0.95, 100},
		{"?min_probability=1", "", 1, 100},
		{"?min_probability=0&limit=1&unknown=x", "", 0, 1},
	}
	for _, tc := range cases {
		var l listing
		getJSON(t, ts.URL+"/predictions"+tc.query, http.StatusOK, &l)
		// Independent expectation: filter, sort by probability desc, id asc.
		var ids []int
		for i, p := range preds {
			if p.Probability >= tc.minProb && (tc.segment == "" || p.Segment.String() == tc.segment) {
				ids = append(ids, i+1)
			}
		}
		slices.SortFunc(ids, func(a, b int) int {
			if c := cmp.Compare(preds[b-1].Probability, preds[a-1].Probability); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		want := ids[:min(tc.limit, len(ids))]
		if l.TotalMatching != len(ids) || l.Count != len(want) || len(l.Predictions) != len(want) {
			t.Fatalf("%q: count %d, total %d, %d rows; want %d, %d", tc.query, l.Count, l.TotalMatching, len(l.Predictions), len(want), len(ids))
		}
		for i, row := range l.Predictions {
			if row.LeadID != want[i] || row.lead(t) != leads[want[i]-1] {
				t.Fatalf("%q: row %d is lead %d, want %d", tc.query, i, row.LeadID, want[i])
			}
			checkPrediction(t, m, leads[want[i]-1], row.predictionJSON)
		}
	}
}

func TestPredictionsListingBadParameters(t *testing.T) {
	_, ts := newLoadedServer(t)
	cases := []struct {
		query string
		want  []string
	}{
		{"?segment=HOT", []string{"query.segment:enum"}},
		{"?segment=", []string{"query.segment:enum"}},
		{"?min_probability=abc", []string{"query.min_probability:float_parsing"}},
		{"?min_probability=NaN", []string{"query.min_probability:float_parsing"}},
		{"?min_probability=-0.1", []string{"query.min_probability:greater_than_equal"}},
		{"?min_probability=1.01", []string{"query.min_probability:less_than_equal"}},
		{"?limit=0", []string{"query.limit:greater_than_equal"}},
		{"?limit=1001", []string{"query.limit:less_than_equal"}},
		{"?limit=ten", []string{"query.limit:int_parsing"}},
		{"?limit=2.5", []string{"query.limit:int_parsing"}},
		{"?segment=lukewarm&min_probability=2&limit=-1",
			[]string{"query.segment:enum", "query.min_probability:less_than_equal", "query.limit:greater_than_equal"}},
	}
	for _, tc := range cases {
		var d detailList
		getJSON(t, ts.URL+"/predictions"+tc.query, http.StatusUnprocessableEntity, &d)
		if got := d.locs(); !slices.Equal(got, tc.want) {
			t.Fatalf("%q: detail %v, want %v", tc.query, got, tc.want)
		}
	}
}

func TestStats(t *testing.T) {
	_, ts := newLoadedServer(t)
	_, preds := expectedTable(t)
	var sum float64
	conv := 0
	segs := map[string]int{}
	for _, p := range preds {
		sum += p.Probability
		segs[p.Segment.String()]++
		if p.Converted {
			conv++
		}
	}
	r := get(t, ts.URL+"/stats")
	var st struct {
		TotalLeads           int            `json:"total_leads"`
		MeanProbability      float64        `json:"mean_probability"`
		PredictedConversions int            `json:"predicted_conversions"`
		Segments             map[string]int `json:"segments"`
		ModelVersion         string         `json:"model_version"`
	}
	decodeJSON(t, r, &st)
	if r.status != http.StatusOK || st.TotalLeads != testLeads || st.PredictedConversions != conv ||
		math.Abs(st.MeanProbability-sum/float64(len(preds))) > 1e-6 || st.ModelVersion != embedded(t).Version() {
		t.Fatalf("status %d, stats %+v; want %d leads, mean %v, %d conversions", r.status, st, testLeads, sum/float64(len(preds)), conv)
	}
	if len(st.Segments) != 3 || st.Segments["hot"] != segs["hot"] || st.Segments["warm"] != segs["warm"] || st.Segments["cold"] != segs["cold"] {
		t.Fatalf("segments %v, want %v", st.Segments, segs)
	}
}

type healthJSON struct {
	Status        string   `json:"status"`
	ModelLoaded   bool     `json:"model_loaded"`
	ModelVersion  *string  `json:"model_version"`
	UptimeSeconds *float64 `json:"uptime_seconds"`
}

func TestHealthAndModelBeforeAndAfterLoad(t *testing.T) {
	s, err := New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()

	r := get(t, ts.URL+"/health")
	var h healthJSON
	decodeJSON(t, r, &h)
	if r.status != http.StatusServiceUnavailable || h.Status != "loading" || h.ModelLoaded || h.ModelVersion != nil || h.UptimeSeconds == nil {
		t.Fatalf("before load: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/model", "/stats", "/predictions", "/predictions/1"} {
		if r := get(t, ts.URL+path); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Fatalf("%s before load: status %d, want 503 with Retry-After", path, r.status)
		}
	}
	if r := post(t, ts.URL+"/predict", `{"age":35,"salary":1,"web_visits":1,"last_action":"page_view"}`); r.status != http.StatusServiceUnavailable {
		t.Fatalf("predict before load: status %d, want 503", r.status)
	}
	if r := get(t, ts.URL+"/metrics"); r.status != http.StatusOK {
		t.Fatalf("metrics before load: status %d", r.status)
	}

	m := embedded(t)
	if err := s.SetModel(m, "embedded"); err != nil {
		t.Fatal(err)
	}
	r = get(t, ts.URL+"/health")
	h = healthJSON{}
	decodeJSON(t, r, &h)
	if r.status != http.StatusOK || h.Status != "ok" || !h.ModelLoaded || h.ModelVersion == nil || *h.ModelVersion != m.Version() || *h.UptimeSeconds < 0 {
		t.Fatalf("after load: %d %s", r.status, r.body)
	}

	r = get(t, ts.URL+"/model")
	var info modelInfo
	decodeJSON(t, r, &info)
	meta := m.Metadata()
	if r.status != http.StatusOK || info.Version != m.Version() || info.NumTrees != m.NumTrees() || info.Source != "embedded" ||
		info.TrainedAt != meta.TrainedAt || info.Metrics != meta.Metrics || info.Training != meta.Training || len(info.Features) != 4 {
		t.Fatalf("model: %d %+v", r.status, info)
	}
}

func TestSwappedModelIsServed(t *testing.T) {
	cfg := model.DefaultTrainConfig()
	cfg.Rows, cfg.Trees = 2000, 5
	a, err := model.Train(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other, err := model.FromArtifact(a)
	if err != nil {
		t.Fatal(err)
	}
	s, ts := newLoadedServer(t)
	if err := s.SetModel(other, "/models/other.json"); err != nil {
		t.Fatal(err)
	}
	lead := model.Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: model.FormSubmit}
	var p predictionJSON
	decodeJSON(t, post(t, ts.URL+"/predict", leadJSON(lead)), &p)
	checkPrediction(t, other, lead, p)
	var row tableRow
	decodeJSON(t, get(t, ts.URL+"/predictions/7"), &row)
	checkPrediction(t, other, row.lead(t), row.predictionJSON)
	var info modelInfo
	decodeJSON(t, get(t, ts.URL+"/model"), &info)
	if info.Version != other.Version() || info.Source != "/models/other.json" || info.NumTrees != 5 {
		t.Fatalf("model after swap: %+v", info)
	}
}

func TestRoutingErrors(t *testing.T) {
	_, ts := newLoadedServer(t)
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/predict", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/predict", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPost, "/health", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, "/predictions/1", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/predictions", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/stats", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPatch, "/model", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/", http.StatusNotFound, ""},
		{http.MethodGet, "/nope", http.StatusNotFound, ""},
		{http.MethodGet, "/predictions/", http.StatusNotFound, ""},
		{http.MethodGet, "/predictions/1/extra", http.StatusNotFound, ""},
		{http.MethodPost, "/predict/", http.StatusNotFound, ""},
	}
	for _, tc := range cases {
		r := do(t, tc.method, ts.URL+tc.path, "", nil)
		var d detailString
		decodeJSON(t, r, &d)
		if r.status != tc.status || r.header.Get("Allow") != tc.allow || d.Detail != http.StatusText(tc.status) {
			t.Fatalf("%s %s: %d Allow=%q %s; want %d Allow=%q", tc.method, tc.path, r.status, r.header.Get("Allow"), r.body, tc.status, tc.allow)
		}
	}
	if r := do(t, http.MethodHead, ts.URL+"/health", "", nil); r.status != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("HEAD /health: %d %q", r.status, r.body)
	}
}

func TestMetricsCountersMove(t *testing.T) {
	_, ts := newLoadedServer(t)
	scrape := func() []byte {
		r := get(t, ts.URL+"/metrics")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("metrics: %d %s", r.status, r.header.Get("Content-Type"))
		}
		return r.body
	}
	before := scrape()
	item := `{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`
	for range 3 {
		if r := post(t, ts.URL+"/predict", item); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
	}
	post(t, ts.URL+"/predict", `{"instances":[`+strings.TrimSuffix(strings.Repeat(item+",", 5), ",")+`]}`)
	post(t, ts.URL+"/predict", `{"age":1}`)
	post(t, ts.URL+"/predict", `{`)
	get(t, ts.URL+"/predictions/1")
	get(t, ts.URL+"/predictions/0")
	get(t, ts.URL+"/predict")
	after := scrape()

	delta := func(series string) float64 {
		return metricValue(t, after, series) - metricValue(t, before, series)
	}
	checks := []struct {
		series string
		want   float64
	}{
		{`http_requests_total{endpoint="/predict",status="200"}`, 4},
		{`http_requests_total{endpoint="/predict",status="422"}`, 1},
		{`http_requests_total{endpoint="/predict",status="400"}`, 1},
		{`http_requests_total{endpoint="/predict",status="405"}`, 1},
		{`http_requests_total{endpoint="/predictions/{lead_id}",status="200"}`, 1},
		{`http_requests_total{endpoint="/predictions/{lead_id}",status="404"}`, 1},
		{`http_requests_total{endpoint="/metrics",status="200"}`, 1}, // the first scrape
		{`http_request_duration_seconds_count{endpoint="/predict"}`, 7},
	}
	for _, c := range checks {
		if got := delta(c.series); got != c.want {
			t.Errorf("%s moved by %v, want %v", c.series, got, c.want)
		}
	}
	var preds float64
	for _, seg := range []string{"hot", "warm", "cold"} {
		preds += delta(`model_predictions_total{segment="` + seg + `"}`)
	}
	if preds != 8 {
		t.Errorf("model_predictions_total moved by %v, want 8", preds)
	}
	if got := delta(`model_predictions_total{segment="hot"}`); got != 8 { // this lead is hot
		t.Errorf("hot predictions moved by %v, want 8", got)
	}
	// The scrape itself is in flight while the gauge is collected.
	if got := metricValue(t, after, "http_requests_in_flight"); got != 1 {
		t.Errorf("http_requests_in_flight = %v during a scrape, want 1", got)
	}
	if got := metricValue(t, after, `model_info{version="`+embedded(t).Version()+`"}`); got != 1 {
		t.Errorf("model_info = %v, want 1", got)
	}
	if !strings.Contains(string(after), "go_goroutines") || !strings.Contains(string(after), "process_cpu_seconds_total") {
		t.Error("Go and process collectors missing")
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{Leads: -1}
	err := c.Validate()
	if err == nil {
		t.Fatal("zero config accepted")
	}
	for _, f := range []string{"addr", "leads", "max_body_bytes", "max_batch", "read_header_timeout", "read_timeout", "write_timeout", "idle_timeout", "shutdown_timeout"} {
		if !strings.Contains(err.Error(), f+":") {
			t.Errorf("error does not name %s: %v", f, err)
		}
	}
	if _, err := New(c); err == nil {
		t.Fatal("New accepted an invalid config")
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}
