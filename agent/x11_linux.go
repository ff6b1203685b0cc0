package agent

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// This file speaks just enough of the X11 wire protocol to watch key events
// with the RECORD extension (record protocol 1.13): connection setup with
// MIT-MAGIC-COOKIE-1 authorisation, QueryExtension, RECORD's QueryVersion,
// CreateContext and EnableContext. EnableContext answers with an endless
// stream of replies on its own connection, which generated bindings (xgb)
// cannot read, so both connections are plain sockets here. Requests are
// sent in little-endian order ('l'); the server answers in that order.

var x11Order = binary.LittleEndian

// X11 protocol constants used here.
const (
	x11OpQueryExtension = 98
	x11OpGetInputFocus  = 43

	recordQueryVersion  = 0
	recordCreateContext = 1
	recordEnableContext = 5
	recordFreeContext   = 7

	recordAllClients = 3 // XRecordAllClients client spec

	recordFromServer  = 0 // reply categories of EnableContext
	recordStartOfData = 4
	recordEndOfData   = 5

	x11KeyPress   = 2
	x11KeyRelease = 3
	x11BadAccess  = 10
	x11GenericEv  = 35

	authCookie = "MIT-MAGIC-COOKIE-1"
)

// x11Display is a parsed DISPLAY value.
type x11Display struct {
	Network, Address string // for net.Dial; "unix" or "tcp"
	Host             string // "" for a local display
	Number           string // display number, e.g. "0"
}

// parseDisplay parses DISPLAY ("[host]:number[.screen]", "unix:0",
// "localhost:10.0", "[::1]:0").
func parseDisplay(s string) (x11Display, error) {
	if s == "" {
		return x11Display{}, fmt.Errorf("DISPLAY is not set: %w", ErrNoDisplay)
	}
	if i := strings.Index(s, "/"); i >= 0 && !strings.HasPrefix(s, "/") {
		s = s[i+1:] // "protocol/host:0": the protocol is implied below
	}
	colon := strings.LastIndex(s, ":")
	if colon < 0 {
		return x11Display{}, fmt.Errorf("DISPLAY %q has no display number: %w", s, ErrNoDisplay)
	}
	host, rest := s[:colon], s[colon+1:]
	if dot := strings.Index(rest, "."); dot >= 0 {
		rest = rest[:dot]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 65535-6000 {
		return x11Display{}, fmt.Errorf("DISPLAY %q has a bad display number: %w", s, ErrNoDisplay)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	d := x11Display{Number: strconv.Itoa(n)}
	if host == "" || host == "unix" {
		d.Network, d.Address = "unix", "/tmp/.X11-unix/X"+d.Number
		return d, nil
	}
	d.Network, d.Host = "tcp", host
	d.Address = net.JoinHostPort(host, strconv.Itoa(6000+n))
	return d, nil
}

// dial connects to the display's socket: the file socket, then Linux's
// abstract socket of the same name (Xorg listens on both).
func (d x11Display) dial(timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(d.Network, d.Address, timeout)
	if err != nil && d.Network == "unix" {
		if c2, err2 := net.DialTimeout("unix", "@"+d.Address, timeout); err2 == nil {
			return c2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("connect to X display %s: %v: %w", d.Address, err, ErrNoDisplay)
	}
	return c, nil
}

// xauthEntry is one record of an Xauthority file.
type xauthEntry struct {
	Family  uint16
	Address []byte
	Number  string
	Name    string
	Data    []byte
}

// Xauthority address families.
const (
	familyInternet = 0
	familyIPv6     = 6
	familyLocal    = 256
	familyWild     = 65535
)

// parseXauthority reads every record of an Xauthority file (big-endian
// lengths, as libXau writes them).
func parseXauthority(r io.Reader) ([]xauthEntry, error) {
	br := bufio.NewReader(r)
	readField := func() ([]byte, error) {
		var n uint16
		if err := binary.Read(br, binary.BigEndian, &n); err != nil {
			return nil, err
		}
		b := make([]byte, n)
		_, err := io.ReadFull(br, b)
		return b, err
	}
	var out []xauthEntry
	for {
		var e xauthEntry
		if err := binary.Read(br, binary.BigEndian, &e.Family); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, fmt.Errorf("xauthority: %w", err)
		}
		var fields [4][]byte
		for i := range fields {
			b, err := readField()
			if err != nil {
				return out, fmt.Errorf("xauthority: truncated record: %w", err)
			}
			fields[i] = b
		}
		e.Address, e.Number, e.Name, e.Data = fields[0], string(fields[1]), string(fields[2]), fields[3]
		out = append(out, e)
	}
}

// pickCookie returns the first MIT-MAGIC-COOKIE-1 entry for the display, as
// Xlib does: same display number (or any), and the local host name for a
// local display, or the server's address for a TCP one.
func pickCookie(entries []xauthEntry, d x11Display, hostname string, hostIPs []net.IP) []byte {
	for _, e := range entries {
		if e.Name != authCookie || (e.Number != "" && e.Number != d.Number) {
			continue
		}
		switch e.Family {
		case familyWild:
			return e.Data
		case familyLocal:
			if (d.Host == "" || d.Host == "localhost") && string(e.Address) == hostname {
				return e.Data
			}
		case familyInternet, familyIPv6:
			for _, ip := range hostIPs {
				if ip.Equal(net.IP(e.Address)) {
					return e.Data
				}
			}
		}
	}
	return nil
}

// displayCookie finds the authorisation cookie for d in $XAUTHORITY or
// ~/.Xauthority; nil when there is none (servers such as Xvfb without -auth
// need none).
func displayCookie(d x11Display) []byte {
	path := os.Getenv("XAUTHORITY")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		path = filepath.Join(home, ".Xauthority")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	entries, _ := parseXauthority(f) // use what could be read
	hostname, _ := os.Hostname()
	var ips []net.IP
	if d.Network == "tcp" {
		ips, _ = net.LookupIP(d.Host)
	}
	return pickCookie(entries, d, hostname, ips)
}

// x11Conn is one connection to the X server.
type x11Conn struct {
	c      net.Conn
	r      *bufio.Reader
	idBase uint32
}

// pad4 returns n rounded up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }

// openX11 connects and performs the connection setup.
func openX11(d x11Display, cookie []byte) (*x11Conn, error) {
	c, err := d.dial(5 * time.Second)
	if err != nil {
		return nil, err
	}
	x := &x11Conn{c: c, r: bufio.NewReaderSize(c, 4096)}
	if err := x.setup(cookie); err != nil {
		c.Close()
		return nil, err
	}
	return x, nil
}

// setupRequest builds the connection setup request.
func setupRequest(cookie []byte) []byte {
	name := ""
	if cookie != nil {
		name = authCookie
	}
	b := make([]byte, 12+pad4(len(name))+pad4(len(cookie)))
	b[0] = 'l'
	x11Order.PutUint16(b[2:], 11) // protocol major version
	x11Order.PutUint16(b[4:], 0)
	x11Order.PutUint16(b[6:], uint16(len(name)))
	x11Order.PutUint16(b[8:], uint16(len(cookie)))
	copy(b[12:], name)
	copy(b[12+pad4(len(name)):], cookie)
	return b
}

func (x *x11Conn) setup(cookie []byte) error {
	x.c.SetDeadline(time.Now().Add(10 * time.Second))
	defer x.c.SetDeadline(time.Time{})
	if _, err := x.c.Write(setupRequest(cookie)); err != nil {
		return fmt.Errorf("X11 setup: %v: %w", err, ErrNoDisplay)
	}
	var head [8]byte
	if _, err := io.ReadFull(x.r, head[:]); err != nil {
		return fmt.Errorf("X11 setup: %v: %w", err, ErrNoDisplay)
	}
	rest := make([]byte, 4*int(x11Order.Uint16(head[6:])))
	if _, err := io.ReadFull(x.r, rest); err != nil {
		return fmt.Errorf("X11 setup: %v: %w", err, ErrNoDisplay)
	}
	return x.parseSetup(head[:], rest)
}

// parseSetup checks the setup reply and keeps the resource id base.
func (x *x11Conn) parseSetup(head, rest []byte) error {
	switch head[0] {
	case 1: // Success
		if len(rest) < 12 {
			return fmt.Errorf("X11 setup: short reply: %w", ErrNoDisplay)
		}
		x.idBase = x11Order.Uint32(rest[4:])
		return nil
	case 0: // Failed: reason of head[1] bytes
		n := min(int(head[1]), len(rest))
		return fmt.Errorf("X server refused the connection: %s: %w", strings.TrimSpace(string(rest[:n])), ErrKeyAccess)
	default: // Authenticate
		return fmt.Errorf("X server wants more authentication: %s: %w",
			strings.TrimSpace(string(bytes.TrimRight(rest, "\x00"))), ErrKeyAccess)
	}
}

// x11Error is an error packet of the X protocol.
type x11Error struct {
	Code         byte
	Major, Minor uint16
}

func (e *x11Error) Error() string {
	return fmt.Sprintf("X error %d (request %d.%d)", e.Code, e.Major, e.Minor)
}

// readPacket reads one server packet: 32 bytes plus, for replies and
// generic events, 4×length more.
func (x *x11Conn) readPacket(buf []byte) ([]byte, error) {
	if cap(buf) < 32 {
		buf = make([]byte, 32)
	}
	buf = buf[:32]
	if _, err := io.ReadFull(x.r, buf); err != nil {
		return nil, err
	}
	if buf[0] == 1 || buf[0]&0x7f == x11GenericEv {
		n := 32 + 4*int(x11Order.Uint32(buf[4:]))
		if n > 64<<20 {
			return nil, fmt.Errorf("X11: implausible reply length %d", n)
		}
		if cap(buf) < n {
			nb := make([]byte, n)
			copy(nb, buf)
			buf = nb
		}
		buf = buf[:n]
		if _, err := io.ReadFull(x.r, buf[32:]); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// roundTrip sends a request that has a reply and returns the reply,
// skipping events; an X error is returned as *x11Error.
func (x *x11Conn) roundTrip(req []byte) ([]byte, error) {
	x.c.SetDeadline(time.Now().Add(10 * time.Second))
	defer x.c.SetDeadline(time.Time{})
	if _, err := x.c.Write(req); err != nil {
		return nil, err
	}
	for {
		p, err := x.readPacket(nil)
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case 0:
			return nil, &x11Error{Code: p[1], Major: uint16(p[10]), Minor: x11Order.Uint16(p[8:])}
		case 1:
			return p, nil
		}
	}
}

// queryExtension returns the major opcode of an extension, or 0 when the
// server does not have it.
func (x *x11Conn) queryExtension(name string) (byte, error) {
	req := make([]byte, 8+pad4(len(name)))
	req[0] = x11OpQueryExtension
	x11Order.PutUint16(req[2:], uint16(len(req)/4))
	x11Order.PutUint16(req[4:], uint16(len(name)))
	copy(req[8:], name)
	p, err := x.roundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("query extension %s: %w", name, err)
	}
	if p[8] == 0 {
		return 0, nil
	}
	return p[9], nil
}

// recordRequest builds a RECORD request with the given minor opcode and body.
func recordRequest(major, minor byte, body []byte) []byte {
	req := make([]byte, 4+len(body))
	req[0], req[1] = major, minor
	x11Order.PutUint16(req[2:], uint16(len(req)/4))
	copy(req[4:], body)
	return req
}

// createContextBody asks for key press and release device events of all
// clients, without element headers.
func createContextBody(context uint32) []byte {
	b := make([]byte, 16+4+24)
	x11Order.PutUint32(b[0:], context)
	b[4] = 0                      // element header: none
	x11Order.PutUint32(b[8:], 1)  // one client spec
	x11Order.PutUint32(b[12:], 1) // one range
	x11Order.PutUint32(b[16:], recordAllClients)
	rng := b[20:]
	rng[18], rng[19] = x11KeyPress, x11KeyRelease // device-events first, last
	return b
}

// recordEvent is all the RECORD parser keeps of an intercepted key event:
// the server's millisecond time stamp and whether the key went down. The
// key code is read past, never copied.
type recordEvent struct {
	ServerTime uint32
	Down       bool
}

// parseRecordedEvents appends the key events found in the data of one
// FromServer reply of EnableContext (recorded protocol elements, 32 bytes
// each since no element headers were asked for) to dst. Elements other
// than key presses and releases are skipped.
func parseRecordedEvents(data []byte, dst []recordEvent) []recordEvent {
	for len(data) >= 32 {
		el := data[:32]
		size := 32
		typ := el[0] & 0x7f
		if typ == x11GenericEv {
			size += 4 * int(x11Order.Uint32(el[4:]))
		}
		switch typ {
		case x11KeyPress, x11KeyRelease:
			dst = append(dst, recordEvent{ServerTime: x11Order.Uint32(el[4:8]), Down: typ == x11KeyPress})
		}
		if size > len(data) {
			break
		}
		data = data[size:]
	}
	return dst
}
