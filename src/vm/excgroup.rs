//! ExceptionGroup / BaseExceptionGroup: construction rules, `exceptions`, `split`,
//! `subgroup` and `derive` (as in Python 3.11; TaskGroup raises them).

use std::rc::Rc;

use super::Vm;
use crate::object::{Builtin, CallArgs, Class, Exc, Instance, NativeFn, PyResult};
use crate::types::{self, type_error};
use crate::value::Value;

fn group_parts(e: &Instance) -> (Value, Vec<Value>) {
    match e.get("args") {
        Some(Value::Tuple(t)) if t.len() == 2 => {
            let excs = match &t[1] {
                Value::List(l) => l.borrow().clone(),
                Value::Tuple(x) => (**x).clone(),
                _ => Vec::new(),
            };
            (t[0].clone(), excs)
        }
        _ => (Value::str(""), Vec::new()),
    }
}

/// The class an exception group with these members gets when built from `requested`.
pub fn group_class(requested: &Rc<Class>, args: &[Value]) -> PyResult<Rc<Class>> {
    let t = types::types();
    if args.len() != 2 {
        return Err(type_error(format!(
            "BaseExceptionGroup.__new__() takes exactly 2 arguments ({} given)",
            args.len()
        )));
    }
    if args[0].as_str().is_none() {
        return Err(type_error(
            "argument 1 must be str, not ".to_string() + &types::type_name(&args[0]),
        ));
    }
    let items = match &args[1] {
        Value::List(l) => l.borrow().clone(),
        Value::Tuple(x) => (**x).clone(),
        _ => {
            return Err(type_error(
                "second argument (exceptions) must be a sequence",
            ));
        }
    };
    if items.is_empty() {
        return Err(crate::types::value_error(
            "second argument (exceptions) must be a non-empty sequence",
        ));
    }
    let mut all_exceptions = true;
    for (i, it) in items.iter().enumerate() {
        match it {
            Value::Instance(x) if x.exc.borrow().is_some() => {
                if !x.class.is_subclass(t.exc("Exception")) {
                    all_exceptions = false;
                }
            }
            _ => {
                return Err(crate::types::value_error(format!(
                    "Item {i} of second argument (exceptions) is not an exception"
                )));
            }
        }
    }
    let base = t.exc("BaseExceptionGroup");
    if Rc::ptr_eq(requested, base) && all_exceptions {
        return Ok(t.exc("ExceptionGroup").clone());
    }
    if requested.is_subclass(t.exc("Exception")) && !all_exceptions {
        return Err(type_error(
            "Cannot nest BaseExceptions in an ExceptionGroup",
        ));
    }
    Ok(requested.clone())
}

/// `message` / `exceptions` attributes.
pub fn attr(e: &Instance, name: &str) -> Option<Value> {
    if !e
        .class
        .is_subclass(types::types().exc("BaseExceptionGroup"))
    {
        return None;
    }
    let (msg, excs) = group_parts(e);
    match name {
        "message" => Some(msg),
        "exceptions" => Some(Value::tuple(excs)),
        _ => None,
    }
}

/// `str(group)`: "msg (2 sub-exceptions)"
pub fn str_of(e: &Instance) -> Option<String> {
    if !e
        .class
        .is_subclass(types::types().exc("BaseExceptionGroup"))
    {
        return None;
    }
    let (msg, excs) = group_parts(e);
    let n = excs.len();
    Some(format!(
        "{} ({n} sub-exception{})",
        msg.as_str().unwrap_or(""),
        if n == 1 { "" } else { "s" }
    ))
}

fn matches(vm: &mut Vm, cond: &Value, e: &Value) -> PyResult<bool> {
    match cond {
        Value::Class(c) => Ok(vm.isinstance(e, c)),
        Value::Tuple(t) => {
            for c in t.iter() {
                if matches(vm, c, e)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        f => {
            let r = vm.call1(f, e.clone())?;
            vm.truthy(&r)
        }
    }
}

fn derive(vm: &mut Vm, group: &Rc<Instance>, excs: Vec<Value>) -> PyResult<Value> {
    let (msg, _) = group_parts(group);
    let cls = group_class(
        types::types().exc("BaseExceptionGroup"),
        &[msg.clone(), Value::list(excs.clone())],
    )?;
    let inst = Rc::new(Instance::new(cls));
    crate::gc::track_instance(&inst);
    inst.set("args", Value::tuple(vec![msg, Value::list(excs)]));
    let _ = vm;
    Ok(Value::Instance(inst))
}

/// Split `group` by `cond` into (matching, rest), each None when empty.
fn split_group(
    vm: &mut Vm,
    group: &Rc<Instance>,
    cond: &Value,
) -> PyResult<(Option<Value>, Option<Value>)> {
    let whole = Value::Instance(group.clone());
    if matches(vm, cond, &whole)? {
        return Ok((Some(whole), None));
    }
    let (_, excs) = group_parts(group);
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for e in excs {
        match &e {
            Value::Instance(i)
                if i.class
                    .is_subclass(types::types().exc("BaseExceptionGroup")) =>
            {
                let (m, r) = split_group(vm, i, cond)?;
                yes.extend(m);
                no.extend(r);
            }
            _ => {
                if matches(vm, cond, &e)? {
                    yes.push(e);
                } else {
                    no.push(e);
                }
            }
        }
    }
    let m = if yes.is_empty() {
        None
    } else {
        Some(derive(vm, group, yes)?)
    };
    let r = if no.is_empty() {
        None
    } else {
        Some(derive(vm, group, no)?)
    };
    Ok((m, r))
}

fn self_group(a: &CallArgs) -> PyResult<Exc> {
    match a.pos.first() {
        Some(Value::Instance(i)) => Ok(i.clone()),
        _ => Err(type_error("descriptor requires an exception group")),
    }
}

fn split(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let g = self_group(&a)?;
    let cond = a.pos.get(1).cloned().unwrap_or_default();
    let (m, r) = split_group(vm, &g, &cond)?;
    Ok(Value::tuple(vec![
        m.unwrap_or_default(),
        r.unwrap_or_default(),
    ]))
}

fn subgroup(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let g = self_group(&a)?;
    let cond = a.pos.get(1).cloned().unwrap_or_default();
    Ok(split_group(vm, &g, &cond)?.0.unwrap_or_default())
}

fn derive_method(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let g = self_group(&a)?;
    let excs = match a.pos.get(1) {
        Some(v) => vm.collect(v)?,
        None => Vec::new(),
    };
    derive(vm, &g, excs)
}

pub fn register() {
    let cls = types::types().exc("BaseExceptionGroup");
    for (name, func) in [
        ("split", split as NativeFn),
        ("subgroup", subgroup),
        ("derive", derive_method),
    ] {
        cls.dict.borrow_mut().insert(
            name.into(),
            Value::Builtin(Rc::new(Builtin {
                name,
                func,
                bound: None,
            })),
        );
    }
}
