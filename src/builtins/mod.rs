//! Built-in functions, methods of built-in types, and built-in modules.
//!
//! Methods are stored in the built-in classes' dicts as `Value::Builtin` with `bound: None`;
//! the VM passes the receiver as `args.pos[0]`. Constructors are `__new__` entries called
//! with the class as `args.pos[0]`.

pub mod args;
mod constructors;
mod dict_methods;
mod exceptions;
mod functions;
mod list_methods;
pub mod modules;
mod numbers;
mod set_methods;
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
    set_difference, set_intersection, set_issubset, set_symmetric_difference, set_union,
};
pub use sort::sort_values;
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
    Rc::new(m)
}

/// A built-in module by name ("math", "time", "random", "functools"), created fresh.
pub fn make_module(name: &str) -> Option<Rc<Module>> {
    modules::make_module(name)
}
