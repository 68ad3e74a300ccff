//! `aio trace` golden tests: the full trace of each program in tests/trace/ is checked in
//! beside it as `.trace` (regenerate with `AIO_BLESS=1 cargo test --test trace`), and two
//! runs must print byte-identical traces (virtual time makes them deterministic). A first
//! line `# aio-trace: --tree` gives a program's trace extra options.

use std::path::Path;
use std::process::Command;

/// The options on a program's `# aio-trace:` first line.
fn directive(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("# aio-trace:"))
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn trace(file: &Path) -> String {
    trace_with(&directive(file), file)
}

fn trace_with(args: &[String], file: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .arg("trace")
        .args(args)
        .arg(file)
        .env("NO_COLOR", "1")
        .output()
        .expect("run aio trace");
    assert!(
        out.status.success(),
        "aio trace {} failed:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 trace")
}

#[test]
fn traces_match_their_golden_files_and_are_deterministic() {
    let mut files: Vec<_> = std::fs::read_dir("tests/trace")
        .expect("tests/trace")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "aio"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let first = trace(&f);
        let second = trace(&f);
        assert_eq!(first, second, "two traces of {} differ", f.display());
        let golden = f.with_extension("trace");
        if std::env::var_os("AIO_BLESS").is_some() {
            std::fs::write(&golden, &first).expect("write golden trace");
            continue;
        }
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("missing {}", golden.display()));
        if first != want {
            let line = first
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "trace of {} differs from {} at line {}:\n  got:  {}\n  want: {}",
                f.display(),
                golden.display(),
                line + 1,
                first.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}

#[test]
fn trace_of_say_after_shows_the_interleaving() {
    let t = trace(Path::new("tests/trace/say_after_concurrent.aio"));
    for needle in [
        "Task-2 say_after   suspended at line 5: await asyncio.sleep(1)  → wakes at t=1.000",
        "Task-1 main        suspended at line 12: await Task-2 say_after (until it finishes)",
        "t=1.000  Task-2 say_after   resumes\nhello\n",
    ] {
        assert!(t.contains(needle), "trace lacks {needle:?}:\n{t}");
    }
}

#[test]
fn json_trace_is_one_object_per_line_with_the_program_output_as_events() {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .args([
            "trace",
            "--format",
            "json",
            "tests/trace/say_after_concurrent.aio",
        ])
        .output()
        .expect("run aio trace");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let kinds = [
        "iteration",
        "idle",
        "task_created",
        "task_started",
        "task_resumed",
        "task_suspended",
        "task_yielded",
        "task_done",
        "cancel_requested",
        "callback",
        "timer_due",
        "loop_stops",
        "output",
    ];
    for line in text.lines() {
        assert!(
            line.starts_with("{\"t\":") && line.ends_with('}'),
            "not a JSON object: {line}"
        );
        let kind = line
            .split("\"event\":\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("");
        assert!(kinds.contains(&kind), "unknown event kind in {line}");
    }
    assert!(
        text.contains("{\"event\":\"output\",\"text\":\"hello\"}")
            || text.contains("\"event\":\"output\",\"text\":\"hello\"")
    );
    assert!(text.contains("\"event\":\"task_suspended\",\"who\":\"Task-2 say_after\",\"text\":\"suspended at line 5: await asyncio.sleep(1)  → wakes at t=1.000\",\"line\":5,\"until\":1.000"));
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[test]
fn only_keeps_the_chosen_groups_and_the_iterations_they_happen_in() {
    let f = Path::new("tests/trace/gather_and_callback.aio");
    let full = trace(f);
    let t = trace_with(&args(&["--only", "timers,callbacks"]), f);
    assert!(t.contains("loop               nothing ready: idle until t=0.100 (next timer)"));
    assert!(t.contains("runs callback gather.<locals>.on_child_done(Task-3)"));
    assert!(t.contains("Task-3 work        sleep is over"));
    assert!(!t.contains("starts running") && !t.contains("suspended at"));
    // Iterations keep the numbers of the full trace; those without a shown event vanish.
    assert!(t.contains("t=0.100  ── iteration 5: 1 ready, 2 timers pending"));
    assert!(!t.contains("iteration 4:"));
    for line in t.lines() {
        assert!(full.contains(line), "{line:?} is not in the full trace");
    }
    let tasks = trace_with(&args(&["--only", "tasks"]), f);
    assert!(
        tasks.contains("Task-1 main        suspended at line 16: await gather() of 3 awaitables")
    );
    assert!(!tasks.contains("runs callback") && !tasks.contains("idle until"));
    let futures = trace_with(&args(&["--only=futures"]), f);
    assert!(futures.contains("sleep is over") && futures.contains("the loop stops"));
    assert!(!futures.contains("starts running"));
}

#[test]
fn task_filter_follows_one_task_by_name_or_coroutine() {
    let f = Path::new("tests/trace/say_after_concurrent.aio");
    let t = trace_with(&args(&["--task", "Task-3"]), f);
    for line in t.lines() {
        assert!(
            line.contains("Task-3")
                || line.contains("── iteration")
                || line == "hello"
                || line == "world",
            "unexpected line {line:?} in\n{t}"
        );
    }
    assert!(t.contains(
        "Task-3 say_after   suspended at line 5: await asyncio.sleep(2)  → wakes at t=2.000"
    ));
    assert!(!t.contains("Task-2"));
    let by_coro = trace_with(&args(&["--task", "main"]), f);
    assert!(
        by_coro.contains("Task-1 main        resumes")
            && !by_coro.contains("Task-2 say_after   resumes")
    );
    let both = trace_with(&args(&["--task", "Task-2 say_after"]), f);
    assert!(both.contains("Task-2 say_after   resumes") && !both.contains("Task-3"));
}

#[test]
fn bad_filter_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .args([
            "trace",
            "--only",
            "tasks,bogus",
            "tests/trace/say_after_concurrent.aio",
        ])
        .output()
        .expect("run aio trace");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown event group 'bogus' (choose from tasks, timers, callbacks, futures)"),
        "{err}"
    );
}

#[test]
fn tree_shows_await_chains_and_gather_branches() {
    let t = trace(Path::new("tests/trace/tree_await_chain.aio"));
    for needle in [
        "         tasks: • Task-1 main (line 24) → awaits gather() of 2:\n                  ├── Task-3 middle (line 17) → awaits Task-5 fetch (line 6) → awaits sleep until t=2.000\n                  └── Task-4 fetch (line 6) → awaits sleep until t=1.000\n                • Task-2 consumer (line 11) → awaits a Future in Queue.get()",
        "└── Task-4 fetch (line 6): ready, resumes in this iteration",
    ] {
        assert!(t.contains(needle), "trace lacks {needle:?}:\n{t}");
    }
}

#[test]
fn json_tree_is_a_tasks_event() {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .args([
            "trace",
            "--tree",
            "--format",
            "json",
            "tests/trace/say_after_concurrent.aio",
        ])
        .output()
        .expect("run aio trace");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut saw = false;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
        if v["event"] == "tasks" {
            saw = true;
            assert!(v["lines"].is_array() && v["n"].is_u64());
        }
    }
    assert!(saw);
    assert!(text.contains(r#""lines":["• Task-1 main (line 12) → awaits Task-2 say_after (line 5) → awaits sleep until t=1.000","• Task-3 say_after (line 5) → awaits sleep until t=2.000"]"#), "{text}");
}
