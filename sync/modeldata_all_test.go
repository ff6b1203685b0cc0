package sync

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"
)

// grokRow is a row of Grok's metric_data table.
type grokRow struct {
	ts    time.Time
	value float64
	score *float64 // NULL until the model scored the row
	rowid int64
}

// fakeModelData answers GET /_models/data and GET /_models/<uid>/data as
// Grok's MetricDataHandler does without an Accept of msgpack: rows sorted
// by timestamp descending (no "from" given), at most limit per model,
// timestamps as "%Y-%m-%d %H:%M:%S", names without "uid"; the all-models
// answer groups rows per uid under "metrics". An unknown uid gets an empty
// data list. It records the queries.
type fakeModelData struct {
	key     string
	rows    map[string][]grokRow
	queries []string
}

var dataRoute = regexp.MustCompile(`^/_models/([-\w]*)/data$`)

func (g *fakeModelData) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if user, _, ok := r.BasicAuth(); !ok || user != g.key {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"result": "Invalid API Key"}`))
		return
	}
	g.queries = append(g.queries, r.URL.RequestURI())
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	names := []string{"timestamp", "value", "anomaly_score", "rowid"}
	record := func(row grokRow) []any {
		var score any
		if row.score != nil {
			score = *row.score
		}
		return []any{row.ts.UTC().Format("2006-01-02 15:04:05"), row.value, score, row.rowid}
	}
	sorted := func(uid string) []grokRow {
		rs := append([]grokRow(nil), g.rows[uid]...)
		sort.Slice(rs, func(i, j int) bool { return rs[i].ts.After(rs[j].ts) })
		return rs
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	switch {
	case r.URL.Path == "/_models/data":
		type entry struct {
			UID  string  `json:"uid"`
			Data [][]any `json:"data"`
		}
		out := struct {
			Metrics []entry  `json:"metrics"`
			Names   []string `json:"names"`
		}{Metrics: []entry{}, Names: names}
		for uid := range g.rows {
			e := entry{UID: uid, Data: [][]any{}}
			for _, row := range sorted(uid) {
				if limit == 0 || len(e.Data) < limit {
					e.Data = append(e.Data, record(row))
				}
			}
			out.Metrics = append(out.Metrics, e)
		}
		json.NewEncoder(w).Encode(out)
	case dataRoute.MatchString(r.URL.Path):
		uid := dataRoute.FindStringSubmatch(r.URL.Path)[1]
		data := [][]any{}
		for _, row := range sorted(uid) {
			if limit == 0 || len(data) < limit {
				data = append(data, record(row))
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"names": names, "data": data})
	default:
		http.NotFound(w, r)
	}
}

func fp(v float64) *float64 { return &v }

func TestLatestModelData(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	g := &fakeModelData{key: testKey, rows: map[string][]grokRow{
		"a1b2c3": {
			{t0, 10, fp(0), 1},
			{t0.Add(time.Minute), 11, fp(0.25), 2},
			{t0.Add(2 * time.Minute), 90, fp(0.999995), 3},
			{t0.Add(3 * time.Minute), 12, nil, 4},
		},
		"ffee": {{t0, 1, fp(0), 1}},
	}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, err := NewClient(srv.URL, testKey, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	rows, err := c.ModelData(ctx, "a1b2c3", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(rows), rows)
	}
	if r := rows[0]; !r.Time.Equal(t0.Add(3*time.Minute)) || r.Value != 12 || !math.IsNaN(r.AnomalyScore) || r.RowID != 4 {
		t.Errorf("newest row %+v: want 12 at %v, no score yet, rowid 4", r, t0.Add(3*time.Minute))
	}
	if r := rows[1]; r.AnomalyScore != 0.999995 || r.Value != 90 || r.RowID != 3 {
		t.Errorf("second row %+v", r)
	}

	latest, err := c.LatestModelData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 || latest["a1b2c3"].RowID != 4 || latest["ffee"].RowID != 1 || latest["ffee"].AnomalyScore != 0 {
		t.Errorf("latest %+v", latest)
	}
	if none, err := c.ModelData(ctx, "unknown", 5); err != nil || len(none) != 0 {
		t.Errorf("unknown model: %v, %v", none, err)
	}
	for _, q := range g.queries {
		if u, _ := http.NewRequest("GET", q, nil); u.URL.Query().Get("limit") == "" {
			t.Errorf("query %s without a limit", q)
		}
	}
	if want := "/_models/a1b2c3/data?limit=3"; g.queries[0] != want {
		t.Errorf("first query %s, want %s", g.queries[0], want)
	}
	if _, err := c.ModelData(ctx, "../metrics", 1); err == nil {
		t.Error("a model id with a slash was sent")
	}
	bad, err := NewClient(srv.URL, "wrong", ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.LatestModelData(ctx); err == nil {
		t.Error("wrong key: no error")
	}
}

func TestLatestModelDataRefusesOtherShapes(t *testing.T) {
	for _, body := range []string{
		`{"names": ["timestamp", "value", "anomaly_score", "rowid"], "metrics": [{"uid": "x", "data": [["yesterday", 1, 0, 1]]}]}`,
		`{"names": ["value"], "metrics": [{"uid": "x", "data": [[1]]}]}`,
		`[]`,
		`<html>`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		c, _ := NewClient(srv.URL, testKey, ClientOptions{})
		if rows, err := c.LatestModelData(context.Background()); err == nil {
			t.Errorf("%s: accepted as %+v", body, rows)
		}
		srv.Close()
	}
}
