//! Ctrl-C in the REPL: every Ctrl-C while a statement runs becomes a KeyboardInterrupt
//! (see `crate::interrupt`); the process never ends on a second one.

use std::time::Duration;

/// Catch SIGINT from now on. Call after the line editor exists: it installs a handler of
/// its own, which would swallow Ctrl-C while a statement runs.
pub fn install() {
    crate::interrupt::install_sigint_handler(false);
}

/// Forget a Ctrl-C that arrived before the statement started.
pub fn forget() {
    crate::interrupt::reset();
}

/// Wait, but no longer than it takes to notice Ctrl-C.
pub fn sleep(d: Duration) {
    let step = Duration::from_millis(20);
    let end = std::time::Instant::now() + d;
    loop {
        let now = std::time::Instant::now();
        if now >= end || crate::interrupt::pending() {
            return;
        }
        std::thread::sleep(step.min(end - now));
    }
}
