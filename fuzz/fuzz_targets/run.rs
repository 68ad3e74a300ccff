//! Generated well-formed programs (sync and async), executed under a step budget on the
//! virtual clock: every program must end (normally, with a Python exception, or at a
//! limit), never with a panic, an abort or a hang.
//!
//! The fuzzer's bytes drive the program generator in tests/support/program_gen.rs. Run with
//! `-close_fd_mask=3` to silence the programs' output.

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/program_gen.rs"]
mod program_gen;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(source) = program_gen::Gen::new(&mut u).program() else {
        return;
    };
    // Show the generated program when reproducing a finding.
    if std::env::var_os("AIO_FUZZ_PRINT").is_some() {
        eprintln!("{source}");
    }
    // Started with `ulimit -s 1048576`, like the CLI's 1 GB interpreter thread. The memory
    // limit is small (the golden programs run unchanged under it): the limit's paths are
    // exercised as often, and one instruction can copy a string up to the limit's size, so
    // a program that repr()s ever longer strings took seconds under 8 MB.
    let opts = aio::RunOptions {
        virtual_time: true,
        limits: aio::vm::Limits {
            max_steps: Some(50_000),
            max_memory: Some(2 << 20),
            ..Default::default()
        },
        ..Default::default()
    };
    match aio::compile("<fuzz>", &source, false) {
        Ok(code) => {
            aio::run_code_ending(code, "<fuzz>", &opts);
        }
        Err(diags) => panic!(
            "the generator wrote an invalid program: {}\n{source}",
            diags[0].message
        ),
    }
});
