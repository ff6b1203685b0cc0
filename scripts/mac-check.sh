#!/usr/bin/env bash
# Proves Rogue on a Mac in one command: builds Rogue.app (ad-hoc signed)
# with build.sh, runs go test ./... natively (darwin-only tests included),
# runs `rogue doctor`, starts the app, checks through System Events'
# accessibility scripting that its status item exists and its menu lists
# every metric, and quits it through the menu.
#
# Usage: scripts/mac-check.sh
#
# Environment:
#   MAC_CHECK_ARCH  arm64 or x86_64 (default: this Mac's). x86_64 on Apple
#                   silicon runs the tests and the app under Rosetta 2.
#   MAC_CHECK_UI    "required" (default): the menu check must pass, which
#                   needs Accessibility for the program running this script
#                   (Terminal, or the CI runner's agent). "optional": the
#                   check is skipped, loudly, when macOS refuses the
#                   scripting.
#   MAC_CHECK_OUT   build folder (default: dist/mac-check)
#   CI              the rrdtool comparisons in ./rrd need rrdtool under
#                   CI=true; this script runs go test without CI, so they are
#                   skipped unless rrdtool is installed (brew install rrdtool).
#
# The app runs with a HOME of its own (a temporary folder), so the check
# never touches your data, settings, keychain item or a running Rogue.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
die() { printf 'mac-check.sh: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || { echo "mac-check.sh: run it on a Mac (macOS 12 or later); on Linux use scripts/test.sh" >&2; exit 2; }

arch=${MAC_CHECK_ARCH:-$(uname -m)}
case $arch in
arm64) goarch=arm64 ;;
x86_64) goarch=amd64 ;;
*) die "MAC_CHECK_ARCH must be arm64 or x86_64, not $arch" ;;
esac
run_arch=(arch "-$arch")
out=${MAC_CHECK_OUT:-dist/mac-check}
ui=${MAC_CHECK_UI:-required}
sw_vers

say "build.sh (ad-hoc signed universal Rogue.app)"
env -u ROGUE_SIGN_IDENTITY -u ROGUE_NOTARY_PROFILE ./build.sh --out "$out"
app="$out/Rogue.app"
bin="$app/Contents/MacOS/Rogue"
archs=$(lipo -archs "$bin")
[[ " $archs " == *" arm64 "* && " $archs " == *" x86_64 "* ]] || die "Rogue is not universal: $archs"
codesign --verify --deep --strict "$app"
build=$(plutil -extract CFBundleVersion raw "$app/Contents/Info.plist")
[[ $build =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || die "CFBundleVersion $build is not one to three integers"
echo "Rogue.app: $archs, CFBundleVersion $build"

say "go test ./... (darwin/$goarch)"
cc=(clang -arch "$arch")
env -u CI GOARCH="$goarch" CGO_ENABLED=1 CC="${cc[*]}" go test -count=1 -timeout 15m ./...

say "rogue doctor ($arch)"
home=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$home"
}
trap cleanup EXIT
set +e
HOME="$home" "${run_arch[@]}" "$bin" doctor --offline
code=$?
set -e
# 1 means "something needs your action" (typically Input Monitoring, which a
# fresh machine has not granted): a report, not a failure of the check.
[ "$code" -le 1 ] || die "rogue doctor exited $code"

say "start Rogue.app's binary ($arch) and read its menu through System Events"
HOME="$home" "${run_arch[@]}" "$bin" --interval 5 >"$home/rogue.out" 2>&1 &
pid=$!
# Every metric's display name, from the catalogue the menu renders.
names=()
while IFS= read -r n; do names+=("$n"); done < <(sed -n 's/.*Display: "\([^"]*\)".*/\1/p' metric/metric.go)
((${#names[@]} >= 13)) || die "found only ${#names[@]} metric names in metric/metric.go"

menu_script='on run argv
	set p to (item 1 of argv) as integer
	tell application "System Events"
		set proc to first process whose unix id is p
		tell proc
			set theItem to menu bar item 1 of menu bar 2
			click theItem
			delay 1
			set names to name of menu items of menu 1 of theItem
			key code 53 -- Escape closes the menu
		end tell
	end tell
	set AppleScript'"'"'s text item delimiters to linefeed
	return names as text
end run'

menu=
ok=
for _ in $(seq 1 30); do
	kill -0 "$pid" 2>/dev/null || { cat "$home/rogue.out"; die "Rogue exited early"; }
	if menu=$(osascript -e "$menu_script" "$pid" 2>"$home/osa.err"); then
		ok=1
		break
	fi
	if grep -Eq -- '-1719|-25211|assistive access|not allowed' "$home/osa.err"; then
		break # no Accessibility for this script: waiting will not help
	fi
	sleep 1
done
if [ -z "$ok" ]; then
	cat "$home/osa.err" >&2
	if [ "$ui" = optional ] && grep -Eq -- '-1719|-25211|assistive access|not allowed' "$home/osa.err"; then
		echo "mac-check.sh: SKIPPED the menu check: macOS does not let this runner script System Events (Accessibility)." >&2
	else
		cat "$home/rogue.out" >&2
		die "could not read Rogue's menu (give the program running this script Accessibility in System Settings › Privacy & Security, or set MAC_CHECK_UI=optional)"
	fi
else
	printf '%s\n' "$menu"
	for n in "${names[@]}" "Forward to Grok" "Diagnostics…" "Quit Rogue"; do
		grep -Fq -- "$n" <<<"$menu" || die "the menu has no item with \"$n\""
	done
	echo "menu: all ${#names[@]} metrics and the actions are listed"
fi

say "quit Rogue"
quit_script='on run argv
	set p to (item 1 of argv) as integer
	tell application "System Events" to tell (first process whose unix id is p)
		click menu bar item 1 of menu bar 2
		delay 1
		click menu item "Quit Rogue" of menu 1 of menu bar item 1 of menu bar 2
	end tell
end run'
if [ -n "$ok" ]; then
	osascript -e "$quit_script" "$pid" >/dev/null
else
	kill -TERM "$pid"
fi
for _ in $(seq 1 20); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
	cat "$home/rogue.out" >&2
	die "Rogue did not quit within 10 s"
fi
set +e
wait "$pid"
code=$?
set -e
pid=
[ "$code" = 0 ] || { cat "$home/rogue.out" >&2; die "Rogue exited $code"; }
[ -f "$home/Library/Application Support/Rogue/db/CPUPercent.rrd" ] || die "no CPUPercent.rrd was written"
echo "Rogue quit cleanly and wrote its RRD files"

say "mac-check passed (macOS $(sw_vers -productVersion), $arch)"
