//! The `random` module: CPython's Mersenne Twister and its derived algorithms, so that
//! seeded programs produce CPython's exact sequences.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive, Zero};

use crate::ast::BinOp;
use crate::builtins::args::{self, as_big, to_f64};
use crate::object::{CallArgs, Module, NativeFn, PyResult};
use crate::types::{index_error, type_error, value_error};
use crate::value::Value;
use crate::vm::Vm;

const N: usize = 624;
const M: usize = 397;

/// MT19937 with CPython's seeding (init_by_array) and output conversions.
pub struct Mt {
    mt: [u32; N],
    mti: usize,
    /// The second value of the last Box-Muller pair (random.gauss).
    gauss_next: Option<f64>,
}

impl Mt {
    pub fn new() -> Mt {
        let mut m = Mt {
            mt: [0; N],
            mti: N + 1,
            gauss_next: None,
        };
        m.seed_words(&[0]);
        m
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1812433253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.mti = N;
    }

    /// init_by_array: the key is the seed's 32-bit words, least significant first.
    pub fn seed_words(&mut self, key: &[u32]) {
        let key: &[u32] = if key.is_empty() { &[0] } else { key };
        self.init_genrand(19650218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1664525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1566083941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
        self.gauss_next = None;
    }

    /// Seed from an int: CPython uses the absolute value's 32-bit words.
    pub fn seed_int(&mut self, n: &BigInt) {
        let (_, words) = n.abs().to_u32_digits();
        self.seed_words(&words);
    }

    /// Seed from a str (CPython's version 2): the UTF-8 bytes followed by their SHA-512,
    /// read as one big-endian int.
    pub fn seed_str(&mut self, s: &str) {
        let mut bytes = s.as_bytes().to_vec();
        bytes.extend_from_slice(&super::sha512::sha512(s.as_bytes()));
        self.seed_int(&BigInt::from_bytes_be(Sign::Plus, &bytes));
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.mti >= N {
            for kk in 0..N {
                let y = (self.mt[kk] & 0x8000_0000) | (self.mt[(kk + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[kk] = self.mt[(kk + M) % N] ^ (y >> 1) ^ mag;
            }
            self.mti = 0;
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// random(): 53 random bits as a float in [0, 1).
    pub fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
    }

    /// getrandbits(k): words are generated least significant first; the last word keeps
    /// its top bits.
    pub fn getrandbits(&mut self, k: u64) -> BigInt {
        if k == 0 {
            return BigInt::zero();
        }
        if k <= 32 {
            return BigInt::from(self.next_u32() >> (32 - k));
        }
        let words = (k - 1) / 32 + 1;
        let mut out = Vec::with_capacity(words as usize);
        let mut left = k;
        for _ in 0..words {
            let mut r = self.next_u32();
            if left < 32 {
                r >>= 32 - left;
            }
            out.push(r);
            left = left.saturating_sub(32);
        }
        BigInt::from_slice(Sign::Plus, &out)
    }

    /// A random int in [0, n) for n > 0 (rejection sampling on n.bit_length() bits).
    pub fn randbelow(&mut self, n: &BigInt) -> BigInt {
        if !n.is_positive() {
            return BigInt::zero();
        }
        let k = n.bits();
        if k <= 32 {
            let n = n.to_u32().unwrap_or(u32::MAX);
            loop {
                let r = self.next_u32() >> (32 - k);
                if r < n {
                    return BigInt::from(r);
                }
            }
        }
        loop {
            let r = self.getrandbits(k);
            if &r < n {
                return r;
            }
        }
    }

    pub fn randbelow_usize(&mut self, n: usize) -> usize {
        self.randbelow(&BigInt::from(n)).to_usize().unwrap_or(0)
    }
}

impl Default for Mt {
    fn default() -> Self {
        Mt::new()
    }
}

thread_local! {
    static STATE: RefCell<Mt> = RefCell::new(Mt::new());
}

fn with<R>(f: impl FnOnce(&mut Mt) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Unseeded generators start from the system time (CPython uses os.urandom).
fn seed_from_time() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let words = [
        nanos as u32,
        (nanos >> 32) as u32,
        (nanos >> 64) as u32,
        std::process::id(),
    ];
    with(|m| m.seed_words(&words));
}

fn seed(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params("seed", &mut a, 0, &["a", "version"], 0)?;
    match p[0].as_ref().unwrap_or(&Value::None) {
        Value::None => seed_from_time(),
        v @ (Value::Int(_) | Value::Big(_) | Value::Bool(_)) => {
            let n = as_big(v).unwrap_or_default();
            with(|m| m.seed_int(&n));
        }
        Value::Str(s) => with(|m| m.seed_str(&s.s)),
        v @ Value::Float(_) => {
            // Other hashable seeds use abs(hash(a)).
            let h = vm.hash(v)? as i64;
            with(|m| m.seed_int(&BigInt::from(h)));
        }
        _ => {
            return Err(type_error(
                "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
            ));
        }
    }
    Ok(Value::None)
}

fn random(_vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::none("random", &a, 0)?;
    Ok(Value::Float(with(|m| m.random())))
}

fn getrandbits(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("getrandbits", &a, 0)?;
    let k = args::index_big(vm, &v)?;
    if k.is_negative() {
        return Err(value_error("number of bits must be non-negative"));
    }
    let Some(k) = k.to_u64().filter(|k| *k <= 1 << 31) else {
        return Err(args::memory_error());
    };
    Ok(Value::big(with(|m| m.getrandbits(k))))
}

/// An int argument of randrange: ints, or floats equal to an int (deprecated in CPython).
fn range_arg(vm: &mut Vm, v: &Value, what: &str) -> PyResult<BigInt> {
    if let Value::Float(x) = v {
        if x.fract() == 0.0 && x.is_finite() {
            return Ok(as_big(&crate::builtins::numbers::float_to_int(*x)?).unwrap_or_default());
        }
        return Err(value_error(format!("non-integer {what} for randrange()")));
    }
    args::index_big(vm, v)
}

fn randrange_impl(
    vm: &mut Vm,
    start: &Value,
    stop: Option<&Value>,
    step: Option<&Value>,
) -> PyResult<BigInt> {
    let istart = range_arg(vm, start, "arg 1")?;
    let Some(stop) = stop.filter(|v| !v.is_none()) else {
        if step.is_some() {
            return Err(type_error("Missing a non-None stop argument"));
        }
        if istart.is_positive() {
            return Ok(with(|m| m.randbelow(&istart)));
        }
        return Err(value_error("empty range for randrange()"));
    };
    let istop = range_arg(vm, stop, "stop")?;
    let width = &istop - &istart;
    let istep = match step {
        Some(s) => range_arg(vm, s, "step")?,
        None => BigInt::from(1),
    };
    if istep == BigInt::from(1) {
        if width.is_positive() {
            return Ok(&istart + with(|m| m.randbelow(&width)));
        }
        return Err(value_error(format!(
            "empty range for randrange() ({istart}, {istop}, {width})"
        )));
    }
    let n = if istep.is_positive() {
        (&width + &istep - BigInt::from(1)).div_floor_big(&istep)
    } else if istep.is_negative() {
        (&width + &istep + BigInt::from(1)).div_floor_big(&istep)
    } else {
        return Err(value_error("zero step for randrange()"));
    };
    if !n.is_positive() {
        return Err(value_error("empty range for randrange()"));
    }
    Ok(&istart + &istep * with(|m| m.randbelow(&n)))
}

trait DivFloor {
    fn div_floor_big(&self, d: &BigInt) -> BigInt;
}
impl DivFloor for BigInt {
    fn div_floor_big(&self, d: &BigInt) -> BigInt {
        num_integer::Integer::div_floor(self, d)
    }
}

fn randrange(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params("randrange", &mut a, 0, &["start", "stop", "step"], 1)?;
    let start = p[0].clone().unwrap_or(Value::None);
    Ok(Value::big(randrange_impl(
        vm,
        &start,
        p[1].as_ref(),
        p[2].as_ref(),
    )?))
}

fn randint(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params("randint", &mut a, 0, &["a", "b"], 2)?;
    let lo = p[0].clone().unwrap_or(Value::None);
    let hi = p[1].clone().unwrap_or(Value::None);
    let hi1 = vm.binary(&hi, BinOp::Add, &Value::Int(1))?;
    Ok(Value::big(randrange_impl(vm, &lo, Some(&hi1), None)?))
}

fn choice(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let seq = args::one("choice", &a, 0)?;
    let n = vm.len(&seq)?;
    if n == 0 {
        return Err(index_error("Cannot choose from an empty sequence"));
    }
    let i = with(|m| m.randbelow_usize(n));
    vm.getitem(&seq, &Value::Int(i as i64))
}

fn shuffle(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let x = args::one("shuffle", &a, 0)?;
    match &x {
        Value::List(l) => {
            let n = l.borrow().len();
            for i in (1..n).rev() {
                let j = with(|m| m.randbelow_usize(i + 1));
                let mut lb = l.borrow_mut();
                if i < lb.len() && j < lb.len() {
                    lb.swap(i, j);
                }
            }
            Ok(Value::None)
        }
        _ => {
            // Any mutable sequence: swap through __getitem__/__setitem__.
            let n = vm.len(&x)?;
            for i in (1..n).rev() {
                let j = with(|m| m.randbelow_usize(i + 1));
                let (vi, vj) = (Value::Int(i as i64), Value::Int(j as i64));
                let a_i = vm.getitem(&x, &vi)?;
                let a_j = vm.getitem(&x, &vj)?;
                vm.setitem(&x, &vi, a_j)?;
                vm.setitem(&x, &vj, a_i)?;
            }
            Ok(Value::None)
        }
    }
}

fn sample(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let kw = args::take_named(&mut a, &["counts"]);
    let p = args::params("sample", &mut a, 0, &["population", "k"], 2)?;
    if kw[0].as_ref().is_some_and(|c| !c.is_none()) {
        return Err(type_error("sample() counts are not supported"));
    }
    let pop = p[0].clone().unwrap_or(Value::None);
    let kv = p[1].clone().unwrap_or(Value::None);
    if matches!(pop, Value::Set(_) | Value::FrozenSet(_) | Value::Dict(_)) {
        return Err(type_error(
            "Population must be a sequence.  For dicts or sets, use sorted(d).",
        ));
    }
    let n = vm.len(&pop)?;
    let k = args::index_big(vm, &kv)?;
    let k = match k.to_usize() {
        Some(k) if k > args::MAX_ITEMS => return Err(args::memory_error()),
        Some(k) if k <= n => k,
        _ => {
            return Err(value_error("Sample larger than population or is negative"));
        }
    };
    let mut setsize = 21usize;
    if k > 5 {
        let e = (k.saturating_mul(3) as f64).ln() / 4f64.ln();
        setsize += 4usize.saturating_pow(e.ceil() as u32);
    }
    let mut result = Vec::with_capacity(k);
    if n <= setsize {
        let mut pool = args::items(vm, &pop)?;
        for i in 0..k {
            let j = with(|m| m.randbelow_usize(n - i));
            let Some(v) = pool.get(j).cloned() else { break };
            result.push(v);
            if let Some(last) = pool.get(n - i - 1).cloned() {
                pool[j] = last;
            }
        }
    } else {
        let mut selected = rustc_hash::FxHashSet::default();
        for _ in 0..k {
            let mut j = with(|m| m.randbelow_usize(n));
            while selected.contains(&j) {
                j = with(|m| m.randbelow_usize(n));
            }
            selected.insert(j);
            result.push(vm.getitem(&pop, &Value::Int(j as i64))?);
        }
    }
    Ok(Value::list(result))
}

fn choices(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let kw = args::take_named(&mut a, &["cum_weights", "k"]);
    let p = args::params("choices", &mut a, 0, &["population", "weights"], 1)?;
    let pop = p[0].clone().unwrap_or(Value::None);
    let k = match &kw[1] {
        Some(v) => args::index_clamped(vm, v)?.max(0) as usize,
        None => 1,
    };
    if k > args::MAX_ITEMS {
        return Err(args::memory_error());
    }
    let n = vm.len(&pop)?;
    let weights = p[1].clone().filter(|w| !w.is_none());
    let cum = kw[0].clone().filter(|w| !w.is_none());
    let mut out = Vec::with_capacity(k);
    let cum_weights: Vec<Value> = match (weights, cum) {
        (None, None) => {
            let nf = n as f64;
            for _ in 0..k {
                let i = (with(|m| m.random()) * nf).floor() as i64;
                out.push(vm.getitem(&pop, &Value::Int(i))?);
            }
            return Ok(Value::list(out));
        }
        (Some(_), Some(_)) => {
            return Err(type_error(
                "Cannot specify both weights and cumulative weights",
            ));
        }
        (Some(w), None) => {
            let ws = vm.collect(&w)?;
            let mut acc: Option<Value> = None;
            let mut cw = Vec::with_capacity(ws.len());
            for x in ws {
                let next = match acc {
                    None => x,
                    Some(s) => vm.binary(&s, BinOp::Add, &x)?,
                };
                cw.push(next.clone());
                acc = Some(next);
            }
            cw
        }
        (None, Some(c)) => vm.collect(&c)?,
    };
    if cum_weights.len() != n {
        return Err(value_error(
            "The number of weights does not match the population",
        ));
    }
    let mut cw = Vec::with_capacity(n);
    for v in &cum_weights {
        cw.push(to_f64(vm, v)?);
    }
    let total = cw.last().copied().unwrap_or(0.0);
    if total <= 0.0 {
        return Err(value_error("Total of weights must be greater than zero"));
    }
    if !total.is_finite() {
        return Err(value_error("Total of weights must be finite"));
    }
    let hi = n.saturating_sub(1);
    for _ in 0..k {
        let x = with(|m| m.random()) * total;
        // bisect_right(cw, x, 0, hi)
        let (mut lo, mut h) = (0usize, hi);
        while lo < h {
            let mid = (lo + h) / 2;
            if x < cw[mid] {
                h = mid;
            } else {
                lo = mid + 1;
            }
        }
        out.push(vm.getitem(&pop, &Value::Int(lo as i64))?);
    }
    Ok(Value::list(out))
}

fn uniform(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("uniform", &a, 0, 2, 2)?;
    let lo = to_f64(vm, &a.pos[0])?;
    let hi = to_f64(vm, &a.pos[1])?;
    Ok(Value::Float(lo + (hi - lo) * with(|m| m.random())))
}

fn triangular(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let p = args::params("triangular", &mut a, 0, &["low", "high", "mode"], 0)?;
    let mut low = match &p[0] {
        Some(v) => to_f64(vm, v)?,
        None => 0.0,
    };
    let mut high = match &p[1] {
        Some(v) => to_f64(vm, v)?,
        None => 1.0,
    };
    let mut u = with(|m| m.random());
    let mut c = match &p[2] {
        Some(v) if !v.is_none() => {
            let mode = to_f64(vm, v)?;
            if high == low {
                return Ok(Value::Float(low));
            }
            (mode - low) / (high - low)
        }
        _ => 0.5,
    };
    if u > c {
        u = 1.0 - u;
        c = 1.0 - c;
        std::mem::swap(&mut low, &mut high);
    }
    Ok(Value::Float(low + (high - low) * (u * c).sqrt()))
}

fn mu_sigma(vm: &mut Vm, a: &mut CallArgs, name: &str) -> PyResult<(f64, f64)> {
    let p = args::params(name, a, 0, &["mu", "sigma"], 0)?;
    let mu = match &p[0] {
        Some(v) => to_f64(vm, v)?,
        None => 0.0,
    };
    let sigma = match &p[1] {
        Some(v) => to_f64(vm, v)?,
        None => 1.0,
    };
    Ok((mu, sigma))
}

fn gauss(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let (mu, sigma) = mu_sigma(vm, &mut a, "gauss")?;
    let z = with(|m| match m.gauss_next.take() {
        Some(z) => z,
        None => {
            let x2pi = m.random() * std::f64::consts::TAU;
            let g2rad = (-2.0 * (1.0 - m.random()).ln()).sqrt();
            m.gauss_next = Some(x2pi.sin() * g2rad);
            x2pi.cos() * g2rad
        }
    });
    Ok(Value::Float(mu + z * sigma))
}

fn normalvariate(vm: &mut Vm, mut a: CallArgs) -> PyResult<Value> {
    let (mu, sigma) = mu_sigma(vm, &mut a, "normalvariate")?;
    let magic = 4.0 * (-0.5f64).exp() / 2.0f64.sqrt();
    let z = with(|m| {
        loop {
            let u1 = m.random();
            let u2 = 1.0 - m.random();
            let z = magic * (u1 - 0.5) / u2;
            let zz = z * z / 4.0;
            if zz <= -u2.ln() {
                break z;
            }
        }
    });
    Ok(Value::Float(mu + z * sigma))
}

fn expovariate(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("expovariate", &a, 0)?;
    let lambd = to_f64(vm, &v)?;
    if lambd == 0.0 {
        return Err(crate::types::zero_division("float division by zero"));
    }
    Ok(Value::Float(-(1.0 - with(|m| m.random())).ln() / lambd))
}

pub fn make() -> Rc<Module> {
    seed_from_time();
    let m = Module::new("random");
    let fns: &[(&'static str, NativeFn)] = &[
        ("seed", seed),
        ("random", random),
        ("getrandbits", getrandbits),
        ("randrange", randrange),
        ("randint", randint),
        ("choice", choice),
        ("choices", choices),
        ("shuffle", shuffle),
        ("sample", sample),
        ("uniform", uniform),
        ("triangular", triangular),
        ("gauss", gauss),
        ("normalvariate", normalvariate),
        ("expovariate", expovariate),
    ];
    for (name, f) in fns {
        m.set(name, args::builtin(name, *f));
    }
    Rc::new(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(n: i64) -> Mt {
        let mut m = Mt::new();
        m.seed_int(&BigInt::from(n));
        m
    }

    #[test]
    fn matches_cpython_seed_42() {
        let mut m = seeded(42);
        let ints: Vec<i64> = (0..10)
            .map(|_| 1 + m.randbelow(&BigInt::from(100)).to_i64().unwrap_or(-1))
            .collect();
        assert_eq!(ints, vec![82, 15, 4, 95, 36, 32, 29, 18, 95, 14]);
        assert_eq!(m.random(), 0.6766994874229113);
        assert_eq!(m.randbelow_usize(6), 4); // 'e' in 'abcdef'
    }

    #[test]
    fn matches_cpython_getrandbits() {
        let mut m = seeded(0);
        assert_eq!(m.random(), 0.8444218515250481);
        assert_eq!(
            m.getrandbits(64),
            "16422101724900707500".parse::<BigInt>().unwrap_or_default()
        );
        assert_eq!(
            m.getrandbits(100),
            "1208935935994293442776782246997"
                .parse::<BigInt>()
                .unwrap_or_default()
        );
        assert_eq!(m.getrandbits(5), BigInt::from(16));
    }

    #[test]
    fn matches_cpython_big_and_negative_seeds() {
        let mut m = Mt::new();
        m.seed_int(&(BigInt::from(1) << 100usize | BigInt::from(12345)));
        assert_eq!(m.random(), 0.44487310994347073);
        assert_eq!(seeded(-7).random(), 0.32383276483316237);
    }

    #[test]
    fn matches_cpython_str_seed() {
        let mut m = Mt::new();
        m.seed_str("hello");
        assert_eq!(m.random(), 0.3537754404730722);
    }

    #[test]
    fn matches_cpython_shuffle() {
        let mut m = seeded(123);
        let mut l: Vec<i32> = (0..10).collect();
        for i in (1..l.len()).rev() {
            let j = m.randbelow_usize(i + 1);
            l.swap(i, j);
        }
        assert_eq!(l, vec![8, 7, 5, 9, 2, 3, 6, 1, 4, 0]);
    }
}
