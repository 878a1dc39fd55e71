package server

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// appendFloat formats f like encoding/json: shortest representation,
// exponent form only below 1e-6 or from 1e21.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString appends s as a JSON string literal.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendPrediction appends one prediction object; suffix closes it with
// `,"model_version":"..."}` (precomputed per model).
func appendPrediction(b []byte, p model.Prediction, suffix []byte) []byte {
	b = append(b, '{')
	b = appendPredictionFields(b, p)
	return append(b, suffix...)
}

// appendPredictionFields appends the prediction's fields without braces.
func appendPredictionFields(b []byte, p model.Prediction) []byte {
	b = append(b, `"conversion_probability":`...)
	b = appendFloat(b, p.Probability)
	if p.Converted {
		b = append(b, `,"predicted_conversion":1,"segment":"`...)
	} else {
		b = append(b, `,"predicted_conversion":0,"segment":"`...)
	}
	b = append(b, p.Segment.String()...)
	return append(b, '"')
}

// versionSuffix is `,"model_version":"v"}`, which closes every prediction.
func versionSuffix(version string) []byte {
	return append(appendString([]byte(`,"model_version":`), version), '}')
}

// appendFieldErrors appends {"detail":[...]} for a 422 response.
func appendFieldErrors(b []byte, errs []FieldError) []byte {
	b = append(b, `{"detail":[`...)
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"loc":[`...)
		for j, l := range e.Loc {
			if j > 0 {
				b = append(b, ',')
			}
			switch v := l.(type) {
			case int:
				b = strconv.AppendInt(b, int64(v), 10)
			case string:
				b = appendString(b, v)
			}
		}
		b = append(b, `],"msg":`...)
		b = appendString(b, e.Msg)
		b = append(b, `,"type":`...)
		b = appendString(b, e.Type)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// appendDetail appends {"detail":"msg"} (errors other than 422).
func appendDetail(b []byte, msg string) []byte {
	b = append(b, `{"detail":`...)
	b = appendString(b, msg)
	return append(b, "}\n"...)
}
