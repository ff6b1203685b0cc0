//go:build darwin

package macos

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Framework binaries. Since macOS 11 they live in the dyld shared cache and
// are not on disk, but dlopen still finds them by these paths.
const (
	coreFoundationPath = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
	coreGraphicsPath   = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"
	appServicesPath    = "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices"
	foundationPath     = "/System/Library/Frameworks/Foundation.framework/Foundation"
	serviceMgmtPath    = "/System/Library/Frameworks/ServiceManagement.framework/ServiceManagement"
	ioKitPath          = "/System/Library/Frameworks/IOKit.framework/IOKit"
)

// fw holds the C functions and constants Rogue calls, with Go signatures
// matching Apple's headers (CFIndex and NSInteger are int64 = Go int on
// both architectures; Boolean and bool are one byte).
var fw struct {
	// CoreFoundation
	CFRelease                     func(cf uintptr)
	CFRunLoopGetCurrent           func() uintptr
	CFRunLoopAddSource            func(rl, source, mode uintptr)
	CFRunLoopRemoveSource         func(rl, source, mode uintptr)
	CFRunLoopRunInMode            func(mode uintptr, seconds float64, returnAfterSourceHandled bool) int32
	CFRunLoopStop                 func(rl uintptr)
	CFMachPortCreateRunLoopSource func(allocator, port uintptr, order int) uintptr
	CFMachPortInvalidate          func(port uintptr)
	CFDictionaryCreate            func(allocator uintptr, keys, values unsafe.Pointer, n int, keyCallBacks, valueCallBacks uintptr) uintptr
	CFStringCreateWithBytes       func(allocator uintptr, bytes unsafe.Pointer, numBytes int, encoding uint32, isExternalRepresentation bool) uintptr
	CFDataCreate                  func(allocator uintptr, bytes unsafe.Pointer, length int) uintptr
	CFDataGetLength               func(data uintptr) int
	CFDataGetBytePtr              func(data uintptr) uintptr

	// CoreGraphics
	CGEventTapCreate            func(tap, place, options uint32, mask uint64, callback, userInfo uintptr) uintptr
	CGEventTapEnable            func(tap uintptr, enable bool)
	CGEventTapIsEnabled         func(tap uintptr) bool
	CGEventGetIntegerValueField func(event uintptr, field uint32) int64
	// bool CGPreflightListenEventAccess(void), bool CGRequestListenEventAccess(void)
	// (CGEvent.h, macOS 10.15)
	CGPreflightListenEventAccess func() bool
	CGRequestListenEventAccess   func() bool

	// IOKit: IOHIDAccessType IOHIDCheckAccess(IOHIDRequestType) (both C
	// enums, 32 bits; hidsystem/IOHIDLib.h, macOS 10.15)
	IOHIDCheckAccess func(requestType uint32) uint32

	// ApplicationServices (HIServices)
	AXIsProcessTrusted func() bool

	// Constants: the values of CFStringRef / CFBooleanRef globals, and the
	// addresses of the callback structs CFDictionaryCreate takes.
	kCFRunLoopDefaultMode           uintptr
	kCFBooleanTrue                  uintptr
	kCFTypeDictionaryKeyCallBacks   uintptr
	kCFTypeDictionaryValueCallBacks uintptr
}

// load opens the frameworks once and binds every symbol, so that a missing
// one is an error instead of a panic at the first call.
var load = sync.OnceValue(func() error {
	libs := map[string]uintptr{}
	for _, p := range []string{coreFoundationPath, coreGraphicsPath, appServicesPath, foundationPath, ioKitPath} {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			return fmt.Errorf("macos: dlopen %s: %w", p, err)
		}
		libs[p] = h
	}
	cf, cg, ax, iokit := libs[coreFoundationPath], libs[coreGraphicsPath], libs[appServicesPath], libs[ioKitPath]
	funcs := []struct {
		lib  uintptr
		name string
		fn   any
	}{
		{cf, "CFRelease", &fw.CFRelease},
		{cf, "CFRunLoopGetCurrent", &fw.CFRunLoopGetCurrent},
		{cf, "CFRunLoopAddSource", &fw.CFRunLoopAddSource},
		{cf, "CFRunLoopRemoveSource", &fw.CFRunLoopRemoveSource},
		{cf, "CFRunLoopRunInMode", &fw.CFRunLoopRunInMode},
		{cf, "CFRunLoopStop", &fw.CFRunLoopStop},
		{cf, "CFMachPortCreateRunLoopSource", &fw.CFMachPortCreateRunLoopSource},
		{cf, "CFMachPortInvalidate", &fw.CFMachPortInvalidate},
		{cf, "CFDictionaryCreate", &fw.CFDictionaryCreate},
		{cf, "CFStringCreateWithBytes", &fw.CFStringCreateWithBytes},
		{cf, "CFDataCreate", &fw.CFDataCreate},
		{cf, "CFDataGetLength", &fw.CFDataGetLength},
		{cf, "CFDataGetBytePtr", &fw.CFDataGetBytePtr},
		{cg, "CGEventTapCreate", &fw.CGEventTapCreate},
		{cg, "CGEventTapEnable", &fw.CGEventTapEnable},
		{cg, "CGEventTapIsEnabled", &fw.CGEventTapIsEnabled},
		{cg, "CGEventGetIntegerValueField", &fw.CGEventGetIntegerValueField},
		{cg, "CGPreflightListenEventAccess", &fw.CGPreflightListenEventAccess},
		{cg, "CGRequestListenEventAccess", &fw.CGRequestListenEventAccess},
		{iokit, "IOHIDCheckAccess", &fw.IOHIDCheckAccess},
		{ax, "AXIsProcessTrusted", &fw.AXIsProcessTrusted},
	}
	for _, f := range funcs {
		sym, err := purego.Dlsym(f.lib, f.name)
		if err != nil {
			return fmt.Errorf("macos: dlsym %s: %w", f.name, err)
		}
		purego.RegisterFunc(f.fn, sym)
	}
	vars := []struct {
		lib   uintptr
		name  string
		out   *uintptr
		deref bool // the symbol is a pointer variable: read its value
	}{
		{cf, "kCFRunLoopDefaultMode", &fw.kCFRunLoopDefaultMode, true},
		{cf, "kCFBooleanTrue", &fw.kCFBooleanTrue, true},
		{cf, "kCFTypeDictionaryKeyCallBacks", &fw.kCFTypeDictionaryKeyCallBacks, false},
		{cf, "kCFTypeDictionaryValueCallBacks", &fw.kCFTypeDictionaryValueCallBacks, false},
	}
	for _, v := range vars {
		sym, err := purego.Dlsym(v.lib, v.name)
		if err != nil {
			return fmt.Errorf("macos: dlsym %s: %w", v.name, err)
		}
		if v.deref {
			sym = readPointer(sym)
		}
		*v.out = sym
	}
	return nil
})

// readPointer returns the pointer-sized value stored at addr, an address in
// a framework's data segment (never Go memory).
func readPointer(addr uintptr) uintptr {
	return **(**uintptr)(unsafe.Pointer(&addr))
}

// goString copies a NUL-terminated C string.
func goString(p uintptr) string {
	if p == 0 {
		return ""
	}
	var b []byte
	for i := uintptr(0); ; i++ {
		c := *(*byte)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), i))
		if c == 0 {
			return string(b)
		}
		b = append(b, c)
	}
}
