#!/usr/bin/env bash
# Build both fuzz targets and run each toward RUNS executions (default 10 million), in the
# background at the lowest priority. Logs: fuzz/logs/<target>.log; crashes: fuzz/artifacts/.
# Needs `cargo install cargo-fuzz`; RUSTC_BOOTSTRAP lets the stable toolchain take the
# fuzzing flags. Safe Rust needs no AddressSanitizer (-s none), which makes runs ~10x faster.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs corpus/compile corpus/run artifacts/compile artifacts/run
# Seed both corpora from the golden programs and examples (the run target reads its
# bytes as choices for the program generator).
for f in $(find ../tests/golden ../examples -name '*.aio'); do
    name=$(md5sum "$f" | cut -c1-16)
    cp "$f" "corpus/compile/$name"
    cp "$f" "corpus/run/$name"
done
# The interpreter runs on a 1 GB stack in the CLI; the fuzzers get the same.
ulimit -s 1048576
for target in compile run; do
    nice -n 19 "$bin/$target" "corpus/$target" -runs="$RUNS" -max_len=8192 -timeout=30 \
        -rss_limit_mb=2048 -detect_leaks=0 -close_fd_mask=3 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"logs/$target.log" 2>&1 &
done
echo "fuzzing in the background; see fuzz/logs/"
