package experiments

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/swarmtest"
	"github.com/loadlab/loadlab/target/runtime/swarm"
)

// TestChallengerSwarm runs the champion/challenger experiment under the
// swarm runtime on a real single-node swarm: two services, of the
// reference image and of a second tag of it (see tagChallengerImage), in
// lockstep; see checkChallengerRun. No service or container is left.
func TestChallengerSwarm(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sw, err := swarmtest.Start(ctx, 3*time.Minute)
	apitest.RequireDocker(t, err)
	defer func() {
		if err := sw.Stop(); err != nil {
			t.Error(err)
		}
	}()
	v2 := tagChallengerImage(t, ctx)
	rt, err := swarm.New(ctx, swarm.Options{Constraints: []string{"node.id==" + sw.NodeID}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	e, err := Parse("cc.yaml", []byte(challengerText("{image: "+v2+", env: {LOADLAB_EXTRA_CPU_PER_REQUEST: 2ms}}")))
	if err != nil {
		t.Fatal(err)
	}
	run := faultRunID(t)
	dir := t.TempDir()
	res, runErr, recs, log := runRecordedIn(t, &Runner{Runtime: rt, RunID: run}, e, dir, 3*time.Minute)
	checkChallengerRun(t, dir, res, runErr, recs, log)
	for _, r := range recs {
		if r.Config.Runtime != "swarm" {
			t.Fatalf("record of %s on %q", r.Config.Name, r.Config.Runtime)
		}
	}
	for _, what := range [][]string{{"service", "ls"}, {"ps", "-a"}} {
		args := append(what, "-q", "--filter", "label=loadlab.run="+run)
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "" {
			t.Errorf("docker %s after the run: %q %v", strings.Join(args, " "), out, err)
		}
	}
}
