#!/bin/bash
# smc-conformance.sh PERPSCOPE_CLI SHARED_DIR
#
# Runs `perpscope-cli structure --compat smc` for every case of the SMC conformance
# suite (data/ and extra/: the peer's own test calls, then each extra parameter set) and
# checks the outputs with the suite's own checker, --require-all.  Exits 77 (meson:
# skipped) when ../shared is absent.
set -u
cli=$1
suite="$2/conformance/smc"

if [ ! -f "$suite/compare.py" ] || [ ! -f "$suite/data/EURUSD_15M.csv" ]; then
  echo "skipped: $suite (the SMC conformance suite) not present"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
final="$work/final"
mkdir -p "$final"
status=0

# run NAME INPUT [OPTIONS...]: one CLI run into $work/NAME
run () {
  local name=$1 input=$2
  shift 2
  if ! "$cli" structure --csv "$input" --compat smc --out "$work/$name" "$@"; then
    echo "FAIL: perpscope-cli structure --csv $input --compat smc $*"
    status=1
  fi
}

# take NAME FILE AS: copy one output of run NAME under the expected file's name
take () {
  cp "$work/$1/$2" "$final/$3" 2>/dev/null || { echo "FAIL: $1 produced no $2"; status=1; }
}

eurusd="$suite/data/EURUSD_15M.csv"
eurusd247="$suite/extra/EURUSD_15M_247.csv"

run base "$eurusd"
cp "$work"/base/*.csv "$final/"

run len10 "$eurusd" --swing-length 10
take len10 swing_highs_lows_result_data.csv swing_highs_lows_len10.csv
take len10 bos_choch_result_data.csv bos_choch_len10.csv
take len10 retracements_result_data.csv retracements_len10.csv

run len50 "$eurusd" --swing-length 50
take len50 swing_highs_lows_result_data.csv swing_highs_lows_len50.csv

run wick "$eurusd" --wick-break
take wick bos_choch_result_data.csv bos_choch_wickbreak.csv

run closemit "$eurusd" --close-mitigation
take closemit ob_result_data.csv ob_close_mitigation.csv

run tickvol "$eurusd" --volume-column Tickvol
take tickvol ob_result_data.csv ob_tickvol.csv

run range "$eurusd" --range-percent 0.005
take range liquidity_result_data.csv liquidity_range0005.csv

run asian "$eurusd" --session "Asian kill zone"
take asian sessions_result_data.csv sessions_asian_kz.csv
run londonopen "$eurusd" --session "London open kill zone"
take londonopen sessions_result_data.csv sessions_london_open_kz.csv
run newyork "$eurusd" --session "New York kill zone"
take newyork sessions_result_data.csv sessions_new_york_kz.csv
run sydney "$eurusd" --session Sydney
take sydney sessions_result_data.csv sessions_sydney.csv

run x247 "$eurusd247"
for tf in 1D 4h W; do
  take x247 "previous_high_low_result_data_$tf.csv" "247_previous_high_low_$tf.csv"
done
take x247 sessions_result_data.csv 247_sessions_london.csv
run x247sydney "$eurusd247" --session Sydney
take x247sydney sessions_result_data.csv 247_sessions_sydney.csv

python3 "$suite/compare.py" "$final" --require-all --quiet || status=1
exit $status
