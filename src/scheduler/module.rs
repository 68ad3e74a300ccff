//! The `asyncio` module: native loop/future/task functions, then the aio-source prelude.

use std::rc::Rc;

use super::{
    AsyncObj, Callback, FutCallback, FutState, as_async, as_future, as_loop, classes, event_loop,
    future, task,
};
use crate::object::{Builtin, CallArgs, GenKind, Module, NativeFn, PyResult};
use crate::types::{self, runtime_error, type_error};
use crate::value::Value;
use crate::vm::Vm;

fn builtin(name: &'static str, func: NativeFn, bound: Option<Value>) -> Value {
    Value::Builtin(Rc::new(Builtin { name, func, bound }))
}

fn arg(args: &mut CallArgs, i: usize, name: &str) -> Value {
    if let Some(v) = args.take_kw(name) {
        return v;
    }
    args.pos.get(i).cloned().unwrap_or_default()
}

fn need(args: &CallArgs, n: usize, what: &str) -> PyResult<()> {
    if args.pos.len() < n {
        return Err(type_error(format!("{what} missing required argument")));
    }
    Ok(())
}

pub fn get_event_loop(vm: &mut Vm) -> PyResult<Value> {
    if let Some(l) = &vm.sched.running_loop {
        return Ok(l.clone());
    }
    if let Some(l) = &vm.sched.event_loop {
        return Ok(l.clone());
    }
    if vm.threads.current != 0 {
        // The default policy only makes loops for the main thread.
        let name = vm.thread_name(vm.threads.current);
        return Err(runtime_error(format!(
            "There is no current event loop in thread '{name}'."
        )));
    }
    let l = event_loop::new_loop();
    vm.sched.event_loop = Some(l.clone());
    Ok(l)
}

fn running_loop(vm: &mut Vm) -> PyResult<Value> {
    vm.sched
        .running_loop
        .clone()
        .ok_or_else(|| runtime_error("no running event loop"))
}

fn callback_args(args: &CallArgs, from: usize) -> Vec<Value> {
    args.pos.iter().skip(from).cloned().collect()
}

fn handle_value(h: Rc<super::HandleObj>) -> Value {
    super::wrap(AsyncObj::Handle(h))
}

/// Build the module: natives first, then run the prelude in its namespace.
pub fn asyncio_module(vm: &mut Vm) -> PyResult<Value> {
    let m = Rc::new(Module::new("asyncio"));
    m.set("__name__", Value::str("asyncio"));
    let natives: &[(&'static str, NativeFn)] = &[
        ("sleep", |_vm, mut a| {
            let delay = arg(&mut a, 0, "delay");
            let result = arg(&mut a, 1, "result");
            let d = match &delay {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                Value::Bool(b) => *b as i64 as f64,
                other => {
                    return Err(type_error(format!(
                        "'<=' not supported between instances of '{}' and 'int'",
                        types::type_name(other)
                    )));
                }
            };
            Ok(super::sleep::new_sleep(d, result))
        }),
        ("get_event_loop", |vm, _| get_event_loop(vm)),
        ("gather", super::gather::gather),
        // asyncio.run's Ctrl-C handling (vm/budget.rs): watch a main task, or None.
        ("_watch_sigint", |vm, a| {
            let task = a.pos.first().cloned().unwrap_or_default();
            Ok(Value::Int(i64::from(vm.watch_sigint(task))))
        }),
        ("new_event_loop", |_, _| Ok(event_loop::new_loop())),
        ("set_event_loop", |vm, a| {
            let l = a.pos.first().cloned().unwrap_or_default();
            vm.sched.event_loop = if l.is_none() { None } else { Some(l) };
            Ok(Value::None)
        }),
        ("get_running_loop", |vm, _| running_loop(vm)),
        ("_get_running_loop", |vm, _| {
            Ok(vm.sched.running_loop.clone().unwrap_or_default())
        }),
        ("create_task", |vm, mut a| {
            let coro = arg(&mut a, 0, "coro");
            let name = arg(&mut a, 1, "name");
            let lp = match vm.sched.running_loop.clone() {
                Some(l) => l,
                None => {
                    if let Value::Gen(g) = &coro {
                        g.started.set(true);
                    }
                    let e = runtime_error("no running event loop");
                    return Err(e);
                }
            };
            task::create_task(vm, &lp, coro, name)
        }),
        ("ensure_future", |vm, mut a| {
            let x = arg(&mut a, 0, "coro_or_future");
            let lp = arg(&mut a, 1, "loop");
            task::ensure_future(vm, x, if lp.is_none() { None } else { Some(lp) })
        }),
        ("current_task", |vm, _| {
            Ok(vm.sched.current_task.clone().unwrap_or_default())
        }),
        ("all_tasks", |vm, mut a| {
            let lp = arg(&mut a, 0, "loop");
            let lp = if lp.is_none() { running_loop(vm)? } else { lp };
            let tasks: Vec<Value> = as_loop(&lp)
                .map(|l| l.tasks.borrow().pending())
                .unwrap_or_default();
            let d = Rc::new(std::cell::RefCell::new(crate::dict::Dict::new()));
            for t in tasks {
                if as_future(&t).is_some_and(|f| f.state.get() == FutState::Pending) {
                    vm.dict_set(&d, t, Value::None)?;
                }
            }
            Ok(Value::tracked(Value::Set(d)))
        }),
        ("iscoroutine", |_, a| {
            let v = a.pos.first().cloned().unwrap_or_default();
            Ok(Value::Bool(
                matches!(&v, Value::Gen(g) if g.kind == GenKind::Coroutine)
                    || super::is_native_coro(&v),
            ))
        }),
        ("iscoroutinefunction", |vm, a| {
            let v = a.pos.first().cloned().unwrap_or_default();
            let mut f = v.clone();
            loop {
                f = match &f {
                    Value::Bound(b) => b.func.clone(),
                    Value::Native(n) => match &**n {
                        crate::object::NativeObj::Partial { func, .. } => func.clone(),
                        _ => break,
                    },
                    _ => break,
                };
            }
            Ok(Value::Bool(match &f {
                Value::Func(f) => f.code.flags.coroutine && !f.code.flags.generator,
                Value::Builtin(b) => super::sleep::is_sleep_fn(vm, b),
                _ => false,
            }))
        }),
        ("isfuture", |_, a| {
            Ok(Value::Bool(
                a.pos.first().is_some_and(|v| as_future(v).is_some()),
            ))
        }),
        ("_run_until_complete", |vm, a| {
            need(&a, 2, "run_until_complete()")?;
            event_loop::run_until_complete(vm, &a.pos[0], a.pos[1].clone())
        }),
        ("_gathering_future", |_, a| {
            need(&a, 2, "_gathering_future()")?;
            let children = match &a.pos[0] {
                Value::List(l) => l.borrow().clone(),
                _ => Vec::new(),
            };
            Ok(super::gather::gathering_future(a.pos[1].clone(), children))
        }),
        ("_cancel_requested", |_, a| {
            Ok(Value::Bool(
                a.pos
                    .first()
                    .and_then(as_future)
                    .is_some_and(|f| f.cancel_requested.get()),
            ))
        }),
        ("_make_cancelled_error", |_, a| {
            let f = a
                .pos
                .first()
                .and_then(as_future)
                .ok_or_else(|| type_error("not a future"))?;
            Ok(Value::Instance(future::cancelled_error(f)))
        }),
        ("_graph_frames", |vm, a| {
            need(&a, 3, "_graph_frames()")?;
            let current = matches!(a.pos[1], Value::Bool(true));
            graph_frames(vm, &a.pos[0], current, &a.pos[2])
        }),
        ("_awaited_by", |vm, a| {
            need(&a, 1, "_awaited_by()")?;
            Ok(Value::list(crate::trace::awaited_by(vm, &a.pos[0])))
        }),
        ("future_add_to_awaited_by", |vm, a| {
            need(&a, 2, "future_add_to_awaited_by()")?;
            if let (Value::Native(f), Value::Native(w)) = (&a.pos[0], &a.pos[1])
                && as_future(&a.pos[0]).is_some()
                && as_future(&a.pos[1]).is_some()
            {
                vm.sched.awaited_by.add(f, w);
            }
            Ok(Value::None)
        }),
        ("future_discard_from_awaited_by", |vm, a| {
            need(&a, 2, "future_discard_from_awaited_by()")?;
            if let (Value::Native(f), Value::Native(w)) = (&a.pos[0], &a.pos[1]) {
                vm.sched.awaited_by.discard(f, w);
            }
            Ok(Value::None)
        }),
        ("_queue_get", super::queue::get),
        ("_queue_put", super::queue::put),
        ("_queue_get_nowait", super::queue::get_nowait),
        ("_queue_put_nowait", super::queue::put_nowait),
        ("_set_running_loop_none", |vm, _| {
            vm.sched.running_loop = None;
            Ok(Value::None)
        }),
    ];
    for (name, f) in natives {
        m.set(name, builtin(name, *f, None));
    }
    let (future_cls, task_cls) = classes(|c| (c.future.clone(), c.task.clone()));
    future_cls.dict.borrow_mut().insert(
        "__new__".into(),
        builtin(
            "Future",
            |vm, mut a| {
                let lp = arg(&mut a, 1, "loop");
                let lp = if lp.is_none() {
                    get_event_loop(vm)?
                } else {
                    lp
                };
                Ok(future::new_future_here(vm, lp))
            },
            None,
        ),
    );
    task_cls.dict.borrow_mut().insert(
        "__new__".into(),
        builtin(
            "Task",
            |vm, mut a| {
                let coro = arg(&mut a, 1, "coro");
                let lp = arg(&mut a, 2, "loop");
                let name = arg(&mut a, 3, "name");
                let lp = if lp.is_none() {
                    get_event_loop(vm)?
                } else {
                    lp
                };
                task::create_task(vm, &lp, coro, name)
            },
            None,
        ),
    );
    m.set("Future", Value::Class(future_cls));
    m.set("Task", Value::Class(task_cls));
    for name in [
        "CancelledError",
        "InvalidStateError",
        "QueueEmpty",
        "QueueFull",
    ] {
        m.set(name, Value::Class(types::types().exc(name).clone()));
    }
    m.set(
        "TimeoutError",
        Value::Class(types::types().exc("TimeoutError").clone()),
    );
    vm.run_module(prelude_code()?, m.clone())?;
    vm.sched.queue_classes = super::queue::classes_from(&m);
    vm.sched.sleep_fn = match m.get("sleep") {
        Some(Value::Builtin(b)) => Some(b),
        _ => None,
    };
    let v = Value::Module(m);
    vm.sched.module = Some(v.clone());
    Ok(v)
}

/// The compiled prelude, compiled once per thread: code objects are immutable, so every
/// interpreter on the thread (a REPL `:reset`, each program of a fuzzing run) can share it.
fn prelude_code() -> PyResult<Rc<crate::bytecode::Code>> {
    thread_local! {
        static CODE: std::cell::OnceCell<Rc<crate::bytecode::Code>> = const { std::cell::OnceCell::new() };
    }
    if let Some(code) = CODE.with(|c| c.get().cloned()) {
        return Ok(code);
    }
    // Frozen (compiled ahead of time) unless it was changed since: see `crate::frozen`.
    let code = crate::frozen::ASYNCIO.code()?;
    CODE.with(|c| c.set(code.clone()).ok());
    Ok(code)
}

/// `_graph_frames(future, current, depth)`: the frames of a task for the call graph,
/// outermost first, as `(filename, lineno, name, qualname, coroutine or None)` tuples. For
/// the current task they are the frames that called into asyncio, minus `depth - 1` more.
fn graph_frames(vm: &mut Vm, fut: &Value, current: bool, depth: &Value) -> PyResult<Value> {
    let mut frames = crate::trace::task_frames(vm, fut);
    if current {
        while frames.last().is_some_and(|f| f.internal) {
            frames.pop();
        }
        let skip = match depth {
            Value::Int(d) => (*d).max(1) as usize - 1,
            _ => 0,
        };
        frames.truncate(frames.len().saturating_sub(skip));
    }
    Ok(Value::list(
        frames
            .into_iter()
            .map(|f| {
                let name = f.qualname.rsplit('.').next().unwrap_or("").to_string();
                Value::tuple(vec![
                    Value::string(f.file),
                    Value::Int(f.line as i64),
                    Value::string(name),
                    Value::string(f.qualname),
                    f.owner.unwrap_or_default(),
                ])
            })
            .collect(),
    ))
}

impl Vm {
    /// A name from the asyncio module (importing it if needed).
    pub fn module_attr(&mut self, name: &str) -> PyResult<Value> {
        let m = match self.sched.module.clone() {
            Some(m) => m,
            None => asyncio_module(self)?,
        };
        self.getattr(&m, name)
    }
}

fn self_future(a: &CallArgs) -> PyResult<Value> {
    a.pos
        .first()
        .cloned()
        .ok_or_else(|| type_error("missing self"))
}

/// Methods of loops, futures, tasks and handles, bound to `obj`.
pub fn getattr(vm: &mut Vm, obj: &Value, a: &AsyncObj, name: &str) -> PyResult<Option<Value>> {
    let _ = vm;
    let f: Option<NativeFn> = match a {
        AsyncObj::Loop(_) => match name {
            "run_until_complete" => Some(|vm, a| {
                need(&a, 2, "run_until_complete()")?;
                event_loop::run_until_complete(vm, &a.pos[0], a.pos[1].clone())
            }),
            "run_forever" => Some(|vm, a| {
                event_loop::run_forever(vm, &a.pos[0])?;
                Ok(Value::None)
            }),
            "stop" => Some(|_, a| {
                event_loop::stop(&a.pos[0]);
                Ok(Value::None)
            }),
            "close" => Some(|_, a| {
                event_loop::close(&a.pos[0])?;
                Ok(Value::None)
            }),
            "is_running" => Some(|_, a| {
                Ok(Value::Bool(
                    as_loop(&a.pos[0]).is_some_and(|l| l.running.get()),
                ))
            }),
            "is_closed" => Some(|_, a| {
                Ok(Value::Bool(
                    as_loop(&a.pos[0]).is_some_and(|l| l.closed.get()),
                ))
            }),
            "time" => Some(|vm, _| Ok(Value::Float(vm.sched.clock.now()))),
            "get_debug" => Some(|_, _| Ok(Value::Bool(false))),
            "set_debug" => Some(|_, _| Ok(Value::None)),
            "get_exception_handler" => Some(|_, a| {
                Ok(as_loop(&a.pos[0])
                    .map(|l| l.exception_handler.borrow().clone())
                    .unwrap_or_default())
            }),
            "set_exception_handler" => Some(|_, a| {
                need(&a, 2, "set_exception_handler()")?;
                if let Some(l) = as_loop(&a.pos[0]) {
                    *l.exception_handler.borrow_mut() = a.pos[1].clone();
                }
                Ok(Value::None)
            }),
            "call_exception_handler" => Some(|vm, a| {
                need(&a, 2, "call_exception_handler()")?;
                event_loop::call_exception_handler(vm, &a.pos[0], a.pos[1].clone())?;
                Ok(Value::None)
            }),
            "default_exception_handler" => Some(|vm, a| {
                need(&a, 2, "default_exception_handler()")?;
                event_loop::default_exception_handler(vm, &a.pos[1])?;
                Ok(Value::None)
            }),
            "run_in_executor" => Some(|vm, a| {
                let f = vm.module_attr("_run_in_executor")?;
                vm.call(&f, a)
            }),
            // One interpreter runs every thread, so "threadsafe" is call_soon; the loop's
            // thread notices the ready handle when the scheduler next looks at it.
            "call_soon" | "call_soon_threadsafe" => Some(|vm, a| {
                need(&a, 2, "call_soon()")?;
                let lp = a.pos[0].clone();
                event_loop::check_open(&lp)?;
                let h = event_loop::call_soon_handle(
                    vm,
                    &lp,
                    Callback::call(a.pos[1].clone(), callback_args(&a, 2)),
                );
                Ok(handle_value(h))
            }),
            "call_later" | "call_at" => Some(if name == "call_later" {
                |vm, a| {
                    need(&a, 3, "call_later()")?;
                    let lp = a.pos[0].clone();
                    event_loop::check_open(&lp)?;
                    let d = crate::vm::to_f64(&a.pos[1])
                        .ok_or_else(|| type_error("delay must be a number"))?;
                    let when = vm.sched.clock.now() + d;
                    Ok(event_loop::call_at(
                        vm,
                        &lp,
                        when,
                        Callback::call(a.pos[2].clone(), callback_args(&a, 3)),
                    ))
                }
            } else {
                |vm, a| {
                    need(&a, 3, "call_at()")?;
                    let lp = a.pos[0].clone();
                    event_loop::check_open(&lp)?;
                    let when = crate::vm::to_f64(&a.pos[1])
                        .ok_or_else(|| type_error("when must be a number"))?;
                    Ok(event_loop::call_at(
                        vm,
                        &lp,
                        when,
                        Callback::call(a.pos[2].clone(), callback_args(&a, 3)),
                    ))
                }
            }),
            "create_task" => Some(|vm, mut a| {
                let lp = a.pos[0].clone();
                let coro = arg(&mut a, 1, "coro");
                let name = arg(&mut a, 2, "name");
                task::create_task(vm, &lp, coro, name)
            }),
            "create_future" => Some(|vm, a| Ok(future::new_future_here(vm, a.pos[0].clone()))),
            "shutdown_asyncgens" | "shutdown_default_executor" => Some(|vm, _| {
                let f = vm.module_attr("_noop")?;
                vm.call0(&f)
            }),
            _ => None,
        },
        AsyncObj::Future(fo) => {
            let is_task = fo.task().is_some();
            match name {
                "result" => Some(|vm, a| future::result(vm, &self_future(&a)?)),
                // A future is its own awaiter (for `yield from fut` / `return fut.__await__()`).
                "__await__" | "__iter__" => Some(|_, a| self_future(&a)),
                "exception" => Some(|vm, a| future::exception(vm, &self_future(&a)?)),
                "done" => Some(|_, a| {
                    Ok(Value::Bool(
                        as_future(&a.pos[0]).is_some_and(|f| f.state.get() != FutState::Pending),
                    ))
                }),
                "cancelled" => Some(|_, a| {
                    Ok(Value::Bool(
                        as_future(&a.pos[0]).is_some_and(|f| f.state.get() == FutState::Cancelled),
                    ))
                }),
                "cancel" => Some(|vm, mut a| {
                    let me = a.pos[0].clone();
                    let msg = arg(&mut a, 1, "msg");
                    task::cancel(vm, &me, msg).map(Value::Bool)
                }),
                "add_done_callback" => Some(|vm, mut a| {
                    let me = a.pos[0].clone();
                    let cb = arg(&mut a, 1, "fn");
                    future::add_done_callback(vm, &me, FutCallback::Py(Box::new(cb)));
                    Ok(Value::None)
                }),
                "remove_done_callback" => Some(|vm, a| {
                    need(&a, 2, "remove_done_callback()")?;
                    let Some(f) = as_future(&a.pos[0]) else {
                        return Ok(Value::Int(0));
                    };
                    let target = a.pos[1].clone();
                    let cbs = f.callbacks.take();
                    let mut kept = super::FutCallbacks::new();
                    let mut removed = 0;
                    for c in cbs {
                        let same = match &c {
                            FutCallback::Py(v) => {
                                v.is(&target) || vm.eq(v, &target).unwrap_or(false)
                            }
                            _ => false,
                        };
                        if same {
                            removed += 1;
                        } else {
                            kept.push(c);
                        }
                    }
                    f.callbacks.set(kept);
                    Ok(Value::Int(removed))
                }),
                "set_result" if !is_task => Some(|vm, a| {
                    need(&a, 2, "set_result()")?;
                    future::set_result(vm, &a.pos[0], a.pos[1].clone())?;
                    Ok(Value::None)
                }),
                "set_exception" if !is_task => Some(|vm, a| {
                    need(&a, 2, "set_exception()")?;
                    future::set_exception(vm, &a.pos[0], a.pos[1].clone())?;
                    Ok(Value::None)
                }),
                "set_result" | "set_exception" => {
                    Some(|_, _| Err(runtime_error("Task does not support set_result operation")))
                }
                "get_loop" => Some(|_, a| {
                    Ok(as_future(&a.pos[0])
                        .map(|f| f.lp.clone())
                        .unwrap_or_default())
                }),
                "get_name" if is_task => Some(|_, a| {
                    Ok(as_future(&a.pos[0])
                        .and_then(|f| f.task().map(|t| t.name()))
                        .unwrap_or_default())
                }),
                "set_name" if is_task => Some(|vm, a| {
                    need(&a, 2, "set_name()")?;
                    let s = Rc::new(crate::object::PyStr::new(vm.to_str(&a.pos[1])?));
                    if let Some(t) = as_future(&a.pos[0]).and_then(|f| f.task()) {
                        t.name.set(Some(s));
                    }
                    Ok(Value::None)
                }),
                "get_coro" if is_task => Some(|_, a| {
                    Ok(as_future(&a.pos[0])
                        .and_then(|f| f.task().map(|t| t.coro.clone()))
                        .unwrap_or_default())
                }),
                "cancelling" if is_task => Some(|_, a| {
                    Ok(Value::Int(
                        as_future(&a.pos[0])
                            .and_then(|f| f.task().map(|t| t.num_cancels_requested.get() as i64))
                            .unwrap_or(0),
                    ))
                }),
                "uncancel" if is_task => Some(|_, a| {
                    let n = as_future(&a.pos[0]).and_then(|f| f.task()).map(|t| {
                        let n = t.num_cancels_requested.get().saturating_sub(1);
                        t.num_cancels_requested.set(n);
                        n as i64
                    });
                    Ok(Value::Int(n.unwrap_or(0)))
                }),
                "_cancel_message" => return Ok(Some(fo.cancel_message())),
                _ => None,
            }
        }
        AsyncObj::Handle(_) => match name {
            "cancel" => Some(|_, a| {
                if let Some(AsyncObj::Handle(h)) = as_async(&a.pos[0]) {
                    h.cancelled.set(true);
                    *h.callback.borrow_mut() = Callback::Done;
                }
                Ok(Value::None)
            }),
            "cancelled" => Some(|_, a| {
                Ok(Value::Bool(
                    matches!(as_async(&a.pos[0]), Some(AsyncObj::Handle(h)) if h.cancelled.get()),
                ))
            }),
            "when" => Some(|_, a| match as_async(&a.pos[0]) {
                Some(AsyncObj::Handle(h)) => Ok(h.when.map(Value::Float).unwrap_or_default()),
                _ => Ok(Value::None),
            }),
            _ => None,
        },
        AsyncObj::Sleep(_) | AsyncObj::QueueOp(_) | AsyncObj::ASend { .. } => match name {
            "close" => Some(|_, _| Ok(Value::None)),
            _ => None,
        },
    };
    Ok(f.map(|f| builtin(leak_name(name), f, Some(obj.clone()))))
}

/// Method names are a small fixed set: give them 'static lifetime once.
fn leak_name(name: &str) -> &'static str {
    thread_local! {
        static NAMES: std::cell::RefCell<rustc_hash::FxHashMap<String, &'static str>> = Default::default();
    }
    NAMES.with(|n| {
        let mut n = n.borrow_mut();
        if let Some(s) = n.get(name) {
            return *s;
        }
        let s: &'static str = Box::leak(name.to_string().into_boxed_str());
        n.insert(name.to_string(), s);
        s
    })
}
