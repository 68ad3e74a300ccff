//! CPython's set iteration order, for printing and iterating sets like CPython does.
//!
//! aio's sets keep insertion order; CPython iterates its open-addressing table in slot
//! order. These helpers replay CPython 3.11's table algorithm (setobject.c: linear probes
//! of 9, perturbation shift 5, growth x4 at 60% fill) on Python hash values, and the
//! string hash CPython uses when PYTHONHASHSEED=0 (SipHash-1-3 with a zero key).

const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;
const MIN_SIZE: usize = 8;

/// A replay of one CPython set table: each slot holds (hash, caller's id).
pub struct SetLayout {
    slots: Vec<Option<(u64, usize)>>,
    used: usize,
}

impl Default for SetLayout {
    fn default() -> Self {
        SetLayout::new()
    }
}

impl SetLayout {
    pub fn new() -> SetLayout {
        SetLayout {
            slots: vec![None; MIN_SIZE],
            used: 0,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Probe sequence shared by set_add_entry and set_insert_clean (no dummies here).
    fn place(slots: &mut [Option<(u64, usize)>], hash: u64, id: usize) {
        let mask = slots.len() - 1;
        let mut perturb = hash;
        let mut i = (hash as usize) & mask;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in 0..=probes {
                if slots[i + j].is_none() {
                    slots[i + j] = Some((hash, id));
                    return;
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize)
                & mask;
        }
    }

    fn resize(&mut self, minused: usize) {
        let mut size = MIN_SIZE;
        while size <= minused {
            size <<= 1;
        }
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        for (h, id) in old.into_iter().flatten() {
            SetLayout::place(&mut self.slots, h, id);
        }
    }

    /// set.add of a key not yet present.
    pub fn add(&mut self, hash: u64, id: usize) {
        SetLayout::place(&mut self.slots, hash, id);
        self.used += 1;
        if self.used * 5 >= self.mask() * 3 {
            let u = self.used;
            self.resize(if u > 50000 { u * 2 } else { u * 4 });
        }
    }

    /// A new set filled from this one by set_merge (copy, `set(s)`, `s | t`'s first step,
    /// and the 3.11 constant set literal `BUILD_SET 0; SET_UPDATE frozenset`).
    pub fn merged_into_empty(&self) -> SetLayout {
        let mut out = SetLayout::new();
        if self.used * 5 >= out.mask() * 3 {
            out.resize(self.used * 2);
        }
        if out.slots.len() == self.slots.len() {
            out.slots.clone_from(&self.slots);
        } else {
            for (h, id) in self.slots.iter().flatten() {
                SetLayout::place(&mut out.slots, *h, *id);
            }
        }
        out.used = self.used;
        out
    }

    /// Caller ids in iteration order.
    pub fn order(&self) -> Vec<usize> {
        self.slots.iter().flatten().map(|(_, id)| *id).collect()
    }
}

/// Iteration order of a set built by adding keys with these hashes one by one
/// (`set(iterable)`, comprehensions, `add`, literals with non-constant items).
pub fn cpython_set_order(hashes: &[u64]) -> Vec<usize> {
    let mut s = SetLayout::new();
    for (id, h) in hashes.iter().enumerate() {
        s.add(*h, id);
    }
    s.order()
}

/// Iteration order of a set literal whose items are all constants (three or more).
/// CPython 3.11 folds it into a frozenset constant, which the compiler's constant merging
/// rebuilds once (adding the items in the first set's order); at run time that frozenset
/// is merged into a new, empty set. (CPython rebuilds once more when interning replaces
/// one of the string items by an equal, previously interned string, e.g. one that is also
/// an identifier; that case is not modelled.)
pub fn cpython_literal_set_order(hashes: &[u64]) -> Vec<usize> {
    let mut layout = SetLayout::new();
    for id in cpython_set_order(hashes) {
        layout.add(hashes[id], id);
    }
    layout.merged_into_empty().order()
}

/// CPython's hash of an int that fits in i64, as a u64 (two's complement).
pub fn cpython_int_hash(i: i64) -> u64 {
    const M: i64 = (1 << 61) - 1;
    let r = if i < 0 {
        -((i.unsigned_abs() % M as u64) as i64)
    } else {
        i % M
    };
    (if r == -1 { -2 } else { r }) as u64
}

fn sipround(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13);
    v[1] ^= v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16);
    v[3] ^= v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21);
    v[3] ^= v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17);
    v[1] ^= v[2];
    v[2] = v[2].rotate_left(32);
}

/// SipHash-1-3 with a zero key (CPython 3.11 with PYTHONHASHSEED=0).
fn siphash13_zero_key(data: &[u8]) -> u64 {
    let mut v = [
        0x736f_6d65_7073_6575u64,
        0x646f_7261_6e64_6f6d,
        0x6c79_6765_6e65_7261,
        0x7465_6462_7974_6573,
    ];
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let m = u64::from_le_bytes(w);
        v[3] ^= m;
        sipround(&mut v);
        v[0] ^= m;
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    let b = u64::from_le_bytes(last) | ((data.len() as u64) << 56);
    v[3] ^= b;
    sipround(&mut v);
    v[0] ^= b;
    v[2] ^= 0xff;
    for _ in 0..3 {
        sipround(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// CPython's `hash(s)` under PYTHONHASHSEED=0: SipHash-1-3 over the string's compact
/// storage (1, 2 or 4 bytes per character, by the widest character), as a u64.
pub fn cpython_str_hash(s: &str) -> u64 {
    if s.is_empty() {
        return 0;
    }
    let max = s.chars().map(|c| c as u32).max().unwrap_or(0);
    let width = if max < 0x100 {
        1
    } else if max < 0x10000 {
        2
    } else {
        4
    };
    let mut bytes = Vec::with_capacity(s.len() * width);
    for c in s.chars() {
        let n = c as u32;
        bytes.extend_from_slice(&n.to_le_bytes()[..width]);
    }
    let h = siphash13_zero_key(&bytes);
    if h == u64::MAX { h - 1 } else { h }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_of(xs: &[i64], literal: bool) -> Vec<i64> {
        let hs: Vec<u64> = xs.iter().map(|&x| cpython_int_hash(x)).collect();
        let ord = if literal {
            cpython_literal_set_order(&hs)
        } else {
            cpython_set_order(&hs)
        };
        ord.into_iter().map(|i| xs[i]).collect()
    }

    #[test]
    fn int_sets_match_cpython() {
        assert_eq!(order_of(&[3, 1, 2], false), vec![1, 2, 3]);
        assert_eq!(order_of(&[5, 3, 9, 1], false), vec![9, 3, 5, 1]);
        assert_eq!(order_of(&[10, 100, 1000, 7], false), vec![1000, 10, 100, 7]);
        assert_eq!(order_of(&[-1, -2, 5], false), vec![5, -1, -2]);
        assert_eq!(order_of(&[16, 1, 2, 3, 4], false), vec![1, 2, 3, 4, 16]);
        assert_eq!(order_of(&[16, 1, 2, 3, 4], true), vec![16, 1, 2, 3, 4]);
        assert_eq!(order_of(&[40, 8, 1], false), vec![40, 8, 1]);
    }

    fn str_order(xs: &[&str], literal: bool) -> Vec<String> {
        let hs: Vec<u64> = xs.iter().map(|x| cpython_str_hash(x)).collect();
        let ord = if literal {
            cpython_literal_set_order(&hs)
        } else {
            cpython_set_order(&hs)
        };
        ord.into_iter().map(|i| xs[i].to_string()).collect()
    }

    #[test]
    fn str_sets_match_cpython_seed_zero() {
        assert_eq!(str_order(&["b", "a", "c"], true), ["c", "a", "b"]);
        let fruit = ["apple", "banana", "cherry", "date", "elderberry", "fig"];
        assert_eq!(
            str_order(&fruit, true),
            ["banana", "fig", "cherry", "apple", "date", "elderberry"]
        );
        assert_eq!(
            str_order(&fruit, false),
            ["banana", "apple", "cherry", "fig", "date", "elderberry"]
        );
        let chars = ["h", "e", "l", "o", " ", "w", "r", "d"];
        assert_eq!(
            str_order(&chars, false),
            [" ", "d", "r", "h", "o", "e", "w", "l"]
        );
    }

    #[test]
    fn str_hash_matches_cpython_seed_zero() {
        assert_eq!(cpython_str_hash("") as i64, 0);
        assert_eq!(cpython_str_hash("a") as i64, 4644417185603328019);
        assert_eq!(cpython_str_hash("hello") as i64, -2096571579003691106);
        assert_eq!(cpython_str_hash("你好") as i64, 136820607464071493);
        assert_eq!(cpython_str_hash("😀x") as i64, -8926728262118538918);
    }
}
