// Package metric is Rogue's catalogue of the series it collects: each
// metric's name (the RRD file and data source name numenta-rogue used), its
// label, unit, data source type and limits, in menu order.
//
// It imports nothing of Rogue but the rrd engine's type names, so that the
// agent, sync, the tray and the anomaly detector can all learn a metric's
// name without importing the collectors.
package metric
