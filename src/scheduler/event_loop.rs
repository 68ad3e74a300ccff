//! The loop itself: call_soon / call_later, one iteration (`_run_once`), run_forever and
//! run_until_complete.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::{
    AsyncObj, Callback, FutCallback, FutState, HandleObj, LoopObj, Ready, TimerEntry, as_future,
    as_loop, future, task, wrap,
};
use crate::object::PyResult;
use crate::types::{self, runtime_error};
use crate::value::Value;
use crate::vm::Vm;

pub fn new_loop() -> Value {
    wrap(AsyncObj::Loop(Box::new(LoopObj {
        ready: Default::default(),
        timers: Default::default(),
        exception_handler: RefCell::new(Value::None),
        running: Cell::new(false),
        stopping: Cell::new(false),
        closed: Cell::new(false),
        tasks: RefCell::new(Default::default()),
        spare_handles: Default::default(),
        until: RefCell::new(Value::None),
    })))
}

pub fn check_open(lp: &Value) -> PyResult<&LoopObj> {
    let l = as_loop(lp).ok_or_else(|| types::type_error("not an event loop"))?;
    if l.closed.get() {
        let e = runtime_error("Event loop is closed");
        return Err(e);
    }
    Ok(l)
}

/// Schedule a callback of the scheduler's own (see `Ready`).
#[inline(always)]
pub fn call_soon(_vm: &mut Vm, lp: &Value, cb: Callback) {
    call_soon_with(lp, || cb);
}

/// `call_soon` of the callback `make` returns, built in its ready-queue slot (see
/// `ready.rs`): for the hot paths, which build it from values at hand.
#[inline(always)]
pub fn call_soon_with(lp: &Value, make: impl FnOnce() -> Callback) {
    if let Some(l) = as_loop(lp) {
        l.ready
            .borrow_mut()
            .push_back_with(|| Ready::Inline(make()));
    }
}

/// `loop.call_soon(...)`: schedule a callback through a handle the program gets.
pub fn call_soon_handle(_vm: &mut Vm, lp: &Value, cb: Callback) -> Rc<HandleObj> {
    let Some(l) = as_loop(lp) else {
        return new_handle(cb);
    };
    let h = take_handle(l, cb);
    l.ready.borrow_mut().push_back(Ready::Handle(h.clone()));
    h
}

/// A handle for `cb`: a spare one if any, else a new one.
fn take_handle(l: &LoopObj, cb: Callback) -> Rc<HandleObj> {
    let spare = l.spare_handles.borrow_mut().pop();
    match spare {
        Some(h) => {
            *h.callback.borrow_mut() = cb;
            h
        }
        None => new_handle(cb),
    }
}

fn new_handle(cb: Callback) -> Rc<HandleObj> {
    Rc::new(HandleObj {
        callback: RefCell::new(cb),
        cancelled: Cell::new(false),
        when: None,
    })
}

/// Keep a handle that has run for call_soon, if nothing else can see it.
fn recycle(l: &LoopObj, h: Rc<HandleObj>) {
    const KEEP: usize = 256;
    if h.when.is_none() && Rc::strong_count(&h) == 1 && Rc::weak_count(&h) == 0 {
        let mut spare = l.spare_handles.borrow_mut();
        if spare.len() < KEEP {
            h.cancelled.set(false);
            spare.push(h);
        }
    }
}

/// A TimerHandle for `cb` at `when`: its object, which is the timer entry's action and the
/// value `call_later`/`call_at` return.
pub fn call_at(_vm: &mut Vm, lp: &Value, when: f64, cb: Callback) -> Value {
    let h = Rc::new(HandleObj {
        callback: RefCell::new(cb),
        cancelled: Cell::new(false),
        when: Some(when),
    });
    let handle = super::wrap(AsyncObj::Handle(h));
    if let (Some(l), Value::Native(action)) = (as_loop(lp), &handle) {
        l.timers.borrow_mut().push(TimerEntry {
            when,
            action: action.clone(),
        });
    }
    handle
}

/// One iteration: wait for the first timer if nothing is ready, move due timers to the
/// ready queue, then run exactly the handles that were ready when the iteration began.
pub fn run_once(vm: &mut Vm, lp: &Value) -> PyResult<()> {
    let l = as_loop(lp).ok_or_else(|| types::type_error("not an event loop"))?;
    let next = next_timer(lp);
    let nothing_ready = l.ready.borrow().is_empty() && !l.stopping.get();
    if nothing_ready {
        if vm.threads_alive() {
            // Another thread may call_soon_threadsafe: let threads run meanwhile (unless
            // the next timer is already due: the thread scheduler moved the clock).
            // (A NaN `when` is due: CPython's select timeout is max(0, nan) = 0.)
            if next.is_none_or(|w| w > vm.sched.clock.peek()) {
                vm.wait_for_loop(lp, next)?;
            }
        } else {
            match next {
                Some(when) => {
                    if vm.sched.tracing {
                        crate::trace::emit(vm, crate::trace::Event::Idle { until: when });
                    }
                    vm.flush();
                    vm.sched.clock.wait_until(when);
                    // The wait ends early for Ctrl-C (which may cancel the main task and
                    // so make handles ready) and for the timeout.
                    vm.poll_now()?;
                }
                None => return Err(super::deadlock::deadlock_error(vm, lp)),
            }
        }
    }
    vm.sched.clock.tick_iteration();
    // Without timers the real clock is not read (a queue's ping-pong iterates a million
    // times with none); the virtual clock is, as its reading advances it.
    if !l.timers.borrow().is_empty() || vm.sched.clock.is_virtual() {
        let end = vm.sched.clock.now() + 1e-9;
        let mut t = l.timers.borrow_mut();
        let mut r = l.ready.borrow_mut();
        while let Some(e) = t.peek() {
            if e.when >= end {
                break;
            }
            let e = t.pop().expect("peeked");
            r.push_back(match e.handle() {
                Some(h) => Ready::Handle(h.clone()),
                None => Ready::Inline(super::sleep_due_callback(&e.action)),
            });
        }
    }
    let n = l.ready.borrow().len();
    if let Some(sh) = vm.sched.shuffle.as_mut() {
        sh.permute(&mut l.ready.borrow_mut(), n);
    }
    if vm.sched.tracing {
        let timers = l.timers.borrow().len();
        crate::trace::emit(vm, crate::trace::Event::Iteration { ready: n, timers });
    }
    for i in 0..n {
        let entry = l.ready.borrow_mut().pop_front();
        let (cb, handle) = match entry {
            None => break,
            // The common entry, a task's step, goes to the task from here: on the general
            // path below the entry is copied through the stack three times over.
            Some(Ready::Inline(Callback::Step { task, exc })) if !vm.sched.tracing => {
                task::step(vm, &Value::Native(task), exc)?;
                if let Some(e) = vm.halt_error() {
                    return Err(e);
                }
                vm.flush_warnings();
                continue;
            }
            Some(Ready::Inline(cb)) => (cb, None),
            Some(Ready::Handle(h)) => {
                if h.cancelled.get() {
                    continue;
                }
                let cb = std::mem::replace(&mut *h.callback.borrow_mut(), Callback::Done);
                (cb, Some(h))
            }
        };
        if let Callback::SetResultUnlessCancelled { sleep, .. } = &cb
            && matches!(super::as_async(sleep), Some(AsyncObj::Sleep(s)) if s.timer_cancelled.get())
        {
            // The sleep's timer was cancelled after it came due (a cancelled TimerHandle).
            continue;
        }
        let traced = vm
            .sched
            .tracing
            .then(|| (super::blocking::label(&cb), vm.sched.clock.peek()));
        run_callback(vm, lp, cb)?;
        if let Some(h) = handle {
            recycle(l, h);
        }
        if let Some((who, t0)) = traced {
            super::blocking::report(vm, l, t0, n - i - 1, who);
        }
        if let Some(e) = vm.halt_error() {
            return Err(e);
        }
        vm.flush_warnings();
    }
    Ok(())
}

fn run_callback(vm: &mut Vm, lp: &Value, cb: Callback) -> PyResult<()> {
    match cb {
        Callback::Call(call) => {
            let super::PyCall { func, args } = *call;
            if vm.sched.tracing {
                let name = crate::trace::callable_name(&func);
                let shown: Vec<String> = args.iter().map(crate::trace::short).collect();
                crate::trace::emit(
                    vm,
                    crate::trace::Event::Callback {
                        name: format!("{name}({})", shown.join(", ")),
                    },
                );
            }
            let r = vm.call(
                &func,
                crate::object::CallArgs::new(args.iter().cloned().collect()),
            );
            if let Err(e) = r {
                if types::exc_is(&e, "KeyboardInterrupt")
                    || types::exc_is(&e, "SystemExit")
                    || vm.halted().is_some()
                {
                    return Err(e);
                }
                let name = match &func {
                    Value::Func(f) => f.qualname.borrow().to_string(),
                    Value::Builtin(b) => b.name.to_string(),
                    other => vm.repr(other).unwrap_or_default(),
                };
                let mut shown = Vec::new();
                for a in &args {
                    shown.push(vm.repr(a).unwrap_or_default());
                }
                let message = format!("Exception in callback {name}({})", shown.join(", "));
                let ctx = context(
                    vm,
                    &[
                        ("message", Value::string(message)),
                        ("exception", Value::Instance(e)),
                    ],
                )?;
                call_exception_handler(vm, lp, ctx)?;
            }
        }
        Callback::GatherChildDone { outer, child } => {
            let (outer, child) = (Value::Native(outer), Value::Native(child));
            if vm.sched.tracing {
                let name = format!(
                    "{}({})",
                    super::gather::CALLBACK_NAME,
                    crate::trace::short(&child)
                );
                crate::trace::emit(vm, crate::trace::Event::Callback { name });
            }
            super::gather::child_done(vm, &outer, &child)?;
        }
        Callback::Step { task, exc } => task::step(vm, &Value::Native(task), exc)?,
        Callback::SleepWakeup { task, exc } => {
            if let Some(td) = super::future_of(&task).and_then(|f| f.task()) {
                super::sleep::bare_resumed(td);
            }
            task::step(vm, &Value::Native(task), exc)?
        }
        Callback::SleepDue { task } => super::sleep::due(vm, task),
        Callback::StopLoop { lp, fut } => {
            if vm.sched.tracing && !crate::trace::internal(&Value::Native(fut)) {
                crate::trace::emit(vm, crate::trace::Event::LoopStops);
            }
            if let Some(l) = as_loop(&Value::Native(lp)) {
                l.stopping.set(true);
            }
        }
        Callback::SetResultUnlessCancelled { sleep } => {
            if vm.sched.tracing {
                let task = super::sleep::waiting_task(&sleep);
                crate::trace::emit(vm, crate::trace::Event::TimerDue { task });
            }
            super::sleep::timer_due(vm, &sleep)?;
        }
        Callback::Done => {}
    }
    let _ = lp;
    Ok(())
}

/// A context dict for exception handlers.
pub fn context(vm: &mut Vm, items: &[(&str, Value)]) -> PyResult<Value> {
    let d = Rc::new(RefCell::new(crate::dict::Dict::new()));
    for (k, v) in items {
        vm.dict_set(&d, Value::str(k), v.clone())?;
    }
    Ok(Value::tracked(Value::Dict(d)))
}

/// loop.call_exception_handler(context): the custom handler, or print like CPython's
/// default handler (the message, other keys, then the exception's traceback).
pub fn call_exception_handler(vm: &mut Vm, lp: &Value, ctx: Value) -> PyResult<()> {
    let handler = as_loop(lp)
        .map(|l| l.exception_handler.borrow().clone())
        .unwrap_or_default();
    if !handler.is_none() {
        if let Err(e) = vm.call2(&handler, lp.clone(), ctx.clone()) {
            vm.flush();
            let tb = crate::diagnostics::format_exception(vm, &e);
            eprint!("Unhandled error in exception handler\n{tb}");
        }
        return Ok(());
    }
    default_exception_handler(vm, &ctx)
}

pub fn default_exception_handler(vm: &mut Vm, ctx: &Value) -> PyResult<()> {
    let Value::Dict(d) = ctx else { return Ok(()) };
    let items: Vec<(Value, Value)> = d
        .borrow()
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    let mut message = String::from("Unhandled exception in event loop");
    let mut exception = None;
    let mut others = Vec::new();
    for (k, v) in items {
        match k.as_str() {
            Some("message") => message = vm.to_str(&v)?,
            Some("exception") => exception = Some(v),
            Some(key) => others.push((key.to_string(), vm.repr(&v)?)),
            None => {}
        }
    }
    others.sort();
    vm.flush();
    let mut out = message;
    for (k, v) in others {
        out.push_str(&format!("\n{k}: {v}"));
    }
    out.push('\n');
    if let Some(Value::Instance(e)) = exception {
        out.push_str(&crate::diagnostics::format_exception(vm, &e));
    }
    eprint!("{out}");
    Ok(())
}

pub fn run_forever(vm: &mut Vm, lp: &Value) -> PyResult<()> {
    let l = check_open(lp)?;
    if l.running.get() {
        return Err(runtime_error("This event loop is already running"));
    }
    if vm.sched.running_loop.is_some() {
        return Err(runtime_error(
            "Cannot run the event loop while another loop is running",
        ));
    }
    l.running.set(true);
    vm.sched.running_loop = Some(lp.clone());
    if vm.thread_runs_loop(lp, None) {
        // The thread's scheduler runs the iterations (threads/mod.rs `loop_slice`).
        return Ok(());
    }
    let r = loop {
        if let Err(e) = run_once(vm, lp) {
            break Err(e);
        }
        if l.stopping.get() {
            break Ok(());
        }
    };
    finish_running(vm, lp);
    r
}

/// A loop's `run_forever` ends: clear its running state.
pub fn finish_running(vm: &mut Vm, lp: &Value) {
    if let Some(l) = as_loop(lp) {
        l.stopping.set(false);
        l.running.set(false);
    }
    vm.sched.running_loop = None;
}

/// When the loop's first live timer is due (cancelled ones at the head are dropped).
pub fn next_timer(lp: &Value) -> Option<f64> {
    let l = as_loop(lp)?;
    let mut t = l.timers.borrow_mut();
    while t.peek().is_some_and(|e| e.cancelled()) {
        if let Some(e) = t.pop() {
            super::sleep::entry_dropped(&e);
        }
    }
    t.peek().map(|e| e.when)
}

pub fn run_until_complete(vm: &mut Vm, lp: &Value, fut: Value) -> PyResult<Value> {
    check_open(lp)?;
    let fut = task::ensure_future(vm, fut, Some(lp.clone()))?;
    if let Some(l) = super::obj(lp) {
        future::add_done_callback(vm, &fut, FutCallback::StopLoop(l));
    }
    let until = as_loop(lp).map(|l| l.until.replace(fut.clone()));
    let r = run_forever(vm, lp);
    if let Some(crate::threads::State::Loop { fut: f, .. }) = &mut vm.threads.pending {
        // Suspending: the thread's scheduler finishes this call (`finish_run_until_complete`).
        *f = Some(fut);
        return r.map(|()| Value::None);
    }
    if let (Some(l), Some(prev)) = (as_loop(lp), until) {
        *l.until.borrow_mut() = prev;
    }
    if r.is_err() {
        drop_stop_callbacks(&fut);
    }
    r?;
    finish_run_until_complete(vm, &fut)
}

fn drop_stop_callbacks(fut: &Value) {
    if let Some(f) = as_future(fut) {
        let mut cbs = f.callbacks.take();
        cbs.retain(|c| !matches!(c, FutCallback::StopLoop(_)));
        f.callbacks.set(cbs);
    }
}

/// The end of `run_until_complete(fut)` once its loop stopped: the future's result.
pub fn finish_run_until_complete(vm: &mut Vm, fut: &Value) -> PyResult<Value> {
    drop_stop_callbacks(fut);
    let done = as_future(fut).is_some_and(|f| f.state.get() != FutState::Pending);
    if !done {
        return Err(runtime_error("Event loop stopped before Future completed."));
    }
    future::result(vm, fut)
}

pub fn stop(lp: &Value) {
    if let Some(l) = as_loop(lp) {
        l.stopping.set(true);
    }
}

pub fn close(lp: &Value) -> PyResult<()> {
    let l = as_loop(lp).ok_or_else(|| types::type_error("not an event loop"))?;
    if l.running.get() {
        return Err(runtime_error("Cannot close a running event loop"));
    }
    l.closed.set(true);
    l.tasks.borrow().register_pending();
    l.ready.borrow_mut().clear();
    l.timers.borrow_mut().clear();
    l.spare_handles.borrow_mut().clear();
    Ok(())
}
