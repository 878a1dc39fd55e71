package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/report/rollout"
	"github.com/loadlab/loadlab/rundir"
)

// runRollouts measures e's rollout: block, once per order, each on a fresh
// deployment of e's one configuration: the seconds go to timeline.jsonl as
// they end, the held load's steps to w (repeat i for the i-th order), and
// the rollouts' windows to rollouts.json, written after each rollout so
// that an interrupted run keeps the ones measured. The deployment is
// always removed.
func (r *Runner) runRollouts(ctx context.Context, e Experiment, w *record.Writer, res *Result) error {
	ro := e.Rollout.WithDefaults()
	configs := e.Expand()
	if len(configs) != 1 {
		return fmt.Errorf("rollout: needs exactly one configuration, got %d", len(configs))
	}
	cfg := configs[0]
	tl, err := record.CreateTimeline(filepath.Join(r.Dir, rundir.TimelineFile))
	if err != nil {
		return err
	}
	defer tl.Close()
	var windows []rollout.Window
	for i, order := range ro.Orders {
		if ctx.Err() != nil {
			res.Interrupted = true
			return ctx.Err()
		}
		h, err := r.rolloutOnce(ctx, e, ro, cfg, i, order, tl)
		for _, rec := range h.Steps {
			if werr := w.Append(rec); werr != nil {
				return errors.Join(err, werr)
			}
			res.Steps++
		}
		if !h.Window.Start.IsZero() {
			h.Window.Message = h.Message
			windows = append(windows, h.Window)
			if werr := rundir.WriteFile(filepath.Join(r.Dir, rundir.RolloutsFile), windowsJSON(windows)); werr != nil {
				return errors.Join(err, werr)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				res.Interrupted = true
				res.Stage = StageRamp
			}
			res.Failed = append(res.Failed, fmt.Sprintf("%s (%s): %v", cfg.Name, order, err))
			return fmt.Errorf("rollout %s: %w", order, err)
		}
		fmt.Fprintf(r.Log, "rollout %s: %s in %.1f s; balancer %d connections, %d found no replica\n",
			order, h.Window.State, h.Window.End.Sub(h.Window.Start).Seconds(), h.Balancer.Accepted, h.Balancer.NoReplica)
	}
	return tl.Close()
}

// rolloutOnce deploys cfg, measures one rollout in order and removes the
// deployment.
func (r *Runner) rolloutOnce(ctx context.Context, e Experiment, ro Rollout, cfg record.Config, i int, order string, tl *record.TimelineWriter) (heldRollout, error) {
	spec := specFor(e, cfg, r.RunID)
	spec.Binary = r.Binary
	fmt.Fprintf(r.Log, "rollout %s: deploying %s (%d replicas)\n", order, cfg.Name, cfg.Replicas)
	dep, err := r.Runtime.Deploy(ctx, spec)
	if err != nil {
		return heldRollout{}, err // the runtime's error names the deploy and the configuration
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := dep.Close(cctx); cerr != nil {
			fmt.Fprintf(r.Log, "rollout %s: remove %s: %v\n", order, cfg.Name, cerr)
		}
	}()
	target, ok := dep.(rolloutTarget)
	if !ok {
		return heldRollout{}, fmt.Errorf("the %s runtime cannot roll a service: a rollout needs runtime: swarm", r.Runtime.Name())
	}
	tmpl := record.Record{Run: r.RunID, Repeat: i, Config: e.deployedOn(cfg, r.Runtime.Name(), r.Runtime.Approximate())}
	sc := e.Scenario
	return measureRollout(ctx, target, sc, ro, order, e.Target.HealthPath, tmpl, r.Seed+int64(i), tl.Append)
}

// windowsJSON is rollouts.json's content.
func windowsJSON(ws []rollout.Window) []byte {
	var b bytes.Buffer
	_ = rollout.WriteWindows(&b, ws) // a bytes.Buffer does not fail
	return b.Bytes()
}
