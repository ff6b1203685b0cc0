//go:build darwin

package agent

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newNetReader reads the interface counters with the sysctl of the kernel's
// interface list with 64-bit statistics, NET_RT_IFLIST2, instead of
// gopsutil, which runs netstat -ibdnW as a subprocess on every call. The
// messages carry each interface's name (its sockaddr_dl) and IFF_LOOPBACK,
// so nothing else is looked up.
func newNetReader() netReader {
	return func(ctx context.Context) (map[string][]uint64, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := fetchIfList2()
		if err != nil {
			return nil, err
		}
		ifs, err := parseIfList2(b)
		if err != nil {
			return nil, err
		}
		return ifTotalsInput(ifs), nil
	}
}

// ifList2Attempts bounds the retries of fetchIfList2 when the list grows
// between sysctl's size query and its copy, which fails with ENOMEM.
const ifList2Attempts = 3

// fetchIfList2 returns the raw result of the sysctl
// {CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0}.
//
// syscall.RouteRIB makes exactly that call (a size query, then the copy)
// through syscall's libSystem sysctl trampoline, as Go on darwin must: no
// raw system calls and no cgo. golang.org/x/sys/unix only takes sysctl
// names, and this MIB has none; golang.org/x/net/route.FetchRIB makes the
// same call by linking to the same syscall.sysctl, so it would add a module
// for nothing. RouteRIB is marked deprecated in favour of x/net/route
// because of syscall's routing message parsers, which are not used here.
func fetchIfList2() ([]byte, error) {
	var err error
	for range ifList2Attempts {
		var b []byte
		//lint:ignore SA1019 the replacement makes the same call, see above
		b, err = syscall.RouteRIB(syscall.NET_RT_IFLIST2, 0)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, syscall.ENOMEM) {
			break
		}
	}
	return nil, fmt.Errorf("sysctl NET_RT_IFLIST2: %w", err)
}

// Compile-time checks of the constants and offsets ifmsg.go uses against
// golang.org/x/sys/unix, whose darwin types are generated from the SDK
// headers by cgo -godefs: each index is a constant that must be 0, so a
// mismatch does not compile (GOOS=darwin go vet catches it on Linux too).
var (
	_ = [1]struct{}{}[unix.NET_RT_IFLIST2-syscall.NET_RT_IFLIST2]
	_ = [1]struct{}{}[unix.RTM_VERSION-rtmVersion]
	_ = [1]struct{}{}[unix.RTM_IFINFO2-rtmIfInfo2]
	_ = [1]struct{}{}[unix.RTA_IFP-rtaIFP]
	_ = [1]struct{}{}[unix.RTAX_MAX-rtaxMax]
	_ = [1]struct{}{}[unix.IFF_LOOPBACK-iffLoopback]
	_ = [1]struct{}{}[unix.AF_LINK-afLink]

	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Msglen)-rtmMsglenOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Version)-rtmVersionOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Type)-rtmTypeOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Addrs)-ifm2AddrsOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Flags)-ifm2FlagsOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Index)-ifm2IndexOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Data)-ifm2DataOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Data)+unsafe.Offsetof(unix.IfData64{}.Ibytes)-ifm2IbytesOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.IfMsghdr2{}.Data)+unsafe.Offsetof(unix.IfData64{}.Obytes)-ifm2ObytesOff]
	_ = [1]struct{}{}[unix.SizeofIfMsghdr2-ifm2Len]

	_ = [1]struct{}{}[unsafe.Offsetof(unix.RawSockaddrDatalink{}.Family)-sdlFamilyOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.RawSockaddrDatalink{}.Nlen)-sdlNlenOff]
	_ = [1]struct{}{}[unsafe.Offsetof(unix.RawSockaddrDatalink{}.Data)-sdlDataOff]
)
