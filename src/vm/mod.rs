//! The virtual machine: frames on an explicit stack, one dispatch loop.
//!
//! A Python-level call pushes a frame; it never recurses in Rust. `run` returns when the
//! frame it was started for returns, or when the running task must suspend (awaiting a
//! future, sleeping), leaving every frame in place for the scheduler to resume later.

mod api;
mod attr;
mod budget;
mod call;
mod excgroup;
mod exec;
mod generators;
mod interactive;
mod ops;
mod repr;
mod sysmod;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::bytecode::Code;
use crate::dict::Dict;
use crate::object::{Exc, GenObj, Module};
use crate::value::Value;

pub use budget::{Halt, Limit, Limits};
pub use call::bind_error_name;
pub use generators::GenStep;
pub use ops::to_f64;

/// What a frame does with its result when it returns (or yields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// An ordinary call: the result goes on the caller's stack.
    Call,
    /// A generator resumed by FOR_ITER: exhaustion jumps the caller to the target.
    ForIter(u32),
    /// A generator/coroutine resumed by SEND: its return value replaces the sub-iterator
    /// on the caller's stack, and the caller jumps to the target.
    Send(u32),
    /// `__init__` called by a class call: the result must be None; the instance is pushed.
    Init,
    /// The boundary of a nested run started from native code: `run` returns here.
    Native,
    /// The outermost frame of a task: its return finishes the task.
    TaskRoot,
}

#[derive(Clone)]
pub enum Block {
    /// An active try/with handler: on an exception, truncate the stack to `depth` and jump.
    Except { handler: u32, depth: u32 },
    /// Inside an except clause (or finally/with clean-up) handling `exc`.
    Handler { exc: Exc },
}

pub struct Frame {
    pub code: Rc<Code>,
    pub ip: u32,
    /// Stack index of local slot 0.
    pub base: u32,
    /// Stack length to restore when the frame returns (drops the callee too).
    pub pop_to: u32,
    pub globals: Rc<Module>,
    /// The generator or coroutine this frame belongs to.
    pub owner: Option<Rc<GenObj>>,
    pub resume: Resume,
    /// Its try/with blocks and a class body's namespace: boxed, because most frames have
    /// neither, and every frame (a call's, a suspended coroutine's) is then 24 bytes smaller.
    pub extra: Option<Box<FrameExtra>>,
}

const _: () = assert!(std::mem::size_of::<Frame>() == 56);

#[derive(Default)]
pub struct FrameExtra {
    pub blocks: smallvec::SmallVec<[Block; 2]>,
    /// The namespace of a class body being executed.
    pub ns: Option<Rc<RefCell<Dict>>>,
}

impl Frame {
    /// A frame about to run `code` from its first instruction.
    pub fn new(
        code: Rc<Code>,
        base: usize,
        pop_to: usize,
        globals: Rc<Module>,
        resume: Resume,
    ) -> Frame {
        Frame {
            code,
            ip: 0,
            base: base as u32,
            pop_to: pop_to as u32,
            globals,
            owner: None,
            resume,
            extra: None,
        }
    }

    /// Its active try/with blocks and except clauses, innermost last.
    pub fn blocks(&self) -> &[Block] {
        self.extra.as_ref().map_or(&[], |x| &x.blocks)
    }

    pub fn blocks_mut(&mut self) -> &mut smallvec::SmallVec<[Block; 2]> {
        &mut self.extra.get_or_insert_with(Box::default).blocks
    }

    /// The namespace of the class body it runs, if it runs one.
    pub fn ns(&self) -> Option<&Rc<RefCell<Dict>>> {
        self.extra.as_ref().and_then(|x| x.ns.as_ref())
    }
}

/// A stack of frames with their shared value stack: the main program has one, each task one.
#[derive(Default)]
pub struct Fiber {
    pub frames: Vec<Frame>,
    pub stack: Vec<Value>,
}

/// A fiber's frames and stack, borrowed from wherever they are kept (a suspended task's
/// single frame is parked in its coroutine: see `scheduler::task`).
#[derive(Clone, Copy, Default)]
pub struct FiberRef<'a> {
    pub frames: &'a [Frame],
    pub stack: &'a [Value],
}

impl Fiber {
    pub fn view(&self) -> FiberRef<'_> {
        FiberRef {
            frames: &self.frames,
            stack: &self.stack,
        }
    }
}

/// Why `run` stopped without returning.
pub enum Suspend {
    /// A value yielded up through `await` (None: a bare yield, i.e. "run me again soon").
    /// Resuming pushes the sent value on the top frame.
    Yield(Value),
    /// Waiting on a scheduler object (future, task, sleep) from SEND. Resuming re-runs
    /// the SEND, which then finds the object done; nothing is pushed.
    Wait(Value),
    /// A bare yield (`await asyncio.sleep(0)` run at its call) with the frame at the POP
    /// that drops the await's None: a task resuming it skips both, the push and the POP,
    /// and charges the POP's step (see `scheduler::task::resume`).
    YieldAtPop,
    /// A task's own timed sleep started as a bare timer entry (`scheduler::sleep::
    /// start_bare`), with the frame past the await as after a bare yield (`at_pop`: at the
    /// POP that drops its None, as `YieldAtPop`). The task's step only parks it.
    Timer { at_pop: bool },
    /// The current thread blocks or is preempted (see threads/mod.rs): only at a thread's
    /// base, where its scheduler resumes it later.
    Thread,
}

pub enum Exit {
    Returned(Value),
    Suspended(Suspend),
}

pub struct Vm {
    pub fiber: Fiber,
    pub builtins: Rc<Module>,
    pub modules: FxHashMap<Rc<str>, Value>,
    pub recursion_limit: usize,
    /// Native frames between here and the outermost run (each a Rust-level re-entry).
    pub native_depth: usize,
    /// Where `print` goes: stdout, or (in the REPL, while a prompt is shown) a writer that
    /// prints above the prompt.
    pub out: std::io::BufWriter<Box<dyn std::io::Write>>,
    pub sched: crate::scheduler::Scheduler,
    pub stdin_lines: Option<std::io::StdinLock<'static>>,
    /// The program's arguments after the script name (`sys.argv[1:]`).
    pub argv: Vec<String>,
    /// Ctrl-C and resource limits, checked every few thousand instructions.
    pub budget: budget::Budget,
    /// Interpreter-scheduled Python threads (threads/mod.rs).
    pub threads: crate::threads::Threads,
    /// Instructions until the next thread-switch check (the dispatch loop's one branch).
    pub switch_countdown: u32,
}

impl Vm {
    pub fn new(virtual_time: bool) -> Vm {
        // A program's sys.set_int_max_str_digits() does not outlive it.
        crate::format::set_int_max_str_digits(crate::format::INT_MAX_STR_DIGITS);
        let builtins = crate::builtins::builtins_module();
        builtins.set(
            "__build_class__",
            Value::Builtin(Rc::new(crate::object::Builtin {
                name: "__build_class__",
                func: |vm, args| vm.build_class(args),
                bound: None,
            })),
        );
        builtins.set(
            "super",
            Value::Builtin(Rc::new(crate::object::Builtin {
                name: "super",
                func: |vm, args| vm.builtin_super(args),
                bound: None,
            })),
        );
        generators::register();
        excgroup::register();
        for (name, cls) in [
            ("NotImplemented", "NotImplementedType"),
            ("Ellipsis", "ellipsis"),
        ] {
            let c = crate::types::make_class(cls, cls, "builtins", vec![], Default::default());
            builtins.set(
                name,
                Value::Instance(Rc::new(crate::object::Instance::new(c))),
            );
        }
        Vm {
            fiber: Fiber::default(),
            builtins,
            modules: FxHashMap::default(),
            recursion_limit: 1000,
            native_depth: 0,
            out: std::io::BufWriter::with_capacity(1 << 16, Box::new(std::io::stdout())),
            sched: crate::scheduler::Scheduler::new(virtual_time),
            stdin_lines: None,
            argv: Vec::new(),
            budget: budget::Budget::default(),
            threads: Default::default(),
            switch_countdown: crate::threads::IDLE_COUNTDOWN,
        }
    }

    pub fn flush(&mut self) {
        if self.out.flush().is_err() {
            self.sched.stdout_closed = true;
            self.output_closed();
        }
    }

    /// Run module code to completion (the main program, or a REPL entry).
    pub fn run_module(&mut self, code: Rc<Code>, module: Rc<Module>) -> Result<Value, Exc> {
        let base = self.fiber.stack.len();
        self.fiber
            .frames
            .push(Frame::new(code, base, base, module, Resume::Native));
        // A nested run: a thread importing a module cannot suspend inside it.
        self.native_depth += 1;
        let r = self.run_nested();
        self.native_depth -= 1;
        r
    }

    /// Run the top frame (pushed with `Resume::Native`) until it returns.
    pub fn run_nested(&mut self) -> Result<Value, Exc> {
        let stop = self.fiber.frames.len() - 1;
        match self.run(stop) {
            Ok(Exit::Returned(v)) => Ok(v),
            Ok(Exit::Suspended(_)) => {
                // Only a task's own fiber may suspend; unwind what was left.
                self.fiber.frames.truncate(stop);
                Err(crate::types::runtime_error(
                    "a coroutine tried to wait (e.g. await a future or sleep) outside the event loop: \
                     run it with asyncio.run() or await it from a task",
                ))
            }
            Err(e) => Err(e),
        }
    }
}

/// The operator symbol of a binary op, for the disassembler.
pub fn binop_name(op: crate::ast::BinOp) -> &'static str {
    ops::binop_symbol(op)
}

impl Vm {
    /// Print queued runtime warnings (see `warnings.rs`) on stderr, after stdout. (Inlined
    /// check: the event loop calls this after every callback, and there is rarely any.)
    #[inline]
    pub fn flush_warnings(&mut self) {
        if crate::warnings::any() {
            self.print_warnings();
        }
    }

    #[cold]
    fn print_warnings(&mut self) {
        let pending = crate::warnings::take();
        if pending.is_empty() {
            return;
        }
        self.flush();
        for w in pending {
            let text = match w {
                crate::warnings::Warning::NeverAwaited { qualname, origin } => {
                    let (place, source) = crate::warnings::origin_text(&origin);
                    let name = qualname.rsplit('.').next().unwrap_or(&qualname).to_string();
                    format!(
                        "{place}: RuntimeWarning: coroutine '{qualname}' was never awaited\n{source}\n\
                         help: calling an async function only creates a coroutine object; run it with \
                         `await {name}(...)` or schedule it with `asyncio.create_task({name}(...))`\n"
                    )
                }
                crate::warnings::Warning::NeverRetrieved { task, exc } => {
                    let tb = crate::diagnostics::format_exception(self, &exc);
                    let shown = self.repr(&Value::Instance(exc.clone())).unwrap_or_default();
                    format!(
                        "Task exception was never retrieved\nfuture: <Task finished {task} exception={shown}>\n{tb}\
                         help: await the task (or call task.result()) to see its exception where it matters\n"
                    )
                }
                crate::warnings::Warning::DestroyedPending { task } => format!(
                    "Task was destroyed but it is pending!\ntask: <Task pending {task}>\n\
                     help: the event loop ended while this task was still waiting; await it (or gather it) before main() returns\n"
                ),
            };
            eprint!("{text}");
        }
    }
}
