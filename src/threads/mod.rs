//! Python threads as interpreter-scheduled green threads (see docs/threads.md).
//!
//! The VM is single-threaded Rust (`Rc` values), so a Python thread is a record holding its
//! own stack of frames (a `Fiber`, like a task's) and its own current/running event loop.
//! One thread runs bytecode at a time, as under CPython's GIL. The VM switches threads
//!
//! * when the running thread blocks (`time.sleep`, `join`, a lock, an event, waiting for a
//!   `concurrent.futures.Future`, an event loop with nothing to do), and
//! * every `switch interval` instructions (a countdown in the dispatch loop).
//!
//! Switching needs care because native code (a builtin, the event loop's Rust loop) may be
//! on the Rust stack. A thread started by the scheduler runs "at its base": its bytecode is
//! driven directly by `run_slice`, so it can *suspend* (return to the scheduler with all its
//! frames kept). Anywhere else (the main thread, code inside a task step or a callback) a
//! thread cannot return, so it *waits in place*: it runs other threads' slices nested below
//! it until what it waits for happens. Every schedule decision depends only on instruction
//! counts and the clock, so under `--virtual-time` the interleaving is the same every run.

mod module;

use crate::object::{Exc, PyResult};
use crate::scheduler;
use crate::types::runtime_error;
use crate::value::Value;
use crate::vm::{Exit, Fiber, Suspend, Vm};

pub use module::{futures_module, getswitchinterval, setswitchinterval, threading_module};

/// Instructions a thread runs before another runnable thread gets its turn (CPython's
/// default switch interval, 5 ms, is roughly this many bytecodes).
pub const DEFAULT_INTERVAL: u32 = 10_000;

/// How many instructions count as one second of switch interval (and of virtual time).
pub const INSTRUCTIONS_PER_SECOND: f64 = 2e6;

/// The countdown while only one thread exists: switch checks are then (almost) never due.
pub const IDLE_COUNTDOWN: u32 = u32::MAX;

/// What a blocked thread waits for.
#[derive(Clone)]
pub enum Cond {
    /// Only time (time.sleep): resumes with None at the deadline.
    Time,
    /// A Python predicate (a prelude lambda such as `lambda: self._flag`): resumes with
    /// True once it is true, False at the deadline.
    Pred(Value),
    /// An event loop has something to run: a ready handle, a due timer, or a stop request.
    LoopWork(Value),
}

#[derive(Clone)]
pub struct Wait {
    pub cond: Cond,
    /// Clock time at which the wait gives up (None: never).
    pub deadline: Option<f64>,
}

/// Where a thread not currently on the Rust stack stands.
pub enum State {
    /// Started, not yet run: call `func()` in a fresh fiber.
    New(Value),
    /// Suspended at an instruction boundary; resume by replacing the value on top of its
    /// stack (the placeholder a blocking builtin returned) with this, or raising this.
    Ready(Option<PyResult<Value>>),
    Blocked(Wait),
    /// Inside `loop.run_forever()` / `run_until_complete(fut)`, the loop driven one
    /// iteration per slice by the scheduler.
    Loop {
        lp: Value,
        fut: Option<Value>,
    },
    /// On the Rust stack (running, or waiting in place).
    Running,
    Done,
}

pub struct ThreadRec {
    pub ident: u64,
    /// The Python `Thread` object (None for the main thread until `threading` is imported).
    pub obj: Value,
    pub daemon: bool,
    pub state: State,
    /// The thread's frames while another thread runs.
    pub fiber: Fiber,
    /// Per-thread scheduler fields, saved while another thread runs.
    pub running_loop: Option<Value>,
    pub event_loop: Option<Value>,
    pub current_task: Option<Value>,
}

pub struct Threads {
    /// Every thread ever started, main thread first; finished ones stay (as `Done`).
    pub recs: Vec<ThreadRec>,
    pub current: usize,
    /// Instructions per slice (`sys.setswitchinterval`, converted).
    pub interval: u32,
    /// A blocking builtin called at the thread's base asks to suspend with this state.
    pub pending: Option<State>,
    /// The VM runs the current thread's own frames directly under `run_slice` (so it can
    /// suspend); false on the main thread, during task steps and nested native calls.
    pub at_base: bool,
    /// More than one thread has been started: switch checks matter.
    pub active: bool,
    /// The main program has ended: idle executor workers may exit.
    pub shutting_down: bool,
}

impl Default for Threads {
    fn default() -> Threads {
        Threads {
            recs: vec![ThreadRec {
                ident: ident_of(0),
                obj: Value::None,
                daemon: false,
                state: State::Running,
                fiber: Fiber::default(),
                running_loop: None,
                event_loop: None,
                current_task: None,
            }],
            current: 0,
            interval: DEFAULT_INTERVAL,
            pending: None,
            at_base: false,
            active: false,
            shutting_down: false,
        }
    }
}

/// `threading.get_ident()` of the n-th thread: large, distinct, stable numbers.
fn ident_of(n: usize) -> u64 {
    140_000_000_000_000 + (n as u64) * 0x80_0000
}

/// Prelude code runs without preemption, as C code does under CPython's GIL: a lock's
/// "check, then take" must not be split by a thread switch.
pub fn is_prelude(name: &str) -> bool {
    matches!(name, "<threading>" | "<concurrent.futures>" | "<asyncio>")
}

impl Vm {
    /// The dispatch loop's countdown reached zero: suspend, switch or carry on.
    #[cold]
    #[inline(never)]
    pub fn switch_point(&mut self) -> PyResult<Option<Exit>> {
        if !self.threads.active {
            self.switch_countdown = IDLE_COUNTDOWN;
            return Ok(None);
        }
        self.switch_countdown = self.threads.interval;
        if self.threads.pending.is_some() {
            return Ok(Some(Exit::Suspended(Suspend::Thread)));
        }
        if self
            .fiber
            .frames
            .last()
            .is_some_and(|f| is_prelude(&f.code.source.name))
        {
            self.switch_countdown = 16;
            return Ok(None);
        }
        // A whole interval of instructions ran: on the virtual clock that takes time.
        self.sched.clock.spend_virtual(self.interval_secs());
        if self.suspendable() {
            // Always hand back: the thread that ran this one waits below it on the Rust
            // stack and may be able to go on now.
            self.threads.pending = Some(State::Ready(None));
            return Ok(Some(Exit::Suspended(Suspend::Thread)));
        }
        self.run_others_once()?;
        Ok(None)
    }

    /// The switch interval in seconds (`sys.getswitchinterval()`): instructions are
    /// counted at `INSTRUCTIONS_PER_SECOND`.
    pub fn interval_secs(&self) -> f64 {
        self.threads.interval as f64 / INSTRUCTIONS_PER_SECOND
    }

    fn suspendable(&self) -> bool {
        self.threads.at_base && self.native_depth == 0
    }

    /// Start a thread that will call `func()`; returns its ident.
    pub fn start_thread(&mut self, obj: Value, func: Value, daemon: bool) -> u64 {
        let n = self.threads.recs.len();
        let ident = ident_of(n);
        self.threads.recs.push(ThreadRec {
            ident,
            obj,
            daemon,
            state: State::New(func),
            fiber: Fiber::default(),
            running_loop: None,
            event_loop: None,
            current_task: None,
        });
        self.threads.active = true;
        self.switch_countdown = self.switch_countdown.min(self.threads.interval);
        if self.sched.tracing {
            let what = format!("starts thread '{}'", self.thread_name(n));
            self.trace_thread(what);
        }
        ident
    }

    fn trace_thread(&mut self, what: String) {
        crate::trace::emit(self, crate::trace::Event::Thread { what });
    }

    /// Are other threads alive (so waiting can be done by running them)?
    pub fn threads_alive(&self) -> bool {
        self.threads.active
            && self
                .threads
                .recs
                .iter()
                .enumerate()
                .any(|(i, r)| i != self.threads.current && !matches!(r.state, State::Done))
    }

    /// Block the current thread until `w` is met. At the thread's base this only records the
    /// wait and returns a placeholder (the thread suspends at the next instruction boundary
    /// and its scheduler puts the real result in place); elsewhere it waits in place.
    pub fn block_on(&mut self, w: Wait) -> PyResult<Value> {
        if let Some(v) = self.wait_outcome(&w)? {
            return Ok(v);
        }
        if self.suspendable() && self.threads.active {
            self.threads.pending = Some(State::Blocked(w));
            self.switch_countdown = 1;
            return Ok(Value::None);
        }
        self.wait_in_place(&w)
    }

    /// The value a wait resumes with if it is over now (condition met or deadline passed).
    fn wait_outcome(&mut self, w: &Wait) -> PyResult<Option<Value>> {
        let met = match &w.cond {
            Cond::Time => false,
            Cond::Pred(p) => {
                let r = self.call0(p)?;
                self.truthy(&r)?
            }
            Cond::LoopWork(lp) => loop_has_work(self, lp),
        };
        if met {
            return Ok(Some(Value::Bool(true)));
        }
        let timed_out = w.deadline.is_some_and(|d| self.sched.clock.peek() >= d);
        Ok(if !timed_out {
            None
        } else if matches!(w.cond, Cond::Time) {
            Some(Value::None)
        } else {
            Some(Value::Bool(false))
        })
    }

    /// Run other threads (nested on the Rust stack) until `w` is met.
    fn wait_in_place(&mut self, w: &Wait) -> PyResult<Value> {
        if self.sched.tracing && self.threads.active {
            let what = format!("waits, letting other threads run: {}", describe(w));
            self.trace_thread(what);
        }
        loop {
            if let Some(v) = self.wait_outcome(w)? {
                return Ok(v);
            }
            if self.run_others_once()? {
                continue;
            }
            // Nothing can run: the clock jumps (or really waits) to the first wake-up.
            let wake = self.first_wake(w.deadline);
            match wake {
                Some(t) => self.idle_until(t),
                None => return Err(self.deadlock(w)),
            }
        }
    }

    /// Every thread is blocked: wait (or, on the virtual clock, jump) to the first wake-up.
    fn idle_until(&mut self, t: f64) {
        if self.sched.tracing && t > self.sched.clock.peek() {
            let what = format!("every thread is blocked: idle until t={t:.3} (first wake-up)");
            self.trace_thread(what);
        }
        self.flush();
        self.sched.clock.wait_until(t);
    }

    fn deadlock(&self, w: &Wait) -> Exc {
        let name = self.thread_name(self.threads.current);
        runtime_error(format!(
            "deadlock: thread '{name}' would wait forever in {}, and every other thread is \
             blocked with no timeout (a join, lock, event or future nobody will complete)",
            describe(w)
        ))
    }

    pub fn thread_name(&self, i: usize) -> String {
        match &self.threads.recs[i].obj {
            Value::Instance(inst) => inst
                .get("_name")
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("Thread-{i}")),
            _ if i == 0 => "MainThread".to_string(),
            _ => format!("Thread-{i}"),
        }
    }

    /// Give every runnable thread that is not on the Rust stack one slice, in round-robin
    /// order after the current one. Returns whether any ran.
    fn run_others_once(&mut self) -> PyResult<bool> {
        let n = self.threads.recs.len();
        let me = self.threads.current;
        let mut ran = false;
        for k in 1..n {
            let i = (me + k) % n;
            if self.runnable(i)? {
                self.run_slice(i)?;
                ran = true;
            }
        }
        Ok(ran)
    }

    fn runnable(&mut self, i: usize) -> PyResult<bool> {
        let w = match &self.threads.recs[i].state {
            State::New(_) | State::Ready(_) => return Ok(true),
            State::Running | State::Done => return Ok(false),
            State::Loop { lp, .. } => return Ok(loop_has_work(self, &lp.clone())),
            State::Blocked(w) => w.clone(),
        };
        Ok(self.wait_outcome(&w)?.is_some())
    }

    /// Run thread `i` until it blocks, is preempted or ends, with its own fiber and loops.
    fn run_slice(&mut self, i: usize) -> PyResult<()> {
        let me = self.threads.current;
        let state = std::mem::replace(&mut self.threads.recs[i].state, State::Running);
        // Save the current thread's context, install thread i's.
        let fiber = std::mem::take(&mut self.threads.recs[i].fiber);
        let my_fiber = std::mem::replace(&mut self.fiber, fiber);
        let rec = &mut self.threads.recs[me];
        rec.fiber = my_fiber;
        rec.running_loop = self.sched.running_loop.take();
        rec.event_loop = self.sched.event_loop.take();
        rec.current_task = self.sched.current_task.take();
        let rec = &mut self.threads.recs[i];
        self.sched.running_loop = rec.running_loop.take();
        self.sched.event_loop = rec.event_loop.take();
        self.sched.current_task = rec.current_task.take();
        let saved = (
            self.native_depth,
            self.threads.at_base,
            self.switch_countdown,
            self.threads.pending.take(),
        );
        self.threads.current = i;
        self.native_depth = 0;
        self.threads.at_base = true;
        self.switch_countdown = self.threads.interval;

        if self.sched.tracing {
            let what = match &state {
                State::New(_) => Some("starts running".to_string()),
                State::Ready(None) => Some("resumes (its turn again)".to_string()),
                State::Ready(Some(_)) => Some("resumes".to_string()),
                State::Blocked(w) => Some(format!("wakes up: {}", describe(w))),
                _ => None,
            };
            if let Some(what) = what {
                self.trace_thread(what);
            }
        }
        let was_loop = matches!(state, State::Loop { .. });
        let next = self.advance(state);
        if self.sched.tracing {
            let what = match &next {
                Ok(State::Done) | Err(_) => Some("finished".to_string()),
                Ok(State::Blocked(w)) => Some(format!("blocks: {}", describe(w))),
                Ok(State::Ready(None)) => {
                    Some("preempted: its switch interval is used up".to_string())
                }
                Ok(State::Loop { .. }) if !was_loop => {
                    Some("runs its event loop (driven one iteration per turn)".to_string())
                }
                Ok(State::Ready(Some(_))) if was_loop => Some("its event loop stopped".to_string()),
                _ => None,
            };
            if let Some(what) = what {
                self.trace_thread(what);
            }
        }

        self.threads.current = me;
        (
            self.native_depth,
            self.threads.at_base,
            self.switch_countdown,
            self.threads.pending,
        ) = saved;
        let rec = &mut self.threads.recs[i];
        rec.running_loop = self.sched.running_loop.take();
        rec.event_loop = self.sched.event_loop.take();
        rec.current_task = self.sched.current_task.take();
        let fiber = std::mem::take(&mut self.threads.recs[me].fiber);
        let fiber = std::mem::replace(&mut self.fiber, fiber);
        let rec = &mut self.threads.recs[me];
        self.sched.running_loop = rec.running_loop.take();
        self.sched.event_loop = rec.event_loop.take();
        self.sched.current_task = rec.current_task.take();
        let rec = &mut self.threads.recs[i];
        rec.fiber = fiber;
        match next {
            Ok(s) => {
                rec.state = s;
                Ok(())
            }
            Err(e) => {
                rec.state = State::Done;
                // Escaped the thread's bootstrap (which prints ordinary exceptions):
                // KeyboardInterrupt and the like end the program.
                Err(e)
            }
        }
    }

    /// One slice of the thread now installed, from `state`; returns its next state.
    fn advance(&mut self, state: State) -> PyResult<State> {
        let exit = match state {
            State::New(func) => {
                self.push_call(&func)?;
                self.run(0)
            }
            State::Ready(resume) => self.resume_with(resume),
            State::Blocked(w) => match self.wait_outcome(&w)? {
                Some(v) => self.resume_with(Some(Ok(v))),
                None => return Ok(State::Blocked(w)),
            },
            State::Loop { lp, fut } => return self.loop_slice(lp, fut),
            State::Running | State::Done => return Ok(State::Done),
        };
        match exit {
            Ok(Exit::Returned(_)) => Ok(State::Done),
            Ok(Exit::Suspended(Suspend::Thread)) => {
                Ok(self.threads.pending.take().unwrap_or(State::Ready(None)))
            }
            Ok(Exit::Suspended(_)) => Err(runtime_error(
                "a thread tried to await outside an event loop: run coroutines with asyncio.run()",
            )),
            Err(e) => Err(e),
        }
    }

    fn resume_with(&mut self, resume: Option<PyResult<Value>>) -> PyResult<Exit> {
        match resume {
            None => {}
            Some(Ok(v)) => {
                if let Some(top) = self.fiber.stack.last_mut() {
                    *top = v;
                }
            }
            Some(Err(e)) => {
                self.fiber.stack.pop();
                self.throw_into_top(e)?;
            }
        }
        self.run(0)
    }

    /// One iteration of the loop a thread is running; when it stops, the thread resumes
    /// with what `run_forever` / `run_until_complete` return.
    fn loop_slice(&mut self, lp: Value, fut: Option<Value>) -> PyResult<State> {
        self.threads.at_base = false;
        let r = scheduler::run_once(self, &lp);
        let stopping = scheduler::as_loop(&lp).is_some_and(|l| l.stopping.get());
        if r.is_ok() && !stopping {
            return Ok(State::Loop { lp, fut });
        }
        scheduler::finish_running(self, &lp);
        let result = r.and_then(|()| match &fut {
            Some(f) => scheduler::finish_run_until_complete(self, f),
            None => Ok(Value::None),
        });
        Ok(State::Ready(Some(result)))
    }

    /// `run_forever` / `run_until_complete` called at a thread's base: the scheduler drives
    /// the loop (so other threads run while it waits). False: run it the ordinary way.
    pub fn thread_runs_loop(&mut self, lp: &Value, fut: Option<Value>) -> bool {
        if !(self.suspendable() && self.threads.active) {
            return false;
        }
        self.threads.pending = Some(State::Loop {
            lp: lp.clone(),
            fut,
        });
        self.switch_countdown = 1;
        true
    }

    /// At the end of the program: wait for every non-daemon thread (CPython's
    /// `threading._shutdown`).
    pub fn join_threads(&mut self) -> PyResult<()> {
        if !self.threads.active {
            return Ok(());
        }
        self.threads.shutting_down = true;
        loop {
            let waiting = self
                .threads
                .recs
                .iter()
                .enumerate()
                .any(|(i, r)| i != 0 && !r.daemon && !matches!(r.state, State::Done));
            if !waiting {
                return Ok(());
            }
            if self.run_others_once()? {
                continue;
            }
            let wake = self.first_wake(None);
            match wake {
                Some(t) => self.idle_until(t),
                None => {
                    return Err(runtime_error(
                        "deadlock: the program ended, but its non-daemon threads are all \
                         blocked forever (a join, lock, event or future nobody will complete)",
                    ));
                }
            }
        }
    }

    /// The earliest time any thread (or `also`) wakes by time alone.
    fn first_wake(&self, also: Option<f64>) -> Option<f64> {
        self.threads
            .recs
            .iter()
            .filter_map(wake_time)
            .chain(also)
            .min_by(f64::total_cmp)
    }

    /// The loop `lp` (run in place, e.g. by the main thread) has nothing ready: let other
    /// threads run until it has, or until its next timer (`next`) is due.
    pub fn wait_for_loop(&mut self, lp: &Value, next: Option<f64>) -> PyResult<()> {
        self.wait_in_place(&Wait {
            cond: Cond::LoopWork(lp.clone()),
            deadline: next,
        })
        .map(drop)
    }

    /// A blocking sleep (time.sleep): lets other threads run meanwhile.
    pub fn thread_sleep(&mut self, secs: f64) -> PyResult<Value> {
        if !self.threads_alive() {
            self.clock_block(secs)?;
            return Ok(Value::None);
        }
        let deadline = self.sched.clock.now() + secs.max(0.0);
        self.block_on(Wait {
            cond: Cond::Time,
            deadline: Some(deadline),
        })
    }
}

/// What a wait is for, in words, for the trace.
fn describe(w: &Wait) -> String {
    let what = match &w.cond {
        Cond::Time => {
            return format!("time.sleep() until t={:.3}", w.deadline.unwrap_or_default());
        }
        Cond::LoopWork(_) => "its event loop has nothing ready".to_string(),
        Cond::Pred(p) => {
            let (name, owner) = match p {
                Value::Bound(b) => {
                    let owner = match &b.receiver {
                        Value::Instance(i) => {
                            i.get("_name").and_then(|v| v.as_str().map(str::to_string))
                        }
                        _ => None,
                    };
                    let name = match &b.func {
                        Value::Func(f) => f.code.name.to_string(),
                        _ => String::new(),
                    };
                    (name, owner)
                }
                Value::Func(f) => (f.code.name.to_string(), None),
                _ => (String::new(), None),
            };
            match (name.as_str(), owner) {
                ("_stopped", Some(t)) => format!("join() until thread '{t}' ends"),
                ("_has_run", Some(t)) => format!("start() until thread '{t}' runs"),
                ("_free", _) => "acquire() until the lock is free".to_string(),
                ("_is_set", _) => "Event.wait() until the event is set".to_string(),
                ("done", _) => "Future.result() until the future is done".to_string(),
                ("_has_work", _) => "an executor worker, idle until work arrives".to_string(),
                ("_available", _) => "Semaphore.acquire()".to_string(),
                _ => "a condition to become true".to_string(),
            }
        }
    };
    match w.deadline {
        Some(d) => format!("{what} (timeout at t={d:.3})"),
        None => what,
    }
}

/// When a blocked thread (or a loop-running one) could next become runnable by time alone.
fn wake_time(r: &ThreadRec) -> Option<f64> {
    match &r.state {
        State::Blocked(w) => w.deadline,
        State::Loop { lp, .. } => scheduler::next_timer(lp),
        _ => None,
    }
}

fn loop_has_work(vm: &Vm, lp: &Value) -> bool {
    let Some(l) = scheduler::as_loop(lp) else {
        return false;
    };
    if l.stopping.get() || l.closed.get() || !l.ready.borrow().is_empty() {
        return true;
    }
    scheduler::next_timer(lp).is_some_and(|t| t <= vm.sched.clock.peek())
}
