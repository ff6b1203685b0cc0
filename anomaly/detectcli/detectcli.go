package detectcli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/anomaly"
	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// Command is `rogue detect`. The zero Command works; DefaultPrefix, when
// set, supplies the folder of the RRD files for a metric name given without
// --prefix.
type Command struct {
	DefaultPrefix func() (string, error)
}

// Run runs `rogue detect` with a zero Command.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return Command{}.Run(ctx, args, stdin, stdout, stderr)
}

const usage = `Usage:
  rogue detect [flags] FILE.csv     score a CSV file ("-" reads standard input)
  rogue detect --rrd FILE.rrd       score the AVERAGE history of an RRD file
  rogue detect [--prefix DIR] NAME  score the metric NAME (DIR/NAME.rrd)

Runs Rogue's streaming anomaly detector over a series and prints
"timestamp,value,anomaly_score", one row per input row, in order. Each score
depends only on the rows up to its own; %v and above is anomalous (the
threshold chosen on the Numenta Anomaly Benchmark).

A CSV file has a header naming the columns "timestamp" and "value" (other
columns are ignored). Timestamps are "YYYY-MM-DD HH:MM:SS" (UTC, as in NAB)
or Unix seconds, possibly fractional; a value of "nan", "U" or nothing is
unknown: it is printed with the running score and does not affect the
detector.

Flags:
`

// Run executes the command with args (after "detect") and returns the exit
// status: 0 success, 1 failure, 2 usage error.
func (c Command) Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rogue detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rrdPath := fs.String("rrd", "", "score the RRD `file` instead of a CSV file")
	prefix := fs.String("prefix", "", "`folder` of the RRD files for a metric NAME (default: Rogue's data folder)")
	stats := fs.Bool("stats", false, "print the number of rows and the rows per second (reading, scoring, writing; not the process start) on standard error")
	fs.Usage = func() {
		fmt.Fprintf(stderr, usage, anomaly.Threshold)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "rogue detect: "+format+"\n", a...)
		return 2
	}
	out := bufio.NewWriter(stdout)
	var err error
	var rows int
	start := time.Now()
	switch {
	case *rrdPath != "":
		if fs.NArg() > 0 {
			return bad("--rrd takes no other argument (got %q)", fs.Arg(0))
		}
		if *prefix != "" {
			return bad("--rrd and --prefix exclude each other")
		}
		rows, err = detectRRD(ctx, *rrdPath, out)
	case fs.NArg() > 1 && len(fs.Arg(1)) > 1 && fs.Arg(1)[0] == '-':
		return bad("flags go before the file: rogue detect %s %s", fs.Arg(1), fs.Arg(0))
	case fs.NArg() != 1:
		return bad("want one FILE.csv, \"-\", or a metric NAME (see rogue detect -h)")
	case *prefix != "" || isMetricName(fs.Arg(0)) && !fileExists(fs.Arg(0)):
		name := fs.Arg(0)
		if !isMetricName(name) {
			return bad("%q is not a metric name", name)
		}
		dir := *prefix
		if dir == "" {
			if c.DefaultPrefix == nil {
				return bad("a metric name needs --prefix DIR")
			}
			if dir, err = c.DefaultPrefix(); err != nil {
				fmt.Fprintf(stderr, "rogue detect: %v\n", err)
				return 1
			}
		}
		path := filepath.Join(dir, name+".rrd")
		if _, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
			if _, known := metric.Lookup(name); !known {
				fmt.Fprintf(stderr, "rogue detect: %s is neither a file nor a metric; the metrics are %s\n", name, metricNames())
				return 2
			}
			fmt.Fprintf(stderr, "rogue detect: no RRD file for %s in %s (give --prefix, or run Rogue first)\n", name, dir)
			return 1
		}
		rows, err = detectRRD(ctx, path, out)
	default:
		name := fs.Arg(0)
		in := stdin
		if name == "-" {
			name = "standard input"
		} else {
			f, ferr := os.Open(name)
			if ferr != nil {
				fmt.Fprintf(stderr, "rogue detect: %v\n", ferr)
				return 1
			}
			defer f.Close()
			in = f
		}
		rows, err = detectCSV(ctx, name, in, out, stderr)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write: %w", ferr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rogue detect: %v\n", err)
		return 1
	}
	if *stats {
		el := time.Since(start)
		fmt.Fprintf(stderr, "rogue detect: %d rows in %.6f s: %.0f rows/s\n", rows, el.Seconds(), float64(rows)/max(el.Seconds(), 1e-9))
	}
	return 0
}

// isMetricName reports whether s looks like a metric (an RRD data source
// name) rather than a file: a letter, then letters, digits, '_' and '-'.
func isMetricName(s string) bool {
	if s == "" || len(s) > 19 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// metricNames lists Rogue's metric names for messages.
func metricNames() string {
	names := make([]string, len(metric.All))
	for i, m := range metric.All {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// ErrBadInput is wrapped by every error about the content of a CSV input.
var ErrBadInput = errors.New("bad input")

// detectCSV scores the CSV rows of in, named name in errors, and returns
// the number of rows scored. The first timestamp that does not move
// forward gets one warning on warn; the rows are scored all the same.
func detectCSV(ctx context.Context, name string, in io.Reader, out *bufio.Writer, warn io.Writer) (int, error) {
	r := csv.NewReader(bufio.NewReader(in))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return 0, fmt.Errorf("%s: %w: empty, want a \"timestamp,value\" header", name, ErrBadInput)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w: %w", name, ErrBadInput, err)
	}
	tcol, vcol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "timestamp":
			tcol = i
		case "value":
			vcol = i
		}
	}
	if tcol < 0 || vcol < 0 {
		var missing []string
		if tcol < 0 {
			missing = append(missing, `"timestamp"`)
		}
		if vcol < 0 {
			missing = append(missing, `"value"`)
		}
		return 0, fmt.Errorf("%s line 1: %w: header %q has no %s column (columns are separated by commas)", name, ErrBadInput, strings.Join(header, ","), strings.Join(missing, " or "))
	}
	out.WriteString("timestamp,value,anomaly_score\n")
	d := anomaly.New(anomaly.Config{})
	var buf []byte
	var prev int64
	warned := false
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return n, ctx.Err()
		}
		rec, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w: %w", name, ErrBadInput, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) <= max(tcol, vcol) {
			return 0, fmt.Errorf("%s line %d: %w: %d columns, want at least %d", name, line, ErrBadInput, len(rec), max(tcol, vcol)+1)
		}
		ts, vs := strings.TrimSpace(rec[tcol]), strings.TrimSpace(rec[vcol])
		t, err := parseTime(ts)
		if err != nil {
			return 0, fmt.Errorf("%s line %d: %w: %w", name, line, ErrBadInput, err)
		}
		v, err := parseValue(vs)
		if err != nil {
			return 0, fmt.Errorf("%s line %d: %w: %w", name, line, ErrBadInput, err)
		}
		if n > 0 && t <= prev && !warned {
			what := "goes back"
			if t == prev {
				what = "repeats"
			}
			fmt.Fprintf(warn, "rogue detect: warning: %s line %d: timestamp %s %s (rows should be in time order); scoring on\n", name, line, ts, what)
			warned = true
		}
		prev = t
		s := d.Update(t, v)
		buf = append(buf[:0], ts...)
		buf = append(buf, ',')
		buf = append(buf, vs...)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, s, 'f', -1, 64)
		buf = append(buf, '\n')
		if _, err := out.Write(buf); err != nil {
			return 0, fmt.Errorf("write: %w", err)
		}
	}
}

const nabLayout = "2006-01-02 15:04:05"

// parseTime reads a NAB timestamp (UTC) or Unix seconds and returns Unix
// seconds.
func parseTime(s string) (int64, error) {
	if strings.ContainsAny(s, "-:") && len(s) >= len(nabLayout) {
		t, err := time.Parse(nabLayout, s)
		if err != nil {
			// NAB's label files add microseconds; accept them too.
			t, err = time.Parse(nabLayout+".999999999", s)
		}
		if err != nil {
			return 0, fmt.Errorf("timestamp %q is neither \"YYYY-MM-DD HH:MM:SS\" nor Unix seconds", s)
		}
		return t.Unix(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return 0, fmt.Errorf("timestamp %q is neither \"YYYY-MM-DD HH:MM:SS\" nor Unix seconds", s)
	}
	return int64(math.Floor(f)), nil
}

// parseValue reads a number; "", "nan" and "U" are unknown (NaN).
func parseValue(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "", "nan", "-nan", "u":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	return v, nil
}

// detectRRD scores the finest AVERAGE archive of the RRD file at path over
// its whole retention and returns the number of rows scored.
func detectRRD(ctx context.Context, path string, out *bufio.Writer) (int, error) {
	f, err := rrd.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Info()
	if err != nil {
		return 0, err
	}
	best := -1
	for i, a := range info.RRA {
		if a.CF == rrd.Average && (best < 0 || a.Steps < info.RRA[best].Steps) {
			best = i
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("%s: no AVERAGE archive", path)
	}
	if len(info.DS) != 1 {
		return 0, fmt.Errorf("%s: %d data sources, want one", path, len(info.DS))
	}
	a := info.RRA[best]
	res := info.Step * time.Duration(a.Steps)
	end := info.LastUpdate
	start := end.Add(-res * time.Duration(a.Rows))
	r, err := f.Fetch(rrd.Average, start, end, res)
	if err != nil {
		return 0, err
	}
	out.WriteString("timestamp,value,anomaly_score\n")
	d := anomaly.New(anomaly.Config{})
	var buf []byte
	for i, row := range r.Rows {
		if i%4096 == 0 && ctx.Err() != nil {
			return i, ctx.Err()
		}
		t := r.Time(i).Unix()
		if t > end.Unix() {
			return i, nil // rrdtool's fetch adds a row past the last update
		}
		v := row[0]
		s := d.Update(t, v)
		buf = strconv.AppendInt(buf[:0], t, 10)
		buf = append(buf, ',')
		if math.IsNaN(v) {
			buf = append(buf, "nan"...)
		} else {
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		}
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, s, 'f', -1, 64)
		buf = append(buf, '\n')
		if _, err := out.Write(buf); err != nil {
			return 0, fmt.Errorf("write: %w", err)
		}
	}
	return len(r.Rows), nil
}
