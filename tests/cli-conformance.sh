#!/bin/bash
# cli-conformance.sh PERPSCOPE_CLI SHARED_DIR
#
# Runs `perpscope-cli indicators` on every input of the TA-Lib conformance suite and
# checks the outputs with the suite's own checker, exactly as an outside reviewer would.
# Exits 77 (meson: skipped) when ../shared is absent.
set -u
cli=$1
shared=$2
suite="$shared/conformance/talib"

if [ ! -f "$suite/MANIFEST.tsv" ] || [ ! -f "$suite/compare.py" ]; then
  echo "skipped: $suite/MANIFEST.tsv not present"
  exit 77
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
require=--require-all

while IFS=$'\t' read -r expected input _; do
  case "$expected" in ''|'#'*) continue ;; esac
  name=${expected%.csv.gz}
  if [ ! -f "$suite/$input" ]; then
    echo "skipped: $suite/$input not present"
    require=
    continue
  fi
  if ! "$cli" indicators --csv "$suite/$input" --out "$out/$name.csv"; then
    echo "FAIL: perpscope-cli indicators --csv $suite/$input"
    status=1
  fi
done < "$suite/MANIFEST.tsv"

python3 "$suite/compare.py" --dir "$out" $require || status=1
exit $status
