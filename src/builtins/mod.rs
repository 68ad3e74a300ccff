//! TEMPORARY stub until the built-ins land.
use crate::object::{Builtin, Module, PyResult};
use crate::value::Value;
use crate::vm::Vm;
use std::rc::Rc;
pub fn register_type_methods(_t: &crate::types::Types) {}
pub fn builtins_module() -> Rc<Module> {
    let m = Module::new("builtins");
    m.set(
        "print",
        Value::Builtin(Rc::new(Builtin {
            name: "print",
            bound: None,
            func: |vm, args| {
                let mut parts = Vec::new();
                for a in args.pos.iter() {
                    parts.push(vm.to_str(a)?);
                }
                let s = parts.join(" ");
                vm.write_out(&s);
                vm.write_out("\n");
                Ok(Value::None)
            },
        })),
    );
    for c in &crate::types::types().exceptions {
        m.set(&c.name, Value::Class(c.clone()));
    }
    Rc::new(m)
}
pub fn make_module(_name: &str) -> Option<Rc<Module>> {
    None
}
pub fn percent_format(_vm: &mut Vm, _f: &str, _a: &Value) -> PyResult<String> {
    Err(crate::types::type_error("%"))
}
pub fn set_union(_vm: &mut Vm, _a: &Value, _b: &Value) -> PyResult<Value> {
    Err(crate::types::type_error("set"))
}
pub fn set_intersection(_vm: &mut Vm, _a: &Value, _b: &Value) -> PyResult<Value> {
    Err(crate::types::type_error("set"))
}
pub fn set_difference(_vm: &mut Vm, _a: &Value, _b: &Value) -> PyResult<Value> {
    Err(crate::types::type_error("set"))
}
pub fn set_symmetric_difference(_vm: &mut Vm, _a: &Value, _b: &Value) -> PyResult<Value> {
    Err(crate::types::type_error("set"))
}
pub fn value_attr(_v: &Value, _name: &str) -> Option<Value> {
    None
}
