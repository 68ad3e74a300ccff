//! A few seconds of the `run` fuzz target inside `cargo test`, on the stable toolchain:
//! programs from the fuzzer's generator (tests/support/program_gen.rs), driven by
//! pseudo-random bytes, must compile and then end normally, with a Python exception or at a
//! limit — never a panic, an abort, a signal or a hang. (The front end gets the same
//! treatment from random and mutated text in tests/robustness.rs.)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arbitrary::Unstructured;

#[path = "support/program_gen.rs"]
mod program_gen;

const AIO: &str = env!("CARGO_BIN_EXE_aio");
const PROGRAMS: u64 = 60;

/// xorshift64*: enough randomness for choosing generator paths, and reproducible.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

#[test]
fn generated_async_programs_end_in_an_orderly_way() {
    let dir = std::env::temp_dir().join(format!("aio-fuzz-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for seed in 0..PROGRAMS {
        let data = bytes(seed, 300 + (seed as usize * 37) % 1500);
        let mut u = Unstructured::new(&data);
        let Ok(source) = program_gen::Gen::new(&mut u).program() else {
            continue;
        };
        let file = dir.join(format!("seed{seed}.aio"));
        std::fs::write(&file, &source).unwrap();
        let start = Instant::now();
        let out = Command::new(AIO)
            .args(["run", "--virtual-time", "--max-steps", "50000"])
            .args(["--max-memory", "64", "--timeout", "10"])
            .arg(&file)
            .stdin(Stdio::null())
            .env("NO_COLOR", "1")
            .output()
            .expect("cannot start aio");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let orderly = matches!(out.status.code(), Some(0 | 1 | 121 | 122))
            && !stderr.contains("panicked")
            && !stderr.contains("SyntaxError");
        if !orderly || start.elapsed() > Duration::from_secs(10) {
            failures.push(format!(
                "{}: {} after {:?}\n{}",
                file.display(),
                out.status,
                start.elapsed(),
                stderr.lines().rev().take(5).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if std::env::var_os("AIO_KEEP_SMOKE").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
