package macos

import "errors"

// ErrNoAccess is returned by RunKeyTap when the process is not trusted for
// Accessibility, or stops being trusted while the tap runs.
var ErrNoAccess = errors.New("macos: Rogue is not allowed to observe key events (Accessibility)")
