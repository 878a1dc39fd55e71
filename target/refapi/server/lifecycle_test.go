package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/target/refapi/model"
)

// A request whose body is still arriving when shutdown starts must be
// answered; Serve then returns nil and the listener is closed.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	sv := serveLoaded(t, testConfig())
	ln, url, cancel, served := sv.ln, sv.url, sv.cancel, sv.served

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
	testsrv.WaitUntil(t, 10*time.Second, "reached the handler with the slow request", func() error {
		r := get(t, url+"/metrics")
		if n := metricValue(t, r.body, "http_requests_in_flight"); n < 2 {
			return fmt.Errorf("%v requests in flight", n)
		}
		return nil
	})
	http.DefaultClient.CloseIdleConnections()

	cancel() // as SIGTERM does in `loadlab serve`
	// New connections are refused once shutdown has begun.
	testsrv.WaitUntil(t, 10*time.Second, "refused new connections after shutdown began", func() error {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			return nil
		}
		c.Close()
		return errors.New("the listener still accepts")
	})
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
	testsrv.WaitStopped(t, served, 10*time.Second, "Serve")
}

func TestRunServesUntilCancelled(t *testing.T) {
	addr := testsrv.FreeAddr(t)
	cfg := testConfig()
	cfg.Addr = addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, "embedded", model.Embedded) }()
	testsrv.WaitUntil(t, 10*time.Second, "healthy", func() error {
		resp, err := http.Get("http://" + addr + "/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /health: %s", resp.Status)
		}
		return nil
	})
	http.DefaultClient.CloseIdleConnections()
	cancel()
	testsrv.WaitStopped(t, done, 10*time.Second, "Run")
}

func TestRunReportsLoadAndListenErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Addr = testsrv.FreeAddr(t)
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
