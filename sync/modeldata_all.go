package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// LatestModelData returns every model's newest row by model id, in one
// request: GET /_models/data?limit=1, which Grok's MetricDataHandler
// answers as {"metrics": [{"uid": ..., "data": [[timestamp, value,
// anomaly_score, rowid]]}, ...], "names": ["timestamp", "value",
// "anomaly_score", "rowid"]}, rows newest first. Models without data are
// absent. (The limit is always sent: without it Grok returns every row of
// every model.)
func (c *Client) LatestModelData(ctx context.Context) (map[string]ModelRow, error) {
	const path = "/_models/data"
	b, err := c.do(ctx, http.MethodGet, path+"?limit=1", nil)
	if err != nil {
		return nil, err
	}
	var all struct {
		Names   []string `json:"names"`
		Metrics []struct {
			UID  string            `json:"uid"`
			Data []json.RawMessage `json:"data"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, c.badAnswer(path, err)
	}
	names, err := json.Marshal(all.Names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ModelRow, len(all.Metrics))
	for _, m := range all.Metrics {
		if len(m.Data) == 0 {
			continue
		}
		// Each model's rows are laid out as one model's answer is.
		one := fmt.Appendf(nil, `{"names": %s, "data": [%s]}`, names, m.Data[0])
		rows, err := parseModelData(one)
		if err != nil {
			return nil, c.badAnswer(path, fmt.Errorf("model %s: %w", m.UID, err))
		}
		out[m.UID] = rows[0]
	}
	return out, nil
}
