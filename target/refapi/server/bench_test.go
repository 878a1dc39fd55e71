package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// discardWriter is a reusable ResponseWriter, so handler benchmarks measure
// the handler rather than httptest.ResponseRecorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// benchHandler runs POST /predict with body through ServeHTTP (decode,
// validate, predict, encode, metrics) without the network.
func benchHandler(b *testing.B, body string) {
	s, err := New(testConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.SetModel(embedded(b), "embedded"); err != nil {
		b.Fatal(err)
	}
	rd := bytes.NewReader(nil)
	req, err := http.NewRequest(http.MethodPost, "/predict", rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Body = io.NopCloser(rd) // NewRequest saw an empty reader
	w := &discardWriter{h: http.Header{}}
	raw := []byte(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(raw)
		req.ContentLength = int64(len(body))
		s.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

func batchBody(n int) string {
	leads := model.GenerateLeads(5, n)
	parts := make([]string, n)
	for i, l := range leads {
		parts[i] = leadJSON(l)
	}
	return `{"instances":[` + strings.Join(parts, ",") + `]}`
}

func BenchmarkHandlerPredictOne(b *testing.B) {
	benchHandler(b, `{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`)
}

func BenchmarkHandlerPredictBatch100(b *testing.B) { benchHandler(b, batchBody(100)) }

func BenchmarkDecodePredictOne(b *testing.B) {
	body := []byte(`{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`)
	var req predictRequest
	b.ReportAllocs()
	for b.Loop() {
		if err := decodePredict(body, 1000, &req); err != nil || len(req.errs) > 0 {
			b.Fatal(err, req.errs)
		}
	}
}

func BenchmarkDecodePredictBatch100(b *testing.B) {
	body := []byte(batchBody(100))
	var req predictRequest
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := decodePredict(body, 1000, &req); err != nil || len(req.errs) > 0 {
			b.Fatal(err, req.errs)
		}
	}
}

// oneMiBBody is {"instances":[item,item,…]} or, with instances false,
// {"k0":item,"k1":item,…}, filled to about 1 MiB: the largest body the
// default configuration accepts.
func oneMiBBody(item string, instances bool) []byte {
	var b bytes.Buffer
	if instances {
		b.WriteString(`{"instances":[`)
	} else {
		b.WriteString(`{`)
	}
	for i := 0; b.Len() < 1<<20-32; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if !instances {
			fmt.Fprintf(&b, `"k%d":`, i)
		}
		b.WriteString(item)
	}
	if instances {
		b.WriteString(`]`)
	}
	b.WriteString(`}`)
	return b.Bytes()
}

// BenchmarkDecodePredictHuge decodes 1 MiB bodies that must be refused
// cheaply: batches far over the limit, and a lead among many unknown keys.
func BenchmarkDecodePredictHuge(b *testing.B) {
	for _, c := range []struct {
		name string
		body []byte
	}{
		{"TooLongObjects", oneMiBBody(`{}`, true)},
		{"TooLongNumbers", oneMiBBody(`1`, true)},
		{"UnknownKeys", oneMiBBody(`0`, false)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var req predictRequest
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := decodePredict(c.body, 1000, &req); err != nil || len(req.errs) == 0 {
					b.Fatal(err, req.errs)
				}
			}
		})
	}
}
