package server

import (
	"cmp"
	"math"
	"net/url"
	"slices"
	"strconv"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// leadTable is the "cache pattern": a batch job scores a table of leads
// once (at start-up, per model) and the API serves lookups from memory.
// Lead ids are 1..N; each row's JSON is encoded once, so a lookup is an
// index and a write.
type leadTable struct {
	leads  []model.Lead
	preds  []model.Prediction
	buf    []byte  // all rows' JSON, back to back
	off    []int32 // row i is buf[off[i]:off[i+1]]
	byProb []int32 // row indexes by probability descending, then id ascending
	stats  []byte  // the GET /stats body
}

// buildTable scores leads with m.
func buildTable(m *model.Model, leads []model.Lead) *leadTable {
	t := &leadTable{leads: leads, preds: make([]model.Prediction, len(leads))}
	m.PredictBatch(leads, t.preds)
	suffix := versionSuffix(m.Version())
	t.off = make([]int32, 0, len(leads)+1)
	var sum float64
	var segs [model.NumSegments]int
	converted := 0
	for i, l := range leads {
		p := t.preds[i]
		t.off = append(t.off, int32(len(t.buf)))
		b := append(t.buf, `{"lead_id":`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `,"age":`...)
		b = strconv.AppendInt(b, int64(l.Age), 10)
		b = append(b, `,"salary":`...)
		b = appendFloat(b, l.Salary)
		b = append(b, `,"web_visits":`...)
		b = strconv.AppendInt(b, int64(l.WebVisits), 10)
		b = append(b, `,"last_action":"`...)
		b = append(b, l.LastAction.String()...)
		b = append(b, `",`...)
		b = appendPredictionFields(b, p)
		t.buf = append(b, suffix...)
		sum += p.Probability
		segs[p.Segment]++
		if p.Converted {
			converted++
		}
	}
	t.off = append(t.off, int32(len(t.buf)))
	t.byProb = make([]int32, len(leads))
	for i := range t.byProb {
		t.byProb[i] = int32(i)
	}
	slices.SortFunc(t.byProb, func(a, b int32) int {
		if c := cmp.Compare(t.preds[b].Probability, t.preds[a].Probability); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	mean := 0.0
	if len(leads) > 0 {
		mean = sum / float64(len(leads))
	}
	s := append([]byte(nil), `{"total_leads":`...)
	s = strconv.AppendInt(s, int64(len(leads)), 10)
	s = append(s, `,"mean_probability":`...)
	s = appendFloat(s, math.Round(mean*1e6)/1e6)
	s = append(s, `,"predicted_conversions":`...)
	s = strconv.AppendInt(s, int64(converted), 10)
	s = append(s, `,"segments":{"hot":`...)
	s = strconv.AppendInt(s, int64(segs[model.Hot]), 10)
	s = append(s, `,"warm":`...)
	s = strconv.AppendInt(s, int64(segs[model.Warm]), 10)
	s = append(s, `,"cold":`...)
	s = strconv.AppendInt(s, int64(segs[model.Cold]), 10)
	s = append(s, `},"model_version":`...)
	s = appendString(s, m.Version())
	t.stats = append(s, "}\n"...)
	return t
}

// row returns the JSON of lead id (1-based) and whether it exists.
func (t *leadTable) row(id int64) ([]byte, bool) {
	if id < 1 || id > int64(len(t.leads)) {
		return nil, false
	}
	return t.buf[t.off[id-1]:t.off[id]], true
}

// listQuery is a validated GET /predictions query.
type listQuery struct {
	segment    model.Segment
	anySegment bool
	minProb    float64
	limit      int
}

// Listing bounds.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// parseListQuery validates segment, min_probability and limit, returning
// one FieldError per bad parameter. Unknown parameters are ignored.
func parseListQuery(q url.Values) (listQuery, []FieldError) {
	lq := listQuery{anySegment: true, limit: defaultListLimit}
	var errs []FieldError
	bad := func(name string, p problem) {
		errs = append(errs, FieldError{Loc: []any{"query", name}, Msg: p.msg, Type: p.typ})
	}
	if vs, ok := q["segment"]; ok {
		s, valid := model.ParseSegment(vs[0])
		if !valid {
			bad("segment", problem{"enum", "Input should be 'hot', 'warm' or 'cold'"})
		}
		lq.segment, lq.anySegment = s, false
	}
	if vs, ok := q["min_probability"]; ok {
		f, err := strconv.ParseFloat(vs[0], 64)
		switch {
		case err != nil || math.IsNaN(f):
			bad("min_probability", problem{"float_parsing", "Input should be a valid number, unable to parse string as a number"})
		case f < 0:
			bad("min_probability", problem{"greater_than_equal", "Input should be greater than or equal to 0"})
		case f > 1:
			bad("min_probability", problem{"less_than_equal", "Input should be less than or equal to 1"})
		}
		lq.minProb = f
	}
	if vs, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vs[0])
		switch {
		case err != nil:
			bad("limit", problem{"int_parsing", "Input should be a valid integer, unable to parse string as an integer"})
		case n < 1:
			bad("limit", problem{"greater_than_equal", "Input should be greater than or equal to 1"})
		case n > maxListLimit:
			bad("limit", problem{"less_than_equal", "Input should be less than or equal to 1000"})
		}
		lq.limit = n
	}
	return lq, errs
}

// appendList appends the listing for q: the highest-probability matching
// leads first, at most q.limit of them, with the count of all matches.
func (t *leadTable) appendList(b []byte, q listQuery) []byte {
	picked := make([]int32, 0, min(q.limit, len(t.byProb)))
	total := 0
	for _, i := range t.byProb {
		p := t.preds[i]
		if p.Probability < q.minProb {
			break // sorted descending: nothing further matches
		}
		if !q.anySegment && p.Segment != q.segment {
			continue
		}
		total++
		if len(picked) < q.limit {
			picked = append(picked, i)
		}
	}
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(len(picked)), 10)
	b = append(b, `,"total_matching":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"predictions":[`...)
	for n, i := range picked {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, t.buf[t.off[i]:t.off[i+1]]...)
	}
	return append(b, "]}\n"...)
}
