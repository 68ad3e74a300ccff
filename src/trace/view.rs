//! What `aio trace` shows and keeps: the filters (`--only`, `--task`), the task tree at
//! each iteration (`--tree`), stepping (`--step`), and the record of every event that the
//! timeline page and the Chrome trace are drawn from (`--html`, `--chrome`).

use std::rc::{Rc, Weak};

use crate::object::NativeObj;
use crate::scheduler::as_future;
use crate::value::Value;

/// The groups of events `--only` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Tasks created, started, resumed, suspended, yielding, finished, cancel requests.
    Tasks,
    /// Timers coming due and the loop idling until the next one.
    Timers,
    /// Callbacks run by the loop (done callbacks, call_soon/call_later callbacks).
    Callbacks,
    /// Futures completing: a sleep's future (timer due) and run_until_complete's future.
    Futures,
}

impl Category {
    pub fn parse(s: &str) -> Result<Category, String> {
        match s.trim() {
            "tasks" => Ok(Category::Tasks),
            "timers" => Ok(Category::Timers),
            "callbacks" => Ok(Category::Callbacks),
            "futures" => Ok(Category::Futures),
            other => Err(format!(
                "unknown event group '{other}' (choose from tasks, timers, callbacks, futures)"
            )),
        }
    }

    /// Whether an event kind (its JSON name) belongs to this group.
    fn holds(self, kind: &str) -> bool {
        match self {
            Category::Tasks => {
                kind.starts_with("task_") || kind.starts_with("cancel_") || kind == "blocked"
            }
            Category::Timers => matches!(kind, "timer_due" | "idle" | "blocked"),
            Category::Callbacks => kind == "callback",
            Category::Futures => matches!(kind, "timer_due" | "loop_stops"),
        }
    }
}

/// How `--step` pauses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMode {
    /// After every event shown.
    Event,
    /// After every loop iteration.
    Iteration,
}

/// The trace options of `aio trace` beyond text/JSON.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Show only these groups of events (empty: all).
    pub only: Vec<Category>,
    /// Show only events about this task (its name, coroutine name, or both: `Task-2`,
    /// `say_after`, `Task-2 say_after`).
    pub task: Option<String>,
    /// Print the task tree at the start of every iteration.
    pub tree: bool,
    pub step: Option<StepMode>,
    /// Keep a record of every event (for `--html` / `--chrome`).
    pub record: bool,
    /// Print no trace lines (the trace goes to a file instead).
    pub quiet: bool,
    /// Write the timeline page here (`--html`).
    pub html: Option<std::path::PathBuf>,
    /// Write a Chrome trace-event file here (`--chrome`).
    pub chrome: Option<std::path::PathBuf>,
}

/// One traced event, kept for the timeline page and the Chrome trace.
#[derive(Clone, Debug)]
pub struct Record {
    pub t: f64,
    /// The loop iteration it happened in (0: before the first).
    pub iteration: u64,
    /// The JSON event name (`task_suspended`), or `output` for a printed line.
    pub kind: &'static str,
    /// The task's lane, if the event is about a task.
    pub lane: Option<usize>,
    pub who: String,
    pub text: String,
    pub line: Option<usize>,
    pub until: Option<f64>,
    /// For `task_created`: the creating task's lane. For `task_suspended`: the lanes of
    /// the tasks it awaits (directly or through gather()).
    pub links: Vec<usize>,
}

/// A task drawn in the timeline.
#[derive(Clone, Debug)]
pub struct Lane {
    pub label: String,
    task: Weak<NativeObj>,
}

/// The events so far, and one lane per task seen.
#[derive(Default)]
pub struct Recorder {
    pub records: Vec<Record>,
    pub lanes: Vec<Lane>,
    /// A suspension whose target is known only once the step has finished (the task's
    /// `fut_waiter` is set right after the event): (record index, task).
    unresolved_wait: Option<(usize, Value)>,
    /// Program output not yet ended by a newline.
    partial_output: String,
    /// Events stopped being kept at MAX_RECORDS.
    pub truncated: bool,
}

/// The most events kept: a page with more would be too big for a browser to draw (and for
/// a class to read); tracing a million tasks is for the text trace.
pub const MAX_RECORDS: usize = 20_000;

impl Recorder {
    /// Whether no more events are kept (and so notes it).
    pub fn full(&mut self) -> bool {
        if self.records.len() >= MAX_RECORDS {
            self.truncated = true;
        }
        self.truncated
    }

    /// The lane of task `t`, adding one the first time it is seen. Lanes hold the task
    /// weakly: the allocation (and so its address) stays unique while they do.
    pub fn lane(&mut self, t: &Value) -> Option<usize> {
        let Value::Native(n) = t else { return None };
        as_future(t)?.task()?;
        if let Some(i) = self
            .lanes
            .iter()
            .rposition(|l| std::ptr::eq(l.task.as_ptr(), Rc::as_ptr(n)))
        {
            return Some(i);
        }
        self.lanes.push(Lane {
            label: super::task_label(t),
            task: Rc::downgrade(n),
        });
        Some(self.lanes.len() - 1)
    }

    /// Fill in what the last suspended task awaits, now that its step has finished.
    fn resolve_wait(&mut self) {
        let Some((i, t)) = self.unresolved_wait.take() else {
            return;
        };
        let Some(td) = as_future(&t).and_then(|f| f.task()) else {
            return;
        };
        let w = td.waiter();
        let targets: Vec<Value> = match as_future(&w) {
            Some(f) if f.task().is_some() => vec![w.clone()],
            Some(f) => f.gather_children().unwrap_or_default(),
            None => Vec::new(),
        };
        let links: Vec<usize> = targets.iter().filter_map(|c| self.lane(c)).collect();
        self.records[i].links = links;
    }

    pub fn push(&mut self, rec: Record, subject: Option<&Value>) {
        self.resolve_wait();
        if self.full() {
            return;
        }
        if rec.kind == "task_suspended"
            && let Some(t) = subject
        {
            self.unresolved_wait = Some((self.records.len(), t.clone()));
        }
        self.records.push(rec);
    }

    /// Everything recorded, with the last suspension's target filled in.
    pub fn finish(&mut self) {
        self.resolve_wait();
        if !self.partial_output.is_empty() {
            let rest = std::mem::take(&mut self.partial_output);
            let (t, n) = self
                .records
                .last()
                .map(|r| (r.t, r.iteration))
                .unwrap_or_default();
            self.output_line(rest, t, n);
        }
    }

    fn output_line(&mut self, text: String, t: f64, iteration: u64) {
        self.push(
            Record {
                t,
                iteration,
                kind: "output",
                lane: None,
                who: String::new(),
                text,
                line: None,
                until: None,
                links: Vec::new(),
            },
            None,
        );
    }

    /// The program wrote `s` to stdout: keep its complete lines as `output` records.
    pub fn output(&mut self, s: &str, t: f64, iteration: u64) {
        self.partial_output.push_str(s);
        while let Some(pos) = self.partial_output.find('\n') {
            let line: String = self.partial_output.drain(..=pos).collect();
            self.output_line(line.trim_end_matches('\n').to_string(), t, iteration);
        }
    }
}

/// The trace's view state, held by the scheduler.
#[derive(Default)]
pub struct View {
    pub opts: Options,
    /// The iteration waiting to be announced with the first event shown in it:
    /// (number, ready handles, timers pending).
    pub header: Option<(u64, usize, usize)>,
    /// The task tree taken when the current iteration began (`--tree`).
    pub tree: Option<Vec<String>>,
    pub recorder: Option<Recorder>,
    /// The terminal `--step` reads keys from.
    pub tty: Option<std::io::BufReader<std::fs::File>>,
    /// Stepping one REPL statement (`:step`): `q` stops stepping instead of ending the
    /// process.
    pub in_repl: bool,
}

impl View {
    pub fn new(opts: Options) -> View {
        View {
            recorder: opts.record.then(Recorder::default),
            opts,
            ..View::default()
        }
    }

    /// Whether an event passes `--only` and `--task` (`who`: the trace's name for what the
    /// event is about, for events without a task value).
    pub fn shows(&self, kind: &str, subject: Option<&Value>, who: &str) -> bool {
        if !self.opts.only.is_empty() && !self.opts.only.iter().any(|c| c.holds(kind)) {
            return false;
        }
        match &self.opts.task {
            None => true,
            Some(want) => match subject {
                Some(t) => names_match(&super::task_label(t), want),
                None => names_match(who, want),
            },
        }
    }
}

/// `--task` matches the task's name, its coroutine's name, or both as shown in the trace.
fn names_match(label: &str, want: &str) -> bool {
    label == want || label.split(' ').any(|part| part == want)
}
