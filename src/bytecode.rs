//! The instruction set and code objects.
//!
//! Each `Op` is at most 8 bytes. The `///` line on each variant gives its stack effect,
//! written `before → after` with the top of the stack on the right.

use std::cell::Cell;
use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::span::Span;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// → (nothing)
    Nop,
    /// → consts[i]
    LoadConst(u32),
    /// → locals[i] (UnboundLocalError when unset)
    LoadFast(u32),
    /// v → ; locals[i] = v
    StoreFast(u32),
    /// → ; locals[i] = unbound
    DeleteFast(u32),
    /// → contents of the cell in slot i
    LoadDeref(u32),
    /// v → ; cell in slot i := v
    StoreDeref(u32),
    /// → ; empty the cell in slot i
    DeleteDeref(u32),
    /// → the cell object in slot i (to build a closure)
    LoadClosure(u32),
    /// → globals[names[i]] or builtins[names[i]]
    LoadGlobal(u32),
    /// v → ; globals[names[i]] = v
    StoreGlobal(u32),
    /// → ; del globals[names[i]]
    DeleteGlobal(u32),
    /// → the class namespace's, the globals' or the builtins' names[i] (class bodies)
    LoadName(u32),
    /// v → ; namespace[names[i]] = v
    StoreName(u32),
    /// → ; del namespace[names[i]]
    DeleteName(u32),
    /// obj → obj.names[i]
    LoadAttr(u32),
    /// v obj → ; obj.names[i] = v
    StoreAttr(u32),
    /// obj → ; del obj.names[i]
    DeleteAttr(u32),
    /// obj → method obj  |  bound-attribute Undef (see CallMethod)
    LoadMethod(u32),
    /// method self a1..an → result  (self may be Undef: then a plain call)
    CallMethod(u32),
    /// f a1..an → f(a1..an)
    Call(u32),
    /// f a1..an names → result: the last len(names) arguments are keywords named by the tuple
    CallKw(u32),
    /// f args-tuple [kwargs-dict] → result (flag 1: a kwargs dict is present)
    CallEx(u32),
    /// a b → a op b
    Binary(BinOp),
    /// a b → a op= b (in-place where the type supports it)
    Inplace(BinOp),
    /// a → op a
    Unary(UnaryOp),
    /// a b → a cmp b
    Compare(CmpOp),
    /// obj key → obj[key]
    Subscr,
    /// v obj key → ; obj[key] = v
    StoreSubscr,
    /// obj key → ; del obj[key]
    DeleteSubscr,
    /// lo hi → slice  |  lo hi step → slice (n = 2 or 3)
    BuildSlice(u32),
    /// v1..vn → (v1, .., vn)
    BuildTuple(u32),
    /// v1..vn → [v1, .., vn]
    BuildList(u32),
    /// v1..vn → {v1, .., vn}
    BuildSet(u32),
    /// k1 v1 .. kn vn → {k1: v1, ..}
    BuildMap(u32),
    /// s1..sn → s1 + .. + sn (f-string pieces)
    BuildString(u32),
    /// v [spec] → formatted str; flags: bits 0-1 conversion (0 none, 1 str, 2 repr, 3 ascii), bit 2 spec present
    FormatValue(u32),
    /// list .. (i-1 more) v → list .. : append v to the list i deep
    ListAppend(u32),
    /// set .. v → set ..
    SetAdd(u32),
    /// dict .. k v → dict ..
    MapAdd(u32),
    /// list .. it → list .. : extend the list i deep by an iterable
    ListExtend(u32),
    /// set .. it → set ..
    SetUpdate(u32),
    /// dict .. m → dict .. : update from a mapping
    DictUpdate(u32),
    /// dict .. m → dict .. : like DictUpdate, but a repeated key is a TypeError (f(**a, **b))
    DictMerge(u32),
    /// list → tuple
    ListToTuple,
    /// seq → vn .. v1 (exactly n items)
    UnpackSequence(u32),
    /// seq → after.. list before.. : low 16 bits `before`, high 16 bits `after` (a, *b, c = seq)
    UnpackEx(u32),
    /// → ; ip = target
    Jump(u32),
    /// v → ; jump if falsy
    PopJumpIfFalse(u32),
    /// v → ; jump if truthy
    PopJumpIfTrue(u32),
    /// v → v (and jump) if falsy, else → (and fall through)
    JumpIfFalseOrPop(u32),
    /// v → v (and jump) if truthy, else → (and fall through)
    JumpIfTrueOrPop(u32),
    /// obj → iter(obj)
    GetIter,
    /// it → it next  |  it → (and jump to target when exhausted)
    ForIter(u32),
    /// obj → obj.__aiter__()
    GetAIter,
    /// aiter → aiter awaitable-of-next
    GetANext,
    /// aiter exc → : ends an `async for` when exc is StopAsyncIteration, else re-raises it
    EndAsyncFor,
    /// v →
    Pop,
    /// v →  (interactive input only: echo `repr(v)` unless it is None, and bind `_`)
    PrintExpr,
    /// v → v v
    Dup,
    /// a b → a b a b
    DupTwo,
    /// a b → b a
    Rot2,
    /// a b c → c a b
    Rot3,
    /// a b c d → d a b c
    Rot4,
    /// [defaults] [kwdefaults] [closure] → function: low 24 bits index into `children`,
    /// bit 24 defaults tuple, bit 25 kwdefaults dict, bit 26 closure tuple
    MakeFunction(u32),
    /// v → (returns v to the caller)
    Return,
    /// → ; push an exception handler at target (for try/except, finally and with)
    SetupExcept(u32),
    /// → ; pop the innermost handler block
    PopBlock,
    /// → ; leave an `except` clause (restores the previously handled exception)
    PopExcept,
    /// [exc [cause]] → raises (n = 0: re-raise the handled exception)
    Raise(u32),
    /// exc → re-raises exc keeping its traceback
    Reraise,
    /// exc type → exc bool
    CheckExcMatch,
    /// → module
    ImportName(u32),
    /// module → module module.names[i]
    ImportFrom(u32),
    /// v → sent value (suspends the generator)
    YieldValue,
    /// v → sent value (passes a yielded value up to the task running this coroutine)
    AwaitYield,
    /// obj → awaitable (coroutine, future, or iterator from __await__); flag 1 if the
    /// await is the `__aenter__` / `__aexit__` / `__anext__` of a statement
    GetAwaitable(u32),
    /// obj → iterator for `yield from`
    GetYieldFromIter,
    /// sub v → sub y  (sub yielded y)  |  sub v → r (sub returned r; jump to target)
    Send(u32),
    /// mgr → exit enter-result
    BeforeWith,
    /// mgr → aexit aenter-awaitable
    BeforeAsyncWith,
    /// exit exc → exit exc result-of-exit(type, exc, tb)
    WithExceptStart,
    /// → (a builtin class body helper) : pushes the `__build_class__` builtin
    LoadBuildClass,
    /// fill `locals()` of class bodies: → namespace dict
    LoadLocals,
    /// a frame-ending marker used by class bodies and module code: → (stops execution)
    ReturnNone,

    // Fused forms: only in `Code::fast` (see `fuse`), never in `ops`, so the disassembler,
    // tracebacks and `step` never see them. Each stands for the instruction at its index and
    // the next ones, which keep their own entries there (a jump may land on any of them).
    /// LOAD_FAST a; LOAD_CONST c; BINARY op (or INPLACE op: the same for ints)
    FastConstBinary(u16, u16, BinOp),
    /// FOR_ITER target; STORE_FAST a: the head of `for a in range(...)`
    ForIterStore(u16, u32),
    /// LOAD_FAST a; LOAD_CONST c; COMPARE op; POP_JUMP_IF_FALSE (target in `ops`)
    FastConstCompareJump(u16, u16, CmpOp),
    /// COMPARE op; POP_JUMP_IF_FALSE target
    CompareJump(CmpOp, u32),
    /// LOAD_FAST a; RETURN
    ReturnFast(u32),
    /// LOAD_GLOBAL g; LOAD_METHOD m; LOAD_CONST c; CALL_METHOD 1; GET_AWAITABLE;
    /// LOAD_CONST None; SEND: `await module.f(constant)`, as `await asyncio.sleep(1)`. The
    /// lane stops at it as at its LOAD_GLOBAL, and `run` has `await_module_call` run
    /// `asyncio.sleep`'s await at once (anything else as the plain instructions).
    AwaitModuleConst(u16, u16, u16),
    /// The same with LOAD_FAST a for the argument: `await asyncio.sleep(delay)`.
    AwaitModuleFast(u16, u16, u16),
}

const _: () = assert!(std::mem::size_of::<Op>() == 8);

/// The fast lane's copy of `ops`: common instruction sequences fused into one entry at the
/// index of their first instruction (the run_fast loop in vm/exec.rs executes them).
pub fn fuse(ops: &[Op], consts: &[Value]) -> Box<[Op]> {
    let mut fast: Vec<Op> = ops.to_vec();
    let small = |i: u32| u16::try_from(i).ok();
    for (i, f) in fast.iter_mut().enumerate() {
        *f = match ops[i..] {
            [
                Op::LoadFast(a),
                Op::LoadConst(c),
                Op::Compare(op),
                Op::PopJumpIfFalse(_),
                ..,
            ] if fusable_compare(op) => match (small(a), small(c)) {
                (Some(a), Some(c)) => Op::FastConstCompareJump(a, c, op),
                _ => continue,
            },
            [
                Op::LoadFast(a),
                Op::LoadConst(c),
                Op::Binary(op) | Op::Inplace(op),
                ..,
            ] => match (small(a), small(c)) {
                (Some(a), Some(c)) => Op::FastConstBinary(a, c, op),
                _ => continue,
            },
            [Op::Compare(op), Op::PopJumpIfFalse(t), ..] if fusable_compare(op) => {
                Op::CompareJump(op, t)
            }
            [Op::LoadFast(a), Op::Return, ..] => Op::ReturnFast(a),
            [
                Op::LoadGlobal(g),
                Op::LoadMethod(m),
                arg @ (Op::LoadConst(_) | Op::LoadFast(_)),
                Op::CallMethod(1),
                Op::GetAwaitable(_),
                Op::LoadConst(k),
                Op::Send(_),
                ..,
            ] if consts.get(k as usize).is_some_and(Value::is_none) => {
                match (small(g), small(m), arg) {
                    (Some(g), Some(m), Op::LoadConst(c)) => match small(c) {
                        Some(c) => Op::AwaitModuleConst(g, m, c),
                        None => continue,
                    },
                    (Some(g), Some(m), Op::LoadFast(a)) => match small(a) {
                        Some(a) => Op::AwaitModuleFast(g, m, a),
                        None => continue,
                    },
                    _ => continue,
                }
            }
            [Op::ForIter(t), Op::StoreFast(a), ..] => match small(a) {
                Some(a) => Op::ForIterStore(a, t),
                None => continue,
            },
            _ => continue,
        };
    }
    fast.into_boxed_slice()
}

/// The comparisons the fused forms run (the rest would always miss).
fn fusable_compare(op: CmpOp) -> bool {
    !matches!(op, CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn)
}

/// What a compiled unit is: module code, a function body, a class body, a comprehension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Module,
    Function,
    Class,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeFlags {
    pub varargs: bool,
    pub varkw: bool,
    pub generator: bool,
    pub coroutine: bool,
}

/// The source a code object came from (shared by all code objects of one file).
pub struct Source {
    pub name: String,
    pub text: String,
    /// Byte offsets where each line starts, built on first use: tracebacks and task reprs
    /// ask for line numbers in the (large) asyncio prelude, and a scan per question cost
    /// O(file) each time.
    line_starts: std::cell::OnceCell<Vec<u32>>,
}

impl Source {
    pub fn new(name: &str, text: &str) -> Source {
        Source {
            name: name.to_string(),
            text: text.to_string(),
            line_starts: Default::default(),
        }
    }

    /// The 1-based line of a byte offset (what `span::line_col(..).0` computes, by bisection).
    pub fn line(&self, offset: usize) -> usize {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i as u32 + 1))
                .collect()
        });
        starts.partition_point(|&s| s as usize <= offset.min(self.text.len()))
    }
}

pub struct Code {
    pub name: Rc<str>,
    pub qualname: Rc<str>,
    pub kind: CodeKind,
    pub flags: CodeFlags,
    pub ops: Vec<Op>,
    /// `ops` with fused forms for the fast lane (`fuse`): same length and jump targets.
    pub fast: Box<[Op]>,
    /// `spans[i]` is the source span of `ops[i]`.
    pub spans: Vec<Span>,
    pub consts: Vec<Value>,
    pub names: Vec<Rc<str>>,
    /// Per name: the index in the globals map where LOAD_GLOBAL / STORE_GLOBAL last found
    /// it (`NO_SLOT`: not yet). Only a hint, checked against the key stored at that index,
    /// so a `del` that shifts the map's entries costs a miss, never a wrong value.
    pub global_slots: Box<[Cell<u32>]>,
    /// Per name: the class (its address) and the `object::class_epoch` for which
    /// LOAD_ATTR / STORE_ATTR of that name on an instance found that the class holds no
    /// property of that name and the instance is a plain object: the attribute is then
    /// the instance's own, read or written through its `global_slots` hint.
    pub class_cache: Box<[Cell<(usize, u64)>]>,
    /// Per name: the `object::module_names_epoch` at which LOAD_GLOBAL found that name
    /// among the builtins and not in its module, and the builtins slot it was in (epoch
    /// 0: never). While the epoch holds, no module has gained a name, so the module still
    /// lacks it; the slot is checked against the key stored there.
    pub builtin_slots: Box<[Cell<(u64, u32)>]>,
    /// Local slot names: parameters first, then other locals, then cells, then free variables.
    pub varnames: Vec<Rc<str>>,
    pub argcount: u32,
    /// `argcount` if a call with that many positional arguments can enter this code with
    /// them left where they are on the stack (they become the first local slots), else
    /// `u32::MAX`: set by `seal` (a function copies it: `Function::plain_argc`).
    pub plain_argc: u32,
    pub posonlycount: u32,
    pub kwonlycount: u32,
    /// Slots that hold cells made by this code (its variables captured by inner code); a
    /// parameter's cell wraps the argument value in place when the frame starts.
    pub cellslots: Vec<u32>,
    /// First slot of the free variables (cells received from the enclosing function's closure).
    pub freestart: u32,
    pub children: Vec<Rc<Code>>,
    pub source: Rc<Source>,
    pub span: Span,
    /// The docstring: a string literal as the first statement of a function body.
    pub doc: Option<Rc<str>>,
}

/// Empty `Code::class_cache` entries for `n` names.
pub fn class_cache(n: usize) -> Box<[Cell<(usize, u64)>]> {
    (0..n).map(|_| Cell::new((0, 0))).collect()
}

/// Empty `Code::builtin_slots` entries for `n` names.
pub fn builtin_slots(n: usize) -> Box<[Cell<(u64, u32)>]> {
    (0..n).map(|_| Cell::new((0, 0))).collect()
}

/// An empty `Code::global_slots` entry.
pub const NO_SLOT: u32 = u32::MAX;

/// Empty global slot hints for `n` names.
pub fn global_slots(n: usize) -> Box<[Cell<u32>]> {
    (0..n).map(|_| Cell::new(NO_SLOT)).collect()
}

impl Code {
    /// The source span of instruction `ip` (an empty span past the end).
    pub fn span_at(&self, ip: usize) -> Span {
        self.spans.get(ip).copied().unwrap_or_default()
    }

    pub fn nslots(&self) -> usize {
        self.varnames.len()
    }

    pub fn is_generatorlike(&self) -> bool {
        self.flags.generator || self.flags.coroutine
    }

    /// Room beyond its slots for the values a generator's or coroutine's frame pushes, in
    /// the vector that carries its slots. A coroutine run by a task keeps that vector as its
    /// stack (one awaited by a coroutine runs on its awaiter's): one value, which a fused
    /// `await asyncio.sleep(d)` and `return x` need, keeps a million sleeping tasks' stacks
    /// in 32-byte blocks; a task that pushes more grows it once or twice in its life. A
    /// generator gets three (a call with one argument), which saves growing it at its first
    /// step.
    pub fn stack_room(&self) -> usize {
        match (self.flags.coroutine, self.flags.generator) {
            (true, false) => 1,
            (false, false) => 0,
            _ => 3,
        }
    }

    /// Compute the fields derived from the others (`plain_argc`); every code object is
    /// sealed once its fields are final.
    pub fn seal(mut self) -> Code {
        let plain = self.flags == CodeFlags::default()
            && self.kwonlycount == 0
            && self.cellslots.is_empty();
        self.plain_argc = if plain { self.argcount } else { u32::MAX };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn source_line_agrees_with_line_col_at_every_offset() {
        let text = "a = 1\n\nprint('准备调用func')\n  x\nlast";
        let src = Source::new("t", text);
        for offset in 0..=text.len() + 3 {
            assert_eq!(
                src.line(offset),
                crate::span::line_col(text, offset).0,
                "offset {offset}"
            );
        }
    }
}
