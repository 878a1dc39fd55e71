package runtime

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Labels that name the process owning what a runtime created (Docker
// labels on containers and networks): `loadlab clean` removes only what
// belongs to an owner that is gone.
const (
	LabelOwnerPID   = "loadlab.owner.pid"
	LabelOwnerHost  = "loadlab.owner.host"
	LabelOwnerStart = "loadlab.owner.start"
)

// Owner is the loadlab process that created a deployment. Start is the
// process's start time in clock ticks after boot (field 22 of
// /proc/PID/stat), which tells a live owner from a later process that
// reuses its PID; 0 means unknown.
type Owner struct {
	PID   int
	Host  string
	Start uint64
}

// Self is the running process as an owner.
func Self() Owner {
	host, _ := os.Hostname()
	start, _ := startTime(os.Getpid())
	return Owner{PID: os.Getpid(), Host: host, Start: start}
}

// Labels are the owner's labels (see LabelOwnerPID).
func (o Owner) Labels() map[string]string {
	return map[string]string{
		LabelOwnerPID:   strconv.Itoa(o.PID),
		LabelOwnerHost:  o.Host,
		LabelOwnerStart: strconv.FormatUint(o.Start, 10),
	}
}

// OwnerOf reads the owner from labels; false when they name none (an
// object of an older loadlab, or unreadable labels).
func OwnerOf(labels map[string]string) (Owner, bool) {
	pid, err := strconv.Atoi(labels[LabelOwnerPID])
	if err != nil || pid <= 0 {
		return Owner{}, false
	}
	start, _ := strconv.ParseUint(labels[LabelOwnerStart], 10, 64)
	return Owner{PID: pid, Host: labels[LabelOwnerHost], Start: start}, true
}

// Leftover decides whether an object (by its labels) was left by a run
// whose owner is gone, so that `loadlab clean` may remove it and a run's
// start warns about it:
//   - no owner labels (an older loadlab): a leftover;
//   - owner on another host: not a leftover (its liveness cannot be
//     checked from here; `loadlab clean --force` removes it);
//   - owner on this host: a leftover when alive says it is gone.
func Leftover(labels map[string]string, host string, alive func(Owner) bool) bool {
	o, ok := OwnerOf(labels)
	if !ok {
		return true
	}
	if o.Host != host {
		return false
	}
	return !alive(o)
}

// IsLeftover is Leftover for this host with Alive.
func IsLeftover(labels map[string]string) bool {
	host, _ := os.Hostname()
	return Leftover(labels, host, Alive)
}

// Alive reports whether o's process runs on this host: its PID exists
// and, when both are known, started at o.Start (so a reused PID is not
// taken for the owner).
func Alive(o Owner) bool {
	if o.PID <= 0 {
		return false
	}
	if err := syscall.Kill(o.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if o.Start == 0 {
		return true
	}
	start, err := startTime(o.PID)
	if err != nil || start == 0 {
		return true // the PID exists; its start time cannot be read
	}
	return start == o.Start
}

// startTime reads field 22 (starttime, clock ticks after boot) of
// /proc/PID/stat; the command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3, so field 22 is f[19].
	if len(f) < 20 {
		return 0, errors.New("short /proc stat line")
	}
	return strconv.ParseUint(f[19], 10, 64)
}
