//! The interactive REPL (`aio`, `aio repl`): line editing, top-level `await`, one event
//! loop that keeps running between prompts, and `:` commands for looking inside it.
//! With piped input it runs the lines the same way, without prompts or colours.

mod blocks;
mod commands;
mod highlight;
mod input;
mod session;
mod signals;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};

use blocks::{Lines, Step};
use input::{InputThread, Names, Printer, Prompt, Reply};
use session::{Outcome, Session};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub virtual_time: bool,
    /// Limits for each statement (`aio repl --max-steps ...`): a statement that passes one
    /// is stopped with the reason, and the session goes on.
    pub limits: crate::vm::Limits,
}

/// Run the REPL; gives the process exit status.
pub fn run(opts: &Options) -> i32 {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let err_color = !no_color && std::io::stderr().is_terminal();
    let mut s = Session::new(opts.virtual_time, err_color);
    s.set_limits(opts.limits.clone());
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        terminal(&mut s, !no_color)
    } else {
        piped(&mut s)
    }
}

/// Where a line goes: a `:` command at the start of a statement, or code.
enum Fed {
    Continue,
    Step,
    Exit(i32),
}

/// Feed one line; runs what became complete. `again` receives a line to feed once more.
fn feed(s: &mut Session, lines: &mut Lines, line: &str, again: &mut Option<String>) -> Fed {
    if lines.is_empty() && line.trim_start().starts_with(':') {
        return match commands::run(s, line) {
            commands::After::Continue => Fed::Continue,
            commands::After::Step => Fed::Step,
            commands::After::Exit(c) => Fed::Exit(c),
        };
    }
    let src = match lines.push(line) {
        Step::Nothing | Step::More => return Fed::Continue,
        Step::Run(src) => src,
        Step::RunThen(src, next) => {
            *again = Some(next);
            src
        }
    };
    match s.run_cell(&src) {
        Outcome::Exit(c) => Fed::Exit(c),
        _ => Fed::Continue,
    }
}

fn piped(s: &mut Session) -> i32 {
    let mut lines = Lines::default();
    let mut again = None;
    loop {
        let line = match again.take() {
            Some(l) => l,
            None => match s.vm.read_line() {
                Some(l) => l,
                None => break,
            },
        };
        if let Fed::Exit(c) = feed(s, &mut lines, &line, &mut again) {
            return c;
        }
        run_ready(s);
    }
    if let Some(src) = lines.take_rest()
        && let Outcome::Exit(c) = s.run_cell(&src)
    {
        return c;
    }
    s.status
}

/// Let background tasks take the turns that are ready now, without waiting for timers.
fn run_ready(s: &mut Session) {
    while s.idle_step().is_some_and(|d| d.is_zero()) {}
}

fn terminal(s: &mut Session, color: bool) -> i32 {
    let names = Arc::new(Mutex::new(Names::default()));
    let input = match input::spawn(names.clone(), color) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("aio: no line editor ({e}); reading plain lines");
            return piped(s);
        }
    };
    // After the editor exists: it installs a SIGINT handler of its own, which would
    // swallow Ctrl-C while a statement runs.
    signals::install();
    println!(
        "aio {} — `await` works at this prompt; the event loop keeps running between lines.\n\
         Type :help for the teaching commands, Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    );
    let mut printer = None;
    let mut lines = Lines::default();
    // Lines still to feed: the rest of a multi-line paste, or a line that ended a block.
    let mut queue: VecDeque<String> = VecDeque::new();
    loop {
        let line = match queue.pop_front() {
            Some(l) => l,
            None => {
                let prompt = if lines.is_empty() { ">>> " } else { "... " };
                if !ask(s, &input, &names, &mut printer, prompt, lines.next_indent()) {
                    break;
                }
                match wait_for_line(s, &input, printer.as_ref()) {
                    Reply::Line(l) => {
                        queue.extend(l.split('\n').map(str::to_string));
                        continue;
                    }
                    Reply::Interrupted => {
                        lines.clear();
                        println!("KeyboardInterrupt");
                        continue;
                    }
                    Reply::Eof => {
                        println!();
                        break;
                    }
                }
            }
        };
        let mut again = None;
        match feed(s, &mut lines, &line, &mut again) {
            Fed::Exit(c) => return c,
            Fed::Step => step_next(s, &input, &mut printer, &names),
            Fed::Continue => {}
        }
        if let Some(a) = again {
            queue.push_front(a);
        }
    }
    0
}

/// `:step`: read the next statement, then run it with every scheduler event traced.
fn step_next(
    s: &mut Session,
    input: &InputThread,
    printer: &mut Option<Rc<RefCell<Printer>>>,
    names: &Arc<Mutex<Names>>,
) {
    println!(
        "step: the next statement runs one scheduler event at a time \
         (Enter: next, c: continue, q: stop tracing)"
    );
    let mut lines = Lines::default();
    loop {
        let prompt = if lines.is_empty() { "step> " } else { "....> " };
        if !ask(s, input, names, printer, prompt, lines.next_indent()) {
            return;
        }
        let line = match wait_for_line(s, input, printer.as_ref()) {
            Reply::Line(l) => l,
            _ => return,
        };
        let src = match lines.push(&line) {
            Step::Nothing | Step::More => continue,
            Step::Run(src) | Step::RunThen(src, _) => src,
        };
        let was = s.vm.sched.tracing;
        s.vm.sched.tracing = true;
        s.vm.sched.trace_view.in_repl = true;
        s.vm.sched.trace_view.opts.step = Some(crate::trace::StepMode::Event);
        s.run_cell(&src);
        s.vm.sched.trace_view.opts.step = None;
        s.vm.sched.tracing = was;
        return;
    }
}

/// Ask the editor thread for a line. A printer for output above the prompt is kept only
/// while tasks live in the background (see `Prompt::printer`).
fn ask(
    s: &mut Session,
    input: &InputThread,
    names: &Arc<Mutex<Names>>,
    printer: &mut Option<Rc<RefCell<Printer>>>,
    prompt: &str,
    initial: String,
) -> bool {
    refresh_names(s, names);
    let background = !crate::scheduler::session::pending_tasks(&s.lp).is_empty();
    if !background {
        *printer = None;
    }
    let want = background && printer.is_none();
    let request = Prompt {
        prompt: prompt.to_string(),
        initial,
        printer: want,
    };
    if input.requests.send(request).is_err() {
        return false;
    }
    if want {
        match input.printers.recv() {
            Ok(p) => *printer = p.map(|p| Rc::new(RefCell::new(p))),
            Err(_) => return false,
        }
    }
    true
}

/// Keep the event loop going until the editor thread sends a line. Meanwhile, what tasks
/// print appears above the prompt.
fn wait_for_line(
    s: &mut Session,
    input: &InputThread,
    printer: Option<&Rc<RefCell<Printer>>>,
) -> Reply {
    if let Some(p) = printer {
        s.vm.set_output(Box::new(AbovePrompt {
            printer: p.clone(),
            pending: Vec::new(),
        }));
    }
    let reply = loop {
        let got = match s.idle_step() {
            Some(d) if d.is_zero() => input.replies.try_recv().map_err(|e| match e {
                TryRecvError::Empty => RecvTimeoutError::Timeout,
                TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            }),
            Some(d) => input.replies.recv_timeout(d),
            None => input
                .replies
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
        };
        match got {
            Ok(r) => break r,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break Reply::Eof,
        }
    };
    s.vm.set_output(Box::new(std::io::stdout()));
    reply
}

/// Program output while the prompt is shown: whole lines go above the prompt.
struct AbovePrompt {
    printer: Rc<RefCell<Printer>>,
    pending: Vec<u8>,
}

impl Write for AbovePrompt {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
        self.printer
            .borrow_mut()
            .print(text)
            .map_err(std::io::Error::other)
    }
}

/// Tell the completer what names exist now.
fn refresh_names(s: &mut Session, names: &Arc<Mutex<Names>>) {
    let mut top: Vec<String> = commands::NAMES.iter().map(|c| c.to_string()).collect();
    let globals: Vec<(String, crate::value::Value)> = s
        .module
        .globals
        .borrow()
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    top.extend(s.vm.builtins.globals.borrow().keys().map(|k| k.to_string()));
    let mut attrs = std::collections::HashMap::new();
    let dir = s.vm.builtins.get("dir");
    for (name, value) in globals {
        top.push(name.clone());
        if let Some(dir) = &dir
            && let Ok(list) = s.vm.call1(dir, value)
            && let Ok(items) = s.vm.collect(&list)
        {
            let found = items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            attrs.insert(name, found);
        }
    }
    if let Ok(mut n) = names.lock() {
        *n = Names { top, attrs };
    }
}
