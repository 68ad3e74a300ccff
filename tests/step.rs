//! `aio trace --step` through a pseudo-terminal: the test drives tmux (keys in with
//! `send-keys`, the screen out with `capture-pane`). Skipped with a note when tmux is
//! missing, unless CI is set (.ci/run installs it).

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn start(tag: &str, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is missing (.ci/run installs it)"
            );
            eprintln!("note: tmux not found: --step was not tested through a terminal");
            return None;
        }
        let t = Tmux {
            socket: format!("aio-step-{tag}-{}", std::process::id()),
            session: "step".into(),
        };
        // The shell stays after aio ends so the last screen can be read.
        let script = format!("{command}; echo EXIT=$?; sleep 60");
        let ok = t
            .tmux(&[
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "60",
                "-s",
                &t.session,
            ])
            .arg(script)
            .env("NO_COLOR", "1")
            .status()
            .expect("tmux new-session")
            .success();
        assert!(ok, "tmux new-session failed");
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]).args(args);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-S", "-1000", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status().expect("send-keys").success());
    }

    /// Wait until the screen shows `what` `times` times.
    fn wait_for(&self, what: &str, times: usize) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.matches(what).count() >= times {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("the screen never showed {what:?} {times} time(s):\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).status();
    }
}

const PROMPT: &str = "▶ Enter: next step   c: continue to the end   q: quit";

fn command(args: &str) -> String {
    format!(
        "{} trace {args} tests/trace/say_after_concurrent.aio",
        env!("CARGO_BIN_EXE_aio")
    )
}

#[test]
fn step_pauses_after_each_event_and_continues_on_c() {
    let Some(t) = Tmux::start("event", &command("--step")) else {
        return;
    };
    let s = t.wait_for(PROMPT, 1);
    assert!(s.contains("Task-1 main        created by the main program (line 16)"));
    assert!(s.contains("ready queue: step Task-1 main"), "{s}");
    assert!(
        !s.contains("starts running"),
        "ran past the first pause:\n{s}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_for(PROMPT, 2);
    assert!(s.contains("Task-1 main        starts running"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for(PROMPT, 3);
    // Each task with its state and the source line it is at.
    assert!(
        s.contains("Task-1 main        running                    line 10: task1 = asyncio.create_task(say_after(1, 'hello'))"),
        "{s}"
    );
    assert!(s.contains("Task-2 say_after   ready to start"), "{s}");
    t.keys(&["c", "Enter"]);
    let s = t.wait_for("EXIT=0", 1);
    assert!(s.contains("hello") && s.contains("world"));
    assert_eq!(s.matches(PROMPT).count(), 3, "paused after c:\n{s}");
}

#[test]
fn step_by_iteration_shows_timers_and_quits_on_q() {
    let Some(t) = Tmux::start("iteration", &command("--step=iteration")) else {
        return;
    };
    t.wait_for(PROMPT, 1);
    t.keys(&["Enter"]);
    let s = t.wait_for(PROMPT, 2);
    // Paused before iteration 3: the clock has jumped to the first timer, which is due.
    assert!(s.contains("clock:       t=1.000"), "{s}");
    assert!(
        s.contains("ready queue: end the sleep of Task-2 say_after"),
        "{s}"
    );
    assert!(
        s.contains("timers:      t=2.000 end the sleep of Task-3 say_after"),
        "{s}"
    );
    assert!(
        s.contains(
            "Task-2 say_after   sleeping until t=1.000     line 5: await asyncio.sleep(delay)"
        ),
        "{s}"
    );
    assert!(!s.contains("iteration 3"), "{s}");
    t.keys(&["q", "Enter"]);
    let s = t.wait_for("EXIT=", 1);
    assert!(s.contains("aio: stopped at the user's request"), "{s}");
    assert!(!s.contains("world"), "{s}");
}
