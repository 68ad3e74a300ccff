//! Built-in modules implemented natively.

pub mod functools;
pub mod gc;
pub mod math;
pub mod random;
mod sha512;
pub mod time;

use std::rc::Rc;

use crate::object::Module;

/// A fresh module object for a built-in module name.
pub fn make_module(name: &str) -> Option<Rc<Module>> {
    match name {
        "math" => Some(math::make()),
        "time" => Some(time::make()),
        "random" => Some(random::make()),
        "functools" => Some(functools::make()),
        "gc" => Some(gc::make()),
        _ => None,
    }
}
