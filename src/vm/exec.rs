//! The dispatch loop and exception unwinding.

use std::cell::RefCell;
use std::rc::Rc;

use smallvec::SmallVec;

use super::{Block, Exit, Frame, Resume, Suspend, Vm};
use crate::ast::{BinOp, CmpOp, UnaryOp};
use crate::bytecode::{Code, Op};
use crate::dict::Dict;
use crate::in_place::push_with;
use crate::object::{
    CallArgs, Exc, GenKind, GenState, IterObj, Module, PyResult, SliceObj, TbEntry, read_adopting,
    same_str,
};
use crate::types::{self, exc, exc_is, type_error};
use crate::value::Value;

/// Where `run_fast` stopped.
enum Stop {
    /// At an instruction for `step` (and its index, for the traceback).
    Slow(Op, u32),
    /// A counter is about to reach zero: the next instruction goes through `checked_step`.
    Tick,
}

/// Outcome of one instruction.
pub(super) enum Step {
    Continue,
    /// Stop the run loop (the stop frame returned, or the task suspends).
    Exit(Exit),
}

impl Vm {
    #[inline(always)]
    fn push(&mut self, v: Value) {
        self.fiber.stack.push(v);
    }

    #[inline(always)]
    fn pop(&mut self) -> Value {
        self.fiber.stack.pop().unwrap_or_default()
    }

    #[inline(always)]
    fn top(&self) -> &Value {
        self.fiber.stack.last().unwrap_or(&Value::None)
    }

    #[inline(always)]
    fn frame(&self) -> &Frame {
        self.fiber.frames.last().expect("a running frame")
    }

    #[inline(always)]
    fn frame_mut(&mut self) -> &mut Frame {
        self.fiber.frames.last_mut().expect("a running frame")
    }

    fn name(&self, i: u32) -> Rc<str> {
        self.frame().code.names[i as usize].clone()
    }

    /// Run until the frame at index `stop` returns, or the fiber suspends.
    ///
    /// Two counters run down by one per instruction: `switch_countdown` (thread
    /// preemption, threads/mod.rs) and `budget.countdown` (Ctrl-C and limits, budget.rs).
    /// `run_fast` runs as many instructions as both allow before one reaches zero, paying one
    /// local decrement each; the instruction that brings one to zero goes through `checked_step`,
    /// which does the checks as the counters say.
    pub fn run(&mut self, stop: usize) -> Result<Exit, Exc> {
        loop {
            let allowed = self
                .switch_countdown
                .min(self.budget.countdown)
                .saturating_sub(1);
            let (stopped, left) = self.run_fast(allowed);
            let used = allowed - left;
            self.switch_countdown -= used;
            self.budget.countdown -= used;
            let (r, ip) = match stopped {
                Stop::Slow(Op::LoadGlobal(i), ip)
                    if matches!(
                        self.frame().code.fast[ip as usize],
                        Op::AwaitModuleConst(..) | Op::AwaitModuleFast(..)
                    ) =>
                {
                    (self.await_module_call(i), ip)
                }
                Stop::Slow(op @ (Op::Call(_) | Op::CallMethod(_) | Op::LoadGlobal(_)), ip) => {
                    (self.slow_step(op, stop), ip)
                }
                Stop::Slow(op, ip) => (self.step(op, stop), ip),
                Stop::Tick => match self.checked_step(stop) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(e) => return Err(e),
                },
            };
            match r {
                Ok(Step::Continue) => {}
                Ok(Step::Exit(e)) => return Ok(e),
                Err(e) => {
                    self.add_traceback(&e, ip);
                    // Implicit chaining for errors raised by operations and native code
                    // (`raise` already did this in make_raise).
                    if let Some(h) = self.handled_exception()
                        && !Rc::ptr_eq(&h, &e)
                    {
                        set_context(&e, &h);
                    }
                    self.unwind(e, stop)?;
                }
            }
        }
    }

    /// A CALL, CALL_METHOD or LOAD_GLOBAL the fast lane stopped at. Common cases that it
    /// leaves because they call out of the interpreter loop are taken before `step`'s full
    /// dispatch: a call of a native function without keywords, and a builtin name at a site
    /// that found it among the builtins before.
    #[inline(never)]
    fn slow_step(&mut self, op: Op, stop: usize) -> PyResult<Step> {
        let stack = &self.fiber.stack;
        match op {
            Op::Call(n) if is_native_fn(&stack[stack.len() - n as usize - 1]) => {
                self.call_native(n, false)
            }
            Op::Call(n) => self.call_on_stack(n, None),
            Op::CallMethod(n) => {
                // [method, receiver or an empty slot, arguments...]
                let at = stack.len() - n as usize - 1;
                match (&stack[at - 1], &stack[at]) {
                    (m, Value::Undef) if is_native_fn(m) => {
                        if n == 1
                            && let Some(r) = self.await_sleep()
                        {
                            return r;
                        }
                        self.call_native(n, true)
                    }
                    (m, _) if is_native_fn(m) => {
                        if let Some(r) = self.await_queue_op(n) {
                            return r;
                        }
                        self.call_native(n + 1, false)
                    }
                    _ => self.call_method_on_stack(n),
                }
            }
            Op::LoadGlobal(i) => self.load_global_slow(i),
            _ => self.step(op, stop),
        }
    }

    /// LOAD_GLOBAL names[i] where the lane's slot hint missed or did not look: a builtin
    /// through its own hint, a module's global through its hint, else a hashed lookup.
    #[inline(always)]
    fn load_global_slow(&mut self, i: u32) -> PyResult<Step> {
        let fiber = &mut self.fiber;
        let f = fiber.frames.last().expect("a running frame");
        // (A module's global the lane did not load: a fused await that was not a sleep's
        // comes here.)
        if !push_cached_builtin(&f.code, &self.builtins, i, &mut fiber.stack)
            && !push_cached_global(&f.code, &f.globals, i, &mut fiber.stack)
        {
            let v = self.load_global_at(i)?;
            self.push(v);
        }
        Ok(Step::Continue)
    }

    /// `await asyncio.sleep(delay)` about to run: the stack ends (asyncio.sleep, an empty
    /// slot, a number) and the instructions after the call are the await's GET_AWAITABLE,
    /// LOAD_CONST None and SEND. What the builtin call and those instructions would do is
    /// done here at once, without the call's argument passing and three trips through the
    /// dispatch loop; the instructions skipped are charged to the step counters, as a
    /// fused instruction is. `sleep(0)` makes no sleep object at all: it would be made,
    /// awaited at once, yield and give None, and nothing else could see it; so the call
    /// leaves the stack, the frame goes on past the SEND, and the task yields (resuming
    /// pushes the None the await gives). A longer sleep is made and started as SEND would
    /// (the stack and the frame then are as SEND leaves them when it waits). None, with
    /// nothing changed, in any other case.
    fn await_sleep(&mut self) -> Option<PyResult<Step>> {
        let stack = &self.fiber.stack;
        let n = stack.len();
        match &stack[n - 3] {
            Value::Builtin(b) if crate::scheduler::sleep::is_sleep_fn(self, b) => {}
            _ => return None,
        }
        let delay = sleep_delay(&stack[n - 1])?;
        let ip = self.frame().ip;
        let target = self.await_follows(ip as usize, AWAIT_STEPS)?;
        self.sleep_at_call(delay, ip + 2, target, 3, AWAIT_STEPS)
    }

    /// `await asyncio.sleep(delay)` fused (`Op::AwaitModuleConst`/`AwaitModuleFast` at the
    /// LOAD_GLOBAL the lane stopped at; `run` sends it here, not through `slow_step`, whose
    /// entry costs more): if the global is a module whose attribute is the `asyncio.sleep`
    /// builtin and the argument a number, the seven instructions are done at once, without
    /// a value pushed (as `await_sleep` does at the call, three dispatches and a module
    /// attribute's copy earlier). Otherwise the LOAD_GLOBAL it stands for runs as itself.
    #[inline(never)]
    fn await_module_call(&mut self, i: u32) -> PyResult<Step> {
        if let Some((delay, at, target)) = self.fused_sleep()
            && let Some(r) = self.sleep_at_call(delay, at + 6, target, 0, FUSED_AWAIT_STEPS)
        {
            return r;
        }
        self.load_global_slow(i)
    }

    /// The sleep a fused `await module.f(arg)` stands for (its delay, the fused form's index
    /// and the await's target), if the global is a module whose attribute is the
    /// `asyncio.sleep` builtin, the argument a number (and, for a timed sleep, a loop runs:
    /// outside one the plain instructions report it), and the step counters can be charged
    /// for the instructions it skips. (`fuse` checked the await's instructions.)
    #[inline(always)]
    fn fused_sleep(&self) -> Option<(f64, u32, u32)> {
        if !self.can_charge(FUSED_AWAIT_STEPS) {
            return None;
        }
        let f = self.frame();
        let code = &*f.code;
        let at = f.ip as usize - 1;
        let (g, m, arg) = match code.fast.get(at) {
            Some(&Op::AwaitModuleConst(g, m, c)) => (g, m, code.consts.get(c as usize)?),
            Some(&Op::AwaitModuleFast(g, m, a)) => {
                (g, m, self.fiber.stack.get(f.base as usize + a as usize)?)
            }
            _ => return None,
        };
        let delay = sleep_delay(arg)?;
        if !(delay <= 0.0 || self.sched.running_loop.is_some()) {
            return None;
        }
        let Some(&Op::Send(target)) = code.ops.get(at + 6) else {
            return None;
        };
        let globals = f.globals.globals.borrow();
        let (key, Value::Module(module)) =
            globals.get_index(code.global_slots[g as usize].get() as usize)?
        else {
            return None;
        };
        if !same_str(key, &code.names[g as usize]) {
            return None;
        }
        let hint = &code.global_slots[m as usize];
        let is_sleep = |v: &Value| matches!(v, Value::Builtin(b) if crate::scheduler::sleep::is_sleep_fn(self, b));
        read_adopting(&module.globals, &code.names[m as usize], hint, is_sleep)?
            .then_some((delay, at as u32, target))
    }

    /// The rest of `await asyncio.sleep(delay)` run at its call: `values` leave the stack
    /// and `steps` are charged (see `take_awaited_call`), then the sleep starts. A sleep of
    /// 0 or less yields at once with the frame past the await (`target`); a longer one is
    /// made and sent as SEND would, and the frame is left at the SEND (`send_at`).
    #[inline(always)]
    fn sleep_at_call(
        &mut self,
        delay: f64,
        send_at: u32,
        target: u32,
        values: usize,
        steps: u32,
    ) -> Option<PyResult<Step>> {
        if delay <= 0.0 {
            return Some(Ok(self.yield_at_call(target, values, steps, false)));
        }
        if crate::scheduler::sleep::start_bare(self, delay) {
            return Some(Ok(self.yield_at_call(target, values, steps, true)));
        }
        let sleep = crate::scheduler::sleep::new_sleep(delay, Value::None);
        let Some(crate::scheduler::AsyncObj::Sleep(s)) = crate::scheduler::as_async(&sleep) else {
            return None;
        };
        let r = crate::scheduler::sleep::send(self, &sleep, s);
        self.take_awaited_call(values, steps);
        Some(r.map(|r| match r {
            crate::scheduler::SendResult::Yield(y) => self.wait_at_send(sleep.clone(), send_at, y),
            crate::scheduler::SendResult::Done(v) => {
                self.fiber.stack.push(v);
                self.frame_mut().ip = target;
                Step::Continue
            }
        }))
    }

    /// An await run at its call that waits on `on`, left as its SEND (at `send_at`) leaves
    /// a wait: the awaited object and the sent None on the stack, the frame at the SEND,
    /// which runs again when the task is woken.
    #[inline(always)]
    fn wait_at_send(&mut self, awaited: Value, send_at: u32, on: Value) -> Step {
        self.fiber.stack.push(awaited);
        self.fiber.stack.push(Value::None);
        self.frame_mut().ip = send_at;
        Step::Exit(Exit::Suspended(Suspend::Wait(on)))
    }

    /// `await asyncio.sleep(0)` run at its call: a bare yield, with the frame past the
    /// await (`target`) and its call's `values` off the stack, `steps` charged. `timer`:
    /// a timed sleep the task's own timer entry stands for (`Suspend::Timer`).
    #[inline(always)]
    fn yield_at_call(&mut self, target: u32, values: usize, steps: u32, timer: bool) -> Step {
        self.take_awaited_call(values, steps);
        let f = self.frame_mut();
        f.ip = target;
        let at_pop = matches!(f.code.ops.get(target as usize), Some(Op::Pop));
        Step::Exit(Exit::Suspended(match (timer, at_pop) {
            (true, _) => Suspend::Timer { at_pop },
            (false, true) => Suspend::YieldAtPop,
            (false, false) => Suspend::Yield(Value::None),
        }))
    }

    /// The await's target if the instructions at `ip` are an `await` of the value of the
    /// call before them (GET_AWAITABLE, LOAD_CONST None, SEND) and the step counters can be
    /// charged `steps` without reaching zero (see `take_awaited_call`).
    #[inline(always)]
    fn await_follows(&self, ip: usize, steps: u32) -> Option<u32> {
        if !self.can_charge(steps) {
            return None;
        }
        let f = self.frame();
        match f.code.ops.get(ip..ip + 3) {
            Some(&[Op::GetAwaitable(_), Op::LoadConst(k), Op::Send(t)])
                if f.code.consts.get(k as usize).is_some_and(Value::is_none) =>
            {
                Some(t)
            }
            _ => None,
        }
    }

    /// Can both step counters be charged `steps` instructions without reaching zero (the
    /// instruction that brings one to zero must go through `checked_step`)?
    #[inline(always)]
    fn can_charge(&self, steps: u32) -> bool {
        self.budget.countdown > steps && self.switch_countdown > steps
    }

    /// An await run at its call (`await_follows` said so): its call's `values` (the callee,
    /// the receiver or its empty slot, the arguments) leave the stack, and the step counters
    /// are charged for the `steps` instructions skipped (the await's three, and the call's
    /// when it is fused).
    #[inline(always)]
    fn take_awaited_call(&mut self, values: usize, steps: u32) {
        self.budget.countdown -= steps;
        self.switch_countdown -= steps;
        for _ in 0..values {
            discard_top(&mut self.fiber.stack);
        }
    }

    /// `await q.get()` / `await q.put(item)` about to run (CALL_METHOD of the native method
    /// with its receiver, then the await's GET_AWAITABLE, LOAD_CONST None and SEND), on a
    /// plain queue (`queue::await_at_once`). If it does not wait, its value goes where the
    /// SEND leaves it, without the coroutine object, the call's argument passing and three
    /// trips through the dispatch loop; if it waits, the stack and the frame are left as
    /// that SEND leaves them when it waits (the coroutine and the sent None, the frame at
    /// the SEND). The skipped instructions are charged to the step counters, as a fused
    /// instruction is. None, with nothing changed, otherwise.
    fn await_queue_op(&mut self, n: u32) -> Option<PyResult<Step>> {
        let stack = &self.fiber.stack;
        let len = stack.len();
        let at = len - n as usize - 1;
        let Value::Builtin(m) = &stack[at - 1] else {
            return None;
        };
        let is_put = crate::scheduler::which_op(self, m)?;
        if n != u32::from(is_put) {
            return None;
        }
        let ip = self.frame().ip;
        let target = self.await_follows(ip as usize, AWAIT_STEPS)?;
        let q = stack[at].clone();
        let item = is_put.then(|| stack[len - 1].clone());
        let r = crate::scheduler::await_at_once(self, &q, item.as_ref())?;
        self.take_awaited_call(n as usize + 2, AWAIT_STEPS);
        Some(r.map(|r| match r {
            crate::scheduler::AtOnce::Value(v) => {
                self.fiber.stack.push(v);
                self.frame_mut().ip = target;
                Step::Continue
            }
            crate::scheduler::AtOnce::Waits { op, on } => self.wait_at_send(op, ip + 2, on),
        }))
    }

    /// CALL_METHOD with `n` arguments, after LOAD_METHOD.
    fn call_method_on_stack(&mut self, n: u32) -> PyResult<Step> {
        let len = self.fiber.stack.len();
        let selfpos = len - n as usize - 1;
        if let Value::Undef = self.fiber.stack[selfpos] {
            // A Python function takes its arguments where they lie: close the gap.
            if let Value::Func(_) = self.fiber.stack[selfpos - 1] {
                self.fiber.stack.remove(selfpos);
                return self.call_on_stack(n, None);
            }
            return self.call_args_on_stack(n, None, true);
        }
        self.call_on_stack(n + 1, None)
    }

    /// One instruction with both counters counted down and checked: a thread switch point
    /// before it, the budget's poll after fetching it. None: nothing ran (switched or unwound).
    #[cold]
    #[inline(never)]
    fn checked_step(&mut self, stop: usize) -> Result<Option<(PyResult<Step>, u32)>, Exc> {
        self.switch_countdown -= 1;
        if self.switch_countdown == 0 {
            match self.switch_point() {
                Ok(Some(exit)) => return Ok(Some((Ok(Step::Exit(exit)), 0))),
                Ok(None) => {}
                Err(e) => {
                    self.unwind(e, stop)?;
                    return Ok(None);
                }
            }
        }
        let (op, ip) = {
            let f = self.frame_mut();
            let ip = f.ip;
            f.ip += 1;
            match f.code.ops.get(ip as usize) {
                Some(op) => (*op, ip),
                None => (Op::ReturnNone, ip),
            }
        };
        self.budget.countdown -= 1;
        let r = if self.budget.countdown == 0 {
            self.poll().and_then(|()| self.step(op, stop))
        } else {
            self.step(op, stop)
        };
        Ok(Some((r, ip)))
    }

    /// The fast lane of the dispatch loop: the commonest instructions in their commonest
    /// cases (small ints, bools, cached globals, range loops, plain Python calls and returns),
    /// with the running frame's code, ip and base held in locals. It runs at most `left`
    /// instructions and returns how many it did not run. It stops at an instruction it does
    /// not handle (or whose case is not the common one) without touching the stack, so that
    /// `step`, which has every instruction's full meaning, runs it; the frame's ip is then
    /// already past it, as `step` expects.
    #[inline(always)]
    fn run_fast(&mut self, mut left: u32) -> (Stop, u32) {
        let recursion_limit = self.recursion_limit;
        let fiber = &mut self.fiber;
        let top = fiber.frames.last().expect("a running frame");
        // The running frame's code, not counted: each frame on the stack holds its code's
        // `Rc`, so the code lives as long as its frame. Cloning it here at every call and
        // return cost four reference-count updates of one counter per call, a chain the
        // processor must run in order (a tenth of `fib`'s time).
        let mut code_ptr: *const Code = Rc::as_ptr(&top.code);
        let mut ip = top.ip as usize;
        let mut base = top.base as usize;
        // One pass of the outer loop runs one frame's instructions, with the instruction
        // slice borrowed from `code` for the pass so that it stays in registers; a call or a
        // return ends the pass with the code to continue in.
        let stopped = 'frames: loop {
            // SAFETY: `code_ptr` is the code of the frame on top of `fiber.frames`, which holds
            // an `Rc` of it; that frame is popped only by `plain_return`, which ends the pass
            // and sets `code_ptr` to the caller's code before the next pass borrows it.
            let code: &Code = unsafe { &*code_ptr };
            let ops = &code.fast[..];
            // (Defined inside the loop: a macro sees only the labels in scope where it is.)
            // Stop at the instruction just fetched (its plain form, for `step`).
            macro_rules! slow {
                () => {
                    break 'frames Stop::Slow(
                        code.ops.get(ip - 1).copied().unwrap_or(Op::ReturnNone),
                        ip as u32 - 1,
                    )
                };
            }
            // FOR_ITER's next int when the iterator on top is a range's (else the slow path).
            macro_rules! range_next_on_top {
                ($stack:expr) => {
                    match $stack.last() {
                        Some(Value::Iter(it)) => match &mut *it.borrow_mut() {
                            IterObj::Range { cur, stop, step } => range_next(cur, stop, *step),
                            _ => slow!(),
                        },
                        _ => slow!(),
                    }
                };
            }
            // LOAD_FAST i: the first instruction of a fused form that missed.
            macro_rules! load_fast {
                ($stack:expr, $i:expr) => {
                    if !push_local($stack, base + $i as usize) {
                        slow!();
                    }
                };
            }
            // Return `$v` from a plain call: pop the frame; evaluates to the caller's code.
            macro_rules! plain_return {
                ($stack:expr, $v:expr) => {{
                    // The result moves to the callee's slot and what is above goes.
                    let at = $v;
                    let to = fiber.frames.last().expect("frame").pop_to as usize;
                    // Dropped in place (pop would copy the frame out first).
                    fiber.frames.truncate(fiber.frames.len() - 1);
                    $stack.swap(to, at);
                    while $stack.len() > to + 1 {
                        discard_top($stack);
                    }
                    // A Call frame always has its caller below it.
                    let caller = fiber.frames.last().expect("caller frame");
                    ip = caller.ip as usize;
                    base = caller.base as usize;
                    Rc::as_ptr(&caller.code)
                }};
            }
            let next = loop {
                if left == 0 {
                    break 'frames Stop::Tick;
                }
                left -= 1;
                let op = ops.get(ip).copied().unwrap_or(Op::ReturnNone);
                ip += 1;
                let stack = &mut fiber.stack;
                match op {
                    Op::LoadFast(i) => load_fast!(stack, i),
                    Op::StoreFast(i) => match stack.last() {
                        // An int just computed was written as tag and payload: moving it
                        // whole would read both back in one wide load and stall.
                        Some(&Value::Int(v)) => {
                            // An int owns nothing: forgetting it lets the compiler drop
                            // the read of the popped value.
                            std::mem::forget(stack.pop());
                            store_int(stack, base + i as usize, v);
                        }
                        _ => {
                            let v = stack.pop().unwrap_or_default();
                            discard(std::mem::replace(&mut stack[base + i as usize], v));
                        }
                    },
                    Op::LoadConst(i) => push_copy(stack, &code.consts[i as usize]),
                    Op::LoadGlobal(i) => {
                        let globals = &fiber.frames.last().expect("frame").globals;
                        if !push_cached_global(code, globals, i, stack) {
                            slow!();
                        }
                    }
                    Op::StoreGlobal(i) => {
                        let globals = &fiber.frames.last().expect("frame").globals;
                        if !store_cached_global(code, globals, i, stack) {
                            slow!();
                        }
                    }
                    Op::Binary(o) | Op::Inplace(o) => {
                        let r = match &stack[..] {
                            [.., Value::Int(a), Value::Int(b)] => int_binop(*a, o, *b),
                            _ => None,
                        };
                        let Some(r) = r else {
                            slow!();
                        };
                        discard_top(stack);
                        // The left operand's slot already holds an int: overwrite its payload.
                        if let Some(Value::Int(a)) = stack.last_mut() {
                            *a = r;
                        }
                    }
                    Op::Compare(o) => {
                        let r = match &stack[..] {
                            [.., Value::Int(a), Value::Int(b)] => int_compare(*a, o, *b),
                            _ => None,
                        };
                        match r {
                            Some(b) => {
                                discard_top(stack);
                                let top = stack.last_mut().expect("operand");
                                discard(std::mem::replace(top, Value::Bool(b)));
                            }
                            None => slow!(),
                        }
                    }
                    Op::Jump(t) => ip = t as usize,
                    Op::PopJumpIfFalse(t) | Op::PopJumpIfTrue(t) => match stack.last() {
                        Some(&Value::Bool(b)) => {
                            discard_top(stack);
                            if b == matches!(op, Op::PopJumpIfTrue(_)) {
                                ip = t as usize;
                            }
                        }
                        _ => slow!(),
                    },
                    Op::ForIter(target) => {
                        let next = range_next_on_top!(stack);
                        match next {
                            Some(v) => push_with(stack, || Value::Int(v)),
                            None => {
                                stack.pop();
                                ip = target as usize;
                            }
                        }
                    }
                    Op::ForIterStore(a, target) => {
                        let next = range_next_on_top!(stack);
                        match next {
                            Some(v) if left >= 1 => {
                                left -= 1;
                                ip += 1;
                                store_int(stack, base + a as usize, v);
                            }
                            Some(v) => push_with(stack, || Value::Int(v)),
                            None => {
                                stack.pop();
                                ip = target as usize;
                            }
                        }
                    }
                    Op::LoadMethod(i) => {
                        if !load_module_attr(stack, code, i)
                            && !load_instance_method(stack, code, i)
                        {
                            slow!();
                        }
                    }
                    Op::GetAwaitable(_) => {
                        if !awaitable_as_is(stack.last()) {
                            slow!();
                        }
                    }
                    Op::Pop if !matches!(stack.last(), Some(Value::Gen(_))) => {
                        discard_top(stack);
                    }
                    Op::Dup => {
                        let v = stack.last().cloned().unwrap_or_default();
                        stack.push(v);
                    }
                    Op::Call(_) | Op::CallMethod(_) => {
                        // CALL_METHOD of a method found by LOAD_METHOD (the receiver sits
                        // below the arguments) is a plain call with one more argument.
                        let n = match op {
                            Op::Call(n) => n,
                            Op::CallMethod(n) => match stack.len().checked_sub(n as usize + 1) {
                                Some(at) if !matches!(stack[at], Value::Undef) => n + 1,
                                _ => slow!(),
                            },
                            _ => slow!(),
                        };
                        let fpos = stack.len() - n as usize - 1;
                        let func = match &stack[fpos] {
                            Value::Func(f)
                                if f.plain_argc == n && fiber.frames.len() < recursion_limit =>
                            {
                                f
                            }
                            _ => slow!(),
                        };
                        // The arguments already sit where the callee's first locals go.
                        fiber.frames.last_mut().expect("frame").ip = ip as u32;
                        base = fpos + 1;
                        // The new frame holds the callee's code (see `code_ptr`).
                        let callee = Rc::as_ptr(&func.code);
                        // Built in its slot (see `in_place`).
                        push_with(&mut fiber.frames, || {
                            Frame::new(
                                func.code.clone(),
                                base,
                                fpos,
                                func.globals.clone(),
                                Resume::Call,
                            )
                        });
                        let nslots = func.code.nslots();
                        if nslots > n as usize {
                            stack.resize(base + nslots, Value::Undef);
                        }
                        ip = 0;
                        break callee;
                    }
                    Op::Return | Op::ReturnNone => {
                        let f = fiber.frames.last().expect("frame");
                        if f.resume != Resume::Call || f.owner.is_some() {
                            slow!();
                        }
                        if let Op::ReturnNone = op {
                            push_with(stack, || Value::None);
                        }
                        break plain_return!(stack, stack.len() - 1);
                    }
                    Op::Rot2 if stack.len() >= 2 => {
                        let n = stack.len();
                        stack.swap(n - 1, n - 2);
                    }
                    Op::LoadAttr(i) => match own_attr(stack.last(), code, i) {
                        Some(v) => {
                            if let Some(top) = stack.last_mut() {
                                *top = v;
                            }
                        }
                        None => slow!(),
                    },
                    Op::StoreAttr(i) => {
                        if !store_own_attr(stack, code, i) {
                            slow!();
                        }
                    }
                    // Fused forms: each runs whole, charging `left` for every instruction it
                    // stands for, or (a miss, or too few instructions left) runs its first one.
                    Op::FastConstBinary(a, c, o) => {
                        let r = match (&stack[base + a as usize], &code.consts[c as usize]) {
                            (Value::Int(x), Value::Int(y)) if left >= 2 => int_binop(*x, o, *y),
                            _ => None,
                        };
                        match r {
                            Some(r) => {
                                left -= 2;
                                ip += 2;
                                push_with(stack, || Value::Int(r));
                            }
                            None => load_fast!(stack, a),
                        }
                    }
                    Op::FastConstCompareJump(a, c, o) => {
                        let r = match (&stack[base + a as usize], &code.consts[c as usize]) {
                            (Value::Int(x), Value::Int(y)) if left >= 3 => int_compare(*x, o, *y),
                            _ => None,
                        };
                        match (r, code.ops.get(ip + 2)) {
                            (Some(true), _) => {
                                left -= 3;
                                ip += 3;
                            }
                            (Some(false), Some(&Op::PopJumpIfFalse(t))) => {
                                left -= 3;
                                ip = t as usize;
                            }
                            _ => load_fast!(stack, a),
                        }
                    }
                    Op::CompareJump(o, t) => {
                        let r = match &stack[..] {
                            [.., Value::Int(a), Value::Int(b)] if left >= 1 => {
                                int_compare(*a, o, *b)
                            }
                            _ => None,
                        };
                        let Some(b) = r else {
                            slow!();
                        };
                        left -= 1;
                        discard_top(stack);
                        discard_top(stack);
                        ip = if b { ip + 1 } else { t as usize };
                    }
                    Op::ReturnFast(a) => {
                        let f = fiber.frames.last().expect("frame");
                        if left == 0 || f.resume != Resume::Call || f.owner.is_some() {
                            load_fast!(stack, a);
                            continue;
                        }
                        if let Value::Undef = stack[base + a as usize] {
                            slow!();
                        }
                        left -= 1;
                        break plain_return!(stack, base + a as usize);
                    }
                    _ => slow!(),
                }
            };
            code_ptr = next;
        };
        fiber.frames.last_mut().expect("frame").ip = ip as u32;
        (stopped, left)
    }

    fn add_traceback(&self, e: &Exc, ip: u32) {
        let f = self.frame();
        if let Some(data) = e.exc.borrow_mut().as_mut() {
            let span = f.code.span_at(ip as usize);
            data.traceback.push(TbEntry {
                code: f.code.clone(),
                span,
            });
        }
    }

    /// Find a handler for `e`, popping frames as needed. Err(e) if it escapes frame `stop`.
    pub(super) fn unwind(&mut self, e: Exc, stop: usize) -> Result<(), Exc> {
        let mut e = e;
        loop {
            let f = self.fiber.frames.last_mut().expect("frame");
            // A program halted by a limit unwinds past every handler.
            let halted = self.budget.halt.is_some();
            while let Some(b) = f.extra.as_mut().and_then(|x| x.blocks.pop()) {
                if let Block::Except { handler, depth } = b
                    && !halted
                {
                    if self.sched.tracing && exc_is(&e, "CancelledError") {
                        self.sched.cancel_caught = Some((f.code.clone(), handler));
                    }
                    let base = f.base as usize;
                    f.ip = handler;
                    f.blocks_mut().push(Block::Handler { exc: e.clone() });
                    self.fiber.stack.truncate(base + depth as usize);
                    self.fiber.stack.push(Value::Instance(e));
                    return Ok(());
                }
            }
            // No handler here: the frame ends with the exception.
            let frame = self.fiber.frames.pop().expect("frame");
            self.fiber.stack.truncate(frame.pop_to as usize);
            if let Some(g) = &frame.owner {
                g.state.set(GenState::Done);
                if exc_is(&e, "StopIteration") && g.kind != GenKind::AsyncGen {
                    let what = if g.kind == GenKind::Coroutine {
                        "coroutine"
                    } else {
                        "generator"
                    };
                    let new = exc("RuntimeError", format!("{what} raised StopIteration"));
                    set_context(&new, &e);
                    if let Some(d) = new.exc.borrow_mut().as_mut() {
                        d.cause = Value::Instance(e.clone());
                        d.suppress_context = true;
                    }
                    e = new;
                } else if exc_is(&e, "StopAsyncIteration") && g.kind == GenKind::AsyncGen {
                    e = exc("RuntimeError", "async generator raised StopAsyncIteration");
                }
            }
            if self.fiber.frames.len() <= stop
                || frame.resume == Resume::Native
                || frame.resume == Resume::TaskRoot
            {
                return Err(e);
            }
            // The exception continues in the caller, at the instruction that called.
            let f = self.frame();
            let ip = f.ip.saturating_sub(1);
            if let Some(data) = e.exc.borrow_mut().as_mut() {
                let span = f.code.span_at(ip as usize);
                data.traceback.push(TbEntry {
                    code: f.code.clone(),
                    span,
                });
            }
        }
    }

    /// Raise `e` at the current instruction of the top frame (a task being resumed with
    /// an exception, e.g. CancelledError at its `await`).
    pub fn throw_into_top(&mut self, e: Exc) -> Result<(), Exc> {
        let ip = self.frame().ip;
        let at = match self.frame().code.ops.get(ip as usize) {
            Some(Op::Send(_)) => ip,
            _ => ip.saturating_sub(1),
        };
        self.add_traceback(&e, at);
        self.unwind(e, 0)
    }

    /// The exception currently being handled (for bare `raise` and implicit chaining).
    pub fn handled_exception(&self) -> Option<Exc> {
        for f in self.fiber.frames.iter().rev() {
            for b in f.blocks().iter().rev() {
                if let Block::Handler { exc } = b {
                    return Some(exc.clone());
                }
            }
        }
        None
    }

    /// Return from the top frame with `v`.
    fn do_return(&mut self, v: Value) -> PyResult<Step> {
        let frame = self.fiber.frames.pop().expect("frame");
        let result_slot = frame.base as usize;
        let init_self = if frame.resume == Resume::Init {
            Some(
                self.fiber
                    .stack
                    .get(result_slot)
                    .cloned()
                    .unwrap_or_default(),
            )
        } else {
            None
        };
        self.fiber.stack.truncate(frame.pop_to as usize);
        if let Some(g) = &frame.owner {
            g.state.set(GenState::Done);
        }
        match frame.resume {
            Resume::Call => self.push(v),
            Resume::Init => {
                if !v.is_none() {
                    return Err(type_error(format!(
                        "__init__() should return None, not '{}'",
                        types::type_name(&v)
                    )));
                }
                let inst = match init_self {
                    Some(Value::Cell(c)) => c.borrow().clone(),
                    Some(v) => v,
                    None => Value::None,
                };
                self.push(inst);
            }
            Resume::ForIter(target) => {
                self.pop();
                self.frame_mut().ip = target;
            }
            Resume::Send(target) => {
                let is_agen = frame
                    .owner
                    .as_ref()
                    .is_some_and(|g| g.kind == GenKind::AsyncGen);
                self.pop();
                if is_agen {
                    return Err(exc("StopAsyncIteration", ""));
                }
                self.push(v);
                self.frame_mut().ip = target;
            }
            Resume::Native | Resume::TaskRoot => return Ok(Step::Exit(Exit::Returned(v))),
        }
        Ok(Step::Continue)
    }

    /// Suspend the top (generator) frame, giving `v` to whoever resumed it.
    fn do_yield(&mut self, v: Value) -> PyResult<Step> {
        let owner = self.frame().owner.clone();
        let resume = self.frame().resume;
        if resume == Resume::TaskRoot {
            return Ok(Step::Exit(Exit::Suspended(Suspend::Yield(v))));
        }
        let Some(owner) = owner else {
            return Err(exc("SystemError", "yield outside a generator frame"));
        };
        let frame = self.fiber.frames.pop().expect("frame");
        let stack = self.fiber.stack.split_off(frame.base as usize);
        self.fiber.stack.truncate(frame.pop_to as usize);
        owner.state.set(GenState::Suspended);
        crate::gc::track_gen(&owner);
        owner.saved.set(Some(crate::object::SavedFrame {
            frame: Frame {
                owner: None,
                ..frame
            },
            stack,
        }));
        if owner.kind == GenKind::AsyncGen
            && let Resume::Send(target) = resume
        {
            // An async generator's `yield v` completes the awaited asend() with v.
            self.pop();
            self.push(v);
            self.frame_mut().ip = target;
            return Ok(Step::Continue);
        }
        match resume {
            Resume::Native => Ok(Step::Exit(Exit::Returned(v))),
            _ => {
                self.push(v);
                Ok(Step::Continue)
            }
        }
    }

    /// Resume generator `g` on top of the current frame, sending `sent` (or throwing `throw`).
    pub(super) fn resume_gen(
        &mut self,
        g: &Rc<crate::object::GenObj>,
        sent: Value,
        resume: Resume,
        throw: Option<Exc>,
    ) -> PyResult<()> {
        match g.state.get() {
            GenState::Running => {
                let what = match g.kind {
                    GenKind::Coroutine => "coroutine is being awaited already",
                    _ => "generator already executing",
                };
                return Err(exc(
                    if g.kind == GenKind::Coroutine {
                        "RuntimeError"
                    } else {
                        "ValueError"
                    },
                    what,
                ));
            }
            GenState::Done => {
                return Err(match g.kind {
                    GenKind::Coroutine => {
                        exc("RuntimeError", "cannot reuse already awaited coroutine")
                    }
                    GenKind::AsyncGen => exc("StopAsyncIteration", ""),
                    GenKind::Generator => types::stop_iteration(Value::None),
                });
            }
            GenState::Created if !sent.is_none() && throw.is_none() => {
                return Err(type_error(format!(
                    "can't send non-None value to a just-started {}",
                    if g.kind == GenKind::Coroutine {
                        "coroutine"
                    } else {
                        "generator"
                    }
                )));
            }
            _ => {}
        }
        let was_created = g.state.get() == GenState::Created;
        let Some(saved) = g.saved.take() else {
            return Err(exc("SystemError", "generator has no frame"));
        };
        if self.fiber.frames.len() >= self.recursion_limit {
            g.saved.set(Some(saved));
            return Err(exc("RecursionError", "maximum recursion depth exceeded"));
        }
        g.started.set(true);
        g.state.set(GenState::Running);
        let mut frame = saved.frame;
        frame.owner = Some(g.clone());
        let base = self.fiber.stack.len() as u32;
        frame.base = base;
        frame.pop_to = base;
        frame.resume = resume;
        self.fiber.stack.extend(saved.stack);
        self.fiber.frames.push(frame);
        if let Some(e) = throw {
            let ip = self.frame().ip;
            self.add_traceback(&e, ip.saturating_sub(1));
            let depth = self.fiber.frames.len() - 1;
            // Raise inside the generator; if it escapes, it reaches our caller.
            match self.unwind(e, depth) {
                Ok(()) => {}
                Err(e) => return Err(e),
            }
        } else if !was_created {
            self.push(sent);
        }
        Ok(())
    }

    fn step(&mut self, op: Op, stop: usize) -> PyResult<Step> {
        let _ = stop;
        match op {
            Op::Nop => {}
            Op::LoadConst(i) => {
                let v = self.frame().code.consts[i as usize].clone();
                self.push(v);
            }
            Op::LoadFast(i) => {
                let f = self.frame();
                let v = &self.fiber.stack[f.base as usize + i as usize];
                if let Value::Undef = v {
                    let name = f.code.varnames[i as usize].clone();
                    return Err(exc(
                        "UnboundLocalError",
                        format!(
                            "cannot access local variable '{name}' where it is not associated with a value"
                        ),
                    ));
                }
                let v = v.clone();
                self.push(v);
            }
            Op::StoreFast(i) => {
                let v = self.pop();
                let base = self.frame().base as usize;
                self.fiber.stack[base + i as usize] = v;
            }
            Op::DeleteFast(i) => {
                let f = self.frame();
                let slot = f.base as usize + i as usize;
                if let Value::Undef = self.fiber.stack[slot] {
                    let name = f.code.varnames[i as usize].clone();
                    return Err(exc(
                        "UnboundLocalError",
                        format!(
                            "cannot access local variable '{name}' where it is not associated with a value"
                        ),
                    ));
                }
                self.fiber.stack[slot] = Value::Undef;
            }
            Op::LoadDeref(i) => {
                let f = self.frame();
                let v = match &self.fiber.stack[f.base as usize + i as usize] {
                    Value::Cell(c) => c.borrow().clone(),
                    other => other.clone(),
                };
                if let Value::Undef = v {
                    let name = f.code.varnames[i as usize].clone();
                    return Err(exc(
                        "NameError",
                        format!(
                            "cannot access free variable '{name}' where it is not associated with a value in enclosing scope"
                        ),
                    ));
                }
                self.push(v);
            }
            Op::StoreDeref(i) => {
                let v = self.pop();
                let base = self.frame().base as usize;
                match &self.fiber.stack[base + i as usize] {
                    Value::Cell(c) => *c.borrow_mut() = v,
                    _ => self.fiber.stack[base + i as usize] = v,
                }
            }
            Op::DeleteDeref(i) => {
                let base = self.frame().base as usize;
                if let Value::Cell(c) = &self.fiber.stack[base + i as usize] {
                    *c.borrow_mut() = Value::Undef;
                }
            }
            Op::LoadClosure(i) => {
                let base = self.frame().base as usize;
                let v = self.fiber.stack[base + i as usize].clone();
                self.push(v);
            }
            Op::LoadGlobal(i) => {
                let v = self.load_global_at(i)?;
                self.push(v);
            }
            Op::StoreGlobal(i) => {
                let name = self.name(i);
                let v = self.pop();
                let f = self.frame();
                let (slot, old) = f.globals.insert_full(name, v);
                f.code.global_slots[i as usize].set(slot as u32);
                drop(old);
            }
            Op::DeleteGlobal(i) => {
                let name = self.name(i);
                if self
                    .frame()
                    .globals
                    .globals
                    .borrow_mut()
                    .remove(&name)
                    .is_none()
                {
                    return Err(exc("NameError", format!("name '{name}' is not defined")));
                }
            }
            Op::LoadName(i) => {
                let name = self.name(i);
                if let Some(ns) = self.frame().ns().cloned() {
                    let key = Value::Str(Rc::new(crate::object::PyStr::new(name.to_string())));
                    if let Some(v) = self.dict_get(&ns, &key)? {
                        self.push(v);
                        return Ok(Step::Continue);
                    }
                }
                let v = self.load_global(&name)?;
                self.push(v);
            }
            Op::StoreName(i) => {
                let name = self.name(i);
                let v = self.pop();
                match self.frame().ns().cloned() {
                    Some(ns) => self.dict_set(&ns, Value::str(&name), v)?,
                    None => {
                        self.frame().globals.insert_full(name, v);
                    }
                }
            }
            Op::DeleteName(i) => {
                let name = self.name(i);
                let removed = match self.frame().ns().cloned() {
                    Some(ns) => self.dict_remove(&ns, &Value::str(&name))?.is_some(),
                    None => self
                        .frame()
                        .globals
                        .globals
                        .borrow_mut()
                        .remove(&name)
                        .is_some(),
                };
                if !removed {
                    return Err(exc("NameError", format!("name '{name}' is not defined")));
                }
            }
            // (The instance's own attribute at a plain-attribute site was tried in the fast
            // lane: `own_attr`, `store_own_attr`.)
            Op::LoadAttr(i) => {
                let name = self.name(i);
                let obj = self.pop();
                let v = self.getattr(&obj, &name)?;
                self.remember_plain_attr(&obj, i);
                self.push(v);
            }
            Op::StoreAttr(i) => {
                let name = self.name(i);
                let obj = self.pop();
                let v = self.pop();
                self.setattr_impl(&obj, &name, Some(&name), v)?;
                self.remember_plain_attr(&obj, i);
            }
            Op::DeleteAttr(i) => {
                let name = self.name(i);
                let obj = self.pop();
                self.delattr(&obj, &name)?;
            }
            Op::LoadMethod(i) => {
                let fiber = &mut self.fiber;
                let code = &fiber.frames.last().expect("a running frame").code;
                if load_module_attr(&mut fiber.stack, code, i) {
                    return Ok(Step::Continue);
                }
                let name = self.name(i);
                let obj = self.pop();
                let code = self.frame().code.clone();
                match self.lookup_method_hinted(
                    &obj,
                    &name,
                    Some(&code.global_slots[i as usize]),
                )? {
                    Some(m) => {
                        self.push(m);
                        self.push(obj);
                    }
                    None => {
                        let v = self.getattr(&obj, &name)?;
                        self.push(v);
                        self.push(Value::Undef);
                    }
                }
            }
            Op::CallMethod(n) => return self.call_method_on_stack(n),
            Op::Call(n) => return self.call_on_stack(n, None),
            Op::CallKw(n) => {
                let names = self.pop();
                return self.call_on_stack(n, Some(names));
            }
            Op::CallEx(flag) => {
                let kwargs = if flag & 1 != 0 {
                    Some(self.pop())
                } else {
                    None
                };
                let args = self.pop();
                let func = self.pop();
                let mut ca = CallArgs::default();
                if let Value::Tuple(t) = &args {
                    ca.pos.extend(t.iter().cloned());
                }
                if let Some(Value::Dict(d)) = kwargs {
                    for e in d.borrow().iter() {
                        match &e.key {
                            Value::Str(s) => ca.kw.push((s.s.as_ref().into(), e.value.clone())),
                            _ => return Err(type_error("keywords must be strings")),
                        }
                    }
                }
                return self.call_value_push(func, ca);
            }
            Op::Binary(o) => {
                let b = self.pop();
                let a = self.pop();
                // Small-int arithmetic without leaving the dispatch loop.
                let v = match Vm::step_binop_fast(&a, o, &b) {
                    Some(v) => v,
                    None => self.binary_op(&a, o, &b, false)?,
                };
                self.push(v);
            }
            Op::Inplace(o) => {
                let b = self.pop();
                let a = self.pop();
                let v = self.binary_op(&a, o, &b, true)?;
                self.push(v);
            }
            Op::Unary(o) => {
                let a = self.pop();
                let v = match o {
                    UnaryOp::Not => Value::Bool(!self.truthy(&a)?),
                    _ => self.unary_op(o, &a)?,
                };
                self.push(v);
            }
            Op::Compare(o) => {
                let b = self.pop();
                let a = self.pop();
                let v = match (o, &a, &b) {
                    (CmpOp::Lt, Value::Int(x), Value::Int(y)) => Value::Bool(x < y),
                    (CmpOp::LtE, Value::Int(x), Value::Int(y)) => Value::Bool(x <= y),
                    (CmpOp::Gt, Value::Int(x), Value::Int(y)) => Value::Bool(x > y),
                    (CmpOp::GtE, Value::Int(x), Value::Int(y)) => Value::Bool(x >= y),
                    (CmpOp::Eq, Value::Int(x), Value::Int(y)) => Value::Bool(x == y),
                    _ => self.compare(&a, &b, o)?,
                };
                self.push(v);
            }
            Op::Subscr => {
                let key = self.pop();
                let obj = self.pop();
                let v = self.getitem(&obj, &key)?;
                self.push(v);
            }
            Op::StoreSubscr => {
                let key = self.pop();
                let obj = self.pop();
                let v = self.pop();
                self.setitem(&obj, &key, v)?;
            }
            Op::DeleteSubscr => {
                let key = self.pop();
                let obj = self.pop();
                self.delitem(&obj, &key)?;
            }
            Op::BuildSlice(n) => {
                let step = if n == 3 { self.pop() } else { Value::None };
                let stop = self.pop();
                let start = self.pop();
                self.push(Value::Slice(Rc::new(SliceObj { start, stop, step })));
            }
            Op::BuildTuple(n) => {
                let at = self.fiber.stack.len() - n as usize;
                let items = self.fiber.stack.split_off(at);
                self.push(Value::tuple(items));
            }
            Op::BuildList(n) => {
                let at = self.fiber.stack.len() - n as usize;
                let items = self.fiber.stack.split_off(at);
                self.push(Value::list(items));
            }
            Op::BuildSet(n) => {
                let at = self.fiber.stack.len() - n as usize;
                let items = self.fiber.stack.split_off(at);
                let d = Rc::new(RefCell::new(Dict::new()));
                for it in items {
                    self.dict_set(&d, it, Value::None)?;
                }
                self.push(Value::tracked(Value::Set(d)));
            }
            Op::BuildMap(n) => {
                let at = self.fiber.stack.len() - 2 * n as usize;
                let items = self.fiber.stack.split_off(at);
                let d = Rc::new(RefCell::new(Dict::new()));
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    self.dict_set(&d, k, v)?;
                }
                self.push(Value::tracked(Value::Dict(d)));
            }
            Op::BuildString(n) => {
                let at = self.fiber.stack.len() - n as usize;
                let items = self.fiber.stack.split_off(at);
                let total = items.iter().map(|v| v.as_str().map_or(0, str::len)).sum();
                crate::memory::reserve(total)?;
                let mut s = String::with_capacity(total);
                for it in &items {
                    if let Value::Str(p) = it {
                        s.push_str(&p.s);
                    }
                }
                self.push(Value::string(s));
            }
            Op::FormatValue(flags) => {
                let spec = if flags & 4 != 0 {
                    Some(self.pop())
                } else {
                    None
                };
                let v = self.pop();
                let v = match flags & 3 {
                    1 => Value::string(self.to_str(&v)?),
                    2 => Value::string(self.repr(&v)?),
                    3 => Value::string(crate::builtins::ascii_escape(&self.repr(&v)?)),
                    _ => v,
                };
                let spec = spec.as_ref().and_then(|s| s.as_str()).unwrap_or("");
                let s = self.format_value(&v, spec)?;
                self.push(Value::string(s));
            }
            Op::ListAppend(i) => {
                let v = self.pop();
                let len = self.fiber.stack.len();
                if let Value::List(l) = &self.fiber.stack[len - i as usize] {
                    l.borrow_mut().push(v);
                }
            }
            Op::SetAdd(i) => {
                let v = self.pop();
                let len = self.fiber.stack.len();
                if let Value::Set(s) = self.fiber.stack[len - i as usize].clone() {
                    self.dict_set(&s, v, Value::None)?;
                }
            }
            Op::MapAdd(i) => {
                let v = self.pop();
                let k = self.pop();
                let len = self.fiber.stack.len();
                if let Value::Dict(d) = self.fiber.stack[len - i as usize].clone() {
                    self.dict_set(&d, k, v)?;
                }
            }
            Op::ListExtend(i) => {
                let it = self.pop();
                let items = self.collect(&it).map_err(|e| {
                    if exc_is(&e, "TypeError") && !self.is_iterable(&it) {
                        type_error(format!(
                            "Value after * must be an iterable, not {}",
                            types::type_name(&it)
                        ))
                    } else {
                        e
                    }
                })?;
                let len = self.fiber.stack.len();
                if let Value::List(l) = &self.fiber.stack[len - i as usize] {
                    l.borrow_mut().extend(items);
                }
            }
            Op::SetUpdate(i) => {
                let it = self.pop();
                let items = self.collect(&it)?;
                let len = self.fiber.stack.len();
                if let Value::Set(s) = self.fiber.stack[len - i as usize].clone() {
                    for v in items {
                        self.dict_set(&s, v, Value::None)?;
                    }
                }
            }
            Op::DictUpdate(i) | Op::DictMerge(i) => {
                let m = self.pop();
                let len = self.fiber.stack.len();
                let Value::Dict(d) = self.fiber.stack[len - i as usize].clone() else {
                    return Err(exc("SystemError", "dict update target"));
                };
                let pairs = self.mapping_items(&m).map_err(|e| {
                    if exc_is(&e, "TypeError") {
                        type_error(format!(
                            "'{}' object is not a mapping",
                            types::type_name(&m)
                        ))
                    } else {
                        e
                    }
                })?;
                for (k, v) in pairs {
                    if matches!(op, Op::DictMerge(_)) && self.dict_get(&d, &k)?.is_some() {
                        let name = self.to_str(&k)?;
                        return Err(type_error(format!(
                            "got multiple values for keyword argument '{name}'"
                        )));
                    }
                    self.dict_set(&d, k, v)?;
                }
            }
            Op::ListToTuple => {
                let v = self.pop();
                let items = match v {
                    Value::List(l) => l.borrow().clone(),
                    _ => Vec::new(),
                };
                self.push(Value::tuple(items));
            }
            Op::UnpackSequence(n) => {
                let seq = self.pop();
                let items: Vec<Value> = match &seq {
                    Value::Tuple(t) if t.len() == n as usize => (**t).clone(),
                    Value::List(l) if l.borrow().len() == n as usize => l.borrow().clone(),
                    _ => self.unpack_iter(&seq, n as usize, None)?,
                };
                for v in items.into_iter().rev() {
                    self.push(v);
                }
            }
            Op::UnpackEx(arg) => {
                let before = (arg & 0xffff) as usize;
                let after = (arg >> 16) as usize;
                let seq = self.pop();
                let mut items = self.unpack_iter(&seq, before + after, Some(()))?;
                let rest: Vec<Value> = items.drain(before..items.len() - after).collect();
                let tail: Vec<Value> = items.split_off(before);
                for v in tail.into_iter().rev() {
                    self.push(v);
                }
                self.push(Value::list(rest));
                for v in items.into_iter().rev() {
                    self.push(v);
                }
            }
            Op::Jump(t) => self.frame_mut().ip = t,
            Op::PopJumpIfFalse(t) => {
                let v = self.pop();
                let b = match v {
                    Value::Bool(b) => b,
                    _ => self.truthy(&v)?,
                };
                if !b {
                    self.frame_mut().ip = t;
                }
            }
            Op::PopJumpIfTrue(t) => {
                let v = self.pop();
                let b = match v {
                    Value::Bool(b) => b,
                    _ => self.truthy(&v)?,
                };
                if b {
                    self.frame_mut().ip = t;
                }
            }
            Op::JumpIfFalseOrPop(t) => {
                let v = self.top().clone();
                if !self.truthy(&v)? {
                    self.frame_mut().ip = t;
                } else {
                    self.pop();
                }
            }
            Op::JumpIfTrueOrPop(t) => {
                let v = self.top().clone();
                if self.truthy(&v)? {
                    self.frame_mut().ip = t;
                } else {
                    self.pop();
                }
            }
            Op::GetIter => {
                let v = self.pop();
                let it = self.iter(&v)?;
                self.push(it);
            }
            Op::ForIter(target) => return self.for_iter(target),
            Op::GetAIter => {
                let v = self.pop();
                let it = self.get_aiter(&v)?;
                self.push(it);
            }
            Op::GetANext => {
                let it = self.top().clone();
                let aw = self.get_anext(&it)?;
                self.push(aw);
            }
            Op::EndAsyncFor => {
                let e = self.pop();
                let Value::Instance(e) = e else {
                    return Err(exc("SystemError", "EndAsyncFor without exception"));
                };
                if exc_is(&e, "StopAsyncIteration") {
                    self.pop();
                    self.pop_handler_block();
                } else {
                    return Err(e);
                }
            }
            Op::Pop => {
                // Dropping a fresh coroutine (`say_after(1)` without await) warns right here.
                if let Value::Gen(g) = self.pop()
                    && g.kind == GenKind::Coroutine
                    && !g.started.get()
                {
                    drop(g);
                    self.flush_warnings();
                }
            }
            Op::PrintExpr => {
                let v = self.pop();
                self.display_hook(v)?;
            }
            Op::Dup => {
                let v = self.top().clone();
                self.push(v);
            }
            Op::DupTwo => {
                let len = self.fiber.stack.len();
                let a = self.fiber.stack[len - 2].clone();
                let b = self.fiber.stack[len - 1].clone();
                self.push(a);
                self.push(b);
            }
            Op::Rot2 => {
                let len = self.fiber.stack.len();
                self.fiber.stack.swap(len - 1, len - 2);
            }
            Op::Rot3 => {
                let v = self.pop();
                let len = self.fiber.stack.len();
                self.fiber.stack.insert(len - 2, v);
            }
            Op::Rot4 => {
                let v = self.pop();
                let len = self.fiber.stack.len();
                self.fiber.stack.insert(len - 3, v);
            }
            Op::MakeFunction(arg) => {
                let v = self.make_function(arg)?;
                self.push(v);
            }
            Op::Return => {
                let v = self.pop();
                return self.do_return(v);
            }
            Op::ReturnNone => return self.do_return(Value::None),
            Op::FastConstBinary(..)
            | Op::ForIterStore(..)
            | Op::FastConstCompareJump(..)
            | Op::CompareJump(..)
            | Op::ReturnFast(_)
            | Op::AwaitModuleConst(..)
            | Op::AwaitModuleFast(..) => {
                // Fused forms live only in `Code::fast`; `step` gets the plain ones.
                return Err(exc(
                    "SystemError",
                    "a fused instruction outside the fast lane",
                ));
            }
            Op::SetupExcept(handler) => {
                let f = self.fiber.frames.last_mut().expect("frame");
                let depth = self.fiber.stack.len() as u32 - f.base;
                f.blocks_mut().push(Block::Except { handler, depth });
            }
            Op::PopBlock => {
                self.frame_mut().blocks_mut().pop();
            }
            Op::PopExcept => self.pop_handler_block(),
            Op::Raise(n) => return Err(self.make_raise(n)?),
            Op::Reraise => {
                let v = self.pop();
                return match v {
                    Value::Instance(e) => Err(self.reraise_marker(e)),
                    _ => Err(exc("SystemError", "reraise of a non-exception")),
                };
            }
            Op::CheckExcMatch => {
                let typ = self.pop();
                let e = self.top().clone();
                let m = self.exception_matches(&e, &typ)?;
                self.push(Value::Bool(m));
            }
            Op::ImportName(i) => {
                let name = self.name(i);
                let m = self.import(&name)?;
                self.push(m);
            }
            Op::ImportFrom(i) => {
                let name = self.name(i);
                let m = self.top().clone();
                let v = match self.getattr_opt(&m, &name)? {
                    Some(v) => v,
                    None => {
                        let mname = match &m {
                            Value::Module(m) => m.name.to_string(),
                            _ => "?".into(),
                        };
                        return Err(exc(
                            "ImportError",
                            format!(
                                "cannot import name '{name}' from '{mname}' (unknown location)"
                            ),
                        ));
                    }
                };
                self.push(v);
            }
            Op::YieldValue => {
                let v = self.pop();
                return self.do_yield(v);
            }
            Op::AwaitYield => {
                let v = self.pop();
                return self.await_yield(v);
            }
            Op::GetAwaitable(_) => {
                let v = self.pop();
                let aw = self.get_awaitable(&v)?;
                self.push(aw);
            }
            Op::GetYieldFromIter => {
                let v = self.pop();
                let it = match &v {
                    Value::Gen(_) => v,
                    // A future driven by `yield from` inside a generator-based awaitable.
                    Value::Native(_) if crate::scheduler::as_async(&v).is_some() => v,
                    _ => self.iter(&v)?,
                };
                self.push(it);
            }
            Op::Send(target) => return self.send(target),
            Op::BeforeWith => {
                let mgr = self.pop();
                let enter =
                    self.special_method(&mgr, "__enter__", "the context manager protocol")?;
                let exit = self.special_method(&mgr, "__exit__", "the context manager protocol")?;
                self.push(exit);
                // In this fiber, not a nested run: a thread blocking in `__enter__` (a
                // lock) can suspend.
                return self.call_value_push(enter, CallArgs::default());
            }
            Op::BeforeAsyncWith => {
                let mgr = self.pop();
                let enter = self.special_method(
                    &mgr,
                    "__aenter__",
                    "the asynchronous context manager protocol",
                )?;
                let exit = self.special_method(
                    &mgr,
                    "__aexit__",
                    "the asynchronous context manager protocol",
                )?;
                self.push(exit);
                let r = self.call0(&enter)?;
                self.push(r);
            }
            Op::WithExceptStart => {
                let e = self.top().clone();
                let len = self.fiber.stack.len();
                let exit = self.fiber.stack[len - 2].clone();
                let typ = match &e {
                    Value::Instance(i) => Value::Class(i.class.clone()),
                    _ => Value::None,
                };
                let r = self.call(
                    &exit,
                    CallArgs::new(SmallVec::from_vec(vec![typ, e, Value::None])),
                )?;
                self.push(r);
            }
            Op::LoadBuildClass => {
                let v = self.builtins.get("__build_class__").unwrap_or_default();
                self.push(v);
            }
            Op::LoadLocals => {
                let ns = self.frame().ns().cloned();
                self.push(ns.map(Value::Dict).unwrap_or_default());
            }
        }
        Ok(Step::Continue)
    }

    /// After the general path ran LOAD_ATTR / STORE_ATTR names[i] on `obj`: remember at
    /// this site that `obj`'s class holds no property of that name and no Python
    /// `__setattr__`, so that the next access goes straight to the instance. (A
    /// `__getattr__` does not matter: it only runs for a miss, which takes the general path.)
    fn remember_plain_attr(&self, obj: &Value, i: u32) {
        let Value::Instance(inst) = obj else { return };
        let cls = &inst.class;
        let code = &self.frame().code;
        let key = (Rc::as_ptr(cls) as usize, crate::object::class_epoch());
        // Known already (the fast lane missed for another reason: the name is a class
        // attribute, or not set yet), or not a plain object: nothing to look up.
        if code.class_cache[i as usize].get() == key || cls.layout != crate::object::Layout::Object
        {
            return;
        }
        let is_property = |v: Option<Value>| match v {
            Some(Value::Native(n)) => matches!(&*n, crate::object::NativeObj::Property { .. }),
            _ => false,
        };
        if is_property(cls.lookup(&code.names[i as usize]))
            || matches!(cls.lookup("__setattr__"), Some(Value::Func(_)))
        {
            return;
        }
        code.class_cache[i as usize].set(key);
    }

    fn pop_handler_block(&mut self) {
        let f = self.frame_mut();
        if let Some(pos) = f
            .blocks()
            .iter()
            .rposition(|b| matches!(b, Block::Handler { .. }))
        {
            f.blocks_mut().truncate(pos);
        }
    }

    /// A re-raised exception keeps its traceback; drop the entry `run` is about to add again.
    fn reraise_marker(&self, e: Exc) -> Exc {
        if let Some(d) = e.exc.borrow_mut().as_mut() {
            let f = self.frame();
            if let Some(last) = d.traceback.last()
                && Rc::ptr_eq(&last.code, &f.code)
            {
                d.traceback.pop();
            }
        }
        e
    }

    fn make_raise(&mut self, n: u32) -> PyResult<Exc> {
        if n == 0 {
            return match self.handled_exception() {
                Some(e) => Ok(self.reraise_marker(e)),
                None => Ok(exc("RuntimeError", "No active exception to reraise")),
            };
        }
        let cause = if n == 2 { Some(self.pop()) } else { None };
        let v = self.pop();
        let e = self.to_exception(v)?;
        if let Some(c) = cause {
            let cause =
                match c {
                    Value::None => Value::None,
                    other => Value::Instance(self.to_exception(other).map_err(|_| {
                        type_error("exception causes must derive from BaseException")
                    })?),
                };
            if let Some(d) = e.exc.borrow_mut().as_mut() {
                d.cause = cause;
                d.suppress_context = true;
            }
        }
        if let Some(h) = self.handled_exception()
            && !Rc::ptr_eq(&h, &e)
        {
            set_context(&e, &h);
        }
        Ok(e)
    }

    /// An exception instance from `raise X` (a class is instantiated).
    pub fn to_exception(&mut self, v: Value) -> PyResult<Exc> {
        match v {
            Value::Instance(i) if i.exc.borrow().is_some() => Ok(i),
            Value::Class(c) if c.layout == crate::object::Layout::Exception => {
                match self.call0(&Value::Class(c))? {
                    Value::Instance(i) => Ok(i),
                    _ => Err(type_error("exceptions must derive from BaseException")),
                }
            }
            _ => Err(type_error("exceptions must derive from BaseException")),
        }
    }

    fn exception_matches(&mut self, e: &Value, typ: &Value) -> PyResult<bool> {
        let Value::Instance(e) = e else {
            return Ok(false);
        };
        match typ {
            Value::Class(c) => {
                if c.layout != crate::object::Layout::Exception {
                    return Err(type_error(
                        "catching classes that do not inherit from BaseException is not allowed",
                    ));
                }
                Ok(e.class.is_subclass(c))
            }
            Value::Tuple(t) => {
                for x in t.iter() {
                    if self.exception_matches(&Value::Instance(e.clone()), x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => Err(type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    }

    /// LOAD_GLOBAL names[i], remembering where it was found in the globals.
    fn load_global_at(&mut self, i: u32) -> PyResult<Value> {
        let f = self.frame();
        let name = &f.code.names[i as usize];
        if let Some((slot, _, v)) = f.globals.globals.borrow().get_full(&**name) {
            f.code.global_slots[i as usize].set(slot as u32);
            return Ok(v.clone());
        }
        if let Some((slot, _, v)) = self.builtins.globals.borrow().get_full(&**name) {
            let epoch = crate::object::module_names_epoch();
            f.code.builtin_slots[i as usize].set((epoch, slot as u32));
            return Ok(v.clone());
        }
        Err(exc("NameError", format!("name '{name}' is not defined")))
    }

    fn load_global(&mut self, name: &str) -> PyResult<Value> {
        if let Some(v) = self.frame().globals.globals.borrow().get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.builtins.globals.borrow().get(name) {
            return Ok(v.clone());
        }
        Err(exc("NameError", format!("name '{name}' is not defined")))
    }

    fn for_iter(&mut self, target: u32) -> PyResult<Step> {
        let it = self.top().clone();
        match &it {
            Value::Iter(i) => {
                // Fast paths that need no calls.
                let next = {
                    let mut st = i.borrow_mut();
                    match &mut *st {
                        IterObj::Range { cur, stop, step } => {
                            Some(range_next(cur, stop, *step).map(Value::Int))
                        }
                        IterObj::Seq {
                            seq: Value::List(l),
                            idx,
                        } => {
                            let l = l.borrow();
                            let r = l.get(*idx).cloned();
                            *idx += 1;
                            Some(r)
                        }
                        IterObj::Seq {
                            seq: Value::Tuple(t),
                            idx,
                        } => {
                            let r = t.get(*idx).cloned();
                            *idx += 1;
                            Some(r)
                        }
                        _ => None,
                    }
                };
                let next = match next {
                    Some(n) => n,
                    None => self.next(&it)?,
                };
                match next {
                    Some(v) => self.push(v),
                    None => {
                        self.pop();
                        self.frame_mut().ip = target;
                    }
                }
            }
            Value::Gen(g) if g.kind == GenKind::Generator => {
                let g = g.clone();
                self.resume_gen(&g, Value::None, Resume::ForIter(target), None)?;
            }
            _ => match self.next(&it)? {
                Some(v) => self.push(v),
                None => {
                    self.pop();
                    self.frame_mut().ip = target;
                }
            },
        }
        Ok(Step::Continue)
    }

    /// SEND: resume the sub-iterator below the sent value.
    fn send(&mut self, target: u32) -> PyResult<Step> {
        let sent = self.pop();
        let sub = self.top().clone();
        match &sub {
            Value::Gen(g) => {
                let g = g.clone();
                if g.kind == GenKind::AsyncGen {
                    return Err(type_error("'async_generator' object is not awaitable"));
                }
                self.resume_gen(&g, sent, Resume::Send(target), None)?;
                Ok(Step::Continue)
            }
            Value::Native(_) if crate::scheduler::as_asend(&sub).is_some() => {
                let Some((owner, value, throw)) = crate::scheduler::as_asend(&sub) else {
                    return Err(type_error("not an asend awaitable"));
                };
                let Value::Gen(g) = owner else {
                    return Err(type_error("asend of a non-generator"));
                };
                if g.state.get() == GenState::Done {
                    return Err(exc("StopAsyncIteration", ""));
                }
                let v = if g.state.get() == GenState::Created {
                    Value::None
                } else {
                    value
                };
                if let Some(e) = &throw
                    && g.state.get() == GenState::Created
                {
                    g.state.set(GenState::Done);
                    return Err(e.clone());
                }
                self.resume_gen(&g, v, Resume::Send(target), throw)?;
                Ok(Step::Continue)
            }
            Value::Native(_) => {
                // Futures, tasks and native coroutines (sleep) are driven by the scheduler.
                match crate::scheduler::send(self, &sub, sent)? {
                    crate::scheduler::SendResult::Done(v) => {
                        self.pop();
                        self.push(v);
                        self.frame_mut().ip = target;
                        Ok(Step::Continue)
                    }
                    crate::scheduler::SendResult::Yield(y)
                        if y.is_none() && crate::scheduler::sleep::end_at_yield(&sub) =>
                    {
                        // `await asyncio.sleep(0)`: a bare yield, after which the await's
                        // value is None, which is what resuming a yield pushes. So the
                        // await ends here (the frame goes on past SEND when resumed),
                        // rather than re-running SEND to learn that: a fifth of a switch.
                        self.pop();
                        self.frame_mut().ip = target;
                        Ok(Step::Exit(Exit::Suspended(Suspend::Yield(y))))
                    }
                    crate::scheduler::SendResult::Yield(y) => {
                        // Re-run SEND when the task resumes: rewind and keep `sent` in place.
                        self.push(Value::None);
                        let f = self.frame_mut();
                        f.ip -= 1;
                        Ok(Step::Exit(Exit::Suspended(Suspend::Wait(y))))
                    }
                }
            }
            _ => {
                // A plain iterator (yield from a list, an __await__ iterator).
                let r = if sent.is_none() {
                    self.next(&sub)?
                } else {
                    Some(self.call_method(
                        &sub,
                        "send",
                        CallArgs::new(smallvec::smallvec![sent]),
                    )?)
                };
                match r {
                    Some(y) => self.push(y),
                    None => {
                        self.pop();
                        self.push(Value::None);
                        self.frame_mut().ip = target;
                    }
                }
                Ok(Step::Continue)
            }
        }
    }

    /// A value yielded through an `await`: goes up to the task.
    fn await_yield(&mut self, v: Value) -> PyResult<Step> {
        let resume = self.frame().resume;
        let owner = self.frame().owner.clone();
        if let Some(g) = owner
            && g.kind == GenKind::Generator
        {
            return self.do_yield(v);
        }
        let _ = resume;
        // Leave every frame in place; the task resumes us by pushing the sent value.
        Ok(Step::Exit(Exit::Suspended(Suspend::Yield(v))))
    }

    /// Iterate `v` for unpacking: exactly `n` items, or at least `n` with `star`.
    fn unpack_iter(&mut self, v: &Value, n: usize, star: Option<()>) -> PyResult<Vec<Value>> {
        if !self.is_iterable(v) {
            return Err(type_error(format!(
                "cannot unpack non-iterable {} object",
                types::type_name(v)
            )));
        }
        let items = self.collect(v)?;
        if star.is_some() {
            if items.len() < n {
                return Err(exc(
                    "ValueError",
                    format!(
                        "not enough values to unpack (expected at least {n}, got {})",
                        items.len()
                    ),
                ));
            }
        } else if items.len() < n {
            return Err(exc(
                "ValueError",
                format!(
                    "not enough values to unpack (expected {n}, got {})",
                    items.len()
                ),
            ));
        } else if items.len() > n {
            return Err(exc(
                "ValueError",
                format!("too many values to unpack (expected {n})"),
            ));
        }
        Ok(items)
    }

    fn import(&mut self, name: &str) -> PyResult<Value> {
        if let Some(m) = self.modules.get(name) {
            return Ok(m.clone());
        }
        let m = match name {
            "asyncio" => Some(crate::scheduler::asyncio_module(self)?),
            "sys" => Some(self.sys_module()?),
            "threading" => Some(crate::threads::threading_module(self)?),
            "concurrent.futures" => Some(crate::threads::futures_module(self)?),
            "concurrent" => {
                let futures = self.import("concurrent.futures")?;
                let m = crate::object::Module::new("concurrent");
                m.set("__name__", Value::str("concurrent"));
                m.set("futures", futures);
                Some(Value::Module(Rc::new(m)))
            }
            _ => self.module(name),
        };
        match m {
            Some(m) => {
                self.modules.insert(name.into(), m.clone());
                Ok(m)
            }
            None => {
                let e = exc("ModuleNotFoundError", format!("No module named '{name}'"));
                e.set("name", Value::str(name));
                Err(e)
            }
        }
    }

    pub(super) fn is_iterable(&self, v: &Value) -> bool {
        match v {
            Value::Str(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Range(_)
            | Value::Iter(_)
            | Value::Gen(_) => true,
            Value::Instance(i) => {
                i.class.lookup("__iter__").is_some() || i.class.lookup("__getitem__").is_some()
            }
            _ => false,
        }
    }

    pub(super) fn mapping_items(&mut self, m: &Value) -> PyResult<Vec<(Value, Value)>> {
        match m {
            Value::Dict(d) => Ok(d
                .borrow()
                .iter()
                .map(|e| (e.key.clone(), e.value.clone()))
                .collect()),
            Value::Instance(_) => {
                let keys = self.call_method(m, "keys", CallArgs::default())?;
                let keys = self.collect(&keys)?;
                let mut out = Vec::new();
                for k in keys {
                    let v = self.getitem(m, &k)?;
                    out.push((k, v));
                }
                Ok(out)
            }
            _ => Err(type_error(format!(
                "'{}' object is not a mapping",
                types::type_name(m)
            ))),
        }
    }

    /// Push a new frame for a code object with slots already laid out on the stack.
    pub(super) fn enter_frame(&mut self, frame: Frame) -> PyResult<()> {
        if self.fiber.frames.len() >= self.recursion_limit {
            self.fiber.stack.truncate(frame.pop_to as usize);
            return Err(exc("RecursionError", "maximum recursion depth exceeded"));
        }
        self.fiber.frames.push(frame);
        Ok(())
    }

    #[inline(always)]
    pub(super) fn step_binop_fast(a: &Value, op: BinOp, b: &Value) -> Option<Value> {
        match (a, op, b) {
            (Value::Int(x), BinOp::Add, Value::Int(y)) => x.checked_add(*y).map(Value::Int),
            (Value::Int(x), BinOp::Sub, Value::Int(y)) => x.checked_sub(*y).map(Value::Int),
            (Value::Int(x), BinOp::Mul, Value::Int(y)) => x.checked_mul(*y).map(Value::Int),
            _ => None,
        }
    }
}

/// The delay of `asyncio.sleep(v)` when `v` is a number (an int, a float or a bool).
#[inline(always)]
fn sleep_delay(v: &Value) -> Option<f64> {
    match *v {
        Value::Int(i) => Some(i as f64),
        Value::Float(x) => Some(x),
        Value::Bool(b) => Some(f64::from(u8::from(b))),
        _ => None,
    }
}

/// The instructions of an `await` after its call: GET_AWAITABLE, LOAD_CONST None, SEND.
const AWAIT_STEPS: u32 = 3;
/// The instructions a fused `await module.f(arg)` skips after its LOAD_GLOBAL.
const FUSED_AWAIT_STEPS: u32 = 6;

/// LOAD_METHOD names[i] of `code` on a module (`asyncio.sleep`): the attribute from the
/// module's namespace (all a module attribute is, see getattr_impl) through the name's slot
/// hint, as for globals, so with no hashing once the hint is set; false if the top of the
/// stack is not a module or the name is not in its namespace (the general path then reports
/// it). Both the fast lane and `step` run it.
fn load_module_attr(stack: &mut Vec<Value>, code: &Code, i: u32) -> bool {
    let Some(Value::Module(m)) = stack.last() else {
        return false;
    };
    let (name, hint) = (&code.names[i as usize], &code.global_slots[i as usize]);
    let Some(v) = read_adopting(&m.globals, name, hint, Value::clone) else {
        return false;
    };
    // (module) -> (attribute, Undef): a plain call follows.
    if let Some(top) = stack.last_mut() {
        *top = v;
    }
    stack.push(Value::Undef);
    true
}

/// Has this site (`Code::class_cache`) found that `inst`'s class holds no property of
/// names[i] and no Python `__setattr__`, since the last change to any class?
fn plain_attr_site(code: &Code, i: u32, inst: &crate::object::Instance) -> bool {
    let key = (
        Rc::as_ptr(&inst.class) as usize,
        crate::object::class_epoch(),
    );
    code.class_cache[i as usize].get() == key
}

/// LOAD_ATTR names[i] of the instance `top` at a plain-attribute site: the instance's own
/// attribute, found through the name's slot hint, so without hashing. None: the general
/// path decides (a miss here may still be a class attribute or `__getattr__`). Both the
/// fast lane and `step` run it.
#[inline(never)]
fn own_attr(top: Option<&Value>, code: &Code, i: u32) -> Option<Value> {
    let Some(Value::Instance(inst)) = top else {
        return None;
    };
    if !plain_attr_site(code, i, inst) {
        return None;
    }
    let d = inst.dict.borrow();
    let at = d.slot_hinted(&code.names[i as usize], &code.global_slots[i as usize])?;
    d.get_index(at).map(|(_, v)| v.clone())
}

/// STORE_ATTR names[i] at a plain-attribute site, the stack ending (value, instance): the
/// value goes into the instance's namespace, in place when the slot hint finds the name (no
/// hashing, and no new key string), and both leave the stack. False (nothing touched): the
/// general path must run.
#[inline(never)]
fn store_own_attr(stack: &mut Vec<Value>, code: &Code, i: u32) -> bool {
    let n = stack.len();
    let (Some(Value::Instance(inst)), true) = (stack.last(), n >= 2) else {
        return false;
    };
    if !plain_attr_site(code, i, inst) {
        return false;
    }
    let inst = inst.clone();
    stack.pop();
    let v = stack.pop().unwrap_or_default();
    let name = &code.names[i as usize];
    let hint = &code.global_slots[i as usize];
    let mut d = inst.dict.borrow_mut();
    let old = match d.get_index_mut(hint.get() as usize) {
        Some((k, slot)) if **k == **name => std::mem::replace(slot, v),
        _ => {
            let (at, old) = d.insert_full(name.clone(), v);
            hint.set(at as u32);
            old.unwrap_or_default()
        }
    };
    drop(d);
    drop(old);
    true
}

/// LOAD_METHOD names[i] on an instance whose namespace does not hold the name and whose
/// class holds a function (or an unbound builtin) under it: (instance) -> (method,
/// instance), with the class's own namespace read through the name's slot hint. False
/// (nothing touched) otherwise: `step` has the general case.
#[inline(never)]
fn load_instance_method(stack: &mut Vec<Value>, code: &Code, i: u32) -> bool {
    let Some(Value::Instance(inst)) = stack.last() else {
        return false;
    };
    let name = &code.names[i as usize];
    if inst.dict.borrow().has(name) {
        return false;
    }
    let found = inst.class.lookup_site(name, &code.global_slots[i as usize]);
    let Some(m) = super::attr::plain_method(found) else {
        return false;
    };
    let at = stack.len() - 1;
    let obj = std::mem::replace(&mut stack[at], m);
    stack.push(obj);
    true
}

/// `await` of a coroutine or of a scheduler object (a sleep, a future, a task): already
/// awaitable as it is, so GET_AWAITABLE leaves it in place (`get_awaitable` has the rest).
pub(super) fn awaitable_as_is(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Gen(g)) => g.kind == GenKind::Coroutine,
        Some(Value::Native(n)) => matches!(&**n, crate::object::NativeObj::Async(_)),
        _ => false,
    }
}

/// Push a copy of the value `$src` (a place expression), built in its slot variant by
/// variant: a whole-`Value` copy through a temporary is written in two 8-byte stores and read
/// back in one 16-byte load, which stalls store forwarding (it was a seventh of `fib`'s time,
/// at LOAD_GLOBAL of a function). The payload is copied out before the push, so `$src` may be
/// a slot of the stack itself.
macro_rules! push_copy_of {
    ($stack:expr, $src:expr) => {
        match $src {
            Value::Int(i) => push_with($stack, || Value::Int(i)),
            Value::Bool(b) => push_with($stack, || Value::Bool(b)),
            Value::None => push_with($stack, || Value::None),
            Value::Float(x) => push_with($stack, || Value::Float(x)),
            Value::Func(ref f) => {
                let f = f.clone();
                push_with($stack, || Value::Func(f));
            }
            ref v => {
                let v = v.clone();
                push_with($stack, || v);
            }
        }
    };
}

/// Push a copy of the stack slot `at` (LOAD_FAST); false if it is unbound.
#[inline(always)]
fn push_local(stack: &mut Vec<Value>, at: usize) -> bool {
    if let Value::Undef = stack[at] {
        return false;
    }
    push_copy_of!(stack, stack[at]);
    true
}

/// Push a copy of `v` (see `push_copy_of`).
#[inline(always)]
fn push_copy(stack: &mut Vec<Value>, v: &Value) {
    push_copy_of!(stack, *v);
}

/// Drop `v`, skipping the out-of-line destructor call for plain data (which owns nothing).
#[inline(always)]
fn discard(v: Value) {
    if matches!(
        v,
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Undef
    ) {
        std::mem::forget(v);
    } else if let Value::Func(f) = v {
        drop(f);
    } else {
        drop(v);
    }
}

/// STORE_FAST of an int into slot `at`.
#[inline(always)]
fn store_int(stack: &mut [Value], at: usize, v: i64) {
    match &mut stack[at] {
        Value::Int(x) => *x = v,
        slot => discard(std::mem::replace(slot, Value::Int(v))),
    }
}

#[inline(always)]
fn discard_top(stack: &mut Vec<Value>) {
    if let Some(v) = stack.pop() {
        discard(v);
    }
}

/// The next value of a range iterator, advancing it.
#[inline(always)]
fn range_next(cur: &mut i64, stop: &mut i64, step: i64) -> Option<i64> {
    if (step > 0 && *cur < *stop) || (step < 0 && *cur > *stop) {
        let v = *cur;
        *cur = cur.saturating_add(step);
        if v == *cur {
            // Saturated at the end of i64: this was the last value.
            *stop = *cur;
        }
        Some(v)
    } else {
        None
    }
}

/// `a op b` for small ints, when the result is a small int (None: the general path).
#[inline(always)]
fn int_binop(a: i64, op: BinOp, b: i64) -> Option<i64> {
    match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        _ => None,
    }
}

#[inline(always)]
fn int_compare(a: i64, op: CmpOp, b: i64) -> Option<bool> {
    Some(match op {
        CmpOp::Lt => a < b,
        CmpOp::LtE => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::GtE => a >= b,
        CmpOp::Eq => a == b,
        CmpOp::NotEq => a != b,
        _ => return None,
    })
}

/// Push global names[i] if its slot hint is right (no hashing); false on a miss.
#[inline(always)]
fn push_cached_global(code: &Code, globals: &Module, i: u32, stack: &mut Vec<Value>) -> bool {
    push_at_slot(code, globals, i, code.global_slots[i as usize].get(), stack)
}

/// Push the value at `slot` of `module`'s namespace if names[i] is the key there.
#[inline(always)]
fn push_at_slot(code: &Code, module: &Module, i: u32, slot: u32, stack: &mut Vec<Value>) -> bool {
    let map = module.globals.borrow();
    let Some((key, v)) = map.get_index(slot as usize) else {
        return false;
    };
    let name = &code.names[i as usize];
    if !(Rc::ptr_eq(key, name) || **key == **name) {
        return false;
    }
    push_copy(stack, v);
    true
}

/// A native function not bound to a receiver: `call_native` calls it.
#[inline(always)]
fn is_native_fn(v: &Value) -> bool {
    matches!(v, Value::Builtin(b) if b.bound.is_none())
}

/// Push builtin names[i] if its site found it among the builtins, not in its module, and
/// no module has gained a name since (`Code::builtin_slots`); false otherwise.
#[inline(always)]
fn push_cached_builtin(code: &Code, builtins: &Module, i: u32, stack: &mut Vec<Value>) -> bool {
    let (epoch, slot) = code.builtin_slots[i as usize].get();
    epoch == crate::object::module_names_epoch() && push_at_slot(code, builtins, i, slot, stack)
}

/// STORE_GLOBAL names[i] through its slot hint: pops the value and returns true on a hit.
#[inline(always)]
fn store_cached_global(code: &Code, globals: &Module, i: u32, stack: &mut Vec<Value>) -> bool {
    let slot = code.global_slots[i as usize].get();
    let mut map = globals.globals.borrow_mut();
    let Some((key, v)) = map.get_index_mut(slot as usize) else {
        return false;
    };
    let name = &code.names[i as usize];
    if !(Rc::ptr_eq(key, name) || **key == **name) {
        return false;
    }
    let old = std::mem::replace(v, stack.pop().unwrap_or_default());
    drop(map);
    discard(old);
    true
}

/// Set `e.__context__ = ctx` unless that would make a cycle.
pub fn set_context(e: &Exc, ctx: &Exc) {
    // Walk ctx's context chain to avoid cycles (Python breaks them the same way).
    let mut cur = Some(ctx.clone());
    while let Some(c) = cur {
        if Rc::ptr_eq(&c, e) {
            return;
        }
        cur = c.exc.borrow().as_ref().and_then(|d| match &d.context {
            Value::Instance(i) => Some(i.clone()),
            _ => None,
        });
    }
    if let Some(d) = e.exc.borrow_mut().as_mut()
        && matches!(d.context, Value::None)
    {
        d.context = Value::Instance(ctx.clone());
    }
}
