package rrd

import (
	"fmt"
	"math"
)

// fnvHash is rrdtool's FnvHash of a file name: FNV-1 with the 32-bit
// prime, computed in an unsigned long (64 bits). rrdtool places the
// smoothing row of SEASONAL and DEVSEASONAL archives by it.
func fnvHash(s string) uint64 {
	h := uint64(0x811c9dc5)
	for i := 0; i < len(s); i++ {
		h *= 0x01000193
		h ^= uint64(s[i])
	}
	return h
}

// checkRRA validates one archive of a definition as rrdtool create's
// parseRRA does.
func checkRRA(i int, r RRA, n int) error {
	dep := func(required bool) error {
		if r.Dependent < 0 || r.Dependent > n || (required && r.Dependent == 0) {
			return fmt.Errorf("RRA %d (%s): dependent archive %d out of range", i, r.CF, r.Dependent)
		}
		return nil
	}
	rows := func() error {
		if r.Rows <= 0 || r.Rows > 1<<31 {
			return fmt.Errorf("RRA %d: Invalid row count %d: must be >= 1", i, r.Rows)
		}
		return nil
	}
	if err := rows(); err != nil {
		return err
	}
	switch r.CF {
	case Average, Min, Max, Last:
		if !(r.XFF >= 0 && r.XFF < 1) {
			return fmt.Errorf("RRA %d: Invalid xff: must be between 0 and 1", i)
		}
		if r.Steps <= 0 || r.Steps > math.MaxInt32 {
			return fmt.Errorf("RRA %d: Invalid step %d: must be >= 1", i, r.Steps)
		}
		return nil
	case HWPredict, MHWPredict:
		switch {
		case !(r.Alpha > 0 && r.Alpha < 1):
			return fmt.Errorf("RRA %d: Invalid alpha: must be between 0 and 1", i)
		case !(r.Beta >= 0 && r.Beta <= 1):
			return fmt.Errorf("RRA %d: Invalid beta: must be between 0 and 1", i)
		case r.Period < 1 || r.Period > math.MaxUint16:
			return fmt.Errorf("RRA %d: Invalid seasonal period %d", i, r.Period)
		case r.Period > r.Rows:
			return fmt.Errorf("RRA %d: Length of seasonal cycle exceeds length of HW prediction array", i)
		}
		return dep(false)
	case Seasonal, DevSeasonal:
		switch {
		case !(r.Gamma > 0 && r.Gamma < 1):
			return fmt.Errorf("RRA %d: Invalid gamma: must be between 0 and 1", i)
		case !(r.SmoothingWindow >= 0 && r.SmoothingWindow <= 1):
			return fmt.Errorf("RRA %d: Invalid smoothing-window %f: must be between 0 and 1", i, r.SmoothingWindow)
		}
		return dep(true)
	case DevPredict:
		return dep(true)
	case Failures:
		switch {
		case r.Threshold < 1 || r.Threshold > maxFailWindow:
			return fmt.Errorf("RRA %d: Failure threshold is out of range %d, %d", i, 1, maxFailWindow)
		case r.Window < 1 || r.Window > maxFailWindow:
			return fmt.Errorf("RRA %d: Window length is out of range %d, %d", i, 1, maxFailWindow)
		case r.Window < r.Threshold:
			return fmt.Errorf("RRA %d: Window length is shorter than the failure threshold", i)
		}
		return dep(true)
	}
	return fmt.Errorf("unrecognized consolidation function %s", r.CF)
}

// expandRRAs turns the archives of a definition into the archives of the
// file, as rrdtool create does: Holt-Winters parameters in place and, for
// an HWPREDICT or MHWPREDICT without a dependent archive, its SEASONAL,
// DEVSEASONAL, DEVPREDICT and FAILURES archives right after it. It also
// returns the format version the archives need.
// base is the number of archives before these (from a template).
func expandRRAs(rras []RRA, path string, base int) ([]rraDef, string) {
	hash := fnvHash(path)
	f64 := math.Float64bits
	version := "0003"
	var out []rraDef
	for _, r := range rras {
		d := rraDef{cf: r.CF, rows: uint64(r.Rows), pdpCnt: 1}
		switch r.CF {
		case HWPredict, MHWPredict:
			if r.CF == MHWPredict {
				version = "0004"
			}
			d.par[parAlpha], d.par[parBeta] = f64(r.Alpha), f64(r.Beta)
			d.par[parPeriod] = f64(float64(r.Period))
			hw := uint64(base + len(out))
			if r.Dependent > 0 {
				d.par[parDependent] = uint64(r.Dependent - 1)
				out = append(out, d)
				continue
			}
			period := uint64(r.Period)
			d.par[parDependent] = hw + 1
			out = append(out, d)
			for _, cf := range []CF{Seasonal, DevSeasonal} {
				s := rraDef{cf: cf, rows: period, pdpCnt: 1}
				s.par[parGamma] = f64(r.Alpha)
				s.par[parSmoothIdx] = hash % period
				s.par[parDependent] = hw
				out = append(out, s)
			}
			p := rraDef{cf: DevPredict, rows: uint64(r.Rows), pdpCnt: 1}
			p.par[parDependent] = hw + 2
			fl := rraDef{cf: Failures, rows: period, pdpCnt: 1}
			fl.par[parDeltaPos], fl.par[parDeltaNeg] = f64(2), f64(2)
			fl.par[parThreshold], fl.par[parWindowLen] = 7, 9
			fl.par[parDependent] = hw + 2
			out = append(out, p, fl)
			continue
		case Seasonal, DevSeasonal:
			d.par[parGamma] = f64(r.Gamma)
			d.par[parWindow] = f64(0.05)
			if r.SmoothingWindow != 0 {
				d.par[parWindow] = f64(r.SmoothingWindow)
				version = "0004"
			}
			d.par[parSmoothIdx] = hash % d.rows
			d.par[parDependent] = uint64(r.Dependent - 1)
		case DevPredict:
			d.par[parDependent] = uint64(r.Dependent - 1)
		case Failures:
			deltaPos, deltaNeg := r.DeltaPos, r.DeltaNeg
			if deltaPos == 0 {
				deltaPos = 2
			}
			if deltaNeg == 0 {
				deltaNeg = 2
			}
			d.par[parDeltaPos], d.par[parDeltaNeg] = f64(deltaPos), f64(deltaNeg)
			d.par[parWindowLen], d.par[parThreshold] = uint64(r.Window), uint64(r.Threshold)
			d.par[parDependent] = uint64(r.Dependent - 1)
		default:
			d.pdpCnt = uint64(r.Steps)
			d.xff = r.XFF
			d.par[0] = f64(r.XFF)
		}
		out = append(out, d)
	}
	return out, version
}
