package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/model"
)

var fuzzSeeds = []string{
	`{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`,
	`{"instances":[{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"},{"age":70,"salary":1,"web_visits":0,"last_action":"page_view"}]}`,
	`{"instances":[{"age":"x"},3,null,{"age":18.5,"salary":-1,"web_visits":1e400,"last_action":"nope"}]}`,
	`{"instances":[]}`,
	`{"instances":{}}`,
	`{"\u0061ge":35.0,"salary":7.5e4,"web_visits":0,"last_action":"demo\u005frequest","x":[{},[],"",0,true,false,null]}`,
	`{"age":100,"age":17,"salary":1e-320,"web_visits":9007199254740991,"last_action":"email_open"}`,
	`[]`, `""`, `null`, `0`, `-0.0e+0`, ``, ` `, `{`, `{"a":}`, `{"age":01}`, `{"s":"\ud83d\ude00"}`, "{\"s\":\"\xff\"}",
	`{"age":35}  ` + "\n\t\r",
	`{"instances":[{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}],"instances":"no"}`,
	`{"AGE":1,"age":35,"Age":2,"salary":75000,"web_visits":15,"last_action":"form_submit","Instances":[]}`,
	` { "instances" : [ { "age" : 35 , "x" : "]}\\\"[{" , "salary" : 1 , "web_visits" : 0 , "last_action" : "page_view" } , [ ] , { } ] } `,
	`{"instances":[[{}],{"a":[1,{"b":"}"}]},-1.5e-3,true,false,null,"x"]}`,
}

// FuzzPredictDecoder checks decodePredict against an independent reference:
// it never panics; it rejects exactly the bodies json.Valid rejects; for
// well-formed bodies it finds the same leads and the same field errors as
// a straightforward decode into generic values (referenceDecode); and the
// HTTP handler never answers bad input with a 5xx.
func FuzzPredictDecoder(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	cfg := testConfig()
	cfg.Leads = 10
	cfg.MaxBatch = 4 // small, so the fuzzer reaches the batch limit
	s, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	m, err := model.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	if err := s.SetModel(m, "embedded"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req predictRequest
		serr := decodePredict(body, cfg.MaxBatch, &req)
		valid := json.Valid(body)
		if (serr == nil) != valid {
			t.Fatalf("decoder error %v, but json.Valid = %v", serr, valid)
		}
		if valid {
			want := referenceDecode(t, body, cfg.MaxBatch)
			if got := fmtErrs(req.errs); !slices.Equal(got, fmtErrs(want.errs)) {
				t.Fatalf("errors %v, reference %v", got, fmtErrs(want.errs))
			}
			if len(req.errs) == 0 && (req.batch != want.batch || !slices.Equal(req.leads, want.leads)) {
				t.Fatalf("leads %+v (batch %v), reference %+v (batch %v)", req.leads, req.batch, want.leads, want.batch)
			}
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/predict", bytes.NewReader(body)))
		switch {
		case rec.Code >= 500:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		case !valid && rec.Code != http.StatusBadRequest:
			t.Fatalf("malformed body got %d, want 400", rec.Code)
		case valid && rec.Code != http.StatusOK && rec.Code != http.StatusUnprocessableEntity:
			t.Fatalf("well-formed body got %d, want 200 or 422", rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("response is not JSON: %s", rec.Body)
		}
	})
}

func fmtErrs(errs []FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprint(e.Loc, e.Type, e.Msg)
	}
	return out
}

type reference struct {
	batch bool
	leads []model.Lead
	errs  []FieldError
}

// referenceDecode is the obvious implementation on encoding/json.
func referenceDecode(t *testing.T, body []byte, maxBatch int) reference {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("reference: %v", err)
	}
	var r reference
	obj, ok := v.(map[string]any)
	if !ok {
		r.errs = append(r.errs, FieldError{Loc: []any{"body"}, Msg: probObjectType.msg, Type: probObjectType.typ})
		return r
	}
	inst, ok := obj["instances"]
	if !ok {
		l, errs := referenceLead(obj, []any{"body"})
		r.leads, r.errs = []model.Lead{l}, errs
		return r
	}
	r.batch = true
	items, ok := inst.([]any)
	switch {
	case !ok:
		r.errs = append(r.errs, FieldError{Loc: []any{"body", "instances"}, Msg: probListType.msg, Type: probListType.typ})
	case len(items) == 0:
		r.errs = append(r.errs, FieldError{Loc: []any{"body", "instances"}, Msg: probListTooShort.msg, Type: probListTooShort.typ})
	case len(items) > maxBatch:
		r.errs = append(r.errs, FieldError{Loc: []any{"body", "instances"},
			Msg: fmt.Sprintf("List should have at most %d items after validation, not %d", maxBatch, len(items)), Type: "too_long"})
	default:
		for i, it := range items {
			o, ok := it.(map[string]any)
			if !ok {
				r.errs = append(r.errs, FieldError{Loc: []any{"body", "instances", i}, Msg: probObjectType.msg, Type: probObjectType.typ})
				continue
			}
			l, errs := referenceLead(o, []any{"body", "instances", i})
			r.leads = append(r.leads, l)
			r.errs = append(r.errs, errs...)
		}
	}
	return r
}

func referenceLead(o map[string]any, loc []any) (model.Lead, []FieldError) {
	var l model.Lead
	var errs []FieldError
	bad := func(field string, p problem) {
		errs = append(errs, FieldError{Loc: append(slices.Clone(loc), field), Msg: p.msg, Type: p.typ})
	}
	num := func(v any) (float64, bool) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, false
		}
		f, _ := strconv.ParseFloat(string(n), 64) // range errors give ±Inf or 0
		return f, true
	}
	integer := func(field string, lo, hi float64, low, high problem) int {
		v, present := o[field]
		if !present {
			bad(field, probMissing)
			return 0
		}
		f, ok := num(v)
		switch {
		case !ok:
			bad(field, probIntType)
		case math.IsInf(f, -1):
			bad(field, low)
		case math.IsInf(f, 1):
			bad(field, high)
		case f != math.Trunc(f):
			bad(field, probIntFraction)
		case f < lo:
			bad(field, low)
		case f > hi:
			bad(field, high)
		default:
			return int(f)
		}
		return 0
	}
	l.Age = integer("age", model.MinAge, model.MaxAge, probAgeMin, probAgeMax)
	if v, present := o["salary"]; !present {
		bad("salary", probMissing)
	} else if f, ok := num(v); !ok {
		bad("salary", probFloatType)
	} else if math.IsInf(f, 0) {
		bad("salary", probFinite)
	} else if !(f > 0) {
		bad("salary", probSalaryMin)
	} else {
		l.Salary = f
	}
	l.WebVisits = integer("web_visits", 0, model.MaxWebVisits, probVisitsMin, probVisitsMax)
	if v, present := o["last_action"]; !present {
		bad("last_action", probMissing)
	} else if s, ok := v.(string); !ok {
		bad("last_action", probStringType)
	} else if a, ok := model.ParseAction([]byte(s)); !ok {
		bad("last_action", probAction)
	} else {
		l.LastAction = a
	}
	return l, errs
}
