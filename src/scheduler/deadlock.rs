//! Deadlock diagnosis. When the loop has nothing ready, no timers and no other source of
//! wake-ups (aio has no threads and no I/O) while `run_until_complete` still waits,
//! CPython hangs forever; aio stops with a RuntimeError that says, in source terms, which
//! task waits on what, where that was created, and why nothing can resolve it: a cycle of
//! tasks awaiting each other, or a wait nothing is left to end.

use std::rc::Rc;

use super::{FutState, FutureObj, TaskData, as_future, as_loop};
use crate::object::{Exc, Instance};
use crate::types::exc;
use crate::value::Value;
use crate::vm::{FiberRef, Frame, Vm};

const PRELUDE: &str = "<asyncio>";

/// Stuck tasks (and gather children) listed by name; the rest are counted.
const MAX_SHOWN: usize = 10;

/// Where a future or task was created: the byte offset (plus one; 0 = unknown) in the
/// program's source of the innermost frame that is the learner's code, not the prelude.
/// Recorded for futures made by `create_future()`/`Future()` and for tasks, not for the
/// futures of sleeps, so the hot path is untouched.
pub fn origin_here(vm: &Vm) -> u32 {
    vm.fiber
        .frames
        .iter()
        .rev()
        .find(|fr| fr.code.source.name != PRELUDE)
        .and_then(|fr| fr.code.spans.get(fr.ip.saturating_sub(1) as usize))
        .map_or(0, |sp| sp.start.saturating_add(1))
}

/// What one suspended task is doing, read from its frames.
struct Stuck {
    task: Value,
    label: String,
    /// The learner's line the task is suspended at, and its text.
    line: usize,
    text: String,
    waiter: Value,
    /// The asyncio primitive the task is inside (`Queue.get`, `Lock.acquire`, ...) and
    /// its `self`.
    via: Option<(Rc<str>, Option<Value>)>,
}

/// The asyncio methods whose waits are explained by name (qualnames in the prelude).
const PRIMITIVES: &[&str] = &[
    "Queue.get",
    "Queue.put",
    "Queue.join",
    "Lock.acquire",
    "Event.wait",
    "Semaphore.acquire",
    "Condition.wait",
    "Barrier.wait",
];

fn frame_line(fr: &Frame, top: bool) -> usize {
    let ip = if top { fr.ip } else { fr.ip.saturating_sub(1) };
    let span = fr.code.span_at(ip as usize);
    fr.code.source.line(span.start as usize)
}

fn read_stuck(task: &Value, f: &FutureObj) -> Option<Stuck> {
    let td = f.task()?;
    td.with_fiber(|fiber| read_frames(task, td, fiber.unwrap_or_default()))
}

fn read_frames(task: &Value, td: &TaskData, fiber: FiberRef) -> Option<Stuck> {
    let frames = fiber.frames;
    let user = frames.iter().rposition(|fr| fr.code.source.name != PRELUDE);
    let (line, text) = match user {
        Some(i) => {
            let fr = &frames[i];
            let line = frame_line(fr, i + 1 == frames.len());
            let text = crate::span::line_text(&fr.code.source.text, line)
                .trim()
                .to_string();
            (line, text)
        }
        None => (0, String::new()),
    };
    let via = frames[user.map_or(0, |i| i + 1)..]
        .iter()
        .find(|fr| PRIMITIVES.contains(&&*fr.code.qualname))
        .map(|fr| {
            let this = (fr.code.argcount > 0)
                .then(|| fiber.stack.get(fr.base as usize).cloned())
                .flatten();
            (fr.code.qualname.clone(), this)
        })
        .or_else(|| super::native_wait(fiber).map(|(name, q)| (Rc::from(name), Some(q))));
    Some(Stuck {
        task: task.clone(),
        label: crate::trace::task_label(task),
        line,
        text,
        waiter: td.waiter(),
        via,
    })
}

/// The RuntimeError raised instead of waiting forever.
pub fn deadlock_error(vm: &mut Vm, lp: &Value) -> Exc {
    let source = vm.fiber.frames.first().map(|fr| fr.code.source.clone());
    let line_of = |origin: u32| -> Option<usize> {
        let src = source.as_ref()?;
        (origin > 0).then(|| crate::span::line_col(&src.text, origin as usize - 1).0)
    };
    let pending = as_loop(lp)
        .map(|l| l.tasks.borrow().pending())
        .unwrap_or_default();
    let tasks: Vec<Value> = pending
        .into_iter()
        .filter(|t| !crate::trace::internal(t))
        .collect();
    let cycle = find_cycle(&tasks);
    // A program with a million stuck tasks gets the first few, and every task of the cycle.
    let mut shown: Vec<usize> = (0..tasks.len().min(MAX_SHOWN)).collect();
    shown.extend(cycle.iter().flatten().filter(|&&i| i >= MAX_SHOWN));
    let stuck: Vec<Stuck> = shown
        .iter()
        .filter_map(|&i| as_future(&tasks[i]).and_then(|f| read_stuck(&tasks[i], f)))
        .collect();
    let by_task = |t: &Value| stuck.iter().find(|s| s.task.is(t));

    let headline = if stuck.is_empty() {
        "deadlock: the event loop has nothing left to run and nothing that could wake it up"
    } else {
        "deadlock: every task is waiting, and nothing is left that could wake one up"
    };
    let mut out = format!(
        "{headline}\n  (no task is ready, no timer is pending, no callback is scheduled: CPython would hang here forever)"
    );
    let mut helps: Vec<&str> = Vec::new();

    if let Some(cycle) = &cycle {
        let members: Vec<&Stuck> = cycle.iter().filter_map(|&i| by_task(&tasks[i])).collect();
        let mut s = String::from("\nwait cycle: ");
        for (k, st) in members.iter().enumerate() {
            let next = members[(k + 1) % members.len()];
            if k == 0 {
                s.push_str(&format!("{} (line {}: {})", st.label, st.line, st.text));
            }
            if k + 1 == members.len() {
                s.push_str(&format!(
                    ", which awaits {}: none of them can finish before the others",
                    next.label
                ));
            } else {
                let joiner = if k == 0 { " awaits" } else { ", which awaits" };
                s.push_str(&format!(
                    "{joiner} {} (line {}: {})",
                    next.label, next.line, next.text
                ));
            }
        }
        out.push_str(&s);
        helps.push(
            "tasks that await each other wait forever: one of them must be able to finish without the other (or give the await a timeout with asyncio.wait_for)",
        );
    }

    for st in &stuck {
        let at = if st.line > 0 {
            format!(" at line {}: {}", st.line, st.text)
        } else {
            String::new()
        };
        out.push_str(&format!("\n{} is stuck{at}\n  ", st.label));
        let in_cycle = |t: &Value| {
            cycle
                .as_ref()
                .is_some_and(|c| c.iter().any(|&i| tasks[i].is(t)))
        };
        let Some(w) = as_future(&st.waiter) else {
            out.push_str("it is not waiting on anything the loop knows about");
            continue;
        };
        if w.task().is_some() {
            let created = line_of(w.origin())
                .map(|l| format!(" (created at line {l})"))
                .unwrap_or_default();
            let label = crate::trace::task_label(&st.waiter);
            let why = if in_cycle(&st.waiter) {
                "is in the wait cycle above"
            } else {
                "is stuck too"
            };
            out.push_str(&format!("it awaits {label}{created}, which {why}"));
            continue;
        }
        if let Some(children) = w.gather_children() {
            let waiting: Vec<&Value> = children
                .iter()
                .filter(|c| as_future(c).is_some_and(|f| f.state.get() == FutState::Pending))
                .collect();
            let mut names: Vec<String> = waiting
                .iter()
                .take(MAX_SHOWN)
                .map(|c| crate::trace::task_label(c))
                .collect();
            if waiting.len() > MAX_SHOWN {
                names.push(format!("{} more", waiting.len() - MAX_SHOWN));
            }
            out.push_str(&format!(
                "it awaits gather() of {}, which still waits for {}",
                children.len(),
                names.join(", ")
            ));
            continue;
        }
        let (why, help) = explain_future(st, w, &stuck, &line_of);
        out.push_str(&why);
        if !helps.contains(&help) {
            helps.push(help);
        }
    }
    if tasks.len() > shown.len() {
        out.push_str(&format!(
            "\n... and {} more tasks are stuck (not shown)",
            tasks.len() - shown.len()
        ));
    }
    if stuck.is_empty() {
        let until = as_loop(lp).map(|l| l.until.borrow().clone());
        match until.as_ref().and_then(|u| as_future(u).map(|f| (u, f))) {
            Some((u, f)) => {
                let what = if f.task().is_some() {
                    crate::trace::task_label(u)
                } else {
                    "a Future".into()
                };
                let created = line_of(f.origin())
                    .map(|l| format!(" created at line {l}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "\nrun_until_complete() waits for {what}{created}, and no task or callback is left that could resolve it"
                ));
                helps.push(FUTURE_HELP);
            }
            None => {
                out.push_str("\nloop.run_forever() runs until loop.stop() is called, and no task or callback is left that could call it");
                helps.push("call loop.stop() from a task or a callback (e.g. loop.call_later(1, loop.stop)), or run a coroutine with asyncio.run(main())");
            }
        }
    }
    let e = exc("RuntimeError", out);
    if !helps.is_empty() {
        e.set("__help__", Value::string(helps.join("\nhelp: ")));
    }
    e
}

const FUTURE_HELP: &str = "a Future completes only when some code calls its set_result(), set_exception() or cancel(): make sure a task or a callback (e.g. loop.call_later) will do that";

/// Why a plain future will never be resolved, and the matching help.
fn explain_future(
    st: &Stuck,
    w: &FutureObj,
    stuck: &[Stuck],
    line_of: &dyn Fn(u32) -> Option<usize>,
) -> (String, &'static str) {
    let this = st.via.as_ref().and_then(|(_, s)| match s {
        Some(Value::Instance(i)) => Some(i.clone()),
        _ => None,
    });
    let int = |i: &Option<Rc<Instance>>, name: &str| {
        i.as_ref()
            .and_then(|i| i.get(name))
            .and_then(|v| match v {
                Value::Int(n) => Some(n),
                _ => None,
            })
            .unwrap_or(0)
    };
    match st.via.as_ref().map(|(q, _)| &**q) {
        Some("Queue.get") => (
            "the queue is empty, and no task is left that could put() an item into it".into(),
            "a consumer that loops on `await q.get()` never stops by itself: when the producers are done, cancel the consumer or put a sentinel item that makes it return",
        ),
        Some("Queue.put") => (
            format!(
                "the queue is full (maxsize={}), and no task is left that could get() an item from it",
                int(&this, "_maxsize")
            ),
            "a bounded queue needs a consumer: start the task that calls get() before filling the queue",
        ),
        Some("Queue.join") => {
            let n = int(&this, "_unfinished_tasks");
            (
                format!(
                    "join() returns when task_done() has been called once for every item put(): {n} item{} still unfinished, and no task is left that could call task_done()",
                    if n == 1 { " is" } else { "s are" }
                ),
                "call q.task_done() once per item got, in a `finally:` block, so that join() returns even when processing an item fails",
            )
        }
        Some("Lock.acquire") => (
            "the lock is held and never released: the task that acquired it did not call release(), and no task is left that could".into(),
            "release a lock on every path: `async with lock:` releases it for you, even when an exception is raised or the task returns early",
        ),
        Some("Event.wait") => (
            "the event is not set, and no task or callback is left that could call set()".into(),
            "call event.set() from the task or callback that produces what the waiters need",
        ),
        Some("Semaphore.acquire") => (
            "the semaphore is at 0, and no task is left that could release() it".into(),
            "release a semaphore on every path: use `async with sem:`",
        ),
        Some("Condition.wait") => (
            "no task is left that could notify() the condition".into(),
            "call cond.notify() or cond.notify_all() (holding its lock) after changing what the waiters check",
        ),
        Some("Barrier.wait") => (
            format!(
                "the barrier waits for {} parties, and no other task is left that could arrive",
                int(&this, "_parties")
            ),
            "a Barrier(n) releases its waiters only when n tasks have called wait()",
        ),
        _ => {
            let created = line_of(w.origin())
                .map(|l| format!(" created at line {l}"))
                .unwrap_or_default();
            let held = if held_only_by_waiters(&st.waiter, stuck) {
                "no task or callback holds it"
            } else {
                "the code that holds it cannot run any more"
            };
            (
                format!("it waits on a Future{created}, which nothing can resolve: {held}"),
                FUTURE_HELP,
            )
        }
    }
}

/// True when the only references to `fut` are those of the tasks waiting on it (their
/// frames and their `fut_waiter`): no other object, callback or variable could resolve it.
fn held_only_by_waiters(fut: &Value, stuck: &[Stuck]) -> bool {
    let Value::Native(rc) = fut else { return false };
    let mut known = 0;
    for st in stuck {
        if st.waiter.is(fut) {
            // `st.waiter` (our copy) and the task's own `fut_waiter`.
            known += 2;
        }
        if let Some(td) = as_future(&st.task).and_then(|f| f.task()) {
            known += td
                .with_fiber(|fb| fb.map_or(0, |fb| fb.stack.iter().filter(|v| v.is(fut)).count()));
        }
    }
    Rc::strong_count(rc) <= known
}

/// The first cycle of tasks awaiting tasks, as indices into `tasks`. Each task awaits at
/// most one thing, so following the links from every task in turn, never walking a task
/// twice, takes linear time.
fn find_cycle(tasks: &[Value]) -> Option<Vec<usize>> {
    let index: std::collections::HashMap<usize, usize> =
        tasks.iter().enumerate().map(|(i, t)| (t.id(), i)).collect();
    let next = |i: usize| {
        let td = as_future(&tasks[i])?.task()?;
        let w = td.waiter();
        as_future(&w)?.task()?;
        index.get(&w.id()).copied()
    };
    // 0: not seen; 1: on the current path; 2: done, leads to no new cycle.
    let mut state = vec![0u8; tasks.len()];
    for start in 0..tasks.len() {
        let mut path = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            match state[i] {
                1 => {
                    let pos = path.iter().position(|&p| p == i).unwrap_or(0);
                    return Some(path[pos..].to_vec());
                }
                2 => break,
                _ => {}
            }
            state[i] = 1;
            path.push(i);
            cur = next(i);
        }
        for i in path {
            state[i] = 2;
        }
    }
    None
}
