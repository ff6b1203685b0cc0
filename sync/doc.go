// Package sync delivers the rows that Rogue's RRD files hold to places
// outside them: to a Grok server (or any Carbon/Graphite endpoint) over the
// Carbon plaintext protocol, to Grok's HTTP API for starting models, and to
// CSV files.
//
// Delivery is driven by per-metric cursors kept next to the RRD files, in the
// same files and format as numenta-rogue 1.0.1: <prefix>/<Name>.pos holds the
// Unix time of the last row known delivered to Grok and <prefix>/<Name>-csv.pos
// the last row appended to <prefix>/<Name>.csv.
//
// Forwarding is at least once. The Carbon plaintext protocol has no
// acknowledgement, and a server that stops right after reading a batch
// closes the connection as cleanly as one that stored it. So a row counts as
// delivered only once a later connection, at least ForwardConfig.Settle
// after the first that carried it, carried it again and was closed by the
// server as well: each forward sends every row after the cursor, those of
// earlier, unconfirmed forwards included. The rows sent but not yet
// confirmed are listed in <prefix>/forward-journal.json (see JournalName).
// With Receipts (Grok's HTTP API) a cursor moves only as far as the newest
// row the server says it stored. A failure at any point leads to rows being
// sent again, never to rows being skipped; duplicates are harmless to whisper
// (it overwrites) and to Grok (its storer drops rows not newer than its last).
// The CSV cursor advances once the rows are written and synced.
//
// Rows are read from the full-resolution AVERAGE archive of each file and
// only complete rows (ending at or before the file's last update) are
// delivered; unknown values are skipped. Rows are read in chunks of a few
// thousand and written as they are read, so memory does not grow with the
// backlog.
//
// The package's name shadows the standard library's sync; code in it imports
// that as gosync.
package sync
