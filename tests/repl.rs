//! The REPL: piped input (no prompts, statements run one by one, exit status of the last
//! error) and a real terminal session driven through tmux (keys in, screen out).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn piped(input: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start aio");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write input");
    let out = child.wait_with_output().expect("wait for aio");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn piped_print_runs_without_prompts() {
    let (code, out, err) = piped("print(1+1)\n", &[]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "2\n", ""));
}

#[test]
fn piped_expressions_echo_and_underscore_holds_the_last() {
    let (code, out, _) = piped("6 * 7\n_ + 1\nNone\n'准备'\n", &[]);
    assert_eq!(code, 0);
    assert_eq!(out, "42\n43\n'准备'\n");
}

#[test]
fn piped_top_level_await_and_blocks() {
    let src = "\
import asyncio
async def say_after(delay, what):
    await asyncio.sleep(delay)
    return what

r = await say_after(0.01, 'hello')
r
for i in range(2):
    i
print('done')
async with asyncio.timeout(1):
    await asyncio.sleep(0)
";
    let (code, out, err) = piped(src, &[]);
    assert_eq!(err, "");
    assert_eq!(code, 0);
    assert_eq!(out, "'hello'\n0\n1\ndone\n");
}

#[test]
fn piped_background_task_runs_between_statements() {
    let src = "\
import asyncio
async def worker():
    print('worker starts')
    await asyncio.sleep(0.05)
    print('worker done')

t = asyncio.create_task(worker())
print('created')
await asyncio.sleep(0.1)
t.done()
";
    let (code, out, _) = piped(src, &[]);
    assert_eq!(code, 0);
    // As in `python -m asyncio`, the loop runs between lines: the task starts at once.
    assert_eq!(out, "worker starts\ncreated\nworker done\nTrue\n");
}

#[test]
fn piped_errors_continue_and_set_the_exit_status() {
    let (code, out, err) = piped("1/0\nprint('still here')\n", &[("NO_COLOR", "1")]);
    assert_eq!(code, 1);
    assert_eq!(out, "still here\n");
    assert!(
        err.contains("File \"<stdin>\", line 1, in <module>"),
        "{err}"
    );
    assert!(err.contains("ZeroDivisionError: division by zero"), "{err}");
    assert!(!err.contains('\x1b'), "no colours on a pipe: {err}");
}

#[test]
fn piped_syntax_error_points_into_the_block() {
    let (code, _, err) = piped("def f():\n    x = (1,\n    ]\n\n", &[("NO_COLOR", "1")]);
    assert_eq!(code, 1);
    assert!(err.contains("<stdin>:3:5: SyntaxError"), "{err}");
}

#[test]
fn piped_exit_status_comes_from_sys_exit() {
    let (code, out, _) = piped(
        "import sys\nprint('bye')\nsys.exit(3)\nprint('never')\n",
        &[],
    );
    assert_eq!((code, out.as_str()), (3, "bye\n"));
}

#[test]
fn piped_asyncio_run_at_the_prompt_explains_itself() {
    let src = "import asyncio\nasync def main():\n    return 1\n\nasyncio.run(main())\n";
    let (code, _, err) = piped(src, &[("NO_COLOR", "1")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("asyncio.run() cannot be called from a running event loop"),
        "{err}"
    );
    assert!(err.contains("at the aio prompt"), "{err}");
}

#[test]
fn piped_deadlock_is_reported_not_hung() {
    let src = "import asyncio\nawait asyncio.get_running_loop().create_future()\nprint('next')\n";
    let (code, out, err) = piped(src, &[("NO_COLOR", "1")]);
    assert_eq!(code, 1);
    assert_eq!(out, "next\n");
    assert!(err.contains("deadlock"), "{err}");
}

#[test]
fn piped_commands() {
    let src = "\
import asyncio
async def f():
    await asyncio.sleep(0)

:dis f
async def g():
    await asyncio.sleep(0.05)

t = asyncio.create_task(g(), name='bg')
:tasks
await t
:tasks
:time virtual
await asyncio.sleep(1000)
:time
x = 1
:reset
x
:nonsense
";
    let (code, out, err) = piped(src, &[("NO_COLOR", "1")]);
    assert!(out.contains("GET_AWAITABLE"), "disassembly of f:\n{out}");
    assert!(out.contains("the clock is virtual"), "{out}");
    assert!(
        out.contains("• bg g (line 2) → awaits sleep until"),
        "{out}"
    );
    assert!(out.contains("no live tasks"), "{out}");
    assert!(out.contains("fresh globals and event loop"), "{out}");
    assert!(err.contains("NameError: name 'x' is not defined"), "{err}");
    assert!(err.contains("unknown command :nonsense"), "{err}");
    assert_eq!(code, 1);
}

#[test]
fn piped_load_runs_a_script_with_asyncio_run() {
    let dir = std::env::temp_dir().join(format!("aio-repl-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("prog.aio");
    std::fs::write(
        &file,
        "import asyncio\nasync def main():\n    print('in main')\n    return 5\nanswer = asyncio.run(main())\n",
    )
    .expect("write script");
    let src = format!(":load {}\nanswer\nawait asyncio.sleep(0)\n", file.display());
    let (code, out, err) = piped(&src, &[]);
    assert_eq!(err, "");
    assert_eq!((code, out.as_str()), (0, "in main\n5\n"));
}

#[test]
fn piped_limits_stop_one_statement_and_the_session_goes_on() {
    let src = "while True:\n    pass\n\nimport asyncio\nasync def spin():\n    while True:\n        await asyncio.sleep(0)\n\nawait spin()\nprint('still here')\n";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.args(["repl", "--max-steps", "100000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start aio");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(src.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout, "still here\n");
    assert!(
        stderr.contains(
            "aio: stopped: step limit of 100000 instructions exceeded (--max-steps) at <stdin>:1"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("at <stdin>:3 in task 'Task-1'"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(121),
        "the status of the last limit hit"
    );
}

/// A tmux session running `aio`, read through `capture-pane`.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is needed for the terminal tests (.ci/run installs it)"
            );
            eprintln!("note: tmux not found; terminal REPL test skipped");
            return None;
        }
        let socket = format!("aio-test-{}-{name}", std::process::id());
        let history = std::env::temp_dir().join(format!("{socket}.history"));
        let cmd = format!(
            "AIO_HISTORY='{}' '{}'; echo EXIT=$?; sleep 60",
            history.display(),
            env!("CARGO_BIN_EXE_aio")
        );
        let ok = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "100", "-y", "40", &cmd])
            .status()
            .expect("start tmux")
            .success();
        assert!(ok, "tmux new-session failed");
        let t = Tmux { socket };
        t.wait_for(">>> ");
        Some(t)
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-S", "-100"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .expect("send-keys")
            .success();
        assert!(ok);
    }

    /// Type a line and wait until the screen shows `expect` (counting from the end of
    /// what was there before).
    fn line(&self, text: &str, expect: &str) {
        let before = self.screen().trim_end().len();
        if !text.is_empty() {
            self.keys(&["-l", text]);
        }
        self.keys(&["Enter"]);
        self.wait_after(before, expect);
    }

    /// Type a line one key at a time, each after the last one shows, as a person types.
    /// (While background tasks run, rustyline waits on the terminal and a pipe together and
    /// would leave a burst of keys unread until the next key: see docs/repl.md.)
    fn typed_line(&self, text: &str, expect: &str) {
        let before = self.screen().trim_end().len();
        for (i, c) in text.char_indices() {
            self.keys(&["-l", &c.to_string()]);
            self.wait_after(before, &format!(">>> {}", &text[..i + c.len_utf8()]));
        }
        self.keys(&["Enter"]);
        self.wait_after(before, expect);
    }

    fn wait_for(&self, expect: &str) {
        self.wait_after(0, expect);
    }

    fn wait_after(&self, from: usize, expect: &str) {
        // capture-pane drops trailing spaces, as in the `>>> ` prompt.
        let expect = expect.trim_end();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.get(from.min(s.len())..)
                .is_some_and(|rest| rest.contains(expect))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {expect:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn terminal_session() {
    let Some(t) = Tmux::start("session") else {
        return;
    };
    t.line("6 * 7", "42");
    t.line("import asyncio", ">>> ");
    // A multi-line async def: the REPL offers the indentation of each next line.
    t.line("async def say_after(delay, what):", "... ");
    t.line("await asyncio.sleep(delay)", "... ");
    t.line("return what", "... ");
    t.line("", ">>> ");
    t.line("await say_after(0.1, 'hello')", "'hello'");
    // A background task prints while the prompt waits.
    t.line("async def ticker():", "... ");
    t.line("for i in range(3):", "... ");
    t.line("await asyncio.sleep(0.5)", "... ");
    t.line("print('tick', i)", "... ");
    t.line("", ">>> ");
    t.line(
        "task = asyncio.create_task(ticker(), name='ticker')",
        ">>> ",
    );
    t.typed_line(":tasks", "ticker");
    t.wait_for("tick 2");
    // A fresh prompt, now that no task runs in the background.
    t.line("", ">>> ");
    // Ctrl-C interrupts a long await and the session goes on.
    t.line("await asyncio.sleep(100)", "sleep(100)");
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["C-c"]);
    t.wait_for("KeyboardInterrupt");
    t.line("print('after', 1 + 1)", "after 2");
    // A syntax error in a block points into the block.
    t.line("if True:", "... ");
    t.line("x = (1, ]", "... ");
    t.line("", "SyntaxError");
    t.line("'准备调用func,大约耗时3'", "'准备调用func,大约耗时3'");
    // :step runs the next statement one scheduler event at a time; c lets it finish.
    t.line(":step", "step> ");
    t.line("await asyncio.sleep(0)", "Enter: next step");
    t.line("", "starts running");
    t.line("c", "finished: returned None");
    t.line("7 * 6", "42");
    t.keys(&["C-d"]);
    t.wait_for("EXIT=0");
}
