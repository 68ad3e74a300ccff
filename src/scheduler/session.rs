//! One event loop that lives for a whole REPL session, as in `python -m asyncio`: it counts
//! as running between prompts (so `asyncio.create_task` works at the prompt), and the REPL
//! drives it one iteration at a time while it waits for the next line.

use super::{FutState, as_future, as_loop, event_loop, future, task};
use crate::object::PyResult;
use crate::value::Value;
use crate::vm::Vm;

/// What one poll of the session loop did.
pub enum Poll {
    /// Ran one iteration.
    Ran,
    /// Nothing is ready; the next timer is due in this many seconds (None: no timers).
    Idle(Option<f64>),
}

/// Make the session loop, mark it running and current.
pub fn begin(vm: &mut Vm) -> Value {
    let lp = event_loop::new_loop();
    if let Some(l) = as_loop(&lp) {
        l.running.set(true);
    }
    vm.sched.running_loop = Some(lp.clone());
    vm.sched.event_loop = Some(lp.clone());
    lp
}

/// Stop counting the loop as running (to let a script call `asyncio.run`, or at the end).
pub fn pause(vm: &mut Vm, lp: &Value) {
    if let Some(l) = as_loop(lp) {
        l.running.set(false);
    }
    vm.sched.running_loop = None;
}

/// Undo `pause`.
pub fn resume(vm: &mut Vm, lp: &Value) {
    if let Some(l) = as_loop(lp) {
        l.running.set(true);
        l.stopping.set(false);
    }
    vm.sched.running_loop = Some(lp.clone());
}

/// Run one iteration if anything is ready or a timer is due (under the virtual clock, any
/// timer: time jumps to it); otherwise say how long until the next timer.
pub fn poll(vm: &mut Vm, lp: &Value) -> PyResult<Poll> {
    let Some(l) = as_loop(lp) else {
        return Ok(Poll::Idle(None));
    };
    let next = event_loop::next_timer(lp);
    let ready = !l.ready.borrow().is_empty();
    let wait = next.map(|when| (when - vm.sched.clock.peek()).max(0.0));
    let due = wait.is_some_and(|w| w <= 0.0 || vm.sched.clock.is_virtual());
    if !ready && !due {
        return Ok(Poll::Idle(wait));
    }
    l.stopping.set(false);
    event_loop::run_once(vm, lp)?;
    Ok(Poll::Ran)
}

/// Run a cell's coroutine as a task of the session loop.
pub fn spawn(vm: &mut Vm, lp: &Value, coro: Value) -> PyResult<Value> {
    task::create_task(vm, lp, coro, Value::None)
}

pub fn is_done(fut: &Value) -> bool {
    as_future(fut).is_none_or(|f| f.state.get() != FutState::Pending)
}

pub fn is_cancelled(fut: &Value) -> bool {
    as_future(fut).is_some_and(|f| f.state.get() == FutState::Cancelled)
}

/// The result of a finished task (its exception raised as an error).
pub fn result(vm: &mut Vm, fut: &Value) -> PyResult<Value> {
    future::result(vm, fut)
}

/// Cancel a task (Ctrl-C during an `await` at the prompt).
pub fn cancel(vm: &mut Vm, fut: &Value) -> PyResult<bool> {
    task::cancel(vm, fut, Value::None)
}

/// Every task of the loop that has not finished.
pub fn pending_tasks(lp: &Value) -> Vec<Value> {
    as_loop(lp)
        .map(|l| l.tasks.borrow().pending())
        .unwrap_or_default()
}

/// Why the loop can never wake up again (nothing ready, no timers) while `fut` waits.
pub fn deadlock(vm: &mut Vm, lp: &Value) -> crate::object::Exc {
    super::deadlock::deadlock_error(vm, lp)
}
