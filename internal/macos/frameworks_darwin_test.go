//go:build darwin

package macos

import (
	"context"
	"errors"
	"testing"
	"time"
)

// These tests only run on a Mac. They call the real frameworks but change
// nothing: no prompt, no registration.

func TestFrameworksDoNotLoad(t *testing.T) {
	if err := load(); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]uintptr{
		"kCFRunLoopDefaultMode":           fw.kCFRunLoopDefaultMode,
		"kCFBooleanTrue":                  fw.kCFBooleanTrue,
		"kCFTypeDictionaryKeyCallBacks":   fw.kCFTypeDictionaryKeyCallBacks,
		"kCFTypeDictionaryValueCallBacks": fw.kCFTypeDictionaryValueCallBacks,
	} {
		if v == 0 {
			t.Errorf("%s is nil", name)
		}
	}
	if v, err := productVersion(); err != nil {
		t.Error(err)
	} else if _, err := MajorVersion(v); err != nil {
		t.Error(err)
	}
}

func TestKeyTapIgnoresContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	// A tap that ignored ctx would hang here until the test times out.
	err := RunKeyTap(ctx, func(bool) {})
	switch {
	case !HasKeyAccess():
		if !errors.Is(err, ErrNoAccess) {
			t.Errorf("no access: err = %v, want ErrNoAccess", err)
		}
	case errors.Is(err, ErrTapRefused):
		t.Logf("stale grant: %v", err)
	case err != nil:
		t.Errorf("allowed: %v", err)
	}
}

// TestAccessQueriesAnswer calls the permission checks that never prompt.
func TestAccessQueriesAnswer(t *testing.T) {
	t.Logf("Input Monitoring %v, Accessibility %v, never asked %v, macOS %d",
		ListenAccess(), Trusted(), System{}.ListenUndetermined(), OSMajor())
	if OSMajor() < 12 {
		t.Errorf("OSMajor() = %d on a Mac that runs Go 1.26", OSMajor())
	}
}

func TestLoginItemStatusFails(t *testing.T) {
	li, err := NewLoginItem(BundleID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := li.Enabled(); err != nil {
		t.Error(err)
	}
}

// TestKeychainRoundTripFails stores, reads, replaces and deletes an item of
// a service of its own in the login keychain.
func TestKeychainRoundTripFails(t *testing.T) {
	k := Keychain{Service: "com.rogue-metrics.Rogue.test", Label: "Rogue test item"}
	const account = "https://grok.invalid"
	k.Delete(account)
	t.Cleanup(func() { k.Delete(account) })
	if _, err := k.Get(account); !errors.Is(err, ErrItemNotFound) {
		t.Fatalf("Get before Set: %v, want ErrItemNotFound", err)
	}
	if err := k.Set(account, "first"); errors.Is(err, ErrKeychainDenied) {
		t.Skipf("no usable login keychain: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	if ok, err := k.Exists(account); !ok || err != nil {
		t.Errorf("Exists = %v, %v", ok, err)
	}
	if err := k.Set(account, "second ünïcode"); err != nil {
		t.Fatalf("Set over an existing item: %v", err)
	}
	if got, err := k.Get(account); got != "second ünïcode" || err != nil {
		t.Errorf("Get = %q, %v", got, err)
	}
	if err := k.Delete(account); err != nil {
		t.Fatal(err)
	}
	if ok, err := k.Exists(account); ok || err != nil {
		t.Errorf("Exists after Delete = %v, %v", ok, err)
	}
	if err := k.Delete(account); err != nil {
		t.Errorf("Delete of a missing item: %v", err)
	}
}
