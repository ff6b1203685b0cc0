package agent

import (
	"log/slog"
	"time"
)

// errTracker logs a source's errors when they start, change or clear, not
// every time they repeat, so that a collector failing every tick writes
// two lines to the log (failing, recovered) rather than one per tick.
// It is not safe for concurrent use.
type errTracker struct {
	log   *slog.Logger
	state map[string]trackedErr
}

type trackedErr struct {
	msg   string
	since time.Time
	count int
}

func newErrTracker(log *slog.Logger) *errTracker {
	return &errTracker{log: log, state: map[string]trackedErr{}}
}

// report records the outcome of one attempt of source at now. A nil err
// clears the source's error. It returns true when it logged.
func (e *errTracker) report(source string, err error, now time.Time) bool {
	cur, failing := e.state[source]
	if err == nil {
		if !failing {
			return false
		}
		delete(e.state, source)
		e.log.Info("recovered", "source", source, "after", now.Sub(cur.since).Round(time.Second).String(),
			"failed_attempts", cur.count, "last_error", cur.msg)
		return true
	}
	msg := err.Error()
	if failing && cur.msg == msg {
		cur.count++
		e.state[source] = cur
		return false
	}
	e.state[source] = trackedErr{msg: msg, since: now, count: 1}
	e.log.Warn("failing", "source", source, "err", msg)
	return true
}
