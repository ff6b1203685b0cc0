package rrdtool

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// rrdDNaN is rrdtool's unknown value on x86-64 Linux: the default NaN of
// 0.0/0.0 there has its sign bit set, which glibc prints as "-nan".
func rrdDNaN() float64 { return math.Float64frombits(0xfff8000000000000) }

// rrdInfo is "rrdtool info".
func rrdInfo(env *rrdEnv, args []string) int {
	path, info, code, ok := rrdFileInfo(env, args, []rrdOption{rrdDaemonOption, {"noflush", 'F', false}},
		"Usage: rrdtool info [--daemon |-d <addr> [--noflush|-F]] <file>")
	if !ok {
		return code
	}
	info.Filename = path // as given on the command line, like rrdtool
	w := bufio.NewWriter(env.io.Out)
	rrdWriteInfo(w, info)
	if err := w.Flush(); err != nil {
		return env.fail("writing output: %v", err)
	}
	return 0
}

// rrdFileInfo is the start of the commands that show one file's state
// (info, lastupdate): it parses args with options (rrdDaemonOption among
// them: there is no daemon, so --daemon fails), wants exactly one file,
// given as usage says, and reads its Info. When ok is false the error has
// been reported and code is the exit status.
func rrdFileInfo(env *rrdEnv, args []string, options []rrdOption, usage string) (path string, info *rrd.Info, code int, ok bool) {
	opts, rest, err := rrdGetopt(args, options)
	if err != nil {
		return "", nil, env.usageError("%v", err), false
	}
	for _, o := range opts {
		if o.short == 'd' {
			return "", nil, env.fail(rrdErrNoDaemon), false
		}
	}
	if len(rest) != 1 {
		return "", nil, env.usageError("%s", usage), false
	}
	path = rest[0]
	f, err := openRRD(path)
	if err != nil {
		return "", nil, env.fail("%v", err), false
	}
	defer f.Close()
	info, err = f.Info()
	if err != nil {
		return "", nil, env.fail("%s", rrdEngineMessage(err, path)), false
	}
	return path, info, 0, true
}

// rrdWriteInfo prints a file's state exactly as rrdtool info does.
func rrdWriteInfo(w io.Writer, in *rrd.Info) {
	str := func(k, v string) { fmt.Fprintf(w, "%s = \"%s\"\n", k, v) }
	cnt := func(k string, v int64) { fmt.Fprintf(w, "%s = %d\n", k, v) }
	val := func(k string, v float64) {
		if math.IsNaN(v) {
			fmt.Fprintf(w, "%s = NaN\n", k)
			return
		}
		fmt.Fprintf(w, "%s = %s\n", k, rrdFormatC(v))
	}
	str("filename", in.Filename)
	str("rrd_version", in.Version)
	cnt("step", int64(in.Step/time.Second))
	cnt("last_update", in.LastUpdate.Unix())
	cnt("header_size", in.HeaderSize)
	for i, ds := range in.DS {
		k := "ds[" + ds.Name + "]."
		cnt(k+"index", int64(i))
		str(k+"type", string(ds.Type))
		if ds.Type == rrd.Compute {
			str(k+"cdef", ds.CDEF)
		} else {
			cnt(k+"minimal_heartbeat", int64(ds.Heartbeat/time.Second))
			val(k+"min", ds.Min)
			val(k+"max", ds.Max)
		}
		str(k+"last_ds", ds.LastDS)
		val(k+"value", ds.Value)
		cnt(k+"unknown_sec", int64(ds.UnknownSec))
	}
	for i, rra := range in.RRA {
		k := fmt.Sprintf("rra[%d].", i)
		str(k+"cf", string(rra.CF))
		cnt(k+"rows", int64(rra.Rows))
		cnt(k+"cur_row", int64(rra.CurRow))
		cnt(k+"pdp_per_row", int64(rra.Steps))
		switch rra.CF {
		case rrd.HWPredict, rrd.MHWPredict:
			val(k+"alpha", rra.Alpha)
			val(k+"beta", rra.Beta)
		case rrd.Seasonal, rrd.DevSeasonal:
			val(k+"gamma", rra.Gamma)
			if in.Version >= "0004" {
				val(k+"smoothing_window", rra.SmoothingWindow)
			}
		case rrd.Failures:
			val(k+"delta_pos", rra.DeltaPos)
			val(k+"delta_neg", rra.DeltaNeg)
			cnt(k+"failure_threshold", int64(rra.Threshold))
			cnt(k+"window_length", int64(rra.Window))
		case rrd.DevPredict:
		default:
			val(k+"xff", rra.XFF)
		}
		for j, cdp := range rra.CDP {
			kk := fmt.Sprintf("%scdp_prep[%d].", k, j)
			switch rra.CF {
			case rrd.HWPredict, rrd.MHWPredict:
				val(kk+"intercept", cdp.Intercept)
				val(kk+"slope", cdp.Slope)
				cnt(kk+"NaN_count", int64(cdp.NaNCount))
			case rrd.Seasonal:
				val(kk+"seasonal", cdp.Seasonal)
			case rrd.DevSeasonal:
				val(kk+"deviation", cdp.Deviation)
			case rrd.Failures:
				str(kk+"history", cdp.History)
			case rrd.DevPredict:
			default:
				val(kk+"value", cdp.Value)
				cnt(kk+"unknown_datapoints", int64(cdp.UnknownDatapoints))
			}
		}
	}
}

// rrdLast is "rrdtool last".
func rrdLast(env *rrdEnv, args []string) int {
	// rrdtool prints -1 when it cannot tell; scripts may rely on it.
	failed := func(code int) int {
		fmt.Fprintln(env.io.Out, -1)
		return code
	}
	opts, rest, err := rrdGetopt(args, []rrdOption{rrdDaemonOption})
	if err != nil {
		return failed(env.usageError("%v", err))
	}
	for _, o := range opts {
		if o.short == 'd' {
			return failed(env.fail(rrdErrNoDaemon))
		}
	}
	if len(rest) != 1 {
		return failed(env.usageError("Usage: rrdtool last [--daemon|-d <addr>] <file>"))
	}
	f, err := openRRD(rest[0])
	if err != nil {
		return failed(env.fail("%v", err))
	}
	defer f.Close()
	t, err := f.LastUpdate()
	if err != nil {
		return failed(env.fail("%s", rrdEngineMessage(err, rest[0])))
	}
	fmt.Fprintln(env.io.Out, t.Unix())
	return 0
}

const rrdUsageDumpError = "usage rrdtool dump [--header|-h {none,xsd,dtd}]\n[--no-header|-n]\n[--daemon|-d address]\nfile.rrd [file.xml]"

// rrdDump is "rrdtool dump". It streams: memory does not grow with the
// file.
func rrdDump(env *rrdEnv, args []string) int {
	opts, rest, err := rrdGetopt(args, []rrdOption{
		rrdDaemonOption, {"header", 'h', true}, {"no-header", 'n', false},
	})
	if err != nil {
		return env.usageError("%v", err)
	}
	header := rrd.HeaderDTD
	for _, o := range opts {
		switch o.short {
		case 'd':
			return env.fail(rrdErrNoDaemon)
		case 'n':
			header = rrd.HeaderNone
		case 'h':
			switch o.arg {
			case "dtd":
				header = rrd.HeaderDTD
			case "xsd":
				header = rrd.HeaderXSD
			case "none":
				header = rrd.HeaderNone
			} // rrdtool ignores other values
		}
	}
	if len(rest) < 1 || len(rest) > 2 {
		return env.usageError(rrdUsageDumpError)
	}
	f, err := openRRD(rest[0])
	if err != nil {
		return env.fail("%v", err)
	}
	defer f.Close()
	if len(rest) == 2 {
		var dumpErr error
		err := rrdWriteFileAtomic(rest[1], func(w io.Writer) error {
			dumpErr = f.DumpHeader(w, header)
			return dumpErr
		})
		switch {
		case dumpErr != nil:
			return env.fail("%s", rrdEngineMessage(dumpErr, rest[0]))
		case err != nil:
			return env.fail("cannot write %s: %v", rest[1], err)
		}
		return 0
	}
	if err := f.DumpHeader(env.io.Out, header); err != nil {
		return env.fail("%s", rrdEngineMessage(err, rest[0]))
	}
	return 0
}

// rrdLastupdate is "rrdtool lastupdate".
func rrdLastupdate(env *rrdEnv, args []string) int {
	_, info, code, ok := rrdFileInfo(env, args, []rrdOption{rrdDaemonOption},
		"Usage: rrdtool lastupdate [--daemon|-d <addr>] <file>")
	if !ok {
		return code
	}
	w := bufio.NewWriter(env.io.Out)
	for _, ds := range info.DS {
		fmt.Fprintf(w, " %s", ds.Name)
	}
	fmt.Fprintf(w, "\n\n%10d:", info.LastUpdate.Unix())
	for _, ds := range info.DS {
		fmt.Fprintf(w, " %s", ds.LastDS)
	}
	w.WriteString("\n")
	if err := w.Flush(); err != nil {
		return env.fail("writing output: %v", err)
	}
	return 0
}

// rrdFirst is "rrdtool first".
func rrdFirst(env *rrdEnv, args []string) int {
	failed := func(code int) int { // like last, rrdtool prints -1 on failure
		fmt.Fprintln(env.io.Out, -1)
		return code
	}
	const rraIndexOpt = 0 // --rraindex has no short form
	opts, rest, err := rrdGetopt(args, []rrdOption{rrdDaemonOption, {"rraindex", rraIndexOpt, true}})
	if err != nil {
		return failed(env.usageError("%v", err))
	}
	index := 0
	for _, o := range opts {
		switch o.short {
		case 'd':
			return failed(env.fail(rrdErrNoDaemon))
		case rraIndexOpt:
			if index = int(int32(cStrtol(o.arg))); index < 0 {
				return failed(env.fail("invalid rraindex number"))
			}
		}
	}
	if len(rest) < 1 {
		return failed(env.usageError("usage rrdtool first [--rraindex number] [--daemon|-d <addr>] file.rrd"))
	}
	path := rest[0]
	f, err := openRRD(path)
	if err != nil {
		return failed(env.fail("%v", err))
	}
	defer f.Close()
	def := f.Definition()
	last, err := f.LastUpdate()
	if err != nil {
		return failed(env.fail("%s", rrdEngineMessage(err, path)))
	}
	if index >= len(def.RRA) {
		return failed(env.fail("invalid rraindex number"))
	}
	rra := def.RRA[index]
	span := int64(rra.Steps) * int64(def.Step/time.Second)
	if span <= 0 {
		return failed(env.fail("'%s' has an archive without a time span", path))
	}
	t := last.Unix()
	fmt.Fprintln(env.io.Out, t-t%span-int64(rra.Rows-1)*span)
	return 0
}

// cStrtol is C's strtol(s, NULL, 0): optional blanks and sign, then a
// hexadecimal (0x), octal (0) or decimal number, up to the first character
// that does not fit; saturating.
func cStrtol(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := int64(10)
	switch {
	case i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && rrdHexDigit(s[i+2]) >= 0:
		base, i = 16, i+2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	var v int64
	for ; i < len(s); i++ {
		d := int64(rrdHexDigit(s[i]))
		if d < 0 || d >= base {
			break
		}
		if v > (math.MaxInt64-d)/base {
			v = math.MaxInt64
			continue
		}
		v = v*base + d
	}
	if neg {
		return -v
	}
	return v
}

func rrdHexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
