//! Small blocks from per-thread free lists, the way CPython's pymalloc serves its objects.
//!
//! Nearly every object the interpreter makes is a small block of one of a few sizes (a
//! coroutine, a task, a sleep, a four-value stack), and a million tasks make and free
//! five million of them. glibc serves those from its top chunk and, once freed, through
//! its fast bins, which it consolidates whenever a large vector grows: a sixth of the
//! instructions of `million`. Here a block of up to `MAX` bytes comes from a free list
//! per size (a multiple of 8, so no header and no rounding to 16), or else from a bump
//! pointer in a 1 MiB chunk mapped from the system. Freed blocks go back on
//! their list and are reused for the same size; chunks are never returned (glibc keeps
//! its heap too). Each thread has its own lists, so nothing is locked; a block freed by
//! another thread joins that thread's lists, which is sound because every chunk lives
//! as long as the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr::null_mut;

/// Blocks are multiples of this many bytes, aligned to it.
const GRAIN: usize = 8;
/// The largest block served here; larger ones, and stricter alignments, go to the system.
pub const MAX: usize = 512;
const CLASSES: usize = MAX / GRAIN;
const CHUNK: usize = 1 << 20;

struct Lists {
    /// The first free block of each size; a free block's first word points to the next.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    bump: *mut u8,
    end: *mut u8,
    /// Chunks this thread has taken.
    chunks: usize,
}

thread_local! {
    // Const-initialised and without a destructor: a plain thread-local, usable at any
    // point of a thread's life (a block can be freed while the thread exits).
    static LISTS: UnsafeCell<Lists> = const {
        UnsafeCell::new(Lists {
            free: [null_mut(); CLASSES],
            bump: null_mut(),
            end: null_mut(),
            chunks: 0,
        })
    };
}

/// Is a block of this layout served here?
#[inline(always)]
pub fn serves(size: usize, align: usize) -> bool {
    size <= MAX && align <= GRAIN
}

/// `GlobalAlloc::alloc`: a pooled block, or the system's.
///
/// # Safety
/// As `GlobalAlloc::alloc`.
#[inline(always)]
pub unsafe fn alloc(layout: Layout) -> *mut u8 {
    if serves(layout.size(), layout.align()) {
        take(layout.size())
    } else {
        unsafe { System.alloc(layout) }
    }
}

/// `GlobalAlloc::alloc_zeroed`.
///
/// # Safety
/// As `GlobalAlloc::alloc_zeroed`.
pub unsafe fn alloc_zeroed(layout: Layout) -> *mut u8 {
    if !serves(layout.size(), layout.align()) {
        return unsafe { System.alloc_zeroed(layout) };
    }
    let p = take(layout.size());
    if !p.is_null() {
        // SAFETY: a block of at least `layout.size()` bytes, just taken.
        unsafe { p.write_bytes(0, layout.size()) };
    }
    p
}

/// `GlobalAlloc::dealloc`.
///
/// # Safety
/// As `GlobalAlloc::dealloc`.
#[inline(always)]
pub unsafe fn dealloc(ptr: *mut u8, layout: Layout) {
    if serves(layout.size(), layout.align()) {
        give(ptr, layout.size())
    } else {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[inline(always)]
fn class(size: usize) -> usize {
    size.max(1).div_ceil(GRAIN) - 1
}

/// A block of `size` bytes (`serves(size, align)` holds); null when the system has no
/// memory for a new chunk.
#[inline(always)]
fn take(size: usize) -> *mut u8 {
    let c = class(size);
    LISTS.with(|l| {
        // SAFETY: the lists belong to this thread and no call here re-enters them.
        let l = unsafe { &mut *l.get() };
        let head = l.free[c];
        if !head.is_null() {
            // SAFETY: a free block's first word holds the next free block.
            l.free[c] = unsafe { *(head as *mut *mut u8) };
            return head;
        }
        bump(l, (c + 1) * GRAIN)
    })
}

/// Give back a block that `take(size)` returned (on any thread).
#[inline(always)]
fn give(ptr: *mut u8, size: usize) {
    let c = class(size);
    LISTS.with(|l| {
        // SAFETY: as in `take`; the block is at least 8 bytes and 8-aligned.
        let l = unsafe { &mut *l.get() };
        unsafe { *(ptr as *mut *mut u8) = l.free[c] };
        l.free[c] = ptr;
    })
}

#[inline(never)]
fn bump(l: &mut Lists, bytes: usize) -> *mut u8 {
    if (l.end as usize) - (l.bump as usize) < bytes {
        let chunk = new_chunk(l.chunks >= 2);
        if chunk.is_null() {
            return chunk;
        }
        l.chunks += 1;
        l.bump = chunk;
        // SAFETY: within the chunk just allocated.
        l.end = unsafe { chunk.add(CHUNK) };
    }
    let p = l.bump;
    // SAFETY: `bytes` fit before `end` (checked above).
    l.bump = unsafe { p.add(bytes) };
    p
}

/// A new chunk (null if the system has no memory). `many`: the thread has filled two
/// chunks already and makes many objects (a million tasks fill four hundred), so the
/// chunk comes with its pages mapped in one call instead of one page fault per 4 KiB as
/// they are first written (a tenth of the time of making a million tasks). A thread's
/// first two chunks fault in page by page, so that a small program's start-up does not
/// pay for pages it never uses.
fn new_chunk(many: bool) -> *mut u8 {
    #[cfg(target_os = "linux")]
    {
        let populate = if many { libc::MAP_POPULATE } else { 0 };
        // SAFETY: a fresh private anonymous mapping, never unmapped.
        let chunk = unsafe {
            libc::mmap(
                null_mut(),
                CHUNK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | populate,
                -1,
                0,
            )
        };
        if chunk == libc::MAP_FAILED {
            null_mut()
        } else {
            chunk.cast()
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = many;
        // SAFETY: a valid non-zero layout; the chunk is never freed.
        unsafe { System.alloc(Layout::from_size_align(CHUNK, 4096).unwrap()) }
    }
}

/// `GlobalAlloc::realloc`: resize a block this module or the system allocated (`layout`
/// is the old one).
///
/// # Safety
/// As `GlobalAlloc::realloc`.
pub unsafe fn realloc(ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    let (old_small, new_small) = (
        serves(layout.size(), layout.align()),
        serves(new_size, layout.align()),
    );
    if !old_small && !new_small {
        return unsafe { System.realloc(ptr, layout, new_size) };
    }
    if old_small && new_small && class(layout.size()) == class(new_size) {
        return ptr;
    }
    let new = if new_small {
        take(new_size)
    } else {
        // SAFETY: the caller guarantees a valid new size for this alignment.
        unsafe { System.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) }
    };
    if !new.is_null() {
        // SAFETY: both blocks hold at least the smaller size and do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        if old_small {
            give(ptr, layout.size());
        } else {
            unsafe { System.dealloc(ptr, layout) };
        }
    }
    new
}
