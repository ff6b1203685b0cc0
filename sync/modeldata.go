package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// ModelRow is one row of a Grok model's results: a value the server
// received and the model's anomaly score for it.
type ModelRow struct {
	Time  time.Time // the row's timestamp (UTC)
	Value float64   // the metric's value; NaN when null
	// Score is Grok's anomaly_score: an anomaly likelihood in [0, 1] (near
	// 1: improbable), 0 during the model's probation, NaN when the model
	// has not scored the row yet (null).
	Score float64
	RowID int64 // the row's number in the model's data, from 1
}

// modelData is the answer of GET /_models/<uid>/data (Grok's
// MetricDataHandler): rows newest first.
type modelData struct {
	Names []string            `json:"names"`
	Data  [][]json.RawMessage `json:"data"`
}

// allModelData is the answer of GET /_models/data: one entry per model
// that has data.
type allModelData struct {
	Names   []string `json:"names"`
	Metrics []struct {
		UID  string              `json:"uid"`
		Data [][]json.RawMessage `json:"data"`
	} `json:"metrics"`
}

// modelUID is what Grok's routes accept as a model id.
var modelUID = regexp.MustCompile(`^[-\w]+$`)

// ModelData returns the newest limit rows of the model uid, newest first
// (GET /_models/<uid>/data?limit=N; limit is always sent, since without it
// Grok returns the model's whole history).
func (c *Client) ModelData(ctx context.Context, uid string, limit int) ([]ModelRow, error) {
	if !modelUID.MatchString(uid) {
		return nil, fmt.Errorf("sync: model id %q: not a Grok model id", uid)
	}
	path := "/_models/" + uid + "/data"
	b, err := c.do(ctx, http.MethodGet, path+"?limit="+strconv.Itoa(max(limit, 1)), nil)
	if err != nil {
		return nil, err
	}
	var md modelData
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, c.badAnswer(path, err)
	}
	rows, err := parseModelRows(md.Names, md.Data)
	if err != nil {
		return nil, c.badAnswer(path, err)
	}
	return rows, nil
}

// LatestModelData returns every model's newest row by model id, in one
// request (GET /_models/data?limit=1). Models without data are absent.
func (c *Client) LatestModelData(ctx context.Context) (map[string]ModelRow, error) {
	const path = "/_models/data"
	b, err := c.do(ctx, http.MethodGet, path+"?limit=1", nil)
	if err != nil {
		return nil, err
	}
	var all allModelData
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, c.badAnswer(path, err)
	}
	out := make(map[string]ModelRow, len(all.Metrics))
	for _, m := range all.Metrics {
		rows, err := parseModelRows(all.Names, m.Data)
		if err != nil {
			return nil, c.badAnswer(path, err)
		}
		if len(rows) > 0 {
			out[m.UID] = rows[0]
		}
	}
	return out, nil
}

// parseModelRows reads rows laid out as names says (Grok sends
// ["timestamp", "value", "anomaly_score", "rowid"]).
func parseModelRows(names []string, data [][]json.RawMessage) ([]ModelRow, error) {
	col := map[string]int{}
	for i, n := range names {
		col[n] = i
	}
	for _, n := range []string{"timestamp", "value", "anomaly_score", "rowid"} {
		if _, ok := col[n]; !ok {
			return nil, fmt.Errorf("no %q column in %q", n, names)
		}
	}
	rows := make([]ModelRow, 0, len(data))
	for i, d := range data {
		if len(d) != len(names) {
			return nil, fmt.Errorf("row %d has %d fields for %d names", i, len(d), len(names))
		}
		var ts string
		if err := json.Unmarshal(d[col["timestamp"]], &ts); err != nil {
			return nil, fmt.Errorf("row %d: timestamp: %w", i, err)
		}
		t, err := time.Parse(time.DateTime, ts)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		r := ModelRow{Time: t}
		if r.Value, err = nullFloat(d[col["value"]]); err != nil {
			return nil, fmt.Errorf("row %d: value: %w", i, err)
		}
		if r.Score, err = nullFloat(d[col["anomaly_score"]]); err != nil {
			return nil, fmt.Errorf("row %d: anomaly_score: %w", i, err)
		}
		if err := json.Unmarshal(d[col["rowid"]], &r.RowID); err != nil {
			return nil, fmt.Errorf("row %d: rowid: %w", i, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// nullFloat reads a JSON number, null as NaN.
func nullFloat(raw json.RawMessage) (float64, error) {
	var p *float64
	if err := json.Unmarshal(raw, &p); err != nil {
		return 0, err
	}
	if p == nil {
		return math.NaN(), nil
	}
	return *p, nil
}
