//! The event loop: clock, ready queue, timers, futures and tasks, with CPython 3.11's
//! algorithm (base_events.py `_run_once`, tasks.py `__step`/`__wakeup`, futures.py) so
//! that output interleaves exactly as under CPython.
//!
//! Loops, futures, tasks and handles are native; the higher-level API (gather, wait,
//! queues, locks, TaskGroup, run) is aio source in `prelude.py`, built on them.

mod awaited_by;
mod blocking;
pub mod clock;
mod deadlock;
mod event_loop;
mod future;
mod gather;
mod module;
mod queue;
pub mod ready;
pub mod session;
pub mod shuffle;
pub mod sleep;
mod task;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::object::{Class, Exc, NativeObj, PyResult};
use crate::types::{self, type_error};
use crate::value::Value;
use crate::vm::{Fiber, FiberRef, Vm};

pub use clock::Clock;
pub use event_loop::{finish_run_until_complete, finish_running, next_timer, run_once};
pub use module::asyncio_module;
pub(crate) use task::cancel as cancel_task;

/// Per-interpreter scheduler state.
pub struct Scheduler {
    pub clock: Clock,
    /// Ids of containers being repr'd (to print `[...]` for cycles).
    pub repr_stack: Vec<usize>,
    /// Set when writing to stdout failed (a closed pipe): output stops quietly.
    pub stdout_closed: bool,
    /// The loop whose `run_forever` is executing, if any.
    pub running_loop: Option<Value>,
    /// The loop set with `set_event_loop` (or made by `get_event_loop`).
    pub event_loop: Option<Value>,
    /// The task whose step is executing.
    pub current_task: Option<Value>,
    /// Numbers `Task-N` names, across all loops (as CPython's global counter).
    pub task_counter: u64,
    /// The asyncio module once imported (its prelude functions are used natively).
    pub module: Option<Value>,
    /// `aio trace`: emit scheduler events (see trace.rs).
    pub tracing: bool,
    /// The future of the sleep just started (future, delay, due time), so the trace can say
    /// "await asyncio.sleep(1) → wakes at t=1.000" instead of "await a Future".
    pub last_sleep: Option<(Value, f64, f64)>,
    /// An iteration waiting to be announced with its first traced event, and the count.
    pub trace_iteration: Option<(usize, usize)>,
    pub trace_iterations: u64,
    /// Trace as one JSON object per line (`--format json`) instead of text.
    pub trace_json: bool,
    /// Program output not yet ended by a newline (JSON traces wrap whole lines).
    pub trace_pending_output: String,
    /// `--shuffle SEED`: the generator that orders each iteration's ready handles.
    pub shuffle: Option<shuffle::Shuffle>,
    /// Tracing: the last `except`/`finally` handler a CancelledError entered (its code
    /// and handler address), to say where a delivered cancellation was caught.
    pub cancel_caught: Option<(Rc<crate::bytecode::Code>, u32)>,
    /// Relations from `future_add_to_awaited_by`, for the call graph.
    pub awaited_by: awaited_by::AwaitedBy,
    /// `aio trace`'s filters, tree, stepping and event record.
    pub trace_view: crate::trace::View,
    /// The prelude's Queue classes, whose instances take the native fast path.
    pub queue_classes: Option<queue::QueueClasses>,
    /// The `asyncio.sleep` builtin, to know it when a program calls it (see
    /// `Vm::await_sleep`).
    pub sleep_fn: Option<Rc<crate::object::Builtin>>,
    /// An empty frame vector with room, for the next task step: a task whose frames are
    /// parked in its coroutine gives its vector back here when it suspends.
    pub spare_frames: Vec<crate::vm::Frame>,
    /// Emptied boxes of tasks' fibers, for the next task that suspends (see `TaskData::fiber`).
    pub spare_fibers: Vec<Box<Fiber>>,
}

impl Scheduler {
    pub fn new(virtual_time: bool) -> Scheduler {
        Scheduler {
            clock: Clock::new(virtual_time),
            repr_stack: Vec::new(),
            stdout_closed: false,
            running_loop: None,
            event_loop: None,
            current_task: None,
            task_counter: 0,
            module: None,
            tracing: false,
            last_sleep: None,
            trace_iteration: None,
            trace_iterations: 0,
            trace_json: false,
            trace_pending_output: String::new(),
            shuffle: None,
            cancel_caught: None,
            awaited_by: Default::default(),
            trace_view: Default::default(),
            queue_classes: None,
            sleep_fn: None,
            spare_frames: Vec::new(),
            spare_fibers: Vec::new(),
        }
    }
}

/// A scheduled callback (CPython's Handle / TimerHandle).
pub struct HandleObj {
    pub callback: RefCell<Callback>,
    pub cancelled: Cell<bool>,
    /// Due time for timer handles.
    pub when: Option<f64>,
}

/// At most 16 bytes per variant, so that a callback, and a ready-queue entry, is 24 bytes
/// (a million tasks wait in the ready queue at once in `million`): scheduler objects are
/// kept as their `Rc` (`Obj`), not as a 16-byte `Value`, and a Python call is boxed.
pub enum Callback {
    /// A Python callable with its arguments.
    Call(Box<PyCall>),
    /// Run one step of a task (optionally throwing an exception into it); also how a
    /// task wakes when the future it awaits is done (CPython's `__wakeup`, whose
    /// `future.result()` the step's re-run await does).
    Step { task: Obj, exc: Option<Exc> },
    /// `run_until_complete`'s done callback: stop the loop.
    StopLoop { lp: Obj, fut: Obj },
    /// A child of gather() finished (CPython's `_done_callback(child)`).
    GatherChildDone { outer: Obj, child: Obj },
    /// A sleep's timer came due: resolve its future (`sleep::due_future`) with its result
    /// unless it was cancelled. `sleep` is the sleep coroutine; the entry is skipped if the
    /// sleep ended meanwhile (its timer was cancelled, as CPython's `h.cancel()` in sleep's
    /// `finally`).
    SetResultUnlessCancelled { sleep: Value },
    /// A task's own timer came due (`sleep::TimerWait`): schedule its wake-up unless the
    /// sleep was cancelled.
    SleepDue { task: Obj },
    /// The wake-up of a task from its own timer, or from its cancellation (`exc`): a step
    /// that first ends the sleep's future (a callback of its own, so that the other steps
    /// and wake-ups ask nothing about sleeps).
    SleepWakeup { task: Obj, exc: Option<Exc> },
    /// Already run (or dropped).
    Done,
}

const _: () = assert!(std::mem::size_of::<Callback>() == 24);
const _: () = assert!(std::mem::size_of::<Ready>() == 24);

/// A scheduler object (a task, a future, a loop) as a callback holds it.
pub type Obj = Rc<NativeObj>;

/// Is `v` the scheduler object `o`?
pub fn is_obj(v: &Value, o: &Obj) -> bool {
    matches!(v, Value::Native(n) if Rc::ptr_eq(n, o))
}

/// The `Obj` of a scheduler object's value (None for any other value).
pub fn obj(v: &Value) -> Option<Obj> {
    match v {
        Value::Native(n) => Some(n.clone()),
        _ => None,
    }
}

/// A Python callable and its arguments, scheduled by `call_soon`, `call_later`...
pub struct PyCall {
    pub func: Value,
    pub args: Vec<Value>,
}

impl Callback {
    pub fn call(func: Value, args: Vec<Value>) -> Callback {
        Callback::Call(Box::new(PyCall { func, args }))
    }
}

/// A future's done callback.
pub enum FutCallback {
    /// A Python callable, boxed: every callback is one pointer, so that a future keeps
    /// its one callback inline in 24 bytes (and a task and a sleep are 96-byte blocks).
    Py(Box<Value>),
    /// The task to wake.
    Wakeup(Obj),
    /// The loop to stop.
    StopLoop(Obj),
    /// A child of gather() finished: the gathering (outer) future.
    Gather(Obj),
}

pub struct TimerEntry {
    pub when: f64,
    /// What the timer does when due: a TimerHandle's object (`AsyncObj::Handle`, made by
    /// `call_later`/`call_at`, the value the program gets), or a sleep (`AsyncObj::Sleep`),
    /// whose entry stands for CPython's TimerHandle, so that a sleeping task costs no
    /// handle, or a task whose own sleep is only this entry (`sleep::TimerWait`). One
    /// pointer: an entry is 16 bytes, and a million sleeps fill the heap.
    pub action: Rc<NativeObj>,
}

const _: () = assert!(std::mem::size_of::<TimerEntry>() == 16);

impl TimerEntry {
    /// The TimerHandle, unless the entry is a sleep's.
    pub fn handle(&self) -> Option<&Rc<HandleObj>> {
        match &*self.action {
            NativeObj::Async(AsyncObj::Handle(h)) => Some(h),
            _ => None,
        }
    }

    /// Cancelled: the handle's `cancel()`, or the sleep ended before its timer.
    pub fn cancelled(&self) -> bool {
        match &*self.action {
            NativeObj::Async(AsyncObj::Handle(h)) => h.cancelled.get(),
            NativeObj::Async(AsyncObj::Sleep(s)) => s.timer_cancelled.get(),
            NativeObj::Async(AsyncObj::Future(f)) => f.task().is_none_or(sleep::entry_dead),
            _ => true,
        }
    }

    /// Look at the callback the timer will run.
    pub fn with_callback<T>(&self, f: impl FnOnce(&Callback) -> T) -> T {
        match self.handle() {
            Some(h) => f(&h.callback.borrow()),
            None => f(&sleep_due_callback(&self.action)),
        }
    }
}

/// The future (or task) a scheduler object is, if it is one.
pub fn future_of(n: &NativeObj) -> Option<&FutureObj> {
    match n {
        NativeObj::Async(AsyncObj::Future(f)) => Some(f),
        _ => None,
    }
}

/// When the timer of a sleep coroutine is due.
pub fn sleep_when(sleep: &Value) -> Option<f64> {
    match as_async(sleep) {
        Some(AsyncObj::Sleep(s)) => Some(s.when.get()),
        _ => None,
    }
}

/// The ready-queue callback of a sleep whose timer is due.
pub(crate) fn sleep_due_callback(s: &Rc<NativeObj>) -> Callback {
    match &**s {
        NativeObj::Async(AsyncObj::Sleep(_)) => Callback::SetResultUnlessCancelled {
            sleep: Value::Native(s.clone()),
        },
        NativeObj::Async(AsyncObj::Future(_)) => Callback::SleepDue { task: s.clone() },
        _ => Callback::Done,
    }
}

/// The timer heap. CPython orders TimerHandles by `when` alone and keeps them with
/// `heapq`, so timers due at exactly the same time come out in heap order, not insertion
/// order; this heap performs the same sift steps so ties resolve identically.
#[derive(Default)]
pub struct TimerHeap {
    items: Vec<TimerEntry>,
}

impl TimerHeap {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The timers in heap order (not sorted).
    pub fn iter(&self) -> impl Iterator<Item = &TimerEntry> {
        self.items.iter()
    }

    pub fn peek(&self) -> Option<&TimerEntry> {
        self.items.first()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn push(&mut self, e: TimerEntry) {
        self.items.push(e);
        let last = self.items.len() - 1;
        self.sift_down(0, last);
    }

    pub fn pop(&mut self) -> Option<TimerEntry> {
        let last = self.items.pop()?;
        if self.items.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.items[0], last);
        self.sift_up(0);
        Some(top)
    }

    /// Move the item at `pos` up towards `start` while it is smaller than its parent.
    fn sift_down(&mut self, start: usize, mut pos: usize) {
        let items = &mut self.items[..];
        while pos > start {
            let parent = (pos - 1) >> 1;
            if items[pos].when < items[parent].when {
                items.swap(pos, parent);
                pos = parent;
            } else {
                break;
            }
        }
    }

    /// Move the item at `pos` down to a leaf along the smaller children, then back up
    /// (heapq's `_siftup`). The item is held aside while the others move up into the hole
    /// it leaves: one copy per level instead of a swap's two, on the longest path of a
    /// million timers.
    fn sift_up(&mut self, start: usize) {
        let end = self.items.len();
        if start >= end {
            return;
        }
        let base = self.items.as_mut_ptr();
        // SAFETY: every index read or written is below `end`, the vector's length; the item
        // read out at `start` is written back exactly once, at the hole's final place, and
        // nothing between can panic (only f64 comparisons and copies).
        unsafe {
            let moving = std::ptr::read(base.add(start));
            let mut pos = start;
            let mut child = 2 * pos + 1;
            while child < end {
                // heapq's `not heap[child] < heap[right]`: a tie, or a NaN on either side,
                // picks the right.
                let right = child + 1;
                if right < end
                    && (*base.add(child))
                        .when
                        .partial_cmp(&(*base.add(right)).when)
                        != Some(std::cmp::Ordering::Less)
                {
                    child = right;
                }
                std::ptr::copy_nonoverlapping(base.add(child), base.add(pos), 1);
                pos = child;
                child = 2 * pos + 1;
            }
            // heapq's `_siftdown` from the leaf back towards `start`.
            while pos > start {
                let parent = (pos - 1) >> 1;
                if moving.when < (*base.add(parent)).when {
                    std::ptr::copy_nonoverlapping(base.add(parent), base.add(pos), 1);
                    pos = parent;
                } else {
                    break;
                }
            }
            std::ptr::write(base.add(pos), moving);
        }
    }
}

#[derive(Default)]
pub struct TaskList {
    items: Vec<std::rc::Weak<NativeObj>>,
    /// Prune when `items` reaches this length (amortised O(1) per task).
    prune_at: usize,
}

impl TaskList {
    pub fn push(&mut self, t: &Value) {
        if let Value::Native(n) = t {
            if self.items.len() >= self.prune_at.max(64) {
                self.items
                    .retain(|w| w.upgrade().is_some_and(|n| is_pending_task(&n)));
                self.prune_at = self.items.len() * 2;
            }
            self.items.push(Rc::downgrade(n));
        }
    }

    /// The loop lets go of its ready queue and timers (it is closed): its pending tasks
    /// may now be held only by cycles through their own frames, which the cycle collector
    /// must see (a task registers late: see gc.rs). (A loop is never freed by its count
    /// alone while it has pending tasks: each refers to it.)
    pub fn register_pending(&self) {
        for n in self.items.iter().filter_map(std::rc::Weak::upgrade) {
            if is_pending_task(&n)
                && let Some(f) = future_of(&n)
            {
                f.register(&n);
            }
        }
    }

    /// Live, unfinished tasks in creation order.
    pub fn pending(&self) -> Vec<Value> {
        self.items
            .iter()
            .filter_map(|w| w.upgrade())
            .filter(|n| is_pending_task(n))
            .map(Value::Native)
            .collect()
    }
}

fn is_pending_task(n: &NativeObj) -> bool {
    matches!(n, NativeObj::Async(AsyncObj::Future(f)) if f.state.get() == FutState::Pending)
}

/// An entry of a loop's ready queue: a handle the program can hold (`call_soon`'s result,
/// a due `call_later`), or a callback only the scheduler schedules (a task's step or
/// wake-up, a done callback, a due sleep) kept inline, so that a million tasks waking at
/// once allocate no handles.
pub enum Ready {
    Handle(Rc<HandleObj>),
    Inline(Callback),
}

impl Ready {
    pub fn cancelled(&self) -> bool {
        matches!(self, Ready::Handle(h) if h.cancelled.get())
    }

    /// Look at the callback it will run.
    pub fn with_callback<T>(&self, f: impl FnOnce(&Callback) -> T) -> T {
        match self {
            Ready::Handle(h) => f(&h.callback.borrow()),
            Ready::Inline(cb) => f(cb),
        }
    }
}

pub struct LoopObj {
    pub ready: RefCell<ready::ReadyQueue>,
    pub timers: RefCell<TimerHeap>,
    /// The handler set with set_exception_handler (None: the default one).
    pub exception_handler: RefCell<Value>,
    pub running: Cell<bool>,
    pub stopping: Cell<bool>,
    pub closed: Cell<bool>,
    /// Tasks of this loop, weakly (like CPython's WeakSet): a finished task nobody holds
    /// is freed at once. Dead and finished entries are pruned when the list doubles.
    pub tasks: RefCell<TaskList>,
    /// Handles that ran and that nobody else holds, for call_soon to reuse: a task
    /// switch then allocates nothing.
    pub spare_handles: RefCell<Vec<Rc<HandleObj>>>,
    /// The future `run_until_complete` waits for (None under a bare `run_forever`), for
    /// deadlock messages.
    pub until: RefCell<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutState {
    Pending,
    Cancelled,
    Finished,
}

pub struct FutureObj {
    pub lp: Value,
    pub state: Cell<FutState>,
    /// False once result()/exception() looked at a stored exception.
    pub log_traceback: Cell<bool>,
    /// gather(): cancel() reached a child, so the outcome becomes a CancelledError.
    pub cancel_requested: Cell<bool>,
    /// Where it was created, for deadlock messages (see `deadlock::origin_here`), read
    /// with `origin()`; its top bit is `REGISTERED`.
    pub origin_bits: Cell<u32>,
    /// Finished: the result, or the exception when `failed` (one field, as a future has
    /// one outcome). A `Cell`, read through `outcome()`: a `RefCell`'s 8-byte borrow flag
    /// would make a task and a sleep larger blocks.
    pub result: Cell<Value>,
    pub failed: Cell<bool>,
    /// Nearly every future has at most one done callback: it lives inline.
    /// (A `Cell`, as `result`: read with `peek`, changed by taking it out and back.)
    pub callbacks: Cell<FutCallbacks>,
    /// The cancel message and the exception raised inside a cancelled task; boxed because
    /// most futures are never cancelled (a `Cell` for the same reason as `result`).
    pub cancel: Cell<Option<Box<CancelInfo>>>,
    /// What a task or a gather() adds to a future (one box: most futures are plain).
    pub extra: Option<Box<FutExtra>>,
}

// A task and a sleep are each an `Rc<NativeObj>`, a 96-byte block (`pool.rs`), and a
// task's data a 72-byte one (docs/performance.md counts a task's bytes).
const _: () = assert!(std::mem::size_of::<NativeObj>() <= 80);
const _: () = assert!(std::mem::size_of::<FutExtra>() <= 64);

/// A pending task of a running loop that is about to take its first step, or asleep on a
/// timer. The loop is alive (the interpreter holds a loop while it runs), and its ready
/// queue refers to the task's first step, or its timer to the sleep and the sleep to the
/// task: the task and everything it refers to are alive, and a collection need not
/// examine them. A million new or sleeping tasks then cost a collection a check each.
pub fn scheduled_on_running_loop(n: &NativeObj) -> bool {
    let NativeObj::Async(AsyncObj::Future(f)) = n else {
        return false;
    };
    let Some(t) = f.task() else { return false };
    f.state.get() == FutState::Pending
        && as_loop(&f.lp).is_some_and(|l| l.running.get())
        && (!t.started.get()
            || t.timer.get() == sleep::TimerWait::Waiting
            || peek(&t.fut_waiter, |w| {
                sleep::direct(w).is_some_and(|s| {
                    s.phase.get() == sleep::Phase::Waiting && !s.timer_cancelled.get()
                })
            }))
}

/// `FutureObj::origin_bits`: the future was registered with the cycle collector.
const REGISTERED: u32 = 1 << 31;

/// Look at what a `Cell` holds (taken out for the call and put back: nothing else can
/// run meanwhile).
pub fn peek<T: Default, R>(c: &Cell<T>, f: impl FnOnce(&T) -> R) -> R {
    let v = c.take();
    let r = f(&v);
    c.set(v);
    r
}

pub enum FutExtra {
    Task(TaskData),
    Gather(GatherData),
}

pub type FutCallbacks = smallvec::SmallVec<[FutCallback; 1]>;

#[derive(Default)]
pub struct CancelInfo {
    pub message: Value,
    /// The exception raised inside a cancelled task (to re-raise it from result()).
    pub exc: Option<Exc>,
}

impl FutureObj {
    /// The exception it finished with, if it failed.
    pub fn exception(&self) -> Option<Exc> {
        if !self.failed.get() {
            return None;
        }
        peek(&self.result, |r| match r {
            Value::Instance(e) => Some(e.clone()),
            _ => None,
        })
    }

    /// A finished task's exception that nobody retrieved: its drop reports it.
    pub fn unretrieved_exception(&self) -> Option<Exc> {
        let reported = self.task().is_some()
            && self.state.get() == FutState::Finished
            && self.log_traceback.get();
        if reported { self.exception() } else { None }
    }

    /// The task's own state, if this future is a task.
    pub fn task(&self) -> Option<&TaskData> {
        match self.extra.as_deref() {
            Some(FutExtra::Task(t)) => Some(t),
            _ => None,
        }
    }

    /// The gathering state, if this future was returned by gather().
    pub fn gather(&self) -> Option<&GatherData> {
        match self.extra.as_deref() {
            Some(FutExtra::Gather(g)) => Some(g),
            _ => None,
        }
    }

    /// Where it was created (0: unknown), for deadlock messages.
    pub fn origin(&self) -> u32 {
        self.origin_bits.get() & !REGISTERED
    }

    pub fn set_origin(&self, at: u32) {
        let registered = self.origin_bits.get() & REGISTERED;
        self.origin_bits.set(at & !REGISTERED | registered);
    }

    /// Register a plain future or a task with the cycle collector the first time it gains
    /// a reference that a cycle could run through (see `future::may_hold`; a task also
    /// when it first waits on a future); gather()'s futures are registered when made.
    pub fn register(&self, me: &Rc<NativeObj>) {
        if !self.is_registered() {
            self.origin_bits.set(self.origin_bits.get() | REGISTERED);
            crate::gc::track_native(me);
        }
    }

    /// Is it in the cycle collector's registry (see `register`)?
    pub fn is_registered(&self) -> bool {
        self.origin_bits.get() & REGISTERED != 0 || self.gather().is_some()
    }

    /// The result it finished with (or the exception, when `failed`).
    pub fn outcome(&self) -> Value {
        peek(&self.result, Value::clone)
    }

    pub fn cancel_message(&self) -> Value {
        peek(&self.cancel, |c| {
            c.as_ref().map(|c| c.message.clone()).unwrap_or_default()
        })
    }

    pub fn set_cancel_message(&self, msg: Value) {
        let mut c = self.cancel.take();
        if !(msg.is_none() && c.is_none()) {
            c.get_or_insert_with(Default::default).message = msg;
        }
        self.cancel.set(c);
    }

    pub fn take_cancelled_exc(&self) -> Option<Exc> {
        let mut c = self.cancel.take();
        let e = c.as_mut().and_then(|c| c.exc.take());
        self.cancel.set(c);
        e
    }

    pub fn set_cancelled_exc(&self, e: Exc) {
        let mut c = self.cancel.take();
        c.get_or_insert_with(Default::default).exc = Some(e);
        self.cancel.set(c);
    }

    /// gather()'s children (None for other futures).
    pub fn gather_children(&self) -> Option<Vec<Value>> {
        self.gather().map(|g| g.children.borrow().clone())
    }
}

/// The state of a gather() (CPython's `_done_callback` closure variables).
pub struct GatherData {
    /// One entry per argument, duplicates included, in argument order.
    pub children: RefCell<Vec<Value>>,
    /// Distinct children (CPython's `nfuts`).
    pub nfuts: Cell<usize>,
    pub finished: Cell<usize>,
    pub return_exceptions: bool,
    /// gather() raised while building (an argument was not awaitable): CPython's
    /// `outer is None` in the children's callbacks.
    pub abandoned: Cell<bool>,
}

impl Drop for FutureObj {
    fn drop(&mut self) {
        let Some(t) = self.task() else { return };
        // The description is made only when there is something to warn about: most tasks
        // end finished and retrieved, and a million of them should not format a million names.
        let describe = || {
            let coro = match &t.coro {
                Value::Gen(g) => {
                    let line = g.code.source.line(g.code.span.start as usize);
                    format!(
                        "{}() done, defined at {}:{}",
                        g.qualname(),
                        g.code.source.name,
                        line
                    )
                }
                _ => "sleep()".to_string(),
            };
            format!("name='{}' coro=<{coro}>", t.name_string())
        };
        match self.state.get() {
            FutState::Pending if t.started.get() || peek(&t.fiber, Option::is_some) => {
                crate::warnings::push(crate::warnings::Warning::DestroyedPending {
                    task: describe(),
                })
            }
            FutState::Finished => {
                if let Some(e) = self.unretrieved_exception() {
                    crate::warnings::push(crate::warnings::Warning::NeverRetrieved {
                        task: describe(),
                        exc: e,
                    });
                }
            }
            _ => {}
        }
    }
}

pub struct TaskData {
    pub coro: Value,
    /// The task's frames while it is suspended in a nested await (None while it runs,
    /// before it starts, and while its one frame is parked in `coro`: see `with_fiber`).
    /// Boxed (from `Scheduler::spare_fibers`): a task that sleeps parks its frame instead,
    /// and the box is 40 bytes smaller than the fiber. A `Cell` (taken out and put back,
    /// looked at through `peek`), as the other fields: a task's data fits 64 bytes.
    pub fiber: Cell<Option<Box<Fiber>>>,
    /// CPython's global task counter when it was made: the default name is `Task-N`.
    pub number: u64,
    /// A name given by the program (None: `Task-{number}`, made when asked for).
    pub name: Cell<Option<Rc<crate::object::PyStr>>>,
    /// What the task waits on (a future), for cancel(). (`Cell`s, as in `FutureObj`: a
    /// task's data fits 72 bytes.)
    pub fut_waiter: Cell<Value>,
    pub started: Cell<bool>,
    pub must_cancel: Cell<bool>,
    /// How the task resumes: push the sent value (after a yield), skip the POP that would
    /// drop it (`Suspend::YieldAtPop`) or re-run SEND.
    pub resume_with: Cell<ResumeWith>,
    pub num_cancels_requested: Cell<u32>,
    /// Its own timed sleep, when that is only a timer entry (see `sleep::TimerWait`).
    pub timer: Cell<sleep::TimerWait>,
}

/// What a task's next step does to its frame before running it (`TaskData::resume_with`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ResumeWith {
    /// Re-run the SEND it waits at (nothing is pushed).
    Send,
    /// Push the sent value (None), as after a yield.
    Push,
    /// Step over the POP that would drop the sent value.
    SkipPop,
}

impl TaskData {
    /// Run `f` on the suspended task's frames and stack, wherever they are kept: in `fiber`,
    /// or (a single frame) parked in its coroutine. None while it runs, before it starts,
    /// and once it is done.
    pub fn with_fiber<R>(&self, f: impl FnOnce(Option<FiberRef<'_>>) -> R) -> R {
        let boxed = self.fiber.take();
        if let Some(fb) = &boxed {
            let r = f(Some(fb.view()));
            self.fiber.set(boxed);
            return r;
        }
        if self.started.get()
            && let Value::Gen(g) = &self.coro
        {
            return peek(&g.saved, |s| match s {
                Some(s) => f(Some(FiberRef {
                    frames: std::slice::from_ref(&s.frame),
                    stack: &s.stack,
                })),
                None => f(None),
            });
        }
        f(None)
    }

    pub fn name(&self) -> Value {
        peek(&self.name, |n| match n {
            Some(s) => Value::Str(s.clone()),
            None => Value::string(format!("Task-{}", self.number)),
        })
    }

    pub fn name_string(&self) -> String {
        peek(&self.name, |n| match n {
            Some(s) => s.s.to_string(),
            None => format!("Task-{}", self.number),
        })
    }

    /// What the task waits on (None when it waits on nothing).
    pub fn waiter(&self) -> Value {
        peek(&self.fut_waiter, Value::clone)
    }
}

/// `asyncio.sleep(delay, result)`: a native coroutine.
pub struct SleepObj {
    pub delay: f64,
    pub result: Value,
    /// By phase: `Idle`, the future it waits on once started (delay > 0) when no task
    /// awaits it directly, or `Bool(true)` after sleep(0) yielded; `Waiting`, the task
    /// awaiting it directly (None until that task's step ends); afterwards None. (One
    /// field, as a sleep never has both, and a `Cell` read through `peek`: every byte of
    /// a sleep counts a million times.)
    pub state: Cell<Value>,
    /// Its timer's due time, once started.
    pub when: Cell<f64>,
    /// Set when the sleep ends (CPython's `finally: h.cancel()`): its timer entry, if it
    /// has one, is dead, and awaiting it again is an error.
    pub timer_cancelled: Cell<bool>,
    pub awaited: Cell<bool>,
    /// Awaited directly by a task, the sleep stands for its own future (see sleep.rs):
    /// that future's state and the cancel message; the task waiting is in `state`.
    pub phase: Cell<sleep::Phase>,
    /// (A `Cell`: a 72-byte sleep fits beside the niche in a future where `AsyncObj`
    /// keeps its tag.)
    pub cancel_message: Cell<Value>,
}

/// Scheduler objects visible to programs.
pub enum AsyncObj {
    /// Boxed: a loop is large and rare, and the enum is as big as its largest variant.
    Loop(Box<LoopObj>),
    Future(FutureObj),
    Handle(Rc<HandleObj>),
    Sleep(SleepObj),
    /// `Queue.get()` / `Queue.put(item)`: a native coroutine (see queue.rs).
    QueueOp(queue::QueueOp),
    /// `agen.asend(v)` / `__anext__()`: runs the async generator to its next yield.
    ASend {
        owner: Value,
        value: Value,
        /// For `athrow`: raised inside the generator instead of sending `value`.
        throw: Option<Exc>,
    },
}

thread_local! {
    static CLASSES: AsyncClasses = AsyncClasses::new();
}

pub struct AsyncClasses {
    pub future: Rc<Class>,
    pub task: Rc<Class>,
    pub event_loop: Rc<Class>,
    pub handle: Rc<Class>,
    pub timer_handle: Rc<Class>,
}

impl AsyncClasses {
    fn new() -> AsyncClasses {
        let mk = |name: &str, bases: Vec<Rc<Class>>| {
            let c = types::make_class(name, name, "asyncio", bases, Default::default());
            // Native layout: instances are AsyncObj, not Instance.
            Rc::new(Class {
                name: c.name.clone(),
                qualname: c.qualname.clone(),
                module: c.module.clone(),
                bases: c.bases.clone(),
                mro: c.mro.clone(),
                dict: RefCell::new(Default::default()),
                layout: crate::object::Layout::Native,
            })
        };
        let future = mk("Future", vec![]);
        let task = mk("Task", vec![future.clone()]);
        let event_loop = mk("_UnixSelectorEventLoop", vec![]);
        let handle = mk("Handle", vec![]);
        let timer_handle = mk("TimerHandle", vec![handle.clone()]);
        AsyncClasses {
            future,
            task,
            event_loop,
            handle,
            timer_handle,
        }
    }
}

pub fn classes<T>(f: impl FnOnce(&AsyncClasses) -> T) -> T {
    CLASSES.with(f)
}

pub fn async_type(a: &AsyncObj) -> Rc<Class> {
    classes(|c| match a {
        AsyncObj::Loop(_) => c.event_loop.clone(),
        AsyncObj::Future(f) if f.task().is_some() => c.task.clone(),
        AsyncObj::Future(_) => c.future.clone(),
        AsyncObj::Handle(h) if h.when.is_some() => c.timer_handle.clone(),
        AsyncObj::Handle(_) => c.handle.clone(),
        AsyncObj::Sleep(_) | AsyncObj::QueueOp(_) | AsyncObj::ASend { .. } => {
            types::types().coroutine.clone()
        }
    })
}

pub fn wrap(a: AsyncObj) -> Value {
    Value::native(NativeObj::Async(a))
}

pub fn as_async(v: &Value) -> Option<&AsyncObj> {
    match v {
        Value::Native(n) => match &**n {
            NativeObj::Async(a) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

pub fn as_future(v: &Value) -> Option<&FutureObj> {
    match as_async(v) {
        Some(AsyncObj::Future(f)) => Some(f),
        _ => None,
    }
}

pub fn as_loop(v: &Value) -> Option<&LoopObj> {
    match as_async(v) {
        Some(AsyncObj::Loop(l)) => Some(&**l),
        _ => None,
    }
}

pub enum SendResult {
    Done(Value),
    Yield(Value),
}

/// SEND on a scheduler object: a future/task (wait until done), a sleep, or an asend.
pub fn send(vm: &mut Vm, sub: &Value, _sent: Value) -> PyResult<SendResult> {
    match as_async(sub) {
        Some(AsyncObj::Future(f)) => {
            if f.state.get() == FutState::Pending {
                if let Some(cur) = &vm.sched.current_task
                    && cur.is(sub)
                {
                    return Err(types::runtime_error(format!(
                        "Task cannot await on itself: {}",
                        future::repr(vm, sub)?
                    )));
                }
                return Ok(SendResult::Yield(sub.clone()));
            }
            future::result(vm, sub).map(SendResult::Done)
        }
        Some(AsyncObj::Sleep(s)) => sleep::send(vm, sub, s),
        Some(AsyncObj::QueueOp(op)) => queue::send(vm, op),
        _ => Err(type_error(format!(
            "object {} can't be used in 'await' expression",
            types::type_name(sub)
        ))),
    }
}

/// A coroutine implemented natively (a sleep, a queue get/put).
pub fn is_native_coro(v: &Value) -> bool {
    matches!(as_async(v), Some(AsyncObj::Sleep(_) | AsyncObj::QueueOp(_)))
}

pub use queue::{AtOnce, await_at_once, native_wait, which_op};

pub fn asend_awaitable(owner: Value, value: Value) -> Value {
    wrap(AsyncObj::ASend {
        owner,
        value,
        throw: None,
    })
}

pub fn athrow_awaitable(owner: Value, e: Exc) -> Value {
    wrap(AsyncObj::ASend {
        owner,
        value: Value::None,
        throw: Some(e),
    })
}

/// The async generator and sent value of an `asend` awaitable.
pub fn as_asend(v: &Value) -> Option<(Value, Value, Option<Exc>)> {
    match as_async(v) {
        Some(AsyncObj::ASend {
            owner,
            value,
            throw,
        }) => Some((owner.clone(), value.clone(), throw.clone())),
        _ => None,
    }
}

pub fn getattr(vm: &mut Vm, obj: &Value, a: &AsyncObj, name: &str) -> PyResult<Option<Value>> {
    module::getattr(vm, obj, a, name)
}

pub fn setattr(_vm: &mut Vm, a: &AsyncObj, name: &str, _v: Value) -> PyResult<()> {
    let _ = a;
    Err(types::attribute_error(format!(
        "attribute '{name}' is read-only"
    )))
}

pub fn repr(vm: &mut Vm, a: &AsyncObj, v: &Value) -> PyResult<String> {
    Ok(match a {
        AsyncObj::Future(_) => future::repr(vm, v)?,
        AsyncObj::Loop(l) => format!(
            "<_UnixSelectorEventLoop running={} closed={} debug=False>",
            if l.running.get() { "True" } else { "False" },
            if l.closed.get() { "True" } else { "False" }
        ),
        AsyncObj::Handle(h) => {
            if h.cancelled.get() {
                "<Handle cancelled>".to_string()
            } else {
                format!(
                    "<{} object at {:#x}>",
                    if h.when.is_some() {
                        "TimerHandle"
                    } else {
                        "Handle"
                    },
                    v.id()
                )
            }
        }
        AsyncObj::Sleep(_) => format!("<coroutine object sleep at {:#x}>", v.id()),
        AsyncObj::QueueOp(op) => format!("<coroutine object {} at {:#x}>", op.name(), v.id()),
        AsyncObj::ASend { .. } => format!("<async_generator_asend object at {:#x}>", v.id()),
    })
}

pub fn iter(_vm: &mut Vm, _v: &Value, _a: &AsyncObj) -> PyResult<Option<Value>> {
    Ok(None)
}

pub fn len(_a: &AsyncObj) -> Option<usize> {
    None
}
