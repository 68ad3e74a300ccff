//! Arbitrary bytes through the lexer, parser and compiler: every input must end in a
//! compiled program or diagnostics, never a panic or a stack overflow.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    // The CLI runs the interpreter on a 1 GB stack: start the fuzzer with `ulimit -s
    // 1048576` to match (fuzz/README.md), so deep nesting is judged as in `aio`.
    if let Err(diags) = aio::compile("<fuzz>", &text, false) {
        for d in &diags {
            let _ = aio::diagnostics::render_syntax_error("<fuzz>", &text, d, false);
        }
    }
});
