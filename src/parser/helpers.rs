//! Builders and checks called from the grammar's actions, so the actions
//! stay one line and the validation lives in ordinary Rust.

use std::cell::RefCell;
use std::collections::HashMap;

use lalrpop_util::ParseError;

use crate::ast::*;
use crate::lexer::{LexError, StrLit, Tok};
use crate::span::{Span, Spanned};

use super::MAX_DEPTH;

pub type PErr = ParseError<usize, Tok, LexError>;
type R<T> = Result<T, PErr>;

fn fail<T>(span: Span, msg: impl Into<String>) -> R<T> {
    Err(ParseError::User {
        error: LexError::new(span.start as usize, span.end as usize, msg),
    })
}

fn fail_help<T>(span: Span, msg: impl Into<String>, help: &str) -> R<T> {
    let mut error = LexError::new(span.start as usize, span.end as usize, msg);
    error.err.help = Some(help.to_string());
    Err(ParseError::User { error })
}

// ---------- nesting depth ----------

thread_local! {
    /// Depth of already-built expressions with depth > 1, keyed by span.
    /// Tracking depth while building keeps every tree the parser holds
    /// shallow, so even dropping a rejected tree cannot overflow the stack.
    static DEPTHS: RefCell<HashMap<u64, u32>> = RefCell::new(HashMap::new());
}

fn key(s: Span) -> u64 {
    ((s.start as u64) << 32) | s.end as u64
}

pub fn reset_depths() {
    DEPTHS.with(|d| {
        let mut d = d.borrow_mut();
        d.clear();
        d.shrink_to(1024);
    });
}

/// Build an expression node, rejecting it if it nests too deeply.
pub fn mk(kind: ExprKind, l: usize, r: usize) -> R<Expr> {
    let span = Span::new(l, r);
    let mut kids = Vec::new();
    expr_children(&kind, &mut kids);
    if kids.is_empty() {
        return Ok(Spanned::new(kind, span));
    }
    let depth = DEPTHS.with(|d| {
        let d = d.borrow();
        1 + kids
            .iter()
            .map(|k| d.get(&key(k.span)).copied().unwrap_or(1))
            .max()
            .unwrap_or(0)
    });
    if depth as usize > MAX_DEPTH {
        return fail(span, "too deeply nested expression");
    }
    DEPTHS.with(|d| d.borrow_mut().insert(key(span), depth));
    Ok(Spanned::new(kind, span))
}

fn params_exprs<'a>(p: &'a Params, out: &mut Vec<&'a Expr>) {
    let all = p
        .posonly
        .iter()
        .chain(&p.args)
        .chain(&p.vararg)
        .chain(&p.kwonly)
        .chain(&p.kwarg);
    for param in all {
        out.extend(param.default.iter());
        out.extend(param.annotation.iter());
    }
}

fn comp_exprs<'a>(cs: &'a [Comprehension], out: &mut Vec<&'a Expr>) {
    for c in cs {
        out.push(&c.target);
        out.push(&c.iter);
        out.extend(c.ifs.iter());
    }
}

fn arg_expr(a: &Arg) -> &Expr {
    match a {
        Arg::Pos(e) | Arg::Star(e) | Arg::Keyword(_, e) | Arg::DoubleStar(e) => e,
    }
}

/// The direct sub-expressions of an expression.
pub fn expr_children<'a>(k: &'a ExprKind, out: &mut Vec<&'a Expr>) {
    use ExprKind::*;
    match k {
        Name(_) | Const(_) => {}
        FString(parts) => super::fpart_exprs(parts, out),
        Tuple(v) | List(v) | Set(v) => out.extend(v.iter()),
        Dict(items) => {
            for (k, v) in items {
                out.extend(k.iter());
                out.push(v);
            }
        }
        Starred(e) | Attribute(e, _) | UnaryOp(_, e) | Await(e) | YieldFrom(e) => out.push(e),
        NamedExpr(_, e) => out.push(e),
        Subscript(a, b) | BinOp(a, _, b) => {
            out.push(a);
            out.push(b);
        }
        Slice(a, b, c) => {
            for e in [a, b, c].into_iter().flatten() {
                out.push(e);
            }
        }
        Call(f, args) => {
            out.push(f);
            out.extend(args.iter().map(arg_expr));
        }
        BoolOp(_, v) => out.extend(v.iter()),
        Compare(a, ops) => {
            out.push(a);
            out.extend(ops.iter().map(|(_, e)| e));
        }
        IfExp { test, body, orelse } => {
            out.push(test);
            out.push(body);
            out.push(orelse);
        }
        Lambda(p, b) => {
            params_exprs(p, out);
            out.push(b);
        }
        ListComp(e, cs) | SetComp(e, cs) | GeneratorExp(e, cs) => {
            out.push(e);
            comp_exprs(cs, out);
        }
        DictComp(k, v, cs) => {
            out.push(k);
            out.push(v);
            comp_exprs(cs, out);
        }
        Yield(e) => out.extend(e.iter().map(|b| &**b)),
    }
}

/// The direct sub-expressions and sub-statements of a statement.
pub fn stmt_children<'a>(s: &'a Stmt, exprs: &mut Vec<&'a Expr>, stmts: &mut Vec<&'a Stmt>) {
    use StmtKind::*;
    match &s.node {
        Expr(e) => exprs.push(e),
        Assign(ts, v) => {
            exprs.extend(ts.iter());
            exprs.push(v);
        }
        AugAssign(t, _, v) => {
            exprs.push(t);
            exprs.push(v);
        }
        AnnAssign(t, a, v) => {
            exprs.push(t);
            exprs.push(a);
            exprs.extend(v.iter());
        }
        If(t, b, e) | While(t, b, e) => {
            exprs.push(t);
            stmts.extend(b.iter().chain(e.iter()));
        }
        For {
            target,
            iter,
            body,
            orelse,
            ..
        } => {
            exprs.push(target);
            exprs.push(iter);
            stmts.extend(body.iter().chain(orelse.iter()));
        }
        Break | Continue | Pass | Global(_) | Nonlocal(_) | Import(_) | ImportFrom { .. } => {}
        Return(e) => exprs.extend(e.iter()),
        Raise(a, b) => exprs.extend(a.iter().chain(b.iter())),
        Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            stmts.extend(body.iter().chain(orelse.iter()).chain(finalbody.iter()));
            for h in handlers {
                exprs.extend(h.node.typ.iter());
                stmts.extend(h.node.body.iter());
            }
        }
        Assert(a, b) => exprs.extend(std::iter::once(a).chain(b.iter())),
        Delete(v) => exprs.extend(v.iter()),
        With { items, body, .. } => {
            for i in items {
                exprs.push(&i.context);
                exprs.extend(i.target.iter());
            }
            stmts.extend(body.iter());
        }
        FunctionDef(f) => {
            params_exprs(&f.params, exprs);
            exprs.extend(f.decorators.iter().chain(f.returns.iter()));
            stmts.extend(f.body.iter());
        }
        ClassDef(c) => {
            exprs.extend(c.bases.iter().map(arg_expr).chain(c.decorators.iter()));
            stmts.extend(c.body.iter());
        }
    }
}

// ---------- targets ----------

/// What an expression is, in CPython's words for error messages.
fn describe(e: &Expr) -> &'static str {
    use ExprKind::*;
    match &e.node {
        Name(_) => "name",
        Const(crate::ast::Const::True) => "True",
        Const(crate::ast::Const::False) => "False",
        Const(crate::ast::Const::None) => "None",
        Const(crate::ast::Const::Ellipsis) => "ellipsis",
        Const(_) => "literal",
        FString(_) => "f-string expression",
        Tuple(_) => "tuple",
        List(_) => "list",
        Set(_) => "set display",
        Dict(_) => "dict literal",
        Starred(_) => "starred",
        Attribute(..) => "attribute",
        Subscript(..) => "subscript",
        Slice(..) => "slice",
        Call(..) => "function call",
        BinOp(..) | UnaryOp(..) | BoolOp(..) => "expression",
        Compare(..) => "comparison",
        IfExp { .. } => "conditional expression",
        Lambda(..) => "lambda",
        ListComp(..) => "list comprehension",
        SetComp(..) => "set comprehension",
        DictComp(..) => "dict comprehension",
        GeneratorExp(..) => "generator expression",
        Await(_) => "await expression",
        Yield(_) | YieldFrom(_) => "yield expression",
        NamedExpr(..) => "named expression",
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Assign,
    Del,
}

fn check_target(e: &Expr, ctx: Ctx, top: bool) -> R<()> {
    match &e.node {
        ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => Ok(()),
        ExprKind::Tuple(v) | ExprKind::List(v) => {
            let stars = v
                .iter()
                .filter(|x| matches!(x.node, ExprKind::Starred(_)))
                .count();
            if stars > 1 && ctx == Ctx::Assign {
                return fail(e.span, "multiple starred expressions in assignment");
            }
            v.iter().try_for_each(|x| check_target(x, ctx, false))
        }
        ExprKind::Starred(inner) => {
            if ctx == Ctx::Del {
                return fail(e.span, "cannot delete starred");
            }
            if top {
                return fail(
                    e.span,
                    "starred assignment target must be in a list or tuple",
                );
            }
            check_target(inner, ctx, false)
        }
        _ => {
            let verb = if ctx == Ctx::Del {
                "delete"
            } else {
                "assign to"
            };
            let msg = format!("cannot {verb} {}", describe(e));
            if ctx == Ctx::Assign && matches!(e.node, ExprKind::Call(..) | ExprKind::Compare(..)) {
                fail_help(e.span, msg, "Maybe you meant '==' instead of '='?")
            } else {
                fail(e.span, msg)
            }
        }
    }
}

fn no_star(e: &Expr) -> R<()> {
    if matches!(e.node, ExprKind::Starred(_)) {
        return fail(e.span, "can't use starred expression here");
    }
    Ok(())
}

// ---------- statements ----------

pub fn expr_stmt(e: Expr) -> R<StmtKind> {
    no_star(&e)?;
    Ok(StmtKind::Expr(e))
}

pub fn return_stmt(e: Option<Expr>) -> R<StmtKind> {
    if let Some(e) = &e {
        no_star(e)?;
    }
    Ok(StmtKind::Return(e))
}

pub fn assign(first: Expr, mut rest: Vec<Expr>) -> R<StmtKind> {
    let value = rest.pop().expect("grammar gives at least one value");
    let mut targets = vec![first];
    targets.extend(rest);
    for t in &targets {
        check_target(t, Ctx::Assign, true)?;
    }
    no_star(&value)?;
    Ok(StmtKind::Assign(targets, value))
}

pub fn aug_assign(t: Expr, op: BinOp, v: Expr) -> R<StmtKind> {
    match t.node {
        ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => {}
        _ => {
            let msg = format!(
                "'{}' is an illegal expression for augmented assignment",
                describe(&t)
            );
            return fail(t.span, msg);
        }
    }
    no_star(&v)?;
    Ok(StmtKind::AugAssign(t, op, v))
}

pub fn ann_assign(t: Expr, a: Expr, v: Option<Expr>) -> R<StmtKind> {
    match t.node {
        ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => {}
        ExprKind::Tuple(_) => {
            return fail(t.span, "only single target (not tuple) can be annotated");
        }
        ExprKind::List(_) => return fail(t.span, "only single target (not list) can be annotated"),
        _ => return fail(t.span, "illegal target for annotation"),
    }
    Ok(StmtKind::AnnAssign(t, a, v))
}

pub fn del(v: Vec<Expr>) -> R<StmtKind> {
    for e in &v {
        check_target(e, Ctx::Del, true)?;
    }
    Ok(StmtKind::Delete(v))
}

pub fn import_from(level: usize, module: Option<Spanned<Name>>, names: Vec<Alias>) -> R<StmtKind> {
    if level == 0 && module.is_none() {
        let span = names.first().map_or(Span::default(), |a| a.name.span);
        return fail(span, "invalid syntax");
    }
    Ok(StmtKind::ImportFrom {
        module,
        names,
        level,
    })
}

pub fn if_chain(
    test: Expr,
    body: Block,
    elifs: Vec<(Expr, Block, Span)>,
    orelse: Option<Block>,
    l: usize,
    r: usize,
) -> Stmt {
    // Build the elif chain from the innermost (last) branch outwards.
    let mut tail = orelse.unwrap_or_default();
    for (t, b, span) in elifs.into_iter().rev() {
        tail = vec![Spanned::new(StmtKind::If(t, b, tail), span)];
    }
    Spanned::new(StmtKind::If(test, body, tail), Span::new(l, r))
}

pub fn for_stmt(
    is_async: bool,
    target: Expr,
    iter: Expr,
    body: Block,
    orelse: Option<Block>,
    l: usize,
    r: usize,
) -> R<Stmt> {
    check_target(&target, Ctx::Assign, true)?;
    no_star(&iter)?;
    let kind = StmtKind::For {
        target,
        iter,
        body,
        orelse: orelse.unwrap_or_default(),
        is_async,
    };
    Ok(Spanned::new(kind, Span::new(l, r)))
}

pub fn try_stmt(
    body: Block,
    handlers: Vec<Spanned<Handler>>,
    orelse: Option<Block>,
    finalbody: Option<Block>,
    l: usize,
    r: usize,
) -> R<Stmt> {
    let n = handlers.len();
    for (i, h) in handlers.iter().enumerate() {
        if h.node.typ.is_none() && i + 1 < n {
            return fail(h.span, "default 'except:' must be last");
        }
    }
    let kind = StmtKind::Try {
        body,
        handlers,
        orelse: orelse.unwrap_or_default(),
        finalbody: finalbody.unwrap_or_default(),
    };
    Ok(Spanned::new(kind, Span::new(l, r)))
}

pub fn with_stmt(
    is_async: bool,
    items: Vec<(Expr, Option<Expr>)>,
    body: Block,
    l: usize,
    r: usize,
) -> R<Stmt> {
    let mut out = Vec::with_capacity(items.len());
    for (context, target) in items {
        if let Some(t) = &target {
            check_target(t, Ctx::Assign, true)?;
        }
        out.push(WithItem { context, target });
    }
    let kind = StmtKind::With {
        items: out,
        body,
        is_async,
    };
    Ok(Spanned::new(kind, Span::new(l, r)))
}

/// One entry of a parameter list, before the list's order is checked.
pub enum ParamItem {
    Normal(Param),
    /// `*` or `*args`
    Star(Option<Param>, Span),
    DoubleStar(Param, Span),
    Slash(Span),
}

fn params(items: Vec<ParamItem>) -> R<Params> {
    let mut p = Params::default();
    let mut seen_slash = false;
    let mut star: Option<Span> = None;
    let mut seen_kwarg = false;
    let mut seen_default = false;
    let mut names: Vec<(String, Span)> = Vec::new();
    for item in items {
        if seen_kwarg {
            let span = match &item {
                ParamItem::Normal(q) => q.name.span,
                ParamItem::Star(_, s) | ParamItem::DoubleStar(_, s) | ParamItem::Slash(s) => *s,
            };
            return fail(span, "arguments cannot follow var-keyword argument");
        }
        match item {
            ParamItem::Slash(s) => {
                if seen_slash {
                    return fail(s, "/ may appear only once");
                }
                if star.is_some() {
                    return fail(s, "/ must be ahead of *");
                }
                if p.args.is_empty() {
                    return fail(s, "at least one argument must precede /");
                }
                seen_slash = true;
                p.posonly = std::mem::take(&mut p.args);
            }
            ParamItem::Star(q, s) => {
                if star.is_some() {
                    return fail(s, "* argument may appear only once");
                }
                star = Some(s);
                if let Some(q) = &q {
                    names.push((q.name.node.clone(), q.name.span));
                }
                p.vararg = q;
            }
            ParamItem::DoubleStar(q, _) => {
                names.push((q.name.node.clone(), q.name.span));
                seen_kwarg = true;
                p.kwarg = Some(q);
            }
            ParamItem::Normal(q) => {
                names.push((q.name.node.clone(), q.name.span));
                if star.is_some() {
                    p.kwonly.push(q);
                } else {
                    if q.default.is_some() {
                        seen_default = true;
                    } else if seen_default {
                        return fail(q.name.span, "non-default argument follows default argument");
                    }
                    p.args.push(q);
                }
            }
        }
    }
    if let Some(s) = star
        && p.vararg.is_none()
        && p.kwonly.is_empty()
    {
        return fail(s, "named arguments must follow bare *");
    }
    for (i, (n, s)) in names.iter().enumerate() {
        if names[..i].iter().any(|(m, _)| m == n) {
            return fail(
                *s,
                format!("duplicate argument '{n}' in function definition"),
            );
        }
    }
    Ok(p)
}

pub fn funcdef(
    is_async: bool,
    name: Spanned<Name>,
    items: Vec<ParamItem>,
    returns: Option<Expr>,
    body: Block,
    l: usize,
    r: usize,
) -> R<Stmt> {
    let f = FuncDef {
        name,
        params: params(items)?,
        body,
        decorators: Vec::new(),
        is_async,
        returns,
    };
    Ok(Spanned::new(
        StmtKind::FunctionDef(Box::new(f)),
        Span::new(l, r),
    ))
}

pub fn classdef(
    name: Spanned<Name>,
    args: Option<Vec<ArgItem>>,
    body: Block,
    l: usize,
    r: usize,
) -> R<Stmt> {
    let c = ClassDef {
        name,
        bases: call_args(args.unwrap_or_default())?,
        body,
        decorators: Vec::new(),
    };
    Ok(Spanned::new(
        StmtKind::ClassDef(Box::new(c)),
        Span::new(l, r),
    ))
}

pub fn decorate(decorators: Vec<Expr>, mut s: Stmt) -> Stmt {
    match &mut s.node {
        StmtKind::FunctionDef(f) => f.decorators = decorators,
        StmtKind::ClassDef(c) => c.decorators = decorators,
        _ => {}
    }
    s
}

// ---------- expressions ----------

pub fn walrus(t: Expr, v: Expr, l: usize, r: usize) -> R<Expr> {
    match t.node {
        ExprKind::Name(n) => mk(ExprKind::NamedExpr(n, Box::new(v)), l, r),
        _ => fail(
            t.span,
            format!("cannot use assignment expressions with {}", describe(&t)),
        ),
    }
}

pub fn lambda(items: Vec<ParamItem>, body: Expr, l: usize, r: usize) -> R<Expr> {
    let p = params(items)?;
    mk(ExprKind::Lambda(Box::new(p), Box::new(body)), l, r)
}

/// One call argument, before the argument order is checked.
pub enum ArgItem {
    Pos(Expr),
    /// An unparenthesized generator expression argument.
    Gen(Expr, Vec<Comprehension>, Span),
    Kw(Expr, Expr),
    Star(Expr),
    DoubleStar(Expr),
}

fn call_args(items: Vec<ArgItem>) -> R<Vec<Arg>> {
    let n = items.len();
    let mut out = Vec::with_capacity(n);
    let mut seen_kw = false;
    let mut seen_dstar = false;
    for item in items {
        match item {
            ArgItem::Pos(e) => {
                no_star(&e)?;
                if seen_dstar {
                    return fail(
                        e.span,
                        "positional argument follows keyword argument unpacking",
                    );
                }
                if seen_kw {
                    return fail(e.span, "positional argument follows keyword argument");
                }
                out.push(Arg::Pos(e));
            }
            ArgItem::Gen(e, cs, span) => {
                if n != 1 {
                    return fail(span, "Generator expression must be parenthesized");
                }
                let g = mk(
                    ExprKind::GeneratorExp(Box::new(e), cs),
                    span.start as usize,
                    span.end as usize,
                )?;
                out.push(Arg::Pos(g));
            }
            ArgItem::Kw(k, v) => match k.node {
                ExprKind::Name(name) => {
                    seen_kw = true;
                    out.push(Arg::Keyword(Spanned::new(name, k.span), v));
                }
                _ => {
                    return fail_help(
                        k.span,
                        "expression cannot contain assignment, perhaps you meant \"==\"?",
                        "use `==` to compare values",
                    );
                }
            },
            ArgItem::Star(e) => {
                if seen_dstar {
                    return fail(
                        e.span,
                        "iterable argument unpacking follows keyword argument unpacking",
                    );
                }
                out.push(Arg::Star(e));
            }
            ArgItem::DoubleStar(e) => {
                seen_dstar = true;
                out.push(Arg::DoubleStar(e));
            }
        }
    }
    Ok(out)
}

pub fn call(f: Expr, items: Vec<ArgItem>, l: usize, r: usize) -> R<Expr> {
    let args = call_args(items)?;
    mk(ExprKind::Call(Box::new(f), args), l, r)
}

pub fn comprehension(is_async: bool, target: Expr, iter: Expr, ifs: Vec<Expr>) -> R<Comprehension> {
    check_target(&target, Ctx::Assign, true)?;
    Ok(Comprehension {
        target,
        iter,
        ifs,
        is_async,
    })
}

/// The inside of `(...)` or `[...]`.
pub enum Paren {
    /// Zero items, or items with at least one comma.
    Items(Vec<Expr>),
    /// One item, no comma.
    Single(Expr),
    Comp(Expr, Vec<Comprehension>),
}

pub fn paren(p: Paren, l: usize, r: usize) -> R<Expr> {
    match p {
        Paren::Items(v) => mk(ExprKind::Tuple(v), l, r),
        Paren::Single(e) => {
            if matches!(e.node, ExprKind::Starred(_)) {
                return fail(e.span, "cannot use starred expression here");
            }
            Ok(e)
        }
        Paren::Comp(e, cs) => {
            no_star(&e)?;
            mk(ExprKind::GeneratorExp(Box::new(e), cs), l, r)
        }
    }
}

pub fn list(p: Paren, l: usize, r: usize) -> R<Expr> {
    match p {
        Paren::Items(v) => mk(ExprKind::List(v), l, r),
        Paren::Single(e) => mk(ExprKind::List(vec![e]), l, r),
        Paren::Comp(e, cs) => {
            no_star(&e)?;
            mk(ExprKind::ListComp(Box::new(e), cs), l, r)
        }
    }
}

/// The inside of `{...}`.
pub enum DictOrSet {
    Dict(Vec<(Option<Expr>, Expr)>),
    Set(Vec<Expr>),
    DictComp(Expr, Expr, Vec<Comprehension>),
    SetComp(Expr, Vec<Comprehension>),
}

pub fn dict_or_set(d: DictOrSet, l: usize, r: usize) -> R<Expr> {
    match d {
        DictOrSet::Dict(v) => mk(ExprKind::Dict(v), l, r),
        DictOrSet::Set(v) => mk(ExprKind::Set(v), l, r),
        DictOrSet::DictComp(k, v, cs) => mk(ExprKind::DictComp(Box::new(k), Box::new(v), cs), l, r),
        DictOrSet::SetComp(e, cs) => {
            no_star(&e)?;
            mk(ExprKind::SetComp(Box::new(e), cs), l, r)
        }
    }
}

fn push_lit(parts: &mut Vec<FPart>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(FPart::Lit(prev)) = parts.last_mut() {
        prev.push_str(s);
    } else {
        parts.push(FPart::Lit(s.to_string()));
    }
}

/// Join adjacent string literals into one constant or f-string.
pub fn strings(v: Vec<Box<StrLit>>, l: usize, r: usize) -> R<Expr> {
    let span = Span::new(l, r);
    let bytes = v
        .iter()
        .filter(|s| matches!(***s, StrLit::Bytes(_)))
        .count();
    if bytes > 0 && bytes < v.len() {
        return fail(span, "cannot mix bytes and nonbytes literals");
    }
    if bytes > 0 {
        let mut out = Vec::new();
        for s in v {
            if let StrLit::Bytes(b) = *s {
                out.extend(b);
            }
        }
        return mk(ExprKind::Const(Const::Bytes(out)), l, r);
    }
    if v.iter().any(|s| matches!(**s, StrLit::F(_))) {
        let mut parts = Vec::new();
        for s in v {
            match *s {
                StrLit::Str(t) => push_lit(&mut parts, &t),
                StrLit::F(ps) => {
                    for p in ps {
                        match p {
                            FPart::Lit(t) => push_lit(&mut parts, &t),
                            e => parts.push(e),
                        }
                    }
                }
                StrLit::Bytes(_) => {}
            }
        }
        return mk(ExprKind::FString(parts), l, r);
    }
    let mut out = String::new();
    for s in v {
        if let StrLit::Str(t) = *s {
            out.push_str(&t);
        }
    }
    mk(ExprKind::Const(Const::Str(out)), l, r)
}
