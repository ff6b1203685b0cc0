package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ModelRow is one row of a Grok metric's data: a sample the server stored
// and the anomaly score its model gave it.
type ModelRow struct {
	Time         time.Time // UTC, whole seconds
	Value        float64   // NaN when the server sent none
	AnomalyScore float64   // NaN when not scored (yet)
	RowID        int64     // the server's row number, 1 for the first row
}

// ModelData returns the newest rows Grok stored for the metric (or model)
// uid, newest first: at most limit rows, every row when limit <= 0. It is
// GET /_models/<uid>/data?limit=N, answered as
// {"names": ["timestamp", "value", "anomaly_score", "rowid"], "data": [...]}
// with UTC times written "2006-01-02 15:04:05". Rows are stored for every
// custom metric, monitored by a model or not.
func (c *Client) ModelData(ctx context.Context, uid string, limit int) ([]ModelRow, error) {
	if uid == "" || strings.ContainsFunc(uid, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return nil, fmt.Errorf("bad model id %q", uid)
	}
	path := "/_models/" + uid + "/data"
	query := ""
	if limit > 0 {
		query = "?limit=" + strconv.Itoa(limit)
	}
	b, err := c.do(ctx, http.MethodGet, path+query, nil)
	if err != nil {
		return nil, err
	}
	rows, err := parseModelData(b)
	if err != nil {
		return nil, c.badAnswer(path, err)
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, nil
}

// parseModelData decodes the answer of GET /_models/<uid>/data, finding the
// columns by their names.
func parseModelData(b []byte) ([]ModelRow, error) {
	var ans struct {
		Names []string            `json:"names"`
		Data  [][]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return nil, err
	}
	col := map[string]int{"timestamp": -1, "value": -1, "anomaly_score": -1, "rowid": -1}
	for i, n := range ans.Names {
		if _, ok := col[n]; ok {
			col[n] = i
		}
	}
	if col["timestamp"] < 0 {
		return nil, errors.New(`no "timestamp" column in "names"`)
	}
	rows := make([]ModelRow, 0, len(ans.Data))
	for i, d := range ans.Data {
		get := func(name string) json.RawMessage {
			if j := col[name]; j >= 0 && j < len(d) {
				return d[j]
			}
			return nil
		}
		t, err := parseGrokTime(get("timestamp"))
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		r := ModelRow{Time: t, Value: jsonFloat(get("value")), AnomalyScore: jsonFloat(get("anomaly_score"))}
		if id := get("rowid"); id != nil {
			json.Unmarshal(id, &r.RowID) // null or absent: 0
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// parseGrokTime reads a time of Grok's answers: "2006-01-02 15:04:05" in
// UTC (also with a T, fractions or a zone), or Unix seconds.
func parseGrokTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n float64
		if err := json.Unmarshal(raw, &n); err != nil || math.IsNaN(n) || n <= 0 || n > maxCursor {
			return time.Time{}, fmt.Errorf("timestamp %s is neither a time nor Unix seconds", raw)
		}
		return time.Unix(int64(n), 0).UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not a time", s)
}

// jsonFloat reads a JSON number; null, absent or anything else is NaN.
func jsonFloat(raw json.RawMessage) float64 {
	var f *float64
	if raw == nil || json.Unmarshal(raw, &f) != nil || f == nil {
		return math.NaN()
	}
	return *f
}

// StoredUntil reports, for each metric name (as sent, with any metric
// prefix), the time of the newest row Grok has stored. A metric Grok lists
// without rows maps to the zero time. Metrics Grok does not list, or whose
// data it does not store (a model in the error state), are left out: the
// server gives no receipt for them. It implements Receipts.
func (c *Client) StoredUntil(ctx context.Context, names []string) (map[string]time.Time, error) {
	ms, err := c.CustomMetrics(ctx)
	if err != nil {
		return nil, err
	}
	uid := map[string]string{}
	for _, m := range ms {
		if m.Status != ModelError {
			uid[m.Name] = m.UID
		}
	}
	out := map[string]time.Time{}
	for _, n := range names {
		id, ok := uid[n]
		if !ok {
			continue
		}
		rows, err := c.ModelData(ctx, id, 1)
		if err != nil {
			return out, fmt.Errorf("rows stored for %s: %w", n, err)
		}
		if len(rows) == 0 {
			out[n] = time.Time{}
			continue
		}
		out[n] = rows[0].Time
	}
	return out, nil
}
