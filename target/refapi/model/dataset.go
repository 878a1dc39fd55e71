package model

import "math"

// Example is one labelled row of the synthetic lead dataset. TrueProbability
// is the generator's own conversion probability (the Bayes-optimal score),
// kept to report how close the trained model gets to it.
type Example struct {
	Lead
	Converted       bool
	TrueProbability float64
}

// DefaultSeed is the seed `make train` uses.
const DefaultSeed = 42

// GenerateLeads returns n leads drawn from the synthetic population; the same
// seed always yields the same leads. It draws the same features as Generate
// but no labels, for tables of leads to score.
func GenerateLeads(seed uint64, n int) []Lead {
	r := newRNG(seed)
	out := make([]Lead, n)
	for i := range out {
		out[i] = drawLead(r)
	}
	return out
}

// Generate returns n labelled examples; the same seed always yields the same
// rows. Features: age roughly normal around 42 (18–100), log-normal salary
// (median ≈ 55,000, cents), geometric web visits (mean ≈ 7, more for
// high-intent actions), actions page_view 45%, email_open 30%, form_submit
// 17%, demo_request 8%. The label is a Bernoulli draw from
// TrueConversionProbability, a non-linear function with interactions plus
// per-lead Gaussian noise on the logit.
func Generate(seed uint64, n int) []Example {
	r := newRNG(seed)
	out := make([]Example, n)
	for i := range out {
		l := drawLead(r)
		logit := trueLogit(l) + 0.6*r.normal()
		p := sigmoid(logit)
		out[i] = Example{Lead: l, TrueProbability: p, Converted: r.float64() < p}
	}
	return out
}

func drawLead(r *rng) Lead {
	var l Lead
	for {
		a := math.Round(42 + 14*r.normal())
		if a >= MinAge && a <= MaxAge {
			l.Age = int(a)
			break
		}
	}
	l.Salary = math.Round(math.Exp(math.Log(55000)+0.5*r.normal())*100) / 100
	u := r.float64()
	switch {
	case u < 0.45:
		l.LastAction = PageView
	case u < 0.75:
		l.LastAction = EmailOpen
	case u < 0.92:
		l.LastAction = FormSubmit
	default:
		l.LastAction = DemoRequest
	}
	mean := 5.0 + 3*float64(l.LastAction)
	// Geometric with the given mean: floor of an exponential deviate.
	l.WebVisits = int(math.Floor(-mean * math.Log(1-r.float64())))
	return l
}

// trueLogit is the noiseless log-odds of conversion: a bell-shaped age
// effect peaking in the late thirties, a saturating salary effect, a
// saturating visits effect that is stronger after high-intent actions, and
// a few threshold interactions that a linear model cannot express.
func trueLogit(l Lead) float64 {
	age := float64(l.Age)
	x := -1.3
	x -= math.Pow((age-38)/16, 2) * 1.2
	ls := math.Log(l.Salary / 60000)
	x += 1.4 * math.Tanh(1.8*ls)
	visits := math.Log1p(float64(l.WebVisits))
	intent := [numActions]float64{-1.4, -0.4, 0.9, 1.9}[l.LastAction]
	x += intent
	x += visits * (0.45 + 0.25*float64(l.LastAction))
	if l.LastAction == DemoRequest && l.Salary > 80000 {
		x += 1.0
	}
	if age > 60 && l.LastAction == PageView {
		x -= 0.8
	}
	if l.WebVisits > 20 && age < 30 {
		x += 1.2
	}
	if l.WebVisits == 0 {
		x -= 0.7
	}
	return x
}
