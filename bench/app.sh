#!/bin/sh
# bench/app.sh: the menu-bar app's costs, on a private D-Bus session bus and
# a real Debian carbon-cache, side by side in one run with collectd (cpu,
# memory, disk, interface and rrdtool plugins at a 1 s interval) and with
# the floor any tray app pays: a bare fyne.io/systray item (bench/traypeer).
#
#   1. start to tray item registered on D-Bus (goal <= 150 ms at every
#      step): the time from exec to the bus announcing
#      org.kde.StatusNotifierItem-<pid>-1, seen by dbus-monitor; the first
#      start (13 RRD files missing, created in the background) and warm
#      starts, at a 1 s and a 60 s step.
#   2. CPU, side by side over the same CMP seconds, all running at once:
#      collectd at 1 s; rogue at the default settings (60 s step, live
#      display every 2 s, forwarding on); rogue at a 1 s step with forwarding
#      on; `rogue agent` at 1 s. Goals: rogue at defaults <= 0.1 % of a core,
#      rogue at 1 s <= 0.5 x collectd. CPU is on-CPU time of every thread
#      (/proc/PID/task/*/schedstat, nanoseconds).
#   3. RSS of each at the end of that window (goal <= 20 MB) and of the bare
#      tray peer; with LONG=SECONDS, RSS of rogue at 1 s over a long run
#      (goal: flat).
#   4. peak RSS (VmHWM) of a first start at a 1 s step with forwarding on
#      and 14 days of history planted (tools/planthistory), the whole
#      backlog to forward (goal <= 25 MB), over its first PEAK seconds; and
#      the CPU of a start at the 60 s step with 14 days planted until its 13
#      anomaly detectors have warmed up (goal <= 1 s, start included).
#
# Every figure with a goal is printed with its goal and PASS or MISS.
#
# Usage: bench/app.sh        (CMP=60 seconds after WARMUP=65, RUNS=5 warm
#                             starts, LONG=0, PEAK=30)
# Needs: go, dbus-daemon, dbus-monitor, carbon-cache (graphite-carbon),
# collectd (collectd-core), python3.
set -eu
# The whole script is one block, read before it runs: editing the file
# during a long run cannot change what runs.
{
cd "$(dirname "$0")/.."
. bench/collectd.sh
for tool in go dbus-daemon dbus-monitor carbon-cache collectd python3; do
	command -v $tool >/dev/null || { echo "bench/app.sh: $tool is not installed" >&2; exit 1; }
done

CMP=${CMP:-60}
RUNS=${RUNS:-5}
LONG=${LONG:-0}
PEAK=${PEAK:-30}
T=$(mktemp -d /tmp/rogue-bench-app.XXXXXX)
PIDS=
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

echo "== building rogue and the bare-systray peer (from this module)"
go build -o "$T/rogue" ./app
go build -o "$T/peer" ./bench/traypeer
go build -o "$T/plant" ./tools/planthistory

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

# home NAME INTERVAL: a fresh home for rogue with forwarding on to carbon.
home() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/.config/rogue"
	printf '{"interval": %s, "server": "http://127.0.0.1", "port": %s, "forwarding": true}\n' \
		"$2" "$CARBON_PORT" > "$T/$1/.config/rogue/settings.json"
}
# in_home NAME CMD...: runs CMD in that home. Only ever called in the
# background (&): it execs, so that $! is the command's own pid.
in_home() {
	H="$T/$1"
	shift
	mkdir -p "$H/run"
	chmod 700 "$H/run"
	exec env HOME="$H" XDG_CONFIG_HOME="$H/.config" XDG_DATA_HOME="$H/.local/share" \
		XDG_STATE_HOME="$H/.local/state" XDG_RUNTIME_DIR="$H/run" DISPLAY= "$@"
}

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
	# Let a first start finish creating its files before stopping it.
	sleep 1
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
# verdict VALUE GOAL: PASS when VALUE <= GOAL, else MISS.
verdict() { awk -v v="$1" -v g="$2" 'BEGIN {print (v + 0 <= g + 0 ? "PASS" : "MISS")}'; }

echo
echo "== 1. start to tray registered on D-Bus (goal <= 150 ms at every step)"
[ "$RUNS" -gt 0 ] && for step in 1 60; do
	home "start$step" "$step"
	first=$(registered_ms in_home "start$step" "$T/rogue")
	: > "$T/ours.ms"
	for i in $(seq "$RUNS"); do
		registered_ms in_home "start$step" "$T/rogue" >> "$T/ours.ms"
	done
	med=$(median < "$T/ours.ms")
	echo "rogue at a $step s step: first start (13 RRD files to create) $first ms   (goal <= 150) $(verdict "$first" 150)"
	echo "rogue at a $step s step: warm start, median of $RUNS: $med ms   (goal <= 150) $(verdict "$med" 150)   ($(tr '\n' ' ' < "$T/ours.ms"))"
done
[ "$RUNS" -gt 0 ] && : > "$T/peer.ms" && for i in $(seq "$RUNS"); do registered_ms "$T/peer" >> "$T/peer.ms"; done
[ "$RUNS" -gt 0 ] && echo "bare systray peer, median of $RUNS: $(median < "$T/peer.ms") ms   ($(tr '\n' ' ' < "$T/peer.ms"))"

echo
echo "== 2. CPU over the same $CMP s, side by side (all running at once)"

collectd_conf "$T"
home defaults 60
home step1 1
home agent1 1
collectd -f -C "$T/collectd.conf" >"$T/collectd.log" 2>&1 &
p_collectd=$!
in_home defaults "$T/rogue" >"$T/defaults.log" 2>&1 &
p_defaults=$!
in_home step1 "$T/rogue" >"$T/step1.log" 2>&1 &
p_step1=$!
in_home agent1 "$T/rogue" agent --interval 1 --prefix "$T/agent1/db" >"$T/agent1.log" 2>&1 &
p_agent=$!
PIDS="$PIDS $p_collectd $p_defaults $p_step1 $p_agent"
# Past the first minute: files created, collectors primed, and the first
# tick's one-off work at the 60 s step done (the first delivery reads the
# whole archive when there is no cursor yet): the window is steady state.
sleep "${WARMUP:-65}"
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
for p in $p_collectd $p_defaults $p_step1 $p_agent; do
	kill -0 "$p" 2>/dev/null || { echo "process $p died" >&2; cat "$T"/*.log >&2; exit 1; }
done
c0=$(cpu_ns $p_collectd); d0=$(cpu_ns $p_defaults); s0=$(cpu_ns $p_step1); a0=$(cpu_ns $p_agent)
sleep "$CMP"
c1=$(cpu_ns $p_collectd); d1=$(cpu_ns $p_defaults); s1=$(cpu_ns $p_step1); a1=$(cpu_ns $p_agent)
rc=$(rss_kb $p_collectd); rd=$(rss_kb $p_defaults); rs=$(rss_kb $p_step1); ra=$(rss_kb $p_agent)
for p in $p_defaults $p_step1 $p_agent; do kill -INT $p; done
kill $p_collectd
wait $p_defaults $p_step1 $p_agent $p_collectd 2>/dev/null || true
refresh=$(grep 'msg="menu refreshes"' "$T/defaults.log" | tail -1 | sed 's/.*count=\([0-9]*\).*mean_us=\([0-9]*\) max_us=\([0-9]*\) mean_cpu_us=\([-0-9]*\).*/\1 refreshes, mean \2 µs wall (max \3 µs), mean \4 µs CPU/')
sent=$(sed -n 's/.*msg="Rogue stopped" points_sent=\([0-9]*\).*/\1/p' "$T/step1.log")
python3 - "$CMP" "$c0" "$c1" "$d0" "$d1" "$s0" "$s1" "$a0" "$a1" "$rc" "$rd" "$rs" "$ra" <<'PY'
import sys
n = float(sys.argv[1])
v = [int(x) for x in sys.argv[2:]]
rows = [
    ("collectd, 1 s", v[1] - v[0], v[8]),
    ("rogue, defaults (60 s step, live every 2 s)", v[3] - v[2], v[9]),
    ("rogue, 1 s step, forwarding on", v[5] - v[4], v[10]),
    ("rogue agent, 1 s", v[7] - v[6], v[11]),
]
print("%-46s %12s %12s %9s" % ("", "ms CPU / s", "% of a core", "RSS MB"))
for name, ns, rss in rows:
    print("%-46s %12.3f %12.3f %9.1f" % (name, ns / 1e6 / n, ns / 1e9 / n * 100, rss / 1024))
col = rows[0][1]
verdict = lambda v, g: "PASS" if v <= g else "MISS"
r = rows[1][1] / col
print("ratio rogue defaults / collectd: %.2f   (goal <= 0.5) %s" % (r, verdict(r, 0.5)))
r = rows[2][1] / col
print("ratio rogue 1 s step / collectd: %.2f   (goal <= 0.5) %s" % (r, verdict(r, 0.5)))
r = rows[1][1] / 1e9 / n * 100
print("rogue at defaults: %.3f %% of a core   (goal <= 0.1 %%) %s" % (r, verdict(r, 0.1)))
for name, _, rss in rows[1:]:
    print("RSS of %s: %.1f MB   (goal <= 20) %s" % (name, rss / 1024, verdict(rss / 1024, 20)))
PY
echo "rogue at defaults, in-process menu refreshes: $refresh"
echo "rogue at 1 s: points sent to carbon: ${sent:-?}"

echo
echo "== 3. RSS (goal <= 20 MB)"
peer_rss=$(
	"$T/peer" >/dev/null 2>&1 &
	p=$!
	sleep 2
	rss_kb $p
	kill -INT $p
	wait $p 2>/dev/null || true
)
echo "bare systray peer: $((peer_rss / 1024)).$(((peer_rss % 1024) * 10 / 1024)) MB (rogue's figures are above)"
if [ "$LONG" -gt 0 ]; then
	home long 1
	in_home long "$T/rogue" >"$T/long.out" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	sleep 10
	r0=$(rss_kb $pid)
	sleep $((LONG / 2))
	r1=$(rss_kb $pid)
	sleep $((LONG - LONG / 2))
	r2=$(rss_kb $pid)
	kill -INT $pid
	wait $pid || true
	echo "rogue at 1 s over $LONG s: RSS $((r0 / 1024)) MB at 10 s, $((r1 / 1024)) MB at half, $((r2 / 1024)) MB at the end"
fi

echo
echo "== 4. a first start with 14 days of history"
# At a 1 s step, forwarding on, nothing forwarded yet: 13 x 1.2 M rows to
# send, the detectors to warm, the day's anomalies to list.
home peak 1
"$T/plant" --prefix "$T/peak/.local/share/rogue/db" --days 14 --step 1s
in_home peak "$T/rogue" --headless >"$T/peak.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
sleep "$PEAK"
kill -0 $pid 2>/dev/null || { echo "rogue died" >&2; cat "$T/peak.log" >&2; exit 1; }
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
kill -INT $pid
wait $pid || true
sent=$(sed -n 's/.*written=\([0-9]*\).*/\1/p; s/.*points_sent=\([1-9][0-9]*\).*/\1/p' "$T/peak.log" | head -1)
mb=$(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}')
echo "peak RSS (VmHWM) over the first $PEAK s at a 1 s step, forwarding a 14-day backlog: $mb MB   (goal <= 25) $(verdict "$mb" 25)   (${sent:-?} points sent meanwhile)"
rm -rf "$T/peak"
# At the default 60 s step: 14 days are the detectors' whole warm-up.
home warm 60
echo '{"interval": 60}' > "$T/warm/.config/rogue/settings.json"
"$T/plant" --prefix "$T/warm/.local/share/rogue/db" --days 14 --step 60s
in_home warm "$T/rogue" --headless >"$T/warm.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
i=0
until grep -q 'anomaly detectors warmed up' "$T/warm.log"; do
	sleep 0.01
	i=$((i + 1))
	[ $i -lt 3000 ] || { echo "never warmed up" >&2; cat "$T/warm.log" >&2; exit 1; }
done
ns=$(cpu_ns $pid)
kill -INT $pid
wait $pid || true
s=$(awk -v n="$ns" 'BEGIN {printf "%.3f", n / 1e9}')
echo "CPU from exec to 13 detectors warmed from 14 days (60 s step; $(sed -n 's/.*warmed up" samples=\([0-9]*\).*/\1/p' "$T/warm.log") samples): $s s   (goal <= 1) $(verdict "$s" 1)"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
}
