//! Built-in functions, methods of built-in types, and built-in modules.
//!
//! Methods are stored in the built-in classes' dicts as `Value::Builtin` with `bound: None`;
//! the VM passes the receiver as `args.pos[0]`. Constructors are `__new__` entries called
//! with the class as `args.pos[0]`.

pub mod args;
mod constructors;
mod dict_methods;
mod dunders;
mod exceptions;
mod functions;
mod list_methods;
pub mod modules;
mod numbers;
mod set_methods;
pub mod setorder;
mod sort;
mod str_methods;
mod strformat;
mod unicode;

use std::rc::Rc;

use crate::object::Module;
use crate::types::{Types, types};
use crate::value::Value;

pub use constructors::{make_reversed, to_float, to_int};
pub use functions::{ascii_escape, is_callable};
pub use numbers::{float_divmod, round_value};
pub use set_methods::{
    set_compare, set_difference, set_intersection, set_issubset, set_symmetric_difference,
    set_union,
};
pub use sort::sort_values;
pub use str_methods::{casefold_str, str_repr};
pub use strformat::{format_value, percent_format, str_format};

/// Fill the dicts of the built-in classes with their methods and constructors.
pub fn register_type_methods(t: &Types) {
    str_methods::register(t);
    list_methods::register(t);
    dict_methods::register(t);
    set_methods::register(t);
    numbers::register(t);
    constructors::register(t);
    exceptions::register(t);
    dunders::register(t);
    modules::functools::register(t);
}

/// The `builtins` module: functions, type objects and exception classes.
pub fn builtins_module() -> Rc<Module> {
    let m = Module::new("builtins");
    functions::register(&m);
    let t = types();
    let classes = [
        ("int", &t.int),
        ("str", &t.str),
        ("list", &t.list),
        ("dict", &t.dict),
        ("set", &t.set),
        ("frozenset", &t.frozenset),
        ("tuple", &t.tuple),
        ("bool", &t.bool_),
        ("float", &t.float),
        ("range", &t.range),
        ("object", &t.object),
        ("type", &t.type_),
        ("slice", &t.slice),
        ("super", &t.super_),
        ("property", &t.property),
        ("staticmethod", &t.staticmethod),
        ("classmethod", &t.classmethod),
        ("enumerate", &t.enumerate),
        ("zip", &t.zip),
        ("map", &t.map),
        ("filter", &t.filter),
        ("reversed", &t.reversed),
    ];
    for (name, c) in classes {
        m.set(name, Value::Class(c.clone()));
    }
    for c in &t.exceptions {
        m.set(&c.name, Value::Class(c.clone()));
    }
    m.set("NotImplemented", not_implemented());
    m.set("Ellipsis", ellipsis());
    Rc::new(m)
}

thread_local! {
    /// The NotImplemented and Ellipsis singletons: instances of their built-in classes,
    /// created once per interpreter thread so that `is` works.
    static SINGLETONS: (Value, Value) = {
        let t = types();
        let mk = |c: &Rc<crate::object::Class>| {
            Value::Instance(Rc::new(crate::object::Instance::new(c.clone())))
        };
        (mk(&t.not_implemented), mk(&t.ellipsis))
    };
}

/// The `NotImplemented` singleton.
pub fn not_implemented() -> Value {
    SINGLETONS.with(|s| s.0.clone())
}

/// The `Ellipsis` (`...`) singleton.
pub fn ellipsis() -> Value {
    SINGLETONS.with(|s| s.1.clone())
}

/// Data attributes of built-in values (`(5).real`, `slice.start`, `range.step`), asked by
/// the VM before the type's methods.
pub fn value_attr(v: &Value, name: &str) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Big(_) | Value::Bool(_) => match name {
            "real" | "numerator" => Some(Value::big(args::as_big(v)?)),
            "imag" => Some(Value::Int(0)),
            "denominator" => Some(Value::Int(1)),
            _ => None,
        },
        Value::Float(x) => match name {
            "real" => Some(Value::Float(*x)),
            "imag" => Some(Value::Float(0.0)),
            _ => None,
        },
        Value::Slice(s) => match name {
            "start" => Some(s.start.clone()),
            "stop" => Some(s.stop.clone()),
            "step" => Some(s.step.clone()),
            _ => None,
        },
        Value::Range(r) => match name {
            "start" => Some(Value::Int(r.start)),
            "stop" => Some(Value::Int(r.stop)),
            "step" => Some(Value::Int(r.step)),
            _ => None,
        },
        _ => None,
    }
}

/// A built-in module by name ("math", "time", "random", "functools"), created fresh.
pub fn make_module(name: &str) -> Option<Rc<Module>> {
    modules::make_module(name)
}
