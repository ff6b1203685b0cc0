//go:build darwin

package macos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/ebitengine/purego/objc"
	"golang.org/x/sys/unix"
)

// appService is SMAppService.mainAppService (macOS 13 and later), driven
// through the Objective-C runtime:
//
//	@property (class, readonly) SMAppService *mainAppService;
//	@property (readonly) SMAppServiceStatus status;   // NSInteger
//	- (BOOL)registerAndReturnError:(NSError **)error;
//	- (BOOL)unregisterAndReturnError:(NSError **)error;
//	+ (void)openSystemSettingsLoginItems;
type appService struct{ class objc.Class }

// SMAppServiceStatus values.
const (
	smNotRegistered    = 0
	smEnabled          = 1
	smRequiresApproval = 2
	smNotFound         = 3
)

// newAppService returns the SMAppService backend, or false on systems
// without the class.
func newAppService() (appService, bool) {
	if load() != nil {
		return appService{}, false
	}
	if _, err := purego.Dlopen(serviceMgmtPath, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
		return appService{}, false
	}
	c := objc.GetClass("SMAppService")
	return appService{c}, c != 0
}

// withPool runs f inside an autorelease pool, which the objects Foundation
// returns autoreleased (the service, errors, strings) drain into.
//
// An autorelease pool belongs to the thread that made it, and -drain must
// run on that thread (NSAutoreleasePool class reference); a goroutine may
// move to another thread after any call into C, so it stays on one thread
// until the pool is drained.
func withPool(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pool := objc.ID(objc.GetClass("NSAutoreleasePool")).Send(objc.RegisterName("new"))
	defer pool.Send(objc.RegisterName("drain"))
	f()
}

func (a appService) main() objc.ID {
	return objc.ID(a.class).Send(objc.RegisterName("mainAppService"))
}

func (a appService) Status() (s LoginStatus, err error) {
	withPool(func() {
		switch objc.Send[int](a.main(), objc.RegisterName("status")) {
		case smNotRegistered:
			s = LoginOff
		case smEnabled:
			s = LoginOn
		case smRequiresApproval:
			s = LoginNeedsApproval
		case smNotFound:
			s = LoginNotFound
		default:
			err = errors.New("macos: unknown SMAppService status")
		}
	})
	return s, err
}

func (a appService) call(sel string) (err error) {
	withPool(func() {
		var nserr objc.ID
		if objc.Send[bool](a.main(), objc.RegisterName(sel), unsafe.Pointer(&nserr)) {
			return
		}
		err = fmt.Errorf("macos: SMAppService %s %s", sel, describe(nserr))
	})
	return err
}

func (a appService) Register() error   { return a.call("registerAndReturnError:") }
func (a appService) Unregister() error { return a.call("unregisterAndReturnError:") }

func (a appService) openSettings() error {
	sel := objc.RegisterName("openSystemSettingsLoginItems")
	opened := false
	withPool(func() {
		if objc.Send[bool](objc.ID(a.class), objc.RegisterName("respondsToSelector:"), sel) {
			objc.ID(a.class).Send(sel)
			opened = true
		}
	})
	if opened {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return OpenURL(ctx, LoginItemsSettingsURL)
}

// describe returns an NSError's localizedDescription.
func describe(nserr objc.ID) string {
	if nserr == 0 {
		return "failed"
	}
	desc := nserr.Send(objc.RegisterName("localizedDescription"))
	if desc == 0 {
		return "failed"
	}
	return goString(objc.Send[uintptr](desc, objc.RegisterName("UTF8String")))
}

// productVersion returns the macOS version, such as "13.4.1".
func productVersion() (string, error) {
	return unix.Sysctl("kern.osproductversion")
}

// NewLoginItem returns the login item for this copy of Rogue: SMAppService
// on macOS 13 and later when running from Rogue.app, else a LaunchAgent
// ~/Library/LaunchAgents/<label>.plist that runs the executable.
func NewLoginItem(label string) (LoginItem, error) {
	exe, err := os.Executable()
	if err != nil {
		return LoginItem{}, fmt.Errorf("macos: login item: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return LoginItem{}, fmt.Errorf("macos: login item: %w", err)
	}
	agent := LaunchAgent{
		Path:    filepath.Join(home, "Library", "LaunchAgents", label+".plist"),
		Label:   label,
		Program: []string{exe},
	}
	major := 0
	if v, err := productVersion(); err == nil {
		major, _ = MajorVersion(v)
	}
	_, inBundle := BundlePath(exe)
	if UseAppService(major, inBundle) {
		if sm, ok := newAppService(); ok {
			return LoginItem{Primary: sm, Legacy: agent, OpenSettings: sm.openSettings}, nil
		}
	}
	return LoginItem{Primary: agent}, nil
}
