// Package history writes made-up but plausible metric history into RRD
// files, laid out as Rogue's agent lays them out, for the charts tests, the
// charts benchmark and the screenshot: a working day's rhythm in CPU,
// memory, disk, network and typing, and, where asked, an anomaly with its
// scores in <dir>/anomaly/<Name>.rrd as the anomaly detector stores them.
//
// It is deterministic: the same arguments write the same files.
package history

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// Anomaly is a stretch of time where one metric misbehaves and its score
// passes the threshold.
type Anomaly struct {
	Metric   string        // metric name, e.g. "CPUPercent"
	At       time.Time     // start
	Duration time.Duration // length
	Score    float64       // score during the stretch, 0..1
}

// Options says what Plant writes.
type Options struct {
	End       time.Time     // time of the last sample
	Span      time.Duration // how far back the history reaches
	Step      time.Duration // sample step; 0 means a minute
	Anomalies []Anomaly
	// Scores writes a score file for every metric (low noise outside the
	// anomalies); otherwise only metrics with an anomaly get one.
	Scores bool
	Seed   uint64
}

// Definition is the file layout of Rogue's agent for m at step: every
// sample for two weeks, hourly averages and maxima for a year.
func Definition(m metric.Metric, name string, typ rrd.DSType, step time.Duration, start time.Time) rrd.Definition {
	hour := max(1, int(time.Hour/step))
	rows := func(span time.Duration, per int) int { return int(span / (time.Duration(per) * step)) }
	return rrd.Definition{
		Step:  step,
		Start: start,
		DS:    []rrd.DS{{Name: name, Type: typ, Heartbeat: 10 * step, Min: m.Min, Max: m.Max}},
		RRA: []rrd.RRA{
			{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: rows(14*24*time.Hour, 1)},
			{CF: rrd.Average, XFF: 0.5, Steps: hour, Rows: rows(365*24*time.Hour, hour)},
			{CF: rrd.Max, XFF: 0.5, Steps: hour, Rows: rows(365*24*time.Hour, hour)},
		},
	}
}

// Plant writes <dir>/<Name>.rrd for every metric of the catalogue (and the
// score files in <dir>/anomaly), replacing existing ones.
func Plant(dir string, o Options) error {
	if o.Step <= 0 {
		o.Step = time.Minute
	}
	if err := os.MkdirAll(filepath.Join(dir, "anomaly"), 0o700); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	step := int64(o.Step / time.Second)
	end := o.End.Unix() / step * step
	n := int(int64(o.Span/time.Second) / step)
	first := end - int64(n-1)*step
	for mi, m := range metric.All {
		rnd := rand.New(rand.NewPCG(o.Seed, uint64(mi)))
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = value(m.Name, time.Unix(first+int64(i)*step, 0), rnd)
		}
		var anomalies []Anomaly
		for _, a := range o.Anomalies {
			if a.Metric == m.Name {
				anomalies = append(anomalies, a)
			}
		}
		scores := make([]float64, n)
		for i := range vals {
			t := first + int64(i)*step
			scores[i] = 0.02 + 0.12*rnd.Float64()*rnd.Float64()
			for _, a := range anomalies {
				if t >= a.At.Unix() && t < a.At.Add(a.Duration).Unix() {
					vals[i] = spike(m, vals[i])
					scores[i] = a.Score
				}
			}
		}
		if err := write(filepath.Join(dir, m.Name+".rrd"), m, m.Type, first, step, vals); err != nil {
			return err
		}
		if o.Scores || len(anomalies) > 0 {
			sm := metric.Metric{Name: m.Name, Min: 0, Max: 1}
			if err := write(filepath.Join(dir, "anomaly", m.Name+".rrd"), sm, rrd.Gauge, first, step, scores); err != nil {
				return err
			}
		}
	}
	return nil
}

// write creates path with rates vals (one per step from first): as they
// are for a GAUGE, as a running counter for a DERIVE.
func write(path string, m metric.Metric, typ rrd.DSType, first, step int64, vals []float64) error {
	os.Remove(path)
	def := Definition(m, metric.Metric{Name: m.Name}.DSName(), typ, time.Duration(step)*time.Second, time.Unix(first-step, 0))
	if err := rrd.Create(path, def); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	f, err := rrd.Open(path)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	samples := make([]rrd.Sample, len(vals))
	counter := 1e6
	for i, v := range vals {
		x := v
		if typ == rrd.Derive {
			counter += math.Round(v * float64(step))
			x = counter
		}
		samples[i] = rrd.Sample{Time: time.Unix(first+int64(i)*step, 0), Values: []float64{x}}
	}
	if err := f.Update(samples...); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return f.Close()
}

// spike is v as it looks during an anomaly.
func spike(m metric.Metric, v float64) float64 {
	if !math.IsNaN(m.Max) {
		return m.Max * 0.93
	}
	return v*6 + 10
}

// value is metric name's made-up rate at t: a working day (9 to 18 on
// weekdays) with noise.
func value(name string, t time.Time, rnd *rand.Rand) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	work := 0.0
	if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday && h >= 9 && h < 18 {
		work = 0.6 + 0.4*math.Sin((h-9)/9*math.Pi)
	}
	noise := rnd.NormFloat64()
	burst := func(p, size float64) float64 {
		if rnd.Float64() < p {
			return size * rnd.ExpFloat64()
		}
		return 0
	}
	switch name {
	case "CPUPercent":
		return clamp(4+28*work+3*noise+burst(0.02, 25), 0.5, 100)
	case "MemoryPercent":
		return clamp(48+14*work+4*math.Sin(float64(t.Unix())/86400*2*math.Pi/3)+0.6*noise, 0, 100)
	case "DiskReadBytes":
		return math.Max(0, 2e4+3e5*work*(1+0.5*noise)+burst(0.03, 4e6))
	case "DiskWriteBytes":
		return math.Max(0, 6e4+5e5*work*(1+0.4*noise)+burst(0.04, 2e6))
	case "DiskReadTime":
		return math.Max(0, 0.3+4*work*(1+0.5*noise)+burst(0.03, 20))
	case "DiskWriteTime":
		return math.Max(0, 0.8+6*work*(1+0.4*noise)+burst(0.04, 15))
	case "NetworkBytesSent":
		return math.Max(0, 3e3+8e4*work*(1+0.5*noise)+burst(0.02, 1e6))
	case "NetworkBytesReceived":
		return math.Max(0, 1e4+6e5*work*(1+0.6*noise)+burst(0.03, 5e6))
	}
	if work == 0 {
		if name == "KeyCount" || name == "KeySpeed" {
			return 0
		}
		return math.NaN()
	}
	typing := work * (0.5 + 0.5*math.Sin(h*5+noise*0.3))
	switch name {
	case "KeyCount":
		return math.Round(math.Max(0, 180*typing+10*noise))
	case "KeySpeed":
		return math.Max(0, 3*typing+0.2*noise)
	case "KeyDownDown":
		return clamp(0.19+0.03*noise, 0.05, 2)
	case "KeyUpDown":
		return clamp(0.09+0.02*noise, 0.01, 2)
	case "KeyHold":
		return clamp(0.1+0.01*noise, 0.02, 1)
	}
	return 2 + noise
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
