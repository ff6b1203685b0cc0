package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// JournalName is the file in the prefix that remembers, per metric, which
// rows went out in forwards whose delivery is not confirmed yet. The
// cursor files (<Name>.pos) keep numenta-rogue's format and hold only
// confirmed positions; losing the journal only means resending.
const JournalName = "forward-journal.json"

// maxJournal bounds a metric's journal entries; older neighbours are
// merged, which only delays their confirmation.
const maxJournal = 16

// sentEntry says that the rows up to End (Unix seconds) first went out in
// a connection the server closed at At (Unix milliseconds, wall clock).
type sentEntry struct {
	End int64 `json:"end"`
	At  int64 `json:"at_ms"`
}

// journal is the file's content: metric name -> entries, oldest first,
// each End later than the metric's cursor.
type journal struct {
	Server  string                 `json:"server"`
	Metrics map[string][]sentEntry `json:"metrics"`
}

// readJournal reads the journal in prefix. A missing file is empty; an
// unreadable one is reported and treated as empty (rows are resent).
func readJournal(prefix string) (journal, error) {
	j := journal{Metrics: map[string][]sentEntry{}}
	b, err := os.ReadFile(filepath.Join(prefix, JournalName))
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &j)
	}
	if err != nil {
		return journal{Metrics: map[string][]sentEntry{}}, fmt.Errorf("sync: forward journal %s: %w", JournalName, err)
	}
	if j.Metrics == nil {
		j.Metrics = map[string][]sentEntry{}
	}
	for name, es := range j.Metrics {
		j.Metrics[name] = slices.DeleteFunc(es, func(e sentEntry) bool { return e.End <= 0 || e.End > maxCursor })
		slices.SortFunc(j.Metrics[name], func(a, b sentEntry) int { return int(a.End - b.End) })
	}
	return j, nil
}

// write stores the journal atomically (0600).
func (j journal) write(prefix string) error {
	for name, es := range j.Metrics {
		if len(es) == 0 {
			delete(j.Metrics, name)
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(prefix, JournalName), b, 0o600); err != nil {
		return fmt.Errorf("sync: write forward journal: %w", err)
	}
	return nil
}

// sent records a successful connection at now that carried every row of a
// metric after cursor c up to end, and returns the entries that remain
// unconfirmed. es is not modified.
func sent(es []sentEntry, c Cursor, end int64, now time.Time) []sentEntry {
	es = slices.DeleteFunc(slices.Clone(es), func(e sentEntry) bool { return e.End <= c.Unix() })
	for i := range es {
		// The clock went back: count from now rather than wait for it.
		es[i].At = min(es[i].At, now.UnixMilli())
	}
	if end > c.Unix() && (len(es) == 0 || end > es[len(es)-1].End) {
		es = append(es, sentEntry{End: end, At: now.UnixMilli()})
	}
	for len(es) > maxJournal {
		// Merge the closest pair in time into the later entry: its rows
		// then count as first sent later, which is never unsafe.
		k := 0
		for i := 1; i < len(es)-1; i++ {
			if es[i+1].At-es[i].At < es[k+1].At-es[k].At {
				k = i
			}
		}
		es = slices.Delete(es, k, k+1)
	}
	return es
}

// settled returns the newest End among entries first sent at least settle
// before now, and before now: rows up to it travelled in two connections
// (the first, and the one just closed) at least settle apart. 0 if none.
func settled(es []sentEntry, now time.Time, settle time.Duration) int64 {
	var end int64
	for _, e := range es {
		at := time.UnixMilli(e.At)
		if at.Before(now) && now.Sub(at) >= settle {
			end = max(end, e.End)
		}
	}
	return end
}

// lastSent is the newest row time the entries say went out; 0 if none.
func lastSent(es []sentEntry) int64 {
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].End
}
