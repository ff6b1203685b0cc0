package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/rogue-metrics/rogue/agent"
)

func init() {
	register(command{Name: "agent", Summary: "collect metrics and key statistics into RRD files (old rogue-agent + rogue-keycounter)", Run: runAgent})
}

// runAgent is `rogue agent`: the old rogue-agent and rogue-keycounter in
// one process, with their flags.
func runAgent(ctx context.Context, args []string, io stdio) int {
	fs := newFlagSet("rogue agent", io.Err)
	prefix := prefixFlag(fs, "the RRD files")
	interval := fs.Int("interval", int(agent.DefaultInterval/time.Second), "sampling interval and RRD step in `seconds`")
	heartbeat := int(agent.DefaultHeartbeat / time.Second)
	fs.IntVar(&heartbeat, "heartbeat", heartbeat, "longest gap in `seconds` before the RRD records unknown (at least 2 × interval)")
	fs.IntVar(&heartbeat, "hearbeat", heartbeat, "the same in `seconds`, spelled as numenta-rogue did")
	reset := fs.Bool("reset", false, "remove the metrics' RRD files first and start over (says which it removed)")
	verbose := fs.Bool("v", false, "debug logging")
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: rogue agent [--prefix PATH] [--interval SECONDS] [--heartbeat SECONDS] [--reset]\n\n"+
			"Samples CPU, memory, disk and network counters and typing rhythm (key\n"+
			"count, down-down, up-down and hold times, typing speed; never which keys)\n"+
			"once per interval into one RRD file per metric, <prefix>/<Name>.rrd, until\n"+
			"interrupted. Files that exist, also ones numenta-rogue or rrdtool made, are\n"+
			"continued; only --reset starts over. Without an X display (Linux) or\n"+
			"Input Monitoring permission (macOS) the key metrics are unknown and the rest\n"+
			"keeps running. Logs go to standard error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, nil); !ok {
		return code
	}
	if *interval < 1 || *interval > maxSeconds {
		fmt.Fprintf(io.Err, "rogue agent: --interval must be at least 1 second and at most %d, got %d\n", maxSeconds, *interval)
		return 2
	}
	if heartbeat < 1 || heartbeat > maxSeconds {
		fmt.Fprintf(io.Err, "rogue agent: --heartbeat must be at least 1 second and at most %d, got %d\n", maxSeconds, heartbeat)
		return 2
	}
	if err := orDefaultPrefix(prefix); err != nil {
		fmt.Fprintf(io.Err, "rogue agent: no default prefix: %v; give --prefix\n", err)
		return 2
	}
	lock, err := lockData(*prefix, dataLockWait, true)
	var inUse *dataInUseError
	if errors.As(err, &inUse) {
		fmt.Fprintf(io.Err, "rogue agent: %v\n", err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(io.Err, "rogue agent: cannot create prefix %s: %v\n", *prefix, err)
		return 2
	}
	defer lock.release()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: level}))
	a, err := agent.New(agent.Config{
		Prefix:    *prefix,
		Interval:  time.Duration(*interval) * time.Second,
		Heartbeat: time.Duration(heartbeat) * time.Second,
		Reset:     *reset,
		Logger:    logger,
	})
	if err != nil {
		fmt.Fprintf(io.Err, "rogue agent: %v\n", err)
		if errors.Is(err, agent.ErrConfig) {
			return 2
		}
		return 1
	}
	// One P unless the user chose otherwise: a tick is a fraction of a
	// millisecond of work, and with more Ps every goroutine started wakes
	// another thread (bench/agent.sh: 5–14 instead of 12–19 context
	// switches per tick). A collector blocked in a system call still cannot stall
	// the scheduler: the runtime hands the P to another thread.
	if os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	// The main goroutine is locked to the main thread (fyne.io/systray's
	// init does that for macOS's menu bar); run the scheduler on another
	// goroutine, so that each tick does not have to wake that one thread.
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	if err := <-done; err != nil {
		logger.Error("agent failed", "err", err)
		return 1
	}
	return 0
}
