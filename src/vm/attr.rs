//! Attribute access: instance dicts, class lookup along the MRO, descriptors.

use std::cell::Cell;
use std::rc::Rc;

use super::Vm;
use crate::object::{Attrs, Builtin, CallArgs, Class, Layout, NativeObj, PyResult};
use crate::types::{self, attribute_error, type_name};
use crate::value::Value;

/// Bind a class attribute found for `obj` (functions become bound methods).
fn bind(obj: &Value, attr: Value) -> Value {
    match &attr {
        Value::Func(_) => Vm::bound(obj.clone(), attr),
        Value::Builtin(b) if b.bound.is_none() => Value::Builtin(Rc::new(Builtin {
            name: b.name,
            func: b.func,
            bound: Some(obj.clone()),
        })),
        Value::Native(n) => match &**n {
            NativeObj::StaticMethod(f) => f.clone(),
            NativeObj::ClassMethod(f) => Vm::bound(Value::Class(types::type_of(obj)), f.clone()),
            _ => attr,
        },
        _ => attr,
    }
}

/// A class attribute found for `obj.name(...)`, if it is a plain method: a function, or a
/// builtin not bound to a receiver (the fast lane's LOAD_METHOD asks this too).
pub(super) fn plain_method(found: Option<Value>) -> Option<Value> {
    match found {
        Some(f @ Value::Func(_)) => Some(f),
        Some(Value::Builtin(b)) if b.bound.is_none() => Some(Value::Builtin(b)),
        _ => None,
    }
}

impl Vm {
    /// The unbound method `name` for a call `obj.name(...)`, when it is a plain method.
    pub(super) fn lookup_method(&mut self, obj: &Value, name: &str) -> PyResult<Option<Value>> {
        self.lookup_method_hinted(obj, name, None)
    }

    /// `lookup_method`, where a method of a built-in type (`"a".upper`, `[].append`) is
    /// found through `hint`, a slot hint in the type's own namespace, if given.
    pub(super) fn lookup_method_hinted(
        &mut self,
        obj: &Value,
        name: &str,
        hint: Option<&Cell<u32>>,
    ) -> PyResult<Option<Value>> {
        let cls = match obj {
            Value::Instance(i) => {
                if i.dict.borrow().has(name) {
                    return Ok(None);
                }
                i.class.clone()
            }
            Value::Class(_) | Value::Module(_) | Value::Native(_) => return Ok(None),
            _ => {
                let cls = types::type_of(obj);
                if let Some(hint) = hint {
                    return Ok(plain_method(cls.lookup_hinted(name, hint)));
                }
                cls
            }
        };
        Ok(plain_method(cls.lookup(name)))
    }

    /// A new dict holding a copy of the namespace `attrs`, in definition order.
    fn attrs_to_dict(&mut self, attrs: &std::cell::RefCell<Attrs>) -> PyResult<Value> {
        let items: Vec<(Rc<str>, Value)> = attrs
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let d = Rc::new(std::cell::RefCell::new(crate::dict::Dict::new()));
        for (k, v) in items {
            self.dict_set(&d, Value::str(&k), v)?;
        }
        Ok(Value::tracked(Value::Dict(d)))
    }

    pub(super) fn getattr_impl(&mut self, obj: &Value, name: &str) -> PyResult<Option<Value>> {
        match obj {
            Value::Instance(i) => {
                let cls_attr = i.class.lookup(name);
                if let Some(Value::Native(n)) = &cls_attr
                    && let NativeObj::Property { fget, .. } = &**n
                {
                    if fget.is_none() {
                        return Err(attribute_error(format!(
                            "property '{name}' of '{}' object has no getter",
                            i.class.name
                        )));
                    }
                    return self.call1(fget, obj.clone()).map(Some);
                }
                if let Some(v) = i.dict.borrow().get(name) {
                    return Ok(Some(v.clone()));
                }
                if i.class.layout == Layout::Exception
                    && let Some(v) = exception_attr(i, name)
                {
                    return Ok(Some(v));
                }
                if let Some(a) = cls_attr {
                    return Ok(Some(bind(obj, a)));
                }
                match name {
                    "__class__" => return Ok(Some(Value::Class(i.class.clone()))),
                    "__dict__" => return self.attrs_to_dict(&i.dict).map(Some),
                    _ => {}
                }
                if let Some(ga) = i.class.lookup("__getattr__") {
                    return match self.call2(&ga, obj.clone(), Value::str(name)) {
                        Ok(v) => Ok(Some(v)),
                        Err(e) if types::exc_is(&e, "AttributeError") => Err(e),
                        Err(e) => Err(e),
                    };
                }
                Ok(None)
            }
            // A snapshot stands in for CPython's read-only mappingproxy.
            Value::Class(c) if name == "__dict__" => self.attrs_to_dict(&c.dict).map(Some),
            Value::Class(c) => Ok(class_attr(c, name)),
            Value::Module(m) => Ok(m.get(name)),
            Value::Func(f) => Ok(match name {
                "__name__" => Some(Value::str(&f.name.borrow())),
                "__qualname__" => Some(Value::str(&f.qualname.borrow())),
                "__module__" => Some(Value::str(&f.globals.name)),
                "__doc__" => Some(match f.attrs.borrow().get("__doc__") {
                    Some(d) => d.clone(),
                    None => f.code.doc.as_deref().map(Value::str).unwrap_or_default(),
                }),
                "__defaults__" => Some(if f.defaults.is_empty() {
                    Value::None
                } else {
                    Value::tuple(f.defaults.clone())
                }),
                "__class__" => Some(Value::Class(types::types().function.clone())),
                _ => f.attrs.borrow().get(name).cloned(),
            }),
            Value::Bound(b) => Ok(match name {
                "__self__" => Some(b.receiver.clone()),
                "__func__" => Some(b.func.clone()),
                _ => self.getattr_impl(&b.func, name)?,
            }),
            Value::Builtin(b) => Ok(match name {
                "__name__" | "__qualname__" => Some(Value::str(b.name)),
                "__self__" => b.bound.clone(),
                _ => None,
            }),
            Value::Native(n) => {
                if let NativeObj::Async(a) = &**n
                    && let Some(v) = crate::scheduler::getattr(self, obj, a, name)?
                {
                    return Ok(Some(v));
                }
                if let NativeObj::Partial { func, args, kw } = &**n {
                    match name {
                        "func" => return Ok(Some(func.clone())),
                        "args" => return Ok(Some(Value::tuple(args.clone()))),
                        "keywords" => {
                            let d = Rc::new(std::cell::RefCell::new(crate::dict::Dict::new()));
                            for (k, v) in kw.clone() {
                                self.dict_set(&d, Value::str(&k), v)?;
                            }
                            return Ok(Some(Value::tracked(Value::Dict(d))));
                        }
                        _ => {}
                    }
                }
                if let NativeObj::Property { fget, .. } = &**n
                    && name == "fget"
                {
                    return Ok(Some(fget.clone()));
                }
                if let NativeObj::Super { class, receiver } = &**n {
                    return self.super_getattr(class, receiver, name).map(Some);
                }
                Ok(types::type_of(obj).lookup(name).map(|a| bind(obj, a)))
            }
            Value::Gen(g) => Ok(match name {
                "__name__" => Some(Value::str(&g.code.name)),
                "__qualname__" => Some(Value::str(g.qualname())),
                _ => types::type_of(obj).lookup(name).map(|a| bind(obj, a)),
            }),
            _ => {
                if name == "__class__" {
                    return Ok(Some(Value::Class(types::type_of(obj))));
                }
                if let Some(v) = value_attr(obj, name) {
                    return Ok(Some(v));
                }
                Ok(types::type_of(obj).lookup(name).map(|a| bind(obj, a)))
            }
        }
    }

    fn super_getattr(
        &mut self,
        class: &Rc<Class>,
        receiver: &Value,
        name: &str,
    ) -> PyResult<Value> {
        let start = match receiver {
            Value::Class(c) => c.clone(),
            other => types::type_of(other),
        };
        // Search the receiver's MRO after `class`.
        let mut mro = vec![start.clone()];
        mro.extend(start.mro.iter().cloned());
        let pos = mro
            .iter()
            .position(|c| Rc::ptr_eq(c, class))
            .map(|p| p + 1)
            .unwrap_or(mro.len());
        for c in &mro[pos..] {
            if let Some(v) = c.dict.borrow().get(name) {
                let v = v.clone();
                return Ok(match (&v, receiver) {
                    (Value::Native(n), _) if matches!(&**n, NativeObj::ClassMethod(_)) => {
                        if let NativeObj::ClassMethod(f) = &**n {
                            Vm::bound(Value::Class(start.clone()), f.clone())
                        } else {
                            v
                        }
                    }
                    (Value::Native(n), _) if matches!(&**n, NativeObj::Property { .. }) => {
                        if let NativeObj::Property { fget, .. } = &**n {
                            return self.call1(fget, receiver.clone());
                        }
                        v
                    }
                    (_, Value::Class(_)) => v,
                    _ => bind(receiver, v),
                });
            }
        }
        if name == "__init__" {
            // object.__init__: accepts nothing more.
            return Ok(Value::Builtin(Rc::new(Builtin {
                name: "__init__",
                func: |_, args| {
                    let _ = args;
                    Ok(Value::None)
                },
                bound: Some(receiver.clone()),
            })));
        }
        Err(attribute_error(format!(
            "'super' object has no attribute '{name}'"
        )))
    }

    pub(super) fn attr_error(&self, obj: &Value, name: &str) -> crate::object::Exc {
        let e = match obj {
            Value::Class(c) => attribute_error(format!(
                "type object '{}' has no attribute '{name}'",
                c.name
            )),
            Value::Module(m) => {
                attribute_error(format!("module '{}' has no attribute '{name}'", m.name))
            }
            _ => attribute_error(format!(
                "'{}' object has no attribute '{name}'",
                type_name(obj)
            )),
        };
        e.set("name", Value::str(name));
        e.set("obj", obj.clone());
        e
    }

    /// Set attribute `name`; `key`, if given, is `name` as a shared string, which a new
    /// instance attribute then uses as its key (a code object's name: no string per
    /// instance, and later lookups by that name compare addresses).
    pub(super) fn setattr_impl(
        &mut self,
        obj: &Value,
        name: &str,
        key: Option<&Rc<str>>,
        v: Value,
    ) -> PyResult<()> {
        match obj {
            Value::Instance(i) => {
                if let Some(Value::Native(n)) = i.class.lookup(name)
                    && let NativeObj::Property { fset, .. } = &*n
                {
                    let f = fset.borrow().clone();
                    if f.is_none() {
                        return Err(attribute_error(format!(
                            "property '{name}' of '{}' object has no setter",
                            i.class.name
                        )));
                    }
                    self.call2(&f, obj.clone(), v)?;
                    return Ok(());
                }
                if let Some(sa) = i.class.lookup("__setattr__")
                    && matches!(sa, Value::Func(_))
                {
                    self.call(
                        &sa,
                        CallArgs::new(smallvec::smallvec![obj.clone(), Value::str(name), v]),
                    )?;
                    return Ok(());
                }
                if i.class.layout == Layout::Exception {
                    match name {
                        "__cause__" => {
                            if let Some(d) = i.exc.borrow_mut().as_mut() {
                                d.cause = v;
                                d.suppress_context = true;
                            }
                            return Ok(());
                        }
                        "__context__" => {
                            if let Some(d) = i.exc.borrow_mut().as_mut() {
                                d.context = v;
                            }
                            return Ok(());
                        }
                        "__suppress_context__" => {
                            let b = self.truthy(&v)?;
                            if let Some(d) = i.exc.borrow_mut().as_mut() {
                                d.suppress_context = b;
                            }
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                let key = key.cloned().unwrap_or_else(|| name.into());
                i.dict.borrow_mut().insert(key, v);
                Ok(())
            }
            Value::Class(c) => {
                c.dict.borrow_mut().insert(name.into(), v);
                crate::object::classes_changed();
                Ok(())
            }
            Value::Func(f) => {
                match name {
                    "__name__" => *f.name.borrow_mut() = v.as_str().unwrap_or("").into(),
                    "__qualname__" => *f.qualname.borrow_mut() = v.as_str().unwrap_or("").into(),
                    _ => {
                        crate::gc::track_func(f);
                        f.attrs.borrow_mut().insert(name.into(), v);
                    }
                }
                Ok(())
            }
            Value::Module(m) => {
                m.set(name, v);
                Ok(())
            }
            Value::Native(n) if matches!(&**n, NativeObj::Async(_)) => {
                if let NativeObj::Async(a) = &**n {
                    return crate::scheduler::setattr(self, a, name, v);
                }
                Ok(())
            }
            _ => Err(if types::type_of(obj).lookup(name).is_some() {
                attribute_error(format!(
                    "'{}' object attribute '{name}' is read-only",
                    type_name(obj)
                ))
            } else {
                attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    type_name(obj)
                ))
            }),
        }
    }
}

fn class_attr(c: &Rc<Class>, name: &str) -> Option<Value> {
    if let Some(v) = c.lookup(name) {
        return Some(match &v {
            Value::Native(n) => match &**n {
                NativeObj::StaticMethod(f) => f.clone(),
                NativeObj::ClassMethod(f) => Vm::bound(Value::Class(c.clone()), f.clone()),
                _ => v,
            },
            _ => v,
        });
    }
    Some(match name {
        "__name__" => Value::str(&c.name),
        "__qualname__" => Value::str(&c.qualname),
        "__module__" => Value::str(&c.module),
        "__doc__" => Value::None,
        "__bases__" => Value::tuple(c.bases.iter().map(|b| Value::Class(b.clone())).collect()),
        "__base__" => c
            .bases
            .first()
            .map(|b| Value::Class(b.clone()))
            .unwrap_or_default(),
        "__mro__" => {
            let mut v = vec![Value::Class(c.clone())];
            v.extend(c.mro.iter().map(|b| Value::Class(b.clone())));
            Value::tuple(v)
        }
        "__class__" => Value::Class(types::types().type_.clone()),
        _ => return None,
    })
}

fn exception_attr(i: &crate::object::Instance, name: &str) -> Option<Value> {
    if let Some(v) = super::excgroup::attr(i, name) {
        return Some(v);
    }
    let d = i.exc.borrow();
    let d = d.as_ref()?;
    Some(match name {
        "__cause__" => d.cause.clone(),
        "__context__" => d.context.clone(),
        "__suppress_context__" => Value::Bool(d.suppress_context),
        "__traceback__" => Value::None,
        _ => return None,
    })
}

/// Data attributes of built-in values (`slice.start`, `range.step`, `int.real`, ...).
fn value_attr(v: &Value, name: &str) -> Option<Value> {
    match (v, name) {
        (Value::Slice(s), "start") => Some(s.start.clone()),
        (Value::Slice(s), "stop") => Some(s.stop.clone()),
        (Value::Slice(s), "step") => Some(s.step.clone()),
        (Value::Range(r), "start") => Some(Value::Int(r.start)),
        (Value::Range(r), "stop") => Some(Value::Int(r.stop)),
        (Value::Range(r), "step") => Some(Value::Int(r.step)),
        (Value::Int(_) | Value::Big(_), "real" | "numerator") => Some(v.clone()),
        (Value::Bool(b), "real" | "numerator") => Some(Value::Int(*b as i64)),
        (Value::Int(_) | Value::Big(_) | Value::Bool(_), "imag") => Some(Value::Int(0)),
        (Value::Int(_) | Value::Big(_) | Value::Bool(_), "denominator") => Some(Value::Int(1)),
        (Value::Float(_), "real") => Some(v.clone()),
        (Value::Float(_), "imag") => Some(Value::Float(0.0)),
        _ => None,
    }
}
