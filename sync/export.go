package sync

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ExportAppend appends the rows after each metric's CSV cursor to
// <prefix>/<Name>.csv, as numenta-rogue's rogue-export did: rows
// "Name,value,timestamp" with Python's float repr and CRLF line ends, the
// position kept in <prefix>/<Name>-csv.pos, so that running it often only
// appends. Unknown values are skipped (the old tool wrote "nan" rows and
// then skipped rows that became known later). Metrics default to every
// metric.All; those without an RRD file are skipped. The rows appended
// are synced before the cursor moves; should a crash come in between, the
// next run recognises the rows already in the file and does not repeat them.
func ExportAppend(ctx context.Context, prefix string, metrics []string) (rows int, err error) {
	return exportAppend(ctx, prefix, metrics, slog.Default())
}

func exportAppend(ctx context.Context, prefix string, metrics []string, log *slog.Logger) (rows int, err error) {
	if prefix == "" {
		return 0, errors.New("sync: no prefix (folder of the RRD files) given")
	}
	if len(metrics) == 0 {
		metrics = allMetricNames()
	}
	var errs []error
	found := false
	for _, name := range metrics {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		if err := checkMetricName(name); err != nil {
			return rows, err
		}
		if _, err := os.Stat(filepath.Join(prefix, name+".rrd")); errors.Is(err, fs.ErrNotExist) {
			log.Debug("no RRD file; skipped", "metric", name)
			continue
		}
		found = true
		n, err := appendMetric(prefix, name, log)
		rows += n
		if err != nil {
			errs = append(errs, fmt.Errorf("export %s: %w", name, err))
		}
	}
	if !found {
		errs = append(errs, fmt.Errorf("sync: %w in %s (is the prefix right?)", ErrNoRRDs, prefix))
	}
	return rows, errors.Join(errs...)
}

// appendMetric exports one metric in append mode.
func appendMetric(prefix, name string, log *slog.Logger) (int, error) {
	rrdPath := filepath.Join(prefix, name+".rrd")
	cpath := CursorPath(prefix, name, CSV)
	c, err := ReadCursor(cpath)
	if err != nil {
		log.Warn("corrupt cursor; starting from the oldest row the RRD holds", "metric", name, "err", err)
	}
	stored := c
	f, err := os.OpenFile(filepath.Join(prefix, name+".csv"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// Exports of key timings are the owner's only, also ones made before.
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(fi.Mode().Perm() & 0o700); err == nil {
			log.Info("CSV file was readable by other users; made it private", "file", f.Name())
		}
	}
	// Two exports at once would interleave rows.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	last, err := repairTail(f)
	if err != nil {
		return 0, err
	}
	if last > c.Unix() {
		// Rows were appended but the cursor not stored (a crash in
		// between): continue after them.
		log.Info("CSV is ahead of its cursor; continuing after its last row", "metric", name, "cursor", c, "last_row", last)
		c = Cursor{unix: last}
	}
	s, err := openSeries(rrdPath, name, window{after: c})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	if s.stale {
		log.Warn("CSV cursor is later than the RRD's last update (file recreated?); starting from the oldest row", "metric", name, "cursor", c)
	}
	n := 0
	if !s.empty() {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return 0, err
		}
		w := bufio.NewWriterSize(f, 64<<10)
		var line []byte
		err := s.each(func(p point) error {
			line = append(line[:0], name...)
			line = append(line, ',')
			line = appendPyRepr(line, p.v)
			line = append(line, ',')
			line = strconv.AppendInt(line, p.t, 10)
			line = append(line, '\r', '\n')
			n++
			_, err := w.Write(line)
			return err
		})
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return 0, err
		}
		if n > 0 {
			if err := f.Sync(); err != nil {
				return 0, err
			}
		}
	}
	next := c
	if s.end > next.Unix() || s.stale {
		next = Cursor{unix: s.end}
	}
	if next != stored {
		if err := WriteCursor(cpath, next); err != nil {
			return n, err
		}
	}
	return n, nil
}

// repairTail cuts a torn last line (a crash mid-write) off an append-mode
// CSV and returns the timestamp of its last complete row (0 if none).
func repairTail(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	if size == 0 {
		return 0, nil
	}
	const tail = 4096
	off := max(0, size-tail)
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return 0, err
	}
	if buf[len(buf)-1] != '\n' {
		cut := bytes.LastIndexByte(buf, '\n') + 1
		if cut == 0 && off > 0 {
			return 0, fmt.Errorf("%s ends in a line longer than %d bytes; not touching it", f.Name(), tail)
		}
		if err := f.Truncate(off + int64(cut)); err != nil {
			return 0, err
		}
		buf = buf[:cut]
	}
	lines := bytes.Split(bytes.TrimRight(buf, "\r\n"), []byte("\n"))
	lastLine := bytes.TrimRight(lines[len(lines)-1], "\r")
	fields := bytes.Split(lastLine, []byte(","))
	if len(fields) != 3 {
		return 0, nil
	}
	ts, err := strconv.ParseInt(string(fields[2]), 10, 64)
	if err != nil || ts <= 0 || ts > maxCursor {
		return 0, nil
	}
	return ts, nil
}

// Summary describes a folder export.
type Summary struct {
	Dir      string    // the folder written
	Files    []string  // the per-metric CSV files, in metric order
	Combined string    // the wide CSV with every metric
	Points   int       // values written to the per-metric files
	Rows     int       // data rows of the combined file
	Missing  []string  // metrics without an RRD file
	Bad      []BadFile // metrics whose RRD file could not be read
	Since    time.Time // the range exported
	Until    time.Time
}

// BadFile is a metric whose RRD file an export could not read, and why.
type BadFile struct {
	Name string
	Err  error
}

// CombinedName is the name of the wide CSV in a folder export.
const CombinedName = "all-metrics.csv"

// ExportFolder writes the rows with since <= time <= until into outDir, for
// people and spreadsheets: <Name>.csv per metric with the header
// "timestamp,iso8601,<Name>", and all-metrics.csv with the header
// "timestamp,iso8601,CPUPercent,MemoryPercent,..." (metric.All order)
// holding one row per time and an empty cell where a value is unknown.
// The anomaly scores the agent stores (<prefix>/anomaly/<Name>.rrd) follow
// as <Name>.anomaly.csv files and <Name>.anomaly columns, where they exist. The
// timestamp column is Unix seconds, iso8601 the same time in RFC 3339 with
// the local offset; values are the shortest decimals that round-trip. Files
// are written under temporary names and renamed into place when all are
// complete, replacing earlier exports of the same names. progress, when not
// nil, is called after each file with the files done and the total.
func ExportFolder(ctx context.Context, prefix, outDir string, since, until time.Time, progress func(done, total int)) (Summary, error) {
	sum := Summary{Dir: outDir, Since: since, Until: until}
	if prefix == "" || outDir == "" {
		return sum, errors.New("sync: export needs the RRD folder and an output folder")
	}
	if !since.Before(until) {
		return sum, fmt.Errorf("sync: export range is empty: %s is not before %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return sum, fmt.Errorf("sync: export folder: %w", err)
	}
	if a, err := os.Stat(prefix); err == nil {
		if b, err := os.Stat(outDir); err == nil && os.SameFile(a, b) {
			return sum, errors.New("sync: the export folder is the RRD folder; choose another so the append-mode CSV files there stay untouched")
		}
	}
	unlock, err := claimExportDir(outDir)
	if err != nil {
		return sum, err
	}
	defer unlock()
	names := allMetricNames()
	srcs := exportSources(prefix, names)
	total := len(srcs) + 1
	var temps []string // temporary files, renamed at the end
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	var cols []string
	var data []*series // open until the combined file is written
	defer func() {
		for _, s := range data {
			s.Close()
		}
	}()
	done := 0
	for _, src := range srcs {
		name := src.name
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		s, err := openSeries(src.path, name, window{since: since.Unix(), until: until.Unix()})
		if errors.Is(err, fs.ErrNotExist) {
			if !src.score {
				sum.Missing = append(sum.Missing, name)
			}
			total--
			report(progress, done, total)
			continue
		}
		if err != nil {
			// One unreadable file (garbage, truncated, another layout)
			// costs its own metric only.
			sum.Bad = append(sum.Bad, BadFile{Name: name, Err: err})
			total--
			report(progress, done, total)
			continue
		}
		data = append(data, s)
		n := 0
		tmp, err := writeTemp(outDir, name+".csv", func(w *bufio.Writer) error {
			w.WriteString("timestamp,iso8601," + name + "\r\n")
			var line []byte
			return s.each(func(p point) error {
				line = appendPeopleRow(line[:0], p.t)
				line = append(line, ',')
				line = strconv.AppendFloat(line, p.v, 'f', -1, 64)
				line = append(line, '\r', '\n')
				n++
				_, err := w.Write(line)
				return err
			})
		})
		if err != nil {
			return sum, err
		}
		temps = append(temps, tmp)
		sum.Files = append(sum.Files, filepath.Join(outDir, name+".csv"))
		sum.Points += n
		cols = append(cols, name)
		done++
		report(progress, done, total)
	}
	if len(cols) == 0 {
		if len(sum.Bad) > 0 {
			return sum, fmt.Errorf("sync: no RRD file in %s could be read: %w", prefix, sum.Bad[0].Err)
		}
		return sum, fmt.Errorf("sync: %w in %s (is the prefix right?)", ErrNoRRDs, prefix)
	}
	tmp, err := writeTemp(outDir, CombinedName, func(w *bufio.Writer) error {
		w.WriteString("timestamp,iso8601")
		for _, c := range cols {
			w.WriteString("," + c)
		}
		w.WriteString("\r\n")
		var err error
		sum.Rows, err = writeWide(w, data)
		return err
	})
	if err != nil {
		return sum, err
	}
	temps = append(temps, tmp)
	sum.Combined = filepath.Join(outDir, CombinedName)
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	finals := append(slices.Clone(sum.Files), sum.Combined)
	for i, t := range temps {
		if err := os.Rename(t, finals[i]); err != nil {
			return sum, fmt.Errorf("sync: export: %w", err)
		}
	}
	temps = nil
	if err := syncDir(outDir); err != nil {
		return sum, err
	}
	done++
	report(progress, done, total)
	return sum, nil
}

// ScoreDir is the subfolder of the prefix with the agent's anomaly scores,
// one <Name>.rrd per metric (agent.ScoreDir).
const ScoreDir = "anomaly"

// ScoreSuffix is added to a metric's name for its anomaly scores in an
// export: the file <Name>.anomaly.csv and the column <Name>.anomaly.
const ScoreSuffix = ".anomaly"

// exportSource is one series of a folder export.
type exportSource struct {
	name, path string
	score      bool // an anomaly score series; no file is not missing
}

// exportSources lists the metrics' files, then their score files.
func exportSources(prefix string, names []string) []exportSource {
	var out []exportSource
	for _, n := range names {
		out = append(out, exportSource{name: n, path: filepath.Join(prefix, n+".rrd")})
	}
	for _, n := range names {
		out = append(out, exportSource{name: n + ScoreSuffix, path: filepath.Join(prefix, ScoreDir, n+".rrd"), score: true})
	}
	return out
}

func report(progress func(done, total int), done, total int) {
	if progress != nil {
		progress(done, total)
	}
}

// appendPeopleRow appends "unix,iso8601" for t.
func appendPeopleRow(b []byte, t int64) []byte {
	b = strconv.AppendInt(b, t, 10)
	b = append(b, ',')
	return time.Unix(t, 0).AppendFormat(b, time.RFC3339)
}

// writeWide writes one row per time any series has a value, the series'
// values in columns (empty when unknown), and returns the row count. The
// series are read side by side, a chunk at a time each.
func writeWide(w *bufio.Writer, data []*series) (int, error) {
	rs := make([]*reader, len(data))
	for i, s := range data {
		rs[i] = s.reader()
	}
	rows := 0
	var line []byte
	for {
		// The next time is the smallest among the series' next points.
		next := int64(-1)
		for _, r := range rs {
			if p, ok := r.peek(); ok && (next < 0 || p.t < next) {
				next = p.t
			}
		}
		if next < 0 {
			break
		}
		line = appendPeopleRow(line[:0], next)
		for _, r := range rs {
			line = append(line, ',')
			if p, ok := r.peek(); ok && p.t == next {
				line = strconv.AppendFloat(line, p.v, 'f', -1, 64)
				r.advance()
			}
		}
		line = append(line, '\r', '\n')
		if _, err := w.Write(line); err != nil {
			return rows, err
		}
		rows++
	}
	for _, r := range rs {
		if r.err != nil {
			return rows, r.err
		}
	}
	return rows, nil
}

// writeTemp writes a file under a temporary name in dir (synced) and returns
// that name; the caller renames it to name.
func writeTemp(dir, name string, fill func(*bufio.Writer) error) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("sync: export: %w", err)
	}
	tmp := f.Name()
	w := bufio.NewWriterSize(f, 256<<10)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Chmod(0o600) // key timings are the owner's only
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("sync: export %s: %w", name, err)
	}
	return tmp, nil
}

// claimExportDir locks outDir (an flock on the folder itself) against a
// second export into it, and removes the temporary files that an export
// killed before its renames left behind (".<Name>.csv.tmp-N"): with the
// lock held, no live export owns any. unlock releases the lock.
func claimExportDir(outDir string) (unlock func(), err error) {
	d, err := os.Open(outDir)
	if err != nil {
		return nil, fmt.Errorf("sync: export folder: %w", err)
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		d.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sync: another export into %s is running; wait for it to finish", outDir)
		}
		return nil, fmt.Errorf("sync: lock export folder %s: %w", outDir, err)
	}
	entries, err := d.ReadDir(-1)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("sync: export folder: %w", err)
	}
	for _, e := range entries {
		if isExportTemp(e.Name()) && e.Type().IsRegular() {
			os.Remove(filepath.Join(outDir, e.Name()))
		}
	}
	return func() { d.Close() }, nil
}

// isExportTemp reports whether name is a temporary file of writeTemp for
// one of the export's files.
func isExportTemp(name string) bool {
	base, _, ok := strings.Cut(name, ".tmp-")
	if !ok || !strings.HasPrefix(base, ".") {
		return false
	}
	base = strings.TrimPrefix(base, ".")
	if base == CombinedName {
		return true
	}
	return slices.Contains(allMetricNames(), strings.TrimSuffix(base, ".csv")) && strings.HasSuffix(base, ".csv")
}
