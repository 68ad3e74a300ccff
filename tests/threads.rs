//! Threads beyond what stdout shows (the golden tests in tests/golden/threads/ cover that):
//! an uncaught exception's report on stderr, compared with python3's; deadlocks reported
//! instead of hanging; the thread schedule on the virtual clock is the same every run.

use std::process::{Command, Output};

fn aio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aio"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run aio")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const EXCEPTION: &str = "tests/golden/threads/exception_in_thread.aio";

#[test]
fn exception_in_thread_is_reported_on_stderr() {
    let out = aio(&["run", "--virtual-time", EXCEPTION]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = format!(
        "Exception in thread failing:\n\
         Traceback (most recent call last):\n  \
         File \"{EXCEPTION}\", line 9, in fails\n    \
         raise ValueError(\"bad value in thread\")\n\
         ValueError: bad value in thread\n"
    );
    assert_eq!(text(&out.stderr), want);
}

/// python3 prints the same report, plus two frames inside threading.py (aio's thread
/// machinery is not shown).
#[test]
fn exception_in_thread_report_matches_python() {
    let Ok(py) = Command::new("python3")
        .arg(EXCEPTION)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
    else {
        eprintln!("python3 not found: skipped");
        return;
    };
    let lines: Vec<&str> = std::str::from_utf8(&py.stderr)
        .expect("utf-8")
        .lines()
        .collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("File ") && lines[i].contains("threading.py") {
            i += 2;
            continue;
        }
        kept.push(lines[i]);
        i += 1;
    }
    // python3 names the script by its absolute path.
    let cwd = std::env::current_dir().expect("cwd");
    let python = (kept.join("\n") + "\n").replace(&format!("{}/", cwd.display()), "");
    let ours = text(&aio(&["run", EXCEPTION]).stderr);
    assert_eq!(ours, python);
}

#[test]
fn joining_a_thread_that_waits_forever_is_a_deadlock_error() {
    let out = aio(&["run", "tests/threads/deadlock_join.aio"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("RuntimeError: deadlock: thread 'MainThread' would wait forever in join() until thread 'waiter' ends"),
        "{err}"
    );
    assert_eq!(err.matches("RuntimeError").count(), 1, "one report: {err}");
}

#[test]
fn a_lone_thread_waiting_on_itself_is_a_deadlock_error() {
    let out = aio(&["run", "tests/threads/deadlock_lone_lock.aio"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("line 6"), "{err}");
    assert!(
        err.contains("RuntimeError: deadlock: the only thread waits forever"),
        "{err}"
    );
}

#[test]
fn thread_schedule_on_the_virtual_clock_is_the_same_every_run() {
    for file in [
        "tests/golden/threads/busy_threads_take_turns.aio",
        "tests/golden/threads/lock_event_rlock_basics.aio",
    ] {
        let a = aio(&["trace", file]);
        let b = aio(&["trace", file]);
        assert!(a.status.success(), "{}", text(&a.stderr));
        assert_eq!(text(&a.stdout), text(&b.stdout), "{file}");
    }
}
