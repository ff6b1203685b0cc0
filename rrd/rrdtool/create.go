package rrdtool

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// rrdMaxCount bounds steps and rows so that they fit the engine's int
// fields on every platform; no real archive comes near it.
const rrdMaxCount = math.MaxInt32

// rrdCreate is "rrdtool create".
func rrdCreate(env *rrdEnv, args []string) int {
	opts, rest, err := rrdGetopt(args, []rrdOption{
		{"start", 'b', true}, {"step", 's', true}, rrdDaemonOption,
		{"source", 'r', true}, {"template", 't', true}, {"no-overwrite", 'O', false},
	})
	if err != nil {
		return env.usageError("%v", err)
	}
	var (
		start       time.Time
		step        uint64
		noOverwrite bool
		template    string
		sources     []string
	)
	for _, o := range opts {
		switch o.short {
		case 'b':
			ts, err := parseRRDTime(o.arg, env.now, env.loc)
			if err != nil {
				return env.fail("start time: %v", err)
			}
			if ts.Ref == tsStart || ts.Ref == tsEnd {
				return env.fail("specifying time relative to the 'start' or 'end' makes no sense here")
			}
			sec, err := ts.Seconds(env.loc)
			if err != nil {
				return env.fail("start time: %v", err)
			}
			if sec < 3600*24*365*10 {
				return env.fail("the first entry to the RRD should be after 1980")
			}
			start = time.Unix(sec, 0)
		case 's':
			if step, err = rrdScaledDuration(o.arg, 1); err != nil {
				return env.fail("step size: %v", err)
			}
		case 'O':
			noOverwrite = true
		case 'd':
			return env.fail(rrdErrNoDaemon)
		case 'r':
			fi, err := os.Stat(o.arg)
			if err != nil {
				return env.fail("error checking for source RRD %s: %s", o.arg, rrdErrnoText(errors.Unwrap(err)))
			}
			if !fi.Mode().IsRegular() {
				return env.fail("Not a regular file: %s", o.arg)
			}
			sources = append(sources, o.arg)
		case 't':
			if template != "" {
				return env.fail("template already set")
			}
			template = o.arg
		}
	}
	if len(rest) == 0 {
		return env.usageError("need name of an rrd file to create")
	}
	path := rest[0]
	if noOverwrite {
		if _, err := os.Stat(path); err == nil {
			return env.fail("creating '%s': File exists", path)
		}
	}
	var tmpl *rrd.File
	var tmplDef rrd.Definition
	if template != "" {
		if tmpl, err = rrd.Open(template); err != nil {
			return env.fail("Cannot open template RRD %s", template)
		}
		defer tmpl.Close()
		tmplDef = tmpl.Definition()
		if step == 0 {
			step = uint64(tmplDef.Step / time.Second)
		}
	}
	if step == 0 {
		step = 300
	}
	if step > rrdMaxCount {
		return env.fail("step size: %d seconds is too large", step)
	}
	def, err := parseCreateSpecs(rest[1:], step, tmplDef)
	if err != nil {
		return env.fail("%v", err)
	}
	if start.IsZero() && tmpl == nil && len(sources) == 0 {
		start = time.Unix(env.now.Unix()-10, 0) // as rrdtool: now - 10 s
	}
	// Zero with sources: their latest last update; with a template: its.
	def.Start = start
	co := rrd.CreateOptions{Template: tmpl, Map: dsMapping(rest[1:])}
	for _, p := range sources {
		f, err := rrd.Open(p)
		if err != nil {
			return env.fail("Cannot open source RRD %s", p)
		}
		defer f.Close()
		co.Sources = append(co.Sources, f)
	}
	if err := createRRD(path, def, noOverwrite, co); err != nil {
		return env.fail("%v", err)
	}
	return 0
}

// dsMapping returns the "DS:new=old[index]" mappings of create's DS
// arguments, which say where prefilling takes a data source's history
// from.
func dsMapping(specs []string) map[string]rrd.SourceDS {
	m := map[string]rrd.SourceDS{}
	for _, s := range specs {
		rest, ok := strings.CutPrefix(s, "DS:")
		if !ok {
			continue
		}
		g := rrdDSSpecRE.FindStringSubmatch(rest)
		if g == nil || g[2] == "" {
			continue
		}
		src := rrd.SourceDS{Name: g[2]}
		if g[3] != "" {
			// rrdtool's 1-based index, read by strtol (which stops at
			// LONG_MAX) into a C int: a negative int means any source
			// and 0 none.
			n, err := strconv.ParseInt(g[3], 10, 64)
			if err != nil {
				n = math.MaxInt64
			}
			switch v := int32(n); {
			case v < 0:
				src.Index = 0
			case v == 0:
				src.Index = -1
			default:
				src.Index = int(v)
			}
		}
		if _, dup := m[g[1]]; !dup {
			m[g[1]] = src
		}
	}
	return m
}

// createRRD creates path. Without noOverwrite an existing file is replaced
// as rrdtool does, but only once the new file is complete: it is created
// under a temporary name in the same folder and renamed over the old one.
func createRRD(path string, def rrd.Definition, noOverwrite bool, opts rrd.CreateOptions) error {
	create := func(p string) error { return rrd.CreateWith(p, def, opts) }
	err := create(path)
	if err == nil || noOverwrite || !errors.Is(err, fs.ErrExist) {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("creating '%s': File exists", path)
		}
		return createError(err, path)
	}
	dir, base := rrdSplitPath(path)
	for range 100 {
		tmp := fmt.Sprintf("%s/.%s.%08x.tmp", dir, base, rand.Uint32())
		err := create(tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return createError(err, tmp)
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return errors.New("Cannot rename temporary file to final file!")
		}
		rrdSyncDir(dir)
		return nil
	}
	return fmt.Errorf("Cannot create temporary file next to %s", path)
}

// createError is the message of a failed create of path (nil for none),
// in rrdtool's words.
func createError(err error, path string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rrd.ErrTempFile):
		return errors.New("Cannot create temporary file")
	}
	return errors.New(rrdEngineMessage(err, path))
}

// parseCreateSpecs parses the DS: and RRA: arguments of create in order,
// with rrdtool's checks and messages.
func parseCreateSpecs(specs []string, step uint64, tmpl rrd.Definition) (rrd.Definition, error) {
	def := rrd.Definition{Step: time.Duration(step) * time.Second}
	for _, s := range specs {
		switch {
		case strings.HasPrefix(s, "DS:"):
			ds, err := parseDSSpec(s[3:])
			for _, d := range append(tmpl.DS[:len(tmpl.DS):len(tmpl.DS)], def.DS...) {
				if ds.Name != "" && d.Name == ds.Name {
					return def, fmt.Errorf("Duplicate DS name: %s", ds.Name)
				}
			}
			if err != nil {
				return def, err
			}
			def.DS = append(def.DS, ds)
		case strings.HasPrefix(s, "RRA:"):
			rra, err := parseRRASpec(s, step)
			if err != nil {
				return def, err
			}
			def.RRA = append(def.RRA, rra)
		default:
			return def, fmt.Errorf("can't parse argument '%s'", s)
		}
	}
	if len(def.RRA)+len(tmpl.RRA) == 0 {
		return def, errors.New("you must define at least one Round Robin Archive")
	}
	if len(def.DS)+len(tmpl.DS) == 0 {
		return def, errors.New("you must define at least one Data Source")
	}
	return def, nil
}

// rrdDSSpecRE is the shape of a DS definition after "DS:": name (with an
// optional "=source[index]" mapping, used only when prefilling), type in
// capitals, type-specific arguments.
var rrdDSSpecRE = regexp.MustCompile(`^([-a-zA-Z0-9_]{1,19})(?:=([-a-zA-Z0-9_]{1,19})(?:\[([0-9]+)\])?)?:([A-Z]{1,19}):(.+)$`)

// parseDSSpec parses "name:DST:heartbeat:min:max". On error the returned
// DS still carries the name when it could be read.
func parseDSSpec(spec string) (rrd.DS, error) {
	m := rrdDSSpecRE.FindStringSubmatch(spec)
	if m == nil {
		return rrd.DS{}, errors.New("invalid DS format")
	}
	ds := rrd.DS{Name: m[1], Type: rrd.DSType(m[4])}
	args := m[5]
	switch ds.Type {
	case rrd.Gauge, rrd.Counter, rrd.Derive, rrd.Absolute, rrd.DCounter, rrd.DDerive:
	case rrd.Compute:
		ds.CDEF = args // checked by the engine against the data sources before it
		return ds, nil
	default:
		return ds, fmt.Errorf("invalid DS type specified (%s)", ds.Type)
	}
	fail := func(msg string) (rrd.DS, error) {
		return ds, fmt.Errorf("failed to parse data source %s: %s", args, msg)
	}
	hb, rangeText, ok := strings.Cut(args, ":")
	if !ok {
		return fail("missing separator")
	}
	if len(hb) >= 32 {
		return fail("heartbeat too long")
	}
	beat, err := rrdScaledDuration(hb, 1)
	if err != nil {
		return fail(err.Error())
	}
	if beat > rrdMaxCount {
		return fail("heartbeat too large")
	}
	ds.Heartbeat = time.Duration(beat) * time.Second
	// min and max: up to 18 characters each, as sscanf("%18[^:]:%18[^:]").
	minText, maxText, ok := rrdScanMinMax(rangeText)
	if !ok {
		return fail("failed to extract min:max")
	}
	if ds.Min, err = rrdParseBound(minText, "parsing min val"); err != nil {
		return ds, err
	}
	if ds.Max, err = rrdParseBound(maxText, "parsing max val"); err != nil {
		return ds, err
	}
	if ds.Min >= ds.Max {
		return fail("min must be less than max in DS definition")
	}
	return ds, nil
}

func rrdScanMinMax(s string) (lo, hi string, ok bool) {
	field := func(s string) string {
		n := 0
		for n < len(s) && n < 18 && s[n] != ':' {
			n++
		}
		return s[:n]
	}
	lo = field(s)
	if lo == "" || len(s) == len(lo) || s[len(lo)] != ':' {
		return "", "", false
	}
	hi = field(s[len(lo)+1:])
	return lo, hi, hi != ""
}

func rrdParseBound(s, what string) (float64, error) {
	if s == "U" {
		return math.NaN(), nil
	}
	v, err := parseRRDFloat(s)
	if err != nil {
		return 0, fmt.Errorf("%s - %v", what, err)
	}
	return v, nil
}

// parseRRASpec parses "RRA:CF:..." with rrdtool's parseRRA: it splits on
// runs of ':' and checks each field as it goes. The fields after CF are
// xff:steps:rows for AVERAGE, MIN, MAX and LAST, and for the Holt-Winters
// archives
//
//	HWPREDICT|MHWPREDICT:rows:alpha:beta:period[:seasonal-rra]
//	SEASONAL|DEVSEASONAL:period:gamma:rra[:smoothing-window=fraction]
//	DEVPREDICT:rows:devseasonal-rra
//	FAILURES:rows:threshold:window:devseasonal-rra
//
// with 1-based archive indexes.
func parseRRASpec(spec string, step uint64) (rrd.RRA, error) {
	var rra rrd.RRA
	fields := strings.FieldsFunc(spec[4:], func(r rune) bool { return r == ':' })
	var steps uint64 = 1
	minFields := 4
	unit := func(tok string, lo, hi float64, loOpen, hiOpen bool, what string) (float64, error) {
		v, err := parseRRDFloat(tok)
		if err != nil || (loOpen && v <= lo) || (!loOpen && v < lo) || (hiOpen && v >= hi) || (!hiOpen && v > hi) {
			return 0, fmt.Errorf("Invalid %s: must be between 0 and 1", what)
		}
		return v, nil
	}
	for i, tok := range fields {
		var err error
		hw := rra.CF != "" && rra.CF != rrd.Average && rra.CF != rrd.Min && rra.CF != rrd.Max && rra.CF != rrd.Last
		switch {
		case i == 0:
			n := 0 // sscanf("%19[A-Z]")
			for n < len(tok) && n < 19 && tok[n] >= 'A' && tok[n] <= 'Z' {
				n++
			}
			rra.CF = rrd.CF(tok[:n])
			switch rra.CF {
			case rrd.Average, rrd.Min, rrd.Max, rrd.Last:
			case rrd.HWPredict, rrd.MHWPredict, rrd.Failures:
				minFields = 5
			case rrd.Seasonal:
				minFields = 4
			case rrd.DevSeasonal, rrd.DevPredict:
				minFields = 3
			default:
				return rra, fmt.Errorf("Unrecognized consolidation function %s", tok[:n])
			}
		case i == 1 && hw:
			v, err := rrdScaledDuration(tok, step)
			if err == nil && v > rrdMaxCount {
				err = errors.New("value too large")
			}
			if err != nil {
				return rra, fmt.Errorf("Invalid row count %s: %v", tok, err)
			}
			rra.Rows = int(v)
		case i == 1:
			xff, err := parseRRDFloat(tok)
			if err != nil || !(xff >= 0 && xff < 1) {
				return rra, errors.New("Invalid xff: must be between 0 and 1")
			}
			rra.XFF = xff
		case i == 2 && (rra.CF == rrd.HWPredict || rra.CF == rrd.MHWPredict):
			if rra.Alpha, err = unit(tok, 0, 1, true, true, "alpha"); err != nil {
				return rra, err
			}
		case i == 2 && (rra.CF == rrd.Seasonal || rra.CF == rrd.DevSeasonal):
			if rra.Gamma, err = unit(tok, 0, 1, true, true, "gamma"); err != nil {
				return rra, err
			}
		case i == 2 && rra.CF == rrd.Failures:
			rra.Threshold = int(cStrtol(tok))
			if rra.Threshold < 1 || rra.Threshold > 28 {
				return rra, fmt.Errorf("Failure threshold is out of range %d, %d", 1, 28)
			}
		case i == 2 && rra.CF == rrd.DevPredict:
			rra.Dependent = int(cStrtol(tok))
		case i == 3 && (rra.CF == rrd.HWPredict || rra.CF == rrd.MHWPredict):
			if rra.Beta, err = unit(tok, 0, 1, false, false, "beta"); err != nil {
				return rra, err
			}
		case i == 3 && (rra.CF == rrd.Seasonal || rra.CF == rrd.DevSeasonal):
			rra.Dependent = int(cStrtol(tok))
		case i == 3 && rra.CF == rrd.Failures:
			rra.Window = int(cStrtol(tok))
			if rra.Window < 1 || rra.Window > 28 {
				return rra, fmt.Errorf("Window length is out of range %d, %d", 1, 28)
			}
			if rra.Window < rra.Threshold {
				return rra, errors.New("Window length is shorter than the failure threshold")
			}
		case i == 3 && rra.CF == rrd.DevPredict:
			return rra, errors.New("Unexpected extra argument for consolidation function DEVPREDICT")
		case i == 4 && rra.CF == rrd.Failures:
			rra.Dependent = int(cStrtol(tok))
		case i == 4 && (rra.CF == rrd.Seasonal || rra.CF == rrd.DevSeasonal):
			w, ok := strings.CutPrefix(tok, "smoothing-window=")
			if !ok {
				return rra, fmt.Errorf("Invalid option %s", tok)
			}
			v, n := rrd.ParseNumber(w)
			if n == 0 {
				return rra, fmt.Errorf("Invalid option %s", tok)
			}
			if !(v >= 0 && v <= 1) {
				return rra, fmt.Errorf("Invalid smoothing-window %f: must be between 0 and 1", v)
			}
			rra.SmoothingWindow = v
		case i == 4 && (rra.CF == rrd.HWPredict || rra.CF == rrd.MHWPredict):
			rra.Period = int(uint16(cStrtol(tok)))
			if rra.Period > rra.Rows {
				return rra, errors.New("Length of seasonal cycle exceeds length of HW prediction array")
			}
		case i == 5 && (rra.CF == rrd.HWPredict || rra.CF == rrd.MHWPredict):
			rra.Dependent = int(cStrtol(tok))
		case i == 2:
			v, err := rrdScaledDuration(tok, step)
			if err == nil && v > rrdMaxCount {
				err = errors.New("value too large")
			}
			if err != nil {
				return rra, fmt.Errorf("Invalid step %s: %v", tok, err)
			}
			steps = v
		case i == 3:
			v, err := rrdScaledDuration(tok, step*steps)
			if err == nil && v > rrdMaxCount {
				err = errors.New("value too large")
			}
			if err != nil {
				return rra, fmt.Errorf("Invalid row count %s: %v", tok, err)
			}
			rra.Rows = int(v)
		case i == 5: // rrdtool takes a sixth field as the dependent archive of any CF
			rra.Dependent = int(cStrtol(tok))
		case i > 5:
			return rra, errors.New("Unknown error")
		default:
			return rra, fmt.Errorf("Unexpected extra argument for consolidation function %s", rra.CF)
		}
	}
	if len(fields) < minFields {
		return rra, fmt.Errorf("Expected at least %d arguments for RRA but got %d", minFields, len(fields))
	}
	rra.Steps = int(steps)
	return rra, nil
}
