//! An insertion-ordered hash table keyed by values.
//!
//! Hashing and equality of keys may need to call Python code (`__hash__`, `__eq__`), so the
//! table does not compute them itself: callers pass the hash and compare candidate keys,
//! with the table no longer borrowed (see `vm::dictops`).

use smallvec::SmallVec;

use crate::value::Value;

pub struct Entry {
    pub hash: u64,
    pub key: Value,
    pub value: Value,
}

#[derive(Default)]
pub struct Dict {
    /// Entries in insertion order; removed ones become `None` until the next compaction.
    entries: Vec<Option<Entry>>,
    /// Open-addressing table of indices into `entries`; `EMPTY` marks a free slot.
    indices: Vec<u32>,
    len: usize,
}

const EMPTY: u32 = u32::MAX;

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entry indices whose hash equals `hash`, in probe order.
    pub fn candidates(&self, hash: u64) -> SmallVec<[usize; 2]> {
        let mut out = SmallVec::new();
        if self.indices.is_empty() {
            return out;
        }
        let mask = self.indices.len() - 1;
        let mut slot = (hash as usize) & mask;
        let mut perturb = hash;
        loop {
            let ix = self.indices[slot];
            if ix == EMPTY {
                return out;
            }
            if let Some(e) = &self.entries[ix as usize]
                && e.hash == hash
            {
                out.push(ix as usize);
            }
            perturb >>= 5;
            slot = (slot * 5 + 1 + perturb as usize) & mask;
        }
    }

    pub fn entry(&self, ix: usize) -> Option<&Entry> {
        self.entries.get(ix).and_then(|e| e.as_ref())
    }

    pub fn entry_mut(&mut self, ix: usize) -> Option<&mut Entry> {
        self.entries.get_mut(ix).and_then(|e| e.as_mut())
    }

    /// Append a key known not to be present.
    pub fn push(&mut self, hash: u64, key: Value, value: Value) {
        if (self.entries.len() + 1) * 3 >= self.indices.len() * 2 {
            self.rebuild((self.len + 1) * 2);
        }
        let ix = self.entries.len() as u32;
        self.entries.push(Some(Entry { hash, key, value }));
        self.place(hash, ix);
        self.len += 1;
    }

    /// Remove the entry at `ix`, returning it.
    pub fn remove_at(&mut self, ix: usize) -> Option<Entry> {
        let e = self.entries.get_mut(ix)?.take()?;
        self.len -= 1;
        // Tombstoned entries stay in the index table (they never match) until a rebuild.
        if self.entries.len() > 16 && self.len * 2 < self.entries.len() {
            self.rebuild(self.len * 2);
        }
        Some(e)
    }

    pub fn clear(&mut self) {
        *self = Dict::default();
    }

    /// Live entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().flatten()
    }

    /// The `n`-th raw slot (live or removed), for iterators that must notice mutation.
    pub fn slot(&self, n: usize) -> Option<Option<&Entry>> {
        self.entries.get(n).map(|e| e.as_ref())
    }

    pub fn slots(&self) -> usize {
        self.entries.len()
    }

    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|e| e.key.clone()).collect()
    }

    pub fn values(&self) -> Vec<Value> {
        self.iter().map(|e| e.value.clone()).collect()
    }

    /// Remove and return the last entry.
    pub fn pop_last(&mut self) -> Option<Entry> {
        let ix = self.entries.iter().rposition(|e| e.is_some())?;
        self.remove_at(ix)
    }

    pub fn pop_first(&mut self) -> Option<Entry> {
        let ix = self.entries.iter().position(|e| e.is_some())?;
        self.remove_at(ix)
    }

    fn place(&mut self, hash: u64, ix: u32) {
        let mask = self.indices.len() - 1;
        let mut slot = (hash as usize) & mask;
        let mut perturb = hash;
        while self.indices[slot] != EMPTY {
            perturb >>= 5;
            slot = (slot * 5 + 1 + perturb as usize) & mask;
        }
        self.indices[slot] = ix;
    }

    /// Make room for one more entry without aborting: false when the memory for a bigger
    /// table cannot be had (the caller raises MemoryError).
    pub fn try_make_room(&mut self) -> bool {
        if (self.entries.len() + 1) * 3 < self.indices.len() * 2 {
            return true;
        }
        let want = (self.len + 1) * 2;
        let cap = (want.max(4) * 3 / 2).next_power_of_two().max(8);
        let bytes = cap * std::mem::size_of::<u32>()
            + want.saturating_sub(self.entries.capacity()) * std::mem::size_of::<Option<Entry>>();
        if crate::memory::reserve(bytes).is_err() {
            return false;
        }
        let mut indices: Vec<u32> = Vec::new();
        if indices.try_reserve_exact(cap).is_err() || self.entries.try_reserve(want).is_err() {
            return false;
        }
        drop(indices);
        self.rebuild(want);
        true
    }

    fn rebuild(&mut self, want: usize) {
        let entries: Vec<Option<Entry>> = std::mem::take(&mut self.entries)
            .into_iter()
            .filter(|e| e.is_some())
            .collect();
        let cap = (want.max(4) * 3 / 2).next_power_of_two().max(8);
        self.indices = vec![EMPTY; cap];
        for (i, e) in entries.iter().enumerate() {
            let h = e.as_ref().map(|e| e.hash).unwrap_or(0);
            self.place(h, i as u32);
        }
        self.entries = entries;
    }
}

impl Clone for Dict {
    fn clone(&self) -> Dict {
        let mut d = Dict::new();
        for e in self.iter() {
            d.push(e.hash, e.key.clone(), e.value.clone());
        }
        d
    }
}
