package rrd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrLocked is returned by Update (and by reads) when another process kept
// the file's fcntl lock for longer than LockTimeout.
var ErrLocked = errors.New("rrd: file is locked by another process")

// LockTimeout bounds how long Update and the readers retry a lock that
// another process (rrdtool, another Rogue) holds. rrdtool itself does not
// wait at all; its updates hold the lock for a millisecond or so.
var LockTimeout = 2 * time.Second

// fcntl locks belong to a process, not to a descriptor: two File values
// for the same file in one process would share (and release) each other's
// lock. A per-inode mutex serialises them, and Close takes it too because
// closing any descriptor drops the process's locks on that file.
var inodes = struct {
	sync.Mutex
	m map[inodeKey]*inodeEntry
}{m: map[inodeKey]*inodeEntry{}}

type inodeEntry struct {
	mu   sync.Mutex
	refs int
}

func acquireInode(k inodeKey) *inodeEntry {
	inodes.Lock()
	defer inodes.Unlock()
	e := inodes.m[k]
	if e == nil {
		e = &inodeEntry{}
		inodes.m[k] = e
	}
	e.refs++
	return e
}

func releaseInode(k inodeKey) {
	inodes.Lock()
	defer inodes.Unlock()
	if e := inodes.m[k]; e != nil {
		e.refs--
		if e.refs <= 0 {
			delete(inodes.m, k)
		}
	}
}

// File is an open RRD file. Its methods are safe for concurrent use.
type File struct {
	mu       sync.Mutex
	path     string
	f        *os.File
	fd       uintptr
	readOnly bool
	key      inodeKey
	inode    *inodeEntry
	size     int64

	l      *layout
	hdr    []byte // the whole header as last read
	st     state  // views hdr[liveOff:]
	spare  []byte // second header buffer for refresh
	work   []byte // state being updated
	u      updater
	closed bool
}

// Open opens and validates an RRD file, read-write when permitted.
func Open(path string) (*File, error) {
	osf, err := os.OpenFile(path, os.O_RDWR, 0)
	readOnly := false
	// Read-only when not permitted to write, as rrdtool's readers open
	// files read-only; also on a read-only file system.
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		osf, err = os.Open(path)
		readOnly = true
	}
	if err != nil {
		return nil, &openError{path: path, err: err}
	}
	f := &File{path: path, f: osf, fd: osf.Fd(), readOnly: readOnly}
	if err := f.load(); err != nil {
		osf.Close()
		return nil, &openError{path: path, err: err}
	}
	fi, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, &openError{path: path, err: err}
	}
	if k, ok := fileKey(fi); ok {
		f.key = k
		f.inode = acquireInode(k)
	} else {
		f.inode = &inodeEntry{}
	}
	return f, nil
}

// openError is Open's error: the path once and the cause without a second
// "rrd: " (an *fs.PathError of the same path or ErrInvalid), while errors.Is
// and errors.As still see the whole chain.
type openError struct {
	path string
	err  error
}

func (e *openError) Error() string {
	msg := e.err.Error()
	var pe *fs.PathError
	if errors.As(e.err, &pe) && pe.Path == e.path && pe.Err != nil {
		msg = pe.Err.Error()
	}
	return "rrd: open " + e.path + ": " + strings.TrimPrefix(msg, "rrd: ")
}

func (e *openError) Unwrap() error { return e.err }

// load reads and validates the whole header.
func (f *File) load() error {
	fi, err := f.f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file", ErrInvalid)
	}
	f.size = fi.Size()
	var head [statHeadSize]byte
	if f.size < statHeadSize {
		return &ShortFileError{Size: f.size, Part: "stat_head"}
	}
	if _, err := f.f.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	v, _, dsCnt, rraCnt, _, err := parseStatHead(head[:])
	if err != nil {
		return err
	}
	if dsCnt == 0 {
		return invalidf("no data sources")
	}
	if rraCnt == 0 {
		return invalidf("no archives")
	}
	hl, ok := headerLenFor(v, dsCnt, rraCnt, f.size)
	if !ok {
		if part := shortPart(v, dsCnt, rraCnt, f.size); part != "" {
			return &ShortFileError{Size: f.size, Part: part}
		}
		return invalidf("header for %d data sources and %d archives does not fit in %d bytes", dsCnt, rraCnt, f.size)
	}
	hdr := make([]byte, hl)
	if _, err := f.f.ReadAt(hdr, 0); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	l, err := parseLayout(hdr, f.size)
	if err != nil {
		return err
	}
	st := state{l: l, b: hdr[l.liveOff:]}
	if err := st.validate(); err != nil {
		return err
	}
	f.l, f.hdr, f.st = l, hdr, st
	return nil
}

// refresh re-reads the header (another process may have updated the file)
// and re-validates it. The caller holds the lock.
func (f *File) refresh() error {
	buf := f.spare
	if int64(len(buf)) != f.l.headerLen {
		buf = make([]byte, f.l.headerLen)
	}
	if _, err := f.f.ReadAt(buf, 0); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	if !bytes.Equal(buf[:f.l.liveOff], f.hdr[:f.l.liveOff]) {
		// The definitions changed (rrdtool tune): validate from scratch.
		return f.load()
	}
	st := state{l: f.l, b: buf[f.l.liveOff:]}
	if err := st.validate(); err != nil {
		return err
	}
	f.spare, f.hdr, f.st = f.hdr, buf, st
	return nil
}

// lock takes the in-process inode mutex and the fcntl lock, retrying a
// busy lock until LockTimeout. unlock releases both.
func (f *File) lock(write bool) error {
	f.inode.mu.Lock()
	deadline := time.Now().Add(LockTimeout)
	wait := time.Millisecond
	for {
		busy, err := tryLock(f.fd, write)
		if err != nil {
			f.inode.mu.Unlock()
			return fmt.Errorf("lock: %w", err)
		}
		if !busy {
			return nil
		}
		if time.Now().After(deadline) {
			f.inode.mu.Unlock()
			return ErrLocked
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}

func (f *File) unlock() {
	unlock(f.fd)
	f.inode.mu.Unlock()
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Close closes the file.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	f.inode.mu.Lock()
	err := f.f.Close()
	f.inode.mu.Unlock()
	if f.key != (inodeKey{}) {
		releaseInode(f.key)
	}
	if err != nil {
		return fmt.Errorf("rrd: close %s: %w", f.path, err)
	}
	return nil
}

func (f *File) checkOpen() error {
	if f.closed {
		return fmt.Errorf("rrd: %s: %w", f.path, fs.ErrClosed)
	}
	return nil
}

// Definition returns the file's definition; Start is the last update time
// as of the last read of the header.
func (f *File) Definition() Definition {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.definition()
}

func (f *File) definition() Definition {
	l := f.l
	d := Definition{
		Step:  time.Duration(l.step) * time.Second,
		Start: unixTime(f.st.lastUp(), f.st.lastUpUsec()),
		DS:    make([]DS, len(l.ds)),
		RRA:   make([]RRA, len(l.rra)),
	}
	names := make([]string, len(l.ds))
	for i, x := range l.ds {
		names[i] = x.name
	}
	for i, x := range l.ds {
		d.DS[i] = DS{Name: x.name, Type: x.typ, Heartbeat: time.Duration(x.heartbeat) * time.Second, Min: x.min, Max: x.max}
		if x.typ == Compute {
			d.DS[i].CDEF = rpnString(x.cdef, names)
		}
	}
	for i, x := range l.rra {
		d.RRA[i] = x.public()
	}
	return d
}

// public returns the archive's definition with the parameters its CF uses.
func (x *rraDef) public() RRA {
	r := RRA{CF: x.cf, XFF: x.xff, Steps: int(x.pdpCnt), Rows: int(x.rows)}
	if !x.cf.isHW() {
		return r
	}
	r.Dependent = int(x.par[parDependent] + 1)
	switch x.cf {
	case HWPredict, MHWPredict:
		r.Alpha, r.Beta = x.f(parAlpha), x.f(parBeta)
		r.Period = int(x.f(parPeriod))
	case Seasonal, DevSeasonal:
		r.Gamma, r.SmoothingWindow = x.f(parGamma), x.f(parWindow)
		r.SmoothIdx = int(x.par[parSmoothIdx])
	case Failures:
		r.DeltaPos, r.DeltaNeg = x.f(parDeltaPos), x.f(parDeltaNeg)
		r.Window, r.Threshold = int(x.par[parWindowLen]), int(x.par[parThreshold])
	}
	return r
}

func unixTime(sec, usec int64) time.Time {
	if usec < 0 || usec >= 1e6 {
		usec = 0 // only a corrupt file has these
	}
	return time.Unix(sec, usec*1000)
}

// LastUpdate returns the time of the last update (re-read from disk under
// the shared lock, as rrdtool last does).
func (f *File) LastUpdate() (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t time.Time
	err := f.readLocked(func() error {
		t = unixTime(f.st.lastUp(), f.st.lastUpUsec())
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("rrd: last update of %s: %w", f.path, err)
	}
	return t, nil
}

// readLocked runs fn with the header freshly read under a shared lock.
func (f *File) readLocked(fn func() error) error {
	if err := f.checkOpen(); err != nil {
		return err
	}
	if err := f.lock(false); err != nil {
		return err
	}
	defer f.unlock()
	if err := f.refresh(); err != nil {
		return err
	}
	return fn()
}

// Update applies samples in order under rrdtool's fcntl write lock. Times
// must be strictly increasing and newer than the last update, else nothing
// is written and the error wraps ErrNotNewer. Any other bad sample (wrong
// number of values, text rrdtool would refuse) also leaves the file
// untouched. If another process holds the lock for longer than
// LockTimeout, the error wraps ErrLocked.
func (f *File) Update(samples ...Sample) error {
	_, err := f.update(samples, false)
	return err
}

// UpdateUntilError applies samples in order as rrdtool update applies its
// arguments: on the first bad sample it stops, but the samples before it
// stay applied, and so do the readings rrdtool had already taken from the
// bad sample itself (the last readings of the data sources before the bad
// value, which the next COUNTER or DERIVE rate is computed from). It
// returns how many samples were applied in full.
func (f *File) UpdateUntilError(samples ...Sample) (int, error) {
	return f.update(samples, true)
}

func (f *File) update(samples []Sample, keepPrefix bool) (int, error) {
	if len(samples) == 0 {
		return 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.checkOpen(); err != nil {
		return 0, err
	}
	if f.readOnly {
		return 0, fmt.Errorf("rrd: update %s: %w", f.path, fs.ErrPermission)
	}
	if err := f.lock(true); err != nil {
		return 0, fmt.Errorf("rrd: update %s: %w", f.path, err)
	}
	defer f.unlock()
	if err := f.refresh(); err != nil {
		return 0, fmt.Errorf("rrd: update %s: %w", f.path, err)
	}
	l := f.l
	if err := l.checkWritable(); err != nil {
		return 0, fmt.Errorf("rrd: update %s: %w", f.path, err)
	}
	// Work on a copy of the state; the file is written only when every
	// sample has been applied (or, keeping a prefix, when one failed).
	n := len(f.st.b)
	if cap(f.work) < n {
		f.work = make([]byte, n)
	}
	work := state{l: l, b: f.work[:n]}
	copy(work.b, f.st.b)
	f.u.reset(l)
	f.u.rd = f.f
	applied := 0
	var sampleErr error
	for i, s := range samples {
		if err := f.u.prepareInputs(l, s); err != nil {
			sampleErr = fmt.Errorf("rrd: update %s: %w", f.path, &SampleError{Index: i, Time: s.Time, Err: err})
			break
		}
		var values []float64
		if s.Raw == nil {
			values = s.Values
		}
		sec, usec := sampleTime(s, l.version)
		if err := f.u.apply(&work, sec, usec, values); err != nil {
			sampleErr = fmt.Errorf("rrd: update %s: %w", f.path, &SampleError{Index: i, Time: s.Time, Err: err})
			break
		}
		applied++
	}
	if sampleErr != nil && !keepPrefix {
		return 0, sampleErr
	}
	// The Holt-Winters smoother runs at most once per call, as in rrdtool
	// (and not when a sample failed).
	if sampleErr == nil && f.u.smoothDue {
		if err := f.u.smooth(&work); err != nil {
			return 0, fmt.Errorf("rrd: update %s: %w", f.path, err)
		}
	}
	if err := f.write(&work); err != nil {
		return applied, err
	}
	return applied, sampleErr
}

// write stores the rows queued by the updater, then the header block.
func (f *File) write(work *state) error {
	// Rows first, then the header block that points at them: a crash in
	// between leaves the old, consistent header (see the package doc).
	for _, w := range f.u.writes {
		if _, err := f.f.WriteAt(f.u.wbuf[w.start:w.end], w.off); err != nil {
			return fmt.Errorf("rrd: update %s: write rows: %w", f.path, err)
		}
	}
	if _, err := f.f.WriteAt(work.b, f.l.liveOff); err != nil {
		return fmt.Errorf("rrd: update %s: write header: %w", f.path, err)
	}
	copy(f.st.b, work.b)
	return nil
}
