package rrd

import (
	"math"
	"strings"
)

// rrdStrtod converts text to a float64 the way rrdtool 1.7's rrd_strtodbl
// does, which matters because its result is not always the correctly
// rounded one: digits are accumulated in a double and scaled by powers of
// ten built by repeated squaring. ok is false when rrdtool would refuse the
// text.
func rrdStrtod[T string | []byte](s T) (v float64, ok bool) {
	n, end, converted := strtodPrefix(s)
	if !converted {
		switch {
		case hasPrefixFold(s, "-nan"):
			return dnan, true
		case hasPrefixFold(s, "nan"):
			return -dnan, true
		case hasPrefixFold(s, "inf"):
			return math.Inf(1), true
		case hasPrefixFold(s, "-inf"):
			return math.Inf(-1), true
		}
		return 0, false
	}
	return n, end == len(s)
}

// ParseNumber parses the number at the start of s exactly as rrdtool's
// rrd_strtod does (optional sign, digits, fraction, exponent; digits summed
// in a float64 and scaled by powers of ten, so the last bit can differ from
// strconv.ParseFloat as rrdtool's does). It returns the value and how many
// bytes it used; n is 0 when s does not start with a number rrdtool accepts.
func ParseNumber(s string) (v float64, n int) {
	v, n, ok := strtodPrefix(s)
	if !ok {
		return v, 0
	}
	return v, n
}

func hasPrefixFold[T string | []byte](s T, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(string(s[:len(p)]), p)
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// strtodPrefix is rrd_strtod: it returns the number, the index where
// parsing stopped, and whether a conversion happened at all.
func strtodPrefix[T string | []byte](s T) (float64, int, bool) {
	p := 0
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '-' || s[p] == '+') {
		neg = s[p] == '-'
		p++
	}
	number := 0.0
	exponent := 0
	digits := 0
	for p < len(s) && isDigit(s[p]) {
		number = float64(number*10) + float64(s[p]-'0')
		p++
		digits++
	}
	if p < len(s) && s[p] == '.' {
		p++
		decimals := 0
		for p < len(s) && isDigit(s[p]) {
			number = float64(number*10) + float64(s[p]-'0')
			p++
			digits++
			decimals++
		}
		exponent -= decimals
	}
	if digits == 0 {
		return 0, 0, false
	}
	if neg {
		number = -number
	}
	if p < len(s) && (s[p] == 'e' || s[p] == 'E') {
		p++
		eneg := false
		if p < len(s) && (s[p] == '-' || s[p] == '+') {
			eneg = s[p] == '-'
			p++
		}
		n := int32(0)
		for p < len(s) && isDigit(s[p]) {
			n = n*10 + int32(s[p]-'0') // wraps like C's int would on absurd input
			p++
		}
		if eneg {
			exponent -= int(n)
		} else {
			exponent += int(n)
		}
	}
	// DBL_MIN_EXP and DBL_MAX_EXP: rrdtool reports ERANGE without setting
	// the end pointer, so the text counts as not converted.
	if exponent < -1021 || exponent > 1024 {
		return math.Inf(1), 0, false
	}
	p10 := 10.0
	n := exponent
	if n < 0 {
		n = -n
	}
	for n != 0 {
		if n&1 != 0 {
			if exponent < 0 {
				number /= p10
			} else {
				number *= p10
			}
		}
		n >>= 1
		p10 *= p10
	}
	return number, p, true
}

// digitRun returns rrd_diff's view of s: leading non-digits are skipped
// (a '-' among them makes the number negative), then the run of digits.
func digitRun(s []byte) (digits []byte, neg bool) {
	i := 0
	for i < len(s) && !isDigit(s[i]) {
		if s[i] == '-' {
			neg = true
		}
		i++
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return s[i:j], neg
}

// rrdDiff returns a-b for two integers given as text, as rrdtool's rrd_diff
// does (digit by digit, so 20-digit counters keep their precision until the
// difference is converted to a double). Unusable input gives NaN.
func rrdDiff(a, b []byte) float64 {
	ad, an := digitRun(a)
	bd, bn := digitRun(b)
	if len(ad) == 0 || len(bd) == 0 || an != bn {
		return dnan
	}
	if max(len(ad), len(bd)) > lastDSLen {
		return dnan
	}
	// Compare magnitudes, then subtract the smaller from the larger.
	neg := cmpDigits(ad, bd) < 0
	if neg {
		ad, bd = bd, ad
	}
	var buf [lastDSLen]byte
	r := buf[:len(ad)]
	borrow := byte(0)
	for i := 1; i <= len(ad); i++ {
		x := ad[len(ad)-i] - '0'
		var y byte
		if i <= len(bd) {
			y = bd[len(bd)-i] - '0'
		}
		y += borrow
		if x < y {
			x += 10
			borrow = 1
		} else {
			borrow = 0
		}
		r[len(r)-i] = x - y
	}
	v := 0.0
	for _, d := range r {
		v = float64(v*10) + float64(d)
	}
	if neg {
		v = -v
	}
	if an { // both negative
		v = -v
	}
	return v
}

func cmpDigits(a, b []byte) int {
	for len(a) > 0 && a[0] == '0' {
		a = a[1:]
	}
	for len(b) > 0 && b[0] == '0' {
		b = b[1:]
	}
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
