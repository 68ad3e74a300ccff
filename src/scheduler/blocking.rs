//! Tracing a loop held up: when one handle runs for long without giving control back (a
//! blocking `time.sleep`, a long computation between awaits), say what was ready and
//! waited meanwhile and which timers came due late. Only built when tracing.
//!
//! Under the virtual clock a computation takes no time, but a blocking `time.sleep(s)`
//! advances the clock by `s`, as the real one would: so the trace of a blocking sleep is
//! the same on both clocks, and long computations show up only with `--real-time`.

use super::{Callback, LoopObj};
use crate::vm::Vm;

/// CPython's debug mode warns about callbacks slower than this (`slow_callback_duration`).
pub const SLOW: f64 = 0.1;

/// Who a handle runs for: a task's label, a callback's name; None for asyncio's own work.
pub fn label(cb: &Callback) -> Option<String> {
    match cb {
        Callback::Step { task, .. } | Callback::SleepWakeup { task, .. } => {
            let task = crate::value::Value::Native(task.clone());
            (!crate::trace::internal(&task)).then(|| crate::trace::task_label(&task))
        }
        Callback::Call(call) => Some(format!(
            "callback {}",
            crate::trace::callable_name(&call.func)
        )),
        Callback::GatherChildDone { .. } => {
            Some(format!("callback {}", super::gather::CALLBACK_NAME))
        }
        _ => None,
    }
}

/// After a handle that began at `t0` ran: if it held the loop for long, trace the
/// `remaining` handles of this iteration that waited behind it, and the late timers.
pub fn report(vm: &mut Vm, l: &LoopObj, t0: f64, remaining: usize, who: Option<String>) {
    let now = vm.sched.clock.peek();
    let secs = now - t0;
    let Some(who) = who else { return };
    if secs < SLOW {
        return;
    }
    let waited: Vec<String> = l
        .ready
        .borrow()
        .iter()
        .take(remaining)
        .filter(|r| !r.cancelled())
        .filter_map(|r| r.with_callback(label))
        .collect();
    let mut late: Vec<(f64, String)> = l
        .timers
        .borrow()
        .iter()
        .filter(|e| e.when < now && !e.cancelled())
        .map(|e| {
            let what = e.with_callback(|cb| match cb {
                Callback::SetResultUnlessCancelled { sleep } => super::sleep::waiting_task(sleep)
                    .map(|t| format!("the sleep of {}", crate::trace::task_label(&t)))
                    .unwrap_or_else(|| "a sleep".into()),
                other => label(other).unwrap_or_else(|| "a timer".into()),
            });
            (
                e.when,
                format!(
                    "{what} was due at t={:.3} and comes {:.3} s late",
                    e.when,
                    now - e.when
                ),
            )
        })
        .collect();
    late.sort_by(|a, b| a.0.total_cmp(&b.0));
    crate::trace::emit(
        vm,
        crate::trace::Event::Blocked {
            who,
            secs,
            waited,
            late: late.into_iter().map(|(_, s)| s).collect(),
        },
    );
}
