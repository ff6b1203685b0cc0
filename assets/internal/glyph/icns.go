package glyph

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ICNSType is one PNG-based icon slot of an ICNS file.
type ICNSType struct {
	Type   string // four-character chunk type
	Pixels int    // width and height of the PNG it holds
}

// ICNSTypes lists the PNG slots Rogue.icns fills, in file order: points and
// scale for each are 16 (icp4), 16@2x (ic11), 32 (icp5), 32@2x (ic12), 128
// (ic07), 128@2x (ic13), 256 (ic08), 256@2x (ic14), 512 (ic09), 512@2x
// (ic10).
var ICNSTypes = []ICNSType{
	{"icp4", 16}, {"ic11", 32}, {"icp5", 32}, {"ic12", 64},
	{"ic07", 128}, {"ic13", 256}, {"ic08", 256}, {"ic14", 512},
	{"ic09", 512}, {"ic10", 1024},
}

// Entry is one chunk of an ICNS file.
type Entry struct {
	Type string // four ASCII characters
	Data []byte // for Rogue, always a PNG
}

// icnsHeader is the size of the file header and of each chunk header: a
// four-byte type followed by a big-endian uint32 length that includes the
// header itself.
const icnsHeader = 8

// ErrICNS is returned by ReadICNS for data that is not a well-formed ICNS
// container.
var ErrICNS = errors.New("glyph: malformed icns")

// WriteICNS packs entries into an ICNS container: the magic "icns" and the
// total length, then each entry as type, length and data.
func WriteICNS(entries []Entry) ([]byte, error) {
	total := icnsHeader
	for _, e := range entries {
		if len(e.Type) != 4 {
			return nil, fmt.Errorf("glyph: icns chunk type %q is not four bytes", e.Type)
		}
		total += icnsHeader + len(e.Data)
	}
	if uint64(total) > 1<<32-1 {
		return nil, fmt.Errorf("glyph: icns of %d bytes is too large", total)
	}
	out := make([]byte, 0, total)
	out = append(out, "icns"...)
	out = binary.BigEndian.AppendUint32(out, uint32(total))
	for _, e := range entries {
		out = append(out, e.Type...)
		out = binary.BigEndian.AppendUint32(out, uint32(icnsHeader+len(e.Data)))
		out = append(out, e.Data...)
	}
	return out, nil
}

// ReadICNS splits an ICNS container into its chunks. It checks the magic, the
// total length and that every chunk lies inside the file.
func ReadICNS(b []byte) ([]Entry, error) {
	if len(b) < icnsHeader || string(b[:4]) != "icns" {
		return nil, fmt.Errorf("%w: no icns magic", ErrICNS)
	}
	if n := binary.BigEndian.Uint32(b[4:8]); uint64(n) != uint64(len(b)) {
		return nil, fmt.Errorf("%w: header says %d bytes, file has %d", ErrICNS, n, len(b))
	}
	var out []Entry
	for off := icnsHeader; off < len(b); {
		if len(b)-off < icnsHeader {
			return nil, fmt.Errorf("%w: truncated chunk header at %d", ErrICNS, off)
		}
		n := int(binary.BigEndian.Uint32(b[off+4 : off+8]))
		if n < icnsHeader || n > len(b)-off {
			return nil, fmt.Errorf("%w: chunk at %d has bad length %d", ErrICNS, off, n)
		}
		out = append(out, Entry{Type: string(b[off : off+4]), Data: b[off+icnsHeader : off+n]})
		off += n
	}
	return out, nil
}
