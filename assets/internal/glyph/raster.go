package glyph

import (
	"image"
	"image/color"
)

// design is the side of the square design space every shape is given in;
// render scales it to the requested pixel size.
const design = 1024

// point is a position in design units (0..design on both axes, y down).
type point struct{ X, Y int64 }

// shape reports whether a sample point, in sample units, lies inside it.
// Shapes are scaled to sample units by scale before use.
type shape interface {
	scale(num, den int64) shape
	contains(x, y int64) bool
}

// roundRect is a filled rectangle with circular corners of radius R.
type roundRect struct {
	Min, Max point
	R        int64
}

func (r roundRect) scale(num, den int64) shape {
	return roundRect{Min: scalePoint(r.Min, num, den), Max: scalePoint(r.Max, num, den), R: scaleLen(r.R, num, den)}
}

func (r roundRect) contains(x, y int64) bool {
	if x < r.Min.X || x > r.Max.X || y < r.Min.Y || y > r.Max.Y {
		return false
	}
	dx := max(r.Min.X+r.R-x, 0, x-(r.Max.X-r.R))
	dy := max(r.Min.Y+r.R-y, 0, y-(r.Max.Y-r.R))
	return dx*dx+dy*dy <= r.R*r.R
}

// stroke is a polyline of width 2*Half with round caps and joins: the set of
// points within Half of any of its segments.
type stroke struct {
	Pts  []point
	Half int64
}

func (s stroke) scale(num, den int64) shape {
	out := stroke{Half: scaleLen(s.Half, num, den), Pts: make([]point, len(s.Pts))}
	for i, p := range s.Pts {
		out.Pts[i] = scalePoint(p, num, den)
	}
	return out
}

func (s stroke) contains(x, y int64) bool {
	for i := 1; i < len(s.Pts); i++ {
		if nearSegment(s.Pts[i-1], s.Pts[i], x, y, s.Half) {
			return true
		}
	}
	return false
}

// nearSegment reports whether (x, y) is within r of the segment a–b, in exact
// integer arithmetic. Coordinates stay below 2^14 in practice, so every
// product fits in int64 with room to spare.
func nearSegment(a, b point, x, y, r int64) bool {
	abx, aby := b.X-a.X, b.Y-a.Y
	apx, apy := x-a.X, y-a.Y
	ab2 := abx*abx + aby*aby
	dot := apx*abx + apy*aby
	switch {
	case dot <= 0 || ab2 == 0:
		return apx*apx+apy*apy <= r*r
	case dot >= ab2:
		bpx, bpy := x-b.X, y-b.Y
		return bpx*bpx+bpy*bpy <= r*r
	default:
		// squared distance to the line = |ap|² − dot²/|ab|²
		return (apx*apx+apy*apy)*ab2-dot*dot <= r*r*ab2
	}
}

func scaleLen(v, num, den int64) int64 { return (v*num + den/2) / den }

func scalePoint(p point, num, den int64) point {
	return point{scaleLen(p.X, num, den), scaleLen(p.Y, num, den)}
}

// layer paints Color wherever Shape is; later layers cover earlier ones. A
// transparent colour cuts a hole.
type layer struct {
	Shape shape
	Color color.NRGBA
}

// render rasterises layers onto a size×size image with ss×ss samples per
// pixel. Sample (i, j) of pixel (px, py) sits at ((px*ss+i)*2+1) / (2*ss)
// pixels, so sample units are 1/(2*ss) pixel.
func render(size, ss int, layers []layer) *image.NRGBA {
	unitsPerPx := int64(2 * ss)
	scaled := make([]layer, len(layers))
	for i, l := range layers {
		scaled[i] = layer{Shape: l.Shape.scale(int64(size)*unitsPerPx, design), Color: l.Color}
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	n := uint64(ss * ss)
	for py := range size {
		for px := range size {
			// Sum premultiplied colour over the samples.
			var r, g, b, a uint64
			for j := range ss {
				y := int64((py*ss+j)*2 + 1)
				for i := range ss {
					x := int64((px*ss+i)*2 + 1)
					for k := len(scaled) - 1; k >= 0; k-- {
						if scaled[k].Shape.contains(x, y) {
							c := scaled[k].Color
							ca := uint64(c.A)
							r += uint64(c.R) * ca
							g += uint64(c.G) * ca
							b += uint64(c.B) * ca
							a += ca
							break
						}
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8((r + a/2) / a),
				G: uint8((g + a/2) / a),
				B: uint8((b + a/2) / a),
				A: uint8((a + n/2) / n),
			})
		}
	}
	return img
}
