//! AST → bytecode. One `Unit` per code object being built; scopes come from `scope.rs`.

mod scope;

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::ast::*;
use crate::bytecode::{Code, CodeFlags, CodeKind, Op, Source};
use crate::span::Span;
use crate::value::Value;
use scope::{OPEN_CLASS, OPEN_COMP, OPEN_DEF, OPEN_LAMBDA, Resolved, ScopeKind, ScopeTable};

#[derive(Debug)]
pub struct CompileError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

type CResult<T = ()> = Result<T, CompileError>;

/// Compile a module. `interactive` is the REPL's mode: module code may use `await` (and then
/// becomes a coroutine), and top-level expression statements echo their value.
pub fn compile_module(body: &Block, source: Rc<Source>, interactive: bool) -> CResult<Rc<Code>> {
    let table = scope::analyze(body).map_err(|e| CompileError {
        span: e.span,
        message: e.message,
        help: None,
    })?;
    let mut c = Compiler {
        table,
        units: Vec::new(),
        source,
        interactive,
        interned: FxHashMap::default(),
    };
    c.push_unit(0, CodeKind::Module, "<module>", "<module>", Span::default());
    c.stmts(body)?;
    let end = body
        .last()
        .map(|s| Span::new(s.span.end as usize, s.span.end as usize))
        .unwrap_or_default();
    c.unit().span = end;
    c.emit(Op::ReturnNone);
    let mut unit = c.units.pop().expect("module unit");
    if interactive && c.table.scopes[0].has_await {
        unit.flags.coroutine = true;
    }
    Ok(Rc::new(unit.finish(&c.source, 0, 0, 0)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LoopKind {
    While,
    For,
}

enum FBlock<'a> {
    Loop {
        kind: LoopKind,
        start: usize,
        breaks: Vec<usize>,
    },
    /// Inside `try:` with except clauses: a handler block is active.
    TryExcept,
    /// Inside `try:` with a `finally:`; the body is inlined on every early exit.
    Finally(&'a Block),
    /// Running the `finally:` body on the exceptional path (an exception value is on the stack).
    FinallyExc,
    /// Inside an `except` clause; `Some(name)` when bound with `as name`.
    Handler(Option<&'a str>),
    With {
        is_async: bool,
    },
}

struct Unit<'a> {
    scope: usize,
    kind: CodeKind,
    name: String,
    qualname: String,
    flags: CodeFlags,
    ops: Vec<Op>,
    spans: Vec<Span>,
    consts: Vec<Value>,
    names: Vec<Rc<str>>,
    name_ix: FxHashMap<String, u32>,
    varnames: Vec<Rc<str>>,
    slot_ix: FxHashMap<String, u32>,
    cellslots: Vec<u32>,
    freestart: u32,
    children: Vec<Rc<Code>>,
    fblocks: Vec<FBlock<'a>>,
    span: Span,
    doc: Option<Rc<str>>,
}

impl Unit<'_> {
    fn finish(self, source: &Rc<Source>, argcount: u32, posonly: u32, kwonly: u32) -> Code {
        Code {
            name: self.name.into(),
            qualname: self.qualname.into(),
            kind: self.kind,
            flags: self.flags,
            fast: crate::bytecode::fuse(&self.ops, &self.consts),
            ops: self.ops,
            spans: self.spans,
            consts: self.consts,
            global_slots: crate::bytecode::global_slots(self.names.len()),
            class_cache: crate::bytecode::class_cache(self.names.len()),
            builtin_slots: crate::bytecode::builtin_slots(self.names.len()),
            names: self.names,
            varnames: self.varnames,
            argcount,
            plain_argc: u32::MAX,
            posonlycount: posonly,
            kwonlycount: kwonly,
            cellslots: self.cellslots,
            freestart: self.freestart,
            children: self.children,
            source: source.clone(),
            span: self.span,
            doc: self.doc,
        }
        .seal()
    }
}

struct Compiler<'a> {
    table: ScopeTable,
    units: Vec<Unit<'a>>,
    source: Rc<Source>,
    interactive: bool,
    /// One `Rc<str>` per distinct name in the whole file, so that a global's key in the
    /// module's map is pointer-equal to the name in every code object that uses it (the
    /// global slot hints then validate without comparing strings).
    interned: FxHashMap<String, Rc<str>>,
}

fn err<T>(span: Span, message: impl Into<String>) -> CResult<T> {
    Err(CompileError {
        span,
        message: message.into(),
        help: None,
    })
}

impl<'a> Compiler<'a> {
    fn unit(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("a unit")
    }

    fn push_unit(&mut self, scope: usize, kind: CodeKind, name: &str, qualname: &str, span: Span) {
        let sc = &self.table.scopes[scope];
        let mut varnames: Vec<Rc<str>> = Vec::new();
        let mut slot_ix = FxHashMap::default();
        let mut add = |n: &str, varnames: &mut Vec<Rc<str>>| {
            if !slot_ix.contains_key(n) {
                slot_ix.insert(n.to_string(), varnames.len() as u32);
                varnames.push(n.into());
            }
        };
        if kind == CodeKind::Function {
            for p in &sc.params {
                add(p, &mut varnames);
            }
            for b in &sc.bound {
                if !sc.globals.contains(b) && !sc.nonlocals.contains(b) {
                    add(b, &mut varnames);
                }
            }
        }
        for c in &sc.cells {
            add(c, &mut varnames);
        }
        let freestart = varnames.len() as u32;
        for f in &sc.frees {
            add(f, &mut varnames);
        }
        let cellslots = sc.cells.iter().map(|c| slot_ix[c.as_str()]).collect();
        let flags = CodeFlags {
            generator: sc.is_generator,
            coroutine: sc.is_async && kind == CodeKind::Function,
            ..Default::default()
        };
        self.units.push(Unit {
            scope,
            kind,
            name: name.into(),
            qualname: qualname.into(),
            flags,
            ops: Vec::new(),
            spans: Vec::new(),
            consts: Vec::new(),
            names: Vec::new(),
            name_ix: FxHashMap::default(),
            varnames,
            slot_ix,
            cellslots,
            freestart,
            children: Vec::new(),
            fblocks: Vec::new(),
            span,
            doc: None,
        });
    }

    // ---- emission helpers ----

    fn emit(&mut self, op: Op) -> usize {
        let u = self.unit();
        let span = u.span;
        u.ops.push(op);
        u.spans.push(span);
        u.ops.len() - 1
    }

    fn here(&mut self) -> usize {
        self.unit().ops.len()
    }

    fn patch(&mut self, at: usize) {
        let target = self.here() as u32;
        self.patch_to(at, target);
    }

    fn patch_to(&mut self, at: usize, target: u32) {
        let op = &mut self.unit().ops[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::PopJumpIfFalse(_) => Op::PopJumpIfFalse(target),
            Op::PopJumpIfTrue(_) => Op::PopJumpIfTrue(target),
            Op::JumpIfFalseOrPop(_) => Op::JumpIfFalseOrPop(target),
            Op::JumpIfTrueOrPop(_) => Op::JumpIfTrueOrPop(target),
            Op::ForIter(_) => Op::ForIter(target),
            Op::SetupExcept(_) => Op::SetupExcept(target),
            Op::Send(_) => Op::Send(target),
            other => other,
        };
    }

    fn konst(&mut self, v: Value) -> u32 {
        let u = self.unit();
        // Reuse identical simple constants.
        for (i, c) in u.consts.iter().enumerate() {
            let same = match (c, &v) {
                (Value::None, Value::None) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a), Value::Int(b)) => a == b,
                (Value::Str(a), Value::Str(b)) => a.s == b.s,
                _ => false,
            };
            if same {
                return i as u32;
            }
        }
        u.consts.push(v);
        (u.consts.len() - 1) as u32
    }

    fn load_const(&mut self, v: Value) {
        let k = self.konst(v);
        self.emit(Op::LoadConst(k));
    }

    fn name_index(&mut self, n: &str) -> u32 {
        if let Some(&i) = self.unit().name_ix.get(n) {
            return i;
        }
        let name = self
            .interned
            .entry(n.to_string())
            .or_insert_with(|| n.into())
            .clone();
        let u = self.unit();
        let i = u.names.len() as u32;
        u.names.push(name);
        u.name_ix.insert(n.to_string(), i);
        i
    }

    /// The name index of attribute `attr`, mangled like a private name in a class.
    fn attr_index(&mut self, attr: &str) -> u32 {
        let u = self.units.last().expect("unit");
        let attr = self.table.scopes[u.scope].mangle(attr).into_owned();
        self.name_index(&attr)
    }

    fn with_span<T>(&mut self, span: Span, f: impl FnOnce(&mut Self) -> T) -> T {
        let old = std::mem::replace(&mut self.unit().span, span);
        let r = f(self);
        self.unit().span = old;
        r
    }

    fn scope_kind(&self) -> ScopeKind {
        let u = self.units.last().expect("unit");
        self.table.scopes[u.scope].kind.unwrap_or(ScopeKind::Module)
    }

    // ---- names ----

    fn resolve(&mut self, name: &str) -> (Resolved, u32) {
        let u = self.units.last().expect("unit");
        let name = &*self.table.scopes[u.scope].mangle(name).into_owned();
        let r = self.table.scopes[u.scope].resolve(name);
        let slot = u.slot_ix.get(name).copied();
        match (r, slot) {
            (Resolved::Local, Some(s)) | (Resolved::Deref, Some(s)) => (r, s),
            (Resolved::Name, _) if self.scope_kind() == ScopeKind::Module => {
                (Resolved::Global, self.name_index(name))
            }
            (Resolved::Local | Resolved::Deref, None) => (Resolved::Global, self.name_index(name)),
            (r, _) => (r, self.name_index(name)),
        }
    }

    fn load_name(&mut self, name: &str) {
        let (r, i) = self.resolve(name);
        self.emit(match r {
            Resolved::Local => Op::LoadFast(i),
            Resolved::Deref => Op::LoadDeref(i),
            Resolved::Global => Op::LoadGlobal(i),
            Resolved::Name => Op::LoadName(i),
        });
    }

    fn store_name(&mut self, name: &str) {
        let (r, i) = self.resolve(name);
        self.emit(match r {
            Resolved::Local => Op::StoreFast(i),
            Resolved::Deref => Op::StoreDeref(i),
            Resolved::Global => Op::StoreGlobal(i),
            Resolved::Name => Op::StoreName(i),
        });
    }

    fn delete_name(&mut self, name: &str) {
        let (r, i) = self.resolve(name);
        self.emit(match r {
            Resolved::Local => Op::DeleteFast(i),
            Resolved::Deref => Op::DeleteDeref(i),
            Resolved::Global => Op::DeleteGlobal(i),
            Resolved::Name => Op::DeleteName(i),
        });
    }

    // ---- statements ----

    fn stmts(&mut self, body: &'a Block) -> CResult {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn in_async_function(&self) -> bool {
        let u = self.units.last().expect("unit");
        u.flags.coroutine || (u.kind == CodeKind::Module && self.interactive)
    }

    fn require_async(&self, span: Span, what: &str) -> CResult {
        if self.in_async_function() {
            return Ok(());
        }
        let u = self.units.last().expect("unit");
        let outside = if u.kind == CodeKind::Module {
            "outside function"
        } else {
            "outside async function"
        };
        Err(CompileError {
            span,
            message: format!("{what} {outside}"),
            help: Some(format!(
                "{what} only works inside an `async def` function: make the enclosing function `async def`, \
                 or, at the top of a program, put this code in `async def main():` and run it with `asyncio.run(main())`"
            )),
        })
    }

    fn stmt(&mut self, s: &'a Stmt) -> CResult {
        let span = s.span;
        self.with_span(span, |c| c.stmt_inner(s))
    }

    fn stmt_inner(&mut self, s: &'a Stmt) -> CResult {
        let span = s.span;
        match &s.node {
            StmtKind::Expr(e) => {
                self.expr(e)?;
                let echo = self.interactive && self.units.len() == 1;
                self.emit(if echo { Op::PrintExpr } else { Op::Pop });
            }
            StmtKind::Assign(targets, value) => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store(t)?;
                }
            }
            StmtKind::AugAssign(target, op, value) => self.aug_assign(target, *op, value)?,
            StmtKind::AnnAssign(target, _, value) => {
                if let Some(v) = value {
                    self.expr(v)?;
                    self.store(target)?;
                }
            }
            StmtKind::If(test, body, orelse) => {
                self.expr(test)?;
                let jf = self.emit(Op::PopJumpIfFalse(0));
                self.stmts(body)?;
                if orelse.is_empty() {
                    self.patch(jf);
                } else {
                    let j = self.emit(Op::Jump(0));
                    self.patch(jf);
                    self.stmts(orelse)?;
                    self.patch(j);
                }
            }
            StmtKind::While(test, body, orelse) => {
                let start = self.here();
                self.expr(test)?;
                let jf = self.emit(Op::PopJumpIfFalse(0));
                self.unit().fblocks.push(FBlock::Loop {
                    kind: LoopKind::While,
                    start,
                    breaks: Vec::new(),
                });
                self.stmts(body)?;
                self.emit(Op::Jump(start as u32));
                let breaks = self.pop_loop();
                self.patch(jf);
                self.stmts(orelse)?;
                for b in breaks {
                    self.patch(b);
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    self.require_async(span, "'async for'")?;
                    self.async_for(target, iter, body, orelse)?;
                } else {
                    self.expr(iter)?;
                    self.emit(Op::GetIter);
                    let start = self.here();
                    let fi = self.emit(Op::ForIter(0));
                    self.store(target)?;
                    self.unit().fblocks.push(FBlock::Loop {
                        kind: LoopKind::For,
                        start,
                        breaks: Vec::new(),
                    });
                    self.stmts(body)?;
                    self.emit(Op::Jump(start as u32));
                    let breaks = self.pop_loop();
                    self.patch(fi);
                    self.stmts(orelse)?;
                    for b in breaks {
                        self.patch(b);
                    }
                }
            }
            StmtKind::Break => {
                let Some(ix) = self.innermost_loop() else {
                    return err(span, "'break' outside loop");
                };
                self.unwind(ix + 1, false)?;
                if let FBlock::Loop {
                    kind: LoopKind::For,
                    ..
                } = self.unit().fblocks[ix]
                {
                    self.emit(Op::Pop);
                }
                let j = self.emit(Op::Jump(0));
                if let FBlock::Loop { breaks, .. } = &mut self.unit().fblocks[ix] {
                    breaks.push(j);
                }
            }
            StmtKind::Continue => {
                let Some(ix) = self.innermost_loop() else {
                    return err(span, "'continue' not properly in loop");
                };
                self.unwind(ix + 1, false)?;
                if let FBlock::Loop { start, .. } = self.unit().fblocks[ix] {
                    self.emit(Op::Jump(start as u32));
                }
            }
            StmtKind::Pass => {}
            StmtKind::Return(v) => {
                if self.unit().kind != CodeKind::Function {
                    return err(span, "'return' outside function");
                }
                if let Some(v) = v {
                    if self.unit().flags.coroutine && self.unit().flags.generator {
                        return err(v.span, "'return' with value in async generator");
                    }
                    self.expr(v)?;
                } else {
                    self.load_const(Value::None);
                }
                self.unwind(0, true)?;
                self.emit(Op::Return);
            }
            StmtKind::Raise(exc, cause) => {
                let mut n = 0;
                if let Some(e) = exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.emit(Op::Raise(n));
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.try_stmt(body, handlers, orelse, finalbody)?,
            StmtKind::Assert(test, msg) => {
                self.expr(test)?;
                let j = self.emit(Op::PopJumpIfTrue(0));
                let i = self.name_index("AssertionError");
                self.emit(Op::LoadGlobal(i));
                if let Some(m) = msg {
                    self.expr(m)?;
                    self.emit(Op::Call(1));
                }
                self.emit(Op::Raise(1));
                self.patch(j);
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.delete(t)?;
                }
            }
            StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                if *is_async {
                    self.require_async(span, "'async with'")?;
                }
                self.with_stmt(items, body, *is_async)?;
            }
            StmtKind::FunctionDef(f) => self.function_def(f, span)?,
            StmtKind::ClassDef(c) => self.class_def(c, span)?,
            StmtKind::Import(names) => {
                for a in names {
                    let i = self.name_index(&a.name.node);
                    self.emit(Op::ImportName(i));
                    match &a.asname {
                        Some(asname) => {
                            // `import a.b as c` binds the submodule itself.
                            for part in a.name.node.split('.').skip(1) {
                                let p = self.name_index(part);
                                self.emit(Op::LoadAttr(p));
                            }
                            self.store_name(&asname.node);
                        }
                        None => {
                            let first = a.name.node.split('.').next().unwrap_or("");
                            if first != a.name.node {
                                let fi = self.name_index(first);
                                self.emit(Op::Pop);
                                self.emit(Op::ImportName(fi));
                            }
                            self.store_name(first);
                        }
                    }
                }
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => {
                if *level > 0 {
                    return err(
                        span,
                        "relative imports are not supported: aio programs are single files",
                    );
                }
                let m = module.as_ref().map(|m| m.node.as_str()).unwrap_or("");
                let mi = self.name_index(m);
                self.emit(Op::ImportName(mi));
                for a in names {
                    if a.name.node == "*" {
                        return err(
                            a.name.span,
                            "'from module import *' is not supported; import the names you use",
                        );
                    }
                    let i = self.name_index(&a.name.node);
                    self.emit(Op::ImportFrom(i));
                    let bound = a.asname.as_ref().unwrap_or(&a.name);
                    self.store_name(&bound.node);
                }
                self.emit(Op::Pop);
            }
        }
        Ok(())
    }

    fn innermost_loop(&self) -> Option<usize> {
        let u = self.units.last().expect("unit");
        u.fblocks
            .iter()
            .rposition(|f| matches!(f, FBlock::Loop { .. }))
    }

    fn pop_loop(&mut self) -> Vec<usize> {
        match self.unit().fblocks.pop() {
            Some(FBlock::Loop { breaks, .. }) => breaks,
            _ => Vec::new(),
        }
    }

    /// Emit the clean-up for leaving every fblock above index `to` (inner first), for
    /// break/continue (`preserve_tos` false) or return (true: the return value is on top).
    fn unwind(&mut self, to: usize, preserve_tos: bool) -> CResult {
        let mut i = self.unit().fblocks.len();
        while i > to {
            i -= 1;
            // Take the block out so that code emitted for it sees only the outer blocks.
            let saved: Vec<FBlock<'a>> = self.unit().fblocks.drain(i..).collect();
            let fb = &saved[0];
            match fb {
                FBlock::Loop { kind, .. } => {
                    if *kind == LoopKind::For && preserve_tos {
                        self.emit(Op::Rot2);
                        self.emit(Op::Pop);
                    } else if *kind == LoopKind::For {
                        // Only reached when leaving an outer loop from an inner one.
                        self.emit(Op::Pop);
                    }
                }
                FBlock::TryExcept => {
                    self.emit(Op::PopBlock);
                }
                FBlock::Finally(body) => {
                    self.emit(Op::PopBlock);
                    self.stmts(body)?;
                }
                FBlock::FinallyExc => {
                    self.emit(Op::PopExcept);
                    if preserve_tos {
                        self.emit(Op::Rot2);
                    }
                    self.emit(Op::Pop);
                }
                FBlock::Handler(name) => {
                    if let Some(n) = name {
                        self.emit(Op::PopBlock);
                        self.emit(Op::PopExcept);
                        self.load_const(Value::None);
                        self.store_name(n);
                        self.delete_name(n);
                    } else {
                        self.emit(Op::PopExcept);
                    }
                }
                FBlock::With { is_async } => {
                    self.emit(Op::PopBlock);
                    if preserve_tos {
                        self.emit(Op::Rot2);
                    }
                    self.call_exit_none(*is_async);
                }
            }
            self.unit().fblocks.extend(saved);
        }
        Ok(())
    }

    /// exit → (calls exit(None, None, None) and discards the result)
    fn call_exit_none(&mut self, is_async: bool) {
        self.load_const(Value::None);
        self.load_const(Value::None);
        self.load_const(Value::None);
        self.emit(Op::Call(3));
        if is_async {
            self.await_tos(1);
        }
        self.emit(Op::Pop);
    }

    /// awaitable-ish → result: the `await` protocol loop.
    fn await_tos(&mut self, flag: u32) {
        self.emit(Op::GetAwaitable(flag));
        self.load_const(Value::None);
        let send = self.emit(Op::Send(0));
        self.emit(Op::AwaitYield);
        self.emit(Op::Jump(send as u32));
        self.patch(send);
    }

    fn try_stmt(
        &mut self,
        body: &'a Block,
        handlers: &'a [crate::span::Spanned<Handler>],
        orelse: &'a Block,
        finalbody: &'a Block,
    ) -> CResult {
        let fin_setup = if finalbody.is_empty() {
            None
        } else {
            let s = self.emit(Op::SetupExcept(0));
            self.unit().fblocks.push(FBlock::Finally(finalbody));
            Some(s)
        };
        if handlers.is_empty() {
            self.stmts(body)?;
        } else {
            let setup = self.emit(Op::SetupExcept(0));
            self.unit().fblocks.push(FBlock::TryExcept);
            self.stmts(body)?;
            self.unit().fblocks.pop();
            self.emit(Op::PopBlock);
            self.stmts(orelse)?;
            let to_end = self.emit(Op::Jump(0));
            self.patch(setup);
            // An exception is on the stack; the VM has entered "handling" state.
            let mut ends = vec![to_end];
            for h in handlers {
                let hspan = h.span;
                let next = if let Some(t) = &h.node.typ {
                    self.with_span(t.span, |c| c.expr(t))?;
                    self.with_span(hspan, |c| c.emit(Op::CheckExcMatch));
                    Some(self.emit(Op::PopJumpIfFalse(0)))
                } else {
                    None
                };
                match &h.node.name {
                    Some(n) => {
                        self.store_name(&n.node);
                        let cleanup = self.emit(Op::SetupExcept(0));
                        self.unit().fblocks.push(FBlock::Handler(Some(&n.node)));
                        self.stmts(&h.node.body)?;
                        self.unit().fblocks.pop();
                        self.emit(Op::PopBlock);
                        self.emit(Op::PopExcept);
                        self.load_const(Value::None);
                        self.store_name(&n.node);
                        self.delete_name(&n.node);
                        ends.push(self.emit(Op::Jump(0)));
                        // An exception inside the handler: unbind the name, then propagate.
                        self.patch(cleanup);
                        self.load_const(Value::None);
                        self.store_name(&n.node);
                        self.delete_name(&n.node);
                        self.emit(Op::Reraise);
                    }
                    None => {
                        self.emit(Op::Pop);
                        self.unit().fblocks.push(FBlock::Handler(None));
                        self.stmts(&h.node.body)?;
                        self.unit().fblocks.pop();
                        self.emit(Op::PopExcept);
                        ends.push(self.emit(Op::Jump(0)));
                    }
                }
                if let Some(n) = next {
                    self.patch(n);
                }
            }
            // No clause matched.
            self.emit(Op::Reraise);
            for e in ends {
                self.patch(e);
            }
        }
        if let Some(s) = fin_setup {
            self.unit().fblocks.pop();
            self.emit(Op::PopBlock);
            self.stmts(finalbody)?;
            let j = self.emit(Op::Jump(0));
            self.patch(s);
            self.unit().fblocks.push(FBlock::FinallyExc);
            self.stmts(finalbody)?;
            self.unit().fblocks.pop();
            self.emit(Op::Reraise);
            self.patch(j);
        }
        Ok(())
    }

    fn with_stmt(&mut self, items: &'a [WithItem], body: &'a Block, is_async: bool) -> CResult {
        let Some((first, rest)) = items.split_first() else {
            return self.stmts(body);
        };
        self.expr(&first.context)?;
        if is_async {
            self.emit(Op::BeforeAsyncWith);
            self.await_tos(1);
        } else {
            self.emit(Op::BeforeWith);
        }
        match &first.target {
            Some(t) => self.store(t)?,
            None => {
                self.emit(Op::Pop);
            }
        }
        let setup = self.emit(Op::SetupExcept(0));
        self.unit().fblocks.push(FBlock::With { is_async });
        if rest.is_empty() {
            self.stmts(body)?;
        } else {
            self.with_stmt(rest, body, is_async)?;
        }
        self.unit().fblocks.pop();
        self.emit(Op::PopBlock);
        self.call_exit_none(is_async);
        let j = self.emit(Op::Jump(0));
        self.patch(setup);
        // exit exc (handling) → exit exc result
        self.emit(Op::WithExceptStart);
        if is_async {
            self.await_tos(1);
        }
        let suppress = self.emit(Op::PopJumpIfTrue(0));
        self.emit(Op::Reraise);
        self.patch(suppress);
        self.emit(Op::PopExcept);
        self.emit(Op::Pop);
        self.emit(Op::Pop);
        self.patch(j);
        Ok(())
    }

    fn async_for(
        &mut self,
        target: &'a Expr,
        iter: &'a Expr,
        body: &'a Block,
        orelse: &'a Block,
    ) -> CResult {
        self.expr(iter)?;
        self.emit(Op::GetAIter);
        let start = self.here();
        let setup = self.emit(Op::SetupExcept(0));
        self.emit(Op::GetANext);
        self.await_tos(1);
        self.emit(Op::PopBlock);
        self.store(target)?;
        self.unit().fblocks.push(FBlock::Loop {
            kind: LoopKind::For,
            start,
            breaks: Vec::new(),
        });
        self.stmts(body)?;
        self.emit(Op::Jump(start as u32));
        let breaks = self.pop_loop();
        self.patch(setup);
        // aiter exc (handling): StopAsyncIteration ends the loop.
        self.emit(Op::EndAsyncFor);
        self.stmts(orelse)?;
        for b in breaks {
            self.patch(b);
        }
        Ok(())
    }

    fn aug_assign(&mut self, target: &'a Expr, op: BinOp, value: &'a Expr) -> CResult {
        match &target.node {
            ExprKind::Name(n) => {
                self.load_name(n);
                self.expr(value)?;
                self.with_span(target.span.to(value.span), |c| c.emit(Op::Inplace(op)));
                self.store_name(n);
            }
            ExprKind::Attribute(obj, attr) => {
                self.expr(obj)?;
                self.emit(Op::Dup);
                let i = self.attr_index(attr);
                self.emit(Op::LoadAttr(i));
                self.expr(value)?;
                self.with_span(target.span.to(value.span), |c| c.emit(Op::Inplace(op)));
                self.emit(Op::Rot2);
                self.emit(Op::StoreAttr(i));
            }
            ExprKind::Subscript(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
                self.emit(Op::DupTwo);
                self.emit(Op::Subscr);
                self.expr(value)?;
                self.with_span(target.span.to(value.span), |c| c.emit(Op::Inplace(op)));
                self.emit(Op::Rot3);
                self.emit(Op::StoreSubscr);
            }
            _ => return err(target.span, "illegal expression for augmented assignment"),
        }
        Ok(())
    }

    fn store(&mut self, t: &'a Expr) -> CResult {
        self.with_span(t.span, |c| c.store_inner(t))
    }

    fn store_inner(&mut self, t: &'a Expr) -> CResult {
        match &t.node {
            ExprKind::Name(n) => self.store_name(n),
            ExprKind::Attribute(obj, attr) => {
                self.expr(obj)?;
                let i = self.attr_index(attr);
                self.emit(Op::StoreAttr(i));
            }
            ExprKind::Subscript(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
                self.emit(Op::StoreSubscr);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let star = items
                    .iter()
                    .position(|e| matches!(e.node, ExprKind::Starred(_)));
                match star {
                    None => {
                        self.emit(Op::UnpackSequence(items.len() as u32));
                    }
                    Some(si) => {
                        if items
                            .iter()
                            .filter(|e| matches!(e.node, ExprKind::Starred(_)))
                            .count()
                            > 1
                        {
                            return err(t.span, "multiple starred expressions in assignment");
                        }
                        let after = items.len() - si - 1;
                        self.emit(Op::UnpackEx(si as u32 | ((after as u32) << 16)));
                    }
                }
                for it in items {
                    match &it.node {
                        ExprKind::Starred(inner) => self.store(inner)?,
                        _ => self.store(it)?,
                    }
                }
            }
            ExprKind::Starred(_) => {
                return err(
                    t.span,
                    "starred assignment target must be in a list or tuple",
                );
            }
            _ => return err(t.span, format!("cannot assign to {}", describe(&t.node))),
        }
        Ok(())
    }

    fn delete(&mut self, t: &'a Expr) -> CResult {
        match &t.node {
            ExprKind::Name(n) => self.delete_name(n),
            ExprKind::Attribute(obj, attr) => {
                self.expr(obj)?;
                let i = self.attr_index(attr);
                self.with_span(t.span, |c| c.emit(Op::DeleteAttr(i)));
            }
            ExprKind::Subscript(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
                self.with_span(t.span, |c| c.emit(Op::DeleteSubscr));
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.delete(i)?;
                }
            }
            _ => return err(t.span, format!("cannot delete {}", describe(&t.node))),
        }
        Ok(())
    }

    // ---- functions and classes ----

    fn child_scope(&self, span: Span, tag: u8) -> usize {
        self.table
            .by_span
            .get(&(span.start, span.end, tag))
            .copied()
            .unwrap_or(0)
    }

    fn qualname_for(&self, name: &str) -> String {
        let u = self.units.last().expect("unit");
        match u.kind {
            CodeKind::Module => name.to_string(),
            CodeKind::Class => format!("{}.{}", u.qualname, name),
            CodeKind::Function => format!("{}.<locals>.{}", u.qualname, name),
        }
    }

    /// Compile params' defaults, then a nested code object, then MAKE_FUNCTION.
    fn make_function(
        &mut self,
        params: &'a Params,
        scope: usize,
        name: &str,
        span: Span,
        body: impl FnOnce(&mut Self) -> CResult,
        is_async: bool,
    ) -> CResult {
        let mut flags = 0u32;
        let defaults: Vec<&Expr> = params
            .posonly
            .iter()
            .chain(&params.args)
            .filter_map(|p| p.default.as_ref())
            .collect();
        if !defaults.is_empty() {
            for d in &defaults {
                self.expr(d)?;
            }
            self.emit(Op::BuildTuple(defaults.len() as u32));
            flags |= 1 << 24;
        }
        let kwd: Vec<&Param> = params
            .kwonly
            .iter()
            .filter(|p| p.default.is_some())
            .collect();
        if !kwd.is_empty() {
            for p in &kwd {
                // Keyed like the parameter's slot name, which is mangled in a class.
                let key = self.table.scopes[scope].mangle(&p.name.node).into_owned();
                self.load_const(Value::str(&key));
                if let Some(d) = &p.default {
                    self.expr(d)?;
                }
            }
            self.emit(Op::BuildMap(kwd.len() as u32));
            flags |= 1 << 25;
        }
        let qualname = self.qualname_for(name);
        self.push_unit(scope, CodeKind::Function, name, &qualname, span);
        if is_async {
            self.unit().flags.coroutine = true;
        }
        self.unit().flags.varargs = params.vararg.is_some();
        self.unit().flags.varkw = params.kwarg.is_some();
        body(self)?;
        let unit = self.units.pop().expect("function unit");
        let frees: Vec<String> = self.table.scopes[scope].frees.clone();
        if !frees.is_empty() {
            for f in &frees {
                let slot = self
                    .units
                    .last()
                    .expect("unit")
                    .slot_ix
                    .get(f.as_str())
                    .copied();
                match slot {
                    Some(s) => {
                        self.emit(Op::LoadClosure(s));
                    }
                    None => return err(span, format!("internal: free variable '{f}' not found")),
                }
            }
            self.emit(Op::BuildTuple(frees.len() as u32));
            flags |= 1 << 26;
        }
        let argcount = (params.posonly.len() + params.args.len()) as u32;
        let code = unit.finish(
            &self.source,
            argcount,
            params.posonly.len() as u32,
            params.kwonly.len() as u32,
        );
        let u = self.unit();
        u.children.push(Rc::new(code));
        let idx = (u.children.len() - 1) as u32;
        self.emit(Op::MakeFunction(idx | flags));
        Ok(())
    }

    fn function_def(&mut self, f: &'a FuncDef, span: Span) -> CResult {
        for d in &f.decorators {
            self.expr(d)?;
        }
        let scope = self.child_scope(span, OPEN_DEF);
        let header = Span::new(span.start as usize, f.name.span.end as usize);
        self.with_span(header, |c| {
            c.make_function(
                &f.params,
                scope,
                &f.name.node,
                span,
                |c| {
                    c.unit().doc = docstring(&f.body).map(Rc::from);
                    c.stmts(&f.body)?;
                    c.load_const(Value::None);
                    c.emit(Op::Return);
                    Ok(())
                },
                f.is_async,
            )
        })?;
        for d in f.decorators.iter().rev() {
            self.with_span(d.span, |c| c.emit(Op::Call(1)));
        }
        self.store_name(&f.name.node);
        Ok(())
    }

    fn class_def(&mut self, cd: &'a ClassDef, span: Span) -> CResult {
        for d in &cd.decorators {
            self.expr(d)?;
        }
        self.emit(Op::LoadBuildClass);
        let scope = self.child_scope(span, OPEN_CLASS);
        let qualname = self.qualname_for(&cd.name.node);
        self.push_unit(scope, CodeKind::Class, &cd.name.node, &qualname, span);
        let mi = self.name_index("__name__");
        self.emit(Op::LoadName(mi));
        let m = self.name_index("__module__");
        self.emit(Op::StoreName(m));
        self.load_const(Value::str(&qualname));
        let q = self.name_index("__qualname__");
        self.emit(Op::StoreName(q));
        if let Some(doc) = docstring(&cd.body) {
            self.load_const(Value::str(doc));
            let d = self.name_index("__doc__");
            self.emit(Op::StoreName(d));
        }
        self.stmts(&cd.body)?;
        match self.unit().slot_ix.get("__class__").copied() {
            Some(s)
                if self.table.scopes[scope]
                    .cells
                    .iter()
                    .any(|c| c == "__class__") =>
            {
                self.emit(Op::LoadClosure(s));
            }
            _ => self.load_const(Value::None),
        }
        self.emit(Op::Return);
        let unit = self.units.pop().expect("class unit");
        let mut flags = 0;
        let frees = self.table.scopes[scope].frees.clone();
        if !frees.is_empty() {
            for f in &frees {
                if let Some(s) = self
                    .units
                    .last()
                    .expect("unit")
                    .slot_ix
                    .get(f.as_str())
                    .copied()
                {
                    self.emit(Op::LoadClosure(s));
                }
            }
            self.emit(Op::BuildTuple(frees.len() as u32));
            flags |= 1 << 26;
        }
        let code = unit.finish(&self.source, 0, 0, 0);
        let u = self.unit();
        u.children.push(Rc::new(code));
        let idx = (u.children.len() - 1) as u32;
        self.emit(Op::MakeFunction(idx | flags));
        self.load_const(Value::str(&cd.name.node));
        self.call_with_args(&cd.bases, 2, span)?;
        for d in cd.decorators.iter().rev() {
            self.with_span(d.span, |c| c.emit(Op::Call(1)));
        }
        self.store_name(&cd.name.node);
        Ok(())
    }

    // ---- expressions ----

    fn expr(&mut self, e: &'a Expr) -> CResult {
        self.with_span(e.span, |c| c.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &'a Expr) -> CResult {
        match &e.node {
            ExprKind::Name(n) => self.load_name(n),
            ExprKind::Const(k) => {
                let v = match k {
                    Const::None => Value::None,
                    Const::True => Value::Bool(true),
                    Const::False => Value::Bool(false),
                    Const::Ellipsis => {
                        let i = self.name_index("Ellipsis");
                        self.emit(Op::LoadGlobal(i));
                        return Ok(());
                    }
                    Const::Int(i) => Value::Int(*i),
                    Const::BigInt(s) => match s.parse::<num_bigint::BigInt>() {
                        Ok(b) => Value::big(b),
                        Err(_) => return err(e.span, "invalid integer literal"),
                    },
                    Const::Float(f) => Value::Float(*f),
                    Const::Str(s) => Value::str(s),
                    Const::Bytes(_) => return err(e.span, "bytes literals are not supported"),
                };
                let k = self.konst(v);
                self.emit(Op::LoadConst(k));
            }
            ExprKind::FString(parts) => self.fstring(parts)?,
            ExprKind::Tuple(items) => {
                if items.iter().any(|i| matches!(i.node, ExprKind::Starred(_))) {
                    self.starred_list(items)?;
                    self.emit(Op::ListToTuple);
                } else {
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(Op::BuildTuple(items.len() as u32));
                }
            }
            ExprKind::List(items) => {
                if items.iter().any(|i| matches!(i.node, ExprKind::Starred(_))) {
                    self.starred_list(items)?;
                } else {
                    for i in items {
                        self.expr(i)?;
                    }
                    self.emit(Op::BuildList(items.len() as u32));
                }
            }
            ExprKind::Set(items) => {
                self.emit(Op::BuildSet(0));
                for i in items {
                    match &i.node {
                        ExprKind::Starred(inner) => {
                            self.expr(inner)?;
                            self.emit(Op::SetUpdate(1));
                        }
                        _ => {
                            self.expr(i)?;
                            self.emit(Op::SetAdd(1));
                        }
                    }
                }
            }
            ExprKind::Dict(items) => {
                if items.iter().all(|(k, _)| k.is_some()) && items.len() < 64 {
                    for (k, v) in items {
                        if let Some(k) = k {
                            self.expr(k)?;
                        }
                        self.expr(v)?;
                    }
                    self.emit(Op::BuildMap(items.len() as u32));
                } else {
                    self.emit(Op::BuildMap(0));
                    for (k, v) in items {
                        match k {
                            Some(k) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Op::MapAdd(1));
                            }
                            None => {
                                self.expr(v)?;
                                self.emit(Op::DictUpdate(1));
                            }
                        }
                    }
                }
            }
            ExprKind::Starred(_) => return err(e.span, "can't use starred expression here"),
            ExprKind::Attribute(obj, attr) => {
                self.expr(obj)?;
                let i = self.attr_index(attr);
                self.emit(Op::LoadAttr(i));
            }
            ExprKind::Subscript(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
                self.emit(Op::Subscr);
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b] {
                    match x {
                        Some(x) => self.expr(x)?,
                        None => self.load_const(Value::None),
                    }
                }
                match c {
                    Some(c) => {
                        self.expr(c)?;
                        self.emit(Op::BuildSlice(3));
                    }
                    None => {
                        self.emit(Op::BuildSlice(2));
                    }
                }
            }
            ExprKind::Call(func, args) => self.call(func, args, e.span)?,
            ExprKind::BinOp(a, op, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Op::Binary(*op));
            }
            ExprKind::UnaryOp(op, a) => {
                self.expr(a)?;
                self.emit(Op::Unary(*op));
            }
            ExprKind::BoolOp(op, values) => {
                let mut jumps = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < values.len() {
                        jumps.push(self.emit(match op {
                            BoolOp::And => Op::JumpIfFalseOrPop(0),
                            BoolOp::Or => Op::JumpIfTrueOrPop(0),
                        }));
                    }
                }
                for j in jumps {
                    self.patch(j);
                }
            }
            ExprKind::Compare(first, rest) => {
                self.expr(first)?;
                if rest.len() == 1 {
                    let (op, rhs) = &rest[0];
                    self.expr(rhs)?;
                    self.emit(Op::Compare(*op));
                } else {
                    let mut cleanups = Vec::new();
                    for (i, (op, rhs)) in rest.iter().enumerate() {
                        self.expr(rhs)?;
                        if i + 1 < rest.len() {
                            self.emit(Op::Dup);
                            self.emit(Op::Rot3);
                            self.emit(Op::Compare(*op));
                            cleanups.push(self.emit(Op::JumpIfFalseOrPop(0)));
                        } else {
                            self.emit(Op::Compare(*op));
                        }
                    }
                    let end = self.emit(Op::Jump(0));
                    for c in cleanups {
                        self.patch(c);
                    }
                    self.emit(Op::Rot2);
                    self.emit(Op::Pop);
                    self.patch(end);
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                let jf = self.emit(Op::PopJumpIfFalse(0));
                self.expr(body)?;
                let j = self.emit(Op::Jump(0));
                self.patch(jf);
                self.expr(orelse)?;
                self.patch(j);
            }
            ExprKind::Lambda(params, body) => {
                let scope = self.child_scope(e.span, OPEN_LAMBDA);
                self.make_function(
                    params,
                    scope,
                    "<lambda>",
                    e.span,
                    |c| {
                        c.expr(body)?;
                        c.emit(Op::Return);
                        Ok(())
                    },
                    false,
                )?;
            }
            ExprKind::ListComp(elt, gens) => {
                self.comprehension(e.span, gens, CompKind::List(elt))?
            }
            ExprKind::SetComp(elt, gens) => self.comprehension(e.span, gens, CompKind::Set(elt))?,
            ExprKind::DictComp(k, v, gens) => {
                self.comprehension(e.span, gens, CompKind::Dict(k, v))?
            }
            ExprKind::GeneratorExp(elt, gens) => {
                self.comprehension(e.span, gens, CompKind::Gen(elt))?
            }
            ExprKind::Await(x) => {
                self.require_async(e.span, "'await'")?;
                self.expr(x)?;
                self.await_tos(0);
            }
            ExprKind::Yield(v) => {
                self.check_yield(e.span)?;
                match v {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Value::None),
                }
                self.emit(Op::YieldValue);
            }
            ExprKind::YieldFrom(v) => {
                self.check_yield(e.span)?;
                if self.unit().flags.coroutine {
                    return err(e.span, "'yield from' inside async function");
                }
                self.expr(v)?;
                self.emit(Op::GetYieldFromIter);
                self.load_const(Value::None);
                let send = self.emit(Op::Send(0));
                self.emit(Op::YieldValue);
                self.emit(Op::Jump(send as u32));
                self.patch(send);
            }
            ExprKind::NamedExpr(name, value) => {
                self.expr(value)?;
                self.emit(Op::Dup);
                self.store_name(name);
            }
        }
        Ok(())
    }

    fn check_yield(&mut self, span: Span) -> CResult {
        if self.unit().kind != CodeKind::Function {
            return err(span, "'yield' outside function");
        }
        Ok(())
    }

    /// [a, *b, c] → a list on the stack
    fn starred_list(&mut self, items: &'a [Expr]) -> CResult {
        self.emit(Op::BuildList(0));
        for i in items {
            match &i.node {
                ExprKind::Starred(inner) => {
                    self.expr(inner)?;
                    self.emit(Op::ListExtend(1));
                }
                _ => {
                    self.expr(i)?;
                    self.emit(Op::ListAppend(1));
                }
            }
        }
        Ok(())
    }

    fn fstring(&mut self, parts: &'a [FPart]) -> CResult {
        let mut n = 0;
        for p in parts {
            match p {
                FPart::Lit(s) => {
                    if !s.is_empty() {
                        self.load_const(Value::str(s));
                        n += 1;
                    }
                }
                FPart::Expr {
                    expr,
                    conversion,
                    spec,
                    debug_text,
                } => {
                    if let Some(t) = debug_text {
                        self.load_const(Value::str(t));
                        n += 1;
                    }
                    self.expr(expr)?;
                    let mut flags = match conversion {
                        Some('s') => 1,
                        Some('r') => 2,
                        Some('a') => 3,
                        _ => {
                            if debug_text.is_some() && spec.is_none() {
                                2
                            } else {
                                0
                            }
                        }
                    };
                    if let Some(spec) = spec {
                        self.fstring(spec)?;
                        flags |= 4;
                    }
                    self.with_span(expr.span, |c| c.emit(Op::FormatValue(flags)));
                    n += 1;
                }
            }
        }
        if n == 0 {
            self.load_const(Value::str(""));
        } else if n > 1 {
            self.emit(Op::BuildString(n));
        }
        Ok(())
    }

    fn call(&mut self, func: &'a Expr, args: &'a [Arg], span: Span) -> CResult {
        let simple = args.iter().all(|a| matches!(a, Arg::Pos(_)));
        if simple && let ExprKind::Attribute(obj, attr) = &func.node {
            self.expr(obj)?;
            let i = self.attr_index(attr);
            self.with_span(func.span, |c| c.emit(Op::LoadMethod(i)));
            for a in args {
                if let Arg::Pos(e) = a {
                    self.expr(e)?;
                }
            }
            self.with_span(span, |c| c.emit(Op::CallMethod(args.len() as u32)));
            return Ok(());
        }
        self.expr(func)?;
        self.call_with_args(args, 0, span)
    }

    /// The callee (and `already` positional arguments) are on the stack: push `args` and call.
    fn call_with_args(&mut self, args: &'a [Arg], already: u32, span: Span) -> CResult {
        let has_star = args
            .iter()
            .any(|a| matches!(a, Arg::Star(_) | Arg::DoubleStar(_)));
        if !has_star {
            let mut kwnames = Vec::new();
            for a in args {
                match a {
                    Arg::Pos(e) => {
                        if !kwnames.is_empty() {
                            return err(e.span, "positional argument follows keyword argument");
                        }
                        self.expr(e)?;
                    }
                    Arg::Keyword(name, e) => {
                        if kwnames
                            .iter()
                            .any(|k: &Value| k.as_str() == Some(name.node.as_str()))
                        {
                            return err(
                                name.span,
                                format!("keyword argument repeated: {}", name.node),
                            );
                        }
                        self.expr(e)?;
                        kwnames.push(Value::str(&name.node));
                    }
                    _ => {}
                }
            }
            let total = already + args.len() as u32;
            if kwnames.is_empty() {
                self.with_span(span, |c| c.emit(Op::Call(total)));
            } else {
                self.load_const(Value::tuple(kwnames));
                self.with_span(span, |c| c.emit(Op::CallKw(total)));
            }
            return Ok(());
        }
        // General case: build an args tuple and a kwargs dict.
        self.emit(Op::BuildList(already));
        let mut have_kw = false;
        for a in args {
            match a {
                Arg::Pos(e) => {
                    self.expr(e)?;
                    self.emit(Op::ListAppend(1));
                }
                Arg::Star(e) => {
                    self.expr(e)?;
                    self.emit(Op::ListExtend(1));
                }
                _ => {}
            }
        }
        self.emit(Op::ListToTuple);
        for a in args {
            match a {
                Arg::Keyword(name, e) => {
                    if !have_kw {
                        self.emit(Op::BuildMap(0));
                        have_kw = true;
                    }
                    self.load_const(Value::str(&name.node));
                    self.expr(e)?;
                    self.emit(Op::MapAdd(1));
                }
                Arg::DoubleStar(e) => {
                    if !have_kw {
                        self.emit(Op::BuildMap(0));
                        have_kw = true;
                    }
                    self.expr(e)?;
                    self.emit(Op::DictMerge(1));
                }
                _ => {}
            }
        }
        self.with_span(span, |c| c.emit(Op::CallEx(have_kw as u32)));
        Ok(())
    }

    fn comprehension(
        &mut self,
        span: Span,
        gens: &'a [Comprehension],
        kind: CompKind<'a>,
    ) -> CResult {
        let scope = self.child_scope(span, OPEN_COMP);
        let is_async = self.table.scopes[scope].is_async;
        if is_async && !matches!(kind, CompKind::Gen(_)) {
            self.require_async(span, "asynchronous comprehension")?;
        }
        let name = match kind {
            CompKind::List(_) => "<listcomp>",
            CompKind::Set(_) => "<setcomp>",
            CompKind::Dict(..) => "<dictcomp>",
            CompKind::Gen(_) => "<genexpr>",
        };
        let first = &gens[0];
        // The function takes the first iterator as its only argument `.0`.
        self.make_function(
            &EMPTY_PARAMS,
            scope,
            name,
            span,
            |c| {
                c.unit().flags.coroutine = is_async;
                match kind {
                    CompKind::List(_) => {
                        c.emit(Op::BuildList(0));
                    }
                    CompKind::Set(_) => {
                        c.emit(Op::BuildSet(0));
                    }
                    CompKind::Dict(..) => {
                        c.emit(Op::BuildMap(0));
                    }
                    CompKind::Gen(_) => {}
                }
                c.comp_loop(gens, 0, &kind)?;
                if matches!(kind, CompKind::Gen(_)) {
                    c.load_const(Value::None);
                }
                c.emit(Op::Return);
                Ok(())
            },
            false,
        )?;
        if let Some(code) = self.unit().children.last() {
            // Patch argcount: a comprehension's function takes `.0`.
            let code = Rc::clone(code);
            let fixed = Code {
                argcount: 1,
                ..clone_code(&code)
            }
            .seal();
            let u = self.unit();
            let n = u.children.len() - 1;
            u.children[n] = Rc::new(fixed);
        }
        self.expr(&first.iter)?;
        if first.is_async {
            self.emit(Op::GetAIter);
        } else {
            self.emit(Op::GetIter);
        }
        self.emit(Op::Call(1));
        if is_async && !matches!(kind, CompKind::Gen(_)) {
            self.await_tos(0);
        }
        Ok(())
    }

    fn comp_loop(
        &mut self,
        gens: &'a [Comprehension],
        depth: usize,
        kind: &CompKind<'a>,
    ) -> CResult {
        let g = &gens[depth];
        if depth == 0 {
            self.emit(Op::LoadFast(0));
        } else {
            self.expr(&g.iter)?;
            self.emit(if g.is_async {
                Op::GetAIter
            } else {
                Op::GetIter
            });
        }
        let start = self.here();
        let (exit, setup) = if g.is_async {
            let setup = self.emit(Op::SetupExcept(0));
            self.emit(Op::GetANext);
            self.await_tos(1);
            self.emit(Op::PopBlock);
            (None, Some(setup))
        } else {
            (Some(self.emit(Op::ForIter(0))), None)
        };
        self.store(&g.target)?;
        for cond in &g.ifs {
            self.expr(cond)?;
            self.emit(Op::PopJumpIfFalse(start as u32));
        }
        if depth + 1 < gens.len() {
            self.comp_loop(gens, depth + 1, kind)?;
        } else {
            // The result container sits below one iterator per loop.
            let d = (gens.len() + 1) as u32;
            match kind {
                CompKind::List(elt) => {
                    self.expr(elt)?;
                    self.emit(Op::ListAppend(d));
                }
                CompKind::Set(elt) => {
                    self.expr(elt)?;
                    self.emit(Op::SetAdd(d));
                }
                CompKind::Dict(k, v) => {
                    self.expr(k)?;
                    self.expr(v)?;
                    self.emit(Op::MapAdd(d));
                }
                CompKind::Gen(elt) => {
                    self.expr(elt)?;
                    self.emit(Op::YieldValue);
                    self.emit(Op::Pop);
                }
            }
        }
        self.emit(Op::Jump(start as u32));
        if let Some(e) = exit {
            self.patch(e);
        }
        if let Some(s) = setup {
            self.patch(s);
            self.emit(Op::EndAsyncFor);
        }
        Ok(())
    }
}

static EMPTY_PARAMS: Params = Params {
    posonly: Vec::new(),
    args: Vec::new(),
    vararg: None,
    kwonly: Vec::new(),
    kwarg: None,
};

enum CompKind<'a> {
    List(&'a Expr),
    Set(&'a Expr),
    Dict(&'a Expr, &'a Expr),
    Gen(&'a Expr),
}

fn clone_code(c: &Code) -> Code {
    Code {
        name: c.name.clone(),
        qualname: c.qualname.clone(),
        kind: c.kind,
        flags: c.flags,
        ops: c.ops.clone(),
        fast: c.fast.clone(),
        spans: c.spans.clone(),
        consts: c.consts.clone(),
        names: c.names.clone(),
        global_slots: crate::bytecode::global_slots(c.names.len()),
        class_cache: crate::bytecode::class_cache(c.names.len()),
        builtin_slots: crate::bytecode::builtin_slots(c.names.len()),
        varnames: c.varnames.clone(),
        argcount: c.argcount,
        plain_argc: c.plain_argc,
        posonlycount: c.posonlycount,
        kwonlycount: c.kwonlycount,
        cellslots: c.cellslots.clone(),
        freestart: c.freestart,
        children: c.children.clone(),
        source: c.source.clone(),
        span: c.span,
        doc: c.doc.clone(),
    }
}

/// The docstring of a function or class body: a plain string literal as its first statement.
fn docstring(body: &Block) -> Option<&str> {
    match &body.first()?.node {
        StmtKind::Expr(e) => match &e.node {
            ExprKind::Const(Const::Str(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// How an error message names an expression that cannot be assigned to.
fn describe(e: &ExprKind) -> &'static str {
    match e {
        ExprKind::Call(..) => "function call",
        ExprKind::Const(Const::None)
        | ExprKind::Const(Const::True)
        | ExprKind::Const(Const::False) => "keyword",
        ExprKind::Const(_) => "literal",
        ExprKind::FString(_) => "f-string expression",
        ExprKind::BinOp(..) | ExprKind::UnaryOp(..) => "expression",
        ExprKind::BoolOp(..) => "expression",
        ExprKind::Compare(..) => "comparison",
        ExprKind::Lambda(..) => "lambda",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::ListComp(..) => "list comprehension",
        ExprKind::SetComp(..) => "set comprehension",
        ExprKind::DictComp(..) => "dict comprehension",
        ExprKind::GeneratorExp(..) => "generator expression",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::NamedExpr(..) => "named expression",
        _ => "expression",
    }
}
