#!/usr/bin/env bash
# Render a report.html headless, as a reviewer's browser would, into a PNG to look at.
# Usage: experiments/screenshot_report.sh results/experiments/NAME/report.html [out.png] [height]
# Needs Debian's chromium (apt-get install -y chromium); no test depends on it.
set -euo pipefail
report=$(realpath "${1:?usage: $0 REPORT.html [OUT.png] [HEIGHT]}")
out=$(realpath -m "${2:-${report%.html}.png}")
height=${3:-4000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "error: no chromium found (apt-get install -y chromium)" >&2
  exit 2
fi
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --no-first-run --hide-scrollbars \
  --screenshot="$out" --window-size="1200,$height" "file://$report" 2>/dev/null
echo "$out"
