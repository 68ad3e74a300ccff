//! A generator of well-formed aio programs (valid Python 3.11) driven by fuzzer bytes:
//! functions, coroutines, tasks, gather, wait_for, locks, cancellation, exceptions, loops,
//! comprehensions and f-strings over a few variables. Shared by the `run` fuzz target
//! (fuzz/) and the smoke test in `cargo test` (tests/fuzz_smoke.rs).

use arbitrary::{Result, Unstructured};

pub struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    out: String,
    depth: usize,
}

const VARS: &[&str] = &["a", "b", "c", "xs"];
const FUNCS: usize = 2;
const CORO: usize = 2;

impl<'a, 'b> Gen<'a, 'b> {
    pub fn new(u: &'a mut Unstructured<'b>) -> Gen<'a, 'b> {
        Gen {
            u,
            out: String::new(),
            depth: 0,
        }
    }

    fn line(&mut self, indent: usize, text: &str) {
        self.out.push_str(&"    ".repeat(indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn var(&mut self) -> Result<&'static str> {
        Ok(*self.u.choose(VARS)?)
    }

    fn expr(&mut self, is_async: bool) -> Result<String> {
        if self.depth > 4 || self.u.is_empty() {
            return Ok(self.u.int_in_range(0..=9)?.to_string());
        }
        self.depth += 1;
        let e = match self.u.int_in_range(0..=19)? {
            0 => self.u.int_in_range(-3i64..=300)?.to_string(),
            1 => format!(
                "'{}'",
                ["", "x", "ab", "é", "3"][self.u.int_in_range(0..=4)?]
            ),
            2 | 3 => self.var()?.to_string(),
            4 => {
                let op = *self.u.choose(&[
                    "+", "-", "*", "//", "%", "**", "<", "==", "and", "or", "in", "|", "<<",
                ])?;
                let left = self.expr(is_async)?;
                // A power's exponent is a small literal: `(42 ** 57) ** (12 ** 4)` is a
                // 2-million-digit number, its step a single instruction, and programs like it
                // took the fuzzer's time 0.2 s per call (the step budget counts instructions).
                let right = if op == "**" {
                    self.u.int_in_range(-1i64..=5)?.to_string()
                } else {
                    self.expr(is_async)?
                };
                format!("({left} {op} {right})")
            }
            5 => format!("[{}, {}]", self.expr(is_async)?, self.expr(is_async)?),
            6 => format!("{{{}: {}}}", self.expr(is_async)?, self.expr(is_async)?),
            7 => format!(
                "f{}({}, {})",
                self.u.int_in_range(0..=FUNCS - 1)?,
                self.expr(is_async)?,
                self.expr(is_async)?
            ),
            8 => format!(
                "{}({})",
                self.u.choose(&[
                    "len", "str", "repr", "list", "sorted", "abs", "bool", "tuple"
                ])?,
                self.expr(is_async)?
            ),
            // Python 3.11 allows no quotes inside an f-string's braces: variables only.
            9 => format!("f\"{{{}!r}}-{{{}:>3}}\"", self.var()?, self.var()?),
            10 => format!(
                "[{} for i in range({}) if i % 2]",
                self.expr(is_async)?,
                self.u.int_in_range(0..=5)?
            ),
            11 => format!("(lambda q: q * 2)({})", self.expr(is_async)?),
            12 => format!("{}[{}]", self.expr(is_async)?, self.expr(is_async)?),
            13 => format!("{}[1:]", self.expr(is_async)?),
            14 if is_async => format!(
                "await w{}({})",
                self.u.int_in_range(0..=CORO - 1)?,
                self.expr(is_async)?
            ),
            15 if is_async => format!(
                "(await asyncio.gather(w0({}), w1({}), return_exceptions={}))",
                self.expr(is_async)?,
                self.expr(is_async)?,
                if self.u.arbitrary::<bool>()? {
                    "True"
                } else {
                    "False"
                }
            ),
            16 => format!(
                "({} if {} else {})",
                self.expr(is_async)?,
                self.expr(is_async)?,
                self.expr(is_async)?
            ),
            17 => "None".to_string(),
            _ => format!("-{}", self.expr(is_async)?),
        };
        self.depth -= 1;
        Ok(e)
    }

    fn block(&mut self, indent: usize, is_async: bool) -> Result<()> {
        let n = self.u.int_in_range(1..=4)?;
        for _ in 0..n {
            self.stmt(indent, is_async)?;
        }
        Ok(())
    }

    fn stmt(&mut self, indent: usize, is_async: bool) -> Result<()> {
        if self.depth > 3 || self.u.is_empty() {
            self.line(indent, "pass");
            return Ok(());
        }
        self.depth += 1;
        match self.u.int_in_range(0..=17)? {
            0..=2 => {
                let (v, e) = (self.var()?, self.expr(is_async)?);
                self.line(indent, &format!("{v} = {e}"));
            }
            3 => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("print({e})"));
            }
            4 => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("if {e}:"));
                self.block(indent + 1, is_async)?;
                self.line(indent, "else:");
                self.block(indent + 1, is_async)?;
            }
            5 => {
                let (v, e) = (self.var()?, self.expr(is_async)?);
                self.line(indent, &format!("for {v} in {e}:"));
                self.block(indent + 1, is_async)?;
            }
            6 => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("while {e}:"));
                self.block(indent + 1, is_async)?;
                self.line(indent + 1, "break");
            }
            7 => {
                self.line(indent, "try:");
                self.block(indent + 1, is_async)?;
                self.line(indent, "except Exception as e:");
                self.line(indent + 1, "print(type(e).__name__)");
                if self.u.arbitrary()? {
                    self.line(indent, "finally:");
                    self.block(indent + 1, is_async)?;
                }
            }
            8 => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("raise ValueError({e})"));
            }
            9 => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("xs.append({e})"));
            }
            10 => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("return {e}"));
            }
            11 if is_async => self.line(indent, "await asyncio.sleep(0)"),
            12 if is_async => {
                let (w, e) = (self.u.int_in_range(0..=CORO - 1)?, self.expr(is_async)?);
                self.line(indent, &format!("t = asyncio.create_task(w{w}({e}))"));
                if self.u.arbitrary()? {
                    self.line(indent, "t.cancel()");
                }
                self.line(indent, "try:");
                self.line(indent + 1, "c = await t");
                self.line(indent, "except asyncio.CancelledError:");
                self.line(indent + 1, "print('cancelled')");
            }
            13 if is_async => {
                self.line(indent, "async with lock:");
                self.block(indent + 1, is_async)?;
            }
            14 if is_async => {
                let e = self.expr(is_async)?;
                self.line(indent, "try:");
                self.line(
                    indent + 1,
                    &format!("c = await asyncio.wait_for(w0({e}), 0.5)"),
                );
                self.line(indent, "except asyncio.TimeoutError:");
                self.line(indent + 1, "print('timeout')");
            }
            15 if is_async => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("await asyncio.sleep({e} % 3 / 10)"));
            }
            16 => {
                let (v, e) = (self.var()?, self.expr(is_async)?);
                self.line(indent, &format!("{v} += {e}"));
            }
            _ => {
                let e = self.expr(is_async)?;
                self.line(indent, &format!("assert {e}, 'no'"));
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn function(&mut self, header: &str, is_async: bool) -> Result<()> {
        self.line(0, header);
        self.line(1, "a, b, c, xs = p, q, 0, []");
        self.block(1, is_async)?;
        self.line(1, "return a");
        self.out.push('\n');
        Ok(())
    }

    /// The whole program: functions f0/f1, coroutines w0/w1, and main() run by asyncio.run.
    pub fn program(mut self) -> Result<String> {
        self.line(0, "import asyncio\n");
        for i in 0..FUNCS {
            self.function(&format!("def f{i}(p, q=1):"), false)?;
        }
        for i in 0..CORO {
            self.function(&format!("async def w{i}(p, q=1):"), true)?;
        }
        self.line(0, "async def main():");
        self.line(1, "global lock");
        self.line(1, "lock = asyncio.Lock()");
        self.line(1, "a, b, c, xs = 1, 'x', 0, []");
        self.block(1, true)?;
        self.line(1, "print(a, b, c, xs)");
        self.out.push('\n');
        self.line(0, "try:");
        self.line(1, "asyncio.run(main())");
        self.line(0, "except Exception as e:");
        self.line(1, "print('main:', type(e).__name__)");
        Ok(self.out)
    }
}
