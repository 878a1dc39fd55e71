package swarm

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/target/runtime/docker"
)

// TestUpdateRollsToAnotherImage rolls a 2-replica service to a second
// tag of the reference image, start-first, one task at a time: Update
// returns once the manager accepted it, Versions moves from the old image
// to the new one, the update completes, and URLs follow the new tasks.
func TestUpdateRollsToAnotherImage(t *testing.T) {
	r := engine(t)
	spec := newSpec(t, record.Config{Name: "roll", CPUs: 0.5, MemoryBytes: 64 << 20, Replicas: 2})
	d := deploy(t, r, spec)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const v2 = "loadlab/reference-api:swarm-test-v2"
	if err := r.cli.ImageTag(ctx, docker.ReferenceImage, v2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = r.cli.ImageRemove(context.Background(), v2, image.RemoveOptions{}) })

	v, err := d.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{docker.ReferenceImage: 2}; !maps.Equal(v, want) {
		t.Fatalf("Versions before = %v, want %v", v, want)
	}
	if err := d.Update(ctx, v2, nil, UpdatePolicy{Parallelism: 1, Order: "start-first", FailureAction: "rollback", Delay: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for {
		state, msg, err := d.UpdateState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v, err = d.Versions(ctx); err != nil {
			t.Fatal(err)
		}
		if state == "completed" && maps.Equal(v, map[string]int{v2: 2}) {
			break
		}
		if state == "paused" || state == "rollback_started" || ctx.Err() != nil {
			t.Fatalf("update %q (%s), versions %v", state, msg, v)
		}
		time.Sleep(200 * time.Millisecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(d.URLs()) != 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, u := range d.URLs() {
		if n := drive(t, []string{u}, predictBody, 1, 2, 20*time.Second); n != 2 {
			t.Errorf("new task at %s: %d of 2 /predict answered", u, n)
		}
	}
	if evs := d.Events(); len(evs) != 0 {
		t.Errorf("a rollout is no failure, yet events %+v", evs)
	}
	if err := d.Update(ctx, "", nil, UpdatePolicy{Order: "sideways"}); err == nil {
		t.Error("Update accepted order sideways")
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertGone(t, r, spec.RunID)
}
