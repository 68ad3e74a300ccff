//! The event loop: clock, ready queue, timers, futures and tasks (CPython's algorithm).

pub mod clock;

use std::rc::Rc;

use crate::object::{Class, PyResult};
use crate::types::{self, type_error};
use crate::value::Value;
use crate::vm::Vm;

pub use clock::Clock;

/// Per-interpreter scheduler state.
pub struct Scheduler {
    pub clock: Clock,
    /// Ids of containers being repr'd (to print `[...]` for cycles).
    pub repr_stack: Vec<usize>,
    /// Set when writing to stdout failed (a closed pipe): output stops quietly.
    pub stdout_closed: bool,
}

impl Scheduler {
    pub fn new(virtual_time: bool) -> Scheduler {
        Scheduler {
            clock: Clock::new(virtual_time),
            repr_stack: Vec::new(),
            stdout_closed: false,
        }
    }
}

/// Scheduler objects visible to programs.
pub enum AsyncObj {
    /// `agen.asend(v)` / `__anext__()`: an awaitable that runs the async generator to its next yield.
    ASend { owner: Value, value: Value },
}

pub fn async_type(a: &AsyncObj) -> Rc<Class> {
    match a {
        AsyncObj::ASend { .. } => types::types().coroutine.clone(),
    }
}

pub enum SendResult {
    Done(Value),
    Yield(Value),
}

/// SEND on a scheduler object (future, task, sleep).
pub fn send(_vm: &mut Vm, sub: &Value, _sent: Value) -> PyResult<SendResult> {
    Err(type_error(format!(
        "object {} can't be used in 'await' expression",
        types::type_name(sub)
    )))
}

pub fn asend_awaitable(owner: Value, value: Value) -> Value {
    Value::Native(Rc::new(crate::object::NativeObj::Async(AsyncObj::ASend {
        owner,
        value,
    })))
}

/// The async generator and sent value of an `asend` awaitable.
pub fn as_asend(v: &Value) -> Option<(Value, Value)> {
    if let Value::Native(n) = v
        && let crate::object::NativeObj::Async(AsyncObj::ASend { owner, value }) = &**n
    {
        return Some((owner.clone(), value.clone()));
    }
    None
}

pub fn asyncio_module(_vm: &mut Vm) -> PyResult<Value> {
    Err(types::exc(
        "ModuleNotFoundError",
        "No module named 'asyncio'",
    ))
}

pub fn getattr(_vm: &mut Vm, _obj: &Value, _a: &AsyncObj, _name: &str) -> PyResult<Option<Value>> {
    Ok(None)
}

pub fn setattr(_vm: &mut Vm, _a: &AsyncObj, name: &str, _v: Value) -> PyResult<()> {
    Err(types::attribute_error(format!(
        "attribute '{name}' is read-only"
    )))
}

pub fn repr(_vm: &mut Vm, a: &AsyncObj, v: &Value) -> PyResult<String> {
    Ok(match a {
        AsyncObj::ASend { .. } => format!("<async_generator_asend object at {:#x}>", v.id()),
    })
}

pub fn iter(_vm: &mut Vm, _v: &Value, _a: &AsyncObj) -> PyResult<Option<Value>> {
    Ok(None)
}

pub fn len(_a: &AsyncObj) -> Option<usize> {
    None
}
