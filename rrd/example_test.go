package rrd_test

import (
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/rogue-metrics/rogue/rrd"
)

// The agent's file for one metric: one GAUGE sampled every minute, two
// weeks of one-minute averages.
func Example() {
	dir, err := os.MkdirTemp("", "rrd-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "CPUPercent.rrd")
	start := time.Unix(1700000040, 0) // on a minute boundary
	err = rrd.Create(path, rrd.Definition{
		Step:  time.Minute,
		Start: start,
		DS:    []rrd.DS{{Name: "CPUPercent", Type: rrd.Gauge, Heartbeat: 10 * time.Minute, Min: 0, Max: math.NaN()}},
		RRA:   []rrd.RRA{{CF: rrd.Average, XFF: 0.5, Steps: 1, Rows: 4032}},
	})
	if err != nil {
		log.Fatal(err)
	}
	f, err := rrd.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	for i := 1; i <= 3; i++ {
		t := start.Add(time.Duration(i) * time.Minute)
		if err := f.Update(rrd.Sample{Time: t, Values: []float64{float64(10 * i)}}); err != nil {
			log.Fatal(err)
		}
	}
	res, err := f.Fetch(rrd.Average, start, start.Add(3*time.Minute), 0)
	if err != nil {
		log.Fatal(err)
	}
	for i, row := range res.Rows {
		fmt.Println(res.Time(i).Unix(), row[0])
	}
	// Output:
	// 1700000100 10
	// 1700000160 20
	// 1700000220 30
	// 1700000280 NaN
}
