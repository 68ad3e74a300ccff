//! A readable disassembly of code objects, for `aio dis` and for students.

use std::fmt::Write as _;

use crate::bytecode::{Code, Op};

/// Disassemble `code` and every code object nested in it.
pub fn disassemble(code: &Code) -> String {
    let mut out = String::new();
    dis_one(code, &mut out);
    out
}

fn dis_one(code: &Code, out: &mut String) {
    let _ = writeln!(
        out,
        "Disassembly of <code {}> ({} slots: {}):",
        code.qualname,
        code.varnames.len(),
        code.varnames.join(", ")
    );
    let mut last_line = 0;
    for (i, op) in code.ops.iter().enumerate() {
        let span = code.span_at(i);
        let line = code.source.line(span.start as usize);
        let line_col_text = if line != last_line {
            last_line = line;
            format!("{line:>4}")
        } else {
            "    ".to_string()
        };
        let (name, arg, meaning) = describe(code, op);
        let _ = writeln!(out, "{line_col_text} {i:>6} {name:<20} {arg:<6} {meaning}");
    }
    for c in &code.children {
        out.push('\n');
        dis_one(c, out);
    }
}

fn name_of(op: &Op) -> String {
    // `LoadConst(3)` → `LOAD_CONST`
    let dbg = format!("{op:?}");
    let base = dbg.split('(').next().unwrap_or("");
    let mut s = String::new();
    for (i, c) in base.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_uppercase());
    }
    s
}

/// One helper per operand shape: constant, name, local slot, jump target, count.
fn describe(code: &Code, op: &Op) -> (String, String, String) {
    let name = name_of(op);
    let konst = |i: u32| {
        code.consts
            .get(i as usize)
            .map(|v| format!("({v:?})"))
            .unwrap_or_default()
    };
    let nm = |i: u32| {
        code.names
            .get(i as usize)
            .map(|n| format!("({n})"))
            .unwrap_or_default()
    };
    let slot = |i: u32| {
        code.varnames
            .get(i as usize)
            .map(|n| format!("({n})"))
            .unwrap_or_default()
    };
    let (arg, meaning) = match *op {
        Op::LoadConst(i) => (i.to_string(), konst(i)),
        Op::LoadFast(i)
        | Op::StoreFast(i)
        | Op::DeleteFast(i)
        | Op::LoadDeref(i)
        | Op::StoreDeref(i)
        | Op::DeleteDeref(i)
        | Op::LoadClosure(i) => (i.to_string(), slot(i)),
        Op::LoadGlobal(i)
        | Op::StoreGlobal(i)
        | Op::DeleteGlobal(i)
        | Op::LoadName(i)
        | Op::StoreName(i)
        | Op::DeleteName(i)
        | Op::LoadAttr(i)
        | Op::StoreAttr(i)
        | Op::DeleteAttr(i)
        | Op::LoadMethod(i)
        | Op::ImportName(i)
        | Op::ImportFrom(i) => (i.to_string(), nm(i)),
        Op::Jump(t)
        | Op::PopJumpIfFalse(t)
        | Op::PopJumpIfTrue(t)
        | Op::JumpIfFalseOrPop(t)
        | Op::JumpIfTrueOrPop(t)
        | Op::ForIter(t)
        | Op::SetupExcept(t)
        | Op::Send(t) => (t.to_string(), format!("(to {t})")),
        Op::Binary(b) | Op::Inplace(b) => {
            (String::new(), format!("({})", crate::vm::binop_name(b)))
        }
        Op::Compare(c) => (String::new(), format!("({c:?})")),
        Op::Unary(u) => (String::new(), format!("({u:?})")),
        Op::MakeFunction(a) => {
            let idx = a & 0xff_ffff;
            let child = code
                .children
                .get(idx as usize)
                .map(|c| format!("(<code {}>)", c.qualname))
                .unwrap_or_default();
            (idx.to_string(), child)
        }
        Op::Call(n)
        | Op::CallKw(n)
        | Op::CallMethod(n)
        | Op::BuildTuple(n)
        | Op::BuildList(n)
        | Op::BuildSet(n)
        | Op::BuildMap(n)
        | Op::BuildString(n)
        | Op::UnpackSequence(n)
        | Op::Raise(n)
        | Op::BuildSlice(n)
        | Op::ListAppend(n)
        | Op::SetAdd(n)
        | Op::MapAdd(n)
        | Op::ListExtend(n)
        | Op::SetUpdate(n)
        | Op::DictUpdate(n)
        | Op::DictMerge(n)
        | Op::CallEx(n)
        | Op::FormatValue(n)
        | Op::GetAwaitable(n) => (n.to_string(), String::new()),
        Op::UnpackEx(a) => (
            a.to_string(),
            format!("({} before, {} after)", a & 0xffff, a >> 16),
        ),
        _ => (String::new(), String::new()),
    };
    (name, arg, meaning)
}
