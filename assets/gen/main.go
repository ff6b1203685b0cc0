// Command gen writes Rogue's icons into a folder (default: the current one,
// which is assets/ under go generate). See package glyph for what it draws.
//
// Usage: go run ./gen [-o dir]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/rogue-metrics/rogue/assets/internal/glyph"
)

func main() {
	out := flag.String("o", ".", "folder to write the icons to")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	files, err := glyph.Files()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		fmt.Printf("%s\t%d bytes\n", p, len(files[n]))
	}
	return nil
}
