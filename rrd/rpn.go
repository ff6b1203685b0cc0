package rrd

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// COMPUTE data sources keep their RPN expression in the definition's
// parameter area (80 bytes from the heartbeat field on) as rrdtool's
// rpn_cdefds_t array: per node one byte of operator number, a pad byte
// and a 16-bit value (the constant of a number, the data source index of
// a variable), ending with an OP_END node; at most 20 nodes in all.
const (
	rpnNodeSize = 4
	rpnMaxNodes = 20 // DS_CDEF_MAX_RPN_NODES: 80 bytes / 4
	dsOffCDEF   = dsOffHeartbeat
)

// rpnOp is rrdtool's op_en; the numbers are stored in files.
type rpnOp uint8

const (
	opNumber    rpnOp = 0
	opVariable  rpnOp = 1
	opPrev      rpnOp = 3
	opTime      rpnOp = 7
	opEnd       rpnOp = 32
	opLTime     rpnOp = 33
	opPrevOther rpnOp = 36
	opCount     rpnOp = 37
	opLastKnown rpnOp = 69 // OP_POW, the last operator rrdtool 1.7.2 knows
)

// rpnNames are the operators' names in op_en order ("" for the numbers
// and variables, which have no fixed name).
var rpnNames = [...]string{
	"", "", "INF", "PREV", "NEGINF", "UNKN", "NOW", "TIME", "+", "%", "-", "*",
	"/", "SIN", "DUP", "EXC", "POP", "COS", "LOG", "EXP", "LT", "LE", "GT", "GE",
	"EQ", "IF", "MIN", "MAX", "LIMIT", "FLOOR", "CEIL", "UN", "", "LTIME", "NE",
	"ISINF", "", "COUNT", "ATAN", "SQRT", "SORT", "REV", "TREND", "TRENDNAN",
	"ATAN2", "RAD2DEG", "DEG2RAD", "PREDICT", "PREDICTSIGMA", "AVG", "ABS",
	"ADDNAN", "MINNAN", "MAXNAN", "MEDIAN", "PREDICTPERC", "DEPTH", "COPY",
	"ROLL", "INDEX", "STEPWIDTH", "NEWDAY", "NEWWEEK", "NEWMONTH", "NEWYEAR",
	"SMIN", "SMAX", "STDEV", "PERCENT", "POW",
}

// rpnNode is one node of a compact expression.
type rpnNode struct {
	op  rpnOp
	val int16
}

// decodeRPN reads the compact expression of a COMPUTE data source from its
// parameter area (80 bytes), checking operators and variable indexes.
func decodeRPN(par []byte, dsCnt int) ([]rpnNode, error) {
	var nodes []rpnNode
	for i := 0; i < rpnMaxNodes; i++ {
		b := par[i*rpnNodeSize:]
		n := rpnNode{op: rpnOp(b[0]), val: int16(le.Uint16(b[2:]))}
		if n.op == opEnd {
			if len(nodes) == 0 {
				return nil, fmt.Errorf("empty expression")
			}
			return nodes, nil
		}
		if n.op > opLastKnown {
			return nil, fmt.Errorf("unknown operator %d", n.op)
		}
		if (n.op == opVariable || n.op == opPrevOther) && (n.val < 0 || int(n.val) >= dsCnt) {
			return nil, fmt.Errorf("variable index %d out of range", n.val)
		}
		nodes = append(nodes, n)
	}
	return nil, fmt.Errorf("expression not terminated")
}

// encodeRPN writes nodes and the end node into par.
func encodeRPN(par []byte, nodes []rpnNode) {
	clear(par[:rpnMaxNodes*rpnNodeSize])
	for i, n := range nodes {
		par[i*rpnNodeSize] = byte(n.op)
		le.PutUint16(par[i*rpnNodeSize+2:], uint16(n.val))
	}
	par[len(nodes)*rpnNodeSize] = byte(opEnd)
}

// rpnString renders nodes as rrdtool's rpn_compact2str does (which prints
// PREV(name) as just the name).
func rpnString(nodes []rpnNode, names []string) string {
	var b strings.Builder
	for i, n := range nodes {
		if i > 0 {
			b.WriteByte(',')
		}
		switch n.op {
		case opNumber:
			b.WriteString(strconv.Itoa(int(n.val)))
		case opVariable, opPrevOther:
			b.WriteString(names[n.val])
		default:
			b.WriteString(rpnNames[n.op])
		}
	}
	return b.String()
}

// rpnForbidden are the operators rrdtool refuses in COMPUTE data sources.
var rpnForbidden = map[rpnOp]bool{
	opTime: true, opLTime: true, opPrev: true, opCount: true,
	42: true, 43: true, // TREND, TRENDNAN
	47: true, 48: true, 55: true, // PREDICT, PREDICTSIGMA, PREDICTPERC
	60: true, 61: true, 62: true, 63: true, 64: true, // STEPWIDTH, NEW*
}

// parseRPN compiles a COMPUTE expression as rrdtool's rpn_parse and
// rpn_compact do; names are the data sources defined before this one.
func parseRPN(expr string, names []string) ([]rpnNode, error) {
	// rrdtool reports every syntax error of the expression this way.
	errParse := fmt.Errorf("failed to parse computed data source")
	if expr == "" {
		return nil, errParse
	}
	lookup := func(name string) int {
		for i, n := range names {
			if n == name {
				return i
			}
		}
		return -1
	}
	var nodes []rpnNode
	rest := expr
	for {
		tok, after, more := strings.Cut(rest, ",")
		var n rpnNode
		num, isNum := 0.0, false
		if more && isNumberToken(tok) {
			num, isNum = rrdStrtod(tok)
		}
		switch {
		case isNum:
			v := num
			if t := math.Floor(v); t < math.MinInt16 || t > math.MaxInt16 || t != v {
				return nil, fmt.Errorf("constants must be integers in the interval (%d, %d)", math.MinInt16, math.MaxInt16)
			}
			n = rpnNode{op: opNumber, val: int16(v)}
		case strings.HasPrefix(tok, "PREV(") && strings.HasSuffix(tok, ")") && validVarName(tok[5:len(tok)-1]):
			i := lookup(tok[5 : len(tok)-1])
			if i < 0 {
				return nil, errParse
			}
			n = rpnNode{op: opPrevOther, val: int16(i)}
		default:
			op, ok := rpnOpByName(tok)
			switch {
			case ok:
				n = rpnNode{op: op}
			case validVarName(tok) && lookup(tok) >= 0:
				n = rpnNode{op: opVariable, val: int16(lookup(tok))}
			default:
				return nil, errParse
			}
		}
		if rpnForbidden[n.op] {
			return nil, fmt.Errorf("operators TIME LTIME STEPWIDTH PREV NEW* COUNT TREND TRENDNAN PREDICT PREDICTSIGMA PREDICTPERC are not supported with DS COMPUTE")
		}
		nodes = append(nodes, n)
		if !more {
			break
		}
		rest = after
	}
	if len(nodes)+1 > rpnMaxNodes {
		return nil, fmt.Errorf("Maximum %d RPN nodes permitted. Got %d RPN nodes at present.", rpnMaxNodes-1, len(nodes))
	}
	return nodes, nil
}

// isNumberToken reports whether tok is made of the characters rrdtool's
// number scan accepts ([0-9.e+-]).
func isNumberToken(tok string) bool {
	if tok == "" {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !isDigit(c) && c != '.' && c != 'e' && c != '+' && c != '-' {
			return false
		}
	}
	return true
}

func validVarName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func rpnOpByName(name string) (rpnOp, bool) {
	if name == "" {
		return 0, false
	}
	for i, n := range rpnNames {
		if n == name {
			return rpnOp(i), true
		}
	}
	return 0, false
}

// rpnLess orders values as rrdtool's rpn_compare_double: NaN first,
// then by value.
func rpnLess(a, b float64) bool {
	switch {
	case math.IsNaN(b):
		return false
	case math.IsNaN(a):
		return true
	}
	return a < b
}

func rpnSort(s []float64) {
	sort.SliceStable(s, func(i, j int) bool { return rpnLess(s[i], s[j]) })
}

// evalRPN runs a COMPUTE expression as rrdtool's rpn_calc does when
// update computes the data source's primary data point: variables are the
// rates just computed for the data sources before it (pdp). stack is
// scratch space. The functions of the C library (SIN, COS, LOG, EXP, ATAN,
// ATAN2, POW) are Go's, which may differ from glibc's in the last bit.
func evalRPN(nodes []rpnNode, pdp []float64, stack []float64) (float64, []float64, error) {
	s := stack[:0]
	under := func(min int) error {
		if len(s)-1 < min {
			return fmt.Errorf("RPN stack underflow")
		}
		return nil
	}
	// count pops the element count argument of the set operators and
	// checks that many values are on the stack.
	count := func() (int, error) {
		if err := under(0); err != nil {
			return 0, err
		}
		c := s[len(s)-1]
		s = s[:len(s)-1]
		if !(c >= 0 && c < math.MaxInt32) {
			return 0, fmt.Errorf("RPN element count %v not supported", c)
		}
		if int(c) > len(s) {
			return 0, fmt.Errorf("RPN stack underflow")
		}
		return int(c), nil
	}
	// lib1 and lib2 give Go's math functions the C library's NaNs on
	// x86-64: a NaN argument comes back unchanged, a domain error gives
	// the default NaN (sign bit set), like rrdtool's DNAN.
	lib1 := func(f func(float64) float64) func(float64) float64 {
		return func(x float64) float64 {
			switch r := f(x); {
			case !math.IsNaN(r):
				return r
			case math.IsNaN(x):
				return x
			}
			return dnan
		}
	}
	lib2 := func(f func(a, b float64) float64) func(a, b float64) float64 {
		return func(a, b float64) float64 {
			switch r := f(a, b); {
			case !math.IsNaN(r):
				return r
			case math.IsNaN(a):
				return a
			case math.IsNaN(b):
				return b
			}
			return dnan
		}
	}
	bin := func(f func(a, b float64) float64) error {
		if err := under(1); err != nil {
			return err
		}
		n := len(s)
		s[n-2] = f(s[n-2], s[n-1])
		s = s[:n-1]
		return nil
	}
	un := func(f func(float64) float64) error {
		if err := under(0); err != nil {
			return err
		}
		s[len(s)-1] = f(s[len(s)-1])
		return nil
	}
	// cmp is the NaN rule of LT..EQ, MIN, MAX: a NaN on the left stays, a
	// NaN on the right wins.
	cmp := func(f func(a, b float64) float64) error {
		return bin(func(a, b float64) float64 {
			switch {
			case math.IsNaN(a):
				return a
			case math.IsNaN(b):
				return b
			}
			return f(a, b)
		})
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	var err error
	for _, n := range nodes {
		switch n.op {
		case opNumber:
			s = append(s, float64(n.val))
		case opVariable:
			s = append(s, pdp[n.val])
		case opPrevOther:
			err = fmt.Errorf("VDEF made it into rpn_calc... aborting")
		case 2: // INF
			s = append(s, math.Inf(1))
		case 4: // NEGINF
			s = append(s, math.Inf(-1))
		case 5: // UNKN
			s = append(s, dnan)
		case 6: // NOW
			s = append(s, float64(time.Now().Unix()))
		case 8: // +
			err = bin(func(a, b float64) float64 { return a + b })
		case 9: // %
			err = bin(lib2(math.Mod))
		case 10: // -
			err = bin(func(a, b float64) float64 { return a - b })
		case 11: // *
			err = bin(func(a, b float64) float64 { return a * b })
		case 12: // /
			err = bin(func(a, b float64) float64 { return a / b })
		case 13:
			err = un(lib1(math.Sin))
		case 14: // DUP
			if err = under(0); err == nil {
				s = append(s, s[len(s)-1])
			}
		case 15: // EXC
			if err = under(1); err == nil {
				s[len(s)-1], s[len(s)-2] = s[len(s)-2], s[len(s)-1]
			}
		case 16: // POP
			if err = under(0); err == nil {
				s = s[:len(s)-1]
			}
		case 17:
			err = un(lib1(math.Cos))
		case 18:
			err = un(lib1(math.Log))
		case 19:
			err = un(lib1(math.Exp))
		case 20:
			err = cmp(func(a, b float64) float64 { return b2f(a < b) })
		case 21:
			err = cmp(func(a, b float64) float64 { return b2f(a <= b) })
		case 22:
			err = cmp(func(a, b float64) float64 { return b2f(a > b) })
		case 23:
			err = cmp(func(a, b float64) float64 { return b2f(a >= b) })
		case 24:
			err = cmp(func(a, b float64) float64 { return b2f(a == b) })
		case 34: // NE
			err = cmp(func(a, b float64) float64 { return b2f(a != b) })
		case 25: // IF
			if err = under(2); err == nil {
				k := len(s)
				if c := s[k-3]; math.IsNaN(c) || c == 0 {
					s[k-3] = s[k-1]
				} else {
					s[k-3] = s[k-2]
				}
				s = s[:k-2]
			}
		case 26: // MIN
			err = cmp(func(a, b float64) float64 {
				if a > b {
					return b
				}
				return a
			})
		case 27: // MAX
			err = cmp(func(a, b float64) float64 {
				if a < b {
					return b
				}
				return a
			})
		case 52, 53: // MINNAN, MAXNAN
			isMin := n.op == 52
			err = bin(func(a, b float64) float64 {
				switch {
				case math.IsNaN(a):
					return b
				case math.IsNaN(b):
					return a
				case isMin && a > b, !isMin && a < b:
					return b
				}
				return a
			})
		case 28: // LIMIT
			if err = under(2); err == nil {
				k := len(s)
				v, lo, hi := s[k-3], s[k-2], s[k-1]
				switch {
				case math.IsNaN(v):
				case math.IsNaN(lo):
					v = lo
				case math.IsNaN(hi):
					v = hi
				case v < lo, v > hi:
					v = dnan
				}
				s[k-3] = v
				s = s[:k-2]
			}
		case 29:
			err = un(lib1(math.Floor))
		case 30:
			err = un(lib1(math.Ceil))
		case 31: // UN
			err = un(func(v float64) float64 { return b2f(math.IsNaN(v)) })
		case 35: // ISINF
			err = un(func(v float64) float64 { return b2f(math.IsInf(v, 0)) })
		case 38:
			err = un(lib1(math.Atan))
		case 39:
			err = un(lib1(math.Sqrt))
		case 44:
			err = bin(lib2(math.Atan2))
		case 45: // RAD2DEG
			err = un(func(v float64) float64 { return 57.29577951 * v })
		case 46: // DEG2RAD
			err = un(func(v float64) float64 { return 0.0174532952 * v })
		case 50:
			err = un(math.Abs)
		case 51: // ADDNAN
			err = bin(func(a, b float64) float64 {
				switch {
				case math.IsNaN(a):
					return b
				case math.IsNaN(b):
					return a
				}
				return a + b
			})
		case 69:
			err = bin(lib2(math.Pow))
		case 40, 41, 49, 54, 65, 66, 67: // SORT, REV, AVG, MEDIAN, SMIN, SMAX, STDEV
			var c int
			if c, err = count(); err != nil {
				break
			}
			if c > len(s) {
				err = fmt.Errorf("RPN stack underflow")
				break
			}
			set := s[len(s)-c:]
			switch n.op {
			case 40:
				rpnSort(set)
			case 41:
				slices.Reverse(set)
			default:
				v := rpnReduce(n.op, set)
				s = append(s[:len(s)-c], v)
			}
		case 68: // PERCENT
			if err = under(2); err != nil {
				break
			}
			c, p := s[len(s)-1], s[len(s)-2]
			s = s[:len(s)-2]
			if !(p >= 0 && p <= 100) {
				err = fmt.Errorf("percentile argument must be between 0 and 100")
				break
			}
			if !(c >= 1 && c <= float64(len(s))) {
				err = fmt.Errorf("RPN stack underflow")
				break
			}
			k := int(c)
			set := s[len(s)-k:]
			rpnSort(set)
			idx := len(s) - k - 1 + int(math.Round(p*float64(k)/100))
			if idx < 0 || idx >= len(s) {
				err = fmt.Errorf("RPN stack underflow")
				break
			}
			v := s[idx]
			s = append(s[:len(s)-k], v)
		case 56: // DEPTH
			s = append(s, float64(len(s)))
		case 57: // COPY
			var c int
			if c, err = count(); err == nil {
				if c > len(s) {
					err = fmt.Errorf("RPN stack underflow")
					break
				}
				s = append(s, s[len(s)-c:]...)
			}
		case 58: // ROLL
			if err = under(1); err != nil {
				break
			}
			step, base := s[len(s)-1], s[len(s)-2]
			s = s[:len(s)-2]
			// rrdtool copies the values to roll from the top of the stack
			// upwards, so it rolls the top value with the two it has just
			// popped (base, step) and, beyond three, with memory it never
			// wrote: only bases of at most three are defined.
			if !(base >= 1 && base <= 3 && base <= float64(len(s))) || math.IsNaN(step) || math.Abs(step) > math.MaxInt32 {
				err = fmt.Errorf("ROLL of %v values by %v is not supported", base, step)
				break
			}
			b, top := int(base), len(s)-1
			tmp := []float64{s[top], base, step}[:b]
			j := b + int(step)
			for i := b - 1; i >= 0; i-- {
				j--
				j = ((j % b) + b) % b
				s[top-i] = tmp[j]
			}
		case 59: // INDEX
			if err = under(0); err == nil {
				i := s[len(s)-1]
				if !(i >= 0 && i <= float64(len(s)-1)) {
					err = fmt.Errorf("RPN stack underflow")
					break
				}
				s[len(s)-1] = s[len(s)-1-int(i)]
			}
		default:
			err = fmt.Errorf("operator %d is not supported in COMPUTE", n.op)
		}
		if err != nil {
			return 0, s, err
		}
	}
	if len(s) != 1 {
		return 0, s, fmt.Errorf("RPN final stack size != 1")
	}
	return s[0], s, nil
}

// rpnReduce is AVG, MEDIAN, SMIN, SMAX and STDEV over set.
func rpnReduce(op rpnOp, set []float64) float64 {
	switch op {
	case 49: // AVG
		sum, n := 0.0, 0
		for i := len(set) - 1; i >= 0; i-- {
			if !math.IsNaN(set[i]) {
				sum += set[i]
				n++
			}
		}
		if n == 0 {
			return dnan
		}
		return sum / float64(n)
	case 54: // MEDIAN
		var good []float64
		for _, v := range set {
			if !math.IsNaN(v) {
				good = append(good, v)
			}
		}
		if len(good) == 0 {
			return dnan
		}
		rpnSort(good)
		if len(good)%2 == 1 {
			return good[len(good)/2]
		}
		return 0.5 * (good[len(good)/2] + good[len(good)/2-1])
	case 65, 66: // SMIN, SMAX
		x := dnan
		for i := len(set) - 1; i >= 0; i-- {
			e := set[i]
			if math.IsNaN(x) || (op == 66 && e > x) || (op == 65 && e < x) {
				x = e
			}
		}
		return x
	default: // STDEV
		n, mean, mean2 := 0, 0.0, 0.0
		for i := len(set) - 1; i >= 0; i-- {
			d := set[i]
			if math.IsNaN(d) {
				continue
			}
			n++
			delta := d - mean
			mean += delta / float64(n)
			mean2 += delta * (d - mean)
		}
		if n < 2 {
			return dnan
		}
		return math.Sqrt(mean2 / float64(n-1))
	}
}
