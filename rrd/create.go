package rrd

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// validName reports whether s is a valid data source name for rrdtool
// (1–19 characters of [a-zA-Z0-9_-]).
func validName(s string) bool {
	if len(s) == 0 || len(s) >= nameSize {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// wholeSeconds converts d to whole seconds, refusing fractions.
func wholeSeconds(what string, d time.Duration) (uint64, error) {
	if d <= 0 || d%time.Second != 0 {
		return 0, fmt.Errorf("%s must be a positive whole number of seconds, got %v", what, d)
	}
	return uint64(d / time.Second), nil
}

// checkDefinition validates def as rrdtool create does and returns the
// step in seconds and the start time.
func checkDefinition(def Definition, tmpl *templateDefs) (step uint64, start int64, err error) {
	step = 300
	if def.Step != 0 {
		if step, err = wholeSeconds("step", def.Step); err != nil {
			return 0, 0, err
		}
	}
	if step > math.MaxInt32 {
		return 0, 0, fmt.Errorf("step %d s is too large", step)
	}
	if len(def.DS)+len(tmpl.names) == 0 {
		return 0, 0, errors.New("you must define at least one Data Source")
	}
	if len(def.RRA)+len(tmpl.rras) == 0 {
		return 0, 0, errors.New("you must define at least one Round Robin Archive")
	}
	seen := map[string]bool{}
	names := append([]string(nil), tmpl.names...)
	for _, n := range names {
		seen[n] = true
	}
	for _, d := range def.DS {
		if d.Type == Compute {
			if !validName(d.Name) {
				return 0, 0, fmt.Errorf("invalid DS name %q: use 1 to 19 characters of a-z, A-Z, 0-9, _ and -", d.Name)
			}
			if seen[d.Name] {
				return 0, 0, fmt.Errorf("Duplicate DS name: %s", d.Name)
			}
			if _, err := parseRPN(d.CDEF, names); err != nil {
				return 0, 0, err
			}
			seen[d.Name] = true
			names = append(names, d.Name)
			continue
		}
		names = append(names, d.Name)
		if !validName(d.Name) {
			return 0, 0, fmt.Errorf("invalid DS name %q: use 1 to 19 characters of a-z, A-Z, 0-9, _ and -", d.Name)
		}
		if seen[d.Name] {
			return 0, 0, fmt.Errorf("Duplicate DS name: %s", d.Name)
		}
		seen[d.Name] = true
		switch d.Type {
		case Gauge, Counter, Derive, Absolute, DCounter, DDerive:
		default:
			return 0, 0, fmt.Errorf("invalid DS type specified (%s)", d.Type)
		}
		hb, err := wholeSeconds("heartbeat of DS "+d.Name, d.Heartbeat)
		if err != nil {
			return 0, 0, err
		}
		if hb > math.MaxInt32 {
			return 0, 0, fmt.Errorf("heartbeat of DS %s is too large", d.Name)
		}
		if !math.IsNaN(d.Min) && !math.IsNaN(d.Max) && d.Min >= d.Max {
			return 0, 0, fmt.Errorf("min must be less than max in DS definition of %s", d.Name)
		}
	}
	for i, r := range def.RRA {
		if err := checkRRA(len(tmpl.rras)+i, r, len(tmpl.rras)+len(def.RRA)); err != nil {
			return 0, 0, err
		}
	}
	if def.Start.IsZero() {
		start = time.Now().Unix() - 10
	} else {
		start = def.Start.Unix()
	}
	if start <= 0 {
		return 0, 0, fmt.Errorf("start time %v must be after 1970", def.Start)
	}
	return step, start, nil
}

// encodeHeader builds the header of a new file for def, as rrdtool create
// initialises it.
func encodeHeader(def Definition, step uint64, start int64, path string, tmpl *templateDefs) ([]byte, *layout, error) {
	// The version follows from def alone: rrdtool does not look at what
	// it copies from a template.
	rras, version := expandRRAs(def.RRA, path, len(tmpl.rras))
	nds, nrra := uint64(len(tmpl.names)+len(def.DS)), uint64(len(tmpl.rras)+len(rras))
	var rowsTotal uint64
	for _, r := range append(tmpl.rras[:len(tmpl.rras):len(tmpl.rras)], rras...) {
		rowsTotal += r.rows
	}
	hl := int64(statHeadSize + nds*(dsDefSize+pdpPrepSize) + nrra*(rraDefSize+rraPtrSize) + liveHeadSize + nds*nrra*cdpPrepSize)
	size := hl + int64(rowsTotal*nds*valueSize)
	b := make([]byte, hl)
	copy(b, rrdCookie)
	for _, d := range def.DS {
		if d.Type == DCounter || d.Type == DDerive {
			version = "0005" // as rrdtool create marks them
		}
	}
	copy(b[4:], version)
	le.PutUint64(b[offFloatCookie:], math.Float64bits(floatCookie))
	le.PutUint64(b[offDSCnt:], nds)
	le.PutUint64(b[offRRACnt:], nrra)
	le.PutUint64(b[offPDPStep:], step)
	o := statHeadSize
	o += copy(b[o:], tmpl.ds)
	names := append([]string(nil), tmpl.names...)
	for _, d := range def.DS {
		copy(b[o:], d.Name)
		copy(b[o+nameSize:], d.Type)
		if d.Type == Compute {
			nodes, err := parseRPN(d.CDEF, names)
			if err != nil {
				return nil, nil, err
			}
			encodeRPN(b[o+dsOffCDEF:], nodes)
			names = append(names, d.Name)
			o += dsDefSize
			continue
		}
		names = append(names, d.Name)
		le.PutUint64(b[o+dsOffHeartbeat:], uint64(d.Heartbeat/time.Second))
		le.PutUint64(b[o+dsOffMin:], math.Float64bits(nanToDNaN(d.Min)))
		le.PutUint64(b[o+dsOffMax:], math.Float64bits(nanToDNaN(d.Max)))
		o += dsDefSize
	}
	o += copy(b[o:], tmpl.rra)
	for _, r := range rras {
		copy(b[o:], r.cf)
		le.PutUint64(b[o+rraOffRows:], r.rows)
		le.PutUint64(b[o+rraOffPDP:], r.pdpCnt)
		for k, p := range r.par {
			le.PutUint64(b[o+rraOffPar+8*k:], p)
		}
		o += rraDefSize
	}
	l, err := parseLayout(b, size)
	if err != nil {
		return nil, nil, err
	}
	if err := l.checkHW(); err != nil {
		return nil, nil, err
	}
	s := state{l: l, b: b[l.liveOff:]}
	s.setLastUp(start, 0)
	unknSec := uint64(start) % step
	for i := range l.ds {
		s.setLastDS(i, unknownText)
		s.setF64(s.pdp(i)+pdpOffVal, dnan)
		s.setU64(s.pdp(i)+pdpOffUnknSec, unknSec)
	}
	for r, a := range l.rra {
		for d := range l.ds {
			initCDP(&s, s.cdp(r, d), a.cf, ((uint64(start)-unknSec)%(step*a.pdpCnt))/step)
		}
		// rrdtool starts each archive at a random row to spread the I/O
		// of many files over time.
		s.setU64(s.ptr(r), rand.Uint64N(a.rows))
	}
	return b, l, nil
}

// initCDP initialises the cdp_prep at o for an archive of cf as rrdtool's
// init_cdp does; unkn is the count of unknown primary data points the
// consolidating archives (and DEVPREDICT) start with.
func initCDP(s *state, o int64, cf CF, unkn uint64) {
	switch cf {
	case HWPredict, MHWPredict:
		for _, off := range []int64{cdpOffIntercept, cdpOffLastInt, cdpOffSlope, cdpOffLastSlope} {
			s.setF64(o+off, dnan)
		}
		s.setU64(o+cdpOffNullCnt, 1)
		s.setU64(o+cdpOffLastNull, 1)
	case Seasonal, DevSeasonal:
		s.setF64(o+cdpOffIntercept, dnan)
		s.setF64(o+cdpOffLastInt, dnan)
		s.setU64(o+cdpOffNullCnt, 1)
	case Failures: // no violations yet
		clear(s.b[o : o+cdpPrepSize])
	default: // DEVPREDICT too
		s.setF64(o+cdpOffVal, dnan)
		s.setU64(o+cdpOffUnknPDP, unkn)
	}
}

func nanToDNaN(v float64) float64 {
	if math.IsNaN(v) {
		return dnan
	}
	return v
}

// Create writes a new RRD file at path. It refuses an existing file (the
// error wraps fs.ErrExist) and never leaves a partial file behind: the file
// is written under a temporary name in the same folder, synced, and then
// linked into place.
func Create(path string, def Definition) error {
	return create(path, def, &templateDefs{}, nil)
}

// templateDefs are the definitions a new file copies from a template.
type templateDefs struct {
	ds, rra []byte // the raw definitions
	names   []string
	rras    []rraDef
}

// CreateFromTemplate is Create for a file that starts with the data
// sources and archives of template, copied with all their parameters as
// rrdtool create --template copies them, followed by those of def (which
// may have none). A zero def.Step takes the template's step and a zero
// def.Start its last update time.
func CreateFromTemplate(path string, template *File, def Definition) error {
	return CreateWith(path, def, CreateOptions{Template: template})
}

// readTemplate reads the definitions a new file copies from template, and
// the template's last update and step.
func readTemplate(template *File) (*templateDefs, int64, time.Duration, error) {
	template.mu.Lock()
	defer template.mu.Unlock()
	var tmpl templateDefs
	var lastUp int64
	var step uint64
	err := template.readLocked(func() error {
		l := template.l
		dsEnd := statHeadSize + int64(len(l.ds))*dsDefSize
		tmpl.ds = append([]byte(nil), template.hdr[statHeadSize:dsEnd]...)
		tmpl.rra = append([]byte(nil), template.hdr[dsEnd:l.liveOff]...)
		for _, d := range l.ds {
			tmpl.names = append(tmpl.names, d.name)
		}
		tmpl.rras = append([]rraDef(nil), l.rra...)
		lastUp, step = template.st.lastUp(), l.step
		return nil
	})
	if err != nil {
		return nil, 0, 0, err
	}
	return &tmpl, lastUp, time.Duration(step) * time.Second, nil
}

// create writes the new file. fill, when set, returns its rows (and may
// change the header's state); by default every row is unknown.
func create(path string, def Definition, tmpl *templateDefs, fill func(l *layout, hdr []byte) ([]byte, error)) error {
	step, start, err := checkDefinition(def, tmpl)
	if err != nil {
		return fmt.Errorf("rrd: create %s: %w", path, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("rrd: create %s: %w", path, fs.ErrExist)
	}
	hdr, l, err := encodeHeader(def, step, start, path, tmpl)
	if err != nil {
		return fmt.Errorf("rrd: create %s: %w", path, err)
	}
	var rows []byte
	if fill != nil {
		if rows, err = fill(l, hdr); err != nil {
			return fmt.Errorf("rrd: create %s: %w", path, err)
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("rrd: create %s: %w: %w", path, ErrTempFile, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := writeNew(tmp, hdr, l.dataLen, rows); err != nil {
		tmp.Close()
		return fmt.Errorf("rrd: create %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rrd: create %s: %w", path, err)
	}
	// A hard link refuses an existing target atomically; fall back to
	// rename on file systems without hard links.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("rrd: create %s: %w", path, fs.ErrExist)
		}
		var linkErr *os.LinkError
		if !errors.As(err, &linkErr) || !(errors.Is(linkErr.Err, syscall.EPERM) || errors.Is(linkErr.Err, syscall.ENOTSUP) || errors.Is(linkErr.Err, syscall.EXDEV)) {
			return fmt.Errorf("rrd: create %s: %w", path, err)
		}
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("rrd: create %s: %w", path, fs.ErrExist)
		}
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("rrd: create %s: %w", path, err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writeNew writes the header and the rows (or, when rows is nil, dataLen
// bytes of NaN rows), then syncs.
func writeNew(f *os.File, hdr []byte, dataLen int64, rows []byte) error {
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	if rows != nil {
		if _, err := f.Write(rows); err != nil {
			return err
		}
		return f.Sync()
	}
	chunk := make([]byte, min(dataLen, 64<<10))
	for i := 0; i+8 <= len(chunk); i += 8 {
		le.PutUint64(chunk[i:], math.Float64bits(dnan))
	}
	for left := dataLen; left > 0; {
		n := min(left, int64(len(chunk)))
		if _, err := f.Write(chunk[:n]); err != nil {
			return err
		}
		left -= n
	}
	return f.Sync()
}
