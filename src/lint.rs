//! `aio check` notes: legacy asyncio idioms that run in Python 3.11 but are deprecated or
//! errors in later versions, each with its modern equivalent. Learners copy them from old
//! tutorials, so we point them out without failing the check.

use crate::ast::*;
use crate::span::Span;

pub struct Note {
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// Notes for a parsed module.
pub fn legacy_asyncio_notes(body: &Block) -> Vec<Note> {
    let mut notes = Vec::new();
    for s in body {
        stmt(s, &mut notes);
    }
    notes
}

fn note_for_call(func: &Expr, span: Span, notes: &mut Vec<Note>) {
    let ExprKind::Attribute(obj, attr) = &func.node else {
        return;
    };
    let on_asyncio = matches!(&obj.node, ExprKind::Name(n) if n == "asyncio");
    let (message, help) = match (on_asyncio, attr.as_str()) {
        (true, "get_event_loop") => (
            "`asyncio.get_event_loop()` outside a running loop is deprecated (Python 3.12 warns, 3.14 raises)",
            "write the program as `async def main(): ...` and run it with `asyncio.run(main())`; inside a coroutine use `asyncio.get_running_loop()`",
        ),
        (true, "ensure_future") => (
            "`asyncio.ensure_future(coro)` is the legacy way to schedule a coroutine",
            "use `asyncio.create_task(coro)` inside a coroutine",
        ),
        (false, "run_until_complete") => (
            "`loop.run_until_complete(...)` is the legacy way to run a program",
            "use `asyncio.run(main())`, which creates, runs and closes the loop for you",
        ),
        (false, "close") if matches!(&obj.node, ExprKind::Name(n) if n.contains("loop")) => (
            "closing the loop by hand is only needed with the legacy loop API",
            "`asyncio.run(main())` closes its loop itself",
        ),
        _ => return,
    };
    notes.push(Note {
        span,
        message: message.to_string(),
        help: help.to_string(),
    });
}

fn stmts(b: &Block, notes: &mut Vec<Note>) {
    for s in b {
        stmt(s, notes);
    }
}

fn stmt(s: &Stmt, notes: &mut Vec<Note>) {
    match &s.node {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => expr(e, notes),
        StmtKind::Assign(ts, v) => {
            ts.iter().for_each(|t| expr(t, notes));
            expr(v, notes);
        }
        StmtKind::AugAssign(t, _, v) | StmtKind::AnnAssign(t, v, None) => {
            expr(t, notes);
            expr(v, notes);
        }
        StmtKind::AnnAssign(t, _, Some(v)) => {
            expr(t, notes);
            expr(v, notes);
        }
        StmtKind::If(c, a, b) | StmtKind::While(c, a, b) => {
            expr(c, notes);
            stmts(a, notes);
            stmts(b, notes);
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
            ..
        } => {
            expr(target, notes);
            expr(iter, notes);
            stmts(body, notes);
            stmts(orelse, notes);
        }
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            stmts(body, notes);
            for h in handlers {
                stmts(&h.node.body, notes);
            }
            stmts(orelse, notes);
            stmts(finalbody, notes);
        }
        StmtKind::With { items, body, .. } => {
            items.iter().for_each(|i| expr(&i.context, notes));
            stmts(body, notes);
        }
        StmtKind::FunctionDef(f) => stmts(&f.body, notes),
        StmtKind::ClassDef(c) => stmts(&c.body, notes),
        StmtKind::Raise(Some(e), _) | StmtKind::Assert(e, _) => expr(e, notes),
        _ => {}
    }
}

fn expr(e: &Expr, notes: &mut Vec<Note>) {
    match &e.node {
        ExprKind::Call(f, args) => {
            note_for_call(f, e.span, notes);
            expr(f, notes);
            for a in args {
                match a {
                    Arg::Pos(x) | Arg::Star(x) | Arg::Keyword(_, x) | Arg::DoubleStar(x) => {
                        expr(x, notes)
                    }
                }
            }
        }
        ExprKind::Attribute(x, _)
        | ExprKind::Await(x)
        | ExprKind::UnaryOp(_, x)
        | ExprKind::Starred(x) => expr(x, notes),
        ExprKind::BinOp(a, _, b) | ExprKind::Subscript(a, b) => {
            expr(a, notes);
            expr(b, notes);
        }
        ExprKind::Tuple(v) | ExprKind::List(v) | ExprKind::Set(v) | ExprKind::BoolOp(_, v) => {
            v.iter().for_each(|x| expr(x, notes));
        }
        ExprKind::Compare(a, rest) => {
            expr(a, notes);
            rest.iter().for_each(|(_, x)| expr(x, notes));
        }
        ExprKind::IfExp { test, body, orelse } => {
            expr(test, notes);
            expr(body, notes);
            expr(orelse, notes);
        }
        ExprKind::ListComp(x, gens)
        | ExprKind::SetComp(x, gens)
        | ExprKind::GeneratorExp(x, gens) => {
            expr(x, notes);
            gens.iter().for_each(|g| expr(&g.iter, notes));
        }
        _ => {}
    }
}
