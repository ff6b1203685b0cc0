package rrd

import (
	"fmt"
	"math"
	"slices"
)

// Prefilling is rrdtool create --source (rrdtool 1.7): a new file's
// archives start with the history of existing files. For every archive
// row and data source of the new file, the rows of the source archives
// that overlap the row's time span are consolidated into it, best
// matches first, until the span is covered; the new file's pdp_prep and
// cdp_prep are then copied from a source whose last update falls in the
// same step, or rebuilt from the filled rows. The rules below follow
// rrdtool 1.7.2's results to the byte, including its arithmetic in C int
// and its way of ordering candidates, so that a file made here is the
// file rrdtool makes from the same sources.

// SourceDS names where a new data source's history comes from when a file
// is created from sources (rrdtool's DS:new=old[index]).
type SourceDS struct {
	// Name is the data source in the source file; empty means the new
	// data source's own name.
	Name string
	// Index is the 1-based position of the one source file to read, as
	// in rrdtool's [index]; 0 means every source, in order. A negative
	// index, or one beyond the list, matches no file.
	Index int
}

// CreateOptions are the optional inputs of CreateWith.
type CreateOptions struct {
	// Template, when set, gives the new file the data sources and
	// archives of this file first, as rrdtool create --template.
	Template *File
	// Sources, when set, prefill the new file with their history, as
	// rrdtool create --source does with each in turn. By default a data
	// source is filled from the source data sources of the same name.
	Sources []*File
	// Map redirects data sources, keyed by the new data source's name.
	Map map[string]SourceDS
}

// CreateWith is Create with a template and prefill sources. A zero
// def.Step takes the template's step (else 300 s). A zero def.Start takes
// the latest last update of the sources, else the template's last update,
// else now - 10 s, as rrdtool create does. The sources are read whole
// under their shared locks; the new file is built in memory and written
// as Create writes, so that memory use is about twice the size of the new
// file and the sources together. A prefill that would need more than
// 4 GiB is refused.
func CreateWith(path string, def Definition, opts CreateOptions) error {
	tmpl := &templateDefs{}
	if opts.Template != nil {
		t, lastUp, step, err := readTemplate(opts.Template)
		if err != nil {
			return fmt.Errorf("rrd: create %s: template: %w", path, err)
		}
		tmpl = t
		if def.Step == 0 {
			def.Step = step
		}
		if def.Start.IsZero() && lastUp > 0 && len(opts.Sources) == 0 {
			def.Start = unixTime(lastUp, 0)
		}
	}
	if len(opts.Sources) == 0 {
		return create(path, def, tmpl, nil)
	}
	srcs := make([]*pfFile, len(opts.Sources))
	var latest int64
	for i, f := range opts.Sources {
		s, err := f.snapshot()
		if err != nil {
			return fmt.Errorf("rrd: create %s: source %s: %w", path, f.Path(), err)
		}
		srcs[i] = s
		latest = max(latest, s.lastUp)
	}
	if def.Start.IsZero() {
		def.Start = unixTime(latest, 0)
	}
	return create(path, def, tmpl, func(l *layout, hdr []byte) ([]byte, error) {
		return prefill(l, hdr, srcs, opts.Map)
	})
}

// pfFile is one file as prefilling sees it: its state and all its rows.
type pfFile struct {
	step   uint64
	lastUp int64
	ds     []dsDef
	pdp    []byte // pdp_prep of every data source
	rra    []*pfArchive
}

type pfArchive struct {
	cf     CF
	pdpCnt uint64
	rows   uint64
	xff    float64 // par[RRA_cdp_xff_val], whatever the CF
	curRow uint64
	vals   []float64 // rows × data sources
	cdp    []byte    // cdp_prep of every data source; nil for the temporary archive
}

func newPFFile(l *layout, st state, vals []float64) *pfFile {
	nds := len(l.ds)
	f := &pfFile{step: l.step, lastUp: st.lastUp(), ds: l.ds}
	f.pdp = st.b[st.pdp(0) : st.pdp(0)+int64(nds)*pdpPrepSize]
	var row uint64
	for r, a := range l.rra {
		c := st.cdp(r, 0)
		f.rra = append(f.rra, &pfArchive{
			// par[0] as it is, also for the Holt-Winters archives (whose
			// xff the layout reads as 0): rrdtool's prefill reads it so.
			cf: a.cf, pdpCnt: a.pdpCnt, rows: a.rows, xff: math.Float64frombits(a.par[0]), curRow: st.curRow(r),
			vals: vals[row*uint64(nds) : (row+a.rows)*uint64(nds)],
			cdp:  st.b[c : c+int64(nds)*cdpPrepSize],
		})
		row += a.rows
	}
	return f
}

// snapshot reads the whole file under the shared lock.
func (f *File) snapshot() (*pfFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out *pfFile
	err := f.readLocked(func() error {
		l := f.l
		if err := checkPrefillRows(l); err != nil {
			return err
		}
		if 2*l.dataLen > maxPrefillBytes {
			return fmt.Errorf("prefilling would read %d MB of rows into memory, more than the %d MB allowed", l.dataLen>>20, maxPrefillBytes>>21)
		}
		data := make([]byte, l.dataLen)
		if _, err := f.f.ReadAt(data, l.headerLen); err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
		vals := make([]float64, len(data)/valueSize)
		for i := range vals {
			vals[i] = math.Float64frombits(le.Uint64(data[i*valueSize:]))
		}
		hdr := append([]byte(nil), f.hdr...)
		out = newPFFile(l, state{l: l, b: hdr[l.liveOff:]}, vals)
		return nil
	})
	return out, err
}

// prefill fills the new file whose header is hdr (with layout l) from
// srcs and returns its rows as bytes; it updates the header's pdp_prep
// and cdp_prep in place.
func prefill(l *layout, hdr []byte, srcs []*pfFile, mapping map[string]SourceDS) ([]byte, error) {
	if err := checkPrefillSize(l); err != nil {
		return nil, err
	}
	st := state{l: l, b: hdr[l.liveOff:]}
	vals := make([]float64, l.dataLen/valueSize)
	for i := range vals {
		vals[i] = dnan
	}
	t := newPFFile(l, st, vals)
	nds := len(l.ds)
	cdpArch := cdpArchive(t)
	targets := t.rra
	if cdpArch.cdp == nil { // temporary: filled like the others, then dropped
		targets = append(targets[:len(targets):len(targets)], cdpArch)
	}
	for _, a := range targets {
		for d := range nds {
			cands := findCandidates(t, a, d, srcs, mapping, selectForCreate, true)
			if len(cands) == 0 {
				continue
			}
			for row := range a.rows {
				prefillRow(t, a, d, int32(row), cands)
			}
			prefillPDPPrep(t, d, cands)
		}
	}
	for r, a := range t.rra {
		for d := range nds {
			cands := findCandidates(t, a, d, srcs, mapping, sameConsolidation, false)
			prefillCDPPrep(&st, t, r, a, d, cands, cdpArch)
		}
	}
	out := make([]byte, len(vals)*valueSize)
	for i, v := range vals {
		le.PutUint64(out[i*valueSize:], math.Float64bits(v))
	}
	return out, nil
}

// maxPrefillBytes bounds the memory a prefill may take for the new file's
// rows (and the temporary archive rrdtool adds for them); beyond it
// rrdtool would be as unlikely to find the memory.
const maxPrefillBytes = 4 << 30

// checkPrefillRows refuses archives whose rows rrdtool's prefilling
// counts beyond its C int.
func checkPrefillRows(l *layout) error {
	for i, a := range l.rra {
		if a.rows > math.MaxInt32 {
			return fmt.Errorf("archive %d has %d rows; prefilling handles at most %d", i, a.rows, math.MaxInt32)
		}
	}
	return nil
}

func checkPrefillSize(l *layout) error {
	if err := checkPrefillRows(l); err != nil {
		return err
	}
	var largest uint64
	for _, a := range l.rra {
		largest = max(largest, a.pdpCnt)
	}
	// the rows twice (as float64s and as bytes), the temporary archive
	tmp := 2 * largest * uint64(len(l.ds)) * valueSize
	if total := 2*uint64(l.dataLen) + tmp; total > maxPrefillBytes || tmp/valueSize/2 != largest*uint64(len(l.ds)) {
		return fmt.Errorf("prefilling needs about %d MB of memory, more than the %d MB allowed", total>>20, maxPrefillBytes>>20)
	}
	return nil
}

// cdpArchive returns the archive whose rows rebuild the cdp_prep of the
// others: the longest AVERAGE archive of one step per row, if it holds at
// least twice the steps of the coarsest archive, else a temporary one of
// that length.
func cdpArchive(t *pfFile) *pfArchive {
	var largest uint64
	var best *pfArchive
	for _, a := range t.rra {
		largest = max(largest, a.pdpCnt)
		if a.pdpCnt == 1 && a.cf == Average && (best == nil || best.rows < a.rows) {
			best = a
		}
	}
	largest *= 2
	if best != nil && best.rows >= largest {
		return best
	}
	vals := make([]float64, largest*uint64(len(t.ds)))
	for i := range vals {
		vals[i] = dnan
	}
	return &pfArchive{cf: Average, pdpCnt: 1, rows: largest, xff: 0.5, vals: vals}
}

// A candidate is a source archive that may fill a data source of a new
// archive.
type candidate struct {
	f  *pfFile
	a  *pfArchive
	ds int // the data source's index in f
}

func selectForCreate(tofill, maybe *pfArchive) bool {
	return maybe.cf == Average || maybe.cf == tofill.cf
}

func sameConsolidation(tofill, maybe *pfArchive) bool {
	return maybe.cf == tofill.cf && maybe.pdpCnt == tofill.pdpCnt
}

// findCandidates lists, source by source, the archives that may fill data
// source d of archive a: within a source finest first and then longest
// first, and with order, exact matches (same CF and row duration) first,
// then AVERAGE, then by row duration and length.
func findCandidates(t *pfFile, a *pfArchive, d int, srcs []*pfFile, mapping map[string]SourceDS, sel func(tofill, maybe *pfArchive) bool, order bool) []candidate {
	name := t.ds[d].name
	m, mapped := mapping[name]
	if mapped && m.Name != "" {
		name = m.Name
	}
	var out []candidate
	for i, s := range srcs {
		if mapped && m.Index != 0 && m.Index != i+1 {
			continue
		}
		sd := slices.IndexFunc(s.ds, func(x dsDef) bool { return x.name == name })
		if sd < 0 {
			continue
		}
		var list []candidate
		for _, sa := range s.rra {
			if sel(a, sa) {
				list = append(list, candidate{f: s, a: sa, ds: sd})
			}
		}
		// rrdtool sorts with glibc's qsort, a merge sort (stable) here.
		slices.SortStableFunc(list, func(x, y candidate) int {
			if x.a.pdpCnt == y.a.pdpCnt {
				return int(int32(y.a.rows - x.a.rows))
			}
			return int(int32(x.a.pdpCnt - y.a.pdpCnt))
		})
		if order {
			quickSortC(list, func(x, y candidate) int { return orderCandidates(x, y, t, a) })
		}
		out = append(out, list...)
	}
	return out
}

// orderCandidates is rrdtool's order: a match in CF and row duration
// always first, AVERAGE before other CFs, then the shorter rows, then the
// longer archive. (It is not a consistent order; quickSortC gives the
// result rrdtool's sort gives.)
func orderCandidates(x, y candidate, t *pfFile, a *pfArchive) int {
	want := a.pdpCnt * t.step
	if x.a.cf == a.cf && x.a.pdpCnt*x.f.step == want {
		return -1
	}
	if y.a.cf == a.cf && y.a.pdpCnt*y.f.step == want {
		return 1
	}
	if x.a.cf != y.a.cf {
		switch {
		case x.a.cf == Average:
			return -1
		case y.a.cf == Average:
			return 1
		}
		return 0
	}
	if d := int32(x.a.pdpCnt*x.f.step - y.a.pdpCnt*y.f.step); d != 0 {
		return int(d)
	}
	return -int(int32(x.a.rows - y.a.rows))
}

// quickSortC sorts s as rrdtool's quick_sort does: the first element is
// the pivot, the partition scans from both ends, and the pivot takes part
// in the right half's recursion.
func quickSortC[T any](s []T, cmp func(a, b T) int) {
	var sortRange func(begin, end int)
	sortRange = func(begin, end int) {
		if begin >= end {
			return
		}
		l, r, p := begin+1, end, begin
		for l < r {
			switch {
			case cmp(s[l], s[p]) <= 0:
				l++
			case cmp(s[r], s[p]) >= 0:
				r--
			default:
				s[l], s[r] = s[r], s[l]
			}
		}
		if cmp(s[l], s[p]) <= 0 {
			s[l], s[p] = s[p], s[l]
			l--
		} else {
			l--
			s[l], s[p] = s[p], s[l]
		}
		sortRange(begin, l)
		sortRange(r, end)
	}
	sortRange(0, len(s)-1)
}

// positiveMod is a % b in C int, made non-negative.
func positiveMod(a, b int32) int32 {
	if b == 0 {
		return 0 // a zero-row archive: no file has one
	}
	x := a % b
	if x < 0 {
		x += b
	}
	return x
}

// rowEnd is the end time of row in archive a of f (rrdtool's
// end_time_for_row, in C int where rrdtool uses it).
func rowEnd(f *pfFile, a *pfArchive, row int32) int64 {
	slot := int32(a.pdpCnt * f.step)
	if slot == 0 {
		return 0 // an archive of 2^32 s per row: no file has one
	}
	past := positiveMod(int32(a.curRow)-row, int32(a.rows))
	return f.lastUp - f.lastUp%int64(slot) - int64(past*slot)
}

// rowFor is the row of archive a of f whose span holds t, or -1 (rrdtool's
// row_for_time: t is rounded up to a row end, the last update is not).
func rowFor(f *pfFile, a *pfArchive, t int64) int32 {
	slot := int64(int32(a.pdpCnt * f.step))
	if slot <= 0 {
		return -1
	}
	last := f.lastUp
	if d := t % slot; d > 0 {
		t += slot - d
	}
	if t > last {
		return -1
	}
	if t <= int64(int32(last)-int32(a.rows)*int32(slot)) {
		return -1
	}
	past := int32((last - t) / slot)
	if past >= int32(a.rows) {
		return -1
	}
	return positiveMod(int32(a.curRow)-past, int32(a.rows))
}

// overlap is rrdtool's measure of two closed intervals' overlap: one less
// than the seconds they share, and 0 for an empty or one-second interval.
func overlap(s1, e1, s2, e2 int64) int64 {
	if s1 >= e1 || s2 >= e2 || s1 > e2 || s2 > e1 {
		return 0
	}
	return min(e1, e2) - max(s1, s2)
}

func within(s1, e1, s2, e2 int64) bool {
	if e1-s1 > e2-s2 {
		return false
	}
	return overlap(s1, e1, s2, e2) == e1-s1
}

// span is a piece of a row's time, covered by source data or not.
type span struct {
	covered    bool
	start, end int64 // inclusive
}

// cover marks [start, end] as covered in spans, which partition a row's
// time, and returns the spans and the seconds newly covered, with the
// case analysis of rrdtool's add_coverage (whose treatment of one-second
// spans the results depend on).
func cover(spans []span, start, end int64) ([]span, int) {
	first, last := spans[0].start, spans[len(spans)-1].end
	start, end = max(start, first), min(end, last)
	newly := 0
	if end < first || start > last {
		return spans, 0
	}
	for i := 0; i < len(spans); i++ {
		os, oe := spans[i].start, spans[i].end
		if within(start, end, os, oe) {
			if spans[i].covered {
				break
			}
			switch {
			case start == os && end == oe:
				spans[i].covered = true
			case start == os:
				spans = slices.Insert(spans, i+1, span{false, end + 1, oe})
				spans[i] = span{true, os, end}
			case end == oe:
				spans = slices.Insert(spans, i+1, span{true, start, oe})
				spans[i] = span{false, os, start - 1}
			default:
				spans = slices.Insert(spans, i+1, span{true, start, end}, span{false, end + 1, oe})
				spans[i] = span{false, os, start - 1}
			}
			newly += int(end - start + 1)
			break
		}
		if within(os, oe, start, end) && !spans[i].covered {
			spans[i].covered = true
			newly += int(oe - os + 1)
		}
		if start >= os && start <= oe {
			switch {
			case spans[i].covered:
				start = oe + 1
				continue
			case spans[i].start == start:
				spans[i].covered = true
			default:
				spans = slices.Insert(spans, i+1, span{true, start, oe})
				spans[i] = span{false, os, start - 1}
				newly += int(oe - start + 1)
			}
			start = oe + 1
		}
	}
	for i := 0; i < len(spans)-1; {
		if spans[i].covered == spans[i+1].covered {
			spans[i].end = spans[i+1].end
			spans = slices.Delete(spans, i+1, i+2)
			continue
		}
		i++
	}
	return spans, newly
}

// prefillRow fills row of data source d of archive a from cands.
func prefillRow(t *pfFile, a *pfArchive, d int, row int32, cands []candidate) {
	size := int64(a.pdpCnt * t.step)
	need := int64(a.xff * float64(size))
	end := rowEnd(t, a, row)
	start := end - size + 1
	spans := []span{{false, start, end}}
	var total int64
	value := dnan
	for _, c := range cands {
		if total >= size {
			break
		}
		ca := c.a
		endRow, startRow := rowFor(c.f, ca, end), rowFor(c.f, ca, start)
		if endRow < 0 || startRow < 0 {
			continue
		}
		n := positiveMod(endRow-startRow+1, int32(ca.rows))
		csize := int64(ca.pdpCnt * c.f.step)
		nds := uint64(len(c.f.ds))
		for ci := uint32(startRow); n > 0 && total < size; ci, n = ci+1, n-1 {
			if uint64(ci) == ca.rows {
				ci = 0
			}
			cend := rowEnd(c.f, ca, int32(ci))
			cstart := cend - csize + 1
			v := ca.vals[uint64(ci)*nds+uint64(c.ds)]
			if math.IsNaN(v) || overlap(start, end, cstart, cend)+1 <= 0 {
				continue
			}
			var k int
			spans, k = cover(spans, cstart, cend)
			if k > 0 {
				total += int64(k)
				value = consolidateInto(a.cf, value, v, int32(size), int32(k))
			}
		}
	}
	if total > need {
		if a.cf == Average {
			value = float64(value/float64(int32(total))) * float64(int32(size))
		}
		a.vals[int64(row)*int64(len(t.ds))+int64(d)] = value
	}
}

// consolidateInto adds v, which covers k seconds of a row of size
// seconds, to the row's estimate (rrdtool's prefill_consolidate, for which
// every CF but MIN, MAX and LAST sums time-weighted values).
func consolidateInto(cf CF, cur, v float64, size, k int32) float64 {
	switch cf {
	case Min:
		if math.IsNaN(cur) || v < cur {
			return v
		}
		return cur
	case Max:
		if math.IsNaN(cur) || v > cur {
			return v
		}
		return cur
	case Last:
		return v
	}
	if math.IsNaN(cur) {
		cur = 0
	}
	return cur + float64(v/float64(size))*float64(k)
}

// prefillPDPPrep copies data source d's pdp_prep from the first candidate
// source whose last update falls in the new file's current step, if its
// last reading is known and the types match.
func prefillPDPPrep(t *pfFile, d int, cands []candidate) {
	o := d * pdpPrepSize
	if cstring(t.pdp[o:o+lastDSLen]) != string(unknownText) {
		return
	}
	begin := int64(uint64(t.lastUp)/t.step*t.step) + 1
	end := begin + int64(t.step) - 1
	var prev *pfFile
	for _, c := range cands {
		if c.f == prev {
			continue
		}
		prev = c.f
		so := c.ds * pdpPrepSize
		if cstring(c.f.pdp[so:so+lastDSLen]) == string(unknownText) {
			continue
		}
		sbegin := int64(uint64(c.f.lastUp)/c.f.step*c.f.step) + 1
		send := sbegin + int64(c.f.step) - 1
		if send > end || send < begin || t.ds[d].typ != c.f.ds[c.ds].typ {
			continue
		}
		copy(t.pdp[o:o+pdpPrepSize], c.f.pdp[so:so+pdpPrepSize])
		// rrdtool reads the unknown seconds (a count) as a double here,
		// which is true only of counts no file has.
		u := le.Uint64(t.pdp[o+pdpOffUnknSec:])
		if math.Float64frombits(u) > float64(t.step) {
			known := int64(float64(c.f.step) - math.Float64frombits(u))
			le.PutUint64(t.pdp[o+pdpOffUnknSec:], uint64(max(0, t.lastUp-begin-known)))
		}
		return
	}
}

// prefillCDPPrep sets the cdp_prep of data source d in archive r (a): a
// copy of a source's whose consolidation interval and step are the new
// file's current ones, else rebuilt from the rows of the cdp archive.
func prefillCDPPrep(st *state, t *pfFile, r int, a *pfArchive, d int, cands []candidate, cdpArch *pfArchive) {
	o := st.cdp(r, d)
	cstep := int64(int32(a.pdpCnt * t.step))
	if cstep <= 0 {
		return // rows of 2^31 s or more: no file has them
	}
	begin := t.lastUp/cstep*cstep + 1
	end := begin + cstep - 1
	for _, c := range cands {
		if c.f.step != t.step {
			continue
		}
		sstep := int64(int32(c.a.pdpCnt * c.f.step))
		if sstep <= 0 {
			continue
		}
		sbegin := c.f.lastUp/sstep*sstep + 1
		if sbegin == begin && sbegin+sstep-1 == end && uint64(t.lastUp)/t.step == uint64(c.f.lastUp)/c.f.step {
			so := c.ds * cdpPrepSize
			copy(st.b[o:o+cdpPrepSize], c.a.cdp[so:so+cdpPrepSize])
			return
		}
	}
	def := st.l.rra[r]
	initCDP(st, o, a.cf, 0)
	st.setU64(o+cdpOffUnknPDP, 0) // whatever the CF
	nds := int64(len(t.ds))
	if a.pdpCnt == 1 {
		st.setF64(o+cdpOffPrimary, 0)
		st.setF64(o+cdpOffSecondary, 0)
		if row := rowFor(t, cdpArch, begin-int64(t.step)); row >= 0 {
			st.setF64(o+cdpOffPrimary, cdpArch.vals[int64(row)*nds+int64(d)])
		}
		return
	}
	for at := begin - int64(a.pdpCnt*t.step); at < end && at < t.lastUp; at += int64(t.step) {
		row := rowFor(t, cdpArch, at)
		if row < 0 {
			continue
		}
		v := cdpArch.vals[int64(row)*nds+int64(d)]
		n := a.pdpCnt - uint64(at%cstep)/t.step
		var stepCnt uint64
		if n == 1 {
			stepCnt = 1
		}
		updateCDP(st, o, def, v, stepCnt, 1, n)
	}
}
