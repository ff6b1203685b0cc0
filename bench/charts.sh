#!/bin/sh
# bench/charts.sh: the charts page on two weeks of all 13 metrics (and their
# anomaly scores) at a 60 s step. Ours: the page served by the charts
# package, in headless Chromium with its cache off, from navigation to the
# last chart drawn, and the bytes the browser received (go test -bench
# PageLoad14Days). The peer: rrdtool graph drawing the same six charts over
# the same two weeks as PNG files, the way one looked at RRD history before
# (no zoom, no hover). Goals: <= 300 ms and <= 300 KB.
#
# The benchmark also loads, before each load of the page, a blank page
# (a line of text and a script that marks its time) served with the same
# headers: what that takes is Chromium's fixed cost of a navigation (the
# page's Cross-Origin-Opener-Policy puts it in a new renderer process, as
# opening the page from Rogue's opener file does), the rest is the page's.
#
# Usage: bench/charts.sh        (ROUNDS=5 page loads by default)
# Needs: go, chromium, rrdtool.
set -eu
cd "$(dirname "$0")/.."
for tool in go chromium rrdtool python3; do
	command -v $tool >/dev/null || { echo "bench/charts.sh: $tool is not installed" >&2; exit 1; }
done
ROUNDS=${ROUNDS:-5}
T=$(mktemp -d /tmp/rogue-bench-charts.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

echo "== ours: page load in headless chromium ($ROUNDS rounds)"
go test -run '^$' -bench 'PageLoad14Days|Data14Days' -benchtime "${ROUNDS}x" ./charts | tee "$T/bench.txt"
OURS_MS=$(awk '/BenchmarkPageLoad14Days/ { for (i = 1; i < NF; i++) if ($(i+1) == "ms-to-drawn") print $i }' "$T/bench.txt")
OURS_CPU=$(awk '/BenchmarkPageLoad14Days/ { for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ms") print $i }' "$T/bench.txt")
BLANK_MS=$(awk '/BenchmarkPageLoad14Days/ { for (i = 1; i < NF; i++) if ($(i+1) == "ms-blank") print $i }' "$T/bench.txt")
BLANK_CPU=$(awk '/BenchmarkPageLoad14Days/ { for (i = 1; i < NF; i++) if ($(i+1) == "cpu-ms-blank") print $i }' "$T/bench.txt")
OURS_REQ=$(awk '/BenchmarkPageLoad14Days/ { for (i = 1; i < NF; i++) if ($(i+1) == "requests") print $i }' "$T/bench.txt")
OURS_KB=$(awk '/BenchmarkPageLoad14Days/ { for (i = 1; i < NF; i++) if ($(i+1) == "bytes-received") printf "%.1f", $i / 1024 }' "$T/bench.txt")

echo "== peer: rrdtool graph, the same six charts as PNG"
go run ./tools/planthistory --prefix "$T/db" --days 14 >/dev/null
END=$(date +%s)
START=$((END - 14 * 86400))
graph() { # name, then DEF/LINE pairs
	out=$1; shift
	rrdtool graph "$T/$out.png" --start $START --end $END --width 480 --height 160 "$@" >/dev/null
}
line() { # metric ds colour
	echo "DEF:$1=$T/db/$1.rrd:$2:AVERAGE LINE1:$1#$3:$1"
}
peer_once() {
	graph cpu $(line CPUPercent CPUPercent 0a64d8)
	graph memory $(line MemoryPercent MemoryPercent 0a64d8)
	graph disk-bytes $(line DiskReadBytes DiskReadBytes 0a64d8) $(line DiskWriteBytes DiskWriteBytes 1f9d55)
	graph disk-time $(line DiskReadTime DiskReadTime 0a64d8) $(line DiskWriteTime DiskWriteTime 1f9d55)
	graph network $(line NetworkBytesSent NetworkBytesSent 0a64d8) $(line NetworkBytesReceived NetworkBytesReceive 1f9d55)
	graph keys $(line KeyCount KeyCount 0a64d8) $(line KeyDownDown KeyDownDown 1f9d55) $(line KeyUpDown KeyUpDown 8a4fd8) \
		$(line KeyHold KeyHold d98a00) $(line KeySpeed KeySpeed 0097a7)
}
# The peer's time: the six rrdtool graph runs, mean of ROUNDS, wall and CPU
# (the children's user + system time, from the shell's times).
children_ms() { # the children's user + system ms in the output of times
	tail -1 "$1" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/)
		printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }'
}
times >"$T/times0"
total=0
for _ in $(seq "$ROUNDS"); do
	t0=$(date +%s%N)
	peer_once
	t1=$(date +%s%N)
	total=$((total + (t1 - t0) / 1000000))
done
times >"$T/times1"
best=$((total / ROUNDS))
PEER_CPU=$((($(children_ms "$T/times1") - $(children_ms "$T/times0")) / ROUNDS))
PEER_KB=$(du -ck "$T"/*.png | tail -1 | cut -f1)

echo
printf '%-44s %10s %10s %10s\n' "" "ours" "rrdtool" "blank page"
printf '%-44s %10s %10s %10s\n' "6 charts of 14 days x 13 metrics, wall ms" "$OURS_MS" "$best" "$BLANK_MS"
printf '%-44s %10s %10s %10s\n' "the same, CPU ms (all processes)" "$OURS_CPU" "$PEER_CPU" "$BLANK_CPU"
printf '%-44s %10s %10s\n' "bytes to the viewer, KB" "$OURS_KB" "$PEER_KB"
printf '%-44s %10s\n' "requests" "$OURS_REQ"
python3 -c "import sys; o, p = float(sys.argv[1]), float(sys.argv[2]); print('ratio ours/rrdtool (time): %.2f' % (o / p if p else float('nan')))" "$OURS_MS" "$best"
python3 -c "import sys; o, b = float(sys.argv[1]), float(sys.argv[2]); print('the page beyond the blank one: %.0f ms' % (o - b))" "$OURS_MS" "$BLANK_MS"
echo "goals: <= 300 ms, <= 300 KB; machine load: $(cut -d' ' -f1-3 /proc/loadavg)"
