package sync

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sink is a fake Carbon listener: it reads every connection to the end and
// records the lines, then closes, as carbon-cache does.
type sink struct {
	ln    net.Listener
	lines chan []string
}

func newSink(t testing.TB, behave func(net.Conn)) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln, lines: make(chan []string, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if behave != nil {
				go behave(c)
				continue
			}
			go func() {
				defer c.Close()
				var got []string
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					got = append(got, sc.Text())
				}
				s.lines <- got
			}()
		}
	}()
	return s
}

func (s *sink) addr() string { return s.ln.Addr().String() }

// pointsOf is the source of points held in memory.
func pointsOf(pts []point) pointSource {
	return func(fn func(point) error) error {
		for _, p := range pts {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	}
}

func testBatch() *carbonBatch {
	return &carbonBatch{
		names: []string{"CPUPercent", "KeyHold"},
		series: []pointSource{
			pointsOf([]point{{1420070460, 12.5}, {1420070520, 0.30000000000000004}}),
			pointsOf([]point{{1420070460, 1e-7}, {1420070520, 123456789012345680}}),
		},
	}
}

func TestSendCarbon_LinesInOrderWithFullPrecision(t *testing.T) {
	s := newSink(t, nil)
	n, err := sendCarbon(context.Background(), s.addr(), 5*time.Second, testBatch())
	if err != nil || n != 4 {
		t.Fatalf("sendCarbon = %d, %v", n, err)
	}
	got := <-s.lines
	want := []string{
		"CPUPercent 12.5 1420070460",
		"CPUPercent 0.30000000000000004 1420070520",
		"KeyHold 1e-07 1420070460",
		"KeyHold 1.2345678901234568e+17 1420070520",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("server got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSendCarbon_ServerNeverCloses(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	s := newSink(t, func(c net.Conn) {
		io.Copy(io.Discard, c) // reads to the end but never closes
		<-hold
		c.Close()
	})
	start := time.Now()
	_, err := sendCarbon(context.Background(), s.addr(), 300*time.Millisecond, testBatch())
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if !strings.Contains(err.Error(), "did not confirm") {
		t.Fatalf("error %q does not say the server did not confirm", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v despite a 300 ms timeout", d)
	}
}

func TestSendCarbon_Refused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := sendCarbon(context.Background(), addr, time.Second, testBatch())
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "Grok unreachable: connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func TestSendCarbon_ServerAnswersWithData(t *testing.T) {
	s := newSink(t, func(c net.Conn) {
		defer c.Close()
		go io.Copy(io.Discard, c)
		junk := strings.Repeat("HTTP/1.1 400 Bad Request\r\n", 1<<16)
		c.Write([]byte(junk))
	})
	_, err := sendCarbon(context.Background(), s.addr(), 2*time.Second, testBatch())
	if err == nil {
		t.Fatal("a server answering with data was taken for a Carbon listener")
	}
}

func TestSendCarbon_CancelledMidWrite(t *testing.T) {
	// The server accepts and never reads: writes block once buffers fill.
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	s := newSink(t, func(c net.Conn) { <-hold; c.Close() })
	big := &carbonBatch{names: []string{"CPUPercent"}}
	pts := make([]point, 500000)
	for i := range pts {
		pts[i] = point{int64(1420070400 + 60*i), float64(i) / 7}
	}
	big.series = []pointSource{pointsOf(pts)}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := sendCarbon(ctx, s.addr(), time.Minute, big)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestCarbonAddr(t *testing.T) {
	tests := []struct {
		server string
		port   int
		want   string
		bad    bool
	}{
		{server: "https://grok.example.com", port: 2003, want: "grok.example.com:2003"},
		{server: "https://grok.example.com:8443/grok/", port: 2003, want: "grok.example.com:2003"},
		{server: "http://10.0.0.5", port: 2013, want: "10.0.0.5:2013"},
		{server: "grok.example.com", port: 2003, want: "grok.example.com:2003"},
		{server: "graphite.lan:2113", port: 2003, want: "graphite.lan:2113"},
		{server: "tcp://graphite.lan:2113", port: 2003, want: "graphite.lan:2113"},
		{server: "[::1]:2003", port: 2003, want: "[::1]:2003"},
		{server: "::1", port: 2003, want: "[::1]:2003"},
		{server: "https://[fe80::1]:443", port: 2003, want: "[fe80::1]:2003"},
		{server: "  grok  ", port: 2003, want: "grok:2003"},
		{server: "", bad: true},
		{server: "ftp://grok", port: 2003, bad: true},
		{server: "https://", port: 2003, bad: true},
		{server: "host:99999", port: 2003, bad: true},
		{server: "host:abc", port: 2003, bad: true},
		{server: "https://key@grok", port: 2003, want: "grok:2003"},
	}
	for _, tt := range tests {
		got, err := CarbonAddr(tt.server, tt.port)
		if tt.bad != (err != nil) || got != tt.want {
			t.Errorf("CarbonAddr(%q, %d) = %q, %v", tt.server, tt.port, got, err)
		}
	}
}

func TestMetricName(t *testing.T) {
	for _, tt := range []struct{ p, want string }{
		{"", "CPUPercent"}, {"laptop", "laptop.CPUPercent"}, {"rogue.laptop.", "rogue.laptop.CPUPercent"},
	} {
		if got := MetricName(tt.p, "CPUPercent"); got != tt.want {
			t.Errorf("MetricName(%q) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://key@grok":        "https://…@grok",
		"https://u:p@grok:8443/x": "https://…@grok:8443/x",
		"key@grok":                "…@grok",
		"https://grok/a@b":        "https://grok/a@b",
		"https://grok":            "https://grok",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
