//go:build darwin

package macos

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// securityPath is Security.framework's binary (in the dyld shared cache).
const securityPath = "/System/Library/Frameworks/Security.framework/Security"

// sec holds the Security.framework functions and constants the keychain
// uses, with Go signatures matching SecItem.h (OSStatus is int32; the
// result is a CFTypeRef out-parameter).
var sec struct {
	SecItemAdd          func(attributes uintptr, result *uintptr) int32
	SecItemCopyMatching func(query uintptr, result *uintptr) int32
	SecItemUpdate       func(query, attributesToUpdate uintptr) int32
	SecItemDelete       func(query uintptr) int32

	// CFStringRef constants (SecItem.h).
	kSecClass                uintptr
	kSecClassGenericPassword uintptr
	kSecAttrService          uintptr
	kSecAttrAccount          uintptr
	kSecAttrLabel            uintptr
	kSecValueData            uintptr
	kSecReturnData           uintptr
	kSecReturnAttributes     uintptr
	kSecMatchLimit           uintptr
	kSecMatchLimitOne        uintptr
}

// loadSecurity opens Security.framework once and binds every symbol.
var loadSecurity = sync.OnceValue(func() error {
	h, err := purego.Dlopen(securityPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return fmt.Errorf("macos: dlopen %s: %w", securityPath, err)
	}
	for name, fn := range map[string]any{
		"SecItemAdd":          &sec.SecItemAdd,
		"SecItemCopyMatching": &sec.SecItemCopyMatching,
		"SecItemUpdate":       &sec.SecItemUpdate,
		"SecItemDelete":       &sec.SecItemDelete,
	} {
		sym, err := purego.Dlsym(h, name)
		if err != nil {
			return fmt.Errorf("macos: dlsym %s: %w", name, err)
		}
		purego.RegisterFunc(fn, sym)
	}
	for name, out := range map[string]*uintptr{
		"kSecClass":                &sec.kSecClass,
		"kSecClassGenericPassword": &sec.kSecClassGenericPassword,
		"kSecAttrService":          &sec.kSecAttrService,
		"kSecAttrAccount":          &sec.kSecAttrAccount,
		"kSecAttrLabel":            &sec.kSecAttrLabel,
		"kSecValueData":            &sec.kSecValueData,
		"kSecReturnData":           &sec.kSecReturnData,
		"kSecReturnAttributes":     &sec.kSecReturnAttributes,
		"kSecMatchLimit":           &sec.kSecMatchLimit,
		"kSecMatchLimitOne":        &sec.kSecMatchLimitOne,
	} {
		sym, err := purego.Dlsym(h, name)
		if err != nil {
			return fmt.Errorf("macos: dlsym %s: %w", name, err)
		}
		if *out = readPointer(sym); *out == 0 {
			return fmt.Errorf("macos: %s is NULL", name)
		}
	}
	return nil
})

// kCFStringEncodingUTF8 is CFStringEncoding UTF-8 (CFString.h).
const kCFStringEncodingUTF8 = 0x08000100

// Keychain keeps generic passwords of one service in the user's login
// keychain through Security.framework (SecItemAdd, SecItemCopyMatching,
// SecItemUpdate, SecItemDelete). An item that Rogue creates this way has an
// access list naming Rogue's own code signature: Rogue reads it without a
// prompt, and any other program (the security tool, a script) gets the
// system's prompt instead of the secret.
type Keychain struct {
	// Service is the item's service (kSecAttrService), Label what Keychain
	// Access shows as its name (kSecAttrLabel).
	Service, Label string
}

// cfString returns a new CFString for s; the caller releases it.
func cfString(s string) uintptr {
	b := append([]byte(s), 0) // never empty, so &b[0] is valid
	return fw.CFStringCreateWithBytes(0, unsafe.Pointer(&b[0]), len(s), kCFStringEncodingUTF8, false)
}

// cfData returns a new CFData holding a copy of b; the caller releases it.
func cfData(b []byte) uintptr {
	buf := append(b[:len(b):len(b)], 0)
	return fw.CFDataCreate(0, unsafe.Pointer(&buf[0]), len(b))
}

// dataBytes copies the bytes of a CFData.
func dataBytes(data uintptr) []byte {
	n := fw.CFDataGetLength(data)
	p := fw.CFDataGetBytePtr(data)
	if n <= 0 || p == 0 {
		return nil
	}
	src := unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), n)
	return append([]byte(nil), src...)
}

// dict builds a CFDictionary from pairs of keys and values (CF objects);
// the caller releases it, and the pairs may be released after the call.
func dict(pairs ...uintptr) (uintptr, error) {
	n := len(pairs) / 2
	keys, values := make([]uintptr, n), make([]uintptr, n)
	for i := range n {
		if pairs[2*i] == 0 || pairs[2*i+1] == 0 {
			return 0, errors.New("macos: keychain: a CoreFoundation object could not be made")
		}
		keys[i], values[i] = pairs[2*i], pairs[2*i+1]
	}
	d := fw.CFDictionaryCreate(0, unsafe.Pointer(&keys[0]), unsafe.Pointer(&values[0]), n,
		fw.kCFTypeDictionaryKeyCallBacks, fw.kCFTypeDictionaryValueCallBacks)
	if d == 0 {
		return 0, errors.New("macos: keychain: CFDictionaryCreate failed")
	}
	return d, nil
}

// query runs f with a dictionary matching k's item for account plus the
// extra key/value pairs, releasing everything afterwards.
func (k Keychain) query(account string, f func(q uintptr) error, extra ...uintptr) error {
	if err := load(); err != nil {
		return err
	}
	if err := loadSecurity(); err != nil {
		return err
	}
	service, acct := cfString(k.Service), cfString(account)
	defer release(service, acct)
	q, err := dict(append([]uintptr{
		sec.kSecClass, sec.kSecClassGenericPassword,
		sec.kSecAttrService, service,
		sec.kSecAttrAccount, acct,
	}, extra...)...)
	if err != nil {
		return err
	}
	defer fw.CFRelease(q)
	return f(q)
}

// release releases the non-nil CF objects.
func release(objs ...uintptr) {
	for _, o := range objs {
		if o != 0 {
			fw.CFRelease(o)
		}
	}
}

// Get returns the secret stored for account, or an error matching
// ErrItemNotFound. Reading an item another program made may show the
// system's prompt.
func (k Keychain) Get(account string) (string, error) {
	var secret string
	err := k.query(account, func(q uintptr) error {
		var res uintptr
		if err := statusError("read", sec.SecItemCopyMatching(q, &res)); err != nil {
			return err
		}
		defer fw.CFRelease(res)
		secret = string(dataBytes(res))
		return nil
	}, sec.kSecReturnData, fw.kCFBooleanTrue, sec.kSecMatchLimit, sec.kSecMatchLimitOne)
	return secret, err
}

// Exists reports whether an item is stored for account. It asks for the
// item's attributes only, never its data, so it shows no prompt.
func (k Keychain) Exists(account string) (bool, error) {
	err := k.query(account, func(q uintptr) error {
		var res uintptr
		if err := statusError("look up", sec.SecItemCopyMatching(q, &res)); err != nil {
			return err
		}
		release(res)
		return nil
	}, sec.kSecReturnAttributes, fw.kCFBooleanTrue, sec.kSecMatchLimit, sec.kSecMatchLimitOne)
	if errors.Is(err, ErrItemNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Set stores secret for account: a new item made by this process (so its
// access list names Rogue), or the existing item's data replaced.
func (k Keychain) Set(account, secret string) error {
	data, label := cfData([]byte(secret)), cfString(k.Label)
	defer release(data, label)
	return k.query(account, func(q uintptr) error {
		if err := statusError("add", sec.SecItemAdd(q, nil)); !errors.Is(err, errDuplicate) {
			return err
		}
		// The item exists: replace its data. The query for the update must
		// not carry the new data, so build it again.
		return k.query(account, func(match uintptr) error {
			upd, err := dict(sec.kSecValueData, data, sec.kSecAttrLabel, label)
			if err != nil {
				return err
			}
			defer fw.CFRelease(upd)
			return statusError("update", sec.SecItemUpdate(match, upd))
		})
	}, sec.kSecValueData, data, sec.kSecAttrLabel, label)
}

// Delete removes the item for account; a missing item is not an error.
func (k Keychain) Delete(account string) error {
	err := k.query(account, func(q uintptr) error {
		return statusError("delete", sec.SecItemDelete(q))
	})
	if errors.Is(err, ErrItemNotFound) {
		return nil
	}
	return err
}
