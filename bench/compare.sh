#!/usr/bin/env bash
# Compare aio with python3 on the workloads of the performance issue.
#
#   bench/compare.sh [N_MILLION_FOR_PYTHON]
#
# Builds the release binary, runs every workload under aio and python3 alternately for
# ROUNDS rounds (default 3), takes medians, and prints a table with the targets and
# PASS/FAIL. python3's `million` runs with N_MILLION_FOR_PYTHON tasks (default 100,000: at
# 1,000,000 CPython needs about 50 s), while aio's absolute figures use 1,000,000.
#
# Environment:
#   ROUNDS=n    rounds per workload (default 3)
#   QUICK=1     small sizes everywhere (a sanity run of a minute; targets are for full sizes)
#   CHURN_N=n   the larger churn size (default 10,000,000, aio only; the smaller one, a tenth
#               of it, also runs under python3 for comparison)
#   PYTHON=cmd  the CPython to compare with (default python3)
#
# Wall time is measured by the shell ($EPOCHREALTIME, microseconds) around each run, since
# /usr/bin/time's %e only has 10 ms resolution; peak RSS is /usr/bin/time's %M. Every run is
# killed after 300 s. For `hello` the time comes from a second run without /usr/bin/time,
# whose own start-up (about 2 ms) would otherwise dominate.

set -u
cd "$(dirname "$0")/.." || exit 2

ROUNDS=${ROUNDS:-3}
PYTHON=${PYTHON:-python3}
PY_MILLION=${1:-100000}
QUICK=${QUICK:-0}

if [[ ! -x /usr/bin/time ]]; then
    echo "compare.sh: /usr/bin/time is missing (Debian/Ubuntu: apt-get install time)" >&2
    exit 2
fi
if ! command -v "$PYTHON" >/dev/null; then
    echo "compare.sh: $PYTHON not found (set PYTHON=...)" >&2
    exit 2
fi
# Run the interpreter itself, not a wrapper script (version managers install python3 as a
# shell script that costs ~100 ms per start).
PYTHON=$("$PYTHON" -c 'import sys; print(sys.executable)') || exit 2

if [[ $QUICK == 1 ]]; then
    AIO_MILLION=10000
    [[ $# -ge 1 ]] || PY_MILLION=10000
    SWITCH_N=100
    PINGPONG_N=100000
    FIB_N=25
    LOOP_N=1000000
    CHURN_N=${CHURN_N:-100000}
else
    AIO_MILLION=1000000
    SWITCH_N=1000
    PINGPONG_N=1000000
    FIB_N=30
    LOOP_N=10000000
    CHURN_N=${CHURN_N:-10000000}
fi
CHURN_SMALL=$((CHURN_N / 10))

echo "building the release binary..." >&2
cargo build --release --quiet || exit 2
AIO=target/release/aio

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        echo "${EPOCHREALTIME/,/.}"
    else
        date +%s.%N
    fi
}

# run_once DIRECT CMD...: run CMD once; print "seconds peak_kb" (or "NA NA" on failure).
# Its stdout is left in $TMP/out. With DIRECT=1 the time comes from a second, unwrapped run.
run_once() {
    local direct=$1 t0 t1 rc kb
    shift
    t0=$(now)
    timeout 300 /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    t1=$(now)
    if [[ $rc -ne 0 ]]; then
        if [[ $rc -eq 124 ]]; then
            echo "  timed out after 300 s: $*" >&2
        else
            echo "  failed (exit $rc): $*" >&2
            tail -n 3 "$TMP/err" | sed 's/^/    /' >&2
        fi
        echo "NA NA"
        return
    fi
    kb=$(awk 'END { print $2 }' "$TMP/time")
    if [[ $direct == 1 ]]; then
        t0=$(now)
        timeout 300 "$@" >/dev/null 2>&1
        t1=$(now)
    fi
    awk -v a="$t0" -v b="$t1" -v k="$kb" 'BEGIN { printf "%.4f %d\n", b - a, k }'
}

# median: of the numbers on stdin ("NA" if any is NA or there are none).
median() {
    sort -g | awk '
        $1 == "NA" { na = 1 }
        { v[NR] = $1 }
        END {
            if (na || NR == 0) { print "NA"; exit }
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}

# measure WORKLOAD AIO_N PY_N AIO_FLAGS DIRECT: sets AT AM (aio seconds, MB) and PT PM
# (python3's; NA when PY_N is "-"). Checks that both print the same line when the Ns agree.
measure() {
    local w=$1 an=$2 pn=$3 flags=$4 direct=$5 r res aout pout
    local -a ats=() ams=() pts=() pms=()
    aout="" pout=""
    echo "$w: aio N=$an${flags:+ $flags}, python3 N=$pn" >&2
    for ((r = 0; r < ROUNDS; r++)); do
        # shellcheck disable=SC2086
        res=$(run_once "$direct" "$AIO" run $flags "bench/$w.aio" $an)
        ats+=("${res% *}") ams+=("${res#* }")
        [[ -n $aout ]] || aout=$(cat "$TMP/out")
        if [[ $pn != "-" ]]; then
            # shellcheck disable=SC2086
            res=$(run_once "$direct" "$PYTHON" "bench/$w.aio" $pn)
            pts+=("${res% *}") pms+=("${res#* }")
            [[ -n $pout ]] || pout=$(cat "$TMP/out")
        fi
    done
    if [[ $pn == "$an" && "$aout" != "$pout" ]]; then
        echo "  OUTPUT DIFFERS: aio printed '$aout', python3 printed '$pout'" >&2
        WRONG=1
    fi
    AT=$(printf '%s\n' "${ats[@]}" | median)
    AM=$(printf '%s\n' "${ams[@]}" | median | awk '$1 == "NA" { print; next } { printf "%.1f", $1 / 1024 }')
    if [[ $pn == "-" ]]; then
        PT=NA PM=NA
    else
        PT=$(printf '%s\n' "${pts[@]}" | median)
        PM=$(printf '%s\n' "${pms[@]}" | median | awk '$1 == "NA" { print; next } { printf "%.1f", $1 / 1024 }')
    fi
}

# Table rows, printed at the end.
ROWS=()
FAILS=0
WRONG=0

# row NAME TARGET VERDICT: append a row from AT AM PT PM.
row() {
    local ratio
    ratio=$(awk -v a="$AT" -v p="$PT" 'BEGIN { if (a == "NA" || p == "NA" || p == 0) print "-"; else printf "%.3f", a / p }')
    [[ $3 == FAIL ]] && FAILS=$((FAILS + 1))
    ROWS+=("$(printf '%-30s %9s %9s %7s %9s %9s  %-26s %s' "$1" "$AT" "$PT" "$ratio" "$AM" "$PM" "$2" "$3")")
}

# verdict EXPR: PASS when the awk condition holds over a (aio s), p (python3 s), m (aio MB).
verdict() {
    awk -v a="$AT" -v p="$PT" -v m="$AM" "BEGIN {
        if (a == \"NA\" || (\"$1\" ~ /p/ && p == \"NA\")) { print \"FAIL\"; exit }
        print (($1) ? \"PASS\" : \"FAIL\") }"
}

measure million "$PY_MILLION" "$PY_MILLION" "" 0
row "million N=$PY_MILLION" "(for the ratio)" "-"
measure million "$AIO_MILLION" - "" 0
row "million N=$AIO_MILLION" "<= 1.5 s, <= 250 MB" "$(verdict 'a <= 1.5 && m <= 250')"
measure million "$AIO_MILLION" - "--virtual-time" 0
row "million N=$AIO_MILLION virtual" "<= 0.5 s" "$(verdict 'a <= 0.5')"
# Memory per suspended task: peak RSS at 2N tasks minus at N, over N (virtual clock, so the
# two runs differ only in the number of tasks alive at once).
ONE_MB=$AM
measure million "$((2 * AIO_MILLION))" - "--virtual-time" 0
TWO_MB=$AM
AT=$(awk -v a="$ONE_MB" -v b="$TWO_MB" -v n="$AIO_MILLION" 'BEGIN { if (a == "NA" || b == "NA") print "NA"; else printf "%.0f", (b - a) * 1048576 / n }')
PT=NA AM=NA PM=NA
ROWS+=("$(printf '%-30s %9s %9s %7s %9s %9s  %-26s %s' "bytes per task (2N-N)/N" "${AT}B" NA - NA NA "<= 200 bytes" \
    "$(awk -v b="$AT" 'BEGIN { print (b != "NA" && b <= 200) ? "PASS" : "FAIL" }')")")
[[ ${ROWS[-1]} == *FAIL ]] && FAILS=$((FAILS + 1))
measure switch "$SWITCH_N" "$SWITCH_N" "" 0
row "switch N=$SWITCH_N" "ratio <= 0.05" "$(verdict 'a <= p / 20')"
measure pingpong "$PINGPONG_N" "$PINGPONG_N" "" 0
row "pingpong N=$PINGPONG_N" "ratio <= 0.1" "$(verdict 'a <= p / 10')"
measure fib "$FIB_N" "$FIB_N" "" 0
row "fib N=$FIB_N" "ratio <= 0.5" "$(verdict 'a <= p / 2')"
measure loop "$LOOP_N" "$LOOP_N" "" 0
row "loop N=$LOOP_N" "ratio <= 0.5" "$(verdict 'a <= p / 2')"
measure hello "" "" "" 1
row "hello" "<= 0.005 s" "$(verdict 'a <= 0.005')"
measure churn "$CHURN_SMALL" "$CHURN_SMALL" "" 0
SMALL_MB=$AM
row "churn N=$CHURN_SMALL" "(baseline RSS)" "-"
measure churn "$CHURN_N" - "" 0
row "churn N=$CHURN_N" "aio RSS <= 1.1 x $SMALL_MB MB" \
    "$(verdict "m != \"NA\" && \"$SMALL_MB\" != \"NA\" && m <= 1.1 * $SMALL_MB")"

echo
printf '%-30s %9s %9s %7s %9s %9s  %-26s %s\n' workload "aio s" "python3 s" ratio "aio MB" "py MB" target result
for r in "${ROWS[@]}"; do
    echo "$r"
done
echo
echo "rounds: $ROUNDS (medians); ratio = aio time / python3 time; MB = peak RSS; $("$PYTHON" --version 2>&1); $(nproc 2>/dev/null || echo '?') cores"
[[ $QUICK == 1 ]] && echo "QUICK=1: small sizes; the targets are meant for the full sizes"
[[ $WRONG == 1 ]] && echo "some workload printed different output under aio and python3 (see above)"
echo "$FAILS row(s) FAIL"
