//! Heap object types that values point to.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use smallvec::SmallVec;

use crate::bytecode::Code;
use crate::span::Span;
use crate::value::Value;
use crate::vm::{Frame, Vm};

pub type PyResult<T> = Result<T, Exc>;
/// A raised exception: always an instance of a BaseException subclass.
pub type Exc = Rc<Instance>;
type AttrMap = indexmap::IndexMap<Rc<str>, Value, rustc_hash::FxBuildHasher>;

/// A namespace (instance, class, module, function attributes). Insertion-ordered like CPython's
/// dicts, so `vars()`, `__dict__` and `dir()` show definition order.
#[derive(Default, Clone)]
pub struct Attrs(AttrMap);

impl Attrs {
    /// Remove `name`, keeping the order of the others (a plain map remove would not).
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.shift_remove(name)
    }

    /// Whether `name` is a key. A small namespace (an instance's, usually) is scanned,
    /// comparing lengths first, which is cheaper than hashing the name.
    pub fn has(&self, name: &str) -> bool {
        if self.0.len() <= 8 {
            self.0.keys().any(|k| k.len() == name.len() && **k == *name)
        } else {
            self.0.contains_key(name)
        }
    }

    /// Make `name` the key string at slot `at` if the key there is an equal string (so
    /// that the next comparison of the two is one of addresses).
    pub fn adopt_key(&mut self, at: usize, name: &Rc<str>) {
        use indexmap::map::MutableKeys;
        if let Some((k, _)) = self.0.get_index_mut2(at)
            && **k == **name
        {
            *k = name.clone();
        }
    }

    /// The slot of `name`: first the slot `hint` says (where it was last found), checked by
    /// comparing the key there, so usually without hashing; a miss looks it up and updates
    /// the hint.
    #[inline(always)]
    pub fn slot_hinted(&self, name: &str, hint: &Cell<u32>) -> Option<usize> {
        let at = hint.get() as usize;
        if let Some((k, _)) = self.0.get_index(at)
            && same_str(k, name)
        {
            return Some(at);
        }
        self.slot_looked_up(name, hint)
    }

    /// `slot_hinted`'s miss: hash the name and remember where it was.
    #[inline(never)]
    fn slot_looked_up(&self, name: &str, hint: &Cell<u32>) -> Option<usize> {
        let at = self.0.get_index_of(name)?;
        hint.set(at as u32);
        Some(at)
    }

    /// `slot_hinted` for a name that native code looks up in many namespaces of one
    /// layout (a queue's `_queue`): the hint also keeps the key string it last found at
    /// its slot, so that a hit is a pointer comparison. The hit is inline (a queue pass
    /// makes sixteen of these lookups).
    #[inline]
    pub fn slot_key_hinted(&self, name: &str, hint: &KeyHint) -> Option<usize> {
        let at = hint.slot.get() as usize;
        match self.0.get_index(at) {
            Some((k, _)) if k.as_ptr() as usize == hint.addr.get() => Some(at),
            _ => self.slot_key_looked_up(name, hint),
        }
    }

    /// `slot_key_hinted`'s miss: an equal key at the hinted slot, else hash the name; either
    /// way remember where it was.
    #[inline(never)]
    fn slot_key_looked_up(&self, name: &str, hint: &KeyHint) -> Option<usize> {
        let at = hint.slot.get() as usize;
        if let Some((k, _)) = self.0.get_index(at)
            && **k == *name
        {
            hint.remember(at, k);
            return Some(at);
        }
        let (at, k, _) = self.0.get_full(name)?;
        hint.remember(at, k);
        Some(at)
    }
}

/// Where a name was last found in namespaces that share a layout, and the address of the
/// key string there. The hint also holds that string, so that no other string can be
/// allocated at that address: a key there with the same address is the same string.
#[derive(Default)]
pub struct KeyHint {
    slot: Cell<u32>,
    addr: Cell<usize>,
    key: Cell<Option<Rc<str>>>,
}

impl KeyHint {
    fn remember(&self, slot: usize, key: &Rc<str>) {
        self.slot.set(slot as u32);
        self.addr.set(key.as_ptr() as usize);
        self.key.set(Some(key.clone()));
    }
}

/// `read` of the value of `name` in `attrs`, found through `hint` (`Attrs::slot_hinted`);
/// an equal key string found there that is not the site's own becomes it
/// (`Attrs::adopt_key`), so that the next look compares addresses. A call site's name (a
/// module attribute, a method) is often another string than the key the defining code made.
#[inline(always)]
pub fn read_adopting<R>(
    attrs: &RefCell<Attrs>,
    name: &Rc<str>,
    hint: &Cell<u32>,
    read: impl FnOnce(&Value) -> R,
) -> Option<R> {
    let at = {
        let d = attrs.borrow();
        // The usual case: the hinted slot holds this site's own string.
        if let Some((k, v)) = d.get_index(hint.get() as usize)
            && Rc::ptr_eq(k, name)
        {
            return Some(read(v));
        }
        d.slot_hinted(name, hint)?
    };
    attrs.borrow_mut().adopt_key(at, name);
    attrs.borrow().get_index(at).map(|(_, v)| read(v))
}

/// Equal strings, comparing addresses first: a key and a code object's name are often one
/// shared string.
#[inline(always)]
pub fn same_str(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

impl std::ops::Deref for Attrs {
    type Target = AttrMap;
    fn deref(&self) -> &AttrMap {
        &self.0
    }
}

impl std::ops::DerefMut for Attrs {
    fn deref_mut(&mut self) -> &mut AttrMap {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a Rc<str>, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, Rc<str>, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<(Rc<str>, Value)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (Rc<str>, Value)>>(iter: I) -> Attrs {
        Attrs(iter.into_iter().collect())
    }
}

/// An immutable string; `ascii` lets indexing skip UTF-8 scanning.
pub struct PyStr {
    pub s: Box<str>,
    pub ascii: bool,
}

impl PyStr {
    pub fn new(s: String) -> PyStr {
        let ascii = s.is_ascii();
        PyStr {
            s: s.into_boxed_str(),
            ascii,
        }
    }

    pub fn char_len(&self) -> usize {
        if self.ascii {
            self.s.len()
        } else {
            self.s.chars().count()
        }
    }
}

/// Arguments of a native call: positional and keyword.
#[derive(Default)]
pub struct CallArgs {
    pub pos: SmallVec<[Value; 4]>,
    pub kw: Vec<(Rc<str>, Value)>,
}

impl CallArgs {
    pub fn new(pos: SmallVec<[Value; 4]>) -> CallArgs {
        CallArgs {
            pos,
            kw: Vec::new(),
        }
    }

    /// Remove and return keyword argument `name`. (Most calls pass none: that test is
    /// inlined, the search is not.)
    #[inline]
    pub fn take_kw(&mut self, name: &str) -> Option<Value> {
        if self.kw.is_empty() {
            return None;
        }
        self.find_kw(name)
    }

    fn find_kw(&mut self, name: &str) -> Option<Value> {
        let i = self.kw.iter().position(|(k, _)| &**k == name)?;
        Some(self.kw.remove(i).1)
    }
}

pub type NativeFn = fn(&mut Vm, CallArgs) -> PyResult<Value>;

pub struct Builtin {
    pub name: &'static str,
    pub func: NativeFn,
    /// Set for a method bound to its receiver (`[].append`).
    pub bound: Option<Value>,
}

pub struct BoundMethod {
    pub receiver: Value,
    pub func: Value,
}

pub struct Module {
    pub name: Rc<str>,
    /// Its namespace. Names are added through `set` or `insert_full`, which tell
    /// `module_names_changed`.
    pub globals: RefCell<Attrs>,
}

impl Module {
    pub fn new(name: &str) -> Module {
        module_names_changed();
        Module {
            name: name.into(),
            globals: RefCell::new(Attrs::default()),
        }
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.globals.borrow().get(name).cloned()
    }

    pub fn set(&self, name: &str, v: Value) {
        self.insert_full(name.into(), v);
    }

    /// Bind `name`: its slot in the namespace, and the value it replaced.
    pub fn insert_full(&self, name: Rc<str>, v: Value) -> (usize, Option<Value>) {
        let (slot, old) = self.globals.borrow_mut().insert_full(name, v);
        if old.is_none() {
            module_names_changed();
        }
        (slot, old)
    }
}

thread_local! {
    static MODULE_NAMES_EPOCH: Cell<u64> = const { Cell::new(1) };
}

/// Changes whenever a module is made or a module's namespace gains a name: a LOAD_GLOBAL
/// site that found its name among the builtins, and not in its module
/// (`Code::builtin_slots`), knows while this stays the same that it still is not there.
#[inline(always)]
pub fn module_names_epoch() -> u64 {
    MODULE_NAMES_EPOCH.with(Cell::get)
}

fn module_names_changed() {
    MODULE_NAMES_EPOCH.with(|e| e.set(e.get() + 1));
}

pub struct Function {
    pub code: Rc<Code>,
    pub globals: Rc<Module>,
    pub defaults: Vec<Value>,
    pub kwdefaults: Vec<(Rc<str>, Value)>,
    /// Cells of the free variables, in `code.freevars` order.
    pub closure: Vec<Value>,
    /// The number of positional arguments a call can enter with, left where they are on
    /// the stack (`Code::plain_argc`, and no closure), else `u32::MAX`: the dispatch loop's
    /// call tests one field instead of two behind two pointers.
    pub plain_argc: u32,
    pub name: RefCell<Rc<str>>,
    pub qualname: RefCell<Rc<str>>,
    pub attrs: RefCell<Attrs>,
}

/// `Function::plain_argc` for a function of `code` with `closure`.
pub fn plain_call_argc(code: &Code, closure: &[Value]) -> u32 {
    if closure.is_empty() {
        code.plain_argc
    } else {
        u32::MAX
    }
}

/// What a class's instances are made of, for the built-in types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Plain instances with a `__dict__`.
    Object,
    /// An exception: an instance with traceback data.
    Exception,
    /// A built-in type whose values are not instances (int, list, ...).
    Native,
}

thread_local! {
    static CLASS_EPOCH: Cell<u64> = const { Cell::new(1) };
}

/// Changes whenever a class is made or a class's namespace changes: a call site that
/// remembered what a class holds (`Code::class_cache`) checks it still holds.
pub fn class_epoch() -> u64 {
    CLASS_EPOCH.with(Cell::get)
}

/// A class was made, or a class's namespace changed.
pub fn classes_changed() {
    CLASS_EPOCH.with(|e| e.set(e.get() + 1));
}

pub struct Class {
    pub name: Rc<str>,
    pub qualname: Rc<str>,
    pub module: Rc<str>,
    pub bases: Vec<Rc<Class>>,
    /// Method resolution order, not including the class itself.
    pub mro: Vec<Rc<Class>>,
    pub dict: RefCell<Attrs>,
    pub layout: Layout,
}

impl Class {
    /// `lookup`, trying first the slot of this class's own namespace where `name` was last
    /// found from the same call site (`hint`): a method call on an instance then hashes
    /// nothing. Only a hit in the class's own namespace is remembered, since it comes first
    /// in the MRO whatever its bases hold.
    pub fn lookup_hinted(&self, name: &str, hint: &Cell<u32>) -> Option<Value> {
        {
            let d = self.dict.borrow();
            if let Some((k, v)) = d.get_index(hint.get() as usize)
                && same_str(k, name)
            {
                return Some(v.clone());
            }
            if let Some((at, _, v)) = d.get_full(name) {
                hint.set(at as u32);
                return Some(v.clone());
            }
        }
        self.lookup_in_bases(name)
    }

    /// `lookup_hinted` from a call site whose name string is `name`: a hit in the class's
    /// own namespace makes the site's string the key there (`read_adopting`).
    pub fn lookup_site(&self, name: &Rc<str>, hint: &Cell<u32>) -> Option<Value> {
        read_adopting(&self.dict, name, hint, Value::clone).or_else(|| self.lookup_in_bases(name))
    }

    /// Look a name up along the MRO.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.dict.borrow().get(name) {
            return Some(v.clone());
        }
        self.lookup_in_bases(name)
    }

    /// Look a name up along the MRO after the class itself.
    fn lookup_in_bases(&self, name: &str) -> Option<Value> {
        self.mro
            .iter()
            .find_map(|c| c.dict.borrow().get(name).cloned())
    }

    pub fn is_subclass(self: &Rc<Self>, other: &Rc<Class>) -> bool {
        Rc::ptr_eq(self, other) || self.mro.iter().any(|c| Rc::ptr_eq(c, other))
    }
}

/// Traceback and chaining data carried by exception instances.
#[derive(Default)]
pub struct ExcData {
    /// Innermost entry last, like Python's printed traceback.
    pub traceback: Vec<TbEntry>,
    pub cause: Value,
    pub context: Value,
    pub suppress_context: bool,
}

#[derive(Clone)]
pub struct TbEntry {
    pub code: Rc<Code>,
    pub span: Span,
}

pub struct Instance {
    pub class: Rc<Class>,
    pub dict: RefCell<Attrs>,
    /// Present for exception instances only.
    pub exc: RefCell<Option<Box<ExcData>>>,
}

impl Instance {
    pub fn new(class: Rc<Class>) -> Instance {
        let exc = if class.layout == Layout::Exception {
            Some(Box::default())
        } else {
            None
        };
        Instance {
            class,
            dict: RefCell::new(Attrs::default()),
            exc: RefCell::new(exc),
        }
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.dict.borrow().get(name).cloned()
    }

    pub fn set(&self, name: &str, v: Value) {
        self.dict.borrow_mut().insert(name.into(), v);
    }
}

pub struct RangeObj {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl RangeObj {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> i64 {
        if self.step > 0 && self.start < self.stop {
            ((self.stop as i128 - self.start as i128 - 1) / self.step as i128 + 1) as i64
        } else if self.step < 0 && self.start > self.stop {
            ((self.start as i128 - self.stop as i128 - 1) / (-(self.step as i128)) + 1) as i64
        } else {
            0
        }
    }
}

pub struct SliceObj {
    pub start: Value,
    pub stop: Value,
    pub step: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenKind {
    Generator,
    Coroutine,
    AsyncGen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenState {
    Created,
    Suspended,
    Running,
    Done,
}

/// A suspended frame together with its slice of the value stack.
pub struct SavedFrame {
    pub frame: Frame,
    pub stack: Vec<Value>,
}

pub struct GenObj {
    pub kind: GenKind,
    pub state: Cell<GenState>,
    /// The frame while it is suspended. A `Cell` (taken out to resume, set to suspend;
    /// looked at through `peek`): a `RefCell`'s borrow flag would make every coroutine
    /// 8 bytes larger.
    pub saved: Cell<Option<SavedFrame>>,
    pub code: Rc<Code>,
    /// Its `__qualname__` when it is not its code's (the function was renamed before the
    /// call): read with `qualname()`. Boxed: one pointer, as it is nearly always None.
    pub renamed: Option<Box<Rc<str>>>,
    /// Whether anything ever started it: a never-started coroutine is reported when freed.
    pub started: Cell<bool>,
    /// Where the coroutine object was created (for "never awaited" warnings): the code and
    /// the instruction that made it (not a TbEntry: its span is looked up only if needed,
    /// and the object stays 8 bytes smaller).
    pub origin: Option<Rc<Code>>,
    pub origin_ip: u32,
    /// For async generators: the value being delivered by `asend` / whether `aclose` ran.
    pub running_async: Cell<bool>,
}

// With its `Rc` counts, a coroutine is a 128-byte block (`pool.rs`; docs/performance.md).
const _: () = assert!(std::mem::size_of::<GenObj>() <= 112);

impl GenObj {
    pub fn qualname(&self) -> &Rc<str> {
        self.renamed.as_deref().unwrap_or(&self.code.qualname)
    }
}

impl Drop for GenObj {
    fn drop(&mut self) {
        if self.kind == GenKind::Coroutine && !self.started.get() {
            let origin = self.origin.as_ref().map(|code| TbEntry {
                code: code.clone(),
                span: code.span_at(self.origin_ip as usize),
            });
            crate::warnings::push(crate::warnings::Warning::NeverAwaited {
                qualname: self.qualname().to_string(),
                origin,
            });
        }
    }
}

/// Native iterators over built-in containers and lazy built-ins.
pub enum IterObj {
    Seq {
        seq: Value,
        idx: usize,
    },
    Range {
        cur: i64,
        stop: i64,
        step: i64,
    },
    Str {
        s: Rc<PyStr>,
        byte: usize,
    },
    DictKeys {
        dict: Value,
        idx: usize,
        len: usize,
    },
    DictValues {
        dict: Value,
        idx: usize,
        len: usize,
    },
    DictItems {
        dict: Value,
        idx: usize,
        len: usize,
    },
    Enumerate {
        it: Value,
        n: Value,
    },
    Zip {
        its: Vec<Value>,
        strict: bool,
    },
    Map {
        func: Value,
        its: Vec<Value>,
    },
    Filter {
        func: Value,
        it: Value,
    },
    Reversed {
        seq: Value,
        idx: usize,
    },
    /// `iter(callable, sentinel)`
    Callable {
        func: Value,
        sentinel: Value,
    },
    Count {
        cur: Value,
        step: Value,
    },
    Exhausted,
}

/// Native objects that are not containers: descriptors, helpers, scheduler objects.
// Always behind an Rc, so the size of the largest variant costs one allocation, not a Value.
#[allow(clippy::large_enum_variant)]
pub enum NativeObj {
    Property {
        fget: Value,
        fset: RefCell<Value>,
        fdel: RefCell<Value>,
    },
    StaticMethod(Value),
    ClassMethod(Value),
    Super {
        class: Rc<Class>,
        receiver: Value,
    },
    Partial {
        func: Value,
        args: Vec<Value>,
        kw: Vec<(Rc<str>, Value)>,
    },
    Async(crate::scheduler::AsyncObj),
}
