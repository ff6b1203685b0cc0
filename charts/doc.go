// Package charts serves Rogue's history as a local web page: one chart per
// group of metrics (CPU, memory, disk bytes, disk time, network, keys) over
// the last hour, day, week or two weeks, with drag-to-zoom, hover values
// and the anomaly scores marked where they pass the threshold.
//
// The server reads the RRD files of a data folder (<dir>/<Name>.rrd, and the
// anomaly scores in <dir>/anomaly/<Name>.rrd when present) through the rrd
// engine, at a resolution that fits the chart's width, and sends them as
// columnar JSON (/api/data for one chart, /api/charts for all of them at
// once). The page (plain HTML, CSS and a small script, with uPlot from
// package assets) is embedded: it works offline. It is served in one
// answer, styles and scripts inline, and a boot script at its top asks for
// every chart's data before anything else is parsed or run.
//
// Somebody's typing rhythm is private, so the server is meant for loopback
// listeners only (see [Listen]) and trusts no request by where it comes
// from: each must carry the per-install secret, once in the URL the app
// opens (which turns it into an HttpOnly, SameSite=Strict cookie) and as
// that cookie afterwards; the Host header must name the loopback address
// or localhost with the listener's port (so DNS rebinding gets nowhere);
// requests from other origins are refused and no CORS header is ever sent;
// every endpoint is read-only (GET and HEAD) with bounded parameters; and
// no path of a request ever becomes a file path.
//
// The package knows nothing of the app: it is given the folder, the metric
// catalogue, a [StatusProvider] for the forward and export lines at the top
// of the page, and the secret.
package charts
