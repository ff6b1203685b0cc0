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
# Then it times create --source (prefilling a new file from one of them)
# with both. Last it dumps and fetches one large file (ROWS rows, default 2×10^7, a
# 160 MB file; ROWS=0 skips this) with both, printing time and peak memory
# (/usr/bin/time's maximum resident set size) side by side with ratios; the
# fetch window holds every row, more than 2^24. Both outputs must be
# byte-identical.
#
# Usage: [ROWS=n] bench/rrd.sh [UPDATES [FILES [BATCH]]]
set -eu
UPDATES=${1:-1000000}
FILES=${2:-13}
BATCH=${3:-1}
cd "$(dirname "$0")/.."
command -v rrdtool >/dev/null || { echo "rrdtool is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/rrdbench" ./rrd/internal/rrdbench
go build -o "$work/rogue-bin" ./app
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

# create --source: a new file (two weeks at 1 min, 30 days at 5 min, a
# month of hourly maxima) prefilled from one of the files above, ten times
# with each tool; the mean time, the peak memory of one run, and the two
# new files must dump alike.
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }
src="$work/rrdtool/f01.rrd"
prefill() { # command... (the tool's create and the new file)
	"$@" --step 60 --source "$src" DS:Metric:DERIVE:600:0:U \
		RRA:AVERAGE:0.5:1:20160 RRA:AVERAGE:0.5:5:8640 RRA:MAX:0.5:60:744
}
mean10() { # command...: mean seconds of ten runs
	t0=$(now)
	for _ in 1 2 3 4 5 6 7 8 9 10; do "$@" >/dev/null; done
	awk -v t0="$t0" -v t1="$(now)" 'BEGIN { printf "%.4f", (t1 - t0) / 10 }'
}
pt=$(mean10 prefill rrdtool create "$work/p-rrdtool.rrd")
po=$(mean10 prefill "$work/rogue-bin" rrd create "$work/p-rogue.rrd")
pmt=$(prefill /usr/bin/time -f %M rrdtool create "$work/p-rrdtool.rrd" 2>&1 >/dev/null | tail -1)
pmo=$(prefill /usr/bin/time -f %M "$work/rogue-bin" rrd create "$work/p-rogue.rrd" 2>&1 >/dev/null | tail -1)
awk -v t="$pt" -v o="$po" -v mt="$pmt" -v mo="$pmo" 'BEGIN {
	printf "create --source: rrdtool %.1f ms %.0f MB, rogue %.1f ms %.0f MB; time ratio rogue/rrdtool %.2fx, memory ratio %.2fx\n",
		t * 1000, mt / 1024, o * 1000, mo / 1024, o / t, mo / mt
}'
if [ "$(rrdtool dump "$work/p-rrdtool.rrd")" = "$(rrdtool dump "$work/p-rogue.rrd")" ]; then
	echo "create --source: files dump alike"
else
	echo "create --source: files DIFFER" >&2
	exit 1
fi

ROWS=${ROWS:-20000000}
[ "$ROWS" -gt 0 ] || exit 0
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }
big="$work/big.rrd"
rrdtool create "$big" --step 60 --start 2000000000 DS:a:GAUGE:120:U:U "RRA:AVERAGE:0.5:1:$ROWS"
"$work/rrdbench" -fill "$big"
echo "large file: $ROWS rows, $(($(wc -c < "$big") / 1048576)) MB"
# measure NAME CMD... runs CMD with its output to $work/NAME.out and prints
# "seconds kilobytes".
measure() {
	name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out"
	cat "$work/$name.time"
}
compare() {
	what=$1 theirs=$2 ours=$3
	awk -v what="$what" -v t="$theirs" -v o="$ours" 'BEGIN {
		split(t, a, " "); split(o, b, " ")
		printf "%s: rrdtool %.2f s %.0f MB, rogue %.2f s %.0f MB; time ratio rogue/rrdtool %.2fx, memory ratio %.2fx\n",
			what, a[1], a[2] / 1024, b[1], b[2] / 1024, b[1] / a[1], b[2] / a[2]
	}'
	if cmp -s "$work/rrdtool-$what.out" "$work/rogue-$what.out"; then
		echo "$what: output byte-identical"
	else
		echo "$what: output DIFFERS" >&2
		exit 1
	fi
}
start=$((2000000000 - ROWS * 60))
t=$(measure rrdtool-dump rrdtool dump "$big")
o=$(measure rogue-dump "$work/rogue-bin" rrd dump "$big")
compare dump "$t" "$o"
rm -f "$work"/*-dump.out
t=$(measure rrdtool-fetch rrdtool fetch "$big" AVERAGE -s "$start" -e 2000000000)
o=$(measure rogue-fetch "$work/rogue-bin" rrd fetch "$big" AVERAGE -s "$start" -e 2000000000)
compare fetch "$t" "$o"
