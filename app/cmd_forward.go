package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/sync"
)

func init() {
	register(command{Name: "forward", Summary: "send pending points to a Grok or Carbon server once (old rogue-forward)", Run: runForward})
}

func runForward(ctx context.Context, args []string, io stdio) int {
	fs := newFlagSet("rogue forward", io.Err)
	server := fs.String("server", "", "Grok server `URL` (https://grok.example.com) or Carbon host[:port]")
	prefix := prefixFlag(fs, "the RRD files and cursors")
	port := fs.Int("port", sync.DefaultCarbonPort, "Carbon plaintext `port` of the server (a port in a bare --server wins)")
	metricPrefix := fs.String("metric-prefix", "", "`prefix` for the metric names, e.g. laptop sends laptop.CPUPercent; letters, digits, '.', '_' and '-' (default: the app's setting, else none)")
	metrics := fs.String("metrics", "", "comma-separated metric `names` to forward (default: all)")
	timeout := fs.Duration("timeout", sync.DefaultTimeout, "how long to wait for connecting, each write and the server's confirmation")
	settle := fs.Duration("settle", sync.DefaultSettle, "least time between two runs that carried a point before it counts as delivered")
	verbose := fs.Bool("v", false, "log progress to standard error")
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: rogue forward --server URL [flags]\n\n"+
			"Sends every point not yet known to be delivered to the server's Carbon\n"+
			"plaintext listener (port 2003) over one connection and waits until the\n"+
			"server has closed it. Carbon confirms nothing, and a server stopping\n"+
			"right after reading closes cleanly too, so a point counts as delivered\n"+
			"only once a later run (at least --settle later) has carried it again;\n"+
			"then its position is recorded in <prefix>/<Name>.pos (the files\n"+
			"numenta-rogue kept; the points awaiting that are listed in\n"+
			"<prefix>/forward-journal.json). On failure nothing is recorded and the\n"+
			"next run sends the points again. Any Carbon endpoint (carbon-relay,\n"+
			"VictoriaMetrics, InfluxDB's graphite listener) works as a target.\n"+
			"Run it as often as you like, e.g. from cron; it needs no API key.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, nil); !ok {
		return code
	}
	if strings.TrimSpace(*server) == "" {
		fmt.Fprintf(io.Err, "rogue forward: --server is required, e.g. --server https://grok.example.com\n")
		return 2
	}
	if *port < 1 || *port > 65535 {
		fmt.Fprintf(io.Err, "rogue forward: --port %d is not between 1 and 65535\n", *port)
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(io.Err, "rogue forward: --timeout must be positive\n")
		return 2
	}
	if *settle <= 0 {
		fmt.Fprintf(io.Err, "rogue forward: --settle must be positive\n")
		return 2
	}
	if err := orDefaultPrefix(prefix); err != nil {
		fmt.Fprintf(io.Err, "rogue forward: %v\n", err)
		return 1
	}
	if !flagSet(fs, "metric-prefix") {
		// The same names as the app sends (a new install's per-machine
		// prefix); without its settings, the bare names numenta-rogue sent.
		if path, err := settingsPath(); err == nil {
			if s, err := loadSettingsQuietly(path); err == nil {
				*metricPrefix = s.MetricPrefix
			}
		}
	}
	lock, err := lockData(*prefix, commandLockWait, false)
	if err != nil {
		hint := ""
		if inUse := (*dataInUseError)(nil); errors.As(err, &inUse) {
			hint = forwardHint
		}
		fmt.Fprintf(io.Err, "rogue forward: %v%s\n", err, hint)
		return 1
	}
	defer lock.release()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	cfg := sync.ForwardConfig{
		Prefix:       *prefix,
		Server:       *server,
		Port:         *port,
		MetricPrefix: *metricPrefix,
		Metrics:      splitList(*metrics),
		Timeout:      *timeout,
		Settle:       *settle,
		Logger:       slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: level})),
	}
	f, err := sync.NewForwarder(cfg)
	if err != nil {
		fmt.Fprintf(io.Err, "rogue forward: %v\n", err)
		return 2
	}
	addr, _ := sync.CarbonAddr(cfg.Server, cfg.Port)
	start := time.Now()
	sent, err := f.ForwardOnce(ctx)
	if err != nil {
		if sent > 0 {
			fmt.Fprintf(io.Out, "Sent %d points to %s, but:\n", sent, addr)
		}
		fmt.Fprintf(io.Err, "rogue forward: %v\n", err)
		if sent == 0 {
			fmt.Fprintf(io.Err, "Nothing was recorded as sent; the next run sends these points again.\n")
		}
		return 1
	}
	if sent == 0 {
		fmt.Fprintf(io.Out, "Nothing new to send to %s.\n", addr)
		return 0
	}
	again := ""
	if n := f.Status().Resent; n > 0 {
		again = fmt.Sprintf(" (%d of them again, confirming an earlier run)", n)
	}
	fmt.Fprintf(io.Out, "Sent %d points to %s in %.3f s%s.\n", sent, addr, time.Since(start).Seconds(), again)
	return 0
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// loadSettingsQuietly reads the app's settings file without moving an
// unusable one aside (that is the app's business); a missing file is an
// error too.
func loadSettingsQuietly(path string) (settings, error) {
	s := defaultSettings()
	data, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	// A field that cannot be used takes its default, as in the app.
	if _, err := parseSettings(data, &s); err != nil {
		return defaultSettings(), err
	}
	return s, nil
}

// commandLockWait is how long "rogue forward" and "rogue export" wait for
// another short command on the same data folder to finish (a variable for
// tests).
var commandLockWait = 2 * time.Second

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
