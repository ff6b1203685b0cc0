package main

import (
	"errors"
	"log/slog"
	"testing"
)

// fakeStore is an in-memory secretStore whose operations can be made to
// fail; it counts reads of the secret.
type fakeStore struct {
	items                    map[string]string
	getErr, setErr, delErr   error
	reads, writes, deletions int
}

func newFakeStore(items map[string]string) *fakeStore {
	if items == nil {
		items = map[string]string{}
	}
	return &fakeStore{items: items}
}

func (f *fakeStore) Get(account string) (string, error) {
	if f.getErr != nil {
		return "", f.getErr
	}
	f.reads++
	s, ok := f.items[account]
	if !ok {
		return "", errNoKey
	}
	return s, nil
}

func (f *fakeStore) Set(account, secret string) error {
	if f.setErr != nil {
		return f.setErr
	}
	f.writes++
	f.items[account] = secret
	return nil
}

func (f *fakeStore) Delete(account string) error {
	if f.delErr != nil {
		return f.delErr
	}
	f.deletions++
	delete(f.items, account)
	return nil
}

func (f *fakeStore) Exists(account string) (bool, error) {
	if f.getErr != nil {
		return false, f.getErr
	}
	_, ok := f.items[account]
	return ok, nil
}

const testServer = "https://grok.example.com"

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestMigrationLosesOrLeaksKey: a key that an older Rogue stored the old
// way (go-keyring through /usr/bin/security, readable by any program of
// the user's) is read once, re-created in Rogue's own item and deleted;
// when the re-creation fails it stays where it is and still works.
func TestMigrationLosesOrLeaksKey(t *testing.T) {
	t.Run("MovedOnFirstRead", func(t *testing.T) {
		primary, legacy := newFakeStore(nil), newFakeStore(map[string]string{testServer: pastedSecret})
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		for i := range 3 {
			if got, err := m.Get(testServer); got != pastedSecret || err != nil {
				t.Fatalf("read %d: %q, %v", i, got, err)
			}
		}
		if primary.items[testServer] != pastedSecret || primary.writes != 1 {
			t.Errorf("primary holds %q after %d writes, want the key once", primary.items[testServer], primary.writes)
		}
		if _, ok := legacy.items[testServer]; ok || legacy.reads != 1 {
			t.Errorf("legacy item still there (%v) or read %d times, want deleted after one read", ok, legacy.reads)
		}
	})
	t.Run("ReCreationFailsKeepsOld", func(t *testing.T) {
		primary, legacy := newFakeStore(nil), newFakeStore(map[string]string{testServer: pastedSecret})
		primary.setErr = errors.New("keychain locked")
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if got, err := m.Get(testServer); got != pastedSecret || err != nil {
			t.Fatalf("Get = %q, %v; want the old key", got, err)
		}
		if legacy.items[testServer] != pastedSecret {
			t.Error("the old item was deleted although the new one could not be made: key lost")
		}
		primary.setErr = nil // unlocked: the next read moves it
		if got, err := m.Get(testServer); got != pastedSecret || err != nil {
			t.Fatalf("second Get = %q, %v", got, err)
		}
		if _, ok := legacy.items[testServer]; ok || primary.items[testServer] != pastedSecret {
			t.Errorf("not moved on the next read: primary %v, legacy %v", primary.items, legacy.items)
		}
	})
	t.Run("DeletionOfOldFailsStillMoved", func(t *testing.T) {
		primary, legacy := newFakeStore(nil), newFakeStore(map[string]string{testServer: pastedSecret})
		legacy.delErr = errors.New("security: exit status 1")
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if got, err := m.Get(testServer); got != pastedSecret || err != nil {
			t.Fatalf("Get = %q, %v", got, err)
		}
		if primary.items[testServer] != pastedSecret {
			t.Error("key not re-created")
		}
	})
	t.Run("PrimaryWins", func(t *testing.T) {
		primary := newFakeStore(map[string]string{testServer: "new"})
		legacy := newFakeStore(map[string]string{testServer: "old"})
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if got, _ := m.Get(testServer); got != "new" || legacy.reads != 0 {
			t.Errorf("Get = %q with %d legacy reads, want the new key and no legacy read", got, legacy.reads)
		}
	})
	t.Run("NowhereIsErrNoKey", func(t *testing.T) {
		m := migratingStore{primary: newFakeStore(nil), legacy: newFakeStore(nil), log: discardLogger()}
		if _, err := m.Get(testServer); !errors.Is(err, errNoKey) {
			t.Errorf("Get = %v, want errNoKey", err)
		}
	})
	t.Run("LegacyBrokenIsErrNoKey", func(t *testing.T) {
		legacy := newFakeStore(nil)
		legacy.getErr = errors.New("/usr/bin/security: not found")
		m := migratingStore{primary: newFakeStore(nil), legacy: legacy, log: discardLogger()}
		if _, err := m.Get(testServer); !errors.Is(err, errNoKey) {
			t.Errorf("Get = %v, want errNoKey", err)
		}
	})
	t.Run("PrimaryErrorIsNotHidden", func(t *testing.T) {
		primary := newFakeStore(nil)
		primary.getErr = errors.New("the keychain prompt was cancelled")
		legacy := newFakeStore(map[string]string{testServer: pastedSecret})
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if _, err := m.Get(testServer); err == nil || errors.Is(err, errNoKey) || legacy.reads != 0 {
			t.Errorf("Get = %v after %d legacy reads, want the primary's error and no fallback", err, legacy.reads)
		}
	})
	t.Run("SetRemovesOldCopy", func(t *testing.T) {
		primary, legacy := newFakeStore(nil), newFakeStore(map[string]string{testServer: "old"})
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if err := m.Set(testServer, "new"); err != nil {
			t.Fatal(err)
		}
		if _, ok := legacy.items[testServer]; ok || primary.items[testServer] != "new" {
			t.Errorf("after Set: primary %v, legacy %v", primary.items, legacy.items)
		}
	})
	t.Run("DeleteRemovesBoth", func(t *testing.T) {
		primary := newFakeStore(map[string]string{testServer: "new"})
		legacy := newFakeStore(map[string]string{testServer: "old"})
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if err := m.Delete(testServer); err != nil {
			t.Fatal(err)
		}
		if len(primary.items)+len(legacy.items) != 0 {
			t.Errorf("after Delete: primary %v, legacy %v", primary.items, legacy.items)
		}
	})
	t.Run("ExistsReadsNoSecret", func(t *testing.T) {
		primary, legacy := newFakeStore(nil), newFakeStore(map[string]string{testServer: "old"})
		m := migratingStore{primary: primary, legacy: legacy, log: discardLogger()}
		if ok, err := m.Exists(testServer); !ok || err != nil || primary.reads+legacy.reads != 0 {
			t.Errorf("Exists = %v, %v after %d reads", ok, err, primary.reads+legacy.reads)
		}
	})
}
