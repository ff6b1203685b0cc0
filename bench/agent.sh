#!/bin/sh
# bench/agent.sh — run `rogue agent` and collectd (cpu, memory, disk,
# interface and rrdtool plugins) side by side at a 1 s interval and compare
# what each costs per tick: CPU seconds (utime+stime from /proc/PID/stat,
# and on-CPU time from /proc/PID/task/*/schedstat, which has nanosecond
# resolution), resident memory (VmRSS, VmHWM) and voluntary context switches
# (summed over the process's threads: how often it woke up).
#
# Both write RRD files into their own temporary folders and start together;
# the figures are the difference between two readings DURATION seconds apart,
# taken after a WARMUP that lets both create their files. The agent runs
# without a display (no key tap), as collectd has none either.
#
# Usage: bench/agent.sh [DURATION [WARMUP]]    (defaults: 60 5)
set -eu
ROGUE_ENV=${ROGUE_ENV:-}
DURATION=${1:-60}
WARMUP=${2:-5}
cd "$(dirname "$0")/.."
. bench/collectd.sh
command -v collectd >/dev/null || { echo "collectd is not installed (Debian: collectd-core)" >&2; exit 1; }

work=$(mktemp -d)
rogue_pid=
collectd_pid=
cleanup() {
	[ -n "$rogue_pid" ] && kill "$rogue_pid" 2>/dev/null || true
	[ -n "$collectd_pid" ] && kill "$collectd_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
go build -o "$work/rogue" ./app

mkdir -p "$work/rogue-db"
collectd_conf "$work"

env -u DISPLAY $ROGUE_ENV "$work/rogue" agent --prefix "$work/rogue-db" --interval 1 2> "$work/rogue.log" &
rogue_pid=$!
collectd -f -C "$work/collectd.conf" > "$work/collectd.log" 2>&1 &
collectd_pid=$!
sleep "$WARMUP"
for p in $rogue_pid $collectd_pid; do
	kill -0 "$p" 2>/dev/null || { echo "process $p died:" >&2; cat "$work/rogue.log" "$work/collectd.log" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
# reading PID prints: cpu_jiffies schedstat_ns voluntary_switches rss_kb hwm_kb
reading() {
	jiffies=$(awk '{print $14 + $15}' "/proc/$1/stat")
	ns=$(cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d", s}')
	vol=$(cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ {s += $2} END {print s}')
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$1/status")
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$1/status")
	echo "$jiffies $ns $vol $rss $hwm"
}
r0=$(reading $rogue_pid)
c0=$(reading $collectd_pid)
sleep "$DURATION"
r1=$(reading $rogue_pid)
c1=$(reading $collectd_pid)
threads_r=$(ls /proc/$rogue_pid/task | wc -l)
threads_c=$(ls /proc/$collectd_pid/task | wc -l)
kill -TERM $rogue_pid
wait $rogue_pid || { echo "rogue agent did not exit cleanly" >&2; cat "$work/rogue.log" >&2; exit 1; }
rogue_pid=

ticks_r=$(ls "$work/rogue-db"/*.rrd | wc -l)
echo "rogue agent: $ticks_r RRD files; collectd: $(find "$work/collectd/rrd" -name '*.rrd' | wc -l) RRD files"
echo "window: $DURATION s at a 1 s interval = $DURATION ticks each"
echo "$r0 $r1 $c0 $c1 $threads_r $threads_c" | awk -v hz="$hz" -v n="$DURATION" '{
	rj = ($6 - $1) / hz; rn = ($7 - $2) / 1e9; rv = ($8 - $3)
	cj = ($16 - $11) / hz; cn = ($17 - $12) / 1e9; cv = ($18 - $13)
	printf "%-12s %14s %14s %12s %9s %9s %8s\n", "", "CPU s/tick", "on-CPU s/tick", "wakeups/tick", "RSS MB", "peak MB", "threads"
	printf "%-12s %14.6f %14.6f %12.2f %9.1f %9.1f %8d\n", "rogue agent", rj / n, rn / n, rv / n, $9 / 1024, $10 / 1024, $21
	printf "%-12s %14.6f %14.6f %12.2f %9.1f %9.1f %8d\n", "collectd", cj / n, cn / n, cv / n, $19 / 1024, $20 / 1024, $22
	if (cj > 0) printf "CPU ratio rogue/collectd (stat):     %.2f\n", rj / cj
	if (cn > 0) printf "CPU ratio rogue/collectd (schedstat): %.2f\n", rn / cn
	printf "goals: CPU ratio <= 0.5, rogue RSS <= 20 MB, about 1 wake-up per tick\n"
}'
