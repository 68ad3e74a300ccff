//! `asyncio.sleep(delay, result)` as a native coroutine.
//!
//! CPython's sleep makes a Future, a TimerHandle that resolves it, and awaits the future:
//!
//! ```python
//! future = loop.create_future()
//! h = loop.call_later(delay, futures._set_result_unless_cancelled, future, result)
//! try:
//!     return await future
//! finally:
//!     h.cancel()
//! ```
//!
//! When a task awaits the sleep directly (the common case), the sleep object itself stands
//! for that future: its timer entry is the TimerHandle (see `TimerEntry::action`), and it
//! records the waiting task, its state and a cancel message. A sleeping task then costs
//! no Future, no done callback and no handle. The steps stay CPython's: the timer's
//! handle runs in the ready queue and schedules the task's wake-up, which steps it in the
//! next iteration; `task.cancel()` cancels the "future" and schedules the wake-up. Driven
//! any other way (a program calling `send()` on a coroutine that sleeps), the sleep makes
//! a real Future, which the driver sees.

use std::cell::Cell;
use std::rc::Rc;

use super::{
    AsyncObj, Callback, FutState, SendResult, SleepObj, TaskData, as_async, as_future, future,
};
use crate::bytecode::Op;
use crate::object::{Builtin, Exc, PyResult};
use crate::types::{self, runtime_error};
use crate::value::Value;
use crate::vm::{Fiber, Vm};

/// Where a sleep is, once it started with a delay.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    /// Not started, or waiting through a real Future (in `state`).
    Idle,
    /// A task awaits it directly: pending, the task in `state`.
    Waiting,
    /// Its timer resolved it; the task's wake-up is scheduled.
    Done,
    /// The task was cancelled while it slept; the wake-up is scheduled.
    Cancelled,
}

pub fn new_sleep(delay: f64, result: Value) -> Value {
    let sleep = AsyncObj::Sleep(SleepObj {
        delay,
        result,
        state: Cell::new(Value::None),
        when: Cell::new(0.0),
        timer_cancelled: Cell::new(false),
        awaited: Cell::new(false),
        phase: Cell::new(Phase::Idle),
        cancel_message: Cell::new(Value::None),
    });
    // Not registered with the cycle collector (see gc.rs): every reference a sleep gains
    // after it is made is to the task waiting on it (registered) or to the future it waits
    // through (registered once it holds anything a cycle could pass through), except a
    // cancel message, and `cancel` registers it then. A million sleeping tasks are a
    // million fewer entries for each collection to walk.
    Value::Native(std::rc::Rc::new(crate::object::NativeObj::Async(sleep)))
}

/// A sleep that stands for its own future (a task awaits it directly).
pub fn direct(v: &Value) -> Option<&SleepObj> {
    match as_async(v) {
        Some(AsyncObj::Sleep(s)) if s.phase.get() != Phase::Idle => Some(s),
        _ => None,
    }
}

/// Is `b` the `asyncio.sleep` builtin (not, say, `time.sleep`)?
pub fn is_sleep_fn(vm: &Vm, b: &Rc<Builtin>) -> bool {
    vm.sched.sleep_fn.as_ref().is_some_and(|s| Rc::ptr_eq(s, b))
}

/// `asyncio.sleep(0)` (or a negative delay) with result None, which has just yielded: it
/// would return None when resumed and has nothing left to do, so it ends now (the caller
/// completes the await with the None that resuming a yield pushes).
pub fn end_at_yield(v: &Value) -> bool {
    match as_async(v) {
        Some(AsyncObj::Sleep(s)) if s.delay <= 0.0 && s.result.is_none() => {
            s.timer_cancelled.set(true);
            true
        }
        _ => false,
    }
}

/// SEND on asyncio.sleep(...).
pub fn send(vm: &mut Vm, sub: &Value, s: &SleepObj) -> PyResult<SendResult> {
    s.awaited.set(true);
    if s.timer_cancelled.get() {
        return Err(runtime_error("cannot reuse already awaited coroutine"));
    }
    if s.delay <= 0.0 {
        // sleep(0): one bare yield, then done. (A NaN delay is not `<= 0`: as in CPython,
        // it arms a timer at NaN, due as soon as it is at the top of the timer heap, where
        // `when >= end` is false.)
        if super::peek(&s.state, |st| matches!(st, Value::Bool(true))) {
            s.timer_cancelled.set(true);
            return Ok(SendResult::Done(s.result.clone()));
        }
        s.state.set(Value::Bool(true));
        return Ok(SendResult::Yield(Value::None));
    }
    match s.phase.get() {
        Phase::Idle if super::peek(&s.state, Value::is_none) => {}
        Phase::Idle => {
            // Woken up: the future is done (or cancelled); `finally: h.cancel()`.
            s.timer_cancelled.set(true);
            let fut = super::peek(&s.state, Value::clone);
            return future::result(vm, &fut).map(SendResult::Done);
        }
        Phase::Waiting => {
            return Err(runtime_error("await wasn't used with future"));
        }
        Phase::Done => {
            s.timer_cancelled.set(true);
            return Ok(SendResult::Done(s.result.clone()));
        }
        Phase::Cancelled => {
            s.timer_cancelled.set(true);
            return Err(cancelled_error(s));
        }
    }
    let lp = vm
        .sched
        .running_loop
        .clone()
        .ok_or_else(|| runtime_error("no running event loop"))?;
    let when = vm.sched.clock.now() + s.delay;
    s.when.set(when);
    // What the sleep yields goes straight to the task's step when the task runs it with no
    // Python-level driver in between (a nested run counts in `native_depth`).
    let direct = vm.native_depth == 0 && vm.sched.current_task.is_some();
    let awaited = if direct {
        s.phase.set(Phase::Waiting);
        sub.clone()
    } else {
        let fut = future::new_future(lp.clone());
        s.state.set(fut.clone());
        fut
    };
    // The timer entry refers to this coroutine (no TimerHandle): see `TimerEntry::action`.
    if let (Some(l), Value::Native(me)) = (super::as_loop(&lp), sub) {
        l.timers.borrow_mut().push(super::TimerEntry {
            when,
            action: me.clone(),
        });
    }
    if vm.sched.tracing {
        vm.sched.last_sleep = Some((awaited.clone(), s.delay, when));
    }
    Ok(SendResult::Yield(awaited))
}

/// A task resumes after the sleep it awaits directly came due: its SEND would run again to
/// learn that the sleep returns its result. Do that here instead (the same effects: the
/// sleep ends, its result replaces it and the sent None, the frame goes on past SEND), which
/// spares a million waking tasks a trip out of the dispatch loop and back.
pub fn finish_due_await(fiber: &mut Fiber) {
    let Fiber { frames, stack } = fiber;
    let Some(fr) = frames.last_mut() else { return };
    let Some(&Op::Send(target)) = fr.code.ops.get(fr.ip as usize) else {
        return;
    };
    let Some(sub) = stack.len().checked_sub(2) else {
        return;
    };
    let result = match as_async(&stack[sub]) {
        Some(AsyncObj::Sleep(s)) if s.phase.get() == Phase::Done && !s.timer_cancelled.get() => {
            s.timer_cancelled.set(true);
            s.result.clone()
        }
        _ => return,
    };
    stack.truncate(sub);
    stack.push(result);
    fr.ip = target;
}

/// The task `t` suspends on the sleep (its step saw the sleep yielded).
pub fn wait(s: &SleepObj, t: &Value) {
    s.state.set(t.clone());
}

/// The task stopped waiting (its step began): the sleep forgets it. True if the sleep came
/// due (so `finish_due_await` can end the task's await of it).
pub fn forget_waiter(v: &Value) -> bool {
    match direct(v) {
        Some(s) => {
            s.state.set(Value::None);
            s.phase.get() == Phase::Done
        }
        None => false,
    }
}

/// The sleep's timer came due and its ready-queue entry runs (CPython's
/// `_set_result_unless_cancelled` on the sleep's future): wake the task awaiting it
/// directly, or resolve the future it waits through.
pub fn timer_due(vm: &mut Vm, sleep: &Value) -> PyResult<()> {
    let Some(AsyncObj::Sleep(s)) = as_async(sleep) else {
        return Ok(());
    };
    match s.phase.get() {
        Phase::Idle => {
            let fut = super::peek(&s.state, Value::clone);
            if as_future(&fut).is_some_and(|f| f.state.get() == FutState::Pending) {
                future::set_result(vm, &fut, s.result.clone())?;
            }
        }
        Phase::Waiting => {
            s.phase.set(Phase::Done);
            wake(vm, s);
        }
        Phase::Done | Phase::Cancelled => {}
    }
    Ok(())
}

/// `future.cancel(msg)` on the future the sleep stands for.
pub fn cancel(vm: &mut Vm, sleep: &Value, s: &SleepObj, msg: Value) -> bool {
    if s.phase.get() != Phase::Waiting {
        return false;
    }
    s.phase.set(Phase::Cancelled);
    if !msg.is_none() {
        // The message may refer back to the sleep: from now on a cycle can pass through it.
        crate::gc::track(sleep);
    }
    s.cancel_message.set(msg);
    wake(vm, s);
    true
}

/// Schedule the waiting task's wake-up (the future's done callback).
fn wake(vm: &mut Vm, s: &SleepObj) {
    let t = s.state.take();
    if let (Some(f), Some(task)) = (as_future(&t), super::obj(&t)) {
        let lp = f.lp.clone();
        super::event_loop::call_soon(vm, &lp, Callback::Step { task, exc: None });
    }
}

fn cancelled_error(s: &SleepObj) -> Exc {
    cancelled_with(super::peek(&s.cancel_message, Value::clone))
}

/// The CancelledError of a cancelled sleep's future, with its message.
fn cancelled_with(msg: Value) -> Exc {
    let args = if msg.is_none() { vec![] } else { vec![msg] };
    types::new_exc_args(types::types().exc("CancelledError"), args)
}

/// Was the future the sleep stands for cancelled (the task will get a CancelledError)?
pub fn cancelled(v: &Value) -> bool {
    direct(v).is_some_and(|s| s.phase.get() == Phase::Cancelled)
}

/// The task a sleep's timer will wake: the one waiting on its future, or on the sleep.
pub fn waiting_task(sleep: &Value) -> Option<Value> {
    if let Some(f) = as_future(&due_future(sleep)) {
        return super::peek(&f.callbacks, |cbs| {
            cbs.iter().find_map(|c| match c {
                super::FutCallback::Wakeup(t) => Some(Value::Native(t.clone())),
                _ => None,
            })
        });
    }
    direct(sleep)
        .map(|s| super::peek(&s.state, Value::clone))
        .filter(|t| !t.is_none())
}

/// The future a sleep resolves when its timer is due (None when a task awaits the sleep
/// directly: the sleep stands for it).
pub fn due_future(sleep: &Value) -> Value {
    match as_async(sleep) {
        Some(AsyncObj::Sleep(s)) if s.phase.get() == Phase::Idle => {
            super::peek(&s.state, Value::clone)
        }
        _ => Value::None,
    }
}

/// The future's repr CPython shows in a task's `wait_for=`.
pub fn future_repr(vm: &mut Vm, s: &SleepObj) -> PyResult<String> {
    Ok(match s.phase.get() {
        Phase::Cancelled => "<Future cancelled>".into(),
        Phase::Done => format!("<Future finished result={}>", vm.repr(&s.result)?),
        _ => "<Future pending cb=[Task.task_wakeup()]>".into(),
    })
}

/// A task's state in words for traces: sleeping until when, if the sleep is pending.
pub fn pending_until(v: &Value) -> Option<f64> {
    direct(v)
        .filter(|s| s.phase.get() == Phase::Waiting)
        .map(|s| s.when.get())
}

/// A task's own timed sleep that is only an entry in the timer heap (`TaskData::timer`).
///
/// `await asyncio.sleep(d)` run at its call by a task's own frames (`Vm::sleep_at_call`,
/// tracing off) makes no sleep object: the timer entry points at the task, the frame goes
/// on past the await as after a bare yield, and the sleep's future lives on as this state.
/// CPython's steps stay: the timer's handle runs in the ready queue and schedules the
/// task's wake-up for the next iteration (`due`); `task.cancel()` cancels the "future" and
/// schedules the wake-up, which throws the CancelledError in (`cancel_bare`). A task has at
/// most one entry of its own in the heap: after a cancelled sleep it takes the sleep
/// object's path until the dead entry has left the heap (`Stale`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum TimerWait {
    /// No sleep of its own, no entry in the heap.
    #[default]
    Idle,
    /// Asleep: its entry is in the heap, live.
    Waiting,
    /// The entry came due; the wake-up is scheduled.
    Done,
    /// Cancelled while asleep (the wake-up is scheduled); the dead entry is in the heap.
    Cancelled,
    /// Cancelled, and the dead entry has left the heap.
    CancelledGone,
    /// Awake again after a cancel, with the dead entry still in the heap.
    Stale,
}

/// Start the current task's timed sleep as a bare timer entry, if it can be one: a task's
/// own frames run it directly (no Python-level driver, tracing off) and the task has no
/// entry of its own in the heap.
pub fn start_bare(vm: &mut Vm, delay: f64) -> bool {
    if vm.sched.tracing || vm.native_depth != 0 {
        return false;
    }
    let (Some(Value::Native(task)), Some(lp)) = (&vm.sched.current_task, &vm.sched.running_loop)
    else {
        return false;
    };
    let Some(td) = super::future_of(task).and_then(|f| f.task()) else {
        return false;
    };
    let Some(l) = super::as_loop(lp) else {
        return false;
    };
    if td.timer.get() != TimerWait::Idle {
        return false;
    }
    td.timer.set(TimerWait::Waiting);
    let when = vm.sched.clock.now() + delay;
    l.timers.borrow_mut().push(super::TimerEntry {
        when,
        action: task.clone(),
    });
    true
}

/// The state a task's sleep moves to when its entry leaves the heap (`due`: the entry's
/// callback runs; else it was dropped as dead), and whether to wake the task.
fn entry_left(td: &TaskData, due: bool) -> bool {
    let (next, wake) = match td.timer.get() {
        TimerWait::Waiting if due => (TimerWait::Done, true),
        TimerWait::Cancelled => (TimerWait::CancelledGone, false),
        TimerWait::Stale => (TimerWait::Idle, false),
        other => (other, false),
    };
    td.timer.set(next);
    wake
}

/// A task's own timer came due (`Callback::SleepDue`): CPython's
/// `_set_result_unless_cancelled` on the sleep's future, whose done callback schedules
/// the task's wake-up.
pub fn due(vm: &mut Vm, task: super::Obj) {
    let Some(f) = super::future_of(&task) else {
        return;
    };
    if f.task().is_some_and(|td| entry_left(td, true)) {
        let lp = f.lp.clone();
        super::event_loop::call_soon(vm, &lp, Callback::SleepWakeup { task, exc: None });
    }
}

/// A dead entry of a task's own timer was dropped from the heap.
pub fn entry_dropped(e: &super::TimerEntry) {
    if let Some(td) = super::future_of(&e.action).and_then(|f| f.task()) {
        entry_left(td, false);
    }
}

/// Is the entry a task's own timer that is no longer live?
pub fn entry_dead(td: &TaskData) -> bool {
    td.timer.get() != TimerWait::Waiting
}

/// `task.cancel(msg)` while the task sleeps on its own timer: the future is cancelled and
/// the wake-up scheduled, which throws the CancelledError in (CPython's `__wakeup` passes
/// on what the future's `result()` raised). False if the task does not sleep so.
pub fn cancel_bare(vm: &mut Vm, t: &Value, td: &TaskData, lp: &Value, msg: Value) -> bool {
    if td.timer.get() != TimerWait::Waiting {
        return false;
    }
    td.timer.set(TimerWait::Cancelled);
    if let Some(task) = super::obj(t) {
        let exc = Some(cancelled_with(msg));
        super::event_loop::call_soon(vm, lp, Callback::SleepWakeup { task, exc });
    }
    true
}

/// The task's wake-up from its own timer (or its cancellation) runs: its sleep's future is
/// done with.
#[inline]
pub fn bare_resumed(td: &TaskData) {
    let next = match td.timer.get() {
        TimerWait::Done | TimerWait::CancelledGone => TimerWait::Idle,
        TimerWait::Cancelled => TimerWait::Stale,
        other => other,
    };
    td.timer.set(next);
}

/// The future CPython's task would show in `wait_for=` while it sleeps on its own timer.
pub fn bare_future_repr(td: &TaskData) -> Option<&'static str> {
    Some(match td.timer.get() {
        TimerWait::Waiting => "<Future pending cb=[Task.task_wakeup()]>",
        TimerWait::Done => "<Future finished result=None>",
        TimerWait::Cancelled | TimerWait::CancelledGone => "<Future cancelled>",
        TimerWait::Idle | TimerWait::Stale => return None,
    })
}

/// When the task sleeping on its own timer wakes (None if it does not sleep so).
pub fn bare_until(t: &Value, td: &TaskData, lp: &Value) -> Option<f64> {
    if td.timer.get() != TimerWait::Waiting {
        return None;
    }
    let timers = super::as_loop(lp)?.timers.borrow();
    timers
        .iter()
        .find(|e| super::is_obj(t, &e.action))
        .map(|e| e.when)
}
