package scenarios

import "math"

// Prompts says where the prompts of a request entry come from, for LLM
// inference APIs: a dataset File, or generated prompts whose lengths in
// tokens are drawn from InputTokens. Each request draws one prompt and one
// target output length, which the body template places with the
// generators $prompt, $messages and $max_tokens (see RequestSpec); the
// three share that one draw.
//
// A token of a generated prompt is one word of a fixed English word list
// (see promptWords), and a dataset prompt's length is its count of
// whitespace-separated words: an estimate, since the server's tokenizer
// decides (English runs about 1.3 tokens per word). The engine records
// the server's usage.prompt_tokens when the server sends it, and this
// estimate (Request.InputTokens) only otherwise.
type Prompts struct {
	// File is a JSON-lines dataset, relative to the scenario's directory:
	// each non-blank line an object {"prompt": "..."} or {"messages":
	// [{"role": "...", "content": "..."}, ...]}, with an optional target
	// output length "output_tokens" (or its synonym "max_tokens"), a whole
	// number in 1..MaxPromptTokens. Other keys, of the line or of a
	// message, are ignored. It is read and checked whole once; each
	// request draws one line uniformly.
	File string `yaml:"file,omitempty" json:"file,omitempty"`
	// InputTokens, instead of File, generates prompts: each request's
	// length in words is drawn from this distribution and its text from
	// the word list, by the request's random generator (so a seed fixes
	// both).
	InputTokens *Lengths `yaml:"input_tokens,omitempty" json:"input_tokens,omitempty"`
	// OutputTokens is the distribution of the target output length
	// ($max_tokens) of generated prompts and of dataset lines without
	// their own. Absent: DefaultOutputTokens.
	OutputTokens *Lengths `yaml:"output_tokens,omitempty" json:"output_tokens,omitempty"`
}

// Lengths is a distribution of lengths in tokens: a normal distribution
// of mean Mean and standard deviation Stddev (0: always the mean), each
// draw rounded to a whole number and clamped to [Min, Max]. Min defaults
// to 1 and Max to MaxPromptTokens; 1 ≤ Min ≤ Mean ≤ Max ≤
// MaxPromptTokens. Clamping moves the mean of the draws towards the
// middle when [Min, Max] cuts the distribution.
type Lengths struct {
	Mean   float64 `yaml:"mean" json:"mean"`
	Stddev float64 `yaml:"stddev,omitempty" json:"stddev,omitempty"`
	Min    int     `yaml:"min,omitempty" json:"min,omitempty" nonzero:"≥ 1 token"`
	Max    int     `yaml:"max,omitempty" json:"max,omitempty" nonzero:"≥ 1 token"`
}

// Prompt limits and defaults.
const (
	// MaxPromptTokens bounds every length of a prompts block: 131,072
	// (128 Ki) tokens, a large model's whole context window.
	MaxPromptTokens = 128 << 10
	// DefaultOutputTokens is $max_tokens when neither the dataset line
	// nor prompts.output_tokens gives one.
	DefaultOutputTokens = 128
)

// withDefaults returns a copy of p (never sharing its Lengths) with Min
// and Max filled.
func (p Prompts) withDefaults() Prompts {
	p.InputTokens = p.InputTokens.withDefaults()
	p.OutputTokens = p.OutputTokens.withDefaults()
	return p
}

func (l *Lengths) withDefaults() *Lengths {
	if l == nil {
		return nil
	}
	c := *l
	if c.Min == 0 {
		c.Min = 1
	}
	if c.Max == 0 {
		c.Max = MaxPromptTokens
	}
	return &c
}

// draw is one length of l (with its defaults).
func (l *Lengths) draw(r *rng) int {
	v := l.Mean
	if l.Stddev > 0 {
		v += l.Stddev * r.normal()
	}
	return int(min(max(math.Round(v), float64(l.Min)), float64(l.Max)))
}

// check reports the problems of l (with its defaults); at is its field.
func (l *Lengths) check(p *problems, at string) {
	boundsOK := true
	for _, b := range []struct {
		name string
		v    int
	}{{"min", l.Min}, {"max", l.Max}} {
		if b.v < 1 || b.v > MaxPromptTokens {
			p.Add(at+"."+b.name, "must be in 1..%d tokens (got %d)", MaxPromptTokens, b.v)
			boundsOK = false
		}
	}
	if boundsOK && l.Min > l.Max {
		p.Add(at, "min %d is greater than max %d", l.Min, l.Max)
		boundsOK = false
	}
	switch {
	case l.Mean == 0:
		p.Add(at+".mean", "required: the mean length in tokens, e.g. mean: 256")
	case !finite(l.Mean) || boundsOK && (l.Mean < float64(l.Min) || l.Mean > float64(l.Max)):
		p.Add(at+".mean", "must be within [min, max] = [%d, %d] tokens (got %s)", l.Min, l.Max, num(l.Mean))
	}
	if !finite(l.Stddev) || l.Stddev < 0 {
		p.Add(at+".stddev", "must be ≥ 0 tokens, 0 for a constant length (got %s)", num(l.Stddev))
	}
}

// checkPrompts reports the problems of q's prompts block: at is the
// request's field path, dir resolves prompts.file, and used says whether
// q's body templates place a prompt (when known: not when the templates
// have problems of their own).
func (q RequestSpec) checkPrompts(p *problems, at, dir string, used, known bool) {
	pr := q.Prompts
	if pr == nil {
		return
	}
	pat := at + ".prompts"
	switch {
	case pr.File == "" && pr.InputTokens == nil:
		p.Add(pat, "set file (a JSON-lines dataset of prompts) or input_tokens (generated prompts), e.g. input_tokens: {mean: 256, stddev: 64}")
	case pr.File != "" && pr.InputTokens != nil:
		p.Add(pat+".input_tokens", "set either file or input_tokens, not both: a dataset's prompts have their own lengths")
	}
	if pr.InputTokens != nil {
		pr.InputTokens.check(p, pat+".input_tokens")
	}
	if pr.OutputTokens != nil {
		pr.OutputTokens.check(p, pat+".output_tokens")
	}
	if pr.File != "" {
		for _, err := range q.prompts(dir).errs {
			p.Add(pat+".file", "%v", err)
		}
	}
	if q.BodyFile != "" {
		p.Add(at+".body_file", "set either prompts or body_file, not both: with prompts the body is a template that places them with $prompt, $messages and $max_tokens")
	}
	if q.Batch > 0 {
		p.Add(at+".batch", "not with prompts: a request carries one prompt; leave batch out")
	}
	if known && !used && q.BodyFile == "" {
		p.Add(pat, "unused: the body places no prompt: write it as a template with {\"$messages\": {}} or {\"$prompt\": {}}, e.g. body: {model: m, messages: {$messages: {}}, max_tokens: {$max_tokens: {}}}")
	}
}

// promptSource is a compiled Prompts: it draws one prompt per request.
type promptSource struct {
	lines  []promptLine // the dataset, or nil for generated prompts
	input  *Lengths     // generated prompts' lengths
	output *Lengths     // output lengths, or nil for DefaultOutputTokens
}

// promptDraw is one request's prompt, shared by the generators of its
// body: a dataset line, or a generated prompt of words words from seed;
// and its target output length in tokens.
type promptDraw struct {
	line   *promptLine
	words  int
	seed   uint64
	output int
}

func (ps *promptSource) draw(r *rng) promptDraw {
	var d promptDraw
	if ps.lines != nil {
		d.line = &ps.lines[r.uint64n(uint64(len(ps.lines)))]
		d.words, d.output = d.line.words, d.line.output
	} else {
		d.words = ps.input.draw(r)
		d.seed = r.next()
	}
	if d.output == 0 {
		d.output = DefaultOutputTokens
		if ps.output != nil {
			d.output = ps.output.draw(r)
		}
	}
	return d
}

const (
	userOpen  = `[{"role":"user","content":`
	userClose = `}]`
)

// appendPrompt appends the prompt as a JSON string.
func (d *promptDraw) appendPrompt(dst []byte) []byte {
	if d.line != nil {
		return append(dst, d.line.prompt...)
	}
	dst = append(dst, '"')
	dst = appendWords(dst, d.seed, d.words)
	return append(dst, '"')
}

// appendMessages appends the messages as a JSON array: the dataset
// line's, or one user message holding the prompt.
func (d *promptDraw) appendMessages(dst []byte) []byte {
	if d.line != nil && d.line.messages != nil {
		return append(dst, d.line.messages...)
	}
	dst = append(dst, userOpen...)
	dst = d.appendPrompt(dst)
	return append(dst, userClose...)
}

// textSize bounds the bytes appendPrompt or appendMessages append.
func (d *promptDraw) textSize() int {
	if d.line != nil {
		return max(len(d.line.prompt)+len(userOpen)+len(userClose), len(d.line.messages))
	}
	return wordsRoom(d.words) + 2 + len(userOpen) + len(userClose)
}
