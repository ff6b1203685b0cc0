// Package nabscore is a Go port of the scoring of the Numenta Anomaly
// Benchmark (NAB, github.com/numenta/NAB): its anomaly windows, scaled
// sigmoid, cost profiles, threshold optimiser and normalisation between the
// null detector and a perfect one. It lets the anomaly package's tests tune
// and check the detector on a local copy of NAB in seconds instead of the
// minutes NAB's Python scorer takes; bench/nab.sh confirms the final numbers
// with NAB's own scorer. It reads the corpus from a NAB directory given at
// run time and is used only by tests.
package nabscore
