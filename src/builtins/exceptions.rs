//! Methods of BaseException (and the few subclasses with their own behaviour), so that
//! `super().__init__(msg)` and `super().__str__()` work in user exception classes.

use std::rc::Rc;

use super::args;
use crate::object::{CallArgs, Instance, Layout, NativeFn, PyResult};
use crate::types::{Types, type_error, type_name};
use crate::value::Value;
use crate::vm::Vm;

fn recv_exc(a: &CallArgs, meth: &str) -> PyResult<Rc<Instance>> {
    match a.pos.first() {
        Some(Value::Instance(i)) if i.class.layout == Layout::Exception => Ok(i.clone()),
        Some(other) => Err(type_error(format!(
            "descriptor '{meth}' requires a 'BaseException' object but received a '{}'",
            type_name(other)
        ))),
        None => Err(type_error(format!(
            "descriptor '{meth}' of 'BaseException' object needs an argument"
        ))),
    }
}

fn exc_args(e: &Instance) -> Vec<Value> {
    match e.get("args") {
        Some(Value::Tuple(t)) => (*t).clone(),
        _ => Vec::new(),
    }
}

fn is_class(e: &Instance, name: &str) -> bool {
    e.class.is_subclass(crate::types::types().exc(name))
}

/// Keep the derived attributes (StopIteration.value, SystemExit.code) in step with args.
fn set_args(e: &Instance, items: Vec<Value>) {
    if is_class(e, "StopIteration") {
        e.set("value", items.first().cloned().unwrap_or(Value::None));
    }
    if is_class(e, "SystemExit") {
        let code = match items.len() {
            0 => Value::None,
            1 => items[0].clone(),
            _ => Value::tuple(items.clone()),
        };
        e.set("code", code);
    }
    e.set("args", Value::tuple(items));
}

fn exc_init(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let e = recv_exc(&a, "__init__")?;
    if !a.kw.is_empty() {
        return Err(type_error(format!(
            "{}() takes no keyword arguments",
            e.class.name
        )));
    }
    set_args(&e, a.pos[1..].to_vec());
    Ok(Value::None)
}

fn exc_str(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let e = recv_exc(&a, "__str__")?;
    let items = exc_args(&e);
    let s = match items.as_slice() {
        [] => String::new(),
        // KeyError shows the repr of a lone key.
        [one] if is_class(&e, "KeyError") => vm.repr(one)?,
        [one] => vm.to_str(one)?,
        _ => vm.repr(&Value::tuple(items.clone()))?,
    };
    Ok(Value::string(s))
}

fn exc_repr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let e = recv_exc(&a, "__repr__")?;
    let items = exc_args(&e);
    let name = e.class.name.clone();
    let s = match items.as_slice() {
        [one] => format!("{name}({})", vm.repr(one)?),
        _ => format!("{name}{}", vm.repr(&Value::tuple(items.clone()))?),
    };
    Ok(Value::string(s))
}

fn with_traceback(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    recv_exc(&a, "with_traceback")?;
    args::unpack("with_traceback", &a, 1, 1, 1)?;
    Ok(a.pos[0].clone())
}

fn add_note(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let e = recv_exc(&a, "add_note")?;
    let note = args::one("BaseException.add_note", &a, 1)?;
    if !matches!(note, Value::Str(_)) {
        return Err(type_error(format!(
            "note must be a str, not '{}'",
            type_name(&note)
        )));
    }
    match e.get("__notes__") {
        Some(Value::List(l)) => l.borrow_mut().push(note),
        _ => e.set("__notes__", Value::list(vec![note])),
    }
    Ok(Value::None)
}

pub fn register(t: &Types) {
    let base = t.exc("BaseException");
    let table: &[(&'static str, NativeFn)] = &[
        ("__init__", exc_init),
        ("__str__", exc_str),
        ("__repr__", exc_repr),
        ("with_traceback", with_traceback),
        ("add_note", add_note),
    ];
    let mut d = base.dict.borrow_mut();
    for (name, f) in table {
        d.insert((*name).into(), args::builtin(name, *f));
    }
}
