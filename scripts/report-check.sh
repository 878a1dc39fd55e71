#!/usr/bin/env bash
# report-check: render the report of a recorded run (by default the workshop
# fixture of package report) with `loadlab report`, then screenshot
# report.html in headless Chromium so that a person can look at it.
#
#   scripts/report-check.sh                      # report/testdata/workshop
#   scripts/report-check.sh results/<run>        # any recorded run
#   OUT=/tmp/check scripts/report-check.sh       # where to write (default .cache/report-check)
#   LOADLAB=bin/loadlab scripts/report-check.sh  # use a built binary instead of building one
#
# Look at $OUT/report.png (the page at 1400 px wide, 3000 px tall),
# $OUT/report-full.png (the whole page) and $OUT/report/plots/*.png.
# Needs Chromium (Debian: apt-get update && apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

RUN=${1:-report/testdata/workshop}
OUT=${OUT:-.cache/report-check}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

CHROMIUM=""
for c in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
done
if [ -z "$CHROMIUM" ]; then
  echo "report-check: Chromium not found; install it: apt-get update && apt-get install -y chromium" >&2
  exit 2
fi

if [ -z "${LOADLAB:-}" ]; then
  LOADLAB="$OUT/loadlab"
  go build -o "$LOADLAB" ./cmd/loadlab
fi

rm -rf "$OUT/report"
"$LOADLAB" report "$RUN" --out "$OUT/report" >"$OUT/terminal.txt"
cat "$OUT/terminal.txt"

shot() { # shot <file> <height>
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$OUT/chromium-profile" --window-size="1400,$2" \
    --screenshot="$1" "file://$OUT/report/report.html" >/dev/null 2>&1
  test -s "$1" || { echo "report-check: Chromium wrote no screenshot $1" >&2; exit 1; }
}
shot "$OUT/report.png" 3000
# The whole page: its height grows with the number of configurations and steps.
shot "$OUT/report-full.png" 12000

echo
echo "report-check: look at $OUT/report.png, $OUT/report-full.png and $OUT/report/plots/*.png"
