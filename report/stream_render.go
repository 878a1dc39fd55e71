package report

import "slices"

// The streaming columns of the comparison and step tables: shown only for
// a run with streamed responses (Analysis.Streaming), so that every other
// run's tables stay as they were.

// streamNote explains the streaming columns, under the comparison table
// of a run with streamed responses.
const streamNote = "Streamed responses: TTFT is the time to the first token, TPOT the time per output token after the first, ITL the gap between tokens, Tokens/s the output tokens per second of the window, Goodput the requests per second that met every goodput condition; \"no tokens\": every stream failed before its first token."

// streamTargetHeader are the comparison table's streaming columns, after
// "Errors @ target".
func streamTargetHeader(at string) []string {
	return []string{"TTFT p95 " + at, "TPOT p95 " + at, "Tokens/s " + at}
}

// streamStepHeader are the step table's streaming columns, after "Errors".
var streamStepHeader = []string{"TTFT p50", "TTFT p95", "ITL p95", "TPOT p95", "Tokens/s", "Goodput"}

// streamCells renders a step's streaming measurements for the columns
// named by metrics (ttft_p50, ttft_p95, itl_p95, tpot_p95, tokens, goodput):
// "—" for a step without streamed responses, "no tokens" for a TTFT no
// stream measured (every stream failed before its first token), "—" for
// an ITL or TPOT without a stream of two tokens or a goodput not measured.
func streamCells(st StepResult, metrics ...string) []string {
	out := make([]string, len(metrics))
	for i, m := range metrics {
		out[i] = "—"
		s := st.Stream
		if s == nil {
			continue
		}
		switch m {
		case "ttft_p50":
			out[i] = latencyCell(s.TTFTP50, "no tokens")
		case "ttft_p95":
			out[i] = latencyCell(s.TTFTP95, "no tokens")
		case "itl_p95":
			out[i] = latencyCell(s.ITLP95, "—")
		case "tpot_p95":
			out[i] = latencyCell(s.TPOTP95, "—")
		case "tokens":
			out[i] = withRange(s.OutputTokensPerS, formatRPS)
		case "goodput":
			if s.GoodputRPS != nil {
				out[i] = withRange(*s.GoodputRPS, formatRPS)
			}
		}
	}
	return out
}

// insertColumns inserts the columns header (numeric) at index at of g,
// each row's cells given by cells(row index).
func insertColumns(g grid, at int, header []string, cells func(int) []string) grid {
	g.Header = slices.Insert(slices.Clone(g.Header), at, header...)
	num := make([]bool, len(header))
	for i := range num {
		num[i] = true
	}
	g.Numeric = slices.Insert(slices.Clone(g.Numeric), at, num...)
	for r := range g.Rows {
		g.Rows[r] = slices.Insert(g.Rows[r], at, cells(r)...)
	}
	return g
}
