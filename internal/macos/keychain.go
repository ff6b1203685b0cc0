package macos

import (
	"errors"
	"fmt"
)

// ErrItemNotFound is returned by Keychain.Get when no item matches.
var ErrItemNotFound = errors.New("macos: no such keychain item")

// ErrKeychainDenied is returned (wrapped) by Keychain methods when the user
// cancelled the system's keychain prompt or the keychain refused access
// (locked with no way to ask, wrong password).
var ErrKeychainDenied = errors.New("macos: keychain access denied")

// errDuplicate is matched by the error of an add whose item exists.
var errDuplicate = errors.New("the item exists already")

// OSStatus values of Security.framework (SecBase.h).
const (
	errSecSuccess               = 0
	errSecParam                 = -50
	errSecUserCanceled          = -128
	errSecNotAvailable          = -25291
	errSecReadOnly              = -25292
	errSecAuthFailed            = -25293
	errSecNoSuchKeychain        = -25294
	errSecDuplicateItem         = -25299
	errSecItemNotFound          = -25300
	errSecNoDefaultKeychain     = -25307
	errSecInteractionNotAllowed = -25308
	errSecMissingEntitlement    = -34018
	errSecDecode                = -26275
)

// statusError turns the OSStatus of a keychain operation op into an error
// (nil for success) that says what happened in words, with the sentinel to
// match: ErrItemNotFound or ErrKeychainDenied.
func statusError(op string, status int32) error {
	var msg string
	var is error
	switch status {
	case errSecSuccess:
		return nil
	case errSecItemNotFound:
		return fmt.Errorf("macos: keychain %s: %w", op, ErrItemNotFound)
	case errSecUserCanceled:
		msg, is = "the keychain prompt was cancelled", ErrKeychainDenied
	case errSecAuthFailed:
		msg, is = "the keychain password was not accepted", ErrKeychainDenied
	case errSecInteractionNotAllowed:
		msg, is = "the keychain is locked and cannot ask for its password now", ErrKeychainDenied
	case errSecNotAvailable, errSecNoSuchKeychain, errSecNoDefaultKeychain:
		msg = "no login keychain is available"
	case errSecReadOnly:
		msg = "the keychain is read-only"
	case errSecDuplicateItem:
		msg, is = "", errDuplicate
	case errSecMissingEntitlement:
		msg = "a required entitlement is missing"
	case errSecParam, errSecDecode:
		msg = "bad parameters"
	default:
		msg = "failed"
	}
	if is == errDuplicate {
		return fmt.Errorf("macos: keychain %s: %w (OSStatus %d)", op, is, status)
	}
	if is != nil {
		return fmt.Errorf("macos: keychain %s: %s (OSStatus %d): %w", op, msg, status, is)
	}
	return fmt.Errorf("macos: keychain %s: %s (OSStatus %d)", op, msg, status)
}
