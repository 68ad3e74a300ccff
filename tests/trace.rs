//! `aio trace` golden tests: the full trace of each program in tests/trace/ is checked in
//! beside it as `.trace` (regenerate with `AIO_BLESS=1 cargo test --test trace`), and two
//! runs must print byte-identical traces (virtual time makes them deterministic).

use std::path::Path;
use std::process::Command;

fn trace(file: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .arg("trace")
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
