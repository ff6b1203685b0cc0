package rrd

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// DumpHeader selects the XML prologue of a dump, as rrdtool dump's
// --header option.
type DumpHeader int

// Dump headers.
const (
	HeaderDTD  DumpHeader = iota // XML declaration and DOCTYPE (rrdtool's default)
	HeaderXSD                    // XML declaration and a schema-located root
	HeaderNone                   // just the comment and the root element
)

// Dump writes the file as rrdtool dump's XML (with its default header),
// byte for byte what rrdtool 1.7 prints for the same file and time zone, so
// that rrdtool restore accepts it.
func (f *File) Dump(w io.Writer) error { return f.DumpHeader(w, HeaderDTD) }

// DumpHeader is Dump with the given header. It streams: its memory does
// not grow with the file.
func (f *File) DumpHeader(w io.Writer, h DumpHeader) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.readLocked(func() error { return f.dump(w, h) })
	if err != nil {
		return fmt.Errorf("rrd: dump %s: %w", f.path, err)
	}
	return nil
}

// appendVal formats a value as rrdtool dump does: NaN, or %0.10e.
func appendVal(b []byte, v float64) []byte {
	if math.IsNaN(v) {
		return append(b, "NaN"...)
	}
	return appendE(b, v)
}

func cTime(sec int64) string {
	return string(appendCTime(nil, sec))
}

func appendCTime(b []byte, sec int64) []byte {
	return time.Unix(sec, 0).AppendFormat(b, "2006-01-02 15:04:05 MST")
}

// timeFormatter formats times as strftime("%Y-%m-%d %H:%M:%S %Z") in the
// local zone, reusing the date and zone text within one day of one zone
// period (a dump formats one time per row).
type timeFormatter struct {
	from, to int64  // the cached span [from, to)
	dayStart int64  // Unix time of the cached day's local midnight
	prefix   []byte // "YYYY-MM-DD "
	suffix   []byte // " ZONE"
}

func (tf *timeFormatter) append(b []byte, sec int64) []byte {
	if sec < tf.from || sec >= tf.to {
		if !tf.load(sec) {
			return appendCTime(b, sec)
		}
	}
	b = append(b, tf.prefix...)
	s := sec - tf.dayStart
	h, m, x := s/3600, s/60%60, s%60
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+x/10), byte('0'+x%10))
	return append(b, tf.suffix...)
}

// load caches the day and zone period of sec; false if it cannot.
func (tf *timeFormatter) load(sec int64) bool {
	t := time.Unix(sec, 0)
	zs, ze := t.ZoneBounds()
	name, off := t.Zone()
	y, mo, d := t.Date()
	dayStart := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix() - int64(off)
	from, to := dayStart, dayStart+86400
	if !zs.IsZero() {
		from = max(from, zs.Unix())
	}
	if !ze.IsZero() {
		to = min(to, ze.Unix())
	}
	if sec < from || sec >= to {
		return false
	}
	tf.from, tf.to, tf.dayStart = from, to, dayStart
	tf.prefix = t.AppendFormat(tf.prefix[:0], "2006-01-02 ")
	tf.suffix = append(append(tf.suffix[:0], ' '), name...)
	return true
}

func (f *File) dump(w io.Writer, h DumpHeader) error {
	l, s := f.l, &f.st
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	put := func() {
		bw.Write(b)
		b = b[:0]
	}
	switch h {
	case HeaderXSD:
		b = append(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"+
			"<!-- Round Robin Database Dump -->\n"+
			"<rrd xmlns=\"https://oss.oetiker.ch/rrdtool/rrdtool-dump.xml\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"+
			"\txsi:schemaLocation=\"https://oss.oetiker.ch/rrdtool/rrdtool-dump.xml https://oss.oetiker.ch/rrdtool/rrdtool-dump.xsd\">\n"...)
	case HeaderNone:
		b = append(b, "<!-- Round Robin Database Dump -->\n<rrd>\n"...)
	default:
		b = append(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"+
			"<!DOCTYPE rrd SYSTEM \"https://oss.oetiker.ch/rrdtool/rrdtool.dtd\">\n"+
			"<!-- Round Robin Database Dump -->\n<rrd>\n"...)
	}
	version := l.versionS
	if l.version <= 3 {
		version = "0003"
	}
	lastUp := s.lastUp()
	b = fmt.Appendf(b, "\t<version>%s</version>\n\t<step>%d</step> <!-- Seconds -->\n", version, l.step)
	b = fmt.Appendf(b, "\t<lastupdate>%d</lastupdate> <!-- %s -->\n\n", lastUp, cTime(lastUp))
	names := make([]string, len(l.ds))
	for i, d := range l.ds {
		names[i] = d.name
	}
	for i, d := range l.ds {
		b = fmt.Appendf(b, "\t<ds>\n\t\t<name> %s </name>\n\t\t<type> %s </type>\n", d.name, d.typ)
		if d.typ == Compute {
			b = fmt.Appendf(b, "\t\t<cdef> %s </cdef>\n", rpnString(d.cdef, names))
		} else {
			b = fmt.Appendf(b, "\t\t<minimal_heartbeat>%d</minimal_heartbeat>\n", d.heartbeat)
			b = append(b, "\t\t<min>"...)
			b = appendVal(b, d.min)
			b = append(b, "</min>\n\t\t<max>"...)
			b = appendVal(b, d.max)
			b = append(b, "</max>\n"...)
		}
		b = append(b, "\n\t\t<!-- PDP Status -->\n\t\t<last_ds>"...)
		b = append(b, s.lastDS(i)...)
		b = append(b, "</last_ds>\n\t\t<value>"...)
		b = appendVal(b, s.f64(s.pdp(i)+pdpOffVal))
		b = fmt.Appendf(b, "</value>\n\t\t<unknown_sec> %d </unknown_sec>\n\t</ds>\n\n", s.u64(s.pdp(i)+pdpOffUnknSec))
	}
	b = append(b, "\t<!-- Round Robin Archives -->\n"...)
	put()
	nds := int64(len(l.ds))
	var tf timeFormatter
	for r, a := range l.rra {
		b = fmt.Appendf(b, "\t<rra>\n\t\t<cf>%s</cf>\n\t\t<pdp_per_row>%d</pdp_per_row> <!-- %d seconds -->\n\n", a.cf, a.pdpCnt, a.pdpCnt*l.step)
		b = append(b, "\t\t<params>\n"...)
		b = appendParams(b, &a, l.version)
		b = append(b, "\t\t</params>\n\t\t<cdp_prep>\n"...)
		for d := range l.ds {
			b = appendCDP(b, s, r, d)
		}
		b = append(b, "\t\t</cdp_prep>\n\t\t<database>\n"...)
		put()
		// Read the archive in chunks, oldest row first.
		rstep := int64(a.pdpCnt * l.step)
		end := lastUp - lastUp%rstep
		rows := int64(a.rows)
		pos := int64(s.curRow(r))
		chunk := make([]byte, min(rows, max(1, 4096/nds))*nds*valueSize)
		for done := int64(0); done < rows; {
			p := (pos + 1 + done) % rows
			n := min(rows-p, rows-done, int64(len(chunk))/(nds*valueSize))
			buf := chunk[:n*nds*valueSize]
			if _, err := f.f.ReadAt(buf, l.rraOff[r]+p*nds*valueSize); err != nil {
				return fmt.Errorf("read rows: %w", err)
			}
			for k := int64(0); k < n; k++ {
				t := end - (rows-1-(done+k))*rstep
				b = append(b, "\t\t\t<!-- "...)
				b = tf.append(b, t)
				b = append(b, " / "...)
				b = strconv.AppendInt(b, t, 10)
				b = append(b, " --> <row>"...)
				for d := int64(0); d < nds; d++ {
					b = append(b, "<v>"...)
					b = appendVal(b, math.Float64frombits(le.Uint64(buf[(k*nds+d)*valueSize:])))
					b = append(b, "</v>"...)
				}
				b = append(b, "</row>\n"...)
				if len(b) > 32<<10 {
					put()
				}
			}
			done += n
		}
		b = append(b, "\t\t</database>\n\t</rra>\n"...)
	}
	b = append(b, "</rrd>\n"...)
	put()
	return bw.Flush()
}

// appendParams appends the <params> content of an archive.
func appendParams(b []byte, a *rraDef, version int) []byte {
	tagE := func(b []byte, tag string, v float64) []byte {
		b = append(b, "\t\t<"+tag+">"...)
		b = appendE(b, v)
		return append(b, "</"+tag+">\n"...)
	}
	tagU := func(b []byte, tag string, v uint64) []byte {
		b = append(b, "\t\t<"+tag+">"...)
		b = strconv.AppendUint(b, v, 10)
		return append(b, "</"+tag+">\n"...)
	}
	switch a.cf {
	case HWPredict, MHWPredict:
		b = tagE(b, "hw_alpha", a.f(parAlpha))
		b = tagE(b, "hw_beta", a.f(parBeta))
		b = tagU(b, "dependent_rra_idx", a.par[parDependent])
	case Seasonal, DevSeasonal:
		b = tagE(b, "seasonal_gamma", a.f(parGamma))
		b = tagU(b, "seasonal_smooth_idx", a.par[parSmoothIdx])
		if version >= 4 {
			b = tagE(b, "smoothing_window", a.f(parWindow))
		}
		b = tagU(b, "dependent_rra_idx", a.par[parDependent])
	case Failures:
		b = tagE(b, "delta_pos", a.f(parDeltaPos))
		b = tagE(b, "delta_neg", a.f(parDeltaNeg))
		b = tagU(b, "window_len", a.par[parWindowLen])
		b = tagU(b, "failure_threshold", a.par[parThreshold])
		b = tagU(b, "dependent_rra_idx", a.par[parDependent])
	case DevPredict:
		b = tagU(b, "dependent_rra_idx", a.par[parDependent])
	default:
		b = tagE(b, "xff", a.xff)
	}
	return b
}

// appendCDP appends the <ds> element of an archive's consolidation state.
func appendCDP(b []byte, s *state, r, d int) []byte {
	o := s.cdp(r, d)
	val := func(b []byte, tag string, off int64) []byte {
		b = append(b, "\t\t\t<"+tag+">"...)
		b = appendVal(b, s.f64(o+off))
		return append(b, "</"+tag+">\n"...)
	}
	cnt := func(b []byte, tag string, off int64) []byte {
		b = append(b, "\t\t\t<"+tag+">"...)
		b = strconv.AppendUint(b, s.u64(o+off), 10)
		return append(b, "</"+tag+">\n"...)
	}
	b = append(b, "\t\t\t<ds>\n"...)
	b = val(b, "primary_value", cdpOffPrimary)
	b = val(b, "secondary_value", cdpOffSecondary)
	switch s.l.rra[r].cf {
	case HWPredict, MHWPredict:
		b = val(b, "intercept", cdpOffIntercept)
		b = val(b, "last_intercept", cdpOffLastInt)
		b = val(b, "slope", cdpOffSlope)
		b = val(b, "last_slope", cdpOffLastSlope)
		b = cnt(b, "nan_count", cdpOffNullCnt)
		b = cnt(b, "last_nan_count", cdpOffLastNull)
	case Seasonal, DevSeasonal:
		b = val(b, "seasonal", cdpOffIntercept)
		b = val(b, "last_seasonal", cdpOffLastInt)
		b = cnt(b, "init_flag", cdpOffNullCnt)
	case DevPredict:
	case Failures:
		// rrdtool prints each flag byte with %d, as a signed char.
		b = append(b, "\t\t\t<history>"...)
		n := int(min(s.l.rra[r].par[parWindowLen], cdpPrepSize))
		for j := 0; j < n; j++ {
			b = strconv.AppendInt(b, int64(int8(s.b[o+int64(j)])), 10)
		}
		b = append(b, "</history>\n"...)
	default:
		b = val(b, "value", cdpOffVal)
		b = cnt(b, "unknown_datapoints", cdpOffUnknPDP)
	}
	return append(b, "\t\t\t</ds>\n"...)
}
