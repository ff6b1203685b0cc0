package sync

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestJournal_SentAndSettled(t *testing.T) {
	t0 := time.Unix(1_764_000_000, 0)
	var es []sentEntry
	// One connection per second, each carrying a new row.
	for i := range 40 {
		es = sent(es, Cursor{}, 1000+int64(i), t0.Add(time.Duration(i)*time.Second))
	}
	if len(es) > maxJournal {
		t.Fatalf("%d entries kept, at most %d", len(es), maxJournal)
	}
	for i := 1; i < len(es); i++ {
		if es[i].End <= es[i-1].End || es[i].At < es[i-1].At {
			t.Fatalf("entries out of order: %+v", es)
		}
	}
	now := t0.Add(39 * time.Second)
	// Merging only ever makes a row count as sent later: whatever settles
	// now was really first sent at least 10 s ago.
	got := settled(es, now, 10*time.Second)
	if got == 0 || got > 1000+29 {
		t.Fatalf("settled up to %d; rows after 1029 went out less than 10 s ago", got)
	}
	if settled(es, t0.Add(-time.Hour), 10*time.Second) != 0 {
		t.Fatal("entries from the future settled")
	}
	// The clock went back an hour: entries count from now instead.
	back := sent(es, Cursor{}, 2000, t0.Add(-time.Hour))
	for _, e := range back {
		if e.At > t0.Add(-time.Hour).UnixMilli() {
			t.Fatalf("entry %+v left in the future", e)
		}
	}
	// The cursor drops what it passed.
	if es := sent(es, Cursor{unix: 1039}, 1039, now); len(es) != 0 {
		t.Fatalf("entries behind the cursor kept: %+v", es)
	}
}

func TestJournal_ReadWrite(t *testing.T) {
	dir := t.TempDir()
	j, err := readJournal(dir)
	if err != nil || len(j.Metrics) != 0 {
		t.Fatalf("missing journal: %+v, %v", j, err)
	}
	j = journal{Server: "grok:2003", Metrics: map[string][]sentEntry{"CPUPercent": {{End: 60, At: 1}, {End: 120, At: 2}}, "KeyHold": nil}}
	if err := j.write(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, JournalName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal file %v, %v; want mode 0600", fi, err)
	}
	got, err := readJournal(dir)
	if err != nil || got.Server != "grok:2003" || len(got.Metrics["CPUPercent"]) != 2 || got.Metrics["KeyHold"] != nil {
		t.Fatalf("read back %+v, %v", got, err)
	}
	os.WriteFile(filepath.Join(dir, JournalName), []byte("{not json"), 0o600)
	if got, err := readJournal(dir); err == nil || len(got.Metrics) != 0 {
		t.Fatalf("corrupt journal: %+v, %v; want an error and an empty journal (rows are resent)", got, err)
	}
}
