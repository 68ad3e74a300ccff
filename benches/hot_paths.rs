//! `cargo bench`: the interpreter's hot paths, each as a small aio program run through the
//! library, so a regression in the dispatch loop, calls, task spawning, task switching or
//! the timer heap shows up early. Whole-process comparisons with CPython are in
//! `bench/compare.sh`.

use std::rc::Rc;

use criterion::{Criterion, criterion_group, criterion_main};

/// Compile once; each iteration runs the program in a fresh interpreter on the virtual
/// clock (no output: the programs print nothing).
fn bench_program(c: &mut Criterion, name: &str, src: &str) {
    let Ok(code) = aio::compile(name, src, false) else {
        panic!("{name} does not compile");
    };
    c.bench_function(name, |b| {
        b.iter(|| {
            let mut vm = aio::vm::Vm::new(true);
            let module = Rc::new(aio::object::Module::new("__main__"));
            vm.run_module(code.clone(), module)
                .unwrap_or_else(|_| panic!("{name} runs"));
        })
    });
}

fn hot_paths(c: &mut Criterion) {
    bench_program(
        c,
        "dispatch_loop",
        "s = 0\nfor i in range(100_000):\n    s += i\n",
    );
    bench_program(
        c,
        "calls",
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(18)\n",
    );
    bench_program(
        c,
        "task_spawn",
        "import asyncio\n\nasync def work(i):\n    return i\n\nasync def main():\n    await asyncio.gather(*[work(i) for i in range(2_000)])\n\nasyncio.run(main())\n",
    );
    bench_program(
        c,
        "task_switch",
        "import asyncio\n\nasync def spin():\n    for _ in range(100):\n        await asyncio.sleep(0)\n\nasync def main():\n    await asyncio.gather(*[spin() for _ in range(100)])\n\nasyncio.run(main())\n",
    );
    bench_program(
        c,
        "timers",
        "import asyncio\n\nasync def nap(i):\n    await asyncio.sleep((i * 7919) % 1000 / 1000)\n\nasync def main():\n    await asyncio.gather(*[nap(i) for i in range(2_000)])\n\nasyncio.run(main())\n",
    );
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
