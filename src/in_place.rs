//! Pushing a value built in its slot.
//!
//! `vec.push(v)` builds `v` in a temporary first, because the vector may have to grow
//! before it can be written, and then copies it into the slot with loads wider than the
//! stores that built it. The processor cannot forward those narrow stores to the wide load
//! and stalls until they reach the cache: on the dispatch loop's hot paths that was a
//! seventh of `fib`'s time (a call's frame, LOAD_GLOBAL's value). Extending the vector
//! with one item makes room first and builds the item after, in its slot. (A `VecDeque`
//! gains nothing: its `extend` is an out-of-line generic function.)

/// Push the value `make` returns, built in place once the vector has room for it.
#[inline(always)]
pub fn push_with<T>(v: &mut Vec<T>, make: impl FnOnce() -> T) {
    v.extend(std::iter::once_with(make));
}
