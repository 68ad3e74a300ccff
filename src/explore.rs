//! `aio run --explore N FILE`: run a program under the default (CPython) order and under
//! `--shuffle` seeds 1..=N, and report which distinct outputs occurred, with the seeds that
//! produced each. Every run is a fresh `aio` process (fresh interpreter state, output
//! captured) on the virtual clock, so a seed reproduces its output exactly.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

/// Lines of each distinct output shown in the report.
const SHOWN_LINES: usize = 20;

struct Outcome {
    stdout: String,
    status: i32,
    /// The last line of stderr, when the run failed.
    error: String,
    default_order: bool,
    seeds: Vec<u64>,
}

fn run_once(
    exe: &Path,
    file: &str,
    args: &[String],
    seed: Option<u64>,
) -> std::io::Result<(String, i32, String)> {
    let mut cmd = Command::new(exe);
    cmd.args(["run", "--virtual-time"]);
    if let Some(s) = seed {
        cmd.args(["--shuffle", &s.to_string()]);
    }
    let out = cmd.arg(file).args(args).env("NO_COLOR", "1").output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr
        .lines()
        .rev()
        .find(|l| !l.starts_with("help:") && !l.trim().is_empty())
        .unwrap_or("")
        .to_string();
    Ok((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
        error,
    ))
}

/// Run the exploration with the `aio` executable `exe` and return the report.
pub fn explore(exe: &Path, file: &str, args: &[String], n: u64) -> std::io::Result<String> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    for seed in std::iter::once(None).chain((1..=n).map(Some)) {
        let (stdout, status, error) = run_once(exe, file, args, seed)?;
        let i = match outcomes
            .iter()
            .position(|o| o.stdout == stdout && o.status == status)
        {
            Some(i) => i,
            None => {
                outcomes.push(Outcome {
                    stdout,
                    status,
                    error: if status == 0 { String::new() } else { error },
                    default_order: false,
                    seeds: Vec::new(),
                });
                outcomes.len() - 1
            }
        };
        match seed {
            Some(s) => outcomes[i].seeds.push(s),
            None => outcomes[i].default_order = true,
        }
    }
    let mut r = String::new();
    let distinct = outcomes.len();
    let _ = writeln!(
        r,
        "explored {file} in CPython's order and with --shuffle seeds 1..{n} (virtual time): {distinct} distinct output{}",
        if distinct == 1 { "" } else { "s" }
    );
    for (k, o) in outcomes.iter().enumerate() {
        let mut who = Vec::new();
        if o.default_order {
            who.push("CPython's order".to_string());
        }
        if !o.seeds.is_empty() {
            let seeds: Vec<String> = o.seeds.iter().map(u64::to_string).collect();
            who.push(format!(
                "{} of {n} seed{}: {}",
                o.seeds.len(),
                if o.seeds.len() == 1 { "" } else { "s" },
                seeds.join(" ")
            ));
        }
        let _ = writeln!(
            r,
            "\n── output {} of {distinct}, from {}",
            k + 1,
            who.join(", and ")
        );
        let lines: Vec<&str> = o.stdout.lines().collect();
        for l in lines.iter().take(SHOWN_LINES) {
            let _ = writeln!(r, "  {l}");
        }
        if lines.len() > SHOWN_LINES {
            let _ = writeln!(r, "  … ({} more lines)", lines.len() - SHOWN_LINES);
        }
        if o.status != 0 {
            let _ = writeln!(r, "  (exit status {}: {})", o.status, o.error);
        }
    }
    if let Some(seed) = outcomes
        .iter()
        .find(|o| !o.default_order)
        .and_then(|o| o.seeds.first())
    {
        let _ = writeln!(
            r,
            "\nreplay a schedule: aio run --virtual-time --shuffle {seed} {file}   (or watch it: aio trace --shuffle {seed} {file})"
        );
    }
    Ok(r)
}
