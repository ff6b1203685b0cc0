package rrd

import (
	"math"
	"strings"
	"testing"
)

func TestParseRPN(t *testing.T) {
	names := []string{"a", "b"}
	cases := []struct {
		expr, want, err string
	}{
		{"a,b,+", "a,b,+", ""},
		{"a,-3,*,2,/", "a,-3,*,2,/", ""},
		{"a,UN,0,a,IF", "a,UN,0,a,IF", ""},
		{"a,+,+", "a,+,+", ""},       // "+" scans as a number, which fails: an operator
		{"PREV(b),a,+", "b,a,+", ""}, // rrdtool prints PREV(name) as the name
		{"a,1.5,+", "", "constants must be integers"},
		{"a,40000,+", "", "constants must be integers"},
		{"a,TIME,+", "", "not supported with DS COMPUTE"},
		{"a,c,+", "", "failed to parse"},
		{"", "", "failed to parse"},
		{"a,1,+,1,+,1,+,1,+,1,+,1,+,1,+,1,+,1,+,1,+", "", "Maximum 19 RPN nodes"},
		{"a,1,+,1,+,1,+,1,+,1,+,1,+,1,+,1,+,1,+,1", "", "failed to parse"}, // a number last is a name
	}
	for _, c := range cases {
		nodes, err := parseRPN(c.expr, names)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("parseRPN(%q) = %v, want an error with %q", c.expr, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("parseRPN(%q): %v", c.expr, err)
		case c.err == "":
			if got := rpnString(nodes, names); got != c.want {
				t.Errorf("rpnString(parseRPN(%q)) = %q, want %q", c.expr, got, c.want)
			}
			var par [80]byte
			encodeRPN(par[:], nodes)
			back, err := decodeRPN(par[:], len(names))
			if err != nil || rpnString(back, names) != c.want {
				t.Errorf("compact form of %q decodes to %v, %v", c.expr, back, err)
			}
		}
	}
}

func TestEvalRPN(t *testing.T) {
	nan := math.NaN()
	pdp := []float64{6, 3, nan}
	cases := []struct {
		expr string
		want float64 // NaN: unknown
		err  bool
	}{
		{"a,b,+", 9, false},
		{"a,b,-", 3, false},
		{"a,b,/,2,%", 0, false},
		{"c,1,+", nan, false},
		{"c,a,ADDNAN", 6, false},
		{"a,c,LT", nan, false}, // a NaN on the right wins
		{"c,a,MAX", nan, false},
		{"c,a,MAXNAN", 6, false},
		{"a,0,5,LIMIT", nan, false},
		{"a,0,10,LIMIT", 6, false},
		{"c,1,2,IF", 2, false},
		{"a,b,c,3,AVG", 4.5, false},
		{"a,b,c,3,MEDIAN", 4.5, false},
		{"a,b,1,3,SORT,POP,POP", 1, false},
		{"a,b,2,REV,-", -3, false},
		{"a,b,2,SMIN", 3, false},
		{"a,b,50,2,PERCENT", 3, false}, // rrdtool's index picks the lower one
		{"a,1,COPY,+", 12, false},
		{"DEPTH,a,+", 6, false},
		{"a,b,1,INDEX,+,+", 12, false},
		{"a,b,2,1,ROLL,-", 1, false}, // rrdtool rolls b with the popped base: 3,2
		{"a,b", 0, true},
		{"+", 0, true},
		{"a,b,c,5,AVG", 0, true},
		{"a,b,c,d,4,1,ROLL", 0, true}, // beyond what rrdtool defines
	}
	names := []string{"a", "b", "c", "d"}
	for _, c := range cases {
		nodes, err := parseRPN(c.expr, names)
		if err != nil {
			t.Fatalf("parseRPN(%q): %v", c.expr, err)
		}
		got, _, err := evalRPN(nodes, append(pdp, 1), nil)
		switch {
		case c.err:
			if err == nil {
				t.Errorf("evalRPN(%q) = %v, want an error", c.expr, got)
			}
		case err != nil:
			t.Errorf("evalRPN(%q): %v", c.expr, err)
		case !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)):
			t.Errorf("evalRPN(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}
