//! Runtime warnings Python prints when objects die in a bad state: a coroutine that was
//! never awaited, a task whose exception nobody retrieved, a task destroyed while pending.
//!
//! Objects report from `Drop` (no VM there), into a per-thread queue; the VM prints the
//! queue at safe points, flushing stdout first so the warning lands next to its cause.

use std::cell::RefCell;

use crate::object::{Exc, TbEntry};
use crate::span::{line_col, line_text};

pub enum Warning {
    NeverAwaited {
        qualname: String,
        origin: Option<TbEntry>,
    },
    /// A finished task's exception that nothing looked at.
    NeverRetrieved {
        task: String,
        exc: Exc,
    },
    DestroyedPending {
        task: String,
    },
}

thread_local! {
    static PENDING: RefCell<Vec<Warning>> = const { RefCell::new(Vec::new()) };
}

pub fn push(w: Warning) {
    // During thread teardown the queue may be gone; the warning is then dropped.
    let _ = PENDING.try_with(|p| p.borrow_mut().push(w));
}

/// Whether any warning waits to be shown (checked after every callback: taking and
/// dropping an empty queue each time was a fiftieth of a million tasks' run).
#[inline]
pub fn any() -> bool {
    PENDING
        .try_with(|p| !p.borrow().is_empty())
        .unwrap_or(false)
}

pub fn take() -> Vec<Warning> {
    PENDING
        .try_with(|p| std::mem::take(&mut *p.borrow_mut()))
        .unwrap_or_default()
}

/// Where a coroutine was created, as `file:line` plus the source line and a marker.
pub fn origin_text(origin: &Option<TbEntry>) -> (String, String) {
    let Some(o) = origin else {
        return ("<unknown>".into(), String::new());
    };
    let src = &o.code.source.text;
    let (line, col) = line_col(src, o.span.start as usize);
    let text = line_text(src, line);
    let (end_line, end_col) = line_col(src, o.span.end as usize);
    let width = if end_line == line {
        end_col.saturating_sub(col).max(1)
    } else {
        1
    };
    let trimmed = text.trim_start();
    let indent = text.chars().count() - trimmed.chars().count();
    let marker = format!(
        "  {}{}",
        " ".repeat(col.saturating_sub(1).saturating_sub(indent)),
        "^".repeat(width)
    );
    (
        format!("{}:{}", o.code.source.name, line),
        format!("  {}\n{}", trimmed.trim_end(), marker),
    )
}
