package record

import (
	"reflect"
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
