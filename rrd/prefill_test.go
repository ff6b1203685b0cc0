package rrd

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// canonical returns an RRD file's bytes with every archive rotated so
// that its current row is the last, and the row pointers set to match:
// the file as it would be had rrdtool not started each archive at a
// random row. Two files that differ only in where their archives start
// have equal canonical bytes.
func canonical(t testing.TB, b []byte) []byte {
	t.Helper()
	l, err := parseLayout(b, int64(len(b)))
	if err != nil {
		t.Fatalf("canonical: %v", err)
	}
	out := append([]byte(nil), b...)
	st := state{l: l, b: out[l.liveOff:]}
	rowLen := int64(len(l.ds)) * valueSize
	for r, a := range l.rra {
		cur := int64(st.curRow(r))
		rows := int64(a.rows)
		base := l.rraOff[r]
		for i := range rows { // row i of the rotated archive is row cur+1+i
			src := base + ((cur+1+i)%rows)*rowLen
			copy(out[base+i*rowLen:base+(i+1)*rowLen], b[src:src+rowLen])
		}
		st.setU64(st.ptr(r), uint64(rows-1))
	}
	return out
}

// prefillCase is a random rrdtool create --source: source files with
// random definitions and histories over one span of time, and a new
// file's definition drawing on their data source names, with mappings.
type prefillCase struct {
	sources [][]string // rrdtool create arguments after the file name
	updates [][]string
	step    int
	start   int64 // 0: none given
	ds      []DS
	mapping map[string]SourceDS
	rra     []RRA
}

var prefillNames = []string{"a", "b", "c", "d"}

func randomPrefillCase(rng *rand.Rand) prefillCase {
	var c prefillCase
	t0 := 1600000000 + rng.Int64N(100000000)
	steps := []int{1, 2, 5, 10, 15, 30, 60, 300, 7, 1 + rng.IntN(120)}
	types := []DSType{Gauge, Counter, Derive, Absolute, DCounter, DDerive}
	xff := func() string { return fmt.Sprintf("0.%d", rng.IntN(10)) }
	var srcSteps []int
	srcTypes := map[string]DSType{}
	for range 1 + rng.IntN(3) {
		step := steps[rng.IntN(len(steps))]
		srcSteps = append(srcSteps, step)
		args := []string{"--step", strconv.Itoa(step), "--start", strconv.FormatInt(t0-rng.Int64N(int64(step)*3), 10)}
		names := slices.Clone(prefillNames)
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		names = names[:1+rng.IntN(len(names))]
		var typs []DSType
		for k, n := range names {
			typ := types[rng.IntN(len(types))]
			if old, ok := srcTypes[n]; ok && rng.IntN(2) == 0 {
				typ = old
			}
			if typ == Compute { // another source's COMPUTE
				typ = Gauge
			}
			if k > 0 && rng.IntN(6) == 0 {
				typ = Compute // takes no readings
				args = append(args, fmt.Sprintf("DS:%s:COMPUTE:%s,2,*", n, names[0]))
			} else {
				args = append(args, fmt.Sprintf("DS:%s:%s:%d:%s", n, typ, step*(1+rng.IntN(3)), []string{"U:U", "0:U", "-100:1000"}[rng.IntN(3)]))
				typs = append(typs, typ)
			}
			srcTypes[n] = typ
		}
		// Several archives, often of one CF and resolution, so that the
		// order of candidates matters.
		for range 1 + rng.IntN(6) {
			cf := []CF{Average, Average, Min, Max, Last}[rng.IntN(5)]
			pdp := 1 + rng.IntN(6)
			if rng.IntN(2) == 0 {
				pdp = 1 + rng.IntN(2)
			}
			args = append(args, fmt.Sprintf("RRA:%s:%s:%d:%d", cf, xff(), pdp, 3+rng.IntN(80)))
		}
		if rng.IntN(5) == 0 {
			period := 2 + rng.IntN(10)
			args = append(args, fmt.Sprintf("RRA:HWPREDICT:%d:0.5:0.1:%d", period+rng.IntN(30), period))
		}
		c.sources = append(c.sources, args)
		// A history: readings at irregular times, some unknown, some gaps.
		var ups []string
		t := t0
		counters := make([]float64, len(typs))
		for range 10 + rng.IntN(250) {
			t += 1 + rng.Int64N(int64(2*step))
			if rng.IntN(25) == 0 {
				t += int64(step * (3 + rng.IntN(30)))
			}
			vals := make([]string, len(typs))
			for j, typ := range typs {
				vals[j] = "U"
				if rng.IntN(10) == 0 {
					continue
				}
				vals[j] = randomReading(rng, typ, &counters[j])
			}
			ups = append(ups, strconv.FormatInt(t, 10)+":"+strings.Join(vals, ":"))
		}
		c.updates = append(c.updates, ups)
	}
	// The new file: often one of the sources' steps, so that the state can
	// be copied; its data sources are the sources' names (often with the
	// same type), a name no source has, and mapped ones.
	c.step = srcSteps[rng.IntN(len(srcSteps))]
	if rng.IntN(3) == 0 {
		c.step = steps[rng.IntN(len(steps))]
	}
	if rng.IntN(2) == 0 {
		c.start = t0 + rng.Int64N(200*int64(c.step))
	}
	c.mapping = map[string]SourceDS{}
	names := append(slices.Clone(prefillNames), "z", "m1", "m2")
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, n := range names[:1+rng.IntN(4)] {
		typ := types[rng.IntN(len(types))]
		if old, ok := srcTypes[n]; ok && rng.IntN(3) > 0 && old != Compute {
			typ = old
		}
		if strings.HasPrefix(n, "m") || rng.IntN(8) == 0 {
			m := SourceDS{Name: prefillNames[rng.IntN(len(prefillNames))]}
			if rng.IntN(2) == 0 {
				m.Index = rng.IntN(len(c.sources) + 2) // [0] and one past the end match nothing
				if m.Index == 0 {
					m.Index = -1
				}
			}
			c.mapping[n] = m
			if old, ok := srcTypes[m.Name]; ok && rng.IntN(3) > 0 && old != Compute {
				typ = old
			}
		}
		c.ds = append(c.ds, DS{Name: n, Type: typ, Heartbeat: time.Duration(c.step*(1+rng.IntN(3))) * time.Second, Min: math.NaN(), Max: math.NaN()})
	}
	for range 1 + rng.IntN(4) {
		cf := []CF{Average, Average, Min, Max, Last}[rng.IntN(5)]
		steps := 1 + rng.IntN(8)
		if rng.IntN(4) == 0 {
			steps = 1
		}
		x, _ := strconv.ParseFloat(xff(), 64)
		c.rra = append(c.rra, RRA{CF: cf, XFF: x, Steps: steps, Rows: 2 + rng.IntN(100)})
	}
	if rng.IntN(5) == 0 {
		def := Definition{RRA: c.rra}
		randomHW(rng, &def)
		c.rra = def.RRA
	}
	return c
}

// args returns rrdtool create's arguments for the new file.
func (c prefillCase) args(path string, sources []string) []string {
	def := Definition{Step: time.Duration(c.step) * time.Second, DS: c.ds, RRA: c.rra}
	full := createArgs(path, def, c.start)
	args := []string{"create", path, "--step", strconv.Itoa(c.step)}
	if c.start != 0 {
		args = append(args, "--start", strconv.FormatInt(c.start, 10))
	}
	for _, s := range sources {
		args = append(args, "--source", s)
	}
	for _, a := range full[6:] {
		if name, rest, ok := strings.Cut(strings.TrimPrefix(a, "DS:"), ":"); ok && strings.HasPrefix(a, "DS:") {
			if m, ok := c.mapping[name]; ok {
				name += "=" + m.Name
				if m.Index != 0 {
					name += fmt.Sprintf("[%d]", max(m.Index, 0))
				}
			}
			a = "DS:" + name + ":" + rest
		}
		args = append(args, a)
	}
	return args
}

// TestPrefillAgainstRRDTool creates files from random sources with
// rrdtool create --source and with CreateWith and requires the same
// bytes, up to the random row each archive starts at.
func TestPrefillAgainstRRDTool(t *testing.T) {
	needRRDTool(t)
	seed := diffSeed(t)
	n := 40 // RRD_PREFILL_CASES=1000 for a longer run
	if testing.Short() {
		n = 12
	}
	if s := os.Getenv("RRD_PREFILL_CASES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	only := -1
	if s := os.Getenv("RRD_CASE"); s != "" {
		only, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with RRD_SEED=%d)", seed, seed)
	filled := 0
	for i := range n {
		if only >= 0 && i != only {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		c := randomPrefillCase(rng)
		ok := t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) {
			t.Logf("replay: RRD_SEED=%d RRD_CASE=%d go test -run TestPrefillAgainstRRDTool ./rrd", seed, i)
			dir := t.TempDir()
			var paths []string
			for k, args := range c.sources {
				p := filepath.Join(dir, fmt.Sprintf("src%d.rrd", k))
				rrdtool(t, append([]string{"create", p}, args...)...)
				for ups := c.updates[k]; len(ups) > 0; ups = ups[min(len(ups), 100):] {
					rrdtool(t, append([]string{"update", p}, ups[:min(len(ups), 100)]...)...)
				}
				paths = append(paths, p)
			}
			if rng.IntN(4) == 0 { // the same source twice
				paths = append(paths, paths[0])
			}
			// Both files under one name: seasonal smoothing depends on it.
			p := filepath.Join(dir, "new.rrd")
			args := c.args(p, paths)
			rrdtool(t, args...)
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(p)
			opts := CreateOptions{Map: c.mapping}
			for _, sp := range paths {
				f, err := Open(sp)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				opts.Sources = append(opts.Sources, f)
			}
			def := Definition{Step: time.Duration(c.step) * time.Second, DS: c.ds, RRA: c.rra}
			if c.start != 0 {
				def.Start = time.Unix(c.start, 0)
			}
			if err := CreateWith(p, def, opts); err != nil {
				t.Fatalf("CreateWith: %v\nrrdtool %s", err, strings.Join(args, " "))
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(canonical(t, got), canonical(t, want)) {
				os.WriteFile(p+".rrdtool", want, 0o644)
				t.Fatalf("files differ (%s)\nrrdtool %s\nrrdtool dump:\n%s\nrogue:\n%s", byteDiff(canonical(t, got), canonical(t, want)),
					strings.Join(args, " "), firstDiff(rrdtool(t, "dump", p+".rrdtool"), rrdtool(t, "dump", p)), firstDiff(rrdtool(t, "dump", p), rrdtool(t, "dump", p+".rrdtool")))
			}
			if strings.Count(rrdtool(t, "dump", p), "e+") > 0 {
				filled++
			}
		})
		if !ok {
			break
		}
	}
	t.Logf("%d of %d cases carried values over", filled, n)
	// Most cases must carry history over, or the test proves little.
	if only < 0 && filled < n/3 {
		t.Errorf("only %d of %d cases carried any value over", filled, n)
	}
}

// TestPrefillQuickSortSorts: on a consistent order quickSortC sorts
// (where rrdtool's order is not consistent, TestPrefillAgainstRRDTool
// checks that it orders as rrdtool does).
func TestPrefillQuickSortSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		s := make([]int, n)
		for i := range s {
			s[i] = rng.IntN(10)
		}
		quickSortC(s, func(a, b int) int { return a - b })
		if !slices.IsSorted(s) {
			t.Fatalf("not sorted: %v", s)
		}
	}
}

// TestPrefillCoverage checks the coverage bookkeeping of one row on
// plain cases.
func TestPrefillCoverage(t *testing.T) {
	spans := []span{{false, 101, 160}}
	steps := []struct {
		start, end int64
		newly      int
	}{
		{41, 100, 0},   // before the row
		{131, 190, 30}, // the row's second half
		{121, 140, 10}, // part of it already covered
		{91, 110, 10},  // the first ten seconds
		{91, 200, 10},  // all that is left
		{101, 160, 0},  // nothing left
	}
	for i, s := range steps {
		var n int
		spans, n = cover(spans, s.start, s.end)
		if n != s.newly {
			t.Fatalf("step %d: cover(%d, %d) = %d newly covered, want %d (spans %v)", i, s.start, s.end, n, s.newly, spans)
		}
	}
	if len(spans) != 1 || !spans[0].covered || spans[0].start != 101 || spans[0].end != 160 {
		t.Fatalf("spans %v, want one covered span 101-160", spans)
	}
}

// BenchmarkPrefill14Days prefills a new file of two weeks at 1 min, 30
// days at 5 min and a month of hourly maxima from two weeks of 1 min
// history (bench/rrd.sh compares the whole command with rrdtool's).
func BenchmarkPrefill14Days(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "src.rrd")
	const start = 1700000000
	if err := Create(src, Definition{Step: time.Minute, Start: time.Unix(start, 0),
		DS:  []DS{{Name: "m", Type: Gauge, Heartbeat: 2 * time.Minute, Min: math.NaN(), Max: math.NaN()}},
		RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 20160}, {CF: Max, XFF: 0.5, Steps: 60, Rows: 744}}}); err != nil {
		b.Fatal(err)
	}
	f, err := Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var samples []Sample
	for i := range 20160 {
		samples = append(samples, Sample{Time: time.Unix(start+60*int64(i+1), 0), Values: []float64{float64(i % 100)}})
	}
	if err := f.Update(samples...); err != nil {
		b.Fatal(err)
	}
	def := Definition{Step: time.Minute,
		DS:  []DS{{Name: "m", Type: Gauge, Heartbeat: 10 * time.Minute, Min: math.NaN(), Max: math.NaN()}},
		RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 20160}, {CF: Average, XFF: 0.5, Steps: 5, Rows: 8640}, {CF: Max, XFF: 0.5, Steps: 60, Rows: 744}}}
	p := filepath.Join(dir, "new.rrd")
	for b.Loop() {
		os.Remove(p)
		if err := CreateWith(p, def, CreateOptions{Sources: []*File{f}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPrefillRefusesWhatDoesNotFit: a prefill whose temporary archive
// would take more memory than allowed is refused with a message, and no
// file is left behind.
func TestPrefillRefusesWhatDoesNotFit(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.rrd")
	ds := []DS{{Name: "a", Type: Gauge, Heartbeat: time.Minute, Min: math.NaN(), Max: math.NaN()}}
	if err := Create(src, Definition{Step: time.Second, Start: time.Unix(1700000000, 0), DS: ds,
		RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 1, Rows: 10}}}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := filepath.Join(dir, "new.rrd")
	// 2e9 steps per row: rrdtool would add a temporary archive of 4e9 rows.
	err = CreateWith(p, Definition{Step: time.Second, DS: ds, RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 2000000000, Rows: 10}}},
		CreateOptions{Sources: []*File{f}})
	if err == nil || !strings.Contains(err.Error(), "prefilling needs about") {
		t.Fatalf("CreateWith = %v, want a refusal for memory", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*new*")); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
}
