//! One REPL session: the interpreter, the `__main__` globals, and the event loop that lives
//! between prompts. Runs typed statements (awaiting ones as tasks of that loop) and keeps
//! the loop going while the learner types.

use std::rc::Rc;
use std::time::Duration;

use crate::object::{Exc, Module, PyResult};
use crate::scheduler::session::{self, Poll};
use crate::value::Value;
use crate::vm::Vm;

/// The name typed code gets in tracebacks, as in Python's REPL.
pub const INPUT_NAME: &str = "<stdin>";

pub enum Outcome {
    Ok,
    /// An error was reported; the session goes on.
    Failed,
    /// `exit()` / `sys.exit(n)`: leave with this status.
    Exit(i32),
}

pub struct Session {
    pub vm: Vm,
    pub module: Rc<Module>,
    /// The session's event loop, running for as long as the session.
    pub lp: Value,
    /// Colours in diagnostics (stderr is a terminal and NO_COLOR is unset).
    pub color: bool,
    /// The exit status of the last error (piped input exits with it).
    pub status: i32,
    /// Whether limits are set (each statement then starts them over).
    limited: bool,
}

fn main_module() -> Rc<Module> {
    let module = Rc::new(Module::new("__main__"));
    module.set("__name__", Value::str("__main__"));
    module
}

impl Session {
    pub fn new(virtual_time: bool, color: bool) -> Session {
        let mut vm = Vm::new(virtual_time);
        let lp = session::begin(&mut vm);
        Session {
            vm,
            module: main_module(),
            lp,
            color,
            status: 0,
            limited: false,
        }
    }

    /// Fresh globals and a fresh loop (`:reset`); the clock setting and limits stay.
    pub fn reset(&mut self) {
        let virtual_time = self.vm.sched.clock.is_virtual();
        let mut fresh = Session::new(virtual_time, self.color);
        fresh.vm.argv = std::mem::take(&mut self.vm.argv);
        fresh.set_limits(self.vm.limits().clone());
        *self = fresh;
    }

    pub fn set_limits(&mut self, limits: crate::vm::Limits) {
        self.limited = limits != crate::vm::Limits::default();
        self.vm.set_limits(limits);
    }

    /// Compile and run one complete statement typed at the prompt.
    pub fn run_cell(&mut self, text: &str) -> Outcome {
        super::signals::forget();
        if self.limited {
            self.vm.restart_limits();
        }
        let code = match crate::compile(INPUT_NAME, text, true) {
            Ok(c) => c,
            Err(diags) => {
                for d in &diags {
                    let shown =
                        crate::diagnostics::render_syntax_error(INPUT_NAME, text, d, self.color);
                    eprint!("{shown}");
                }
                self.status = 1;
                return Outcome::Failed;
            }
        };
        let is_coroutine = code.flags.coroutine;
        let r = self.vm.start_cell(code, self.module.clone()).and_then(|v| {
            if is_coroutine {
                self.await_cell(v)
            } else {
                Ok(v)
            }
        });
        self.finish(r)
    }

    /// Report how a cell (or `:load`) ended.
    pub fn finish(&mut self, r: PyResult<Value>) -> Outcome {
        self.vm.flush_warnings();
        self.vm.flush();
        match r {
            Ok(_) => Outcome::Ok,
            Err(_) if self.vm.halted().is_some() => {
                let halt = self.vm.halted().cloned().expect("halted");
                // Warnings about tasks the halt left behind would only bury the reason.
                drop(crate::warnings::take());
                eprintln!("aio: stopped: {} at {}", halt.reason, halt.place);
                self.status = halt.limit.exit_status();
                self.vm.clear_halt();
                Outcome::Failed
            }
            Err(e) => self.report(&e),
        }
    }

    fn report(&mut self, e: &Exc) -> Outcome {
        let status = crate::report_uncaught(&mut self.vm, e);
        if crate::types::exc_is(e, "SystemExit") {
            return Outcome::Exit(status);
        }
        self.status = status;
        Outcome::Failed
    }

    /// Run a cell's coroutine as a task of the session loop until it is done. Ctrl-C cancels
    /// it (as `python -m asyncio` does; a second one raises KeyboardInterrupt); a wait that
    /// nothing can end is reported, not hung.
    fn await_cell(&mut self, coro: Value) -> PyResult<Value> {
        let task = session::spawn(&mut self.vm, &self.lp, coro)?;
        self.vm.watch_sigint(task.clone());
        let r = self.drive(&task);
        let interrupts = self.vm.watch_sigint(Value::None);
        if let Err(e) = r {
            session::cancel(&mut self.vm, &task)?;
            self.settle(&task);
            return Err(e);
        }
        if interrupts > 0 && session::is_cancelled(&task) {
            self.vm.flush();
            eprintln!("\nKeyboardInterrupt");
            return Ok(Value::None);
        }
        session::result(&mut self.vm, &task)
    }

    /// Run the loop until `task` is done.
    fn drive(&mut self, task: &Value) -> PyResult<()> {
        while !session::is_done(task) {
            match session::poll(&mut self.vm, &self.lp)? {
                Poll::Ran => {}
                Poll::Idle(Some(wait)) => {
                    self.vm.flush();
                    super::signals::sleep(Duration::from_secs_f64(wait));
                    // Delivers Ctrl-C: the first cancels the task being watched.
                    self.vm.poll_now()?;
                }
                Poll::Idle(None) => return Err(session::deadlock(&mut self.vm, &self.lp)),
            }
        }
        Ok(())
    }

    /// Let a cancelled task run its cleanup (a few iterations at most).
    fn settle(&mut self, task: &Value) {
        for _ in 0..100 {
            if session::is_done(task) {
                return;
            }
            if !matches!(session::poll(&mut self.vm, &self.lp), Ok(Poll::Ran)) {
                return;
            }
        }
    }

    /// While a prompt waits: run what is ready. Gives how long the caller may wait for
    /// input before calling again (None: nothing will happen until the next line).
    pub fn idle_step(&mut self) -> Option<Duration> {
        let r = session::poll(&mut self.vm, &self.lp);
        self.vm.flush_warnings();
        self.vm.flush();
        match r {
            Ok(Poll::Ran) => Some(Duration::ZERO),
            Ok(Poll::Idle(wait)) => wait.map(Duration::from_secs_f64),
            Err(e) => {
                self.report(&e);
                Some(Duration::ZERO)
            }
        }
    }

    /// Run a file into the session's globals (`:load`), as `aio run` would run it: the
    /// session loop steps aside so the file may call `asyncio.run`.
    pub fn load(&mut self, name: &str, text: &str) -> Outcome {
        let code = match crate::compile(name, text, false) {
            Ok(c) => c,
            Err(diags) => {
                for d in &diags {
                    let shown = crate::diagnostics::render_syntax_error(name, text, d, self.color);
                    eprint!("{shown}");
                }
                self.status = 1;
                return Outcome::Failed;
            }
        };
        session::pause(&mut self.vm, &self.lp);
        let r = self.vm.run_module(code, self.module.clone());
        self.vm.sched.event_loop = Some(self.lp.clone());
        session::resume(&mut self.vm, &self.lp);
        self.finish(r)
    }

    /// A value from the session's globals (or builtins).
    pub fn lookup(&self, name: &str) -> Option<Value> {
        self.module.get(name).or_else(|| self.vm.builtins.get(name))
    }
}
