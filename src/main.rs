//! The `aio` command line: run, trace, check, dis, and the REPL.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aio",
    version,
    about = "A teaching interpreter for Python-style async/await"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program.
    Run {
        /// Use a virtual clock: sleeps take no real time, output is deterministic.
        #[arg(long)]
        virtual_time: bool,
        /// Print the scheduler's decisions (as `aio trace`) between the program's output.
        #[arg(long)]
        trace: bool,
        /// Run each loop iteration's ready handles in an order drawn from SEED (a race
        /// that CPython's order hides shows up); the same seed gives the same run.
        #[arg(long, value_name = "SEED")]
        shuffle: Option<u64>,
        /// Run the program in CPython's order and with shuffle seeds 1..=N (virtual time)
        /// and report the distinct outputs with the seeds that gave each.
        #[arg(long, value_name = "N", conflicts_with_all = ["shuffle", "trace"])]
        explore: Option<u64>,
        #[command(flatten)]
        limits: LimitArgs,
        file: String,
        /// Arguments for the program: `sys.argv[1:]` (everything after FILE, as with python3).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run a program and explain every scheduler decision: task switches, timers, callbacks.
    /// Uses the virtual clock, so the same program always gives the same trace.
    Trace {
        /// Use the real clock instead of the virtual one.
        #[arg(long)]
        real_time: bool,
        /// `text` (one readable line per event) or `json` (one JSON object per line; the
        /// program's output becomes `output` events). See docs/trace.md.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Shuffle each iteration's ready handles with SEED (see `aio run --shuffle`).
        #[arg(long, value_name = "SEED")]
        shuffle: Option<u64>,
        /// Show only these groups of events: tasks, timers, callbacks, futures
        /// (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "GROUPS")]
        only: Vec<String>,
        /// Show only the events of this task: its name (`Task-2`), its coroutine's name
        /// (`say_after`), or both (`"Task-2 say_after"`).
        #[arg(long, value_name = "NAME")]
        task: Option<String>,
        /// Print the task tree (every live task and what it awaits) at each iteration.
        #[arg(long)]
        tree: bool,
        /// Pause after each event (`--step`) or each loop iteration (`--step=iteration`),
        /// showing the ready queue, timers and tasks; Enter: next, c: continue, q: quit.
        #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "event",
              value_parser = ["event", "iteration"], value_name = "UNIT")]
        step: Option<String>,
        /// Write the timeline page (one self-contained HTML file) here instead of printing
        /// the trace.
        #[arg(long, value_name = "OUT.html")]
        html: Option<std::path::PathBuf>,
        /// Write the trace in Chrome's trace-event format (for Perfetto) here instead of
        /// printing it.
        #[arg(long, value_name = "OUT.json")]
        chrome: Option<std::path::PathBuf>,
        file: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The interactive REPL (also what `aio` with no command starts): top-level `await`,
    /// a live event loop, and `:help` for the teaching commands.
    Repl {
        /// Use a virtual clock: sleeps take no real time.
        #[arg(long)]
        virtual_time: bool,
        /// Limits for each statement typed (or piped) in.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Parse and compile a program, reporting syntax errors.
    Check { file: String },
    /// Show the bytecode of every code object in a program.
    Dis { file: String },
}

/// Resource limits for untrusted programs; each stops the program with its own exit
/// status (docs/reliability.md).
#[derive(clap::Args, Default)]
struct LimitArgs {
    /// Stop after N bytecode instructions (exit status 121).
    #[arg(long, value_name = "N")]
    max_steps: Option<u64>,
    /// Raise MemoryError when the interpreter's heap would pass MB megabytes; exit status
    /// 122 if the program does not catch it.
    #[arg(long, value_name = "MB")]
    max_memory: Option<u64>,
    /// Stop after printing more than BYTES bytes (exit status 123).
    #[arg(long, value_name = "BYTES")]
    max_output: Option<u64>,
    /// Stop after SECONDS of wall-clock time; virtual time does not count (exit status 124).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<std::time::Duration>,
}

impl LimitArgs {
    fn limits(&self) -> aio::vm::Limits {
        aio::vm::Limits {
            max_steps: self.max_steps,
            timeout: self.timeout,
            max_memory: self
                .max_memory
                .map(|mb| usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)),
            max_output: self.max_output,
        }
    }
}

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("`{s}` is not a usable number of seconds"))
}

/// Interpreter threads get a large stack: deep native re-entry (repr of nested data,
/// sort keys calling Python) must end in RecursionError, never a stack overflow.
const STACK_SIZE: usize = 1 << 30;

fn read(file: &str) -> Result<String, ExitCode> {
    match std::fs::read(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => {
                eprintln!(
                    "{file}: SyntaxError: the file is not valid UTF-8 (byte {})",
                    e.utf8_error().valid_up_to()
                );
                Err(ExitCode::from(1))
            }
        },
        Err(e) => {
            eprintln!("aio: can't open file '{file}': {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Repl {
        virtual_time: false,
        limits: LimitArgs::default(),
    });
    // The REPL installs its own handler once its line editor exists (every Ctrl-C
    // becomes a KeyboardInterrupt there); everything else stops at a second Ctrl-C.
    aio::interrupt::install_sigint_handler(true);
    aio::memory::use_main_arena();
    let worker = std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || run(command));
    match worker.map(|h| h.join()) {
        Ok(Ok(Some(code))) => code,
        // An uncaught KeyboardInterrupt: end killed by SIGINT, as python3 does.
        Ok(Ok(None)) => aio::interrupt::die_by_sigint(),
        _ => {
            eprintln!("aio: internal error");
            ExitCode::from(70)
        }
    }
}

/// Run a command; None when a KeyboardInterrupt ended it.
fn run(command: Command) -> Option<ExitCode> {
    let code = match command {
        Command::Trace {
            real_time,
            format,
            shuffle,
            only,
            task,
            tree,
            step,
            html,
            chrome,
            file,
            args,
        } => {
            let mut groups = Vec::new();
            for g in &only {
                match aio::trace::Category::parse(g) {
                    Ok(c) => groups.push(c),
                    Err(e) => {
                        eprintln!("aio trace: --only: {e}");
                        return Some(ExitCode::from(2));
                    }
                }
            }
            let text = match read(&file) {
                Ok(t) => t,
                Err(c) => return Some(c),
            };
            let step = step.map(|s| {
                if s == "iteration" {
                    aio::trace::StepMode::Iteration
                } else {
                    aio::trace::StepMode::Event
                }
            });
            let to_file = html.is_some() || chrome.is_some();
            let opts = aio::RunOptions {
                virtual_time: !real_time,
                trace: true,
                trace_json: format == "json" && !to_file,
                trace_opts: aio::trace::Options {
                    only: groups,
                    task,
                    tree,
                    step,
                    record: to_file,
                    quiet: to_file,
                    html,
                    chrome,
                },
                args,
                shuffle,
                limits: Default::default(),
                exiting: true,
            };
            return ending(aio::run_source_ending(&file, &text, &opts));
        }
        Command::Run {
            virtual_time,
            trace,
            shuffle,
            explore,
            limits,
            file,
            args,
        } => {
            let text = match read(&file) {
                Ok(t) => t,
                Err(c) => return Some(c),
            };
            if let Some(n) = explore {
                return Some(explore_schedules(&file, &args, n));
            }
            let opts = aio::RunOptions {
                virtual_time,
                trace,
                trace_json: false,
                trace_opts: Default::default(),
                args,
                shuffle,
                limits: limits.limits(),
                exiting: true,
            };
            return ending(aio::run_source_ending(&file, &text, &opts));
        }
        Command::Repl {
            virtual_time,
            limits,
        } => {
            let status = aio::repl::run(&aio::repl::Options {
                virtual_time,
                limits: limits.limits(),
            });
            ExitCode::from(status as u8)
        }
        Command::Check { file } => {
            let text = match read(&file) {
                Ok(t) => t,
                Err(c) => return Some(c),
            };
            match aio::compile(&file, &text, false) {
                Ok(_) => {
                    for n in aio::check_notes(&file, &text) {
                        eprint!("{n}");
                    }
                    ExitCode::SUCCESS
                }
                Err(diags) => {
                    for d in &diags {
                        eprint!(
                            "{}",
                            aio::diagnostics::render_syntax_error(&file, &text, d, false)
                        );
                    }
                    ExitCode::from(1)
                }
            }
        }
        Command::Dis { file } => {
            let text = match read(&file) {
                Ok(t) => t,
                Err(c) => return Some(c),
            };
            match aio::compile(&file, &text, false) {
                Ok(code) => {
                    // A closed pipe (`aio dis f | head`) is not an error worth a panic.
                    let _ = std::io::Write::write_all(
                        &mut std::io::stdout(),
                        aio::disasm::disassemble(&code).as_bytes(),
                    );
                    ExitCode::SUCCESS
                }
                Err(diags) => {
                    for d in &diags {
                        eprint!(
                            "{}",
                            aio::diagnostics::render_syntax_error(&file, &text, d, false)
                        );
                    }
                    ExitCode::from(1)
                }
            }
        }
    };
    Some(code)
}

fn ending(e: aio::Ending) -> Option<ExitCode> {
    match e {
        aio::Ending::Status(s) => Some(ExitCode::from(s as u8)),
        aio::Ending::Interrupted => None,
    }
}

fn explore_schedules(file: &str, args: &[String], n: u64) -> ExitCode {
    let report = std::env::current_exe().and_then(|exe| aio::explore::explore(&exe, file, args, n));
    match report {
        Ok(r) => {
            print!("{r}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aio: cannot run the program again to explore its schedules: {e}");
            ExitCode::from(1)
        }
    }
}
