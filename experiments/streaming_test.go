package experiments

import (
	"strings"
	"testing"
)

// TestStreamingConditionsNeedStreams: an slo or gates condition on a
// streaming metric is refused, with the file, line and fix, when no
// request of the scenario streams (every step would fail as "not
// measured" after deploying); goodput_rps is measured with goodput
// conditions alone; a streaming request makes them all valid.
func TestStreamingConditionsNeedStreams(t *testing.T) {
	plain := "configs: [{cpus: 1}]\nscenario:\n  model: users\n  ramp: {steps: [1], hold: 1s}\n  requests:\n    - {path: /v1/completions, body: {prompt: hi}"
	tests := []struct {
		name, text string
		want       []string // empty: accepted
	}{
		{"ttft without streams", "name: s\nslo: ttft_p95<1s,error_rate<1%\n" + plain + "}\n",
			[]string{"s.yaml:2: slo: ttft_p95<1s needs streamed responses", "add stream: sse"}},
		{"tokens in gates", "name: s\ngates: output_tokens_per_s>=10\n" + plain + "}\n",
			[]string{"s.yaml:2: gates: output_tokens_per_s>=10 needs streamed responses"}},
		{"goodput_rps without goodput", "name: s\nslo: goodput_rps>=1\n" + plain + "}\n",
			[]string{"s.yaml:2: slo: goodput_rps>=1 needs streamed responses"}},
		{"goodput_rps with goodput", "name: s\nslo: goodput_rps>=1\n" + plain + "}\n  goodput: e2e<1s\n", nil},
		{"streamed", "name: s\nslo: ttft_p95<1s,tpot_p95<100ms\ngates: output_tokens_per_s>=10\n" + plain + ", stream: sse}\n", nil},
		{"plain slo", "name: s\nslo: p95<1s\n" + plain + "}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.text))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v\n%s", err, tt.text)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.text)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
