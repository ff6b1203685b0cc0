package main

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rogue-metrics/rogue/internal/testpeer"
)

// fakeNotifications is an org.freedesktop.Notifications service: it
// records every Notify call and answers with increasing ids.
type fakeNotifications struct {
	calls chan notifyCall
	id    uint32
}

type notifyCall struct {
	App, Icon, Summary, Body string
	Replaces                 uint32
	Actions                  []string
	Hints                    map[string]dbus.Variant
	Timeout                  int32
}

func (f *fakeNotifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.id++
	f.calls <- notifyCall{app, icon, summary, body, replaces, actions, hints, timeout}
	return f.id, nil
}

// serveNotifications registers the fake service on bus.
func serveNotifications(t *testing.T, bus *testpeer.Bus) *fakeNotifications {
	t.Helper()
	conn := bus.Conn(t)
	f := &fakeNotifications{calls: make(chan notifyCall, 16)}
	if err := conn.Export(f, notifyPath, notifyIface); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(notifyName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v (reply %v)", notifyName, err, reply)
	}
	return f
}

func TestDBusNotifierOncePerEpisode(t *testing.T) {
	bus := testpeer.SessionBus(t)
	svc := serveNotifications(t, bus)
	n := dbusNotifier{connect: func(ctx context.Context) (*dbus.Conn, error) {
		return dbus.Connect(bus.Addr, dbus.WithContext(ctx))
	}}
	for _, on := range []bool{false, true} {
		seq := &scoreSeq{t0: time.Date(2026, 12, 1, 9, 0, 0, 0, time.Local),
			scores: []float64{0.2, 0.97, 0.99, 0.98, math.NaN(), 0.1}}
		a := &app{log: slog.New(slog.DiscardHandler), ctx: context.Background(), notify: n, anomalies: newAnomalies(seq.next)}
		a.eff = defaultSettings()
		a.eff.AnomalyNotify = on
		for seq.i = range seq.scores {
			a.checkAnomalies()
		}
		a.bg.Wait()
		want := 0
		if on {
			want = 1
		}
		if got := len(svc.calls); got != want {
			t.Fatalf("notifications on=%v: %d calls, want %d", on, got, want)
		}
	}
	c := <-svc.calls
	if c.App != "Rogue" || c.Summary != "Unusual CPU" || c.Body != "CPU 91% at 09:01 (likelihood 97%)" || c.Timeout != -1 {
		t.Errorf("notification %+v", c)
	}
	if u, ok := c.Hints["urgency"].Value().(byte); !ok || u != 1 {
		t.Errorf("urgency hint %v", c.Hints["urgency"])
	}
}

func TestDBusNotifierWithoutService(t *testing.T) {
	bus := testpeer.SessionBus(t)
	n := dbusNotifier{connect: func(ctx context.Context) (*dbus.Conn, error) {
		return dbus.Connect(bus.Addr, dbus.WithContext(ctx))
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Notify(ctx, "t", "b"); err == nil {
		t.Error("no error without a notification service")
	}
}
