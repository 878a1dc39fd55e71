package server

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// FieldError is one entry of a 422 response's "detail" list, in the shape
// FastAPI uses: Loc is the path to the offending value ("body",
// "instances", 3, "age"), Type a stable machine-readable code.
type FieldError struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// problem is a validation failure of one value before it gets a location.
type problem struct{ typ, msg string }

// The fields of a prediction request, in the order errors are reported.
const (
	fieldAge = iota
	fieldSalary
	fieldWebVisits
	fieldLastAction
	numFields
)

var fieldNames = [numFields]string{"age", "salary", "web_visits", "last_action"}

var (
	probMissing      = problem{"missing", "Field required"}
	probIntType      = problem{"int_type", "Input should be a valid integer"}
	probIntFraction  = problem{"int_from_float", "Input should be a valid integer, got a number with a fractional part"}
	probFloatType    = problem{"float_type", "Input should be a valid number"}
	probFinite       = problem{"finite_number", "Input should be a finite number"}
	probStringType   = problem{"string_type", "Input should be a valid string"}
	probAgeMin       = problem{"greater_than_equal", fmt.Sprintf("Input should be greater than or equal to %d", model.MinAge)}
	probAgeMax       = problem{"less_than_equal", fmt.Sprintf("Input should be less than or equal to %d", model.MaxAge)}
	probSalaryMin    = problem{"greater_than", "Input should be greater than 0"}
	probVisitsMin    = problem{"greater_than_equal", "Input should be greater than or equal to 0"}
	probVisitsMax    = problem{"less_than_equal", fmt.Sprintf("Input should be less than or equal to %d", model.MaxWebVisits)}
	probAction       = problem{"enum", "Input should be " + quotedList(model.ActionNames())}
	probObjectType   = problem{"model_attributes_type", "Input should be a valid dictionary or object to extract fields from"}
	probListType     = problem{"list_type", "Input should be a valid list"}
	probListTooShort = problem{"too_short", "List should have at least 1 item after validation, not 0"}
)

// quotedList renders 'a', 'b' or 'c'.
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// predictRequest is a decoded POST /predict body: one lead, or a batch
// under "instances". It is reused across requests (see reset).
type predictRequest struct {
	batch bool
	leads []model.Lead
	errs  []FieldError
}

func (r *predictRequest) reset() {
	r.batch = false
	r.leads = r.leads[:0]
	r.errs = r.errs[:0]
}

// instance accumulates one object's fields; duplicate keys: last wins.
type instance struct {
	lead    model.Lead
	present [numFields]bool
	prob    [numFields]problem
}

// decodePredict parses and validates body into req with at most maxBatch
// instances. Malformed JSON returns a *SyntaxError; invalid content
// leaves one FieldError per offending field in req.errs (in field order,
// batch items in index order).
func decodePredict(body []byte, maxBatch int, req *predictRequest) *SyntaxError {
	req.reset()
	s := scanner{b: body}
	s.skipWS()
	if s.peek() != '{' {
		if err := s.skipValue(); err != nil {
			return err
		}
		if err := s.end(); err != nil {
			return err
		}
		req.errs = append(req.errs, FieldError{Loc: []any{"body"}, Msg: probObjectType.msg, Type: probObjectType.typ})
		return nil
	}
	var top instance
	var batchErrs []FieldError
	sawInstances := false
	err := s.objectFields(func(key []byte, escaped bool) *SyntaxError {
		f := matchKey(key, escaped)
		if f == fieldInstances {
			sawInstances = true
			req.leads = req.leads[:0]
			batchErrs = batchErrs[:0]
			return decodeInstances(&s, maxBatch, req, &batchErrs)
		}
		return top.field(&s, f)
	})
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	if sawInstances {
		req.batch = true
		req.errs = append(req.errs, batchErrs...)
		return nil
	}
	req.leads = append(req.leads, top.lead)
	req.errs = top.appendErrors(req.errs, -1)
	return nil
}

// fieldInstances and fieldUnknown extend the field numbers for matchKey.
const (
	fieldInstances = numFields
	fieldUnknown   = numFields + 1
)

func matchKey(key []byte, escaped bool) int {
	k := string(key) // no allocation: compared only
	if escaped {
		k = unescape(key)
	}
	switch k {
	case "age":
		return fieldAge
	case "salary":
		return fieldSalary
	case "web_visits":
		return fieldWebVisits
	case "last_action":
		return fieldLastAction
	case "instances":
		return fieldInstances
	}
	return fieldUnknown
}

// decodeInstances reads the "instances" value at s.
func decodeInstances(s *scanner, maxBatch int, req *predictRequest, errs *[]FieldError) *SyntaxError {
	s.skipWS()
	if s.peek() != '[' {
		if err := s.skipValue(); err != nil {
			return err
		}
		*errs = append(*errs, FieldError{Loc: []any{"body", "instances"}, Msg: probListType.msg, Type: probListType.typ})
		return nil
	}
	var itemErrs []FieldError
	n := 0
	err := s.arrayItems(func(i int) *SyntaxError {
		n++
		s.skipWS()
		if s.peek() != '{' {
			if err := s.skipValue(); err != nil {
				return err
			}
			if i < maxBatch {
				itemErrs = append(itemErrs, FieldError{Loc: []any{"body", "instances", i}, Msg: probObjectType.msg, Type: probObjectType.typ})
				req.leads = append(req.leads, model.Lead{})
			}
			return nil
		}
		var in instance
		err := s.objectFields(func(key []byte, escaped bool) *SyntaxError {
			return in.field(s, matchKey(key, escaped))
		})
		if err != nil {
			return err
		}
		if i < maxBatch {
			req.leads = append(req.leads, in.lead)
			itemErrs = in.appendErrors(itemErrs, i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case n == 0:
		*errs = append(*errs, FieldError{Loc: []any{"body", "instances"}, Msg: probListTooShort.msg, Type: probListTooShort.typ})
	case n > maxBatch:
		*errs = append(*errs, FieldError{Loc: []any{"body", "instances"},
			Msg:  fmt.Sprintf("List should have at most %d items after validation, not %d", maxBatch, n),
			Type: "too_long"})
	default:
		*errs = append(*errs, itemErrs...)
	}
	return nil
}

// field consumes the value of field f (skipping unknown fields).
func (in *instance) field(s *scanner, f int) *SyntaxError {
	k, raw, escaped, err := s.value()
	if err != nil || f >= numFields {
		return err
	}
	in.present[f] = true
	var p problem
	switch f {
	case fieldAge:
		var v int64
		v, p = intValue(k, raw, model.MinAge, model.MaxAge, probAgeMin, probAgeMax)
		in.lead.Age = int(v)
	case fieldSalary:
		in.lead.Salary, p = salaryValue(k, raw)
	case fieldWebVisits:
		var v int64
		v, p = intValue(k, raw, 0, model.MaxWebVisits, probVisitsMin, probVisitsMax)
		in.lead.WebVisits = int(v)
	case fieldLastAction:
		in.lead.LastAction, p = actionValue(k, raw, escaped)
	}
	in.prob[f] = p
	return nil
}

// appendErrors adds one FieldError per missing or invalid field; index is
// the batch position, or -1 for a single object.
func (in *instance) appendErrors(errs []FieldError, index int) []FieldError {
	for f := range numFields {
		p := in.prob[f]
		if !in.present[f] {
			p = probMissing
		}
		if p.typ == "" {
			continue
		}
		loc := []any{"body", fieldNames[f]}
		if index >= 0 {
			loc = []any{"body", "instances", index, fieldNames[f]}
		}
		errs = append(errs, FieldError{Loc: loc, Msg: p.msg, Type: p.typ})
	}
	return errs
}

// intValue validates an integer in [lo, hi]; integral floats such as 35.0
// are accepted, as pydantic does.
func intValue(k kind, raw []byte, lo, hi int64, low, high problem) (int64, problem) {
	if k != kindNumber {
		return 0, probIntType
	}
	f := parseNumber(raw)
	switch {
	case math.IsInf(f, -1):
		return 0, low
	case math.IsInf(f, 1):
		return 0, high
	case f != math.Trunc(f):
		return 0, probIntFraction
	case f < float64(lo):
		return 0, low
	case f > float64(hi):
		return 0, high
	}
	return int64(f), problem{}
}

func salaryValue(k kind, raw []byte) (float64, problem) {
	if k != kindNumber {
		return 0, probFloatType
	}
	f := parseNumber(raw)
	switch {
	case math.IsInf(f, 0):
		return 0, probFinite
	case !(f > 0):
		return 0, probSalaryMin
	}
	return f, problem{}
}

func actionValue(k kind, raw []byte, escaped bool) (model.Action, problem) {
	if k != kindString {
		return 0, probStringType
	}
	if escaped {
		raw = []byte(unescape(raw))
	}
	a, ok := model.ParseAction(raw)
	if !ok {
		return 0, probAction
	}
	return a, problem{}
}
