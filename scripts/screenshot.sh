#!/bin/sh
# scripts/screenshot.sh: photographs Rogue's real menu for the README. It
# starts a virtual X server (Xvfb), a D-Bus session bus, an xfce4-panel whose
# notification area (the systray plugin, a StatusNotifierItem host) shows
# Rogue's item, and a carbon-cache for Rogue to forward to, then takes two
# pictures of the open menu, cropped to the panel and the menu:
#
#   docs/menu-first-start.png  3 s after a first start with the default
#                              settings (60 s step): live values at once.
#   docs/menu.png              3 s after a restart over stored history (a
#                              1 s step run for WAIT seconds while xdotool
#                              typed): the sparklines are full at once.
#
# With SCENE=anomaly it takes OUTDIR/menu-anomaly.png instead, a flagged
# metric (see anomaly_scene below). Without a SCENE it first takes
# docs/charts.png with scripts/charts-screenshot.sh (CHARTS_OUT=none skips
# it).
#
# Usage: scripts/screenshot.sh [OUTDIR]      (docs by default; WAIT=35)
# Needs: go, Xvfb, dbus-daemon, xfce4-panel, xdotool, imagemagick (import,
# convert), carbon-cache (graphite-carbon), python3.
set -eu
cd "$(dirname "$0")/.."
OUTDIR=${1:-docs}
WAIT=${WAIT:-35}
SCENE=${SCENE:-}

# The charts page, on its own.
CHARTS_OUT=${CHARTS_OUT:-docs/charts.png}
[ "$CHARTS_OUT" = none ] || [ -n "$SCENE" ] || scripts/charts-screenshot.sh "$CHARTS_OUT"
for tool in go Xvfb dbus-daemon xfce4-panel xdotool import convert carbon-cache python3; do
	command -v $tool >/dev/null || { echo "scripts/screenshot.sh: $tool is not installed" >&2; exit 1; }
done

T=$(mktemp -d /tmp/rogue-shot.XXXXXX)
PIDS=
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

go build -ldflags "-X main.version=$(git describe --tags --always 2>/dev/null || echo dev)" -o "$T/rogue" ./app

# A fresh home: the panel's configuration (one top panel: the notification
# area, a spacer and a clock) and Rogue's settings.
H="$T/home"
export HOME="$H" XDG_CONFIG_HOME="$H/.config" XDG_DATA_HOME="$H/.local/share" \
	XDG_STATE_HOME="$H/.local/state" XDG_CACHE_HOME="$H/.cache" XDG_RUNTIME_DIR="$T/run"
mkdir -p "$XDG_RUNTIME_DIR" "$H/Documents" "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml" "$XDG_CONFIG_HOME/rogue"
chmod 700 "$XDG_RUNTIME_DIR"
cat > "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="28"/>
      <property name="icon-size" type="uint" value="20"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
        <value type="int" value="2"/>
        <value type="int" value="3"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
    <property name="plugin-2" type="string" value="systray">
      <property name="square-icons" type="bool" value="true"/>
    </property>
    <property name="plugin-3" type="string" value="clock"/>
  </property>
</channel>
EOF

echo "== Xvfb, session bus, carbon-cache, xfce4-panel"
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x900x24 3>"$T/display" 2>/dev/null &
PIDS="$PIDS $!"
until [ -s "$T/display" ]; do sleep 0.05; done
export DISPLAY=":$(cat "$T/display")"
# The machine's session bus configuration, so that xfconfd (the panel's
# settings store) is activated on demand.
dbus-daemon --session --nofork --print-address=4 4>"$T/bus.addr" 2>/dev/null &
PIDS="$PIDS $!"
until [ -s "$T/bus.addr" ]; do sleep 0.05; done
DBUS_SESSION_BUS_ADDRESS=$(cat "$T/bus.addr")
export DBUS_SESSION_BUS_ADDRESS

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PORT=$(free_port)
mkdir -p "$T/carbon/whisper"
cat > "$T/carbon/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $T/carbon
LOCAL_DATA_DIR = $T/carbon/whisper
WHITELISTS_DIR = $T/carbon/lists
CONF_DIR = $T/carbon
LOG_DIR = $T/carbon
PID_DIR = $T/carbon
ENABLE_LOGROTATION = False
USER =
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $(free_port)
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $(free_port)
EOF
printf '[default]\npattern = .*\nretentions = 1s:1d\n' > "$T/carbon/storage-schemas.conf"
carbon-cache --config="$T/carbon/carbon.conf" --nodaemon --pidfile="$T/carbon/pid" start >/dev/null 2>&1 &
PIDS="$PIDS $!"

xfce4-panel --disable-wm-check >"$T/panel.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
	string:org.kde.StatusNotifierWatcher 2>/dev/null | grep -q true; do
	sleep 0.1
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "xfce4-panel did not start a StatusNotifierWatcher:" >&2; cat "$T/panel.log" >&2; exit 1; }
done

# settings INTERVAL: Rogue's settings with forwarding on to carbon.
settings() {
	printf '{"interval": %s, "server": "http://127.0.0.1", "port": %s, "forwarding": true}\n' "$1" "$PORT" \
		> "$XDG_CONFIG_HOME/rogue/settings.json"
}

# type_for SECONDS: types into the display (the key metrics get values).
type_for() {
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		xdotool type --delay 90 "the quick brown fox jumps over the lazy dog " 2>/dev/null || sleep 1
		sleep 0.3
	done
}

# start_rogue: starts rogue and waits until the panel shows its item.
start_rogue() {
	"$T/rogue" >>"$T/rogue.log" 2>&1 &
	ROGUE=$!
	PIDS="$PIDS $ROGUE"
	i=0
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
		string:org.kde.StatusNotifierItem-$ROGUE-1 2>/dev/null | grep -q true; do
		sleep 0.05
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "rogue did not register its item:" >&2; cat "$T/rogue.log" >&2; exit 1; }
	done
}

stop_rogue() {
	kill -INT $ROGUE
	wait $ROGUE || true
}

# shoot OUT: clicks the item, photographs the open menu, crops and saves it,
# and closes the menu again.
shoot() {
	out=$1
	# The item: the notification area sits between the spacer and the
	# clock, at the right end of the top panel; the spacer is empty, so the
	# item is the leftmost thing drawn across the middle row of the panel.
	import -window root "$T/before.png"
	W=$(convert "$T/before.png" -format '%w' info:)
	X=$(convert "$T/before.png" -crop "${W}x1+0+14" +repage txt:- |
		python3 -c '
import re, sys
px = []
for line in sys.stdin:
    m = re.match(r"(\d+),0: \((\d+),(\d+),(\d+)", line)
    if m:
        px.append((int(m.group(1)), tuple(int(v) for v in m.group(2, 3, 4))))
bg = px[len(px) // 2][1]
cols = [x for x, c in px[4:-4] if max(abs(a - b) for a, b in zip(c, bg)) > 40]
if not cols:
    sys.exit("no tray item found on the panel")
first = [cols[0]]
for x in cols[1:]:
    if x - first[-1] > 3:
        break
    first.append(x)
print((first[0] + first[-1]) // 2)')
	# Keep typing while the menu is open, with Shift only: letters would go
	# to the open menu (which grabs the keyboard), Shift does nothing there.
	(while :; do xdotool key --delay 110 shift shift shift shift shift shift 2>/dev/null || exit; done) &
	typer=$!
	xdotool mousemove "$X" 14 click 1
	sleep 0.3
	# Off the icon (no tooltip over the menu), not over an item (no
	# highlight).
	xdotool mousemove 2 600
	sleep 1.2
	import -window root "$T/menu.png"
	kill $typer 2>/dev/null || true
	xdotool key Escape
	sleep 0.3
	# Crop to the panel and the menu: everything that differs from the
	# empty desktop below the panel, plus the panel strip.
	mkdir -p "$(dirname "$out")"
	convert "$T/menu.png" "$T/before.png" -compose difference -composite -threshold 5% -trim \
		-format '%w %h %X %Y' info: > "$T/box" 2>/dev/null || true
	read -r bw bh bx by < "$T/box" || true
	if [ -n "${bw:-}" ] && [ "$bw" -gt 50 ]; then
		x0=$((bx - 16)); [ $x0 -ge 0 ] || x0=0
		right=$((bx + bw + 16)); [ $right -le "$W" ] || right=$W
		[ $((W - right)) -lt 200 ] && right=$W
		convert "$T/menu.png" -crop "$((right - x0))x$((by + bh + 16))+$x0+0" +repage "$out"
	else
		cp "$T/menu.png" "$out"
	fi
	echo "saved $out ($(convert "$out" -format '%wx%h' info:))"
}

# anomaly_scene (SCENE=anomaly): three hours of stored history in which
# nobody typed (KeyCount 0 at every 8 s step), so that the detectors learn a
# flat line during their warm-up; Rogue then runs at an 8 s interval without
# typing, and when typing starts the KeyCount detector flags it. The menu is
# opened as soon as Rogue logs the anomaly, while the row is marked.
plant_anomaly_history() {
	INTERVAL=8
	db="$XDG_DATA_HOME/rogue/db"
	mkdir -p "$db"
	now=$(date +%s)
	start=$((now - now % INTERVAL - 10800))
	"$T/rogue" rrd create "$db/KeyCount.rrd" --start "$start" --step $INTERVAL DS:KeyCount:GAUGE:600:0:U \
		RRA:AVERAGE:0.5:1:302400 RRA:AVERAGE:0.5:900:8760 RRA:MAX:0.5:900:8760
	python3 -c "import sys; s=int(sys.argv[1]); print('\n'.join('%d:0' % (s + $INTERVAL * i) for i in range(1, 10800 // $INTERVAL)))" "$start" |
		xargs -n 500 "$T/rogue" rrd update "$db/KeyCount.rrd"
	settings $INTERVAL
}
anomaly_scene() {
	i=0
	until grep -q "anomaly detectors warmed up" "$T/rogue.log"; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "no warm-up:" >&2; cat "$T/rogue.log" >&2; exit 1; }
	done
	sleep "$WAIT"
	echo "== typing until Rogue flags it"
	(while :; do xdotool type --delay 60 "the quick brown fox jumps over the lazy dog " 2>/dev/null || exit; done) &
	ATYPER=$!
	PIDS="$PIDS $ATYPER"
	i=0
	until grep -q "msg=anomaly " "$T/rogue.log"; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "no anomaly flagged:" >&2; cat "$T/rogue.log" >&2; exit 1; }
	done
	kill $ATYPER 2>/dev/null || true
	grep "msg=anomaly " "$T/rogue.log" >&2
}

if [ "$SCENE" = anomaly ]; then
	echo "== a flagged metric"
	WAIT=${WAIT_ANOMALY:-8}
	plant_anomaly_history
	start_rogue
	anomaly_scene
	shoot "$OUTDIR/menu-anomaly.png"
	stop_rogue
	exit 0
fi

echo "== 1. first start with the default settings, 3 s later"
settings 60
start_rogue
type_for 3
shoot "$OUTDIR/menu-first-start.png"
stop_rogue

echo "== 2. $WAIT s at a 1 s step while typing, then a restart over that history"
rm -rf "$XDG_DATA_HOME/rogue"
settings 1
start_rogue
type_for "$WAIT"
stop_rogue
start_rogue
type_for 3
shoot "$OUTDIR/menu.png"
stop_rogue
