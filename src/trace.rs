//! Scheduler trace events for `aio trace`: what the event loop decided, and why.
//!
//! Events are data, emitted at one place per decision. When tracing is off the cost is one
//! `if vm.sched.tracing` test at each of those places; nothing is built.

mod chrome;
mod html;
mod step;
mod tree;
mod view;

pub use tree::{
    TaskInfo, TaskState, Wait, awaited_by, snapshot, snapshot_of, task_frames, task_tree,
    task_tree_of,
};
pub use view::{Category, Options, Record, Recorder, StepMode, View};

use crate::scheduler::as_future;
use crate::value::Value;
use crate::vm::Vm;

pub enum Event {
    /// One loop iteration begins with this many handles ready and timers pending.
    Iteration {
        ready: usize,
        timers: usize,
    },
    /// The loop has nothing ready and sleeps until the next timer.
    Idle {
        until: f64,
    },
    TaskCreated {
        task: Value,
        by: Option<Value>,
        line: usize,
    },
    TaskRuns {
        task: Value,
        first: bool,
    },
    /// The task waits: `what` in words, `wakes_at` for a sleep.
    TaskWaits {
        task: Value,
        what: String,
        line: usize,
        wakes_at: Option<f64>,
    },
    /// A bare yield (`sleep(0)`): the task runs again in the next iteration.
    TaskYields {
        task: Value,
        line: usize,
    },
    TaskDone {
        task: Value,
        outcome: String,
    },
    /// `task.cancel(msg)`, by a task (None: a callback or the main program).
    CancelRequested {
        task: Value,
        by: Option<Value>,
        msg: String,
        line: usize,
    },
    /// The CancelledError is raised in the task, at the `await` it is suspended at.
    /// `awaited`: what it awaited was cancelled (the task itself was not asked to cancel).
    CancelDelivered {
        task: Value,
        line: usize,
        awaited: Option<String>,
    },
    /// The task caught the CancelledError and goes on (`at` says where).
    CancelCaught {
        task: Value,
        at: String,
    },
    /// One handle held the loop for `secs` without awaiting; `waited` names what was
    /// ready meanwhile, `late` the timers that came due during it.
    Blocked {
        who: String,
        secs: f64,
        waited: Vec<String>,
        late: Vec<String>,
    },
    Callback {
        name: String,
    },
    /// A sleep's timer came due: its task wakes up in the next iteration.
    TimerDue {
        task: Option<Value>,
    },
    /// run_until_complete's future is done: the loop stops after this iteration.
    LoopStops,
    /// A thread switch decision (threads/mod.rs), said of the current thread.
    Thread {
        what: String,
    },
}

impl Event {
    /// The task an event is about (timers and callbacks have none of their own).
    fn task(&self) -> Option<&Value> {
        match self {
            Event::TaskCreated { task, .. }
            | Event::TaskRuns { task, .. }
            | Event::TaskWaits { task, .. }
            | Event::TaskYields { task, .. }
            | Event::TaskDone { task, .. }
            | Event::CancelRequested { task, .. }
            | Event::CancelDelivered { task, .. }
            | Event::CancelCaught { task, .. } => Some(task),
            _ => None,
        }
    }
}

/// Tasks the asyncio machinery makes for itself (asyncio.run's shutdown steps) are not
/// the learner's: their events are left out.
pub fn internal(t: &Value) -> bool {
    as_future(t)
        .and_then(|f| f.task())
        .is_some_and(|td| matches!(&td.coro, Value::Gen(g) if g.code.source.name == "<asyncio>"))
}

/// A task's display name and its coroutine's name: `Task-2 say_after`.
pub fn task_label(t: &Value) -> String {
    let Some(f) = as_future(t) else {
        return "?".into();
    };
    let Some(td) = f.task() else {
        return "Future".into();
    };
    let name = td.name_string();
    match &td.coro {
        Value::Gen(g) => format!("{name} {}", g.code.name),
        _ => format!("{name} sleep"),
    }
}

fn task_name(t: &Value) -> String {
    as_future(t)
        .and_then(|f| f.task().map(|td| td.name_string()))
        .unwrap_or_else(|| "Future".into())
}

/// Render one event as a trace line (after the program's output so far).
pub fn emit(vm: &mut Vm, ev: Event) {
    let now = vm.sched.clock.peek();
    match &ev {
        _ if ev.task().is_some_and(internal) => return,
        // An iteration is announced with the first event that happens in it.
        Event::Iteration { ready, timers } => {
            vm.sched.trace_iteration = Some((*ready, *timers));
            vm.sched.trace_view.header = None;
            // Between two iterations: the ready queue is exactly the next iteration's.
            if vm.sched.trace_view.opts.step == Some(StepMode::Iteration)
                && vm.sched.trace_iterations > 0
                && !vm.sched.trace_view.opts.quiet
            {
                step::pause(vm);
            }
            if vm.sched.trace_view.opts.tree {
                vm.sched.trace_view.tree = Some(task_tree(vm));
            }
            return;
        }
        _ => {}
    }
    if let Some((ready, timers)) = vm.sched.trace_iteration.take() {
        vm.sched.trace_iterations += 1;
        vm.sched.trace_view.header = Some((vm.sched.trace_iterations, ready, timers));
    }
    let kind = match &ev {
        Event::Iteration { .. } => "iteration",
        Event::Idle { .. } => "idle",
        Event::TaskCreated { .. } => "task_created",
        Event::TaskRuns { first: true, .. } => "task_started",
        Event::TaskRuns { .. } => "task_resumed",
        Event::TaskWaits { .. } => "task_suspended",
        Event::TaskYields { .. } => "task_yielded",
        Event::TaskDone { .. } => "task_done",
        Event::CancelRequested { .. } => "cancel_requested",
        Event::CancelDelivered { .. } => "cancel_delivered",
        Event::CancelCaught { .. } => "cancel_caught",
        Event::Blocked { .. } => "blocked",
        Event::Callback { .. } => "callback",
        Event::TimerDue { .. } => "timer_due",
        Event::LoopStops => "loop_stops",
        Event::Thread { .. } => "thread",
    };
    // With more than one thread, every line says which thread it happened on.
    let thread = vm
        .threads
        .active
        .then(|| vm.thread_name(vm.threads.current));
    let thread_event = matches!(ev, Event::Thread { .. });
    let (src_line, wakes_at) = match &ev {
        Event::TaskCreated { line, .. }
        | Event::TaskYields { line, .. }
        | Event::CancelDelivered { line, .. } => (Some(*line), None),
        Event::CancelRequested { line, .. } if *line > 0 => (Some(*line), None),
        Event::TaskWaits { line, wakes_at, .. } => (Some(*line), *wakes_at),
        Event::Idle { until } => (None, Some(*until)),
        _ => (None, None),
    };
    let subject = match &ev {
        Event::TimerDue { task } => task.clone(),
        _ => ev.task().cloned(),
    };
    let creator = match &ev {
        Event::TaskCreated { by, .. } => by.clone(),
        _ => None,
    };
    let (who, text) = match ev {
        Event::Iteration { .. } => return,
        Event::Idle { until } => (
            "loop".to_string(),
            format!("nothing ready: idle until t={until:.3} (next timer)"),
        ),
        Event::TaskCreated { task, by, line } => {
            let at = if line == 0 {
                String::new()
            } else {
                format!(" (line {line})")
            };
            let place = match (by, &thread) {
                (Some(b), _) => format!("created by {}{at}", task_name(&b)),
                (None, Some(name)) if vm.threads.current != 0 => {
                    format!("created by thread '{name}'{at}")
                }
                // No line and no creator: the REPL made it for the statement just typed.
                (None, _) if line == 0 => "created to run the statement typed at the prompt".into(),
                (None, _) => format!("created by the main program{at}"),
            };
            (
                task_label(&task),
                format!("{place}; scheduled to start in the next iteration"),
            )
        }
        Event::TaskRuns { task, first } => (
            task_label(&task),
            if first {
                "starts running".into()
            } else {
                "resumes".into()
            },
        ),
        Event::TaskWaits {
            task,
            what,
            line,
            wakes_at,
        } => {
            let wake = wakes_at
                .map(|w| format!("  → wakes at t={w:.3}"))
                .unwrap_or_default();
            (
                task_label(&task),
                format!("suspended at line {line}: {what}{wake}"),
            )
        }
        Event::TaskYields { task, line } => (
            task_label(&task),
            format!("yields at line {line} (sleep(0)): runs again in the next iteration"),
        ),
        Event::TaskDone { task, outcome } => (task_label(&task), outcome),
        Event::CancelRequested {
            task,
            by,
            msg,
            line,
        } => {
            let by = by
                .map(|b| task_label(&b))
                .unwrap_or_else(|| "a callback or the main program".into());
            let msg = if msg.is_empty() {
                String::new()
            } else {
                format!(" with message {msg}")
            };
            let started = as_future(&task)
                .and_then(|f| f.task())
                .is_some_and(|td| td.started.get());
            let then = if line > 0 {
                format!(
                    "CancelledError will be raised at its await on line {line} when it next runs"
                )
            } else if started {
                "CancelledError will be raised at its next await".into()
            } else {
                "it has not started, so it will end cancelled without running a line".into()
            };
            (
                task_label(&task),
                format!("cancel requested by {by}{msg}: {then}"),
            )
        }
        Event::CancelDelivered {
            task,
            line,
            awaited,
        } => (
            task_label(&task),
            match (line, awaited) {
                (0, _) => "cancelled before it started: its coroutine never runs".into(),
                (_, None) => format!(
                    "the cancellation arrives: CancelledError raised at line {line}, the await it was suspended at"
                ),
                (_, Some(w)) => format!(
                    "the {w} it awaited was cancelled: CancelledError raised at line {line}, the await it was suspended at"
                ),
            },
        ),
        Event::CancelCaught { task, at } => (
            task_label(&task),
            format!(
                "had caught the CancelledError {at}: the task went on instead of ending cancelled"
            ),
        ),
        Event::Blocked {
            who,
            secs,
            waited,
            late,
        } => {
            let mut text = format!(
                "held the loop for {secs:.3} s without awaiting (a blocking call like time.sleep, or a long computation)"
            );
            let meanwhile: Vec<String> = waited
                .into_iter()
                .map(|w| format!("{w} was ready and waited {secs:.3} s"))
                .chain(late)
                .collect();
            if meanwhile.is_empty() {
                text.push_str("; nothing else was waiting");
            } else {
                text.push_str(": meanwhile ");
                text.push_str(&meanwhile.join("; "));
            }
            (who, text)
        }
        Event::Callback { name } => ("loop".to_string(), format!("runs callback {name}")),
        Event::TimerDue { task } => (
            task.as_ref()
                .map(task_label)
                .unwrap_or_else(|| "loop".into()),
            "sleep is over: its future is done, the task wakes in the next iteration".into(),
        ),
        Event::LoopStops => (
            "loop".to_string(),
            "the awaited future is done: the loop stops after this iteration".into(),
        ),
        Event::Thread { what } => (String::new(), what),
    };
    let who = match &thread {
        Some(name) if thread_event => name.clone(),
        _ => who,
    };
    if vm.sched.trace_view.recorder.is_some() {
        record(
            vm,
            now,
            kind,
            subject.as_ref(),
            creator.as_ref(),
            &who,
            &text,
            src_line,
            wakes_at,
        );
    }
    if !vm.sched.trace_view.shows(kind, subject.as_ref(), &who) || vm.sched.trace_view.opts.quiet {
        return;
    }
    if let Some(header) = vm.sched.trace_view.header.take() {
        announce_iteration(vm, now, header);
    }
    let line = if vm.sched.trace_json {
        let mut o = format!(
            "{{\"t\":{now:.6},\"event\":\"{kind}\",\"who\":{},\"text\":{}",
            json_str(&who),
            json_str(&text)
        );
        if let Some(l) = src_line {
            o.push_str(&format!(",\"line\":{l}"));
        }
        if let Some(name) = &thread {
            o.push_str(&format!(",\"thread\":{}", json_str(name)));
        }
        if let Some(w) = wakes_at {
            o.push_str(&format!(",\"until\":{w:.6}"));
        }
        o.push_str("}\n");
        o
    } else {
        let who = match &thread {
            Some(name) if thread_event => format!("[{name}]"),
            Some(name) => format!("[{name}] {who}"),
            None => who,
        };
        format!("t={now:.3}  {who:<18} {text}\n")
    };
    vm.write_raw(&line);
    if vm.sched.trace_view.opts.step == Some(StepMode::Event) {
        step::pause(vm);
    }
}

/// Print an iteration's header (and, with `--tree`, the task tree as it began).
fn announce_iteration(vm: &mut Vm, now: f64, (n, ready, timers): (u64, usize, usize)) {
    let tree = vm.sched.trace_view.tree.take();
    // Under --shuffle, a batch of two or more ran in the generator's order.
    let shuffled = vm.sched.shuffle.is_some() && ready > 1;
    let thread = if vm.threads.active {
        format!("[{}] ", vm.thread_name(vm.threads.current))
    } else {
        String::new()
    };
    let mut out = if vm.sched.trace_json {
        format!(
            "{{\"t\":{now:.6},\"event\":\"iteration\",\"n\":{n},\"ready\":{ready},\"timers\":{timers}{}}}\n",
            if shuffled { ",\"shuffled\":true" } else { "" }
        )
    } else {
        format!(
            "t={now:.3}  {thread}── iteration {n}: {ready} ready, {timers} timer{} pending{}\n",
            if timers == 1 { "" } else { "s" },
            if shuffled {
                " (run in shuffled order)"
            } else {
                ""
            }
        )
    };
    if let Some(lines) = tree {
        if vm.sched.trace_json {
            let items: Vec<String> = lines.iter().map(|l| json_str(l)).collect();
            out.push_str(&format!(
                "{{\"t\":{now:.6},\"event\":\"tasks\",\"n\":{n},\"lines\":[{}]}}\n",
                items.join(",")
            ));
        } else if lines.is_empty() {
            out.push_str("         tasks: none alive\n");
        } else {
            for (i, l) in lines.iter().enumerate() {
                let head = if i == 0 { "tasks:" } else { "" };
                out.push_str(&format!("         {head:<6} {l}\n"));
            }
        }
    }
    vm.write_raw(&out);
}

/// Keep an event for the timeline page and the Chrome trace.
#[allow(clippy::too_many_arguments)]
fn record(
    vm: &mut Vm,
    now: f64,
    kind: &'static str,
    subject: Option<&Value>,
    creator: Option<&Value>,
    who: &str,
    text: &str,
    line: Option<usize>,
    until: Option<f64>,
) {
    let iteration = vm.sched.trace_iterations;
    let Some(rec) = vm.sched.trace_view.recorder.as_mut() else {
        return;
    };
    if rec.full() {
        return;
    }
    let lane = subject.and_then(|t| rec.lane(t));
    let links = creator.and_then(|c| rec.lane(c)).into_iter().collect();
    rec.push(
        Record {
            t: now,
            iteration,
            kind,
            lane,
            who: who.to_string(),
            text: text.to_string(),
            line,
            until,
            links,
        },
        subject,
    );
}

/// The program wrote `s`: keep its lines in the record (for the timeline's event log).
pub fn record_output(vm: &mut Vm, s: &str) {
    let now = vm.sched.clock.peek();
    let n = vm.sched.trace_iterations;
    if let Some(rec) = vm.sched.trace_view.recorder.as_mut() {
        rec.output(s, now, n);
    }
}

/// The run is over: write the `--html` and `--chrome` files from the record.
pub fn write_files(vm: &mut Vm, file: &str, source: &str) -> Result<(), String> {
    let Some(rec) = vm.sched.trace_view.recorder.as_mut() else {
        return Ok(());
    };
    rec.finish();
    if rec.truncated {
        eprintln!(
            "aio: the program made too many scheduler events: only the first {} are kept",
            view::MAX_RECORDS
        );
    }
    let opts = vm.sched.trace_view.opts.clone();
    if let Some(path) = &opts.html {
        let page = html::page(rec, file, source);
        std::fs::write(path, page).map_err(|e| format!("can't write {}: {e}", path.display()))?;
        eprintln!("aio: wrote the timeline to {}", path.display());
    }
    if let Some(path) = &opts.chrome {
        let json = chrome::trace_events(rec);
        std::fs::write(path, json).map_err(|e| format!("can't write {}: {e}", path.display()))?;
        eprintln!("aio: wrote the Chrome trace to {}", path.display());
    }
    Ok(())
}

/// A JSON string literal.
pub(crate) fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A short name for a callback argument: tasks by name, others by type.
pub fn short(v: &Value) -> String {
    match as_future(v) {
        Some(f) if f.task().is_some() => task_name(v),
        Some(_) => "Future".into(),
        None => crate::types::type_name(v),
    }
}

/// Where a suspended task is: the line of its innermost frame in the program (frames of
/// asyncio's own code are skipped: the learner's line is the one that called into it).
pub fn task_line(t: &Value) -> usize {
    let Some(td) = as_future(t).and_then(|f| f.task()) else {
        return 0;
    };
    // The learner's line: the innermost frame outside the asyncio/threading preludes.
    td.with_fiber(|fb| {
        fb?.frames
            .iter()
            .rev()
            .find(|fr| !crate::threads::is_prelude(&fr.code.source.name))
            .map(tree::frame_line)
    })
    .unwrap_or(0)
}

/// The asyncio function a suspended task called and waits inside (`wait`, `Queue.get`),
/// if it waits inside asyncio's own code.
pub fn asyncio_call(t: &Value) -> Option<String> {
    let td = as_future(t).and_then(|f| f.task())?;
    td.with_fiber(|fb| {
        let fb = fb?;
        let user = fb
            .frames
            .iter()
            .rposition(|fr| fr.code.source.name != "<asyncio>")?;
        fb.frames[user + 1..]
            .iter()
            .map(|fr| &*fr.code.qualname)
            .find(|q| !q.starts_with('_'))
            .map(str::to_string)
            .or_else(|| crate::scheduler::native_wait(fb).map(|(n, _)| n.to_string()))
    })
}

/// What a task waits on, in words.
pub fn describe_wait(v: &Value) -> String {
    match as_future(v) {
        Some(f) if f.task().is_some() => format!("await {} (until it finishes)", task_label(v)),
        Some(f) if f.gather().is_some() => {
            let n = f.gather().map(|g| g.children.borrow().len()).unwrap_or(0);
            format!(
                "await gather() of {n} awaitable{}",
                if n == 1 { "" } else { "s" }
            )
        }
        _ => "await a Future (until something sets its result)".into(),
    }
}

/// A line the program printed, as a JSON trace event.
pub fn output_event(vm: &mut Vm, text: &str) {
    let now = vm.sched.clock.peek();
    let line = format!(
        "{{\"t\":{now:.6},\"event\":\"output\",\"text\":{}}}\n",
        json_str(text)
    );
    vm.write_raw(&line);
}

/// Emit what is left of a last output line without a newline.
pub fn finish(vm: &mut Vm) {
    let rest = std::mem::take(&mut vm.sched.trace_pending_output);
    if !rest.is_empty() {
        output_event(vm, &rest);
    }
}

/// Where a CancelledError was caught, from the handler it entered last.
pub fn caught_at(handler: Option<(std::rc::Rc<crate::bytecode::Code>, u32)>) -> String {
    let Some((code, ip)) = handler else {
        return "inside a function it awaited".into();
    };
    if code.source.name == "<asyncio>" {
        return format!("inside asyncio's {}", code.qualname);
    }
    let span = code.span_at(ip as usize);
    let line = code.source.line(span.start as usize);
    let text = crate::span::line_text(&code.source.text, line).trim();
    format!("at line {line} ({text})")
}

/// A callable's name for the trace: a function's qualname, a builtin's name, else its type.
pub fn callable_name(func: &Value) -> String {
    match func {
        Value::Func(f) => f.qualname.borrow().to_string(),
        Value::Builtin(b) => b.name.to_string(),
        other => crate::types::type_name(other),
    }
}
