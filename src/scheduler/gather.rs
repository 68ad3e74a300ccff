//! gather(), native: CPython 3.11's `tasks.gather` and its `_done_callback`, step for
//! step (one done callback per distinct child, run with call_soon when the child
//! finishes), without an interpreted closure per child or a dict keyed by awaitable.

use std::cell::{Cell, RefCell};

use rustc_hash::FxHashMap;

use super::{FutCallback, FutExtra, FutState, GatherData, as_future, future, module, task};
use crate::object::{CallArgs, PyResult};
use crate::types::{self, new_exc_args};
use crate::value::Value;
use crate::vm::Vm;

/// The name traces and reprs show for a child's done callback (as the prelude's closure).
pub const CALLBACK_NAME: &str = "gather.<locals>.on_child_done";

/// `asyncio.gather(*aws, return_exceptions=False)`.
pub fn gather(vm: &mut Vm, mut args: CallArgs) -> PyResult<Value> {
    let return_exceptions = match args.take_kw("return_exceptions") {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    if !args.kw.is_empty() {
        let py = vm.module_attr("_gather_py")?;
        return vm.call(&py, args);
    }
    let aws: Vec<Value> = std::mem::take(&mut args.pos).into_vec();
    if aws.is_empty() {
        let lp = module::get_event_loop(vm)?;
        let outer = future::new_future(lp);
        future::set_result(vm, &outer, Value::list(Vec::new()))?;
        return Ok(outer);
    }
    // Coroutines and native objects hash by identity; anything else (objects with
    // __await__ and their own __hash__, unhashable mistakes) takes the general path.
    if !aws
        .iter()
        .all(|a| matches!(a, Value::Gen(_) | Value::Native(_)))
    {
        let py = vm.module_attr("_gather_py")?;
        let mut a = CallArgs::new(aws.into());
        a.kw.push(("return_exceptions".into(), Value::Bool(return_exceptions)));
        return vm.call(&py, a);
    }
    let mut outer: Option<Value> = None;
    let mut children: Vec<Value> = Vec::with_capacity(aws.len());
    // Futures seen so far (by identity) and their child index. A coroutine can only be
    // a duplicate if it was started, and then its first occurrence is found by a scan.
    let mut seen: FxHashMap<usize, usize> = FxHashMap::default();
    for (i, aw) in aws.iter().enumerate() {
        let dup = match aw {
            Value::Gen(g) if g.started.get() => aws[..i]
                .iter()
                .position(|x| x.is(aw))
                .map(|j| children[j].clone()),
            Value::Gen(_) => None,
            _ => seen.get(&aw.id()).map(|&j| children[j].clone()),
        };
        let fut = match dup {
            Some(f) => f,
            None => {
                let lp = outer.as_ref().and_then(as_future).map(|o| o.lp.clone());
                let fut = match task::ensure_future(vm, aw.clone(), lp) {
                    Ok(f) => f,
                    Err(e) => {
                        // CPython's callbacks of the children made so far see `outer is
                        // None` when they run.
                        if let Some(g) = outer.as_ref().and_then(as_future).and_then(|o| o.gather())
                        {
                            g.abandoned.set(true);
                        }
                        return Err(e);
                    }
                };
                let o = outer.get_or_insert_with(|| {
                    let lp = as_future(&fut).map(|f| f.lp.clone()).unwrap_or_default();
                    new_gathering(lp, return_exceptions)
                });
                if let Some(g) = as_future(o).and_then(|o| o.gather()) {
                    g.nfuts.set(g.nfuts.get() + 1);
                }
                if !matches!(aw, Value::Gen(_)) {
                    seen.insert(aw.id(), i);
                }
                if let Some(o) = super::obj(o) {
                    future::add_done_callback(vm, &fut, FutCallback::Gather(o));
                }
                fut
            }
        };
        children.push(fut);
    }
    let outer = outer.expect("at least one child");
    if let Some(g) = as_future(&outer).and_then(|o| o.gather()) {
        *g.children.borrow_mut() = children;
    }
    Ok(outer)
}

/// The prelude's general path: its outer future, built once the children are known.
pub fn gathering_future(lp: Value, children: Vec<Value>) -> Value {
    let outer = new_gathering(lp, false);
    if let Some(g) = as_future(&outer).and_then(|o| o.gather()) {
        *g.children.borrow_mut() = children;
    }
    outer
}

fn new_gathering(lp: Value, return_exceptions: bool) -> Value {
    future::new_pending(
        lp,
        Some(Box::new(FutExtra::Gather(GatherData {
            children: RefCell::new(Vec::new()),
            nfuts: Cell::new(0),
            finished: Cell::new(0),
            return_exceptions,
            abandoned: Cell::new(false),
        }))),
    )
}

/// A child finished (CPython's `_done_callback(fut)`).
pub fn child_done(vm: &mut Vm, outer: &Value, child: &Value) -> PyResult<()> {
    let (Some(o), Some(c)) = (as_future(outer), as_future(child)) else {
        return Ok(());
    };
    let Some(g) = o.gather() else { return Ok(()) };
    g.finished.set(g.finished.get() + 1);
    if g.abandoned.get() || o.state.get() != FutState::Pending {
        if c.state.get() != FutState::Cancelled {
            // Mark the exception retrieved.
            c.log_traceback.set(false);
        }
        return Ok(());
    }
    if !g.return_exceptions {
        if c.state.get() == FutState::Cancelled {
            let e = future::cancelled_error(c);
            return future::set_exception(vm, outer, Value::Instance(e));
        }
        c.log_traceback.set(false);
        let err = c.exception();
        if let Some(e) = err {
            return future::set_exception(vm, outer, Value::Instance(e));
        }
    }
    if g.finished.get() == g.nfuts.get() {
        // (Read in place: nothing below runs code that could reach the children.)
        let children = g.children.borrow();
        let mut results = Vec::with_capacity(children.len());
        for ch in children.iter() {
            let Some(cf) = as_future(ch) else { continue };
            let r = if cf.state.get() == FutState::Cancelled {
                let msg = cf.cancel_message();
                let msg = if msg.is_none() { Value::str("") } else { msg };
                Value::Instance(new_exc_args(
                    types::types().exc("CancelledError"),
                    vec![msg],
                ))
            } else {
                cf.log_traceback.set(false);
                let err = cf.exception();
                match err {
                    Some(e) => Value::Instance(e),
                    None => cf.outcome(),
                }
            };
            results.push(r);
        }
        drop(children);
        if o.cancel_requested.get() {
            let e = future::cancelled_error(c);
            future::set_exception(vm, outer, Value::Instance(e))?;
        } else {
            future::set_result(vm, outer, Value::list(results))?;
        }
    }
    Ok(())
}
