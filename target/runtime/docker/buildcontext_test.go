package docker

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi"
)

func TestCopySource(t *testing.T) {
	tests := []struct {
		name, dockerfile, want, wantErr string
	}{
		{"plain", "FROM scratch\nCOPY loadlab /loadlab\n", "loadlab", ""},
		{"json form and flags", "FROM scratch\ncopy --chmod=755 [\"./bin/loadlab\", \"/loadlab\"]\n", "bin/loadlab", ""},
		{"none", "FROM scratch\n", "", "found 0"},
		{"two", "FROM scratch\nCOPY a /a\nCOPY b /b\n", "", "found 2"},
		{"several sources", "FROM scratch\nCOPY a b /x/\n", "", "exactly one source"},
		{"glob", "FROM scratch\nCOPY load* /loadlab\n", "", "plain file path"},
	}
	for _, tt := range tests {
		got, err := copySource([]byte(tt.dockerfile))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: copySource = %q, %v; want error with %q", tt.name, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: copySource = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	// The shipped Dockerfile must be usable as it is.
	if _, err := copySource(refapi.ReferenceDockerfile); err != nil {
		t.Errorf("target/refapi/Dockerfile: %v", err)
	}
}

// TestTarDir checks the build context honours .dockerignore with Docker's
// semantics (exclusions included) and always sends the Dockerfile.
func TestTarDir(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"Dockerfile", "app", "junk.log", "data/keep.csv", "data/drop.csv", ".git/HEAD"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), "content of "+f)
	}
	writeFile(t, filepath.Join(dir, ".dockerignore"), "# comment\n*.log\n.git\ndata/*\n!data/keep.csv\nDockerfile\n")
	var buf bytes.Buffer
	if err := tarDir(&buf, dir); err != nil {
		t.Fatal(err)
	}
	var files []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			body, _ := io.ReadAll(tr)
			if string(body) != "content of "+h.Name && h.Name != ".dockerignore" {
				t.Errorf("%s has content %q", h.Name, body)
			}
			files = append(files, h.Name)
		}
	}
	slices.Sort(files)
	want := []string{".dockerignore", "Dockerfile", "app", "data/keep.csv"}
	if !slices.Equal(files, want) {
		t.Errorf("context files = %v, want %v", files, want)
	}
}
