//! Who awaits a future besides what the loop knows (a task's `fut_waiter`, a gather's
//! children): relations recorded with `asyncio.future_add_to_awaited_by` (TaskGroup records
//! its parent task for each child), for the call graph of Python 3.14.

use std::rc::{Rc, Weak};

use rustc_hash::FxHashMap;

use crate::object::NativeObj;

#[derive(Default)]
pub struct AwaitedBy {
    /// Keyed by the future's address: the weak reference held here keeps the allocation,
    /// so the address is not reused while the entry exists.
    map: FxHashMap<usize, (Weak<NativeObj>, Vec<Weak<NativeObj>>)>,
    /// Drop dead entries when the map reaches this size (amortised O(1) per call).
    prune_at: usize,
}

fn key(n: &Rc<NativeObj>) -> usize {
    Rc::as_ptr(n) as usize
}

impl AwaitedBy {
    pub fn add(&mut self, fut: &Rc<NativeObj>, waiter: &Rc<NativeObj>) {
        if self.map.len() >= self.prune_at.max(64) {
            self.map.retain(|_, (f, ws)| {
                ws.retain(|w| w.strong_count() > 0);
                f.strong_count() > 0 && !ws.is_empty()
            });
            self.prune_at = self.map.len() * 2;
        }
        let (_, waiters) = self
            .map
            .entry(key(fut))
            .or_insert_with(|| (Rc::downgrade(fut), Vec::new()));
        if !waiters.iter().any(|w| w.as_ptr() == Rc::as_ptr(waiter)) {
            waiters.push(Rc::downgrade(waiter));
        }
    }

    pub fn discard(&mut self, fut: &Rc<NativeObj>, waiter: &Rc<NativeObj>) {
        if let Some((_, waiters)) = self.map.get_mut(&key(fut)) {
            waiters.retain(|w| w.as_ptr() != Rc::as_ptr(waiter));
            if waiters.is_empty() {
                self.map.remove(&key(fut));
            }
        }
    }

    /// The live waiters recorded for `fut`.
    pub fn waiters(&self, fut: &Rc<NativeObj>) -> Vec<Rc<NativeObj>> {
        self.map
            .get(&key(fut))
            .map(|(_, ws)| ws.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default()
    }
}
