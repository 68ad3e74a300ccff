//! What the VM does differently for REPL input: echoing expression statements, running a
//! cell whose code may await, and swapping where output goes.

use std::rc::Rc;

use super::Vm;
use crate::bytecode::Code;
use crate::object::{CallArgs, Function, Module, PyResult};
use crate::value::Value;

impl Vm {
    /// `sys.displayhook`: echo `repr(v)` on its own line unless it is None, and keep it in
    /// `builtins._` (so a global named `_` still wins, as in Python).
    pub fn display_hook(&mut self, v: Value) -> PyResult<()> {
        if v.is_none() {
            return Ok(());
        }
        let text = self.repr(&v)?;
        self.builtins.set("_", Value::None);
        self.write_out(&text);
        self.write_out("\n");
        self.builtins.set("_", v);
        Ok(())
    }

    /// Start one REPL cell. Plain code runs to completion and gives its value (None); code
    /// with a top-level `await` gives a coroutine, which the REPL runs as a task.
    pub fn start_cell(&mut self, code: Rc<Code>, module: Rc<Module>) -> PyResult<Value> {
        if !code.flags.coroutine {
            return self.run_module(code, module);
        }
        let name: Rc<str> = "<module>".into();
        let f = Function {
            plain_argc: crate::object::plain_call_argc(&code, &[]),
            code,
            globals: module,
            defaults: Vec::new(),
            kwdefaults: Vec::new(),
            closure: Vec::new(),
            name: name.clone().into(),
            qualname: name.into(),
            attrs: Default::default(),
        };
        self.call(&Value::Func(Rc::new(f)), CallArgs::new(Default::default()))
    }

    /// Send `print` output somewhere else from now on (flushing what is buffered first).
    pub fn set_output(&mut self, w: Box<dyn std::io::Write>) {
        self.flush();
        self.out = std::io::BufWriter::with_capacity(1 << 16, w);
    }
}
