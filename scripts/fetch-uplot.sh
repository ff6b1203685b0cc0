#!/usr/bin/env bash
# Re-fetches uPlot, the chart library of "rogue charts", from the npm
# registry and checks that the files committed under assets/uplot/ are
# exactly the released ones: the version in assets/uplot/VERSION, the
# SHA-256 sums in assets/uplot/SHA256SUMS. npm checks the package tarball
# against the registry's sha512 integrity record.
#
# Usage: scripts/fetch-uplot.sh            verify the committed files
#        scripts/fetch-uplot.sh VERSION    replace them with that release
#                                          (then review and commit)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=assets/uplot
files=(dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE)

version=${1:-$(cat "$dir/VERSION")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== npm pack uplot@$version"
(cd "$tmp" && npm pack --silent "uplot@$version" >/dev/null)
tar -xzf "$tmp/uplot-$version.tgz" -C "$tmp"
got=$(node -p "require('$tmp/package/package.json').version" 2>/dev/null ||
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json")
[ "$got" = "$version" ] || { echo "package.json says $got, wanted $version"; exit 1; }

if [ $# -gt 0 ]; then
  for f in "${files[@]}"; do cp "$tmp/package/$f" "$dir/$(basename "$f")"; done
  echo "$version" >"$dir/VERSION"
  (cd "$dir" && sha256sum "${files[@]##*/}" >SHA256SUMS)
  echo "updated $dir to uplot $version:"; cat "$dir/SHA256SUMS"
  exit 0
fi

echo "== released files match SHA256SUMS"
for f in "${files[@]}"; do cp "$tmp/package/$f" "$tmp/$(basename "$f")"; done
(cd "$tmp" && sha256sum -c "$OLDPWD/$dir/SHA256SUMS")
echo "== committed files match SHA256SUMS"
(cd "$dir" && sha256sum -c SHA256SUMS)
echo "uplot $version verified"
