package rrd

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestRRDStrtod(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"12.5", 12.5, true},
		{" +7", 7, true},
		{"-3e2", -300, true},
		{"1E-2", 0.01, true},
		{"inf", math.Inf(1), true},
		{"-inf", math.Inf(-1), true},
		{"12abc", 12, false},
		{"abc", 0, false},
		{"", 0, false},
		{".", 0, false},
		{"1e2000", 0, false}, // rrdtool refuses exponents beyond the double range
		{"1e400", math.Inf(1), true},
		{"0x10", 0, false},
	}
	for _, c := range cases {
		got, ok := rrdStrtod(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("rrdStrtod(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if v, ok := rrdStrtod("nan"); !ok || !math.IsNaN(v) {
		t.Errorf("rrdStrtod(nan) = %v, %v", v, ok)
	}
}

// TestRRDStrtodIsNotCorrectlyRounded pins the quirk that makes a parser of
// our own necessary: rrdtool scales by powers of ten in double precision,
// so some inputs land one unit in the last place away from strconv's.
func TestRRDStrtodIsNotCorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	differ := 0
	for i := 0; i < 10000; i++ {
		s := strconv.FormatFloat(rng.Float64()*1e6, 'f', 9, 64)
		a, _ := rrdStrtod(s)
		b, _ := strconv.ParseFloat(s, 64)
		if a != b {
			differ++
			if math.Abs(a-b) > 4*math.Abs(math.Nextafter(b, math.Inf(1))-b) {
				t.Fatalf("rrdStrtod(%q) = %v, far from %v", s, a, b)
			}
		}
	}
	if differ == 0 {
		t.Fatal("rrdStrtod always agreed with strconv; the rrdtool quirk is not modelled")
	}
}

func TestRRDDiff(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"10", "3", 7},
		{"3", "10", -7},
		{"18446744073709551615", "18446744073709551610", 5},
		{"5", "18446744073709551615", -18446744073709551610},
		{"-5", "-7", 2},
		{"-5", "7", math.NaN()}, // rrdtool refuses mixed signs
		{"U", "7", math.NaN()},
		{"", "7", math.NaN()},
		{"12abc", "2", 10}, // digits up to the first non-digit
		{"1234567890123456789012345678901", "1", math.NaN()}, // longer than last_ds
	}
	for _, c := range cases {
		got := rrdDiff([]byte(c.a), []byte(c.b))
		if !sameFloat(got, c.want, 0) {
			t.Errorf("rrdDiff(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	// Random 20-digit differences equal the exact difference, converted
	// by rrdtool's digit-by-digit accumulation.
	rng := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 1000; i++ {
		a := new(big.Int).SetUint64(rng.Uint64())
		b := new(big.Int).SetUint64(rng.Uint64() >> rng.IntN(64))
		d := new(big.Int).Sub(a, b)
		want, _ := rrdStrtod(new(big.Int).Abs(d).String())
		if d.Sign() < 0 {
			want = -want
		}
		if got := rrdDiff([]byte(a.String()), []byte(b.String())); got != want {
			t.Fatalf("rrdDiff(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
}

func TestAppendE(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{0, "0.0000000000e+00"},
		{math.Copysign(0, -1), "0.0000000000e+00"}, // rrdtool prints no sign for -0
		{1, "1.0000000000e+00"},
		{-2.5, "-2.5000000000e+00"},
		{6.666666666666667, "6.6666666667e+00"},
		{1e-300, "1.0000000000e-300"},
		{123456789012345, "1.2345678901e+14"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{5932.38756275, "5.9323875627e+03"}, // rrdtool rounds this one down
	}
	for _, c := range cases {
		if got := string(appendE(nil, c.v)); got != c.want {
			t.Errorf("appendE(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
