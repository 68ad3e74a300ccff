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
pub mod format;
pub mod lexer;
pub mod lint;
pub mod object;
pub mod parser;
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
    let source = Rc::new(Source {
        name: name.to_string(),
        text: text.to_string(),
    });
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
    /// The program's arguments: `sys.argv[1:]`.
    pub args: Vec<String>,
}

/// Run a program's source; returns the process exit status.
pub fn run_source(name: &str, text: &str, opts: &RunOptions) -> i32 {
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let code = match compile(name, text, false) {
        Ok(c) => c,
        Err(diags) => {
            for d in &diags {
                eprint!("{}", diagnostics::render_syntax_error(name, text, d, color));
            }
            return 1;
        }
    };
    let mut vm = vm::Vm::new(opts.virtual_time);
    vm.sched.tracing = opts.trace || opts.trace_json;
    vm.sched.trace_json = opts.trace_json;
    vm.argv = opts.args.clone();
    let module = Rc::new(object::Module::new("__main__"));
    module.set("__name__", value::Value::str("__main__"));
    module.set("__file__", value::Value::str(name));
    let result = vm.run_module(code, module.clone());
    let module_keepalive = module;
    let status = match result {
        Ok(_) => 0,
        Err(e) => report_uncaught(&mut vm, &e),
    };
    // Like CPython, wait for non-daemon threads even after the main program failed.
    let status = match vm.join_threads() {
        Ok(()) => status,
        Err(e) if status == 0 => report_uncaught(&mut vm, &e),
        // The program already failed (perhaps with the same deadlock): one report is enough.
        Err(_) => status,
    };
    drop(module_keepalive);
    if vm.sched.trace_json {
        trace::finish(&mut vm);
    }
    vm.flush_warnings();
    vm.flush();
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
