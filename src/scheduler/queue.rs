//! asyncio.Queue's hot path in Rust. The class stays aio source (`prelude.py`) so that
//! its attributes, repr and subclassing behave as in CPython; `get`, `put`, `get_nowait`
//! and `put_nowait` are these natives, which follow CPython 3.11's `queues.py` step by
//! step (same waiter lists, same wake-up order, same cleanup on cancellation).
//!
//! The fast path applies to instances whose class is exactly `Queue`, `LifoQueue` or
//! `PriorityQueue` (the latter's heap `_put`/`_get` still run as aio code). Instances of
//! any other subclass run the prelude's aio methods (`_py_get`, ...), so overriding
//! `_init`, `_put`, `_get`, `empty`, `full`... works as in CPython.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::{AsyncObj, FutState, SendResult, as_async, as_future, future, wrap};
use crate::bytecode::Op;
use crate::in_place::push_with;
use crate::object::{CallArgs, Class, Exc, Instance, KeyHint, PyResult};
use crate::types::{self, new_exc_args, runtime_error, type_error};
use crate::value::Value;
use crate::vm::{FiberRef, Vm};

/// The prelude's queue classes, looked up once when the asyncio module is built.
pub struct QueueClasses {
    pub queue: Rc<Class>,
    pub lifo: Rc<Class>,
    pub priority: Rc<Class>,
    /// `asyncio.Event`, for `_finished.clear()` without a call.
    pub event: Rc<Class>,
    /// The natives `Queue.get` and `Queue.put`, to know them when called.
    pub get: Option<Rc<crate::object::Builtin>>,
    pub put: Option<Rc<crate::object::Builtin>>,
}

/// How a fast-path queue stores its items.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fifo,
    Lifo,
    /// `_put`/`_get` are the prelude's heap functions: call them.
    Priority,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpState {
    Created,
    /// Suspended on `waiter`.
    Waiting,
    Done,
}

/// The coroutine returned by `Queue.get()` / `Queue.put(item)` (CPython's
/// `<coroutine object Queue.get>`).
pub struct QueueOp {
    /// The queue instance.
    pub queue: Value,
    /// `Some(item)` for put, `None` for get.
    pub item: Option<Value>,
    /// The getter/putter future it is suspended on (None otherwise).
    pub waiter: RefCell<Value>,
    pub state: Cell<OpState>,
}

impl QueueOp {
    pub fn name(&self) -> &'static str {
        if self.item.is_some() {
            "Queue.put"
        } else {
            "Queue.get"
        }
    }
}

pub fn classes_from(m: &crate::object::Module) -> Option<QueueClasses> {
    let class = |name: &str| match m.get(name) {
        Some(Value::Class(c)) => Some(c),
        _ => None,
    };
    let native = |name: &str| match m.get(name) {
        Some(Value::Builtin(b)) => Some(b),
        _ => None,
    };
    Some(QueueClasses {
        get: native("_queue_get"),
        put: native("_queue_put"),
        queue: class("Queue")?,
        lifo: class("LifoQueue")?,
        priority: class("PriorityQueue")?,
        event: class("Event")?,
    })
}

fn fast_kind(vm: &Vm, q: &Value) -> Option<(Rc<Instance>, Kind)> {
    let Value::Instance(i) = q else { return None };
    let qc = vm.sched.queue_classes.as_ref()?;
    let kind = if Rc::ptr_eq(&i.class, &qc.queue) {
        Kind::Fifo
    } else if Rc::ptr_eq(&i.class, &qc.lifo) {
        Kind::Lifo
    } else if Rc::ptr_eq(&i.class, &qc.priority) {
        Kind::Priority
    } else {
        return None;
    };
    Some((i.clone(), kind))
}

fn this(a: &CallArgs) -> PyResult<Value> {
    a.pos
        .first()
        .cloned()
        .ok_or_else(|| type_error("descriptor needs a Queue instance"))
}

fn item_arg(a: &mut CallArgs) -> PyResult<Value> {
    if let Some(v) = a.take_kw("item") {
        return Ok(v);
    }
    a.pos
        .get(1)
        .cloned()
        .ok_or_else(|| type_error("missing 1 required positional argument: 'item'"))
}

fn py(vm: &mut Vm, q: &Value, name: &str, args: &[Value]) -> PyResult<Value> {
    vm.call_method(q, name, CallArgs::new(args.iter().cloned().collect()))
}

/// `Queue.get(self)`
pub fn get(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let q = this(&a)?;
    if fast_kind(vm, &q).is_none() {
        return py(vm, &q, "_py_get", &[]);
    }
    Ok(new_op(q, None))
}

/// `Queue.put(self, item)`
pub fn put(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let q = this(&a)?;
    let item = item_arg(&mut a)?;
    if fast_kind(vm, &q).is_none() {
        return py(vm, &q, "_py_put", &[item]);
    }
    Ok(new_op(q, Some(item)))
}

/// `Queue.get_nowait(self)`
pub fn get_nowait(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let q = this(&a)?;
    match fast_kind(vm, &q) {
        Some((i, k)) => get_nowait_fast(vm, &q, &i, k),
        None => py(vm, &q, "_py_get_nowait", &[]),
    }
}

/// `Queue.put_nowait(self, item)`
pub fn put_nowait(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let q = this(&a)?;
    let item = item_arg(&mut a)?;
    match fast_kind(vm, &q) {
        Some((i, k)) => put_nowait_fast(vm, &q, &i, k, item, false).map(|()| Value::None),
        None => py(vm, &q, "_py_put_nowait", &[item]),
    }
}

/// Is `m` the native `Queue.put` (Some(true)) or `Queue.get` (Some(false))?
pub fn which_op(vm: &Vm, m: &Rc<crate::object::Builtin>) -> Option<bool> {
    let qc = vm.sched.queue_classes.as_ref()?;
    let is = |b: &Option<Rc<crate::object::Builtin>>| b.as_ref().is_some_and(|b| Rc::ptr_eq(b, m));
    if is(&qc.put) {
        Some(true)
    } else if is(&qc.get) {
        Some(false)
    } else {
        None
    }
}

/// What `await q.get()` / `await q.put(item)` did at once (`await_at_once`).
pub enum AtOnce {
    /// It did not wait: the await's value.
    Value(Value),
    /// It waits: the coroutine, already suspended on its new getter or putter future
    /// (`on`), as its first SEND would leave it.
    Waits { op: Value, on: Value },
}

/// `await q.get()` / `await q.put(item)` (`item` Some) on a plain FIFO or LIFO queue, run
/// at its call: nothing else can see the coroutine before its first SEND, so its body
/// runs here instead. If the call would not wait, to its end (CPython's `get()`: `while
/// self.empty()` is not entered, then `return self.get_nowait()`), and no coroutine is
/// made; else to its first wait (the `while` body: a new future in `_getters`). None,
/// with nothing changed, when the queue is of another kind.
pub fn await_at_once(vm: &mut Vm, q: &Value, item: Option<&Value>) -> Option<PyResult<AtOnce>> {
    let (i, k) = fast_kind(vm, q)?;
    if k == Kind::Priority {
        return None;
    }
    Some(match try_op(vm, q, &i, k, item) {
        Err(e) => Err(e),
        Ok(Some(v)) => Ok(AtOnce::Value(v)),
        Ok(None) => {
            let op = queue_op(q.clone(), item.cloned());
            wait_on_new_future(vm, &op, q, &i).map(|on| AtOnce::Waits {
                op: wrap(AsyncObj::QueueOp(op)),
                on,
            })
        }
    })
}

fn new_op(queue: Value, item: Option<Value>) -> Value {
    wrap(AsyncObj::QueueOp(queue_op(queue, item)))
}

fn queue_op(queue: Value, item: Option<Value>) -> QueueOp {
    QueueOp {
        queue,
        item,
        waiter: RefCell::new(Value::None),
        state: Cell::new(OpState::Created),
    }
}

/// The queue attributes the fast path reads.
#[derive(Clone, Copy)]
enum QAttr {
    Queue,
    Maxsize,
    Getters,
    Putters,
    Unfinished,
    Finished,
    Loop,
    /// An `asyncio.Event`'s flag (the queue's `_finished`).
    EventValue,
}

impl QAttr {
    const COUNT: usize = 8;

    fn name(self) -> &'static str {
        match self {
            QAttr::Queue => "_queue",
            QAttr::Maxsize => "_maxsize",
            QAttr::Getters => "_getters",
            QAttr::Putters => "_putters",
            QAttr::Unfinished => "_unfinished_tasks",
            QAttr::Finished => "_finished",
            QAttr::Loop => "_loop",
            QAttr::EventValue => "_value",
        }
    }
}

thread_local! {
    static LOOP_KEY: Rc<str> = Rc::from("_loop");
    /// Per attribute, the slot of the instance namespace where it was last found and the
    /// key there: every queue's `__init__` sets them in the same order and with the same
    /// key strings (the code's names), so a hint checked by comparing the key's address
    /// replaces hashing the name (a dozen lookups per get/put pair).
    static HINTS: [KeyHint; QAttr::COUNT] = Default::default();
}

/// Where attribute `a` is in the instance's namespace, if it is there.
fn slot(i: &Instance, a: QAttr) -> Option<usize> {
    HINTS.with(|h| i.dict.borrow().slot_key_hinted(a.name(), &h[a as usize]))
}

/// An instance attribute (falling back to the full lookup, which raises if missing).
fn attr(vm: &mut Vm, q: &Value, i: &Instance, a: QAttr) -> PyResult<Value> {
    let found = slot(i, a).and_then(|at| i.dict.borrow().get_index(at).map(|(_, v)| v.clone()));
    match found {
        Some(v) => Ok(v),
        None => vm.getattr(q, a.name()),
    }
}

fn qlen(vm: &mut Vm, items: &Value) -> PyResult<usize> {
    match items {
        Value::List(l) => Ok(l.borrow().len()),
        other => vm.len(other),
    }
}

/// `self.empty()`: `not self._queue`
fn empty(vm: &mut Vm, q: &Value, i: &Instance) -> PyResult<bool> {
    match attr(vm, q, i, QAttr::Queue)? {
        Value::List(l) => Ok(l.borrow().is_empty()),
        other => Ok(!vm.truthy(&other)?),
    }
}

/// `self.full()`
fn full(vm: &mut Vm, q: &Value, i: &Instance) -> PyResult<bool> {
    Ok(room(vm, q, i)? == Room::Full)
}

/// What `full()` found (`room`).
#[derive(PartialEq, Eq)]
enum Room {
    Full,
    /// Not full, and never will be: `_maxsize` is an int of 0 or less, so put_nowait()'s
    /// own `full()` would find the same without reading anything else.
    Unbounded,
    NotFull,
}

/// `self.full()`, saying whether the queue is unbounded.
fn room(vm: &mut Vm, q: &Value, i: &Instance) -> PyResult<Room> {
    let full = match attr(vm, q, i, QAttr::Maxsize)? {
        Value::Int(m) if m <= 0 => return Ok(Room::Unbounded),
        Value::Int(m) => {
            let items = attr(vm, q, i, QAttr::Queue)?;
            qlen(vm, &items)? as i64 >= m
        }
        _ => {
            let r = py(vm, q, "full", &[])?;
            vm.truthy(&r)?
        }
    };
    Ok(if full { Room::Full } else { Room::NotFull })
}

fn queue_empty() -> Exc {
    new_exc_args(types::types().exc("QueueEmpty"), vec![])
}

fn queue_full() -> Exc {
    new_exc_args(types::types().exc("QueueFull"), vec![])
}

fn get_nowait_fast(vm: &mut Vm, q: &Value, i: &Instance, k: Kind) -> PyResult<Value> {
    let items = attr(vm, q, i, QAttr::Queue)?;
    let item = match (&items, k) {
        (Value::List(l), Kind::Fifo | Kind::Lifo) => take_item(l, k).ok_or_else(queue_empty)?,
        _ => {
            if !vm.truthy(&items)? {
                return Err(queue_empty());
            }
            py(vm, q, "_get", &[])?
        }
    };
    wakeup_putter(vm, q, i)?;
    Ok(item)
}

/// `_get()` of a FIFO or LIFO queue whose `_queue` is list `l`: None when it is empty.
fn take_item(l: &RefCell<Vec<Value>>, k: Kind) -> Option<Value> {
    let mut l = l.borrow_mut();
    if l.is_empty() {
        None
    } else if k == Kind::Fifo {
        Some(l.remove(0))
    } else {
        l.pop()
    }
}

/// get_nowait()'s `self._wakeup_next(self._putters)`.
fn wakeup_putter(vm: &mut Vm, q: &Value, i: &Instance) -> PyResult<()> {
    let putters = attr(vm, q, i, QAttr::Putters)?;
    wakeup_next(vm, &putters)
}

/// `put_nowait(item)`; `unbounded`: the caller's `full()` just found `Room::Unbounded`,
/// which this one's would find again.
fn put_nowait_fast(
    vm: &mut Vm,
    q: &Value,
    i: &Instance,
    k: Kind,
    item: Value,
    unbounded: bool,
) -> PyResult<()> {
    let unfinished = slot(i, QAttr::Unfinished)
        .filter(|&at| matches!(i.dict.borrow().get_index(at), Some((_, Value::Int(_)))));
    let Some(unfinished) = unfinished else {
        // Something the program stored there: let the aio code do `+= 1` on it.
        return py(vm, q, "_py_put_nowait", &[item]).map(|_| ());
    };
    if !unbounded && full(vm, q, i)? {
        return Err(queue_full());
    }
    let unfinished = match (attr(vm, q, i, QAttr::Queue)?, k) {
        (Value::List(l), Kind::Fifo | Kind::Lifo) => {
            l.borrow_mut().push(item);
            Some(unfinished)
        }
        _ => {
            py(vm, q, "_put", &[item])?;
            // Looked up again: `_put` and `full` may have run aio code.
            slot(i, QAttr::Unfinished)
        }
    };
    if let Some(at) = unfinished
        && let Some((_, Value::Int(n))) = i.dict.borrow_mut().get_index_mut(at)
    {
        *n += 1;
    }
    let finished = attr(vm, q, i, QAttr::Finished)?;
    match &finished {
        Value::Instance(e)
            if vm
                .sched
                .queue_classes
                .as_ref()
                .is_some_and(|c| Rc::ptr_eq(&e.class, &c.event)) =>
        {
            match slot(e, QAttr::EventValue) {
                Some(at) => {
                    if let Some((_, v)) = e.dict.borrow_mut().get_index_mut(at) {
                        *v = Value::Bool(false);
                    }
                }
                None => e.set("_value", Value::Bool(false)),
            }
        }
        _ => {
            py(vm, &finished, "clear", &[])?;
        }
    }
    let getters = attr(vm, q, i, QAttr::Getters)?;
    wakeup_next(vm, &getters)
}

/// `_wakeup_next(waiters)`: wake the first waiter that is not done.
fn wakeup_next(vm: &mut Vm, waiters: &Value) -> PyResult<()> {
    let Value::List(l) = waiters else {
        return Err(type_error("queue waiters must be a list"));
    };
    loop {
        let w = {
            let mut l = l.borrow_mut();
            if l.is_empty() {
                return Ok(());
            }
            l.remove(0)
        };
        match as_future(&w) {
            Some(f) if f.state.get() != FutState::Pending => continue,
            Some(_) => return future::set_result(vm, &w, Value::None),
            None => {
                let done = py(vm, &w, "done", &[])?;
                if !vm.truthy(&done)? {
                    py(vm, &w, "set_result", &[Value::None])?;
                    return Ok(());
                }
            }
        }
    }
}

/// `self._get_loop()` (asyncio's `_LoopBoundMixin`).
fn get_loop(vm: &mut Vm, q: &Value, i: &Instance) -> PyResult<Value> {
    let lp = vm
        .sched
        .running_loop
        .clone()
        .ok_or_else(|| runtime_error("no running event loop"))?;
    let bound = attr(vm, q, i, QAttr::Loop)?;
    if bound.is_none() {
        // One key string for every queue's `_loop`, so that its hint compares addresses.
        let key = LOOP_KEY.with(Rc::clone);
        i.dict.borrow_mut().insert(key, lp.clone());
    } else if !bound.is(&lp) {
        let r = vm.repr(q)?;
        return Err(runtime_error(format!(
            "{r} is bound to a different event loop"
        )));
    }
    Ok(lp)
}

/// SEND on a queue coroutine: CPython's `get()` / `put()` bodies.
pub fn send(vm: &mut Vm, op: &QueueOp) -> PyResult<SendResult> {
    let q = &op.queue;
    let Value::Instance(i) = q else {
        return Err(type_error("not a queue"));
    };
    let k = fast_kind(vm, q).map_or(Kind::Priority, |(_, k)| k);
    match op.state.get() {
        OpState::Done => {
            return Err(runtime_error("cannot reuse already awaited coroutine"));
        }
        OpState::Waiting => {
            // `await getter` returned or raised.
            let w = op.waiter.replace(Value::None);
            if let Err(e) = future::result(vm, &w) {
                return Err(cleanup(vm, op, &w, e));
            }
        }
        OpState::Created => {}
    }
    let r = run(vm, op, q, i, k);
    if !matches!(r, Ok(SendResult::Yield(_))) {
        op.state.set(OpState::Done);
    }
    r
}

/// The `while` loop of get()/put(), then the nowait call.
fn run(vm: &mut Vm, op: &QueueOp, q: &Value, i: &Instance, k: Kind) -> PyResult<SendResult> {
    match try_op(vm, q, i, k, op.item.as_ref())? {
        Some(v) => Ok(SendResult::Done(v)),
        None => wait_on_new_future(vm, op, q, i).map(SendResult::Yield),
    }
}

/// get() (put(), `item` Some) to its end if it need not wait: the value it returns, or
/// None when it must wait (CPython's `while self.empty()` / `while self.full()` is entered).
/// Then the nowait call: a list's emptiness is read once for both the loop's check and
/// get_nowait()'s own, and an unbounded queue's `_maxsize` once for put's and put_nowait()'s
/// (nothing can change them in between).
fn try_op(
    vm: &mut Vm,
    q: &Value,
    i: &Instance,
    k: Kind,
    item: Option<&Value>,
) -> PyResult<Option<Value>> {
    let Some(item) = item else {
        return try_get(vm, q, i, k);
    };
    let unbounded = match room(vm, q, i)? {
        Room::Full => return Ok(None),
        r => r == Room::Unbounded,
    };
    put_nowait_fast(vm, q, i, k, item.clone(), unbounded)?;
    Ok(Some(Value::None))
}

fn try_get(vm: &mut Vm, q: &Value, i: &Instance, k: Kind) -> PyResult<Option<Value>> {
    // Only a list found in the namespace takes this path: anything else is read as
    // `empty()` and `get_nowait()` read it, once each.
    let items =
        slot(i, QAttr::Queue).and_then(|at| i.dict.borrow().get_index(at).map(|(_, v)| v.clone()));
    let (Some(Value::List(l)), Kind::Fifo | Kind::Lifo) = (&items, k) else {
        if empty(vm, q, i)? {
            return Ok(None);
        }
        return get_nowait_fast(vm, q, i, k).map(Some);
    };
    let Some(item) = take_item(l, k) else {
        return Ok(None);
    };
    wakeup_putter(vm, q, i)?;
    Ok(Some(item))
}

/// The `while` body of get()/put(): a new getter (putter) future in the queue's
/// `_getters` (`_putters`), which the coroutine then waits on; returns it.
fn wait_on_new_future(vm: &mut Vm, op: &QueueOp, q: &Value, i: &Instance) -> PyResult<Value> {
    let list = if op.item.is_some() {
        QAttr::Putters
    } else {
        QAttr::Getters
    };
    let lp = get_loop(vm, q, i)?;
    let w = future::new_future(lp);
    match attr(vm, q, i, list)? {
        Value::List(l) => push_with(&mut *l.borrow_mut(), || w.share()),
        other => {
            py(vm, &other, "append", std::slice::from_ref(&w))?;
        }
    }
    *op.waiter.borrow_mut() = w.share();
    op.state.set(OpState::Waiting);
    Ok(w)
}

/// The `except:` block around `await getter` / `await putter`: returns the exception
/// to propagate (the original one, or one raised by the cleanup).
fn cleanup(vm: &mut Vm, op: &QueueOp, w: &Value, e: Exc) -> Exc {
    op.state.set(OpState::Done);
    let Value::Instance(i) = &op.queue else {
        return e;
    };
    let q = &op.queue;
    let r = (|| -> PyResult<()> {
        // Just in case the waiter is not done yet.
        future::cancel(vm, w, Value::None);
        let list_name = if op.item.is_some() {
            QAttr::Putters
        } else {
            QAttr::Getters
        };
        let list = attr(vm, q, i, list_name)?;
        // It may have been removed already by the call that woke it.
        if let Value::List(l) = &list {
            let mut l = l.borrow_mut();
            if let Some(pos) = l.iter().position(|x| x.is(w)) {
                l.remove(pos);
            }
        }
        let cancelled = as_future(w).is_some_and(|f| f.state.get() == FutState::Cancelled);
        let can = match op.item {
            None => !empty(vm, q, i)?,
            Some(_) => !full(vm, q, i)?,
        };
        if can && !cancelled {
            // Woken up but cannot take the call: wake the next in line.
            wakeup_next(vm, &list)?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => e,
        Err(e2) => e2,
    }
}

/// An exception thrown into a queue coroutine (a task cancelled after its waiter was
/// resolved): run the cleanup and return what to raise.
pub fn throw(vm: &mut Vm, op: &QueueOp, e: Exc) -> Exc {
    match op.state.get() {
        OpState::Waiting => {
            let w = op.waiter.replace(Value::None);
            cleanup(vm, op, &w, e)
        }
        _ => {
            op.state.set(OpState::Done);
            e
        }
    }
}

/// The queue coroutine a suspended task's innermost frame is awaiting, if any.
pub fn awaited_op(fiber: FiberRef) -> Option<Value> {
    let fr = fiber.frames.last()?;
    if !matches!(fr.code.ops.get(fr.ip as usize), Some(Op::Send(_))) {
        return None;
    }
    let sub = fiber
        .stack
        .len()
        .checked_sub(2)
        .and_then(|i| fiber.stack.get(i))?;
    matches!(as_async(sub), Some(AsyncObj::QueueOp(_))).then(|| sub.clone())
}

/// What a suspended task waits in, when that is a queue coroutine: its name
/// (`Queue.get`) and the queue.
pub fn native_wait(fiber: FiberRef) -> Option<(&'static str, Value)> {
    let sub = awaited_op(fiber)?;
    match as_async(&sub) {
        Some(AsyncObj::QueueOp(op)) if op.state.get() == OpState::Waiting => {
            Some((op.name(), op.queue.clone()))
        }
        _ => None,
    }
}
