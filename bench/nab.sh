#!/usr/bin/env bash
# bench/nab.sh NAB_DIR — Rogue's anomaly detector on the Numenta Anomaly
# Benchmark, scored by NAB's own optimiser, scorer and normaliser.
#
# NAB_DIR is an extracted copy of github.com/numenta/NAB (it is not part of
# this repository). The script works in a temporary copy: it builds rogue,
# runs `rogue detect` on each of the 58 data files (the detector sees only
# timestamp and value, never the labels or the file's length or range),
# writes NAB's result files (timestamp,value,anomaly_score,label, the label
# column filled from NAB's windows afterwards, as NAB's runner does), runs
# `"$py" run.py -d rogue --optimize --score --normalize`, and prints the
# three profiles' scores and thresholds beside the published scoreboard,
# plus the detector's throughput over the corpus.
#
set -euo pipefail

nab=${1:?usage: bench/nab.sh NAB_DIR}
nab=$(cd "$nab" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$nab/run.py" ] && [ -f "$nab/labels/combined_windows.json" ] ||
	{ echo "nab.sh: $nab is not a NAB checkout" >&2; exit 2; }
# NAB's scorer runs on Debian's python3 with python3-pandas and
# python3-simplejson; $PYTHON overrides (a pyenv python3 may lack them).
py=
for c in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$c" -c 'import pandas, simplejson' 2>/dev/null; then py=$c; break; fi
done
[ -n "$py" ] || { echo "nab.sh: needs python3 with pandas and simplejson (Debian: python3-pandas python3-simplejson)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/rogue" ./app)

# A copy of the parts of NAB the scorer reads; the null detector's results
# are the normalisation's baseline.
mkdir -p "$work/nab/results"
cp -r "$nab/run.py" "$nab/nab" "$nab/config" "$nab/labels" "$nab/data" "$work/nab/"
cp -r "$nab/results/null" "$work/nab/results/"
cd "$work/nab"

# Detection: one rogue detect per file, timed together (wall and CPU).
files=(data/*/*.csv)
detect_all() {
	for f in "${files[@]}"; do
		rel=${f#data/}
		out="results/rogue/$(dirname "$rel")/rogue_$(basename "$rel")"
		mkdir -p "$(dirname "$out")"
		"$work/rogue" detect --stats "$f" >"$out.raw" 2>>"$work/stats"
	done
}
TIMEFORMAT='%R %U %S'
{ time detect_all; } 2>"$work/time"
read -r wall user sys <"$work/time"
# rogue detect's own time (reading, scoring, writing; no process start),
# summed from its --stats lines.
read -r stat_rows stat_secs < <(awk '{ r += $3; s += $6 } END { print r, s }' "$work/stats")

# The detector alone, in process, over the same corpus (no CSV, no
# process start): go test's BenchmarkNABCorpus.
bench=$(cd "$root" && NAB_DIR="$nab" go test -run '^$' -bench BenchmarkNABCorpus -benchtime 5x ./anomaly |
	awk '/^BenchmarkNABCorpus/ { for (i = 1; i < NF; i++) { if ($(i+1) == "points/s") pps = $i; if ($(i+1) == "ns/point") ns = $i } } END { print pps, ns }')
read -r bench_pps bench_ns <<<"$bench"

# The label column, from NAB's own window labels (after detection).
"$py" - <<'PY'
import csv, glob, os
from nab.corpus import Corpus
from nab.labeler import CorpusLabel
corpus = Corpus("data")
labels = CorpusLabel("labels/combined_windows.json", corpus)
for rel in sorted(corpus.dataFiles):
    out = os.path.join("results", "rogue", os.path.dirname(rel),
                       "rogue_" + os.path.basename(rel))
    lab = list(labels.labels[rel]["label"])
    with open(out + ".raw") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["timestamp", "value", "anomaly_score"], rows[0]
    assert len(rows) - 1 == len(lab), (rel, len(rows) - 1, len(lab))
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["timestamp", "value", "anomaly_score", "label"])
        for row, l in zip(rows[1:], lab):
            w.writerow(row + [int(l)])
    os.remove(out + ".raw")
PY

"$py" run.py -d rogue --optimize --score --normalize --skipConfirmation >run.log 2>&1 ||
	{ cat run.log >&2; echo "nab.sh: NAB's run.py failed" >&2; exit 1; }

"$py" - "${#files[@]}" "$wall" "$user" "$sys" "$bench_pps" "$bench_ns" "$stat_rows" "$stat_secs" <<'PY'
import glob, json, sys
nfiles = int(sys.argv[1])
wall, user, sys_ = (float(x) for x in sys.argv[2:5])
bench_pps, bench_ns = float(sys.argv[5]), float(sys.argv[6])
stat_rows, stat_secs = int(sys.argv[7]), float(sys.argv[8])
points = 0
for f in glob.glob("results/rogue/*/*.csv"):
    with open(f) as fh:
        points += sum(1 for _ in fh) - 1
final = json.load(open("results/final_results.json"))["rogue"]
thr = json.load(open("config/thresholds.json"))["rogue"]
print("NAB (official scorer), detector 'rogue': online, no file min/max, same parameters for all files")
print("%-20s %8s %10s" % ("profile", "score", "threshold"))
for p in ("standard", "reward_low_FP_rate", "reward_low_FN_rate"):
    print("%-20s %8.2f %10.6f" % (p, final[p], thr[p]["threshold"]))
print()
print("beside the published scoreboard (NAB README):")
board = [("ARTime", "74.9", "65.1", "80.4"),
         ("Numenta HTM", "70.5-69.7", "62.6-61.7", "75.2-74.2"),
         ("CAD OSE", "69.9", "67.0", "73.2"),
         ("KNN CAD", "58.0", "43.4", "64.8"),
         ("windowed Gaussian", "39.6", "20.9", "47.4")]
print("  %-18s %-10s %-10s %s" % ("detector", "standard", "low FP", "low FN"))
print("  %-18s %-10.1f %-10.1f %.1f" % ("Rogue", final["standard"],
      final["reward_low_FP_rate"], final["reward_low_FN_rate"]))
for row in board:
    print("  %-18s %-10s %-10s %s" % row)
print()
print("throughput over the corpus (%d points, %d files; goal >= 1,000,000 points/s):" % (points, nfiles))
print("  detector in process (go test -bench BenchmarkNABCorpus): %.0f points/s, %.0f ns/point"
      % (bench_pps, bench_ns))
print("  rogue detect --stats, CSV in and out, inside the process: %d rows in %.3f s: %.0f points/s"
      % (stat_rows, stat_secs, stat_rows / max(stat_secs, 1e-9)))
print("  rogue detect, %d processes, with their start: %.2f s wall, %.2f s CPU: %.0f points/s of CPU"
      % (nfiles, wall, user + sys_, points / max(user + sys_, 1e-9)))
PY
