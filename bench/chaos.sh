#!/bin/sh
# bench/chaos.sh: the chaos test of issue 11 for several minutes. The app
# runs headless at a 1 s step, forwarding to a real carbon-cache (Debian's
# graphite-carbon) on a free loopback port, while at random moments (every
# 0.3–2.5 s) carbon-cache is stopped with SIGTERM or SIGKILL and restarted,
# the app is SIGKILLed and restarted, or the data folder (a 200 MB tmpfs,
# when this machine lets us mount one) fills up and frees. At the end
# whisper must hold every point the RRD files hold for that window, bit for
# bit, and every RRD must open in rrdtool. It prints the counts: points in
# the RRD files, points lost, lines sent and how many of them were sent
# again (the overlap that makes delivery at-least-once).
#
# It is TestChaos_NoPointLost in app/chaos_linux_test.go, which the normal
# test run runs for 20 s.
#
# Usage: bench/chaos.sh [SECONDS]   (default 300; ROGUE_CHAOS_SEED=N repeats
# a schedule)
# Needs: go, rrdtool, carbon-cache (graphite-carbon), whisper-fetch
# (python3-whisper); root for the tmpfs part.
set -eu
cd "$(dirname "$0")/.."
for tool in go rrdtool carbon-cache whisper-fetch; do
	command -v $tool >/dev/null || { echo "bench/chaos.sh: $tool is not installed" >&2; exit 1; }
done
SECONDS_RUN=${1:-300}
echo "chaos for $SECONDS_RUN s (then up to a minute for the last points to arrive)..."
OUT=$(mktemp /tmp/rogue-chaos.XXXXXX)
trap 'rm -f "$OUT"' EXIT
rc=0
ROGUE_CHAOS_SECONDS=$SECONDS_RUN go test -count=1 -timeout $((SECONDS_RUN + 600))s -run '^TestChaos_NoPointLost$' -v ./app > "$OUT" 2>&1 || rc=$?
grep -E 'chaos_linux_test.go|^--- |^(ok|FAIL)' "$OUT" | sed 's/^ *chaos_linux_test.go:[0-9]*: /  /'
if [ $rc -ne 0 ]; then
	echo "bench/chaos.sh: the chaos test failed (full output follows)" >&2
	tail -200 "$OUT" >&2
fi
exit $rc
