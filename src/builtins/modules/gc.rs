//! The `gc` module: run the cycle collector (`crate::gc`) now, or switch off its
//! automatic runs.

use std::rc::Rc;

use crate::builtins::args;
use crate::object::{CallArgs, Module, NativeFn, PyResult};
use crate::value::Value;
use crate::vm::Vm;

/// gc.collect(generation=2): the number of unreachable objects found.
fn collect(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("collect", &a, 0, 0, 1)?;
    Ok(Value::Int(crate::gc::collect() as i64))
}

fn enable(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("enable", &a, 0, 0, 0)?;
    crate::gc::set_enabled(true);
    Ok(Value::None)
}

fn disable(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("disable", &a, 0, 0, 0)?;
    crate::gc::set_enabled(false);
    Ok(Value::None)
}

fn isenabled(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("isenabled", &a, 0, 0, 0)?;
    Ok(Value::Bool(crate::gc::is_enabled()))
}

pub fn make() -> Rc<Module> {
    let m = Module::new("gc");
    let fns: &[(&'static str, NativeFn)] = &[
        ("collect", collect),
        ("enable", enable),
        ("disable", disable),
        ("isenabled", isenabled),
    ];
    for (name, f) in fns {
        m.set(name, args::builtin(name, *f));
    }
    Rc::new(m)
}
