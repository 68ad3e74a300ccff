//! Ctrl-C and closed pipes, on a real `aio run` process.
//!
//! Each test starts aio on a program that prints a first line when it is ready, waits for
//! that line, then sends SIGINT (or closes the pipe) and checks the output, the traceback
//! and how the process ended. Python 3.11 behaves the same way (checked by hand: it dies by
//! SIGINT after printing the traceback).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const AIO: &str = env!("CARGO_BIN_EXE_aio");

struct Run {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    first: String,
}

/// Start `aio run` on `source`, and wait for its first line of output.
fn start(name: &str, source: &str, flags: &[&str]) -> Run {
    let dir = std::env::temp_dir().join(format!("aio-signals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.aio"));
    std::fs::write(&file, source).unwrap();
    let mut child = Command::new(AIO)
        .arg("run")
        .args(flags)
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1")
        .spawn()
        .expect("cannot start aio");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    Run {
        child,
        stdout,
        first,
    }
}

fn sigint(run: &Run) {
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe {
        libc::kill(run.child.id() as libc::pid_t, libc::SIGINT);
    }
}

/// Wait (at most 10 s) for the process to end: its status, the rest of stdout, stderr.
fn finish(mut run: Run) -> (ExitStatus, String, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = run.child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = run.child.kill();
            panic!("aio did not end within 10 s after the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = run.first;
    run.stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    run.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, out, err)
}

fn assert_killed_by_sigint(status: ExitStatus, err: &str) {
    assert_eq!(
        status.signal(),
        Some(libc::SIGINT),
        "expected death by SIGINT, got {status}; stderr:\n{err}"
    );
}

#[test]
fn ctrl_c_in_asyncio_sleep_cancels_the_main_task_then_raises_keyboard_interrupt() {
    let run = start(
        "sleeping",
        r#"import asyncio

async def main():
    print("start", flush=True)
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        print("cancelled")
        raise
    finally:
        print("cleanup")

try:
    asyncio.run(main())
except KeyboardInterrupt:
    print("KeyboardInterrupt from asyncio.run")
    raise
"#,
        &[],
    );
    sigint(&run);
    let (status, out, err) = finish(run);
    assert_eq!(
        out,
        "start\ncancelled\ncleanup\nKeyboardInterrupt from asyncio.run\n"
    );
    assert!(err.contains("asyncio.exceptions.CancelledError"), "{err}");
    assert!(
        err.contains("During handling of the above exception, another exception occurred"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("KeyboardInterrupt"), "{err}");
    assert_killed_by_sigint(status, &err);
}

#[test]
fn ctrl_c_in_a_busy_loop_raises_keyboard_interrupt_where_the_program_is() {
    let run = start(
        "busy",
        "print('start', flush=True)\nprint('buffered')\ni = 0\nwhile True:\n    i += 1\n",
        &[],
    );
    sigint(&run);
    let (status, out, err) = finish(run);
    assert_eq!(out, "start\nbuffered\n");
    // Interrupted on line 4 or 5, whichever was running.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"Traceback (most recent call last):"),
        "{err}"
    );
    assert!(
        lines[1].ends_with("busy.aio\", line 4, in <module>")
            || lines[1].ends_with("busy.aio\", line 5, in <module>"),
        "{err}"
    );
    assert_eq!(lines.last(), Some(&"KeyboardInterrupt"), "{err}");
    assert_killed_by_sigint(status, &err);
}

#[test]
fn ctrl_c_in_time_sleep_raises_keyboard_interrupt() {
    let run = start(
        "time_sleep",
        "import time\nprint('start', flush=True)\ntime.sleep(30)\nprint('not reached')\n",
        &[],
    );
    sigint(&run);
    let (status, out, err) = finish(run);
    assert_eq!(out, "start\n");
    assert!(err.contains("time.sleep(30)"), "{err}");
    assert_killed_by_sigint(status, &err);
}

#[test]
fn a_caught_keyboard_interrupt_lets_the_program_go_on() {
    let run = start(
        "caught",
        "print('start', flush=True)\ntry:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    print('caught')\nprint('end')\n",
        &[],
    );
    sigint(&run);
    let (status, out, err) = finish(run);
    assert_eq!(out, "start\ncaught\nend\n");
    assert_eq!(status.code(), Some(0), "{err}");
}

#[test]
fn a_second_ctrl_c_stops_a_task_that_never_awaits() {
    let run = start(
        "never_awaits",
        "import asyncio\n\nasync def main():\n    print('start', flush=True)\n    print('buffered')\n    while True:\n        pass\n\nasyncio.run(main())\n",
        &[],
    );
    sigint(&run);
    // As in CPython, the first Ctrl-C only cancels the main task, which never gets to an
    // await: the program keeps running.
    std::thread::sleep(Duration::from_millis(300));
    let mut run = run;
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "ended on the first Ctrl-C"
    );
    sigint(&run);
    let (status, out, err) = finish(run);
    assert_eq!(out, "start\nbuffered\n");
    assert_killed_by_sigint(status, &err);
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    let mut run = start(
        "pipe",
        "i = 0\nwhile True:\n    print(i)\n    i += 1\n",
        &[],
    );
    assert_eq!(run.first, "0\n");
    drop(std::mem::replace(
        &mut run.stdout,
        BufReader::new(
            Command::new("true")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
                .stdout
                .take()
                .unwrap(),
        ),
    ));
    let (status, _, err) = finish(run);
    assert_eq!(err, "", "a closed pipe must not print anything");
    assert_eq!(status.code(), Some(141));
}

/// The REPL's way in: `request_interrupt` from another thread stops a running program with
/// KeyboardInterrupt, as Ctrl-C does.
#[test]
fn request_interrupt_stops_a_running_program() {
    let interrupter = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(200));
        aio::interrupt::request_interrupt();
    });
    let ending = aio::run_source_ending(
        "<busy>",
        "i = 0\nwhile True:\n    i += 1\n",
        &aio::RunOptions::default(),
    );
    interrupter.join().unwrap();
    assert_eq!(ending, aio::Ending::Interrupted);
}
