package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestCleanRemovesLabelledLeftovers leaves a labelled network behind (as a
// killed run would) with the docker CLI, then runs `loadlab clean --run`.
func TestCleanRemovesLabelledLeftovers(t *testing.T) {
	requireDocker(t)
	run := fmt.Sprintf("clean-test-%d", os.Getpid())
	name := "loadlab-" + run
	if out, err := exec.Command("docker", "network", "create", "--label", "loadlab.run="+run, name).CombinedOutput(); err != nil {
		t.Fatalf("docker network create: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", name).Run() })

	var out bytes.Buffer
	dry := &cleanCmd{run: run, dryRun: true}
	if err := dry.exec(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "would remove network "+name+"\n"; got != want {
		t.Errorf("clean --dry-run printed %q, want %q", got, want)
	}
	out.Reset()
	if err := (&cleanCmd{run: run}).exec(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "removed network "+name+"\n"; got != want {
		t.Errorf("clean printed %q, want %q", got, want)
	}
	ls, err := exec.Command("docker", "network", "ls", "-q", "--filter", "label=loadlab.run="+run).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(ls)) != "" {
		t.Errorf("network still there after clean: %s", ls)
	}
	out.Reset()
	if err := (&cleanCmd{run: run}).exec(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "nothing to clean") {
		t.Errorf("second clean printed %q", out.String())
	}
}
