//! Driving generators and coroutines from native code: send, throw, close, next.

use std::rc::Rc;

use super::{Exit, Resume, Vm};
use crate::object::{Builtin, CallArgs, GenKind, GenObj, GenState, NativeFn, PyResult};
use crate::types::{self, exc, exc_is, stop_iteration, type_error};
use crate::value::Value;

/// What a resumed generator did.
pub enum GenStep {
    Yielded(Value),
    Returned(Value),
}

impl Vm {
    /// Resume `g` with `sent` (or throw `throw` into it) until it yields or returns.
    pub fn gen_resume(
        &mut self,
        g: &Rc<GenObj>,
        sent: Value,
        throw: Option<crate::object::Exc>,
    ) -> PyResult<GenStep> {
        if g.state.get() == GenState::Done {
            if let Some(e) = throw {
                return Err(e);
            }
            if g.kind == GenKind::Coroutine {
                return Err(types::runtime_error(
                    "cannot reuse already awaited coroutine",
                ));
            }
            return Ok(GenStep::Returned(Value::None));
        }
        if g.state.get() == GenState::Created
            && let Some(e) = throw
        {
            // Throwing into a generator that never started: it ends without running.
            g.state.set(GenState::Done);
            g.saved.take();
            return Err(e);
        }
        let depth = self.fiber.frames.len();
        self.resume_gen(g, sent, Resume::Native, throw)?;
        if self.fiber.frames.len() <= depth {
            // The thrown exception was handled and the generator returned at once.
            return Ok(GenStep::Returned(
                self.fiber.stack.pop().unwrap_or_default(),
            ));
        }
        if self.native_depth > self.recursion_limit {
            return Err(exc("RecursionError", "maximum recursion depth exceeded"));
        }
        self.native_depth += 1;
        let r = self.run(depth);
        self.native_depth -= 1;
        match r {
            Ok(Exit::Returned(v)) => {
                if g.state.get() == GenState::Done {
                    Ok(GenStep::Returned(v))
                } else {
                    Ok(GenStep::Yielded(v))
                }
            }
            Ok(Exit::Suspended(_)) => {
                self.fiber.frames.truncate(depth);
                Err(types::runtime_error(
                    "a coroutine driven by send() tried to wait on the event loop: await it from a task instead",
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// generator.close(): throw GeneratorExit; a yield in response is an error.
    pub fn gen_close(&mut self, g: &Rc<GenObj>) -> PyResult<()> {
        match g.state.get() {
            GenState::Done => return Ok(()),
            GenState::Created => {
                g.state.set(GenState::Done);
                g.saved.take();
                return Ok(());
            }
            _ => {}
        }
        let e = types::new_exc_args(types::types().exc("GeneratorExit"), vec![]);
        match self.gen_resume(g, Value::None, Some(e)) {
            Ok(GenStep::Yielded(_)) => Err(types::runtime_error("generator ignored GeneratorExit")),
            Ok(GenStep::Returned(_)) => Ok(()),
            Err(e) if exc_is(&e, "GeneratorExit") || exc_is(&e, "StopIteration") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn gen_arg(args: &CallArgs) -> PyResult<Rc<GenObj>> {
    match args.pos.first() {
        Some(Value::Gen(g)) => Ok(g.clone()),
        _ => Err(type_error("descriptor requires a generator")),
    }
}

fn step_result(r: GenStep) -> PyResult<Value> {
    match r {
        GenStep::Yielded(v) => Ok(v),
        GenStep::Returned(v) => Err(stop_iteration(v)),
    }
}

fn gen_send(vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let g = gen_arg(&args)?;
    let v = args.pos.get(1).cloned().unwrap_or_default();
    let r = vm.gen_resume(&g, v, None)?;
    step_result(r)
}

fn gen_next(vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let g = gen_arg(&args)?;
    let r = vm.gen_resume(&g, Value::None, None)?;
    step_result(r)
}

/// The exception for `throw(typ[, val])` / `athrow(typ[, val])`.
fn thrown(vm: &mut Vm, args: &CallArgs) -> PyResult<crate::object::Exc> {
    let t = args.pos.get(1).cloned().unwrap_or_default();
    match (t, args.pos.get(2).cloned()) {
        (Value::Class(c), Some(val)) if !val.is_none() => {
            let inst = vm.call1(&Value::Class(c), val)?;
            vm.to_exception(inst)
        }
        (t, _) => vm.to_exception(t),
    }
}

fn gen_throw(vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let g = gen_arg(&args)?;
    let e = thrown(vm, &args)?;
    let r = vm.gen_resume(&g, Value::None, Some(e))?;
    step_result(r)
}

fn gen_close(vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let g = gen_arg(&args)?;
    vm.gen_close(&g)?;
    Ok(Value::None)
}

fn gen_iter(_vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    Ok(args.pos.first().cloned().unwrap_or_default())
}

fn agen_anext(_vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let g = args.pos.first().cloned().unwrap_or_default();
    Ok(crate::scheduler::asend_awaitable(g, Value::None))
}

fn agen_asend(_vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let g = args.pos.first().cloned().unwrap_or_default();
    let v = args.pos.get(1).cloned().unwrap_or_default();
    Ok(crate::scheduler::asend_awaitable(g, v))
}

fn agen_athrow(vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    let e = thrown(vm, &args)?;
    let g = args.pos.first().cloned().unwrap_or_default();
    Ok(crate::scheduler::athrow_awaitable(g, e))
}

fn agen_aclose(vm: &mut Vm, args: CallArgs) -> PyResult<Value> {
    // Closing an async generator that is not awaiting anything needs no event loop.
    let g = gen_arg(&args)?;
    vm.gen_close(&g)?;
    let f = vm.module_attr("_noop")?;
    vm.call0(&f)
}

/// Register the methods of generator, coroutine and async generator objects.
pub fn register() {
    let t = types::types();
    let add = |cls: &Rc<crate::object::Class>, name: &'static str, func: NativeFn| {
        cls.dict.borrow_mut().insert(
            name.into(),
            Value::Builtin(Rc::new(Builtin {
                name,
                func,
                bound: None,
            })),
        );
    };
    for (name, f) in [
        ("send", gen_send as NativeFn),
        ("throw", gen_throw),
        ("close", gen_close),
        ("__next__", gen_next),
        ("__iter__", gen_iter),
    ] {
        add(&t.generator, name, f);
        if name != "__next__" && name != "__iter__" {
            add(&t.coroutine, name, f);
        }
    }
    // A coroutine is its own awaiter: `coro.__await__()` can be delegated to.
    add(&t.coroutine, "__await__", gen_iter);
    add(&t.async_generator, "__anext__", agen_anext);
    add(&t.async_generator, "asend", agen_asend);
    add(&t.async_generator, "aclose", agen_aclose);
    add(&t.async_generator, "athrow", agen_athrow);
    add(&t.async_generator, "__aiter__", gen_iter);
    let _ = GenKind::Generator;
}
