//! A loop's ready queue: a ring buffer whose push builds the entry in its slot.
//!
//! `VecDeque::push_back(v)` must keep `v` somewhere while the queue may grow (growing
//! can unwind), so the entry is first assembled in a temporary with narrow stores and
//! then copied into its slot with wider loads, which the processor cannot forward from
//! those stores: it stalls, and scheduling a task's step was a ninth of `switch`'s time.
//! Here the room is made first and the entry built after, in the slot (as
//! `in_place::push_with` does for a `Vec`). Slots are `Option`s, so the queue is safe
//! code; an empty slot costs nothing (`Ready` has spare tag values).

use super::Ready;

// A million tasks wait in the queue at once in `million`: an empty slot's tag is free.
const _: () = assert!(std::mem::size_of::<Option<Ready>>() == 24);

#[derive(Default)]
pub struct ReadyQueue {
    /// A power of two long (or empty); the entries are `slots[head..head + len]`, wrapping.
    slots: Box<[Option<Ready>]>,
    head: usize,
    len: usize,
}

impl ReadyQueue {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Append the entry `make` returns, built once there is room for it.
    #[inline(always)]
    pub fn push_back_with(&mut self, make: impl FnOnce() -> Ready) {
        if self.len == self.slots.len() {
            self.grow();
        }
        let i = (self.head + self.len) & self.mask();
        let slot = &mut self.slots[i];
        debug_assert!(slot.is_none(), "a free slot is empty");
        // Replaced, not assigned: a free slot holds nothing to drop, and forgetting what
        // it held spares reading it (an assignment would drop it first, and the entry
        // would wait in a temporary meanwhile).
        std::mem::forget(slot.replace(make()));
        self.len += 1;
    }

    pub fn push_back(&mut self, r: Ready) {
        self.push_back_with(|| r);
    }

    pub fn push_front(&mut self, r: Ready) {
        if self.len == self.slots.len() {
            self.grow();
        }
        self.head = (self.head + self.slots.len() - 1) & self.mask();
        self.slots[self.head] = Some(r);
        self.len += 1;
    }

    pub fn pop_front(&mut self) -> Option<Ready> {
        if self.len == 0 {
            return None;
        }
        let r = self.slots[self.head].take();
        self.head = (self.head + 1) & self.mask();
        self.len -= 1;
        r
    }

    /// The entries, first to last.
    pub fn iter(&self) -> impl Iterator<Item = &Ready> {
        let mask = self.mask();
        (0..self.len).filter_map(move |k| self.slots[(self.head + k) & mask].as_ref())
    }

    /// Take the first `n` entries out (all of them if there are fewer).
    pub fn take_front(&mut self, n: usize) -> Vec<Ready> {
        (0..n.min(self.len))
            .filter_map(|_| self.pop_front())
            .collect()
    }

    pub fn clear(&mut self) {
        while self.pop_front().is_some() {}
        self.head = 0;
    }

    /// Double the room (8 slots at first), the entries moved to the front in order.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(8);
        let mut slots: Vec<Option<Ready>> = Vec::with_capacity(cap);
        while let Some(r) = self.pop_front() {
            slots.push(Some(r));
        }
        self.len = slots.len();
        slots.resize_with(cap, || None);
        self.slots = slots.into_boxed_slice();
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::Callback;
    use crate::value::Value;

    fn entry(i: i64) -> Ready {
        Ready::Inline(Callback::call(Value::Int(i), vec![]))
    }

    fn id(r: &Ready) -> i64 {
        match r {
            Ready::Inline(Callback::Call(c)) => match c.func {
                Value::Int(i) => i,
                _ => -1,
            },
            _ => -1,
        }
    }

    fn ids(q: &ReadyQueue) -> Vec<i64> {
        q.iter().map(id).collect()
    }

    #[test]
    fn first_in_first_out_across_growth_and_wrapping() {
        let mut q = ReadyQueue::default();
        assert!(q.pop_front().is_none());
        let mut model = std::collections::VecDeque::new();
        let mut next = 0;
        // Pushes and pops in uneven rounds, so the entries wrap around the end before
        // the queue grows again.
        for round in 0..40 {
            for _ in 0..(round % 7 + 3) {
                q.push_back(entry(next));
                model.push_back(next);
                next += 1;
            }
            if round % 5 == 0 {
                q.push_front(entry(-next));
                model.push_front(-next);
            }
            for _ in 0..(round % 4 + 2) {
                let got = q.pop_front().map(|r| id(&r));
                assert_eq!(got, model.pop_front());
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(ids(&q), model.iter().copied().collect::<Vec<_>>());
        }
        let front: Vec<i64> = q.take_front(5).iter().map(id).collect();
        let want: Vec<i64> = model.drain(..5).collect();
        assert_eq!(front, want);
        q.clear();
        assert!(q.is_empty());
        assert!(ids(&q).is_empty());
    }
}
