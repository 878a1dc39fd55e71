package rundir

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunIDUniqueAndSorted: runs started in the same second get distinct
// IDs (they label containers and name results folders), and IDs sort by
// start time whatever the experiment's name.
func TestRunIDUniqueAndSorted(t *testing.T) {
	now := time.Date(2026, 11, 30, 7, 58, 55, 0, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		id := NewRunID(now, "quick")
		if seen[id] {
			t.Fatalf("run ID %s made twice in the same second", id)
		}
		seen[id] = true
		if !regexp.MustCompile(`^20261130T075855Z-quick-[0-9a-f]{6}$`).MatchString(id) {
			t.Fatalf("run ID %q: want <UTC time>-<name>-<6 hex>", id)
		}
	}
	ids := []string{
		NewRunID(now.Add(2*time.Second), "aaa"),
		NewRunID(now, "zzz"),
		NewRunID(now.Add(time.Second).In(time.FixedZone("x", 3600)), "mmm"),
	}
	slices.Sort(ids)
	for i, want := range []string{"zzz", "mmm", "aaa"} {
		if !strings.Contains(ids[i], "-"+want+"-") {
			t.Errorf("sorted IDs %v: position %d should be %s", ids, i, want)
		}
	}
}

// TestCreateNeverReuses: a results folder is created, never reused.
func TestCreateNeverReuses(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	dir, err := Create(root, "r1")
	if err != nil || dir != filepath.Join(root, "r1") {
		t.Fatalf("Create = %q, %v", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatal(err)
	}
	if _, err := Create(root, "r1"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second Create: %v, want an error saying the folder exists", err)
	}
}

// TestCreateStepsNeverAppends: a folder the user names may exist, but its
// steps.jsonl must not: a ramp never appends to another run's steps.
func TestCreateStepsNeverAppends(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mine")
	w, err := CreateSteps(dir)
	if err != nil {
		t.Fatalf("CreateSteps: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, StepsFile)); err != nil {
		t.Fatalf("no step file: %v", err)
	}
	if _, err := CreateSteps(dir); !errors.Is(err, ErrStepsExist) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second CreateSteps: %v, want ErrStepsExist naming %s", err, dir)
	}
}
