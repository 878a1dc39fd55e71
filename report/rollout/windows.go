package rollout

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteWindows writes a run's rollouts as indented JSON (rollouts.json).
func WriteWindows(w io.Writer, ws []Window) error {
	if ws == nil {
		ws = []Window{}
	}
	b, err := json.MarshalIndent(ws, "", "  ")
	if err != nil {
		return fmt.Errorf("encode rollouts: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write rollouts: %w", err)
	}
	return nil
}

// ReadWindows reads what WriteWindows wrote.
func ReadWindows(r io.Reader) ([]Window, error) {
	var ws []Window
	if err := json.NewDecoder(r).Decode(&ws); err != nil {
		return nil, fmt.Errorf("decode rollouts: %w", err)
	}
	return ws, nil
}
