//! The VM's periodic check: Ctrl-C, `--max-steps`, `--timeout`, `--max-memory` and
//! `--max-output`.
//!
//! The dispatch loop pays one decrement and one predictable branch per instruction: a
//! countdown that, when it reaches zero, calls `poll`, which does all the slow checks and
//! re-arms it. Waits (the event loop idle until its next timer, `time.sleep`) call
//! `poll_now` when they wake, and wake at least every `clock::WAIT_SLICE`.
//!
//! A limit halts the program: the VM raises an exception that no `except` or `finally`
//! can catch, and `run_source` prints one line naming the limit and where the program was.

use std::time::{Duration, Instant};

use super::Vm;
use crate::object::PyResult;
use crate::value::Value;

/// Instructions between two checks (when no step limit is nearer).
const PERIOD: u32 = 1 << 14;
/// With a memory limit, check more often: one instruction can double a string.
const MEMORY_PERIOD: u32 = 1 << 8;

/// A limit that stops the program; each has its own exit status (docs/reliability.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Steps,
    Memory,
    Output,
    Timeout,
    /// Not a limit: stdout was closed (`aio run prog | head -1`); the program stops quietly.
    ClosedOutput,
}

impl Limit {
    pub fn exit_status(self) -> i32 {
        match self {
            Limit::Steps => 121,
            Limit::Memory => 122,
            Limit::Output => 123,
            Limit::Timeout => 124,
            // As a Unix tool killed by SIGPIPE appears to the shell.
            Limit::ClosedOutput => 141,
        }
    }
}

/// Why and where a program was stopped.
#[derive(Clone, Debug)]
pub struct Halt {
    pub limit: Limit,
    /// The one-line reason, e.g. "step limit of 1000 instructions exceeded (--max-steps)".
    pub reason: String,
    /// "file:line", and the running task if any: "prog.aio:5 in task 'Task-2'".
    pub place: String,
}

/// Limits set by the command line (all off by default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Limits {
    pub max_steps: Option<u64>,
    pub timeout: Option<Duration>,
    /// Bytes.
    pub max_memory: Option<usize>,
    /// Bytes of program output (stdout).
    pub max_output: Option<u64>,
}

pub struct Budget {
    /// Instructions left before the next `poll` (never 0 between instructions).
    pub countdown: u32,
    /// What `countdown` was set to by the last `poll`.
    armed: u32,
    /// Instructions executed before the current countdown started.
    executed: u64,
    pub limits: Limits,
    deadline: Option<Instant>,
    /// Bytes written to stdout so far (counted when `max_output` is set).
    pub output: u64,
    pub halt: Option<Halt>,
    /// Heap size when the last limit MemoryError was raised: raise again only past it.
    memory_raised_at: usize,
    /// The main task of the running `asyncio.run`: the first Ctrl-C cancels it.
    sigint_task: Option<Value>,
    /// Ctrl-Cs delivered while `sigint_task` was set.
    sigint_count: u32,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            countdown: PERIOD,
            armed: PERIOD,
            executed: 0,
            limits: Limits::default(),
            deadline: None,
            output: 0,
            halt: None,
            memory_raised_at: 0,
            sigint_task: None,
            sigint_count: 0,
        }
    }
}

impl Vm {
    /// Apply limits before running a program; the timeout starts now.
    pub fn set_limits(&mut self, limits: Limits) {
        self.budget.deadline = limits.timeout.map(|t| Instant::now() + t);
        self.sched.clock.deadline = self.budget.deadline;
        if let Some(m) = limits.max_memory {
            crate::memory::set_limit(m);
        }
        self.budget.limits = limits;
        self.rearm();
    }

    pub fn limits(&self) -> &Limits {
        &self.budget.limits
    }

    /// Start the limits over (the REPL applies them to each statement on its own).
    pub fn restart_limits(&mut self) {
        self.budget.executed = 0;
        self.budget.output = 0;
        self.budget.armed = self.budget.countdown;
        let limits = self.budget.limits.clone();
        self.set_limits(limits);
    }

    /// Instructions executed so far.
    pub fn steps_executed(&self) -> u64 {
        self.budget.executed + u64::from(self.budget.armed - self.budget.countdown)
    }

    fn rearm(&mut self) {
        self.budget.executed = self.steps_executed();
        let mut next = if self.budget.limits.max_memory.is_some() {
            MEMORY_PERIOD
        } else {
            PERIOD
        };
        if let Some(max) = self.budget.limits.max_steps {
            let left = max.saturating_sub(self.budget.executed);
            next = next.min(left.clamp(1, u64::from(PERIOD)) as u32);
        }
        self.budget.countdown = next;
        self.budget.armed = next;
    }

    /// The countdown reached zero: do every slow check, then re-arm.
    #[cold]
    pub(super) fn poll(&mut self) -> PyResult<()> {
        self.poll_now()
    }

    /// Every check, now (also called by waits when they wake up).
    pub fn poll_now(&mut self) -> PyResult<()> {
        self.rearm();
        if let Some(e) = self.halt_error() {
            return Err(e);
        }
        if crate::interrupt::hard() {
            self.flush();
            crate::interrupt::die_by_sigint();
        }
        if crate::interrupt::take() {
            self.deliver_interrupt()?;
        }
        if crate::gc::due() {
            crate::gc::collect_if_due(self.budget.executed);
        }
        if let Some(max) = self.budget.limits.max_steps
            && self.budget.executed >= max
        {
            return Err(self.halt(
                Limit::Steps,
                format!("step limit of {max} instructions exceeded (--max-steps)"),
            ));
        }
        if let Some(deadline) = self.budget.deadline
            && Instant::now() >= deadline
        {
            let secs = self.budget.limits.timeout.unwrap_or_default().as_secs_f64();
            return Err(self.halt(
                Limit::Timeout,
                format!("time limit of {secs} s exceeded (--timeout)"),
            ));
        }
        if crate::memory::over_limit() {
            let now = crate::memory::allocated();
            if now > self.budget.memory_raised_at {
                self.budget.memory_raised_at = now;
                return Err(crate::builtins::args::memory_error());
            }
        }
        Ok(())
    }

    /// Count `bytes` of program output; halts the program past `--max-output`.
    pub fn count_output(&mut self, bytes: usize) -> bool {
        let Some(max) = self.budget.limits.max_output else {
            return true;
        };
        self.budget.output += bytes as u64;
        if self.budget.output > max && self.budget.halt.is_none() {
            let _ = self.halt(
                Limit::Output,
                format!("output limit of {max} bytes exceeded (--max-output)"),
            );
        }
        self.budget.halt.is_none()
    }

    /// stdout is gone (a closed pipe): stop the program; nothing more can be shown.
    pub fn output_closed(&mut self) {
        if self.budget.halt.is_none() {
            let _ = self.halt(Limit::ClosedOutput, String::new());
        }
    }

    /// The exception that stops a halted program (None while it may run).
    pub fn halt_error(&mut self) -> Option<crate::object::Exc> {
        self.budget.halt.as_ref()?;
        // Any code that still tries to run stops at its first instruction.
        self.budget.countdown = 1;
        self.budget.armed = 1;
        Some(crate::types::exc("SystemExit", "halted by a limit"))
    }

    /// Forget a halt and earlier Ctrl-Cs, so the VM can run more code (the REPL's next
    /// statement after one stopped at a limit).
    pub fn clear_halt(&mut self) {
        self.budget.halt = None;
        self.budget.sigint_task = None;
        self.budget.sigint_count = 0;
        crate::interrupt::reset();
        self.rearm();
    }

    /// Has a limit stopped the program? (Handlers are skipped while it unwinds.)
    pub fn halted(&self) -> Option<&Halt> {
        self.budget.halt.as_ref()
    }

    fn halt(&mut self, limit: Limit, reason: String) -> crate::object::Exc {
        let place = self.place();
        self.budget.halt = Some(Halt {
            limit,
            reason,
            place,
        });
        self.halt_error().expect("just halted")
    }

    /// "file:line" of the innermost frame of the program's own code, and the task.
    fn place(&self) -> String {
        let mut place = String::from("?");
        for f in self.fiber.frames.iter().rev() {
            if f.code.source.name == "<asyncio>" {
                continue;
            }
            let ip = f.ip.saturating_sub(1) as usize;
            let span = f.code.span_at(ip);
            let line = f.code.source.line(span.start as usize);
            place = format!("{}:{line}", f.code.source.name);
            break;
        }
        if let Some(t) = &self.sched.current_task
            && let Some(td) = crate::scheduler::as_future(t).and_then(|f| f.task())
        {
            let name = td.name_string();
            place.push_str(&format!(" in task '{name}'"));
        }
        place
    }

    /// Ctrl-C: inside `asyncio.run`, the first one cancels the main task (the program sees
    /// CancelledError at its await, then KeyboardInterrupt from asyncio.run); otherwise
    /// KeyboardInterrupt is raised where the program is.
    fn deliver_interrupt(&mut self) -> PyResult<()> {
        if let Some(task) = self.budget.sigint_task.clone() {
            self.budget.sigint_count += 1;
            let pending = crate::scheduler::as_future(&task)
                .is_some_and(|f| f.state.get() == crate::scheduler::FutState::Pending);
            if self.budget.sigint_count == 1 && pending {
                crate::interrupt::arm_second();
                crate::scheduler::cancel_task(self, &task, Value::None)?;
                return Ok(());
            }
        }
        Err(crate::types::new_exc_args(
            crate::types::types().exc("KeyboardInterrupt"),
            Vec::new(),
        ))
    }

    /// `asyncio.run` watching its main task (None when it ends): returns the number of
    /// Ctrl-Cs delivered while the previous one was watched.
    pub fn watch_sigint(&mut self, task: Value) -> u32 {
        let count = std::mem::take(&mut self.budget.sigint_count);
        self.budget.sigint_task = if task.is_none() { None } else { Some(task) };
        count
    }
}
