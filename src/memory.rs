//! Heap accounting for `--max-memory`: a global allocator that counts the bytes the
//! interpreter holds, once a limit is set. The VM compares the count with the limit at its
//! periodic check (`vm/budget.rs`), and big allocations ask `reserve` first, so a program
//! that would pass the limit gets a MemoryError instead of the machine's memory.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

/// Counting starts when a limit is set; until then the allocator is `pool`'s, plus one
/// predictable branch.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes allocated since counting started (approximate: frees of older blocks count too).
static ALLOCATED: AtomicIsize = AtomicIsize::new(0);
/// The limit in bytes; 0 when there is none.
static LIMIT: AtomicUsize = AtomicUsize::new(0);

pub struct CountingAlloc;

// SAFETY: every call is forwarded unchanged to `pool`, which serves small blocks itself and
// passes the rest to the system allocator; only counters move.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { crate::pool::alloc(layout) };
        if COUNTING.load(Ordering::Relaxed) && !p.is_null() {
            ALLOCATED.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { crate::pool::alloc_zeroed(layout) };
        if COUNTING.load(Ordering::Relaxed) && !p.is_null() {
            ALLOCATED.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { crate::pool::dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATED.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { crate::pool::realloc(ptr, layout, new_size) };
        if COUNTING.load(Ordering::Relaxed) && !p.is_null() {
            ALLOCATED.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Limit the interpreter's heap to `bytes` from now on.
pub fn set_limit(bytes: usize) {
    LIMIT.store(bytes, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
}

/// The limit in bytes, if one is set.
pub fn limit() -> Option<usize> {
    match LIMIT.load(Ordering::Relaxed) {
        0 => None,
        n => Some(n),
    }
}

/// Bytes counted so far (0 when no limit is set).
pub fn allocated() -> usize {
    ALLOCATED.load(Ordering::Relaxed).max(0) as usize
}

/// Is the heap over the limit?
pub fn over_limit() -> bool {
    limit().is_some_and(|l| allocated() > l)
}

/// Before a big allocation of `bytes`: Err(MemoryError) when it would pass the limit.
pub fn reserve(bytes: usize) -> Result<(), crate::object::Exc> {
    match limit() {
        Some(l) if allocated().saturating_add(bytes) > l => {
            Err(crate::types::exc("MemoryError", ""))
        }
        _ => Ok(()),
    }
}

/// Make the interpreter thread allocate from glibc's main heap. A second thread gets an
/// arena of its own, which grows by an `mprotect` call every few pages: a tenth of the time
/// of a million tasks went to those calls. Call before starting other threads.
pub fn use_main_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no other thread runs yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
