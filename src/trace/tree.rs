//! Task trees: every live task of the loop, its state, where it is in the source and what
//! it waits on, drawn as a tree (a task awaited by another is drawn inside that task's
//! line, gather() children as branches). Used by `aio trace --tree`, `--step` and the REPL.

use crate::bytecode::Op;
use crate::object::GenKind;
use crate::scheduler::{Callback, FutState, as_future, as_loop};
use crate::value::Value;
use crate::vm::{Frame, Vm};

/// One frame of a task's await chain, outermost first.
#[derive(Clone, Debug)]
pub struct FrameInfo {
    pub file: String,
    pub qualname: String,
    pub line: usize,
    /// The text of that line.
    pub text: String,
    /// "async", "async generator", "generator" or "" for a plain function.
    pub kind: &'static str,
    /// The coroutine or generator the frame belongs to.
    pub owner: Option<Value>,
    /// A frame of the asyncio prelude (Queue.get, Lock.acquire, ...), not the learner's code.
    pub internal: bool,
}

/// What a task is doing.
#[derive(Clone, Debug)]
pub enum TaskState {
    /// Its step is executing now.
    Running,
    /// A handle to step it is in the ready queue (`started`: it ran before).
    Ready { started: bool },
    /// Suspended until something happens.
    Waiting(Wait),
}

#[derive(Clone, Debug)]
pub enum Wait {
    Task(Value),
    Gather(Vec<Value>),
    Sleep {
        until: f64,
    },
    /// A plain future, with the asyncio function it waits in if any (`Queue.get`), and
    /// the line the program created it at, if known.
    Future {
        inside: Option<String>,
        created: Option<usize>,
    },
    /// Neither ready nor waiting on anything: its step is about to run (the trace looks
    /// at it just before the step begins).
    Nothing,
}

#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub task: Value,
    /// `Task-2 say_after`
    pub label: String,
    pub state: TaskState,
    pub frames: Vec<FrameInfo>,
}

/// The loop whose tasks are shown: the running one, else the current event loop.
fn current_loop(vm: &Vm) -> Option<Value> {
    vm.sched
        .running_loop
        .clone()
        .or_else(|| vm.sched.event_loop.clone())
}

/// The source line a frame is at: a suspended `await` re-runs its SEND, any other frame
/// is past the instruction that called.
pub(super) fn frame_line(fr: &Frame) -> usize {
    let ip = match fr.code.ops.get(fr.ip as usize) {
        Some(Op::Send(_)) => fr.ip,
        _ => fr.ip.saturating_sub(1),
    };
    let span = fr.code.span_at(ip as usize);
    fr.code.source.line(span.start as usize)
}

fn frame_info(fr: &Frame) -> FrameInfo {
    let line = frame_line(fr);
    let kind = match fr.owner.as_ref().map(|g| g.kind) {
        Some(GenKind::Coroutine) => "async",
        Some(GenKind::AsyncGen) => "async generator",
        Some(_) => "generator",
        None => "",
    };
    FrameInfo {
        file: fr.code.source.name.clone(),
        qualname: fr.code.qualname.to_string(),
        line,
        text: crate::span::line_text(&fr.code.source.text, line).to_string(),
        kind,
        owner: fr.owner.clone().map(Value::Gen),
        internal: fr.code.source.name == "<asyncio>",
    }
}

/// The frames of a task, outermost first (the running task's are on the VM).
pub fn task_frames(vm: &Vm, t: &Value) -> Vec<FrameInfo> {
    let is_current = vm.sched.current_task.as_ref().is_some_and(|c| c.is(t));
    if is_current {
        return vm.fiber.frames.iter().map(frame_info).collect();
    }
    let Some(td) = as_future(t).and_then(|f| f.task()) else {
        return Vec::new();
    };
    td.with_fiber(|fb| fb.map(|fb| fb.frames.iter().map(frame_info).collect()))
        .unwrap_or_default()
}

/// Whether a handle in the ready queue will step task `t`.
fn steps(cb: &Callback, t: &Value) -> bool {
    matches!(cb, Callback::Step { task, .. } | Callback::SleepWakeup { task, .. }
        if crate::scheduler::is_obj(t, task))
}

fn state_of(vm: &Vm, lp: &Value, t: &Value, frames: &[FrameInfo]) -> TaskState {
    if vm.sched.current_task.as_ref().is_some_and(|c| c.is(t)) {
        return TaskState::Running;
    }
    let Some(f) = as_future(t) else {
        return TaskState::Waiting(Wait::Nothing);
    };
    let Some(td) = f.task() else {
        return TaskState::Waiting(Wait::Nothing);
    };
    let l = as_loop(lp);
    let ready = l.is_some_and(|l| {
        l.ready
            .borrow()
            .iter()
            .any(|r| !r.cancelled() && r.with_callback(|cb| steps(cb, t)))
    });
    if ready {
        return TaskState::Ready {
            started: td.started.get(),
        };
    }
    if let Some(until) = crate::scheduler::sleep::bare_until(t, td, lp) {
        return TaskState::Waiting(Wait::Sleep { until });
    }
    let waiter = td.waiter();
    if let Some(until) = crate::scheduler::sleep::pending_until(&waiter) {
        return TaskState::Waiting(Wait::Sleep { until });
    }
    let Some(w) = as_future(&waiter) else {
        return TaskState::Waiting(Wait::Nothing);
    };
    if w.task().is_some() {
        return TaskState::Waiting(Wait::Task(waiter.clone()));
    }
    if let Some(children) = w.gather_children() {
        return TaskState::Waiting(Wait::Gather(children));
    }
    // A sleep's future is resolved by a timer (still pending, or due and moved to the
    // ready queue): find it to say when.
    let ends_sleep = |cb: &Callback| match cb {
        Callback::SetResultUnlessCancelled { sleep }
            if crate::scheduler::sleep::due_future(sleep).is(&waiter) =>
        {
            crate::scheduler::sleep_when(sleep)
        }
        _ => None,
    };
    let until = l.and_then(|l| {
        let timers = l.timers.borrow();
        let ready = l.ready.borrow();
        timers
            .iter()
            .find_map(|e| e.with_callback(ends_sleep))
            .or_else(|| ready.iter().find_map(|r| r.with_callback(ends_sleep)))
    });
    if let Some(until) = until {
        return TaskState::Waiting(Wait::Sleep { until });
    }
    let inside = frames
        .iter()
        .rev()
        .find(|fr| fr.internal)
        .map(|fr| fr.qualname.clone())
        .or_else(|| {
            td.with_fiber(|fb| crate::scheduler::native_wait(fb?).map(|(name, _)| name.to_string()))
        });
    // The creation site is a byte offset (plus one) in the learner's source.
    let created = (w.origin() > 0)
        .then(|| {
            td.with_fiber(|fb| {
                let fr = fb?
                    .frames
                    .iter()
                    .find(|fr| fr.code.source.name != "<asyncio>")?;
                let text = &fr.code.source.text;
                let at = w.origin() as usize - 1;
                (at <= text.len()).then(|| crate::span::line_col(text, at).0)
            })
        })
        .flatten();
    TaskState::Waiting(Wait::Future { inside, created })
}

/// Every live task of the current loop, in creation order (asyncio's own shutdown tasks
/// left out).
pub fn snapshot(vm: &Vm) -> Vec<TaskInfo> {
    match current_loop(vm) {
        Some(lp) => snapshot_of(vm, &lp),
        None => Vec::new(),
    }
}

/// Every live task of loop `lp` (for a loop that is not running, as the REPL's between
/// prompts).
pub fn snapshot_of(vm: &Vm, lp: &Value) -> Vec<TaskInfo> {
    let lp = lp.clone();
    let Some(l) = as_loop(&lp) else {
        return Vec::new();
    };
    let tasks = l.tasks.borrow().pending();
    tasks
        .into_iter()
        .filter(|t| !super::internal(t))
        .map(|t| {
            let frames = task_frames(vm, &t);
            let state = state_of(vm, &lp, &t, &frames);
            TaskInfo {
                label: super::task_label(&t),
                task: t,
                state,
                frames,
            }
        })
        .collect()
}

/// The tasks awaiting future `fut` (directly, through a gather(), or registered with
/// `future_add_to_awaited_by`, as TaskGroup does for its children), as in Python 3.14's
/// `_asyncio_awaited_by`.
pub fn awaited_by(vm: &Vm, fut: &Value) -> Vec<Value> {
    let lp = as_future(fut)
        .map(|f| f.lp.clone())
        .or_else(|| current_loop(vm));
    let Some(l) = lp.as_ref().and_then(as_loop) else {
        return Vec::new();
    };
    let mut out: Vec<Value> = Vec::new();
    for t in l.tasks.borrow().pending() {
        let Some(td) = as_future(&t).and_then(|f| f.task()) else {
            continue;
        };
        let w = td.waiter();
        let through_gather = as_future(&w)
            .and_then(|g| g.gather_children())
            .is_some_and(|c| c.iter().any(|c| c.is(fut)));
        if w.is(fut) || through_gather {
            out.push(t);
        }
    }
    if let Value::Native(f) = fut {
        for w in vm.sched.awaited_by.waiters(f) {
            let w = Value::Native(w);
            if !out.iter().any(|o| o.is(&w)) {
                out.push(w);
            }
        }
    }
    out
}

/// `Task-1 main (line 12)`: the task and the learner's innermost line.
fn headline(info: &TaskInfo) -> String {
    let user: Vec<&FrameInfo> = info.frames.iter().filter(|f| !f.internal).collect();
    let mut s = info.label.clone();
    match user.split_first() {
        None => {}
        Some((root, rest)) => {
            s.push_str(&format!(" (line {})", root.line));
            for fr in rest {
                s.push_str(&format!(
                    " → {} (line {})",
                    short_name(&fr.qualname),
                    fr.line
                ));
            }
        }
    }
    s
}

fn short_name(q: &str) -> &str {
    q.rsplit(".<locals>.").next().unwrap_or(q)
}

/// Render the tree: one line per task that nobody awaits, with the tasks it awaits drawn
/// inline (`→ awaits Task-3 fetch (line 5) → ...`) and gather() children as branches.
pub fn render(infos: &[TaskInfo]) -> Vec<String> {
    let mut out = Vec::new();
    let mut shown: Vec<Value> = Vec::new();
    let awaited: Vec<Value> = infos
        .iter()
        .flat_map(|i| match &i.state {
            TaskState::Waiting(Wait::Task(t)) => vec![t.clone()],
            TaskState::Waiting(Wait::Gather(c)) => c.clone(),
            _ => Vec::new(),
        })
        .collect();
    let roots = infos
        .iter()
        .filter(|i| !awaited.iter().any(|a| a.is(&i.task)));
    for info in roots {
        draw(infos, info, "• ", "  ", &mut out, &mut shown);
    }
    // Tasks only reachable through a cycle of awaits (a deadlock) are still listed.
    for info in infos {
        if !shown.iter().any(|s| s.is(&info.task)) {
            draw(infos, info, "• ", "  ", &mut out, &mut shown);
        }
    }
    out
}

fn draw(
    infos: &[TaskInfo],
    info: &TaskInfo,
    first: &str,
    rest: &str,
    out: &mut Vec<String>,
    shown: &mut Vec<Value>,
) {
    let mut line = format!("{first}{}", headline(info));
    shown.push(info.task.clone());
    let mut cur = info;
    loop {
        match &cur.state {
            TaskState::Running => line.push_str(": running"),
            TaskState::Ready { started: true } => {
                line.push_str(": ready, resumes in this iteration")
            }
            TaskState::Ready { started: false } => line.push_str(": ready to start"),
            TaskState::Waiting(Wait::Nothing) => line.push_str(": about to run"),
            TaskState::Waiting(Wait::Sleep { until }) => {
                line.push_str(&format!(" → awaits sleep until t={until:.3}"))
            }
            TaskState::Waiting(Wait::Future { inside, created }) => match (inside, created) {
                (Some(f), _) => line.push_str(&format!(" → awaits a Future in {f}()")),
                (None, Some(l)) => {
                    line.push_str(&format!(" → awaits a Future created at line {l}"))
                }
                (None, None) => line.push_str(" → awaits a Future"),
            },
            TaskState::Waiting(Wait::Task(t)) => {
                let next = infos.iter().find(|i| i.task.is(t));
                match next {
                    Some(n) if !shown.iter().any(|s| s.is(t)) => {
                        line.push_str(&format!(" → awaits {}", headline(n)));
                        shown.push(t.clone());
                        cur = n;
                        continue;
                    }
                    _ => line.push_str(&format!(
                        " → awaits {}{}",
                        super::task_label(t),
                        if as_future(t).is_some_and(|f| f.state.get() != FutState::Pending) {
                            " (done)"
                        } else {
                            " (shown above)"
                        }
                    )),
                }
            }
            TaskState::Waiting(Wait::Gather(children)) => {
                line.push_str(&format!(" → awaits gather() of {}:", children.len()));
                out.push(line);
                let n = children.len();
                for (i, c) in children.iter().enumerate() {
                    let last = i + 1 == n;
                    let (f, r) = if last {
                        ("└── ", "    ")
                    } else {
                        ("├── ", "│   ")
                    };
                    let first = format!("{rest}{f}");
                    let next_rest = format!("{rest}{r}");
                    match infos.iter().find(|i| i.task.is(c)) {
                        Some(ci) if !shown.iter().any(|s| s.is(c)) => {
                            draw(infos, ci, &first, &next_rest, out, shown)
                        }
                        _ => out.push(format!("{first}{}", done_child(c))),
                    }
                }
                return;
            }
        }
        break;
    }
    out.push(line);
}

/// A gather() child that is not a live task: finished, or a plain future.
fn done_child(c: &Value) -> String {
    let Some(f) = as_future(c) else {
        return "?".into();
    };
    let what = if f.task().is_some() {
        super::task_label(c)
    } else {
        "a Future".into()
    };
    match f.state.get() {
        FutState::Pending => format!("{what}: pending"),
        FutState::Cancelled => format!("{what}: cancelled"),
        FutState::Finished if f.failed.get() => format!("{what}: failed"),
        FutState::Finished => format!("{what}: done"),
    }
}

/// Every live task of the current loop with its state and await chain, as lines of text
/// (`Task-1 main (line 12) → awaits Task-3 fetch (line 5) → awaits sleep until t=2.000`).
pub fn task_tree(vm: &mut Vm) -> Vec<String> {
    render(&snapshot(vm))
}

/// The task tree of loop `lp`.
pub fn task_tree_of(vm: &mut Vm, lp: &Value) -> Vec<String> {
    render(&snapshot_of(vm, lp))
}
