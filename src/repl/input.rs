//! Reading lines on a thread of their own, so that the interpreter thread keeps driving the
//! event loop (background tasks run and print) while the learner types, as
//! `python -m asyncio` does. The editor: history, colours, Tab completion.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::history::FileHistory;
use rustyline::{Context, Editor, ExternalPrinter, Helper, Hinter, Validator};

use super::highlight::{KEYWORDS, highlight};

/// Names the completer offers, refreshed by the interpreter thread before each prompt
/// (values themselves cannot cross threads).
#[derive(Default)]
pub struct Names {
    /// Globals, builtins and `:` commands.
    pub top: Vec<String>,
    /// Attributes of each global, for `name.<Tab>`.
    pub attrs: HashMap<String, Vec<String>>,
}

/// A request from the interpreter thread.
pub struct Prompt {
    pub prompt: String,
    /// Text already typed for the user (the indentation of a block).
    pub initial: String,
    /// Send a printer for output above the prompt first (background tasks are running).
    /// Without one, rustyline reads keys directly; with one, it waits on the terminal and a
    /// pipe together, which can leave fast type-ahead unread until the next key.
    pub printer: bool,
}

pub enum Reply {
    Line(String),
    /// Ctrl-C at the prompt.
    Interrupted,
    /// Ctrl-D, or the terminal went away.
    Eof,
}

pub type Printer = Box<dyn ExternalPrinter + Send>;

#[derive(Helper, Hinter, Validator)]
struct AioHelper {
    names: Arc<Mutex<Names>>,
    color: bool,
}

impl Completer for AioHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let names = self.names.lock().map_err(|_| ReadlineError::Eof)?;
        Ok(complete(&names, &line[..pos]))
    }
}

/// Candidates for the word before the cursor: `obj.attr` completes attributes of a global,
/// anything else the names in scope, keywords and (at the start) `:` commands.
pub fn complete(names: &Names, before: &str) -> (usize, Vec<Pair>) {
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.' || *c == ':'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    let (base, prefix, pool): (usize, &str, Vec<&String>) = match word.rsplit_once('.') {
        Some((obj, attr)) => (
            start + obj.len() + 1,
            attr,
            names
                .attrs
                .get(obj)
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
        ),
        None => (start, word, names.top.iter().collect()),
    };
    let mut found: Vec<String> = pool
        .into_iter()
        .filter(|n| n.starts_with(prefix) && (prefix.starts_with('_') || !n.starts_with('_')))
        .cloned()
        .collect();
    if !word.contains('.') {
        found.extend(
            KEYWORDS
                .iter()
                .filter(|k| k.starts_with(prefix))
                .map(|k| k.to_string()),
        );
    }
    found.sort();
    found.dedup();
    let pairs = found
        .into_iter()
        .map(|n| Pair {
            display: n.clone(),
            replacement: n,
        })
        .collect();
    (base, pairs)
}

impl Highlighter for AioHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color && !line.starts_with(':') {
            Cow::Owned(highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

/// Where history is kept: `$AIO_HISTORY`, else the user's data directory.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AIO_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("aio").join("history"))
}

/// The interpreter thread's end of the conversation.
pub struct InputThread {
    pub requests: Sender<Prompt>,
    pub replies: Receiver<Reply>,
    /// Printers asked for with `Prompt::printer` (None: the terminal can't have one).
    pub printers: Receiver<Option<Printer>>,
}

/// Start the editor on its own thread.
pub fn spawn(names: Arc<Mutex<Names>>, color: bool) -> Result<InputThread, String> {
    let (req_tx, req_rx) = channel::<Prompt>();
    let (rep_tx, rep_rx) = channel::<Reply>();
    let (printer_tx, printer_rx) = channel::<Option<Printer>>();
    std::thread::Builder::new()
        .name("aio-input".into())
        .spawn(move || editor_thread(names, color, req_rx, rep_tx, printer_tx))
        .map_err(|e| e.to_string())?;
    match printer_rx.recv() {
        Ok(None) => Ok(InputThread {
            requests: req_tx,
            replies: rep_rx,
            printers: printer_rx,
        }),
        _ => Err("the line editor failed to start".into()),
    }
}

fn editor_thread(
    names: Arc<Mutex<Names>>,
    color: bool,
    requests: Receiver<Prompt>,
    replies: Sender<Reply>,
    printer: Sender<Option<Printer>>,
) {
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .tab_stop(4)
        .build();
    let mut editor: Editor<AioHelper, FileHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(_) => return,
    };
    editor.set_helper(Some(AioHelper { names, color }));
    let history = history_path();
    if let Some(p) = &history {
        let _ = editor.load_history(p);
    }
    // Started: nothing to print yet.
    let _ = printer.send(None);
    while let Ok(req) = requests.recv() {
        if req.printer {
            let ext = editor
                .create_external_printer()
                .ok()
                .map(|p| Box::new(p) as Printer);
            let _ = printer.send(ext);
        }
        let reply = match editor.readline_with_initial(&req.prompt, (&req.initial, "")) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                    save_history(&mut editor, history.as_deref());
                }
                Reply::Line(line)
            }
            Err(ReadlineError::Interrupted) => Reply::Interrupted,
            Err(_) => Reply::Eof,
        };
        let eof = matches!(reply, Reply::Eof);
        if replies.send(reply).is_err() || eof {
            break;
        }
    }
}

/// Save after every line: the session may end with `exit()` while this thread waits.
fn save_history(editor: &mut Editor<AioHelper, FileHistory>, path: Option<&std::path::Path>) {
    if let Some(p) = path {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let mut n = Names {
            top: vec!["asyncio".into(), "say_after".into(), "_private".into()],
            ..Default::default()
        };
        n.attrs.insert(
            "asyncio".into(),
            vec!["sleep".into(), "gather".into(), "create_task".into()],
        );
        n
    }

    #[test]
    fn completes_globals_keywords_and_attributes() {
        let (at, c) = complete(&names(), "x = sa");
        assert_eq!(at, 4);
        assert_eq!(c[0].replacement, "say_after");
        let (at, c) = complete(&names(), "await asyncio.sl");
        assert_eq!(at, 14);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].replacement, "sleep");
        let (_, c) = complete(&names(), "aw");
        assert_eq!(c[0].replacement, "await");
        let (_, c) = complete(&names(), "_");
        assert_eq!(c[0].replacement, "_private");
    }
}
