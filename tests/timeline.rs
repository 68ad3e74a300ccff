//! `aio trace --html` and `--chrome`: the timeline page is opened in headless Chromium and
//! must draw a lane for every task (its script builds the SVG, so `--dump-dom` shows what
//! it drew); the Chrome trace must be well-formed trace-event JSON; every example must
//! trace in every format.

#[path = "support/aio_files.rs"]
mod aio_files;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn aio() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aio"));
    c.env("NO_COLOR", "1");
    c
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aio-timeline-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The task labels (`Task-2 say_after`) that the text trace mentions.
fn traced_tasks(file: &Path) -> Vec<String> {
    let out = aio().arg("trace").arg(file).output().expect("aio trace");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut tasks: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.split_once("  ").map(|(_, r)| r) else {
            continue;
        };
        if !rest.starts_with("Task-") && !rest.contains(" created by ") {
            continue;
        }
        if let Some(label) = rest.split("  ").next() {
            let label = label.trim().to_string();
            if line.contains(" created by ") && !tasks.contains(&label) {
                tasks.push(label);
            }
        }
    }
    tasks
}

fn chromium() -> Option<PathBuf> {
    for c in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ] {
        if Path::new(c).exists() {
            return Some(PathBuf::from(c));
        }
    }
    None
}

/// Chromium, or None with a note (a failure under CI, where .ci/run installs it).
fn need_chromium() -> Option<PathBuf> {
    let c = chromium();
    if c.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing (.ci/run installs the Debian package `chromium`)"
        );
        eprintln!("note: chromium not found: the timeline page was not opened in a browser");
    }
    c
}

fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

fn write_page(file: &Path, dir: &Path) -> PathBuf {
    let page = dir.join(format!(
        "{}.html",
        file.file_stem().unwrap().to_string_lossy()
    ));
    let out = aio()
        .arg("trace")
        .arg("--html")
        .arg(&page)
        .arg(file)
        .output()
        .expect("aio trace --html");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    page
}

fn dump_dom(chromium: &Path, page: &Path, dir: &Path) -> String {
    let out = Command::new(chromium)
        .args(chromium_args(&dir.join("profile")))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn timeline_page_draws_a_lane_for_every_task() {
    let Some(chromium) = need_chromium() else {
        return;
    };
    let dir = temp_dir("dom");
    for name in [
        "say_after_concurrent",
        "gather_and_callback",
        "cancel_and_sleep0",
        "tree_await_chain",
    ] {
        let file = PathBuf::from(format!("tests/trace/{name}.aio"));
        let tasks = traced_tasks(&file);
        assert!(!tasks.is_empty(), "no tasks in the trace of {name}");
        let page = write_page(&file, &dir);
        let dom = dump_dom(&chromium, &page, &dir);
        for t in &tasks {
            let lane = format!("<g class=\"lane\" data-task=\"{t}\"");
            assert!(
                dom.contains(&lane),
                "{name}: no lane drawn for {t}\n{}",
                &dom[..dom.len().min(3000)]
            );
        }
        let lanes = dom.matches("data-task=\"").count();
        assert_eq!(lanes, tasks.len(), "{name}: one lane per task");
        assert!(
            dom.contains("data-state=\"running\""),
            "{name}: no running span"
        );
        assert!(
            dom.contains("data-state=\"waiting\""),
            "{name}: no suspended span"
        );
        assert!(
            dom.contains("class=\"arrow-create\""),
            "{name}: no creation arrow"
        );
        // The page selects the first suspension: its source line is highlighted.
        assert!(
            dom.contains("class=\"src hl\""),
            "{name}: no source line highlighted"
        );
        assert!(
            dom.contains("class=\"row sel\""),
            "{name}: no event selected"
        );
    }
    let say = dump_dom(
        &chromium,
        &write_page(Path::new("tests/trace/say_after_concurrent.aio"), &dir),
        &dir,
    );
    // Task-1 waits on Task-2 (dashed arrow), and is woken when it finishes.
    assert!(say.contains("class=\"arrow-await\"") && say.contains("class=\"arrow-wake\""));
    assert!(say.contains("Task-2 say_after") && say.contains(">sleep(2) → t=2.000<"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeline_page_is_self_contained() {
    let dir = temp_dir("selfcontained");
    let page = write_page(Path::new("tests/trace/say_after_concurrent.aio"), &dir);
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.starts_with("<!DOCTYPE html>"));
    for banned in [
        "http://", "https://", "src=", "<link", "@import", "url(http",
    ] {
        let hits: Vec<&str> = html
            .lines()
            .filter(|l| l.contains(banned) && !l.contains("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "the page refers outside itself: {hits:?}");
    }
    assert!(html.contains("\"source\":[\"import asyncio\""));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Checks the structure of a Chrome trace-event file; returns its events.
fn check_chrome_trace(text: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(text).expect("the Chrome trace is JSON");
    let events = v["traceEvents"]
        .as_array()
        .expect("traceEvents array")
        .clone();
    for e in &events {
        let ph = e["ph"].as_str().expect("ph");
        assert!(matches!(ph, "M" | "X" | "i"), "unexpected phase {e}");
        assert!(
            e["name"].is_string() && e["pid"].is_u64() && e["tid"].is_u64(),
            "{e}"
        );
        if ph != "M" {
            assert!(e["ts"].as_f64().is_some_and(|t| t >= 0.0), "{e}");
        }
        if ph == "X" {
            assert!(e["dur"].as_f64().is_some_and(|d| d > 0.0), "{e}");
        }
        if ph == "M" {
            assert!(e["args"].is_object(), "{e}");
        }
    }
    events
}

#[test]
fn chrome_trace_has_a_thread_per_task_and_spans() {
    let dir = temp_dir("chrome");
    let out_file = dir.join("t.json");
    let out = aio()
        .arg("trace")
        .arg("--chrome")
        .arg(&out_file)
        .arg("tests/trace/say_after_concurrent.aio")
        .output()
        .expect("aio trace --chrome");
    assert!(out.status.success());
    // The program's output still goes to stdout; the trace goes to the file.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\nworld\n");
    let events = check_chrome_trace(&std::fs::read_to_string(&out_file).expect("file"));
    let threads: Vec<String> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        threads,
        [
            "loop",
            "Task-1 main",
            "Task-2 say_after",
            "Task-3 say_after"
        ]
    );
    let spans = |cat: &str| events.iter().filter(|e| e["cat"] == cat).count();
    assert!(spans("running") >= 5 && spans("suspended") >= 4);
    assert!(events.iter().any(|e| e["name"] == "await asyncio.sleep(2)"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn examples() -> Vec<PathBuf> {
    aio_files::aio_files(&["examples".into()])
}

fn run_with_input(mut cmd: Command, file: &Path) -> std::process::Output {
    let input = std::fs::read(file.with_extension("in")).unwrap_or_default();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn aio");
    use std::io::Write;
    let _ = child.stdin.take().expect("stdin").write_all(&input);
    child.wait_with_output().expect("aio finished")
}

#[test]
fn every_example_traces_in_every_format() {
    let dir = temp_dir("examples");
    let files = examples();
    assert!(files.len() >= 10);
    for f in files {
        let mut run = aio();
        run.args(["run", "--virtual-time"]).arg(&f);
        let expected = run_with_input(run, &f);
        let html = dir.join("page.html");
        let chrome = dir.join("trace.json");
        for args in [
            vec!["trace".to_string()],
            vec!["trace".into(), "--format".into(), "json".into()],
            vec!["trace".into(), "--tree".into()],
            vec![
                "trace".into(),
                "--html".into(),
                html.display().to_string(),
                "--chrome".into(),
                chrome.display().to_string(),
            ],
        ] {
            let mut cmd = aio();
            cmd.args(&args).arg(&f);
            let out = run_with_input(cmd, &f);
            assert_eq!(
                out.status.code(),
                expected.status.code(),
                "aio {} {} exits differently from aio run:\n{}",
                args.join(" "),
                f.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("panicked") && !stderr.contains("internal error"),
                "{}: {stderr}",
                f.display()
            );
        }
        let page = std::fs::read_to_string(&html).expect("the page was written");
        assert!(page.contains("<script id=\"trace-data\""));
        check_chrome_trace(&std::fs::read_to_string(&chrome).expect("the trace was written"));
        let _ = std::fs::remove_file(&html);
        let _ = std::fs::remove_file(&chrome);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_huge_run_keeps_the_first_events_and_says_so() {
    let dir = temp_dir("huge");
    let prog = dir.join("spin.aio");
    std::fs::write(
        &prog,
        "import asyncio\n\n\nasync def main():\n    for _ in range(12000):\n        await asyncio.sleep(0)\n    print('done')\n\n\nasyncio.run(main())\n",
    )
    .expect("write program");
    let page = dir.join("spin.html");
    let out = aio()
        .arg("trace")
        .arg("--html")
        .arg(&page)
        .arg(&prog)
        .output()
        .expect("aio trace --html");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "done\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only the first 20000 are kept"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains("\"truncated\":true"));
    let _ = std::fs::remove_dir_all(&dir);
}
