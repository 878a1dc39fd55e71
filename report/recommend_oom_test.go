package report

import (
	"strings"
	"testing"
)

// TestRecommendationSkipsOOMKilled: a configuration whose replicas were
// OOM-killed at or below the target step is not recommended while another
// reaches the target without; the sentence says why the cheaper one was
// passed over. When every configuration that reaches the target was
// killed, the cheapest is named with the kills as a caveat.
func TestRecommendationSkipsOOMKilled(t *testing.T) {
	pass := []stepSpec{{500, 100, 0, 0, false}, {1000, 200, 0, 0, false}}
	small := rampRecords(dockerConfig("cpu1-mem256m-x1", 1, 256, 1), 0, pass)
	small[1].Target.OOMKills = 2 // killed twice at the target, restarted fast enough to keep errors below 1 %
	big := rampRecords(dockerConfig("cpu1-mem1g-x1", 1, 1024, 1), 0, pass)

	rec := Analyze(Input{Records: append(small, big...), SLO: mustSLO(t, "p95<1s,error_rate<1%"), TargetLoad: 1000}).Recommendation
	if !rec.Meets || rec.Config != "cpu1-mem1g-x1" {
		t.Fatalf("recommendation %+v, want cpu1-mem1g-x1: the cheaper one was OOM-killed at the target", rec)
	}
	if !strings.Contains(rec.Sentence, "1 replica × 1 CPU × 256 MiB also meets the SLO there but its replicas were OOM-killed 2 times at or below 1,000 users") {
		t.Errorf("sentence %q does not say why the cheaper configuration was passed over", rec.Sentence)
	}

	rec = Analyze(Input{Records: small, SLO: mustSLO(t, "p95<1s,error_rate<1%"), TargetLoad: 1000}).Recommendation
	if !rec.Meets || rec.Config != "cpu1-mem256m-x1" || !strings.Contains(rec.Sentence, "but its replicas were OOM-killed 2 times at or below 1,000 users: give it more memory") {
		t.Errorf("only killed configurations: %+v", rec)
	}
}
