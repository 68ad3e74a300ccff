//! Diagnostics on stderr: runtime warnings, `help:` lines for the classic asyncio
//! mistakes, and `aio check` notes. Each case names a program in tests/diagnostics/ and
//! the lines its stderr must contain (stdout is covered by the golden tests).

#[path = "support/aio_files.rs"]
mod aio_files;

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run aio");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn expect(args: &[&str], status: i32, needles: &[&str]) {
    let (code, stdout, stderr) = run(args);
    assert_eq!(
        code, status,
        "exit status of aio {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for n in needles {
        assert!(
            stderr.contains(n),
            "stderr of aio {args:?} lacks {n:?}:\n{stderr}"
        );
    }
}

#[test]
fn coroutine_never_awaited_points_at_the_call() {
    expect(
        &[
            "run",
            "--virtual-time",
            "tests/diagnostics/never_awaited.aio",
        ],
        0,
        &[
            "never_awaited.aio:10: RuntimeWarning: coroutine 'say_after' was never awaited",
            "  say_after(1, \"hello\")",
            "help: calling an async function only creates a coroutine object",
        ],
    );
}

#[test]
fn unretrieved_task_exception_is_reported() {
    expect(
        &[
            "run",
            "--virtual-time",
            "tests/diagnostics/task_exception_never_retrieved.aio",
        ],
        0,
        &[
            "Task exception was never retrieved",
            "name='Task-2'",
            "ValueError: lost",
        ],
    );
}

#[test]
fn create_task_without_a_loop_has_help() {
    expect(
        &["run", "tests/diagnostics/create_task_without_loop.aio"],
        1,
        &[
            "RuntimeError: no running event loop",
            "help: this needs a running event loop",
        ],
    );
}

#[test]
fn gather_of_a_list_suggests_star() {
    expect(
        &[
            "run",
            "--virtual-time",
            "tests/diagnostics/gather_list_mistake.aio",
        ],
        1,
        &[
            "TypeError: unhashable type: 'list'",
            "did you mean asyncio.gather(*tasks)?",
        ],
    );
}

#[test]
fn check_notes_legacy_idioms() {
    expect(
        &["check", "tests/diagnostics/legacy_idioms.aio"],
        0,
        &[
            "legacy_idioms.aio:8:8: note: `asyncio.get_event_loop()`",
            "note: `loop.run_until_complete(...)` is the legacy way",
            "note: `asyncio.ensure_future(coro)` is the legacy way",
            "help: use `asyncio.run(main())`",
        ],
    );
}

#[test]
fn check_reports_syntax_error_line_and_column() {
    let dir = std::env::temp_dir().join(format!("aio-diag-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let f = dir.join("bad.aio");
    std::fs::write(&f, "x = 1\nif x\n    print(x)\n").expect("write");
    expect(
        &["check", f.to_str().expect("utf-8 path")],
        1,
        &["bad.aio:2:5: SyntaxError: expected ':'"],
    );
}

#[test]
fn await_outside_async_function_explains() {
    let dir = std::env::temp_dir().join(format!("aio-diag2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let f = dir.join("await.aio");
    std::fs::write(&f, "def f():\n    await g()\n").expect("write");
    expect(
        &["check", f.to_str().expect("utf-8 path")],
        1,
        &[
            "SyntaxError: 'await' outside async function",
            "make the enclosing function `async def`",
        ],
    );
}

/// Every example disassembles and passes `aio check` (the disassembler is what students
/// read, so it must cover every construct the examples use).
#[test]
fn dis_and_check_work_on_every_example() {
    let files = aio_files::aio_files(&["examples".into()]);
    assert!(files.len() >= 10, "examples found: {}", files.len());
    for f in files {
        let path = f.to_str().expect("utf-8 path");
        let (code, stdout, stderr) = run(&["dis", path]);
        assert_eq!(code, 0, "aio dis {path} failed:\n{stderr}");
        assert!(
            stdout.contains("Disassembly of <code <module>>"),
            "aio dis {path}:\n{stdout}"
        );
        let (code, _, stderr) = run(&["check", path]);
        assert_eq!(code, 0, "aio check {path} failed:\n{stderr}");
    }
}
