package agent

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// This file parses the interface list macOS returns for the sysctl MIB
// {CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0}: a sequence of routing
// messages, one RTM_IFINFO2 per interface with its 64-bit statistics,
// followed by that interface's RTM_NEWADDR and RTM_NEWMADDR2 messages. It
// has no build tag so that tests and fuzzing run on every platform; only
// net_darwin.go calls it. The layout comes from the macOS SDK headers
// <net/route.h>, <net/if.h> (struct if_msghdr2), <net/if_var.h> (struct
// if_data64, declared under #pragma pack(4)) and <net/if_dl.h> (struct
// sockaddr_dl); net_darwin.go checks the offsets at compile time against
// golang.org/x/sys/unix, whose darwin types are generated from those
// headers.

// Routing message constants from <net/route.h>, <net/if.h> and
// <sys/socket.h>.
const (
	rtmVersion  = 5    // RTM_VERSION
	rtmIfInfo2  = 0x12 // RTM_IFINFO2: struct if_msghdr2 follows
	rtaIFP      = 0x10 // RTA_IFP: the interface's sockaddr_dl is present
	rtaxMax     = 8    // RTAX_MAX: number of RTA_* address bits
	iffLoopback = 0x8  // IFF_LOOPBACK in ifm_flags
	afLink      = 18   // AF_LINK: sa_family of a struct sockaddr_dl
)

// Offsets in the header every routing message starts with (rtm_msglen,
// rtm_version, rtm_type are common to rt_msghdr, if_msghdr2, ifa_msghdr...).
const (
	rtmMsglenOff  = 0 // u_short rtm_msglen
	rtmVersionOff = 2 // u_char rtm_version
	rtmTypeOff    = 3 // u_char rtm_type
	rtmHeaderLen  = 4
)

// Offsets in struct if_msghdr2 (<net/if.h>). if_data64 is 4-byte aligned
// (pack(4)), so ifm_data follows ifm_timer directly at 32; every 64-bit
// counter in it lands on an 8-byte boundary anyway.
const (
	ifm2AddrsOff  = 4   // int ifm_addrs: RTA_* bits of the sockaddrs that follow
	ifm2FlagsOff  = 8   // int ifm_flags: IFF_* flags
	ifm2IndexOff  = 12  // u_short ifm_index
	ifm2DataOff   = 32  // struct if_data64 ifm_data, after ifm_snd_len, ifm_snd_maxlen, ifm_snd_drops, ifm_timer
	ifm2IbytesOff = 96  // ifm_data.ifi_ibytes (u_int64_t at 64 in if_data64)
	ifm2ObytesOff = 104 // ifm_data.ifi_obytes (u_int64_t at 72 in if_data64)
	ifm2Len       = 160 // sizeof(struct if_msghdr2): 32 + sizeof(struct if_data64) (128)
)

// Offsets in struct sockaddr_dl (<net/if_dl.h>): sdl_len, sdl_family,
// sdl_index, sdl_type, sdl_nlen, sdl_alen, sdl_slen, then sdl_data holding
// the name (sdl_nlen bytes, no terminating NUL) and the link address.
const (
	sdlFamilyOff = 1
	sdlNlenOff   = 5
	sdlDataOff   = 8
)

// ifStats is one interface from the RTM_IFINFO2 messages.
type ifStats struct {
	Index     uint16
	Name      string // from the message's sockaddr_dl; "" when it has none
	Flags     uint32 // IFF_* flags
	RecvBytes uint64 // ifi_ibytes
	SentBytes uint64 // ifi_obytes
}

// loopback reports whether the interface is a loopback interface.
func (s ifStats) loopback() bool { return s.Flags&iffLoopback != 0 }

var errShortIfMsg = errors.New("truncated routing message")

// parseIfList2 returns the interfaces of an NET_RT_IFLIST2 sysctl buffer,
// skipping messages of other types. A malformed buffer (a length that is too
// small or runs past the end, an RTM_IFINFO2 of another version or shorter
// than struct if_msghdr2) is an error: the kernel never sends one, so the
// buffer is not what this parser thinks it is.
func parseIfList2(b []byte) ([]ifStats, error) {
	var out []ifStats
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < rtmHeaderLen {
			return nil, fmt.Errorf("interface list: %d bytes left at offset %d: %w", len(rest), off, errShortIfMsg)
		}
		n := int(binary.NativeEndian.Uint16(rest[rtmMsglenOff:]))
		if n < rtmHeaderLen || n > len(rest) {
			return nil, fmt.Errorf("interface list: message length %d at offset %d with %d bytes left: %w", n, off, len(rest), errShortIfMsg)
		}
		if msg := rest[:n]; msg[rtmTypeOff] == rtmIfInfo2 {
			s, err := parseIfMsg2(msg)
			if err != nil {
				return nil, fmt.Errorf("interface list: offset %d: %w", off, err)
			}
			out = append(out, s)
		}
		off += n
	}
	return out, nil
}

// parseIfMsg2 parses one RTM_IFINFO2 message, exactly rtm_msglen bytes.
func parseIfMsg2(msg []byte) (ifStats, error) {
	if v := msg[rtmVersionOff]; v != rtmVersion {
		return ifStats{}, fmt.Errorf("RTM_IFINFO2 version %d, want %d", v, rtmVersion)
	}
	if len(msg) < ifm2Len {
		return ifStats{}, fmt.Errorf("RTM_IFINFO2 of %d bytes, want at least %d: %w", len(msg), ifm2Len, errShortIfMsg)
	}
	ne := binary.NativeEndian
	s := ifStats{
		Index:     ne.Uint16(msg[ifm2IndexOff:]),
		Flags:     ne.Uint32(msg[ifm2FlagsOff:]),
		RecvBytes: ne.Uint64(msg[ifm2IbytesOff:]),
		SentBytes: ne.Uint64(msg[ifm2ObytesOff:]),
	}
	s.Name = ifName(msg[ifm2Len:], ne.Uint32(msg[ifm2AddrsOff:]))
	return s, nil
}

// ifName returns the interface name from the sockaddrs following an
// if_msghdr2 (addrs: its ifm_addrs bits), or "" when there is no usable
// sockaddr_dl. Sockaddrs come in RTA_* bit order, each padded to a multiple
// of 4 bytes (a zero sa_len takes 4), as the darwin kernel writes them.
func ifName(sas []byte, addrs uint32) string {
	for i := range rtaxMax {
		bit := uint32(1) << i
		if addrs&bit == 0 {
			continue
		}
		if len(sas) == 0 {
			return ""
		}
		l := int(sas[0])
		if bit == rtaIFP {
			if l < sdlDataOff || l > len(sas) || sas[sdlFamilyOff] != afLink {
				return ""
			}
			nlen := int(sas[sdlNlenOff])
			if sdlDataOff+nlen > l {
				return ""
			}
			return string(sas[sdlDataOff : sdlDataOff+nlen])
		}
		step := (l + 3) &^ 3
		if l == 0 {
			step = 4
		}
		if step > len(sas) {
			return ""
		}
		sas = sas[step:]
	}
	return ""
}

// ifTotalsInput turns the interface list into counterTotals input (sent,
// received), leaving out loopback interfaces. An interface without a name
// (never seen: the kernel always sends one) is keyed by its index.
func ifTotalsInput(ifs []ifStats) map[string][]uint64 {
	devs := make(map[string][]uint64, len(ifs))
	for _, s := range ifs {
		if s.loopback() {
			continue
		}
		name := s.Name
		if name == "" {
			name = "#" + strconv.Itoa(int(s.Index))
		}
		devs[name] = []uint64{s.SentBytes, s.RecvBytes}
	}
	return devs
}
