package rrd

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"time"
)

// Dump writes the file as rrdtool dump's XML (with its default header),
// byte for byte what rrdtool 1.7 prints for the same file and time zone, so
// that rrdtool restore accepts it.
func (f *File) Dump(w io.Writer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.readLocked(func() error { return f.dump(w) })
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
	return time.Unix(sec, 0).Format("2006-01-02 15:04:05 MST")
}

func (f *File) dump(w io.Writer) error {
	l, s := f.l, &f.st
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	put := func() {
		bw.Write(b)
		b = b[:0]
	}
	b = append(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"+
		"<!DOCTYPE rrd SYSTEM \"https://oss.oetiker.ch/rrdtool/rrdtool.dtd\">\n"+
		"<!-- Round Robin Database Dump -->\n<rrd>\n"...)
	version := l.versionS
	if l.version <= 3 {
		version = "0003"
	}
	lastUp := s.lastUp()
	b = fmt.Appendf(b, "\t<version>%s</version>\n\t<step>%d</step> <!-- Seconds -->\n", version, l.step)
	b = fmt.Appendf(b, "\t<lastupdate>%d</lastupdate> <!-- %s -->\n\n", lastUp, cTime(lastUp))
	for i, d := range l.ds {
		b = fmt.Appendf(b, "\t<ds>\n\t\t<name> %s </name>\n\t\t<type> %s </type>\n\t\t<minimal_heartbeat>%d</minimal_heartbeat>\n", d.name, d.typ, d.heartbeat)
		b = append(b, "\t\t<min>"...)
		b = appendVal(b, d.min)
		b = append(b, "</min>\n\t\t<max>"...)
		b = appendVal(b, d.max)
		b = append(b, "</max>\n\n\t\t<!-- PDP Status -->\n\t\t<last_ds>"...)
		b = append(b, s.lastDS(i)...)
		b = append(b, "</last_ds>\n\t\t<value>"...)
		b = appendVal(b, s.f64(s.pdp(i)+pdpOffVal))
		b = fmt.Appendf(b, "</value>\n\t\t<unknown_sec> %d </unknown_sec>\n\t</ds>\n\n", s.u64(s.pdp(i)+pdpOffUnknSec))
	}
	b = append(b, "\t<!-- Round Robin Archives -->\n"...)
	put()
	nds := int64(len(l.ds))
	for r, a := range l.rra {
		b = fmt.Appendf(b, "\t<rra>\n\t\t<cf>%s</cf>\n\t\t<pdp_per_row>%d</pdp_per_row> <!-- %d seconds -->\n\n", a.cf, a.pdpCnt, a.pdpCnt*l.step)
		b = append(b, "\t\t<params>\n\t\t<xff>"...)
		b = appendE(b, a.xff)
		b = append(b, "</xff>\n\t\t</params>\n\t\t<cdp_prep>\n"...)
		for d := range l.ds {
			o := s.cdp(r, d)
			b = append(b, "\t\t\t<ds>\n\t\t\t<primary_value>"...)
			b = appendVal(b, s.f64(o+cdpOffPrimary))
			b = append(b, "</primary_value>\n\t\t\t<secondary_value>"...)
			b = appendVal(b, s.f64(o+cdpOffSecondary))
			b = append(b, "</secondary_value>\n\t\t\t<value>"...)
			b = appendVal(b, s.f64(o+cdpOffVal))
			b = fmt.Appendf(b, "</value>\n\t\t\t<unknown_datapoints>%d</unknown_datapoints>\n\t\t\t</ds>\n", s.u64(o+cdpOffUnknPDP))
		}
		b = append(b, "\t\t</cdp_prep>\n\t\t<database>\n"...)
		put()
		// Read the archive in chunks, oldest row first.
		rstep := int64(a.pdpCnt * l.step)
		end := lastUp - lastUp%rstep
		rows := int64(a.rows)
		pos := int64(s.curRow(r))
		chunk := make([]byte, min(rows, 4096)*nds*valueSize)
		for done := int64(0); done < rows; {
			p := (pos + 1 + done) % rows
			n := min(rows-p, rows-done, int64(len(chunk))/(nds*valueSize))
			buf := chunk[:n*nds*valueSize]
			if _, err := f.f.ReadAt(buf, l.rraOff[r]+p*nds*valueSize); err != nil {
				return fmt.Errorf("read rows: %w", err)
			}
			for k := int64(0); k < n; k++ {
				t := end - (rows-1-(done+k))*rstep
				b = fmt.Appendf(b, "\t\t\t<!-- %s / %d --> <row>", cTime(t), t)
				for d := int64(0); d < nds; d++ {
					b = append(b, "<v>"...)
					b = appendVal(b, math.Float64frombits(le.Uint64(buf[(k*nds+d)*valueSize:])))
					b = append(b, "</v>"...)
				}
				b = append(b, "</row>\n"...)
				put()
			}
			done += n
		}
		b = append(b, "\t\t</database>\n\t</rra>\n"...)
	}
	b = append(b, "</rrd>\n"...)
	put()
	return bw.Flush()
}
