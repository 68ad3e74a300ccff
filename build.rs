//! Generates the LALRPOP parser into OUT_DIR (never into the source tree), and hashes the
//! sources that decide what the compiler makes of the asyncio prelude, so that a frozen
//! prelude made from other sources is never used (see `src/frozen.rs`).

use std::path::{Path, PathBuf};

/// What the frozen preludes depend on: the preludes themselves, the lexer, parser, grammar and
/// compiler, the instruction set and the frozen format.
const FROZEN_INPUTS: &[&str] = &[
    "grammar",
    "src/ast.rs",
    "src/bytecode.rs",
    "src/compiler",
    "src/frozen.rs",
    "src/lexer.rs",
    "src/parser",
    "src/parser.rs",
    "src/scheduler/prelude.py",
    "src/span.rs",
    "src/threads/futures.py",
    "src/threads/threading.py",
];

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    lalrpop::Configuration::new()
        .set_out_dir(out)
        .emit_rerun_directives(true)
        .process_file("grammar/aio.lalrpop")
        .expect("grammar generation failed");

    let mut files = Vec::new();
    for input in FROZEN_INPUTS {
        println!("cargo:rerun-if-changed={input}");
        collect(Path::new(input), &mut files);
    }
    files.sort();
    // FNV-1a over each file's path and contents: stable across machines and builds.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let text = std::fs::read(file).expect("a frozen prelude input is readable");
        let path = file.to_string_lossy().replace('\\', "/");
        for &b in path
            .as_bytes()
            .iter()
            .chain([0u8].iter())
            .chain(text.iter())
        {
            hash ^= b as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=AIO_FROZEN_SOURCES_HASH={hash}");
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let entries = std::fs::read_dir(path).expect("a frozen prelude input directory");
        for entry in entries.flatten() {
            collect(&entry.path(), files);
        }
    } else {
        // Sources only (an editor's backup file changes nothing), and not the unit tests
        // beside the parser, which change nothing it makes.
        let source = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "py" | "lalrpop")
        );
        if source && path.file_name().is_some_and(|n| n != "tests.rs") {
            files.push(path.to_path_buf());
        }
    }
}
