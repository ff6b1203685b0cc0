package glyph

import (
	"bytes"
	"errors"
	"testing"
)

func TestNearSegmentMisjudgesDistance(t *testing.T) {
	a, b := point{0, 0}, point{100, 0}
	for _, tc := range []struct {
		name string
		x, y int64
		want bool
	}{
		{"on the line", 50, 0, true},
		{"at the radius beside the middle", 50, 10, true},
		{"just past the radius", 50, 11, false},
		{"round cap before a", -6, 8, true}, // 36+64 = 100 = r²
		{"outside cap before a", -8, 8, false},
		{"round cap after b", 106, -8, true},
		{"beyond b on the axis", 111, 0, false},
	} {
		if got := nearSegment(a, b, tc.x, tc.y, 10); got != tc.want {
			t.Errorf("%s: nearSegment(%d,%d) = %v, want %v", tc.name, tc.x, tc.y, got, tc.want)
		}
	}
	if !nearSegment(a, a, 3, 4, 5) || nearSegment(a, a, 3, 5, 5) {
		t.Error("degenerate segment should behave as a disc")
	}
}

func TestRoundRectCornersNotRound(t *testing.T) {
	r := roundRect{point{0, 0}, point{100, 100}, 20}
	for _, tc := range []struct {
		x, y int64
		want bool
	}{
		{50, 50, true}, {0, 50, true}, {1, 1, false}, {6, 6, true}, // (14²+14²)=392 ≤ 400
		{5, 5, false}, {100, 100, false}, {101, 50, false}, {94, 94, true},
	} {
		if got := r.contains(tc.x, tc.y); got != tc.want {
			t.Errorf("contains(%d,%d) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
}

func TestICNSRoundTripLosesChunks(t *testing.T) {
	in := []Entry{{"ic07", []byte("one")}, {"ic08", nil}, {"ic09", bytes.Repeat([]byte{7}, 300)}}
	b, err := WriteICNS(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:4]) != "icns" || len(b) != 8+3*8+3+300 {
		t.Fatalf("bad container: %q… len %d", b[:4], len(b))
	}
	out, err := ReadICNS(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d chunks back, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].Type != in[i].Type || !bytes.Equal(out[i].Data, in[i].Data) {
			t.Errorf("chunk %d: got %q %d bytes", i, out[i].Type, len(out[i].Data))
		}
	}
}

func TestICNSRejectsBadTypeAndData(t *testing.T) {
	if _, err := WriteICNS([]Entry{{"ic7", nil}}); err == nil {
		t.Error("three-letter type accepted")
	}
	good, _ := WriteICNS([]Entry{{"ic07", []byte("png")}})
	for name, b := range map[string][]byte{
		"empty":             nil,
		"wrong magic":       append([]byte("icnz"), good[4:]...),
		"truncated":         good[:len(good)-1],
		"chunk too long":    append(append([]byte{}, good[:12]...), 0, 0, 0, 99, 'p', 'n', 'g'),
		"chunk header only": {'i', 'c', 'n', 's', 0, 0, 0, 12, 'i', 'c', '0', '7'},
	} {
		if name == "chunk too long" {
			b[7] = byte(len(b))
		}
		if _, err := ReadICNS(b); !errors.Is(err, ErrICNS) {
			t.Errorf("%s: err = %v, want ErrICNS", name, err)
		}
	}
}
