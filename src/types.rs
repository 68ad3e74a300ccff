//! The built-in classes (types and exceptions), created once per interpreter thread.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::object::{Attrs, Class, Exc, Instance, Layout, NativeObj};
use crate::value::Value;

macro_rules! builtin_types {
    ($($field:ident = $name:literal),* $(,)?) => {
        pub struct Types {
            $(pub $field: Rc<Class>,)*
            /// Exception classes by name, for the builtins module.
            pub exceptions: Vec<Rc<Class>>,
            exc_by_name: FxHashMap<&'static str, Rc<Class>>,
        }
        const TYPE_NAMES: &[&str] = &[$($name),*];
        impl Types {
            fn create() -> Types {
                let object = new_class("object", &[], Layout::Native);
                let mut made: FxHashMap<&'static str, Rc<Class>> = FxHashMap::default();
                made.insert("object", object.clone());
                for name in TYPE_NAMES {
                    if *name != "object" {
                        made.insert(name, new_class(name, std::slice::from_ref(&object), Layout::Native));
                    }
                }
                let mut exc_by_name = FxHashMap::default();
                let mut exceptions = Vec::new();
                for (name, base) in EXCEPTIONS {
                    let bases: Vec<Rc<Class>> = if base.is_empty() {
                        vec![object.clone()]
                    } else {
                        base.split(',').map(|b| exc_by_name.get(b).cloned().expect("exception base defined first")).collect()
                    };
                    let c = new_class(name, &bases, Layout::Exception);
                    exc_by_name.insert(*name, c.clone());
                    exceptions.push(c);
                }
                Types {
                    $($field: made[$name].clone(),)*
                    exceptions,
                    exc_by_name,
                }
            }
        }
    };
}

builtin_types! {
    object = "object",
    type_ = "type",
    none = "NoneType",
    bool_ = "bool",
    int = "int",
    float = "float",
    str = "str",
    list = "list",
    tuple = "tuple",
    dict = "dict",
    set = "set",
    frozenset = "frozenset",
    range = "range",
    slice = "slice",
    function = "function",
    builtin_function = "builtin_function_or_method",
    method = "method",
    module = "module",
    cell = "cell",
    generator = "generator",
    coroutine = "coroutine",
    async_generator = "async_generator",
    iterator = "iterator",
    property = "property",
    staticmethod = "staticmethod",
    classmethod = "classmethod",
    super_ = "super",
    partial = "functools.partial",
    ellipsis = "ellipsis",
    not_implemented = "NotImplementedType",
    dict_keys = "dict_keys",
    dict_values = "dict_values",
    dict_items = "dict_items",
    enumerate = "enumerate",
    zip = "zip",
    map = "map",
    filter = "filter",
    reversed = "reversed",
}

/// Python's built-in exception hierarchy (name, base), bases first.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", ""),
    ("Exception", "BaseException"),
    ("SystemExit", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("CancelledError", "BaseException"),
    ("BaseExceptionGroup", "BaseException"),
    ("ExceptionGroup", "BaseExceptionGroup,Exception"),
    ("ArithmeticError", "Exception"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("FloatingPointError", "ArithmeticError"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("TypeError", "Exception"),
    ("ValueError", "Exception"),
    ("UnicodeError", "ValueError"),
    ("AttributeError", "Exception"),
    ("RuntimeError", "Exception"),
    ("RecursionError", "RuntimeError"),
    ("NotImplementedError", "RuntimeError"),
    ("StopIteration", "Exception"),
    ("StopAsyncIteration", "Exception"),
    ("AssertionError", "Exception"),
    ("EOFError", "Exception"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
    ("OSError", "Exception"),
    ("TimeoutError", "OSError"),
    ("MemoryError", "Exception"),
    ("SyntaxError", "Exception"),
    ("SystemError", "Exception"),
    ("BufferError", "Exception"),
    ("Warning", "Exception"),
    ("UserWarning", "Warning"),
    ("DeprecationWarning", "Warning"),
    ("RuntimeWarning", "Warning"),
    ("InvalidStateError", "Exception"),
    ("QueueEmpty", "Exception"),
    ("QueueFull", "Exception"),
    ("FileNotFoundError", "OSError"),
    ("FileExistsError", "OSError"),
    ("PermissionError", "OSError"),
    ("ConnectionError", "OSError"),
    ("BrokenPipeError", "ConnectionError"),
    ("ConnectionResetError", "ConnectionError"),
    ("ConnectionRefusedError", "ConnectionError"),
    ("IsADirectoryError", "OSError"),
    ("NotADirectoryError", "OSError"),
    ("InterruptedError", "OSError"),
    ("ProcessLookupError", "OSError"),
    ("ChildProcessError", "OSError"),
    ("BlockingIOError", "OSError"),
    ("UnicodeDecodeError", "UnicodeError"),
    ("UnicodeEncodeError", "UnicodeError"),
    ("IndentationError", "SyntaxError"),
    ("TabError", "IndentationError"),
    ("ReferenceError", "Exception"),
    ("PendingDeprecationWarning", "Warning"),
    ("SyntaxWarning", "Warning"),
    ("FutureWarning", "Warning"),
    ("ImportWarning", "Warning"),
    ("UnicodeWarning", "Warning"),
    ("BytesWarning", "Warning"),
    ("ResourceWarning", "Warning"),
    ("EncodingWarning", "Warning"),
];

/// Exceptions that live in the `asyncio` module rather than in builtins.
pub const ASYNCIO_EXCEPTIONS: &[&str] = &[
    "CancelledError",
    "InvalidStateError",
    "QueueEmpty",
    "QueueFull",
];

/// The C3 linearization of `bases` (the MRO of a class with these bases, minus the class
/// itself), or when the bases admit no consistent order the heads that block the merge.
pub fn c3_mro(bases: &[Rc<Class>]) -> Result<Vec<Rc<Class>>, Vec<Rc<Class>>> {
    // Each sequence is a base's full MRO (base first); the last one is the bases list itself,
    // so that local precedence order is respected.
    let mut seqs: Vec<Vec<Rc<Class>>> = bases
        .iter()
        .map(|b| {
            std::iter::once(b.clone())
                .chain(b.mro.iter().cloned())
                .collect()
        })
        .collect();
    seqs.push(bases.to_vec());
    for s in &mut seqs {
        s.reverse(); // heads at the end, so taking a head is a cheap pop
    }
    let mut out = Vec::new();
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Ok(out);
        }
        // The first head that appears in no sequence's tail.
        let head = seqs.iter().find_map(|s| {
            let h = s.last()?;
            let in_tail = seqs
                .iter()
                .any(|t| t[..t.len() - 1].iter().any(|c| Rc::ptr_eq(c, h)));
            (!in_tail).then(|| h.clone())
        });
        let Some(head) = head else {
            let mut blocking: Vec<Rc<Class>> = Vec::new();
            for h in seqs.iter().filter_map(|s| s.last()) {
                if !blocking.iter().any(|c| Rc::ptr_eq(c, h)) {
                    blocking.push(h.clone());
                }
            }
            return Err(blocking);
        };
        for s in &mut seqs {
            if s.last().is_some_and(|c| Rc::ptr_eq(c, &head)) {
                s.pop();
            }
        }
        out.push(head);
    }
}

/// The TypeError CPython raises when `bases` admit no C3 linearization.
pub fn check_mro(bases: &[Rc<Class>]) -> Result<(), Exc> {
    for (i, b) in bases.iter().enumerate() {
        if bases[..i].iter().any(|c| Rc::ptr_eq(c, b)) {
            return Err(type_error(format!("duplicate base class {}", b.name)));
        }
    }
    let Err(blocking) = c3_mro(bases) else {
        return Ok(());
    };
    let names: Vec<&str> = blocking.iter().map(|b| &*b.name).collect();
    // CPython 3.11's message has this line break in it.
    Err(type_error(format!(
        "Cannot create a consistent method resolution\norder (MRO) for bases {}",
        names.join(", ")
    )))
}

fn new_class(name: &str, bases: &[Rc<Class>], layout: Layout) -> Rc<Class> {
    // Callers that take user bases run `check_mro` first; a failure here can only come from a
    // native caller, which gets the depth-first order rather than a panic.
    let mro = c3_mro(bases).unwrap_or_else(|_| {
        let mut mro: Vec<Rc<Class>> = Vec::new();
        for c in bases
            .iter()
            .flat_map(|b| std::iter::once(b).chain(b.mro.iter()))
        {
            if !mro.iter().any(|m| Rc::ptr_eq(m, c)) {
                mro.push(c.clone());
            }
        }
        mro
    });
    let module = if ASYNCIO_EXCEPTIONS.contains(&name) {
        "asyncio.exceptions"
    } else {
        "builtins"
    };
    Rc::new(Class {
        name: name.into(),
        qualname: name.into(),
        module: module.into(),
        bases: bases.to_vec(),
        mro,
        dict: RefCell::new(Attrs::default()),
        layout,
    })
}

/// Make a user class: the layout is inherited from the bases.
pub fn make_class(
    name: &str,
    qualname: &str,
    module: &str,
    bases: Vec<Rc<Class>>,
    dict: Attrs,
) -> Rc<Class> {
    let bases = if bases.is_empty() {
        vec![types().object.clone()]
    } else {
        bases
    };
    let layout = if bases.iter().any(|b| b.layout == Layout::Exception) {
        Layout::Exception
    } else {
        Layout::Object
    };
    let c = new_class(name, &bases, layout);
    crate::object::classes_changed();
    let cls = Rc::new(Class {
        name: name.into(),
        qualname: qualname.into(),
        module: module.into(),
        bases: c.bases.clone(),
        mro: c.mro.clone(),
        dict: RefCell::new(dict),
        layout,
    });
    crate::gc::track_class(&cls);
    cls
}

thread_local! {
    static TYPES: &'static Types = {
        let t: &'static Types = Box::leak(Box::new(Types::create()));
        crate::builtins::register_type_methods(t);
        t
    };
}

/// The built-in classes of this interpreter thread.
pub fn types() -> &'static Types {
    TYPES.with(|t| *t)
}

impl Types {
    /// A built-in exception class by name (panics only for a misspelt name in our own code).
    pub fn exc(&self, name: &str) -> &Rc<Class> {
        self.exc_by_name
            .get(name)
            .unwrap_or_else(|| panic!("no built-in exception {name}"))
    }
}

/// The class of any value.
pub fn type_of(v: &Value) -> Rc<Class> {
    let t = types();
    match v {
        Value::None | Value::Undef => t.none.clone(),
        Value::Bool(_) => t.bool_.clone(),
        Value::Int(_) | Value::Big(_) => t.int.clone(),
        Value::Float(_) => t.float.clone(),
        Value::Str(_) => t.str.clone(),
        Value::List(_) => t.list.clone(),
        Value::Tuple(_) => t.tuple.clone(),
        Value::Dict(_) => t.dict.clone(),
        Value::Set(_) => t.set.clone(),
        Value::FrozenSet(_) => t.frozenset.clone(),
        Value::Range(_) => t.range.clone(),
        Value::Slice(_) => t.slice.clone(),
        Value::Func(_) => t.function.clone(),
        Value::Builtin(_) => t.builtin_function.clone(),
        Value::Bound(_) => t.method.clone(),
        Value::Class(_) => t.type_.clone(),
        Value::Instance(i) => i.class.clone(),
        Value::Module(_) => t.module.clone(),
        Value::Cell(_) => t.cell.clone(),
        Value::Gen(g) => match g.kind {
            crate::object::GenKind::Generator => t.generator.clone(),
            crate::object::GenKind::Coroutine => t.coroutine.clone(),
            crate::object::GenKind::AsyncGen => t.async_generator.clone(),
        },
        Value::Iter(_) => t.iterator.clone(),
        Value::Native(n) => match &**n {
            NativeObj::Property { .. } => t.property.clone(),
            NativeObj::StaticMethod(_) => t.staticmethod.clone(),
            NativeObj::ClassMethod(_) => t.classmethod.clone(),
            NativeObj::Super { .. } => t.super_.clone(),
            NativeObj::Partial { .. } => t.partial.clone(),
            NativeObj::Async(a) => crate::scheduler::async_type(a),
        },
    }
}

pub fn type_name(v: &Value) -> String {
    type_of(v).name.to_string()
}

/// A new exception instance of `cls` with `args`.
pub fn new_exc_args(cls: &Rc<Class>, args: Vec<Value>) -> Exc {
    let inst = Instance::new(cls.clone());
    inst.set("args", Value::tuple(args));
    let inst = Rc::new(inst);
    crate::gc::track_instance(&inst);
    inst
}

/// A new built-in exception `name` with a message.
pub fn exc(name: &str, msg: impl Into<String>) -> Exc {
    new_exc_args(types().exc(name), vec![Value::string(msg.into())])
}

pub fn type_error(msg: impl Into<String>) -> Exc {
    exc("TypeError", msg)
}

pub fn value_error(msg: impl Into<String>) -> Exc {
    exc("ValueError", msg)
}

pub fn index_error(msg: impl Into<String>) -> Exc {
    exc("IndexError", msg)
}

pub fn runtime_error(msg: impl Into<String>) -> Exc {
    exc("RuntimeError", msg)
}

pub fn attribute_error(msg: impl Into<String>) -> Exc {
    exc("AttributeError", msg)
}

pub fn zero_division(msg: impl Into<String>) -> Exc {
    exc("ZeroDivisionError", msg)
}

pub fn overflow_error(msg: impl Into<String>) -> Exc {
    exc("OverflowError", msg)
}

pub fn key_error(key: Value) -> Exc {
    new_exc_args(types().exc("KeyError"), vec![key])
}

pub fn stop_iteration(value: Value) -> Exc {
    let e = new_exc_args(types().exc("StopIteration"), vec![value.clone()]);
    e.set("value", value);
    e
}

/// Is `e` an instance of the built-in exception `name` (or a subclass)?
pub fn exc_is(e: &Exc, name: &str) -> bool {
    e.class.is_subclass(types().exc(name))
}
