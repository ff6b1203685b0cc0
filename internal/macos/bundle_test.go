package macos

import (
	"bytes"
	"debug/macho"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"howett.net/plist"
)

// root is the repository's top folder, seen from this package.
const root = "../.."

// infoPlist is the part of Info.plist the tests look at.
type infoPlist struct {
	CFBundleIdentifier         string
	CFBundleName               string
	CFBundleExecutable         string
	CFBundleIconFile           string
	CFBundlePackageType        string
	CFBundleShortVersionString string
	CFBundleVersion            string
	LSUIElement                bool
	LSMinimumSystemVersion     string
	NSHighResolutionCapable    bool
	LSApplicationCategoryType  string
}

func readInfo(t testing.TB, path string) (infoPlist, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var info infoPlist
	if _, err := plist.Unmarshal(b, &info); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var all map[string]any
	if _, err := plist.Unmarshal(b, &all); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return info, all
}

// checkInfo checks the keys both the template and the built bundle's
// Info.plist must have.
func checkInfo(t testing.TB, info infoPlist, all map[string]any) {
	t.Helper()
	for _, k := range []string{
		"CFBundleIdentifier", "CFBundleName", "CFBundleExecutable", "CFBundleIconFile",
		"CFBundlePackageType", "CFBundleShortVersionString", "CFBundleVersion",
		"CFBundleInfoDictionaryVersion", "LSUIElement", "LSMinimumSystemVersion",
		"NSHighResolutionCapable", "LSApplicationCategoryType",
	} {
		if _, ok := all[k]; !ok {
			t.Errorf("Info.plist lacks %s", k)
		}
	}
	if info.CFBundleIdentifier != BundleID {
		t.Errorf("CFBundleIdentifier %q, want %q (the LaunchAgent label)", info.CFBundleIdentifier, BundleID)
	}
	if info.CFBundleExecutable != "Rogue" || info.CFBundlePackageType != "APPL" {
		t.Errorf("executable %q, package type %q", info.CFBundleExecutable, info.CFBundlePackageType)
	}
	if !info.LSUIElement {
		t.Error("LSUIElement is not true: Rogue would show in the Dock")
	}
	if info.LSMinimumSystemVersion != "12.0" || !info.NSHighResolutionCapable {
		t.Errorf("LSMinimumSystemVersion %q, NSHighResolutionCapable %v", info.LSMinimumSystemVersion, info.NSHighResolutionCapable)
	}
	if info.LSApplicationCategoryType != "public.app-category.utilities" {
		t.Errorf("category %q", info.LSApplicationCategoryType)
	}
}

func TestInfoPlistIncomplete(t *testing.T) {
	info, all := readInfo(t, filepath.Join(root, "Info.plist"))
	checkInfo(t, info, all)
	if info.CFBundleShortVersionString != "@VERSION@" || info.CFBundleVersion != "@BUILD@" {
		t.Errorf("version placeholders changed: %q %q (build.sh fills @VERSION@ and @BUILD@)", info.CFBundleShortVersionString, info.CFBundleVersion)
	}
	if _, err := os.Stat(filepath.Join(root, "assets", info.CFBundleIconFile)); err != nil {
		t.Errorf("icon file: %v", err)
	}
	script, err := os.ReadFile(filepath.Join(root, "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"$app/Contents/MacOS/` + info.CFBundleExecutable + `"`,
		`assets/` + info.CFBundleIconFile + ` "$app/Contents/Resources/` + info.CFBundleIconFile + `"`,
		"@VERSION@", "@BUILD@",
	} {
		if !bytes.Contains(script, []byte(want)) {
			t.Errorf("build.sh does not contain %q: bundle and Info.plist disagree", want)
		}
	}
}

func TestEntitlementsPlistInvalid(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "entitlements.plist"))
	if err != nil {
		t.Fatal(err)
	}
	var ent map[string]any
	if _, err := plist.Unmarshal(b, &ent); err != nil {
		t.Fatal(err)
	}
	if v, ok := ent["com.apple.security.app-sandbox"]; ok && v != false {
		t.Error("the app sandbox is on: Rogue could not read system counters or run /usr/bin/security")
	}
}

// TestCrossBuiltBundleBroken runs build.sh's Linux cross-build when
// DARWIN_SDK names a macOS SDK and checks the app bundle it makes: a
// universal Mach-O with arm64 and x86_64 slices for macOS 12, linked to
// AppKit, Foundation and CoreFoundation, with Info.plist and icon.
func TestCrossBuiltBundleBroken(t *testing.T) {
	sdk := os.Getenv("DARWIN_SDK")
	if sdk == "" {
		t.Skip("DARWIN_SDK is not set (no macOS SDK here): the cross-build is not checked")
	}
	if testing.Short() {
		t.Skip("the cross-build takes minutes; skipped with -short")
	}
	out := t.TempDir()
	cmd := exec.Command("./build.sh", "--out", out, "--version", "1.2.3")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DARWIN_SDK="+sdk)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, b)
	}
	app := filepath.Join(out, "Rogue.app")
	info, all := readInfo(t, filepath.Join(app, "Contents", "Info.plist"))
	checkInfo(t, info, all)
	if info.CFBundleShortVersionString != "1.2.3" || !bundleVersion.MatchString(info.CFBundleVersion) {
		t.Errorf("versions not filled in: %q %q", info.CFBundleShortVersionString, info.CFBundleVersion)
	}
	icon, err := os.ReadFile(filepath.Join(app, "Contents", "Resources", info.CFBundleIconFile))
	if err != nil || !bytes.HasPrefix(icon, []byte("icns")) {
		t.Errorf("icon: %v (%d bytes)", err, len(icon))
	}
	if _, err := os.Stat(filepath.Join(out, "Rogue-1.2.3.zip")); err != nil {
		t.Errorf("zip: %v", err)
	}
	checkUniversal(t, filepath.Join(app, "Contents", "MacOS", info.CFBundleExecutable))
}

func checkUniversal(t testing.TB, path string) {
	t.Helper()
	fat, err := macho.OpenFat(path)
	if err != nil {
		t.Fatalf("%s is not a universal Mach-O: %v", path, err)
	}
	defer fat.Close()
	var cpus []macho.Cpu
	for _, a := range fat.Arches {
		cpus = append(cpus, a.Cpu)
		name := a.Cpu.String()
		if a.Type != macho.TypeExec {
			t.Errorf("%s: file type %v, want executable", name, a.Type)
		}
		minos, err := minOS(a.File)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if minos != "12.0" {
			t.Errorf("%s: minimum macOS %s, want 12.0", name, minos)
		}
		libs, err := a.ImportedLibraries()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, fw := range []string{"AppKit", "Foundation", "CoreFoundation"} {
			if !slices.ContainsFunc(libs, func(l string) bool {
				return strings.HasPrefix(l, "/System/Library/Frameworks/"+fw+".framework/")
			}) {
				t.Errorf("%s: not linked to %s: %q", name, fw, libs)
			}
		}
	}
	slices.Sort(cpus)
	if want := []macho.Cpu{macho.CpuAmd64, macho.CpuArm64}; !slices.Equal(cpus, want) {
		t.Errorf("slices %v, want %v", cpus, want)
	}
}

// lcBuildVersion is LC_BUILD_VERSION: cmd, cmdsize, platform, minos, sdk,
// ntools, each a uint32; versions are xxxx.yy.zz in nibbles.
const lcBuildVersion = 0x32

func minOS(f *macho.File) (string, error) {
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) < 24 || f.ByteOrder.Uint32(raw) != lcBuildVersion {
			continue
		}
		if p := f.ByteOrder.Uint32(raw[8:]); p != 1 { // PLATFORM_MACOS
			return "", fmt.Errorf("platform %d, want macOS (1)", p)
		}
		v := f.ByteOrder.Uint32(raw[12:])
		s := fmt.Sprintf("%d.%d", v>>16, v>>8&0xff)
		if patch := v & 0xff; patch != 0 {
			s += fmt.Sprintf(".%d", patch)
		}
		return s, nil
	}
	return "", fmt.Errorf("no LC_BUILD_VERSION")
}

// bundleVersion is what macOS reads in CFBundleVersion: one to three
// integers.
var bundleVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+){0,2}$`)

// buildNumber runs build.sh --print-build with env added.
func buildNumber(t *testing.T, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "./build.sh", "--print-build")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), append([]string{"ROGUE_VERSION=1.0.0"}, env...)...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestBundleVersionDoesNotGrow: CFBundleVersion has at most three integers
// (macOS ignores a fourth, so "0.0.0.202612012038" never grew) and grows
// with every build, across seconds, midnight and the new year.
func TestBundleVersionDoesNotGrow(t *testing.T) {
	epochs := []int64{
		1796169599, // 2026-12-01 23:59:59 UTC
		1796169600, // 2026-12-02 00:00:00
		1796169601,
		1796169660,
		1796173200, // 01:00:00
		1798761599, // 2026-12-31 23:59:59
		1798761600, // 2027-01-01 00:00:00
		4102444799, // 2099-12-31 23:59:59
	}
	var prev []int64
	for _, e := range epochs {
		got, err := buildNumber(t, fmt.Sprintf("ROGUE_BUILD_EPOCH=%d", e), "ROGUE_BUILD=")
		if err != nil {
			t.Fatalf("build.sh --print-build at %d: %v: %s", e, err, got)
		}
		if !bundleVersion.MatchString(got) {
			t.Fatalf("at %d: CFBundleVersion %q is not one to three integers", e, got)
		}
		var cur []int64
		for f := range strings.SplitSeq(got, ".") {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil || n > math.MaxInt32 || (len(f) > 1 && f[0] == '0') {
				t.Fatalf("at %d: component %q of %q: %v (leading zero or beyond 32 bits)", e, f, got, err)
			}
			cur = append(cur, n)
		}
		if prev != nil && slices.Compare(cur, prev) <= 0 {
			t.Errorf("at %d: CFBundleVersion %q does not grow from %v", e, got, prev)
		}
		prev = cur
	}
	if got, err := buildNumber(t, "ROGUE_BUILD=417"); err != nil || got != "417" {
		t.Errorf("ROGUE_BUILD=417: %q, %v", got, err)
	}
	if got, err := buildNumber(t, "ROGUE_BUILD=1.2.3.4"); err == nil {
		t.Errorf("ROGUE_BUILD=1.2.3.4 accepted: %q", got)
	}
}

func TestBuildScriptHelpIncomplete(t *testing.T) {
	cmd := exec.Command("bash", "./build.sh", "--help")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build.sh --help: %v\n%s", err, out)
	}
	for _, want := range []string{
		"ROGUE_SIGN_IDENTITY", "ROGUE_NOTARY_PROFILE", "DARWIN_SDK", "ad hoc",
		"NOT signed", "notarytool", "lipo", ".desktop", "hardened runtime",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	cmd = exec.Command("bash", "./build.sh", "--bogus")
	cmd.Dir = root
	out, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("build.sh --bogus: %v, want exit status 2\n%s", err, out)
	}
}

// TestMacCheckPathBroken checks what can be checked of the Mac path here:
// mac-check.sh parses, refuses to run off a Mac, and the workflows run it
// on macOS 13 and 14, arm64 and x86_64, and .ci/run on Linux.
func TestMacCheckPathBroken(t *testing.T) {
	if out, err := exec.Command("bash", "-n", filepath.Join(root, "scripts", "mac-check.sh")).CombinedOutput(); err != nil {
		t.Fatalf("bash -n scripts/mac-check.sh: %v\n%s", err, out)
	}
	if runtime.GOOS != "darwin" {
		out, err := exec.Command("bash", filepath.Join(root, "scripts", "mac-check.sh")).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !bytes.Contains(out, []byte("run it on a Mac")) {
			t.Errorf("mac-check.sh off a Mac: %v\n%s", err, out)
		}
	}
	mac, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "macos.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"scripts/mac-check.sh", "MAC_CHECK_ARCH: ${{ matrix.arch }}",
		"{ macos: 13, arch: x86_64, runner: macos-13 }",
		"{ macos: 13, arch: arm64, runner: macos-13-xlarge }",
		"{ macos: 14, arch: arm64, runner: macos-14 }",
		"{ macos: 14, arch: x86_64, runner: macos-14 }",
		"go-version-file: go.mod",
	} {
		if !bytes.Contains(mac, []byte(want)) {
			t.Errorf("macos.yml lacks %q", want)
		}
	}
	if bytes.Contains(mac, []byte("\t")) {
		t.Error("macos.yml has a tab: YAML allows spaces only")
	}
	linux, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "linux.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(linux, []byte("run: .ci/run")) || bytes.Contains(linux, []byte("\t")) {
		t.Errorf("linux.yml does not run .ci/run, or has a tab:\n%s", linux)
	}
}
