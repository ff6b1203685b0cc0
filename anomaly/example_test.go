package anomaly_test

import (
	"fmt"
	"math"

	"github.com/rogue-metrics/rogue/anomaly"
)

// A detector per series: a steady daily cycle, then a jump.
func Example() {
	d := anomaly.New(anomaly.Config{})
	start := int64(1_700_000_000)
	for i := range 2000 {
		v := 50 + 10*math.Sin(2*math.Pi*float64(i)/288) // a day of 5-minute samples
		if i == 1900 {
			v = 90
		}
		if s := d.Update(start+int64(i)*300, v); s >= anomaly.Threshold {
			fmt.Printf("sample %d: value %.0f, score %.2f\n", i, v, s)
		}
	}
	// Output:
	// sample 1900: value 90, score 1.00
}
