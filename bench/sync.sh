#!/bin/sh
# bench/sync.sh: forwarding and CSV export of a 14-day backlog of all 13
# metrics at a 60 s step (13 x 20,160 = 262,080 points), ours (rogue forward,
# rogue export) side by side with numenta-rogue's way (rrdtool fetch per
# metric, parsed in Python, one socket / csv.writer), against a real Debian
# carbon-cache on a free loopback port. Goals: forward <= 1 s (until the
# server closed the connection), export <= 0.5 s.
#
# Then memory: the first forward and export of a 14-day backlog at a 1 s
# step (13 x 1,209,600 = 15.7 M rows), peak RSS (VmHWM, by GNU time) of
# rogue and of numenta-rogue's way. Goal: rogue <= 25 MB. (This part lives
# here rather than in bench/app.sh, which another part of the work owns;
# the app runs the same forwarder.) numenta-rogue's way needs minutes for
# this part (13 min on a loaded 2-core machine); SKIP_1S=1 leaves it out.
#
# Needs: go, rrdtool, carbon-cache (graphite-carbon), python3, GNU time.
set -eu
cd "$(dirname "$0")/.."
for tool in go rrdtool carbon-cache python3 /usr/bin/time; do
	command -v $tool >/dev/null || { echo "bench/sync.sh: $tool is not installed" >&2; exit 1; }
done

ROUNDS=${ROUNDS:-3}
T=$(mktemp -d /tmp/rogue-bench-sync.XXXXXX)
CARBON_PID=
NULL_PID=
cleanup() {
	for pid in $CARBON_PID $NULL_PID; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

go build -o "$T/rogue" ./app

# The backlog, made by rrdtool as numenta-rogue's agent made its files (but
# with 14 days of rows at 60 s).
ROWS=20160
NOW=$(date +%s)
END=$((NOW / 60 * 60 - 60))
FIRST=$((END - (ROWS - 1) * 60))
METRICS="CPUPercent MemoryPercent DiskReadBytes DiskWriteBytes DiskReadTime DiskWriteTime NetworkBytesSent NetworkBytesReceived KeyCount KeyDownDown KeyUpDown KeyHold KeySpeed"
mkdir -p "$T/ours" "$T/peer"
echo "making the backlog: 13 x $ROWS rows..."
i=0
for m in $METRICS; do
	rrdtool create "$T/ours/$m.rrd" --step 60 --start $((FIRST - 60)) \
		"DS:$(echo $m | cut -c1-19):GAUGE:600:0:U" "RRA:AVERAGE:0.5:1:$ROWS"
	python3 -c "
import math,sys
f,n,s=int(sys.argv[1]),int(sys.argv[2]),int(sys.argv[3])
print(' '.join('%d:%r' % (f+60*k, 50+49*math.sin((k+s)/10.0)+k/1000.0) for k in range(n)))" \
		$FIRST $ROWS $i | xargs rrdtool update "$T/ours/$m.rrd"
	i=$((i + 1))
done
cp "$T"/ours/*.rrd "$T/peer/"
# The peer starts where numenta-rogue's cursor would say "everything".
for m in $METRICS; do printf %s $((FIRST - 60)) > "$T/peer/$m.pos"; printf %s $((FIRST - 60)) > "$T/peer/$m-csv.pos"; done

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# numenta-rogue's rogue-forward / rogue-export, as their source does it:
# rrdtool fetch AVERAGE --start <pos>, lines "name value ts" (str(float)),
# sendall, shutdown, wait for the close; csv.writer rows.
cat > "$T/peer.py" <<'PY'
import csv, math, os, socket, subprocess, sys, time
mode, prefix, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sys.argv[4].split()
def fetch(name, pos):
    out = subprocess.check_output(["rrdtool", "fetch", os.path.join(prefix, name + ".rrd"), "AVERAGE", "--start", pos]).decode()
    for line in out.splitlines():
        parts = line.split(":")
        if len(parts) == 2:
            yield parts[0].strip(), parts[1].strip()
t0 = time.time()
n = 0
if mode == "forward":
    s = socket.create_connection(("127.0.0.1", port))
    for name in names:
        pos = open(os.path.join(prefix, name + ".pos")).read()
        for ts, v in fetch(name, pos):
            try:
                v = float(v)
            except ValueError:
                continue
            if not math.isnan(v):
                s.sendall(("%s %s %s\n" % (name, v, ts)).encode()); n += 1
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
else:
    for name in names:
        pos = open(os.path.join(prefix, name + "-csv.pos")).read()
        with open(os.path.join(prefix, name + ".csv"), "a", newline="") as f:
            w = csv.writer(f)
            for ts, v in fetch(name, pos):
                try:
                    v = float(v)
                except ValueError:
                    continue
                w.writerow((name, v, ts)); n += 1
print("%d %.3f" % (n, time.time() - t0))
PY

echo
echo "export to CSV:"
a=$(now_ms)
"$T/rogue" export --prefix "$T/ours"
b=$(now_ms)
OURS_EXP=$(python3 -c "print('%.3f' % (($b-$a)/1000))")
a=$(now_ms)
"$T/rogue" export --prefix "$T/ours" --out "$T/folder" --since $((FIRST - 60)) --until $END
b=$(now_ms)
OURS_DIR=$(python3 -c "print('%.3f' % (($b-$a)/1000))")
set -- $(python3 "$T/peer.py" export "$T/peer" 0 "$METRICS")
PEER_EXP_N=$1 PEER_EXP=$2
echo "numenta-rogue way: wrote $PEER_EXP_N rows in $PEER_EXP s"
echo "rows: ours $(cat "$T"/ours/*.csv | wc -l), numenta-rogue way $(cat "$T"/peer/*.csv | wc -l)"

# start_null_listener starts a listener on a free loopback port that only
# reads to the end and closes (what remains is the client's own cost:
# reading RRDs, formatting, sending), waits until it accepts, and sets
# NULL_PORT and NULL_PID.
start_null_listener() {
NULL_PORT=$(free_port)
python3 - "$NULL_PORT" > /dev/null 2>&1 <<'PY' &
import socket, sys, threading
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1]))); ls.listen(8)
def serve(c):
    while c.recv(1 << 20):
        pass
    c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
NULL_PID=$!
python3 - "$NULL_PORT" <<'PY'
import socket,sys,time
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("null listener did not start")
PY
}

# A listener that only reads to the end and closes: what remains is the
# client's own cost (reading RRDs, formatting, sending).
start_null_listener

echo
echo "forward to a reading-only listener (the client's own cost):"
"$T/rogue" forward --server 127.0.0.1 --port "$NULL_PORT" --prefix "$T/ours" | tee "$T/ours-null.out"
OURS_NULL=$(python3 -c "import re,sys;print(re.search(r'in ([0-9.]+) s',open(sys.argv[1]).read()).group(1))" "$T/ours-null.out")
set -- $(python3 "$T/peer.py" forward "$T/peer" "$NULL_PORT" "$METRICS")
PEER_NULL=$2
echo "numenta-rogue way: sent $1 points in $PEER_NULL s"
kill $NULL_PID 2>/dev/null || true
NULL_PID=
rm -f "$T"/ours/*.pos
for m in $METRICS; do printf %s $((FIRST - 60)) > "$T/peer/$m.pos"; done

# start_carbon DIR: carbon-cache with its own storage in DIR, on free
# loopback ports; sets PORT and CARBON_PID.
start_carbon() {
	PORT=$(free_port)
	mkdir -p "$1/whisper" "$1/log" "$1/run" "$1/lists"
	cat > "$1/carbon.conf" <<CONF
[cache]
STORAGE_DIR = $1/
LOCAL_DATA_DIR = $1/whisper/
WHITELISTS_DIR = $1/lists/
CONF_DIR = $1/
LOG_DIR = $1/log/
PID_DIR = $1/run/
DATABASE = whisper
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = ${CARBON_MAX_UPDATES:-500}
MAX_CREATES_PER_MINUTE = 100000
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $(free_port)
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $(free_port)
WHISPER_FALLOCATE_CREATE = False
CONF
	printf '[all]\npattern = .*\nretentions = 60s:30d\n' > "$1/storage-schemas.conf"
	carbon-cache --config="$1/carbon.conf" --nodaemon start > "$1/out.log" 2>&1 &
	CARBON_PID=$!
	python3 - "$PORT" <<'PY'
import socket,sys,time
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("carbon-cache did not start")
PY
}

stop_carbon() {
	kill "$CARBON_PID" 2>/dev/null || true
	wait "$CARBON_PID" 2>/dev/null || true
	CARBON_PID=
}

echo
echo "forward to carbon-cache (until the server closed the connection; a fresh"
echo "carbon-cache for each run, alternating, $ROUNDS rounds, median):"
OURS_LIST= PEER_LIST= WALL_LIST=
r=1
while [ $r -le $ROUNDS ]; do
	rm -f "$T"/ours/*.pos
	for m in $METRICS; do printf %s $((FIRST - 60)) > "$T/peer/$m.pos"; done
	start_carbon "$T/carbon-ours-$r"
	a=$(now_ms)
	"$T/rogue" forward --server 127.0.0.1 --port "$PORT" --prefix "$T/ours" > "$T/ours.out"
	b=$(now_ms)
	stop_carbon
	o=$(python3 -c "import re,sys;print(re.search(r'in ([0-9.]+) s',open(sys.argv[1]).read()).group(1))" "$T/ours.out")
	OURS_LIST="$OURS_LIST $o"
	WALL_LIST="$WALL_LIST $(python3 -c "print('%.3f' % (($b-$a)/1000))")"
	start_carbon "$T/carbon-peer-$r"
	set -- $(python3 "$T/peer.py" forward "$T/peer" "$PORT" "$METRICS")
	stop_carbon
	PEER_LIST="$PEER_LIST $2"
	echo "round $r: rogue $(cat "$T/ours.out" | tr -d '\n'); numenta-rogue way: $1 points in $2 s"
	r=$((r + 1))
done
median() { python3 -c "import statistics,sys;print('%.3f' % statistics.median(map(float, sys.argv[1:])))" "$@"; }
OURS_FWD=$(median $OURS_LIST)
OURS_FWD_WALL=$(median $WALL_LIST)
PEER_FWD=$(median $PEER_LIST)

echo
printf '%-44s %10s %16s %8s\n' "262,080 points" "rogue" "numenta-rogue" "ratio"
ratio() { python3 -c "import sys;a,b=float(sys.argv[1]),float(sys.argv[2]);print('%.1fx' % (b/a) if a>0 else '-')" "$1" "$2"; }
printf '%-44s %9ss %15ss %8s\n' "forward, until carbon closed (goal <= 1 s)" "$OURS_FWD" "$PEER_FWD" "$(ratio $OURS_FWD $PEER_FWD)"
printf '%-44s %9ss %16s %8s\n' "forward, whole process" "$OURS_FWD_WALL" "" ""
printf '%-44s %9ss %15ss %8s\n' "forward to a reading-only listener" "$OURS_NULL" "$PEER_NULL" "$(ratio $OURS_NULL $PEER_NULL)"
printf '%-44s %9ss %15ss %8s\n' "export append (goal <= 0.5 s)" "$OURS_EXP" "$PEER_EXP" "$(ratio $OURS_EXP $PEER_EXP)"
printf '%-44s %9ss %16s %8s\n' "export folder (13 files + wide CSV)" "$OURS_DIR" "" ""

[ "${SKIP_1S:-}" = 1 ] && exit 0

# Memory of a first forward and export at a 1 s step: one file made by
# rrdtool restore (14 days of one-second rows, every row known), copied to
# the 13 metric names (a file with one data source serves any name).
echo
echo "peak memory, first forward and export of 14 days at a 1 s step (13 x 1,209,600 rows):"
ROWS1=$((14 * 86400))
END1=$(($(date +%s) - 3600))
mkdir -p "$T/s1" "$T/s1peer"
python3 - "$ROWS1" "$END1" > "$T/one.xml" <<'PY'
import math, sys
rows, end = int(sys.argv[1]), int(sys.argv[2])
w = sys.stdout.write
w('<?xml version="1.0" encoding="utf-8"?>\n<rrd><version>0003</version><step>1</step><lastupdate>%d</lastupdate>\n' % end)
w('<ds><name>CPUPercent</name><type>GAUGE</type><minimal_heartbeat>600</minimal_heartbeat><min>0</min><max>NaN</max>'
  '<last_ds>1</last_ds><value>0</value><unknown_sec>0</unknown_sec></ds>\n')
w('<rra><cf>AVERAGE</cf><pdp_per_row>1</pdp_per_row><params><xff>5.0000000000e-01</xff></params><cdp_prep><ds>'
  '<primary_value>0</primary_value><secondary_value>0</secondary_value><value>NaN</value>'
  '<unknown_datapoints>0</unknown_datapoints></ds></cdp_prep><database>\n')
w(''.join('<row><v>%r</v></row>\n' % (50 + 49 * math.sin(k / 600.0)) for k in range(rows)))
w('</database></rra></rrd>\n')
PY
rrdtool restore "$T/one.xml" "$T/one.rrd"
rm -f "$T/one.xml"
for m in $METRICS; do
	cp "$T/one.rrd" "$T/s1/$m.rrd"
	cp "$T/one.rrd" "$T/s1peer/$m.rrd"
	printf %s $((END1 - ROWS1)) > "$T/s1peer/$m.pos"
	printf %s $((END1 - ROWS1)) > "$T/s1peer/$m-csv.pos"
done
rm -f "$T/one.rrd"
start_null_listener
# peak CMD...: prints "<peak RSS in MB> <seconds>" of CMD (GNU time's %M).
peak() {
	/usr/bin/time -f '%M %e' -o "$T/time.out" "$@" > "$T/peak.out" 2>&1 || { cat "$T/peak.out" >&2; exit 1; }
	python3 -c "import sys;k,s=open(sys.argv[1]).read().split()[-2:];print('%.1f %s' % (int(k)/1024, s))" "$T/time.out"
}
set -- $(peak "$T/rogue" forward --server 127.0.0.1 --port "$NULL_PORT" --prefix "$T/s1")
FWD1_MB=$1 FWD1_S=$2
echo "rogue forward: $(cat "$T/peak.out" | tr -d '\n'); peak $FWD1_MB MB"
set -- $(peak "$T/rogue" export --prefix "$T/s1")
EXP1_MB=$1 EXP1_S=$2
echo "rogue export: peak $EXP1_MB MB in $EXP1_S s"
set -- $(peak "$T/rogue" export --prefix "$T/s1" --out "$T/s1out" --since $((END1 - ROWS1)) --until "$END1")
DIR1_MB=$1 DIR1_S=$2
echo "rogue export --out: peak $DIR1_MB MB in $DIR1_S s"
set -- $(peak python3 "$T/peer.py" forward "$T/s1peer" "$NULL_PORT" "$METRICS")
PFWD1_MB=$1 PFWD1_S=$2
echo "numenta-rogue way, forward: peak $PFWD1_MB MB in $PFWD1_S s"
set -- $(peak python3 "$T/peer.py" export "$T/s1peer" 0 "$METRICS")
PEXP1_MB=$1 PEXP1_S=$2
echo "numenta-rogue way, export: peak $PEXP1_MB MB in $PEXP1_S s"
kill $NULL_PID 2>/dev/null || true
NULL_PID=

echo
printf '%-44s %10s %16s %8s\n' "15.7 M rows at a 1 s step, peak RSS" "rogue" "numenta-rogue" "ratio"
printf '%-44s %8sMB %14sMB %8s\n' "first forward (goal <= 25 MB)" "$FWD1_MB" "$PFWD1_MB" "$(ratio $FWD1_MB $PFWD1_MB)"
printf '%-44s %8sMB %14sMB %8s\n' "export append (goal <= 25 MB)" "$EXP1_MB" "$PEXP1_MB" "$(ratio $EXP1_MB $PEXP1_MB)"
printf '%-44s %8sMB %16s %8s\n' "export folder (goal <= 25 MB)" "$DIR1_MB" "" ""
