package server

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/loadlab/loadlab/target/refapi/model"
)

func TestPredictSingle(t *testing.T) {
	_, ts := newLoadedServer(t)
	m := embedded(t)
	for _, lead := range []model.Lead{
		{Age: 35, Salary: 75000, WebVisits: 15, LastAction: model.FormSubmit},
		{Age: 90, Salary: 20000, WebVisits: 0, LastAction: model.PageView},
		{Age: 18, Salary: 0.01, WebVisits: 1000000, LastAction: model.DemoRequest},
		{Age: 100, Salary: 1e9, WebVisits: 3, LastAction: model.EmailOpen},
	} {
		r := post(t, ts.URL+"/predict", leadJSON(lead))
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var p predictionJSON
		decodeJSON(t, r, &p)
		checkPrediction(t, m, lead, p)
	}
}

func TestPredictBatchPreservesOrder(t *testing.T) {
	_, ts := newLoadedServer(t)
	m := embedded(t)
	leads := model.GenerateLeads(99, 1000) // the maximum batch
	parts := make([]string, len(leads))
	for i, l := range leads {
		parts[i] = leadJSON(l)
	}
	r := post(t, ts.URL+"/predict", `{"instances":[`+strings.Join(parts, ",")+`]}`)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out struct {
		Predictions []predictionJSON `json:"predictions"`
	}
	decodeJSON(t, r, &out)
	if len(out.Predictions) != len(leads) {
		t.Fatalf("%d predictions for %d instances", len(out.Predictions), len(leads))
	}
	segments := map[string]int{}
	for i, p := range out.Predictions {
		checkPrediction(t, m, leads[i], p)
		segments[p.Segment]++
	}
	if len(segments) != 3 {
		t.Fatalf("segments %v: the batch should span hot, warm and cold", segments)
	}
}

func TestPredictAcceptsEquivalentJSON(t *testing.T) {
	_, ts := newLoadedServer(t)
	m := embedded(t)
	want := model.Lead{Age: 35, Salary: 75000, WebVisits: 15, LastAction: model.FormSubmit}
	for _, body := range []string{
		`{"age":35.0,"salary":7.5e4,"web_visits":15,"last_action":"form_submit"}`,
		` { "last_action" : "form_submit" , "web_visits" : 1.5E1 , "salary" : 75000.00 , "age" : 35 } ` + "\n",
		`{"\u0061ge":35,"salary":75000,"web_visits":15,"last_action":"form\u005fsubmit"}`,
		`{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit","extra":{"nested":[1,{"x":null}]},"note":"ignored"}`,
		`{"age":200,"salary":75000,"web_visits":15,"last_action":"page_view","age":35,"last_action":"form_submit"}`,
	} {
		r := post(t, ts.URL+"/predict", body)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", body, r.status, r.body)
		}
		var p predictionJSON
		decodeJSON(t, r, &p)
		checkPrediction(t, m, want, p)
	}
}

func TestPredictValidationErrors(t *testing.T) {
	_, ts := newLoadedServer(t)
	ok := `"salary":75000,"web_visits":15,"last_action":"form_submit"`
	cases := []struct {
		name string
		body string
		want []string // loc:type per offending field, in order
	}{
		{"all missing", `{}`, []string{"body.age:missing", "body.salary:missing", "body.web_visits:missing", "body.last_action:missing"}},
		{"wrong types", `{"age":"35","salary":"75000","web_visits":true,"last_action":3}`,
			[]string{"body.age:int_type", "body.salary:float_type", "body.web_visits:int_type", "body.last_action:string_type"}},
		{"nulls", `{"age":null,"salary":null,"web_visits":null,"last_action":null}`,
			[]string{"body.age:int_type", "body.salary:float_type", "body.web_visits:int_type", "body.last_action:string_type"}},
		{"objects", `{"age":{},"salary":[],"web_visits":[1],"last_action":{"a":1}}`,
			[]string{"body.age:int_type", "body.salary:float_type", "body.web_visits:int_type", "body.last_action:string_type"}},
		{"age below", `{"age":17,` + ok + `}`, []string{"body.age:greater_than_equal"}},
		{"age above", `{"age":101,` + ok + `}`, []string{"body.age:less_than_equal"}},
		{"age fraction", `{"age":35.5,` + ok + `}`, []string{"body.age:int_from_float"}},
		{"age huge", `{"age":1e400,` + ok + `}`, []string{"body.age:less_than_equal"}},
		{"age negative huge", `{"age":-1e400,` + ok + `}`, []string{"body.age:greater_than_equal"}},
		{"salary zero", `{"age":35,"salary":0,"web_visits":1,"last_action":"page_view"}`, []string{"body.salary:greater_than"}},
		{"salary negative", `{"age":35,"salary":-0.5,"web_visits":1,"last_action":"page_view"}`, []string{"body.salary:greater_than"}},
		{"salary infinite", `{"age":35,"salary":1e999,"web_visits":1,"last_action":"page_view"}`, []string{"body.salary:finite_number"}},
		{"visits negative", `{"age":35,"salary":1,"web_visits":-1,"last_action":"page_view"}`, []string{"body.web_visits:greater_than_equal"}},
		{"visits too large", `{"age":35,"salary":1,"web_visits":1e16,"last_action":"page_view"}`, []string{"body.web_visits:less_than_equal"}},
		{"unknown action", `{"age":35,"salary":1,"web_visits":1,"last_action":"phone_call"}`, []string{"body.last_action:enum"}},
		{"action case", `{"age":35,"salary":1,"web_visits":1,"last_action":"Page_View"}`, []string{"body.last_action:enum"}},
		{"array body", `[{"age":35}]`, []string{"body:model_attributes_type"}},
		{"string body", `"hello"`, []string{"body:model_attributes_type"}},
		{"null body", `null`, []string{"body:model_attributes_type"}},
		{"instances not a list", `{"instances":{"age":35}}`, []string{"body.instances:list_type"}},
		{"instances empty", `{"instances":[]}`, []string{"body.instances:too_short"}},
		{"batch item errors", `{"instances":[{"age":35,` + ok + `},{"age":10,"salary":1,"web_visits":1,"last_action":"x"},7,{"age":35,"salary":1,"web_visits":1}]}`,
			[]string{"body.instances.1.age:greater_than_equal", "body.instances.1.last_action:enum",
				"body.instances.2:model_attributes_type", "body.instances.3.last_action:missing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, ts.URL+"/predict", tc.body)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			var d detailList
			decodeJSON(t, r, &d)
			if got := d.locs(); !slices.Equal(got, tc.want) {
				t.Fatalf("detail %v, want %v", got, tc.want)
			}
			for _, e := range d.Detail {
				if e.Msg == "" {
					t.Fatalf("entry %v has no msg", e.Loc)
				}
			}
		})
	}
}

// TestPredictValidationMessages pins whole 422 bodies, FastAPI's shape:
// every error type's message and the location of a field, a batch item
// and a batch item's field.
func TestPredictValidationMessages(t *testing.T) {
	_, ts := newLoadedServer(t)
	entry := func(loc, msg, typ string) string {
		return `{"loc":[` + loc + `],"msg":"` + msg + `","type":"` + typ + `"}`
	}
	const object = "Input should be a valid dictionary or object to extract fields from"
	cases := []struct{ body, want string }{
		{`{"age":17,"salary":75000,"web_visits":1,"last_action":"call"}`,
			entry(`"body","age"`, "Input should be greater than or equal to 18", "greater_than_equal") + "," +
				entry(`"body","last_action"`, "Input should be 'page_view', 'email_open', 'form_submit' or 'demo_request'", "enum")},
		{`{"Age":35,"salary":1,"web_visits":0,"last_action":"page_view"}`, // keys are case-sensitive
			entry(`"body","age"`, "Field required", "missing")},
		{`{"age":"35","salary":"1","web_visits":true,"last_action":3}`,
			entry(`"body","age"`, "Input should be a valid integer", "int_type") + "," +
				entry(`"body","salary"`, "Input should be a valid number", "float_type") + "," +
				entry(`"body","web_visits"`, "Input should be a valid integer", "int_type") + "," +
				entry(`"body","last_action"`, "Input should be a valid string", "string_type")},
		{`{"age":35.5,"salary":1e999,"web_visits":1e16,"last_action":"page_view"}`,
			entry(`"body","age"`, "Input should be a valid integer, got a number with a fractional part", "int_from_float") + "," +
				entry(`"body","salary"`, "Input should be a finite number", "finite_number") + "," +
				entry(`"body","web_visits"`, "Input should be less than or equal to 9007199254740991", "less_than_equal")},
		{`{"age":101,"salary":0,"web_visits":-1,"last_action":"page_view"}`,
			entry(`"body","age"`, "Input should be less than or equal to 100", "less_than_equal") + "," +
				entry(`"body","salary"`, "Input should be greater than 0", "greater_than") + "," +
				entry(`"body","web_visits"`, "Input should be greater than or equal to 0", "greater_than_equal")},
		{`[1]`, entry(`"body"`, object, "model_attributes_type")},
		{`{"instances":{}}`, entry(`"body","instances"`, "Input should be a valid list", "list_type")},
		{`{"instances":[]}`, entry(`"body","instances"`, "List should have at least 1 item after validation, not 0", "too_short")},
		{`{"instances":[null,{"age":35,"salary":1,"web_visits":1}]}`,
			entry(`"body","instances",0`, object, "model_attributes_type") + "," +
				entry(`"body","instances",1,"last_action"`, "Field required", "missing")},
	}
	for _, tc := range cases {
		r := post(t, ts.URL+"/predict", tc.body)
		want := `{"detail":[` + tc.want + "]}\n"
		if r.status != http.StatusUnprocessableEntity || string(r.body) != want {
			t.Errorf("%s:\ngot  %d %s\nwant 422 %s", tc.body, r.status, r.body, want)
		}
	}
}

func TestPredictBatchLimit(t *testing.T) {
	_, ts := newLoadedServer(t)
	item := `{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`
	r := post(t, ts.URL+"/predict", `{"instances":[`+strings.TrimSuffix(strings.Repeat(item+",", 1001), ",")+`]}`)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("1001 instances: status %d, want 422", r.status)
	}
	var d detailList
	decodeJSON(t, r, &d)
	if got := d.locs(); !slices.Equal(got, []string{"body.instances:too_long"}) ||
		d.Detail[0].Msg != "List should have at most 1000 items after validation, not 1001" {
		t.Fatalf("detail %v %q", got, d.Detail[0].Msg)
	}
}

// TestPredictMalformedJSONMessages pins the 400 message: the offset of
// the offending byte (the body's length when it ends too soon, also inside
// a literal or a number) and encoding/json's description.
func TestPredictMalformedJSONMessages(t *testing.T) {
	_, ts := newLoadedServer(t)
	cases := []struct {
		body   string
		offset int
		msg    string
	}{
		{``, 0, "unexpected end of JSON input"},
		{`   `, 3, "unexpected end of JSON input"},
		{`{"age":35,`, 10, "unexpected end of JSON input"},
		{`{"age":tru`, 10, "unexpected end of JSON input"},
		{`{"age":1e`, 9, "unexpected end of JSON input"},
		{`{"age":-`, 8, "unexpected end of JSON input"},
		{`{"age":tru }`, 10, "invalid character ' ' in literal true (expecting 'e')"},
		{`nul `, 3, "invalid character ' ' in literal null (expecting 'l')"},
		{`{"age":35,}`, 10, "invalid character '}' looking for beginning of object key string"},
		{`{"age":35}x`, 10, "invalid character 'x' after top-level value"},
		{`{"age":35} {}`, 11, "invalid character '{' after top-level value"},
		{`{"age":035}`, 8, "invalid character '3' after object key:value pair"},
		{`{"age" 35}`, 7, "invalid character '3' after object key"},
		{`{"last_action":"\x"}`, 17, "invalid character 'x' in string escape code"},
		{`x`, 0, "invalid character 'x' looking for beginning of value"},
	}
	for _, tc := range cases {
		r := post(t, ts.URL+"/predict", tc.body)
		var d detailString
		decodeJSON(t, r, &d)
		if want := fmt.Sprintf("malformed JSON at byte %d: %s", tc.offset, tc.msg); r.status != http.StatusBadRequest || d.Detail != want {
			t.Errorf("%q: %d %q, want 400 %q", tc.body, r.status, d.Detail, want)
		}
	}
}

func TestPredictMalformedJSON(t *testing.T) {
	_, ts := newLoadedServer(t)
	for _, body := range []string{
		``,
		`   `,
		`{`,
		`{"age":35,`,
		`{"age":35,}`,
		`{"age":35} {}`,
		`{"age":35}x`,
		`{age:35}`,
		`{'age':35}`,
		`{"age":035}`,
		`{"age":-}`,
		`{"age":1.}`,
		`{"age":1e}`,
		`{"age":tru}`,
		`{"age":nul}`,
		`{"last_action":"a` + "\x01" + `"}`,
		`{"last_action":"\x"}`,
		`{"last_action":"\u12"}`,
		`{"instances":[{"age":35},]}`,
		`{"instances":[{"age":35}`,
		`{"age" 35}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		r := post(t, ts.URL+"/predict", body)
		if r.status != http.StatusBadRequest {
			t.Fatalf("%.40q: status %d, want 400: %s", body, r.status, r.body)
		}
		var d detailString
		decodeJSON(t, r, &d)
		if !strings.HasPrefix(d.Detail, "malformed JSON at byte ") {
			t.Fatalf("%.40q: detail %q", body, d.Detail)
		}
	}
}

func TestPredictBodyTooLarge(t *testing.T) {
	_, ts := newLoadedServer(t)
	item := `{"age":35,"salary":75000,"web_visits":15,"last_action":"form_submit"}`
	const limit = 1 << 20
	atLimit := item + strings.Repeat(" ", limit-len(item))
	if r := post(t, ts.URL+"/predict", atLimit); r.status != http.StatusOK {
		t.Fatalf("body of exactly 1 MiB: status %d: %s", r.status, r.body)
	}
	over := atLimit + " "
	r := post(t, ts.URL+"/predict", over)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MiB + 1 byte: status %d, want 413", r.status)
	}
	var d detailString
	decodeJSON(t, r, &d)
	if d.Detail != "request body over 1048576 bytes" {
		t.Fatalf("detail %q", d.Detail)
	}
	// Without Content-Length (chunked), the limit applies while reading.
	r = do(t, http.MethodPost, ts.URL+"/predict", "application/json", io.MultiReader(strings.NewReader(over)))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 1 MiB + 1 byte: status %d, want 413", r.status)
	}
	r = do(t, http.MethodPost, ts.URL+"/predict", "application/json", io.MultiReader(strings.NewReader(item)))
	if r.status != http.StatusOK {
		t.Fatalf("chunked small body: status %d: %s", r.status, r.body)
	}
}
