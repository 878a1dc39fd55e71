package scenarios

import (
	"github.com/loadlab/loadlab/internal/yamlfile"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// template is a compiled body template: literal JSON text interleaved with
// generators, rendered by appending to a byte slice with no reflection and
// no allocation beyond the slice's growth.
type template struct {
	parts []part
	size  int // typical rendered size in bytes, to size buffers, prompts left out
	// texts counts the $prompt and $messages generators (those of $choice
	// items included): a rendering appends at most texts prompt texts.
	texts int
	// prompts is whether any prompt generator ($prompt, $messages,
	// $max_tokens) appears.
	prompts bool
}

// part is literal text followed by an optional generator.
type part struct {
	lit []byte
	gen *generator
}

type genKind uint8

const (
	genInt genKind = iota
	genFloat
	genChoice
	genPrompt
	genMessages
	genMaxTokens
)

// generator draws one value per render.
type generator struct {
	kind     genKind
	lo       int64  // $int: minimum
	span     uint64 // $int: max-min+1 values; 0 means all 2^64
	flo, fhi float64
	decimals int // $float: digits after the point, -1 for the shortest form
	choices  []*template
}

// Generator names, as written in templates.
const (
	GenInt    = "$int"
	GenFloat  = "$float"
	GenChoice = "$choice"
	// The prompt generators, allowed with a prompts block (Prompts).
	GenPrompt    = "$prompt"
	GenMessages  = "$messages"
	GenMaxTokens = "$max_tokens"
)

const genList = GenInt + ", " + GenFloat + ", " + GenChoice + ", " + GenPrompt + ", " + GenMessages + ", " + GenMaxTokens

// render appends one rendering of t to dst; d is the request's prompt
// (nil when t has no prompt generator).
func (t *template) render(dst []byte, r *rng, d *promptDraw) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		dst = append(dst, p.lit...)
		if g := p.gen; g != nil {
			switch g.kind {
			case genInt:
				var v uint64
				if g.span == 0 {
					v = r.next()
				} else {
					v = r.uint64n(g.span)
				}
				dst = strconv.AppendInt(dst, g.lo+int64(v), 10)
			case genFloat:
				v := g.flo + r.float64()*(g.fhi-g.flo)
				dst = strconv.AppendFloat(dst, v, 'f', g.decimals, 64)
			case genChoice:
				dst = g.choices[r.uint64n(uint64(len(g.choices)))].render(dst, r, d)
			case genPrompt:
				dst = d.appendPrompt(dst)
			case genMessages:
				dst = d.appendMessages(dst)
			case genMaxTokens:
				dst = strconv.AppendInt(dst, int64(d.output), 10)
			}
		}
	}
	return dst
}

// compileTemplate compiles JSON template text; errors name the field path
// inside the template (at is the path of the template itself). prompts
// says whether the request has a prompts block, without which the prompt
// generators are errors.
func compileTemplate(raw []byte, at string, prompts bool) (*template, problems) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := readJSON(dec, 0)
	if err == nil {
		if _, err2 := dec.Token(); !errors.Is(err2, io.EOF) {
			err = errors.New("text after the JSON value")
		}
	}
	if err != nil {
		var p problems
		p.Add(at, "not a JSON value: %v", err)
		return nil, p
	}
	c := &compiler{allowPrompts: prompts}
	c.value(v, at)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return c.finish(), nil
}

// jvalue is a parsed JSON value that keeps object key order.
type jvalue struct {
	kind byte // '{', '[', or 0 for a scalar
	keys []string
	vals []jvalue
	tok  any // scalar: json.Number, string, bool or nil
}

const maxDepth = 100

func readJSON(dec *json.Decoder, depth int) (jvalue, error) {
	if depth > maxDepth {
		return jvalue{}, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return jvalue{}, err
	}
	switch tok {
	case json.Delim('{'):
		v := jvalue{kind: '{'}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return jvalue{}, err
			}
			item, err := readJSON(dec, depth+1)
			if err != nil {
				return jvalue{}, err
			}
			v.keys = append(v.keys, k.(string))
			v.vals = append(v.vals, item)
		}
		_, err := dec.Token()
		return v, err
	case json.Delim('['):
		v := jvalue{kind: '['}
		for dec.More() {
			item, err := readJSON(dec, depth+1)
			if err != nil {
				return jvalue{}, err
			}
			v.vals = append(v.vals, item)
		}
		_, err := dec.Token()
		return v, err
	}
	return jvalue{tok: tok}, nil
}

// compiler accumulates literal text and generator parts.
type compiler struct {
	parts        []part
	lit          []byte
	size         int
	errs         problems
	allowPrompts bool
	texts        int
	prompts      bool
}

func (c *compiler) finish() *template {
	c.parts = append(c.parts, part{lit: c.lit})
	return &template{parts: c.parts, size: c.size + len(c.lit), texts: c.texts, prompts: c.prompts}
}

func (c *compiler) gen(g *generator, size int) {
	c.size += len(c.lit) + size
	c.parts = append(c.parts, part{lit: c.lit, gen: g})
	c.lit = nil
}

func (c *compiler) value(v jvalue, at string) {
	switch v.kind {
	case '{':
		if len(v.keys) == 1 && strings.HasPrefix(v.keys[0], "$") && !strings.HasPrefix(v.keys[0], "$$") {
			c.generator(v.keys[0], v.vals[0], yamlfile.Join(at, v.keys[0]))
			return
		}
		c.lit = append(c.lit, '{')
		for i, k := range v.keys {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			if len(v.keys) == 1 && strings.HasPrefix(k, "$$") {
				k = k[1:] // "$$name" is the literal key "$name"
			}
			c.lit = append(c.lit, jsonText(k)...)
			c.lit = append(c.lit, ':')
			c.value(v.vals[i], yamlfile.Join(at, v.keys[i]))
		}
		c.lit = append(c.lit, '}')
	case '[':
		c.lit = append(c.lit, '[')
		for i, item := range v.vals {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.value(item, yamlfile.Index(at, i))
		}
		c.lit = append(c.lit, ']')
	default:
		switch t := v.tok.(type) {
		case json.Number:
			c.lit = append(c.lit, t...)
		case string:
			c.lit = append(c.lit, jsonText(t)...)
		case bool:
			c.lit = strconv.AppendBool(c.lit, t)
		default:
			c.lit = append(c.lit, "null"...)
		}
	}
}

func (c *compiler) generator(name string, arg jvalue, at string) {
	switch name {
	case GenInt:
		lo, hi, ok := intPair(arg)
		if !ok || lo > hi {
			c.errs.Add(at, "wants [min, max], two whole numbers with min ≤ max, e.g. {\"$int\": [18, 100]}")
			return
		}
		c.gen(&generator{kind: genInt, lo: lo, span: uint64(hi) - uint64(lo) + 1}, 20)
	case GenFloat:
		lo, hi, dec, ok := floatArgs(arg)
		if !ok || lo > hi {
			c.errs.Add(at, "wants [min, max] or [min, max, decimals], finite numbers with min ≤ max and decimals 0..15, e.g. {\"$float\": [1000, 200000, 2]}")
			return
		}
		c.gen(&generator{kind: genFloat, flo: lo, fhi: hi, decimals: dec}, 24)
	case GenChoice:
		if arg.kind != '[' || len(arg.vals) == 0 {
			c.errs.Add(at, "wants a non-empty list of JSON values, e.g. {\"$choice\": [\"page_view\", \"email_open\"]}")
			return
		}
		g := &generator{kind: genChoice}
		size := 0
		for i, item := range arg.vals {
			sub := &compiler{allowPrompts: c.allowPrompts}
			sub.value(item, yamlfile.Index(at, i))
			c.errs = append(c.errs, sub.errs...)
			t := sub.finish()
			g.choices = append(g.choices, t)
			size = max(size, t.size)
			c.texts += t.texts
			c.prompts = c.prompts || t.prompts
		}
		c.gen(g, size)
	case GenPrompt, GenMessages, GenMaxTokens:
		switch {
		case !c.allowPrompts:
			c.errs.Add(at, "needs a prompts block on this request: add prompts: {input_tokens: {mean: 256, stddev: 64}} (generated prompts) or prompts: {file: prompts.jsonl} (a dataset)")
		case arg.kind != '{' || len(arg.keys) != 0:
			c.errs.Add(at, "takes no arguments: write {%q: {}}", name)
		default:
			kind := genPrompt
			switch name {
			case GenMessages:
				kind = genMessages
			case GenMaxTokens:
				kind = genMaxTokens
			}
			c.prompts = true
			size := 20 // $max_tokens: an integer; prompts: textSize
			if kind != genMaxTokens {
				c.texts, size = c.texts+1, 0
			}
			c.gen(&generator{kind: kind}, size)
		}
	default:
		c.errs.Add(at, "unknown generator %q (allowed: %s; write \"$%s\" for a literal key)", name, genList, name)
	}
}

func intPair(v jvalue) (lo, hi int64, ok bool) {
	if v.kind != '[' || len(v.vals) != 2 {
		return 0, 0, false
	}
	var err1, err2 error
	n1, ok1 := v.vals[0].tok.(json.Number)
	n2, ok2 := v.vals[1].tok.(json.Number)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	lo, err1 = n1.Int64()
	hi, err2 = n2.Int64()
	return lo, hi, err1 == nil && err2 == nil
}

func floatArgs(v jvalue) (lo, hi float64, decimals int, ok bool) {
	if v.kind != '[' || len(v.vals) < 2 || len(v.vals) > 3 {
		return 0, 0, 0, false
	}
	var f [3]float64
	for i, item := range v.vals {
		n, isNum := item.tok.(json.Number)
		if !isNum {
			return 0, 0, 0, false
		}
		x, err := n.Float64()
		if err != nil || !finite(x) {
			return 0, 0, 0, false
		}
		f[i] = x
	}
	if !finite(f[1] - f[0]) {
		return 0, 0, 0, false
	}
	decimals = -1
	if len(v.vals) == 3 {
		if f[2] != math.Trunc(f[2]) || f[2] < 0 || f[2] > 15 {
			return 0, 0, 0, false
		}
		decimals = int(f[2])
	}
	return f[0], f[1], decimals, true
}
