//! Methods of `list` and `tuple`.
//!
//! The list's RefCell is never borrowed across a call into the VM (equality may run
//! Python code that mutates the list), so loops re-borrow per item.

use std::cell::RefCell;
use std::rc::Rc;

use super::args;
use crate::object::{CallArgs, NativeFn, PyResult};
use crate::types::{Types, index_error, type_error, value_error};
use crate::value::Value;
use crate::vm::Vm;

type ListRc = Rc<RefCell<Vec<Value>>>;

fn recv_list(a: &CallArgs, meth: &str) -> PyResult<ListRc> {
    match args::recv(a, meth, "list")? {
        Value::List(l) => Ok(l.clone()),
        other => Err(args::bad_recv(meth, "list", other)),
    }
}

/// Identity first, then `==`, like CPython's PyObject_RichCompare(..., Py_EQ) in containers.
pub fn same_or_eq(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    if a.is(b) {
        return Ok(true);
    }
    vm.eq(a, b)
}

fn append(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "append")?;
    let v = args::one("list.append", &a, 1)?;
    let mut l = l.borrow_mut();
    if l.len() >= args::MAX_ITEMS {
        return Err(args::memory_error());
    }
    l.push(v);
    Ok(Value::None)
}

fn extend(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "extend")?;
    let v = args::one("list.extend", &a, 1)?;
    // `l.extend(l)` must copy first; items() clones lists and tuples.
    let items = args::items(vm, &v)?;
    let mut l = l.borrow_mut();
    if l.len().saturating_add(items.len()) > args::MAX_ITEMS {
        return Err(args::memory_error());
    }
    l.extend(items);
    Ok(Value::None)
}

fn insert(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "insert")?;
    args::unpack("insert", &a, 1, 2, 2)?;
    let i = args::index_clamped(vm, &a.pos[1])?;
    let mut l = l.borrow_mut();
    let n = l.len() as i64;
    let at = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    l.insert(at, a.pos[2].clone());
    Ok(Value::None)
}

fn pop(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "pop")?;
    args::unpack("pop", &a, 1, 0, 1)?;
    let i = match a.pos.get(1) {
        Some(v) => args::index_clamped(vm, v)?,
        None => -1,
    };
    let mut l = l.borrow_mut();
    if l.is_empty() {
        return Err(index_error("pop from empty list"));
    }
    let n = l.len() as i64;
    let at = if i < 0 { i + n } else { i };
    if at < 0 || at >= n {
        return Err(index_error("pop index out of range"));
    }
    Ok(l.remove(at as usize))
}

fn remove(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "remove")?;
    let x = args::one("list.remove", &a, 1)?;
    let mut i = 0;
    loop {
        let item = l.borrow().get(i).cloned();
        let Some(item) = item else {
            return Err(value_error("list.remove(x): x not in list"));
        };
        if same_or_eq(vm, &item, &x)? {
            let mut lb = l.borrow_mut();
            if i < lb.len() {
                lb.remove(i);
            }
            return Ok(Value::None);
        }
        i += 1;
    }
}

/// Shared by list.index and tuple.index: search `get(i)` over [start, stop).
fn index_in(
    vm: &mut Vm,
    a: &CallArgs,
    len: &dyn Fn() -> usize,
    get: &dyn Fn(usize) -> Option<Value>,
    kind: &str,
) -> PyResult<Value> {
    args::unpack("index", a, 1, 1, 3)?;
    let x = a.pos[1].clone();
    let start = args::opt_index_clamped(vm, a.pos.get(2))?;
    let stop = args::opt_index_clamped(vm, a.pos.get(3))?;
    let (mut i, _) = args::slice_bounds(start, None, len());
    loop {
        let (_, stop_at) = args::slice_bounds(None, stop, len());
        if i >= stop_at {
            break;
        }
        let Some(item) = get(i) else { break };
        if same_or_eq(vm, &item, &x)? {
            return Ok(Value::Int(i as i64));
        }
        i += 1;
    }
    let r = vm.repr(&x)?;
    Err(value_error(format!("{r} is not in {kind}")))
}

fn list_index(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "index")?;
    let l2 = l.clone();
    index_in(
        vm,
        &a,
        &|| l.borrow().len(),
        &|i| l2.borrow().get(i).cloned(),
        "list",
    )
}

fn count_in(vm: &mut Vm, x: &Value, get: &dyn Fn(usize) -> Option<Value>) -> PyResult<Value> {
    let mut n = 0;
    let mut i = 0;
    while let Some(item) = get(i) {
        if same_or_eq(vm, &item, x)? {
            n += 1;
        }
        i += 1;
    }
    Ok(Value::Int(n))
}

fn list_count(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "count")?;
    let x = args::one("list.count", &a, 1)?;
    count_in(vm, &x, &|i| l.borrow().get(i).cloned())
}

fn sort(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "sort")?;
    if a.pos.len() > 1 {
        return Err(type_error("sort() takes no positional arguments"));
    }
    let kw = args::kwonly("sort", &mut a, &["key", "reverse"])?;
    let key = kw[0].clone().filter(|k| !k.is_none());
    let reverse = match &kw[1] {
        Some(r) => vm.truthy(r)?,
        None => false,
    };
    // While sorting the list looks empty, as in CPython; mutation during the sort is detected.
    let items = std::mem::take(&mut *l.borrow_mut());
    let backup = items.clone();
    let result = super::sort::sort_values(vm, items, key.as_ref(), reverse);
    let mut lb = l.borrow_mut();
    let modified = !lb.is_empty();
    match result {
        Ok(sorted) => {
            *lb = sorted;
            if modified {
                return Err(value_error("list modified during sort"));
            }
            Ok(Value::None)
        }
        Err(e) => {
            *lb = backup;
            Err(e)
        }
    }
}

fn reverse(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "reverse")?;
    args::none("list.reverse", &a, 1)?;
    l.borrow_mut().reverse();
    Ok(Value::None)
}

fn copy(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "copy")?;
    args::none("list.copy", &a, 1)?;
    let v = l.borrow().clone();
    Ok(Value::list(v))
}

fn clear(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let l = recv_list(&a, "clear")?;
    args::none("list.clear", &a, 1)?;
    // Drop the items after releasing the borrow: their destructors may touch the list.
    let old = std::mem::take(&mut *l.borrow_mut());
    drop(old);
    Ok(Value::None)
}

fn recv_tuple(a: &CallArgs, meth: &str) -> PyResult<Rc<Vec<Value>>> {
    match args::recv(a, meth, "tuple")? {
        Value::Tuple(t) => Ok(t.clone()),
        other => Err(args::bad_recv(meth, "tuple", other)),
    }
}

fn tuple_index(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let t = recv_tuple(&a, "index")?;
    let n = t.len();
    index_in(vm, &a, &|| n, &|i| t.get(i).cloned(), "tuple").map_err(retarget_tuple_msg)
}

/// tuple.index's message is "tuple.index(x): x not in tuple".
fn retarget_tuple_msg(e: crate::object::Exc) -> crate::object::Exc {
    if crate::types::exc_is(&e, "ValueError")
        && let Some(Value::Tuple(t)) = e.get("args")
        && let Some(Value::Str(s)) = t.first()
        && s.s.ends_with(" is not in tuple")
    {
        return value_error("tuple.index(x): x not in tuple");
    }
    e
}

fn tuple_count(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let t = recv_tuple(&a, "count")?;
    let x = args::one("tuple.count", &a, 1)?;
    count_in(vm, &x, &|i| t.get(i).cloned())
}

pub fn register(t: &Types) {
    let list: &[(&'static str, NativeFn)] = &[
        ("append", append),
        ("extend", extend),
        ("insert", insert),
        ("pop", pop),
        ("remove", remove),
        ("index", list_index),
        ("count", list_count),
        ("sort", sort),
        ("reverse", reverse),
        ("copy", copy),
        ("clear", clear),
    ];
    let mut d = t.list.dict.borrow_mut();
    for (name, f) in list {
        d.insert((*name).into(), args::builtin(name, *f));
    }
    let mut d = t.tuple.dict.borrow_mut();
    d.insert("index".into(), args::builtin("index", tuple_index));
    d.insert("count".into(), args::builtin("count", tuple_count));
}
