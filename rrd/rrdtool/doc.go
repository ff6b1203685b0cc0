// Package rrdtool is a built-in rrdtool: the create, update, fetch, info,
// last, lastupdate, first and dump functions with rrdtool 1.7.2's syntax,
// messages and output formats, so that scripts written for rrdtool keep
// working on a machine without it. It is what "rogue rrd" runs.
//
// It also holds rrdtool's AT-style time grammar ("now-1d", "midnight",
// "end-3h", ...), as rrd_parsetime.c defines it, and rrdtool's number and
// duration parsing for the command line. The storage engine itself is
// package rrd, which does not depend on this one.
package rrdtool
