//! Robustness: no input, however malformed, may crash the interpreter.
//!
//! Every run here must end with exit status 0 or 1 (1 with a diagnostic on stderr): never a
//! signal (stack overflow, abort), never 101 (a Rust panic), never 70 (aio's internal error),
//! and stderr never mentions "panicked".
//!
//! * random programs (raw bytes, printable ASCII, mixes of Python tokens, and golden programs
//!   with a few tokens mutated), each through `aio check` and `aio run --virtual-time`;
//! * truncations of every golden program and example through `aio check`;
//! * deep recursion ends in `RecursionError`, deeply nested input in a diagnostic.
//!
//! A failing input is saved under `<temp dir>/aio-crashes/` and named in the failure message.
//!
//! Knobs: `AIO_ROBUSTNESS_PREFIXES=<n>` checks at most n truncations per program (default
//! 60), `AIO_ROBUSTNESS_PREFIXES=all` checks every one of them (slow);
//! `AIO_ROBUSTNESS_THREADS=<n>` sets the number of worker threads.

#[path = "support/aio_files.rs"]
mod aio_files;

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const AIO: &str = env!("CARGO_BIN_EXE_aio");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// A run that takes longer than this is killed.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Size of each random program.
const RANDOM_LEN: usize = 2_000;
/// Number of seeds for each family of random programs.
const SEEDS: u64 = 20;
/// Default number of truncations checked per program.
const DEFAULT_PREFIXES: usize = 60;
/// Truncations next to the line breaks of this many first lines are always checked.
const BOUNDARY_LINES: usize = 6;
/// At most this many failures are listed in a failure message.
const MAX_REPORTED: usize = 20;

// ---------------------------------------------------------------------------------------------
// Running aio

struct Outcome {
    status: Option<ExitStatus>,
    stderr: String,
    timed_out: bool,
}

impl Outcome {
    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
}

/// Runs `aio <args> <file>` with empty stdin, killing it after `TIMEOUT`.
fn run_aio(args: &[&str], file: &Path) -> Outcome {
    let mut command = Command::new(AIO);
    command
        .args(args)
        .arg(file)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1");
    let mut child = command.spawn().expect("cannot start the aio binary");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    // The child closing its stderr means it has exited (aio starts no other process).
    let deadline = Instant::now() + TIMEOUT;
    let stderr = stderr.recv_timeout(TIMEOUT);
    let stdout = stdout.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    let timed_out = stderr.is_err() || stdout.is_err();
    if timed_out {
        let _ = child.kill();
    }
    let status = child.wait().ok();
    let stderr = stderr.unwrap_or_default();
    Outcome {
        status,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
    }
}

/// Reads a pipe to its end on another thread, so that a chatty child never blocks.
fn drain<R: Read + Send + 'static>(source: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut buffer = Vec::new();
        if let Some(mut source) = source {
            let _ = source.read_to_end(&mut buffer);
        }
        let _ = sender.send(buffer);
    });
    receiver
}

/// Why an outcome is a crash, or `None` when it is an orderly exit (0, or 1 with a message).
fn crash(outcome: &Outcome) -> Option<String> {
    if outcome.timed_out {
        return Some(format!("did not finish within {} s", TIMEOUT.as_secs()));
    }
    if outcome.stderr.contains("panicked") {
        return Some(format!("panicked: {}", last_lines(&outcome.stderr, 6)));
    }
    match outcome.code() {
        Some(0) => None,
        Some(1) if outcome.stderr.trim().is_empty() => {
            Some("exited with 1 but printed no diagnostic".to_string())
        }
        Some(1) => None,
        Some(code) => Some(format!(
            "exited with status {code}: {}",
            last_lines(&outcome.stderr, 6)
        )),
        None => Some(format!(
            "killed by a signal ({}): {}",
            outcome
                .status
                .map_or_else(|| "no status".to_string(), |s| s.to_string()),
            last_lines(&outcome.stderr, 6)
        )),
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n    ")
}

// ---------------------------------------------------------------------------------------------
// Inputs and failures

/// A scratch directory for the inputs of one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("aio-robustness-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("cannot create a scratch directory");
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, bytes).expect("cannot write a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Saves a failing input under `<temp dir>/aio-crashes/` and returns its path.
fn save_reproducer(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join("aio-crashes");
    let _ = fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = fs::write(&path, bytes);
    path
}

#[derive(Default)]
struct Failures(Mutex<Vec<String>>);

impl Failures {
    fn add(&self, what: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(what);
    }

    fn assert_none(self, total: usize) {
        let mut list = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        if list.is_empty() {
            return;
        }
        list.sort();
        let count = list.len();
        list.truncate(MAX_REPORTED);
        panic!(
            "{count} of {total} runs crashed (reproducers saved in {}):\n  {}",
            std::env::temp_dir().join("aio-crashes").display(),
            list.join("\n  ")
        );
    }
}

/// Runs `job` on every item, on several threads.
fn parallel<T: Sync>(items: &[T], job: impl Fn(&T) + Sync) {
    let threads = std::env::var("AIO_ROBUSTNESS_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| thread::available_parallelism().map_or(2, |n| n.get().max(2)));
    let next = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..threads.min(items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    job(item);
                }
            });
        }
    });
}

/// Checks one input with each command; records every crash with a saved reproducer.
fn check_input(failures: &Failures, scratch: &Scratch, name: &str, bytes: &[u8], run_it: bool) {
    let path = scratch.write(name, bytes);
    let check = run_aio(&["check"], &path);
    let mut problems = Vec::new();
    if let Some(why) = crash(&check) {
        problems.push(format!("`aio check`: {why}"));
    }
    if run_it {
        let run = run_aio(&["run", "--virtual-time"], &path);
        match crash(&run) {
            // A valid program may loop forever; that is not a crash.
            Some(_) if run.timed_out && check.code() == Some(0) => {}
            Some(why) => problems.push(format!("`aio run --virtual-time`: {why}")),
            None => {}
        }
    }
    if !problems.is_empty() {
        let saved = save_reproducer(name, bytes);
        failures.add(format!("{}: {}", saved.display(), problems.join("; ")));
    }
}

// ---------------------------------------------------------------------------------------------
// Random programs

/// A 64-bit linear congruential generator (Knuth's MMIX constants): fixed seeds, same inputs
/// on every machine.
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Lcg {
        let mut lcg = Lcg(seed ^ 0x9E37_79B9_7F4A_7C15);
        lcg.next();
        lcg
    }

    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn random_bytes(seed: u64) -> Vec<u8> {
    let mut lcg = Lcg::new(seed);
    (0..RANDOM_LEN).map(|_| lcg.next() as u8).collect()
}

fn random_ascii(seed: u64) -> Vec<u8> {
    let mut lcg = Lcg::new(seed);
    (0..RANDOM_LEN)
        .map(|_| match lcg.below(20) {
            0 => b'\n',
            1 => b' ',
            _ => b' ' + lcg.below(95) as u8,
        })
        .collect()
}

/// Pieces of Python, from which random token soups are made.
const TOKENS: &[&str] = &[
    "def",
    "async",
    "await",
    "class",
    "return",
    "yield",
    "from",
    "lambda",
    "if",
    "elif",
    "else",
    "while",
    "for",
    "in",
    "not",
    "and",
    "or",
    "is",
    "try",
    "except",
    "finally",
    "raise",
    "with",
    "as",
    "pass",
    "break",
    "continue",
    "global",
    "nonlocal",
    "del",
    "assert",
    "import",
    "None",
    "True",
    "False",
    "x",
    "y",
    "f",
    "self",
    "asyncio",
    "print",
    "range",
    "len",
    "super",
    "__init__",
    "0",
    "1",
    "42",
    "2**100",
    "1.5",
    "1e-3",
    "0x1f",
    "'s'",
    "\"t\"",
    "'''u'''",
    "f'{x}'",
    "f'{x!r:>5}'",
    "r'\\d'",
    "'\\n'",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    ";",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "**",
    "/",
    "//",
    "%",
    "@",
    "&",
    "|",
    "^",
    "~",
    "<<",
    ">>",
    "+=",
    "-=",
    "->",
    "*args",
    "**kw",
    ":=",
    "\\",
    "#",
    "...",
];

fn random_tokens(seed: u64) -> Vec<u8> {
    let mut lcg = Lcg::new(seed);
    let mut out = String::new();
    while out.len() < RANDOM_LEN {
        out.push_str(lcg.pick(TOKENS));
        match lcg.below(8) {
            0 => {
                out.push('\n');
                for _ in 0..lcg.below(4) {
                    out.push_str("    ");
                }
            }
            1 | 2 => {}
            _ => out.push(' '),
        }
    }
    out.truncate(RANDOM_LEN);
    out.into_bytes()
}

/// A golden program with a few of its tokens deleted, duplicated or replaced: mostly almost
/// valid programs, which reach the compiler and the VM.
fn mutated_program(seed: u64, sources: &[String]) -> Vec<u8> {
    let mut lcg = Lcg::new(seed);
    let source = &sources[lcg.below(sources.len())];
    let mut words: Vec<String> = split_words(source);
    for _ in 0..1 + lcg.below(4) {
        if words.is_empty() {
            break;
        }
        let at = lcg.below(words.len());
        match lcg.below(3) {
            0 => {
                words.remove(at);
            }
            1 => {
                let word = words[at].clone();
                words.insert(at, word);
            }
            _ => words[at] = lcg.pick(TOKENS).to_string(),
        }
    }
    words.concat().into_bytes()
}

/// Splits source text into runs of word characters, runs of spaces, and single other chars.
fn split_words(source: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c == ' ' {
            1
        } else {
            2
        }
    };
    let mut last = None;
    for c in source.chars() {
        let k = class(c);
        match words.last_mut() {
            Some(word) if last == Some(k) && k != 2 => word.push(c),
            _ => words.push(c.to_string()),
        }
        last = Some(k);
    }
    words
}

#[test]
fn random_programs_end_in_a_diagnostic() {
    let scratch = Scratch::new("random");
    // Programs that choose their own exit status (`raise SystemExit(3)`, `sys.exit(3)`) are
    // left out.
    let sources: Vec<String> = corpus()
        .iter()
        .filter_map(|path| fs::read_to_string(path).ok())
        .filter(|source| !source.contains("SystemExit") && !source.contains("exit("))
        .collect();
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for seed in 1..=SEEDS {
        inputs.push((format!("random_bytes_{seed}.aio"), random_bytes(seed)));
        inputs.push((format!("random_ascii_{seed}.aio"), random_ascii(seed)));
        inputs.push((format!("random_tokens_{seed}.aio"), random_tokens(seed)));
        inputs.push((
            format!("mutated_{seed}.aio"),
            mutated_program(seed, &sources),
        ));
    }
    let failures = Failures::default();
    parallel(&inputs, |(name, bytes)| {
        check_input(&failures, &scratch, name, bytes, true);
    });
    failures.assert_none(inputs.len() * 2);
}

// ---------------------------------------------------------------------------------------------
// Truncations

/// Every `.aio` under tests/golden and examples, sorted.
fn corpus() -> Vec<PathBuf> {
    let files = aio_files::aio_files(&[
        Path::new(ROOT).join("tests/golden"),
        Path::new(ROOT).join("examples"),
    ]);
    assert!(!files.is_empty(), "no programs found under tests/golden");
    files
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The prefix lengths to check: the empty and the whole text, the cuts just before, at and
/// just after the line breaks of the first lines, and evenly spaced cuts in between; at most
/// `max` of them (`None`: every char boundary).
fn prefix_lengths(text: &str, max: Option<usize>) -> Vec<usize> {
    let Some(max) = max else {
        return (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
    };
    let mut cuts = BTreeSet::from([0, text.len()]);
    for (at, _) in text.match_indices('\n').take(BOUNDARY_LINES) {
        for cut in [at.saturating_sub(1), at, at + 1] {
            cuts.insert(floor_char_boundary(text, cut));
        }
    }
    let room = max.saturating_sub(cuts.len()).max(1);
    let stride = text.len().div_ceil(room).max(1);
    for cut in (stride..text.len()).step_by(stride) {
        cuts.insert(floor_char_boundary(text, cut));
    }
    cuts.into_iter().take(max).collect()
}

fn max_prefixes() -> Option<usize> {
    match std::env::var("AIO_ROBUSTNESS_PREFIXES") {
        Ok(v) if v == "all" => None,
        Ok(v) => Some(v.parse().unwrap_or(DEFAULT_PREFIXES)),
        Err(_) => Some(DEFAULT_PREFIXES),
    }
}

#[test]
fn truncated_programs_end_in_a_diagnostic() {
    let scratch = Scratch::new("truncated");
    let max = max_prefixes();
    let mut jobs: Vec<(String, Vec<u8>)> = Vec::new();
    for path in corpus() {
        let text = fs::read_to_string(&path).expect("a golden program is not UTF-8");
        let rel = path.strip_prefix(ROOT).unwrap_or(&path);
        let stem = rel.to_string_lossy().replace(['/', '\\'], "__");
        let stem = stem.trim_end_matches(".aio");
        for cut in prefix_lengths(&text, max) {
            jobs.push((
                format!("{stem}__cut{cut}.aio"),
                text.as_bytes()[..cut].to_vec(),
            ));
        }
    }
    let failures = Failures::default();
    parallel(&jobs, |(name, bytes)| {
        check_input(&failures, &scratch, name, bytes, false);
    });
    failures.assert_none(jobs.len());
}

#[test]
fn prefix_lengths_respect_the_limit_and_char_boundaries() {
    let text = "def f():\n    return 'é'\n\nprint(f())\n".repeat(40);
    let cuts = prefix_lengths(&text, Some(DEFAULT_PREFIXES));
    assert!(cuts.len() <= DEFAULT_PREFIXES);
    assert!(cuts.iter().all(|&c| text.is_char_boundary(c)));
    for must in [0, 7, 8, 9, text.len()] {
        assert!(cuts.contains(&must), "{must} missing from {cuts:?}");
    }
    assert_eq!(prefix_lengths("é", None), vec![0, 2]);
}

// ---------------------------------------------------------------------------------------------
// Deep recursion and deep nesting

/// Runs a program and expects a RecursionError traceback and exit status 1.
fn expect_recursion_error(name: &str, source: &str) {
    let scratch = Scratch::new(name);
    let path = scratch.write(&format!("{name}.aio"), source.as_bytes());
    let outcome = run_aio(&["run"], &path);
    let problem = if let Some(why) = crash(&outcome) {
        Some(why)
    } else if outcome.code() != Some(1) {
        Some(format!("exited with {:?}, expected 1", outcome.code()))
    } else if !outcome
        .stderr
        .contains("Traceback (most recent call last):")
        || !outcome
            .stderr
            .contains("RecursionError: maximum recursion depth exceeded")
    {
        Some(format!(
            "no RecursionError traceback on stderr:\n    {}",
            last_lines(&outcome.stderr, 10)
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        let saved = save_reproducer(&format!("{name}.aio"), source.as_bytes());
        panic!("{}: {problem}", saved.display());
    }
}

#[test]
fn recursion_10000_deep_raises_recursion_error() {
    expect_recursion_error(
        "recursion_10000_deep",
        "def depth(n):\n    if n == 0:\n        return 0\n    return 1 + depth(n - 1)\n\n\
         print(depth(10_000))\n",
    );
}

#[test]
fn unbounded_recursion_raises_recursion_error() {
    expect_recursion_error("unbounded_recursion", "def f():\n    return f()\n\nf()\n");
}

#[test]
fn unbounded_coroutine_recursion_raises_recursion_error() {
    expect_recursion_error(
        "unbounded_coroutine_recursion",
        "import asyncio\n\nasync def f():\n    return await f()\n\nasyncio.run(f())\n",
    );
}

#[test]
fn unbounded_method_recursion_raises_recursion_error() {
    expect_recursion_error(
        "unbounded_method_recursion",
        "class A:\n    def __repr__(self):\n        return repr(self)\n\nprint(A())\n",
    );
}

/// Runs a program through `aio check` and `aio run`: exit 0 or 1 with a diagnostic.
fn expect_no_crash(name: &str, source: &str) {
    let scratch = Scratch::new(name);
    let failures = Failures::default();
    check_input(
        &failures,
        &scratch,
        &format!("{name}.aio"),
        source.as_bytes(),
        true,
    );
    failures.assert_none(2);
}

#[test]
fn nested_parentheses_1000_deep() {
    let source = format!("x = {}1{}\nprint(x)\n", "(".repeat(1000), ")".repeat(1000));
    expect_no_crash("nested_parentheses_1000", &source);
}

#[test]
fn nested_lists_1000_deep() {
    let source = format!("x = {}1{}\nprint(x)\n", "[".repeat(1000), "]".repeat(1000));
    expect_no_crash("nested_lists_1000", &source);
}

#[test]
fn unclosed_parentheses_100000() {
    expect_no_crash("unclosed_parentheses_100000", &"(".repeat(100_000));
}

#[test]
fn addition_chain_100000_terms() {
    let source = format!("x = 1{}\nprint(x)\n", "+1".repeat(99_999));
    expect_no_crash("addition_chain_100000", &source);
}

#[test]
fn unary_chain_100000_deep() {
    let source = format!("x = {}1\nprint(x)\n", "-".repeat(100_000));
    expect_no_crash("unary_chain_100000", &source);
}

#[test]
fn nested_ifs_200_deep() {
    let mut source = String::new();
    for level in 0..200 {
        source.push_str(&format!("{}if True:\n", " ".repeat(level)));
    }
    source.push_str(&format!("{}print('deep')\n", " ".repeat(200)));
    expect_no_crash("nested_ifs_200", &source);
}

#[test]
fn nested_defs_200_deep() {
    let mut source = String::new();
    for level in 0..200 {
        source.push_str(&format!("{}def f{level}():\n", " ".repeat(level)));
    }
    source.push_str(&format!("{}return 1\n", " ".repeat(200)));
    source.push_str("print(f0())\n");
    expect_no_crash("nested_defs_200", &source);
}

#[test]
fn deeply_nested_data_repr() {
    expect_no_crash(
        "nested_data_repr",
        "x = []\nfor i in range(100_000):\n    x = [x]\nprint(x)\n",
    );
}

// ---------------------------------------------------------------------------------------------
// Deep input at the sizes of issue 8: a clear SyntaxError (as CPython's) or a normal run.

/// `aio run` on `source` must fail with exit status 1 and `message` on stderr.
fn expect_diagnostic(name: &str, source: &str, message: &str) {
    let scratch = Scratch::new(name);
    let path = scratch.write(&format!("{name}.aio"), source.as_bytes());
    let outcome = run_aio(&["run"], &path);
    if let Some(why) = crash(&outcome) {
        panic!("{name}: {why}");
    }
    assert_eq!(outcome.code(), Some(1), "{name}: {}", outcome.stderr);
    assert!(
        outcome.stderr.contains(message),
        "{name}: expected `{message}` in:\n{}",
        last_lines(&outcome.stderr, 8)
    );
}

#[test]
fn nested_parentheses_100000_deep_are_too_many() {
    let source = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    expect_diagnostic(
        "parentheses_100000",
        &source,
        "SyntaxError: too many nested parentheses",
    );
}

#[test]
fn nested_brackets_100000_deep_are_too_many() {
    let source = format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    expect_diagnostic(
        "brackets_100000",
        &source,
        "SyntaxError: too many nested parentheses",
    );
}

#[test]
fn addition_chain_100000_deep_is_too_deeply_nested() {
    let source = format!("x = 1{}\nprint(x)\n", "+1".repeat(100_000));
    expect_diagnostic(
        "plus_chain_100000",
        &source,
        "SyntaxError: too deeply nested expression",
    );
}

#[test]
fn postfix_chains_100000_deep_are_too_deeply_nested() {
    for (name, tail) in [
        ("attribute_chain", ".b"),
        ("call_chain", "()"),
        ("index_chain", "[0]"),
    ] {
        let source = format!("x = a{}\n", tail.repeat(100_000));
        expect_diagnostic(name, &source, "SyntaxError: too deeply nested expression");
    }
}

#[test]
fn prefix_chains_100000_deep_are_too_deeply_nested() {
    for (name, head) in [
        ("lambda_chain", "lambda: "),
        ("not_chain", "not "),
        ("await_chain", "await "),
    ] {
        let source = format!("x = {}1\n", head.repeat(100_000));
        expect_diagnostic(name, &source, "SyntaxError");
    }
}

#[test]
fn nested_ifs_5000_deep_are_too_many_levels_of_indentation() {
    let mut source = String::new();
    for level in 0..5000 {
        source.push_str(&format!("{}if True:\n", " ".repeat(level)));
    }
    source.push_str(&format!("{}print('deep')\n", " ".repeat(5000)));
    expect_diagnostic(
        "ifs_5000",
        &source,
        "IndentationError: too many levels of indentation",
    );
}

#[test]
fn a_10_megabyte_line_runs() {
    let scratch = Scratch::new("line_10mb");
    let source = format!("x = '{}'\nprint(len(x))\n", "a".repeat(10_000_000));
    let path = scratch.write("line_10mb.aio", source.as_bytes());
    let outcome = run_aio(&["run"], &path);
    assert!(crash(&outcome).is_none(), "{:?}", crash(&outcome));
    assert_eq!(outcome.code(), Some(0), "{}", outcome.stderr);
}
