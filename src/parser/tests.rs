use super::*;
use crate::ast::*;

fn ok(src: &str) -> Block {
    match parse(src) {
        Ok(b) => b,
        Err(e) => panic!("parse failed for {src:?}: {e:?}"),
    }
}

fn expr(src: &str) -> Expr {
    match ok(src).remove(0).node {
        StmtKind::Expr(e) => e,
        s => panic!("not an expression statement: {s:?}"),
    }
}

fn first_err(src: &str) -> SyntaxError {
    match parse(src) {
        Ok(b) => panic!("expected an error for {src:?}, got {b:?}"),
        Err(mut e) => e.remove(0),
    }
}

fn msg(src: &str) -> String {
    first_err(src).message
}

/// A compact rendering of an expression's shape, for precedence tests.
fn show(e: &Expr) -> String {
    use ExprKind::*;
    match &e.node {
        Name(n) => n.clone(),
        Const(crate::ast::Const::Int(i)) => i.to_string(),
        Const(c) => format!("{c:?}"),
        BinOp(a, op, b) => format!("({} {op:?} {})", show(a), show(b)),
        UnaryOp(op, a) => format!("({op:?} {})", show(a)),
        BoolOp(op, v) => format!(
            "({op:?} {})",
            v.iter().map(show).collect::<Vec<_>>().join(" ")
        ),
        Compare(a, ops) => {
            let mut s = format!("(cmp {}", show(a));
            for (op, b) in ops {
                s.push_str(&format!(" {op:?} {}", show(b)));
            }
            s + ")"
        }
        IfExp { test, body, orelse } => {
            format!("(if {} {} {})", show(test), show(body), show(orelse))
        }
        Await(a) => format!("(await {})", show(a)),
        Call(f, args) => format!("(call {} {})", show(f), args.len()),
        Attribute(a, n) => format!("{}.{n}", show(a)),
        Tuple(v) => format!(
            "(tuple {})",
            v.iter().map(show).collect::<Vec<_>>().join(" ")
        ),
        Starred(a) => format!("*{}", show(a)),
        NamedExpr(n, v) => format!("({n} := {})", show(v)),
        Lambda(_, b) => format!("(lambda {})", show(b)),
        other => format!("{other:?}"),
    }
}

fn shape(src: &str) -> String {
    show(&expr(src))
}

#[test]
fn precedence() {
    assert_eq!(shape("-2**2"), "(Neg (2 Pow 2))");
    assert_eq!(shape("2**-1"), "(2 Pow (Neg 1))");
    assert_eq!(shape("2**3**2"), "(2 Pow (3 Pow 2))");
    assert_eq!(shape("not a == b"), "(Not (cmp a Eq b))");
    assert_eq!(shape("a if b else c or d"), "(if b a (Or c d))");
    assert_eq!(shape("1 + 2 * 3 - 4"), "((1 Add (2 Mul 3)) Sub 4)");
    assert_eq!(
        shape("a | b ^ c & d << 1"),
        "(a BitOr (b BitXor (c BitAnd (d LShift 1))))"
    );
    assert_eq!(shape("a or b and not c"), "(Or a (And b (Not c)))");
    assert_eq!(shape("a and b and c"), "(And a b c)");
    assert_eq!(shape("await x ** 2"), "((await x) Pow 2)");
    assert_eq!(shape("-x.y(1)"), "(Neg (call x.y 1))");
    assert_eq!(shape("lambda: a if b else c"), "(lambda (if b a c))");
    assert_eq!(
        shape("~a // b % c @ d"),
        "((((Invert a) FloorDiv b) Mod c) MatMul d)"
    );
}

#[test]
fn chained_comparison() {
    assert_eq!(shape("a < b <= c"), "(cmp a Lt b LtE c)");
    assert_eq!(shape("a not in b is not c"), "(cmp a NotIn b IsNot c)");
    assert_eq!(shape("a is b in c != d"), "(cmp a Is b In c NotEq d)");
}

#[test]
fn tuples_and_targets() {
    let b = ok("x = 1, 2\na, *b = c\nfor k, v in d.items(): pass\nreturn_ = a, b\n");
    assert_eq!(b.len(), 4);
    match &b[1].node {
        StmtKind::Assign(t, _) => assert_eq!(show(&t[0]), "(tuple a *b)"),
        s => panic!("{s:?}"),
    }
    match &b[2].node {
        StmtKind::For { target, .. } => assert_eq!(show(target), "(tuple k v)"),
        s => panic!("{s:?}"),
    }
    let b = ok("a = b = 3\n");
    assert!(matches!(&b[0].node, StmtKind::Assign(t, _) if t.len() == 2));
    let b = ok("x: int = 1\ny += 2\nz: list\n");
    assert!(matches!(b[0].node, StmtKind::AnnAssign(_, _, Some(_))));
    assert!(matches!(b[1].node, StmtKind::AugAssign(_, BinOp::Add, _)));
    assert!(matches!(b[2].node, StmtKind::AnnAssign(_, _, None)));
    assert_eq!(shape("(x := 5)"), "(x := 5)");
    assert_eq!(shape("(1,)"), "(tuple 1)");
    assert_eq!(shape("()"), "(tuple )");
    assert_eq!(shape("(1)"), "1");
}

#[test]
fn statements() {
    let src = "\
import a.b as c, d
from ..m import (x as y, z,)
from . import *
from m import q
@dec
@dec2(1)
async def f(a, b=1, /, c=2, *args, d, e=3, **kw) -> int:
    global g
    nonlocal h
    x = yield y
    yield from z
    await w
    async for i in j:
        pass
    async with a as b, c:
        pass
    return a, b
class C(B, metaclass=M):
    def m(self, *, k): ...
try:
    pass
except (A, B) as e:
    raise X from e
except C:
    raise
except:
    pass
else:
    pass
finally:
    del a, b[0], c.d
while x:
    break
else:
    continue
if a:
    pass
elif b:
    pass
else:
    assert x, 'm'
with open(f) as g: pass
x = [i for i in y if i if not i for j in i]
y = {k: v for k, v in z}
z = {*a, 1}
w = {**a, 'b': 1,}
v = f(x for x in y)
u = f(*a, k=1, **kw)
t = a[1:2:3], a[::2], a[1:2, 3], d['k']
s = lambda x, *y, **z: x
r = ...
"
    .to_string();
    let b = ok(&src);
    assert_eq!(b.len(), 19);
    match &b[4].node {
        StmtKind::FunctionDef(f) => {
            assert!(f.is_async);
            assert_eq!(f.decorators.len(), 2);
            assert_eq!(f.params.posonly.len(), 2);
            assert_eq!(f.params.args.len(), 1);
            assert!(f.params.vararg.is_some());
            assert_eq!(f.params.kwonly.len(), 2);
            assert!(f.params.kwarg.is_some());
            assert!(f.returns.is_some());
            assert_eq!(f.body.len(), 8);
        }
        s => panic!("{s:?}"),
    }
    match &b[1].node {
        StmtKind::ImportFrom { level, names, .. } => {
            assert_eq!(*level, 2);
            assert_eq!(names.len(), 2);
        }
        s => panic!("{s:?}"),
    }
    match &b[6].node {
        StmtKind::Try { handlers, .. } => assert_eq!(handlers.len(), 3),
        s => panic!("{s:?}"),
    }
    // The if/elif/else becomes nested Ifs.
    match &b[8].node {
        StmtKind::If(_, _, orelse) => {
            assert!(matches!(&orelse[0].node, StmtKind::If(_, _, e) if e.len() == 1))
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn spans() {
    let src = "x = 1\nif a + b:\n    pass\n";
    let b = ok(src);
    assert_eq!(&src[b[0].span.range()], "x = 1");
    assert_eq!(&src[b[1].span.range()], "if a + b");
    match &b[1].node {
        StmtKind::If(t, body, _) => {
            assert_eq!(&src[t.span.range()], "a + b");
            assert_eq!(&src[body[0].span.range()], "pass");
        }
        s => panic!("{s:?}"),
    }
    let src = "f(a)[1].b";
    assert_eq!(&src[expr(src).span.range()], src);
}

#[test]
fn strings_concatenate() {
    assert_eq!(
        expr("'a' \"b\"").node,
        ExprKind::Const(Const::Str("ab".into()))
    );
    assert_eq!(
        expr("b'a' b'b'").node,
        ExprKind::Const(Const::Bytes(b"ab".to_vec()))
    );
    assert_eq!(msg("'a' b'b'"), "cannot mix bytes and nonbytes literals");
    match expr("'a' f'{x}' 'c'").node {
        ExprKind::FString(p) => {
            assert_eq!(p.len(), 3);
            assert_eq!(p[0], FPart::Lit("a".into()));
            assert_eq!(p[2], FPart::Lit("c".into()));
        }
        e => panic!("{e:?}"),
    }
}

fn fparts(src: &str) -> Vec<FPart> {
    match expr(src).node {
        ExprKind::FString(p) => p,
        e => panic!("{e:?}"),
    }
}

#[test]
fn fstrings() {
    let src = "f'a{x + 1}b{{c}}'";
    let p = fparts(src);
    assert_eq!(p.len(), 3);
    match &p[1] {
        FPart::Expr { expr, .. } => assert_eq!(&src[expr.span.range()], "x + 1"),
        e => panic!("{e:?}"),
    }
    assert_eq!(p[2], FPart::Lit("b{c}".into()));

    let src = "f'{x!r:>10}'";
    match &fparts(src)[0] {
        FPart::Expr {
            conversion, spec, ..
        } => {
            assert_eq!(*conversion, Some('r'));
            assert_eq!(spec.as_deref(), Some(&[FPart::Lit(">10".into())][..]));
        }
        e => panic!("{e:?}"),
    }

    let src = "f'{x:{width}.{prec}f}'";
    match &fparts(src)[0] {
        FPart::Expr { spec: Some(s), .. } => {
            assert_eq!(s.len(), 4);
            match &s[0] {
                FPart::Expr { expr, .. } => assert_eq!(&src[expr.span.range()], "width"),
                e => panic!("{e:?}"),
            }
            assert_eq!(s[3], FPart::Lit("f".into()));
        }
        e => panic!("{e:?}"),
    }

    let src = "f'{ x = }'";
    match &fparts(src)[0] {
        FPart::Expr {
            debug_text,
            conversion,
            ..
        } => {
            assert_eq!(debug_text.as_deref(), Some(" x = "));
            assert_eq!(*conversion, Some('r'));
        }
        e => panic!("{e:?}"),
    }
    match &fparts("f'{x=:.2f}'")[0] {
        FPart::Expr { conversion, .. } => assert_eq!(*conversion, None),
        e => panic!("{e:?}"),
    }
    // Nested quotes, `!=`, dict subscripts, and a multi-line expression.
    fparts("f\"{d['k']}{a != b}{x:,}{y:.2f}\"");
    fparts("f'''{\n  a +\n  b\n}'''");
    // Spans of a nested f-string point into the original source.
    let src = "x = 1; f'{f\"{y}\"}'";
    let b = ok(src);
    let StmtKind::Expr(e) = &b[1].node else {
        panic!()
    };
    let ExprKind::FString(p) = &e.node else {
        panic!()
    };
    let FPart::Expr { expr, .. } = &p[0] else {
        panic!()
    };
    let ExprKind::FString(p2) = &expr.node else {
        panic!()
    };
    let FPart::Expr { expr: y, .. } = &p2[0] else {
        panic!()
    };
    assert_eq!(&src[y.span.range()], "y");

    assert_eq!(msg("f'{}'"), "f-string: empty expression not allowed");
    assert_eq!(msg("f'}'"), "f-string: single '}' is not allowed");
    assert_eq!(msg("f'{x'"), "f-string: expecting '}'");
    assert_eq!(
        msg("f'{a\\n}'"),
        "f-string expression part cannot include a backslash"
    );
    assert_eq!(msg("f'{a)}'"), "f-string: unmatched ')'");
    assert!(msg("f'{x!z}'").contains("invalid conversion character"));
    assert!(msg("f'{a b}'").starts_with("f-string: "));
}

#[test]
fn error_messages() {
    assert_eq!(msg("x = = 1\n"), "expected an expression");
    assert_eq!(msg("if x\n    pass\n"), "expected ':'");
    assert_eq!(
        msg("x = 1\n\n\nif x:\npass\n"),
        "expected an indented block after 'if' statement on line 4"
    );
    assert_eq!(
        msg("def f():\nreturn 1\n"),
        "expected an indented block after function definition on line 1"
    );
    assert_eq!(
        msg("class C:\n"),
        "expected an indented block after class definition on line 1"
    );
    assert_eq!(msg("x = 1\n    y = 2\n"), "unexpected indent");
    assert_eq!(
        msg("if x:\n    y\n  z\n"),
        "unindent does not match any outer indentation level"
    );
    assert_eq!(
        msg("x = 1\n\n\ny = 'abc\n"),
        "unterminated string literal (detected at line 4)"
    );
    assert_eq!(msg("f(1, 2\n"), "'(' was never closed");
    assert_eq!(msg("x = 1)\n"), "unmatched ')'");
    assert_eq!(msg("x = a … b\n"), "invalid character '…' (U+2026)");
    assert_eq!(msg("x = \n"), "expected an expression");
    assert_eq!(msg("f() = 3\n"), "cannot assign to function call");
    assert_eq!(msg("1 = x\n"), "cannot assign to literal");
    assert_eq!(msg("del f()\n"), "cannot delete function call");
    assert_eq!(
        msg("f() += 1\n"),
        "'function call' is an illegal expression for augmented assignment"
    );
    assert_eq!(msg("x = 1j\n"), "complex numbers are not supported");
    assert_eq!(
        msg(&format!("x = {}1{}\n", "(".repeat(201), ")".repeat(201))),
        "too many nested parentheses"
    );
    let mut deep = String::new();
    for i in 0..101 {
        deep.push_str(&" ".repeat(i));
        deep.push_str("if x:\n");
    }
    deep.push_str(&" ".repeat(101));
    deep.push_str("pass\n");
    assert_eq!(msg(&deep), "too many levels of indentation");

    let e = first_err("print \"x\"\n");
    assert!(
        e.message
            .starts_with("Missing parentheses in call to 'print'")
    );
    assert!(e.help.is_some());
    let e = first_err("if x = 1:\n    pass\n");
    assert!(e.message.starts_with("invalid syntax"));
    assert!(e.help.unwrap().contains("=="));
    assert_eq!(msg("else:\n    pass\n"), "invalid syntax");
    assert_eq!(
        msg("f(a b)\n"),
        "invalid syntax. Perhaps you forgot a comma?"
    );
    assert_eq!(
        msg("def f(a=1, b): pass\n"),
        "non-default argument follows default argument"
    );
    assert_eq!(
        msg("f(a=1, b)\n"),
        "positional argument follows keyword argument"
    );
    assert_eq!(
        msg("f(x for x in y, 1)\n"),
        "Generator expression must be parenthesized"
    );
    assert_eq!(msg("*a\n"), "can't use starred expression here");
    assert_eq!(
        msg("a, *b, *c = d\n"),
        "multiple starred expressions in assignment"
    );
    assert_eq!(
        msg("x = '''abc\n"),
        "unterminated triple-quoted string literal (detected at line 2)"
    );
}

#[test]
fn multiple_errors_resync() {
    let errs = parse("x = = 1\ny = 2\nz = )\nok = 1\n").unwrap_err();
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].span.start, 4);
}

#[test]
fn error_messages_are_words() {
    for src in [
        "def (",
        "x = [1, 2",
        "import 3",
        "class",
        "lambda x",
        "a.1",
        "for in x:",
    ] {
        for e in parse(src).unwrap_err() {
            assert!(
                !e.message.contains('"') && !e.message.contains("r#"),
                "{src:?}: {}",
                e.message
            );
        }
    }
}

#[test]
fn incomplete() {
    for src in [
        "if x:",
        "if x:\n",
        "x = (1,",
        "x = '''abc",
        "x = 1 + \\",
        "def f():\n",
        "@dec\n",
        "for x in y:\n    pass\nelse:\n",
        "f(1,\n  2",
    ] {
        assert!(is_incomplete(src), "{src:?}");
    }
    for src in [
        "x = 1",
        "x = 1 +",
        "if x:\n    pass\n",
        "x = 'abc",
        "x = )",
        "1 = 2",
        "",
    ] {
        assert!(!is_incomplete(src), "{src:?}");
    }
}

#[test]
fn unicode_and_soft_keywords() {
    ok("变量 = 1\nprint(变量)\n");
    ok("match = 1\ncase = match\n_ = case\ntype = 3\n");
}

#[test]
fn deep_nesting() {
    let chain = format!("x = {}1\n", "1+".repeat(100_000));
    assert_eq!(msg(&chain), "too deeply nested expression");
    let unary = format!("x = {}1\n", "-".repeat(100_000));
    assert_eq!(msg(&unary), "too deeply nested expression");
    let attrs = format!("x = a{}\n", ".b".repeat(5000));
    assert_eq!(msg(&attrs), "too deeply nested expression");
    // Wide but shallow is fine.
    let wide = format!("x = [{}]\n", "1, ".repeat(100_000));
    ok(&wide);
    let shallow = format!("x = {}1\n", "1+".repeat(900));
    ok(&shallow);
}

#[test]
fn long_line_is_linear() {
    let line = format!("x = [{}]\n", "1, ".repeat(1_000_000));
    let t = std::time::Instant::now();
    ok(&line);
    assert!(t.elapsed().as_secs() < 20);
}

const SAMPLES: &[&str] = &[
    "import asyncio\n\nasync def main(n: int = 3) -> None:\n    for i in range(n):\n        await asyncio.sleep(0)\n        print(f\"tick {i!r:>4} {n=}\")\n    return [x * 2 for x in range(n) if x]\n\nasyncio.run(main())\n",
    "class A(B):\n    '''doc'''\n    def m(self, *a, k=1, **kw):\n        try:\n            x = {1: 'a', **kw}\n        except (E, F) as e:\n            raise X from e\n        finally:\n            del x\n        return lambda y: y if y else -y ** 2\n",
    "x = 1; y = 2\nwhile x < y <= 3:\n    x += 1\nelse:\n    pass\nwith a as b, c:\n    s = b'\\x00' + r'\\n' \"\"\"t\"\"\"\n",
];

#[test]
fn truncations_do_not_panic() {
    for s in SAMPLES {
        ok(s);
        for (i, _) in s.char_indices() {
            let _ = parse(&s[..i]);
            let _ = is_incomplete(&s[..i]);
        }
    }
}

#[test]
fn random_bytes_do_not_panic() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let alphabet = b"()[]{}:;,.=+-*/<>!@#'\"\\ \n\tabcfrx019_ifdefelsenotlambdayield";
    for round in 0..1000 {
        let len = (next() % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if round % 2 == 0 {
                    alphabet[(r as usize) % alphabet.len()]
                } else {
                    (r & 0xff) as u8
                }
            })
            .collect();
        let src = String::from_utf8_lossy(&bytes);
        let _ = parse(&src);
        let _ = is_incomplete(&src);
    }
}
