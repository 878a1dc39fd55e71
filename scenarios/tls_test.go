package scenarios

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// writeServerCA writes the certificate of a self-signed TLS test server as
// PEM into dir/name.
func writeServerCA(t *testing.T, dir, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, name), pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestParseTLS(t *testing.T) {
	dir := t.TempDir()
	srv := writeServerCA(t, dir, "ca.pem")
	src := "ramp: 1\nrequests: [{path: /p}]\ntls:\n  ca_file: ca.pem\n  insecure_skip_verify: false\n"
	s, err := Parse(filepath.Join(dir, "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.TLS.CAFile != "ca.pem" || s.TLS.InsecureSkipVerify {
		t.Fatalf("tls %+v", s.TLS)
	}
	// ca_file resolves against the scenario's directory, and the
	// configuration trusts the server.
	cfg, err := s.TLS.Config(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), cfg)
	if err != nil {
		t.Fatalf("handshake with the trusted server: %v", err)
	}
	conn.Close()

	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// Read back from another folder, as from a results folder: the CA file
	// is written as an absolute path, so it is still found.
	back, err := Parse(filepath.Join(t.TempDir(), "back.yaml"), out)
	if err != nil || back.TLS.CAFile != filepath.Join(dir, "ca.pem") || back.TLS.InsecureSkipVerify {
		t.Errorf("round trip: %+v, %v:\n%s", back.TLS, err, out)
	}
	insecure, err := Parse(filepath.Join(dir, "i.yaml"), []byte("ramp: 1\nrequests: [{path: /p}]\ntls: {insecure_skip_verify: true}\n"))
	if err != nil || !insecure.TLS.InsecureSkipVerify {
		t.Errorf("insecure: %+v, %v", insecure.TLS, err)
	}
}

func TestParseTLSErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")}), 0o600); err != nil {
		t.Fatal(err)
	}
	const head = "ramp: 1\nrequests: [{path: /p}]\ntls:\n"
	for _, c := range []struct{ yaml, want string }{
		{head + "  ca_file: missing.pem\n", `s.yaml:4: tls.ca_file: cannot read "` + filepath.Join(dir, "missing.pem")},
		{head + "  ca_file: junk.pem\n", `s.yaml:4: tls.ca_file: "` + filepath.Join(dir, "junk.pem") + `" holds no PEM certificate`},
		{head + "  ca_file: bad.pem\n", `s.yaml:4: tls.ca_file: "` + filepath.Join(dir, "bad.pem") + `": certificate 1 does not parse`},
		{head + "  insecure_skip_verify: maybe\n", `s.yaml:4: tls.insecure_skip_verify: must be true or false`},
		{head + "  cafile: x.pem\n", `s.yaml:4: tls.cafile: unknown field (did you mean "ca_file"?`},
	} {
		_, err := Parse(filepath.Join(dir, "s.yaml"), []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestSetTLSMakesCAFileAbsolute(t *testing.T) {
	var s Scenario
	if err := s.SetTLS("certs/ca.pem", true); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if s.TLS.CAFile != filepath.Join(wd, "certs/ca.pem") || !s.TLS.InsecureSkipVerify {
		t.Errorf("tls %+v", s.TLS)
	}
}
