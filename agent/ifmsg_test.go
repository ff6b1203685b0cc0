package agent

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// Message types and sizes of the messages that follow each RTM_IFINFO2 in a
// real NET_RT_IFLIST2 list (<net/route.h>, <net/if.h>).
const (
	rtmNewAddr     = 0xc  // RTM_NEWADDR: struct ifa_msghdr, 20 bytes, then sockaddrs
	rtmNewMaddr2   = 0x13 // RTM_NEWMADDR2: struct ifma_msghdr2, 20 bytes, then sockaddrs
	ifaMsghdrLen   = 20
	rtaDst         = 0x1
	rtaNetmask     = 0x4
	rtaIFA         = 0x20
	sockaddrInLen  = 16 // struct sockaddr_in
	sockaddrDLSize = 20 // sizeof(struct sockaddr_dl): sdl_data is 12 bytes
)

// testIf is an interface to encode as an RTM_IFINFO2 message.
type testIf struct {
	index      uint16
	name       string
	flags      uint32
	recv, sent uint64
}

// sockaddrDL encodes a struct sockaddr_dl naming an interface, with a
// 6-byte link-layer address after the name, padded to 4 bytes.
func sockaddrDL(index uint16, name string) []byte {
	l := max(sdlDataOff+len(name)+6, sockaddrDLSize)
	sa := make([]byte, (l+3)&^3)
	sa[0] = byte(l)
	sa[sdlFamilyOff] = afLink
	binary.NativeEndian.PutUint16(sa[2:], index)
	sa[4] = 6 // sdl_type: IFT_ETHER
	sa[sdlNlenOff] = byte(len(name))
	sa[6] = 6 // sdl_alen
	copy(sa[sdlDataOff:], name)
	copy(sa[sdlDataOff+len(name):], []byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff})
	return sa
}

// ifMsg2 encodes an RTM_IFINFO2 message: struct if_msghdr2 with addrs in
// ifm_addrs, followed by the sockaddrs sas (already padded).
func ifMsg2(ifc testIf, addrs uint32, sas ...[]byte) []byte {
	m := make([]byte, ifm2Len)
	ne := binary.NativeEndian
	m[rtmVersionOff] = rtmVersion
	m[rtmTypeOff] = rtmIfInfo2
	ne.PutUint32(m[ifm2AddrsOff:], addrs)
	ne.PutUint32(m[ifm2FlagsOff:], ifc.flags)
	ne.PutUint16(m[ifm2IndexOff:], ifc.index)
	ne.PutUint32(m[16:], 3)                // ifm_snd_len
	ne.PutUint32(m[20:], 512)              // ifm_snd_maxlen
	ne.PutUint32(m[24:], 1)                // ifm_snd_drops
	m[ifm2DataOff] = 6                     // ifi_type
	ne.PutUint32(m[ifm2DataOff+8:], 1500)  // ifi_mtu
	ne.PutUint64(m[ifm2DataOff+24:], 1111) // ifi_ipackets, next to the bytes
	ne.PutUint64(m[ifm2IbytesOff:], ifc.recv)
	ne.PutUint64(m[ifm2ObytesOff:], ifc.sent)
	ne.PutUint64(m[ifm2DataOff+80:], 2222) // ifi_imcasts, next to the bytes
	for _, sa := range sas {
		m = append(m, sa...)
	}
	ne.PutUint16(m[rtmMsglenOff:], uint16(len(m)))
	return m
}

// ifInfo2 encodes the usual RTM_IFINFO2 of an interface: its sockaddr_dl only.
func ifInfo2(ifc testIf) []byte { return ifMsg2(ifc, rtaIFP, sockaddrDL(ifc.index, ifc.name)) }

// otherMsg encodes a message of another type (ifa_msghdr or ifma_msghdr2
// layout: the common header, addrs, flags, index) with one sockaddr_in.
func otherMsg(typ byte, index uint16) []byte {
	m := make([]byte, ifaMsghdrLen+sockaddrInLen)
	ne := binary.NativeEndian
	ne.PutUint16(m[rtmMsglenOff:], uint16(len(m)))
	m[rtmVersionOff] = rtmVersion
	m[rtmTypeOff] = typ
	ne.PutUint32(m[4:], rtaIFA)
	ne.PutUint16(m[12:], index)
	m[ifaMsghdrLen] = sockaddrInLen
	m[ifaMsghdrLen+1] = 2 // AF_INET
	copy(m[ifaMsghdrLen+4:], []byte{192, 168, 1, 20})
	return m
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

var (
	en0 = testIf{index: 4, name: "en0", flags: 0x8863, recv: 5_000_000_000_123, sent: 1<<32 + 7}
	lo0 = testIf{index: 1, name: "lo0", flags: 0x8049, recv: 424242, sent: 424242}
)

// twoInterfaces is a list as the kernel sends it: lo0 with an address,
// then en0 with an address and a multicast address.
func twoInterfaces() []byte {
	return concat(ifInfo2(lo0), otherMsg(rtmNewAddr, lo0.index),
		ifInfo2(en0), otherMsg(rtmNewAddr, en0.index), otherMsg(rtmNewMaddr2, en0.index))
}

func TestParseIfList2(t *testing.T) {
	withVersion := func(b []byte, v byte) []byte { b[rtmVersionOff] = v; return b }
	padding := make([]byte, 4) // a zero sa_len still takes 4 bytes
	odd := make([]byte, 8)     // sa_len 5, padded to 8
	odd[0] = 5
	dlOther := sockaddrDL(9, "utun3")
	dlOther[sdlFamilyOff] = 2
	dlLong := sockaddrDL(9, "utun3")
	dlLong[sdlNlenOff] = 30 // runs past sdl_len
	dlShort := sockaddrDL(9, "utun3")
	dlShort[0] = 7 // shorter than the fixed part

	tests := []struct {
		name string
		in   []byte
		want []ifStats
	}{
		{"empty list", nil, nil},
		{"loopback and ethernet among address messages", twoInterfaces(), []ifStats{
			{Index: 1, Name: "lo0", Flags: 0x8049, RecvBytes: 424242, SentBytes: 424242},
			{Index: 4, Name: "en0", Flags: 0x8863, RecvBytes: 5_000_000_000_123, SentBytes: 1<<32 + 7},
		}},
		{"only other message types", concat(otherMsg(rtmNewAddr, 1), otherMsg(rtmNewMaddr2, 1)), nil},
		{"other message of another version is skipped", concat(withVersion(otherMsg(rtmNewAddr, 1), 4), ifInfo2(en0)), []ifStats{
			{Index: 4, Name: "en0", Flags: 0x8863, RecvBytes: 5_000_000_000_123, SentBytes: 1<<32 + 7},
		}},
		{"sockaddrs before the link address", ifMsg2(testIf{index: 9, name: "utun3"}, rtaDst|rtaNetmask|rtaIFP, padding, odd, sockaddrDL(9, "utun3")), []ifStats{
			{Index: 9, Name: "utun3"},
		}},
		{"no link address", ifMsg2(testIf{index: 9}, 0), []ifStats{{Index: 9}}},
		{"link address announced but missing", ifMsg2(testIf{index: 9}, rtaIFP), []ifStats{{Index: 9}}},
		{"earlier sockaddr runs past the message", ifMsg2(testIf{index: 9}, rtaDst|rtaIFP, []byte{200, 2, 0, 0}), []ifStats{{Index: 9}}},
		{"link address of another family", ifMsg2(testIf{index: 9}, rtaIFP, dlOther), []ifStats{{Index: 9}}},
		{"name longer than the link address", ifMsg2(testIf{index: 9}, rtaIFP, dlLong), []ifStats{{Index: 9}}},
		{"link address shorter than its fixed part", ifMsg2(testIf{index: 9}, rtaIFP, dlShort), []ifStats{{Index: 9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIfList2(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseIfList2RejectsMalformedLists(t *testing.T) {
	good := twoInterfaces()
	setLen := func(b []byte, n uint16) []byte {
		b = append([]byte(nil), b...)
		binary.NativeEndian.PutUint16(b[rtmMsglenOff:], n)
		return b
	}
	oldVersion := ifInfo2(en0)
	oldVersion[rtmVersionOff] = 4
	short := ifInfo2(en0)[:100]
	binary.NativeEndian.PutUint16(short[rtmMsglenOff:], 100)

	tests := []struct {
		name  string
		in    []byte
		short bool // errShortIfMsg expected
	}{
		{"cut inside the second message", good[:len(ifInfo2(lo0))+10], true},
		{"cut inside the last message", good[:len(good)-1], true},
		{"cut inside a header", good[:2], true},
		{"trailing bytes", concat(good, []byte{0, 0}), true},
		{"message length 0", setLen(good, 0), true},
		{"message length below the header", setLen(good, 3), true},
		{"message length beyond the buffer", setLen(good, uint16(len(good)+1)), true},
		{"message length 0 after a good message", concat(ifInfo2(en0), make([]byte, 8)), true},
		{"RTM_IFINFO2 of another version", concat(ifInfo2(lo0), oldVersion), false},
		{"RTM_IFINFO2 shorter than if_msghdr2", short, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIfList2(tt.in)
			if err == nil {
				t.Fatalf("no error; parsed %+v", got)
			}
			if got != nil {
				t.Errorf("returned %+v with the error", got)
			}
			if errors.Is(err, errShortIfMsg) != tt.short {
				t.Errorf("error %q: errors.Is(err, errShortIfMsg) = %v, want %v", err, !tt.short, tt.short)
			}
		})
	}
}

func TestIfTotalsInputLeavesOutLoopback(t *testing.T) {
	ifs, err := parseIfList2(concat(twoInterfaces(), ifMsg2(testIf{index: 12, recv: 5, sent: 6}, 0)))
	if err != nil {
		t.Fatal(err)
	}
	got := ifTotalsInput(ifs)
	want := map[string][]uint64{
		"en0": {1<<32 + 7, 5_000_000_000_123},
		"#12": {6, 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// FuzzParseIfMsg2 feeds parseIfList2 arbitrary bytes: it must never panic
// or loop, and what it accepts must be consistent. Not run by CI; run with
// go test -fuzz FuzzParseIfMsg2 ./agent.
func FuzzParseIfMsg2(f *testing.F) {
	f.Add(twoInterfaces())
	f.Add(ifMsg2(testIf{index: 9, name: "utun3"}, rtaDst|rtaNetmask|rtaIFP, make([]byte, 4), sockaddrDL(9, "utun3")))
	f.Add(twoInterfaces()[:200])
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseIfList2(b)
		if err != nil {
			return
		}
		if len(got) > len(b)/ifm2Len {
			t.Fatalf("%d interfaces from %d bytes", len(got), len(b))
		}
		for _, s := range got {
			if len(s.Name) > 255 {
				t.Fatalf("name of %d bytes", len(s.Name))
			}
		}
	})
}

// BenchmarkParseIfList2 parses a list of 30 interfaces, about what a Mac
// with a few VPN tunnels reports. It exists because on macOS the network
// collector parses this list on every tick (every second at --interval 1).
func BenchmarkParseIfList2(b *testing.B) {
	var list []byte
	for i := range 30 {
		ifc := testIf{index: uint16(i + 1), name: "utun" + string(rune('a'+i)), recv: uint64(i) << 33, sent: uint64(i)}
		list = concat(list, ifInfo2(ifc), otherMsg(rtmNewAddr, ifc.index), otherMsg(rtmNewMaddr2, ifc.index))
	}
	b.ReportAllocs()
	for b.Loop() {
		ifs, err := parseIfList2(list)
		if err != nil || len(ifs) != 30 {
			b.Fatalf("%d interfaces, %v", len(ifs), err)
		}
		ifTotalsInput(ifs)
	}
}
