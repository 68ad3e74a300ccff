//! `--step`: pause after each event (or each loop iteration), show the ready queue, the
//! timers and every task with its state and source line, and wait for a key on the
//! terminal (/dev/tty, so the program's own stdin is left alone).

use std::io::BufRead;

use crate::scheduler::{Callback, as_loop};
use crate::vm::Vm;

use super::{TaskState, Wait};

/// What a handle in the ready queue will do, in words.
fn describe(cb: &Callback) -> String {
    match cb {
        Callback::Step { task, .. } | Callback::SleepWakeup { task, .. } => {
            format!(
                "step {}",
                super::task_label(&crate::value::Value::Native(task.clone()))
            )
        }
        Callback::Call(call) => {
            let (func, args) = (&call.func, &call.args);
            let name = match func {
                crate::value::Value::Func(f) => f.qualname.borrow().to_string(),
                crate::value::Value::Builtin(b) => b.name.to_string(),
                other => crate::types::type_name(other),
            };
            let shown: Vec<String> = args.iter().map(super::short).collect();
            format!("callback {name}({})", shown.join(", "))
        }
        Callback::GatherChildDone { child, .. } => format!(
            "callback gather.<locals>.on_child_done({})",
            super::short(&crate::value::Value::Native(child.clone()))
        ),
        Callback::StopLoop { .. } => "stop the loop".into(),
        Callback::SetResultUnlessCancelled { sleep } => {
            let sleeper =
                crate::scheduler::sleep::waiting_task(sleep).map(|t| super::task_label(&t));
            match sleeper {
                Some(t) => format!("end the sleep of {t}"),
                None => "end a sleep".into(),
            }
        }
        Callback::SleepDue { task } => format!(
            "end the sleep of {}",
            super::task_label(&crate::value::Value::Native(task.clone()))
        ),
        Callback::Done => "nothing (already run)".into(),
    }
}

/// The loop's state, for the teacher: ready queue, timers, tasks.
pub fn status(vm: &Vm) -> Vec<String> {
    let mut out = vec![format!("   clock:       t={:.3}", vm.sched.clock.peek())];
    let lp = vm
        .sched
        .running_loop
        .clone()
        .or_else(|| vm.sched.event_loop.clone());
    if let Some(l) = lp.as_ref().and_then(as_loop) {
        let ready: Vec<String> = l
            .ready
            .borrow()
            .iter()
            .filter(|r| !r.cancelled())
            .map(|r| r.with_callback(describe))
            .collect();
        out.push(listing("ready queue:", &ready, "empty"));
        let mut timers: Vec<(f64, String)> = l
            .timers
            .borrow()
            .iter()
            .filter(|e| !e.cancelled())
            .map(|e| (e.when, e.with_callback(describe)))
            .collect();
        timers.sort_by(|a, b| a.0.total_cmp(&b.0));
        let timers: Vec<String> = timers
            .into_iter()
            .map(|(w, d)| format!("t={w:.3} {d}"))
            .collect();
        out.push(listing("timers:", &timers, "none"));
    }
    let tasks = super::snapshot(vm);
    if tasks.is_empty() {
        out.push("   tasks:       none alive".into());
    }
    for (i, t) in tasks.iter().enumerate() {
        let state = match &t.state {
            TaskState::Running => "running".to_string(),
            TaskState::Ready { started: false } => "ready to start".to_string(),
            TaskState::Ready { started: true } => "ready".to_string(),
            TaskState::Waiting(Wait::Sleep { until }) => format!("sleeping until t={until:.3}"),
            TaskState::Waiting(Wait::Task(w)) => format!("awaits {}", super::task_label(w)),
            TaskState::Waiting(Wait::Gather(c)) => format!("awaits gather() of {}", c.len()),
            TaskState::Waiting(Wait::Future {
                inside: Some(f), ..
            }) => format!("awaits a Future in {f}()"),
            TaskState::Waiting(Wait::Future {
                created: Some(l), ..
            }) => format!("awaits the Future of line {l}"),
            TaskState::Waiting(Wait::Future { .. }) => "awaits a Future".to_string(),
            TaskState::Waiting(Wait::Nothing) => "about to run".to_string(),
        };
        let src = t
            .frames
            .iter()
            .rev()
            .find(|f| !f.internal)
            .map(|f| format!("line {}: {}", f.line, f.text.trim()))
            .unwrap_or_default();
        let head = if i == 0 { "tasks:" } else { "" };
        let row = format!("   {head:<12} {:<18} {state:<26} {src}", t.label);
        out.push(row.trim_end().to_string());
    }
    out
}

/// One line of the status: `label` and the items, or `empty` when there are none.
fn listing(label: &str, items: &[String], empty: &str) -> String {
    let shown = if items.is_empty() {
        empty.to_string()
    } else {
        items.join(" | ")
    };
    format!("   {label:<12} {shown}")
}

/// Pause: show the state, read a key from the terminal.
pub fn pause(vm: &mut Vm) {
    let mut text = status(vm).join("\n");
    text.push_str(if vm.sched.trace_view.in_repl {
        "\n   ▶ Enter: next step   c: continue without pausing   q: stop tracing "
    } else {
        "\n   ▶ Enter: next step   c: continue to the end   q: quit "
    });
    vm.write_raw(&text);
    vm.flush();
    if vm.sched.trace_view.tty.is_none() {
        match std::fs::File::open("/dev/tty") {
            Ok(f) => vm.sched.trace_view.tty = Some(std::io::BufReader::new(f)),
            Err(e) => {
                vm.write_raw(&format!(
                    "\naio: --step needs a terminal ({e}); continuing\n"
                ));
                vm.sched.trace_view.opts.step = None;
                return;
            }
        }
    }
    let mut key = String::new();
    let read = vm
        .sched
        .trace_view
        .tty
        .as_mut()
        .map(|t| t.read_line(&mut key));
    match (read, key.trim()) {
        (Some(Ok(0)) | Some(Err(_)) | None, _) | (_, "c") => {
            vm.sched.trace_view.opts.step = None;
        }
        (_, "q") if vm.sched.trace_view.in_repl => {
            vm.sched.trace_view.opts.step = None;
            vm.sched.tracing = false;
        }
        (_, "q") => {
            vm.write_raw("aio: stopped at the user's request\n");
            vm.flush();
            std::process::exit(0);
        }
        _ => {}
    }
}
