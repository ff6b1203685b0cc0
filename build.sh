#!/usr/bin/env bash
# Builds Rogue for distribution. Run ./build.sh --help for what it does.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
	cat <<'EOF'
Usage: ./build.sh [--version VERSION] [--out DIR] [--help]

Builds Rogue into DIR (default: dist/). What it builds depends on where it
runs:

On a Mac (needs Go and the Xcode command line tools):
  1. builds the app for arm64 and for amd64 (cgo, which fyne.io/systray
     needs), for macOS 12 and later (the oldest Go 1.26 supports),
  2. joins the two into one universal binary with lipo,
  3. assembles dist/Rogue.app: Contents/MacOS/Rogue, Contents/Info.plist
     (from ./Info.plist, version filled in), Contents/Resources/Rogue.icns,
  4. signs it with the hardened runtime and a secure timestamp
     (codesign --options runtime --timestamp --entitlements entitlements.plist)
     using the identity in ROGUE_SIGN_IDENTITY, e.g.
     "Developer ID Application: Jane Doe (TEAMID1234)". Without it the app
     is signed ad hoc ("-"): it runs on this Mac, but macOS ties the
     Input Monitoring and Keychain grants to the exact build, so every new
     ad-hoc build asks for them again. Then codesign --verify --deep --strict,
  5. when ROGUE_NOTARY_PROFILE names a notarytool keychain profile (made
     once with `xcrun notarytool store-credentials PROFILE`), submits the app
     to Apple's notary service (xcrun notarytool submit --wait) and staples
     the ticket (xcrun stapler staple); the dmg is notarized the same way,
  6. writes dist/Rogue-VERSION.zip (ditto -c -k --keepParent) and
     dist/Rogue-VERSION.dmg (hdiutil; Rogue.app and a link to /Applications).

On Linux with DARWIN_SDK set to a macOS SDK folder (e.g. MacOSX12.0.sdk):
  cross-builds the same universal dist/Rogue.app with Debian's clang (target
  arm64-apple-macos12 / x86_64-apple-macos12, -isysroot "$DARWIN_SDK"),
  ld64.lld and llvm-lipo, and zips it to dist/Rogue-VERSION.zip. The app is
  NOT signed (only the linker's ad-hoc signature of each slice): Gatekeeper
  refuses it until it is signed on a Mac. Use it to check that the macOS
  build compiles and links. The SDK is never part of this repository.
  Needs: clang, lld, llvm (apt-get install clang lld llvm), zip.

On Linux without DARWIN_SDK:
  builds dist/rogue-linux-ARCH/ with the rogue binary, rogue.desktop and
  rogue.png, and dist/rogue-VERSION-linux-ARCH.tar.gz. To install for one
  user: copy rogue to ~/.local/bin, rogue.desktop to
  ~/.local/share/applications and rogue.png to
  ~/.local/share/icons/hicolor/256x256/apps.

Options:
  --version VERSION  version to stamp (default: ROGUE_VERSION, else
                     `git describe --tags`, else 0.0.0-dev)
  --out DIR          output folder (default: dist)
  --print-build      print the CFBundleVersion this build would get, and exit
  --help             this text

Environment:
  ROGUE_VERSION         version, as --version
  ROGUE_SIGN_IDENTITY   codesign identity (Mac); ad hoc when unset
  ROGUE_NOTARY_PROFILE  notarytool keychain profile (Mac); no notarization
                        when unset
  DARWIN_SDK            macOS SDK folder for the Linux cross-build
  ROGUE_BUILD           CFBundleVersion, one to three integers that grow with
                        every build (default: UTC YYYYMMDD.HHMMSS of the build)
  ROGUE_BUILD_EPOCH     build time in Unix seconds for the default
                        CFBundleVersion (default: now)
EOF
}

out=dist
version=${ROGUE_VERSION:-}
print_build=
while (($#)); do
	case $1 in
	-h | --help | help) usage; exit 0 ;;
	--version) version=${2:?--version needs a value}; shift 2 ;;
	--version=*) version=${1#*=}; shift ;;
	--print-build) print_build=1; shift ;;
	--out) out=${2:?--out needs a value}; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	*) echo "build.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
done

if [ -z "$version" ]; then
	version=$(git describe --tags --always --dirty 2>/dev/null || true)
	version=${version:-0.0.0-dev}
fi
version=${version#v}
# CFBundleShortVersionString must be up to three numbers. CFBundleVersion
# must be one to three integers (macOS reads no more) and grow with every
# build: the UTC date and time of the build, YYYYMMDD.HHMMSS without leading
# zeros (20261201.203805), unless ROGUE_BUILD gives one (a CI run number).
short=$(printf '%s' "$version" | grep -Eo '^[0-9]+\.[0-9]+(\.[0-9]+)?' || true)
short=${short:-0.0.0}
# utc FORMAT: the build time (ROGUE_BUILD_EPOCH, else now) in UTC.
utc() {
	local e=${ROGUE_BUILD_EPOCH:-}
	if [ -z "$e" ]; then
		date -u "+$1"
	else
		date -u -d "@$e" "+$1" 2>/dev/null || date -u -r "$e" "+$1"
	fi
}
if [ -n "${ROGUE_BUILD:-}" ]; then
	build=$ROGUE_BUILD
else
	build="$(utc %Y%m%d).$((10#$(utc %H%M%S)))"
fi
printf '%s' "$build" | grep -Eqx '[0-9]+(\.[0-9]+){0,2}' ||
	{ echo "build.sh: CFBundleVersion $build is not one to three integers (ROGUE_BUILD)" >&2; exit 2; }
if [ -n "$print_build" ]; then
	printf '%s\n' "$build"
	exit 0
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf '== %s\n' "$*" >&2; }
warn() { printf 'build.sh: warning: %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

ldflags="-s -w -X main.version=$version"

# first_tool prints the first of its arguments that is on PATH.
first_tool() {
	local t
	for t in "$@"; do
		if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
	done
	return 1
}

# build_slice ARCH OUTPUT [CC]: the app for darwin/ARCH.
build_slice() {
	local arch=$1 output=$2 cc=${3:-}
	say "go build darwin/$arch"
	env GOOS=darwin GOARCH="$arch" CGO_ENABLED=1 ${cc:+CC="$cc"} \
		MACOSX_DEPLOYMENT_TARGET=12.0 \
		CGO_CFLAGS="-mmacosx-version-min=12.0 -O2" \
		CGO_LDFLAGS="${CGO_LDFLAGS_EXTRA:-} -mmacosx-version-min=12.0 -framework AppKit -framework Foundation -framework CoreFoundation" \
		go build -trimpath -ldflags "$ldflags" -o "$output" ./app
}

# assemble BINARY: dist/Rogue.app around a universal binary.
assemble() {
	local bin=$1 app="$out/Rogue.app"
	say "assemble $app"
	rm -rf "$app"
	mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
	cp "$bin" "$app/Contents/MacOS/Rogue"
	chmod 755 "$app/Contents/MacOS/Rogue"
	sed -e "s/@VERSION@/$short/g" -e "s/@BUILD@/$build/g" Info.plist >"$app/Contents/Info.plist"
	cp assets/Rogue.icns "$app/Contents/Resources/Rogue.icns"
	printf 'APPL????' >"$app/Contents/PkgInfo"
}

notarize() { # FILE
	say "notarize $1 (profile $ROGUE_NOTARY_PROFILE)"
	local log="$work/notarytool.log"
	xcrun notarytool submit "$1" --keychain-profile "$ROGUE_NOTARY_PROFILE" --wait 2>&1 | tee "$log" >&2
	# notarytool can exit 0 when Apple rejects the upload (status: Invalid);
	# only "status: Accepted" means there is a ticket for stapler to staple.
	grep -q 'status: Accepted' "$log" ||
		die "notarization of $1 was not accepted; see: xcrun notarytool log SUBMISSION-ID --keychain-profile $ROGUE_NOTARY_PROFILE"
}

build_mac() {
	build_slice arm64 "$work/Rogue-arm64"
	build_slice amd64 "$work/Rogue-amd64"
	say "lipo"
	lipo -create -output "$work/Rogue" "$work/Rogue-arm64" "$work/Rogue-amd64"
	assemble "$work/Rogue"
	local app="$out/Rogue.app" identity=${ROGUE_SIGN_IDENTITY:-}
	plutil -lint "$app/Contents/Info.plist" >/dev/null
	if [ -z "$identity" ]; then
		identity=-
		warn "ROGUE_SIGN_IDENTITY is unset: signing ad hoc. macOS ties Input Monitoring and Keychain grants to the signature, so they reset whenever an ad-hoc build changes; users of this build must grant them again."
	fi
	# codesign refuses files with extended attributes (quarantine, Finder
	# info: "resource fork, Finder information, or similar detritus not
	# allowed"), which macOS's cp copies from a downloaded checkout.
	xattr -cr "$app"
	say "codesign ($identity)"
	local ts=--timestamp
	[ "$identity" = - ] && ts=--timestamp=none # ad-hoc signatures get no timestamp
	codesign --force --options runtime $ts --entitlements entitlements.plist --sign "$identity" "$app"
	codesign --verify --deep --strict --verbose=2 "$app"
	if [ -n "${ROGUE_NOTARY_PROFILE:-}" ]; then
		[ "$identity" = - ] && die "notarization needs a Developer ID identity in ROGUE_SIGN_IDENTITY"
		ditto -c -k --keepParent "$app" "$work/notarize.zip"
		notarize "$work/notarize.zip"
		xcrun stapler staple "$app"
	fi
	local zip="$out/Rogue-$version.zip" dmg="$out/Rogue-$version.dmg"
	rm -f "$zip" "$dmg"
	ditto -c -k --keepParent "$app" "$zip"
	mkdir "$work/dmg"
	cp -R "$app" "$work/dmg/"
	ln -s /Applications "$work/dmg/Applications"
	hdiutil create -quiet -volname Rogue -srcfolder "$work/dmg" -ov -format UDZO "$dmg"
	if [ "$identity" != - ]; then
		codesign --force --timestamp --sign "$identity" "$dmg"
		if [ -n "${ROGUE_NOTARY_PROFILE:-}" ]; then
			notarize "$dmg"
			xcrun stapler staple "$dmg"
		fi
	fi
	say "done: $app, $zip, $dmg"
}

build_cross() {
	[ -d "$DARWIN_SDK" ] || die "DARWIN_SDK=$DARWIN_SDK is not a folder"
	local sdk clang ld64 strip lipo
	sdk=$(cd "$DARWIN_SDK" && pwd)
	clang=$(first_tool clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14) || die "clang not found (apt-get install clang)"
	ld64=$(first_tool ld64.lld ld64.lld-19 ld64.lld-18 ld64.lld-17 ld64.lld-16 ld64.lld-15 ld64.lld-14) || die "ld64.lld not found (apt-get install lld)"
	strip=$(first_tool llvm-strip llvm-strip-19 llvm-strip-18 llvm-strip-17 llvm-strip-16 llvm-strip-15 llvm-strip-14) || die "llvm-strip not found (apt-get install llvm)"
	lipo=$(first_tool llvm-lipo llvm-lipo-19 llvm-lipo-18 llvm-lipo-17 llvm-lipo-16 llvm-lipo-15 llvm-lipo-14) || die "llvm-lipo not found (apt-get install llvm)"
	# clang -B looks here first for the programs it runs: ld64.lld for
	# -fuse-ld=lld, and strip (llvm-strip stands in for Apple's).
	local tools="$work/tools"
	mkdir -p "$tools"
	ln -s "$ld64" "$tools/ld64.lld"
	ln -s "$strip" "$tools/strip"
	local arch target
	for arch in arm64 amd64; do
		target=arm64
		[ "$arch" = amd64 ] && target=x86_64
		cat >"$tools/cc-$arch" <<EOF
#!/bin/sh
exec "$clang" -B"$tools" -target $target-apple-macos12 -isysroot "$sdk" -Wno-unused-command-line-argument "\$@"
EOF
		chmod +x "$tools/cc-$arch"
		CGO_LDFLAGS_EXTRA="-fuse-ld=lld" build_slice "$arch" "$work/Rogue-$arch" "$tools/cc-$arch"
	done
	say "llvm-lipo"
	"$lipo" -create -output "$work/Rogue" "$work/Rogue-arm64" "$work/Rogue-amd64"
	assemble "$work/Rogue"
	local zip="$out/Rogue-$version.zip"
	rm -f "$zip"
	(cd "$out" && zip -qry "$zip" Rogue.app)
	warn "Rogue.app is NOT signed (cross-built on Linux): sign, notarize and package it on a Mac with ./build.sh before giving it to anyone."
	say "done: $out/Rogue.app, $zip"
}

build_linux() {
	local arch dir
	arch=$(go env GOARCH)
	dir="$out/rogue-linux-$arch"
	say "go build linux/$arch"
	rm -rf "$dir"
	mkdir -p "$dir"
	go build -trimpath -ldflags "$ldflags" -o "$dir/rogue" ./app
	cp assets/rogue.png "$dir/rogue.png"
	cat >"$dir/rogue.desktop" <<'EOF'
[Desktop Entry]
Type=Application
Name=Rogue
Comment=Personal metrics agent: vital signs and typing rhythm, forwarded to Grok
Exec=rogue
Icon=rogue
Terminal=false
Categories=Utility;Monitor;
EOF
	local tgz="$out/rogue-$version-linux-$arch.tar.gz"
	tar -C "$out" -czf "$tgz" "rogue-linux-$arch"
	say "done: $dir, $tgz"
}

case "$(uname -s)" in
Darwin) build_mac ;;
*)
	if [ -n "${DARWIN_SDK:-}" ]; then
		build_cross
	else
		build_linux
	fi
	;;
esac
