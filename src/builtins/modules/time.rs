//! The `time` module, on the VM's clock (virtual or real).
//!
//! There is no time zone database: "local" time is UTC.

use std::rc::Rc;

use crate::builtins::args;
use crate::object::{CallArgs, Module, NativeFn, PyResult};
use crate::types::{type_error, type_name, value_error};
use crate::value::Value;
use crate::vm::Vm;

fn time(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::none("time", &a, 0)?;
    Ok(Value::Float(vm.clock_wall()))
}

fn time_ns(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::none("time_ns", &a, 0)?;
    Ok(Value::Int((vm.clock_wall() * 1e9) as i64))
}

fn monotonic(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::none("monotonic", &a, 0)?;
    Ok(Value::Float(vm.clock_monotonic()))
}

fn monotonic_ns(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::none("monotonic_ns", &a, 0)?;
    Ok(Value::Int((vm.clock_monotonic() * 1e9) as i64))
}

fn sleep(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    let v = args::one("time.sleep", &a, 0)?;
    let secs = match &v {
        Value::Float(x) => *x,
        Value::Int(_) | Value::Bool(_) | Value::Big(_) => args::try_f64(vm, &v)?.unwrap_or(0.0),
        _ if args::has_method(&v, "__float__") => args::to_f64(vm, &v)?,
        other => {
            return Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(other)
            )));
        }
    };
    if secs.is_nan() {
        return Err(value_error("Invalid value NaN (not a number)"));
    }
    if secs < 0.0 {
        return Err(value_error("sleep length must be non-negative"));
    }
    vm.thread_sleep(secs)
}

/// Broken-down time, as C's struct tm (wday: 0 = Sunday; yday: 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tm {
    pub year: i64,
    pub mon: i64,
    pub mday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    pub wday: i64,
    pub yday: i64,
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// UTC broken-down time for seconds since the epoch (days-to-civil conversion).
pub fn gmtime(secs: i64) -> Tm {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const CUM: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = CUM[(m - 1) as usize] + d - 1 + i64::from(m > 2 && is_leap(y));
    Tm {
        year: y,
        mon: m,
        mday: d,
        hour: rem / 3600,
        min: rem % 3600 / 60,
        sec: rem % 60,
        wday: (days + 4).rem_euclid(7),
        yday,
    }
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn day_name(t: &Tm) -> &'static str {
    DAYS[t.wday.rem_euclid(7) as usize]
}

fn month_name(t: &Tm) -> &'static str {
    MONTHS[(t.mon - 1).rem_euclid(12) as usize]
}

/// C-locale strftime for the common directives.
pub fn strftime_tm(fmt: &str, t: &Tm) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        let h12 = if t.hour % 12 == 0 { 12 } else { t.hour % 12 };
        let s = match d {
            'Y' => t.year.to_string(),
            'y' => format!("{:02}", t.year.rem_euclid(100)),
            'C' => format!("{:02}", t.year.div_euclid(100)),
            'm' => format!("{:02}", t.mon),
            'd' => format!("{:02}", t.mday),
            'e' => format!("{:2}", t.mday),
            'H' => format!("{:02}", t.hour),
            'I' => format!("{h12:02}"),
            'M' => format!("{:02}", t.min),
            'S' => format!("{:02}", t.sec),
            'p' => (if t.hour < 12 { "AM" } else { "PM" }).to_string(),
            'j' => format!("{:03}", t.yday + 1),
            'a' => day_name(t)[..3].to_string(),
            'A' => day_name(t).to_string(),
            'b' | 'h' => month_name(t)[..3].to_string(),
            'B' => month_name(t).to_string(),
            'w' => t.wday.to_string(),
            'u' => (if t.wday == 0 { 7 } else { t.wday }).to_string(),
            'U' => format!("{:02}", (t.yday + 7 - t.wday) / 7),
            'W' => format!("{:02}", (t.yday + 7 - (t.wday + 6) % 7) / 7),
            'x' | 'D' => format!("{:02}/{:02}/{:02}", t.mon, t.mday, t.year.rem_euclid(100)),
            'X' | 'T' => format!("{:02}:{:02}:{:02}", t.hour, t.min, t.sec),
            'R' => format!("{:02}:{:02}", t.hour, t.min),
            'F' => format!("{}-{:02}-{:02}", t.year, t.mon, t.mday),
            'c' => format!(
                "{} {} {:2} {:02}:{:02}:{:02} {}",
                &day_name(t)[..3],
                &month_name(t)[..3],
                t.mday,
                t.hour,
                t.min,
                t.sec,
                t.year
            ),
            'Z' => "UTC".to_string(),
            'z' => "+0000".to_string(),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            other => format!("%{other}"),
        };
        out.push_str(&s);
    }
    out
}

/// A time tuple (Python's 9 fields: year, mon, mday, hour, min, sec, wday (Mon=0), yday (1-based), isdst).
fn tm_from_tuple(vm: &mut Vm, v: &Value, name: &str) -> PyResult<Tm> {
    let items = match v {
        Value::Tuple(t) => (**t).clone(),
        other => {
            return Err(type_error(format!(
                "Tuple or struct_time argument required, not {}",
                type_name(other)
            )));
        }
    };
    if items.len() != 9 {
        return Err(type_error(format!("{name}(): illegal time tuple argument")));
    }
    let mut n = [0i64; 9];
    for (i, it) in items.iter().enumerate() {
        n[i] = args::index_clamped(vm, it)?;
    }
    if !(1..=12).contains(&n[1]) {
        return Err(value_error("month out of range"));
    }
    if !(1..=31).contains(&n[2]) {
        return Err(value_error("day of month out of range"));
    }
    if !(0..=23).contains(&n[3]) {
        return Err(value_error("hour out of range"));
    }
    if !(0..=59).contains(&n[4]) {
        return Err(value_error("minute out of range"));
    }
    if !(0..=61).contains(&n[5]) {
        return Err(value_error("seconds out of range"));
    }
    Ok(Tm {
        year: n[0],
        mon: n[1],
        mday: n[2],
        hour: n[3],
        min: n[4],
        sec: n[5],
        wday: n[6].saturating_add(1).rem_euclid(7),
        yday: n[7].saturating_sub(1).max(0),
    })
}

fn now_tm(vm: &mut Vm) -> Tm {
    gmtime(vm.clock_wall().floor() as i64)
}

fn strftime(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("strftime", &a, 0, 1, 2)?;
    let fmt = args::str_arg(&a.pos[0], |o| {
        format!("strftime() argument 1 must be str, not {}", type_name(o))
    })?;
    let tm = match a.pos.get(1) {
        Some(t) => tm_from_tuple(vm, t, "strftime")?,
        None => now_tm(vm),
    };
    Ok(Value::string(strftime_tm(&fmt.s, &tm)))
}

fn asctime(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("asctime", &a, 0, 0, 1)?;
    let tm = match a.pos.first() {
        Some(t) => tm_from_tuple(vm, t, "asctime")?,
        None => now_tm(vm),
    };
    Ok(Value::string(strftime_tm("%c", &tm)))
}

fn ctime(vm: &mut Vm, a: CallArgs) -> PyResult<Value> {
    args::unpack("ctime", &a, 0, 0, 1)?;
    let secs = match a.pos.first() {
        Some(v) if !v.is_none() => args::to_f64(vm, v)?,
        _ => vm.clock_wall(),
    };
    Ok(Value::string(strftime_tm(
        "%c",
        &gmtime(secs.floor() as i64),
    )))
}

pub fn make() -> Rc<Module> {
    let m = Module::new("time");
    let fns: &[(&'static str, NativeFn)] = &[
        ("time", time),
        ("time_ns", time_ns),
        ("monotonic", monotonic),
        ("monotonic_ns", monotonic_ns),
        ("perf_counter", monotonic),
        ("perf_counter_ns", monotonic_ns),
        ("process_time", monotonic),
        ("sleep", sleep),
        ("strftime", strftime),
        ("asctime", asctime),
        ("ctime", ctime),
    ];
    for (name, f) in fns {
        m.set(name, args::builtin(name, *f));
    }
    Rc::new(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmtime_and_strftime() {
        let t = gmtime(0);
        assert_eq!((t.year, t.mon, t.mday, t.wday, t.yday), (1970, 1, 1, 4, 0));
        // 2026-11-29 23:03:35 UTC was a Sunday.
        let t = gmtime(1_795_993_415);
        assert_eq!(
            strftime_tm("%Y-%m-%d %X %a %j %%", &t),
            "2026-11-29 23:03:35 Sun 333 %"
        );
        assert_eq!(strftime_tm("%c", &gmtime(0)), "Thu Jan  1 00:00:00 1970");
        let t = gmtime(951_782_400); // 2000-02-29
        assert_eq!((t.year, t.mon, t.mday), (2000, 2, 29));
        assert_eq!(gmtime(-1).year, 1969);
    }
}
