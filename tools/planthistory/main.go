// Command planthistory writes made-up but plausible history into a folder of
// RRD files, as Rogue's agent lays them out, with one planted CPU anomaly
// and its scores: for the charts screenshot (scripts/screenshot.sh) and for
// trying the charts page without waiting two weeks.
//
//	go run ./tools/planthistory --prefix DIR [--days 14] [--step 1m] [--anomaly-hours-ago 50]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rogue-metrics/rogue/internal/history"
)

func main() {
	prefix := flag.String("prefix", "", "`folder` to write the RRD files into (required)")
	days := flag.Int("days", 14, "days of history, ending now")
	step := flag.Duration("step", time.Minute, "sample `step` (whole seconds), as Rogue's --interval")
	ago := flag.Float64("anomaly-hours-ago", 50, "start of the planted CPU anomaly, in `hours` before now (negative: none)")
	flag.Parse()
	if *prefix == "" || *days < 1 || *days > 14 || *step < time.Second || *step%time.Second != 0 {
		flag.Usage()
		os.Exit(2)
	}
	end := time.Now()
	o := history.Options{End: end, Span: time.Duration(*days) * 24 * time.Hour, Step: *step, Scores: true, Seed: 3}
	if *ago >= 0 {
		at := end.Add(-time.Duration(*ago * float64(time.Hour))).Truncate(time.Minute)
		o.Anomalies = []history.Anomaly{{Metric: "CPUPercent", At: at, Duration: 40 * time.Minute, Score: 0.94}}
	}
	if err := history.Plant(*prefix, o); err != nil {
		fmt.Fprintln(os.Stderr, "planthistory:", err)
		os.Exit(1)
	}
}
