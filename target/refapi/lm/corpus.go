package lm

import (
	"fmt"
	"math"
	"strings"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// CorpusConfig shapes the generated training corpus.
type CorpusConfig struct {
	// Seed drives the leads (model.Generate) and every word choice.
	Seed uint64
	// Documents is the number of explanations, one lead each.
	Documents int
	// LeadIDs bounds the lead numbers quoted (1..LeadIDs).
	LeadIDs int
}

// DefaultCorpus is the corpus `make train` trains on.
func DefaultCorpus() CorpusConfig {
	return CorpusConfig{Seed: model.DefaultSeed, Documents: 24000, LeadIDs: 2500}
}

// Corpus returns cfg.Documents explanations of lead scores, one document
// each; the same config always yields the same texts. Each explains a lead
// drawn by model.Generate (its features and its true conversion
// probability) with invented details (name, title, company, industry,
// city, pages seen) and a recommendation by segment, in varied phrasings.
func Corpus(cfg CorpusConfig) []string {
	leads := model.Generate(cfg.Seed, cfg.Documents)
	r := newSource(cfg.Seed, 0x6c6d636f72707573) // "lmcorpus"
	out := make([]string, len(leads))
	for i, ex := range leads {
		out[i] = explain(r, ex, 1+r.intn(max(cfg.LeadIDs, 1)))
	}
	return out
}

// explain writes one document about lead ex numbered id.
func explain(r *source, ex model.Example, id int) string {
	var b strings.Builder
	p := ex.TrueProbability
	seg := model.SegmentOf(p)
	first, last, title := r.pick(firstNames), r.pick(lastNames), role(r)
	who := fmt.Sprintf("%s %s, %s %s at %s %s", first, last, article(r, title), title, r.pick(companyHeads), r.pick(companyTails))
	industry := r.pick(industries)
	where := fmt.Sprintf("%s %s company in %s", indefinite(industry), industry, r.pick(cities))
	score := fmt.Sprintf("%.2f", p)
	switch r.intn(4) {
	case 0:
		fmt.Fprintf(&b, "lead %d (%s, %s) scored %s, which puts it in the %s segment.", id, who, where, score, seg)
	case 1:
		fmt.Fprintf(&b, "lead %d is %s, %s. the model gives it %s, a %s lead.", id, who, where, score, seg)
	case 2:
		fmt.Fprintf(&b, "the conversion probability of lead %d is %s, so it is %s. the contact is %s, %s.", id, score, seg, who, where)
	default:
		fmt.Fprintf(&b, "%s, %s, is lead %d with a score of %s (%s).", who, where, id, score, seg)
	}
	reasons := reasonsFor(r, ex)
	b.WriteString(" " + joinReasons(r, p, reasons))
	b.WriteString(" " + recommend(r, seg))
	return b.String()
}

// article is "the" or the indefinite article of word, at even odds.
func article(r *source, word string) string {
	if r.chance(0.5) {
		return indefinite(word)
	}
	return "the"
}

// indefinite is "an" before a, e, i or o (the lists have no word that
// needs it before u), else "a".
func indefinite(word string) string {
	if word != "" && strings.ContainsRune("aeio", rune(word[0])) {
		return "an"
	}
	return "a"
}

func role(r *source) string {
	if r.chance(0.6) {
		return r.pick(titleLevels) + " " + r.pick(titles)
	}
	return r.pick(titles)
}

// reasonsFor returns a clause per feature, worded by its effect in the
// generator's true model (model.Generate): intent of the last action,
// visits, salary and age.
func reasonsFor(r *source, ex model.Example) []string {
	l := ex.Lead
	var rs []string
	page := r.pick(pages)
	switch l.LastAction {
	case model.DemoRequest:
		rs = append(rs, pickf(r, "it requested a demo", "its last action was a demo request",
			"the contact asked for a demo after reading the "+page+" page"))
	case model.FormSubmit:
		rs = append(rs, pickf(r, "it submitted a form", "its last action was a form submission",
			"the contact filled in the form on the "+page+" page"))
	case model.EmailOpen:
		rs = append(rs, pickf(r, "it only opened an email", "its last action was an email open",
			"the contact opened our email about the "+page+" page"))
	default:
		rs = append(rs, pickf(r, "it only viewed a page", "its last action was a page view",
			"the contact only looked at the "+page+" page"))
	}
	v := l.WebVisits
	switch {
	case v == 0:
		rs = append(rs, pickf(r, "it never visited the website", "there are no web visits yet"))
	case v > 20:
		rs = append(rs, pickf(r, fmt.Sprintf("it visited the website %d times", v),
			fmt.Sprintf("%d web visits show strong interest", v), fmt.Sprintf("it came back %d times, mostly to the %s page", v, page)))
	default:
		rs = append(rs, pickf(r, fmt.Sprintf("it visited the website %d times", v),
			fmt.Sprintf("it has %d web visits", v), fmt.Sprintf("it made %d visits, once to the %s page", v, page)))
	}
	salary := fmt.Sprintf("%d,000", int(math.Round(l.Salary/1000)))
	switch {
	case l.Salary > 80000:
		rs = append(rs, pickf(r, "the salary of $"+salary+" is high", "a budget backed by a $"+salary+" salary helps"))
	case l.Salary < 40000:
		rs = append(rs, pickf(r, "the salary of $"+salary+" is low", "a $"+salary+" salary limits the budget"))
	default:
		rs = append(rs, pickf(r, "the salary of $"+salary+" is average", "a $"+salary+" salary is typical"))
	}
	a := l.Age
	switch {
	case a >= 30 && a <= 46:
		rs = append(rs, pickf(r, fmt.Sprintf("at %d the contact is in the best age band", a), fmt.Sprintf("buyers aged %d convert most often", a)))
	case a > 60:
		rs = append(rs, pickf(r, fmt.Sprintf("at %d the contact is older than most buyers", a), fmt.Sprintf("contacts aged %d rarely convert", a)))
	default:
		rs = append(rs, pickf(r, fmt.Sprintf("the contact is %d years old", a), fmt.Sprintf("an age of %d is neutral", a)))
	}
	r.shuffle(rs)
	return rs[:2+r.intn(len(rs)-1)]
}

// joinReasons makes a sentence of the reasons, its opening worded by the
// score.
func joinReasons(r *source, p float64, rs []string) string {
	open := pickf(r, "the score is high because", "it ranks well because", "the main drivers are that")
	if p < model.WarmThreshold {
		open = pickf(r, "the score is low because", "it ranks poorly because", "the model holds back because")
	} else if p < model.HotThreshold {
		open = pickf(r, "the score is moderate because", "it sits in the middle because", "the model is unsure because")
	}
	last := len(rs) - 1
	return open + " " + strings.Join(rs[:last], ", ") + " and " + rs[last] + "."
}

func recommend(r *source, seg model.Segment) string {
	switch seg {
	case model.Hot:
		return pickf(r, "call them today.", "recommend a sales call within a day.", "hand it to an account executive now.",
			"book a meeting this week.")
	case model.Warm:
		return pickf(r, "send a case study and follow up next week.", "nurture it with a webinar invitation.",
			"recommend a follow-up email in a few days.", "share the pricing page and check in later.")
	}
	return pickf(r, "keep it in the monthly newsletter.", "no action is needed for now.",
		"recommend waiting for more activity.", "review it again next quarter.")
}

func pickf(r *source, options ...string) string { return options[r.intn(len(options))] }

// shuffle permutes words in place (Fisher-Yates).
func (s *source) shuffle(words []string) {
	for i := len(words) - 1; i > 0; i-- {
		j := s.intn(i + 1)
		words[i], words[j] = words[j], words[i]
	}
}
