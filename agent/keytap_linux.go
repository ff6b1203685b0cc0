package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// x11Tap watches key events of an X server through the RECORD extension.
type x11Tap struct {
	display string // DISPLAY value; "" means $DISPLAY at Run time
}

func newKeyTap() KeyTap { return &x11Tap{} }

// Run connects to the X server named by $DISPLAY and sends key events until
// ctx is done or the server goes away.
func (t *x11Tap) Run(ctx context.Context, events chan<- KeyEvent) error {
	disp := t.display
	if disp == "" {
		disp = os.Getenv("DISPLAY")
	}
	d, err := parseDisplay(disp)
	if err != nil {
		return err
	}
	cookie := displayCookie(d)

	ctl, err := openX11(d, cookie)
	if err != nil {
		return err
	}
	defer ctl.c.Close()
	major, err := ctl.queryExtension("RECORD")
	if err != nil {
		return fmt.Errorf("X11: %v: %w", err, ErrNoDisplay)
	}
	if major == 0 {
		return fmt.Errorf("the X server has no RECORD extension: %w", ErrKeyAccess)
	}
	if _, err := ctl.roundTrip(recordRequest(major, recordQueryVersion, []byte{1, 0, 13, 0})); err != nil {
		return fmt.Errorf("RECORD query version: %w", xAccess(err))
	}
	id := ctl.idBase | 1
	if _, err := ctl.c.Write(recordRequest(major, recordCreateContext, createContextBody(id))); err != nil {
		return fmt.Errorf("RECORD create context: %v: %w", err, ErrNoDisplay)
	}
	// CreateContext has no reply: a round trip shows whether it failed.
	if _, err := ctl.roundTrip([]byte{x11OpGetInputFocus, 0, 1, 0}); err != nil {
		return fmt.Errorf("RECORD create context: %w", xAccess(err))
	}

	data, err := openX11(d, cookie)
	if err != nil {
		return err
	}
	defer data.c.Close()
	body := make([]byte, 4)
	x11Order.PutUint32(body, id)
	if _, err := data.c.Write(recordRequest(major, recordEnableContext, body)); err != nil {
		return fmt.Errorf("RECORD enable context: %v: %w", err, ErrNoDisplay)
	}

	// Closing the connections is what ends the blocking reads below; the
	// server frees the context with its client.
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctl.c.Write(recordRequest(major, recordFreeContext, body))
			data.c.Close()
			ctl.c.Close()
		})
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-done:
		}
	}()

	err = t.stream(ctx, data, events)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// stream reads EnableContext's replies and sends the key events in them.
func (t *x11Tap) stream(ctx context.Context, data *x11Conn, events chan<- KeyEvent) error {
	var (
		buf    []byte
		parsed []recordEvent
		clock  serverClock
	)
	for {
		p, err := data.readPacket(buf)
		if err != nil {
			return fmt.Errorf("X server connection lost: %v: %w", err, ErrNoDisplay)
		}
		buf = p
		switch p[0] {
		case 0:
			return fmt.Errorf("RECORD enable context: %w",
				xAccess(&x11Error{Code: p[1], Major: uint16(p[10]), Minor: x11Order.Uint16(p[8:])}))
		case 1:
		default:
			continue // an event; none are selected on this connection
		}
		switch p[1] { // category
		case recordEndOfData:
			return errors.New("X server ended the key recording")
		case recordFromServer:
			now := time.Now()
			parsed = parseRecordedEvents(p[32:], parsed[:0])
			for _, e := range parsed {
				ev := KeyEvent{Time: clock.wall(e.ServerTime, now), Down: e.Down}
				select {
				case events <- ev:
				case <-ctx.Done():
					return nil
				}
			}
		}
	}
}

// xAccess marks an X error BadAccess as ErrKeyAccess and others as
// ErrNoDisplay (the X server is unusable for key events either way).
func xAccess(err error) error {
	var xe *x11Error
	if errors.As(err, &xe) && xe.Code == x11BadAccess {
		return fmt.Errorf("%v: %w", err, ErrKeyAccess)
	}
	return fmt.Errorf("%v: %w", err, ErrNoDisplay)
}

// serverClock maps the X server's millisecond time stamps (32 bits,
// wrapping every 49.7 days) to wall-clock time. The first event anchors
// the mapping; it is re-anchored whenever a mapped time strays more than a
// second from the time of arrival (wrap, server restart, suspend, clock
// change), and moved earlier when an event would otherwise seem to come
// from the future. Time stamps give the events' own spacing, which matters for
// hold times of a few milliseconds even when events arrive in bursts.
type serverClock struct {
	anchored   bool
	anchorWall time.Time
	anchorSrv  uint32
}

const clockSlack = time.Second

func (c *serverClock) wall(srv uint32, arrival time.Time) time.Time {
	if c.anchored {
		diff := time.Duration(int32(srv-c.anchorSrv)) * time.Millisecond
		t := c.anchorWall.Add(diff)
		if d := arrival.Sub(t); d >= -clockSlack && d <= clockSlack {
			if d < 0 {
				// No event arrives before it happened: the anchor was
				// taken from a late arrival; move it earlier.
				c.anchorWall = c.anchorWall.Add(d)
				t = arrival
			}
			return t
		}
	}
	c.anchored, c.anchorWall, c.anchorSrv = true, arrival, srv
	return arrival
}
