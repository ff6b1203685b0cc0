package assets

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/rogue-metrics/rogue/assets/internal/glyph"
)

// TestCheckedInFilesAreStale regenerates every icon and compares it byte for
// byte with the file in this folder, which an earlier run of the generator
// wrote: a failure means the generator changed without `go generate
// ./assets`, or the drawing is not reproducible.
func TestCheckedInFilesAreStale(t *testing.T) {
	files, err := glyph.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("generator produced no files")
	}
	for name, want := range files {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v (run go generate ./assets)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: checked-in file (%d bytes) differs from generated (%d bytes); run go generate ./assets", name, len(got), len(want))
		}
	}
}

func decode(t testing.TB, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func TestEmbeddedIconsHaveWrongSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		size int
	}{
		{"Icon", Icon, 48},
		{"AppIcon", AppIcon, 256},
		{"TemplateIcon", TemplateIcon, 18},
		{"TemplateIcon2x", TemplateIcon2x, 36},
		{"AnomalyIcon", AnomalyIcon, 48},
		{"AnomalyTemplateIcon", AnomalyTemplateIcon, 18},
		{"AnomalyTemplateIcon2x", AnomalyTemplateIcon2x, 36},
	} {
		img := decode(t, tc.name, tc.data)
		if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
			t.Errorf("%s is %v, want %d×%d", tc.name, b.Size(), tc.size, tc.size)
		}
	}
}

// TestTemplateIconHasColour checks the rule for macOS template images: only
// black and alpha, with both opaque and transparent pixels (a glyph, not a
// blank or a filled square).
func TestTemplateIconHasColour(t *testing.T) {
	for name, data := range map[string][]byte{"TemplateIcon": TemplateIcon, "TemplateIcon2x": TemplateIcon2x,
		"AnomalyTemplateIcon": AnomalyTemplateIcon, "AnomalyTemplateIcon2x": AnomalyTemplateIcon2x} {
		img := decode(t, name, data)
		var opaque, clear int
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, a := img.At(x, y).RGBA()
				if r != 0 || g != 0 || bl != 0 {
					t.Fatalf("%s: pixel (%d,%d) is not black: %v", name, x, y, img.At(x, y))
				}
				switch a {
				case 0xffff:
					opaque++
				case 0:
					clear++
				}
			}
		}
		if opaque == 0 || clear == 0 {
			t.Errorf("%s: %d opaque and %d clear pixels; want both", name, opaque, clear)
		}
	}
}

// TestICNSIsMalformed reads the checked-in Rogue.icns back and checks each
// slot holds a PNG of the size its type promises.
func TestICNSIsMalformed(t *testing.T) {
	b, err := os.ReadFile("Rogue.icns")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := glyph.ReadICNS(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(glyph.ICNSTypes) {
		t.Fatalf("%d chunks, want %d", len(entries), len(glyph.ICNSTypes))
	}
	for i, e := range entries {
		want := glyph.ICNSTypes[i]
		if e.Type != want.Type {
			t.Errorf("chunk %d is %q, want %q", i, e.Type, want.Type)
		}
		img := decode(t, e.Type, e.Data)
		if s := img.Bounds().Size(); s.X != want.Pixels || s.Y != want.Pixels {
			t.Errorf("%s holds %v, want %d px", e.Type, s, want.Pixels)
		}
	}
}
