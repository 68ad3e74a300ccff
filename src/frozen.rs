//! Frozen code: a compiled module tree as bytes, so that the preludes written in aio (the
//! asyncio API, `threading`, `concurrent.futures`) are not lexed, parsed and compiled at
//! every import (CPython freezes its start-up modules for the same reason). Parsing and
//! compiling the asyncio prelude's 38 KB cost about 22 million instructions and 4 ms of a
//! 6 ms `import asyncio`.
//!
//! The bytes are checked in beside each prelude (`PRELUDES`: `prelude.frozen` beside
//! `prelude.py`...). Each blob starts with a hash of the sources that decide what the
//! compiler makes of the preludes (`build.rs` computes it); a blob made from other sources
//! is ignored and its prelude compiled as before, so a stale blob costs time, never
//! behaviour. A test keeps the checked-in blobs current (`AIO_BLESS=1 cargo test --lib
//! frozen` rewrites them).
//!
//! Layout (integers as LEB128 varints unless noted): magic, the sources' hash (8 bytes),
//! a string table (count, then length and UTF-8 bytes each), then the module's code
//! object, each code object holding its children. Strings are indices into the table, so
//! every use of one name shares one `Rc<str>`, as the compiler's interning does.

use std::rc::Rc;

use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::bytecode::{Code, CodeFlags, CodeKind, Op, Source};
use crate::object::PyResult;
use crate::span::Span;
use crate::types::runtime_error;
use crate::value::Value;

const MAGIC: &[u8; 4] = b"AIOF";

/// A prelude written in aio (a module's API above its natives) and its frozen bytecode.
pub struct Prelude {
    /// The file name its code objects and tracebacks show.
    pub name: &'static str,
    pub text: &'static str,
    pub frozen: &'static [u8],
    /// Where the frozen bytes live in the source tree (for the test that rewrites them).
    pub path: &'static str,
}

pub const ASYNCIO: Prelude = Prelude {
    name: "<asyncio>",
    text: include_str!("scheduler/prelude.py"),
    frozen: include_bytes!("scheduler/prelude.frozen"),
    path: "src/scheduler/prelude.frozen",
};

pub const THREADING: Prelude = Prelude {
    name: "<threading>",
    text: include_str!("threads/threading.py"),
    frozen: include_bytes!("threads/threading.frozen"),
    path: "src/threads/threading.frozen",
};

pub const FUTURES: Prelude = Prelude {
    name: "<concurrent.futures>",
    text: include_str!("threads/futures.py"),
    frozen: include_bytes!("threads/futures.frozen"),
    path: "src/threads/futures.frozen",
};

pub const PRELUDES: [&Prelude; 3] = [&ASYNCIO, &THREADING, &FUTURES];

impl Prelude {
    /// Its code: the frozen bytes when they were made from this build's sources, else
    /// compiled from its text.
    pub fn code(&self) -> PyResult<Rc<Code>> {
        let source = Rc::new(Source::new(self.name, self.text));
        match decode(self.frozen, sources_hash(), &source) {
            Some(code) => Ok(code),
            None => self.compile(),
        }
    }

    /// Its code compiled from its text (what the frozen bytes hold).
    pub fn compile(&self) -> PyResult<Rc<Code>> {
        crate::compile(self.name, self.text, false).map_err(|d| {
            runtime_error(format!(
                "internal: the {} prelude failed to compile: {}",
                self.name,
                d.first().map(|x| x.message.as_str()).unwrap_or("")
            ))
        })
    }
}

/// The hash of the compiler's and the prelude's sources this build was made from.
pub fn sources_hash() -> u64 {
    env!("AIO_FROZEN_SOURCES_HASH").parse().unwrap_or(0)
}

// The instructions a compiler emits, by operand shape. The fused forms exist only in
// `Code::fast`, which decoding rebuilds with `fuse`, so they are never encoded.
macro_rules! op_tables {
    (units: [$($u:ident),* $(,)?], args: [$($a:ident),* $(,)?]) => {
        const UNITS: &[Op] = &[$(Op::$u),*];
        const ARGS: &[fn(u32) -> Op] = &[$(Op::$a),*];

        /// The index of `op` in `ARGS` and its operand, if it has one u32 operand.
        fn op_arg(op: Op) -> Option<(usize, u32)> {
            let mut _k = 0usize;
            $(
                if let Op::$a(x) = op {
                    return Some((_k, x));
                }
                _k += 1;
            )*
            None
        }
    };
}

op_tables! {
    units: [
        Nop, Subscr, StoreSubscr, DeleteSubscr, ListToTuple, GetIter, GetAIter, GetANext,
        EndAsyncFor, Pop, PrintExpr, Dup, DupTwo, Rot2, Rot3, Rot4, Return, PopBlock,
        PopExcept, Reraise, CheckExcMatch, YieldValue, AwaitYield, GetYieldFromIter,
        BeforeWith, BeforeAsyncWith, WithExceptStart, LoadBuildClass, LoadLocals, ReturnNone,
    ],
    args: [
        LoadConst, LoadFast, StoreFast, DeleteFast, LoadDeref, StoreDeref, DeleteDeref,
        LoadClosure, LoadGlobal, StoreGlobal, DeleteGlobal, LoadName, StoreName, DeleteName,
        LoadAttr, StoreAttr, DeleteAttr, LoadMethod, CallMethod, Call, CallKw, CallEx,
        BuildSlice, BuildTuple, BuildList, BuildSet, BuildMap, BuildString, FormatValue,
        ListAppend, SetAdd, MapAdd, ListExtend, SetUpdate, DictUpdate, DictMerge,
        UnpackSequence, UnpackEx, Jump, PopJumpIfFalse, PopJumpIfTrue, JumpIfFalseOrPop,
        JumpIfTrueOrPop, ForIter, MakeFunction, SetupExcept, Raise, ImportName, ImportFrom,
        GetAwaitable, Send,
    ]
}

const BINOPS: [BinOp; 13] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::MatMul,
    BinOp::Div,
    BinOp::FloorDiv,
    BinOp::Mod,
    BinOp::Pow,
    BinOp::LShift,
    BinOp::RShift,
    BinOp::BitOr,
    BinOp::BitXor,
    BinOp::BitAnd,
];
const UNARYOPS: [UnaryOp; 4] = [UnaryOp::Not, UnaryOp::Neg, UnaryOp::Pos, UnaryOp::Invert];
const CMPOPS: [CmpOp; 10] = [
    CmpOp::Eq,
    CmpOp::NotEq,
    CmpOp::Lt,
    CmpOp::LtE,
    CmpOp::Gt,
    CmpOp::GtE,
    CmpOp::Is,
    CmpOp::IsNot,
    CmpOp::In,
    CmpOp::NotIn,
];

// Tags after the units' and the u32-operand instructions' own.
const TAG_ARGS: usize = UNITS.len();
const TAG_BINARY: usize = TAG_ARGS + ARGS.len();
const TAG_INPLACE: usize = TAG_BINARY + 1;
const TAG_UNARY: usize = TAG_INPLACE + 1;
const TAG_COMPARE: usize = TAG_UNARY + 1;
const _: () = assert!(TAG_COMPARE < 256);

// Constant tags.
const K_NONE: u8 = 0;
const K_FALSE: u8 = 1;
const K_TRUE: u8 = 2;
const K_INT: u8 = 3;
const K_FLOAT: u8 = 4;
const K_STR: u8 = 5;
const K_BIG: u8 = 6;
const K_TUPLE: u8 = 7;

/// Encode `code` (a module's code object and, within it, all its children).
pub fn encode(code: &Code, hash: u64) -> Result<Vec<u8>, String> {
    let mut w = Writer::default();
    let mut body = Vec::new();
    w.code(code, &mut body)?;
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&hash.to_le_bytes());
    uint(&mut out, w.strings.len() as u64);
    for s in &w.strings {
        uint(&mut out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decode a blob made from the sources this build was made from (`hash`); None if it was
/// made from others, or is damaged. Every code object gets `source`.
pub fn decode(bytes: &[u8], hash: u64, source: &Rc<Source>) -> Option<Rc<Code>> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != MAGIC || u64::from_le_bytes(r.take(8)?.try_into().ok()?) != hash {
        return None;
    }
    let n = r.len()?;
    let mut strings = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.len()?;
        strings.push(Rc::from(std::str::from_utf8(r.take(len)?).ok()?));
    }
    let code = r.code(&strings, source)?;
    (r.at == bytes.len()).then_some(code)
}

fn uint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[derive(Default)]
struct Writer {
    strings: Vec<Rc<str>>,
    index: std::collections::HashMap<Rc<str>, u64>,
}

impl Writer {
    fn string(&mut self, out: &mut Vec<u8>, s: &str) {
        let i = match self.index.get(s) {
            Some(&i) => i,
            None => {
                let rc: Rc<str> = Rc::from(s);
                let i = self.strings.len() as u64;
                self.strings.push(rc.clone());
                self.index.insert(rc, i);
                i
            }
        };
        uint(out, i);
    }

    fn strings(&mut self, out: &mut Vec<u8>, list: &[Rc<str>]) {
        uint(out, list.len() as u64);
        for s in list {
            self.string(out, s);
        }
    }

    fn code(&mut self, c: &Code, out: &mut Vec<u8>) -> Result<(), String> {
        self.string(out, &c.name);
        self.string(out, &c.qualname);
        out.push(match c.kind {
            CodeKind::Module => 0,
            CodeKind::Function => 1,
            CodeKind::Class => 2,
        });
        let f = c.flags;
        out.push(
            f.varargs as u8
                | (f.varkw as u8) << 1
                | (f.generator as u8) << 2
                | (f.coroutine as u8) << 3,
        );
        uint(out, c.ops.len() as u64);
        for &op in &c.ops {
            op_bytes(op, out)?;
        }
        uint(out, c.spans.len() as u64);
        for s in &c.spans {
            uint(out, s.start as u64);
            uint(out, s.end as u64);
        }
        uint(out, c.consts.len() as u64);
        for k in &c.consts {
            self.konst(k, out)?;
        }
        self.strings(out, &c.names);
        self.strings(out, &c.varnames);
        for n in [c.argcount, c.posonlycount, c.kwonlycount, c.freestart] {
            uint(out, n as u64);
        }
        uint(out, c.cellslots.len() as u64);
        for &s in &c.cellslots {
            uint(out, s as u64);
        }
        uint(out, c.span.start as u64);
        uint(out, c.span.end as u64);
        match &c.doc {
            Some(d) => {
                out.push(1);
                self.string(out, d);
            }
            None => out.push(0),
        }
        uint(out, c.children.len() as u64);
        for child in &c.children {
            self.code(child, out)?;
        }
        Ok(())
    }

    fn konst(&mut self, k: &Value, out: &mut Vec<u8>) -> Result<(), String> {
        match k {
            Value::None => out.push(K_NONE),
            Value::Bool(b) => out.push(if *b { K_TRUE } else { K_FALSE }),
            Value::Int(i) => {
                out.push(K_INT);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Value::Float(x) => {
                out.push(K_FLOAT);
                out.extend_from_slice(&x.to_bits().to_le_bytes());
            }
            Value::Str(s) => {
                out.push(K_STR);
                self.string(out, &s.s);
            }
            Value::Big(b) => {
                out.push(K_BIG);
                self.string(out, &b.to_string());
            }
            Value::Tuple(items) => {
                out.push(K_TUPLE);
                uint(out, items.len() as u64);
                for item in items.iter() {
                    self.konst(item, out)?;
                }
            }
            other => return Err(format!("a constant that cannot be frozen: {other:?}")),
        }
        Ok(())
    }
}

fn op_bytes(op: Op, out: &mut Vec<u8>) -> Result<(), String> {
    fn index<T: PartialEq>(all: &[T], x: &T) -> u8 {
        all.iter().position(|y| y == x).unwrap_or(0) as u8
    }
    if let Some(i) = UNITS.iter().position(|&u| u == op) {
        out.push(i as u8);
    } else if let Some((i, x)) = op_arg(op) {
        out.push((TAG_ARGS + i) as u8);
        uint(out, x as u64);
    } else {
        let (tag, operand) = match op {
            Op::Binary(b) => (TAG_BINARY, index(&BINOPS, &b)),
            Op::Inplace(b) => (TAG_INPLACE, index(&BINOPS, &b)),
            Op::Unary(u) => (TAG_UNARY, index(&UNARYOPS, &u)),
            Op::Compare(c) => (TAG_COMPARE, index(&CMPOPS, &c)),
            other => return Err(format!("an instruction the frozen format lacks: {other:?}")),
        };
        out.push(tag as u8);
        out.push(operand);
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn uint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn u32(&mut self) -> Option<u32> {
        self.uint()?.try_into().ok()
    }

    /// A count, bounded by the bytes left (each counted item takes at least one byte).
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn string(&mut self, strings: &[Rc<str>]) -> Option<Rc<str>> {
        strings.get(usize::try_from(self.uint()?).ok()?).cloned()
    }

    fn strings(&mut self, strings: &[Rc<str>]) -> Option<Vec<Rc<str>>> {
        let n = self.len()?;
        (0..n).map(|_| self.string(strings)).collect()
    }

    fn span(&mut self) -> Option<Span> {
        Some(Span {
            start: self.u32()?,
            end: self.u32()?,
        })
    }

    fn op(&mut self) -> Option<Op> {
        let tag = self.byte()? as usize;
        if let Some(&op) = UNITS.get(tag) {
            return Some(op);
        }
        if let Some(make) = ARGS.get(tag.wrapping_sub(TAG_ARGS)) {
            return Some(make(self.u32()?));
        }
        let k = self.byte()? as usize;
        Some(match tag {
            TAG_BINARY => Op::Binary(*BINOPS.get(k)?),
            TAG_INPLACE => Op::Inplace(*BINOPS.get(k)?),
            TAG_UNARY => Op::Unary(*UNARYOPS.get(k)?),
            TAG_COMPARE => Op::Compare(*CMPOPS.get(k)?),
            _ => return None,
        })
    }

    fn konst(&mut self, strings: &[Rc<str>], depth: u32) -> Option<Value> {
        let eight = |r: &mut Self| r.take(8)?.try_into().ok();
        Some(match self.byte()? {
            K_NONE => Value::None,
            K_FALSE => Value::Bool(false),
            K_TRUE => Value::Bool(true),
            K_INT => Value::Int(i64::from_le_bytes(eight(self)?)),
            K_FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(eight(self)?))),
            K_STR => Value::str(&self.string(strings)?),
            K_BIG => Value::big(self.string(strings)?.parse().ok()?),
            K_TUPLE if depth < 8 => {
                let n = self.len()?;
                let items = (0..n)
                    .map(|_| self.konst(strings, depth + 1))
                    .collect::<Option<Vec<_>>>()?;
                Value::tuple(items)
            }
            _ => return None,
        })
    }

    fn code(&mut self, strings: &[Rc<str>], source: &Rc<Source>) -> Option<Rc<Code>> {
        let name = self.string(strings)?;
        let qualname = self.string(strings)?;
        let kind = match self.byte()? {
            0 => CodeKind::Module,
            1 => CodeKind::Function,
            2 => CodeKind::Class,
            _ => return None,
        };
        let bits = self.byte()?;
        let flags = CodeFlags {
            varargs: bits & 1 != 0,
            varkw: bits & 2 != 0,
            generator: bits & 4 != 0,
            coroutine: bits & 8 != 0,
        };
        let n = self.len()?;
        let ops = (0..n).map(|_| self.op()).collect::<Option<Vec<_>>>()?;
        let n = self.len()?;
        let spans = (0..n).map(|_| self.span()).collect::<Option<Vec<_>>>()?;
        let n = self.len()?;
        let consts = (0..n)
            .map(|_| self.konst(strings, 0))
            .collect::<Option<Vec<_>>>()?;
        let names = self.strings(strings)?;
        let varnames = self.strings(strings)?;
        let [argcount, posonlycount, kwonlycount, freestart] =
            [self.u32()?, self.u32()?, self.u32()?, self.u32()?];
        let n = self.len()?;
        let cellslots = (0..n).map(|_| self.u32()).collect::<Option<Vec<_>>>()?;
        let span = self.span()?;
        let doc = match self.byte()? {
            0 => None,
            1 => Some(self.string(strings)?),
            _ => return None,
        };
        let n = self.len()?;
        let children = (0..n)
            .map(|_| self.code(strings, source))
            .collect::<Option<Vec<_>>>()?;
        let nnames = names.len();
        Some(Rc::new(
            Code {
                name,
                qualname,
                kind,
                flags,
                fast: crate::bytecode::fuse(&ops, &consts),
                ops,
                spans,
                consts,
                names,
                global_slots: crate::bytecode::global_slots(nnames),
                class_cache: crate::bytecode::class_cache(nnames),
                builtin_slots: crate::bytecode::builtin_slots(nnames),
                varnames,
                argcount,
                plain_argc: u32::MAX,
                posonlycount,
                kwonlycount,
                cellslots,
                freestart,
                children,
                source: source.clone(),
                span,
                doc,
            }
            .seal(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything decoding rebuilds, in a comparable form: the disassembly shows the
    /// instructions, constants, names and slots of every code object; the rest is listed.
    fn describe(code: &Code) -> String {
        let mut out = crate::disasm::disassemble(code);
        fn fields(c: &Code, out: &mut String) {
            out.push_str(&format!(
                "{} {} {:?} {:?} {:?} {:?} {} {} {} {} {:?} {} {:?} {:?}\n",
                c.name,
                c.qualname,
                c.kind,
                c.flags,
                c.spans,
                c.fast,
                c.argcount,
                c.plain_argc,
                c.posonlycount,
                c.kwonlycount,
                c.cellslots,
                c.freestart,
                c.span,
                c.doc,
            ));
            for child in &c.children {
                fields(child, out);
            }
        }
        fields(code, &mut out);
        // Tuples show their address.
        let address = regex::Regex::new("0x[0-9a-f]+").expect("a valid pattern");
        address.replace_all(&out, "0x").into_owned()
    }

    fn compiled_prelude(p: &Prelude) -> Rc<Code> {
        match p.compile() {
            Ok(code) => code,
            Err(_) => panic!("the {} prelude does not compile", p.name),
        }
    }

    fn compiled(src: &str) -> Rc<Code> {
        match crate::compile("<test>", src, false) {
            Ok(code) => code,
            Err(d) => panic!("does not compile: {}", d[0].message),
        }
    }

    fn roundtrip(code: &Code) -> Rc<Code> {
        let bytes = encode(code, 7).expect("encodes");
        let back = decode(&bytes, 7, &code.source).expect("decodes");
        let (want, got) = (describe(code), describe(&back));
        if let Some((w, g)) = want.lines().zip(got.lines()).find(|(w, g)| w != g) {
            panic!("decoded code differs:\n  compiled: {w}\n  decoded:  {g}");
        }
        assert_eq!(want.len(), got.len());
        assert_eq!(bytes, encode(&back, 7).expect("encodes again"));
        back
    }

    #[test]
    fn the_preludes_decode_to_what_the_compiler_makes() {
        for p in PRELUDES {
            roundtrip(&compiled_prelude(p));
        }
    }

    #[test]
    fn every_kind_of_constant_and_code_object_roundtrips() {
        let src = "\
class C:
    '''doc'''
    x: int = 1
    def m(self, a, /, b=2.5, *args, c, **kw):
        return [i for i in (a, b) if i is not None]
async def f(y=10**30, z=-(2**70)):
    global g
    g = lambda q: q ** 2
    async with y as w:
        async for v in w:
            yield f'{v!r:>{z}}'
    try:
        print(sep='', end='\\n', *(), **{})
    except (ValueError, TypeError) as e:
        raise RuntimeError('中文') from e
    finally:
        del y
def outer():
    n = 0
    def inner():
        nonlocal n
        n += 1
        return ...
    return inner
a, *b, c = range(5)
";
        let code = compiled(src);
        let back = roundtrip(&code);
        // The names of one file share one string, as the compiler's do.
        let first = &back.names[0];
        let again = back
            .children
            .iter()
            .flat_map(|c| c.names.iter())
            .find(|n| n == &first);
        if let Some(again) = again {
            assert!(Rc::ptr_eq(first, again));
        }
    }

    #[test]
    fn a_blob_from_other_sources_or_damaged_is_refused() {
        let code = compiled("def f(x):\n    return x + 1\nprint(f(2))\n");
        let bytes = encode(&code, 1).expect("encodes");
        assert!(decode(&bytes, 1, &code.source).is_some());
        assert!(decode(&bytes, 2, &code.source).is_none());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], 1, &code.source).is_none());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, 1, &code.source).is_none());
    }

    /// The checked-in frozen preludes are the ones this build's sources make: a change to
    /// a prelude, the parser or the compiler needs `AIO_BLESS=1 cargo test --lib frozen`.
    #[test]
    fn the_checked_in_frozen_preludes_are_current() {
        for p in PRELUDES {
            let code = compiled_prelude(p);
            let fresh = encode(&code, sources_hash()).expect("the prelude encodes");
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p.path);
            if std::env::var_os("AIO_BLESS").is_some() {
                std::fs::write(&path, &fresh).expect("writes the frozen prelude");
                continue;
            }
            let stored = std::fs::read(&path).unwrap_or_default();
            assert!(
                stored == fresh,
                "{} was not made from these sources: \
                 run `AIO_BLESS=1 cargo test --lib frozen` and commit it",
                p.path
            );
            assert!(decode(&stored, sources_hash(), &code.source).is_some());
        }
    }
}
