//go:build darwin

package macos

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/ebitengine/purego/objc"
)

// userNotificationsPath is the UserNotifications framework (macOS 10.14
// and later).
const userNotificationsPath = "/System/Library/Frameworks/UserNotifications.framework/UserNotifications"

// UNAuthorizationOptions bits.
const (
	unAuthorizationOptionSound = 1 << 1
	unAuthorizationOptionAlert = 1 << 2
)

// ErrNoNotifications is returned by Notify where user notifications cannot
// be posted: no UserNotifications framework, or Rogue not running from its
// app bundle (UNUserNotificationCenter needs a bundle identifier), or the
// user did not allow them.
var ErrNoNotifications = errors.New("macos: notifications unavailable")

// Notifier posts user notifications through UNUserNotificationCenter:
//
//	UNUserNotificationCenter *c = [UNUserNotificationCenter currentNotificationCenter];
//	[c requestAuthorizationWithOptions:alert|sound completionHandler:^(BOOL, NSError *){...}];
//	UNMutableNotificationContent *n = [UNMutableNotificationContent new]; n.title = ..; n.body = ..;
//	[c addNotificationRequest:[UNNotificationRequest requestWithIdentifier:id content:n trigger:nil]
//	    withCompletionHandler:nil];
//
// The first Notify asks for permission (macOS shows its own prompt once).
type Notifier struct {
	once    sync.Once
	center  objc.ID
	err     error
	denied  atomic.Bool
	counter atomic.Int64
}

// setup loads the framework, checks for a bundle and asks for permission.
func (n *Notifier) setup() {
	if err := load(); err != nil {
		n.err = fmt.Errorf("%w: %v", ErrNoNotifications, err)
		return
	}
	if _, err := purego.Dlopen(userNotificationsPath, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
		n.err = fmt.Errorf("%w: %v", ErrNoNotifications, err)
		return
	}
	withPool(func() {
		bundle := objc.ID(objc.GetClass("NSBundle")).Send(objc.RegisterName("mainBundle"))
		if bundle == 0 || bundle.Send(objc.RegisterName("bundleIdentifier")) == 0 {
			n.err = fmt.Errorf("%w: not running from Rogue.app (no bundle identifier)", ErrNoNotifications)
			return
		}
		cls := objc.GetClass("UNUserNotificationCenter")
		if cls == 0 {
			n.err = fmt.Errorf("%w: no UNUserNotificationCenter", ErrNoNotifications)
			return
		}
		n.center = objc.ID(cls).Send(objc.RegisterName("currentNotificationCenter"))
		n.center.Send(objc.RegisterName("retain"))
		done := objc.NewBlock(func(_ objc.Block, granted bool, _ objc.ID) {
			n.denied.Store(!granted)
		})
		n.center.Send(objc.RegisterName("requestAuthorizationWithOptions:completionHandler:"),
			uint(unAuthorizationOptionAlert|unAuthorizationOptionSound), done)
	})
}

// Notify posts a notification with title and body.
func (n *Notifier) Notify(title, body string) error {
	n.once.Do(n.setup)
	if n.err != nil {
		return n.err
	}
	if n.denied.Load() {
		return fmt.Errorf("%w: not allowed in System Settings › Notifications", ErrNoNotifications)
	}
	withPool(func() {
		content := objc.ID(objc.GetClass("UNMutableNotificationContent")).Send(objc.RegisterName("new"))
		defer content.Send(objc.RegisterName("release"))
		content.Send(objc.RegisterName("setTitle:"), nsString(title))
		content.Send(objc.RegisterName("setBody:"), nsString(body))
		id := "rogue-anomaly-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(n.counter.Add(1), 10)
		req := objc.ID(objc.GetClass("UNNotificationRequest")).Send(objc.RegisterName("requestWithIdentifier:content:trigger:"),
			nsString(id), content, objc.ID(0))
		n.center.Send(objc.RegisterName("addNotificationRequest:withCompletionHandler:"), req, objc.ID(0))
	})
	return nil
}

// nsString returns an autoreleased NSString holding s.
func nsString(s string) objc.ID {
	b := append([]byte(s), 0)
	return objc.ID(objc.GetClass("NSString")).Send(objc.RegisterName("stringWithUTF8String:"), unsafe.Pointer(&b[0]))
}
