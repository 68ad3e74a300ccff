//! Smoke runs of the benchmark workloads in `bench/`: each one, with a tiny N, must run under
//! `aio run --virtual-time`, exit 0 and print what python3 prints for the same N.
//! Benchmarks are measured by `bench/compare.sh`, not here.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const AIO: &str = env!("CARGO_BIN_EXE_aio");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `program args...` in the crate root, killing it after `TIMEOUT`. `None` when the
/// program can't be started.
fn run(program: &str, args: &[&str]) -> Option<Output> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(ROOT)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let start = Instant::now();
    while child.try_wait().ok()?.is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("{program} {args:?} did not finish within {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().ok()
}

fn smoke(workload: &str, n: Option<&str>) {
    let file = format!("bench/{workload}.aio");
    assert!(Path::new(ROOT).join(&file).is_file(), "{file} is missing");
    let mut args = vec!["run", "--virtual-time", file.as_str()];
    args.extend(n);
    let aio = run(AIO, &args).expect("aio could not be started");
    let out = String::from_utf8_lossy(&aio.stdout);
    assert!(
        aio.status.success(),
        "aio {args:?} failed ({}):\n{}",
        aio.status,
        String::from_utf8_lossy(&aio.stderr)
    );
    assert_eq!(
        out.lines().count(),
        1,
        "{file} must print one line, got:\n{out}"
    );

    let mut py_args = vec![file.as_str()];
    py_args.extend(n);
    match run("python3", &py_args) {
        None => eprintln!("note: python3 not found; {file} not compared with CPython"),
        Some(py) => {
            assert!(py.status.success(), "python3 {py_args:?} failed");
            assert_eq!(
                out,
                String::from_utf8_lossy(&py.stdout),
                "{file}: aio vs python3"
            );
        }
    }
}

#[test]
fn million() {
    smoke("million", Some("1000"));
}

#[test]
fn switch() {
    // 2 tasks x 1,000 switches each.
    smoke("switch", Some("2"));
}

#[test]
fn pingpong() {
    smoke("pingpong", Some("1000"));
}

#[test]
fn fib() {
    smoke("fib", Some("15"));
}

#[test]
fn loop_() {
    smoke("loop", Some("1000"));
}

#[test]
fn hello() {
    smoke("hello", None);
}

#[test]
fn churn() {
    // More than one batch of 10,000.
    smoke("churn", Some("12000"));
}
