//! Ctrl-C while a statement runs: a SIGINT handler that sets a flag, seen from the REPL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static PENDING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    PENDING.store(true, Ordering::SeqCst);
}

/// Catch SIGINT for the rest of the process (the line editor reads Ctrl-C as a key itself
/// while a prompt is shown).
pub fn install() {
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// True once after Ctrl-C was pressed.
pub fn take_interrupt() -> bool {
    PENDING.swap(false, Ordering::SeqCst)
}

/// Wait, but no longer than it takes to notice Ctrl-C.
pub fn sleep(d: Duration) {
    std::thread::sleep(d);
}
