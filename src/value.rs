//! The value representation: 16 bytes, immediates inline, everything else behind an `Rc`.
//!
//! Memory is reference counted. Containers register with the cycle collector (`gc.rs`)
//! when they are made, through the constructors below, so that cycles (a task whose
//! done-callback refers to the task) are found and freed too.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigInt;

use crate::dict::Dict;
use crate::object::{
    BoundMethod, Builtin, Class, Function, GenObj, Instance, IterObj, Module, NativeObj, PyStr,
    RangeObj, SliceObj,
};

// An 8-byte tag puts every payload at offset 8, so a Value moves as two aligned words
// (with a 1-byte tag, moves copy bytes 1..16 as overlapping words, which defeats
// store-to-load forwarding on the dispatch loop's stack traffic).
#[derive(Clone, Default)]
#[repr(u64)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// "No value": an unbound local slot, or the empty half of a LOAD_METHOD pair.
    Undef,
    /// An int outside i64; always normalised back to `Int` when it fits.
    Big(Rc<BigInt>),
    Str(Rc<PyStr>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Dict>>),
    FrozenSet(Rc<Dict>),
    Range(Rc<RangeObj>),
    Slice(Rc<SliceObj>),
    Func(Rc<Function>),
    Builtin(Rc<Builtin>),
    Bound(Rc<BoundMethod>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Module(Rc<Module>),
    /// A closure cell (only ever stored in a frame's local slots or a function's closure).
    Cell(Rc<RefCell<Value>>),
    /// Generators, coroutines and async generators: a suspendable frame.
    Gen(Rc<GenObj>),
    Iter(Rc<RefCell<IterObj>>),
    Native(Rc<NativeObj>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    /// Another reference to a scheduler object (a task, a future), its `Rc` cloned inline.
    /// `clone` stays a call (inlined everywhere, its 24 arms cost `fib` 13% more
    /// instructions), and its result comes back through memory, written as tag and payload
    /// and read back in one wide load: a store-forwarding stall on the scheduler's hot paths.
    #[inline(always)]
    pub fn share(&self) -> Value {
        match self {
            Value::Native(n) => Value::Native(n.clone()),
            other => other.clone(),
        }
    }

    pub fn str(s: &str) -> Value {
        Value::Str(Rc::new(PyStr::new(s.into())))
    }

    pub fn string(s: String) -> Value {
        Value::Str(Rc::new(PyStr::new(s)))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::tracked(Value::List(Rc::new(RefCell::new(items))))
    }

    pub fn dict(d: Dict) -> Value {
        Value::tracked(Value::Dict(Rc::new(RefCell::new(d))))
    }

    pub fn set(d: Dict) -> Value {
        Value::tracked(Value::Set(Rc::new(RefCell::new(d))))
    }

    pub fn instance(i: Instance) -> Value {
        Value::tracked(Value::Instance(Rc::new(i)))
    }

    /// A closure cell holding `v`.
    pub fn cell(v: Value) -> Value {
        Value::tracked(Value::Cell(Rc::new(RefCell::new(v))))
    }

    pub fn iter(it: IterObj) -> Value {
        Value::tracked(Value::Iter(Rc::new(RefCell::new(it))))
    }

    /// A native object (property, partial, scheduler object...).
    pub fn native(n: NativeObj) -> Value {
        Value::tracked(Value::Native(Rc::new(n)))
    }

    /// Register a new container with the cycle collector; returns it.
    pub fn tracked(v: Value) -> Value {
        crate::gc::track(&v);
        v
    }

    pub fn big(b: BigInt) -> Value {
        use num_traits::ToPrimitive;
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::Big(Rc::new(b)),
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(&s.s),
            _ => None,
        }
    }

    /// Identity, as `is` sees it.
    pub fn is(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) | (Undef, Undef) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Big(a), Big(b)) => Rc::ptr_eq(a, b),
            (Str(a), Str(b)) => Rc::ptr_eq(a, b) || (a.s.len() <= 1 && a.s == b.s),
            (List(a), List(b)) => Rc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty()),
            (Dict(a), Dict(b)) => Rc::ptr_eq(a, b),
            (Set(a), Set(b)) => Rc::ptr_eq(a, b),
            (FrozenSet(a), FrozenSet(b)) => Rc::ptr_eq(a, b),
            (Range(a), Range(b)) => Rc::ptr_eq(a, b),
            (Slice(a), Slice(b)) => Rc::ptr_eq(a, b),
            (Func(a), Func(b)) => Rc::ptr_eq(a, b),
            (Builtin(a), Builtin(b)) => Rc::ptr_eq(a, b),
            (Bound(a), Bound(b)) => Rc::ptr_eq(a, b),
            (Class(a), Class(b)) => Rc::ptr_eq(a, b),
            (Instance(a), Instance(b)) => Rc::ptr_eq(a, b),
            (Module(a), Module(b)) => Rc::ptr_eq(a, b),
            (Cell(a), Cell(b)) => Rc::ptr_eq(a, b),
            (Gen(a), Gen(b)) => Rc::ptr_eq(a, b),
            (Iter(a), Iter(b)) => Rc::ptr_eq(a, b),
            (Native(a), Native(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A stable number for `id()` and default reprs.
    pub fn id(&self) -> usize {
        use Value::*;
        match self {
            None => 0x1000,
            Undef => 0x1008,
            Bool(b) => 0x1010 + *b as usize * 8,
            Int(i) => 0x2000_0000usize.wrapping_add((*i as usize).wrapping_mul(32)),
            Float(f) => f.to_bits() as usize,
            Big(r) => Rc::as_ptr(r) as usize,
            Str(r) => Rc::as_ptr(r) as usize,
            List(r) => Rc::as_ptr(r) as usize,
            Tuple(r) => Rc::as_ptr(r) as usize,
            Dict(r) => Rc::as_ptr(r) as usize,
            Set(r) => Rc::as_ptr(r) as usize,
            FrozenSet(r) => Rc::as_ptr(r) as usize,
            Range(r) => Rc::as_ptr(r) as usize,
            Slice(r) => Rc::as_ptr(r) as usize,
            Func(r) => Rc::as_ptr(r) as usize,
            Builtin(r) => Rc::as_ptr(r) as usize,
            Bound(r) => Rc::as_ptr(r) as usize,
            Class(r) => Rc::as_ptr(r) as usize,
            Instance(r) => Rc::as_ptr(r) as usize,
            Module(r) => Rc::as_ptr(r) as usize,
            Cell(r) => Rc::as_ptr(r) as usize,
            Gen(r) => Rc::as_ptr(r) as usize,
            Iter(r) => Rc::as_ptr(r) as usize,
            Native(r) => Rc::as_ptr(r) as usize,
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::None => write!(f, "None"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "{:?}", s.s),
            Value::Undef => write!(f, "<undef>"),
            other => write!(
                f,
                "<{} at {:#x}>",
                crate::types::type_name(other),
                other.id()
            ),
        }
    }
}
