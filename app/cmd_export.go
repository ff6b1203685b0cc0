package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/sync"
)

func init() {
	register(command{Name: "export", Summary: "append pending points to CSV files (old rogue-export), or export a range to a folder", Run: runExport})
}

// defaultExportRange is how far back --out exports without --since.
const defaultExportRange = 14 * 24 * time.Hour

func runExport(ctx context.Context, args []string, io stdio) int {
	fs := newFlagSet("rogue export", io.Err)
	prefix := prefixFlag(fs, "the RRD files")
	out := fs.String("out", "", "export to this `folder` instead: one CSV per metric plus "+sync.CombinedName)
	since := fs.String("since", "", "with --out: first `time` to export (default: 14 days before --until)")
	until := fs.String("until", "", "with --out: last `time` to export (default: now)")
	metrics := fs.String("metrics", "", "without --out: comma-separated metric `names` (default: all)")
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage:\n"+
			"  rogue export [--prefix PATH]\n"+
			"  rogue export --out DIR [--since TIME] [--until TIME] [--prefix PATH]\n\n"+
			"Without --out, appends every point collected since the last export to\n"+
			"<prefix>/<Name>.csv as rows \"Name,value,timestamp\", keeping the position in\n"+
			"<prefix>/<Name>-csv.pos, exactly like numenta-rogue's rogue-export: run it\n"+
			"as often as you like, it only appends.\n\n"+
			"With --out, writes DIR/<Name>.csv per metric (timestamp,iso8601,<Name>) and\n"+
			"DIR/%s (timestamp,iso8601,CPUPercent,MemoryPercent,...) for the\n"+
			"range, replacing earlier exports there. TIME is RFC 3339\n"+
			"(2026-11-24T08:00:00Z), a date (2026-11-24: --since from its start,\n"+
			"--until to its end, local time) or Unix seconds.\n\nFlags:\n", sync.CombinedName)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, nil); !ok {
		return code
	}
	if *out == "" && (*since != "" || *until != "") {
		fmt.Fprintf(io.Err, "rogue export: --since and --until need --out DIR\n")
		return 2
	}
	if *out != "" && *metrics != "" {
		fmt.Fprintf(io.Err, "rogue export: --metrics applies to the append mode only; --out exports every metric\n")
		return 2
	}
	if err := orDefaultPrefix(prefix); err != nil {
		fmt.Fprintf(io.Err, "rogue export: %v\n", err)
		return 1
	}
	names := splitList(*metrics)
	for _, n := range names {
		if _, ok := metric.Lookup(n); !ok {
			fmt.Fprintf(io.Err, "rogue export: unknown metric %q\n", n)
			return 2
		}
	}
	lock, err := lockData(*prefix, commandLockWait, false)
	if err != nil {
		fmt.Fprintf(io.Err, "rogue export: %v\n", err)
		return 1
	}
	defer lock.release()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Err, &slog.HandlerOptions{Level: slog.LevelWarn})))

	if *out == "" {
		rows, err := sync.ExportAppend(ctx, *prefix, names)
		if err != nil {
			fmt.Fprintf(io.Err, "rogue export: %v\n", err)
			return 1
		}
		fmt.Fprintf(io.Out, "Appended %d rows to the CSV files in %s.\n", rows, *prefix)
		return 0
	}

	now := time.Now()
	to := now
	if *until != "" {
		t, err := parseExportTime(*until, true, time.Local)
		if err != nil {
			fmt.Fprintf(io.Err, "rogue export: --until: %v\n", err)
			return 2
		}
		to = t
	}
	from := to.Add(-defaultExportRange)
	if *since != "" {
		t, err := parseExportTime(*since, false, time.Local)
		if err != nil {
			fmt.Fprintf(io.Err, "rogue export: --since: %v\n", err)
			return 2
		}
		from = t
	}
	if !from.Before(to) {
		// Only a --since after --until (or now) gets here: say the values
		// as typed, as a date --until reaches the end of its day.
		untilShown, untilNote := *until, ""
		switch {
		case untilShown == "":
			untilShown = "(now)"
		case isDate(untilShown):
			untilNote = "; the --until day is included"
		}
		fmt.Fprintf(io.Err, "rogue export: --since %s must be before --until %s%s\n", *since, untilShown, untilNote)
		return 2
	}
	sum, err := sync.ExportFolder(ctx, *prefix, *out, from, to, nil)
	if err != nil {
		fmt.Fprintf(io.Err, "rogue export: %v\n", err)
		return 1
	}
	fmt.Fprintf(io.Out, "Exported %s … %s to %s: %d metric files (%d values) and %s (%d rows).\n",
		from.Format(time.RFC3339), to.Format(time.RFC3339), sum.Dir, len(sum.Files), sum.Points, sync.CombinedName, sum.Rows)
	if len(sum.Missing) > 0 {
		fmt.Fprintf(io.Out, "No RRD file for: %v\n", sum.Missing)
	}
	if len(sum.Bad) > 0 {
		fmt.Fprintf(io.Err, "rogue export: not exported, the RRD file could not be read:\n")
		for _, b := range sum.Bad {
			fmt.Fprintf(io.Err, "  %s: %v\n", b.Name, b.Err)
		}
		return 1
	}
	return 0
}

// isDate reports whether s is a plain date (YYYY-MM-DD), which --until
// takes to the end of that day.
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// parseExportTime accepts RFC 3339, a date (YYYY-MM-DD in loc: its start,
// or with endOfDay the start of the next day) and Unix seconds.
func parseExportTime(s string, endOfDay bool, loc *time.Location) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 253402300799 {
			return time.Time{}, fmt.Errorf("%d is not a plausible Unix time", n)
		}
		return time.Unix(n, 0), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-24T08:00:00Z), a date (2026-11-24) or Unix seconds", s)
}
