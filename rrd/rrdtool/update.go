package rrdtool

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// rrdUpdate is "rrdtool update".
func rrdUpdate(env *rrdEnv, args []string) int {
	opts, rest, err := rrdGetopt(args, []rrdOption{
		{"template", 't', true}, rrdDaemonOption, {"skip-past-updates", 's', false},
	})
	if err != nil {
		return env.usageError("%v", err)
	}
	var (
		template    string
		hasTemplate bool
		skipPast    bool
	)
	for _, o := range opts {
		switch o.short {
		case 't':
			template, hasTemplate = o.arg, true
		case 's':
			skipPast = true
		case 'd':
			return env.fail(rrdErrNoDaemon)
		}
	}
	if len(rest) < 2 {
		return env.usageError("Not enough arguments")
	}
	path := rest[0]
	// rrdtool update opens the file for writing and fails as open(2) does
	// (a read-only file, a read-only file system), where the engine would
	// open it for reading.
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return env.fail("%v", rrdOpenError(path, err))
	}
	w.Close()
	f, err := openRRD(path)
	if err != nil {
		return env.fail("%v", err)
	}
	defer f.Close()

	def := f.Definition()
	last, err := f.LastUpdate()
	if err != nil {
		return env.fail("%s", rrdEngineMessage(err, path))
	}
	var order []int // order[i]: DS index of the i-th value
	for i, ds := range def.DS {
		if ds.Type != rrd.Compute { // COMPUTE takes no reading
			order = append(order, i)
		}
	}
	if hasTemplate {
		if order, err = parseUpdateTemplate(template, def.DS); err != nil {
			return env.fail("%v", err)
		}
	}

	// Parse and check every argument before writing, like rrdtool's loop;
	// the samples before a bad one are still applied, as rrdtool leaves
	// them in the file.
	p := rrdUpdateParser{def: def, order: order, last: last, now: env.now, loc: env.loc}
	var samples []rrd.Sample
	var argErr error
	good := 0
	for _, arg := range rest[1:] {
		s, err := p.parse(arg)
		if errors.Is(err, errRRDPast) && skipPast {
			continue
		}
		var ve *rrdValueError
		if errors.As(err, &ve) {
			samples = append(samples, s) // applied up to the bad value
			argErr = fmt.Errorf("%s: %w", path, ve.err)
			break
		}
		if err != nil {
			argErr = fmt.Errorf("%s: %w", path, err)
			break
		}
		samples = append(samples, s)
		good++
	}
	if len(samples) > 0 {
		if n, err := f.UpdateUntilError(samples...); err != nil && n < good {
			var se *rrd.SampleError
			if errors.As(err, &se) {
				return env.fail("%s: %v", path, se.Err)
			}
			return env.fail("%s: %s", path, rrdEngineMessage(err, path))
		}
	}
	if argErr != nil {
		return env.fail("%v", argErr)
	}
	return 0
}

// parseUpdateTemplate maps "ds:ds:..." to DS indexes, as rrdtool does.
func parseUpdateTemplate(tmpl string, dss []rrd.DS) ([]int, error) {
	names := strings.Split(tmpl, ":")
	var order []int
	for _, name := range names {
		if len(order) >= len(dss) {
			return nil, errors.New("tmplt contains more DS definitions than RRD")
		}
		idx := -1
		for i, ds := range dss {
			if ds.Name == name {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("unknown DS name '%s'", name)
		}
		order = append(order, idx)
	}
	return order, nil
}

// rrdValueError marks a sample with a value rrdtool refuses; the readings
// before it still count.
type rrdValueError struct{ err error }

func (e *rrdValueError) Error() string { return e.err.Error() }

// errRRDPast marks a sample not newer than the last update (skipped
// with --skip-past-updates).
var errRRDPast = errors.New("not newer than the last update")

type rrdPastError struct{ t, last int64 }

func (e *rrdPastError) Error() string {
	return fmt.Sprintf("illegal attempt to update using time %d when last update time is %d (minimum one second step)", e.t, e.last)
}
func (e *rrdPastError) Unwrap() error { return errRRDPast }

// rrdUpdateParser turns update arguments into samples, tracking the time of
// the previous one.
type rrdUpdateParser struct {
	def   rrd.Definition
	order []int
	last  time.Time
	now   time.Time
	loc   *time.Location
}

// parse reads "time:v:v", "N:v:v" or "at-time@v:v".
func (p *rrdUpdateParser) parse(arg string) (rrd.Sample, error) {
	sep := strings.IndexByte(arg, '@')
	if sep < 0 {
		sep = strings.IndexByte(arg, ':')
	}
	if sep < 0 {
		return rrd.Sample{}, fmt.Errorf("expected timestamp not found in data source from %s", arg)
	}
	timeText, valueText := arg[:sep], arg[sep+1:]
	raw := make([]string, len(p.def.DS))
	for i := range raw {
		raw[i] = "U"
	}
	values := strings.Split(valueText, ":")
	for i, v := range values {
		if i >= len(p.order) {
			// everything after the colon that starts the surplus
			return rrd.Sample{}, fmt.Errorf("found extra data on update argument: %s",
				strings.Join(values[i:], ":"))
		}
		raw[p.order[i]] = v
	}
	if len(values) != len(p.order) {
		return rrd.Sample{}, fmt.Errorf("expected %d data source readings (got %d) from %s",
			len(p.order), len(values), timeText)
	}
	t, err := p.parseTime(arg[sep] == '@', timeText)
	if err != nil {
		return rrd.Sample{}, err
	}
	if !t.After(p.last) {
		return rrd.Sample{}, &rrdPastError{t.Unix(), p.last.Unix()}
	}
	if err := p.checkValues(raw, t.Sub(p.last)); err != nil {
		// rrdtool has taken the readings before the bad one: the engine
		// keeps them when given the sample.
		return rrd.Sample{Time: t, Raw: raw}, &rrdValueError{err}
	}
	p.last = t
	return rrd.Sample{Time: t, Raw: raw}, nil
}

// parseTime reads the time of an update: at-style after "@", "N", or
// seconds since 1970 (negative: relative to now).
func (p *rrdUpdateParser) parseTime(at bool, s string) (time.Time, error) {
	switch {
	case at:
		ts, err := parseRRDTime(s, p.now, p.loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("ds time: %s: %v", s, err)
		}
		if ts.Ref == tsStart || ts.Ref == tsEnd {
			return time.Time{}, fmt.Errorf("specifying time relative to the 'start' or 'end' makes no sense here: %s", s)
		}
		sec, err := ts.Seconds(p.loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("ds time: %s: %v", s, err)
		}
		return time.Unix(sec, 0), nil
	case s == "N":
		return p.now.Truncate(time.Microsecond), nil
	}
	v, err := parseRRDFloat(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("error while parsing time in get_time_from_reading - %v", err)
	}
	if v < 0 { // relative to now, as rrdtool computes it (1e-6f is a float)
		v += float64(p.now.Unix()) + float64(p.now.Nanosecond()/1000)*float64(float32(1e-6))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1<<53 {
		return time.Time{}, fmt.Errorf("error while parsing time in get_time_from_reading - Cannot convert '%s' to float", s)
	}
	sec := math.Floor(v)
	usec := int64((v - sec) * 1e6)
	return time.Unix(int64(sec), usec*1000), nil
}

// checkValues applies rrdtool's checks of the value text: integers for
// COUNTER and DERIVE, numbers for GAUGE and ABSOLUTE, but only for values
// the update will use (not U, and within the heartbeat). DCOUNTER and
// DDERIVE values are checked by the engine, which alone knows whether
// rrdtool would read them (only after a known reading).
func (p *rrdUpdateParser) checkValues(raw []string, interval time.Duration) error {
	for i, ds := range p.def.DS {
		v := raw[i]
		if strings.HasPrefix(v, "U") || ds.Heartbeat < interval {
			continue
		}
		switch ds.Type {
		case rrd.Counter, rrd.Derive:
			for k := 0; k < len(v); k++ {
				if k == 0 && ds.Type == rrd.Derive && v[k] == '-' {
					continue
				}
				if !rrdIsDigit(v[k]) {
					kind := "unsigned"
					if ds.Type == rrd.Derive {
						kind = "signed"
					}
					return fmt.Errorf("not a simple %s integer: '%s'", kind, v)
				}
			}
		case rrd.Gauge, rrd.Absolute:
			if _, err := parseRRDFloat(v); err != nil {
				return fmt.Errorf("Function update_pdp_prep, case DST_%s - %v", ds.Type, err)
			}
		}
	}
	return nil
}
