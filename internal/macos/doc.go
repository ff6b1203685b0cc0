// Package macos is Rogue's thin layer over macOS: the Input Monitoring
// walk-through, the key event tap, the keychain, the login item and native
// dialogs.
//
// The decisions live in platform-neutral files (no build tag) as small state
// machines whose operating-system calls sit behind interfaces, so they are
// unit-tested on Linux: Walkthrough (Input Monitoring first, Accessibility
// accepted, one prompt at a time), the tap's failure kinds (no access versus
// a stale grant), the settings app's names per macOS version, LoginItem
// (SMAppService or a LaunchAgent), keychain OSStatus messages, the
// osascript dialog scripts and their output parsing. The *_darwin.go files
// bind those interfaces to Apple's C and Objective-C APIs through
// github.com/ebitengine/purego, which needs no C toolchain:
//
//	CoreFoundation       run loop, dictionaries, strings, data
//	CoreGraphics         CGEventTapCreate and friends (the key event tap),
//	                     CGPreflightListenEventAccess, CGRequestListenEventAccess
//	IOKit                IOHIDCheckAccess (was Input Monitoring ever asked?)
//	ApplicationServices  AXIsProcessTrusted (HIServices)
//	Security             SecItemAdd, SecItemCopyMatching, SecItemUpdate, SecItemDelete
//	ServiceManagement    SMAppService (macOS 13 and later), via purego/objc
//
// The tests here run on Linux; the darwin-only tests (frameworks_darwin_test.go)
// run on a Mac through scripts/mac-check.sh. The darwin files are
// type-checked for darwin/arm64 and darwin/amd64 by tools/darwincheck and
// linked by build.sh.
package macos
