//! Ctrl-C: a process-global flag set by the SIGINT handler (or by `request_interrupt`),
//! polled by the VM at safe points (see `vm/budget.rs`), which raises KeyboardInterrupt
//! where the program is — or, inside `asyncio.run`, cancels the main task first, as
//! CPython 3.11's `asyncio.runners` does.
//!
//! The handler only stores to atomics (async-signal-safe). With `exit_on_second`, a
//! Ctrl-C that arrives while an earlier one is still undelivered, or after `asyncio.run`
//! already cancelled its main task, ends the process at once (after flushing stdout),
//! killed by SIGINT as Python would be.

use std::sync::atomic::{AtomicBool, Ordering};

/// A Ctrl-C not yet delivered to the program.
static PENDING: AtomicBool = AtomicBool::new(false);
/// A Ctrl-C was already delivered softly (main task cancelled): the next one is hard.
static ARMED: AtomicBool = AtomicBool::new(false);
static EXIT_ON_SECOND: AtomicBool = AtomicBool::new(false);
/// The second Ctrl-C (with `exit_on_second`): the VM flushes stdout and ends the process
/// at its next check; a third one ends it from the handler, even if the VM is busy in a
/// long native operation.
static HARD: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: libc::c_int) {
    let already = PENDING.swap(true, Ordering::SeqCst) || ARMED.load(Ordering::SeqCst);
    if already && EXIT_ON_SECOND.load(Ordering::SeqCst) && HARD.swap(true, Ordering::SeqCst) {
        die_by_sigint();
    }
}

/// Must the process end now (a second Ctrl-C)?
pub fn hard() -> bool {
    HARD.load(Ordering::Relaxed)
}

/// Catch SIGINT from now on. `exit_on_second`: a second Ctrl-C ends the process at once
/// (`aio run`); without it every Ctrl-C becomes a KeyboardInterrupt (the REPL).
pub fn install_sigint_handler(exit_on_second: bool) {
    EXIT_ON_SECOND.store(exit_on_second, Ordering::SeqCst);
    // SAFETY: the handler only touches atomics and calls async-signal-safe libc functions;
    // the sigaction struct is fully initialised (zeroed, then the handler and mask set).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

/// Ask the running program to stop with KeyboardInterrupt, as Ctrl-C does.
pub fn request_interrupt() {
    PENDING.store(true, Ordering::SeqCst);
}

/// Is a Ctrl-C waiting to be delivered? (For waits that must wake up promptly.)
pub fn pending() -> bool {
    PENDING.load(Ordering::Relaxed)
}

/// Take the pending Ctrl-C, if any.
pub fn take() -> bool {
    PENDING.load(Ordering::Relaxed) && PENDING.swap(false, Ordering::SeqCst)
}

/// The Ctrl-C was delivered softly (asyncio.run cancelled its main task): with
/// `exit_on_second`, the next one ends the process.
pub fn arm_second() {
    ARMED.store(true, Ordering::SeqCst);
}

/// Forget earlier Ctrl-Cs (a new REPL statement, a new asyncio.run).
pub fn reset() {
    PENDING.store(false, Ordering::SeqCst);
    ARMED.store(false, Ordering::SeqCst);
}

/// End the process killed by SIGINT, as Python does after printing a KeyboardInterrupt
/// traceback: the shell sees status 130, a parent sees the signal.
pub fn die_by_sigint() -> ! {
    // SAFETY: resetting to the default action and raising are async-signal-safe; if the
    // signal is somehow blocked, _exit(130) ends the process anyway.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(libc::SIGINT);
        libc::_exit(130)
    }
}
