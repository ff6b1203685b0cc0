// Package assets holds Rogue's icons and the charts page's chart library
// (uPlot, under uplot/), embedded in the binary.
//
// The image files in this folder are generated: `go generate ./assets` runs
// ./gen, which draws them from code (package assets/internal/glyph) so that
// anyone can rebuild them byte for byte; a test checks that the checked-in
// files match. build.sh copies Rogue.icns into the macOS app bundle and
// rogue.png next to the Linux .desktop file.
//
// uplot/ holds files of a uPlot release exactly as published on npm, with
// its licence, version and SHA-256 sums; scripts/fetch-uplot.sh re-fetches
// and verifies them (or, given a version, replaces them).
package assets

//go:generate go run ./gen
