package experiments

import (
	"context"
	"testing"
	"time"

	"github.com/loadlab/loadlab/target/runtime"
)

// TestChallengerDocker runs the champion/challenger experiment under the
// docker runtime with two images: the reference image and a second tag of
// it as the challenger (which also burns 2 ms of CPU per request more, so
// that it is measurably slower); see checkChallengerRun. Both versions'
// containers are removed, and so is the second tag.
func TestChallengerDocker(t *testing.T) {
	rt := dockerRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	v2 := tagChallengerImage(t, ctx)
	e, err := Parse("cc.yaml", []byte(challengerText("{image: "+v2+", env: {LOADLAB_EXTRA_CPU_PER_REQUEST: 2ms}}")))
	if err != nil {
		t.Fatal(err)
	}
	run := faultRunID(t)
	t.Cleanup(func() { assertRunRemoved(t, run) })
	dir := t.TempDir()
	res, runErr, recs, log := runRecordedIn(t, &Runner{Runtime: rt, RunID: run}, e, dir, 2*time.Minute)
	checkChallengerRun(t, dir, res, runErr, recs, log)
	for _, r := range recs {
		if r.Config.Runtime != "docker" || r.Config.Approximate {
			t.Fatalf("record of %s on %q (approximate %v)", r.Config.Name, r.Config.Runtime, r.Config.Approximate)
		}
	}
}

// tagChallengerImage builds the reference image when needed, tags it a
// second time as the challenger's image and returns that tag, removed at
// the test's end.
func tagChallengerImage(t *testing.T, ctx context.Context) string {
	t.Helper()
	img, err := dockerRuntime(t).ResolveImage(ctx, runtime.Spec{Binary: referenceBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	const v2 = "loadlab/reference-api:challenger-test-v2"
	if out, err := dockerCLI(t, "tag", img.Ref, v2); err != nil {
		t.Fatalf("docker tag: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := dockerCLI(t, "rmi", v2); err != nil {
			t.Errorf("docker rmi %s: %v: %s", v2, err, out)
		}
	})
	return v2
}
