package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
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

// SyntaxError is a request body that is not well-formed JSON (answered
// with 400).
type SyntaxError struct {
	// Offset is the byte offset of the problem in the body: the offending
	// byte, or the body's length when it ends too soon.
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte %d: %s", e.Offset, e.Msg)
}

// endOfInput is encoding/json's message for a body that ends too soon.
const endOfInput = "unexpected end of JSON input"

// newSyntaxError converts encoding/json's error for body. Its Offset
// counts the bytes read including the offending one; and a body that ends
// inside a number or a literal (`{"a":tru`) is reported as an invalid
// space at the end, because the decoder checks the end by feeding one: it
// is called the end of input here.
func newSyntaxError(e *json.SyntaxError, body []byte) *SyntaxError {
	off, msg := int(e.Offset), e.Error()
	switch {
	case msg == endOfInput:
	case off == len(body) && off > 0 && body[off-1] != ' ' && strings.HasPrefix(msg, "invalid character ' '"):
		msg = endOfInput
	case off > 0:
		off--
	}
	return &SyntaxError{Offset: off, Msg: msg}
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

// topNames are the members of a POST /predict body that are read: a
// lead's fields, then "instances".
var topNames = [numFields + 1]string{fieldNames[0], fieldNames[1], fieldNames[2], fieldNames[3], "instances"}

// decodePredict parses and validates body into req with at most maxBatch
// instances. Malformed JSON (exactly what encoding/json rejects) returns a
// *SyntaxError; invalid content leaves one FieldError per offending field
// in req.errs (in field order, batch items in index order). Only the
// members it reads are decoded, so its cost and memory do not grow with
// unknown members or the items of a batch it refuses.
func decodePredict(body []byte, maxBatch int, req *predictRequest) *SyntaxError {
	req.reset()
	if !json.Valid(body) {
		// Unmarshal checks the whole body before decoding any of it, so
		// its error is the body's syntax error whatever the target.
		var v struct{}
		var serr *json.SyntaxError
		if err := json.Unmarshal(body, &v); errors.As(err, &serr) {
			return newSyntaxError(serr, body)
		}
		panic("json.Valid rejected a body that json.Unmarshal accepts") // unreachable
	}
	top := body[skipSpace(body, 0):]
	if top[0] != '{' {
		req.errs = append(req.errs, FieldError{Loc: []any{"body"}, Msg: probObjectType.msg, Type: probObjectType.typ})
		return nil
	}
	var values [numFields + 1][]byte
	lookup(top, topNames[:], values[:])
	if raw := values[numFields]; raw != nil {
		req.batch = true
		req.decodeInstances(raw, maxBatch)
		return nil
	}
	lead, probs := validateLead((*[numFields][]byte)(values[:numFields]))
	req.leads = append(req.leads, lead)
	req.errs = appendProblems(req.errs, &probs, -1)
	return nil
}

// decodeInstances validates the well-formed "instances" value raw. A list
// longer than maxBatch is refused after counting its items, without
// reading them.
func (r *predictRequest) decodeInstances(raw []byte, maxBatch int) {
	here := []any{"body", "instances"}
	if raw[0] != '[' {
		r.errs = append(r.errs, FieldError{Loc: here, Msg: probListType.msg, Type: probListType.typ})
		return
	}
	switch n := countItems(raw); {
	case n == 0:
		r.errs = append(r.errs, FieldError{Loc: here, Msg: probListTooShort.msg, Type: probListTooShort.typ})
		return
	case n > maxBatch:
		r.errs = append(r.errs, FieldError{Loc: here,
			Msg:  fmt.Sprintf("List should have at most %d items after validation, not %d", maxBatch, n),
			Type: "too_long"})
		return
	}
	var values [numFields][]byte
	i := 0
	for _, item := range items(raw) {
		if item[0] != '{' {
			r.errs = append(r.errs, FieldError{Loc: []any{"body", "instances", i}, Msg: probObjectType.msg, Type: probObjectType.typ})
			r.leads = append(r.leads, model.Lead{})
		} else {
			lookup(item, fieldNames[:], values[:])
			lead, probs := validateLead(&values)
			r.leads = append(r.leads, lead)
			r.errs = appendProblems(r.errs, &probs, i)
		}
		i++
	}
}

// validateLead reads a lead from the raw values of its fields (nil when
// absent); probs holds the problem of each field in field order (zero
// when valid).
func validateLead(values *[numFields][]byte) (lead model.Lead, probs [numFields]problem) {
	for f, raw := range values {
		if raw == nil {
			probs[f] = probMissing
			continue
		}
		switch f {
		case fieldAge:
			var v int64
			v, probs[f] = intValue(raw, model.MinAge, model.MaxAge, probAgeMin, probAgeMax)
			lead.Age = int(v)
		case fieldSalary:
			lead.Salary, probs[f] = salaryValue(raw)
		case fieldWebVisits:
			var v int64
			v, probs[f] = intValue(raw, 0, model.MaxWebVisits, probVisitsMin, probVisitsMax)
			lead.WebVisits = int(v)
		case fieldLastAction:
			lead.LastAction, probs[f] = actionValue(raw)
		}
	}
	return lead, probs
}

// appendProblems adds one FieldError per field with a problem; index is
// the batch position, or -1 for a single object.
func appendProblems(errs []FieldError, probs *[numFields]problem, index int) []FieldError {
	for f, p := range probs {
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

// number returns the value of a well-formed JSON value that is a number;
// ok is false for any other type. Numbers beyond float64's range become
// ±Inf (or ±0 on underflow).
func number(raw json.RawMessage) (f float64, ok bool) {
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	f, _ = strconv.ParseFloat(string(raw), 64) // the range error is the ±Inf or ±0
	return f, true
}

// intValue validates an integer in [lo, hi]; integral floats such as 35.0
// are accepted, as pydantic does.
func intValue(raw json.RawMessage, lo, hi int64, low, high problem) (int64, problem) {
	f, ok := number(raw)
	switch {
	case !ok:
		return 0, probIntType
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

// salaryValue validates a finite number > 0.
func salaryValue(raw json.RawMessage) (float64, problem) {
	f, ok := number(raw)
	switch {
	case !ok:
		return 0, probFloatType
	case math.IsInf(f, 0):
		return 0, probFinite
	case !(f > 0):
		return 0, probSalaryMin
	}
	return f, problem{}
}

// actionValue validates one of the model's action names.
func actionValue(raw json.RawMessage) (model.Action, problem) {
	if raw[0] != '"' {
		return 0, probStringType
	}
	name := raw[1 : len(raw)-1] // the string's bytes when it has no escapes
	if bytes.IndexByte(name, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			panic(fmt.Sprintf("a well-formed string did not decode: %v", err)) // unreachable
		}
		name = []byte(s)
	}
	a, ok := model.ParseAction(name)
	if !ok {
		return 0, probAction
	}
	return a, problem{}
}
