package record

import (
	"reflect"
	"slices"
	"testing"
)

func TestByConfig(t *testing.T) {
	recs := []Record{
		{Step: 0, Config: Config{Name: "b"}}, {Step: 0, Config: Config{Name: "a"}},
		{Step: 1, Config: Config{Name: "b"}}, {Step: 1, Config: Config{Name: "a"}}, {Step: 2, Config: Config{Name: "b"}},
	}
	order, by := ByConfig(recs)
	if !reflect.DeepEqual(order, []string{"b", "a"}) {
		t.Errorf("order = %v", order)
	}
	if len(by["b"]) != 3 || by["b"][2].Step != 2 || len(by["a"]) != 2 || by["a"][1].Step != 1 {
		t.Errorf("groups = %+v", by)
	}
	if order, by := ByConfig(nil); order != nil || len(by) != 0 {
		t.Errorf("empty input: %v %v", order, by)
	}
}

// TestSplitRepeats: one configuration's records split into failures (in
// order), measured repeats (ascending, each once) and repeats seen; the
// reasons are the failures' texts, each once.
func TestSplitRepeats(t *testing.T) {
	recs := []Record{
		{Repeat: 2, Step: 0}, {Repeat: 2, Step: 1},
		{Repeat: 1, Step: -1, Failure: "deploy: exit 1"},
		{Repeat: 0, Step: 0},
		{Repeat: 3, Step: -1, Failure: "deploy: exit 1"},
		{Repeat: 4, Step: -1, Failure: "never healthy"},
	}
	got := SplitRepeats(recs)
	if len(got.Failed) != 3 || got.Failed[0].Repeat != 1 || got.Failed[2].Repeat != 4 {
		t.Errorf("failed %+v", got.Failed)
	}
	if !slices.Equal(got.Measured, []int{0, 2}) || got.Seen != 5 {
		t.Errorf("measured %v seen %d, want [0 2] and 5", got.Measured, got.Seen)
	}
	if r := got.Reasons(); !slices.Equal(r, []string{"deploy: exit 1", "never healthy"}) {
		t.Errorf("reasons %q", r)
	}
	if z := SplitRepeats(nil); len(z.Failed) != 0 || len(z.Measured) != 0 || z.Seen != 0 || z.Reasons() != nil {
		t.Errorf("empty: %+v", z)
	}
}
