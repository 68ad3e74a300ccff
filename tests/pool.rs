//! The small-block allocator (`src/pool.rs`) serves every allocation of this test binary
//! too (the library sets the global allocator): blocks keep their contents through
//! growth across sizes and past the largest pooled size, are reused once freed, and may
//! be freed on another thread.

use std::collections::HashSet;

// Linked for its global allocator.
extern crate aio;

/// The sizes and alignments the pool serves.
#[test]
fn pooled_layouts() {
    assert!(aio::pool::serves(8, 8));
    assert!(aio::pool::serves(aio::pool::MAX, 8));
    assert!(!aio::pool::serves(aio::pool::MAX + 1, 8));
    assert!(!aio::pool::serves(64, 16));
}

/// A vector grown one element at a time passes through every pooled size and then into
/// the system allocator; shrinking brings it back. Its contents must survive each move.
#[test]
fn growth_and_shrinking_keep_contents() {
    for width in [1usize, 3, 8, 24] {
        let mut v: Vec<Vec<u8>> = Vec::new();
        for i in 0..400 {
            v.push(vec![(i % 251) as u8; width]);
        }
        for (i, e) in v.iter().enumerate() {
            assert_eq!(e, &vec![(i % 251) as u8; width]);
        }
        let mut bytes: Vec<u8> = (0..=255).cycle().take(2000).collect();
        bytes.truncate(37);
        bytes.shrink_to_fit();
        assert_eq!(bytes, (0..37).collect::<Vec<u8>>());
        v.truncate(5);
        v.shrink_to_fit();
        assert_eq!(v[4], vec![4u8; width]);
    }
}

/// Live blocks never overlap, and a freed block of a size is handed out again.
#[test]
fn live_blocks_are_distinct_and_freed_ones_are_reused() {
    let boxes: Vec<Box<[u64; 13]>> = (0..10_000).map(|i| Box::new([i; 13])).collect();
    let addrs: HashSet<usize> = boxes.iter().map(|b| &**b as *const _ as usize).collect();
    assert_eq!(addrs.len(), boxes.len());
    for (i, b) in boxes.iter().enumerate() {
        assert!(b.iter().all(|&x| x == i as u64));
    }
    let last = &*boxes[9_999] as *const _ as usize;
    drop(boxes);
    let again = Box::new([7u64; 13]);
    assert_eq!(
        &*again as *const _ as usize, last,
        "the last block freed comes first"
    );
}

/// Alignments above the pool's 8 bytes go to the system allocator and are honoured.
#[test]
fn stricter_alignments_are_honoured() {
    #[repr(align(64))]
    struct Wide([u8; 64]);
    let v: Vec<Box<Wide>> = (0..100).map(|i| Box::new(Wide([i; 64]))).collect();
    for (i, w) in v.iter().enumerate() {
        assert_eq!(&**w as *const Wide as usize % 64, 0);
        assert_eq!(w.0[63], i as u8);
    }
}

/// A block made on one thread and freed on another joins the freeing thread's lists.
#[test]
fn blocks_cross_threads() {
    let made: Vec<Box<[u8; 40]>> = (0..1000).map(|i| Box::new([i as u8; 40])).collect();
    let sum = std::thread::spawn(move || {
        let s: u64 = made.iter().map(|b| b[39] as u64).sum();
        drop(made);
        let fresh: Vec<Box<[u8; 40]>> = (0..1000).map(|_| Box::new([1; 40])).collect();
        s + fresh.iter().map(|b| b[0] as u64).sum::<u64>()
    })
    .join()
    .unwrap();
    assert_eq!(sum, (0..1000u64).map(|i| i % 256).sum::<u64>() + 1000);
}
