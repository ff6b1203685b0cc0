package rrd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// On-disk layout of rrdtool's format, as the C structs in rrd_format.h are
// laid out by a 64-bit little-endian compiler (amd64, arm64): unsigned long
// and time_t are 8 bytes, doubles are 8-byte aligned.
const (
	rrdCookie   = "RRD"
	floatCookie = 8.642135e130

	statHeadSize  = 128 // cookie[4] version[5] pad[7] float_cookie ds_cnt rra_cnt pdp_step par[10]
	dsDefSize     = 120 // ds_nam[20] dst[20] par[10]
	rraDefSize    = 120 // cf_nam[20] pad[4] row_cnt pdp_cnt par[10]
	liveHeadSize  = 16  // last_up last_up_usec (version >= 3)
	legacyLiveLen = 8   // last_up only (versions 1 and 2)
	pdpPrepSize   = 112 // last_ds[30] pad[2] scratch[10]
	cdpPrepSize   = 80  // scratch[10]
	rraPtrSize    = 8   // cur_row
	valueSize     = 8

	nameSize  = 20 // ds_nam, dst, cf_nam
	lastDSLen = 30 // pdp_prep.last_ds
)

// Offsets inside the structures.
const (
	offFloatCookie = 16
	offDSCnt       = 24
	offRRACnt      = 32
	offPDPStep     = 40

	dsOffHeartbeat = 40 // par[DS_mrhb_cnt]
	dsOffMin       = 48 // par[DS_min_val]
	dsOffMax       = 56 // par[DS_max_val]

	rraOffRows = 24
	rraOffPDP  = 32
	rraOffPar  = 40 // par[10]
	rraOffXFF  = 40 // par[RRA_cdp_xff_val]

	pdpOffUnknSec = 32 // scratch[PDP_unkn_sec_cnt]
	pdpOffVal     = 40 // scratch[PDP_val]

	cdpOffVal       = 0  // scratch[CDP_val]
	cdpOffUnknPDP   = 8  // scratch[CDP_unkn_pdp_cnt]
	cdpOffIntercept = 16 // scratch[CDP_hw_intercept], CDP_hw_seasonal, CDP_seasonal_deviation
	cdpOffLastInt   = 24 // scratch[CDP_hw_last_intercept], CDP_hw_last_seasonal, ...
	cdpOffSlope     = 32 // scratch[CDP_hw_slope]
	cdpOffLastSlope = 40 // scratch[CDP_hw_last_slope]
	cdpOffNullCnt   = 48 // scratch[CDP_null_count], CDP_init_seasonal
	cdpOffLastNull  = 56 // scratch[CDP_last_null_count]
	cdpOffPrimary   = 64 // scratch[CDP_primary_val]
	cdpOffSecondary = 72 // scratch[CDP_secondary_val]
)

var le = binary.LittleEndian

// dsDef is a parsed data source definition.
type dsDef struct {
	name      string
	typ       DSType
	heartbeat uint64
	min, max  float64
	cdef      []rpnNode // COMPUTE only
}

// rraDef is a parsed archive definition.
type rraDef struct {
	cf     CF
	rows   uint64
	pdpCnt uint64
	xff    float64
	par    [10]uint64 // the raw parameters (xff, Holt-Winters settings)
}

// Indexes into rraDef.par (rrd_format.h's rra_par_en).
const (
	parAlpha      = 1 // HWPREDICT
	parBeta       = 2
	parGamma      = 1 // SEASONAL, DEVSEASONAL
	parWindow     = 2 // smoothing window (SEASONAL, DEVSEASONAL)
	parDependent  = 3
	parPeriod     = 4 // HWPREDICT (not kept by rrdtool after create)
	parSmoothIdx  = 4 // SEASONAL, DEVSEASONAL
	parDeltaPos   = 1 // FAILURES
	parDeltaNeg   = 2
	parWindowLen  = 4
	parThreshold  = 5
	maxFailWindow = 28 // MAX_FAILURES_WINDOW_LEN
)

func (r *rraDef) f(i int) float64 { return math.Float64frombits(r.par[i]) }

// layout is the validated, immutable part of a file: its definitions and
// the offsets of every region.
type layout struct {
	version   int
	versionS  string
	step      uint64
	ds        []dsDef
	rra       []rraDef
	liveOff   int64 // live head
	liveLen   int64 // 16, or 8 for versions 1 and 2
	pdpOff    int64
	cdpOff    int64
	ptrOff    int64
	headerLen int64 // start of the first archive's rows
	rraOff    []int64
	dataLen   int64 // bytes of rows
	hasHW     bool  // any Holt-Winters archive
}

// stateLen is the length of the mutable header block (live head, pdp_prep,
// cdp_prep, rra_ptr), which is contiguous and ends the header.
func (l *layout) stateLen() int64 { return l.headerLen - l.liveOff }

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// parseStatHead validates the first statHeadSize bytes and returns version,
// ds count, rra count and step. fileLen bounds the counts.
func parseStatHead(b []byte) (version int, vs string, dsCnt, rraCnt, step uint64, err error) {
	if len(b) < statHeadSize {
		return 0, "", 0, 0, 0, invalidf("file is %d bytes, shorter than an RRD header", len(b))
	}
	if string(b[:4]) != rrdCookie+"\x00" {
		return 0, "", 0, 0, 0, invalidf("no RRD cookie (not an RRD file)")
	}
	vs = cstring(b[4:9])
	if len(vs) != 4 || b[8] != 0 {
		return 0, "", 0, 0, 0, invalidf("bad version field %q", b[4:9])
	}
	v, perr := strconv.Atoi(vs)
	if perr != nil || v < 1 {
		return 0, "", 0, 0, 0, invalidf("bad version %q", vs)
	}
	fc := math.Float64frombits(le.Uint64(b[offFloatCookie:]))
	if fc != floatCookie {
		switch {
		case math.Float64frombits(le.Uint64(b[12:])) == floatCookie:
			return 0, "", 0, 0, 0, invalidf("file uses the 32-bit layout (made by rrdtool on a 32-bit machine); only the 64-bit little-endian layout is supported, convert it with rrdtool dump/restore")
		case math.Float64frombits(binary.BigEndian.Uint64(b[offFloatCookie:])) == floatCookie,
			math.Float64frombits(binary.BigEndian.Uint64(b[12:])) == floatCookie:
			return 0, "", 0, 0, 0, invalidf("file uses a big-endian layout; only the 64-bit little-endian layout is supported, convert it with rrdtool dump/restore")
		default:
			return 0, "", 0, 0, 0, invalidf("bad float cookie (file made on another architecture or corrupt)")
		}
	}
	if v > 5 {
		return 0, "", 0, 0, 0, invalidf("unsupported RRD version %s", vs)
	}
	dsCnt = le.Uint64(b[offDSCnt:])
	rraCnt = le.Uint64(b[offRRACnt:])
	step = le.Uint64(b[offPDPStep:])
	return v, vs, dsCnt, rraCnt, step, nil
}

// headerLenFor returns the header length for the given counts, or false if
// it would not fit in fileLen.
func headerLenFor(version int, dsCnt, rraCnt uint64, fileLen int64) (int64, bool) {
	if fileLen < statHeadSize || dsCnt == 0 || rraCnt == 0 {
		return 0, false
	}
	fl := uint64(fileLen)
	if dsCnt > fl/(dsDefSize+pdpPrepSize) || rraCnt > fl/(rraDefSize+rraPtrSize) {
		return 0, false
	}
	if dsCnt*rraCnt > fl/cdpPrepSize {
		return 0, false
	}
	live := uint64(liveHeadSize)
	if version < 3 {
		live = legacyLiveLen
	}
	n := statHeadSize + dsCnt*(dsDefSize+pdpPrepSize) + rraCnt*(rraDefSize+rraPtrSize) + live + dsCnt*rraCnt*cdpPrepSize
	if n > fl {
		return 0, false
	}
	return int64(n), true
}

// shortPart names the header part (as rrdtool's rrd_open does) that does
// not fit in fileLen bytes, or returns "" if the whole header fits.
func shortPart(version int, dsCnt, rraCnt uint64, fileLen int64) string {
	if fileLen < statHeadSize {
		return "stat_head"
	}
	left := uint64(fileLen) - statHeadSize
	live, liveName := uint64(liveHeadSize), "live_head"
	if version < 3 {
		live, liveName = legacyLiveLen, "legacy_last_up"
	}
	parts := []struct {
		name      string
		cnt, size uint64
	}{
		{"ds_def", dsCnt, dsDefSize}, {"rra_def", rraCnt, rraDefSize}, {liveName, 1, live},
		{"pdp_prep", dsCnt, pdpPrepSize}, {"cdp_prep", dsCnt * rraCnt, cdpPrepSize}, {"rra_ptr", rraCnt, rraPtrSize},
	}
	for i, p := range parts {
		if i == 4 && rraCnt != 0 && dsCnt > math.MaxUint64/rraCnt {
			return p.name
		}
		if p.cnt > left/p.size {
			return p.name
		}
		left -= p.cnt * p.size
	}
	return ""
}

// parseLayout validates a whole header (b holds at least the header) for a
// file of fileLen bytes.
func parseLayout(b []byte, fileLen int64) (*layout, error) {
	v, vs, dsCnt, rraCnt, step, err := parseStatHead(b)
	if err != nil {
		return nil, err
	}
	if dsCnt == 0 {
		return nil, invalidf("no data sources")
	}
	if rraCnt == 0 {
		return nil, invalidf("no archives")
	}
	hl, ok := headerLenFor(v, dsCnt, rraCnt, fileLen)
	if !ok {
		if part := shortPart(v, dsCnt, rraCnt, fileLen); part != "" {
			return nil, &ShortFileError{Size: fileLen, Part: part}
		}
		return nil, invalidf("header for %d data sources and %d archives does not fit in %d bytes", dsCnt, rraCnt, fileLen)
	}
	if int64(len(b)) < hl {
		return nil, invalidf("truncated header")
	}
	if step == 0 || step > math.MaxInt32 {
		return nil, invalidf("bad step %d", step)
	}
	l := &layout{version: v, versionS: vs, step: step, headerLen: hl}
	l.ds = make([]dsDef, dsCnt)
	off := int64(statHeadSize)
	for i := range l.ds {
		d := b[off : off+dsDefSize]
		name := cstring(d[:nameSize])
		if name == "" || len(name) >= nameSize {
			return nil, invalidf("data source %d has a bad name", i)
		}
		typ := DSType(cstring(d[nameSize : 2*nameSize]))
		switch typ {
		case Gauge, Counter, Derive, Absolute, DCounter, DDerive:
			l.ds[i] = dsDef{
				name:      name,
				typ:       typ,
				heartbeat: le.Uint64(d[dsOffHeartbeat:]),
				min:       math.Float64frombits(le.Uint64(d[dsOffMin:])),
				max:       math.Float64frombits(le.Uint64(d[dsOffMax:])),
			}
			if l.ds[i].heartbeat == 0 || l.ds[i].heartbeat > math.MaxInt32 {
				return nil, invalidf("data source %q has bad heartbeat %d", name, l.ds[i].heartbeat)
			}
		case Compute:
			nodes, err := decodeRPN(d[dsOffCDEF:], int(dsCnt))
			if err != nil {
				return nil, invalidf("data source %q has a bad COMPUTE expression: %v", name, err)
			}
			l.ds[i] = dsDef{name: name, typ: typ, min: math.NaN(), max: math.NaN(), cdef: nodes}
		default:
			return nil, invalidf("data source %q has unsupported type %q", name, typ)
		}
		off += dsDefSize
	}
	l.rra = make([]rraDef, rraCnt)
	l.rraOff = make([]int64, rraCnt)
	var rowsTotal uint64
	maxRows := uint64(fileLen) / valueSize / dsCnt
	for i := range l.rra {
		d := b[off : off+rraDefSize]
		cf := CF(cstring(d[:nameSize]))
		switch cf {
		case Average, Min, Max, Last:
		default:
			if !cf.isHW() {
				return nil, invalidf("archive %d has unsupported consolidation function %q", i, cf)
			}
		}
		r := rraDef{
			cf:     cf,
			rows:   le.Uint64(d[rraOffRows:]),
			pdpCnt: le.Uint64(d[rraOffPDP:]),
			xff:    math.Float64frombits(le.Uint64(d[rraOffXFF:])),
		}
		for k := range r.par {
			r.par[k] = le.Uint64(d[rraOffPar+8*k:])
		}
		if cf.isHW() {
			r.xff = 0 // par[0] is unused by these archives
		}
		if r.rows == 0 || r.rows > maxRows {
			return nil, invalidf("archive %d has bad row count %d", i, r.rows)
		}
		if r.pdpCnt == 0 || r.pdpCnt > math.MaxInt32 {
			return nil, invalidf("archive %d has bad steps per row %d", i, r.pdpCnt)
		}
		if !(r.xff >= 0 && r.xff < 1) {
			return nil, invalidf("archive %d has bad xff %v", i, r.xff)
		}
		if cf.isHW() {
			l.hasHW = true
		}
		rowsTotal += r.rows
		if rowsTotal > maxRows {
			return nil, invalidf("archives do not fit in the file")
		}
		l.rra[i] = r
		off += rraDefSize
	}
	l.liveOff = off
	l.liveLen = liveHeadSize
	if v < 3 {
		l.liveLen = legacyLiveLen
	}
	l.pdpOff = l.liveOff + l.liveLen
	l.cdpOff = l.pdpOff + int64(dsCnt)*pdpPrepSize
	l.ptrOff = l.cdpOff + int64(dsCnt*rraCnt)*cdpPrepSize
	if l.ptrOff+int64(rraCnt)*rraPtrSize != hl {
		return nil, invalidf("inconsistent header size")
	}
	l.dataLen = int64(rowsTotal * dsCnt * valueSize)
	if hl+l.dataLen > fileLen {
		return nil, &ShortFileError{Size: fileLen, Want: hl + l.dataLen}
	}
	ro := hl
	for i, r := range l.rra {
		l.rraOff[i] = ro
		ro += int64(r.rows * dsCnt * valueSize)
	}
	return l, nil
}

// errNoWrite is returned by Update for files using parts of the format
// that Rogue reads but does not update yet.
var errNoWrite = errors.New("updating files with this data source type or archive is not supported yet")

// checkWritable reports whether Update supports every data source type and
// archive of the file.
func (l *layout) checkWritable() error {
	for _, d := range l.ds {
		switch d.typ {
		case Gauge, Counter, Derive, Absolute, DCounter, DDerive, Compute:
		default:
			return fmt.Errorf("data source %q (%s): %w", d.name, d.typ, errNoWrite)
		}
	}
	return l.checkHW()
}

// state is the mutable header block (live head through rra_ptr) as bytes,
// read and written in place.
type state struct {
	l *layout
	b []byte
}

func (s *state) f64(off int64) float64 { return math.Float64frombits(le.Uint64(s.b[off:])) }
func (s *state) setF64(off int64, v float64) {
	le.PutUint64(s.b[off:], math.Float64bits(v))
}
func (s *state) u64(off int64) uint64       { return le.Uint64(s.b[off:]) }
func (s *state) setU64(off int64, v uint64) { le.PutUint64(s.b[off:], v) }

func (s *state) lastUp() int64 { return int64(s.u64(0)) }
func (s *state) lastUpUsec() int64 {
	if s.l.liveLen < liveHeadSize {
		return 0
	}
	return int64(s.u64(8))
}
func (s *state) setLastUp(sec, usec int64) {
	s.setU64(0, uint64(sec))
	if s.l.liveLen >= liveHeadSize {
		s.setU64(8, uint64(usec))
	}
}

func (s *state) pdp(i int) int64 { return s.l.pdpOff - s.l.liveOff + int64(i)*pdpPrepSize }
func (s *state) cdp(r, d int) int64 {
	return s.l.cdpOff - s.l.liveOff + int64(r*len(s.l.ds)+d)*cdpPrepSize
}
func (s *state) ptr(r int) int64 { return s.l.ptrOff - s.l.liveOff + int64(r)*rraPtrSize }

func (s *state) lastDS(i int) []byte {
	o := s.pdp(i)
	b := s.b[o : o+lastDSLen]
	for j, c := range b {
		if c == 0 {
			return b[:j]
		}
	}
	return b
}

// setLastDS stores v as strncpy(last_ds, v, 29) followed by a NUL does.
func (s *state) setLastDS(i int, v []byte) {
	o := s.pdp(i)
	b := s.b[o : o+lastDSLen]
	n := copy(b[:lastDSLen-1], v)
	clear(b[n:])
}

func (s *state) curRow(r int) uint64 { return s.u64(s.ptr(r)) }

// history returns the violation flags of a FAILURES archive's window, as
// rrdtool info prints them: zero (and any other byte) as no, one as yes.
func (s *state) history(r, d int, no, yes byte) []byte {
	n := int(min(s.l.rra[r].par[parWindowLen], cdpPrepSize))
	out := make([]byte, n)
	o := s.cdp(r, d)
	for j := range out {
		out[j] = no
		if s.b[o+int64(j)] == 1 {
			out[j] = yes
		}
	}
	return out
}

// validate checks the fields of the state that affect memory safety.
func (s *state) validate() error {
	for r, a := range s.l.rra {
		if c := s.curRow(r); c >= a.rows {
			return invalidf("archive %d: current row %d not below row count %d", r, c, a.rows)
		}
	}
	return nil
}
