#!/usr/bin/env bash
# Runs all of Rogue's checks, as CI does: installs the Debian packages the
# tests drive for real (rrdtool, carbon, D-Bus, gnome-keyring, Xvfb, ...),
# then gofmt, go vet, the darwin type-check and go test.
#
# Usage: scripts/test.sh [go test flags...]   e.g. scripts/test.sh -short
set -euo pipefail
cd "$(dirname "$0")/.."

# Test peers, from Debian. Installed only when missing.
pkgs=(rrdtool graphite-carbon python3-whisper dbus dbus-x11 gnome-keyring
  libsecret-tools xvfb xdotool x11-utils zenity chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "== installing test peers: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

if [ -f tools/darwincheck/main.go ]; then
  echo "== darwin type-check"
  go run ./tools/darwincheck
fi

echo "== go test"
go test -timeout 15m "$@" ./...

if [ -f rrd/fuzz_test.go ]; then
  echo "== fuzz (brief)"
  go test -run '^$' -fuzz '^FuzzOpen$' -fuzztime 20s -fuzzminimizetime 1s ./rrd
fi
