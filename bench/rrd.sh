#!/bin/sh
# bench/rrd.sh — apply the same 1,000,000 updates to 13 RRD files with Rogue's
# rrd package and with rrdtool's batch mode (`rrdtool -` reading commands on
# stdin), in one run, and print updates/s for both and the ratio.
#
# Both sides get the same command stream (UPDATES samples spread over FILES
# files, one sample per step per file, BATCH samples per update command;
# default 1, the agent's pattern) and start from the same files made by
# rrdtool create. Rogue's driver reads and parses the commands too; it keeps
# the files open between commands, as the agent does, while rrdtool reopens
# each file for each command. At the end the two sets of files must be
# byte-identical.
#
# Usage: bench/rrd.sh [UPDATES [FILES [BATCH]]]
set -eu
UPDATES=${1:-1000000}
FILES=${2:-13}
BATCH=${3:-1}
cd "$(dirname "$0")/.."
command -v rrdtool >/dev/null || { echo "rrdtool is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/rrdbench" ./rrd/internal/rrdbench
mkdir "$work/rogue" "$work/rrdtool"
i=0
while [ $i -lt "$FILES" ]; do
	f=$(printf 'f%02d.rrd' $i)
	if [ $((i % 2)) -eq 0 ]; then ds="DS:Metric:GAUGE:600:0:U"; else ds="DS:Metric:DERIVE:600:0:U"; fi
	rrdtool create "$work/rogue/$f" --step 60 --start 1700000000 "$ds" \
		RRA:AVERAGE:0.5:1:4032 RRA:AVERAGE:0.5:60:744 RRA:MAX:0.5:60:744
	cp "$work/rogue/$f" "$work/rrdtool/$f"
	i=$((i + 1))
done
"$work/rrdbench" -gen -files "$FILES" -updates "$UPDATES" -batch "$BATCH" > "$work/cmds"
echo "$(wc -l < "$work/cmds") update commands, $UPDATES samples, $FILES files, $BATCH sample(s) per command"

now() { date +%s.%N; }
t0=$(now)
(cd "$work/rrdtool" && rrdtool - < "$work/cmds" > "$work/rrdtool.out")
t1=$(now)
if grep -v '^OK' "$work/rrdtool.out" | head -3 | grep .; then echo "rrdtool reported errors" >&2; exit 1; fi
rogue=$(cd "$work/rogue" && "$work/rrdbench" -apply < "$work/cmds")

awk -v n="$UPDATES" -v t0="$t0" -v t1="$t1" -v rogue="$rogue" 'BEGIN {
	split(rogue, r, " ")
	rt = t1 - t0; gt = r[2]
	printf "rrdtool: %d updates in %.2f s = %.0f updates/s\n", n, rt, n / rt
	printf "rogue:   %d updates in %.2f s = %.0f updates/s\n", r[1], gt, r[1] / gt
	printf "ratio rogue/rrdtool: %.2fx\n", (r[1] / gt) / (n / rt)
}'
same=yes
for f in "$work"/rogue/*.rrd; do
	cmp -s "$f" "$work/rrdtool/$(basename "$f")" || same=no
done
if [ $same = yes ]; then
	echo "files: byte-identical"
else
	echo "files: DIFFER" >&2
	exit 1
fi
