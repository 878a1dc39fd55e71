package server

import (
	"encoding/json"
	"testing"
)

func TestCountItems(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{`[]`, 0},
		{`[ ]`, 0},
		{`[1]`, 1},
		{`[ {} , [] , "a,]" , null ]`, 4},
		{`["\"", "\\", {"k":[1,2,{"x":"]"}]}, -1.5e+3,true,false]`, 6},
		{"[\n1\t,\r2 ]", 2},
	} {
		if !json.Valid([]byte(c.in)) {
			t.Fatalf("%s is not JSON", c.in)
		}
		if got := countItems([]byte(c.in)); got != c.want {
			t.Errorf("countItems(%s) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestLookup(t *testing.T) {
	names := []string{"age", "instances"}
	for _, c := range []struct {
		in         string
		age, insts string // "" for absent
	}{
		{`{}`, "", ""},
		{`{"age":35}`, "35", ""},
		{`{ "age" : 35 , "instances" : [ 1 , 2 ] }`, "35", "[ 1 , 2 ]"},
		{`{"age":1,"age":{"a":"}"}}`, `{"a":"}"}`, ""},
		{`{"AGE":1,"Age":2,"Instances":[]}`, "", ""},
		{`{"\u0061ge":"x","a\"ge":1,"x":{"age":2}}`, `"x"`, ""},
	} {
		values := make([][]byte, len(names))
		lookup([]byte(c.in), names, values)
		if string(values[0]) != c.age || string(values[1]) != c.insts {
			t.Errorf("lookup(%s) = %q, %q; want %q, %q", c.in, values[0], values[1], c.age, c.insts)
		}
	}
}
