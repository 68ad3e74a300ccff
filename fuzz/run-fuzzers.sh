#!/usr/bin/env bash
# Build both fuzz targets and run each toward RUNS executions in total (default 10 million),
# in the background at the lowest priority, in batches of BATCH executions (a fresh process
# per batch). Totals accumulate across batches and across invocations in
# fuzz/logs/<target>.total, so a long campaign can be spread over several sittings.
# JOBS (default 1) batch loops run side by side for each target in TARGETS (default both).
# Logs: fuzz/logs/<target>.<job>.log (the current batch); crashes: fuzz/artifacts/<target>/.
#
# Needs `cargo install cargo-fuzz`; RUSTC_BOOTSTRAP lets the stable toolchain take the
# fuzzing flags. Safe Rust needs no AddressSanitizer (-s none), which makes runs ~10x faster.
# The `run` target is built without comparison tracing (--no-trace-compares): its input only
# steers a program generator, and the tracing tripled the cost of each execution.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
# libFuzzer's memory grows by ~7 KB per execution of the run target (its entropic schedule's
# per-feature counts, and heap fragmentation from the programs' large strings): 300,000
# executions stay well under -rss_limit_mb, and replaying the corpus at a batch's start takes
# about 20 s.
BATCH=${BATCH:-300000}
JOBS=${JOBS:-1}
TARGETS=${TARGETS:-compile run}
for target in $TARGETS; do
    flags=()
    [[ $target == run ]] && flags=(--no-trace-compares)
    RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none "${flags[@]}" "$target"
done
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs corpus/compile corpus/run artifacts/compile artifacts/run
# Seed both corpora from the golden programs and examples (the run target reads its
# bytes as choices for the program generator).
for f in $(find ../tests/golden ../examples -name '*.aio'); do
    name=$(md5sum "$f" | cut -c1-16)
    cp "$f" "corpus/compile/$name"
    cp "$f" "corpus/run/$name"
done
# -reload=0: the jobs of one target share a corpus directory, and re-reading it (and running
# each other's new inputs) took a fifth of their time; each batch starts from all of it.
# -timeout is wall-clock time and the fuzzers run at nice 19: a program needing 1.5 s of
# CPU took 43 s while a build used both cores, and 30 s reported it as a hang. Every
# program ends within its step and memory limits; 120 s still catches a real hang.
# The interpreter runs on a 1 GB stack in the CLI; the fuzzers get the same.
ulimit -s 1048576

# campaign TARGET JOB: batches until the target's total reaches RUNS or a batch fails.
# The total is re-read and written under a lock, so several jobs can add to it.
campaign() {
    local target=$1 job=$2 total runs rc log="logs/$1.$2.log" max_len=8192
    # The run target's bytes are choices, and 2 KB of them make a program of tens of
    # kilobytes whose parsing dominated each execution; its coverage had levelled off with
    # every corpus input under 3.3 KB.
    [[ $target == run ]] && max_len=2048
    while :; do
        total=$(cat "logs/$target.total" 2>/dev/null || echo 0)
        ((total < RUNS)) || break
        runs=$((RUNS - total < BATCH ? RUNS - total : BATCH))
        rc=0
        nice -n 19 "$bin/$target" "corpus/$target" -runs="$runs" -max_len="$max_len" -reload=0 \
            -timeout=120 -rss_limit_mb=4096 -detect_leaks=0 -close_fd_mask=3 \
            -artifact_prefix="artifacts/$target/" -print_final_stats=1 \
            >"$log" 2>&1 || rc=$?
        # 72: interrupted (SIGINT, e.g. `pkill -INT -f 'release/run corpus'`); libFuzzer
        # still prints its statistics, so the batch's executions count, and the loop stops.
        # The executions a batch ran count even when it ends at a finding.
        runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
        runs=${runs:-0}
        (
            flock 9
            total=$(cat "logs/$target.total" 2>/dev/null || echo 0)
            echo $((total + runs)) >"logs/$target.total"
            echo "$(date -u +%FT%TZ) $target: +$runs, total $((total + runs))" >>logs/campaign.log
        ) 9>"logs/$target.lock"
        if ((rc != 0 && rc != 72)); then
            echo "$(date -u +%FT%TZ) $target: batch failed, see $log" >>logs/campaign.log
        fi
        ((rc == 0)) || break
    done
}
for target in $TARGETS; do
    for ((job = 1; job <= JOBS; job++)); do
        campaign "$target" "$job" &
    done
done
echo "fuzzing in the background; progress in fuzz/logs/campaign.log"
