package charts

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogue-metrics/rogue/assets"
	"github.com/rogue-metrics/rogue/internal/history"
	"github.com/rogue-metrics/rogue/metric"
)

const testSecret = "0123456789abcdef0123456789abcdef"

// planted is one data folder of 14 days of history with a CPU anomaly,
// shared by the tests (planting takes a moment).
var planted struct {
	once    sync.Once
	dir     string
	end     time.Time
	anomaly time.Time
	err     error
}

func plantedDir(t testing.TB) (dir string, end, anomaly time.Time) {
	t.Helper()
	planted.once.Do(func() {
		planted.dir, planted.err = os.MkdirTemp("", "charts-test-*")
		if planted.err != nil {
			return
		}
		planted.end = time.Now().Truncate(time.Minute)
		planted.anomaly = planted.end.Add(-50 * time.Hour)
		planted.err = history.Plant(planted.dir, history.Options{
			End: planted.end, Span: 14 * 24 * time.Hour, Seed: 1,
			Anomalies: []history.Anomaly{{Metric: "CPUPercent", At: planted.anomaly, Duration: 20 * time.Minute, Score: 0.93}},
		})
	})
	if planted.err != nil {
		t.Fatal(planted.err)
	}
	return planted.dir, planted.end, planted.anomaly
}

func TestMain(m *testing.M) {
	code := m.Run()
	if planted.dir != "" {
		os.RemoveAll(planted.dir)
	}
	os.Exit(code)
}

type fakeStatus Status

func (f fakeStatus) ChartsStatus() Status { return Status(f) }

// testServer serves a Server for dir on a real loopback listener.
func testServer(t *testing.T, dir string) (*httptest.Server, string) {
	t.Helper()
	s, err := New(Config{
		Dir: dir, Secret: testSecret, Threshold: 0.5,
		Status: fakeStatus{Forward: "Sent just now · 0 pending", Export: "none yet"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	return ts, port
}

type reqOpt func(*http.Request)

func header(k, v string) reqOpt      { return func(r *http.Request) { r.Header.Set(k, v) } }
func host(h string) reqOpt           { return func(r *http.Request) { r.Host = h } }
func method(m string) reqOpt         { return func(r *http.Request) { r.Method = m } }
func cookie(port string) reqOpt      { return header("Cookie", cookiePrefix+port+"="+sessionOf(testSecret)) }
func sessionOf(secret string) string { s, _ := New(Config{Dir: "x", Secret: secret}); return s.session }

// get sends one request without following redirects.
func get(t *testing.T, ts *httptest.Server, path string, opts ...reqOpt) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(req)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("%s: CORS header Access-Control-Allow-Origin: %s", path, v)
	}
	return resp, string(b)
}

func TestSecret(t *testing.T) {
	dir, _, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	tests := []struct {
		name   string
		path   string
		opts   []reqOpt
		status int
	}{
		{"no secret", "/", nil, 403},
		{"no secret for data", "/api/meta", nil, 403},
		{"no secret for all the data", "/api/charts?from=1&to=2&px=1", nil, 403},
		{"no secret for the script", "/static/charts.js", nil, 403},
		{"wrong key", "/?key=0123456789abcdef0123456789abcdeX", nil, 403},
		{"key prefix", "/?key=0123456789abcdef", nil, 403},
		{"key on another path", "/api/meta?key=" + testSecret, nil, 403},
		{"secret as cookie value", "/", []reqOpt{header("Cookie", cookiePrefix+port+"="+testSecret)}, 403},
		{"cookie of another port", "/", []reqOpt{header("Cookie", cookiePrefix+"1"+port+"="+sessionOf(testSecret))}, 403},
		{"cookie of another secret", "/", []reqOpt{header("Cookie", cookiePrefix+port+"="+sessionOf(testSecret+"x"))}, 403},
		{"cookie", "/", []reqOpt{cookie(port)}, 200},
		{"cookie for data", "/api/meta", []reqOpt{cookie(port)}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, ts, tt.path, tt.opts...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 403 && !strings.Contains(body, "rogue charts") {
				t.Errorf("refusal does not say what to do: %q", body)
			}
			if strings.Contains(body, testSecret) {
				t.Errorf("answer contains the secret")
			}
		})
	}

	t.Run("key becomes a cookie", func(t *testing.T) {
		resp, body := get(t, ts, "/?key="+testSecret, header("Sec-Fetch-Site", "cross-site"))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `content="0;url=/"`) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d %q, want 200 and a refresh to /, not cached", resp.StatusCode, body)
		}
		cs := resp.Cookies()
		if len(cs) != 1 {
			t.Fatalf("cookies %v", cs)
		}
		c := cs[0]
		if c.Name != cookiePrefix+port || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
			t.Errorf("cookie %+v: want %s, HttpOnly, SameSite=Strict, Path=/", c, cookiePrefix+port)
		}
		if c.Value == testSecret || strings.Contains(c.Value, testSecret) {
			t.Errorf("cookie carries the secret itself")
		}
		resp, body = get(t, ts, "/", header("Cookie", c.Name+"="+c.Value))
		if resp.StatusCode != 200 || !strings.Contains(body, `id="meta"`) {
			t.Errorf("with the cookie: %d %.80q", resp.StatusCode, body)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("missing Referrer-Policy or CSP: %v", resp.Header)
		}
	})
}

func TestHostCheck(t *testing.T) {
	dir, _, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	tests := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:" + port, true},
		{"localhost:" + port, true},
		{"LOCALHOST:" + port, true},
		{"[::1]:" + port, true},
		{"127.0.0.1", false},
		{"localhost", false},
		{"evil.example:" + port, false},
		{"evil.example", false},
		{"127.0.0.2:" + port, false},
		{"localhost.evil.example:" + port, false},
		{"127.0.0.1:1" + port, false},
		{"0.0.0.0:" + port, false},
		{"192.168.1.10:" + port, false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			for _, path := range []string{"/", "/?key=" + testSecret, "/api/meta", "/api/charts?from=1&to=61&px=1"} {
				resp, body := get(t, ts, path, host(tt.host), cookie(port))
				ok := resp.StatusCode < 400
				if ok != tt.ok {
					t.Errorf("%s: status %d (%s), want ok=%v", path, resp.StatusCode, strings.TrimSpace(body), tt.ok)
				}
				if !tt.ok && resp.StatusCode != 403 {
					t.Errorf("%s: status %d, want 403", path, resp.StatusCode)
				}
			}
		})
	}
}

func TestOtherOrigin(t *testing.T) {
	dir, _, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	tests := []struct {
		name   string
		opts   []reqOpt
		status int
	}{
		{"same origin", []reqOpt{header("Origin", "http://127.0.0.1:"+port), header("Sec-Fetch-Site", "same-origin")}, 200},
		{"typed or opened", []reqOpt{header("Sec-Fetch-Site", "none")}, 200},
		{"other site", []reqOpt{header("Origin", "http://evil.example")}, 403},
		{"other port of localhost", []reqOpt{header("Origin", "http://127.0.0.1:1"+port)}, 403},
		{"null origin", []reqOpt{header("Origin", "null")}, 403},
		{"cross-site fetch", []reqOpt{header("Sec-Fetch-Site", "cross-site")}, 403},
		{"same-site fetch (another localhost port)", []reqOpt{header("Sec-Fetch-Site", "same-site")}, 403},
		{"POST", []reqOpt{method(http.MethodPost)}, 405},
		{"PUT", []reqOpt{method(http.MethodPut)}, 405},
		{"DELETE", []reqOpt{method(http.MethodDelete)}, 405},
		{"CORS preflight", []reqOpt{method(http.MethodOptions), header("Origin", "http://127.0.0.1:"+port),
			header("Access-Control-Request-Method", "GET")}, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]reqOpt{cookie(port)}, tt.opts...)
			resp, body := get(t, ts, "/api/meta", opts...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow: %q", resp.Header.Get("Allow"))
			}
		})
	}
}

// dataAnswer is /api/data's JSON.
type dataAnswer struct {
	Group  string `json:"group"`
	From   int64  `json:"from"`
	To     int64  `json:"to"`
	T0     int64  `json:"t0"`
	Bucket int64  `json:"bucket"`
	N      int    `json:"n"`
	Series []struct {
		Name    string     `json:"name"`
		Problem string     `json:"problem"`
		V       []*float64 `json:"v"`
		S       []*float64 `json:"s"`
	} `json:"series"`
}

func getData(t *testing.T, ts *httptest.Server, port, query string) dataAnswer {
	t.Helper()
	resp, body := get(t, ts, "/api/data?"+query, cookie(port))
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d: %s", query, resp.StatusCode, body)
	}
	var d dataAnswer
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("%s: %v: %.200s", query, err, body)
	}
	return d
}

func TestRanges(t *testing.T) {
	dir, end, anomaly := plantedDir(t)
	ts, port := testServer(t, dir)
	to := end.Unix()
	for _, r := range Ranges {
		for _, px := range []int{1, 2, 300, 1100, 4096} {
			t.Run(fmt.Sprintf("%v/%dpx", r, px), func(t *testing.T) {
				from := to - int64(r/time.Second)
				d := getData(t, ts, port, fmt.Sprintf("group=cpu&from=%d&to=%d&px=%d", from, to, px))
				if d.N < 1 || d.N > px || d.N > 2*px {
					t.Errorf("n = %d points for %d px", d.N, px)
				}
				if d.Bucket < 60 || d.Bucket%60 != 0 {
					t.Errorf("bucket %d s is not a multiple of the 60 s step", d.Bucket)
				}
				if d.T0 > from || d.T0+int64(d.N)*d.Bucket < to {
					t.Errorf("points [%d, %d) do not cover the window [%d, %d]", d.T0, d.T0+int64(d.N)*d.Bucket, from, to)
				}
				if len(d.Series) != 1 || d.Series[0].Name != "CPUPercent" || len(d.Series[0].V) != d.N || len(d.Series[0].S) != d.N {
					t.Fatalf("series: %+v", d.Series)
				}
				known := 0
				var maxScore float64
				var maxAt int64
				for i, v := range d.Series[0].V {
					if v != nil {
						known++
						if *v < 0 || *v > 100 {
							t.Errorf("CPU value %g out of 0..100", *v)
						}
					}
					if s := d.Series[0].S[i]; s != nil && *s > maxScore {
						maxScore, maxAt = *s, d.T0+int64(i)*d.Bucket
					}
				}
				if known < d.N*9/10 {
					t.Errorf("only %d of %d points known", known, d.N)
				}
				inWindow := anomaly.Unix() >= from
				// Buckets of an hour or more come from the hourly archive.
				rowStep := int64(60)
				if d.Bucket >= 3600 {
					rowStep = 3600
				}
				if inWindow && (maxScore < 0.93 || maxAt > anomaly.Unix() || maxAt+d.Bucket+rowStep < anomaly.Unix()) {
					t.Errorf("planted score 0.93 at %d: max %g at %d (bucket %d)", anomaly.Unix(), maxScore, maxAt, d.Bucket)
				}
				if !inWindow && maxScore >= 0.5 {
					t.Errorf("score %g at %d outside the anomaly", maxScore, maxAt)
				}
			})
		}
	}

	t.Run("every group", func(t *testing.T) {
		names := map[string]bool{}
		for _, g := range groupMetrics(metric.All) {
			d := getData(t, ts, port, fmt.Sprintf("group=%s&from=%d&to=%d&px=500", g.ID, to-86400, to))
			for _, s := range d.Series {
				names[s.Name] = true
				if s.Problem != "" || len(s.V) != d.N {
					t.Errorf("%s: problem %q, %d values for n=%d", s.Name, s.Problem, len(s.V), d.N)
				}
				if s.Name != "CPUPercent" && s.S != nil {
					t.Errorf("%s has scores but no score file", s.Name)
				}
			}
		}
		if len(names) != len(metric.All) {
			t.Errorf("groups cover %d metrics, the catalogue has %d", len(names), len(metric.All))
		}
	})

	t.Run("averages", func(t *testing.T) {
		// One point over 10 minutes is the mean of the ten samples.
		from := to - 600
		fine := getData(t, ts, port, fmt.Sprintf("group=memory&from=%d&to=%d&px=10", from-from%600, from-from%600+600))
		one := getData(t, ts, port, fmt.Sprintf("group=memory&from=%d&to=%d&px=1", from-from%600, from-from%600+600))
		if fine.N != 10 || one.N != 1 {
			t.Fatalf("n = %d and %d, want 10 and 1", fine.N, one.N)
		}
		var sum float64
		for _, v := range fine.Series[0].V {
			sum += *v
		}
		if got, want := *one.Series[0].V[0], sum/10; math.Abs(got-want) > want*2e-3 {
			t.Errorf("1 point = %g, mean of 10 = %g", got, want)
		}
	})

	t.Run("missing files", func(t *testing.T) {
		ts, port := testServer(t, t.TempDir())
		d := getData(t, ts, port, fmt.Sprintf("group=network&from=%d&to=%d&px=100", to-3600, to))
		for _, s := range d.Series {
			if s.Problem != "no data" || s.V != nil || s.S != nil {
				t.Errorf("%s: %+v, want problem \"no data\" and no values", s.Name, s)
			}
		}
	})
}

// TestCharts: /api/charts answers, in one, what /api/data answers for
// each group in the page's order, over one window.
func TestCharts(t *testing.T) {
	dir, end, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	to := end.Unix()
	for _, r := range Ranges {
		for _, px := range []int{1, 526, MaxPoints} {
			t.Run(fmt.Sprintf("%v/%dpx", r, px), func(t *testing.T) {
				from := to - int64(r/time.Second)
				query := fmt.Sprintf("from=%d&to=%d&px=%d", from, to, px)
				resp, body := get(t, ts, "/api/charts?"+query, cookie(port))
				if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("status %d, headers %v: %.200s", resp.StatusCode, resp.Header, body)
				}
				var all struct {
					From, To int64
					Charts   []json.RawMessage
				}
				if err := json.Unmarshal([]byte(body), &all); err != nil {
					t.Fatalf("%v: %.200s", err, body)
				}
				groups := groupMetrics(metric.All)
				if all.From != from || all.To != to || len(all.Charts) != len(groups) {
					t.Fatalf("window [%d, %d] with %d charts, want [%d, %d] with %d", all.From, all.To, len(all.Charts), from, to, len(groups))
				}
				for i, g := range groups {
					_, one := get(t, ts, fmt.Sprintf("/api/data?group=%s&%s", g.ID, query), cookie(port))
					if string(all.Charts[i]) != one {
						t.Errorf("chart %d: %.120s, want /api/data's %.120s", i, all.Charts[i], one)
					}
					var d dataAnswer
					if err := json.Unmarshal(all.Charts[i], &d); err != nil || d.Group != g.ID || d.N < 1 || d.N > px {
						t.Errorf("chart %d: group %q, %d points for %d px (%v)", i, d.Group, d.N, px, err)
					}
				}
			})
		}
	}
}

// TestPageInline: the page brings its stylesheets and scripts in itself,
// its metadata before the boot script that reads it, and the policy
// allows each inline script by its hash and nothing else inline.
func TestPageInline(t *testing.T) {
	dir, _, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	resp, body := get(t, ts, "/", cookie(port))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, f := range []string{"uplot.css", "charts.css", "uplot.js", "charts.js"} {
		if strings.Contains(body, "/static/"+f) {
			t.Errorf("the page asks for %s", f)
		}
	}
	for _, part := range [][]byte{assets.UPlotCSS, assets.UPlotJS, mustRead(t, "web/charts.css"), mustRead(t, "web/charts.js"), mustRead(t, "web/boot.js")} {
		if !strings.Contains(body, string(part)) {
			t.Errorf("the page lacks %.60q", part)
		}
	}
	if m, b := strings.Index(body, `id="meta"`), strings.Index(body, string(mustRead(t, "web/boot.js"))); m < 0 || b < m || b > strings.Index(body, "<link") {
		t.Errorf("metadata at %d, boot script at %d: want the metadata first, both before the first link", m, b)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(body, -1)
	if len(scripts) != 3 {
		t.Fatalf("%d inline scripts, want boot, uPlot and charts", len(scripts))
	}
	for _, sc := range scripts {
		sum := sha256.Sum256([]byte(sc[1]))
		if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Errorf("policy %q does not allow the script %.60q", csp, sc[1])
		}
	}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) == 0 || f[0] != "script-src" {
			continue
		}
		if len(f) != 5 || f[1] != "'self'" || strings.Count(d, "'sha256-") != 3 {
			t.Errorf("script-src %q: want 'self' and the three hashes only", d)
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := web.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBadParameters(t *testing.T) {
	dir, end, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	to := end.Unix()
	ok := fmt.Sprintf("from=%d&to=%d&px=100", to-3600, to)
	tests := []struct {
		query string
		want  string // in the message
	}{
		{"", "missing parameter group"},
		{"group=cpu", "missing parameter from"},
		{"group=cpu&from=1&to=2", "missing parameter px"},
		{"group=gpu&" + ok, `unknown group "gpu"`},
		{"group=../../etc/passwd&" + ok, "unknown group"},
		{"group=CPUPercent&" + ok, "unknown group"},
		{"group=cpu&group=keys&" + ok, "group given twice"},
		{"group=cpu&evil=1&" + ok, `unknown parameter "evil"`},
		{"group=cpu&from=yesterday&to=1&px=1", "from must be a time in Unix seconds"},
		{"group=cpu&from=-5&to=1&px=1", "from must be"},
		{"group=cpu&from=1.5&to=3&px=1", "from must be"},
		{"group=cpu&from=1&to=99999999999999999999&px=1", "to must be"},
		{"group=cpu&from=100&to=100&px=1", "to (100) must be after from (100)"},
		{"group=cpu&from=200&to=100&px=1", "must be after"},
		{fmt.Sprintf("group=cpu&from=%d&to=%d&px=1", to-500*86400, to), "longer than"},
		{fmt.Sprintf("group=cpu&from=%d&to=%d&px=0", to-60, to), "px must be"},
		{fmt.Sprintf("group=cpu&from=%d&to=%d&px=4097", to-60, to), "px must be"},
		{fmt.Sprintf("group=cpu&from=%d&to=%d&px=wide", to-60, to), "px must be"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := get(t, ts, "/api/data?"+tt.query, cookie(port))
			if resp.StatusCode != 400 || !strings.Contains(body, tt.want) {
				t.Errorf("status %d %q, want 400 containing %q", resp.StatusCode, body, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		query string
		want  string
	}{
		{"", "missing parameter from"},
		{"from=1&to=2", "missing parameter px"},
		{"group=cpu&" + ok, `unknown parameter "group" (want from, to, px)`},
		{"from=1&from=1&to=2&px=1", "from given twice"},
		{"from=yesterday&to=1&px=1", "from must be a time in Unix seconds"},
		{"from=1&to=-1&px=1", "to must be"},
		{"from=100&to=100&px=1", "to (100) must be after from (100)"},
		{fmt.Sprintf("from=%d&to=%d&px=1", to-500*86400, to), "longer than"},
		{fmt.Sprintf("from=%d&to=%d&px=0", to-60, to), "px must be"},
		{fmt.Sprintf("from=%d&to=%d&px=4097", to-60, to), "px must be"},
	} {
		t.Run("charts/"+tt.query, func(t *testing.T) {
			resp, body := get(t, ts, "/api/charts?"+tt.query, cookie(port))
			if resp.StatusCode != 400 || !strings.Contains(body, tt.want) {
				t.Errorf("status %d %q, want 400 containing %q", resp.StatusCode, body, tt.want)
			}
		})
	}
	t.Run("meta takes no parameters", func(t *testing.T) {
		resp, body := get(t, ts, "/api/meta?x=1", cookie(port))
		if resp.StatusCode != 400 {
			t.Errorf("status %d %q", resp.StatusCode, body)
		}
	})
	t.Run("long query", func(t *testing.T) {
		for _, p := range []string{"/api/data?group=cpu&", "/api/charts?"} {
			resp, _ := get(t, ts, p+ok+strings.Repeat("&x=1", 200), cookie(port))
			if resp.StatusCode != http.StatusRequestURITooLong {
				t.Errorf("%s: status %d, want 414", p, resp.StatusCode)
			}
		}
	})
}

// TestNoFileOutsideServed asks for the data folder's files, and for files
// around it, by every path trick: only the embedded page ever answers.
func TestNoFileOutsideServed(t *testing.T) {
	dir, _, _ := plantedDir(t)
	parent := t.TempDir()
	data := filepath.Join(parent, "data")
	if err := os.CopyFS(data, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("TOP SECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, port := testServer(t, data)
	paths := []string{
		"/CPUPercent.rrd", "/anomaly/CPUPercent.rrd", "/static/CPUPercent.rrd", "/static/../CPUPercent.rrd",
		"/static/..%2fCPUPercent.rrd", "/static/%2e%2e/secret.txt", "/../secret.txt", "/static/../../secret.txt",
		"/..%2f..%2fsecret.txt", "/static//etc/passwd", "/etc/passwd", "/api/../CPUPercent.rrd",
		"/static/web/index.html", "/web/charts.js", "/static/charts.js/", "/index.html", "/api/data/../../secret.txt",
		"/api/data?group=cpu%2f..%2f..%2fsecret.txt&from=1&to=2&px=1",
		"/api/charts/../../secret.txt", "/api/charts?group=..%2fsecret.txt&from=1&to=2&px=1",
	}
	for _, p := range paths {
		resp, body := get(t, ts, p, cookie(port))
		if resp.StatusCode == 200 || strings.Contains(body, "TOP SECRET") || strings.Contains(body, "RRD\x00") || strings.Contains(body, "root:") {
			t.Errorf("%s: status %d, body %.60q", p, resp.StatusCode, body)
		}
	}
	// Only these paths answer at all.
	for _, p := range []string{"/", "/static/charts.js", "/static/charts.css", "/static/uplot.js", "/static/uplot.css", "/api/meta", "/api/status", "/api/charts?from=1&to=61&px=1"} {
		if resp, body := get(t, ts, p, cookie(port)); resp.StatusCode != 200 {
			t.Errorf("%s: status %d %q", p, resp.StatusCode, body)
		}
	}
}

func TestMetaAndStatus(t *testing.T) {
	dir, _, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	_, body := get(t, ts, "/api/meta", cookie(port))
	var m meta
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range m.Groups {
		ids = append(ids, g.ID)
	}
	if got := strings.Join(ids, " "); got != "cpu memory disk-bytes disk-time network keys" {
		t.Errorf("groups %q", got)
	}
	if m.Threshold != 0.5 || m.Refresh != 60 || len(m.Ranges) != 4 || m.Ranges[3] != 14*86400 {
		t.Errorf("meta %+v", m)
	}
	if m.Status.Forward != "Sent just now · 0 pending" || m.Groups[0].Metrics[0].Unit != "%" || *m.Groups[0].Metrics[0].Max != 100 {
		t.Errorf("meta %+v", m)
	}
	resp, body := get(t, ts, "/api/status", cookie(port))
	if resp.StatusCode != 200 || !strings.Contains(body, `"export":"none yet"`) {
		t.Errorf("status: %d %s", resp.StatusCode, body)
	}
}

func TestCompressed(t *testing.T) {
	dir, end, _ := plantedDir(t)
	ts, port := testServer(t, dir)
	for _, p := range []string{"/static/uplot.js", "/", fmt.Sprintf("/api/data?group=keys&from=%d&to=%d&px=1000", end.Unix()-14*86400, end.Unix()),
		fmt.Sprintf("/api/charts?from=%d&to=%d&px=1000", end.Unix()-14*86400, end.Unix())} {
		resp, body := get(t, ts, p, cookie(port), header("Accept-Encoding", "gzip"))
		if resp.Header.Get("Content-Encoding") != "gzip" || len(body) == 0 {
			t.Errorf("%s: Content-Encoding %q", p, resp.Header.Get("Content-Encoding"))
		}
	}
}

func TestNewRefuses(t *testing.T) {
	for _, c := range []Config{
		{Dir: "d", Secret: "short"},
		{Secret: testSecret},
		{Dir: "d", Secret: testSecret, Threshold: 1.5},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "charts-secret")
	s1, err := LoadSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || len(s1) != 64 {
		t.Fatalf("secret file %v %v, secret %d chars", fi.Mode(), err, len(s1))
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", di.Mode())
	}
	os.Chmod(path, 0o644)
	s2, err := LoadSecret(path)
	if err != nil || s2 != s1 {
		t.Fatalf("second load: %q %v", s2, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("readable secret file not made private: %v", fi.Mode())
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if s3, err := LoadSecret(path); err != nil || s3 == "short" || len(s3) != 64 {
		t.Errorf("short secret kept: %q %v", s3, err)
	}

	addr := filepath.Join(t.TempDir(), "charts-address")
	if _, err := ReadAddress(addr); err != ErrNotRunning {
		t.Errorf("no file: %v", err)
	}
	for base, ok := range map[string]bool{
		"http://127.0.0.1:4000/": true, "http://[::1]:4000/": true, "http://localhost:4000/": true,
		"http://evil.example:4000/": false, "https://127.0.0.1:4000/": false, "http://127.0.0.1/": false,
		"http://127.0.0.1:4000/x": false,
	} {
		if err := WriteAddress(addr, base); err != nil {
			t.Fatal(err)
		}
		got, err := ReadAddress(addr)
		if (err == nil) != ok || (ok && got != base) {
			t.Errorf("%s: %q %v", base, got, err)
		}
	}
	u, _ := url.Parse(OpenURL("http://127.0.0.1:4000/", testSecret))
	if u.Query().Get(KeyParam) != testSecret {
		t.Errorf("OpenURL: %s", u)
	}
}

func TestListen(t *testing.T) {
	lns, err := Listen(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	port := lns[0].Addr().(*net.TCPAddr).Port
	for _, l := range lns {
		a := l.Addr().(*net.TCPAddr)
		if !a.IP.IsLoopback() || a.Port != port {
			t.Errorf("listening on %v", a)
		}
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d/", port); BaseURL(lns) != want {
		t.Errorf("BaseURL %s, want %s", BaseURL(lns), want)
	}
}
