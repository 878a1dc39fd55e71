package engine

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// faultHandler answers /ok with 200, /fail with 500 and /reset by
// resetting the connection (RST) after reading the request.
func faultHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/fail":
		http.Error(w, "boom", http.StatusInternalServerError)
	case "/reset":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		conn.(interface{ SetLinger(int) error }).SetLinger(0)
		conn.Close()
	default:
		w.Write([]byte("ok"))
	}
}

// faultMix is 100 requests: 3 to /fail, 2 to /reset, the rest to /ok.
func faultMix() *cycleSource {
	var reqs []scenarios.Request
	for i := 0; i < 100; i++ {
		switch {
		case i%33 == 10:
			reqs = append(reqs, get("/fail"))
		case i == 25 || i == 75:
			reqs = append(reqs, get("/reset"))
		default:
			reqs = append(reqs, get("/ok"))
		}
	}
	return &cycleSource{reqs: reqs}
}

func TestErrorsCountedByKind(t *testing.T) {
	for _, model := range []string{record.ModelUsers, record.ModelRate} {
		t.Run(model, func(t *testing.T) {
			srv := newTestServer(t, faultHandler)
			sc := testScenario(model)
			sc.Think = scenarios.Think{Min: 5 * time.Millisecond, Max: 10 * time.Millisecond}
			steps := userSteps(1500*time.Millisecond, 300*time.Millisecond, 8)
			if model == record.ModelRate {
				steps = rateSteps(1500*time.Millisecond, 300*time.Millisecond, 400)
			}
			var saved apitest.SyncBuffer
			_, recs, err := runTest(t, sc, steps, faultMix(), []string{srv.URL}, Options{Results: &saved})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if rec.Requests < 100 {
				t.Fatalf("only %d requests", rec.Requests)
			}
			// The truth: saved results by the path they were sent to, ending
			// inside the window (with a margin either side, so that a result
			// at the window's edge cannot decide the count).
			start, end := measuredWindow(rec, steps[0].Settle)
			const edge = 5 * time.Millisecond
			inner := map[string]int64{}
			outer := map[string]int64{}
			for _, r := range savedResults(t, &saved) {
				u, _ := url.Parse(r.URL)
				e := r.End()
				if e.After(start.Add(edge)) && e.Before(end.Add(-edge)) {
					inner[u.Path]++
				}
				if e.After(start.Add(-edge)) && e.Before(end.Add(edge)) {
					outer[u.Path]++
				}
				if (u.Path == "/ok") != (r.Error == "") {
					t.Errorf("saved result %s has error %q", u.Path, r.Error)
				}
			}
			for kind, path := range map[string]string{"http_500": "/fail", "reset": "/reset"} {
				got := rec.ErrorsByKind[kind]
				if got < inner[path] || got > outer[path] || got == 0 {
					t.Errorf("errors_by_kind[%s] = %d, want the %d–%d requests to %s in the window", kind, got, inner[path], outer[path], path)
				}
			}
			if len(rec.ErrorsByKind) != 2 || rec.Errors != rec.ErrorsByKind["http_500"]+rec.ErrorsByKind["reset"] {
				t.Errorf("errors %d by kind %v: want only http_500 and reset", rec.Errors, rec.ErrorsByKind)
			}
			if rec.StatusCodes["500"] != rec.ErrorsByKind["http_500"] || rec.StatusCodes["0"] != rec.ErrorsByKind["reset"] {
				t.Errorf("status_codes %v vs errors_by_kind %v", rec.StatusCodes, rec.ErrorsByKind)
			}
			if !within(rec.ErrorRate, 0.05, 0.2) {
				t.Errorf("error rate %.4f, want ≈ 5%% (3%% 500s + 2%% resets)", rec.ErrorRate)
			}
			if rec.LatencyOK.P50 == 0 || rec.Successes != rec.Requests-rec.Errors {
				t.Errorf("successes %d of %d, latency_ok %+v", rec.Successes, rec.Requests, rec.LatencyOK)
			}
		})
	}
}

func TestTimeoutsCountedAndStepEndsOnSchedule(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	sc := testScenario(record.ModelUsers)
	sc.Timeout = 200 * time.Millisecond
	steps := userSteps(time.Second, 0, 3)
	start := time.Now()
	recs := runGET(t, sc, steps, srv.URL)
	if d := time.Since(start); d > 1800*time.Millisecond {
		t.Errorf("a 1 s step took %s with hanging requests", d)
	}
	rec := recs[0]
	if rec.ErrorsByKind["timeout"] < 6 || rec.Errors != rec.ErrorsByKind["timeout"] {
		t.Errorf("errors_by_kind %v: want timeouts only, ≈ 3 users × 5/s", rec.ErrorsByKind)
	}
	if rec.Latency.P50 < 195 || rec.Latency.P50 > 260 {
		t.Errorf("p50 %.1f ms of timed-out requests, want ≈ the 200 ms timeout", rec.Latency.P50)
	}
}

func TestRefusedConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sc := testScenario(record.ModelUsers)
	sc.Think = scenarios.Think{Min: 20 * time.Millisecond, Max: 20 * time.Millisecond}
	sc.Stop.AbortErrorRate = 0.5
	_, recs, err := runTest(t, sc, userSteps(400*time.Millisecond, 0, 2, 4), &cycleSource{reqs: []scenarios.Request{get("/")}}, []string{"http://" + addr}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d steps ran, want the ramp aborted after the first", len(recs))
	}
	rec := recs[0]
	if rec.ErrorsByKind["refused"] == 0 || rec.Errors != rec.ErrorsByKind["refused"] || rec.ErrorRate != 1 {
		t.Errorf("errors_by_kind %v error_rate %g: want all refused", rec.ErrorsByKind, rec.ErrorRate)
	}
	if !strings.HasPrefix(rec.StopReason, "error rate 100.00% exceeds abort_error_rate") {
		t.Errorf("stop_reason %q", rec.StopReason)
	}
}

func TestClassify(t *testing.T) {
	opErr := func(e error) error { return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", e)} }
	for _, c := range []struct {
		err  error
		want string
	}{
		{os.ErrDeadlineExceeded, kindTimeout},
		{errPoolWait, kindTimeout},
		{opErr(syscall.ECONNREFUSED), kindRefused},
		{opErr(syscall.ECONNRESET), kindReset},
		{opErr(syscall.EPIPE), kindReset},
		{io.EOF, kindEOF},
		{io.ErrUnexpectedEOF, kindEOF},
		{errors.New("tls: bad certificate"), kindOther},
		{&tlsError{addr: "h:443", err: errors.New("x509: certificate signed by unknown authority")}, kindTLS},
		{errHeaderTooLarge, kindHeaderTooLarge},
		{deadlineError{errors.New("cannot read chunk size")}, kindTimeout},
	} {
		if got := classify(c.err); got != c.want {
			t.Errorf("classify(%v) = %s, want %s", c.err, got, c.want)
		}
	}
	if !expected(204, nil) || expected(302, nil) || !expected(422, []int{422}) || expected(200, []int{422}) {
		t.Error("expected() misjudges statuses")
	}
}
