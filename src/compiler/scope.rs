//! Scope analysis: decides for every name in every scope whether it is a local slot, a cell,
//! a free variable, a global, or (in class bodies) a namespace name.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::ast::*;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Class,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A fast local slot.
    Local,
    /// A local slot holding a cell (captured by inner code) or a free variable cell.
    Deref,
    /// Module globals, then builtins.
    Global,
    /// Class namespace, then globals, then builtins (class bodies, and module code).
    Name,
}

#[derive(Default, Debug)]
pub struct Scope {
    pub kind: Option<ScopeKind>,
    /// Parameter names in order.
    pub params: Vec<String>,
    /// Names bound in this scope, in first-binding order.
    pub bound: Vec<String>,
    bound_set: FxHashSet<String>,
    pub used: FxHashSet<String>,
    pub globals: FxHashSet<String>,
    pub nonlocals: FxHashSet<String>,
    /// Names this scope's own variables that inner scopes capture.
    pub cells: Vec<String>,
    /// Names received from enclosing scopes.
    pub frees: Vec<String>,
    pub children: Vec<usize>,
    pub is_generator: bool,
    /// Declared `async def` (or an async comprehension).
    pub is_async: bool,
    /// Uses await / async for / async with (an error unless the scope is async).
    pub has_await: bool,
    pub uses_super: bool,
    /// A comprehension's implicit function (`:=` inside binds in the enclosing scope).
    pub is_comp: bool,
    /// The name of the innermost enclosing class (this one, for a class body): `__x`
    /// identifiers in here are mangled to `_Class__x`. Every name this scope records is
    /// already mangled.
    pub private: Option<String>,
}

/// CPython's private name mangling: `__x` inside class `C` is `_C__x`. Dunders, dotted
/// module names and classes named only with underscores are left alone. Idempotent.
pub fn mangle<'n>(private: Option<&str>, name: &'n str) -> std::borrow::Cow<'n, str> {
    let Some(class) = private else {
        return name.into();
    };
    let class = class.trim_start_matches('_');
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') || class.is_empty() {
        return name.into();
    }
    format!("_{class}{name}").into()
}

impl Scope {
    /// `name` as this scope records it.
    pub fn mangle<'n>(&self, name: &'n str) -> std::borrow::Cow<'n, str> {
        mangle(self.private.as_deref(), name)
    }

    fn bind(&mut self, name: &str) {
        let name = mangle(self.private.as_deref(), name).into_owned();
        if self.bound_set.insert(name.clone()) {
            self.bound.push(name);
        }
    }

    fn use_name(&mut self, name: &str) {
        let name = self.mangle(name).into_owned();
        self.used.insert(name);
    }

    pub fn is_bound(&self, name: &str) -> bool {
        self.bound_set.contains(name)
    }

    pub fn resolve(&self, name: &str) -> Resolved {
        let kind = self.kind.unwrap_or(ScopeKind::Module);
        if self.globals.contains(name) {
            return Resolved::Global;
        }
        if self.cells.iter().any(|c| c == name) || self.frees.iter().any(|c| c == name) {
            if kind == ScopeKind::Class && self.is_bound(name) && !self.nonlocals.contains(name) {
                return Resolved::Name;
            }
            return Resolved::Deref;
        }
        match kind {
            ScopeKind::Module => Resolved::Name,
            ScopeKind::Class => Resolved::Name,
            ScopeKind::Function => {
                if self.is_bound(name) {
                    Resolved::Local
                } else {
                    Resolved::Global
                }
            }
        }
    }
}

pub struct ScopeError {
    pub span: Span,
    pub message: String,
}

/// All scopes of a module; scope 0 is the module. Nested scopes are found by the span of the
/// node that opens them.
pub struct ScopeTable {
    pub scopes: Vec<Scope>,
    pub by_span: FxHashMap<(u32, u32, u8), usize>,
}

/// Which kind of node opened a scope (several may share a span).
pub const OPEN_DEF: u8 = 0;
pub const OPEN_LAMBDA: u8 = 1;
pub const OPEN_COMP: u8 = 2;
pub const OPEN_CLASS: u8 = 3;

pub fn analyze(body: &Block) -> Result<ScopeTable, ScopeError> {
    let mut b = Builder {
        table: ScopeTable {
            scopes: vec![Scope {
                kind: Some(ScopeKind::Module),
                ..Default::default()
            }],
            by_span: FxHashMap::default(),
        },
        stack: vec![0],
    };
    b.stmts(body)?;
    b.resolve(0, &[])?;
    Ok(b.table)
}

struct Builder {
    table: ScopeTable,
    stack: Vec<usize>,
}

impl Builder {
    fn cur(&mut self) -> &mut Scope {
        let i = *self.stack.last().expect("scope stack");
        &mut self.table.scopes[i]
    }

    fn open(&mut self, kind: ScopeKind, span: Span, tag: u8) -> usize {
        let id = self.table.scopes.len();
        let parent = *self.stack.last().expect("scope stack");
        let private = self.table.scopes[parent].private.clone();
        self.table.scopes.push(Scope {
            kind: Some(kind),
            private,
            ..Default::default()
        });
        self.table.scopes[parent].children.push(id);
        self.table.by_span.insert((span.start, span.end, tag), id);
        self.stack.push(id);
        id
    }

    fn close(&mut self) {
        self.stack.pop();
    }

    fn stmts(&mut self, body: &Block) -> Result<(), ScopeError> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn declared(&mut self, name: &str, span: Span, what: &str) -> Result<(), ScopeError> {
        let s = self.cur();
        let m = s.mangle(name);
        if s.used.contains(m.as_ref()) || s.is_bound(&m) {
            return Err(ScopeError {
                span,
                message: format!("name '{name}' is used prior to {what} declaration"),
            });
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), ScopeError> {
        match &s.node {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign(targets, v) => {
                self.expr(v)?;
                for t in targets {
                    self.target(t)?;
                }
                Ok(())
            }
            StmtKind::AugAssign(t, _, v) => {
                self.expr(v)?;
                if let ExprKind::Name(n) = &t.node {
                    self.cur().use_name(n);
                }
                self.target(t)
            }
            StmtKind::AnnAssign(t, ann, v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                    self.target(t)?;
                } else if !matches!(t.node, ExprKind::Name(_)) {
                    self.expr(t)?;
                }
                let _ = ann;
                Ok(())
            }
            StmtKind::If(c, a, b) | StmtKind::While(c, a, b) => {
                self.expr(c)?;
                self.stmts(a)?;
                self.stmts(b)
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    self.cur().has_await = true;
                }
                self.expr(iter)?;
                self.target(target)?;
                self.stmts(body)?;
                self.stmts(orelse)
            }
            StmtKind::Break | StmtKind::Continue | StmtKind::Pass => Ok(()),
            StmtKind::Return(v) => v.as_ref().map_or(Ok(()), |v| self.expr(v)),
            StmtKind::Raise(a, b) => {
                if let Some(a) = a {
                    self.expr(a)?;
                }
                if let Some(b) = b {
                    self.expr(b)?;
                }
                Ok(())
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.stmts(body)?;
                for h in handlers {
                    if let Some(t) = &h.node.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &h.node.name {
                        self.cur().bind(&n.node);
                    }
                    self.stmts(&h.node.body)?;
                }
                self.stmts(orelse)?;
                self.stmts(finalbody)
            }
            StmtKind::Assert(a, b) => {
                self.expr(a)?;
                b.as_ref().map_or(Ok(()), |b| self.expr(b))
            }
            StmtKind::Delete(ts) => {
                for t in ts {
                    self.target(t)?;
                }
                Ok(())
            }
            StmtKind::Global(names) => {
                for n in names {
                    self.declared(n, s.span, "global")?;
                    let n = self.cur().mangle(n).into_owned();
                    self.cur().globals.insert(n);
                }
                Ok(())
            }
            StmtKind::Nonlocal(names) => {
                if self.cur().kind == Some(ScopeKind::Module) {
                    return Err(ScopeError {
                        span: s.span,
                        message: "nonlocal declaration not allowed at module level".into(),
                    });
                }
                for n in names {
                    self.declared(n, s.span, "nonlocal")?;
                    let n = self.cur().mangle(n).into_owned();
                    self.cur().nonlocals.insert(n);
                }
                Ok(())
            }
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                if *is_async {
                    self.cur().has_await = true;
                }
                for it in items {
                    self.expr(&it.context)?;
                    if let Some(t) = &it.target {
                        self.target(t)?;
                    }
                }
                self.stmts(body)
            }
            StmtKind::FunctionDef(f) => {
                for d in &f.decorators {
                    self.expr(d)?;
                }
                self.param_defaults(&f.params)?;
                self.cur().bind(&f.name.node);
                self.open(ScopeKind::Function, s.span, OPEN_DEF);
                self.cur().is_async = f.is_async;
                self.params(&f.params);
                self.stmts(&f.body)?;
                self.close();
                Ok(())
            }
            StmtKind::ClassDef(c) => {
                for d in &c.decorators {
                    self.expr(d)?;
                }
                for a in &c.bases {
                    self.arg(a)?;
                }
                self.cur().bind(&c.name.node);
                self.open(ScopeKind::Class, s.span, OPEN_CLASS);
                self.cur().private = Some(c.name.node.clone());
                self.stmts(&c.body)?;
                self.close();
                Ok(())
            }
            StmtKind::Import(names) => {
                for a in names {
                    let bound = match &a.asname {
                        Some(n) => n.node.clone(),
                        None => a.name.node.split('.').next().unwrap_or("").to_string(),
                    };
                    self.cur().bind(&bound);
                }
                Ok(())
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    let bound = a.asname.as_ref().map_or(&a.name.node, |n| &n.node);
                    if bound != "*" {
                        let bound = bound.clone();
                        self.cur().bind(&bound);
                    }
                }
                Ok(())
            }
        }
    }

    fn param_defaults(&mut self, p: &Params) -> Result<(), ScopeError> {
        for prm in p.posonly.iter().chain(&p.args).chain(&p.kwonly) {
            if let Some(d) = &prm.default {
                self.expr(d)?;
            }
        }
        Ok(())
    }

    fn params(&mut self, p: &Params) {
        let s = self.cur();
        let order = p.posonly.iter().chain(&p.args).chain(&p.kwonly);
        for prm in order.chain(&p.vararg).chain(&p.kwarg) {
            let n = s.mangle(&prm.name.node).into_owned();
            s.params.push(n);
        }
        let names = s.params.clone();
        for n in names {
            s.bind(&n);
        }
    }

    fn arg(&mut self, a: &Arg) -> Result<(), ScopeError> {
        match a {
            Arg::Pos(e) | Arg::Star(e) | Arg::Keyword(_, e) | Arg::DoubleStar(e) => self.expr(e),
        }
    }

    fn target(&mut self, t: &Expr) -> Result<(), ScopeError> {
        match &t.node {
            ExprKind::Name(n) => {
                self.cur().bind(n);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.target(i)?;
                }
                Ok(())
            }
            ExprKind::Starred(e) => self.target(e),
            _ => self.expr(t),
        }
    }

    fn comprehension(
        &mut self,
        span: Span,
        gens: &[Comprehension],
        elts: &[&Expr],
        is_genexp: bool,
    ) -> Result<(), ScopeError> {
        // The first iterable is evaluated in the enclosing scope.
        if let Some(first) = gens.first() {
            self.expr(&first.iter)?;
        }
        self.open(ScopeKind::Function, span, OPEN_COMP);
        self.cur().is_comp = true;
        self.cur().params.push(".0".into());
        self.cur().bind(".0");
        if is_genexp {
            self.cur().is_generator = true;
        }
        for (i, g) in gens.iter().enumerate() {
            if i > 0 {
                self.expr(&g.iter)?;
            }
            if g.is_async {
                self.cur().has_await = true;
            }
            self.target(&g.target)?;
            for c in &g.ifs {
                self.expr(c)?;
            }
        }
        for e in elts {
            self.expr(e)?;
        }
        if self.cur().has_await {
            self.cur().is_async = true;
        }
        // As in Python 3.11, a comprehension containing an asynchronous (non-generator)
        // comprehension becomes asynchronous too.
        let awaits = self.cur().is_async && !is_genexp;
        self.close();
        if awaits && self.cur().is_comp {
            self.cur().has_await = true;
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), ScopeError> {
        match &e.node {
            ExprKind::Name(n) => {
                if n == "super" {
                    self.cur().uses_super = true;
                }
                self.cur().use_name(n);
                Ok(())
            }
            ExprKind::Const(_) => Ok(()),
            ExprKind::FString(parts) => self.fparts(parts),
            ExprKind::Tuple(v) | ExprKind::List(v) | ExprKind::Set(v) => {
                for x in v {
                    self.expr(x)?;
                }
                Ok(())
            }
            ExprKind::Dict(items) => {
                for (k, v) in items {
                    if let Some(k) = k {
                        self.expr(k)?;
                    }
                    self.expr(v)?;
                }
                Ok(())
            }
            ExprKind::Starred(x) | ExprKind::Attribute(x, _) | ExprKind::UnaryOp(_, x) => {
                self.expr(x)
            }
            ExprKind::Await(x) => {
                self.cur().has_await = true;
                self.expr(x)
            }
            ExprKind::Subscript(a, b) | ExprKind::BinOp(a, _, b) => {
                self.expr(a)?;
                self.expr(b)
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x)?;
                }
                Ok(())
            }
            ExprKind::Call(f, args) => {
                self.expr(f)?;
                for a in args {
                    self.arg(a)?;
                }
                Ok(())
            }
            ExprKind::BoolOp(_, v) => {
                for x in v {
                    self.expr(x)?;
                }
                Ok(())
            }
            ExprKind::Compare(a, rest) => {
                self.expr(a)?;
                for (_, x) in rest {
                    self.expr(x)?;
                }
                Ok(())
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                self.expr(body)?;
                self.expr(orelse)
            }
            ExprKind::Lambda(p, body) => {
                self.param_defaults(p)?;
                self.open(ScopeKind::Function, e.span, OPEN_LAMBDA);
                self.params(p);
                self.expr(body)?;
                self.close();
                Ok(())
            }
            ExprKind::ListComp(elt, gens) | ExprKind::SetComp(elt, gens) => {
                self.comprehension(e.span, gens, &[elt], false)
            }
            ExprKind::GeneratorExp(elt, gens) => self.comprehension(e.span, gens, &[elt], true),
            ExprKind::DictComp(k, v, gens) => self.comprehension(e.span, gens, &[k, v], false),
            ExprKind::Yield(v) => {
                self.cur().is_generator = true;
                v.as_ref().map_or(Ok(()), |v| self.expr(v))
            }
            ExprKind::YieldFrom(v) => {
                self.cur().is_generator = true;
                self.expr(v)
            }
            ExprKind::NamedExpr(n, v) => {
                self.expr(v)?;
                // `:=` in a comprehension binds in the enclosing function scope.
                let mut ix = self.stack.len() - 1;
                while ix > 0 && self.table.scopes[self.stack[ix]].is_comp {
                    ix -= 1;
                }
                let id = self.stack[ix];
                self.table.scopes[id].bind(n);
                if id != *self.stack.last().expect("scope") {
                    let n = self.cur().mangle(n).into_owned();
                    if self.table.scopes[id].kind == Some(ScopeKind::Function) {
                        self.cur().nonlocals.insert(n);
                    } else {
                        self.cur().globals.insert(n);
                    }
                }
                Ok(())
            }
        }
    }

    fn fparts(&mut self, parts: &[FPart]) -> Result<(), ScopeError> {
        for p in parts {
            if let FPart::Expr { expr, spec, .. } = p {
                self.expr(expr)?;
                if let Some(s) = spec {
                    self.fparts(s)?;
                }
            }
        }
        Ok(())
    }

    /// Decide cells and free variables, bottom-up. `outer` lists the names bound in enclosing
    /// function scopes (innermost last), which a free name may refer to.
    fn resolve(&mut self, id: usize, outer: &[FxHashSet<String>]) -> Result<(), ScopeError> {
        let kind = self.table.scopes[id].kind;
        let mut inner_outer: Vec<FxHashSet<String>> = outer.to_vec();
        if kind == Some(ScopeKind::Function) {
            let s = &self.table.scopes[id];
            let mut visible: FxHashSet<String> = s
                .bound
                .iter()
                .filter(|n| !s.globals.contains(*n))
                .cloned()
                .collect();
            for n in &s.nonlocals {
                visible.insert(n.clone());
            }
            inner_outer.push(visible);
        }
        if kind == Some(ScopeKind::Class) {
            // Methods see `__class__` (for zero-argument super()).
            let mut v = FxHashSet::default();
            v.insert("__class__".to_string());
            inner_outer.push(v);
        }
        let children = self.table.scopes[id].children.clone();
        for c in &children {
            self.resolve(*c, &inner_outer)?;
        }
        // Names this scope needs from outside: its nonlocals, free uses, and children's frees.
        let s = &self.table.scopes[id];
        let mut wanted: Vec<String> = Vec::new();
        for n in &s.nonlocals {
            wanted.push(n.clone());
        }
        let mut used: Vec<&String> = s.used.iter().collect();
        used.sort();
        for n in used {
            if !s.is_bound(n) && !s.globals.contains(n) {
                wanted.push(n.clone());
            }
        }
        if s.uses_super && kind == Some(ScopeKind::Function) {
            wanted.push("__class__".into());
        }
        for c in &children {
            for n in &self.table.scopes[*c].frees {
                wanted.push(n.clone());
            }
        }
        let mut cells = Vec::new();
        let mut frees = Vec::new();
        for n in wanted {
            let s = &self.table.scopes[id];
            let own = match kind {
                Some(ScopeKind::Function) => {
                    s.is_bound(&n) && !s.nonlocals.contains(&n) && !s.globals.contains(&n)
                }
                Some(ScopeKind::Class) => n == "__class__",
                _ => false,
            };
            if own {
                if !cells.contains(&n) {
                    cells.push(n);
                }
            } else if kind != Some(ScopeKind::Module)
                && !s.globals.contains(&n)
                && outer.iter().any(|o| o.contains(&n))
            {
                if !frees.contains(&n) {
                    frees.push(n);
                }
            } else if s.nonlocals.contains(&n) {
                return Err(ScopeError {
                    span: Span::default(),
                    message: format!("no binding for nonlocal '{n}' found"),
                });
            }
        }
        // Only names a child actually takes from us become cells (plain own uses stay local).
        let child_frees: FxHashSet<String> = children
            .iter()
            .flat_map(|c| self.table.scopes[*c].frees.clone())
            .collect();
        cells.retain(|n| child_frees.contains(n));
        let s = &mut self.table.scopes[id];
        s.cells = cells;
        s.frees = frees;
        Ok(())
    }
}
