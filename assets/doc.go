// Package assets holds Rogue's icons, embedded in the binary.
//
// The image files in this folder are generated: `go generate ./assets` runs
// ./gen, which draws them from code (package assets/internal/glyph) so that
// anyone can rebuild them byte for byte; a test checks that the checked-in
// files match. build.sh copies Rogue.icns into the macOS app bundle and
// rogue.png next to the Linux .desktop file.
package assets

//go:generate go run ./gen
