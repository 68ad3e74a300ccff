//! Calls: argument binding, frames for Python functions, generators, classes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use smallvec::SmallVec;

use super::exec::Step;
use super::{Frame, FrameExtra, Resume, Vm};
use crate::bytecode::Code;
use crate::dict::Dict;
use crate::object::{
    Attrs, BoundMethod, CallArgs, Class, Function, GenKind, GenObj, GenState, Instance, Layout,
    NativeObj, PyResult, SavedFrame,
};
use crate::types::{self, exc, type_error};
use crate::value::Value;

/// How error messages name a callable.
pub fn bind_error_name(f: &Function) -> String {
    format!("{}()", f.qualname.borrow())
}

impl Vm {
    /// CALL with `n` arguments (the last ones named by `kwnames`) on the stack above the callee.
    pub(super) fn call_on_stack(&mut self, n: u32, kwnames: Option<Value>) -> PyResult<Step> {
        let len = self.fiber.stack.len();
        let fpos = len - n as usize - 1;
        if kwnames.is_none()
            && let Value::Func(f) = &self.fiber.stack[fpos]
        {
            let code = &f.code;
            // The arguments already sit where the callee's first locals go.
            let plain = !code.flags.varargs
                && !code.flags.varkw
                && code.kwonlycount == 0
                && n == code.argcount;
            if plain && !code.is_generatorlike() {
                let f = f.clone();
                let base = fpos + 1;
                self.fiber.stack.resize(base + code.nslots(), Value::Undef);
                self.init_cells(&f, base);
                let globals = f.globals.clone();
                return self
                    .enter_frame(Frame::new(
                        f.code.clone(),
                        base,
                        fpos,
                        globals,
                        Resume::Call,
                    ))
                    .map(|_| Step::Continue);
            }
            if plain && code.cellslots.is_empty() && f.closure.is_empty() {
                // A coroutine (or generator) call: its slots are the arguments as they lie,
                // then unbound locals, with the room `bind_args` gives a coroutine's stack.
                let f = f.clone();
                let nslots = code.nslots();
                let mut slots = Vec::with_capacity(nslots + code.stack_room());
                // One argument is popped: a `drain` is an out-of-line call.
                let stack = &mut self.fiber.stack;
                if n == 1 {
                    slots.push(stack.pop().unwrap_or_default());
                } else {
                    slots.extend(stack.drain(fpos + 1..));
                }
                if nslots > slots.len() {
                    slots.resize(nslots, Value::Undef);
                }
                stack.pop();
                let g = self.make_generator(&f, slots);
                self.fiber.stack.push(g);
                return Ok(Step::Continue);
            }
        }
        self.call_args_on_stack(n, kwnames, false)
    }

    /// Call the function below the `n` arguments on top of the stack (the last ones named
    /// by `kwnames`), through `CallArgs`: up to four positional arguments move into it
    /// without an allocation. `undef_below`: an empty LOAD_METHOD slot lies between the
    /// function and its arguments (CALL_METHOD of a plain attribute), and goes too.
    pub(super) fn call_args_on_stack(
        &mut self,
        n: u32,
        kwnames: Option<Value>,
        undef_below: bool,
    ) -> PyResult<Step> {
        let stack = &mut self.fiber.stack;
        let start = stack.len() - n as usize;
        let mut ca = CallArgs::default();
        if let Some(Value::Tuple(names)) = kwnames {
            let kwvals = stack.drain(stack.len() - names.len()..);
            for (k, v) in names.iter().zip(kwvals) {
                ca.kw.push((k.as_str().unwrap_or("").into(), v));
            }
        }
        ca.pos = stack.drain(start..).collect();
        if undef_below {
            stack.pop();
        }
        let func = stack.pop().unwrap_or_default();
        self.call_value_push(func, ca)
    }

    /// CALL of the native function below the `n` positional arguments on top of the stack
    /// (and below an empty LOAD_METHOD slot if `undef_below`), which the fast lane found
    /// there: `call_args_on_stack` without its questions.
    pub(super) fn call_native(&mut self, n: u32, undef_below: bool) -> PyResult<Step> {
        let stack = &mut self.fiber.stack;
        let mut args = CallArgs::default();
        for v in stack.drain(stack.len() - n as usize..) {
            args.pos.push(v);
        }
        if undef_below {
            stack.pop();
        }
        match stack.pop() {
            Some(Value::Builtin(b)) => {
                let r = (b.func)(self, args)?;
                self.fiber.stack.push(r);
                Ok(Step::Continue)
            }
            func => self.call_value_push(func.unwrap_or_default(), args),
        }
    }

    fn init_cells(&mut self, f: &Function, base: usize) {
        let code = &f.code;
        for &s in &code.cellslots {
            let slot = &mut self.fiber.stack[base + s as usize];
            let v = std::mem::take(slot);
            *slot = Value::cell(v);
        }
        for (i, c) in f.closure.iter().enumerate() {
            self.fiber.stack[base + code.freestart as usize + i] = c.clone();
        }
    }

    /// Call `func`; the result is pushed, or a frame is entered whose return pushes it.
    pub(super) fn call_value_push(&mut self, func: Value, mut args: CallArgs) -> PyResult<Step> {
        match &func {
            Value::Builtin(b) if b.bound.is_none() => {
                let r = (b.func)(self, args)?;
                self.fiber.stack.push(r);
                Ok(Step::Continue)
            }
            Value::Func(f) => {
                let slots = self.bind_args(f, args)?;
                if f.code.is_generatorlike() {
                    let g = self.make_generator(f, slots);
                    self.fiber.stack.push(g);
                    return Ok(Step::Continue);
                }
                self.push_frame(f, slots, Resume::Call)
            }
            Value::Bound(b) => {
                args.pos.insert(0, b.receiver.clone());
                let f = b.func.clone();
                self.call_value_push(f, args)
            }
            Value::Class(c) if c.layout != Layout::Native && c.lookup("__new__").is_none() => {
                let inst = Value::instance(self.new_instance(c, &args)?);
                match c.lookup("__init__") {
                    Some(Value::Func(init)) => {
                        args.pos.insert(0, inst);
                        let slots = self.bind_args(&init, args)?;
                        self.push_frame(&init, slots, Resume::Init)
                    }
                    _ => {
                        self.init_instance(c, &inst, args)?;
                        self.fiber.stack.push(inst);
                        Ok(Step::Continue)
                    }
                }
            }
            // A partial calls its function in this frame's fiber (not a nested run), so a
            // thread blocking inside it can still suspend.
            Value::Native(n) if matches!(&**n, NativeObj::Partial { .. }) => {
                match self.unwrap_callable(&func, &mut args) {
                    Some(f) => self.call_value_push(f, args),
                    None => Ok(Step::Continue),
                }
            }
            _ => {
                let r = self.call(&func, args)?;
                self.fiber.stack.push(r);
                Ok(Step::Continue)
            }
        }
    }

    /// Enter `f` with its bound local slots.
    fn push_frame(&mut self, f: &Function, slots: Vec<Value>, resume: Resume) -> PyResult<Step> {
        self.enter_function(f, slots, resume)?;
        Ok(Step::Continue)
    }

    /// Push a frame for `f` with its bound argument slots on top of the value stack.
    fn enter_function(&mut self, f: &Function, slots: Vec<Value>, resume: Resume) -> PyResult<()> {
        let base = self.fiber.stack.len();
        self.fiber.stack.extend(slots);
        self.enter_frame(Frame::new(
            f.code.clone(),
            base,
            base,
            f.globals.clone(),
            resume,
        ))
    }

    /// A fresh instance of a user class (or exception class), before `__init__`.
    pub(super) fn new_instance(&mut self, c: &Rc<Class>, args: &CallArgs) -> PyResult<Instance> {
        let cls = if c.is_subclass(types::types().exc("BaseExceptionGroup")) {
            super::excgroup::group_class(c, &args.pos)?
        } else {
            c.clone()
        };
        let inst = Instance::new(cls);
        if c.layout == Layout::Exception {
            inst.set("args", Value::tuple(args.pos.to_vec()));
        }
        Ok(inst)
    }

    /// `__init__` for a class without a Python-level one.
    pub(super) fn init_instance(
        &mut self,
        c: &Rc<Class>,
        inst: &Value,
        args: CallArgs,
    ) -> PyResult<()> {
        match c.lookup("__init__") {
            Some(init @ (Value::Func(_) | Value::Builtin(_) | Value::Native(_))) => {
                let mut a = args;
                a.pos.insert(0, inst.clone());
                let r = self.call(&init, a)?;
                if !r.is_none() {
                    return Err(type_error(format!(
                        "__init__() should return None, not '{}'",
                        types::type_name(&r)
                    )));
                }
                Ok(())
            }
            _ => {
                if c.layout != Layout::Exception && (!args.pos.is_empty() || !args.kw.is_empty()) {
                    return Err(type_error(format!("{}() takes no arguments", c.name)));
                }
                if c.layout == Layout::Exception && !args.kw.is_empty() {
                    return Err(type_error(format!(
                        "{}() takes no keyword arguments",
                        c.name
                    )));
                }
                Ok(())
            }
        }
    }

    /// A generator/coroutine object for a call of `f` with bound `slots`.
    fn make_generator(&mut self, f: &Rc<Function>, slots: Vec<Value>) -> Value {
        let code = &f.code;
        let kind = match (code.flags.coroutine, code.flags.generator) {
            (true, true) => GenKind::AsyncGen,
            (true, false) => GenKind::Coroutine,
            _ => GenKind::Generator,
        };
        let caller = self.fiber.frames.last();
        let origin = caller.map(|fr| fr.code.clone());
        let origin_ip = caller.map_or(0, |fr| fr.ip.saturating_sub(1));
        let owner = Rc::new(GenObj {
            kind,
            state: Cell::new(GenState::Created),
            saved: Cell::new(None),
            code: code.clone(),
            renamed: {
                let q = f.qualname.borrow();
                (!Rc::ptr_eq(&q, &code.qualname) && **q != *code.qualname)
                    .then(|| Box::new(q.clone()))
            },
            started: Cell::new(false),
            origin,
            origin_ip,
            running_async: Cell::new(false),
        });
        let frame = Frame::new(code.clone(), 0, 0, f.globals.clone(), Resume::Call);
        owner.saved.set(Some(SavedFrame {
            frame,
            stack: slots,
        }));
        Value::Gen(owner)
    }

    /// Lay out the local slots of a call of `f`.
    #[allow(clippy::needless_range_loop)]
    pub(super) fn bind_args(&mut self, f: &Function, args: CallArgs) -> PyResult<Vec<Value>> {
        let code = &f.code;
        let npos = code.argcount as usize;
        let nkwonly = code.kwonlycount as usize;
        let nslots = code.nslots();
        let mut slots = Vec::with_capacity(nslots + code.stack_room());
        slots.resize(nslots, Value::Undef);
        let CallArgs { pos, kw } = args;
        let given = pos.len();
        let mut pos = pos.into_iter();
        for slot in slots.iter_mut().take(npos.min(given)) {
            *slot = pos.next().unwrap_or_default();
        }
        let mut next_slot = npos + nkwonly;
        if code.flags.varargs {
            slots[next_slot] = Value::tuple(pos.collect());
            next_slot += 1;
        } else if given > npos {
            let ndef = f.defaults.len();
            let takes = if ndef > 0 {
                format!("from {} to {} positional arguments", npos - ndef, npos)
            } else {
                format!(
                    "{} positional argument{}",
                    npos,
                    if npos == 1 { "" } else { "s" }
                )
            };
            return Err(type_error(format!(
                "{} takes {} but {} {} given",
                bind_error_name(f),
                takes,
                given,
                if given == 1 { "was" } else { "were" }
            )));
        }
        let kwdict = if code.flags.varkw {
            Some(Rc::new(RefCell::new(Dict::new())))
        } else {
            None
        };
        let posonly = &code.varnames[..code.posonlycount as usize];
        if kwdict.is_none() && kw.iter().any(|(k, _)| posonly.contains(k)) {
            let names: Vec<&str> = kw
                .iter()
                .filter(|(k, _)| posonly.contains(k))
                .map(|(k, _)| &**k)
                .collect();
            return Err(type_error(format!(
                "{} got some positional-only arguments passed as keyword arguments: '{}'",
                bind_error_name(f),
                names.join(", ")
            )));
        }
        for (name, v) in kw {
            let ix = code.varnames[code.posonlycount as usize..npos + nkwonly]
                .iter()
                .position(|n| **n == *name)
                .map(|i| i + code.posonlycount as usize);
            match ix {
                Some(i) => {
                    if !matches!(slots[i], Value::Undef) {
                        return Err(type_error(format!(
                            "{} got multiple values for argument '{}'",
                            bind_error_name(f),
                            name
                        )));
                    }
                    slots[i] = v;
                }
                None => match &kwdict {
                    Some(d) => self.dict_set(d, Value::str(&name), v)?,
                    None => {
                        return Err(type_error(format!(
                            "{} got an unexpected keyword argument '{}'",
                            bind_error_name(f),
                            name
                        )));
                    }
                },
            }
        }
        if let Some(d) = kwdict {
            slots[next_slot] = Value::tracked(Value::Dict(d));
        }
        // Defaults for missing positional parameters.
        let ndef = f.defaults.len();
        let mut missing = Vec::new();
        for i in 0..npos {
            if matches!(slots[i], Value::Undef) {
                if i + ndef >= npos {
                    slots[i] = f.defaults[i + ndef - npos].clone();
                } else {
                    missing.push(code.varnames[i].clone());
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_error(f, &missing, "positional"));
        }
        for i in npos..npos + nkwonly {
            if matches!(slots[i], Value::Undef) {
                let name = &code.varnames[i];
                match f.kwdefaults.iter().find(|(k, _)| k == name) {
                    Some((_, v)) => slots[i] = v.clone(),
                    None => missing.push(name.clone()),
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_error(f, &missing, "keyword-only"));
        }
        for &s in &code.cellslots {
            let v = std::mem::take(&mut slots[s as usize]);
            slots[s as usize] = Value::cell(v);
        }
        for (i, c) in f.closure.iter().enumerate() {
            slots[code.freestart as usize + i] = c.clone();
        }
        Ok(slots)
    }

    pub(super) fn make_function(&mut self, arg: u32) -> PyResult<Value> {
        let idx = (arg & 0xff_ffff) as usize;
        let closure = if arg & (1 << 26) != 0 {
            match self.fiber.stack.pop() {
                Some(Value::Tuple(t)) => (*t).clone(),
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let kwdefaults = if arg & (1 << 25) != 0 {
            match self.fiber.stack.pop() {
                Some(Value::Dict(d)) => d
                    .borrow()
                    .iter()
                    .map(|e| (e.key.as_str().unwrap_or("").into(), e.value.clone()))
                    .collect(),
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let defaults = if arg & (1 << 24) != 0 {
            match self.fiber.stack.pop() {
                Some(Value::Tuple(t)) => (*t).clone(),
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let frame = self.fiber.frames.last().expect("frame");
        let code: Rc<Code> = frame.code.children[idx].clone();
        let plain_argc = crate::object::plain_call_argc(&code, &closure);
        Ok(Value::Func(Rc::new(Function {
            name: RefCell::new(code.name.clone()),
            qualname: RefCell::new(code.qualname.clone()),
            code,
            globals: frame.globals.clone(),
            defaults,
            kwdefaults,
            plain_argc,
            closure,
            attrs: RefCell::new(Attrs::default()),
        })))
    }

    /// `__build_class__(body, name, *bases, **kw)`: run the class body and make the class.
    pub fn build_class(&mut self, args: CallArgs) -> PyResult<Value> {
        let mut pos = args.pos.into_iter();
        let (Some(Value::Func(body)), Some(name)) = (pos.next(), pos.next()) else {
            return Err(type_error("__build_class__: bad arguments"));
        };
        if let Some((k, _)) = args.kw.first() {
            return Err(type_error(format!(
                "class keyword argument '{k}' is not supported"
            )));
        }
        let name = name.as_str().unwrap_or("?").to_string();
        let mut bases = Vec::new();
        for b in pos {
            match b {
                Value::Class(c) => {
                    if c.layout == Layout::Native && !Rc::ptr_eq(&c, &types::types().object) {
                        return Err(type_error(format!(
                            "subclassing the built-in type '{}' is not supported",
                            c.name
                        )));
                    }
                    bases.push(c)
                }
                other => {
                    return Err(type_error(format!(
                        "bases must be classes, not '{}'",
                        types::type_name(&other)
                    )));
                }
            }
        }
        let ns = Rc::new(RefCell::new(Dict::new()));
        let code = body.code.clone();
        let base = self.fiber.stack.len();
        self.fiber.stack.resize(base + code.nslots(), Value::Undef);
        self.init_cells(&body, base);
        self.enter_frame(Frame {
            code: code.clone(),
            ip: 0,
            base: base as u32,
            pop_to: base as u32,
            globals: body.globals.clone(),
            owner: None,
            resume: Resume::Native,
            extra: Some(Box::new(FrameExtra {
                blocks: Default::default(),
                ns: Some(ns.clone()),
            })),
        })?;
        let cell = self.run_nested()?;
        let mut attrs = Attrs::default();
        for e in ns.borrow().iter() {
            if let Value::Str(s) = &e.key {
                attrs.insert(s.s.as_ref().into(), e.value.clone());
            }
        }
        let qualname = attrs
            .get("__qualname__")
            .and_then(|v| v.as_str().map(|s| s.to_string()))
            .unwrap_or_else(|| name.clone());
        let module = body.globals.name.to_string();
        // Every class has its own `__doc__` (None without a docstring); it is not inherited.
        attrs.entry("__doc__".into()).or_insert(Value::None);
        types::check_mro(&bases)?;
        let cls = types::make_class(&name, &qualname, &module, bases, attrs);
        if let Value::Cell(c) = cell {
            *c.borrow_mut() = Value::Class(cls.clone());
        }
        Ok(Value::Class(cls))
    }

    /// A partial object or bound value as a plain (callable, args) pair.
    pub(super) fn unwrap_callable(&self, f: &Value, args: &mut CallArgs) -> Option<Value> {
        match f {
            Value::Bound(b) => {
                args.pos.insert(0, b.receiver.clone());
                Some(b.func.clone())
            }
            Value::Native(n) => match &**n {
                NativeObj::Partial {
                    func,
                    args: pargs,
                    kw,
                } => {
                    let mut pos: SmallVec<[Value; 4]> = pargs.iter().cloned().collect();
                    pos.extend(std::mem::take(&mut args.pos));
                    args.pos = pos;
                    let mut kws = kw.clone();
                    for (k, v) in std::mem::take(&mut args.kw) {
                        kws.retain(|(kk, _)| *kk != k);
                        kws.push((k, v));
                    }
                    args.kw = kws;
                    Some(func.clone())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Push the frame of `func()` (a Python function or bound method, no arguments) on an
    /// empty fiber, for a new thread to run from its first instruction.
    pub fn push_call(&mut self, func: &Value) -> PyResult<()> {
        let mut args = CallArgs::default();
        let f = self
            .unwrap_callable(func, &mut args)
            .unwrap_or(func.clone());
        let Value::Func(f) = f else {
            return Err(type_error("a thread's bootstrap must be a Python function"));
        };
        let slots = self.bind_args(&f, args)?;
        self.enter_function(&f, slots, Resume::Native)
    }

    /// Call a Python function to completion from native code.
    pub(super) fn call_function_nested(
        &mut self,
        f: &Rc<Function>,
        args: CallArgs,
    ) -> PyResult<Value> {
        let slots = self.bind_args(f, args)?;
        if f.code.is_generatorlike() {
            return Ok(self.make_generator(f, slots));
        }
        if self.native_depth > self.recursion_limit {
            return Err(exc("RecursionError", "maximum recursion depth exceeded"));
        }
        self.enter_function(f, slots, Resume::Native)?;
        self.native_depth += 1;
        let r = self.run_nested();
        self.native_depth -= 1;
        r
    }

    /// `super()` with no arguments uses the method's `__class__` cell and first argument;
    /// `super(cls, obj)` is explicit.
    pub fn builtin_super(&mut self, args: CallArgs) -> PyResult<Value> {
        let (class, receiver) = match args.pos.len() {
            2 => match &args.pos[0] {
                Value::Class(c) => (c.clone(), args.pos[1].clone()),
                _ => return Err(type_error("super() argument 1 must be a type")),
            },
            0 => {
                let f = self
                    .fiber
                    .frames
                    .last()
                    .ok_or_else(|| exc("RuntimeError", "super(): no arguments"))?;
                let code = f.code.clone();
                let base = f.base as usize;
                let slot = code.varnames.iter().position(|n| &**n == "__class__");
                let class = match slot.map(|s| &self.fiber.stack[base + s]) {
                    Some(Value::Cell(c)) => match &*c.borrow() {
                        Value::Class(c) => c.clone(),
                        _ => return Err(exc("RuntimeError", "super(): empty __class__ cell")),
                    },
                    _ => return Err(exc("RuntimeError", "super(): __class__ cell not found")),
                };
                if code.argcount == 0 {
                    return Err(exc("RuntimeError", "super(): no arguments"));
                }
                let receiver = match &self.fiber.stack[base] {
                    Value::Cell(c) => c.borrow().clone(),
                    v => v.clone(),
                };
                (class, receiver)
            }
            _ => return Err(type_error("super() takes 0 or 2 arguments")),
        };
        Ok(Value::Native(Rc::new(NativeObj::Super { class, receiver })))
    }

    pub fn bound(receiver: Value, func: Value) -> Value {
        Value::Bound(Rc::new(BoundMethod { receiver, func }))
    }
}

fn missing_error(f: &Function, missing: &[Rc<str>], kind: &str) -> crate::object::Exc {
    let names: Vec<String> = missing.iter().map(|n| format!("'{n}'")).collect();
    let list = match names.len() {
        1 => names[0].clone(),
        2 => format!("{} and {}", names[0], names[1]),
        _ => format!(
            "{}, and {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
    };
    type_error(format!(
        "{} missing {} required {} argument{}: {}",
        bind_error_name(f),
        missing.len(),
        kind,
        if missing.len() == 1 { "" } else { "s" },
        list
    ))
}
