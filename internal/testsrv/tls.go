package testsrv

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// SelfSignedTLS starts an HTTPS server with httptest's self-signed
// certificate, serving h and closed when the test ends; the handshakes it
// rejects are not logged. It writes the certificate as PEM to caFile, a
// file in a fresh test folder, for clients that are told to trust it.
func SelfSignedTLS(t testing.TB, h http.Handler) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}
