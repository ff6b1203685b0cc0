package macos

import (
	"errors"
	"strings"
	"testing"
)

// TestStatusErrorMisreads checks how keychain OSStatus codes read.
func TestStatusErrorMisreads(t *testing.T) {
	for _, tc := range []struct {
		status int32
		is     error
		words  string
	}{
		{errSecItemNotFound, ErrItemNotFound, "no such keychain item"},
		{errSecUserCanceled, ErrKeychainDenied, "cancelled"},
		{errSecAuthFailed, ErrKeychainDenied, "password was not accepted"},
		{errSecInteractionNotAllowed, ErrKeychainDenied, "locked"},
		{errSecDuplicateItem, errDuplicate, "exists already"},
		{errSecNoDefaultKeychain, nil, "no login keychain"},
		{-1, nil, "OSStatus -1"},
	} {
		err := statusError("read", tc.status)
		if err == nil {
			t.Errorf("%d: no error", tc.status)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%d: %v does not match %v", tc.status, err, tc.is)
		}
		for _, other := range []error{ErrItemNotFound, ErrKeychainDenied, errDuplicate} {
			if other != tc.is && errors.Is(err, other) {
				t.Errorf("%d: %v also matches %v", tc.status, err, other)
			}
		}
		if !strings.Contains(err.Error(), tc.words) || !strings.Contains(err.Error(), "keychain read") {
			t.Errorf("%d: %q does not say %q", tc.status, err, tc.words)
		}
	}
	if err := statusError("read", errSecSuccess); err != nil {
		t.Errorf("success: %v", err)
	}
}
