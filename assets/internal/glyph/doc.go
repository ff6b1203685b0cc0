// Package glyph draws Rogue's icons — a pulse line in a rounded square — and
// packs them into the files the assets package embeds: the colour tray icon,
// the macOS status-bar template icons and the Rogue.icns app icon.
//
// All geometry is integer arithmetic on a supersampling grid, so the pixels
// are the same on every machine and architecture (no floating point, hence no
// fused multiply-add differences), and the PNG bytes depend only on the Go
// version's image/png encoder. assets/gen writes the files; the assets tests
// regenerate them and compare bytes.
package glyph
