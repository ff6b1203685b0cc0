// Package macos is Rogue's thin layer over macOS: the Accessibility
// walk-through, the key event tap, the login item and native dialogs.
//
// The decisions live in platform-neutral files (no build tag) as small state
// machines whose operating-system calls sit behind interfaces, so they are
// unit-tested on Linux: Walkthrough (Accessibility), LoginItem (SMAppService
// or a LaunchAgent), the osascript dialog scripts and their output parsing.
// The *_darwin.go files bind those interfaces to Apple's C and Objective-C
// APIs through github.com/ebitengine/purego, which needs no C toolchain:
//
//	CoreFoundation    run loop, dictionaries, strings
//	CoreGraphics      CGEventTapCreate and friends (the key event tap)
//	ApplicationServices  AXIsProcessTrustedWithOptions (HIServices)
//	ServiceManagement SMAppService (macOS 13 and later), via purego/objc
//
// Nothing here is exercised on a Mac by the tests; the darwin files are
// type-checked for darwin/arm64 and darwin/amd64 by tools/darwincheck and
// linked by build.sh.
package macos
