package agent

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/internal/testpeer"
)

func TestX11TapUnderXvfb(t *testing.T) {
	display := testpeer.Xvfb(t, "320x240x24")
	tap := &x11Tap{display: display}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan KeyEvent, 1024)
	done := make(chan error, 1)
	go func() { done <- tap.Run(ctx, events) }()
	waitRecording(t, display, events, done)

	const text = "hello rogue"
	xdotool(t, display, "type", "--delay", "30", text)

	var downs, ups int
	var last time.Time
	timeout := time.After(10 * time.Second)
	for downs < len(text) || ups < len(text) {
		select {
		case ev := <-events:
			if ev.Time.Before(last) {
				t.Errorf("event time went backwards: %v after %v", ev.Time, last)
			}
			last = ev.Time
			if ev.Down {
				downs++
			} else {
				ups++
			}
		case err := <-done:
			t.Fatalf("tap stopped early: %v", err)
		case <-timeout:
			t.Fatalf("got %d downs and %d ups, want %d each", downs, ups, len(text))
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// waitRecording presses a key every few seconds until the tap reports an
// event, which shows that its RECORD context is enabled (the server
// enables it a while after Run starts, later still on a busy machine), and
// consumes that press's events. xdotool waits for the server to process
// its events before it exits and the server delivers recorded events in
// order, so a press that produced no event within seconds was made before
// the context was enabled and will produce none.
func waitRecording(t *testing.T, display string, events <-chan KeyEvent, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		xdotool(t, display, "key", "x")
		select {
		case ev := <-events:
			if ev.Down { // the context was enabled before the press: its release follows
				select {
				case ev := <-events:
					if ev.Down {
						t.Fatal("two key presses recorded without a release between them")
					}
				case err := <-done:
					t.Fatalf("tap stopped early: %v", err)
				case <-time.After(30 * time.Second):
					t.Fatal("a recorded key press had no release within 30 s")
				}
			}
			return
		case err := <-done:
			t.Fatalf("tap stopped early: %v", err)
		case <-time.After(5 * time.Second):
		}
	}
	t.Fatal("the tap reported no key event within 60 s")
}

func TestX11TapNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	for _, display := range []string{"", ":9999", "nonsense"} {
		err := (&x11Tap{display: display}).Run(context.Background(), make(chan KeyEvent))
		if !errors.Is(err, ErrNoDisplay) {
			t.Errorf("DISPLAY %q: err = %v, want ErrNoDisplay", display, err)
		}
	}
}

// keyElement builds one recorded core key event as the server sends it.
func keyElement(typ, keycode byte, serverTime uint32, fill byte) []byte {
	el := make([]byte, 32)
	for i := range el {
		el[i] = fill
	}
	el[0], el[1] = typ, keycode
	x11Order.PutUint32(el[4:], serverTime)
	return el
}

// TestRecordParserDropsKeyCode proves the X11 parser cannot pass key
// identity on: its output type has a time and a direction only, and every
// key code gives the same output.
func TestRecordParserDropsKeyCode(t *testing.T) {
	var fields []string
	for f := range reflect.TypeFor[recordEvent]().Fields() {
		fields = append(fields, f.Name)
	}
	if !reflect.DeepEqual(fields, []string{"ServerTime", "Down"}) {
		t.Fatalf("recordEvent has fields %v, want exactly [ServerTime Down]", fields)
	}
	build := func(keycode byte) []byte {
		var data []byte
		data = append(data, keyElement(x11KeyPress, keycode, 1000, 0x5a)...)
		data = append(data, keyElement(x11KeyRelease, keycode, 1042, 0xa5)...)
		return data
	}
	want := parseRecordedEvents(build(0), nil)
	if !reflect.DeepEqual(want, []recordEvent{{1000, true}, {1042, false}}) {
		t.Fatalf("parsed %v", want)
	}
	for code := range 256 {
		if got := parseRecordedEvents(build(byte(code)), nil); !reflect.DeepEqual(got, want) {
			t.Fatalf("key code %d changed the output: %v, want %v", code, got, want)
		}
	}
}

func TestRecordParserSkipsOtherElements(t *testing.T) {
	var data []byte
	data = append(data, keyElement(6, 0, 1, 0)...)                // MotionNotify
	data = append(data, keyElement(x11KeyPress|0x80, 9, 5, 0)...) // sent flag
	generic := keyElement(x11GenericEv, 0, 2, 0)                  // 8 more bytes
	x11Order.PutUint32(generic[4:], 2)
	data = append(data, generic...)
	data = append(data, make([]byte, 8)...)
	data = append(data, keyElement(x11KeyRelease, 9, 7, 0)...)
	data = append(data, 3, 9, 0, 0) // truncated tail
	got := parseRecordedEvents(data, nil)
	want := []recordEvent{{5, true}, {7, false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed %v, want %v", got, want)
	}
	if got := parseRecordedEvents(nil, nil); len(got) != 0 {
		t.Errorf("parsed %v from nothing", got)
	}
}

func TestParseDisplay(t *testing.T) {
	tests := []struct {
		in               string
		network, address string
		number           string
		ok               bool
	}{
		{":0", "unix", "/tmp/.X11-unix/X0", "0", true},
		{":12.1", "unix", "/tmp/.X11-unix/X12", "12", true},
		{"unix:3", "unix", "/tmp/.X11-unix/X3", "3", true},
		{"localhost:10.0", "tcp", "localhost:6010", "10", true},
		{"[::1]:2", "tcp", "[::1]:6002", "2", true},
		{"tcp/example.org:1", "tcp", "example.org:6001", "1", true},
		{"", "", "", "", false},
		{"nonsense", "", "", "", false},
		{":x", "", "", "", false},
		{":-1", "", "", "", false},
	}
	for _, tt := range tests {
		d, err := parseDisplay(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseDisplay(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok {
			if !errors.Is(err, ErrNoDisplay) {
				t.Errorf("parseDisplay(%q) error %v does not wrap ErrNoDisplay", tt.in, err)
			}
			continue
		}
		if d.Network != tt.network || d.Address != tt.address || d.Number != tt.number {
			t.Errorf("parseDisplay(%q) = %+v", tt.in, d)
		}
	}
}

// xauthRecord encodes one Xauthority record.
func xauthRecord(family uint16, addr, number, name string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, family)
	for _, f := range [][]byte{[]byte(addr), []byte(number), []byte(name), data} {
		binary.Write(&b, binary.BigEndian, uint16(len(f)))
		b.Write(f)
	}
	return b.Bytes()
}

func TestXauthorityCookie(t *testing.T) {
	var file []byte
	file = append(file, xauthRecord(familyLocal, "otherhost", "0", authCookie, []byte("wrong-host"))...)
	file = append(file, xauthRecord(familyLocal, "myhost", "1", authCookie, []byte("wrong-display"))...)
	file = append(file, xauthRecord(familyLocal, "myhost", "0", "XDM-AUTHORIZATION-1", []byte("wrong-kind"))...)
	file = append(file, xauthRecord(familyLocal, "myhost", "0", authCookie, []byte("right"))...)
	file = append(file, xauthRecord(familyInternet, "\x7f\x00\x00\x01", "5", authCookie, []byte("tcp"))...)
	file = append(file, xauthRecord(familyWild, "", "", authCookie, []byte("wild"))...)
	entries, err := parseXauthority(bytes.NewReader(file))
	if err != nil || len(entries) != 6 {
		t.Fatalf("parsed %d entries, err %v", len(entries), err)
	}
	local, _ := parseDisplay(":0")
	if got := pickCookie(entries, local, "myhost", nil); string(got) != "right" {
		t.Errorf("cookie for :0 = %q, want right", got)
	}
	tcp, _ := parseDisplay("localhost:5")
	if got := pickCookie(entries, tcp, "myhost", []net.IP{net.IPv4(127, 0, 0, 1).To4()}); string(got) != "tcp" {
		t.Errorf("cookie for localhost:5 = %q, want tcp", got)
	}
	other, _ := parseDisplay(":7")
	if got := pickCookie(entries, other, "myhost", nil); string(got) != "wild" {
		t.Errorf("cookie for :7 = %q, want wild", got)
	}
	// A truncated file yields the records before the damage and an error.
	entries, err = parseXauthority(bytes.NewReader(file[:len(file)-3]))
	if err == nil || len(entries) != 5 {
		t.Errorf("truncated file: %d entries, err %v", len(entries), err)
	}
}

func TestRequestLayouts(t *testing.T) {
	req := setupRequest([]byte("0123456789abcdef"))
	if len(req) != 12+20+16 || req[0] != 'l' || x11Order.Uint16(req[2:]) != 11 ||
		x11Order.Uint16(req[6:]) != 18 || x11Order.Uint16(req[8:]) != 16 ||
		string(req[12:30]) != authCookie || string(req[32:]) != "0123456789abcdef" {
		t.Errorf("setup request = %q", req)
	}
	if req := setupRequest(nil); len(req) != 12 {
		t.Errorf("setup request without cookie has %d bytes", len(req))
	}
	cc := recordRequest(146, recordCreateContext, createContextBody(0x00400001))
	// 4 header + context + element header + 3 pad + 2 counts + 1 client + 24 range
	if len(cc) != 48 || x11Order.Uint16(cc[2:]) != 12 || cc[0] != 146 || cc[1] != 1 ||
		x11Order.Uint32(cc[4:]) != 0x00400001 || x11Order.Uint32(cc[20:]) != recordAllClients ||
		cc[24+18] != x11KeyPress || cc[24+19] != x11KeyRelease {
		t.Errorf("CreateContext request = % x", cc)
	}
}

func TestServerClock(t *testing.T) {
	var c serverClock
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := c.wall(1000, t0); !got.Equal(t0) {
		t.Errorf("first event at %v, want its arrival %v", got, t0)
	}
	// Events arriving in a burst keep their own spacing.
	if got := c.wall(1040, t0.Add(45*time.Millisecond)); !got.Equal(t0.Add(40 * time.Millisecond)) {
		t.Errorf("second event at %v", got)
	}
	// An event cannot come from the future: the anchor moves earlier.
	if got := c.wall(2000, t0.Add(990*time.Millisecond)); !got.Equal(t0.Add(990 * time.Millisecond)) {
		t.Errorf("third event at %v", got)
	}
	// Wrap-around of the 32-bit millisecond clock.
	c = serverClock{}
	c.wall(0xffffff00, t0)
	if got := c.wall(0x100, t0.Add(512*time.Millisecond)); !got.Equal(t0.Add(512 * time.Millisecond)) {
		t.Errorf("event after wrap at %v", got)
	}
	// A jump (server restarted) re-anchors at the arrival.
	if got := c.wall(5, t0.Add(time.Hour)); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("event after server restart at %v", got)
	}
}
