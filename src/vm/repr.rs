//! repr(), str() and format() of values.

use super::Vm;
use crate::format;
use crate::object::{GenKind, IterObj, NativeObj, PyResult};
use crate::types::{self, type_error, type_name};
use crate::value::Value;

use crate::builtins::str_repr;

impl Vm {
    pub(super) fn repr_impl(&mut self, v: &Value, depth: usize) -> PyResult<String> {
        if depth > 200 {
            return Err(crate::types::exc(
                "RecursionError",
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        Ok(match v {
            Value::None | Value::Undef => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Big(b) => format::int_str(b).map_err(|m| crate::types::exc("ValueError", m))?,
            Value::Float(f) => format::float_repr(*f),
            Value::Str(s) => {
                crate::memory::reserve(s.s.len() + 2)?;
                str_repr(&s.s)
            }
            Value::List(l) => {
                if self.repr_guard(v) {
                    return Ok("[...]".into());
                }
                let items = l.borrow().clone();
                let r = self.join_reprs(&items, depth);
                self.repr_unguard(v);
                format!("[{}]", r?)
            }
            Value::Tuple(t) => {
                let r = self.join_reprs(t, depth)?;
                if t.len() == 1 {
                    format!("({r},)")
                } else {
                    format!("({r})")
                }
            }
            Value::Dict(d) => {
                if self.repr_guard(v) {
                    return Ok("{...}".into());
                }
                let items: Vec<(Value, Value)> = d
                    .borrow()
                    .iter()
                    .map(|e| (e.key.clone(), e.value.clone()))
                    .collect();
                let mut parts = Vec::new();
                let mut res = Ok(());
                for (k, val) in items {
                    match (
                        self.repr_impl(&k, depth + 1),
                        self.repr_impl(&val, depth + 1),
                    ) {
                        (Ok(a), Ok(b)) => parts.push(format!("{a}: {b}")),
                        (Err(e), _) | (_, Err(e)) => {
                            res = Err(e);
                            break;
                        }
                    }
                }
                self.repr_unguard(v);
                res?;
                format!("{{{}}}", parts.join(", "))
            }
            Value::Set(s) => {
                let items = s.borrow().keys();
                if items.is_empty() {
                    "set()".into()
                } else {
                    format!("{{{}}}", self.join_reprs(&items, depth)?)
                }
            }
            Value::FrozenSet(s) => {
                let items = s.keys();
                if items.is_empty() {
                    "frozenset()".into()
                } else {
                    format!("frozenset({{{}}})", self.join_reprs(&items, depth)?)
                }
            }
            Value::Range(r) => {
                if r.step == 1 {
                    format!("range({}, {})", r.start, r.stop)
                } else {
                    format!("range({}, {}, {})", r.start, r.stop, r.step)
                }
            }
            Value::Slice(s) => format!(
                "slice({}, {}, {})",
                self.repr_impl(&s.start, depth + 1)?,
                self.repr_impl(&s.stop, depth + 1)?,
                self.repr_impl(&s.step, depth + 1)?
            ),
            Value::Func(f) => format!("<function {} at {:#x}>", f.qualname.borrow(), v.id()),
            Value::Builtin(b) => match &b.bound {
                Some(r) if !matches!(r, Value::Module(_)) => {
                    format!(
                        "<built-in method {} of {} object at {:#x}>",
                        b.name,
                        type_name(r),
                        r.id()
                    )
                }
                _ => format!("<built-in function {}>", b.name),
            },
            Value::Bound(b) => {
                let fname = match &b.func {
                    Value::Func(f) => f.qualname.borrow().to_string(),
                    other => self.repr_impl(other, depth + 1)?,
                };
                format!(
                    "<bound method {} of {}>",
                    fname,
                    self.repr_impl(&b.receiver, depth + 1)?
                )
            }
            Value::Class(c) => {
                if &*c.module == "builtins" {
                    format!("<class '{}'>", c.qualname)
                } else {
                    format!("<class '{}.{}'>", c.module, c.qualname)
                }
            }
            Value::Module(m) => {
                if matches!(
                    &*m.name,
                    "math" | "time" | "random" | "functools" | "asyncio" | "builtins" | "gc"
                ) {
                    format!("<module '{}' (built-in)>", m.name)
                } else {
                    format!("<module '{}'>", m.name)
                }
            }
            Value::Cell(_) => format!("<cell at {:#x}>", v.id()),
            Value::Gen(g) => {
                let kind = match g.kind {
                    GenKind::Generator => "generator",
                    GenKind::Coroutine => "coroutine",
                    GenKind::AsyncGen => "async_generator",
                };
                format!("<{} object {} at {:#x}>", kind, g.qualname(), v.id())
            }
            Value::Iter(it) => {
                let kind = match &*it.borrow() {
                    IterObj::DictKeys { dict, .. } => Some(("dict_keys", dict.clone(), 0)),
                    IterObj::DictValues { dict, .. } => Some(("dict_values", dict.clone(), 1)),
                    IterObj::DictItems { dict, .. } => Some(("dict_items", dict.clone(), 2)),
                    _ => None,
                };
                match kind {
                    Some((name, Value::Dict(d), which)) => {
                        let items: Vec<Value> = d
                            .borrow()
                            .iter()
                            .map(|e| match which {
                                0 => e.key.clone(),
                                1 => e.value.clone(),
                                _ => Value::tuple(vec![e.key.clone(), e.value.clone()]),
                            })
                            .collect();
                        format!("{name}([{}])", self.join_reprs(&items, depth)?)
                    }
                    _ => format!("<{} object at {:#x}>", iter_name(&it.borrow()), v.id()),
                }
            }
            Value::Native(n) => match &**n {
                NativeObj::Async(a) => crate::scheduler::repr(self, a, v)?,
                NativeObj::Partial { func, args, kw } => {
                    let mut parts = vec![self.repr_impl(func, depth + 1)?];
                    for a in args {
                        parts.push(self.repr_impl(a, depth + 1)?);
                    }
                    for (k, a) in kw {
                        parts.push(format!("{k}={}", self.repr_impl(a, depth + 1)?));
                    }
                    format!("functools.partial({})", parts.join(", "))
                }
                _ => format!("<{} object at {:#x}>", type_name(v), v.id()),
            },
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__repr__") {
                    let r = self.call1(&m, v.clone())?;
                    return match r {
                        Value::Str(s) => Ok(s.s.to_string()),
                        other => Err(type_error(format!(
                            "__repr__ returned non-string (type {})",
                            type_name(&other)
                        ))),
                    };
                }
                if i.exc.borrow().is_some() {
                    let args = i.get("args").unwrap_or_else(|| Value::tuple(vec![]));
                    let inner = match &args {
                        Value::Tuple(t) if t.len() == 1 => self.repr_impl(&t[0], depth + 1)?,
                        Value::Tuple(t) => self.join_reprs(t, depth)?,
                        other => self.repr_impl(other, depth + 1)?,
                    };
                    return Ok(format!("{}({})", i.class.name, inner));
                }
                if &*i.class.name == "NotImplementedType" {
                    return Ok("NotImplemented".into());
                }
                if &*i.class.name == "ellipsis" {
                    return Ok("Ellipsis".into());
                }
                format!(
                    "<{}.{} object at {:#x}>",
                    i.class.module,
                    i.class.qualname,
                    v.id()
                )
            }
        })
    }

    fn join_reprs(&mut self, items: &[Value], depth: usize) -> PyResult<String> {
        let mut parts = Vec::with_capacity(items.len());
        for it in items {
            parts.push(self.repr_impl(it, depth + 1)?);
        }
        Ok(parts.join(", "))
    }

    fn repr_guard(&mut self, v: &Value) -> bool {
        let id = v.id();
        if self.sched.repr_stack.contains(&id) {
            return true;
        }
        self.sched.repr_stack.push(id);
        false
    }

    fn repr_unguard(&mut self, v: &Value) {
        let id = v.id();
        if let Some(p) = self.sched.repr_stack.iter().rposition(|x| *x == id) {
            self.sched.repr_stack.remove(p);
        }
    }

    pub(super) fn str_impl(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Str(s) => Ok(s.s.to_string()),
            Value::Instance(i) => {
                if let Some(s) = super::excgroup::str_of(i) {
                    return Ok(s);
                }
                if let Some(m) = i.class.lookup("__str__") {
                    let r = self.call1(&m, v.clone())?;
                    return match r {
                        Value::Str(s) => Ok(s.s.to_string()),
                        other => Err(type_error(format!(
                            "__str__ returned non-string (type {})",
                            type_name(&other)
                        ))),
                    };
                }
                if let Some(s) = super::excgroup::str_of(i) {
                    return Ok(s);
                }
                if i.exc.borrow().is_some() {
                    let args = i.get("args").unwrap_or_else(|| Value::tuple(vec![]));
                    return match &args {
                        Value::Tuple(t) if t.is_empty() => Ok(String::new()),
                        Value::Tuple(t) if t.len() == 1 => {
                            if i.class.is_subclass(types::types().exc("KeyError")) {
                                self.repr_impl(&t[0], 0)
                            } else {
                                self.str_impl(&t[0])
                            }
                        }
                        other => self.repr_impl(other, 0),
                    };
                }
                self.repr_impl(v, 0)
            }
            _ => self.repr_impl(v, 0),
        }
    }

    /// format(v, spec)
    pub fn format_value(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        let parse =
            |ty: &str| format::parse_format_spec_for(spec, ty).map_err(crate::types::value_error);
        match v {
            Value::Int(_) | Value::Big(_) | Value::Bool(_) => {
                if spec.is_empty() {
                    return self.str_impl(v);
                }
                let s = parse(if matches!(v, Value::Bool(_)) {
                    "bool"
                } else {
                    "int"
                })?;
                let b = super::ops::to_big(v).unwrap_or_default();
                format::format_int(&b, &s).map_err(crate::types::value_error)
            }
            Value::Float(f) => {
                if spec.is_empty() {
                    return Ok(format::float_repr(*f));
                }
                let s = parse("float")?;
                format::format_float(*f, &s).map_err(crate::types::value_error)
            }
            Value::Str(s) => {
                if spec.is_empty() {
                    return Ok(s.s.to_string());
                }
                let sp = parse("str")?;
                format::format_str(&s.s, &sp).map_err(crate::types::value_error)
            }
            Value::Instance(i) if i.class.lookup("__format__").is_some() => {
                let m = i.class.lookup("__format__").unwrap_or_default();
                let r = self.call2(&m, v.clone(), Value::str(spec))?;
                match r {
                    Value::Str(s) => Ok(s.s.to_string()),
                    _ => Err(type_error("__format__ must return a str")),
                }
            }
            _ => {
                if !spec.is_empty() {
                    return Err(type_error(format!(
                        "unsupported format string passed to {}.__format__",
                        type_name(v)
                    )));
                }
                self.str_impl(v)
            }
        }
    }
}

fn iter_name(it: &IterObj) -> &'static str {
    match it {
        IterObj::Seq {
            seq: Value::List(_),
            ..
        } => "list_iterator",
        IterObj::Seq {
            seq: Value::Tuple(_),
            ..
        } => "tuple_iterator",
        IterObj::Seq { .. } => "iterator",
        IterObj::Range { .. } => "range_iterator",
        IterObj::Str { .. } => "str_ascii_iterator",
        IterObj::DictKeys { .. } => "dict_keyiterator",
        IterObj::DictValues { .. } => "dict_valueiterator",
        IterObj::DictItems { .. } => "dict_itemiterator",
        IterObj::Enumerate { .. } => "enumerate",
        IterObj::Zip { .. } => "zip",
        IterObj::Map { .. } => "map",
        IterObj::Filter { .. } => "filter",
        IterObj::Reversed { .. } => "reversed",
        IterObj::Callable { .. } => "callable_iterator",
        IterObj::Count { .. } => "count",
        IterObj::Exhausted => "iterator",
    }
}
