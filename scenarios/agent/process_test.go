package agent

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadlab/loadlab/internal/apitest"
	"github.com/loadlab/loadlab/internal/testsrv"
	"github.com/loadlab/loadlab/record"
	"github.com/loadlab/loadlab/scenarios/engine"
)

// TestLocalAgentProcesses: the local launcher starts two real `loadlab
// agent` processes (the static binary), which register with the token
// from their environment and ramp; a step they both ran is the exact sum
// of their records; SIGKILL of one of them mid-step makes that step
// partial naming it (no record after the grace), the ramp ends with
// ErrAgentLost, and closing the fleet leaves no agent process.
func TestLocalAgentProcesses(t *testing.T) {
	bin := apitest.Binary(t)
	srv := testsrv.NewTruth(t, "", 5*time.Millisecond, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	log := &apitest.SyncBuffer{}
	l := &Local{Binary: bin, Log: log}
	f, err := Start(ctx, "127.0.0.1:0", 2, l)
	if err != nil {
		t.Fatalf("%v\nagents' output:\n%s", err, log.String())
	}
	pids := l.PIDs()
	closed := false
	defer func() {
		if !closed {
			_ = f.Close()
		}
	}()
	raw := &rawResults{}
	f.observe = raw.observe
	victim := f.Agents()[1]
	if victim.PID == 0 || !strings.HasPrefix(victim.Agent, "local-") {
		t.Fatalf("registered agent: %+v", victim)
	}
	sc := closedScenario([]float64{4, 4, 4}, 3*time.Second, 500*time.Millisecond)
	out, err := f.Run(ctx, sc, []string{srv.URL}, engine.Options{
		Hooks: engine.Hooks{Emit: func(rec record.Record) error {
			if rec.Step == 0 {
				time.AfterFunc(1500*time.Millisecond, func() { _ = syscall.Kill(victim.PID, syscall.SIGKILL) })
			}
			return nil
		}},
	})
	if !errors.Is(err, ErrAgentLost) {
		t.Fatalf("err = %v, want ErrAgentLost\nagents' output:\n%s", err, log.String())
	}
	if len(out.Steps) != 2 {
		t.Fatalf("%d steps, want 2", len(out.Steps))
	}
	first := out.Steps[0]
	parts := raw.of(0)
	if first.Partial || len(parts) != 2 || first.Requests != parts[0].Requests+parts[1].Requests || first.Requests == 0 {
		t.Errorf("step 0: partial %v, %d agent records, merged %d requests", first.Partial, len(parts), first.Requests)
	}
	second := out.Steps[1]
	if !second.Partial || !strings.Contains(second.StopReason, victim.Agent) || !strings.Contains(second.StopReason, "no record") {
		t.Errorf("step 1: partial %v, reason %q; want partial naming %s", second.Partial, second.StopReason, victim.Agent)
	}
	if second.Requests == 0 {
		t.Error("step 1 lost the surviving agent's measurements")
	}
	if strings.Contains(log.String(), f.token) {
		t.Error("an agent logged the run's token")
	}
	if err := f.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	closed = true
	testsrv.WaitUntil(t, 5*time.Second, "every agent process gone", func() error {
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				return errors.New("an agent process remains")
			}
		}
		return nil
	})
	t.Logf("step 1: %s", second.StopReason)
}
