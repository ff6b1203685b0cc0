// Package rrd reads and writes round-robin database files in rrdtool's
// on-disk format, in pure Go, so that Rogue's files open in rrdtool
// (fetch, graph, dump) and files made by rrdtool can be continued.
//
// # Format
//
// Files are format versions 0001 to 0005 in the layout rrdtool 1.4–1.9
// write on 64-bit little-endian machines (amd64 and arm64 Linux and
// macOS), with every data source type (GAUGE, COUNTER, DERIVE, ABSOLUTE,
// DCOUNTER, DDERIVE and COMPUTE, whose RPN expression is kept in rrdtool's
// compact form) and every archive (AVERAGE, MIN, MAX, LAST and the
// Holt-Winters HWPREDICT, MHWPREDICT, SEASONAL, DEVSEASONAL, DEVPREDICT and
// FAILURES). Create writes version 0003, or 0004 or 0005 when a feature
// needs it, as rrdtool create does. Open refuses, with an error wrapping
// ErrInvalid (a *ShortFileError for files cut short), any file whose
// cookie, float cookie, counts, sizes, names, expressions or current rows
// do not check out, including files in the 32-bit or big-endian layouts
// (convert those with rrdtool dump and restore). Open reads at most the
// file's own length, whatever the header claims.
//
// # Semantics
//
// Update follows rrdtool 1.7.2's rrd_update.c (and rrd_hw.c for the
// Holt-Winters archives) step for step, including its
// floating-point order of operations, its own string-to-number parser and
// its digit-by-digit subtraction of COUNTER and DERIVE readings (which
// keeps 20-digit counters exact), so that a file updated by Rogue is byte
// for byte the file rrdtool would have written. The package tests check
// this against the rrdtool binary on random definitions and update streams.
// Fetch chooses and aligns archives as rrdtool fetch does, and Dump prints
// what rrdtool dump prints. CreateWith makes what rrdtool create makes
// with --template and --source: a new file prefilled from the history of
// existing ones, with rrdtool 1.7.2's choice and consolidation of source
// rows and its rebuilt consolidation state, byte for byte.
//
// rrdtool runs the seasonal smoother of Holt-Winters archives at most once
// per update call; Update does the same per call, so a batch given to one
// Update matches one rrdtool update with the same arguments. Samples carry
// one value per data source; those of COMPUTE data sources are ignored, as
// rrdtool takes no reading for them. COMPUTE expressions with SIN, COS,
// LOG, EXP, ATAN, ATAN2 or POW use Go's math functions, which may differ
// from glibc's in the last bit.
//
// # Concurrency
//
// Update takes rrdtool's own lock, an fcntl write lock on the whole file
// (F_SETLK), and readers take the matching read lock, so rrdtool and Rogue
// can share files. rrdtool does not wait for a busy lock but fails at once;
// Rogue retries for up to LockTimeout and then returns ErrLocked. Update
// re-reads the header under the lock, so updates made by other processes
// between calls are honoured. fcntl locks belong to the process, so File
// values for one file inside one process are serialised with a mutex.
//
// # Crash safety
//
// Create writes the new file under a temporary name in the same folder,
// syncs it, links it into place (refusing an existing file) and syncs the
// folder, so a crash leaves either no file or a complete one.
//
// Update never changes a file's size and never rewrites the definitions.
// It applies a whole batch of samples in memory first (any bad sample
// leaves the file untouched), then writes the completed rows, and last the
// header block (last update time, primary and consolidated data point
// state, row pointers) with a single write. Every field that decides how
// a file is read is 8-byte aligned, so a process killed at any instant
// leaves a file that both rrdtool and Rogue open and read: at most the
// update in flight is lost. (The header block of a usual file lies inside
// its first page, where the kernel copies a write in one piece; in a file
// with very many data sources or archives, a kill during that write can
// leave part of the block from the lost update, still a readable file.)
// Killed between the two steps, the file keeps its previous header and the
// rows written by the lost update land in the archive slots that were about
// to be recycled, that is, the oldest rows of each archive may show those
// newer values. Update does not fsync, like
// rrdtool: after a power failure the operating system decides how much of
// the recent updates reached the disk.
package rrd
