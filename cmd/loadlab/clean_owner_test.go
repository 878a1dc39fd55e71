package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/experiments"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/rundir"
	"github.com/loadlab/loadlab/target/runtime"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// TestCleanKeepsLiveRuns deploys two configurations of one run, one owned
// by this (live) process and one by a process that has exited: `loadlab
// clean --run` lists and removes only the dead owner's container and
// network, the live one keeps serving; --force removes it too.
func TestCleanKeepsLiveRuns(t *testing.T) {
	requireDocker(t)
	ctx := context.Background()
	rt, err := docker.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	run := rundir.NewRunID(time.Now(), "owner-test")
	t.Cleanup(func() { cleanDockerRun(run) })

	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	owners := map[string]runtime.Owner{
		"live": runtime.Self(),
		"dead": {PID: gone.Process.Pid, Host: host, Start: 1},
	}
	deps := map[string]*docker.Deployment{}
	for _, name := range []string{"live", "dead"} {
		spec := runtime.Spec{RunID: run, Owner: owners[name], Config: record.Config{Name: name, CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 1},
			Binary: loadlabBinary(t), HealthTimeout: 30 * time.Second}
		d, err := rt.Deploy(ctx, spec)
		if err != nil {
			t.Fatalf("deploy %s: %v", name, err)
		}
		t.Cleanup(func() { _ = d.Close(context.Background()) })
		deps[name] = d.(*docker.Deployment)
	}
	objects := func(name string) []string {
		d := deps[name]
		return []string{"container " + d.Names()[0], "network " + d.Network()}
	}
	pids, err := exec.Command("docker", "ps", "--filter", "label=loadlab.run="+run, "--format", `{{.Label "loadlab.owner.pid"}}`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(pids)); len(got) != 2 || !slices.Contains(got, strconv.Itoa(os.Getpid())) {
		t.Errorf("containers' loadlab.owner.pid labels: %q", got)
	}

	// The warning at a run's start names the dead owner's objects only.
	ert, err := experiments.SelectRuntime(ctx, "docker", experiments.Experiment{})
	if err != nil {
		t.Fatal(err)
	}
	warn := ert.Leftovers(ctx)
	ert.Close()
	if !strings.Contains(warn, objects("dead")[1]) || strings.Contains(warn, objects("live")[1]) {
		t.Errorf("run-start warning must name the dead owner's network and not the live one's: %s", warn)
	}

	clean := func(c *cleanCmd) string {
		t.Helper()
		var out bytes.Buffer
		if err := c.exec(ctx, &out); err != nil {
			t.Fatalf("clean %+v: %v\n%s", c, err, out.String())
		}
		return out.String()
	}
	out := clean(&cleanCmd{run: run, dryRun: true})
	for _, o := range objects("dead") {
		if !strings.Contains(out, "would remove "+o+"\n") {
			t.Errorf("clean --dry-run does not list the dead owner's %s:\n%s", o, out)
		}
	}
	if strings.Contains(out, "would remove "+objects("live")[0]) || !strings.Contains(out, "kept run "+run+": its owner, loadlab process") {
		t.Errorf("clean --dry-run lists the live run or does not say it keeps it:\n%s", out)
	}

	out = clean(&cleanCmd{run: run})
	left := dockerLeftovers(t, run)
	slices.Sort(left)
	want := objects("live")
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("after clean: %v left, want exactly the live run's %v; clean printed:\n%s", left, want, out)
	}
	resp, err := http.Get(deps["live"].URLs()[0] + "/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the live deployment no longer answers after clean: %v", err)
	}
	if resp != nil {
		resp.Body.Close()
	}

	out = clean(&cleanCmd{run: run, force: true})
	if left := dockerLeftovers(t, run); len(left) != 0 || !strings.Contains(out, "removed "+objects("live")[0]) {
		t.Errorf("clean --force left %v; printed:\n%s", left, out)
	}
}
