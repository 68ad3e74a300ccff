//! User-facing errors: syntax errors rendered with ariadne, and Python-style tracebacks.

use std::fmt::Write as _;
use std::rc::Rc;

use ariadne::{Color, Config, Label, Report, ReportKind, Source};

use crate::object::{Exc, Layout, TbEntry};
use crate::span::{Span, line_col, line_text};
use crate::value::Value;
use crate::vm::Vm;

/// A syntax (or compile-time) error with where it is and what to do.
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// The SyntaxError subclass CPython raises for `message`: indentation problems have their
/// own types, and programs (and tests) match on them.
pub fn syntax_error_kind(message: &str) -> &'static str {
    if message.starts_with("inconsistent use of tabs and spaces") {
        "TabError"
    } else if message.starts_with("expected an indented block")
        || message == "unexpected indent"
        || message.starts_with("unindent does not match")
        || message == "too many levels of indentation"
    {
        "IndentationError"
    } else {
        "SyntaxError"
    }
}

/// Render a syntax error: `file:line:col`, the source with the span labelled, and help.
pub fn render_syntax_error(name: &str, src: &str, d: &Diagnostic, color: bool) -> String {
    let (line, col) = line_col(src, d.span.start as usize);
    let kind = syntax_error_kind(&d.message);
    let mut out = format!("{name}:{line}:{col}: {kind}: {}\n", d.message);
    let start = d.span.start as usize;
    let mut end = (d.span.end as usize).max(start);
    if end == start {
        end = (start + 1).min(src.len());
    }
    let (start, end) = (char_index(src, start), char_index(src, end));
    let mut report = Report::build(ReportKind::Error, (name.to_string(), start..end.max(start)))
        .with_config(Config::default().with_color(color))
        .with_message(format!("{kind}: {}", d.message))
        .with_label(
            Label::new((name.to_string(), start..end.max(start)))
                .with_message(&d.message)
                .with_color(Color::Red),
        );
    if let Some(h) = &d.help {
        report = report.with_help(h);
    }
    let mut buf = Vec::new();
    if report
        .finish()
        .write((name.to_string(), Source::from(src)), &mut buf)
        .is_ok()
    {
        out.push_str(&String::from_utf8_lossy(&buf));
    }
    out
}

/// ariadne counts characters, spans count bytes.
fn char_index(src: &str, byte: usize) -> usize {
    let byte = byte.min(src.len());
    let mut b = byte;
    while b > 0 && !src.is_char_boundary(b) {
        b -= 1;
    }
    src[..b].chars().count()
}

/// The qualified name Python prints for an exception's class.
pub fn exc_type_name(e: &Exc) -> String {
    let c = &e.class;
    match &*c.module {
        "builtins" | "__main__" => c.qualname.to_string(),
        m => format!("{m}.{}", c.qualname),
    }
}

/// `Traceback (most recent call last): ...` for an uncaught exception, with its chain.
pub fn format_exception(vm: &mut Vm, e: &Exc) -> String {
    let mut out = String::new();
    let mut seen = Vec::new();
    format_chain(vm, e, &mut out, &mut seen);
    out
}

fn format_chain(vm: &mut Vm, e: &Exc, out: &mut String, seen: &mut Vec<usize>) {
    seen.push(Rc::as_ptr(e) as usize);
    let (cause, context, suppress) = match e.exc.borrow().as_ref() {
        Some(d) => (d.cause.clone(), d.context.clone(), d.suppress_context),
        None => (Value::None, Value::None, false),
    };
    if let Value::Instance(c) = &cause
        && !seen.contains(&(Rc::as_ptr(c) as usize))
    {
        format_chain(vm, c, out, seen);
        out.push_str("\nThe above exception was the direct cause of the following exception:\n\n");
    } else if !suppress
        && let Value::Instance(c) = &context
        && !seen.contains(&(Rc::as_ptr(c) as usize))
    {
        format_chain(vm, c, out, seen);
        out.push_str("\nDuring handling of the above exception, another exception occurred:\n\n");
    }
    let tb: Vec<TbEntry> = e
        .exc
        .borrow()
        .as_ref()
        .map(|d| d.traceback.clone())
        .unwrap_or_default();
    if !tb.is_empty() {
        out.push_str("Traceback (most recent call last):\n");
        let mut last: Option<(String, usize)> = None;
        let mut repeat = 0;
        // Frames of the asyncio prelude are machinery, not the learner's code.
        for entry in tb
            .iter()
            .rev()
            .filter(|e| !crate::threads::is_prelude(&e.code.source.name))
        {
            let line = entry.code.source.line(entry.span.start as usize);
            let key = (entry.code.qualname.to_string(), line);
            if last.as_ref() == Some(&key) {
                repeat += 1;
                if repeat >= 3 {
                    continue;
                }
            } else {
                flush_repeat(out, repeat);
                repeat = 0;
                last = Some(key);
            }
            format_entry(out, entry);
        }
        flush_repeat(out, repeat);
    }
    out.push_str(&exception_line(vm, e));
    out.push('\n');
}

fn flush_repeat(out: &mut String, repeat: usize) {
    if repeat >= 3 {
        let n = repeat - 2;
        let _ = writeln!(
            out,
            "  [Previous line repeated {n} more time{}]",
            if n == 1 { "" } else { "s" }
        );
    }
}

fn format_entry(out: &mut String, entry: &TbEntry) {
    let src = &entry.code.source.text;
    let (line, col) = line_col(src, entry.span.start as usize);
    let name = if &*entry.code.name == "<module>" {
        "<module>".to_string()
    } else {
        entry.code.name.to_string()
    };
    let _ = writeln!(
        out,
        "  File \"{}\", line {}, in {}",
        entry.code.source.name, line, name
    );
    let text = line_text(src, line);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return;
    }
    let indent = text.chars().count() - trimmed.chars().count();
    let _ = writeln!(out, "    {}", trimmed.trim_end());
    // Mark the failing expression when it is only part of the line.
    let (end_line, end_col) = line_col(src, entry.span.end as usize);
    let line_end = trimmed.trim_end().chars().count() + indent + 1;
    let end_col = if end_line == line { end_col } else { line_end };
    if col > indent + 1 || end_col < line_end {
        let start = col.saturating_sub(1).saturating_sub(indent);
        let width = end_col.saturating_sub(col).max(1);
        let _ = writeln!(out, "    {}{}", " ".repeat(start), "^".repeat(width));
    }
}

/// `TypeName: message` as the last line of a traceback.
pub fn exception_line(vm: &mut Vm, e: &Exc) -> String {
    let name = exc_type_name(e);
    let msg = vm
        .to_str(&Value::Instance(e.clone()))
        .unwrap_or_else(|_| "<exception str() failed>".into());
    let mut s = if msg.is_empty() {
        name
    } else {
        format!("{name}: {msg}")
    };
    // Code that knows the mistake attaches `__help__`; otherwise recognise the message.
    let attached = e
        .get("__help__")
        .and_then(|h| h.as_str().map(str::to_string));
    if let Some(help) = attached.or_else(|| help_for(&s).map(str::to_string))
        && e.class.layout == Layout::Exception
    {
        s.push_str("\nhelp: ");
        s.push_str(&help);
    }
    s
}

/// `help:` lines for the classic mistakes.
fn help_for(line: &str) -> Option<&'static str> {
    if line.contains("RecursionError: maximum recursion depth exceeded") {
        return Some(
            "a function kept calling itself without reaching a base case; check the condition that should stop the recursion",
        );
    }
    if line.starts_with("UnboundLocalError") {
        return Some(
            "the name is assigned somewhere in this function, so it is local everywhere in it; use `global` or `nonlocal` to assign an outer variable",
        );
    }
    if line.ends_with("RuntimeError: no running event loop") {
        return Some(
            "this needs a running event loop: call it from inside a coroutine, e.g. in `async def main()` run with `asyncio.run(main())`",
        );
    }
    if line.contains("asyncio.run() cannot be called from a running event loop") {
        return Some(
            "you are already inside the event loop (in a coroutine, or at the aio prompt, which runs one): `await` the coroutine instead of calling asyncio.run() again",
        );
    }
    if line.contains("Passing coroutines is forbidden, use tasks explicitly") {
        return Some(
            "wrap each coroutine with asyncio.create_task(...) before passing them to asyncio.wait(), or use asyncio.gather(...)",
        );
    }
    if line.ends_with("RuntimeError: Event loop is closed") {
        return Some(
            "this loop was closed (asyncio.run() closes its loop when it returns); do all the work inside one asyncio.run(main()), or make a new loop with asyncio.new_event_loop()",
        );
    }
    if line.contains("InvalidStateError: Result is not set") {
        return Some(
            "the future is still pending: `await` it, or check .done(), before calling .result()",
        );
    }
    if line.contains("can't be used in 'await' expression") {
        return Some(
            "only coroutines, tasks and futures can be awaited; did you call a regular function, or forget `async def`?",
        );
    }
    None
}
