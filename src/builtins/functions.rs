//! The built-in functions of the `builtins` module.

use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use smallvec::smallvec;

use super::args::{self, as_big, has_method, index_big, instance_of, is_subclass, params};
use crate::ast::{BinOp, CmpOp};
use crate::object::{CallArgs, Class, IterObj, Module, NativeObj, PyResult};
use crate::types::{exc, new_exc_args, type_error, type_name, type_of, types, value_error};
use crate::value::Value;
use crate::vm::Vm;

pub fn register(m: &Module) {
    let fns: &[(&'static str, crate::object::NativeFn)] = &[
        ("print", print),
        ("len", len),
        ("repr", repr),
        ("ascii", ascii),
        ("isinstance", isinstance),
        ("issubclass", issubclass),
        ("sum", sum),
        ("min", min),
        ("max", max),
        ("abs", abs),
        ("round", round),
        ("divmod", divmod),
        ("pow", pow),
        ("sorted", sorted),
        ("any", any),
        ("all", all),
        ("iter", iter),
        ("next", next),
        ("hasattr", hasattr),
        ("getattr", getattr),
        ("setattr", setattr),
        ("delattr", delattr),
        ("callable", callable),
        ("id", id),
        ("hash", hash),
        ("chr", chr),
        ("ord", ord),
        ("hex", hex),
        ("oct", oct),
        ("bin", bin),
        ("format", format),
        ("input", input),
        ("dir", dir),
        ("vars", vars),
        ("aiter", aiter),
        ("anext", anext),
        ("exit", exit),
        ("quit", exit),
    ];
    for (name, f) in fns {
        m.set(name, args::builtin(name, *f));
    }
}

fn print(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let kw = args::kwonly("print", &mut a, &["sep", "end", "file", "flush"])?;
    let sep = match &kw[0] {
        None | Some(Value::None) => " ".to_string(),
        Some(Value::Str(s)) => s.s.to_string(),
        Some(v) => {
            return Err(type_error(format!(
                "sep must be None or a string, not {}",
                type_name(v)
            )));
        }
    };
    let end = match &kw[1] {
        None | Some(Value::None) => "\n".to_string(),
        Some(Value::Str(s)) => s.s.to_string(),
        Some(v) => {
            return Err(type_error(format!(
                "end must be None or a string, not {}",
                type_name(v)
            )));
        }
    };
    let mut out = String::new();
    for (i, v) in a.pos.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        out.push_str(&vm.to_str(v)?);
    }
    out.push_str(&end);
    match &kw[2] {
        None | Some(Value::None) => vm.write_out(&out),
        // A file-like object: anything with a write method.
        Some(f) => {
            vm.call_method(f, "write", CallArgs::new(smallvec![Value::string(out)]))?;
        }
    }
    if let Some(flush) = &kw[3]
        && vm.truthy(flush)?
    {
        vm.flush();
    }
    Ok(Value::None)
}

fn len(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("len", &a, 0)?;
    Ok(Value::Int(vm.len(&v)? as i64))
}

fn repr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("repr", &a, 0)?;
    Ok(Value::string(vm.repr(&v)?))
}

/// Escape non-ASCII characters the way `ascii()` does.
pub fn ascii_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let n = c as u32;
        if n < 0x80 {
            out.push(c);
        } else if n < 0x100 {
            out.push_str(&format!("\\x{n:02x}"));
        } else if n < 0x10000 {
            out.push_str(&format!("\\u{n:04x}"));
        } else {
            out.push_str(&format!("\\U{n:08x}"));
        }
    }
    out
}

fn ascii(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("ascii", &a, 0)?;
    let r = vm.repr(&v)?;
    Ok(Value::string(ascii_escape(&r)))
}

/// isinstance's class-or-tuple check (tuples may nest).
fn isinstance_of(vm: &mut Vm, v: &Value, spec: &Value, depth: usize) -> PyResult<bool> {
    match spec {
        Value::Class(c) => Ok(instance_of(vm, v, c)),
        Value::Tuple(t) if depth < 200 => {
            for c in t.iter() {
                if isinstance_of(vm, v, c, depth + 1)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(type_error(
            "isinstance() arg 2 must be a type, a tuple of types, or a union",
        )),
    }
}

fn isinstance(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("isinstance", &a, 0, 2, 2)?;
    Ok(Value::Bool(isinstance_of(vm, &a.pos[0], &a.pos[1], 0)?))
}

fn issubclass_of(c: &Rc<Class>, spec: &Value, depth: usize) -> PyResult<bool> {
    match spec {
        Value::Class(b) => Ok(is_subclass(c, b)),
        Value::Tuple(t) if depth < 200 => {
            for b in t.iter() {
                if issubclass_of(c, b, depth + 1)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(type_error(
            "issubclass() arg 2 must be a class, a tuple of classes, or a union",
        )),
    }
}

fn issubclass(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("issubclass", &a, 0, 2, 2)?;
    match &a.pos[0] {
        Value::Class(c) => Ok(Value::Bool(issubclass_of(c, &a.pos[1], 0)?)),
        _ => Err(type_error("issubclass() arg 1 must be a class")),
    }
}

fn sum(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    if a.pos.is_empty() {
        return Err(type_error(
            "sum() takes at least 1 positional argument (0 given)",
        ));
    }
    let p = params("sum", &mut a, 0, &["iterable", "start"], 1)?;
    let mut acc = p[1].clone().unwrap_or(Value::Int(0));
    if matches!(acc, Value::Str(_)) {
        return Err(type_error(
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    let it = vm.iter(p[0].as_ref().unwrap_or(&Value::None))?;
    while let Some(item) = vm.next(&it)? {
        acc = match (&acc, &item) {
            (Value::Int(x), Value::Int(y)) => match x.checked_add(*y) {
                Some(s) => Value::Int(s),
                None => Value::big(BigInt::from(*x) + BigInt::from(*y)),
            },
            (Value::Float(x), Value::Float(y)) => Value::Float(x + y),
            (Value::Float(x), Value::Int(y)) => Value::Float(x + *y as f64),
            _ => vm.binary(&acc, BinOp::Add, &item)?,
        };
    }
    Ok(acc)
}

fn minmax(vm: &mut Vm, mut a: CallArgs, is_max: bool) -> PyResult<Value> {
    let name = if is_max { "max" } else { "min" };
    let kw = args::kwonly(name, &mut a, &["key", "default"])?;
    let key = kw[0].clone().filter(|k| !k.is_none());
    let items: Vec<Value>;
    let it;
    match a.pos.len() {
        0 => {
            return Err(type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )));
        }
        1 => {
            it = Some(vm.iter(&a.pos[0])?);
            items = Vec::new();
        }
        _ => {
            if kw[1].is_some() {
                return Err(type_error(format!(
                    "Cannot specify a default for {name}() with multiple positional arguments"
                )));
            }
            it = None;
            items = a.pos.to_vec();
        }
    }
    let mut best: Option<(Value, Value)> = None;
    let mut i = 0;
    loop {
        let item = match &it {
            Some(it) => match vm.next(it)? {
                Some(v) => v,
                None => break,
            },
            None => match items.get(i) {
                Some(v) => {
                    i += 1;
                    v.clone()
                }
                None => break,
            },
        };
        let k = match &key {
            Some(f) => vm.call1(f, item.clone())?,
            None => item.clone(),
        };
        let replace = match &best {
            None => true,
            Some((bk, _)) => {
                let op = if is_max { CmpOp::Gt } else { CmpOp::Lt };
                let r = vm.compare(&k, bk, op)?;
                vm.truthy(&r)?
            }
        };
        if replace {
            best = Some((k, item));
        }
    }
    match best {
        Some((_, v)) => Ok(v),
        None => match &kw[1] {
            Some(d) => Ok(d.clone()),
            None => Err(value_error(format!("{name}() arg is an empty sequence"))),
        },
    }
}

fn min(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    minmax(vm, a, false)
}

fn max(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    minmax(vm, a, true)
}

fn abs(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("abs", &a, 0)?;
    match &v {
        Value::Int(i) => Ok(match i.checked_abs() {
            Some(x) => Value::Int(x),
            None => Value::big(BigInt::from(*i).abs()),
        }),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Big(b) => Ok(Value::big(b.abs())),
        Value::Float(x) => Ok(Value::Float(x.abs())),
        _ if has_method(&v, "__abs__") => vm.call_method(&v, "__abs__", CallArgs::default()),
        _ => Err(type_error(format!(
            "bad operand type for abs(): '{}'",
            type_name(&v)
        ))),
    }
}

fn round(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = params("round", &mut a, 0, &["number", "ndigits"], 1)?;
    let x = p[0].clone().unwrap_or(Value::None);
    let nd = p[1].clone().filter(|v| !v.is_none());
    super::numbers::round_value(vm, &x, nd.as_ref())
}

fn divmod(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("divmod", &a, 0, 2, 2)?;
    super::numbers::divmod_values(vm, &a.pos[0], &a.pos[1])
}

fn pow(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = params("pow", &mut a, 0, &["base", "exp", "mod"], 2)?;
    let base = p[0].clone().unwrap_or(Value::None);
    let e = p[1].clone().unwrap_or(Value::None);
    match &p[2] {
        None | Some(Value::None) => vm.binary(&base, BinOp::Pow, &e),
        Some(m) => {
            let (Some(b), Some(e), Some(m)) = (as_big(&base), as_big(&e), as_big(m)) else {
                return Err(type_error(
                    "pow() 3rd argument not allowed unless all arguments are integers",
                ));
            };
            Ok(Value::big(modpow(&b, &e, &m)?))
        }
    }
}

/// Three-argument pow with Python's sign rules and modular inverses for negative exponents.
pub fn modpow(b: &BigInt, e: &BigInt, m: &BigInt) -> PyResult<BigInt> {
    if m.is_zero() {
        return Err(value_error("pow() 3rd argument cannot be 0"));
    }
    let mut base = b.clone();
    let mut e = e.clone();
    if e.is_negative() {
        let am = m.abs();
        let g = base.mod_floor(&am).extended_gcd(&am);
        if !g.gcd.is_one_value() {
            return Err(value_error("base is not invertible for the given modulus"));
        }
        base = g.x.mod_floor(&am);
        e = -e;
    }
    Ok(base.modpow(&e, m))
}

trait IsOne {
    fn is_one_value(&self) -> bool;
}
impl IsOne for BigInt {
    fn is_one_value(&self) -> bool {
        *self == BigInt::from(1)
    }
}

fn sorted(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let kw = args::kwonly("sorted", &mut a, &["key", "reverse"])?;
    args::unpack("sorted", &a, 0, 1, 1)?;
    let items = vm.collect(&a.pos[0])?;
    let key = kw[0].clone().filter(|k| !k.is_none());
    let reverse = match &kw[1] {
        Some(r) => vm.truthy(r)?,
        None => false,
    };
    let sorted = super::sort::sort_values(vm, items, key.as_ref(), reverse)?;
    Ok(Value::list(sorted))
}

fn any(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("any", &a, 0)?;
    let it = vm.iter(&v)?;
    while let Some(x) = vm.next(&it)? {
        if vm.truthy(&x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn all(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("all", &a, 0)?;
    let it = vm.iter(&v)?;
    while let Some(x) = vm.next(&it)? {
        if !vm.truthy(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn iter(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("iter", &a, 0, 1, 2)?;
    if a.pos.len() == 2 {
        if !is_callable(&a.pos[0]) {
            return Err(type_error("iter(v, w): v must be callable"));
        }
        return Ok(Value::iter(IterObj::Callable {
            func: a.pos[0].clone(),
            sentinel: a.pos[1].clone(),
        }));
    }
    vm.iter(&a.pos[0])
}

/// Values that can never be iterators (so `next()` can report them without asking the VM).
fn never_iterator(v: &Value) -> bool {
    match v {
        Value::Instance(_) => !has_method(v, "__next__"),
        Value::Iter(_) | Value::Gen(_) | Value::Native(_) => false,
        _ => true,
    }
}

/// StopIteration as CPython raises it: no args when the value is None.
fn stop_iteration(value: Value) -> crate::object::Exc {
    if value.is_none() {
        let e = new_exc_args(types().exc("StopIteration"), Vec::new());
        e.set("value", Value::None);
        e
    } else {
        crate::types::stop_iteration(value)
    }
}

fn next(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("next", &a, 0, 1, 2)?;
    let it = &a.pos[0];
    if never_iterator(it) {
        return Err(type_error(format!(
            "'{}' object is not an iterator",
            type_name(it)
        )));
    }
    if let Value::Gen(g) = it
        && g.kind == crate::object::GenKind::Generator
    {
        let g = g.clone();
        return match vm.gen_resume(&g, Value::None, None)? {
            crate::vm::GenStep::Yielded(v) => Ok(v),
            crate::vm::GenStep::Returned(v) => match a.pos.get(1) {
                Some(d) => Ok(d.clone()),
                None => Err(stop_iteration(v)),
            },
        };
    }
    match vm.next(it)? {
        Some(v) => Ok(v),
        None => match a.pos.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(stop_iteration(Value::None)),
        },
    }
}

fn attr_name(v: &Value) -> PyResult<Rc<str>> {
    match v {
        Value::Str(s) => Ok(s.s.as_ref().into()),
        other => Err(type_error(format!(
            "attribute name must be string, not '{}'",
            type_name(other)
        ))),
    }
}

fn hasattr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("hasattr", &a, 0, 2, 2)?;
    let name = attr_name(&a.pos[1])?;
    Ok(Value::Bool(vm.getattr_opt(&a.pos[0], &name)?.is_some()))
}

fn getattr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("getattr", &a, 0, 2, 3)?;
    let name = attr_name(&a.pos[1])?;
    match a.pos.get(2) {
        Some(d) => Ok(vm
            .getattr_opt(&a.pos[0], &name)?
            .unwrap_or_else(|| d.clone())),
        None => vm.getattr(&a.pos[0], &name),
    }
}

fn setattr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("setattr", &a, 0, 3, 3)?;
    let name = attr_name(&a.pos[1])?;
    vm.setattr(&a.pos[0], &name, a.pos[2].clone())?;
    Ok(Value::None)
}

fn delattr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("delattr", &a, 0, 2, 2)?;
    let name = attr_name(&a.pos[1])?;
    vm.delattr(&a.pos[0], &name)?;
    Ok(Value::None)
}

pub fn is_callable(v: &Value) -> bool {
    match v {
        Value::Func(_) | Value::Builtin(_) | Value::Bound(_) | Value::Class(_) => true,
        Value::Native(n) => matches!(&**n, NativeObj::Partial { .. } | NativeObj::StaticMethod(_)),
        Value::Instance(i) => i.class.lookup("__call__").is_some(),
        _ => false,
    }
}

fn callable(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("callable", &a, 0)?;
    Ok(Value::Bool(is_callable(&v)))
}

fn id(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("id", &a, 0)?;
    Ok(Value::big(BigInt::from(v.id())))
}

fn hash(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("hash", &a, 0)?;
    // The VM's hash is Python's hash value carried in a u64.
    Ok(Value::Int(vm.hash(&v)? as i64))
}

fn chr(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("chr", &a, 0)?;
    let n = index_big(vm, &v)?;
    match n.to_u32() {
        Some(n) if n < 0x110000 => {
            // Lone surrogates cannot live in a Rust string; they become U+FFFD.
            let c = char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER);
            Ok(Value::string(c.to_string()))
        }
        _ if n.bits() > 31 => Err(crate::types::overflow_error(
            "Python int too large to convert to C int",
        )),
        _ => Err(value_error("chr() arg not in range(0x110000)")),
    }
}

fn ord(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("ord", &a, 0)?;
    match &v {
        Value::Str(s) => {
            let mut it = s.s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(Value::Int(c as i64)),
                _ => Err(type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.char_len()
                ))),
            }
        }
        other => Err(type_error(format!(
            "ord() expected string of length 1, but {} found",
            type_name(other)
        ))),
    }
}

fn radix_str(vm: &mut Vm, a: &CallArgs, name: &str, radix: u32, prefix: &str) -> PyResult<Value> {
    let v = args::one(name, a, 0)?;
    let n = index_big(vm, &v)?;
    let digits = n.magnitude().to_str_radix(radix);
    let sign = if n.is_negative() { "-" } else { "" };
    Ok(Value::string(format!("{sign}{prefix}{digits}")))
}

fn hex(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    radix_str(vm, &a, "hex", 16, "0x")
}

fn oct(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    radix_str(vm, &a, "oct", 8, "0o")
}

fn bin(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    radix_str(vm, &a, "bin", 2, "0b")
}

fn format(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = params("format", &mut a, 0, &["value", "format_spec"], 1)?;
    let v = p[0].clone().unwrap_or(Value::None);
    let spec = match &p[1] {
        None => Rc::from(""),
        Some(Value::Str(s)) => Rc::<str>::from(&*s.s),
        Some(other) => {
            return Err(type_error(format!(
                "format() argument 2 must be str, not {}",
                type_name(other)
            )));
        }
    };
    Ok(Value::string(super::strformat::format_value(
        vm, &v, &spec,
    )?))
}

fn input(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("input", &a, 0, 0, 1)?;
    if let Some(p) = a.pos.first() {
        let s = vm.to_str(p)?;
        vm.write_out(&s);
    }
    match vm.read_line() {
        Some(line) => Ok(Value::string(line)),
        None => Err(exc("EOFError", "EOF when reading a line")),
    }
}

fn dir(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("dir", &a, 0, 0, 1)?;
    let Some(v) = a.pos.first() else {
        return Err(type_error("dir() without arguments is not supported"));
    };
    if has_method(v, "__dir__") {
        let r = vm.call_method(v, "__dir__", CallArgs::default())?;
        let items = vm.collect(&r)?;
        let sorted = super::sort::sort_values(vm, items, None, false)?;
        return Ok(Value::list(sorted));
    }
    let mut names: Vec<Rc<str>> = Vec::new();
    let add_class = |names: &mut Vec<Rc<str>>, c: &Rc<Class>| {
        names.extend(c.dict.borrow().keys().cloned());
        for b in &c.mro {
            names.extend(b.dict.borrow().keys().cloned());
        }
    };
    match v {
        Value::Instance(i) => {
            names.extend(i.dict.borrow().keys().cloned());
            add_class(&mut names, &i.class);
        }
        Value::Class(c) => add_class(&mut names, c),
        Value::Module(m) => names.extend(m.globals.borrow().keys().cloned()),
        Value::Func(f) => names.extend(f.attrs.borrow().keys().cloned()),
        other => add_class(&mut names, &type_of(other)),
    }
    names.sort();
    names.dedup();
    Ok(Value::list(
        names.into_iter().map(|n| Value::str(&n)).collect(),
    ))
}

fn aiter(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("aiter", &a, 0)?;
    match vm.getattr_opt(&v, "__aiter__")? {
        Some(f) => vm.call0(&f),
        None => Err(type_error(format!(
            "'{}' object is not an async iterable",
            type_name(&v)
        ))),
    }
}

/// anext(it[, default]): the awaitable from `__anext__`. With a default, the awaitable
/// must turn StopAsyncIteration into the default, which needs an async helper.
fn anext(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("anext", &a, 0, 1, 2)?;
    let v = &a.pos[0];
    if a.pos.len() == 2 {
        // The default needs an awaitable that catches StopAsyncIteration: asyncio's prelude has one.
        let f = vm.module_attr("_anext_default")?;
        return vm.call2(&f, a.pos[0].clone(), a.pos[1].clone());
    }
    match vm.getattr_opt(v, "__anext__")? {
        Some(f) => vm.call0(&f),
        None => Err(type_error(format!(
            "'{}' object is not an async iterator",
            type_name(v)
        ))),
    }
}

/// vars(obj): the object's `__dict__`. Without an argument it would need the caller's
/// frame, which native code cannot see.
fn vars(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("vars", &a, 0, 0, 1)?;
    let Some(v) = a.pos.first() else {
        return Err(type_error("vars() without arguments is not supported"));
    };
    match vm.getattr_opt(v, "__dict__")? {
        Some(d) => Ok(d),
        None => Err(type_error("vars() argument must have __dict__ attribute")),
    }
}

/// `exit()` / `quit()`: raise SystemExit like the site module's helpers.
fn exit(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("exit", &a, 0, 0, 1)?;
    let cls = types().exc("SystemExit");
    let e = new_exc_args(cls, a.pos.to_vec());
    e.set("code", a.pos.first().cloned().unwrap_or(Value::None));
    Err(e)
}
