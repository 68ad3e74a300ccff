//! No escape hatch: a program has no file, network, process or environment access beyond
//! `print`, `input`, `time` and its own modules (docs/reliability.md). Each probe below
//! must find the door absent (NameError, ModuleNotFoundError, AttributeError) or harmless.
//! These are not golden tests: python3 has every one of these doors.

use std::process::{Command, Stdio};

const AIO: &str = env!("CARGO_BIN_EXE_aio");

fn run(name: &str, source: &str) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!("aio-escape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.aio"));
    std::fs::write(&file, source).unwrap();
    let out = Command::new(AIO)
        .arg("run")
        .arg(&file)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot start aio");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn dangerous_builtins_are_absent() {
    let names = [
        "open",
        "exec",
        "eval",
        "compile",
        "__import__",
        "globals",
        "locals",
        "breakpoint",
        "help",
        "memoryview",
        "__builtins__",
        "__loader__",
    ];
    let mut source = String::new();
    for n in names {
        source.push_str(&format!(
            "try:\n    {n}\n    print('{n} present')\nexcept NameError:\n    print('{n} absent')\n"
        ));
    }
    let (code, out, err) = run("builtins", &source);
    let expected: String = names.iter().map(|n| format!("{n} absent\n")).collect();
    assert_eq!(out, expected, "{err}");
    assert_eq!(code, Some(0));
}

#[test]
fn system_modules_cannot_be_imported() {
    let modules = [
        "os",
        "subprocess",
        "socket",
        "io",
        "pathlib",
        "shutil",
        "ctypes",
        "importlib",
        "builtins",
        "signal",
        // `threading` is there: its threads are the interpreter's own (docs/threads.md),
        // with no more access than the main program.
        "multiprocessing",
        // `gc` is there too: collect/enable/disable/isenabled only, no get_objects or
        // get_referrers to reach objects by.
        "inspect",
        "posix",
        "select",
        "urllib",
    ];
    let mut source = String::new();
    for m in modules {
        source.push_str(&format!(
            "try:\n    import {m}\n    print('{m} imported')\nexcept ModuleNotFoundError:\n    print('{m} absent')\n"
        ));
    }
    source.push_str("try:\n    from os import system\nexcept ModuleNotFoundError:\n    print('from os absent')\n");
    let (code, out, err) = run("modules", &source);
    let mut expected: String = modules.iter().map(|m| format!("{m} absent\n")).collect();
    expected.push_str("from os absent\n");
    assert_eq!(out, expected, "{err}");
    assert_eq!(code, Some(0));
}

#[test]
fn attribute_walks_lead_nowhere() {
    let probes = [
        ("subclasses", "().__class__.__base__.__subclasses__()"),
        ("type subclasses", "object.__subclasses__()"),
        ("function globals", "probe.__globals__"),
        ("function code", "probe.__code__"),
        ("generator frame", "g().gi_frame"),
        ("coroutine frame", "c().cr_frame"),
        ("builtin self", "print.__self__"),
        ("sys.modules", "sys.modules"),
        ("sys._getframe", "sys._getframe()"),
        ("sys.path", "sys.path"),
        ("environ", "sys.environ"),
        ("asyncio.subprocess", "asyncio.subprocess"),
        ("create_subprocess_exec", "asyncio.create_subprocess_exec"),
        ("open_connection", "asyncio.open_connection"),
        ("start_server", "asyncio.start_server"),
        (
            "add_signal_handler",
            "asyncio.new_event_loop().add_signal_handler",
        ),
        ("traceback frame", "err().__traceback__.tb_frame"),
    ];
    let mut source = String::from(
        "import sys, asyncio\n\ndef probe(label, f):\n    try:\n        f()\n        print(label, 'reachable')\n    except AttributeError:\n        print(label, 'absent')\n\ndef g():\n    yield 1\n\nasync def c():\n    pass\n\ndef err():\n    try:\n        1 / 0\n    except ZeroDivisionError as e:\n        return e\n\n",
    );
    for (label, expr) in probes {
        source.push_str(&format!("probe({label:?}, lambda: {expr})\n"));
    }
    let (code, out, err) = run("walks", &source);
    let expected: String = probes
        .iter()
        .map(|(label, _)| format!("{label} absent\n"))
        .collect();
    assert_eq!(out, expected, "{err}");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn exits_only_end_the_program() {
    for (name, call, status) in [
        ("sys_exit", "import sys\nsys.exit(3)", 3),
        ("exit", "exit(4)", 4),
        ("quit", "quit()", 0),
        ("raise_system_exit", "raise SystemExit(5)", 5),
    ] {
        let (code, out, err) = run(name, &format!("print('before')\n{call}\nprint('after')\n"));
        assert_eq!(out, "before\n", "{name}: {err}");
        assert_eq!(code, Some(status), "{name}: {err}");
    }
}

#[test]
fn a_huge_recursion_limit_still_cannot_overflow_the_native_stack() {
    let (code, out, err) = run(
        "recursion_limit",
        "import sys\nsys.setrecursionlimit(10**8)\nx = []\nfor i in range(2_000_000):\n    x = [x]\ntry:\n    print(len(repr(x)))\nexcept RecursionError:\n    print('RecursionError')\n",
    );
    assert_eq!(out, "RecursionError\n", "{err}");
    assert_eq!(code, Some(0));
}
