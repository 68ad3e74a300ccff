//! `--shuffle SEED`: each loop iteration runs its batch of ready handles in an order drawn
//! from a seeded generator instead of FIFO, to show races that CPython's order hides.
//!
//! Every order is one a real loop could produce if things had become ready at slightly
//! different moments: task steps, wake-ups and timer callbacks of one iteration are
//! permuted freely, while plain callbacks (`loop.call_soon(f)`, done callbacks) keep
//! their FIFO order among themselves, as `call_soon` promises. The same seed gives the
//! same orders, so a run (and its trace) is reproduced byte for byte.

use super::ready::ReadyQueue;

use super::{Callback, Ready};

/// A small deterministic generator (SplitMix64): no dependency, same numbers everywhere.
pub struct Shuffle {
    state: u64,
}

impl Shuffle {
    pub fn new(seed: u64) -> Shuffle {
        Shuffle { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Permute the first `n` handles of `ready` (this iteration's batch).
    pub fn permute(&mut self, ready: &mut ReadyQueue, n: usize) {
        if n < 2 {
            return;
        }
        let batch: Vec<Ready> = ready.take_front(n);
        let is_call = |r: &Ready| r.with_callback(|cb| matches!(cb, Callback::Call(_)));
        // Shuffle the entries' numbers, then put them back in that order.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            order.swap(i, j);
        }
        // Plain callbacks back into their original relative order, in the slots they got.
        let mut calls = (0..n).filter(|&i| is_call(&batch[i]));
        for slot in order.iter_mut() {
            if is_call(&batch[*slot]) {
                *slot = calls.next().expect("as many calls as before");
            }
        }
        let mut batch: Vec<Option<Ready>> = batch.into_iter().map(Some).collect();
        for &i in order.iter().rev() {
            ready.push_front(batch[i].take().expect("each entry once"));
        }
    }
}
