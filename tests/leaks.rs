//! Reference cycles must not leak: tests/leaks/cyclic_tasks.aio makes tasks whose result or
//! exception refers to the task, self-referring instances and pending futures whose
//! callbacks refer to each other, in batches of 5,000. Without the cycle collector its heap
//! grows with the number of tasks (about 1 KB per task); with it, 200,000 tasks must fit in
//! the heap limit that 20,000 leaking tasks would already need.

use std::process::Command;

const AIO: &str = env!("CARGO_BIN_EXE_aio");

fn run(tasks: u32, max_memory_mb: u32) -> std::process::Output {
    Command::new(AIO)
        .args(["run", "--virtual-time", "--max-memory"])
        .arg(max_memory_mb.to_string())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/leaks/cyclic_tasks.aio"
        ))
        .arg(tasks.to_string())
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot start aio")
}

#[test]
fn cyclic_tasks_keep_the_heap_flat() {
    // Ten times the tasks, the same heap limit: a leak of even 1/10 of a task's size per
    // task would pass it.
    for tasks in [20_000, 200_000] {
        let out = run(tasks, 48);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.trim(),
            format!("done {tasks}"),
            "{tasks} tasks did not fit in 48 MB: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
