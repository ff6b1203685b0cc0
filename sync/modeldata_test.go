package sync

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// grokData serves GET /_metrics/custom and GET /_models/<uid>/data as
// Grok's MetricDataHandler answers them: {"names": [...], "data": [...]},
// newest row first, at most ?limit= rows, times "YYYY-MM-DD HH:MM:SS" in
// UTC, a null anomaly score for rows the model has not scored.
type grokData struct {
	metrics []CustomMetric
	rows    map[string][][4]any // uid -> rows oldest first
	queries []string
}

func (g *grokData) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, _, _ := r.BasicAuth(); u != testKey {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"result": "Invalid API Key"}`)
		return
	}
	g.queries = append(g.queries, r.URL.RequestURI())
	if r.URL.Path == "/_metrics/custom" {
		fmt.Fprint(w, "[")
		for i, m := range g.metrics {
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, `{"uid": %q, "name": %q, "status": %d, "parameters": null}`, m.UID, m.Name, m.Status)
		}
		fmt.Fprint(w, "]")
		return
	}
	uid, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/_models/"), "/data")
	rows, known := g.rows[uid]
	if !ok || !known {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"result": "Metric not found"}`)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	var b strings.Builder
	b.WriteString(`{"names": ["timestamp", "value", "anomaly_score", "rowid"], "data": [`)
	n := 0
	for i := len(rows) - 1; i >= 0 && (limit == 0 || n < limit); i-- {
		if n > 0 {
			b.WriteString(", ")
		}
		row := rows[i]
		score := "null"
		if row[2] != nil {
			score = fmt.Sprint(row[2])
		}
		fmt.Fprintf(&b, `["%s", %v, %s, %d]`, time.Unix(row[0].(int64), 0).UTC().Format("2006-01-02 15:04:05"), row[1], score, row[3])
		n++
	}
	b.WriteString("]}")
	fmt.Fprint(w, b.String())
}

func TestClient_ModelData(t *testing.T) {
	g := &grokData{
		metrics: []CustomMetric{{UID: "a1b2", Name: "CPUPercent", Status: ModelActive}, {UID: "c3d4", Name: "KeyHold", Status: ModelError}, {UID: "e5f6", Name: "KeyCount"}},
		rows: map[string][][4]any{
			"a1b2": {{int64(1764000000), 12.5, nil, 1}, {int64(1764000060), 13.25, 0.0125, 2}, {int64(1764000120), 99.0, 0.5, 3}},
			"c3d4": {{int64(1764000000), 0.1, nil, 1}},
			"e5f6": {},
		},
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, err := NewClient(srv.URL, testKey, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	rows, err := c.ModelData(ctx, "a1b2", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !rows[0].Time.Equal(time.Unix(1764000120, 0)) || rows[0].Value != 99 || rows[0].AnomalyScore != 0.5 || rows[0].RowID != 3 ||
		!rows[1].Time.Equal(time.Unix(1764000060, 0)) || rows[1].AnomalyScore != 0.0125 {
		t.Fatalf("ModelData(limit 2) = %+v", rows)
	}
	if q := g.queries[len(g.queries)-1]; q != "/_models/a1b2/data?limit=2" {
		t.Fatalf("asked %q", q)
	}
	rows, err = c.ModelData(ctx, "a1b2", 0)
	if err != nil || len(rows) != 3 || !math.IsNaN(rows[2].AnomalyScore) || rows[2].Value != 12.5 {
		t.Fatalf("ModelData(all) = %+v, %v", rows, err)
	}
	if rows, err := c.ModelData(ctx, "e5f6", 1); err != nil || len(rows) != 0 {
		t.Fatalf("ModelData(no rows) = %+v, %v", rows, err)
	}
	if _, err := c.ModelData(ctx, "nope", 1); err == nil {
		t.Fatal("unknown uid accepted")
	}
	for _, bad := range []string{"", "../_metrics", "a?b", "a b"} {
		if _, err := c.ModelData(ctx, bad, 1); err == nil || !strings.Contains(err.Error(), "bad model id") {
			t.Fatalf("ModelData(%q): %v", bad, err)
		}
	}

	got, err := c.StoredUntil(ctx, []string{"CPUPercent", "KeyHold", "KeyCount", "DiskReadBytes"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"CPUPercent": time.Unix(1764000120, 0).UTC(), "KeyCount": {}}
	if len(got) != len(want) || !got["CPUPercent"].Equal(want["CPUPercent"]) || !got["KeyCount"].IsZero() {
		t.Fatalf("StoredUntil = %v, want %v (an ERROR model and an unknown metric give no receipt)", got, want)
	}
}

func TestParseModelData(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "t v rowid" of the rows, or "error"
	}{
		{`{"names": ["timestamp", "value", "anomaly_score", "rowid"], "data": []}`, ""},
		{`{"names": ["rowid", "timestamp"], "data": [[7, "2015-01-01 00:01:00"]]}`, "1420070460 NaN 7"},
		{`{"names": ["timestamp", "value"], "data": [[1420070460, 3.5]]}`, "1420070460 3.5 0"},
		{`{"names": ["timestamp", "value"], "data": [["2015-01-01T00:01:00Z", null]]}`, "1420070460 NaN 0"},
		{`{"names": ["value"], "data": [[1]]}`, "error"},
		{`{"names": ["timestamp"], "data": [["yesterday"]]}`, "error"},
		{`[]`, "error"},
	} {
		rows, err := parseModelData([]byte(tc.in))
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%d %v %d", r.Time.Unix(), r.Value, r.RowID))
		}
		s := strings.Join(got, ";")
		if err != nil {
			s = "error"
		}
		if s != tc.want {
			t.Errorf("parseModelData(%s) = %q (%v), want %q", tc.in, s, err, tc.want)
		}
	}
}
