//! Pushing a value built in its slot.
//!
//! `vec.push(v)` (and `VecDeque::push_back`) builds `v` in a temporary first, because the
//! vector may have to grow before it can be written, and then copies it into the slot with
//! loads wider than the stores that built it. The processor cannot forward those narrow
//! stores to the wide load and stalls until they reach the cache: on the hot paths that was
//! a seventh of `fib`'s time (a call's frame and LOAD_GLOBAL's value) and most of a task's
//! `call_soon`. Extending with one item makes room first and builds the item after.

/// Push the value `make` returns, built in place once the collection has room for it.
#[inline(always)]
pub fn push_with<T, C: Extend<T>>(c: &mut C, make: impl FnOnce() -> T) {
    c.extend(std::iter::once_with(make));
}
