#!/bin/sh
# bench/app.sh: the menu-bar app's costs, on a private D-Bus session bus and
# a real Debian carbon-cache, side by side with the floor any tray app pays:
# a minimal fyne.io/systray program (one menu item, nothing else).
#
#   1. start to tray item registered on D-Bus (goal <= 150 ms): the time from
#      exec to the bus announcing org.kde.StatusNotifierItem-<pid>-1, seen by
#      dbus-monitor; first start (creates the 13 RRD files) and warm starts.
#   2. menu refresh per tick (goal <= 1 ms of CPU): go test -bench of the
#      tray's rendering and diffing; the app's own measurement of each
#      refresh (rendering + the tray library's D-Bus updates; wall and
#      thread CPU time), logged at exit; and, for scale, the whole process's
#      CPU time per tick with the menu and with --headless, CMP seconds each.
#   3. a DURATION-second run at a 1 s interval with forwarding on to carbon
#      (goal: RSS <= 20 MB and flat): RSS at start, middle and end.
#
# Usage: bench/app.sh [DURATION_SECONDS]   (default 600; CMP=60, RUNS=5)
# Needs: go, dbus-daemon, dbus-monitor, carbon-cache (graphite-carbon), python3.
set -eu
# The whole script is one block, read before it runs: editing the file
# during a long run cannot change what runs.
{
cd "$(dirname "$0")/.."
for tool in go dbus-daemon dbus-monitor carbon-cache python3; do
	command -v $tool >/dev/null || { echo "bench/app.sh: $tool is not installed" >&2; exit 1; }
done

DURATION=${1:-600}
CMP=${CMP:-60}
RUNS=${RUNS:-5}
T=$(mktemp -d /tmp/rogue-bench-app.XXXXXX)
PIDS=
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

echo "== building rogue and the bare-systray peer"
go build -o "$T/rogue" ./app
mkdir -p "$T/peer"
cat > "$T/peer/main.go" <<'GO'
// The floor of a tray app: fyne.io/systray with one item, quitting on SIGINT.
package main

import (
	"os"
	"os/signal"

	"fyne.io/systray"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	systray.Run(func() {
		systray.SetTitle("peer")
		systray.AddMenuItem("Quit", "")
		go func() { <-sig; systray.Quit() }()
	}, nil)
}
GO
printf 'module peer\n\ngo 1.25\n\nrequire fyne.io/systray v1.12.2\n' > "$T/peer/go.mod"
cp go.sum "$T/peer/go.sum"
(cd "$T/peer" && GOFLAGS=-mod=mod GOPROXY=off go build -o "$T/peer/peer" .)

echo "== starting a private session bus and carbon-cache"
cat > "$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$T/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
EOF
dbus-daemon --config-file="$T/bus.conf" --nofork --print-address >"$T/bus.addr" 2>/dev/null &
PIDS="$PIDS $!"
while [ ! -s "$T/bus.addr" ]; do sleep 0.05; done
export DBUS_SESSION_BUS_ADDRESS="unix:path=$T/bus"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
CARBON_PORT=$(free_port)
mkdir -p "$T/carbon/whisper" "$T/carbon/log"
cat > "$T/carbon/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $T/carbon
LOCAL_DATA_DIR = $T/carbon/whisper
WHITELISTS_DIR = $T/carbon/lists
CONF_DIR = $T/carbon
LOG_DIR = $T/carbon/log
PID_DIR = $T/carbon
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 10000
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $(free_port)
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $(free_port)
LOG_UPDATES = False
EOF
printf '[default]\npattern = .*\nretentions = 1s:1d\n' > "$T/carbon/storage-schemas.conf"
carbon-cache --config="$T/carbon/carbon.conf" --nodaemon --pidfile="$T/carbon/pid" \
	--logdir="$T/carbon/log" start >"$T/carbon/out" 2>&1 &
PIDS="$PIDS $!"
until python3 -c "import socket;socket.create_connection(('127.0.0.1',$CARBON_PORT),1)" 2>/dev/null; do sleep 0.1; done

# A fresh home for rogue: settings with forwarding on to carbon.
H="$T/home"
mkdir -p "$H/.config/rogue"
printf '{"interval": 1, "heartbeat": 600, "server": "http://127.0.0.1", "port": %s, "forwarding": true}\n' \
	"$CARBON_PORT" > "$H/.config/rogue/settings.json"
# run_env CMD...: runs CMD in that home. Only ever called in the background
# (&): it execs, so that $! is rogue's own pid.
run_env() { exec env HOME="$H" XDG_CONFIG_HOME="$H/.config" XDG_DATA_HOME="$H/.local/share" \
	XDG_STATE_HOME="$H/.local/state" XDG_RUNTIME_DIR="$T" DISPLAY= "$@"; }

# registered_ms CMD...: starts CMD, waits for its StatusNotifierItem name on
# the bus, prints the milliseconds from exec to the bus's announcement, and
# stops it again.
registered_ms() {
	rm -f "$T/mon"
	dbus-monitor "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'" >"$T/mon" 2>/dev/null &
	mon=$!
	sleep 0.3
	start=$(date +%s.%N)
	"$@" >"$T/run.out" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	name="org.kde.StatusNotifierItem-$pid-1"
	i=0
	until grep -q "\"$name\"" "$T/mon" 2>/dev/null; do
		sleep 0.02
		i=$((i + 1))
		[ $i -lt 1500 ] || { echo "never registered: $*" >&2; cat "$T/run.out" >&2; kill $pid $mon; return 1; }
	done
	kill -INT $pid
	wait $pid || true
	kill $mon 2>/dev/null || true
	wait $mon 2>/dev/null || true
	# The signal's header line, two lines above the name, carries its time.
	at=$(grep -B1 "\"$name\"" "$T/mon" | head -1 | sed -n 's/.*time=\([0-9.]*\).*/\1/p')
	[ -n "$at" ] || at=$(grep -B2 "\"$name\"" "$T/mon" | head -1 | sed -n 's/.*time=\([0-9.]*\).*/\1/p')
	python3 -c "print(round(($at - $start) * 1000, 1))"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo
echo "== 1. start to tray registered on D-Bus (goal <= 150 ms)"
first=$(registered_ms run_env "$T/rogue" --interval 1)
echo "rogue, first start (creates 13 RRD files): $first ms"
: > "$T/ours.ms"; : > "$T/peer.ms"
for i in $(seq "$RUNS"); do
	registered_ms run_env "$T/rogue" --interval 1 >> "$T/ours.ms"
	registered_ms "$T/peer/peer" >> "$T/peer.ms"
done
ours=$(median < "$T/ours.ms"); peer=$(median < "$T/peer.ms")
echo "rogue, warm start, median of $RUNS: $ours ms   ($(tr '\n' ' ' < "$T/ours.ms"))"
echo "bare systray peer, median of $RUNS: $peer ms   ($(tr '\n' ' ' < "$T/peer.ms"))"
python3 -c "print('ratio rogue/peer: %.2f' % ($ours / $peer))"

echo
echo "== 2. menu refresh per tick (goal <= 1 ms CPU)"
go test -run '^$' -bench 'Render|RefreshTick' -benchtime 2000x ./tray | grep Benchmark

# cpu_ticks PID: utime+stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cpu_ns PID: CPU time of all the process's threads in nanoseconds
# (schedstat), finer than clock ticks.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d\n", s}'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)

# cpu_per_tick ARGS...: runs rogue CMP seconds, prints ms of CPU per tick
# after the first 5 s (startup excluded).
cpu_per_tick() {
	run_env "$T/rogue" --interval 1 "$@" >"$T/cmp.out" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	sleep 5
	c0=$(cpu_ns $pid)
	sleep "$CMP"
	c1=$(cpu_ns $pid)
	kill -INT $pid
	wait $pid || true
	python3 -c "print('%.2f' % (($c1 - $c0) / 1e6 / $CMP))"
}
tray_cpu=$(cpu_per_tick)
refresh=$(grep 'msg="menu refreshes"' "$T/cmp.out" | tail -1 | sed 's/.*count=\([0-9]*\).*mean_us=\([0-9]*\) max_us=\([0-9]*\) mean_cpu_us=\([-0-9]*\).*/\1 refreshes, mean \2 µs wall (max \3 µs), mean \4 µs CPU/')
headless_cpu=$(cpu_per_tick --headless)
echo "in-process, each menu refresh (render + D-Bus updates): $refresh"
echo "whole process, CPU per 1 s tick over ${CMP} s: with menu $tray_cpu ms, headless $headless_cpu ms"
echo "  (collection and forwarding dominate and vary by more than the menu costs; the in-process figure is the menu's)"

echo
echo "== 3. ${DURATION} s at a 1 s interval, forwarding on to carbon (goal: RSS <= 20 MB, flat)"
run_env "$T/rogue" --interval 1 >"$T/long.out" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
sleep 10
r0=$(rss_kb $pid); c0=$(cpu_ticks $pid)
echo "start  (10 s):  RSS $((r0 / 1024)).$(((r0 % 1024) * 10 / 1024)) MB"
half=$((DURATION / 2))
[ "$half" -gt 10 ] && sleep $((half - 10))
r1=$(rss_kb $pid)
echo "middle ($half s): RSS $((r1 / 1024)).$(((r1 % 1024) * 10 / 1024)) MB"
sleep $((DURATION - half))
r2=$(rss_kb $pid); c2=$(cpu_ticks $pid)
echo "end    ($DURATION s): RSS $((r2 / 1024)).$(((r2 % 1024) * 10 / 1024)) MB"
kill -INT $pid
wait $pid || true
grep -E 'level=(WARN|ERROR)' "$T/long.out" | grep -v 'key events' | head -5 || true
sent=$(sed -n 's/.*msg="Rogue stopped" points_sent=\([0-9]*\).*/\1/p' "$T/long.out")
echo "points sent to carbon: ${sent:-?}; whisper files: $(ls "$T/carbon/whisper" | wc -l)"
python3 -c "print('CPU over the run: %.2f ms per tick' % (($c2 - $c0) * 1000.0 / $HZ / ($DURATION - 10)))"
peer_rss=$(
	"$T/peer/peer" >/dev/null 2>&1 &
	p=$!
	sleep 2
	rss_kb $p
	kill -INT $p
	wait $p 2>/dev/null || true
)
echo "bare systray peer RSS: $((peer_rss / 1024)).$(((peer_rss % 1024) * 10 / 1024)) MB; rogue end/peer: $(python3 -c "print('%.2f' % ($r2 / $peer_rss))")"
exit 0
}
