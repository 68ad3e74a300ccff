//! The `.aio` programs under some folders, for tests that go over every example.

use std::path::PathBuf;

/// Every `.aio` file below `roots` (recursively), sorted.
pub fn aio_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = roots.to_vec();
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "aio") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}
