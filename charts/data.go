package charts

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogue-metrics/rogue/metric"
	"github.com/rogue-metrics/rogue/rrd"
)

// group is one chart: metrics shown together.
type group struct {
	ID      string
	Title   string
	Metrics []metric.Metric
}

// groupRules sort the catalogue into charts, by metric name. A metric no
// rule takes gets a chart of its own.
var groupRules = []struct {
	id, title string
	match     func(name string) bool
}{
	{"cpu", "CPU", func(n string) bool { return strings.HasPrefix(n, "CPU") }},
	{"memory", "Memory", func(n string) bool { return strings.HasPrefix(n, "Memory") }},
	{"disk-bytes", "Disk bytes", func(n string) bool { return strings.HasPrefix(n, "Disk") && strings.HasSuffix(n, "Bytes") }},
	{"disk-time", "Disk time", func(n string) bool { return strings.HasPrefix(n, "Disk") && strings.HasSuffix(n, "Time") }},
	{"network", "Network", func(n string) bool { return strings.HasPrefix(n, "Network") }},
	{"keys", "Keys", func(n string) bool { return strings.HasPrefix(n, "Key") }},
}

// groupMetrics sorts ms into charts, in the order their first metrics come.
func groupMetrics(ms []metric.Metric) []group {
	var out []group
	index := map[string]int{}
	for _, m := range ms {
		id, title := strings.ToLower(m.Name), m.Display
		for _, r := range groupRules {
			if r.match(m.Name) {
				id, title = r.id, r.title
				break
			}
		}
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			out = append(out, group{ID: id, Title: title})
		}
		out[i].Metrics = append(out[i].Metrics, m)
	}
	return out
}

// Ranges are the windows the page offers, in seconds.
var Ranges = []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour}

type metaMetric struct {
	Name  string   `json:"name"`
	Label string   `json:"label"`
	Unit  string   `json:"unit"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
}

type metaGroup struct {
	ID      string       `json:"id"`
	Title   string       `json:"title"`
	Metrics []metaMetric `json:"metrics"`
}

type meta struct {
	Groups    []metaGroup `json:"groups"`
	Threshold float64     `json:"threshold"`
	Refresh   float64     `json:"refresh"` // seconds
	Ranges    []int64     `json:"ranges"`  // seconds
	MaxPoints int         `json:"maxPoints"`
	Now       int64       `json:"now"`
	Status    Status      `json:"status"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func (s *Server) serveMeta(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		s.refuse(w, r, http.StatusBadRequest, "charts: /api/meta takes no parameters")
		return
	}
	s.serveJSON(w, r, s.meta())
}

// meta describes the page: its charts, the threshold, the cadence, the
// ranges, the status lines.
func (s *Server) meta() meta {
	m := meta{
		Threshold: max(s.cfg.Threshold, 0),
		Refresh:   s.cfg.Refresh.Seconds(),
		MaxPoints: MaxPoints,
		Now:       s.cfg.Now().Unix(),
		Status:    s.status(),
	}
	for _, d := range Ranges {
		m.Ranges = append(m.Ranges, int64(d/time.Second))
	}
	for _, g := range s.groups {
		mg := metaGroup{ID: g.ID, Title: g.Title}
		for _, x := range g.Metrics {
			mg.Metrics = append(mg.Metrics, metaMetric{Name: x.Name, Label: x.Display, Unit: x.Unit, Min: finite(x.Min), Max: finite(x.Max)})
		}
		m.Groups = append(m.Groups, mg)
	}
	return m
}

// dataQuery is a parsed /api/data request.
type dataQuery struct {
	group    *group
	from, to int64 // Unix seconds
	px       int
}

// maxUnix bounds the times a request may give (year 36812): far beyond any
// RRD, and safe from overflow in every sum below.
const maxUnix = 1 << 40

// errBadQuery prefixes every complaint about a data request.
var errBadQuery = errors.New("charts: bad request")

// parseParams splits a query into its parameters: each of want exactly
// once, nothing else.
func parseParams(raw string, want ...string) (map[string]string, error) {
	seen := map[string]string{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if !slices.Contains(want, k) {
			return nil, fmt.Errorf("%w: unknown parameter %.40q (want %s)", errBadQuery, k, strings.Join(want, ", "))
		}
		if _, dup := seen[k]; dup {
			return nil, fmt.Errorf("%w: parameter %s given twice", errBadQuery, k)
		}
		seen[k] = v
	}
	for _, k := range want {
		if _, ok := seen[k]; !ok {
			return nil, fmt.Errorf("%w: missing parameter %s", errBadQuery, k)
		}
	}
	return seen, nil
}

// parseDataQuery checks a /api/data query: group, from, to (Unix seconds)
// and px (the plot's width in pixels), each exactly once, nothing else.
func (s *Server) parseDataQuery(raw string) (dataQuery, error) {
	var q dataQuery
	seen, err := parseParams(raw, "group", "from", "to", "px")
	if err != nil {
		return q, err
	}
	for i := range s.groups {
		if s.groups[i].ID == seen["group"] {
			q.group = &s.groups[i]
		}
	}
	if q.group == nil {
		ids := make([]string, len(s.groups))
		for i, g := range s.groups {
			ids[i] = g.ID
		}
		return q, fmt.Errorf("%w: unknown group %.40q (want one of %s)", errBadQuery, seen["group"], strings.Join(ids, ", "))
	}
	return q, parseWindow(seen, &q)
}

// parseChartsQuery checks a /api/charts query: from, to and px, each
// exactly once, nothing else.
func parseChartsQuery(raw string) (dataQuery, error) {
	var q dataQuery
	seen, err := parseParams(raw, "from", "to", "px")
	if err != nil {
		return q, err
	}
	return q, parseWindow(seen, &q)
}

// parseWindow checks the from, to and px of a query into q.
func parseWindow(seen map[string]string, q *dataQuery) error {
	unix := func(k string) (int64, error) {
		v, err := strconv.ParseInt(seen[k], 10, 64)
		if err != nil || v < 0 || v > maxUnix {
			return 0, fmt.Errorf("%w: %s must be a time in Unix seconds, not %.40q", errBadQuery, k, seen[k])
		}
		return v, nil
	}
	var err error
	if q.from, err = unix("from"); err != nil {
		return err
	}
	if q.to, err = unix("to"); err != nil {
		return err
	}
	if q.to <= q.from {
		return fmt.Errorf("%w: to (%d) must be after from (%d)", errBadQuery, q.to, q.from)
	}
	if time.Duration(q.to-q.from)*time.Second > MaxSpan {
		return fmt.Errorf("%w: window of %d s is longer than %d s", errBadQuery, q.to-q.from, int64(MaxSpan/time.Second))
	}
	px, err := strconv.Atoi(seen["px"])
	if err != nil || px < 1 || px > MaxPoints {
		return fmt.Errorf("%w: px must be the plot width in pixels, 1 to %d, not %.40q", errBadQuery, MaxPoints, seen["px"])
	}
	q.px = px
	return nil
}

func (s *Server) serveData(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseDataQuery(r.URL.RawQuery)
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s.writeBody(w, r, "application/json", s.data(q))
}

// serveCharts answers /api/charts: every chart's data over one window in
// one answer, so that the page's first load is one request the page can
// start before it has laid anything out (see web/boot.js):
//
//	{"from":…,"to":…,"charts":[<the /api/data answer of each group>, …]}
//
// in the order of the page's groups. The groups are read one after the
// other: the page asks for them while it loads, and on a machine of few
// cores the browser's work then needs the other cores more than this
// answer needs to come sooner.
func (s *Server) serveCharts(w http.ResponseWriter, r *http.Request) {
	q, err := parseChartsQuery(r.URL.RawQuery)
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	parts := make([][]byte, len(s.groups))
	for i := range s.groups {
		gq := q
		gq.group = &s.groups[i]
		parts[i] = s.data(gq)
	}
	size := 64
	for _, p := range parts {
		size += len(p) + 1
	}
	b := fmt.Appendf(make([]byte, 0, size), `{"from":%d,"to":%d,"charts":[`, q.from, q.to)
	for i, p := range parts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p...)
	}
	s.writeBody(w, r, "application/json", append(b, "]}"...))
}

// series is one metric's values, and its scores when it has a score file.
type series struct {
	m       metric.Metric
	vals    []float64 // bucket averages
	scores  []float64 // bucket maxima; nil without a score file
	problem string    // why there are no values
}

// data answers q as compact JSON:
//
//	{"group":"cpu","t0":…,"bucket":60,"n":60,"series":[
//	  {"name":"CPUPercent","v":[12.5,null,…],"s":[0.01,…]}]}
//
// Point i covers [t0+i*bucket, t0+(i+1)*bucket): values are averages,
// scores maxima, null where nothing is known. n is at most q.px.
func (s *Server) data(q dataQuery) []byte {
	files := make([]*rrd.File, len(q.group.Metrics))
	out := make([]series, len(q.group.Metrics))
	step := int64(1)
	for i, m := range q.group.Metrics {
		out[i].m = m
		f, err := rrd.Open(filepath.Join(s.cfg.Dir, m.Name+".rrd"))
		if err != nil {
			out[i].problem = "no data"
			if !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("charts: open", "metric", m.Name, "err", err)
				out[i].problem = "unreadable"
			}
			continue
		}
		defer f.Close()
		files[i] = f
		step = max(step, int64(f.Definition().Step/time.Second))
	}
	span := q.to - q.from
	bucket := max(step, (span+int64(q.px)-1)/int64(q.px))
	bucket = (bucket + step - 1) / step * step
	var t0, n int64
	for {
		t0 = q.from / bucket * bucket
		n = (q.to - t0 + bucket - 1) / bucket
		if n <= int64(q.px) {
			break
		}
		bucket += step
	}
	for i, f := range files {
		if f == nil {
			continue
		}
		var err error
		out[i].vals, err = fetchBuckets(f, rrd.Average, t0, bucket, n, average)
		if err != nil {
			s.log.Warn("charts: fetch", "metric", out[i].m.Name, "err", err)
			out[i].problem = "unreadable"
			continue
		}
		sf, err := rrd.Open(filepath.Join(s.cfg.AnomalyDir, out[i].m.Name+".rrd"))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("charts: open scores", "metric", out[i].m.Name, "err", err)
			}
			continue
		}
		out[i].scores, err = fetchBuckets(sf, rrd.Max, t0, bucket, n, maximum)
		sf.Close()
		if err != nil {
			s.log.Warn("charts: fetch scores", "metric", out[i].m.Name, "err", err)
		}
	}

	b := make([]byte, 0, 64+len(out)*int(n)*8)
	b = fmt.Appendf(b, `{"group":%q,"from":%d,"to":%d,"t0":%d,"bucket":%d,"n":%d,"series":[`, q.group.ID, q.from, q.to, t0, bucket, n)
	for i, x := range out {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"name":%q`, x.m.Name)
		if x.problem != "" {
			b = fmt.Appendf(b, `,"problem":%q`, x.problem)
		}
		b = append(b, `,"v":`...)
		b = appendValues(b, x.vals, 'g', 4)
		if x.scores != nil {
			b = append(b, `,"s":`...)
			b = appendValues(b, x.scores, 'f', 2)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendValues appends vs as a JSON array (null for NaN), or null for nil.
func appendValues(b []byte, vs []float64, format byte, prec int) []byte {
	if vs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		start := len(b)
		b = strconv.AppendFloat(b, v, format, prec, 64)
		if format == 'f' {
			b = trimZeros(b, start)
		}
	}
	return append(b, ']')
}

// trimZeros shortens "0.50" to "0.5" and "1.00" to "1" in b[start:].
func trimZeros(b []byte, start int) []byte {
	if !strings.Contains(string(b[start:]), ".") {
		return b
	}
	for len(b) > start && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > start && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}

// reducer folds the known values of one bucket.
type reducer int

const (
	average reducer = iota
	maximum
)

// fetchBuckets reads f's first data source over n buckets of bucket
// seconds from t0 and folds the rows of each bucket: a row counts in every
// bucket its interval overlaps (so an archive coarser than the buckets
// leaves no holes). Buckets without a known row are NaN.
//
// It reads the finest archive that is not coarser than a bucket, and where
// the window reaches back before that archive (a two-week window is a few
// seconds longer than two weeks of rows), the coarser one for that part
// only, so that one second too many does not cost the whole window its
// detail.
func fetchBuckets(f *rrd.File, cf rrd.CF, t0, bucket, n int64, how reducer) ([]float64, error) {
	def := f.Definition()
	step := int64(def.Step / time.Second)
	res, rows := step, 0
	for _, a := range def.RRA {
		s := int64(a.Steps) * step
		if (a.CF == cf || a.Steps == 1) && s <= bucket && s > res {
			res = s
		}
		if a.Steps == 1 {
			rows = max(rows, a.Rows)
		}
	}
	end := t0 + n*bucket
	split := t0 // where the archive of resolution res begins to cover
	if res == step && rows > 0 {
		last, err := f.LastUpdate()
		if err != nil {
			return nil, err
		}
		split = max(t0, min(end, last.Unix()-last.Unix()%step-int64(rows-1)*step))
	}
	sum := make([]float64, n)
	cnt := make([]int, n)
	// fold reads [from, to) at resolution and folds its rows, up to until,
	// into the buckets, a row at a time (Fetch would hold every row: two
	// weeks of minutes is 20160 of them per file).
	fold := func(from, to, resolution, until int64) error {
		var rstep int64
		return f.FetchStream(cf, time.Unix(from, 0), time.Unix(to, 0), time.Duration(resolution)*time.Second,
			func(r *rrd.Result) error {
				rstep = int64(r.Step / time.Second)
				return nil
			},
			func(_ int64, t time.Time, row []float64) error {
				if len(row) == 0 || math.IsNaN(row[0]) {
					return nil
				}
				rowEnd := t.Unix()
				if rowEnd-rstep >= until {
					return nil
				}
				first := max(0, floorDiv(rowEnd-rstep-t0, bucket))
				last := min(n-1, floorDiv(rowEnd-1-t0, bucket))
				v := row[0]
				for k := first; k <= last; k++ {
					switch {
					case cnt[k] == 0:
						sum[k] = v
					case how == maximum:
						sum[k] = max(sum[k], v)
					default:
						sum[k] += v
					}
					cnt[k]++
				}
				return nil
			})
	}
	if split > t0 {
		if err := fold(t0, split, bucket, split); err != nil {
			return nil, err
		}
	}
	if split < end {
		if err := fold(split, end, res, end); err != nil {
			return nil, err
		}
	}
	for k := range sum {
		switch {
		case cnt[k] == 0:
			sum[k] = math.NaN()
		case how == average:
			sum[k] /= float64(cnt[k])
		}
	}
	return sum, nil
}

// floorDiv is a / b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
