package rrd

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// FuzzOpen opens mutated files (seeded with small files made by rrdtool,
// testdata/fuzz/FuzzOpen) and uses every reader and Update on those Open
// accepts: nothing may panic, and Open may not allocate much more than
// the file's own size whatever its header claims.
func FuzzOpen(f *testing.F) {
	f.Add(mustRead(f, newTestFile(f)))
	// and one with every data source type and Holt-Winters archives
	every := filepath.Join(f.TempDir(), "every.rrd")
	err := Create(every, Definition{Step: time.Minute, Start: time.Unix(1700000000, 0),
		DS: []DS{
			{Name: "g", Type: Gauge, Heartbeat: 2 * time.Minute, Min: math.NaN(), Max: math.NaN()},
			{Name: "dc", Type: DCounter, Heartbeat: 2 * time.Minute, Min: 0, Max: math.NaN()},
			{Name: "sum", Type: Compute, CDEF: "g,dc,ADDNAN,2,/"},
		},
		RRA: []RRA{{CF: Average, XFF: 0.5, Steps: 2, Rows: 4}, {CF: HWPredict, Rows: 6, Alpha: 0.5, Beta: 0.1, Period: 3}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mustRead(f, every))
	// One path for all inputs: a process runs its inputs one at a time.
	p := filepath.Join(f.TempDir(), "f.rrd")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// TotalAlloc counts the whole process; the least of a few
		// attempts is free of whatever the fuzzing engine allocates.
		var ms runtime.MemStats
		var r *File
		var err error
		grew, limit := uint64(math.MaxUint64), uint64(8*len(data)+64<<10)
		for try := 0; try < 3 && grew > limit; try++ {
			if r != nil {
				r.Close()
			}
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			r, err = Open(p)
			runtime.ReadMemStats(&ms)
			grew = min(grew, ms.TotalAlloc-before)
		}
		if grew > limit {
			// TotalAlloc also counts other goroutines (the fuzzing engine,
			// the runtime); count exactly what Open itself allocates
			// before calling it a failure.
			if r != nil {
				r.Close()
				r = nil
			}
			grew, r, err = openAllocs(p)
		}
		if grew > limit {
			t.Fatalf("Open of a %d-byte file allocated %d bytes", len(data), grew)
		}
		if err != nil {
			return
		}
		defer r.Close()
		def := r.Definition()
		if _, err := r.Info(); err != nil {
			t.Logf("Info: %v", err)
		}
		if _, err := r.LastUpdate(); err != nil {
			t.Logf("LastUpdate: %v", err)
		}
		last := def.Start
		step := int64(def.Step / time.Second)
		for _, cf := range []CF{Average, Min, Max, Last, HWPredict, Failures} {
			for _, w := range [][2]int64{{-10, 0}, {-3, 5}} {
				r.Fetch(cf, time.Unix(last.Unix()+w[0]*step, 0), time.Unix(last.Unix()+w[1]*step, 0), def.Step)
			}
		}
		if err := r.Dump(io.Discard); err != nil {
			t.Logf("Dump: %v", err)
		}
		fuzzPrefill(t, r, def)
		vals := make([]float64, len(def.DS))
		raw := make([]string, len(def.DS))
		for i := range raw {
			raw[i] = "12345678901234567890"
		}
		r.Update(Sample{Time: time.Unix(last.Unix()+step, 0), Values: vals}, Sample{Time: time.Unix(last.Unix()+5*step, 0), Raw: raw})
	})
}

// fuzzPrefill prefills a small new file, in memory, from r: one GAUGE of
// each of r's names and one more mapped to r's first, in archives finer
// and coarser than r's.
func fuzzPrefill(t *testing.T, r *File, def Definition) {
	src, err := r.snapshot()
	if err != nil {
		return
	}
	newDef := Definition{Step: def.Step, Start: def.Start, RRA: []RRA{
		{CF: Average, XFF: 0.5, Steps: 1, Rows: 10}, {CF: Max, XFF: 0.5, Steps: 3, Rows: 5}, {CF: Last, XFF: 0, Steps: 2, Rows: 4},
	}}
	for _, d := range def.DS {
		newDef.DS = append(newDef.DS, DS{Name: d.Name, Type: Gauge, Heartbeat: 2 * def.Step, Min: math.NaN(), Max: math.NaN()})
	}
	mapping := map[string]SourceDS{}
	if len(def.DS) > 0 {
		newDef.DS = append(newDef.DS, DS{Name: "zz-mapped", Type: Gauge, Heartbeat: 2 * def.Step, Min: math.NaN(), Max: math.NaN()})
		mapping["zz-mapped"] = SourceDS{Name: def.DS[0].Name, Index: 1}
	}
	step, start, err := checkDefinition(newDef, &templateDefs{})
	if err != nil {
		return
	}
	hdr, l, err := encodeHeader(newDef, step, start, "new.rrd", &templateDefs{})
	if err != nil {
		return
	}
	if _, err := prefill(l, hdr, []*pfFile{src, src}, mapping); err != nil {
		t.Logf("prefill: %v", err)
	}
}

// openAllocs opens path with every allocation recorded in the heap
// profile and returns the bytes allocated by calls made from Open itself,
// whichever goroutine ran meanwhile.
func openAllocs(path string) (uint64, *File, error) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	// The profile is published by garbage collections: two publish
	// everything allocated so far, before and after.
	runtime.GC()
	runtime.GC()
	before := openProfileBytes()
	r, err := Open(path)
	runtime.GC()
	runtime.GC()
	return openProfileBytes() - before, r, err
}

// openProfileBytes sums the heap profile's allocated bytes over the records
// whose stack passes through Open.
func openProfileBytes() uint64 {
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	var sum uint64
	for _, rec := range recs {
		frames := runtime.CallersFrames(rec.Stack())
		for {
			fr, more := frames.Next()
			if fr.Function == openFunc {
				sum += uint64(rec.AllocBytes)
				break
			}
			if !more {
				break
			}
		}
	}
	return sum
}

// openFunc is Open's name in stack traces.
var openFunc = runtime.FuncForPC(reflect.ValueOf(Open).Pointer()).Name()

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
