//! Scheduler trace events for `aio trace`: what the event loop decided, and why.
//!
//! Events are data, emitted at one place per decision. When tracing is off the cost is one
//! `if vm.sched.tracing` test at each of those places; nothing is built.

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
    CancelRequested {
        task: Value,
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

/// Tasks the asyncio machinery makes for itself (asyncio.run's shutdown steps) are not
/// the learner's: their events are left out.
pub fn internal(t: &Value) -> bool {
    as_future(t)
        .and_then(|f| f.task.as_ref())
        .is_some_and(|td| matches!(&td.coro, Value::Gen(g) if g.code.source.name == "<asyncio>"))
}

/// A task's display name and its coroutine's name: `Task-2 say_after`.
pub fn task_label(t: &Value) -> String {
    let Some(f) = as_future(t) else {
        return "?".into();
    };
    let Some(td) = &f.task else {
        return "Future".into();
    };
    let name = td.name.borrow().as_str().unwrap_or("?").to_string();
    match &td.coro {
        Value::Gen(g) => format!("{name} {}", g.code.name),
        _ => format!("{name} sleep"),
    }
}

fn task_name(t: &Value) -> String {
    as_future(t)
        .and_then(|f| {
            f.task
                .as_ref()
                .map(|td| td.name.borrow().as_str().unwrap_or("?").to_string())
        })
        .unwrap_or_else(|| "Future".into())
}

/// Render one event as a trace line (after the program's output so far).
pub fn emit(vm: &mut Vm, ev: Event) {
    let now = vm.sched.clock.peek();
    match &ev {
        Event::TaskCreated { task, .. }
        | Event::TaskRuns { task, .. }
        | Event::TaskWaits { task, .. }
        | Event::TaskYields { task, .. }
        | Event::TaskDone { task, .. }
        | Event::CancelRequested { task }
            if internal(task) =>
        {
            return;
        }
        // An iteration is announced with the first event that happens in it.
        Event::Iteration { ready, timers } => {
            vm.sched.trace_iteration = Some((*ready, *timers));
            return;
        }
        _ => {}
    }
    if let Some((ready, timers)) = vm.sched.trace_iteration.take() {
        vm.sched.trace_iterations += 1;
        let n = vm.sched.trace_iterations;
        let line = if vm.sched.trace_json {
            format!(
                "{{\"t\":{now:.6},\"event\":\"iteration\",\"n\":{n},\"ready\":{ready},\"timers\":{timers}}}\n"
            )
        } else {
            let thread = if vm.threads.active {
                format!("[{}] ", vm.thread_name(vm.threads.current))
            } else {
                String::new()
            };
            format!(
                "t={now:.3}  {thread}── iteration {n}: {ready} ready, {timers} timer{} pending\n",
                if timers == 1 { "" } else { "s" }
            )
        };
        vm.write_raw(&line);
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
        Event::TaskCreated { line, .. } | Event::TaskYields { line, .. } => (Some(*line), None),
        Event::TaskWaits { line, wakes_at, .. } => (Some(*line), *wakes_at),
        Event::Idle { until } => (None, Some(*until)),
        _ => (None, None),
    };
    let (who, text) = match ev {
        Event::Iteration { .. } => return,
        Event::Idle { until } => (
            "loop".to_string(),
            format!("nothing ready: idle until t={until:.3} (next timer)"),
        ),
        Event::TaskCreated { task, by, line } => {
            let by = match (by, &thread) {
                (Some(b), _) => task_name(&b),
                (None, Some(name)) if vm.threads.current != 0 => format!("thread '{name}'"),
                (None, _) => "the main program".into(),
            };
            let at = if line == 0 {
                String::new()
            } else {
                format!(" (line {line})")
            };
            (
                task_label(&task),
                format!("created by {by}{at}; scheduled to start in the next iteration"),
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
        Event::CancelRequested { task } => (
            task_label(&task),
            "cancel requested: CancelledError will be raised at its await".into(),
        ),
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
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
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
        Some(f) if f.task.is_some() => task_name(v),
        Some(_) => "Future".into(),
        None => crate::types::type_name(v),
    }
}

/// Where a suspended task is: the line of its innermost frame.
pub fn task_line(t: &Value) -> usize {
    let Some(td) = as_future(t).and_then(|f| f.task.as_ref()) else {
        return 0;
    };
    let fiber = td.fiber.borrow();
    // The learner's line: the innermost frame outside the asyncio/threading preludes.
    let Some(fr) = fiber.as_ref().and_then(|fb| {
        fb.frames
            .iter()
            .rev()
            .find(|fr| !crate::threads::is_prelude(&fr.code.source.name))
    }) else {
        return 0;
    };
    let span = fr
        .code
        .spans
        .get(fr.ip as usize)
        .copied()
        .unwrap_or_default();
    crate::span::line_col(&fr.code.source.text, span.start as usize).0
}

/// What a task waits on, in words.
pub fn describe_wait(v: &Value) -> String {
    match as_future(v) {
        Some(f) if f.task.is_some() => format!("await {} (until it finishes)", task_label(v)),
        Some(f) if f.gather_children.is_some() => {
            let n = f.gather_children.as_ref().map(|c| c.len()).unwrap_or(0);
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
