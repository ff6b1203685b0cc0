package rrdtool

import (
	"bufio"
	"fmt"
	"strconv"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// rrdFetchCFs are the consolidation functions rrdtool fetch accepts by
// name.
var rrdFetchCFs = map[string]bool{
	"AVERAGE": true, "MIN": true, "MAX": true, "LAST": true,
	"HWPREDICT": true, "MHWPREDICT": true, "SEASONAL": true,
	"DEVSEASONAL": true, "DEVPREDICT": true, "FAILURES": true,
}

// rrdFetch is "rrdtool fetch".
func rrdFetch(env *rrdEnv, args []string) int {
	opts, rest, err := rrdGetopt(args, []rrdOption{
		{"resolution", 'r', true}, {"start", 's', true}, {"end", 'e', true},
		{"align-start", 'a', false}, rrdDaemonOption,
	})
	if err != nil {
		return env.usageError("%v", err)
	}
	startSpec, _ := parseRRDTime("end-24h", env.now, env.loc)
	endSpec, _ := parseRRDTime("now", env.now, env.loc)
	var resolution uint64 = 1
	align := false
	for _, o := range opts {
		switch o.short {
		case 's':
			if startSpec, err = parseRRDTime(o.arg, env.now, env.loc); err != nil {
				return env.fail("start time: %v", err)
			}
		case 'e':
			if endSpec, err = parseRRDTime(o.arg, env.now, env.loc); err != nil {
				return env.fail("end time: %v", err)
			}
		case 'a':
			align = true
		case 'r':
			if resolution, err = rrdScaledDuration(o.arg, 1); err != nil {
				return env.fail("resolution: %v", err)
			}
			if resolution > rrdMaxCount {
				return env.fail("resolution: value too large")
			}
		case 'd':
			return env.fail(rrdErrNoDaemon)
		}
	}
	start, end, err := rrdStartEnd(startSpec, endSpec, env.loc)
	if err != nil {
		return env.fail("%v", err)
	}
	if start < 3600*24*365*10 {
		return env.fail("the first entry to fetch should be after 1980")
	}
	if align {
		delta := start % int64(resolution)
		start -= delta
		end -= delta
	}
	if end < start {
		return env.fail("start (%d) should be less than end (%d)", start, end)
	}
	if len(rest) < 2 {
		return env.usageError("Usage: rrdtool fetch <file> <CF> [options]")
	}
	path, cf := rest[0], rest[1]
	if !rrdFetchCFs[cf] {
		return env.fail("unknown consolidation function '%s'", cf)
	}
	f, err := openRRD(path)
	if err != nil {
		return env.fail("%v", err)
	}
	defer f.Close()
	// Stream the rows: a window may hold more rows than fit in memory.
	w := bufio.NewWriterSize(env.io.Out, 64<<10)
	var line []byte
	err = f.FetchStream(rrd.CF(cf), time.Unix(start, 0), time.Unix(end, 0),
		time.Duration(resolution)*time.Second,
		func(res *rrd.Result) error {
			rrdWriteFetchHeader(w, res.DS)
			return nil
		},
		func(_ int64, t time.Time, values []float64) error {
			line = rrdAppendFetchRow(line[:0], t.Unix(), values)
			_, err := w.Write(line)
			return err
		})
	if err != nil {
		// Nothing was printed unless the output failed (the engine checks
		// the window before the first row): rrdtool prints no rows either.
		return env.fail("%s", rrdEngineMessage(err, path))
	}
	if err := w.Flush(); err != nil {
		return env.fail("writing output: %v", err)
	}
	return 0
}

// rrdWriteFetchHeader prints the data source line of rrdtool fetch.
func rrdWriteFetchHeader(w *bufio.Writer, names []string) {
	w.WriteString("           ")
	for _, name := range names {
		fmt.Fprintf(w, "%20s", name)
	}
	w.WriteString("\n\n")
}

// rrdAppendFetchRow appends one row as rrdtool fetch prints it.
func rrdAppendFetchRow(line []byte, ti int64, values []float64) []byte {
	if n := len(strconv.FormatInt(ti, 10)); n < 10 { // %10lu
		line = append(line, "          "[:10-n]...)
	}
	line = strconv.AppendInt(line, ti, 10)
	line = append(line, ':')
	for _, v := range values {
		line = append(line, ' ')
		line = rrdAppendC(line, v)
	}
	return append(line, '\n')
}
