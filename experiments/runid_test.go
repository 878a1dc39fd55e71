package experiments

import (
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

// TestCreateRunDirNeverReuses: a results folder is created, never reused.
func TestCreateRunDirNeverReuses(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	dir, err := CreateRunDir(root, "r1")
	if err != nil || dir != filepath.Join(root, "r1") {
		t.Fatalf("CreateRunDir = %q, %v", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatal(err)
	}
	if _, err := CreateRunDir(root, "r1"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second CreateRunDir: %v, want an error saying the folder exists", err)
	}
}
