package sync

import (
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

var pyReprCases = []float64{
	0, 1, -1, 12.5, 0.1, 0.30000000000000004, 100, 1e15, 1234567890123456, 1e16, 1.5e16,
	12345678901234567890, 0.001, 0.0001, 0.00001, 1.5e-5, 1e-7, 5e-324,
	math.MaxFloat64, 1.7976931348623157e308, 3.141592653589793, 2.5e-310,
	99.99999999999999, 123456.789, 1e22, 1e100, -0.0001234, 42.0000001,
	math.Copysign(0, -1),
}

func TestAppendPyRepr(t *testing.T) {
	tests := map[float64]string{
		0: "0.0", 1: "1.0", 12.5: "12.5", 0.1: "0.1", 0.30000000000000004: "0.30000000000000004",
		1e16: "1e+16", 1e15: "1000000000000000.0", 0.0001: "0.0001", 0.00001: "1e-05",
		1.5e-5: "1.5e-05", 1e100: "1e+100", -2.5: "-2.5", 5e-324: "5e-324",
		math.NaN(): "nan", math.Inf(1): "inf", math.Inf(-1): "-inf",
	}
	for v, want := range tests {
		if got := string(appendPyRepr(nil, v)); got != want {
			t.Errorf("appendPyRepr(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestAppendPyRepr_MatchesPython compares with python3's repr, which is
// Python 2.7's for floats (the format of numenta-rogue's CSV files).
func TestAppendPyRepr_MatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	var args []string
	for _, v := range pyReprCases {
		args = append(args, strconv.FormatFloat(v, 'g', -1, 64))
	}
	out, err := exec.Command(py, append([]string{"-c", "import sys\nfor a in sys.argv[1:]: print(repr(float(a)))"}, args...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, v := range pyReprCases {
		if got := string(appendPyRepr(nil, v)); got != lines[i] {
			t.Errorf("appendPyRepr(%v) = %q, python says %q", v, got, lines[i])
		}
	}
}

func FuzzAppendPyRepr(f *testing.F) {
	for _, v := range pyReprCases {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		s := string(appendPyRepr(nil, v))
		if math.IsNaN(v) {
			return
		}
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || back != v || math.Signbit(back) != math.Signbit(v) {
			t.Fatalf("%v -> %q -> %v, %v", v, s, back, err)
		}
	})
}
