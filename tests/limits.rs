//! `aio run --max-steps/--timeout/--max-output/--max-memory`, and huge allocations without
//! any flag: each stops with its documented status and a one-line reason (docs/reliability.md),
//! never a crash. Handlers in the program cannot catch a limit.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const AIO: &str = env!("CARGO_BIN_EXE_aio");

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn write(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aio-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.aio"));
    std::fs::write(&file, source).unwrap();
    file
}

fn run(name: &str, source: &str, flags: &[&str]) -> Outcome {
    let file = write(name, source);
    let start = Instant::now();
    let out = Command::new(AIO)
        .arg("run")
        .args(flags)
        .arg(&file)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot start aio");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

fn place(name: &str, line: usize) -> String {
    let file = std::env::temp_dir().join(format!("aio-limits-{}/{name}.aio", std::process::id()));
    format!("{}:{line}", file.display())
}

/// A loop that no handler may stop: the limit must end it anyway.
const STUBBORN: &str = "print('before')
while True:
    try:
        while True:
            pass
    except BaseException:
        print('caught')
    finally:
        print('finally')
";

#[test]
fn max_steps_stops_the_program_past_every_handler() {
    let o = run("steps", STUBBORN, &["--max-steps", "1000"]);
    assert_eq!(o.stdout, "before\n");
    assert_eq!(
        o.stderr,
        format!(
            "aio: stopped: step limit of 1000 instructions exceeded (--max-steps) at {}\n",
            place("steps", 4)
        )
    );
    assert_eq!(o.code, Some(121));
}

#[test]
fn max_steps_names_the_running_task() {
    let o = run(
        "steps_task",
        "import asyncio\n\nasync def spin():\n    while True:\n        await asyncio.sleep(0)\n\nasync def main():\n    await asyncio.create_task(spin(), name='spinner')\n\nasyncio.run(main())\n",
        &["--max-steps", "5000"],
    );
    assert!(
        o.stderr
            .starts_with("aio: stopped: step limit of 5000 instructions exceeded"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.trim_end().ends_with("in task 'spinner'"),
        "{}",
        o.stderr
    );
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert_eq!(o.code, Some(121));
}

#[test]
fn a_program_within_the_step_limit_runs_normally() {
    let o = run(
        "steps_ok",
        "print(sum(range(100)))\n",
        &["--max-steps", "100000"],
    );
    assert_eq!((o.code, o.stdout.as_str()), (Some(0), "4950\n"));
}

#[test]
fn timeout_stops_a_busy_loop() {
    let o = run("timeout_busy", STUBBORN, &["--timeout", "0.3"]);
    assert_eq!(o.stdout, "before\n");
    assert!(
        o.stderr
            .starts_with("aio: stopped: time limit of 0.3 s exceeded (--timeout) at "),
        "{}",
        o.stderr
    );
    assert_eq!(o.code, Some(124));
    assert!(o.took < Duration::from_secs(5), "took {:?}", o.took);
}

#[test]
fn timeout_stops_a_program_waiting_for_a_timer() {
    let o = run(
        "timeout_sleep",
        "import asyncio\n\nasync def main():\n    print('waiting')\n    await asyncio.sleep(60)\n\nasyncio.run(main())\n",
        &["--timeout", "0.3"],
    );
    assert_eq!(o.stdout, "waiting\n");
    assert!(o.stderr.contains("(--timeout)"), "{}", o.stderr);
    assert_eq!(o.code, Some(124));
    assert!(o.took < Duration::from_secs(5), "took {:?}", o.took);
}

#[test]
fn virtual_time_does_not_count_toward_the_timeout() {
    let o = run(
        "timeout_virtual",
        "import asyncio\n\nasync def main():\n    await asyncio.sleep(3600)\n    print('an hour later')\n\nasyncio.run(main())\n",
        &["--virtual-time", "--timeout", "5"],
    );
    assert_eq!((o.code, o.stdout.as_str()), (Some(0), "an hour later\n"));
}

#[test]
fn max_output_keeps_what_fits_and_stops() {
    let o = run(
        "output",
        "i = 0\nwhile True:\n    print(i)\n    i += 1\n",
        &["--max-output", "10"],
    );
    assert_eq!(o.stdout, "0\n1\n2\n3\n4\n");
    assert_eq!(
        o.stderr,
        format!(
            "aio: stopped: output limit of 10 bytes exceeded (--max-output) at {}\n",
            place("output", 3)
        )
    );
    assert_eq!(o.code, Some(123));
}

#[test]
fn max_memory_raises_memory_error_in_the_program() {
    let o = run(
        "memory_caught",
        "xs = []\ntry:\n    while True:\n        xs.append('x' * 1000 + str(len(xs)))\nexcept MemoryError:\n    n = len(xs)\n    xs = None\n    print('MemoryError after', n > 1000)\ntry:\n    [0] * 10**8\nexcept MemoryError:\n    print('big list refused')\nprint('done')\n",
        &["--max-memory", "50"],
    );
    assert_eq!(o.stdout, "MemoryError after True\nbig list refused\ndone\n");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn an_uncaught_limit_memory_error_exits_with_its_status() {
    let o = run(
        "memory_uncaught",
        "d = {}\ni = 0\nwhile True:\n    d[i] = str(i) * 10\n    i += 1\n",
        &["--max-memory", "30"],
    );
    assert!(o.stderr.contains("\nMemoryError\n"), "{}", o.stderr);
    assert!(
        o.stderr
            .ends_with("aio: stopped: memory limit of 30 MB exceeded (--max-memory)\n"),
        "{}",
        o.stderr
    );
    assert_eq!(o.code, Some(122));
}

#[test]
fn huge_allocations_raise_memory_error_without_any_flag() {
    let o = run(
        "huge",
        r#"def attempt(label, f):
    try:
        f()
        print(label, "allocated")
    except MemoryError:
        print(label, "MemoryError")

attempt("list repeat", lambda: [0] * 10**12)
attempt("str repeat", lambda: "x" * 10**12)
attempt("tuple repeat", lambda: (1, 2) * 10**12)
attempt("list of range", lambda: list(range(10**12)))
attempt("tuple of range", lambda: tuple(range(10**12)))
attempt("sorted range", lambda: sorted(range(10**12)))
attempt("extend", lambda: [].extend(range(10**12)))
attempt("power", lambda: 10 ** 10**12)
attempt("join", lambda: "".join(["x" * 10**6] * 10**6))
attempt("ljust", lambda: "x".ljust(10**12))
attempt("zfill", lambda: "1".zfill(10**12))
attempt("center", lambda: "1".center(10**12))
attempt("expandtabs", lambda: "\t".expandtabs(10**12))
"#,
        &[],
    );
    let expected: String = [
        "list repeat",
        "str repeat",
        "tuple repeat",
        "list of range",
        "tuple of range",
        "sorted range",
        "extend",
        "power",
        "join",
        "ljust",
        "zfill",
        "center",
        "expandtabs",
    ]
    .iter()
    .map(|l| format!("{l} MemoryError\n"))
    .collect();
    assert_eq!(o.stdout, expected, "{}", o.stderr);
    assert_eq!(o.code, Some(0));
}

#[test]
fn bad_limit_values_are_usage_errors() {
    let o = run("bad_flag", "print(1)\n", &["--timeout", "soon"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("not a number of seconds"), "{}", o.stderr);
}

/// Found by the `run` fuzz target: each f-string doubles the string, so a few hundred
/// instructions reach gigabytes; the memory limit must stop it within one check period.
#[test]
fn max_memory_stops_exponential_string_growth() {
    let o = run(
        "memory_doubling",
        "s = 'ab'\nwhile True:\n    s = f\"{s!r}-{s}\"\n",
        &["--max-memory", "100"],
    );
    assert!(o.stderr.contains("\nMemoryError\n"), "{}", o.stderr);
    assert_eq!(o.code, Some(122), "{}", o.stderr);
}

/// `await asyncio.sleep(...)` runs as one fused step when the global is the module, and
/// through the call's own shortcut when it is an instance holding the same function; and a
/// task resuming from `await asyncio.sleep(0)` as a statement skips the POP of its None
/// (charged), where `_ = await ...` stores it (as many instructions). All charge every
/// instruction they stand for, so a step limit stops the programs at the same instruction,
/// whatever the limit (the output and the place agree).
#[test]
fn max_steps_counts_every_instruction_of_a_fused_await() {
    // (The same instructions before the loop: only the index differs.)
    let program = |which: usize, zero: &str, delay: &str| {
        format!(
            "import asyncio\n\n\nclass Names:\n    sleep = staticmethod(asyncio.sleep)\n\n\nns = (asyncio, Names())[{which}]\n\n\nasync def spin(d):\n    i = 0\n    while True:\n        {zero}await ns.sleep(0)\n        await ns.sleep(d)\n        i += 1\n        print(i)\n\n\nasyncio.run(spin({delay}))\n"
        )
    };
    for delay in ["0", "0.001"] {
        for steps in 3000..3090 {
            let limit = steps.to_string();
            let flags = ["--virtual-time", "--max-steps", limit.as_str()];
            let fused = run("fused_await", &program(0, "", delay), &flags);
            assert_eq!(fused.code, Some(121), "{}", fused.stderr);
            for (name, other) in [
                ("called_await", program(1, "", delay)),
                ("stored_await", program(0, "_ = ", delay)),
            ] {
                let other = run(name, &other, &flags);
                assert_eq!(
                    fused.stdout, other.stdout,
                    "{name}: --max-steps {steps}, delay {delay}"
                );
                assert_eq!(
                    fused.stderr.replace("fused_await", name),
                    other.stderr,
                    "{name}: --max-steps {steps}, delay {delay}"
                );
            }
        }
    }
}
