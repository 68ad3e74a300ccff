//! The abstract syntax tree. Every expression and statement carries its span.
//!
//! The parser builds it; the compiler reads it. Nothing here knows about values.

use crate::span::Spanned;

pub type Name = String;
pub type Expr = Spanned<ExprKind>;
pub type Stmt = Spanned<StmtKind>;
pub type Block = Vec<Stmt>;

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    None,
    True,
    False,
    Ellipsis,
    Int(i64),
    /// An integer literal too big for i64, as its decimal digits.
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Name(Name),
    Const(Const),
    /// An f-string (adjacent string literals already joined into one list of parts).
    FString(Vec<FPart>),
    Tuple(Vec<Expr>),
    List(Vec<Expr>),
    Set(Vec<Expr>),
    /// `{k: v, **m}`: a `None` key is a `**m` unpacking of the value.
    Dict(Vec<(Option<Expr>, Expr)>),
    /// `*x` inside a display, a call's arguments or an assignment target.
    Starred(Box<Expr>),
    Attribute(Box<Expr>, Name),
    Subscript(Box<Expr>, Box<Expr>),
    /// `lo:hi:step` inside a subscript.
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    Call(Box<Expr>, Vec<Arg>),
    BinOp(Box<Expr>, BinOp, Box<Expr>),
    UnaryOp(UnaryOp, Box<Expr>),
    /// `a and b and c` / `a or b`: two or more operands.
    BoolOp(BoolOp, Vec<Expr>),
    /// `a < b <= c`: the first operand, then each operator with its right operand.
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `body if test else orelse`
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Lambda(Box<Params>, Box<Expr>),
    ListComp(Box<Expr>, Vec<Comprehension>),
    SetComp(Box<Expr>, Vec<Comprehension>),
    DictComp(Box<Expr>, Box<Expr>, Vec<Comprehension>),
    GeneratorExp(Box<Expr>, Vec<Comprehension>),
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    /// `name := value`
    NamedExpr(Name, Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(String),
    Expr {
        expr: Box<Expr>,
        /// `!r`, `!s` or `!a`
        conversion: Option<char>,
        /// The format spec after `:`, itself possibly holding nested `{expr}`s.
        spec: Option<Vec<FPart>>,
        /// `f"{x=}"`: the source text `x=` to print before the value.
        debug_text: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Pos(Expr),
    /// `*args`
    Star(Expr),
    /// `name=value`
    Keyword(Spanned<Name>, Expr),
    /// `**kwargs`
    DoubleStar(Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    MatMul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
    pub is_async: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Spanned<Name>,
    pub default: Option<Expr>,
    pub annotation: Option<Expr>,
}

/// A parameter list: `def f(a, b=1, /, c=2, *args, d, e=3, **kw)`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Params {
    /// Positional-only parameters (before `/`).
    pub posonly: Vec<Param>,
    /// Ordinary positional-or-keyword parameters.
    pub args: Vec<Param>,
    pub vararg: Option<Param>,
    /// Keyword-only parameters (after `*` or `*args`).
    pub kwonly: Vec<Param>,
    pub kwarg: Option<Param>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FuncDef {
    pub name: Spanned<Name>,
    pub params: Params,
    pub body: Block,
    pub decorators: Vec<Expr>,
    pub is_async: bool,
    pub returns: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClassDef {
    pub name: Spanned<Name>,
    /// Bases and keywords (`metaclass=` is parsed but not supported).
    pub bases: Vec<Arg>,
    pub body: Block,
    pub decorators: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// `except T:` / `except (A, B) as e:`; `None` for a bare `except:`.
    pub typ: Option<Expr>,
    pub name: Option<Spanned<Name>>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WithItem {
    pub context: Expr,
    pub target: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alias {
    /// Dotted name for `import a.b`, plain name for `from m import x`; `*` for a star import.
    pub name: Spanned<Name>,
    pub asname: Option<Spanned<Name>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Expr(Expr),
    /// `a = b = value`: one or more targets.
    Assign(Vec<Expr>, Expr),
    AugAssign(Expr, BinOp, Expr),
    /// `x: int = 3` (the value is optional).
    AnnAssign(Expr, Expr, Option<Expr>),
    If(Expr, Block, Block),
    While(Expr, Block, Block),
    For {
        target: Expr,
        iter: Expr,
        body: Block,
        orelse: Block,
        is_async: bool,
    },
    Break,
    Continue,
    Pass,
    Return(Option<Expr>),
    /// `raise`, `raise exc`, `raise exc from cause`
    Raise(Option<Expr>, Option<Expr>),
    Try {
        body: Block,
        handlers: Vec<Spanned<Handler>>,
        orelse: Block,
        finalbody: Block,
    },
    Assert(Expr, Option<Expr>),
    Delete(Vec<Expr>),
    Global(Vec<Name>),
    Nonlocal(Vec<Name>),
    With {
        items: Vec<WithItem>,
        body: Block,
        is_async: bool,
    },
    FunctionDef(Box<FuncDef>),
    ClassDef(Box<ClassDef>),
    Import(Vec<Alias>),
    /// `from module import names` (`level` counts leading dots).
    ImportFrom {
        module: Option<Spanned<Name>>,
        names: Vec<Alias>,
        level: usize,
    },
}
