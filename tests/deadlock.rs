//! Deadlock diagnosis: each program in tests/deadlock/ would hang forever under CPython
//! (so they are not differential tests); aio must stop with exit status 1 and explain the
//! wait in source terms, on the virtual and on the real clock alike.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run `aio run [--virtual-time] FILE`, failing the test if it takes more than 20 s.
fn run(file: &str, virtual_time: bool) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.arg("run");
    if virtual_time {
        cmd.arg("--virtual-time");
    }
    let mut child = cmd
        .arg(file)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run aio");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("aio run {file} hangs instead of diagnosing the deadlock");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run tests/deadlock/NAME.aio on both clocks: exit status 1, the `headline` and every
/// needle on stderr. Gives (stdout, stderr) of each run.
fn check(name: &str, headline: &str, needles: &[&str]) -> Vec<(String, String)> {
    let file = format!("tests/deadlock/{name}.aio");
    let mut runs = Vec::new();
    for virtual_time in [true, false] {
        let (code, stdout, stderr) = run(&file, virtual_time);
        assert_eq!(code, 1, "exit status of {file}\nstderr:\n{stderr}");
        assert!(
            stderr.contains(headline),
            "{file}: no deadlock message:\n{stderr}"
        );
        for n in needles {
            assert!(
                stderr.contains(n),
                "stderr of {file} lacks {n:?}:\n{stderr}"
            );
        }
        runs.push((stdout, stderr));
    }
    runs
}

fn expect(name: &str, stdout_want: &str, needles: &[&str]) {
    let headline = "RuntimeError: deadlock: every task is waiting";
    for (stdout, stderr) in check(name, headline, needles) {
        assert_eq!(stdout, stdout_want, "stdout of {name}");
        assert!(!stderr.contains("panicked"), "{name}:\n{stderr}");
    }
}

#[test]
fn awaited_future_nobody_resolves() {
    expect(
        "future_never_resolved",
        "waiting for the future\n",
        &[
            "Task-1 main is stuck at line 8: await fut",
            "it waits on a Future created at line 6, which nothing can resolve: no task or callback holds it",
            "help: a Future completes only when some code calls its set_result()",
        ],
    );
}

#[test]
fn two_tasks_awaiting_each_other_form_a_cycle() {
    expect(
        "tasks_await_each_other",
        "",
        &[
            "wait cycle: Task-2 ping (line 6: await pong_task) awaits Task-3 pong (line 10: await ping_task), which awaits Task-2 ping",
            "Task-1 main is stuck at line 17: await ping_task\n  it awaits Task-2 ping (created at line 15), which is in the wait cycle above",
            "help: tasks that await each other wait forever",
        ],
    );
}

#[test]
fn queue_get_without_a_producer() {
    expect(
        "queue_get_no_producer",
        "got only item\n",
        &[
            "Task-1 main is stuck at line 6: item = await q.get()",
            "the queue is empty, and no task is left that could put() an item into it",
            "help: a consumer that loops on `await q.get()` never stops by itself",
        ],
    );
}

#[test]
fn lock_never_released() {
    expect(
        "lock_never_released",
        "forgetful holds the lock and returns without release()\n",
        &[
            "Task-1 main is stuck at line 16: await asyncio.gather(forgetful(lock), polite(lock))",
            "it awaits gather() of 2, which still waits for Task-3 polite",
            "Task-3 polite is stuck at line 10: async with lock:",
            "the lock is held and never released",
            "help: release a lock on every path: `async with lock:`",
        ],
    );
}

#[test]
fn queue_join_after_the_consumer_died() {
    expect(
        "queue_join_consumer_died",
        "consuming 0\n",
        &[
            "ValueError: consumer crashed before task_done()",
            "Task-1 main is stuck at line 15: await q.join()",
            "3 items are still unfinished, and no task is left that could call task_done()",
            "help: call q.task_done() once per item got, in a `finally:` block",
        ],
    );
}

#[test]
fn run_until_complete_on_a_future_nobody_resolves() {
    expect_loop(
        "run_until_complete_plain_future",
        &[
            "run_until_complete() waits for a Future created at line 4, and no task or callback is left that could resolve it",
        ],
    );
}

#[test]
fn run_forever_without_a_stop() {
    expect_loop(
        "run_forever_without_stop",
        &[
            "loop.run_forever() runs until loop.stop() is called, and no task or callback is left that could call it",
            "help: call loop.stop() from a task or a callback",
        ],
    );
}

/// A loop with no task at all.
fn expect_loop(name: &str, needles: &[&str]) {
    check(
        name,
        "RuntimeError: deadlock: the event loop has nothing left to run",
        needles,
    );
}
