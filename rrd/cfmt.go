package rrd

import (
	"math"
	"strconv"
)

// rrdtool 1.7 formats the numbers of dump and info with its own printf
// (rrd_snprintf.c), not the C library's. Its %e finds the exponent by
// repeated multiplication or division by ten, scales by a power of ten
// built the same way, prints no sign for negative zero and rounds halves
// up; Debian's build does this in double precision. appendE repeats those
// steps so that Dump matches rrdtool dump digit for digit.

// appendE appends v as rrdtool's "%0.10e".
func appendE(b []byte, v float64) []byte {
	const precision = 10
	if math.IsNaN(v) {
		return append(b, "nan"...)
	}
	if v < 0 {
		b = append(b, '-')
	}
	if math.IsInf(v, 0) {
		return append(b, "inf"...)
	}
	abs := math.Abs(v)
	// getexponent
	tmp, exponent := abs, 0
	for tmp < 1 && tmp > 0 {
		exponent--
		if exponent < -307 { // DBL_MIN_10_EXP
			break
		}
		tmp *= 10
	}
	for tmp >= 10 {
		exponent++
		if exponent > 308 { // DBL_MAX_10_EXP
			break
		}
		tmp /= 10
	}
	// mypow10
	p := 1.0
	for e := exponent; e > 0; e-- {
		p *= 10
	}
	for e := exponent; e < 0; e++ {
		p /= 10
	}
	u := abs / p
	intpart := cast(u)
	const mask = 1e10
	f := float64(mask * float64(u-float64(intpart)))
	frac := cast(f)
	if f-float64(frac) >= 0.5 {
		frac++
	}
	if frac >= mask {
		intpart++
		frac = 0
		if intpart == 10 {
			intpart = 1
			exponent++
		}
	}
	b = strconv.AppendUint(b, intpart, 10)
	b = append(b, '.')
	var digits [20]byte
	fs := strconv.AppendUint(digits[:0], frac, 10)
	if frac == 0 {
		fs = fs[:0]
	}
	for i := len(fs); i < precision; i++ {
		b = append(b, '0')
	}
	b = append(b, fs...)
	b = append(b, 'e')
	if exponent < 0 {
		b = append(b, '-')
		exponent = -exponent
	} else {
		b = append(b, '+')
	}
	if exponent < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exponent), 10)
}

// cast converts to an unsigned integer by truncation, saturating like
// rrd_snprintf's cast.
func cast(v float64) uint64 {
	if v >= math.MaxUint64 {
		return math.MaxUint64
	}
	return uint64(v)
}
