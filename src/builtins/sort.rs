//! Stable sorting with comparisons that may run Python code and fail.
//!
//! `<` on user objects can raise, so the sort is a merge sort over a permutation whose
//! comparator returns `PyResult<bool>`; the first error stops the sort and is returned.
//! Homogeneous ints, floats and strs take a native fast path.

use crate::ast::CmpOp;
use crate::object::PyResult;
use crate::value::Value;
use crate::vm::Vm;

/// Sort `items` by `key` (applied once per item, in order), like `sorted()`.
pub fn sort_values(
    vm: &mut Vm,
    items: Vec<Value>,
    key: Option<&Value>,
    reverse: bool,
) -> PyResult<Vec<Value>> {
    let keys: Vec<Value> = match key {
        Some(f) => {
            let mut ks = Vec::with_capacity(items.len());
            for it in &items {
                ks.push(vm.call1(f, it.clone())?);
            }
            ks
        }
        None => items.clone(),
    };
    let mut perm: Vec<usize> = (0..items.len()).collect();
    // Reversing before and after a stable sort keeps equal items in their original order,
    // which is what CPython's reverse=True does.
    if reverse {
        perm.reverse();
    }
    if !fast_sort(&keys, &mut perm) {
        let mut lt = |a: usize, b: usize| -> PyResult<bool> {
            let r = vm.compare(&keys[a], &keys[b], CmpOp::Lt)?;
            match r {
                Value::Bool(b) => Ok(b),
                other => vm.truthy(&other),
            }
        };
        merge_sort(&mut perm, &mut lt)?;
    }
    if reverse {
        perm.reverse();
    }
    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
    Ok(perm
        .into_iter()
        .map(|i| slots[i].take().unwrap_or(Value::None))
        .collect())
}

/// Sort natively when every key is an int, every key a float, or every key a str.
fn fast_sort(keys: &[Value], perm: &mut [usize]) -> bool {
    if keys.iter().all(|k| matches!(k, Value::Int(_))) {
        perm.sort_by_key(|&i| match keys[i] {
            Value::Int(x) => x,
            _ => 0,
        });
        return true;
    }
    if keys
        .iter()
        .all(|k| matches!(k, Value::Float(x) if !x.is_nan()))
    {
        let f = |i: usize| match keys[i] {
            Value::Float(x) => x,
            _ => 0.0,
        };
        perm.sort_by(|&a, &b| f(a).partial_cmp(&f(b)).unwrap_or(std::cmp::Ordering::Equal));
        return true;
    }
    if keys.iter().all(|k| matches!(k, Value::Str(_))) {
        // UTF-8 byte order equals code point order, which is Python's str order.
        perm.sort_by(|&a, &b| match (&keys[a], &keys[b]) {
            (Value::Str(x), Value::Str(y)) => x.s.cmp(&y.s),
            _ => std::cmp::Ordering::Equal,
        });
        return true;
    }
    false
}

/// Stable merge sort of `v` using a fallible "less than".
pub fn merge_sort<F>(v: &mut [usize], lt: &mut F) -> PyResult<()>
where
    F: FnMut(usize, usize) -> PyResult<bool>,
{
    const RUN: usize = 8;
    let n = v.len();
    // Sort small runs by insertion, then merge them pairwise.
    let mut start = 0;
    while start < n {
        let end = (start + RUN).min(n);
        insertion_sort(&mut v[start..end], lt)?;
        start = end;
    }
    let mut width = RUN;
    let mut buf: Vec<usize> = Vec::with_capacity(n);
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            if mid < hi {
                merge(v, lo, mid, hi, &mut buf, lt)?;
            }
            lo = hi;
        }
        width *= 2;
    }
    Ok(())
}

fn insertion_sort<F>(v: &mut [usize], lt: &mut F) -> PyResult<()>
where
    F: FnMut(usize, usize) -> PyResult<bool>,
{
    for i in 1..v.len() {
        let x = v[i];
        // Find the first position whose item is greater than x (after all equal ones).
        let (mut lo, mut hi) = (0, i);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if lt(x, v[mid])? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        v.copy_within(lo..i, lo + 1);
        v[lo] = x;
    }
    Ok(())
}

fn merge<F>(
    v: &mut [usize],
    lo: usize,
    mid: usize,
    hi: usize,
    buf: &mut Vec<usize>,
    lt: &mut F,
) -> PyResult<()>
where
    F: FnMut(usize, usize) -> PyResult<bool>,
{
    buf.clear();
    let (mut i, mut j) = (lo, mid);
    let mut result = Ok(());
    while i < mid && j < hi {
        // Take from the right only when strictly smaller: keeps the sort stable.
        match lt(v[j], v[i]) {
            Ok(true) => {
                buf.push(v[j]);
                j += 1;
            }
            Ok(false) => {
                buf.push(v[i]);
                i += 1;
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    buf.extend_from_slice(&v[i..mid]);
    buf.extend_from_slice(&v[j..hi]);
    v[lo..hi].copy_from_slice(buf);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sort_is_stable_and_sorted() {
        let keys: Vec<i32> = (0..100).map(|i| (i * 37) % 11).collect();
        let mut perm: Vec<usize> = (0..keys.len()).collect();
        let mut lt = |a: usize, b: usize| -> PyResult<bool> { Ok(keys[a] < keys[b]) };
        assert!(merge_sort(&mut perm, &mut lt).is_ok());
        for w in perm.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert!(keys[a] < keys[b] || (keys[a] == keys[b] && a < b));
        }
    }
}
