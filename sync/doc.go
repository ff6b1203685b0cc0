// Package sync delivers the rows that Rogue's RRD files hold to places
// outside them: to a Grok server (or any Carbon/Graphite endpoint) over the
// Carbon plaintext protocol, to Grok's HTTP API for starting models, and to
// CSV files.
//
// Delivery is driven by per-metric cursors kept next to the RRD files, in the
// same files and format as numenta-rogue 1.0.1: <prefix>/<Name>.pos holds the
// Unix time of the last row forwarded to Grok and <prefix>/<Name>-csv.pos the
// last row appended to <prefix>/<Name>.csv. A cursor only advances after its
// rows are safely delivered (the Carbon server closed the connection after
// reading everything; the CSV rows were written and synced), so a failure at
// any point leads to rows being sent again, never to rows being skipped.
//
// Rows are read from the full-resolution AVERAGE archive of each file and
// only complete rows (ending at or before the file's last update) are
// delivered; unknown values are skipped.
//
// The package's name shadows the standard library's sync; code in it imports
// that as gosync.
package sync
