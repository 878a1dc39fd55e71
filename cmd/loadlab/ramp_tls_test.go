package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
)

// TestRampTLSFlags: against a self-signed HTTPS server, a ramp without TLS
// flags records tls errors and shows their cause; --ca-file and --insecure
// make it succeed; an unreadable --ca-file is refused before any load.
func TestRampTLSFlags(t *testing.T) {
	srv, ca := testsrv.SelfSignedTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	dir := t.TempDir()
	ramp := func(name string, extra ...string) ([]record.Record, string, error) {
		out := filepath.Join(dir, name)
		var stdout, stderr bytes.Buffer
		root := newRootCmd("test")
		root.SetArgs(append([]string{"ramp", "--url", srv.URL, "--users", "2", "--hold", "500ms", "--think", "20ms", "--out", out}, extra...))
		root.SetOut(&stdout)
		root.SetErr(&stderr)
		if err := root.ExecuteContext(context.Background()); err != nil {
			return nil, stdout.String(), err
		}
		recs, err := record.ReadFile(out)
		return recs, stdout.String(), err
	}

	recs, table, err := ramp("plain")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Requests == 0 || recs[0].ErrorsByKind["tls"] != recs[0].Requests {
		t.Errorf("without TLS flags: %+v", recs)
	} else if !strings.Contains(table, "certificate signed by unknown authority") {
		t.Errorf("the table does not show the TLS cause:\n%s", table)
	}
	for _, flags := range [][]string{{"--ca-file", ca}, {"--insecure"}} {
		recs, _, err := ramp(strings.TrimLeft(flags[0], "-"), flags...)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Requests == 0 || recs[0].Errors != 0 {
			t.Errorf("%v: %+v", flags, recs)
		}
	}
	if _, _, err := ramp("missing", "--ca-file", filepath.Join(dir, "nope.pem")); err == nil || !isUsage(err) || !strings.Contains(err.Error(), "tls.ca_file: cannot read") {
		t.Errorf("missing --ca-file: %v, want a usage error", err)
	}
}
