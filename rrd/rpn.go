package rrd

import (
	"fmt"
	"strconv"
	"strings"
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
