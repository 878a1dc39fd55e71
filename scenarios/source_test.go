package scenarios

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"

	"strings"
	"sync"
	"testing"
)

func mustSource(t testing.TB, reqs []RequestSpec, seed int64) Source {
	t.Helper()
	src, err := Scenario{Requests: reqs}.NewSource(t.TempDir(), seed)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestTemplateLiteralKeepsOrderAndValues(t *testing.T) {
	body := `{"z": 1, "a": [true, null, "x<y"], "m": {"$$ref": "#/x"}, "n": -1.5e3}`
	src := mustSource(t, []RequestSpec{{Path: "/", Body: JSON(body)}}, 1)
	got := string(src.Next().Body)
	if want := `{"z":1,"a":[true,null,"x<y"],"m":{"$ref":"#/x"},"n":-1.5e3}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestGeneratorsDrawUniformlyWithinTheirRanges(t *testing.T) {
	body := `{"i": {"$int": [-2, 2]}, "f": {"$float": [10, 20, 2]}, "g": {"$float": [0, 1]},
		"c": {"$choice": ["a", {"n": {"$int": [7, 7]}}, [1]]}}`
	src := mustSource(t, []RequestSpec{{Path: "/", Body: JSON(body)}}, 3)
	const n = 50000
	ints := map[int64]int{}
	choices := map[string]int{}
	var fsum float64
	for i := 0; i < n; i++ {
		raw := src.Next().Body
		var v struct {
			I int64           `json:"i"`
			F json.Number     `json:"f"`
			G float64         `json:"g"`
			C json.RawMessage `json:"c"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		ints[v.I]++
		f, _ := v.F.Float64()
		if f < 10 || f > 20 {
			t.Fatalf("$float %v outside [10, 20]", f)
		}
		if dot := strings.IndexByte(string(v.F), '.'); dot >= 0 && len(v.F)-dot-1 > 2 {
			t.Fatalf("$float %s has more than 2 decimals", v.F)
		}
		if v.G < 0 || v.G >= 1 {
			t.Fatalf("$float %v outside [0, 1)", v.G)
		}
		fsum += f
		choices[string(v.C)]++
	}
	for k := int64(-2); k <= 2; k++ {
		if c := ints[k]; math.Abs(float64(c)/n-0.2) > 0.01 {
			t.Errorf("$int %d drawn %d/%d times, want ≈20%%", k, c, n)
		}
	}
	if len(ints) != 5 {
		t.Errorf("$int values = %v, want exactly -2..2", ints)
	}
	if mean := fsum / n; math.Abs(mean-15) > 0.1 {
		t.Errorf("$float mean = %v, want ≈15", mean)
	}
	want := []string{`"a"`, `{"n":7}`, `[1]`}
	for _, c := range want {
		if got := choices[c]; math.Abs(float64(got)/n-1.0/3) > 0.01 {
			t.Errorf("$choice %s drawn %d/%d times, want ≈1/3", c, got, n)
		}
	}
	if len(choices) != 3 {
		t.Errorf("$choice values = %v", choices)
	}
}

func TestIntFullRange(t *testing.T) {
	src := mustSource(t, []RequestSpec{{Path: "/", Body: JSON(`[{"$int":[-9223372036854775808,9223372036854775807]},{"$int":[9223372036854775807,9223372036854775807]}]`)}}, 1)
	var neg, pos bool
	for i := 0; i < 100; i++ {
		var v [2]int64
		if err := json.Unmarshal(src.Next().Body, &v); err != nil {
			t.Fatal(err)
		}
		neg, pos = neg || v[0] < 0, pos || v[0] > 0
		if v[1] != math.MaxInt64 {
			t.Fatalf("[max, max] gave %d", v[1])
		}
	}
	if !neg || !pos {
		t.Error("full-range $int never changed sign")
	}
}

func TestWeightsSplitTheMix(t *testing.T) {
	src := mustSource(t, []RequestSpec{
		{Name: "a", Path: "/a", Weight: 1},
		{Name: "b", Path: "/b", Weight: 2},
		{Name: "c", Path: "/c", Weight: 7},
	}, 11)
	const n = 100000
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		r := src.Next()
		counts[r.Name]++
		if r.Method != "GET" || r.Path != "/"+r.Name || r.Body != nil {
			t.Fatalf("request %+v", r)
		}
	}
	for name, share := range map[string]float64{"a": 0.1, "b": 0.2, "c": 0.7} {
		if got := float64(counts[name]) / n; math.Abs(got-share) > 0.01 {
			t.Errorf("%s: share %.3f, want %.2f", name, got, share)
		}
	}
}

func TestBatchWrapsIndependentBodies(t *testing.T) {
	src := mustSource(t, []RequestSpec{{Path: "/", Batch: 16, Body: JSON(`{"x":{"$int":[0,1000000]}}`)}}, 5)
	var v struct {
		Instances []struct{ X *int } `json:"instances"`
	}
	raw := src.Next().Body
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if len(v.Instances) != 16 {
		t.Fatalf("instances = %d, want 16: %s", len(v.Instances), raw)
	}
	seen := map[int]bool{}
	for _, in := range v.Instances {
		if in.X == nil {
			t.Fatalf("instance without x: %s", raw)
		}
		seen[*in.X] = true
	}
	if len(seen) < 15 {
		t.Errorf("batch bodies look identical: %s", raw)
	}
}

func TestInvalidFraction(t *testing.T) {
	src := mustSource(t, []RequestSpec{{
		Name: "predict", Path: "/predict", Batch: 2, Expect: []int{200},
		Body:    JSON(`{"age":{"$int":[18,100]}}`),
		Invalid: Invalid{Fraction: 0.05, Body: JSON(`{"age":-1}`)},
	}}, 9)
	const n = 100000
	invalid := 0
	for i := 0; i < n; i++ {
		r := src.Next()
		isBad := strings.Contains(string(r.Body), `"age":-1`)
		if r.Invalid != isBad {
			t.Fatalf("Invalid=%v for body %s", r.Invalid, r.Body)
		}
		if r.Invalid {
			invalid++
			if !reflect.DeepEqual(r.Expect, []int{422}) || r.Name != "predict (invalid)" || string(r.Body) != `{"instances":[{"age":-1},{"age":-1}]}` {
				t.Fatalf("invalid request %+v %s", r, r.Body)
			}
		} else if !reflect.DeepEqual(r.Expect, []int{200}) || r.Name != "predict" {
			t.Fatalf("valid request %+v", r)
		}
	}
	if got := float64(invalid) / n; math.Abs(got-0.05) > 0.004 {
		t.Errorf("invalid share %.4f, want 0.05", got)
	}
}

func TestContentTypeAddedOnlyWhenMissing(t *testing.T) {
	src := mustSource(t, []RequestSpec{
		{Path: "/a", Body: JSON(`{}`), Headers: []Header{{"X-Id", "1"}}},
		{Path: "/b", Body: JSON(`{}`), Headers: []Header{{"content-type", "application/vnd+json"}}},
		{Path: "/c"},
	}, 1)
	want := map[string][]Header{
		"/a": {{"X-Id", "1"}, {"Content-Type", "application/json"}},
		"/b": {{"content-type", "application/vnd+json"}},
		"/c": nil,
	}
	for i := 0; i < 100; i++ {
		r := src.Next()
		if !reflect.DeepEqual(r.Headers, want[r.Path]) {
			t.Fatalf("%s headers = %v, want %v", r.Path, r.Headers, want[r.Path])
		}
	}
}

func TestBodyFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bad.jsonl", "{\"a\":1}\n{oops}\n")
	write("empty.jsonl", "\n  \n")
	for name, want := range map[string]string{"bad.jsonl": "bad.jsonl:2: invalid JSON: ", "empty.jsonl": "no bodies", "gone.jsonl": `cannot read "gone.jsonl"`} {
		_, err := Scenario{Requests: []RequestSpec{{Path: "/", BodyFile: name}}}.NewSource(dir, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
	}
}

func TestNewSourceRefusesTargetsFileAndBadRequests(t *testing.T) {
	if _, err := (Scenario{TargetsFile: "t.txt"}).NewSource("", 1); err == nil || !strings.Contains(err.Error(), "read by the engine") {
		t.Errorf("targets_file: err = %v", err)
	}
	if _, err := (Scenario{}).NewSource("", 1); err == nil || !strings.Contains(err.Error(), "requests: none") {
		t.Errorf("no requests: err = %v", err)
	}
	_, err := Scenario{Requests: []RequestSpec{{Path: "/", Body: JSON(`{"$int":[2,1]}`)}}}.NewSource("", 1)
	if err == nil || !strings.Contains(err.Error(), "requests[0].body.$int") {
		t.Errorf("bad template: err = %v", err)
	}
}

func TestSameSeedSameSequence(t *testing.T) {
	reqs := append(Default().Requests, RequestSpec{Path: "/health", Weight: 0.5})
	seq := func(seed int64) []string {
		src := mustSource(t, reqs, seed)
		out := make([]string, 500)
		for i := range out {
			r := src.Next()
			out[i] = r.Path + string(r.Body)
		}
		return out
	}
	a, b, c := seq(42), seq(42), seq(43)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different sequences")
	}
	same := 0
	for i := range a {
		if a[i] == c[i] && a[i] != "/health" { // random leads never coincide
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 42 and 43 sent the same lead %d times in %d requests", same, len(a))
	}
}

func TestNextIsSafeForConcurrentUse(t *testing.T) {
	src := mustSource(t, []RequestSpec{
		{Path: "/a", Batch: 3, Body: JSON(`{"x":{"$float":[0,1]},"c":{"$choice":["p","q"]}}`)},
		{Path: "/b", Body: JSON(`{"n":{"$int":[1,9]}}`), Invalid: Invalid{Fraction: 0.5, Body: JSON(`[]`)}},
	}, 1)
	var wg sync.WaitGroup
	bodies := make([][]string, 8)
	for g := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				bodies[g] = append(bodies[g], string(src.Next().Body))
			}
		}()
	}
	wg.Wait()
	for _, bs := range bodies {
		for _, b := range bs {
			if !json.Valid([]byte(b)) {
				t.Fatalf("invalid JSON body %q", b)
			}
		}
	}
}

func TestBodyIsOwnedByTheRequest(t *testing.T) {
	src := mustSource(t, []RequestSpec{{Path: "/", Body: JSON(`{"n":{"$int":[0,9]},"k":"const"}`)}}, 1)
	first := src.Next()
	keep := string(first.Body)
	for i := 0; i < 100; i++ {
		src.Next()
	}
	if string(first.Body) != keep {
		t.Errorf("body changed after later calls: %s → %s", keep, first.Body)
	}
}

func TestRNGUint64nUnbiased(t *testing.T) {
	r := newRNG(1, 1)
	const n, k = 300000, 3
	var counts [k]int
	for i := 0; i < n; i++ {
		counts[r.uint64n(k)]++
	}
	for v, c := range counts {
		if math.Abs(float64(c)/n-1.0/k) > 0.005 {
			t.Errorf("value %d: %d of %d", v, c, n)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	src := mustSource(b, Default().Requests, 1)
	b.ReportAllocs()
	for b.Loop() {
		src.Next()
	}
}

func BenchmarkNextParallel(b *testing.B) {
	src := mustSource(b, Default().Requests, 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			src.Next()
		}
	})
}

func BenchmarkNextBatch32(b *testing.B) {
	reqs := Default().Requests
	reqs[0].Batch = 32
	src := mustSource(b, reqs, 1)
	b.ReportAllocs()
	for b.Loop() {
		src.Next()
	}
}
