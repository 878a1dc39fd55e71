package engine

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios"
)

// TestTLSSelfSignedServer: HTTPS to a self-signed server fails as kind
// tls with the certificate problem shown, in both models, and succeeds
// when the scenario trusts its certificate (ca_file) or skips
// verification.
func TestTLSSelfSignedServer(t *testing.T) {
	srv, caFile := testsrv.SelfSignedTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	src := &cycleSource{reqs: []scenarios.Request{get("/")}}
	for _, c := range []struct {
		name, model string
		tls         scenarios.TLS
		ok          bool
	}{
		{"users without options", record.ModelUsers, scenarios.TLS{}, false},
		{"rate without options", record.ModelRate, scenarios.TLS{}, false},
		{"users with ca_file", record.ModelUsers, scenarios.TLS{CAFile: caFile}, true},
		{"rate with ca_file", record.ModelRate, scenarios.TLS{CAFile: caFile}, true},
		{"users insecure", record.ModelUsers, scenarios.TLS{InsecureSkipVerify: true}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := testScenario(c.model)
			sc.Think = scenarios.Think{Min: 20 * time.Millisecond, Max: 20 * time.Millisecond}
			sc.TLS = c.tls
			_, recs, err := runTest(t, sc, modelSteps(c.model, 600*time.Millisecond), src, []string{srv.URL}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := recs[0]
			if c.ok {
				if rec.Requests < 3 || rec.Errors != 0 {
					t.Errorf("requests %d errors %v %v: want all answered", rec.Requests, rec.ErrorsByKind, rec.ErrorSamples)
				}
				return
			}
			if rec.Requests < 3 || rec.ErrorsByKind[kindTLS] != rec.Requests {
				t.Errorf("requests %d errors by kind %v: want every one %s", rec.Requests, rec.ErrorsByKind, kindTLS)
			}
			msg := rec.ErrorSamples[kindTLS]
			if !strings.Contains(msg, "certificate signed by unknown authority") {
				t.Errorf("error sample %q: want the certificate problem named", msg)
			}
			var table strings.Builder
			if err := RenderTable(&table, recs); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(table.String(), "first tls: ") {
				t.Errorf("the table does not show the TLS cause:\n%s", table.String())
			}
		})
	}
}

// TestVerifiesWithSystemRoots: the system's roots are loaded before the
// load starts exactly when an https base will be verified against them.
func TestVerifiesWithSystemRoots(t *testing.T) {
	bases, err := parseBases([]string{"http://127.0.0.1:8000", "https://127.0.0.1:8443"})
	if err != nil {
		t.Fatal(err)
	}
	plain, https := bases[:1], bases[1:]
	for _, c := range []struct {
		name  string
		bases []*base
		cfg   *tls.Config
		want  bool
	}{
		{"http only", plain, nil, false},
		{"https, defaults", bases, nil, true},
		{"https, empty config", https, &tls.Config{}, true},
		{"https, own roots (ca_file)", https, &tls.Config{RootCAs: x509.NewCertPool()}, false},
		{"https, insecure", https, &tls.Config{InsecureSkipVerify: true}, false},
	} {
		if got := verifiesWithSystemRoots(c.bases, c.cfg); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
