package runtime

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// TestLeftover: the decision of `loadlab clean` and of the warning at run
// start, as a pure function of an object's labels and of what is alive.
func TestLeftover(t *testing.T) {
	owner := Owner{PID: 4242, Host: "box", Start: 777}
	aliveAll := func(Owner) bool { return true }
	deadAll := func(Owner) bool { return false }
	for _, c := range []struct {
		name   string
		labels map[string]string
		alive  func(Owner) bool
		want   bool
	}{
		{"live owner on this host", owner.Labels(), aliveAll, false},
		{"dead owner on this host", owner.Labels(), deadAll, true},
		{"owner on another host (cannot tell)", Owner{PID: 1, Host: "other", Start: 1}.Labels(), deadAll, false},
		{"no owner labels (an older loadlab)", map[string]string{"loadlab.run": "r"}, aliveAll, true},
		{"unreadable pid", map[string]string{LabelOwnerPID: "x", LabelOwnerHost: "box"}, aliveAll, true},
		{"PID reused by a younger process", owner.Labels(), func(o Owner) bool { return o.Start == 778 }, true},
	} {
		if got := Leftover(c.labels, "box", c.alive); got != c.want {
			t.Errorf("%s: Leftover = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestOwnerLabelsRoundTrip: Labels and OwnerOf agree.
func TestOwnerLabelsRoundTrip(t *testing.T) {
	o := Owner{PID: 12, Host: "h", Start: 34}
	back, ok := OwnerOf(o.Labels())
	if !ok || back != o {
		t.Errorf("OwnerOf(Labels()) = %+v, %v", back, ok)
	}
}

// TestAlive: this process is alive, a finished one is not, and this PID
// with another start time (a reused PID) is not.
func TestAlive(t *testing.T) {
	self := Self()
	if self.PID != os.Getpid() || self.Host == "" || self.Start == 0 {
		t.Fatalf("Self() = %+v", self)
	}
	if !Alive(self) {
		t.Error("this process is not alive")
	}
	if Alive(Owner{PID: self.PID, Host: self.Host, Start: self.Start + 1}) {
		t.Error("a reused PID (other start time) counts as alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Alive(Owner{PID: cmd.Process.Pid, Host: self.Host}) {
		t.Errorf("finished process %d counts as alive", cmd.Process.Pid)
	}
	if _, err := strconv.Atoi(self.Labels()[LabelOwnerPID]); err != nil {
		t.Error(err)
	}
}
