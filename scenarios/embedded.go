package scenarios

import (
	_ "embed"
	"fmt"
)

// referenceYAML is the reference-API scenario (reference.yaml), embedded
// in the binary: the scenario Default returns, and a documented example of
// every field.
//
//go:embed reference.yaml
var referenceYAML []byte

// Default returns the reference-API scenario parsed from the embedded
// reference.yaml: closed-loop users POSTing random valid leads to
// /predict (age 18–100, salary 1000–200000, web_visits 0–50, last_action
// one of page_view, email_open, form_submit, demo_request), think
// 1s–2.5s, 500→10000 users by 500, hold 30s. Each call returns a fresh
// copy; Dir is empty.
func Default() Scenario {
	s, err := Parse("reference.yaml", referenceYAML)
	if err != nil {
		panic(fmt.Sprintf("scenarios: embedded reference.yaml is invalid: %v", err))
	}
	s.Dir = ""
	return s
}
