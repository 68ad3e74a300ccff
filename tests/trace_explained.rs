//! The trace explains a blocked loop and a cancellation's path (request → delivery →
//! caught, or the task ends cancelled). The full traces are golden files checked by
//! tests/trace.rs; these tests name the lines that carry the explanation.

use std::process::Command;

fn trace(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .arg("trace")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run aio trace");
    assert!(
        out.status.success(),
        "aio trace {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 trace")
}

fn has(t: &str, needles: &[&str]) {
    for n in needles {
        assert!(t.contains(n), "trace lacks {n:?}:\n{t}");
    }
}

#[test]
fn a_blocking_sleep_is_named_with_the_timer_it_made_late() {
    let t = trace(&["tests/trace/blocking_sleep.aio"]);
    has(
        &t,
        &[
            "t=2.100  Task-3 blocker     held the loop for 2.000 s without awaiting (a blocking call like time.sleep, or a long computation): meanwhile the sleep of Task-2 ticker was due at t=0.500 and comes 1.600 s late",
        ],
    );
}

#[test]
fn a_blocking_sleep_is_seen_on_the_real_clock_too() {
    let t = trace(&["--real-time", "tests/trace/blocking_sleep.aio"]);
    has(
        &t,
        &[
            "Task-3 blocker     held the loop for 2.0",
            "the sleep of Task-2 ticker was due at t=0.5",
        ],
    );
}

#[test]
fn a_cancellation_is_traced_from_request_to_where_it_is_caught() {
    let t = trace(&["tests/trace/cancel_caught.aio"]);
    has(
        &t,
        &[
            "Task-2 worker      cancel requested by Task-1 main with message 'time is up': CancelledError will be raised at its await on line 6 when it next runs",
            "Task-2 worker      resumes\nt=1.000  Task-2 worker      the cancellation arrives: CancelledError raised at line 6, the await it was suspended at",
            "Task-2 worker      had caught the CancelledError at line 7 (except asyncio.CancelledError:): the task went on instead of ending cancelled",
            "Task-2 worker      finished: returned 'worker finished anyway'",
        ],
    );
}

#[test]
fn a_cancellation_that_ends_the_task_and_reaches_its_awaiter() {
    let t = trace(&["tests/trace/cancel_and_sleep0.aio"]);
    has(
        &t,
        &[
            "Task-2 spin        cancel requested by Task-1 main: CancelledError will be raised at its await on line 7",
            "Task-2 spin        cancelled: CancelledError reached the top of the task",
            "Task-1 main        the Task-2 spin it awaited was cancelled: CancelledError raised at line 18",
            "Task-1 main        had caught the CancelledError at line 19",
        ],
    );
}

#[test]
fn json_names_the_new_events() {
    let t = trace(&["--format", "json", "tests/trace/cancel_caught.aio"]);
    for kind in ["cancel_requested", "cancel_delivered", "cancel_caught"] {
        assert!(t.contains(&format!("\"event\":\"{kind}\"")), "{kind}:\n{t}");
    }
    let t = trace(&["--format", "json", "tests/trace/blocking_sleep.aio"]);
    assert!(
        t.contains("\"event\":\"blocked\",\"who\":\"Task-3 blocker\""),
        "{t}"
    );
}
