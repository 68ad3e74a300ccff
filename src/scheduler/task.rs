//! Tasks: a coroutine driven step by step by the loop (CPython's Task.__step / __wakeup).

use std::cell::{Cell, RefCell};

use super::{
    AsyncObj, Callback, FutCallback, FutExtra, FutState, FutureObj, ResumeWith, SendResult,
    TaskData, as_async, as_future, as_loop, event_loop, future, sleep,
};
use crate::object::{Exc, GenKind, GenState, PyResult, SavedFrame};
use crate::types::{exc_is, runtime_error, type_error};
use crate::value::Value;
use crate::vm::{Exit, Fiber, Frame, Resume, Suspend, Vm};

/// loop.create_task(coro, name=None)
pub fn create_task(vm: &mut Vm, lp: &Value, coro: Value, name: Value) -> PyResult<Value> {
    event_loop::check_open(lp)?;
    let is_coro = matches!(&coro, Value::Gen(g) if g.kind == GenKind::Coroutine)
        || super::is_native_coro(&coro);
    if !is_coro {
        return Err(type_error(format!(
            "a coroutine was expected, got {}",
            vm.repr(&coro)?
        )));
    }
    // Every task takes a number, named or not (CPython's global counter).
    vm.sched.task_counter += 1;
    let name = if name.is_none() {
        None
    } else {
        Some(std::rc::Rc::new(crate::object::PyStr::new(
            vm.to_str(&name)?,
        )))
    };
    if let Value::Gen(g) = &coro {
        g.started.set(true);
    }
    if let Some(AsyncObj::Sleep(s)) = as_async(&coro) {
        s.awaited.set(true);
    }
    let t = future::new_pending(
        lp.clone(),
        Some(Box::new(FutExtra::Task(TaskData {
            coro,
            fiber: Cell::new(None),
            number: vm.sched.task_counter,
            name: Cell::new(name),
            fut_waiter: Cell::new(Value::None),
            started: Cell::new(false),
            must_cancel: Cell::new(false),
            resume_with: Cell::new(ResumeWith::Send),
            num_cancels_requested: Cell::new(0),
            timer: Cell::new(sleep::TimerWait::Idle),
        }))),
    );
    if let Some(task) = super::obj(&t) {
        event_loop::call_soon(vm, lp, Callback::Step { task, exc: None });
    }
    if let Some(l) = as_loop(lp) {
        l.tasks.borrow_mut().push(&t);
    }
    if let Some(f) = as_future(&t) {
        f.set_origin(super::deadlock::origin_here(vm));
    }
    if vm.sched.tracing {
        // The learner's line: the innermost frame outside the asyncio prelude.
        let line = vm
            .fiber
            .frames
            .iter()
            .rev()
            .find(|fr| !crate::threads::is_prelude(&fr.code.source.name))
            .map(|fr| {
                let span = fr.code.span_at(fr.ip.saturating_sub(1) as usize);
                fr.code.source.line(span.start as usize)
            })
            .unwrap_or(0);
        let by = vm.sched.current_task.clone();
        crate::trace::emit(
            vm,
            crate::trace::Event::TaskCreated {
                task: t.clone(),
                by,
                line,
            },
        );
    }
    Ok(t)
}

/// ensure_future: futures pass through; coroutines become tasks of `lp` (or the current loop).
pub fn ensure_future(vm: &mut Vm, v: Value, lp: Option<Value>) -> PyResult<Value> {
    if as_future(&v).is_some() {
        return Ok(v);
    }
    let is_coro =
        matches!(&v, Value::Gen(g) if g.kind == GenKind::Coroutine) || super::is_native_coro(&v);
    if !is_coro {
        // Objects with __await__ are wrapped by a coroutine in CPython; we drive them directly.
        if let Value::Instance(i) = &v
            && i.class.lookup("__await__").is_some()
        {
            let m = vm.module_attr("_wrap_awaitable")?;
            let coro = vm.call1(&m, v)?;
            let lp = match lp {
                Some(l) => l,
                None => super::module::get_event_loop(vm)?,
            };
            return create_task(vm, &lp, coro, Value::None);
        }
        return Err(type_error(
            "An asyncio.Future, a coroutine or an awaitable is required",
        ));
    }
    let lp = match lp {
        Some(l) => l,
        None => super::module::get_event_loop(vm)?,
    };
    create_task(vm, &lp, v, Value::None)
}

thread_local! {
    /// Ids of the tasks whose cancel() is passing the cancellation on to what they await.
    static CANCELLING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// task.cancel(msg)
pub fn cancel(vm: &mut Vm, t: &Value, msg: Value) -> PyResult<bool> {
    let f = as_future(t).ok_or_else(|| type_error("not a task"))?;
    if let Some(g) = f.gather() {
        if f.state.get() != FutState::Pending {
            return Ok(false);
        }
        let mut any = false;
        let children = g.children.borrow().clone();
        for c in children {
            if cancel(vm, &c, msg.clone())? {
                any = true;
            }
        }
        if any {
            f.cancel_requested.set(true);
        }
        return Ok(any);
    }
    let Some(td) = f.task() else {
        return Ok(future::cancel(vm, t, msg));
    };
    f.log_traceback.set(false);
    if f.state.get() != FutState::Pending {
        return Ok(false);
    }
    if vm.sched.tracing {
        let msg = if msg.is_none() {
            String::new()
        } else {
            vm.repr(&msg)?
        };
        let ev = crate::trace::Event::CancelRequested {
            task: t.clone(),
            by: vm.sched.current_task.clone(),
            msg,
            line: crate::trace::task_line(t),
        };
        crate::trace::emit(vm, ev);
    }
    td.num_cancels_requested
        .set(td.num_cancels_requested.get() + 1);
    let waiter = td.waiter();
    if CANCELLING.with(|c| c.borrow().contains(&waiter.id())) {
        // Tasks awaiting each other in a cycle: cancelling the waiter would come back
        // here forever, so wake this task directly to deliver its CancelledError.
        if let Some(w) = as_future(&waiter) {
            let mut cbs = w.callbacks.take();
            cbs.retain(|c| !matches!(c, FutCallback::Wakeup(x) if super::is_obj(t, x)));
            w.callbacks.set(cbs);
        }
        td.fut_waiter.set(Value::None);
        td.must_cancel.set(true);
        set_cancel_message(t, f, msg);
        schedule_step(&f.lp, t, None);
        return Ok(true);
    }
    if sleep::cancel_bare(vm, t, td, &f.lp, msg.clone()) {
        return Ok(true);
    }
    if let Some(s) = sleep::direct(&waiter) {
        if sleep::cancel(vm, &waiter, s, msg.clone()) {
            return Ok(true);
        }
    } else if !waiter.is_none() {
        CANCELLING.with(|c| c.borrow_mut().push(t.id()));
        let r = cancel(vm, &waiter, msg.clone());
        CANCELLING.with(|c| c.borrow_mut().pop());
        if r? {
            return Ok(true);
        }
    }
    td.must_cancel.set(true);
    set_cancel_message(t, f, msg);
    Ok(true)
}

/// The task's own cancel message (CPython's `_cancel_message`), which may close a cycle.
fn set_cancel_message(t: &Value, f: &FutureObj, msg: Value) {
    future::may_hold(t, &msg);
    f.set_cancel_message(msg);
}

/// One step of task `t`: run its coroutine until it waits, yields or ends.
pub fn step(vm: &mut Vm, t: &Value, exc_in: Option<Exc>) -> PyResult<()> {
    let Some(f) = as_future(t) else { return Ok(()) };
    let Some(td) = f.task() else { return Ok(()) };
    if f.state.get() != FutState::Pending {
        return Ok(());
    }
    if exc_in.is_none()
        && !vm.sched.tracing
        && !td.must_cancel.get()
        && td.started.get()
        && super::peek(&td.fut_waiter, Value::is_none)
    {
        let boxed = td.fiber.take();
        match boxed {
            Some(b) if !b.frames.is_empty() => return step_boxed(vm, t, f, td, b),
            // (No frames: a native coroutine as the whole task, which `resume` drives.)
            other => td.fiber.set(other),
        }
    }
    let mut throw = exc_in;
    // The awaited future was cancelled: re-running the await raises its CancelledError
    // (CPython's __wakeup passes on what future.result() raised).
    // Asked only when cancelling or tracing: a plain wake-up skips the look.
    let waiter_cancelled = || {
        super::peek(&td.fut_waiter, |w| {
            as_future(w).is_some_and(|w| w.state.get() == FutState::Cancelled)
                || sleep::cancelled(w)
        })
    };
    if td.must_cancel.get() {
        // A CancelledError on its way keeps its message; anything else becomes the
        // task's own CancelledError.
        let cancelling = match &throw {
            Some(e) => exc_is(e, "CancelledError"),
            None => waiter_cancelled(),
        };
        if !cancelling {
            throw = Some(future::cancelled_error(f));
        }
        td.must_cancel.set(false);
    }
    // Tracing: a CancelledError arrives now if it is thrown in, or if the awaited future
    // was cancelled (its result() raises it at the await).
    let delivering = vm.sched.tracing
        && (throw.as_ref().is_some_and(|e| exc_is(e, "CancelledError")) || waiter_cancelled());
    let waiter = td.fut_waiter.take();
    let sleep_due = sleep::forget_waiter(&waiter);
    // A task cancelled before it started does not run at all: no "starts running".
    if vm.sched.tracing && (td.started.get() || !delivering) {
        crate::trace::emit(
            vm,
            crate::trace::Event::TaskRuns {
                task: t.clone(),
                first: !td.started.get(),
            },
        );
    }
    if delivering {
        vm.sched.cancel_caught = None;
        let awaited = (td.num_cancels_requested.get() == 0
            && (as_future(&waiter).is_some() || sleep::direct(&waiter).is_some()))
        .then(|| match as_future(&waiter).and_then(|w| w.task()) {
            Some(_) => crate::trace::task_label(&waiter),
            None => "Future".into(),
        });
        let ev = crate::trace::Event::CancelDelivered {
            task: t.clone(),
            line: crate::trace::task_line(t),
            awaited,
        };
        crate::trace::emit(vm, ev);
    }
    drop(waiter);
    let prev_task = vm.sched.current_task.replace(t.share());
    // Switch to the task's own stack of frames.
    let boxed = td.fiber.take();
    let mut fiber = match boxed {
        Some(b) => unbox(vm, b),
        None => unpark(vm, td),
    };
    // Vector by vector: moving the whole fiber out reads the lengths `run` just wrote in
    // wider loads than their stores, a store-forwarding stall (see `swap_fibers`).
    swap_fibers(&mut vm.fiber, &mut fiber);
    let outer_depth = vm.native_depth;
    vm.native_depth = 0;
    // A task's frames are not its thread's own: a thread cannot suspend inside a step.
    let outer_base = std::mem::replace(&mut vm.threads.at_base, false);
    let result = resume(vm, td, throw, sleep_due);
    vm.threads.at_base = outer_base;
    vm.native_depth = outer_depth;
    swap_fibers(&mut vm.fiber, &mut fiber);
    vm.sched.current_task = prev_task;
    if delivering && !matches!(&result, Err(e) if exc_is(e, "CancelledError")) {
        let at = crate::trace::caught_at(vm.sched.cancel_caught.take());
        crate::trace::emit(
            vm,
            crate::trace::Event::CancelCaught {
                task: t.clone(),
                at,
            },
        );
    }
    after_step(vm, t, f, td, result, fiber)
}

/// The rest of a task's step, once its frames (`fiber`) are back from running: it ended,
/// waits or yields.
#[inline(always)]
fn after_step(
    vm: &mut Vm,
    t: &Value,
    f: &FutureObj,
    td: &TaskData,
    result: Result<Exit, Exc>,
    fiber: Fiber,
) -> PyResult<()> {
    match result {
        Ok(Exit::Returned(v)) => {
            recycle(vm, fiber.frames);
            finish_coro(td);
            if td.must_cancel.get() {
                td.must_cancel.set(false);
                let msg = f.cancel_message();
                future::cancel(vm, t, msg);
            } else {
                if vm.sched.tracing {
                    let shown = vm.repr(&v)?;
                    crate::trace::emit(
                        vm,
                        crate::trace::Event::TaskDone {
                            task: t.clone(),
                            outcome: format!("finished: returned {shown}"),
                        },
                    );
                }
                future::set_result(vm, t, v)?;
            }
        }
        Ok(Exit::Suspended(s)) => {
            let (v, with) = match s {
                Suspend::Yield(v) => (v, ResumeWith::Push),
                Suspend::YieldAtPop => (Value::None, ResumeWith::SkipPop),
                Suspend::Wait(v) => (v, ResumeWith::Send),
                // Never at a task's level (threads suspend only at their base): step again.
                Suspend::Thread => (Value::None, ResumeWith::Push),
                Suspend::Timer { at_pop } => {
                    sleep_on_timer(vm, t, f, td, fiber, at_pop);
                    return Ok(());
                }
            };
            td.resume_with.set(with);
            if !v.is_none()
                && let Value::Native(n) = t
            {
                // It waits on something: from now on a cycle can pass through it, its
                // frames and what it waits on (see gc.rs).
                f.register(n);
            }
            let sleeping = sleep::direct(&v);
            // Only a task waiting on a timer parks: a million of them may sleep at once,
            // while a task that yields or passes a queue item resumes at once, and copying
            // its frame out and back would cost a tenth of a switch.
            if sleeping.is_some() {
                park(vm, td, fiber);
            } else {
                keep_fiber(vm, td, fiber);
            }
            if vm.sched.tracing {
                let line = crate::trace::task_line(t);
                let ev = if v.is_none() {
                    crate::trace::Event::TaskYields {
                        task: t.clone(),
                        line,
                    }
                } else {
                    let (what, wakes_at) = match vm.sched.last_sleep.take() {
                        Some((fut, delay, when)) if fut.is(&v) => (
                            format!(
                                "await asyncio.sleep({})",
                                crate::format::float_repr(delay).trim_end_matches(".0")
                            ),
                            Some(when),
                        ),
                        _ => match crate::trace::asyncio_call(t) {
                            Some(f) if as_future(&v).is_some_and(|w| w.task().is_none()) => {
                                let module = if f.contains('.') { "" } else { "asyncio." };
                                (
                                    format!(
                                        "await {module}{f}(): it waits inside asyncio until a Future it made is resolved"
                                    ),
                                    None,
                                )
                            }
                            _ => (crate::trace::describe_wait(&v), None),
                        },
                    };
                    crate::trace::Event::TaskWaits {
                        task: t.clone(),
                        what,
                        line,
                        wakes_at,
                    }
                };
                crate::trace::emit(vm, ev);
            }
            if v.is_none() {
                // A bare yield: run again in the next iteration.
                schedule_step(&f.lp, t, None);
            } else if let Some(s) = sleeping {
                // The sleep stands for its future: the task waits on it.
                sleep::wait(s, t);
                td.fut_waiter.set(v.share());
                if td.must_cancel.get() && sleep::cancel(vm, &v, s, f.cancel_message()) {
                    td.must_cancel.set(false);
                }
            } else if as_future(&v).is_some() {
                if v.is(t) {
                    let e = runtime_error(format!(
                        "Task cannot await on itself: {}",
                        future::repr(vm, t)?
                    ));
                    schedule_step(&f.lp, t, Some(e));
                    return Ok(());
                }
                if let Some(me) = super::obj(t) {
                    future::add_done_callback(vm, &v, FutCallback::Wakeup(me));
                }
                td.fut_waiter.set(v.share());
                if td.must_cancel.get() {
                    let msg = f.cancel_message();
                    if cancel(vm, &v, msg)? {
                        td.must_cancel.set(false);
                    }
                }
            } else {
                let r = vm.repr(&v)?;
                let e = runtime_error(format!("Task got bad yield: {r}"));
                schedule_step(&f.lp, t, Some(e));
            }
        }
        Err(e) => {
            recycle(vm, fiber.frames);
            finish_coro(td);
            if vm.sched.tracing {
                let outcome = if exc_is(&e, "CancelledError") {
                    "cancelled: CancelledError reached the top of the task".to_string()
                } else {
                    format!("failed: {}", crate::diagnostics::exception_line(vm, &e))
                };
                crate::trace::emit(
                    vm,
                    crate::trace::Event::TaskDone {
                        task: t.clone(),
                        outcome,
                    },
                );
            }
            if exc_is(&e, "CancelledError") {
                // CPython keeps the exception for `result()` and cancels the future itself
                // with no message (`super().cancel()`).
                future::may_hold(t, &Value::Instance(e.clone()));
                f.set_cancelled_exc(e);
                future::cancel(vm, t, Value::None);
            } else {
                let fatal = exc_is(&e, "KeyboardInterrupt") || exc_is(&e, "SystemExit");
                future::set_exception(vm, t, Value::Instance(e.clone()))?;
                if fatal {
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

/// The task sleeps on its own timer, started by `sleep::start_bare` (tracing is off): it
/// waits on nothing else, and wakes as after a bare yield (`at_pop`: `Suspend::YieldAtPop`).
fn sleep_on_timer(
    vm: &mut Vm,
    t: &Value,
    f: &FutureObj,
    td: &TaskData,
    fiber: Fiber,
    at_pop: bool,
) {
    let with = if at_pop {
        ResumeWith::SkipPop
    } else {
        ResumeWith::Push
    };
    td.resume_with.set(with);
    park(vm, td, fiber);
    if td.must_cancel.get() && sleep::cancel_bare(vm, t, td, &f.lp, f.cancel_message()) {
        td.must_cancel.set(false);
    }
}

/// `step` for the commonest case, a task whose frames wait in its fiber box (it yielded,
/// or waits in a nested await) with nothing thrown in, no cancellation pending, no future
/// awaited and tracing off: none of `step`'s questions apply, the frames are swapped with
/// the VM's through the box (which holds the outer ones while the task runs: two vectors
/// exchanged each way instead of moved out and back), and after a bare yield the box goes
/// straight back to the task.
#[inline(always)]
fn step_boxed(
    vm: &mut Vm,
    t: &Value,
    f: &FutureObj,
    td: &TaskData,
    mut b: Box<Fiber>,
) -> PyResult<()> {
    let prev_task = vm.sched.current_task.replace(t.share());
    swap_fibers(&mut vm.fiber, &mut b);
    let outer_depth = std::mem::replace(&mut vm.native_depth, 0);
    let outer_base = std::mem::replace(&mut vm.threads.at_base, false);
    let result = resume_frames(vm, td, false);
    vm.threads.at_base = outer_base;
    vm.native_depth = outer_depth;
    swap_fibers(&mut vm.fiber, &mut b);
    vm.sched.current_task = prev_task;
    let with = match &result {
        Ok(Exit::Suspended(Suspend::YieldAtPop)) => ResumeWith::SkipPop,
        Ok(Exit::Suspended(Suspend::Yield(v))) if v.is_none() => ResumeWith::Push,
        _ => {
            let fiber = unbox(vm, b);
            return after_step(vm, t, f, td, result, fiber);
        }
    };
    td.resume_with.set(with);
    td.fiber.set(Some(b));
    schedule_step(&f.lp, t, None);
    Ok(())
}

/// The frames in a task's fiber box, the emptied box kept for reuse.
#[inline(always)]
fn unbox(vm: &mut Vm, mut b: Box<Fiber>) -> Fiber {
    let fiber = std::mem::take(&mut *b);
    if vm.sched.spare_fibers.len() < SPARE_FIBERS {
        vm.sched.spare_fibers.push(b);
    }
    fiber
}

/// Exchange two fibers vector by vector: a swap of the whole fiber is a call to memcpy, and
/// a move of it copies a vector's length together with the next field in one wide load,
/// which stalls when `run` has just written the length.
#[inline(always)]
fn swap_fibers(a: &mut Fiber, b: &mut Fiber) {
    std::mem::swap(&mut a.frames, &mut b.frames);
    std::mem::swap(&mut a.stack, &mut b.stack);
}

/// Keep a sleeping task's frames. Its one frame (the common case: the task awaits the sleep
/// directly) goes back into its coroutine, whose saved-frame slot is empty while the task
/// runs it, and the frame vector is kept for the next step: a sleeping task then holds no
/// vector of its own.
fn park(vm: &mut Vm, td: &TaskData, mut fiber: Fiber) {
    if let Value::Gen(g) = &td.coro
        && fiber.frames.len() == 1
        && let Some(mut frame) = fiber.frames.pop()
    {
        // The coroutine does not refer to itself while its frame is parked in it.
        frame.owner = None;
        g.saved.set(Some(SavedFrame {
            frame,
            stack: fiber.stack,
        }));
        recycle(vm, fiber.frames);
    } else {
        keep_fiber(vm, td, fiber);
    }
}

/// Emptied fiber boxes kept for reuse: enough for the tasks that take turns, not for a
/// crowd that all suspended at once.
const SPARE_FIBERS: usize = 64;

/// Keep a suspended task's frames in its fiber box.
#[inline(always)]
fn keep_fiber(vm: &mut Vm, td: &TaskData, fiber: Fiber) {
    let mut b = vm.sched.spare_fibers.pop().unwrap_or_default();
    let emptied = std::mem::replace(&mut *b, fiber);
    // A spare box holds a fiber taken out with `mem::take` (or a new one): two vectors
    // that own no memory, so there is nothing to drop.
    debug_assert!(emptied.frames.capacity() == 0 && emptied.stack.capacity() == 0);
    std::mem::forget(emptied);
    td.fiber.set(Some(b));
}

/// The task's frames for its next step: its parked frame, if it has one, in the spare
/// vector (empty before the task starts: `resume` pushes its first frame).
fn unpark(vm: &mut Vm, td: &TaskData) -> Fiber {
    let mut frames = std::mem::take(&mut vm.sched.spare_frames);
    if td.started.get()
        && let Value::Gen(g) = &td.coro
        && let Some(saved) = g.saved.take()
    {
        frames.push(saved.frame);
        if let Some(fr) = frames.last_mut() {
            fr.owner = Some(g.clone());
        }
        return Fiber {
            frames,
            stack: saved.stack,
        };
    }
    Fiber {
        frames,
        stack: Vec::new(),
    }
}

/// Keep a task's emptied frame vector for the next step.
fn recycle(vm: &mut Vm, frames: Vec<Frame>) {
    if frames.is_empty() && vm.sched.spare_frames.capacity() == 0 {
        vm.sched.spare_frames = frames;
    }
}

fn finish_coro(td: &TaskData) {
    if let Value::Gen(g) = &td.coro {
        g.state.set(GenState::Done);
    }
}

/// Continue the task's frames (on `vm.fiber`), starting its coroutine on the first step
/// (`sleep_due`: the task was woken by the sleep it awaited directly).
fn resume(vm: &mut Vm, td: &TaskData, throw: Option<Exc>, sleep_due: bool) -> Result<Exit, Exc> {
    if !td.started.get() {
        td.started.set(true);
        match &td.coro {
            Value::Gen(g) => {
                let Some(saved) = g.saved.take() else {
                    return Err(runtime_error("cannot reuse already awaited coroutine"));
                };
                g.state.set(GenState::Running);
                let mut frame: Frame = saved.frame;
                frame.base = 0;
                frame.pop_to = 0;
                frame.resume = Resume::TaskRoot;
                frame.owner = Some(g.clone());
                vm.fiber.stack = saved.stack;
                // Most tasks never nest a Python-level await deeper than their own
                // frame: one slot, not the four a first push would reserve.
                vm.fiber.frames.reserve_exact(1);
                vm.fiber.frames.push(frame);
            }
            other => {
                // A native coroutine (sleep) as the whole task: await it from a tiny frame.
                return drive_native(vm, other.clone(), throw);
            }
        }
    } else if vm.fiber.frames.is_empty() {
        // A task whose body was a native coroutine.
        let coro = td.coro.clone();
        return drive_native(vm, coro, throw);
    }
    match throw {
        Some(e) => {
            // A queue coroutine's `except:` cleanup runs before the frame sees the error.
            let e = match super::queue::awaited_op(vm.fiber.view()) {
                Some(sub) => match as_async(&sub) {
                    Some(AsyncObj::QueueOp(op)) => super::queue::throw(vm, op, e),
                    _ => e,
                },
                None => e,
            };
            vm.throw_into_top(e)?;
            vm.run(0)
        }
        None => resume_frames(vm, td, sleep_due),
    }
}

/// Continue a started task's frames (on `vm.fiber`) with nothing thrown in, as its last
/// suspension says (`TaskData::resume_with`).
#[inline(always)]
fn resume_frames(vm: &mut Vm, td: &TaskData, sleep_due: bool) -> Result<Exit, Exc> {
    match td.resume_with.get() {
        // The POP is charged as if it ran (unless a counter would reach zero: then it
        // runs, for the checks that come with that).
        ResumeWith::SkipPop if vm.budget.countdown > 1 && vm.switch_countdown > 1 => {
            vm.budget.countdown -= 1;
            vm.switch_countdown -= 1;
            if let Some(f) = vm.fiber.frames.last_mut() {
                f.ip += 1;
            }
        }
        ResumeWith::Push | ResumeWith::SkipPop => vm.fiber.stack.push(Value::None),
        ResumeWith::Send if sleep_due => sleep::finish_due_await(&mut vm.fiber),
        ResumeWith::Send => {}
    }
    vm.run(0)
}

fn drive_native(vm: &mut Vm, coro: Value, throw: Option<Exc>) -> Result<Exit, Exc> {
    if let Some(e) = throw {
        if let Some(AsyncObj::QueueOp(op)) = as_async(&coro) {
            return Err(super::queue::throw(vm, op, e));
        }
        return Err(e);
    }
    match super::send(vm, &coro, Value::None)? {
        SendResult::Done(v) => Ok(Exit::Returned(v)),
        SendResult::Yield(v) => Ok(Exit::Suspended(Suspend::Wait(v))),
    }
}

/// Run the task's next step in the next iteration (`exc`: throw it in).
#[inline]
fn schedule_step(lp: &Value, t: &Value, exc: Option<Exc>) {
    if let Some(task) = super::obj(t) {
        event_loop::call_soon_with(lp, || Callback::Step { task, exc });
    }
}
