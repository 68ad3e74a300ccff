//! Futures (and the future half of tasks): states, results, done callbacks.

use super::{
    AsyncObj, Callback, FutCallback, FutExtra, FutState, FutureObj, as_future, event_loop, wrap,
};
use crate::object::{Exc, PyResult};
use crate::types::{self, exc, new_exc_args};
use crate::value::Value;
use crate::vm::Vm;

/// A pending future of loop `lp`; `extra` makes it a task or a gather().
pub fn new_pending(lp: Value, extra: Option<Box<FutExtra>>) -> Value {
    let odd_loop = super::as_loop(&lp).is_none();
    let fut = wrap(AsyncObj::Future(FutureObj {
        lp,
        state: std::cell::Cell::new(FutState::Pending),
        log_traceback: std::cell::Cell::new(false),
        cancel_requested: std::cell::Cell::new(false),
        origin_bits: std::cell::Cell::new(0),
        result: Default::default(),
        failed: Default::default(),
        callbacks: Default::default(),
        cancel: Default::default(),
        extra,
    }));
    // Something other than a loop may refer back to the future: register it at once.
    if odd_loop && let (Value::Native(n), Some(f)) = (&fut, as_future(&fut)) {
        f.register(n);
    }
    fut
}

/// A plain future or a task is not registered with the cycle collector when made (see
/// gc.rs): until it holds something other than plain data, a registered future, a loop
/// or a gather(), each of which is registered, no cycle can pass through it without
/// passing through one of those. `fut` is about to hold `v`: register it if `v` could
/// close a cycle.
pub(crate) fn may_hold(fut: &Value, v: &Value) {
    let plain_data = matches!(
        v,
        Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::Big(_)
            | Value::Undef
            | Value::Range(_)
    );
    let registered =
        as_future(v).is_some_and(FutureObj::is_registered) || super::as_loop(v).is_some();
    if !(plain_data || registered)
        && let Value::Native(n) = fut
        && let Some(f) = as_future(fut)
    {
        f.register(n);
    }
}

pub fn new_future(lp: Value) -> Value {
    new_pending(lp, None)
}

/// A future made by the program (`create_future()`, `Future()`): remembers its line.
pub fn new_future_here(vm: &Vm, lp: Value) -> Value {
    let fut = new_future(lp);
    if let Some(f) = as_future(&fut) {
        f.set_origin(super::deadlock::origin_here(vm));
    }
    fut
}

fn invalid_state(msg: &str) -> Exc {
    exc("InvalidStateError", msg)
}

/// CPython's `_make_cancelled_error`: the CancelledError raised inside a cancelled task
/// the first time (handed over, so later calls make a new one), else a new one with the
/// cancel message.
pub fn cancelled_error(f: &FutureObj) -> Exc {
    if let Some(e) = f.take_cancelled_exc() {
        return e;
    }
    let msg = f.cancel_message();
    let args = if msg.is_none() { vec![] } else { vec![msg] };
    new_exc_args(types::types().exc("CancelledError"), args)
}

/// future.result(): the value, or raise its exception / CancelledError.
pub fn result(_vm: &mut Vm, fut: &Value) -> PyResult<Value> {
    let f = as_future(fut).ok_or_else(|| types::type_error("not a future"))?;
    match f.state.get() {
        FutState::Pending => Err(invalid_state("Result is not set.")),
        FutState::Cancelled => Err(cancelled_error(f)),
        FutState::Finished => {
            f.log_traceback.set(false);
            if let Some(e) = f.exception() {
                return Err(e);
            }
            Ok(f.outcome())
        }
    }
}

pub fn exception(_vm: &mut Vm, fut: &Value) -> PyResult<Value> {
    let f = as_future(fut).ok_or_else(|| types::type_error("not a future"))?;
    match f.state.get() {
        FutState::Pending => Err(invalid_state("Exception is not set.")),
        FutState::Cancelled => Err(cancelled_error(f)),
        FutState::Finished => {
            f.log_traceback.set(false);
            Ok(f.exception().map(Value::Instance).unwrap_or_default())
        }
    }
}

/// Schedule every done callback with call_soon (never inline), as CPython does.
pub fn schedule_callbacks(vm: &mut Vm, fut: &Value) {
    let Some(f) = as_future(fut) else { return };
    let cbs = f.callbacks.take();
    let lp = f.lp.clone();
    for cb in cbs {
        event_loop::call_soon(vm, &lp, loop_callback(cb, fut));
    }
}

pub fn set_result(vm: &mut Vm, fut: &Value, v: Value) -> PyResult<()> {
    let f = as_future(fut).ok_or_else(|| types::type_error("not a future"))?;
    if f.state.get() != FutState::Pending {
        return Err(invalid_state("invalid state"));
    }
    may_hold(fut, &v);
    f.result.set(v);
    f.state.set(FutState::Finished);
    schedule_callbacks(vm, fut);
    Ok(())
}

pub fn set_exception(vm: &mut Vm, fut: &Value, e: Value) -> PyResult<()> {
    let f = as_future(fut).ok_or_else(|| types::type_error("not a future"))?;
    if f.state.get() != FutState::Pending {
        return Err(invalid_state("invalid state"));
    }
    let e = vm.to_exception(e)?;
    if types::exc_is(&e, "StopIteration") {
        return Err(types::type_error(
            "StopIteration interacts badly with generators and cannot be raised into a Future",
        ));
    }
    let e = Value::Instance(e);
    may_hold(fut, &e);
    f.result.set(e);
    f.failed.set(true);
    f.state.set(FutState::Finished);
    f.log_traceback.set(true);
    schedule_callbacks(vm, fut);
    Ok(())
}

/// Future.cancel(msg): True if it was pending.
pub fn cancel(vm: &mut Vm, fut: &Value, msg: Value) -> bool {
    let Some(f) = as_future(fut) else {
        return false;
    };
    f.log_traceback.set(false);
    if f.state.get() != FutState::Pending {
        return false;
    }
    f.state.set(FutState::Cancelled);
    may_hold(fut, &msg);
    f.set_cancel_message(msg);
    schedule_callbacks(vm, fut);
    true
}

/// The loop callback that runs a done callback of `fut` (which receives the future).
fn loop_callback(cb: FutCallback, fut: &Value) -> Callback {
    let Some(me) = super::obj(fut) else {
        return Callback::Done;
    };
    match cb {
        FutCallback::Py(func) => Callback::call(*func, vec![fut.clone()]),
        FutCallback::Wakeup(task) => Callback::Step { task, exc: None },
        FutCallback::StopLoop(lp) => Callback::StopLoop { lp, fut: me },
        FutCallback::Gather(outer) => Callback::GatherChildDone { outer, child: me },
    }
}

pub fn add_done_callback(vm: &mut Vm, fut: &Value, cb: FutCallback) {
    let Some(f) = as_future(fut) else { return };
    if f.state.get() != FutState::Pending {
        let lp = f.lp.clone();
        event_loop::call_soon(vm, &lp, loop_callback(cb, fut));
    } else {
        // A task waking (it registered when it began to wait), a loop or a gather() is
        // registered itself: only a Python callable can make the future a link of a cycle
        // the collector would not see.
        if let FutCallback::Py(func) = &cb {
            may_hold(fut, func);
        }
        let mut cbs = f.callbacks.take();
        cbs.push(cb);
        f.callbacks.set(cbs);
    }
}

fn state_name(f: &FutureObj) -> &'static str {
    match f.state.get() {
        FutState::Pending => "PENDING",
        FutState::Cancelled => "CANCELLED",
        FutState::Finished => "FINISHED",
    }
}

/// `<Future finished result=42>` / `<Task pending name='Task-2' coro=<main() running>>`
pub fn repr(vm: &mut Vm, fut: &Value) -> PyResult<String> {
    let Some(f) = as_future(fut) else {
        return Ok("<?>".into());
    };
    let mut info = vec![state_name(f).to_lowercase()];
    if let Some(t) = f.task() {
        // CPython 3.11: `task.cancelling() and not task.done()`.
        if f.state.get() == FutState::Pending && t.num_cancels_requested.get() > 0 {
            info[0] = "cancelling".into();
        }
        let name = vm.repr(&t.name())?;
        info.push(format!("name={name}"));
        let coro = match &t.coro {
            Value::Gen(g) => {
                let pending = f.state.get() == FutState::Pending;
                // A running coroutine reports the line it is suspended at.
                let span = t
                    .with_fiber(|fb| fb?.frames.first().map(|fr| fr.code.span_at(fr.ip as usize)))
                    .filter(|_| pending)
                    .unwrap_or(g.code.span);
                let line = g.code.source.line(span.start as usize);
                let state = if pending {
                    "running at"
                } else {
                    "done, defined at"
                };
                format!(
                    "<{}() {} {}:{}>",
                    g.qualname(),
                    state,
                    g.code.source.name,
                    line
                )
            }
            other => vm.repr(other)?,
        };
        info.push(format!("coro={coro}"));
    } else if f.state.get() == FutState::Pending {
        let cbs = callback_names(vm, f);
        if !cbs.is_empty() {
            info.push(format!("cb=[{}]", cbs));
        }
    }
    if f.state.get() == FutState::Finished {
        if let Some(e) = f.exception() {
            info.push(format!("exception={}", vm.repr(&Value::Instance(e))?));
        } else {
            let r = f.outcome();
            info.push(format!("result={}", vm.repr(&r)?));
        }
    }
    if let Some(t) = f.task() {
        let w = t.waiter();
        if !w.is_none() && f.state.get() == FutState::Pending {
            let shown = match super::sleep::direct(&w) {
                Some(s) => super::sleep::future_repr(vm, s)?,
                None => repr(vm, &w)?,
            };
            info.push(format!("wait_for={shown}"));
        } else if let Some(shown) = super::sleep::bare_future_repr(t)
            && f.state.get() == FutState::Pending
        {
            info.push(format!("wait_for={shown}"));
        }
    }
    let kind = if f.task().is_some() { "Task" } else { "Future" };
    Ok(format!("<{} {}>", kind, info.join(" ")))
}

/// CPython's `cb=[...]` list: one or two names, or the first, a count and the last.
fn callback_names(vm: &mut Vm, f: &FutureObj) -> String {
    let names: Vec<String> = super::peek(&f.callbacks, |cbs| {
        cbs.iter()
            .map(|c| match c {
                FutCallback::Wakeup(_) => "Task.task_wakeup()".to_string(),
                FutCallback::StopLoop(_) => {
                    "_run_until_complete_cb() at base_events.py:180".to_string()
                }
                FutCallback::Gather(_) => "gather.<locals>.on_child_done()".to_string(),
                FutCallback::Py(func) => match &**func {
                    Value::Func(func) => format!("{}()", func.qualname.borrow()),
                    other => format!("{}()", crate::types::type_name(other)),
                },
            })
            .collect()
    });
    let _ = vm;
    match names.len() {
        0 => String::new(),
        1 | 2 => names.join(", "),
        n => format!("{}, <{} more>, {}", names[0], n - 2, names[n - 1]),
    }
}
