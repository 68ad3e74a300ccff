//! Special methods of the built-in value types, for explicit calls such as `(7).__add__(3)`
//! or `"ab".__len__()`. The VM's operators do not go through these (it only looks up
//! dunders on instances), so they just delegate to the VM's own operations.
//!
//! Like CPython, a binary method given an operand of a type it does not handle returns
//! NotImplemented instead of raising.

use super::args;
use super::not_implemented;
use crate::ast::{BinOp, CmpOp};
use crate::object::{CallArgs, Class, NativeFn, PyResult};
use crate::types::{Types, type_error, type_name};
use crate::value::Value;
use crate::vm::Vm;

/// Operand families: a binary method only accepts operands of the receiver's family.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Num,
    Str,
    List,
    Tuple,
    Dict,
    Set,
}

fn kind_of(v: &Value) -> Option<Kind> {
    Some(match v {
        Value::Int(_) | Value::Big(_) | Value::Bool(_) => Kind::Int,
        Value::Float(_) => Kind::Num,
        Value::Str(_) => Kind::Str,
        Value::List(_) => Kind::List,
        Value::Tuple(_) => Kind::Tuple,
        Value::Dict(_) => Kind::Dict,
        Value::Set(_) | Value::FrozenSet(_) => Kind::Set,
        _ => return None,
    })
}

/// Does a method of `recv`'s type accept `other` for `op`?
fn accepts(recv: &Value, op: BinOp, other: &Value) -> bool {
    if op == BinOp::Mod && matches!(recv, Value::Str(_)) {
        return true;
    }
    let (Some(a), Some(b)) = (kind_of(recv), kind_of(other)) else {
        return false;
    };
    let numeric = |k: Kind| matches!(k, Kind::Int | Kind::Num);
    match (a, op) {
        (Kind::Int, _) => b == Kind::Int,
        (Kind::Num, _) => numeric(b),
        (Kind::Str | Kind::List | Kind::Tuple, BinOp::Mul) => b == Kind::Int,
        (Kind::Str | Kind::List | Kind::Tuple, BinOp::Add) => a == b,
        (Kind::Dict, BinOp::BitOr) => b == Kind::Dict,
        (Kind::Set, BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor | BinOp::Sub) => b == Kind::Set,
        _ => false,
    }
}

fn binop(vm: &mut Vm, a: &CallArgs, name: &str, op: BinOp, reflected: bool) -> PyResult<Value> {
    args::unpack(name, a, 1, 1, 1)?;
    let (me, other) = (&a.pos[0], &a.pos[1]);
    if !accepts(me, op, other) {
        return Ok(not_implemented());
    }
    if reflected {
        vm.binary(other, op, me)
    } else {
        vm.binary(me, op, other)
    }
}

macro_rules! binops {
    ($(($f:ident, $rf:ident, $name:literal, $rname:literal, $op:expr)),* $(,)?) => {
        $(
            fn $f(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
                binop(vm, &a, $name, $op, false)
            }
            fn $rf(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
                binop(vm, &a, $rname, $op, true)
            }
        )*
        const BINOPS: &[(&str, NativeFn, &str, NativeFn, BinOp)] = &[
            $(($name, $f, $rname, $rf, $op)),*
        ];
    };
}

binops! {
    (add, radd, "__add__", "__radd__", BinOp::Add),
    (sub, rsub, "__sub__", "__rsub__", BinOp::Sub),
    (mul, rmul, "__mul__", "__rmul__", BinOp::Mul),
    (truediv, rtruediv, "__truediv__", "__rtruediv__", BinOp::Div),
    (floordiv, rfloordiv, "__floordiv__", "__rfloordiv__", BinOp::FloorDiv),
    (modulo, rmodulo, "__mod__", "__rmod__", BinOp::Mod),
    (power, rpower, "__pow__", "__rpow__", BinOp::Pow),
    (lshift, rlshift, "__lshift__", "__rlshift__", BinOp::LShift),
    (rshift, rrshift, "__rshift__", "__rrshift__", BinOp::RShift),
    (and, rand, "__and__", "__rand__", BinOp::BitAnd),
    (or, ror, "__or__", "__ror__", BinOp::BitOr),
    (xor, rxor, "__xor__", "__rxor__", BinOp::BitXor),
}

/// Which binary dunders each family defines.
fn family_ops(k: Kind) -> &'static [BinOp] {
    use BinOp::*;
    match k {
        Kind::Int => &[
            Add, Sub, Mul, Div, FloorDiv, Mod, Pow, LShift, RShift, BitAnd, BitOr, BitXor,
        ],
        Kind::Num => &[Add, Sub, Mul, Div, FloorDiv, Mod, Pow],
        Kind::Str => &[Add, Mul, Mod],
        Kind::List | Kind::Tuple => &[Add, Mul],
        Kind::Dict => &[BitOr],
        Kind::Set => &[BitOr, BitAnd, BitXor, Sub],
    }
}

fn compare(vm: &mut Vm, a: &CallArgs, name: &str, op: CmpOp) -> PyResult<Value> {
    args::unpack(name, a, 1, 1, 1)?;
    let (me, other) = (&a.pos[0], &a.pos[1]);
    let numeric = |k: Option<Kind>| matches!(k, Some(Kind::Int | Kind::Num));
    let (ka, kb) = (kind_of(me), kind_of(other));
    let same = ka.is_some() && (ka == kb || (numeric(ka) && numeric(kb)));
    if !same {
        return Ok(not_implemented());
    }
    vm.compare(me, other, op)
}

macro_rules! cmps {
    ($(($f:ident, $name:literal, $op:expr)),* $(,)?) => {
        $(
            fn $f(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
                compare(vm, &a, $name, $op)
            }
        )*
        const CMPS: &[(&str, NativeFn)] = &[$(($name, $f)),*];
    };
}

cmps! {
    (eq, "__eq__", CmpOp::Eq),
    (ne, "__ne__", CmpOp::NotEq),
    (lt, "__lt__", CmpOp::Lt),
    (le, "__le__", CmpOp::LtE),
    (gt, "__gt__", CmpOp::Gt),
    (ge, "__ge__", CmpOp::GtE),
}

fn recv(a: &CallArgs, name: &str) -> PyResult<Value> {
    a.pos
        .first()
        .cloned()
        .ok_or_else(|| type_error(format!("descriptor '{name}' needs an argument")))
}

fn neg(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__neg__")?;
    args::none("__neg__", &a, 1)?;
    Ok(match &me {
        Value::Float(x) => Value::Float(-x),
        other => Value::big(-args::as_big(other).unwrap_or_default()),
    })
}

fn pos(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__pos__")?;
    args::none("__pos__", &a, 1)?;
    Ok(match &me {
        Value::Float(x) => Value::Float(*x),
        other => Value::big(args::as_big(other).unwrap_or_default()),
    })
}

fn abs(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__abs__")?;
    args::none("__abs__", &a, 1)?;
    Ok(match &me {
        Value::Float(x) => Value::Float(x.abs()),
        other => {
            let n = args::as_big(other).unwrap_or_default();
            Value::big(num_traits::Signed::abs(&n))
        }
    })
}

fn invert(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__invert__")?;
    args::none("__invert__", &a, 1)?;
    Ok(Value::big(!args::as_big(&me).unwrap_or_default()))
}

fn to_int(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__int__")?;
    args::none("__int__", &a, 1)?;
    super::constructors::to_int(vm, &me)
}

fn to_float(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__float__")?;
    args::none("__float__", &a, 1)?;
    Ok(Value::Float(super::constructors::to_float(vm, &me)?))
}

fn trunc(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__trunc__")?;
    args::none("__trunc__", &a, 1)?;
    super::constructors::to_int(vm, &me)
}

fn floor(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__floor__")?;
    args::none("__floor__", &a, 1)?;
    match me {
        Value::Float(x) => super::numbers::float_to_int(x.floor()),
        other => Ok(Value::big(args::as_big(&other).unwrap_or_default())),
    }
}

fn ceil(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__ceil__")?;
    args::none("__ceil__", &a, 1)?;
    match me {
        Value::Float(x) => super::numbers::float_to_int(x.ceil()),
        other => Ok(Value::big(args::as_big(&other).unwrap_or_default())),
    }
}

fn divmod(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("__divmod__", &a, 1, 1, 1)?;
    if !accepts(&a.pos[0], BinOp::FloorDiv, &a.pos[1]) {
        return Ok(not_implemented());
    }
    super::numbers::divmod_values(vm, &a.pos[0], &a.pos[1])
}

fn rdivmod(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("__rdivmod__", &a, 1, 1, 1)?;
    if !accepts(&a.pos[0], BinOp::FloorDiv, &a.pos[1]) {
        return Ok(not_implemented());
    }
    super::numbers::divmod_values(vm, &a.pos[1], &a.pos[0])
}

fn boolean(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__bool__")?;
    args::none("__bool__", &a, 1)?;
    Ok(Value::Bool(vm.truthy(&me)?))
}

fn repr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__repr__")?;
    args::none("__repr__", &a, 1)?;
    Ok(Value::string(vm.repr(&me)?))
}

fn str_(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__str__")?;
    args::none("__str__", &a, 1)?;
    Ok(Value::string(vm.to_str(&me)?))
}

fn hash(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__hash__")?;
    args::none("__hash__", &a, 1)?;
    Ok(Value::Int(vm.hash(&me)? as i64))
}

fn format(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__format__")?;
    let spec = args::one("__format__", &a, 1)?;
    let Value::Str(spec) = &spec else {
        return Err(type_error(format!(
            "__format__() argument must be str, not {}",
            type_name(&spec)
        )));
    };
    Ok(Value::string(super::strformat::format_value(
        vm, &me, &spec.s,
    )?))
}

fn len(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__len__")?;
    args::none("__len__", &a, 1)?;
    Ok(Value::Int(vm.len(&me)? as i64))
}

fn contains(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__contains__")?;
    let x = args::one("__contains__", &a, 1)?;
    Ok(Value::Bool(vm.contains(&me, &x)?))
}

fn getitem(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__getitem__")?;
    let k = args::one("__getitem__", &a, 1)?;
    vm.getitem(&me, &k)
}

fn setitem(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("__setitem__", &a, 1, 2, 2)?;
    vm.setitem(&a.pos[0], &a.pos[1], a.pos[2].clone())?;
    Ok(Value::None)
}

fn delitem(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__delitem__")?;
    let k = args::one("__delitem__", &a, 1)?;
    vm.delitem(&me, &k)?;
    Ok(Value::None)
}

fn iter(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let me = recv(&a, "__iter__")?;
    args::none("__iter__", &a, 1)?;
    vm.iter(&me)
}

fn add_all(c: &std::rc::Rc<Class>, table: &[(&'static str, NativeFn)]) {
    let mut d = c.dict.borrow_mut();
    for (name, f) in table {
        // Explicit methods registered elsewhere (e.g. int.__round__) win.
        d.entry((*name).into())
            .or_insert_with(|| args::builtin(name, *f));
    }
}

pub fn register(t: &Types) {
    let common: &[(&'static str, NativeFn)] = &[
        ("__repr__", repr),
        ("__str__", str_),
        ("__format__", format),
    ];
    let numeric: &[(&'static str, NativeFn)] = &[
        ("__neg__", neg),
        ("__pos__", pos),
        ("__abs__", abs),
        ("__int__", to_int),
        ("__float__", to_float),
        ("__trunc__", trunc),
        ("__floor__", floor),
        ("__ceil__", ceil),
        ("__bool__", boolean),
        ("__divmod__", divmod),
        ("__rdivmod__", rdivmod),
        ("__hash__", hash),
    ];
    let container: &[(&'static str, NativeFn)] = &[
        ("__len__", len),
        ("__contains__", contains),
        ("__iter__", iter),
    ];
    let families: &[(&std::rc::Rc<Class>, Kind)] = &[
        (&t.int, Kind::Int),
        (&t.bool_, Kind::Int),
        (&t.float, Kind::Num),
        (&t.str, Kind::Str),
        (&t.list, Kind::List),
        (&t.tuple, Kind::Tuple),
        (&t.dict, Kind::Dict),
        (&t.set, Kind::Set),
        (&t.frozenset, Kind::Set),
    ];
    for (c, k) in families {
        add_all(c, common);
        add_all(c, CMPS);
        let ops = family_ops(*k);
        let mut table: Vec<(&'static str, NativeFn)> = Vec::new();
        for (name, f, rname, rf, op) in BINOPS {
            if ops.contains(op) {
                table.push((name, *f));
                // Sequences have no reflected + or %, but do have __rmul__.
                let reflected = match k {
                    Kind::Int | Kind::Num | Kind::Set => true,
                    _ => *op == BinOp::Mul,
                };
                if reflected {
                    table.push((rname, *rf));
                }
            }
        }
        add_all(c, &table);
        match k {
            Kind::Int | Kind::Num => add_all(c, numeric),
            _ => add_all(c, container),
        }
        if matches!(k, Kind::Str | Kind::List | Kind::Tuple | Kind::Dict) {
            add_all(c, &[("__getitem__", getitem)]);
        }
        if matches!(k, Kind::List | Kind::Dict) {
            add_all(c, &[("__setitem__", setitem), ("__delitem__", delitem)]);
        }
        if matches!(k, Kind::Str | Kind::Tuple) || std::rc::Rc::ptr_eq(c, &t.frozenset) {
            add_all(c, &[("__hash__", hash)]);
        }
    }
    add_all(&t.int, &[("__invert__", invert)]);
    add_all(&t.bool_, &[("__invert__", invert)]);
}
