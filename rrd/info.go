package rrd

import (
	"fmt"
	"time"
)

// Info returns the file's full state (re-read from disk), the fields
// rrdtool info prints.
func (f *File) Info() (*Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var in *Info
	err := f.readLocked(func() error {
		in = f.info()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rrd: info %s: %w", f.path, err)
	}
	return in, nil
}

func (f *File) info() *Info {
	l, s := f.l, &f.st
	def := f.definition()
	in := &Info{
		Filename:   f.path,
		Version:    l.versionS,
		Step:       time.Duration(l.step) * time.Second,
		LastUpdate: def.Start,
		HeaderSize: l.headerLen,
		DS:         make([]DSInfo, len(l.ds)),
		RRA:        make([]RRAInfo, len(l.rra)),
	}
	for i := range l.ds {
		o := s.pdp(i)
		in.DS[i] = DSInfo{
			DS:         def.DS[i],
			LastDS:     string(s.lastDS(i)),
			Value:      s.f64(o + pdpOffVal),
			UnknownSec: int(s.u64(o + pdpOffUnknSec)),
		}
	}
	for r := range l.rra {
		ri := RRAInfo{RRA: def.RRA[r], CurRow: int(s.curRow(r)), CDP: make([]CDPInfo, len(l.ds))}
		for d := range l.ds {
			o := s.cdp(r, d)
			c := &ri.CDP[d]
			switch l.rra[r].cf {
			case HWPredict, MHWPredict:
				c.Intercept, c.Slope = s.f64(o+cdpOffIntercept), s.f64(o+cdpOffSlope)
				c.NaNCount = int(s.u64(o + cdpOffNullCnt))
			case Seasonal:
				c.Seasonal = s.f64(o + cdpOffIntercept)
			case DevSeasonal:
				c.Deviation = s.f64(o + cdpOffIntercept)
			case DevPredict:
			case Failures:
				c.History = string(s.history(r, d, '0', '1'))
			default:
				c.Value, c.UnknownDatapoints = s.f64(o+cdpOffVal), int(s.u64(o+cdpOffUnknPDP))
			}
		}
		in.RRA[r] = ri
	}
	return in
}
