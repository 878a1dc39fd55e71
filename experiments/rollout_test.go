package experiments

import (
	"strings"
	"testing"
	"time"

	"github.com/loadlab/loadlab/record"
)

// TestRolloutProblems refuses every bad rollout: block before anything is
// deployed, naming the file, line, field and fix.
func TestRolloutProblems(t *testing.T) {
	const head = "name: r\nruntime: swarm\nconfigs: [{name: a, cpus: 0.5, memory: 64m}]\nscenario: {model: users, think: {min: 10ms, max: 20ms}}\n"
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error; none: valid
	}{
		{"valid", head + "rollout: {to: {image: api:v2}, hold_users: 5}\n", nil},
		{"valid env, rate model", strings.Replace(head, "model: users, think: {min: 10ms, max: 20ms}", "model: rate", 1) + "rollout: {to: {env: {V: '2'}}, hold_rate: 20, orders: [stop-first]}\n", nil},
		{"nothing to roll to", head + "rollout: {hold_users: 5}\n", []string{"rollout.yaml:5: rollout.to:", "to: {image:"}},
		{"no load", head + "rollout: {to: {image: x}}\n", []string{"rollout.hold_users", "hold_users: 10"}},
		{"rate under users", head + "rollout: {to: {image: x}, hold_users: 2, hold_rate: 5}\n", []string{"rollout.hold_rate", "give hold_users instead"}},
		{"bad order", head + "rollout: {to: {image: x}, hold_users: 2, orders: [start-first, sideways, start-first]}\n", []string{`rollout.orders[1]: "sideways": use start-first or stop-first`, `rollout.orders[2]: "start-first" is listed twice`}},
		{"bad failure action", head + "rollout: {to: {image: x}, hold_users: 2, failure_action: shrug}\n", []string{"rollout.failure_action", "pause, continue or rollback"}},
		{"negative delay", head + "rollout: {to: {image: x}, hold_users: 2, delay: -1s}\n", []string{"rollout.delay: must not be negative"}},
		{"not swarm", strings.Replace(head, "runtime: swarm", "runtime: docker", 1) + "rollout: {to: {image: x}, hold_users: 2}\n", []string{"set runtime: swarm"}},
		{"two configurations", strings.Replace(head, "configs: [{name: a, cpus: 0.5, memory: 64m}]", "configs: [{name: a, cpus: 0.5}, {name: b, cpus: 1}]", 1) + "rollout: {to: {image: x}, hold_users: 2}\n", []string{"exactly one under configs", "got 2"}},
		{"unknown field", head + "rollout: {to: {image: x}, hold_users: 2, hold: 3}\n", []string{"rollout.hold"}},
		{"several generators", head + "generators: 2\nrollout: {to: {image: x}, hold_users: 4}\n", []string{"rollout.yaml:5: generators:", "not supported with rollout", "generators: 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("rollout.yaml", []byte(tc.yaml))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestRolloutDefaults: both orders, start-first first, one task at a time,
// pause on failure, 5 s lead and tail, a 3 minute bound.
func TestRolloutDefaults(t *testing.T) {
	r := Rollout{}.WithDefaults()
	if len(r.Orders) != 2 || r.Orders[0] != "start-first" || r.Orders[1] != "stop-first" || r.Parallelism != 1 ||
		r.FailureAction != "pause" || r.Lead != 5*time.Second || r.Tail != 5*time.Second || r.Timeout != 3*time.Minute {
		t.Errorf("defaults %+v", r)
	}
	p := Rollout{Parallelism: 2, Delay: time.Second, FailureAction: "rollback"}.policy("stop-first")
	if p.Parallelism != 2 || p.Delay != time.Second || p.Order != "stop-first" || p.FailureAction != "rollback" {
		t.Errorf("policy %+v", p)
	}
}

// TestHoldPlanner plans steps of the held level until done, then marks
// itself finished.
func TestHoldPlanner(t *testing.T) {
	over := false
	p := &holdPlanner{users: 7, hold: 2 * time.Second, done: func() bool { return over }}
	var done []record.Record
	for i := range 3 {
		st, ok := p.Next(done)
		if !ok || st.Index != i || st.Users != 7 || st.Hold != 2*time.Second || st.Offset != time.Duration(i)*2*time.Second {
			t.Fatalf("step %d: %+v, %v", i, st, ok)
		}
		done = append(done, record.Record{Step: i})
	}
	over = true
	if _, ok := p.Next(done); ok || !p.finished || p.Len() != 0 {
		t.Errorf("after done: more steps (finished %v)", p.finished)
	}
	if _, ok := p.Next(nil); !ok {
		t.Error("no first step when done already says so: a rollout's load must start")
	}
}

func TestRolloutDescribe(t *testing.T) {
	got := Rollout{To: RolloutTo{Image: "api:v2", Env: map[string]string{"B": "1", "A": "2"}}, HoldUsers: 10, Delay: time.Second}.Describe()
	want := "rollout to api:v2 with env A, B under 10 users, start-first then stop-first, 1 task(s) at a time, delay 1s, on failure pause"
	if got != want {
		t.Errorf("Describe:\n got %s\nwant %s", got, want)
	}
}

func TestRolloutDescribeEnvOnly(t *testing.T) {
	got := Rollout{To: RolloutTo{Env: map[string]string{"V": "2"}}, HoldRate: 50, Orders: []string{"stop-first"}}.Describe()
	want := "rollout to the same image with env V under 50 requests/s, stop-first, 1 task(s) at a time, delay 0s, on failure pause"
	if got != want {
		t.Errorf("Describe:\n got %s\nwant %s", got, want)
	}
}
