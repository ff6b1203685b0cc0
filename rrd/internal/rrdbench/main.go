// Command rrdbench is the Rogue side of bench/rrd.sh. With -gen it writes
// a deterministic stream of rrdtool batch-mode commands ("update FILE
// TS:V ...", one line per call); with -apply it reads such a stream and
// applies every command with the rrd package, keeping the files open the
// way the agent does, and prints how long that took. With -fill FILE it
// writes a deterministic pattern of values (some unknown) into every row of
// an existing file, so that the dump and fetch benchmarks format numbers.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

func main() {
	log.SetFlags(0)
	gen := flag.Bool("gen", false, "write update commands to stdout")
	apply := flag.Bool("apply", false, "apply update commands from stdin with Rogue")
	files := flag.Int("files", 13, "number of files (f00.rrd ...)")
	updates := flag.Int("updates", 1000000, "total samples")
	batch := flag.Int("batch", 1, "samples per update command")
	start := flag.Int64("start", 1700000000, "time of the files' creation")
	fill := flag.String("fill", "", "fill the rows of this RRD file with values")
	flag.Parse()
	switch {
	case *fill != "":
		if err := fillRows(*fill); err != nil {
			log.Fatal(err)
		}
	case *gen:
		if err := generate(os.Stdout, *files, *updates, *batch, *start); err != nil {
			log.Fatal(err)
		}
	case *apply:
		n, d, err := run(os.Stdin)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %.6f\n", n, d.Seconds())
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// generate writes the commands: sample k goes to file k mod files, one
// sample per step (60 s) per file, like the agent; GAUGE files (even) get
// percentages, DERIVE files (odd) a growing byte counter.
func generate(w io.Writer, files, updates, batch int, start int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	perFile := (updates + files - 1) / files
	counter := make([]uint64, files)
	pending := make([][]string, files)
	flush := func(i int) {
		if len(pending[i]) == 0 {
			return
		}
		fmt.Fprintf(bw, "update f%02d.rrd %s\n", i, strings.Join(pending[i], " "))
		pending[i] = pending[i][:0]
	}
	done := 0
	for step := 1; step <= perFile && done < updates; step++ {
		ts := start + int64(step)*60
		for i := 0; i < files && done < updates; i++ {
			var v string
			if i%2 == 0 {
				v = fmt.Sprintf("%.2f", float64((step*7+i*13)%10000)/100)
			} else {
				counter[i] += uint64(4096 * ((step*31 + i) % 977))
				v = fmt.Sprint(counter[i])
			}
			pending[i] = append(pending[i], fmt.Sprintf("%d:%s", ts, v))
			if len(pending[i]) == batch {
				flush(i)
			}
			done++
		}
	}
	for i := range pending {
		flush(i)
	}
	return bw.Flush()
}

// run applies the commands and returns the number of samples and the
// time taken (reading and parsing included, as rrdtool's is).
func run(r io.Reader) (int, time.Duration, error) {
	open := map[string]*rrd.File{}
	defer func() {
		for _, f := range open {
			f.Close()
		}
	}()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var samples []rrd.Sample
	raws := make([]string, 0, 1024)
	n := 0
	t0 := time.Now()
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[0] != "update" {
			return n, 0, fmt.Errorf("bad command %q", sc.Text())
		}
		f := open[fields[1]]
		if f == nil {
			var err error
			if f, err = rrd.Open(fields[1]); err != nil {
				return n, 0, err
			}
			open[fields[1]] = f
		}
		samples, raws = samples[:0], raws[:0]
		for _, arg := range fields[2:] {
			parts := strings.Split(arg, ":")
			ts, err := parseTime(parts[0])
			if err != nil {
				return n, 0, err
			}
			start := len(raws)
			raws = append(raws, parts[1:]...)
			samples = append(samples, rrd.Sample{Time: ts, Raw: raws[start:len(raws):len(raws)]})
		}
		if err := f.Update(samples...); err != nil {
			return n, 0, err
		}
		n += len(samples)
	}
	return n, time.Since(t0), sc.Err()
}

func parseTime(s string) (time.Time, error) {
	var sec int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return time.Time{}, fmt.Errorf("bad time %q", s)
		}
		sec = sec*10 + int64(c-'0')
	}
	return time.Unix(sec, 0), nil
}

// fillRows overwrites the rows of path (which follow the header and end the
// file) with a pattern of values, every 17th unknown.
func fillRows(path string) error {
	f, err := rrd.Open(path)
	if err != nil {
		return err
	}
	def := f.Definition()
	f.Close()
	var values int64
	for _, r := range def.RRA {
		values += int64(r.Rows) * int64(len(def.DS))
	}
	osf, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer osf.Close()
	fi, err := osf.Stat()
	if err != nil {
		return err
	}
	off := fi.Size() - values*8
	bw := bufio.NewWriterSize(io.NewOffsetWriter(osf, off), 1<<20)
	var b [8]byte
	for i := int64(0); i < values; i++ {
		v := float64(i%100003) * 0.37
		if i%17 == 0 {
			v = math.NaN()
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}
