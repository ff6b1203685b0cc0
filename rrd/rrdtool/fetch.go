package rrdtool

import (
	"bufio"
	"fmt"
	"strconv"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// rrdFetchCFs are the consolidation functions rrdtool fetch accepts by
// name (the Holt-Winters ones exist in rrdtool but never in our files).
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
	if rrdHWCFs[cf] { // rrdtool knows the name, but our files never have such archives
		return env.fail("the RRD does not contain an RRA matching the chosen CF")
	}
	res, err := f.Fetch(rrd.CF(cf), time.Unix(start, 0), time.Unix(end, 0),
		time.Duration(resolution)*time.Second)
	if err != nil {
		return env.fail("%s", rrdEngineMessage(err, path))
	}
	w := bufio.NewWriter(env.io.Out)
	rrdWriteFetch(w, res)
	if err := w.Flush(); err != nil {
		return env.fail("writing output: %v", err)
	}
	return 0
}

// rrdWriteFetch prints a fetch result exactly as rrdtool fetch does.
func rrdWriteFetch(w *bufio.Writer, res *rrd.Result) {
	w.WriteString("           ")
	for _, name := range res.DS {
		fmt.Fprintf(w, "%20s", name)
	}
	w.WriteString("\n\n")
	step := int64(res.Step / time.Second)
	if step <= 0 {
		return
	}
	var line []byte
	i := 0
	for ti := res.Start.Unix() + step; ti <= res.End.Unix(); ti += step {
		line = line[:0]
		if n := len(strconv.FormatInt(ti, 10)); n < 10 { // %10lu
			line = append(line, "          "[:10-n]...)
		}
		line = strconv.AppendInt(line, ti, 10)
		line = append(line, ':')
		for j := range res.DS {
			v := rrdDNaN() // rrdtool prints whatever its buffer holds; ours is unknown
			if i < len(res.Rows) && j < len(res.Rows[i]) {
				v = res.Rows[i][j]
			}
			line = append(line, ' ')
			line = rrdAppendC(line, v)
		}
		line = append(line, '\n')
		w.Write(line)
		i++
	}
}
