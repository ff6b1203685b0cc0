package sync

import (
	"math"
	"strconv"
	"strings"
)

// appendPyRepr appends v as Python's repr(float) writes it (the format of
// numenta-rogue's CSV files, which Python's csv module wrote with repr): the
// shortest digits that round-trip, in fixed notation with at least one
// decimal ("12.0", "0.0001") when the decimal exponent is in [-4, 16), else
// in exponent notation with a signed, at least two-digit exponent ("1e+16",
// "1.5e-05"); "nan", "inf", "-inf" for the rest.
func appendPyRepr(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "nan"...)
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], v, 'e', -1, 64) // "-d.ddde+XX"
	if e[0] == '-' {
		b = append(b, '-')
		e = e[1:]
	}
	i := strings.IndexByte(string(e), 'e')
	mant, exp := e[:i], e[i+1:]
	x, _ := strconv.Atoi(string(exp))
	var digits []byte
	digits = append(digits, mant[0])
	if len(mant) > 2 {
		digits = append(digits, mant[2:]...)
	}
	decpt := x + 1 // digits before the decimal point
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			b = append(b, "0."...)
			for range -decpt {
				b = append(b, '0')
			}
			b = append(b, digits...)
		case decpt >= len(digits):
			b = append(b, digits...)
			for range decpt - len(digits) {
				b = append(b, '0')
			}
			b = append(b, ".0"...)
		default:
			b = append(b, digits[:decpt]...)
			b = append(b, '.')
			b = append(b, digits[decpt:]...)
		}
		return b
	}
	b = append(b, digits[0])
	if len(digits) > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if x < 0 {
		b = append(b, '-')
		x = -x
	} else {
		b = append(b, '+')
	}
	if x < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(x), 10)
}
