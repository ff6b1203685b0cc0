// Package detectcli is the `rogue detect` command: it runs the anomaly
// package's streaming detector over a CSV file (NAB's format) or over a
// stored RRD file and prints every row with its anomaly score.
//
// It reads and writes one row at a time, so its memory does not grow with
// the input, and it reports bad input with the line number instead of
// failing obscurely.
package detectcli
