package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// A request whose body is still arriving when shutdown starts must be
// answered; Serve then returns nil and the listener is closed.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	s, err := New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetModel(embedded(t), "embedded"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	// Start a request and send only half of its body.
	body := `{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`
	pr, pw := io.Pipe()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	type result struct {
		resp response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Post(url+"/predict", "application/json", pr)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{resp: response{status: resp.StatusCode, header: resp.Header, body: b}, err: err}
	}()
	if _, err := pw.Write([]byte(body[:20])); err != nil {
		t.Fatal(err)
	}
	// Wait until the handler is running: the scrape itself plus ours.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := get(t, url+"/metrics")
		if metricValue(t, r.body, "http_requests_in_flight") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slow request never reached the handler")
		}
		time.Sleep(10 * time.Millisecond)
	}
	http.DefaultClient.CloseIdleConnections()

	cancel() // as SIGTERM does in `loadlab serve`
	// New connections are refused once shutdown has begun.
	deadline = time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}

	if _, err := pw.Write([]byte(body[20:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-done
	if res.err != nil {
		t.Fatalf("in-flight request failed: %v", res.err)
	}
	var p predictionJSON
	decodeJSON(t, res.resp, &p)
	if res.resp.status != http.StatusOK {
		t.Fatalf("in-flight request: status %d", res.resp.status)
	}
	checkPrediction(t, embedded(t), model.Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: model.FormSubmit}, p)
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve after graceful shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the in-flight request finished")
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	addr := freeAddr(t)
	cfg := testConfig()
	cfg.Addr = addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, "embedded", model.Embedded) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never healthy: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestRunReportsLoadAndListenErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Addr = freeAddr(t)
	boom := errors.New("no such file")
	err := Run(context.Background(), cfg, "/models/x.json", func() (*model.Model, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "/models/x.json") {
		t.Fatalf("load failure: %v", err)
	}
	// The listener was released: the address can be bound again.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatalf("address still bound after a failed Run: %v", err)
	}
	defer ln.Close()
	err = Run(context.Background(), cfg, "embedded", model.Embedded)
	if err == nil || !strings.Contains(err.Error(), "listen on "+cfg.Addr) {
		t.Fatalf("address in use: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
