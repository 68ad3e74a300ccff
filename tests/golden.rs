//! Golden tests: run aio programs and compare what they print with what CPython 3.11 prints.
//!
//! The format is described in `tests/golden/README.md`. In short, for every
//! `tests/golden/**/<name>.aio` (and every `examples/**/<name>.aio` that has an expected
//! output next to it) this runner creates three tests:
//!
//! * `aio::<path>`          runs `aio run [args] <path>`
//! * `aio-virtual::<path>`  runs `aio run --virtual-time [args] <path>` (same expected output)
//! * `python::<path>`       runs `python3 <path>` (the differential check against the oracle)
//!
//! and compares each run with the files next to the program:
//!
//! * `<name>.out`   exact expected stdout, or
//! * `<name>.match` one regex per line, each must fully match the same line of stdout
//! * `<name>.err`   the program must fail: non-zero exit, and every non-empty line of this
//!   file must appear in aio's stderr (python3 only has to fail with the same exception type
//!   as the last line of this file)
//! * `<name>.in`    fed to stdin (otherwise stdin is empty)
//!
//! Directives on the first lines of a program: `# aio-test: no-python (reason)` skips the
//! python3 run; `# aio-test: args=--foo --bar` passes extra arguments to `aio run`.
//!
//! Programs that aio cannot pass yet are listed in `tests/golden/PENDING`: their aio runs are
//! ignored (use `-- --include-ignored` to try them anyway), their python3 runs still count.
//!
//! Useful commands:
//!
//! * `cargo test --test golden -- exceptions`    only the tests whose name contains `exceptions`
//! * `AIO_BLESS=1 cargo test --test golden`      rewrite every `.out` from python3's stdout
//!   (aio runs are skipped while blessing; `.match` files are never rewritten)
//! * `AIO_BIN=path/to/aio`                       test another aio binary
//! * `AIO_PYTHON=python3.11`                     use another oracle
//! * `AIO_TEST_TIMEOUT=120`                      per-run timeout in seconds (default 60)

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// Directory of the golden corpus, relative to the crate root.
const GOLDEN_DIR: &str = "tests/golden";
/// Directory of the examples, relative to the crate root.
const EXAMPLES_DIR: &str = "examples";
/// The list of programs aio is not expected to pass yet, relative to the crate root.
const PENDING_FILE: &str = "tests/golden/PENDING";
/// Default per-run timeout.
const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Files at the top of the golden directory that are not part of a test (`*.md` notes are
/// allowed anywhere).
const NON_TEST_FILES: &[&str] = &["PENDING"];
/// Extensions that may sit next to a `.aio` program.
const COMPANION_EXTENSIONS: &[&str] = &["out", "match", "err", "in"];

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = Arc::new(Config::from_env(&root));

    let mut programs = Vec::new();
    collect_aio_files(&root, &root.join(GOLDEN_DIR), &mut programs);
    let mut examples = Vec::new();
    collect_aio_files(&root, &root.join(EXAMPLES_DIR), &mut examples);
    examples.retain(|rel| {
        let path = root.join(rel);
        path.with_extension("out").is_file() || path.with_extension("match").is_file()
    });
    programs.extend(examples);
    programs.sort();
    programs.dedup();

    let pending = read_pending(&root);

    if config.python.is_none() {
        eprintln!(
            "note: python3 was not found (set AIO_PYTHON to choose one): \
             the python:: differential tests are ignored"
        );
    }

    let mut trials = Vec::new();

    {
        let pending = pending.clone();
        trials.push(Trial::test(
            "pending_list_is_valid",
            move || match &pending.errors[..] {
                [] => Ok(()),
                errors => Err(errors.join("\n").into()),
            },
        ));
    }
    {
        // While blessing, the `.out` files are being written: check them on the next run.
        let root = root.clone();
        let trial = Trial::test("golden_files_are_consistent", move || {
            check_golden_files(&root)
        });
        trials.push(trial.with_ignored_flag(config.bless));
    }

    for rel in programs {
        let case = Arc::new(Case::new(&root, rel));
        let is_pending = pending.covers(&case.rel);
        let no_python = fs::read_to_string(case.path())
            .ok()
            .and_then(|src| parse_directives(&src).ok())
            .is_some_and(|d| d.no_python);

        let bless = config.bless;
        for mode in [Mode::Aio, Mode::AioVirtual] {
            let (case, config) = (Arc::clone(&case), Arc::clone(&config));
            let trial = Trial::test(format!("{}::{}", mode.label(), case.rel), move || {
                run_case(&config, &case, mode)
            });
            trials.push(trial.with_ignored_flag(is_pending || bless));
        }
        if !no_python {
            let (case, config) = (Arc::clone(&case), Arc::clone(&config));
            let ignored = config.python.is_none();
            let trial = Trial::ignorable_test(format!("python::{}", case.rel), move || {
                if config.python.is_none() {
                    return Ok(Completion::ignored_with("python3 not found"));
                }
                run_case(&config, &case, Mode::Python).map(|()| Completion::Completed)
            });
            trials.push(trial.with_ignored_flag(ignored));
        }
    }

    libtest_mimic::run(&args, trials).exit();
}

// ---------------------------------------------------------------------------------------------
// Configuration and discovery

struct Config {
    root: PathBuf,
    aio: PathBuf,
    python: Option<String>,
    timeout: Duration,
    bless: bool,
}

impl Config {
    fn from_env(root: &Path) -> Config {
        let aio = match std::env::var_os("AIO_BIN") {
            Some(bin) if !bin.is_empty() => {
                let bin = PathBuf::from(bin);
                if bin.is_relative() && bin.components().count() > 1 {
                    std::env::current_dir().map(|d| d.join(&bin)).unwrap_or(bin)
                } else {
                    bin
                }
            }
            _ => PathBuf::from(env!("CARGO_BIN_EXE_aio")),
        };
        let python_name = std::env::var("AIO_PYTHON")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "python3".to_string());
        // Resolve the interpreter once: launchers such as pyenv's shims cost a lot per run.
        let python = Command::new(&python_name)
            .args(["-c", "import sys; print(sys.executable)"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .map(|exe| {
                if !exe.is_empty() && Path::new(&exe).is_file() {
                    exe
                } else {
                    python_name.clone()
                }
            });
        let timeout = std::env::var("AIO_TEST_TIMEOUT")
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|&t| t > 0)
            .unwrap_or(DEFAULT_TIMEOUT_SECS);
        let bless = std::env::var("AIO_BLESS").is_ok_and(|v| !v.is_empty() && v != "0");
        Config {
            root: root.to_path_buf(),
            aio,
            python,
            timeout: Duration::from_secs(timeout),
            bless,
        }
    }
}

/// Appends every `*.aio` under `dir` (recursively) as a `/`-separated path relative to `root`.
fn collect_aio_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for path in walk(dir) {
        if path.extension().is_some_and(|e| e == "aio") {
            out.push(relative(root, &path));
        }
    }
}

/// All files under `dir`, recursively, sorted. A missing directory has no files.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

// ---------------------------------------------------------------------------------------------
// PENDING

#[derive(Clone, Default)]
struct Pending {
    /// Entries relative to the crate root; an entry ending in `/` covers a whole directory.
    entries: Vec<String>,
    errors: Vec<String>,
}

impl Pending {
    fn covers(&self, rel: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e == rel || (e.ends_with('/') && rel.starts_with(e.as_str())))
    }
}

/// Reads `tests/golden/PENDING`: one path per line (relative to `tests/golden`), optionally
/// followed by the issue that will make it pass; `#` starts a comment. A directory stands
/// for every program under it; `../../examples/x.aio` names an example.
fn read_pending(root: &Path) -> Pending {
    let mut pending = Pending::default();
    let Ok(text) = fs::read_to_string(root.join(PENDING_FILE)) else {
        return pending;
    };
    let mut seen = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some(entry) = line.split_whitespace().next() else {
            continue;
        };
        let lineno = index + 1;
        let Some(rel) =
            normalize(&format!("{GOLDEN_DIR}/{entry}")).filter(|_| !entry.starts_with('/'))
        else {
            pending.errors.push(format!(
                "{PENDING_FILE}:{lineno}: `{entry}` must be a relative path inside the crate"
            ));
            continue;
        };
        let path = root.join(&rel);
        let rel = if path.is_dir() { rel + "/" } else { rel };
        if !path.exists() {
            pending.errors.push(format!(
                "{PENDING_FILE}:{lineno}: `{entry}` does not exist (paths are relative to {GOLDEN_DIR})"
            ));
        } else if path.is_file() && !rel.ends_with(".aio") {
            pending.errors.push(format!(
                "{PENDING_FILE}:{lineno}: `{entry}` is not a .aio program"
            ));
        } else if !seen.insert(rel.clone()) {
            pending.errors.push(format!(
                "{PENDING_FILE}:{lineno}: `{entry}` is listed twice"
            ));
        } else {
            pending.entries.push(rel);
        }
    }
    pending
}

/// `a/./b/../c` as `a/c`; `None` if it climbs out of the crate root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Every file in the golden directory belongs to a program, and every program has exactly
/// one of `.out` and `.match`.
fn check_golden_files(root: &Path) -> Result<(), Failed> {
    let dir = root.join(GOLDEN_DIR);
    let mut problems = Vec::new();
    for path in walk(&dir) {
        let rel = relative(root, &path);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let ext = path.extension().unwrap_or_default().to_string_lossy();
        if ext == "md"
            || (path.parent() == Some(dir.as_path()) && NON_TEST_FILES.contains(&name.as_ref()))
        {
            continue;
        }
        if ext == "aio" {
            let out = path.with_extension("out").is_file();
            let matches = path.with_extension("match").is_file();
            if !out && !matches {
                problems.push(format!(
                    "{rel}: has neither .out nor .match (AIO_BLESS=1 writes the .out)"
                ));
            } else if out && matches {
                problems.push(format!("{rel}: has both .out and .match; keep one"));
            }
        } else if COMPANION_EXTENSIONS.contains(&ext.as_ref()) {
            if !path.with_extension("aio").is_file() {
                problems.push(format!("{rel}: no .aio program next to it"));
            }
        } else {
            problems.push(format!(
                "{rel}: unexpected file (allowed: .aio .out .match .err .in .md, and PENDING)"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

// ---------------------------------------------------------------------------------------------
// One program

struct Case {
    /// Path of the `.aio` file relative to the crate root, `/`-separated.
    rel: String,
    root: PathBuf,
}

impl Case {
    fn new(root: &Path, rel: String) -> Case {
        Case {
            rel,
            root: root.to_path_buf(),
        }
    }

    fn path(&self) -> PathBuf {
        self.root.join(&self.rel)
    }

    fn companion(&self, ext: &str) -> PathBuf {
        self.path().with_extension(ext)
    }

    fn read_companion(&self, ext: &str) -> Result<Option<String>, Failed> {
        let path = self.companion(ext);
        match fs::read(&path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| format!("{}: not valid UTF-8", relative(&self.root, &path)).into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", relative(&self.root, &path)).into()),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Aio,
    AioVirtual,
    Python,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Aio => "aio",
            Mode::AioVirtual => "aio-virtual",
            Mode::Python => "python",
        }
    }
}

#[derive(Default)]
struct Directives {
    no_python: bool,
    args: Vec<String>,
}

/// Reads the `# aio-test: ...` lines at the top of a program.
fn parse_directives(source: &str) -> Result<Directives, String> {
    let mut directives = Directives::default();
    for (index, line) in source.lines().enumerate() {
        let Some(rest) = line.trim().strip_prefix("# aio-test:") else {
            break;
        };
        let rest = rest.trim();
        if rest == "no-python" || rest.starts_with("no-python ") || rest.starts_with("no-python(") {
            directives.no_python = true;
        } else if let Some(args) = rest.strip_prefix("args=") {
            directives
                .args
                .extend(args.split_whitespace().map(str::to_string));
        } else {
            return Err(format!(
                "line {}: unknown directive `{line}` (known: `# aio-test: no-python (reason)`, \
                 `# aio-test: args=...`)",
                index + 1
            ));
        }
    }
    Ok(directives)
}

enum Expected {
    Exact(String),
    Patterns(Vec<regex::Regex>, Vec<String>),
}

fn run_case(config: &Config, case: &Case, mode: Mode) -> Result<(), Failed> {
    let source = fs::read_to_string(case.path()).map_err(|e| format!("{}: {e}", case.rel))?;
    let directives = parse_directives(&source).map_err(|e| format!("{}: {e}", case.rel))?;

    let mut command = match mode {
        Mode::Aio | Mode::AioVirtual => {
            let mut command = Command::new(&config.aio);
            command.arg("run");
            if mode == Mode::AioVirtual {
                command.arg("--virtual-time");
            }
            command.args(&directives.args);
            command
        }
        Mode::Python => Command::new(config.python.as_deref().unwrap_or("python3")),
    };
    command.arg(&case.rel);
    let shown = show_command(&command);

    let stdin = match fs::File::open(case.companion("in")) {
        Ok(file) => Stdio::from(file),
        Err(_) => Stdio::null(),
    };
    let run = run_with_timeout(command, &config.root, stdin, config.timeout)
        .map_err(|e| format!("could not run `{shown}`: {e}"))?;

    if config.bless && mode == Mode::Python && !case.companion("match").is_file() {
        return bless(case, &run, &shown);
    }

    let expected = load_expected(case)?;
    let err = case.read_companion("err")?;
    let mut report = String::new();
    if let Some(limit) = run.timed_out {
        let _ = writeln!(report, "timed out after {} s", limit.as_secs());
    }
    if let Err(diff) = compare_stdout(case, &expected, &run.stdout) {
        report.push_str(&diff);
    }
    if run.timed_out.is_none()
        && let Err(problem) = check_status(&err, &run, mode)
    {
        report.push_str(&problem);
    }
    if report.is_empty() {
        return Ok(());
    }
    let _ = writeln!(report, "command: {shown}   (in the crate root)");
    append_stderr(&mut report, &run.stderr);
    Err(report.into())
}

fn load_expected(case: &Case) -> Result<Expected, Failed> {
    if let Some(out) = case.read_companion("out")? {
        return Ok(Expected::Exact(out));
    }
    if let Some(text) = case.read_companion("match")? {
        let mut regexes = Vec::new();
        let mut sources = Vec::new();
        for (index, line) in split_lines(&text).into_iter().enumerate() {
            let regex = regex::Regex::new(&format!("^(?:{line})$")).map_err(|e| {
                format!(
                    "{}: line {}: bad regex: {e}",
                    relative(&case.root, &case.companion("match")),
                    index + 1
                )
            })?;
            regexes.push(regex);
            sources.push(line.to_string());
        }
        return Ok(Expected::Patterns(regexes, sources));
    }
    Err(format!(
        "{}: no .out or .match file (AIO_BLESS=1 cargo test --test golden writes the .out from python3)",
        case.rel
    )
    .into())
}

/// Writes the `.out` from python3's stdout and checks that python3 failed iff `.err` exists.
fn bless(case: &Case, run: &RunOutput, shown: &str) -> Result<(), Failed> {
    if let Some(limit) = run.timed_out {
        return Err(format!(
            "`{shown}` timed out after {} s; not blessed",
            limit.as_secs()
        )
        .into());
    }
    let out_path = case.companion("out");
    let current = fs::read_to_string(&out_path).ok();
    if current.as_deref() != Some(run.stdout.as_str()) {
        fs::write(&out_path, &run.stdout)
            .map_err(|e| format!("{}: {e}", relative(&case.root, &out_path)))?;
    }
    let err = case.read_companion("err")?;
    check_status(&err, run, Mode::Python).map_err(|problem| {
        let mut report = format!(
            "blessed {}, but:\n{problem}",
            relative(&case.root, &out_path)
        );
        append_stderr(&mut report, &run.stderr);
        report.into()
    })
}

/// Lines of a text; a final newline does not start another line.
fn split_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    text.strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .collect()
}

fn compare_stdout(case: &Case, expected: &Expected, actual: &str) -> Result<(), String> {
    match expected {
        Expected::Exact(want) => {
            if want == actual {
                Ok(())
            } else {
                Err(format!(
                    "stdout differs from {} (- expected, + actual):\n{}",
                    relative(&case.root, &case.companion("out")),
                    diff(want, actual)
                ))
            }
        }
        Expected::Patterns(regexes, sources) => {
            let lines = split_lines(actual);
            let mut report = String::new();
            if lines.len() != regexes.len() {
                let _ = writeln!(
                    report,
                    "stdout has {} lines, {} expects {}",
                    lines.len(),
                    relative(&case.root, &case.companion("match")),
                    regexes.len()
                );
            }
            if let Some(index) = regexes
                .iter()
                .zip(&lines)
                .position(|(re, line)| !re.is_match(line))
            {
                let _ = writeln!(
                    report,
                    "line {} of stdout does not match its pattern:\n  pattern: {}\n  actual:  {:?}",
                    index + 1,
                    sources[index],
                    lines[index]
                );
            }
            if report.is_empty() {
                return Ok(());
            }
            report.push_str("actual stdout:\n");
            for (index, line) in lines.iter().enumerate() {
                let _ = writeln!(report, "{:>4} | {line}", index + 1);
            }
            Err(report)
        }
    }
}

/// The exit status rule: success without `.err`; with `.err`, a non-zero exit and (for aio)
/// every line of `.err` in stderr, (for python3) the same exception type on the last line.
fn check_status(err: &Option<String>, run: &RunOutput, mode: Mode) -> Result<(), String> {
    let code = run.status.and_then(|s| s.code());
    let Some(err) = err else {
        return match code {
            Some(0) => Ok(()),
            _ => Err(format!(
                "the program failed ({}) but has no .err file\n",
                describe_status(run.status)
            )),
        };
    };
    match code {
        Some(c) if c != 0 => {}
        _ => {
            return Err(format!(
                "the program should fail (it has a .err file) but {}\n",
                describe_status(run.status)
            ));
        }
    }
    let wanted: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if mode == Mode::Python {
        let Some(last) = wanted.last() else {
            return Ok(());
        };
        let type_name = exception_type(last);
        let actual_last = last_exception_line(&run.stderr);
        if exception_type(actual_last) == type_name {
            Ok(())
        } else {
            Err(format!(
                "python3 should fail with {type_name} (last line of .err) but its last stderr \
                 line is {actual_last:?}\n"
            ))
        }
    } else {
        let missing: Vec<&str> = wanted
            .into_iter()
            .filter(|line| !run.stderr.contains(line))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            let mut report = String::from("stderr lacks these lines of the .err file:\n");
            for line in missing {
                let _ = writeln!(report, "  {line}");
            }
            Err(report)
        }
    }
}

/// The exception type of a line like `pkg.mod.Name: message` or `Name`, without the module.
fn exception_type(line: &str) -> &str {
    let head = line.split(':').next().unwrap_or(line).trim();
    head.rsplit('.').next().unwrap_or(head)
}

/// The last line of stderr that can be the exception line of a traceback: not empty, not
/// indented, and not a warning such as `sys:1: RuntimeWarning: coroutine ... was never awaited`
/// (printed after the traceback).
fn last_exception_line(stderr: &str) -> &str {
    let is_warning = |line: &str| {
        let mut parts = line.splitn(3, ':');
        let (Some(_file), Some(lineno), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let category = rest.trim_start().split(':').next().unwrap_or("");
        !lineno.is_empty()
            && lineno.chars().all(|c| c.is_ascii_digit())
            && category.ends_with("Warning")
    };
    stderr
        .lines()
        .rfind(|line| {
            !line.trim().is_empty() && !line.starts_with(char::is_whitespace) && !is_warning(line)
        })
        .unwrap_or("")
        .trim()
}

fn describe_status(status: Option<ExitStatus>) -> String {
    match status {
        None => "it did not exit".to_string(),
        Some(s) => match s.code() {
            Some(0) => "it exited with status 0".to_string(),
            Some(c) => format!("it exited with status {c}"),
            None => format!("it was killed ({s})"),
        },
    }
}

fn append_stderr(report: &mut String, stderr: &str) {
    const MAX_LINES: usize = 40;
    if stderr.is_empty() {
        report.push_str("stderr: (empty)\n");
        return;
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let skip = lines.len().saturating_sub(MAX_LINES);
    report.push_str("stderr:\n");
    if skip > 0 {
        let _ = writeln!(report, "  | ... ({skip} lines not shown)");
    }
    for line in &lines[skip..] {
        let _ = writeln!(report, "  | {line}");
    }
}

fn show_command(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

// ---------------------------------------------------------------------------------------------
// Running a child with a timeout

struct RunOutput {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    /// Set when the child was killed for running too long.
    timed_out: Option<Duration>,
}

fn run_with_timeout(
    mut command: Command,
    cwd: &Path,
    stdin: Stdio,
    timeout: Duration,
) -> std::io::Result<RunOutput> {
    command
        .current_dir(cwd)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONIOENCODING", "utf-8")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONSTARTUP")
        .env_remove("PYTHONPATH");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Own process group, so that a timeout also ends whatever the child started.
        command.process_group(0);
    }
    let mut child = command.spawn()?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());

    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut timed_out = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() >= timeout {
            kill_tree(&mut child);
            timed_out = Some(timeout);
            break child.wait().ok();
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    // After a timeout, output still held open by an escaped grandchild is not waited for.
    let grace = if timed_out.is_some() {
        Duration::from_secs(2)
    } else {
        timeout.saturating_sub(start.elapsed()) + Duration::from_secs(2)
    };
    let stdout = stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    Ok(RunOutput {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
    })
}

fn read_in_background<R: Read + Send + 'static>(source: Option<R>) -> mpsc::Receiver<Vec<u8>> {
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

fn kill_tree(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

// ---------------------------------------------------------------------------------------------
// Diff

/// A unified-style line diff of `expected` and `actual` with a little context, preceded by
/// the first differing line shown with escapes (so that whitespace differences are visible).
fn diff(expected: &str, actual: &str) -> String {
    const CONTEXT: usize = 3;
    const MAX_LCS_CELLS: usize = 4_000_000;
    let want: Vec<&str> = split_lines(expected);
    let got: Vec<&str> = split_lines(actual);
    let mut report = String::new();

    let first = (0..want.len().max(got.len()))
        .find(|&i| want.get(i) != got.get(i))
        .unwrap_or(want.len());
    let show = |line: Option<&&str>| match line {
        Some(l) => format!("{l:?}"),
        None => "(no line)".to_string(),
    };
    let _ = writeln!(
        report,
        "first difference at line {}:\n  expected: {}\n  actual:   {}",
        first + 1,
        show(want.get(first)),
        show(got.get(first))
    );
    if want.len() == got.len() && first == want.len() {
        // Same lines: the difference is the final newline.
        let _ = writeln!(
            report,
            "  (the outputs differ only in the final newline: expected {}, actual {})",
            if expected.ends_with('\n') {
                "one"
            } else {
                "none"
            },
            if actual.ends_with('\n') {
                "one"
            } else {
                "none"
            }
        );
        return report;
    }

    // Edit script: ' ' keep, '-' expected only, '+' actual only.
    let mut ops: Vec<(char, &str)> = Vec::new();
    if want.len().saturating_mul(got.len()) <= MAX_LCS_CELLS {
        let (n, m) = (want.len(), got.len());
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if want[i] == got[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && want[i] == got[j] {
                ops.push((' ', want[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
                ops.push(('-', want[i]));
                i += 1;
            } else {
                ops.push(('+', got[j]));
                j += 1;
            }
        }
    } else {
        // Too big for a real diff: line by line.
        for i in 0..want.len().max(got.len()) {
            match (want.get(i), got.get(i)) {
                (Some(a), Some(b)) if a == b => ops.push((' ', a)),
                (a, b) => {
                    if let Some(a) = a {
                        ops.push(('-', a));
                    }
                    if let Some(b) = b {
                        ops.push(('+', b));
                    }
                }
            }
        }
    }

    // Print changed lines with CONTEXT lines around them; elide long unchanged stretches.
    let near_change: Vec<bool> = (0..ops.len())
        .map(|k| {
            let lo = k.saturating_sub(CONTEXT);
            let hi = (k + CONTEXT + 1).min(ops.len());
            ops[lo..hi].iter().any(|(op, _)| *op != ' ')
        })
        .collect();
    let mut elided = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near_change[k] {
            let _ = writeln!(report, "{op} {line}");
            elided = false;
        } else if !elided {
            report.push_str("  ...\n");
            elided = true;
        }
    }
    report
}
