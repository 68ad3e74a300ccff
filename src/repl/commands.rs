//! The teaching commands typed at the prompt, each starting with `:`.

use super::session::{Outcome, Session};
use crate::value::Value;

pub const HELP: &str = "\
Commands (everything else is aio code; `await` works at the prompt):
  :help                 this list
  :tasks                every live task: its state, what it awaits, and where
  :trace on|off         explain each scheduler decision as it happens
  :step                 run the next statement one scheduler event at a time
  :dis NAME             show the bytecode of a function
  :time virtual|real    switch the clock (virtual: sleeps take no real time)
  :load FILE            run a file into this session
  :reset                fresh globals and a fresh event loop
  :quit                 leave (or Ctrl-D)
";

/// Names of the commands, for Tab completion.
pub const NAMES: &[&str] = &[
    ":help", ":tasks", ":trace", ":step", ":dis", ":time", ":load", ":reset", ":quit",
];

/// What the caller should do after a command.
pub enum After {
    Continue,
    /// Run this statement in step mode.
    Step,
    Exit(i32),
}

pub fn run(s: &mut Session, line: &str) -> After {
    let line = line.trim();
    let (cmd, arg) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let arg = arg.trim();
    match cmd {
        ":help" | ":h" | ":?" => print!("{HELP}"),
        ":quit" | ":q" | ":exit" => return After::Exit(s.status),
        ":tasks" => print!("{}", tasks(s)),
        ":trace" => match arg {
            "on" => s.vm.sched.tracing = true,
            "off" => s.vm.sched.tracing = false,
            _ => usage("trace on|off"),
        },
        ":step" => return After::Step,
        ":dis" => dis(s, arg),
        ":time" => match arg {
            "virtual" => s.vm.sched.clock.set_virtual(true),
            "real" => s.vm.sched.clock.set_virtual(false),
            "" => println!(
                "the clock is {}",
                if s.vm.sched.clock.is_virtual() {
                    "virtual"
                } else {
                    "real"
                }
            ),
            _ => usage("time virtual|real"),
        },
        ":load" => {
            if arg.is_empty() {
                usage("load FILE");
            } else {
                return load(s, arg);
            }
        }
        ":reset" => {
            s.reset();
            println!("fresh globals and event loop");
        }
        _ => {
            eprintln!("unknown command {cmd}; :help lists the commands");
            s.status = 1;
        }
    }
    After::Continue
}

fn usage(form: &str) {
    eprintln!("usage: :{form}");
}

fn load(s: &mut Session, file: &str) -> After {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("aio: can't open file '{file}': {e}");
            s.status = 1;
            return After::Continue;
        }
    };
    match s.load(file, &text) {
        Outcome::Exit(code) => After::Exit(code),
        _ => After::Continue,
    }
}

fn dis(s: &mut Session, name: &str) {
    let code = match s.lookup(name) {
        Some(Value::Func(f)) => f.code.clone(),
        Some(other) => {
            eprintln!(
                ":dis needs a function; {name} is {}",
                crate::types::type_name(&other)
            );
            return;
        }
        None => {
            eprintln!("name '{name}' is not defined");
            return;
        }
    };
    print!("{}", crate::disasm::disassemble(&code));
}

/// The `:tasks` listing: the task tree of the session loop.
pub fn tasks(s: &mut Session) -> String {
    let lines = crate::trace::task_tree(&mut s.vm);
    if lines.is_empty() {
        return "no live tasks\n".to_string();
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}
