//! The `threading` and `concurrent.futures` modules: a few natives (start a thread, block,
//! who am I) under aio-source preludes that build the API on them.

use std::rc::Rc;

use super::{Cond, Wait};
use crate::object::{Builtin, CallArgs, Module, NativeFn, PyResult};
use crate::types::{runtime_error, type_error};
use crate::value::Value;
use crate::vm::Vm;

fn arg(a: &CallArgs, i: usize) -> Value {
    a.pos.get(i).cloned().unwrap_or_default()
}

/// `_block(pred, timeout)`: wait until `pred()` is true (True) or `timeout` seconds pass
/// (False); `pred` None waits for the timeout only (and returns None).
fn block(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let pred = arg(&a, 0);
    let timeout = arg(&a, 1);
    let deadline = if timeout.is_none() {
        None
    } else {
        let t = crate::vm::to_f64(&timeout)
            .ok_or_else(|| type_error("timeout must be a number or None"))?;
        Some(vm.sched.clock.now() + t.max(0.0))
    };
    let cond = if pred.is_none() {
        Cond::Time
    } else {
        Cond::Pred(pred)
    };
    if matches!(cond, Cond::Pred(_)) && !vm.threads_alive() {
        // Nothing else can make the predicate true: check it once, then only time passes.
        let r = vm.call0(&a.pos[0])?;
        if vm.truthy(&r)? {
            return Ok(Value::Bool(true));
        }
        return match deadline {
            Some(d) => {
                vm.flush();
                vm.sched.clock.wait_until(d);
                Ok(Value::Bool(false))
            }
            None => Err(runtime_error(
                "deadlock: the only thread waits forever (a join, lock, event or future that \
                 nothing else can complete)",
            )),
        };
    }
    vm.block_on(Wait { cond, deadline })
}

/// `sys.setswitchinterval(seconds)`: how long a thread runs before others get a turn.
pub fn setswitchinterval(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let secs = crate::vm::to_f64(&arg(&a, 0)).ok_or_else(|| type_error("must be real number"))?;
    if secs <= 0.0 || secs.is_nan() {
        return Err(crate::types::value_error(
            "switch interval must be strictly positive",
        ));
    }
    vm.threads.interval = (secs * super::INSTRUCTIONS_PER_SECOND).clamp(1.0, 1e9) as u32;
    Ok(Value::None)
}

/// `sys.getswitchinterval()`.
pub fn getswitchinterval(vm: &mut Vm, _: CallArgs) -> PyResult<Value> {
    Ok(Value::Float(vm.interval_secs()))
}

fn natives() -> Vec<(&'static str, NativeFn)> {
    vec![
        ("_block", block),
        ("_start", |vm, a| {
            let daemon = vm.truthy(&arg(&a, 2))?;
            let ident = vm.start_thread(arg(&a, 0), arg(&a, 1), daemon);
            Ok(Value::Int(ident as i64))
        }),
        ("_set_main", |vm, a| {
            vm.threads.recs[0].obj = arg(&a, 0);
            Ok(Value::None)
        }),
        ("_current", |vm, _| {
            Ok(vm.threads.recs[vm.threads.current].obj.clone())
        }),
        ("get_ident", |vm, _| {
            Ok(Value::Int(vm.threads.recs[vm.threads.current].ident as i64))
        }),
        ("_shutting_down", |vm, _| {
            Ok(Value::Bool(vm.threads.shutting_down))
        }),
        ("_main_ident", |vm, _| {
            Ok(Value::Int(vm.threads.recs[0].ident as i64))
        }),
        ("_print_exception", |vm, a| {
            // `Exception in thread NAME:` and the traceback, on stderr (threading.excepthook).
            let name = vm.to_str(&arg(&a, 0))?;
            if let Value::Instance(e) = arg(&a, 1) {
                vm.flush();
                let tb = crate::diagnostics::format_exception(vm, &e);
                eprint!("Exception in thread {name}:\n{tb}");
            }
            Ok(Value::None)
        }),
        ("_set_interval", setswitchinterval),
        ("_get_interval", getswitchinterval),
    ]
}

fn load(vm: &mut Vm, name: &str, prelude: &crate::frozen::Prelude) -> PyResult<Value> {
    let m = Rc::new(Module::new(name));
    m.set("__name__", Value::str(name));
    for (n, f) in natives() {
        m.set(
            n,
            Value::Builtin(Rc::new(Builtin {
                name: n,
                func: f,
                bound: None,
            })),
        );
    }
    vm.run_module(prelude.code()?, m.clone())?;
    Ok(Value::Module(m))
}

pub fn threading_module(vm: &mut Vm) -> PyResult<Value> {
    load(vm, "threading", &crate::frozen::THREADING)
}

pub fn futures_module(vm: &mut Vm) -> PyResult<Value> {
    load(vm, "concurrent.futures", &crate::frozen::FUTURES)
}
