//! `--shuffle SEED` and `--explore N`: a data race that CPython's order hides shows both of
//! its outcomes, a seed reproduces its trace byte for byte (the trace is checked in as
//! `tests/shuffle/*.seedN.trace`; `AIO_BLESS=1` rewrites it), and every example still
//! runs to the same exit status under shuffled schedules.

#[path = "support/aio_files.rs"]
mod aio_files;

use std::process::{Command, Output};

fn aio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aio"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run aio")
}

fn stdout(args: &[&str]) -> String {
    let out = aio(args);
    assert!(
        out.status.success(),
        "aio {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

const RACE: &str = "tests/shuffle/lost_update.aio";

#[test]
fn explore_shows_both_outcomes_of_the_race() {
    let report = stdout(&["run", "--explore", "20", RACE]);
    assert!(report.contains("2 distinct outputs"), "{report}");
    assert!(
        report.contains("from CPython's order, and ")
            && report.contains("  bob took 50, balance 20\n  final balance 20\n"),
        "{report}"
    );
    assert!(
        report.contains("  bob took 50, balance 50\n  final balance 50\n"),
        "the lost update is not found:\n{report}"
    );
    assert!(report.contains("replay a schedule: aio run --virtual-time --shuffle "));
}

#[test]
fn a_seed_reproduces_its_run_and_its_trace_byte_for_byte() {
    let lost = stdout(&["run", "--virtual-time", "--shuffle", "6", RACE]);
    assert!(lost.ends_with("final balance 50\n"), "{lost}");
    let first = stdout(&["trace", "--shuffle", "6", RACE]);
    let second = stdout(&["trace", "--shuffle", "6", RACE]);
    assert_eq!(first, second, "two traces with seed 6 differ");
    let golden = "tests/shuffle/lost_update.seed6.trace";
    if std::env::var_os("AIO_BLESS").is_some() {
        std::fs::write(golden, &first).expect("write golden trace");
    } else {
        let want = std::fs::read_to_string(golden).expect("golden trace");
        assert_eq!(first, want, "trace with seed 6 differs from {golden}");
    }
    assert!(first.contains("(run in shuffled order)"));
}

#[test]
fn without_shuffle_the_order_is_cpythons() {
    let out = stdout(&["run", "--virtual-time", RACE]);
    assert_eq!(
        out,
        "alice took 30, balance 70\nbob took 50, balance 20\nfinal balance 20\n"
    );
    let trace = stdout(&["trace", RACE]);
    assert!(!trace.contains("shuffled"));
}

/// Every seed is a legal schedule: the examples end as they do in CPython's order.
#[test]
fn examples_end_alike_under_shuffled_schedules() {
    let files = aio_files::aio_files(&["examples".into()]);
    for f in files {
        let path = f.to_str().expect("utf-8 path");
        let want = aio(&["run", "--virtual-time", path]).status.code();
        for seed in ["1", "2"] {
            let out = aio(&["run", "--virtual-time", "--shuffle", seed, path]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                want,
                "{path} with --shuffle {seed}:\n{err}"
            );
            assert!(!err.contains("panicked"), "{path}:\n{err}");
        }
    }
}
