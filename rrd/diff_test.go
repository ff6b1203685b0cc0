package rrd

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The differential test applies seeded random update streams to twin
// files with Rogue and with rrdtool 1.7.2 and requires identical results.
// RRD_SEED=<n> replays one run; RRD_CASE=<i> runs only case i of it.

type diffCase struct {
	seed   uint64
	idx    int
	def    Definition
	start  int64
	values bool // give Rogue float64 Values instead of Raw text
}

// createArgs returns rrdtool create's arguments for def.
func createArgs(path string, def Definition, start int64) []string {
	args := []string{"create", path, "--step", strconv.Itoa(int(def.Step / time.Second)), "--start", strconv.FormatInt(start, 10)}
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "U"
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, d := range def.DS {
		if d.Type == Compute {
			args = append(args, fmt.Sprintf("DS:%s:COMPUTE:%s", d.Name, d.CDEF))
			continue
		}
		args = append(args, fmt.Sprintf("DS:%s:%s:%d:%s:%s", d.Name, d.Type, int(d.Heartbeat/time.Second), num(d.Min), num(d.Max)))
	}
	for _, r := range def.RRA {
		var a string
		switch r.CF {
		case HWPredict, MHWPredict:
			a = fmt.Sprintf("RRA:%s:%d:%s:%s:%d", r.CF, r.Rows, num(r.Alpha), num(r.Beta), r.Period)
			if r.Dependent > 0 {
				a += fmt.Sprintf(":%d", r.Dependent)
			}
		case Seasonal, DevSeasonal:
			a = fmt.Sprintf("RRA:%s:%d:%s:%d", r.CF, r.Rows, num(r.Gamma), r.Dependent)
			if r.SmoothingWindow != 0 {
				a += ":smoothing-window=" + num(r.SmoothingWindow)
			}
		case DevPredict:
			a = fmt.Sprintf("RRA:DEVPREDICT:%d:%d", r.Rows, r.Dependent)
		case Failures:
			a = fmt.Sprintf("RRA:FAILURES:%d:%d:%d:%d", r.Rows, r.Threshold, r.Window, r.Dependent)
		default:
			a = fmt.Sprintf("RRA:%s:%s:%d:%d", r.CF, num(r.XFF), r.Steps, r.Rows)
		}
		args = append(args, a)
	}
	return args
}

// randomHW appends a random set of Holt-Winters archives to def: an
// HWPREDICT or MHWPREDICT with implicit dependent archives, or all five
// given explicitly. Parameters are decimals rrdtool reads exactly as Go.
func randomHW(rng *rand.Rand, def *Definition) {
	dec := func(max int) float64 { // 0.1 .. 0.max
		v, _ := rrdStrtod(fmt.Sprintf("0.%d", 1+rng.IntN(max)))
		return v
	}
	period := 2 + rng.IntN(12)
	rows := period + rng.IntN(30)
	if rng.IntN(2) == 0 {
		cf := []CF{HWPredict, MHWPredict}[rng.IntN(2)]
		def.RRA = append(def.RRA, RRA{CF: cf, Rows: rows, Alpha: dec(9), Beta: dec(9) / 10, Period: period})
		return
	}
	base := len(def.RRA) + 1 // rrdtool's 1-based index of the HWPREDICT
	var window float64
	if rng.IntN(2) == 0 {
		window = dec(9)
	}
	threshold := 1 + rng.IntN(5)
	def.RRA = append(def.RRA,
		RRA{CF: HWPredict, Rows: rows, Alpha: dec(9), Beta: dec(9) / 10, Period: period, Dependent: base + 1},
		RRA{CF: Seasonal, Rows: period, Gamma: dec(9), SmoothingWindow: window, Dependent: base},
		RRA{CF: DevSeasonal, Rows: period, Gamma: dec(9), SmoothingWindow: window, Dependent: base},
		RRA{CF: DevPredict, Rows: rows, Dependent: base + 2},
		RRA{CF: Failures, Rows: rows, Threshold: threshold, Window: threshold + rng.IntN(5), Dependent: base + 2})
}

// hasHW reports whether def has Holt-Winters archives.
func hasHW(def Definition) bool {
	for _, r := range def.RRA {
		if r.CF.isHW() {
			return true
		}
	}
	return false
}

func randomDef(rng *rand.Rand, values bool) Definition {
	steps := []int{1, 1, 5, 10, 60, 300, 1 + rng.IntN(300)}
	step := steps[rng.IntN(len(steps))]
	def := Definition{Step: time.Duration(step) * time.Second}
	types := []DSType{Gauge, Counter, Derive, Absolute, DCounter, DDerive, Compute}
	nds := 1 + rng.IntN(3)
	for i := 0; i < nds; i++ {
		typ := types[rng.IntN(len(types))]
		if typ == Compute {
			if i == 0 {
				typ = Gauge
			} else {
				def.DS = append(def.DS, DS{Name: fmt.Sprintf("ds%d_com", i), Type: Compute, CDEF: randomCDEF(rng, def.DS)})
				continue
			}
		}
		if values && (typ == Counter || typ == Derive) && rng.IntN(2) == 0 {
			typ = Gauge
		}
		hb := step * (1 + rng.IntN(4))
		if rng.IntN(4) == 0 {
			hb = 1 + rng.IntN(3*step+5)
		}
		d := DS{Name: fmt.Sprintf("ds%d_%s", i, strings.ToLower(string(typ))[:3]), Type: typ, Heartbeat: time.Duration(hb) * time.Second, Min: math.NaN(), Max: math.NaN()}
		switch rng.IntN(4) {
		case 1:
			d.Min = 0
		case 2:
			d.Min = float64(rng.IntN(40)) - 20
			d.Max = d.Min + float64(1+rng.IntN(400))/4
		case 3:
			d.Max = float64(1 + rng.IntN(1000))
		}
		def.DS = append(def.DS, d)
	}
	cfs := []CF{Average, Min, Max, Last}
	for i, n := 0, 1+rng.IntN(4); i < n; i++ {
		r := RRA{CF: cfs[rng.IntN(4)], XFF: float64(rng.IntN(64)) / 64, Steps: 1 + rng.IntN(6), Rows: 1 + rng.IntN(40)}
		if rng.IntN(3) == 0 {
			r.Steps = 1
		}
		def.RRA = append(def.RRA, r)
	}
	if rng.IntN(3) == 0 {
		randomHW(rng, &def)
	}
	return def
}

// randomCDEF returns a COMPUTE expression over the data sources so far,
// with operators whose results do not depend on the C library (Go's SIN,
// LOG, POW ... may differ from glibc's in the last bit).
func randomCDEF(rng *rand.Rand, ds []DS) string {
	a, b := ds[rng.IntN(len(ds))].Name, ds[rng.IntN(len(ds))].Name
	exprs := []string{
		"%[1]s,%[2]s,+", "%[1]s,2,*", "%[1]s,UN,0,%[1]s,IF", "%[2]s,%[1]s,MAX,10,/", "%[1]s,%[2]s,MINNAN",
		"%[1]s,-3,%[2]s,*,-,ABS", "%[1]s,%[2]s,LT,INF,NEGINF,IF", "%[1]s,SQRT,%[2]s,ADDNAN", "%[1]s,7,%%",
		"%[1]s,%[2]s,1,3,SORT,POP,POP", "%[1]s,%[2]s,5,3,AVG", "%[1]s,%[2]s,-100,3,MEDIAN", "%[1]s,0,100,LIMIT",
		"%[1]s,%[2]s,2,SMAX", "%[1]s,%[2]s,2,SMIN", "%[1]s,%[2]s,%[1]s,3,STDEV", "%[1]s,%[2]s,2,REV,-",
		"%[1]s,%[2]s,50,2,PERCENT", "%[1]s,1,COPY,+", "DEPTH,%[1]s,+", "%[1]s,%[2]s,1,INDEX,+,+",
		"%[1]s,%[2]s,2,1,ROLL,-", "%[1]s,FLOOR,%[2]s,CEIL,EQ", "%[1]s,%[2]s,NE,%[1]s,ISINF,+", "%[1]s,%[2]s,DUP,POP,EXC,/",
		"%[1]s,%[2]s,MAXNAN,UNKN,GE,%[1]s,LE",
	}
	return fmt.Sprintf(exprs[rng.IntN(len(exprs))], a, b)
}

// stream generates update arguments for rrdtool ("t:v:v") and the
// matching Rogue samples.
type stream struct {
	args    []string
	samples []Sample
}

var (
	two32 = new(big.Int).Lsh(big.NewInt(1), 32)
	two64 = new(big.Int).Lsh(big.NewInt(1), 64)
)

func randomStream(rng *rand.Rand, def Definition, start int64, values bool) stream {
	var st stream
	step := int64(def.Step / time.Second)
	counters := make([]*big.Int, len(def.DS))
	for i := range counters {
		counters[i] = big.NewInt(rng.Int64N(1 << 40))
	}
	lastSec, lastUsec := start, int64(0)
	t := float64(start)
	n := 1 + rng.IntN(250)
	for len(st.samples) < n {
		switch k := rng.IntN(20); {
		case k < 5: // sub-second or sub-step
			t += rng.Float64() * float64(step) / 2
		case k < 15:
			t += float64(1 + rng.Int64N(3*step))
		case k < 17:
			t += float64(1+rng.Int64N(2)) + rng.Float64()
		case k < 19: // beyond the heartbeat
			t += float64(step * (3 + rng.Int64N(20)))
		default: // longer than some archives
			t += float64(step * (40 + rng.Int64N(400)))
		}
		var ts string
		if rng.IntN(3) == 0 {
			ts = strconv.FormatFloat(t, 'f', 6, 64)
		} else {
			t = math.Floor(t)
			ts = strconv.FormatInt(int64(t), 10)
		}
		// The time as rrdtool will read it.
		tv, _ := rrdStrtod(ts)
		sec := int64(math.Floor(tv))
		usec := int64((tv - float64(sec)) * 1e6)
		if sec < lastSec || (sec == lastSec && usec <= lastUsec) {
			continue
		}
		lastSec, lastUsec = sec, usec
		raw := make([]string, len(def.DS))
		vals := make([]float64, len(def.DS))
		for i, d := range def.DS {
			if rng.IntN(15) == 0 || d.Type == Compute {
				raw[i], vals[i] = "U", math.NaN()
				continue
			}
			switch d.Type {
			case Gauge, Absolute:
				var v float64
				switch rng.IntN(4) {
				case 0:
					v = float64(rng.IntN(2000)) - 500
				case 1:
					v = float64(rng.IntN(100000)) / 4
				default:
					v = rng.NormFloat64() * 300
					if values {
						v = math.Round(v*8) / 8
					}
				}
				if d.Type == Absolute {
					v = math.Abs(v)
				}
				vals[i] = v
				raw[i] = strconv.FormatFloat(v, 'g', -1, 64)
				if !values && rng.IntN(10) == 0 {
					raw[i] = strconv.FormatFloat(v, 'e', 3, 64)
				}
			case DCounter, DDerive:
				c, _ := new(big.Float).SetInt(counters[i]).Float64()
				switch rng.IntN(8) {
				case 0: // change of direction: a DCOUNTER reset
					c = -c / 3
				case 1:
					c = rng.Float64() * 10
				default:
					c += rng.NormFloat64() * 5000
				}
				c = math.Round(c*1000) / 1000
				counters[i].SetInt64(int64(c))
				vals[i] = c
				raw[i] = strconv.FormatFloat(c, 'g', -1, 64) // as Update formats Values
				if !values && rng.IntN(5) == 0 {
					raw[i] = strconv.FormatFloat(c, 'e', 6, 64)
					vals[i], _ = strconv.ParseFloat(raw[i], 64)
				}
			case Counter, Derive:
				c := counters[i]
				switch rng.IntN(12) {
				case 0: // 32-bit wrap
					c.Mod(c, two32)
					if d.Type == Counter && rng.IntN(2) == 0 {
						c.Add(c, big.NewInt(rng.Int64N(1<<20)))
						c.Mod(c, two32)
					}
				case 1: // near the 64-bit limit, then wrap
					c.Sub(two64, big.NewInt(1+rng.Int64N(1<<30)))
				case 2:
					c.Add(c, big.NewInt(rng.Int64N(1<<31)))
					c.Mod(c, two64)
				case 3:
					if d.Type == Derive {
						c.Neg(c)
					}
				case 4:
					c.SetInt64(rng.Int64N(1000))
				default:
					c.Add(c, big.NewInt(rng.Int64N(100000)))
				}
				if d.Type == Counter && c.Sign() < 0 {
					c.Neg(c)
				}
				raw[i] = c.String()
				f, _ := new(big.Float).SetInt(c).Float64()
				vals[i] = f
				if values && new(big.Float).SetFloat64(f).Cmp(new(big.Float).SetInt(c)) != 0 {
					// not exact as a float64: keep Rogue and rrdtool in step
					c.SetInt64(rng.Int64N(1 << 40))
					raw[i] = c.String()
					vals[i] = float64(c.Int64())
				}
			}
		}
		var readings []string // rrdtool takes none for COMPUTE
		for i, d := range def.DS {
			if d.Type != Compute {
				readings = append(readings, raw[i])
			}
		}
		st.args = append(st.args, ts+":"+strings.Join(readings, ":"))
		s := Sample{Time: time.Unix(sec, usec*1000)}
		if values {
			s.Values = vals
		} else {
			s.Raw = raw
		}
		st.samples = append(st.samples, s)
	}
	return st
}

func diffSeed(t *testing.T) uint64 {
	if s := os.Getenv("RRD_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RRD_SEED: %v", err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

func TestDifferentialAgainstRRDTool(t *testing.T) {
	needRRDTool(t)
	seed := diffSeed(t)
	n := 200
	if testing.Short() {
		n = 25
	}
	only := -1
	if s := os.Getenv("RRD_CASE"); s != "" {
		only, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with RRD_SEED=%d)", seed, seed)
	for i := 0; i < n; i++ {
		if only >= 0 && i != only {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		c := diffCase{seed: seed, idx: i, values: rng.IntN(5) == 0}
		c.def = randomDef(rng, c.values)
		c.start = 1600000000 + rng.Int64N(100000000)
		ok := t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) {
			t.Logf("replay: RRD_SEED=%d RRD_CASE=%d go test -run 'TestDifferentialAgainstRRDTool' ./rrd", seed, i)
			runDiffCase(t, rng, c)
		})
		if !ok {
			break
		}
	}
}

func runDiffCase(t *testing.T, rng *rand.Rand, c diffCase) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.rrd")
	byRogue := c.idx%2 == 1
	if byRogue {
		def := c.def
		def.Start = time.Unix(c.start, 0)
		if err := Create(orig, def); err != nil {
			t.Fatalf("Create: %v\ndef %+v", err, c.def)
		}
		// Rogue's file reads exactly like rrdtool's own of the same
		// definition and file name (which places the seasonal smoothing).
		ref := filepath.Join(dir, "ref.rrd")
		if err := os.Rename(orig, orig+".rogue"); err != nil {
			t.Fatal(err)
		}
		rrdtool(t, createArgs(orig, c.def, c.start)...)
		if err := os.Rename(orig, ref); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(orig+".rogue", orig); err != nil {
			t.Fatal(err)
		}
		if a, b := rrdtool(t, "dump", ref), rrdtool(t, "dump", orig); a != b {
			t.Fatalf("rrdtool dump of Rogue's new file differs from rrdtool's:\n%s\n---\n%s", firstDiff(a, b), firstDiff(b, a))
		}
		ia, ib := rrdtool(t, "info", ref), rrdtool(t, "info", orig)
		ia = dropInfoKeys(ia)
		ib = dropInfoKeys(ib)
		if ia != ib {
			t.Fatalf("rrdtool info of Rogue's new file differs:\n%s\n---\n%s", firstDiff(ia, ib), firstDiff(ib, ia))
		}
	} else {
		rrdtool(t, createArgs(orig, c.def, c.start)...)
	}
	st := randomStream(rng, c.def, c.start, c.values)
	a, b := filepath.Join(dir, "a.rrd"), filepath.Join(dir, "b.rrd")
	copyFile(t, orig, a)
	copyFile(t, orig, b)
	// Rogue applies the stream in batches of 1 to 20 (80 with Holt-Winters
	// archives). rrdtool takes 200
	// per call, or, with Holt-Winters archives (whose smoother runs at
	// most once per call), the same batches.
	var batches []int
	maxBatch := 20
	if hasHW(c.def) {
		maxBatch = 80 // fewer rrdtool calls
	}
	for i := 0; i < len(st.samples); {
		k := min(1+rng.IntN(maxBatch), len(st.samples)-i)
		batches = append(batches, k)
		i += k
	}
	if hasHW(c.def) {
		for i, k := range batches {
			o := 0
			for _, n := range batches[:i] {
				o += n
			}
			rrdtool(t, append([]string{"update", a}, st.args[o:o+k]...)...)
		}
	} else {
		for i := 0; i < len(st.args); i += 200 {
			rrdtool(t, append([]string{"update", a}, st.args[i:min(i+200, len(st.args))]...)...)
		}
	}
	f, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, k := range batches {
		o := 0
		for _, n := range batches[:i] {
			o += n
		}
		if err := f.Update(st.samples[o : o+k]...); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	da, db := rrdtool(t, "dump", a), rrdtool(t, "dump", b)
	if err := sameDump(da, db); err != nil {
		t.Errorf("create args: %q\nupdates: %s", createArgs("x.rrd", c.def, c.start), strings.Join(st.args, " "))
		t.Fatalf("rrdtool dump differs between rrdtool's and Rogue's update: %v", err)
	}
	if !bytes.Equal(ba, bb) {
		t.Fatalf("files differ byte-wise after the same updates: %s\ncreate args: %q\nupdates: %s", byteDiff(ba, bb), createArgs("x.rrd", c.def, c.start), strings.Join(st.args, " "))
	}
	var ours bytes.Buffer
	if err := f.Dump(&ours); err != nil {
		t.Fatal(err)
	}
	if ours.String() != db {
		t.Fatalf("Dump differs from rrdtool dump:\n%s\n---\n%s", firstDiff(ours.String(), db), firstDiff(db, ours.String()))
	}
	if c.idx%5 == 0 {
		compareInfo(t, b, f)
	}
	// Fetch windows.
	last := st.samples[len(st.samples)-1].Time.Unix()
	step := int64(c.def.Step / time.Second)
	for k := 0; k < 4; k++ {
		cfs := []CF{Average, Min, Max, Last}
		for _, r := range c.def.RRA {
			if r.CF.isHW() {
				cfs = append(cfs, r.CF)
			}
		}
		cf := cfs[rng.IntN(len(cfs))]
		span := last - c.start + 10*step
		s := c.start - 5*step + rng.Int64N(span+1)
		e := s + rng.Int64N(span/2+2)
		var res int64
		switch rng.IntN(4) {
		case 1:
			res = step
		case 2:
			res = step * int64(1+rng.IntN(8))
		case 3:
			res = 1 + rng.Int64N(10*step)
		}
		compareFetch(t, b, f, cf, s, e, res)
	}
}

// dropInfoKeys removes the lines of rrdtool info that legitimately differ
// between two new files of one definition (name, random start row).
func dropInfoKeys(s string) string {
	var keep []string
	for _, ln := range strings.Split(s, "\n") {
		if strings.HasPrefix(ln, "filename") || strings.Contains(ln, "].cur_row") {
			continue
		}
		keep = append(keep, ln)
	}
	return strings.Join(keep, "\n")
}

// sameDump compares two rrdtool dumps, numbers to 1e-9 relative.
func sameDump(a, b string) error {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return fmt.Errorf("%d lines vs %d", len(la), len(lb))
	}
	for i := range la {
		if la[i] == lb[i] {
			continue
		}
		ta, tb := dumpTokens(la[i]), dumpTokens(lb[i])
		if len(ta) != len(tb) {
			return fmt.Errorf("line %d: %q vs %q", i+1, la[i], lb[i])
		}
		for j := range ta {
			if ta[j] == tb[j] {
				continue
			}
			x, e1 := parseFloatC(ta[j])
			y, e2 := parseFloatC(tb[j])
			if e1 != nil || e2 != nil || !sameFloat(x, y, 1e-9) {
				return fmt.Errorf("line %d: %q vs %q", i+1, la[i], lb[i])
			}
		}
	}
	return nil
}

func dumpTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '<' || r == '>' || r == ' ' || r == '\t' })
}
