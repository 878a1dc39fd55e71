package server

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// ServeHTTP routes a request, records its metrics and turns a handler panic
// into a JSON 500.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inFlight.Inc()
	ep, status := epOther, http.StatusInternalServerError
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value
				panic(v)
			}
			s.log.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			status = writeDetail(w, http.StatusInternalServerError, "internal server error")
		}
		d := time.Since(start)
		s.metrics.observe(ep, status, d)
		s.metrics.inFlight.Dec()
		if s.cfg.LogRequests {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", status, "duration_ms", float64(d.Microseconds())/1000)
		}
	}()
	ep = route(r.URL.Path)
	s.markDraining(w)
	status = s.dispatch(ep, w, r)
}

// route maps a path to its endpoint.
func route(path string) endpoint {
	switch path {
	case "/predict":
		return epPredict
	case "/predictions":
		return epPredictions
	case "/stats":
		return epStats
	case "/health":
		return epHealth
	case "/metrics":
		return epMetrics
	case "/model":
		return epModel
	case "/v1/chat/completions":
		return epChatCompletions
	case "/v1/completions":
		return epCompletions
	case "/v1/models":
		return epModels
	}
	if id, ok := strings.CutPrefix(path, "/v1/models/"); ok && id != "" && !strings.Contains(id, "/") {
		return epModels
	}
	if id, ok := strings.CutPrefix(path, "/predictions/"); ok && id != "" && !strings.Contains(id, "/") {
		return epPrediction
	}
	return epOther
}

// dispatch checks the method and the model, then runs the endpoint's
// handler; it returns the status written.
func (s *Server) dispatch(ep endpoint, w http.ResponseWriter, r *http.Request) int {
	if ep == epOther {
		return writeDetail(w, http.StatusNotFound, "Not Found")
	}
	if isOpenAI(ep) {
		return s.openai(ep, w, r)
	}
	if ep == epPredict {
		if r.Method != http.MethodPost {
			w.Header()["Allow"] = allowPost
			return writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		}
	} else if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = allowGet
		return writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	switch ep {
	case epHealth:
		return s.health(w)
	case epMetrics:
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.metrics.handler.ServeHTTP(sw, r)
		return sw.status
	}
	st := s.state.Load()
	if st == nil {
		w.Header()["Retry-After"] = retryAfter
		return writeDetail(w, http.StatusServiceUnavailable, "model not loaded yet")
	}
	switch ep {
	case epPredict:
		if err := burnCPU(s.cfg.ExtraCPUPerRequest); err != nil {
			s.log.Error("extra CPU per request", "error", err.Error())
			return writeDetail(w, http.StatusInternalServerError, "extra CPU per request: "+err.Error())
		}
		return s.predict(w, r, st)
	case epPrediction:
		return s.prediction(w, r, st)
	case epPredictions:
		return s.predictions(w, r, st)
	case epStats:
		return writeJSON(w, http.StatusOK, st.table.stats)
	default: // epModel
		return writeJSON(w, http.StatusOK, st.modelJSON)
	}
}

var (
	contentTypeJSON = []string{"application/json"}
	allowPost       = []string{"POST"}
	allowGet        = []string{"GET, HEAD"}
	retryAfter      = []string{"1"}
)

// writeJSON writes a JSON response. A failed write means the client went
// away; there is no one left to tell, so it is not reported.
func writeJSON(w http.ResponseWriter, status int, body []byte) int {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	if len(body) >= 2048 { // smaller bodies get Content-Length from net/http
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

func writeDetail(w http.ResponseWriter, status int, msg string) int {
	return writeJSON(w, status, appendDetail(nil, msg))
}

func writeFieldErrors(w http.ResponseWriter, errs []FieldError) int {
	return writeJSON(w, http.StatusUnprocessableEntity, appendFieldErrors(nil, errs))
}

// statusWriter remembers the status a wrapped handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// scratch is per-request working memory for POST /predict, pooled.
type scratch struct {
	body  []byte
	out   []byte
	preds []model.Prediction
	req   predictRequest
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{body: make([]byte, 0, 4096), out: make([]byte, 0, 4096)}
}}

// maxPooledBytes keeps rare huge buffers out of the pool.
const maxPooledBytes = 256 << 10

func putScratch(sc *scratch) {
	if cap(sc.body) > maxPooledBytes || cap(sc.out) > maxPooledBytes {
		return
	}
	scratchPool.Put(sc)
}

func (s *Server) predict(w http.ResponseWriter, r *http.Request, st *state) int {
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", limit))
	}
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	body, tooLarge, err := readBody(r.Body, sc.body[:0], r.ContentLength, limit)
	sc.body = body
	switch {
	case tooLarge:
		return writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", limit))
	case err != nil:
		return writeDetail(w, http.StatusBadRequest, "could not read request body: "+err.Error())
	}
	req := &sc.req
	if serr := decodePredict(body, s.cfg.MaxBatch, req); serr != nil {
		return writeDetail(w, http.StatusBadRequest, serr.Error())
	}
	if len(req.errs) > 0 {
		return writeFieldErrors(w, req.errs)
	}
	if cap(sc.preds) < len(req.leads) {
		sc.preds = make([]model.Prediction, len(req.leads), max(len(req.leads), s.cfg.MaxBatch))
	}
	preds := sc.preds[:len(req.leads)]
	st.model.PredictBatch(req.leads, preds)
	var segs [model.NumSegments]int
	for _, p := range preds {
		segs[p.Segment]++
	}
	s.metrics.countPredictions(&segs)
	out := sc.out[:0]
	if req.batch {
		out = append(out, `{"predictions":[`...)
		for i, p := range preds {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendPrediction(out, p, st.suffix)
		}
		out = append(out, "]}"...)
	} else {
		out = appendPrediction(out, preds[0], st.suffix)
	}
	out = append(out, '\n')
	sc.out = out
	return writeJSON(w, http.StatusOK, out)
}

// readBody reads r into buf (reusing its capacity) up to limit bytes;
// tooLarge reports a body over limit. contentLength (-1 if unknown) sizes
// the buffer.
func readBody(r io.Reader, buf []byte, contentLength, limit int64) (_ []byte, tooLarge bool, _ error) {
	if contentLength >= 0 && int64(cap(buf)) < contentLength+1 {
		buf = make([]byte, 0, contentLength+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, true, nil
		}
		if err == io.EOF {
			return buf, false, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
}

func (s *Server) prediction(w http.ResponseWriter, r *http.Request, st *state) int {
	idText := strings.TrimPrefix(r.URL.Path, "/predictions/")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return writeFieldErrors(w, []FieldError{{Loc: []any{"path", "lead_id"},
			Msg: "Input should be a valid integer, unable to parse string as an integer", Type: "int_parsing"}})
	}
	row, ok := st.table.row(id)
	if !ok {
		return writeDetail(w, http.StatusNotFound, fmt.Sprintf("lead %d not found: precomputed lead ids are 1 to %d", id, len(st.table.leads)))
	}
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(row)
	_, _ = w.Write(newline)
	return http.StatusOK
}

var newline = []byte{'\n'}

func (s *Server) predictions(w http.ResponseWriter, r *http.Request, st *state) int {
	q, errs := parseListQuery(r.URL.Query())
	if len(errs) > 0 {
		return writeFieldErrors(w, errs)
	}
	return writeJSON(w, http.StatusOK, st.table.appendList(nil, q))
}

func (s *Server) health(w http.ResponseWriter) int {
	uptime := math.Round(time.Since(s.started).Seconds()*1000) / 1000
	st := s.state.Load()
	if st == nil {
		b := append([]byte(`{"status":"loading","model_loaded":false,"model_version":null,"uptime_seconds":`), appendFloat(nil, uptime)...)
		return writeJSON(w, http.StatusServiceUnavailable, append(b, "}\n"...))
	}
	if s.draining.Load() {
		b := append([]byte(`{"status":"draining","model_loaded":true,"model_version":`), appendString(nil, st.model.Version())...)
		b = append(append(b, `,"uptime_seconds":`...), appendFloat(nil, uptime)...)
		return writeJSON(w, http.StatusServiceUnavailable, append(b, "}\n"...))
	}
	b := append([]byte(`{"status":"ok","model_loaded":true,"model_version":`), appendString(nil, st.model.Version())...)
	b = append(append(b, `,"uptime_seconds":`...), appendFloat(nil, uptime)...)
	return writeJSON(w, http.StatusOK, append(b, "}\n"...))
}

// modelInfo is the GET /model body.
type modelInfo struct {
	Version   string             `json:"version"`
	Format    string             `json:"format"`
	TrainedAt string             `json:"trained_at"`
	Source    string             `json:"source"`
	NumTrees  int                `json:"num_trees"`
	Features  []model.Feature    `json:"features"`
	Outputs   map[string]string  `json:"outputs"`
	Training  model.TrainingInfo `json:"training"`
	Metrics   model.Metrics      `json:"metrics"`
}

func encodeModelInfo(m *model.Model, source string) ([]byte, error) {
	a := m.Metadata()
	b, err := json.MarshalIndent(modelInfo{
		Version: a.Version, Format: a.Format, TrainedAt: a.TrainedAt, Source: source, NumTrees: m.NumTrees(),
		Features: a.Features, Training: a.Training, Metrics: a.Metrics,
		Outputs: map[string]string{
			"conversion_probability": "number in [0, 1]",
			"predicted_conversion":   "1 when conversion_probability ≥ 0.5, else 0",
			"segment":                "hot when conversion_probability ≥ 0.7, warm when ≥ 0.4, else cold",
			"model_version":          "the version above",
		},
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode model metadata: %w", err)
	}
	return append(b, '\n'), nil
}
