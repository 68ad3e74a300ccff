//! The cycle collector: reference counting frees everything except cycles, so mutable
//! containers register here when they are created, and a collection finds the cycles
//! nothing else refers to and breaks them (CPython's gc, adapted to `Rc`).
//!
//! What registers: every object whose references can change after it is made (lists,
//! dicts, sets, instances, classes, functions, modules, cells, generators and coroutines,
//! gather()'s futures, loops, properties). A cycle needs a reference written into
//! an object after the object it points to was made, so every cycle contains one; the
//! immutable objects on the way (tuples, bound methods, handles, iterators...) are found
//! by following references from the registered ones.
//!
//! Four scheduler objects register later, or never, because what they gain leads to a
//! registered object anyway: a plain future or a task registers when it first holds
//! anything but plain data, a registered future, a loop or a gather() (`future::may_hold`),
//! and a task also when it first waits on something other than its own timer or a bare
//! yield; a sleep when it is given a cancel message (otherwise it holds only its task or
//! its future); a queue's get/put never (it holds only the future it waits on). Every
//! cycle still contains a registered object: one through such an object continues to
//! what it holds, which is registered, or it registered itself. (A task's own frames can
//! refer to it; while it runs, or waits in its loop's ready queue or timer heap, the loop
//! refers to it from outside any cycle, and a loop is registered; a finished task's
//! frames are gone; a loop that is closed, and so lets go of them, registers its pending
//! tasks. So a task that never waits on a future, such as each of a million sleeping
//! ones, is never registered.)
//!
//! The registry holds a weak pointer per object (16 bytes); its dead entries are pruned as
//! it grows, the youngest often (most objects die young, and a weak pointer keeps a dead
//! object's memory allocated until its entry goes).
//!
//! A collection is trial deletion: every object found starts with its strong count; each
//! reference from one found object to another subtracts one from the target. What is left
//! above zero is referenced from outside (the VM's stacks, Rust locals, the interpreter's
//! tables), and so is everything reachable from it; the rest is cyclic garbage. It is
//! broken by emptying the interior-mutable fields of those objects, after which the counts
//! fall to zero and `Rc` frees it.
//!
//! Safe by construction: the traversal only reports references that exist, so a count can
//! only be too high (garbage kept, never live objects cleared); an object whose `RefCell`
//! is borrowed at the moment is taken as referenced from outside; clearing only goes
//! through `RefCell::try_borrow_mut`, so nothing any Rust code is looking at changes.
//!
//! Drop side effects keep CPython's behaviour: a collected task that is still pending
//! reports "Task was destroyed but it is pending!", a collected coroutine that never ran
//! reports "never awaited", as CPython's collector makes them do. A finished task whose
//! exception nobody retrieved keeps that exception intact (everything the exception
//! refers to survives this collection) so that the warning can show it.
//!
//! Collections run at the VM's periodic check (`vm/budget.rs`), when the live registered
//! objects have doubled since the last one, so the cost is amortised O(1) per allocation;
//! `gc.collect()` runs one at once.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use crate::dict::Dict;
use crate::object::{
    Attrs, BoundMethod, Builtin, Class, Exc, Function, GenObj, Instance, IterObj, Module, NativeObj,
};
use crate::scheduler::{AsyncObj, Callback, FutCallback, HandleObj, Ready};
use crate::value::Value;
use crate::vm::{Block, Fiber, Frame};

/// No automatic collection before this many live registered objects.
const MIN_THRESHOLD: usize = 10_000;
/// The youngest entries are pruned of dead ones every this many registrations, so that
/// the memory of objects that die young is reused at once, as without a registry.
const NURSERY: usize = 256;
/// At most this many rounds of `prune_young` skip the old entries (see there).
const MAX_QUIET: usize = 8;
/// Instructions the program must run per surviving object between automatic collections:
/// many while collections find little garbage (a heap that only grows, like a million
/// sleeping tasks, is not walked again and again), few once they find plenty (cycles made
/// in batches are broken before they pile up). See `pace`.
const STEPS_PER_OBJECT_MAX: u64 = 64;
const STEPS_PER_OBJECT_MIN: u64 = 4;

/// A weak pointer to a registered object.
enum Tracked {
    List(Weak<RefCell<Vec<Value>>>),
    /// Dicts and sets.
    Dict(Weak<RefCell<Dict>>),
    Func(Weak<Function>),
    Class(Weak<Class>),
    Instance(Weak<Instance>),
    Module(Weak<Module>),
    Cell(Weak<RefCell<Value>>),
    Gen(Weak<GenObj>),
    Iter(Weak<RefCell<IterObj>>),
    Native(Weak<NativeObj>),
}

const _: () = assert!(std::mem::size_of::<Tracked>() == 16);

/// An object examined by a collection (registered, or reached from one), held strongly.
enum Obj {
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<Dict>>),
    Func(Rc<Function>),
    Builtin(Rc<Builtin>),
    Bound(Rc<BoundMethod>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Module(Rc<Module>),
    Cell(Rc<RefCell<Value>>),
    Gen(Rc<GenObj>),
    Iter(Rc<RefCell<IterObj>>),
    Native(Rc<NativeObj>),
    Handle(Rc<HandleObj>),
}

/// A reference from one object to another, as a traversal reports it.
#[derive(Clone, Copy)]
enum Child<'a> {
    List(&'a Rc<RefCell<Vec<Value>>>),
    Tuple(&'a Rc<Vec<Value>>),
    Dict(&'a Rc<RefCell<Dict>>),
    Func(&'a Rc<Function>),
    Builtin(&'a Rc<Builtin>),
    Bound(&'a Rc<BoundMethod>),
    Class(&'a Rc<Class>),
    Instance(&'a Rc<Instance>),
    Module(&'a Rc<Module>),
    Cell(&'a Rc<RefCell<Value>>),
    Gen(&'a Rc<GenObj>),
    Iter(&'a Rc<RefCell<IterObj>>),
    Native(&'a Rc<NativeObj>),
    Handle(&'a Rc<HandleObj>),
}

struct Registry {
    objs: Vec<Tracked>,
    /// Registry length that makes the next check due.
    threshold: usize,
    /// Live objects after the last collection: the next one runs when there are twice as
    /// many.
    survivors: usize,
    /// Where the entries not yet pruned by `prune_young` begin.
    young: usize,
    /// Where `prune_young` continues checking old entries.
    cursor: usize,
    /// Rounds of `prune_young` left that skip the old entries, and how many the last
    /// empty scan set.
    quiet: usize,
    quiet_run: usize,
    /// The VM's instruction count at the end of the last automatic collection.
    last_steps: u64,
    /// The current instructions-per-survivor rule (between the MIN and MAX above).
    steps_per_object: u64,
    enabled: bool,
    /// A collection is running: `collect` does not nest.
    collecting: bool,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = const {
        RefCell::new(Registry {
            objs: Vec::new(),
            threshold: MIN_THRESHOLD,
            survivors: 0,
            young: 0,
            cursor: 0,
            quiet: 0,
            quiet_run: 0,
            last_steps: 0,
            steps_per_object: STEPS_PER_OBJECT_MAX,
            enabled: true,
            collecting: false,
        })
    };
    /// Set when the registry reached its threshold; the VM's periodic check collects.
    static DUE: Cell<bool> = const { Cell::new(false) };
}

fn register(t: Tracked) {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.objs.push(t);
        if r.objs.len() - r.young >= NURSERY {
            r.prune_young();
        }
    });
}

impl Registry {
    /// Drop the dead entries among the young ones (the survivors become old) and among
    /// the next old ones in turn: freeing a few dead objects at a time, as they die, keeps
    /// the allocator reusing their memory (freeing thousands at once fragments it).
    #[cold]
    fn prune_young(&mut self) {
        let mut keep = self.young;
        for i in self.young..self.objs.len() {
            if self.objs[i].alive() {
                self.objs.swap(keep, i);
                keep += 1;
            }
        }
        self.objs.truncate(keep);
        // Then 2 * NURSERY old entries from `cursor`, wrapping around (order is free). While
        // old objects live on (a million sleeping tasks), a scan finds none dead and each
        // check reads an object long out of the cache: after an empty scan, the next ones
        // wait for up to `MAX_QUIET` rounds, and a scan that finds one dead resumes at once.
        if self.quiet > 0 {
            self.quiet -= 1;
        } else {
            let mut i = if self.cursor >= self.young {
                0
            } else {
                self.cursor
            };
            let mut dead = 0;
            for _ in 0..2 * NURSERY {
                if i >= self.objs.len() {
                    break;
                }
                if self.objs[i].alive() {
                    i += 1;
                } else {
                    self.objs.swap_remove(i);
                    dead += 1;
                }
            }
            self.cursor = i;
            self.quiet_run = if dead == 0 {
                (2 * self.quiet_run).clamp(1, MAX_QUIET)
            } else {
                0
            };
            self.quiet = self.quiet_run;
        }
        self.young = self.objs.len();
        if self.objs.len() >= self.threshold {
            DUE.set(true);
        }
    }
}

/// Register a new object if its references can change (see the module comment).
pub fn track(v: &Value) {
    let t = match v {
        Value::List(r) => Tracked::List(Rc::downgrade(r)),
        Value::Dict(r) | Value::Set(r) => Tracked::Dict(Rc::downgrade(r)),
        Value::Class(r) => Tracked::Class(Rc::downgrade(r)),
        Value::Instance(r) => Tracked::Instance(Rc::downgrade(r)),
        Value::Module(r) => Tracked::Module(Rc::downgrade(r)),
        Value::Cell(r) => Tracked::Cell(Rc::downgrade(r)),
        // `count()` stores the numbers it makes, which may be any objects.
        Value::Iter(r) if matches!(&*r.borrow(), IterObj::Count { .. }) => {
            Tracked::Iter(Rc::downgrade(r))
        }
        Value::Native(r) if mutable_native(r) => Tracked::Native(Rc::downgrade(r)),
        _ => return,
    };
    register(t);
}

fn mutable_native(n: &NativeObj) -> bool {
    match n {
        NativeObj::Property { .. } => true,
        NativeObj::Async(a) => match a {
            AsyncObj::Loop(_) | AsyncObj::Sleep(_) => true,
            // A plain future or a task registers once it may close a cycle
            // (`future::may_hold`, `FutureObj::register`).
            AsyncObj::Future(f) => f.gather().is_some(),
            // A handle's callback is set once (and only ever replaced by `Done`).
            AsyncObj::Handle(_) | AsyncObj::ASend { .. } => false,
            // Its one later reference is the future it waits on, made by the queue: a
            // cycle through that future passes through a registered object (see
            // `future::may_hold`), or the future is registered itself.
            AsyncObj::QueueOp(_) => false,
        },
        NativeObj::StaticMethod(_)
        | NativeObj::ClassMethod(_)
        | NativeObj::Super { .. }
        | NativeObj::Partial { .. } => false,
    }
}

/// Register a scheduler object whose kind is not registered when made.
pub fn track_native(n: &Rc<NativeObj>) {
    register(Tracked::Native(Rc::downgrade(n)));
}

pub fn track_dict(d: &Rc<RefCell<Dict>>) {
    register(Tracked::Dict(Rc::downgrade(d)));
}

pub fn track_class(c: &Rc<Class>) {
    register(Tracked::Class(Rc::downgrade(c)));
}

pub fn track_instance(i: &Rc<Instance>) {
    register(Tracked::Instance(Rc::downgrade(i)));
}

pub fn track_module(m: &Rc<Module>) {
    register(Tracked::Module(Rc::downgrade(m)));
}

/// A generator's saved frame only gets references newer than the generator once it has
/// run and yielded: it registers then (once: the registry's weak pointer is the only one a
/// generator ever has).
pub fn track_gen(g: &Rc<GenObj>) {
    if Rc::weak_count(g) == 0 {
        register(Tracked::Gen(Rc::downgrade(g)));
    }
}

/// A function's only mutable references are its attributes: it registers when the first
/// one is set (once, as for generators).
pub fn track_func(f: &Rc<Function>) {
    if Rc::weak_count(f) == 0 {
        register(Tracked::Func(Rc::downgrade(f)));
    }
}

/// Is an automatic collection due? (One thread-local load: the VM's periodic check.)
pub fn due() -> bool {
    DUE.get()
}

/// The automatic collection: first drop the registry's dead entries; collect when the
/// live ones have doubled since the last collection and the program has run
/// `steps_per_object` instructions per object that survived it. The first rule makes the
/// work amortised O(1) per allocation; the second bounds its share of the run time when
/// the heap grows without garbage (a million sleeping tasks): examining an object costs
/// about as much as a few instructions. Garbage does not delay the next collection: it
/// is not counted. `steps` is the VM's instruction count.
pub fn collect_if_due(steps: u64) {
    DUE.set(false);
    let run = REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.objs.retain(Tracked::alive);
        let live = r.objs.len();
        r.young = live;
        r.threshold = (2 * live).max(MIN_THRESHOLD);
        // A new interpreter counts its instructions from 0.
        let ran = steps.checked_sub(r.last_steps).unwrap_or(steps);
        r.enabled
            && !r.collecting
            && live >= (2 * r.survivors).max(MIN_THRESHOLD)
            && ran >= r.steps_per_object * r.survivors as u64
    });
    if run {
        collect();
        REGISTRY.with(|r| r.borrow_mut().last_steps = steps);
    }
}

/// Set whether automatic collections run (`gc.enable()` / `gc.disable()`).
pub fn set_enabled(on: bool) {
    REGISTRY.with(|r| r.borrow_mut().enabled = on);
}

pub fn is_enabled() -> bool {
    REGISTRY.with(|r| r.borrow().enabled)
}

/// Run a collection now; returns the number of objects found to be cyclic garbage.
pub fn collect() -> usize {
    let objs = REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        if r.collecting {
            return None;
        }
        r.collecting = true;
        Some(std::mem::take(&mut r.objs))
    });
    let Some(objs) = objs else { return 0 };
    let (survivors, examined, found) = collect_from(objs);
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.steps_per_object = pace(r.steps_per_object, examined, found);
        // Objects registered while the garbage was dropped come after the survivors.
        let later = std::mem::replace(&mut r.objs, survivors);
        r.objs.extend(later);
        r.objs.retain(Tracked::alive);
        // Count the objects only reached (tuples, handles...) too, so that a big immutable
        // structure is not walked again before as many new objects exist.
        r.survivors = r.objs.len().max(examined / 2);
        r.young = r.objs.len();
        r.threshold = (2 * r.survivors).max(MIN_THRESHOLD);
        r.collecting = false;
    });
    found
}

/// Forget the registry without freeing it: the process is about to exit.
pub fn abandon() {
    REGISTRY.with(|r| std::mem::forget(std::mem::take(&mut r.borrow_mut().objs)));
}

/// The next instructions-per-survivor rule: a quarter as many after a collection where at
/// least a fifth of what it examined was garbage, twice as many after one that found less
/// than a twentieth.
fn pace(current: u64, examined: usize, found: usize) -> u64 {
    if found * 5 >= examined {
        (current / 4).max(STEPS_PER_OBJECT_MIN)
    } else if found * 20 < examined {
        (current * 2).min(STEPS_PER_OBJECT_MAX)
    } else {
        current
    }
}

/// Trial deletion over the registered objects `weak` and everything they reach. Returns
/// the registry to keep (its live entries, deduplicated), the number of live objects
/// examined and the number of garbage objects broken up.
fn collect_from(weak: Vec<Tracked>) -> (Vec<Tracked>, usize, usize) {
    let mut objs: Vec<Obj> = Vec::with_capacity(weak.len());
    let mut index: AddrMap = AddrMap::default();
    index.reserve(weak.len());
    // Kept without being examined: alive for sure (see `scheduled_on_running_loop`). What
    // they refer to counts as referenced from outside, as the interpreter's stacks do.
    let mut asleep: Vec<Tracked> = Vec::new();
    for w in weak {
        // An object registered twice is examined once.
        if let Some(o) = w.upgrade() {
            if let Obj::Native(n) = &o
                && crate::scheduler::scheduled_on_running_loop(n)
            {
                index.insert(o.addr(), OUTSIDE);
                asleep.push(w);
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = index.entry(o.addr()) {
                e.insert(objs.len() as u32);
                objs.push(o);
            }
        }
    }
    let registered = objs.len();
    // References from outside: the strong count, minus ours, minus one per reference from
    // an examined object. Objects reached for the first time join the examined ones. The
    // references are kept (object `i`'s are `edges[starts[i]..starts[i + 1]]`) for marking.
    let mut refs: Vec<isize> = objs.iter().map(|o| o.strong() as isize - 1).collect();
    let mut opaque: Vec<bool> = Vec::with_capacity(objs.len());
    let mut edges: Vec<u32> = Vec::with_capacity(objs.len() * 4);
    let mut starts: Vec<u32> = Vec::with_capacity(objs.len() + 1);
    let mut reached: Vec<Obj> = Vec::new();
    let mut i = 0;
    while i < objs.len() {
        starts.push(edges.len() as u32);
        let complete = objs[i]
            .children(&mut Visit {
                f: &mut |c: Child| {
                    let j = match index.entry(c.addr()) {
                        std::collections::hash_map::Entry::Occupied(e) if *e.get() == OUTSIDE => {
                            return;
                        }
                        std::collections::hash_map::Entry::Occupied(e) => {
                            let j = *e.get();
                            refs[j as usize] -= 1;
                            j
                        }
                        std::collections::hash_map::Entry::Vacant(e) => {
                            let o = c.obj();
                            if let Obj::Native(n) = &o
                                && crate::scheduler::scheduled_on_running_loop(n)
                            {
                                // A task that registers late, reached: alive for sure,
                                // as the registered ones above.
                                e.insert(OUTSIDE);
                                return;
                            }
                            // `refs` has one entry per object examined or reached so far.
                            let j = refs.len() as u32;
                            e.insert(j);
                            // Its strong count now includes ours; this reference is subtracted.
                            refs.push(o.strong() as isize - 2);
                            reached.push(o);
                            j
                        }
                    };
                    edges.push(j);
                },
            })
            .is_some();
        // Borrowed right now: someone is using it, so it is alive.
        opaque.push(!complete);
        objs.append(&mut reached);
        i += 1;
    }
    starts.push(edges.len() as u32);
    drop(index);
    if refs.iter().any(|&r| r < 0) {
        // A traversal reported a reference that does not exist: never clear anything then.
        debug_assert!(false, "gc: more references found than counted");
        let keep = objs[..registered]
            .iter()
            .filter_map(Obj::downgrade)
            .collect();
        return (keep, objs.len(), 0);
    }
    let mut alive: Vec<bool> = refs
        .iter()
        .zip(&opaque)
        .map(|(&r, &o)| r > 0 || o)
        .collect();
    let mut work: Vec<u32> = (0..objs.len() as u32)
        .filter(|&i| alive[i as usize])
        .collect();
    let graph = Graph {
        edges: &edges,
        starts: &starts,
    };
    graph.mark(&mut alive, &mut work);
    // Exceptions a dying task will report as never retrieved must stay whole.
    for i in 0..objs.len() {
        if !alive[i]
            && let Some(e) = unretrieved_exception(&objs[i])
        {
            let e = addr(&e);
            for &j in graph.children(i) {
                if objs[j as usize].addr() == e && !alive[j as usize] {
                    alive[j as usize] = true;
                    work.push(j);
                    graph.mark(&mut alive, &mut work);
                }
            }
        }
    }
    let mut sink: Vec<Box<dyn std::any::Any>> = Vec::new();
    let mut found = 0;
    for (o, _) in objs.iter().zip(&alive).filter(|(_, a)| !**a) {
        o.clear(&mut sink);
        found += 1;
    }
    // What the garbage held goes first, then the garbage itself (with `objs`).
    drop(sink);
    let examined = objs.len() - found;
    let mut survivors: Vec<Tracked> = objs[..registered]
        .iter()
        .zip(&alive)
        .filter(|(_, a)| **a)
        .filter_map(|(o, _)| o.downgrade())
        .collect();
    survivors.append(&mut asleep);
    (survivors, examined, found)
}

/// `AddrMap`'s number for an object known to be alive and not examined: references to it
/// are not followed.
const OUTSIDE: u32 = u32::MAX;

/// Object numbers by address. The hash keeps an address's low bits, so that objects
/// allocated near each other (a task, its coroutine, its sleep) land in nearby buckets:
/// a collection walks them in allocation order, and the table then stays in cache.
type AddrMap = std::collections::HashMap<usize, u32, std::hash::BuildHasherDefault<AddrHasher>>;

#[derive(Default)]
struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("only addresses are hashed")
    }

    fn write_usize(&mut self, a: usize) {
        let granule = (a >> 4) as u64;
        // The top 7 bits (the table's tag byte) scrambled, the rest as is.
        let tag = granule.wrapping_mul(0x9E37_79B9_7F4A_7C15) & (0x7F << 57);
        self.0 = granule ^ tag;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The references between the examined objects, by number.
struct Graph<'a> {
    edges: &'a [u32],
    starts: &'a [u32],
}

impl Graph<'_> {
    fn children(&self, i: usize) -> &[u32] {
        &self.edges[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// Mark everything reachable from the objects in `work` as alive.
    fn mark(&self, alive: &mut [bool], work: &mut Vec<u32>) {
        while let Some(i) = work.pop() {
            for &j in self.children(i as usize) {
                if !alive[j as usize] {
                    alive[j as usize] = true;
                    work.push(j);
                }
            }
        }
    }
}

/// The exception of a finished task that nobody retrieved (its drop will report it).
fn unretrieved_exception(o: &Obj) -> Option<Exc> {
    let Obj::Native(n) = o else { return None };
    let NativeObj::Async(AsyncObj::Future(f)) = &**n else {
        return None;
    };
    f.unretrieved_exception()
}

impl Tracked {
    fn alive(&self) -> bool {
        match self {
            Tracked::List(w) => w.strong_count() > 0,
            Tracked::Dict(w) => w.strong_count() > 0,
            Tracked::Func(w) => w.strong_count() > 0,
            Tracked::Class(w) => w.strong_count() > 0,
            Tracked::Instance(w) => w.strong_count() > 0,
            Tracked::Module(w) => w.strong_count() > 0,
            Tracked::Cell(w) => w.strong_count() > 0,
            Tracked::Gen(w) => w.strong_count() > 0,
            Tracked::Iter(w) => w.strong_count() > 0,
            Tracked::Native(w) => w.strong_count() > 0,
        }
    }

    fn upgrade(&self) -> Option<Obj> {
        Some(match self {
            Tracked::List(w) => Obj::List(w.upgrade()?),
            Tracked::Dict(w) => Obj::Dict(w.upgrade()?),
            Tracked::Func(w) => Obj::Func(w.upgrade()?),
            Tracked::Class(w) => Obj::Class(w.upgrade()?),
            Tracked::Instance(w) => Obj::Instance(w.upgrade()?),
            Tracked::Module(w) => Obj::Module(w.upgrade()?),
            Tracked::Cell(w) => Obj::Cell(w.upgrade()?),
            Tracked::Gen(w) => Obj::Gen(w.upgrade()?),
            Tracked::Iter(w) => Obj::Iter(w.upgrade()?),
            Tracked::Native(w) => Obj::Native(w.upgrade()?),
        })
    }
}

fn addr<T>(r: &Rc<T>) -> usize {
    Rc::as_ptr(r) as *const () as usize
}

impl Child<'_> {
    fn addr(self) -> usize {
        match self {
            Child::List(r) => addr(r),
            Child::Tuple(r) => addr(r),
            Child::Dict(r) => addr(r),
            Child::Func(r) => addr(r),
            Child::Builtin(r) => addr(r),
            Child::Bound(r) => addr(r),
            Child::Class(r) => addr(r),
            Child::Instance(r) => addr(r),
            Child::Module(r) => addr(r),
            Child::Cell(r) => addr(r),
            Child::Gen(r) => addr(r),
            Child::Iter(r) => addr(r),
            Child::Native(r) => addr(r),
            Child::Handle(r) => addr(r),
        }
    }

    fn obj(self) -> Obj {
        match self {
            Child::List(r) => Obj::List(r.clone()),
            Child::Tuple(r) => Obj::Tuple(r.clone()),
            Child::Dict(r) => Obj::Dict(r.clone()),
            Child::Func(r) => Obj::Func(r.clone()),
            Child::Builtin(r) => Obj::Builtin(r.clone()),
            Child::Bound(r) => Obj::Bound(r.clone()),
            Child::Class(r) => Obj::Class(r.clone()),
            Child::Instance(r) => Obj::Instance(r.clone()),
            Child::Module(r) => Obj::Module(r.clone()),
            Child::Cell(r) => Obj::Cell(r.clone()),
            Child::Gen(r) => Obj::Gen(r.clone()),
            Child::Iter(r) => Obj::Iter(r.clone()),
            Child::Native(r) => Obj::Native(r.clone()),
            Child::Handle(r) => Obj::Handle(r.clone()),
        }
    }
}

impl Obj {
    fn addr(&self) -> usize {
        match self {
            Obj::List(r) => addr(r),
            Obj::Tuple(r) => addr(r),
            Obj::Dict(r) => addr(r),
            Obj::Func(r) => addr(r),
            Obj::Builtin(r) => addr(r),
            Obj::Bound(r) => addr(r),
            Obj::Class(r) => addr(r),
            Obj::Instance(r) => addr(r),
            Obj::Module(r) => addr(r),
            Obj::Cell(r) => addr(r),
            Obj::Gen(r) => addr(r),
            Obj::Iter(r) => addr(r),
            Obj::Native(r) => addr(r),
            Obj::Handle(r) => addr(r),
        }
    }

    fn strong(&self) -> usize {
        match self {
            Obj::List(r) => Rc::strong_count(r),
            Obj::Tuple(r) => Rc::strong_count(r),
            Obj::Dict(r) => Rc::strong_count(r),
            Obj::Func(r) => Rc::strong_count(r),
            Obj::Builtin(r) => Rc::strong_count(r),
            Obj::Bound(r) => Rc::strong_count(r),
            Obj::Class(r) => Rc::strong_count(r),
            Obj::Instance(r) => Rc::strong_count(r),
            Obj::Module(r) => Rc::strong_count(r),
            Obj::Cell(r) => Rc::strong_count(r),
            Obj::Gen(r) => Rc::strong_count(r),
            Obj::Iter(r) => Rc::strong_count(r),
            Obj::Native(r) => Rc::strong_count(r),
            Obj::Handle(r) => Rc::strong_count(r),
        }
    }

    /// The registry entry of a registered kind.
    fn downgrade(&self) -> Option<Tracked> {
        Some(match self {
            Obj::List(r) => Tracked::List(Rc::downgrade(r)),
            Obj::Dict(r) => Tracked::Dict(Rc::downgrade(r)),
            Obj::Func(r) => Tracked::Func(Rc::downgrade(r)),
            Obj::Class(r) => Tracked::Class(Rc::downgrade(r)),
            Obj::Instance(r) => Tracked::Instance(Rc::downgrade(r)),
            Obj::Module(r) => Tracked::Module(Rc::downgrade(r)),
            Obj::Cell(r) => Tracked::Cell(Rc::downgrade(r)),
            Obj::Gen(r) => Tracked::Gen(Rc::downgrade(r)),
            Obj::Iter(r) => Tracked::Iter(Rc::downgrade(r)),
            Obj::Native(r) => Tracked::Native(Rc::downgrade(r)),
            Obj::Tuple(_) | Obj::Builtin(_) | Obj::Bound(_) | Obj::Handle(_) => return None,
        })
    }

    /// Report every strong reference this object holds; None when a `RefCell` on the way
    /// is mutably borrowed (the references behind it are then unknown).
    fn children(&self, v: &mut Visit) -> Option<()> {
        match self {
            Obj::List(l) => v.values(l.try_borrow().ok()?.iter()),
            Obj::Tuple(t) => v.values(t.iter()),
            Obj::Dict(d) => v.dict(&*d.try_borrow().ok()?),
            Obj::Func(f) => {
                v.rc(Child::Module(&f.globals));
                v.values(&f.defaults);
                v.values(f.kwdefaults.iter().map(|(_, x)| x));
                v.values(&f.closure);
                v.attrs(&*f.attrs.try_borrow().ok()?);
            }
            Obj::Builtin(b) => v.values(&b.bound),
            Obj::Bound(b) => {
                v.value(&b.receiver);
                v.value(&b.func);
            }
            Obj::Class(c) => {
                c.bases.iter().for_each(|b| v.rc(Child::Class(b)));
                c.mro.iter().for_each(|b| v.rc(Child::Class(b)));
                v.attrs(&*c.dict.try_borrow().ok()?);
            }
            Obj::Instance(i) => {
                v.rc(Child::Class(&i.class));
                v.attrs(&*i.dict.try_borrow().ok()?);
                if let Some(e) = &*i.exc.try_borrow().ok()? {
                    v.value(&e.cause);
                    v.value(&e.context);
                }
            }
            Obj::Module(m) => v.module(m)?,
            Obj::Cell(c) => v.value(&*c.try_borrow().ok()?),
            Obj::Gen(g) => {
                crate::scheduler::peek(&g.saved, |s| {
                    if let Some(s) = s {
                        v.frame(&s.frame);
                        v.values(&s.stack);
                    }
                });
            }
            Obj::Iter(it) => v.iter(&*it.try_borrow().ok()?),
            Obj::Native(n) => v.native(n)?,
            Obj::Handle(h) => v.callback(&*h.callback.try_borrow().ok()?),
        }
        Some(())
    }

    /// Empty the interior-mutable fields, handing what they held to `sink`.
    fn clear(&self, sink: &mut Vec<Box<dyn std::any::Any>>) {
        match self {
            Obj::List(l) => take(l, sink),
            Obj::Dict(d) => take(d, sink),
            Obj::Func(f) => take(&f.attrs, sink),
            Obj::Class(c) => take(&c.dict, sink),
            Obj::Instance(i) => {
                take(&i.dict, sink);
                if let Ok(mut e) = i.exc.try_borrow_mut()
                    && let Some(e) = e.as_mut()
                {
                    sink.push(Box::new(std::mem::take(&mut e.cause)));
                    sink.push(Box::new(std::mem::take(&mut e.context)));
                }
            }
            Obj::Module(m) => module_clear(m, sink),
            Obj::Cell(c) => take(c, sink),
            Obj::Gen(g) => sink.push(Box::new(g.saved.take())),
            Obj::Iter(it) => {
                if let Ok(mut it) = it.try_borrow_mut() {
                    sink.push(Box::new(std::mem::replace(&mut *it, IterObj::Exhausted)));
                }
            }
            Obj::Native(n) => match &**n {
                NativeObj::Property { fset, fdel, .. } => {
                    take(fset, sink);
                    take(fdel, sink);
                }
                NativeObj::Async(a) => async_clear(a, sink),
                _ => {}
            },
            Obj::Handle(h) => {
                if let Ok(mut cb) = h.callback.try_borrow_mut() {
                    sink.push(Box::new(std::mem::replace(&mut *cb, Callback::Done)));
                }
            }
            // Immutable: a cycle through them also passes through something above.
            Obj::Tuple(_) | Obj::Builtin(_) | Obj::Bound(_) => {}
        }
    }
}

/// Move a cell's content to `sink`, leaving the default in its place.
fn take<T: Default + 'static>(c: &RefCell<T>, sink: &mut Vec<Box<dyn std::any::Any>>) {
    if let Ok(mut x) = c.try_borrow_mut() {
        sink.push(Box::new(std::mem::take(&mut *x)));
    }
}

/// The references of one object, reported one by one to `f`.
struct Visit<'a> {
    f: &'a mut dyn FnMut(Child),
}

impl Visit<'_> {
    fn rc(&mut self, c: Child) {
        (self.f)(c)
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::List(r) => self.rc(Child::List(r)),
            Value::Tuple(r) => self.rc(Child::Tuple(r)),
            Value::Dict(r) | Value::Set(r) => self.rc(Child::Dict(r)),
            Value::Func(r) => self.rc(Child::Func(r)),
            Value::Builtin(r) if r.bound.is_some() => self.rc(Child::Builtin(r)),
            Value::Bound(r) => self.rc(Child::Bound(r)),
            Value::Class(r) => self.rc(Child::Class(r)),
            Value::Instance(r) => self.rc(Child::Instance(r)),
            Value::Module(r) => self.rc(Child::Module(r)),
            Value::Cell(r) => self.rc(Child::Cell(r)),
            Value::Gen(r) => self.rc(Child::Gen(r)),
            Value::Iter(r) => self.rc(Child::Iter(r)),
            Value::Native(r) => self.rc(Child::Native(r)),
            // Frozensets hold only hashable values, slices are rare: neither is followed.
            Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Undef
            | Value::Big(_)
            | Value::Str(_)
            | Value::Builtin(_)
            | Value::FrozenSet(_)
            | Value::Range(_)
            | Value::Slice(_) => {}
        }
    }

    fn values<'v>(&mut self, vs: impl IntoIterator<Item = &'v Value>) {
        for v in vs {
            self.value(v);
        }
    }

    fn dict(&mut self, d: &Dict) {
        for e in d.iter() {
            self.value(&e.key);
            self.value(&e.value);
        }
    }

    fn attrs(&mut self, a: &Attrs) {
        self.values(a.values());
    }

    fn module(&mut self, m: &Module) -> Option<()> {
        self.attrs(&*m.globals.try_borrow().ok()?);
        Some(())
    }

    fn frame(&mut self, fr: &Frame) {
        self.rc(Child::Module(&fr.globals));
        for b in fr.blocks() {
            if let Block::Handler { exc } = b {
                self.rc(Child::Instance(exc));
            }
        }
        if let Some(o) = &fr.owner {
            self.rc(Child::Gen(o));
        }
        if let Some(ns) = fr.ns() {
            self.rc(Child::Dict(ns));
        }
    }

    fn fiber(&mut self, fb: &Fiber) {
        for fr in &fb.frames {
            self.frame(fr);
        }
        self.values(&fb.stack);
    }

    fn exc(&mut self, e: &Option<Exc>) {
        if let Some(e) = e {
            self.rc(Child::Instance(e));
        }
    }

    fn iter(&mut self, it: &IterObj) {
        match it {
            IterObj::Seq { seq, .. } | IterObj::Reversed { seq, .. } => self.value(seq),
            IterObj::DictKeys { dict, .. }
            | IterObj::DictValues { dict, .. }
            | IterObj::DictItems { dict, .. } => self.value(dict),
            IterObj::Enumerate { it, n } => {
                self.value(it);
                self.value(n);
            }
            IterObj::Zip { its, .. } => self.values(its),
            IterObj::Map { func, its } => {
                self.value(func);
                self.values(its);
            }
            IterObj::Filter { func, it } => {
                self.value(func);
                self.value(it);
            }
            IterObj::Callable { func, sentinel } => {
                self.value(func);
                self.value(sentinel);
            }
            IterObj::Count { cur, step } => {
                self.value(cur);
                self.value(step);
            }
            IterObj::Range { .. } | IterObj::Str { .. } | IterObj::Exhausted => {}
        }
    }

    fn native(&mut self, n: &NativeObj) -> Option<()> {
        match n {
            NativeObj::Property { fget, fset, fdel } => {
                self.value(fget);
                self.value(&*fset.try_borrow().ok()?);
                self.value(&*fdel.try_borrow().ok()?);
            }
            NativeObj::StaticMethod(f) | NativeObj::ClassMethod(f) => self.value(f),
            NativeObj::Super { class, receiver } => {
                self.rc(Child::Class(class));
                self.value(receiver);
            }
            NativeObj::Partial { func, args, kw } => {
                self.value(func);
                self.values(args);
                self.values(kw.iter().map(|(_, x)| x));
            }
            NativeObj::Async(a) => self.async_obj(a)?,
        }
        Some(())
    }

    /// The scheduler's objects (loops, futures and tasks, handles, sleeps).
    fn async_obj(&mut self, a: &AsyncObj) -> Option<()> {
        match a {
            AsyncObj::Loop(l) => {
                for r in l.ready.try_borrow().ok()?.iter() {
                    match r {
                        Ready::Handle(h) => self.rc(Child::Handle(h)),
                        Ready::Inline(cb) => self.callback(cb),
                    }
                }
                for e in l.timers.try_borrow().ok()?.iter() {
                    self.rc(Child::Native(&e.action));
                }
                self.value(&*l.exception_handler.try_borrow().ok()?);
                self.value(&*l.until.try_borrow().ok()?);
                // `tasks` holds weak references.
            }
            AsyncObj::Future(f) => {
                self.value(&f.lp);
                crate::scheduler::peek(&f.result, |r| self.value(r));
                crate::scheduler::peek(&f.callbacks, |cbs| {
                    for cb in cbs {
                        match cb {
                            FutCallback::Py(v) => self.value(v),
                            FutCallback::Wakeup(o)
                            | FutCallback::StopLoop(o)
                            | FutCallback::Gather(o) => self.rc(Child::Native(o)),
                        }
                    }
                });
                crate::scheduler::peek(&f.cancel, |c| {
                    if let Some(c) = c {
                        self.value(&c.message);
                        self.exc(&c.exc);
                    }
                });
                if let Some(t) = f.task() {
                    self.value(&t.coro);
                    crate::scheduler::peek(&t.fiber, |fb| {
                        if let Some(fb) = fb {
                            self.fiber(fb);
                        }
                    });
                    crate::scheduler::peek(&t.fut_waiter, |w| self.value(w));
                }
                if let Some(g) = f.gather() {
                    self.values(g.children.try_borrow().ok()?.iter());
                }
            }
            AsyncObj::Handle(h) => self.rc(Child::Handle(h)),
            AsyncObj::Sleep(s) => {
                self.value(&s.result);
                crate::scheduler::peek(&s.state, |st| self.value(st));
                crate::scheduler::peek(&s.cancel_message, |m| self.value(m));
            }
            AsyncObj::QueueOp(q) => {
                self.value(&q.queue);
                if let Some(item) = &q.item {
                    self.value(item);
                }
                self.value(&*q.waiter.try_borrow().ok()?);
            }
            AsyncObj::ASend {
                owner,
                value,
                throw,
            } => {
                self.value(owner);
                self.value(value);
                self.exc(throw);
            }
        }
        Some(())
    }

    fn callback(&mut self, cb: &Callback) {
        match cb {
            Callback::Call(call) => {
                self.value(&call.func);
                self.values(&call.args);
            }
            Callback::Step { task, exc } | Callback::SleepWakeup { task, exc } => {
                self.rc(Child::Native(task));
                self.exc(exc);
            }
            Callback::SleepDue { task } => self.rc(Child::Native(task)),
            Callback::StopLoop { lp, fut: other }
            | Callback::GatherChildDone {
                outer: lp,
                child: other,
            } => {
                self.rc(Child::Native(lp));
                self.rc(Child::Native(other));
            }
            Callback::SetResultUnlessCancelled { sleep } => self.value(sleep),
            Callback::Done => {}
        }
    }
}

fn module_clear(m: &Module, sink: &mut Vec<Box<dyn std::any::Any>>) {
    take(&m.globals, sink);
}

/// Break a garbage scheduler object's references. A task keeps its name, its coroutine
/// and a never-retrieved exception: its drop reports with them.
fn async_clear(a: &AsyncObj, sink: &mut Vec<Box<dyn std::any::Any>>) {
    match a {
        AsyncObj::Loop(l) => {
            take(&l.ready, sink);
            take(&l.timers, sink);
            take(&l.exception_handler, sink);
            take(&l.until, sink);
        }
        AsyncObj::Future(f) => {
            // A task whose exception nobody retrieved keeps it for its drop's warning.
            if f.unretrieved_exception().is_none() {
                sink.push(Box::new(f.result.take()));
            }
            sink.push(Box::new(f.callbacks.take()));
            sink.push(Box::new(f.cancel.take()));
            if let Some(g) = f.gather() {
                take(&g.children, sink);
            }
            if let Some(t) = f.task() {
                sink.push(Box::new(t.fiber.take()));
                sink.push(Box::new(t.fut_waiter.take()));
            }
        }
        AsyncObj::Sleep(s) => {
            sink.push(Box::new(s.state.take()));
            sink.push(Box::new(s.cancel_message.take()));
        }
        AsyncObj::QueueOp(q) => take(&q.waiter, sink),
        AsyncObj::Handle(_) | AsyncObj::ASend { .. } => {}
    }
}
