package glyph

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// Colours of the app and tray icons.
var (
	navy  = color.NRGBA{0x24, 0x32, 0x4f, 0xff}
	green = color.NRGBA{0x4b, 0xe3, 0xa0, 0xff}
	black = color.NRGBA{0, 0, 0, 0xff}
	alert = color.NRGBA{0xff, 0x5a, 0x36, 0xff} // the anomaly badge
	clear = color.NRGBA{}
)

// pulse is the line every icon draws: flat, a blip, a dip, a spike, flat
// again, from x=left to x=right; tall stretches it vertically (in percent)
// for small icons, where detail needs height to stay legible.
func pulse(left, right, tall int64) []point {
	y := func(v int64) int64 { return 560 + (v-560)*tall/100 }
	return []point{
		{left, 560}, {380, 560}, {450, y(360)}, {540, y(720)}, {625, y(280)}, {695, 560}, {right, 560},
	}
}

// appIcon follows the macOS app icon grid: an 824-unit rounded square
// centred on the 1024 canvas, leaving room for the system's drop shadow.
func appIcon(size int) *image.NRGBA {
	return render(size, samples(size), []layer{
		{roundRect{point{100, 100}, point{924, 924}, 185}, navy},
		{stroke{pulse(220, 804, 100), 38}, green},
	})
}

// trayIcon is the colour icon for Linux trays, which show icons small and
// without a shadow, so the square fills the canvas.
func trayIcon(size int) *image.NRGBA {
	return render(size, samples(size), []layer{
		{roundRect{point{24, 24}, point{1000, 1000}, 200}, navy},
		{stroke{pulse(170, 854, 100), 60}, green},
	})
}

// templateIcon is the macOS status-bar template: black with alpha only (the
// system tints it for light, dark and highlighted menu bars), the pulse cut
// out of a filled rounded square.
func templateIcon(size int) *image.NRGBA {
	return render(size, samples(size), []layer{
		{roundRect{point{40, 40}, point{984, 984}, 210}, black},
		{stroke{pulse(170, 854, 125), 64}, clear},
	})
}

// circle is a filled disc of radius r around c.
func circle(c point, r int64) roundRect {
	return roundRect{point{c.X - r, c.Y - r}, point{c.X + r, c.Y + r}, r}
}

// badge is where the anomaly variants put their dot: the top right corner,
// cut free of the square by a transparent ring.
var badgeAt = point{800, 224}

// withBadge adds the anomaly badge to an icon's layers: a clear ring, then
// the dot in colour c.
func withBadge(layers []layer, c color.NRGBA) []layer {
	return append(layers,
		layer{circle(badgeAt, 250), clear},
		layer{circle(badgeAt, 180), c},
	)
}

// trayAnomalyIcon is trayIcon with the badge, shown while a metric is
// anomalous.
func trayAnomalyIcon(size int) *image.NRGBA {
	return render(size, samples(size), withBadge([]layer{
		{roundRect{point{24, 24}, point{1000, 1000}, 200}, navy},
		{stroke{pulse(170, 854, 100), 60}, green},
	}, alert))
}

// templateAnomalyIcon is templateIcon with the badge (black, as a template
// must be).
func templateAnomalyIcon(size int) *image.NRGBA {
	return render(size, samples(size), withBadge([]layer{
		{roundRect{point{40, 40}, point{984, 984}, 210}, black},
		{stroke{pulse(170, 854, 125), 64}, clear},
	}, black))
}

// samples picks the supersampling factor: 8×8 for small icons, where edges
// are a large share of the pixels, 4×4 for the big ones.
func samples(size int) int {
	if size <= 64 {
		return 8
	}
	return 4
}

// encode writes img as PNG with the default settings of image/png.
func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("glyph: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// Files returns every generated asset by file name:
//
//	icon.png         48×48 colour icon for Linux trays
//	rogue.png        256×256 app icon for Linux .desktop files and docs
//	template.png     18×18 macOS status-bar template icon
//	template@2x.png  36×36 template icon for Retina displays
//	icon-anomaly.png, template-anomaly.png, template-anomaly@2x.png
//	                 the same with the anomaly badge, while a metric is
//	                 anomalous
//	Rogue.icns       the macOS app icon, 16 to 1024 pixels
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	pngs := []struct {
		name string
		img  *image.NRGBA
	}{
		{"icon.png", trayIcon(48)},
		{"rogue.png", appIcon(256)},
		{"template.png", templateIcon(18)},
		{"template@2x.png", templateIcon(36)},
		{"icon-anomaly.png", trayAnomalyIcon(48)},
		{"template-anomaly.png", templateAnomalyIcon(18)},
		{"template-anomaly@2x.png", templateAnomalyIcon(36)},
	}
	for _, p := range pngs {
		b, err := encode(p.img)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		out[p.name] = b
	}
	icns, err := AppICNS()
	if err != nil {
		return nil, err
	}
	out["Rogue.icns"] = icns
	return out, nil
}

// AppICNS renders the app icon at every size macOS asks for and packs the
// PNGs into an ICNS container.
func AppICNS() ([]byte, error) {
	cache := map[int][]byte{}
	var entries []Entry
	for _, t := range ICNSTypes {
		b, ok := cache[t.Pixels]
		if !ok {
			var err error
			if b, err = encode(appIcon(t.Pixels)); err != nil {
				return nil, fmt.Errorf("icns %s: %w", t.Type, err)
			}
			cache[t.Pixels] = b
		}
		entries = append(entries, Entry{Type: t.Type, Data: b})
	}
	return WriteICNS(entries)
}
