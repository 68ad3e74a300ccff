//! A minimal `sys` module: the standard streams, `argv`, `maxsize`, the recursion limit and
//! `exit`.

use std::io::Write;
use std::rc::Rc;

use super::Vm;
use crate::object::{Attrs, Builtin, CallArgs, Instance, Module, NativeFn, PyResult};
use crate::types::{self, new_exc_args, type_error, type_name, value_error};
use crate::value::Value;

fn builtin(name: &'static str, func: NativeFn) -> Value {
    Value::Builtin(Rc::new(Builtin {
        name,
        func,
        bound: None,
    }))
}

/// Whether `stream` (the receiver of a stream method) is `sys.stderr`: the two streams are
/// instances of one class, told apart by their `name`.
fn is_stderr(stream: &Value) -> bool {
    match stream {
        Value::Instance(i) => i.get("name").as_ref().and_then(Value::as_str) == Some("<stderr>"),
        _ => false,
    }
}

fn receiver<'a>(a: &'a CallArgs, meth: &str) -> PyResult<&'a Value> {
    a.pos
        .first()
        .ok_or_else(|| type_error(format!("descriptor '{meth}' needs an argument")))
}

/// `stream.write(s)`: returns the number of characters written.
fn write(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let stream = receiver(&a, "write")?;
    if a.pos.len() != 2 {
        return Err(type_error(format!(
            "write() takes exactly one argument ({} given)",
            a.pos.len() - 1
        )));
    }
    let Value::Str(s) = &a.pos[1] else {
        return Err(type_error(format!(
            "write() argument must be str, not {}",
            type_name(&a.pos[1])
        )));
    };
    if is_stderr(stream) {
        // Everything printed to stdout so far must come first, as with CPython's
        // line-buffered terminal streams.
        vm.flush();
        let _ = std::io::stderr().write_all(s.s.as_bytes());
    } else {
        vm.write_out(&s.s);
    }
    Ok(Value::Int(s.char_len() as i64))
}

fn flush(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let stream = receiver(&a, "flush")?;
    if is_stderr(stream) {
        let _ = std::io::stderr().flush();
    } else {
        vm.flush();
    }
    Ok(Value::None)
}

fn getrecursionlimit(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    if !a.pos.is_empty() || !a.kw.is_empty() {
        return Err(type_error(
            "sys.getrecursionlimit() takes no arguments".to_string(),
        ));
    }
    Ok(Value::Int(vm.recursion_limit as i64))
}

/// The integer argument of a limit setter (a big int counts as the largest limit).
fn limit_arg(v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        Value::Bool(b) => Ok(*b as i64),
        Value::Big(_) => Ok(i64::MAX),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            type_name(other)
        ))),
    }
}

fn get_int_max_str_digits(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    if !a.pos.is_empty() || !a.kw.is_empty() {
        return Err(type_error(
            "sys.get_int_max_str_digits() takes no arguments".to_string(),
        ));
    }
    Ok(Value::Int(crate::format::int_max_str_digits() as i64))
}

fn set_int_max_str_digits(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let arg = match (&a.pos[..], &a.kw[..]) {
        ([v], []) => v.clone(),
        ([], [(k, v)]) if &**k == "maxdigits" => v.clone(),
        ([], []) => {
            return Err(type_error(
                "set_int_max_str_digits() missing required argument 'maxdigits' (pos 1)",
            ));
        }
        _ => {
            return Err(type_error(
                "set_int_max_str_digits() takes exactly one argument",
            ));
        }
    };
    let n = limit_arg(&arg)?;
    if n != 0 && n < 640 {
        return Err(value_error("maxdigits must be 0 or larger than 640"));
    }
    crate::format::set_int_max_str_digits(usize::try_from(n).unwrap_or(usize::MAX));
    Ok(Value::None)
}

fn setrecursionlimit(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    if a.pos.len() != 1 || !a.kw.is_empty() {
        return Err(type_error(format!(
            "setrecursionlimit() takes exactly one argument ({} given)",
            a.pos.len() + a.kw.len()
        )));
    }
    let n = limit_arg(&a.pos[0])?;
    if n < 1 {
        return Err(value_error(
            "recursion limit must be greater or equal than 1",
        ));
    }
    vm.recursion_limit = usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Value::None)
}

/// `sys.exit([code])`: raise SystemExit, which the top level turns into the exit status.
fn exit(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    if a.pos.len() > 1 || !a.kw.is_empty() {
        return Err(type_error(format!(
            "exit expected at most 1 argument, got {}",
            a.pos.len() + a.kw.len()
        )));
    }
    let e = new_exc_args(types::types().exc("SystemExit"), a.pos.to_vec());
    e.set("code", a.pos.first().cloned().unwrap_or(Value::None));
    Err(e)
}

fn stream(class: &Rc<crate::object::Class>, name: &str) -> Value {
    let inst = Instance::new(class.clone());
    inst.set("name", Value::str(name));
    inst.set("encoding", Value::str("utf-8"));
    Value::instance(inst)
}

impl Vm {
    /// A fresh `sys` module.
    pub(super) fn sys_module(&mut self) -> PyResult<Value> {
        let m = Module::new("sys");
        let mut methods = Attrs::default();
        methods.insert("write".into(), builtin("write", write));
        methods.insert("flush".into(), builtin("flush", flush));
        let io = types::make_class("TextIOWrapper", "TextIOWrapper", "_io", vec![], methods);
        m.set("stdout", stream(&io, "<stdout>"));
        m.set("stderr", stream(&io, "<stderr>"));
        m.set("__stdout__", m.get("stdout").unwrap_or_default());
        m.set("__stderr__", m.get("stderr").unwrap_or_default());
        // argv[0] is the script as it was named on the command line, like CPython's.
        let script = self
            .fiber
            .frames
            .first()
            .and_then(|f| f.globals.get("__file__"))
            .unwrap_or_else(|| Value::str(""));
        let mut argv = vec![script];
        argv.extend(self.argv.iter().map(|a| Value::str(a)));
        m.set("argv", Value::list(argv));
        m.set("maxsize", Value::Int(i64::MAX));
        m.set(
            "getrecursionlimit",
            builtin("getrecursionlimit", getrecursionlimit),
        );
        m.set(
            "setrecursionlimit",
            builtin("setrecursionlimit", setrecursionlimit),
        );
        m.set("exit", builtin("exit", exit));
        m.set(
            "get_int_max_str_digits",
            builtin("get_int_max_str_digits", get_int_max_str_digits),
        );
        m.set(
            "set_int_max_str_digits",
            builtin("set_int_max_str_digits", set_int_max_str_digits),
        );
        for (name, f) in [
            (
                "setswitchinterval",
                crate::threads::setswitchinterval as NativeFn,
            ),
            ("getswitchinterval", crate::threads::getswitchinterval),
        ] {
            m.set(name, builtin(name, f));
        }
        m.set("__name__", Value::str("sys"));
        Ok(Value::Module(Rc::new(m)))
    }
}
