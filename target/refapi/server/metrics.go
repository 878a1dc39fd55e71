package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// endpoint is a route of the API, the "endpoint" label of its metrics.
type endpoint uint8

const (
	epPredict endpoint = iota
	epPrediction
	epPredictions
	epStats
	epHealth
	epMetrics
	epModel
	epChatCompletions
	epCompletions
	epModels
	epOther
	numEndpoints
)

var endpointLabels = [numEndpoints]string{
	"/predict", "/predictions/{lead_id}", "/predictions", "/stats", "/health", "/metrics", "/model",
	"/v1/chat/completions", "/v1/completions", "/v1/models", "other",
}

// commonStatuses get pre-resolved counter children; others are looked up.
var commonStatuses = [...]int{200, 400, 404, 405, 413, 422, 500, 503}

// metrics holds the API's Prometheus collectors on a registry of its own.
// Label children are resolved once so the hot path is a few atomic adds.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	requestsBy  [numEndpoints][len(commonStatuses)]prometheus.Counter
	latency     [numEndpoints]prometheus.Observer
	inFlight    prometheus.Gauge
	predictions [model.NumSegments]prometheus.Counter
	modelInfo   *prometheus.GaugeVec
	llm         *llmMetrics
	handler     http.Handler
}

func newMetrics() *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests served, by endpoint and status code.",
	}, []string{"endpoint", "status"})
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time from the start of the handler to the end of the response write, by endpoint.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
	}, []string{"endpoint"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "http_requests_in_flight",
		Help: "Requests being served right now.",
	})
	preds := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "model_predictions_total",
		Help: "Leads scored by POST /predict, by segment.",
	}, []string{"segment"})
	m.modelInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "model_info",
		Help: "1 for the loaded model's version.",
	}, []string{"version"})
	m.registry.MustRegister(m.requests, lat, m.inFlight, preds, m.modelInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.llm = newLLMMetrics(m.registry)
	for e := range numEndpoints {
		m.latency[e] = lat.WithLabelValues(endpointLabels[e])
		for i, code := range commonStatuses {
			m.requestsBy[e][i] = m.requests.WithLabelValues(endpointLabels[e], strconv.Itoa(code))
		}
	}
	for s := range model.NumSegments {
		m.predictions[s] = preds.WithLabelValues(s.String())
	}
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// observe records one finished request.
func (m *metrics) observe(e endpoint, status int, d time.Duration) {
	m.latency[e].Observe(d.Seconds())
	for i, code := range commonStatuses {
		if code == status {
			m.requestsBy[e][i].Inc()
			return
		}
	}
	m.requests.WithLabelValues(endpointLabels[e], strconv.Itoa(status)).Inc()
}

// countPredictions adds scored leads per segment.
func (m *metrics) countPredictions(bySegment *[model.NumSegments]int) {
	for s, n := range bySegment {
		if n > 0 {
			m.predictions[s].Add(float64(n))
		}
	}
}

func (m *metrics) setModel(version string) {
	m.modelInfo.Reset()
	m.modelInfo.WithLabelValues(version).Set(1)
}
