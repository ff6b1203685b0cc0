package rrd

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fullCase is a random rrdtool create command line drawing from every data
// source type and archive, with an update stream for it.
type fullCase struct {
	step    int
	start   int64
	ds      []string // DS:... arguments
	types   []DSType
	rra     []string // RRA:... arguments
	cfs     []CF     // CFs named by rra (the implicit archives included)
	updates []string
}

func randomFullCase(rng *rand.Rand) fullCase {
	c := fullCase{step: []int{1, 5, 60, 300}[rng.IntN(4)], start: 1600000000 + rng.Int64N(100000000)}
	all := []DSType{Gauge, Counter, Derive, Absolute, DCounter, DDerive, Compute}
	nds := 1 + rng.IntN(4)
	var names []string
	for i := 0; i < nds; i++ {
		typ := all[rng.IntN(len(all))]
		if typ == Compute && len(names) == 0 {
			typ = DDerive
		}
		name := fmt.Sprintf("d%d", i)
		hb := c.step * (1 + rng.IntN(3))
		if typ == Compute {
			exprs := []string{
				"%[1]s,%[2]s,+", "%[1]s,2,*", "%[1]s,UN,0,%[1]s,IF", "%[2]s,%[1]s,MAX,10,/",
				"%[1]s,-3,%[2]s,*,-,ABS", "%[1]s,%[2]s,LT,INF,NEGINF,IF", "%[1]s,SQRT,%[2]s,ADDNAN",
			}
			a, b := names[rng.IntN(len(names))], names[rng.IntN(len(names))]
			c.ds = append(c.ds, fmt.Sprintf("DS:%s:COMPUTE:%s", name, fmt.Sprintf(exprs[rng.IntN(len(exprs))], a, b)))
		} else {
			lim := []string{"U:U", "0:U", "-100:100", "U:1000"}[rng.IntN(4)]
			c.ds = append(c.ds, fmt.Sprintf("DS:%s:%s:%d:%s", name, typ, hb, lim))
			names = append(names, name)
		}
		c.types = append(c.types, typ)
	}
	for i, n := 0, 1+rng.IntN(3); i < n; i++ {
		switch k := rng.IntN(6); {
		case k < 3:
			cf := []CF{Average, Min, Max, Last}[rng.IntN(4)]
			c.rra = append(c.rra, fmt.Sprintf("RRA:%s:%d.%d:%d:%d", cf, rng.IntN(1), rng.IntN(10), 1+rng.IntN(5), 1+rng.IntN(30)))
			c.cfs = append(c.cfs, cf)
		case k < 5: // implicit dependent archives
			cf := []CF{HWPredict, MHWPredict}[rng.IntN(2)]
			period := 2 + rng.IntN(10)
			rows := period + rng.IntN(30)
			c.rra = append(c.rra, fmt.Sprintf("RRA:%s:%d:0.%d:0.0%d:%d", cf, rows, 1+rng.IntN(9), rng.IntN(10), period))
			c.cfs = append(c.cfs, cf, Seasonal, DevSeasonal, DevPredict, Failures)
		default: // every archive explicit, rrdtool's 1-based indexes
			base := len(c.cfs) + 1
			period := 2 + rng.IntN(10)
			rows := period + rng.IntN(30)
			window := ""
			if rng.IntN(2) == 0 {
				window = fmt.Sprintf(":smoothing-window=0.%d", rng.IntN(10))
			}
			c.rra = append(c.rra,
				fmt.Sprintf("RRA:HWPREDICT:%d:0.5:0.1:%d:%d", rows, period, base+1),
				fmt.Sprintf("RRA:SEASONAL:%d:0.%d:%d%s", period, 1+rng.IntN(9), base, window),
				fmt.Sprintf("RRA:DEVSEASONAL:%d:0.%d:%d", period, 1+rng.IntN(9), base),
				fmt.Sprintf("RRA:DEVPREDICT:%d:%d", rows, base+2),
				fmt.Sprintf("RRA:FAILURES:%d:%d:%d:%d", rows, 1+rng.IntN(3), 3+rng.IntN(5), base+2))
			c.cfs = append(c.cfs, HWPredict, Seasonal, DevSeasonal, DevPredict, Failures)
		}
	}
	t := c.start
	counters := make([]float64, nds)
	for i := 0; i < 20+rng.IntN(200); i++ {
		t += 1 + rng.Int64N(int64(2*c.step))
		if rng.IntN(30) == 0 {
			t += int64(c.step * (5 + rng.IntN(40)))
		}
		var vals []string
		for _, typ := range c.types {
			if typ == Compute {
				continue // COMPUTE takes no reading
			}
			vals = append(vals, "U")
			j := len(vals) - 1
			if rng.IntN(12) == 0 {
				continue
			}
			vals[j] = randomReading(rng, typ, &counters[j])
		}
		c.updates = append(c.updates, strconv.FormatInt(t, 10)+":"+strings.Join(vals, ":"))
	}
	return c
}

// randomReading returns an update value for a data source of type typ:
// a gauge reading, or the next reading of a counter kept in *counter.
func randomReading(rng *rand.Rand, typ DSType, counter *float64) string {
	switch typ {
	case Counter, Derive:
		*counter += float64(rng.IntN(10000))
		return strconv.FormatFloat(*counter, 'f', 0, 64)
	case DCounter, DDerive:
		*counter += rng.Float64()*1000 - 100
		return strconv.FormatFloat(*counter, 'f', 3, 64)
	}
	return strconv.Itoa(rng.IntN(500))
}

// TestEveryTypeAndArchive: files rrdtool makes with every data source type
// and archive are updated byte for byte as rrdtool updates them, and Dump,
// Info and Fetch report what rrdtool dump, info and fetch print.
func TestEveryTypeAndArchive(t *testing.T) {
	needRRDTool(t)
	seed := diffSeed(t)
	n := 20
	if testing.Short() {
		n = 6
	}
	t.Logf("seed %d (replay with RRD_SEED=%d)", seed, seed)
	for i := 0; i < n; i++ {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		c := randomFullCase(rng)
		ok := t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "full.rrd")
			args := append([]string{"create", p, "--step", strconv.Itoa(c.step), "--start", strconv.FormatInt(c.start, 10)}, c.ds...)
			rrdtool(t, append(args, c.rra...)...)
			oursPath := filepath.Join(dir, "ours.rrd")
			copyFile(t, p, oursPath)
			t.Logf("create %s\nupdate %s", strings.Join(args[2:], " ")+" "+strings.Join(c.rra, " "), strings.Join(c.updates, " "))
			g, err := Open(oursPath)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			// The same calls: the Holt-Winters smoother runs at most once
			// per call.
			for k := 0; k < len(c.updates); {
				n := 1 + rng.IntN(30)
				batch := c.updates[k:min(k+n, len(c.updates))]
				k += n
				rrdtool(t, append([]string{"update", p}, batch...)...)
				var samples []Sample
				for _, arg := range batch {
					parts := strings.Split(arg, ":")
					sec, _ := strconv.ParseInt(parts[0], 10, 64)
					raw := make([]string, len(c.types))
					v := 1
					for i, typ := range c.types {
						raw[i] = "U"
						if typ != Compute {
							raw[i] = parts[v]
							v++
						}
					}
					samples = append(samples, Sample{Time: time.Unix(sec, 0), Raw: raw})
				}
				if err := g.Update(samples...); err != nil {
					t.Fatalf("Update: %v", err)
				}
			}
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(oursPath)
			if !bytes.Equal(a, b) {
				da, db := rrdtool(t, "dump", p), rrdtool(t, "dump", oursPath)
				t.Fatalf("files differ after the same updates (%s)\nrrdtool:\n%s\nrogue:\n%s", byteDiff(a, b), firstDiff(da, db), firstDiff(db, da))
			}
			f, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var ours strings.Builder
			if err := f.Dump(&ours); err != nil {
				t.Fatal(err)
			}
			if want := rrdtool(t, "dump", p); ours.String() != want {
				t.Fatalf("Dump differs from rrdtool dump:\n%s\n---\n%s", firstDiff(ours.String(), want), firstDiff(want, ours.String()))
			}
			compareInfo(t, p, f)
			last, _ := strconv.ParseInt(strings.SplitN(c.updates[len(c.updates)-1], ":", 2)[0], 10, 64)
			if lu, err := f.LastUpdate(); err != nil || lu.Unix() != last {
				t.Fatalf("LastUpdate = %v, %v; want %d", lu, err, last)
			}
			for _, cf := range append(c.cfs, Average) {
				s := c.start + rng.Int64N(last-c.start+1)
				compareFetch(t, p, f, cf, s-int64(c.step)*int64(rng.IntN(20)), last+int64(rng.IntN(3*c.step)), 0)
			}
		})
		if !ok {
			break
		}
	}
}

// TestHoltWintersLongSeries runs seasonal series through every Holt-Winters
// variant long enough for the burn-in seasons and the seasonal smoother,
// in rrdtool's and Rogue's hands, and requires identical files.
func TestHoltWintersLongSeries(t *testing.T) {
	needRRDTool(t)
	cases := []struct {
		name string
		rra  []string
	}{
		{"additive, default window (version 3)", []string{"RRA:HWPREDICT:200:0.3:0.05:48"}},
		{"multiplicative, smoothing window (version 4)", []string{"RRA:MHWPREDICT:100:0.2:0.1:12", "RRA:AVERAGE:0.5:4:50"}},
		{"explicit archives", []string{"RRA:AVERAGE:0.5:1:50", "RRA:HWPREDICT:100:0.5:0.1:24:3", "RRA:SEASONAL:24:0.3:2:smoothing-window=0.4",
			"RRA:DEVSEASONAL:24:0.3:2", "RRA:DEVPREDICT:100:4", "RRA:FAILURES:100:3:5:4"}},
	}
	if testing.Short() {
		cases = cases[2:] // every archive explicit, smoothing window
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p, ours := filepath.Join(dir, "hw.rrd"), filepath.Join(dir, "ours.rrd")
			args := []string{"create", p, "--step", "60", "--start", "1700000000", "DS:g:GAUGE:180:U:U", "DS:c:DERIVE:180:U:U"}
			rrdtool(t, append(args, c.rra...)...)
			copyFile(t, p, ours)
			f, err := Open(ours)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ts, counter := int64(1700000000), int64(0)
			var batch []string
			var samples []Sample
			for i := 0; i < 700; i++ {
				ts += 60
				if i%300 == 299 {
					ts += 600 // a gap: unknown steps, then a bulk update
				}
				g := strconv.FormatFloat(100+50*math.Sin(float64(i)*2*math.Pi/float64(12+i%3))+float64(i%7), 'f', 2, 64)
				counter += int64(1000 + (i%24)*37)
				v := []string{g, strconv.FormatInt(counter, 10)}
				if i%97 == 0 {
					v[0] = "U"
				}
				batch = append(batch, strconv.FormatInt(ts, 10)+":"+strings.Join(v, ":"))
				samples = append(samples, Sample{Time: time.Unix(ts, 0), Raw: v})
				if len(batch) >= 1+(i/7)%16 || i == 699 {
					rrdtool(t, append([]string{"update", p}, batch...)...)
					if err := f.Update(samples...); err != nil {
						t.Fatal(err)
					}
					batch, samples = batch[:0], samples[:0]
				}
			}
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(ours)
			if !bytes.Equal(a, b) {
				da, db := rrdtool(t, "dump", p), rrdtool(t, "dump", ours)
				t.Fatalf("files differ (%s)\nrrdtool:\n%s\nrogue:\n%s", byteDiff(a, b), firstDiff(da, db), firstDiff(db, da))
			}
			if !strings.Contains(rrdtool(t, "dump", ours), "<init_flag>4</init_flag>") {
				t.Fatalf("the burn-in seasons did not pass: the smoother schedule is not tested\n%s", rrdtool(t, "info", ours))
			}
		})
	}
}
