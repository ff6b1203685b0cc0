package rrdtool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// Summary is a one-line description of the command, for a usage listing.
const Summary = "a built-in rrdtool: create, update, fetch, dump, info, first, last, lastupdate"

// IO is what a command reads from and writes to.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// rrdSubcommand is one rrdtool function.
type rrdSubcommand struct {
	summary string
	usage   string // rrdtool's synopsis, one option per line
	run     func(env *rrdEnv, args []string) int
}

var rrdSubcommands = map[string]rrdSubcommand{
	"create": {"create a new RRD", rrdUsageCreate, rrdCreate},
	"update": {"update an RRD", rrdUsageUpdate, rrdUpdate},
	"fetch":  {"fetch data out of an RRD", rrdUsageFetch, rrdFetch},
	"info":   {"returns the configuration and status of the RRD", rrdUsageInfo, rrdInfo},
	"last":   {"show last update time for RRD", rrdUsageLast, rrdLast},
	"dump":   {"dump an RRD to XML", rrdUsageDump, rrdDump},
	"first":  {"show first update time for RRA within an RRD", rrdUsageFirst, rrdFirst},
	"lastupdate": {"returns the most recent datum stored for each DS in an RRD",
		rrdUsageLastupdate, rrdLastupdate},
}

// rrdEnv is what a subcommand runs with: its name, I/O, the time "now"
// means and the time zone.
type rrdEnv struct {
	name string
	io   IO
	now  time.Time
	loc  *time.Location
}

// rrdClock and rrdZone give "now" and the local time zone; tests replace
// them.
var (
	rrdClock = time.Now
	rrdZone  = func() *time.Location { return time.Local }
)

// fail prints an rrdtool-style error and returns exit code 1.
func (e *rrdEnv) fail(format string, a ...any) int {
	fmt.Fprintf(e.io.Err, "ERROR: "+format+"\n", a...)
	return 1
}

// usageError prints an rrdtool-style error for a command line that cannot
// be understood and returns exit code 2.
func (e *rrdEnv) usageError(format string, a ...any) int {
	fmt.Fprintf(e.io.Err, "ERROR: "+format+"\n", a...)
	fmt.Fprintf(e.io.Err, "Run 'rogue rrd %s --help' for its syntax.\n", e.name)
	return 2
}

// Run runs "rogue rrd FUNCTION ARGS..." (args start at FUNCTION) and
// returns the process exit code: 0 success, 1 failure, 2 usage error.
func Run(_ context.Context, args []string, io IO) int {
	if len(args) == 0 {
		rrdUsage(io.Err)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if sc, ok := rrdSubcommands[args[1]]; ok {
				rrdSubUsage(io.Out, args[1], sc)
				return 0
			}
		}
		rrdUsage(io.Out)
		return 0
	}
	sc, ok := rrdSubcommands[name]
	if !ok {
		fmt.Fprintf(io.Err, "ERROR: unknown function '%s'\n\n", name)
		rrdUsage(io.Err)
		return 2
	}
	if rrdWantsHelp(name, args[1:]) {
		rrdSubUsage(io.Out, name, sc)
		return 0
	}
	env := &rrdEnv{name: name, io: io, now: rrdClock(), loc: rrdZone()}
	return sc.run(env, args[1:])
}

// rrdWantsHelp reports whether a subcommand's arguments ask for help: --help
// anywhere before "--", or a lone -h (for dump, -h takes an argument and
// only means help when nothing follows).
func rrdWantsHelp(name string, args []string) bool {
	for i, a := range args {
		switch a {
		case "--":
			return false
		case "--help", "-help":
			return true
		case "-h":
			if name != "dump" || i == len(args)-1 {
				return true
			}
		}
	}
	return false
}

func rrdUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: rogue rrd <function> [options]\n\n")
	fmt.Fprintf(w, "A built-in rrdtool: rrdtool 1.7.2's syntax and output for these functions:\n\n")
	names := make([]string, 0, len(rrdSubcommands))
	for n := range rrdSubcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, rrdSubcommands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'rogue rrd <function> --help' for its options.\n")
	fmt.Fprintf(w, "Times are rrdtool's AT-style specifications (see 'rogue rrd fetch --help').\n")
}

func rrdSubUsage(w io.Writer, name string, sc rrdSubcommand) {
	fmt.Fprintf(w, "* %s - %s\n\n%s", name, sc.summary, sc.usage)
}

const rrdUsageCreate = `	rogue rrd create filename [--start|-b start time]
		[--step|-s step]
		[--no-overwrite|-O]
		[--template|-t template-file]
		[--source|-r source-file]...
		[DS:ds-name[=source-ds-name[[source-index]]]:DST:heartbeat:min:max]
		[DS:ds-name:COMPUTE:rpn-expression]
		[RRA:CF:xff:steps:rows]
		[RRA:HWPREDICT|MHWPREDICT:rows:alpha:beta:period[:rra-num]]
		[RRA:SEASONAL|DEVSEASONAL:period:gamma:rra-num[:smoothing-window=f]]
		[RRA:DEVPREDICT:rows:rra-num]
		[RRA:FAILURES:rows:threshold:window:rra-num]

DST is GAUGE, COUNTER, DERIVE, ABSOLUTE, DCOUNTER or DDERIVE; min and
max may be U (unknown). A COMPUTE expression uses the data sources
defined before it. CF is AVERAGE, MIN, MAX or LAST; 0 <= xff < 1. An
HWPREDICT or MHWPREDICT without rra-num gets its SEASONAL, DEVSEASONAL,
DEVPREDICT and FAILURES archives right after it; rra-num counts from 1. The step,
heartbeat and an RRA's steps and rows may carry rrdtool's suffixes
s, m, h, d, w, M (31 days), y (366 days): RRA:AVERAGE:0.5:1h:1y
keeps hourly averages for a year. The step defaults to 300 seconds,
the start to now - 10 s.

--template starts with the data sources and archives of another file
(and takes its step and last update time unless given).

--source (repeatable) prefills the new file with the history of
existing files, as rrdtool 1.7 does: each archive row takes the
overlapping rows of the sources' data sources of the same name
(DS:new=old takes data source old instead, DS:new=old[2] only from the
second source). Without --start the new file starts at the sources'
latest update. The same file may be source and target.

Like rrdtool, create replaces an existing file unless --no-overwrite
is given; the new file is written under a temporary name and renamed
over the old one, so the old file stays intact if creation fails.
`

const rrdUsageUpdate = `	rogue rrd update filename
		[--template|-t ds-name:ds-name:...]
		[--skip-past-updates|-s]
		time|N:value[:value...]

		at-time@value[:value...]

		[ time:value[:value...] ..]

time is seconds since 1970 (fractions allowed, negative is relative to
now) or N for now; at-time is an AT-style time (see fetch). U is an
unknown value. Samples are applied in order; on the first bad one the
ones before it stay applied and the rest are not, as with rrdtool.
`

const rrdUsageFetch = `	rogue rrd fetch filename.rrd CF
		[-r|--resolution resolution]
		[-s|--start start] [-e|--end end]
		[-a|--align-start]

start defaults to end-1d, end to now. Times are AT-style
specifications: N or now, seconds since 1970, -1h, now-1d, end-1h
(e-1h), start+2h (s+2h), midnight, noon, teatime, noon yesterday,
12:30 20231114, YYYYMMDD, MM/DD/YYYY, DD.MM.YYYY, "Nov 14 2023";
offsets combine units (-1d2h) of s/sec/seconds, min/minutes,
h/hours, d/days, w/weeks, mon/months, y/years (m is months after
d/w/mon/y or below 6, otherwise minutes).
`

const rrdUsageInfo = `	rogue rrd info filename.rrd
`

const rrdUsageLast = `	rogue rrd last filename.rrd
`

const rrdUsageFirst = `	rogue rrd first filename.rrd [--rraindex number]
`

const rrdUsageLastupdate = `	rogue rrd lastupdate filename.rrd
`

const rrdUsageDump = `	rogue rrd dump [--header|-h {none,xsd,dtd}]
		[--no-header|-n]
		file.rrd [file.xml]
`

// rrdOption describes one option of a subcommand.
type rrdOption struct {
	long   string
	short  byte
	hasArg bool
}

// rrdOptValue is one option found on the command line.
type rrdOptValue struct {
	short byte
	arg   string
}

// rrdGetopt parses args the way rrdtool's optparse does: options may come
// anywhere (non-options are collected in order), "--" ends them, short
// options cluster (-aO) and take their argument attached (-s300) or as the
// next word even if it starts with '-' (-s -1h), long options take
// --name=value or --name value. Errors use rrdtool's wording.
func rrdGetopt(args []string, opts []rrdOption) ([]rrdOptValue, []string, error) {
	var found []rrdOptValue
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return found, append(rest, args[i+1:]...), nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			var o *rrdOption
			for j := range opts {
				if opts[j].long == name {
					o = &opts[j]
				}
			}
			switch {
			case o == nil:
				return nil, nil, fmt.Errorf("invalid option -- '%s'", a[2:])
			case !o.hasArg && hasVal:
				return nil, nil, fmt.Errorf("option takes no arguments -- '%s'", name)
			case o.hasArg && !hasVal:
				if i+1 >= len(args) {
					return nil, nil, fmt.Errorf("option requires argument -- '%s'", name)
				}
				i++
				val = args[i]
			}
			found = append(found, rrdOptValue{o.short, val})
		case len(a) > 1 && a[0] == '-':
			for k := 1; k < len(a); k++ {
				var o *rrdOption
				for j := range opts {
					if opts[j].short == a[k] {
						o = &opts[j]
					}
				}
				if o == nil {
					return nil, nil, fmt.Errorf("invalid option -- '%c'", a[k])
				}
				if !o.hasArg {
					found = append(found, rrdOptValue{o.short, ""})
					continue
				}
				val := a[k+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, nil, fmt.Errorf("option requires an argument -- '%c'", a[k])
					}
					i++
					val = args[i]
				}
				found = append(found, rrdOptValue{o.short, val})
				break
			}
		default:
			rest = append(rest, a)
		}
	}
	return found, rest, nil
}

// rrdDaemonOption is rrdtool's --daemon/-d (rrdcached), which rogue does not
// speak.
var rrdDaemonOption = rrdOption{"daemon", 'd', true}

const rrdErrNoDaemon = "--daemon (rrdcached) is not supported by rogue rrd"

// openRRD opens path for a subcommand, with rrdtool's message for a missing
// file.
func openRRD(path string) (*rrd.File, error) {
	f, err := rrd.Open(path)
	if err != nil {
		return nil, rrdOpenError(path, err)
	}
	return f, nil
}

// rrdOpenError words an engine open error as rrdtool does.
func rrdOpenError(path string, err error) error {
	var pe *fs.PathError
	var short *rrd.ShortFileError
	switch {
	case errors.As(err, &short):
		switch short.Part {
		case "":
			return fmt.Errorf("'%s' is too small (should be %d bytes)", path, short.Want)
		case "stat_head":
			if short.Size == 0 { // rrdtool cannot map an empty file
				return fmt.Errorf("mmaping file '%s': Invalid argument", path)
			}
		}
		return fmt.Errorf("reached EOF while loading header rrd->%s", short.Part)
	case errors.As(err, &pe):
		return fmt.Errorf("opening '%s': %s", path, rrdErrnoText(pe.Err))
	case errors.Is(err, rrd.ErrInvalid):
		msg := rrdEngineMessage(err, path)
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "not a valid RRD file"), ": ")
		if msg == "" {
			return fmt.Errorf("'%s' is not an RRD file", path)
		}
		return fmt.Errorf("'%s' is not an RRD file: %s", path, msg)
	}
	return errors.New(rrdEngineMessage(err, path))
}

// rrdErrnoText is strerror's text for an errno (Go's texts are lower-case
// versions of the same).
func rrdErrnoText(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// rrdEngineMessage strips the engine's context ("rrd: fetch FILE: ") from an
// error about path: the message is shown after "ERROR: " like rrdtool's.
func rrdEngineMessage(err error, path string) string {
	msg := strings.TrimPrefix(err.Error(), "rrd: ")
	if i := strings.Index(msg, path+": "); i >= 0 && !strings.Contains(msg[:i], ": ") {
		msg = msg[i+len(path)+2:]
	}
	return strings.TrimPrefix(msg, "rrd: ")
}

// rrdFormatC formats v as C's printf("%0.10e") with glibc: "-nan" or "nan" by
// the NaN's sign bit, "inf" and "-inf".
func rrdFormatC(v float64) string { return string(rrdAppendC(nil, v)) }

// rrdAppendC appends rrdFormatC(v) to buf.
func rrdAppendC(buf []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		if math.Signbit(v) {
			return append(buf, "-nan"...)
		}
		return append(buf, "nan"...)
	case math.IsInf(v, 1):
		return append(buf, "inf"...)
	case math.IsInf(v, -1):
		return append(buf, "-inf"...)
	}
	// Go's 'e' format with 10 digits is C's %.10e: at least two exponent
	// digits, correctly rounded.
	return strconv.AppendFloat(buf, v, 'e', 10, 64)
}

// rrdWriteFileAtomic writes data produced by fill to path through a temporary
// file in the same folder, synced and renamed into place.
func rrdWriteFileAtomic(path string, fill func(w io.Writer) error) error {
	dir, base := rrdSplitPath(path)
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this fails harmlessly
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	rrdSyncDir(dir)
	return nil
}

func rrdSplitPath(path string) (dir, base string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return ".", path
	}
	if i == 0 {
		return "/", path[1:]
	}
	return path[:i], path[i+1:]
}

// rrdSyncDir makes a rename in dir durable where the system supports syncing
// a directory; it is best effort, as the rename itself has succeeded.
func rrdSyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
