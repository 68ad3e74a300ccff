//! The clock interface: real monotonic time, or a virtual clock that only moves when the
//! loop has nothing ready and jumps to the next timer. Nothing else reads the time.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A real wait wakes at least this often, so Ctrl-C and `--timeout` act promptly.
pub const WAIT_SLICE: Duration = Duration::from_millis(20);

/// Virtual time that passes per clock reading and per loop iteration (see `now`).
const VIRTUAL_READ_TICK: f64 = 1e-9;
const VIRTUAL_ITERATION_TICK: f64 = 1e-6;

pub struct Clock {
    start: Instant,
    /// Wall-clock seconds at start (so time.time() looks real under virtual time too).
    wall_start: f64,
    /// `Some(t)`: virtual time in seconds since start.
    virtual_now: Option<Cell<f64>>,
    /// The `--timeout` deadline: a real wait ends there (the VM then stops the program).
    pub deadline: Option<Instant>,
}

impl Clock {
    pub fn new(virtual_time: bool) -> Clock {
        let wall_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Clock {
            start: Instant::now(),
            wall_start,
            virtual_now: if virtual_time {
                Some(Cell::new(0.0))
            } else {
                None
            },
            deadline: None,
        }
    }

    pub fn is_virtual(&self) -> bool {
        self.virtual_now.is_some()
    }

    /// Monotonic seconds.
    pub fn now(&self) -> f64 {
        match &self.virtual_now {
            // Like a real clock, two readings are never equal: timers scheduled one after
            // another with the same delay stay in order, as they do under CPython.
            Some(t) => {
                let v = t.get();
                t.set(v + VIRTUAL_READ_TICK);
                v
            }
            None => self.start.elapsed().as_secs_f64(),
        }
    }

    /// The current time without advancing the virtual clock (for trace timestamps).
    pub fn peek(&self) -> f64 {
        match &self.virtual_now {
            Some(t) => t.get(),
            None => self.start.elapsed().as_secs_f64(),
        }
    }

    /// Seconds since the epoch.
    pub fn wall(&self) -> f64 {
        self.wall_start + self.now()
    }

    /// Block for `secs` (time.sleep, or the loop waiting for its next timer). A real wait
    /// returns early on Ctrl-C or at the deadline; callers check why and wait again.
    pub fn block(&mut self, secs: f64) {
        if secs.is_nan() || secs <= 0.0 {
            return;
        }
        match &self.virtual_now {
            Some(t) => t.set(t.get() + secs),
            None => {
                let end = Instant::now() + Duration::from_secs_f64(secs.min(1e9));
                loop {
                    let now = Instant::now();
                    if now >= end
                        || crate::interrupt::pending()
                        || self.deadline.is_some_and(|d| now >= d)
                    {
                        return;
                    }
                    std::thread::sleep((end - now).min(WAIT_SLICE));
                }
            }
        }
    }

    /// One loop iteration's worth of virtual time, so that a task that keeps yielding
    /// (sleep(0) in a loop) cannot stop timers from ever becoming due.
    pub fn tick_iteration(&self) {
        if let Some(t) = &self.virtual_now {
            t.set(t.get() + VIRTUAL_ITERATION_TICK);
        }
    }

    /// Virtual time for computation (a thread's switch interval used up), so that a
    /// thread spinning until another thread's sleep ends does not spin forever.
    pub fn spend_virtual(&self, secs: f64) {
        if let Some(t) = &self.virtual_now {
            t.set(t.get() + secs);
        }
    }

    /// Move to at least `when` (the next timer's due time).
    pub fn wait_until(&mut self, when: f64) {
        let now = self.now();
        if when > now {
            self.block(when - now);
        }
    }

    /// Switch between the real and the virtual clock (the REPL's `:time`), keeping the
    /// current reading so that timers already armed stay due when they were.
    pub fn set_virtual(&mut self, on: bool) {
        if on == self.is_virtual() {
            return;
        }
        let now = self.peek();
        if on {
            self.virtual_now = Some(Cell::new(now));
        } else {
            self.virtual_now = None;
            self.start = Instant::now()
                .checked_sub(std::time::Duration::from_secs_f64(now))
                .unwrap_or_else(Instant::now);
        }
    }
}
