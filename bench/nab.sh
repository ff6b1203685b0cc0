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

# Detection: one rogue detect per file, timed together.
files=(data/*/*.csv)
points=0
start=$(date +%s%N)
for f in "${files[@]}"; do
	rel=${f#data/}
	out="results/rogue/$(dirname "$rel")/rogue_$(basename "$rel")"
	mkdir -p "$(dirname "$out")"
	"$work/rogue" detect "$f" >"$out.raw"
done
end=$(date +%s%N)
for f in "${files[@]}"; do
	points=$((points + $(wc -l <"$f") - 1))
done

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

ns=$((end - start))
"$py" - "$points" "$ns" "${#files[@]}" <<'PY'
import json, sys
points, ns, nfiles = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
final = json.load(open("results/final_results.json"))["rogue"]
thr = json.load(open("config/thresholds.json"))["rogue"]
print("NAB (official scorer), detector 'rogue': online, no file min/max, same parameters for all files")
print("%-20s %8s %10s" % ("profile", "score", "threshold"))
for p in ("standard", "reward_low_FP_rate", "reward_low_FN_rate"):
    print("%-20s %8.2f %10.6f" % (p, final[p], thr[p]["threshold"]))
print()
print("published scoreboard (standard profile):")
board = [("ARTime", 74.9), ("Numenta HTM", "70.5-69.7"), ("CAD OSE", 69.9),
         ("KNN CAD", 58.0), ("windowed Gaussian", 39.6)]
print("  %-18s %s" % ("Rogue", "%.1f" % final["standard"]))
for name, s in board:
    print("  %-18s %s" % (name, s))
print()
print("throughput: %d points in %d files, %.3f s of rogue detect (%d processes, CSV in and out): %.0f points/s"
      % (points, nfiles, ns / 1e9, nfiles, points / (ns / 1e9)))
PY
