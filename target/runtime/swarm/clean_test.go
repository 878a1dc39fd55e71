package swarm

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime"
)

// TestCleanRemovesServicesOfDeadOwners leaves two services behind, one
// owned by a process that has exited and one by this live test: Clean
// with runtime.IsLeftover removes only the first (and its containers),
// Leftovers listed it before.
func TestCleanRemovesServicesOfDeadOwners(t *testing.T) {
	r := engine(t)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	deadSpec := newSpec(t, record.Config{Name: "dead", Replicas: 1})
	deadSpec.Owner = runtime.Owner{PID: cmd.Process.Pid, Host: host, Start: 1}
	dead := deploy(t, r, deadSpec)
	live := deploy(t, r, newSpec(t, record.Config{Name: "live", Replicas: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	listed, err := r.Leftovers(ctx, "", runtime.IsLeftover)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(listed, "service "+dead.Name()) || slices.Contains(listed, "service "+live.Name()) {
		t.Fatalf("Leftovers = %v: want %s and not %s", listed, dead.Name(), live.Name())
	}
	removed, err := r.Clean(ctx, deadSpec.RunID, runtime.IsLeftover)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{"service " + dead.Name()}) {
		t.Errorf("Clean removed %v, want the dead owner's service", removed)
	}
	assertGone(t, r, deadSpec.RunID)
	if len(live.URLs()) != 1 {
		t.Errorf("the live run's service lost its task: %v", live.URLs())
	}
	if err := dead.Close(ctx); err != nil {
		t.Errorf("Close after clean removed the service: %v", err)
	}
}
