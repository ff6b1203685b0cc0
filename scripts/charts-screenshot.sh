#!/bin/sh
# scripts/charts-screenshot.sh: photographs Rogue's charts page. It plants
# two weeks of made-up history with a CPU anomaly and its scores
# (tools/planthistory) in a fresh HOME, runs the real rogue --headless on
# it, and has headless Chromium (tools/chartshot) open the page that
# "rogue charts --url" gives, on the 14-day range, and save it as
# docs/charts.png (or $1). scripts/screenshot.sh calls it.
#
# Usage: scripts/charts-screenshot.sh [OUT.png]     (DARK=1 for dark mode)
# Needs: go, chromium.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-docs/charts.png}
command -v chromium >/dev/null || command -v google-chrome >/dev/null ||
	{ echo "scripts/charts-screenshot.sh: chromium is not installed" >&2; exit 1; }

T=$(mktemp -d /tmp/rogue-charts-shot.XXXXXX)
PID=
cleanup() {
	[ -z "$PID" ] || kill -INT "$PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# Built before HOME changes (Go's caches live under it).
go build -o "$T/rogue" ./app
go build -o "$T/planthistory" ./tools/planthistory
go build -o "$T/chartshot" ./tools/chartshot

H="$T/home"
export HOME="$H" XDG_CONFIG_HOME="$H/.config" XDG_DATA_HOME="$H/.local/share" \
	XDG_STATE_HOME="$H/.local/state" XDG_CACHE_HOME="$H/.cache" DISPLAY= DBUS_SESSION_BUS_ADDRESS=
mkdir -p "$H"
"$T/planthistory" --prefix "$XDG_DATA_HOME/rogue/db" --days 14 --anomaly-hours-ago 62
"$T/rogue" --headless >"$T/rogue.log" 2>&1 &
PID=$!
i=0
until URL=$("$T/rogue" charts --url 2>/dev/null); do
	sleep 0.2
	i=$((i + 1))
	[ $i -lt 150 ] || { echo "rogue did not serve its charts:" >&2; cat "$T/rogue.log" >&2; exit 1; }
done
dark=
[ -z "${DARK:-}" ] || dark=--dark
mkdir -p "$(dirname "$OUT")"
"$T/chartshot" --url "$URL" --out "$OUT" --range 14d --width 1320 --height 900 $dark
echo "saved $OUT"
