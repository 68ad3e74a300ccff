//! aio: a teaching interpreter for a small Python-like language with async/await.
//!
//! Pipeline: lexer → parser → AST → compiler → bytecode → VM (+ scheduler).

pub mod ast;
pub mod builtins;
pub mod bytecode;
pub mod compiler;
pub mod diagnostics;
pub mod dict;
pub mod disasm;
pub mod explore;
pub mod format;
pub mod frozen;
pub mod gc;
pub mod in_place;
pub mod interrupt;
pub mod lexer;
pub mod lint;
pub mod memory;
pub mod object;
pub mod parser;
pub mod pool;
pub mod repl;
pub mod scheduler;
pub mod span;
pub mod threads;
pub mod trace;
pub mod types;
pub mod value;
pub mod vm;
pub mod warnings;

use std::rc::Rc;

use bytecode::{Code, Source};
use diagnostics::Diagnostic;

/// Parse and compile a whole program; `interactive` for REPL input (top-level `await`,
/// expression statements echo their value).
pub fn compile(name: &str, text: &str, interactive: bool) -> Result<Rc<Code>, Vec<Diagnostic>> {
    let body = parser::parse(text).map_err(|errs| {
        errs.into_iter()
            .map(|e| Diagnostic {
                span: e.span,
                message: e.message,
                help: e.help,
            })
            .collect::<Vec<_>>()
    })?;
    let source = Rc::new(Source::new(name, text));
    compiler::compile_module(&body, source, interactive).map_err(|e| {
        vec![Diagnostic {
            span: e.span,
            message: e.message,
            help: e.help,
        }]
    })
}

/// Notes on legacy asyncio idioms (for `aio check`), rendered like diagnostics.
pub fn check_notes(name: &str, text: &str) -> Vec<String> {
    let Ok(body) = parser::parse(text) else {
        return Vec::new();
    };
    lint::legacy_asyncio_notes(&body)
        .into_iter()
        .map(|n| {
            let (line, col) = span::line_col(text, n.span.start as usize);
            let src = span::line_text(text, line).trim();
            format!(
                "{name}:{line}:{col}: note: {}\n    {src}\n  help: {}\n",
                n.message, n.help
            )
        })
        .collect()
}

/// Options for running a program.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub virtual_time: bool,
    /// Print a trace of the scheduler's decisions between the program's output lines.
    pub trace: bool,
    /// The trace as JSON lines (program output becomes `output` events).
    pub trace_json: bool,
    /// Filters, task trees, stepping and the timeline files of `aio trace`.
    pub trace_opts: trace::Options,
    /// The program's arguments: `sys.argv[1:]`.
    pub args: Vec<String>,
    /// `--shuffle SEED`: run each iteration's ready handles in a seeded random order.
    pub shuffle: Option<u64>,
    /// Resource limits (`--max-steps`, `--timeout`, ...); none by default.
    pub limits: vm::Limits,
    /// The process ends right after the program (the CLI): the cycles it leaves are not
    /// collected nor the collector's records of dead objects freed, since the system takes
    /// the memory back at once (a million finished tasks took 0.15 s to free).
    pub exiting: bool,
}

/// What ended a run, besides its exit status: the CLI ends the process differently
/// when a KeyboardInterrupt escaped (killed by SIGINT, as Python).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Status(i32),
    Interrupted,
}

/// Run a program's source; returns the process exit status (130 after an uncaught
/// KeyboardInterrupt; `run_source_ending` tells that case apart).
pub fn run_source(name: &str, text: &str, opts: &RunOptions) -> i32 {
    match run_source_ending(name, text, opts) {
        Ending::Status(s) => s,
        Ending::Interrupted => 130,
    }
}

/// Run a program's source; says how it ended.
pub fn run_source_ending(name: &str, text: &str, opts: &RunOptions) -> Ending {
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let code = match compile(name, text, false) {
        Ok(c) => c,
        Err(diags) => {
            for d in &diags {
                eprint!("{}", diagnostics::render_syntax_error(name, text, d, color));
            }
            return Ending::Status(1);
        }
    };
    run_code_ending(code, name, opts)
}

/// Run a program already compiled from file `name` (`compile(name, text, false)`).
pub fn run_code_ending(code: Rc<bytecode::Code>, name: &str, opts: &RunOptions) -> Ending {
    let ending = run_code(code, name, opts);
    // The interpreter is gone: free the cycles it left (a host may run many programs).
    // Their drop warnings would come after the program's end, and CPython does not print
    // them either once it has shut down.
    if opts.exiting {
        gc::abandon();
    } else {
        gc::collect();
    }
    drop(warnings::take());
    ending
}

fn run_code(code: Rc<bytecode::Code>, name: &str, opts: &RunOptions) -> Ending {
    let source = code.source.clone();
    let mut vm = vm::Vm::new(opts.virtual_time);
    vm.set_limits(opts.limits.clone());
    vm.sched.tracing = opts.trace || opts.trace_json;
    vm.sched.trace_json = opts.trace_json;
    vm.sched.trace_view = trace::View::new(opts.trace_opts.clone());
    vm.argv = opts.args.clone();
    vm.sched.shuffle = opts.shuffle.map(scheduler::shuffle::Shuffle::new);
    let module = Rc::new(object::Module::new("__main__"));
    gc::track_module(&module);
    module.set("__name__", value::Value::str("__main__"));
    module.set("__file__", value::Value::str(name));
    let result = vm.run_module(code, module.clone());
    let module_keepalive = module;
    let status = match result {
        Ok(_) => Ending::Status(0),
        Err(_) if vm.halted().is_some() => {
            let halt = vm.halted().cloned().expect("halted");
            vm.flush();
            // Warnings about tasks the halt left behind would only bury the reason.
            drop(warnings::take());
            if halt.limit != vm::Limit::ClosedOutput {
                eprintln!("aio: stopped: {} at {}", halt.reason, halt.place);
            }
            Ending::Status(halt.limit.exit_status())
        }
        Err(e) => {
            let status = report_uncaught(&mut vm, &e);
            if types::exc_is(&e, "KeyboardInterrupt") {
                Ending::Interrupted
            } else if types::exc_is(&e, "MemoryError") && memory::limit().is_some() {
                let limit = memory::limit().unwrap_or(0) >> 20;
                eprintln!("aio: stopped: memory limit of {limit} MB exceeded (--max-memory)");
                Ending::Status(vm::Limit::Memory.exit_status())
            } else {
                Ending::Status(status)
            }
        }
    };
    // Like CPython, wait for non-daemon threads even after the main program failed.
    let status = match vm.join_threads() {
        Ok(()) => status,
        Err(e) if status == Ending::Status(0) => Ending::Status(report_uncaught(&mut vm, &e)),
        // The program already failed (perhaps with the same deadlock): one report is enough.
        Err(_) => status,
    };
    drop(module_keepalive);
    if vm.sched.trace_json {
        trace::finish(&mut vm);
    }
    vm.flush_warnings();
    vm.flush();
    if let Err(e) = trace::write_files(&mut vm, name, &source.text) {
        eprintln!("aio trace: {e}");
        return Ending::Status(1);
    }
    status
}

/// Print what Python prints for an exception nobody caught and give the exit status:
/// SystemExit's code (its message, if any, on stderr), else a traceback and 1.
pub fn report_uncaught(vm: &mut vm::Vm, e: &object::Exc) -> i32 {
    vm.flush();
    if !types::exc_is(e, "SystemExit") {
        let text = diagnostics::format_exception(vm, e);
        eprint!("{text}");
        return 1;
    }
    match e.get("args") {
        Some(value::Value::Tuple(t)) if !t.is_empty() => match &t[0] {
            value::Value::None => 0,
            value::Value::Int(i) => *i as i32,
            value::Value::Bool(b) => *b as i32,
            other => {
                let s = vm.to_str(other).unwrap_or_default();
                eprintln!("{s}");
                1
            }
        },
        _ => 0,
    }
}
