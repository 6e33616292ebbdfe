//! Embedding API and CLI behaviour of the VM (ISA semantics live in `conformance/`).

use adead_vm::{
    CallError, Completion, Config, Engine, Finish, HostError, HostFunc, Imports, Instance,
    InstantiateError, LoadError, Module, Signature, Tier, Trap, TrapKind, ValType, Value, stdio,
};

/// The default engine, counting instructions so that calls report them.
fn engine() -> Engine {
    Engine::new(Config {
        count_instructions: true,
        ..Config::default()
    })
}

fn module(source: &str) -> Module {
    Module::from_asm(&engine(), source, "test.asm").unwrap_or_else(|e| panic!("{e}"))
}

fn instance(source: &str) -> Instance {
    Instance::new(&module(source), &Imports::new()).unwrap()
}

/// Runs the entry of `source` with a fuel budget; the instance comes back for
/// inspecting memory.
fn run_with_fuel(
    source: &str,
    fuel: Option<u64>,
    args: &[Value],
) -> (Instance, Result<Completion, CallError>) {
    let engine = Engine::new(Config {
        fuel,
        count_instructions: true,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, source, "fuel.asm").unwrap_or_else(|e| panic!("{e}"));
    let mut inst = Instance::new(&module, &Imports::new()).unwrap();
    let result = inst.call_entry(args);
    (inst, result)
}

/// The out-of-fuel trap a run must have ended with.
fn out_of_fuel(result: Result<Completion, CallError>) -> Trap {
    match result {
        Err(CallError::Trap(trap)) if trap.kind == TrapKind::OutOfFuel => trap,
        other => panic!("expected an out_of_fuel trap, got {other:?}"),
    }
}

const FIB: &str = "
.func fib params=1 regs=4
    movi r1, 2
    blt r0, r1, small
    addi r2, r0, -1
    call r2, fib, r2, 1
    addi r3, r0, -2
    call r3, fib, r3, 1
    add r0, r2, r3
small:
    ret r0
.end
.export fib
";

#[test]
fn recursive_calls_return_values() {
    // The interpreter counts every entry (native code does not count its calls).
    let engine = Engine::new(Config {
        tier: Tier::Interp,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, FIB, "fib.asm").unwrap();
    let mut fib = Instance::new(&module, &Imports::new()).unwrap();
    assert_eq!(
        fib.call("fib", &[Value::I64(20)]).unwrap(),
        vec![Value::I64(6765)]
    );
    let profile = fib.profile();
    // fib(20) makes 2 * fib(21) - 1 calls.
    assert_eq!(profile.functions[0].calls, 2 * 10946 - 1);
}

#[test]
fn fuel_is_exact_for_straight_line_code_loops_and_calls() {
    // 3 instructions before the loop, 2 per iteration, 1 ret.
    let counting = "
.func count params=1 regs=4
    movi r1, 0
    movi r2, 1
    nop
top:
    add r1, r1, r2
    blt r1, r0, top
    ret r1
.end
.export count
";
    let mut inst = instance(counting);
    for n in [1, 2, 10, 1000] {
        let c = inst.invoke(0, &[Value::I64(n)]).unwrap();
        assert_eq!(c.finish, Finish::Returned(n as u64));
        assert_eq!(c.fuel_used, Some(3 + 2 * n as u64 + 1), "n = {n}");
    }
    // fib(n) runs 2 instructions + ret for n < 2 and 8 otherwise, per call.
    let mut fib = instance(FIB);
    let c = fib.invoke(0, &[Value::I64(10)]).unwrap();
    let calls = 2 * 89 - 1u64;
    let leaves = 89u64;
    assert_eq!(c.fuel_used, Some(leaves * 3 + (calls - leaves) * 8));
}

#[test]
fn out_of_fuel_traps_at_the_exact_instruction_with_prior_effects_done() {
    let source = "
.func main params=1 regs=4
    movi r1, 0
    movi r2, 16
top:
    st64 r2, 0, r1
    addi r1, r1, 1
    jmp top
.end
";
    for fuel in 0..40u64 {
        let (inst, result) = run_with_fuel(source, Some(fuel), &[Value::I64(0)]);
        let trap = out_of_fuel(result);
        assert_eq!(trap.fuel_used, Some(fuel));
        // Instruction `fuel` (in execution order) is the one that could not run.
        let expected_pc = if fuel < 2 { fuel } else { 2 + (fuel - 2) % 3 };
        assert_eq!(trap.pc as u64, expected_pc, "fuel {fuel}");
        // Stores that ran are visible: the store runs at fuel 2, 5, 8, ... with r1 = 0, 1, 2...
        let stores = if fuel <= 2 { 0 } else { (fuel - 3) / 3 + 1 };
        let stored = u64::from_le_bytes(inst.memory()[16..24].try_into().unwrap());
        assert_eq!(stored, stores.saturating_sub(1), "fuel {fuel}");
    }
}

#[test]
fn traps_carry_kind_function_pc_line_and_the_host_can_call_again() {
    let source = "
.func div params=2 regs=3
    div r2, r0, r1
    ret r2
.end
.export div
";
    let mut inst = instance(source);
    let err = inst
        .call("div", &[Value::I64(1), Value::I64(0)])
        .unwrap_err();
    let CallError::Trap(trap) = err else {
        panic!("{err:?}")
    };
    assert_eq!(trap.kind, TrapKind::DivideByZero);
    assert_eq!((trap.function.as_str(), trap.pc), ("div", 0));
    assert_eq!(trap.location, Some(("test.asm".to_string(), 3)));
    assert_eq!(
        trap.to_string(),
        "trap: integer division by zero in function `div` at instruction 0 (test.asm:3)"
    );
    assert_eq!(trap.fuel_used, Some(1));
    let err = inst
        .call("div", &[Value::I64(i64::MIN), Value::I64(-1)])
        .unwrap_err();
    assert!(matches!(err, CallError::Trap(t) if t.kind == TrapKind::IntegerOverflow));
    assert_eq!(
        inst.call("div", &[Value::I64(-9), Value::I64(2)]).unwrap(),
        vec![Value::I64(-4)]
    );
}

#[test]
fn deep_recursion_is_a_clean_trap_not_a_host_stack_overflow() {
    let source = "
.func down params=1 regs=2
    jz r0, done
    addi r1, r0, -1
    call r0, down, r1, 1
done:
    ret r0
.end
.export down
";
    let mut inst = instance(source);
    let err = inst.call("down", &[Value::I64(1_000_000)]).unwrap_err();
    let CallError::Trap(trap) = err else {
        panic!("{err:?}")
    };
    assert_eq!(trap.kind, TrapKind::CallDepth);
    // Within the limit the same function works, and the instance is still usable.
    assert_eq!(
        inst.call("down", &[Value::I64(50_000)]).unwrap(),
        vec![Value::I64(0)]
    );
    let engine = Engine::new(Config {
        max_call_depth: 2_000_000,
        ..Config::default()
    });
    let deep = Module::from_asm(&engine, source, "deep.asm").unwrap();
    let mut deep = Instance::new(&deep, &Imports::new()).unwrap();
    assert_eq!(
        deep.call("down", &[Value::I64(1_000_000)]).unwrap(),
        vec![Value::I64(0)]
    );
}

#[test]
fn imports_resolve_by_name_and_arity() {
    let source = "
.func main params=0 regs=2
    movi r0, 5
    hcall r1, twice, r0, 1
    ret r1
.end
";
    let m = module(source);
    assert_eq!(
        Instance::new(&m, &Imports::new()).err(),
        Some(InstantiateError::MissingImport("twice".into()))
    );
    let mut wrong = Imports::new();
    wrong.define(
        "twice",
        HostFunc::new(Signature::new(&[], None), |_, _| Ok(None)),
    );
    assert!(matches!(
        Instance::new(&m, &wrong).err(),
        Some(InstantiateError::ImportArity {
            module_params: 1,
            host_params: 0,
            ..
        })
    ));
    let mut imports = Imports::new();
    imports.define(
        "twice",
        HostFunc::new(
            Signature::new(&[ValType::I64], Some(ValType::I64)),
            |_, args| match args[0] {
                Value::I64(5) => Ok(Some(Value::I64(10))),
                _ => Err(HostError("unexpected argument".into())),
            },
        ),
    );
    let mut inst = Instance::new(&m, &imports).unwrap();
    assert_eq!(inst.call_entry(&[]).unwrap().finish, Finish::Returned(10));
}

#[test]
fn a_failing_host_function_traps_with_its_message() {
    let source = "
.func main params=0 regs=2
    hcall r1, fails, r0, 0
    ret r1
.end
";
    let mut imports = Imports::new();
    imports.define(
        "fails",
        HostFunc::new(Signature::new(&[], None), |_, _| {
            Err(HostError("disk on fire".into()))
        }),
    );
    let mut inst = Instance::new(&module(source), &imports).unwrap();
    let CallError::Trap(trap) = inst.call_entry(&[]).unwrap_err() else {
        panic!()
    };
    assert_eq!(trap.kind, TrapKind::Host);
    assert_eq!(trap.detail.as_deref(), Some("disk on fire"));
}

#[test]
fn print_functions_write_to_the_output() {
    let source = "
.data msg
    .ascii \"hi \"
.func main params=0 regs=4
    movi r0, @msg
    movi r1, 3
    hcall r2, print_str, r0, 2
    movi r0, -42
    hcall r2, print_i64, r0, 1
    fmovi r0, 0.1
    hcall r2, print_f64, r0, 1
    movi r1, 3
    hcall r2, print_fixed, r0, 2
    halt
.end
";
    let (output, captured) = stdio::Output::capture();
    let mut inst = Instance::new(&module(source), &stdio::imports(&output)).unwrap();
    assert_eq!(inst.call_entry(&[]).unwrap().finish, Finish::Halted(0));
    output.flush().unwrap();
    assert_eq!(captured.text(), "hi -42\n0.1\n0.100\n");
}

#[test]
fn alloc_grows_memory_up_to_the_limit_and_frees_reuse_addresses() {
    let source = "
.func grab params=1 regs=3
    alloc r1, r0
    st8 r1, 0, r0
    ret r1
.end
.func release params=1 regs=1
    free r0
    ret r0
.end
.export grab
.export release
";
    let engine = Engine::new(Config {
        max_memory: 1 << 20,
        ..Config::default()
    });
    let m = Module::from_asm(&engine, source, "heap.asm").unwrap();
    let mut inst = Instance::new(&m, &Imports::new()).unwrap();
    let big = inst.call("grab", &[Value::I64(900_000)]).unwrap()[0];
    assert!(inst.memory().len() >= 900_000);
    let err = inst.call("grab", &[Value::I64(200_000)]).unwrap_err();
    assert!(matches!(err, CallError::Trap(t) if t.kind == TrapKind::OutOfMemory));
    inst.call("release", &[big]).unwrap();
    assert_eq!(inst.call("grab", &[Value::I64(200_000)]).unwrap()[0], big);
    let err = inst.call("release", &[Value::I64(12345)]).unwrap_err();
    assert!(matches!(err, CallError::Trap(t) if t.kind == TrapKind::BadFree));
}

#[test]
fn bad_modules_are_typed_errors() {
    let e = Module::from_bytes(&engine(), b"not a module").unwrap_err();
    assert!(matches!(e, LoadError::Format(_)), "{e}");
    let e = Module::from_asm(&engine(), ".func main\n    bogus r1\n.end\n", "x.asm").unwrap_err();
    assert!(matches!(e, LoadError::Assemble { count: 1, .. }), "{e}");
    let gpu = ".func main params=0 regs=3\n    gpu.matmul r0, r1, r2\n    halt\n.end\n";
    let e = Module::from_asm(&engine(), gpu, "t.asm").unwrap_err();
    assert!(
        matches!(
            e,
            LoadError::Unsupported {
                mnemonic: "gpu.matmul",
                pc: 0,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn argument_count_is_checked() {
    let mut fib = instance(FIB);
    assert!(matches!(
        fib.call("fib", &[]),
        Err(CallError::ArgumentCount {
            expected: 1,
            given: 0,
            ..
        })
    ));
    assert!(matches!(
        fib.call("nope", &[]),
        Err(CallError::UnknownExport(_))
    ));
    assert!(matches!(
        fib.invoke(7, &[]),
        Err(CallError::UnknownFunction(7))
    ));
}

mod cli {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    fn example(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples")
            .join(name)
    }

    fn run(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_adead-vm"))
            .args(args)
            .output()
            .expect("adead-vm runs")
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn assert_one_clean_line(stderr: &str) {
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{stderr}"
        );
    }

    #[test]
    fn runs_assembly_with_arguments_and_exits_with_the_halt_code() {
        let out = run(&["run", example("fib.asm").to_str().unwrap(), "20"]);
        assert_eq!(text(&out.stdout), "6765\n");
        assert_eq!(out.status.code(), Some(0));
        let out = run(&["run", example("seed.hex.asm").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(42));
    }

    #[test]
    fn a_trap_flushes_output_and_exits_70_with_one_line() {
        let out = run(&["run", example("trap.asm").to_str().unwrap()]);
        assert_eq!(text(&out.stdout), "100\n");
        assert_eq!(out.status.code(), Some(70));
        let stderr = text(&out.stderr);
        assert_one_clean_line(&stderr);
        assert!(
            stderr.contains("trap: integer division by zero in function `main` at instruction 3")
                && stderr.contains("trap.asm:12"),
            "{stderr}"
        );
    }

    #[test]
    fn fuel_and_memory_flags_are_limits() {
        let fib = example("fib.asm");
        let out = run(&["run", fib.to_str().unwrap(), "25", "--fuel", "1000"]);
        assert_eq!(out.status.code(), Some(70));
        assert!(text(&out.stderr).contains("out of fuel"));
        let sieve = example("sieve.asm");
        let out = run(&[
            "run",
            sieve.to_str().unwrap(),
            "1000000",
            "--max-memory",
            "100000",
        ]);
        assert_eq!(out.status.code(), Some(70));
        assert!(text(&out.stderr).contains("out of memory"));
    }

    #[test]
    fn stats_report_instructions_calls_and_loops() {
        let out = run(&[
            "run",
            example("sieve.asm").to_str().unwrap(),
            "1000",
            "--stats",
        ]);
        assert_eq!(text(&out.stdout), "168\n");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("instructions executed:"), "{stderr}");
        assert!(stderr.contains("hottest loops"), "{stderr}");
    }

    #[test]
    fn stats_show_what_was_compiled_and_where_instructions_ran() {
        let fib = example("fib.asm");
        let out = run(&[
            "run",
            fib.to_str().unwrap(),
            "20",
            "--stats",
            "--tier",
            "opt",
        ]);
        assert_eq!(text(&out.stdout), "6765\n");
        let stderr = text(&out.stderr);
        // fib(20) on opt: everything native (21891 calls of fib, 8 or 3 instructions
        // each, and main's 3: 120401 instructions, as the interpreter counts them).
        assert!(stderr.contains("instructions executed: 120401"), "{stderr}");
        assert!(stderr.contains("natively:            120401"), "{stderr}");
        assert!(stderr.contains("interpreted:         0"), "{stderr}");
        assert!(
            stderr.contains("fib                      start"),
            "{stderr}"
        );
        assert!(stderr.contains("at load"), "{stderr}");
        let out = run(&[
            "run",
            fib.to_str().unwrap(),
            "20",
            "--stats",
            "--tier",
            "interp",
        ]);
        assert!(text(&out.stderr).contains("native code: none (--tier interp)"));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn perfmap_names_compiled_functions() {
        let fib = example("fib.asm");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_adead-vm"))
            .args([
                "run",
                fib.to_str().unwrap(),
                "20",
                "--tier",
                "opt",
                "--perfmap",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("adead-vm starts");
        let pid = child.id();
        let out = child.wait_with_output().expect("adead-vm ends");
        assert_eq!(text(&out.stdout), "6765\n");
        let path = format!("/tmp/perf-{pid}.map");
        let map = std::fs::read_to_string(&path).expect("the perf map was written");
        let _ = std::fs::remove_file(&path);
        // `perf report` reads "START SIZE NAME" lines, addresses and sizes in hex.
        let names: Vec<&str> = map
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.splitn(3, ' ').collect();
                assert!(u64::from_str_radix(fields[0], 16).is_ok(), "{line}");
                assert!(
                    u64::from_str_radix(fields[1], 16).is_ok_and(|size| size > 0),
                    "{line}"
                );
                fields[2]
            })
            .collect();
        // Each name says which tier made the code.
        assert_eq!(names, ["adead::main[cranelift]", "adead::fib[cranelift]"]);
    }

    /// Runs `adead-vm` with its stdout going to `stdout`.
    fn run_to(stdout: impl Into<std::process::Stdio>, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_adead-vm"))
            .args(args)
            .stdout(stdout)
            .output()
            .expect("adead-vm runs")
    }

    /// A pipe whose reader is gone before anyone writes: every write to it fails with
    /// a broken pipe, whatever the timing.
    fn closed_pipe() -> std::io::PipeWriter {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        writer
    }

    /// A program that prints `0..n`, one number per line, and returns `n`.
    const COUNT: &str = "
.func main params=1 regs=4
    movi r1, 0
top:
    hcall r2, print_i64, r1, 1
    addi r1, r1, 1
    blt r1, r0, top
    ret r1
.end
";

    #[test]
    fn output_to_a_closed_pipe_exits_74_and_still_reports_the_trap() {
        // The output is buffered and written at the end, after the run ended by itself.
        let fib = example("fib.asm");
        let out = run_to(closed_pipe(), &["run", fib.to_str().unwrap(), "20"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(74), "{stderr}");
        assert_one_clean_line(&stderr);
        assert_eq!(
            stderr,
            "adead-vm: cannot write the program's output: Broken pipe (os error 32)\n"
        );

        // A program that traps: the trap is reported, then the failed write, whose code
        // wins (the output is incomplete whatever the program did).
        let trap = example("trap.asm");
        let out = run_to(closed_pipe(), &["run", trap.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(74), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{stderr}");
        assert!(
            lines[0].starts_with("adead-vm: trap: integer division by zero"),
            "{stderr}"
        );
        assert!(
            lines[1].starts_with("adead-vm: cannot write the program's output: Broken pipe"),
            "{stderr}"
        );

        // More output than the buffer holds: a print fails during the run and traps
        // there; the exit code still says the write failed, not that the program trapped.
        let path = listing("count.asm", COUNT);
        let out = run_to(closed_pipe(), &["run", path.to_str().unwrap(), "100000"]);
        let _ = std::fs::remove_file(&path);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(74), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{stderr}");
        assert!(
            lines[0].starts_with("adead-vm: trap: host function failed")
                && lines[0].contains("Broken pipe"),
            "{stderr}"
        );
        assert!(
            lines[1].starts_with("adead-vm: cannot write the program's output"),
            "{stderr}"
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn output_to_a_full_disk_exits_74() {
        let full = || std::fs::File::create("/dev/full").expect("/dev/full");
        let out = run_to(full(), &["run", example("fib.asm").to_str().unwrap(), "20"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(74), "{stderr}");
        assert_one_clean_line(&stderr);
        assert!(stderr.contains("No space left on device"), "{stderr}");
        // A program that exits with its own code: 74 wins too.
        let out = run_to(full(), &["run", example("seed.hex.asm").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(42), "seed.hex.asm prints nothing");
        let out = run_to(full(), &["run", example("hello.asm").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(74), "{}", text(&out.stderr));
    }

    #[test]
    fn usage_errors_exit_64_and_start_like_every_other_error() {
        let fib = example("fib.asm");
        for args in [
            &["frobnicate"][..],
            &[][..],
            &["run"][..],
            &["run", fib.to_str().unwrap(), "--fuel", "lots"][..],
            &["run", fib.to_str().unwrap(), "--bogus"][..],
        ] {
            let out = run(args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(64), "{args:?}: {stderr}");
            assert!(stderr.starts_with("adead-vm: "), "{args:?}: {stderr}");
            assert!(!stderr.contains("error: "), "{args:?}: {stderr}");
        }
        let out = run(&["--help"]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("run"));
    }

    /// The `(code, meaning)` entries of the exit-code list in `text`: after the line
    /// that starts `Exit codes (sysexits.h`, each line indented by two spaces starts an
    /// entry and each line indented further continues one.
    fn exit_code_lines(text: &str) -> Vec<(String, String)> {
        let mut entries: Vec<(String, String)> = Vec::new();
        for line in text
            .lines()
            .skip_while(|line| !line.starts_with("Exit codes (sysexits.h"))
            .skip(1)
        {
            match line.strip_prefix("  ") {
                Some(more) if more.starts_with(' ') && !entries.is_empty() => {
                    let last = entries.len() - 1;
                    entries[last].1.push(' ');
                    entries[last].1.push_str(more.trim());
                }
                Some(entry) => {
                    let (code, meaning) = entry.split_once(' ').unwrap_or((entry, ""));
                    entries.push((code.to_string(), meaning.trim().to_string()));
                }
                None => break,
            }
        }
        entries
    }

    /// The codes the README's exit-code table (under `## Exit codes`) marks for `tool`.
    fn readme_exit_codes(readme: &str, tool: &str) -> Vec<String> {
        let cells = |line: &str| -> Vec<String> {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_string())
                .collect()
        };
        let mut rows = readme
            .split("\n## Exit codes\n")
            .nth(1)
            .expect("README has an `## Exit codes` section")
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'));
        let header = cells(rows.next().expect("a table header"));
        let column = header
            .iter()
            .position(|cell| cell.trim_matches('`') == tool)
            .unwrap_or_else(|| panic!("the exit-code table has no column for {tool}"));
        rows.skip(1)
            .map(cells)
            .filter(|row| row[column] == "yes")
            .map(|row| row[0].clone())
            .collect()
    }

    /// The exit codes `--help` lists are the crate docs' and the README's.
    #[test]
    fn exit_codes_are_documented_alike_in_help_docs_and_readme() {
        let help = text(&run(&["--help"]).stdout);
        let listed = exit_code_lines(&help);
        let codes: Vec<String> = listed.iter().map(|(code, _)| code.clone()).collect();
        assert_eq!(
            codes,
            [
                "0-255", "64", "65", "66", "70", "71", "74", "124", "130", "143"
            ],
            "{help}"
        );
        let docs = include_str!("../src/main.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//!"))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(exit_code_lines(&docs), listed, "{docs}");
        let readme = include_str!("../../README.md");
        assert_eq!(readme_exit_codes(readme, "adead-vm"), codes);
        let run_help = text(&run(&["run", "--help"]).stdout);
        assert_eq!(exit_code_lines(&run_help), listed, "{run_help}");
    }

    /// Prints its parameters as an i64, an f64 and an f32, and returns the first.
    const SHOW: &str = "
.func show params=3 regs=4
    hcall r3, print_i64, r0, 1
    hcall r3, print_f64, r1, 1
    hcall r3, print_f32, r2, 1
    ret r0
.end
.func main params=0 regs=1
    halt
.end
.export show
";

    #[test]
    fn invoke_calls_an_export_with_integer_and_float_arguments() {
        let path = listing("show.asm", SHOW);
        let show = |args: &[&str]| {
            let mut all = vec!["run", path.to_str().unwrap(), "--invoke", "show"];
            all.extend_from_slice(args);
            let out = run(&all);
            assert_eq!(text(&out.stderr), "", "{args:?}");
            (text(&out.stdout), out.status.code())
        };
        // The return value is the exit code, as the entry's.
        assert_eq!(
            show(&["7", "1.5", "2.5f32"]),
            ("7\n1.5\n2.5\n".into(), Some(7))
        );
        assert_eq!(
            show(&["--", "-3", "-inf", "nanf32"]),
            ("-3\n-inf\nNaN\n".into(), Some(253))
        );
        // Negative numbers need no `--` (clap knows them as numbers).
        assert_eq!(
            show(&["-7", "-1.5", "2f32"]),
            ("-7\n-1.5\n2.0\n".into(), Some(249))
        );
        // Registers are untyped: a float passes its bits, an f32 in the low half.
        assert_eq!(
            show(&["1e3", "2f64", "--", "-0.0f32"]),
            (
                format!("{}\n2.0\n-0.0\n", 1000f64.to_bits() as i64),
                Some(0)
            ),
        );
        assert_eq!(
            show(&["1.5f32", "0.1", "1e-3f32"]).0,
            format!("{}\n0.1\n0.001\n", 1.5f32.to_bits())
        );
        assert_eq!(
            show(&["18446744073709551615", "INF", "3"]).0,
            format!("-1\ninf\n{:?}\n", f32::from_bits(3))
        );
        // Without --invoke the entry runs, and this one takes no arguments.
        assert_eq!(run(&["run", path.to_str().unwrap()]).status.code(), Some(0));
        let _ = std::fs::remove_file(&path);
        let out = run(&[
            "run",
            example("fib.asm").to_str().unwrap(),
            "--invoke",
            "fib",
            "10",
        ]);
        assert_eq!((out.status.code(), out.stdout.len()), (Some(55), 0));
    }

    #[test]
    fn bad_arguments_and_unknown_exports_are_usage_errors_of_one_line() {
        let path = listing("show-errors.asm", SHOW);
        let program = path.to_str().unwrap();
        let cases: [(&[&str], &str); 6] = [
            (
                &["--invoke", "nope"],
                "adead-vm: --invoke nope: no exported function `nope`; the module exports `show`",
            ),
            (
                &["--invoke", "main"],
                "adead-vm: --invoke main: no exported function `main`; the module exports `show`",
            ),
            (
                &["--invoke", "show", "1", "2"],
                "adead-vm: function `show` takes 3 argument(s), 2 given",
            ),
            (
                &["--invoke", "show", "1", "2", "twelve"],
                "adead-vm: argument `twelve` is not a number: expected an integer (`-7`), an f64 \
                 (`1.5`, `2e-3`, `inf`, `nan`) or an f32 (`1.5f32`)",
            ),
            (
                &["--invoke", "show", "1", "2", "1.5f16"],
                "adead-vm: argument `1.5f16` is not a number: expected an integer (`-7`), an \
                 f64 (`1.5`, `2e-3`, `inf`, `nan`) or an f32 (`1.5f32`)",
            ),
            (
                &["--invoke", "show", "1", "2", "18446744073709551616"],
                "adead-vm: argument `18446744073709551616` does not fit in 64 bits (integers \
                 run from -2^63 to 2^64-1)",
            ),
        ];
        for (args, expected) in cases {
            let mut all = vec!["run", program];
            all.extend_from_slice(args);
            let out = run(&all);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(64), "{args:?}: {stderr}");
            assert_eq!(stderr, format!("{expected}\n"), "{args:?}");
        }
        // A module without an entry function needs --invoke, and says which exports.
        std::fs::write(&path, ".func f params=0 regs=1\n    ret r0\n.end\n").unwrap();
        let out = run(&["run", program]);
        let _ = std::fs::remove_file(&path);
        assert_eq!(out.status.code(), Some(64));
        assert_eq!(
            text(&out.stderr),
            "adead-vm: the module has no entry function; name an exported one with --invoke \
             (the module exports no function)\n"
        );
    }

    #[test]
    fn kernels_flag_and_environment_pick_a_path_or_refuse_one_the_cpu_lacks() {
        use adead_kernels::{ISA_ENV_VAR, Isa};
        let mlp = example("mlp.asm");
        let mlp = mlp.to_str().unwrap();
        let vm = || {
            let mut command = Command::new(env!("CARGO_BIN_EXE_adead-vm"));
            command.env_remove(ISA_ENV_VAR);
            command
        };
        for isa in Isa::ALL {
            let name = isa.name();
            let by_flag = vm()
                .args(["run", mlp, "1", "--stats", "--kernels", name])
                .output()
                .unwrap();
            let by_env = vm()
                .args(["run", mlp, "1", "--stats"])
                .env(ISA_ENV_VAR, name)
                .output()
                .unwrap();
            for (how, out) in [("--kernels", by_flag), (ISA_ENV_VAR, by_env)] {
                let stderr = text(&out.stderr);
                if isa.is_available() {
                    assert_eq!(out.status.code(), Some(0), "{how} {name}: {stderr}");
                    assert_eq!(text(&out.stdout), "5.8044\n4\n", "{how} {name}");
                    assert!(
                        stderr.contains(&format!("tensor kernels:        {name} (")),
                        "{how} {name}: {stderr}"
                    );
                } else {
                    assert_eq!(out.status.code(), Some(64), "{how} {name}: {stderr}");
                    assert_one_clean_line(&stderr);
                    assert!(
                        stderr
                            .contains(&format!("kernel path {name} is not available on this CPU"))
                            && stderr.contains("(this CPU has scalar"),
                        "{how} {name}: {stderr}"
                    );
                    assert!(out.stdout.is_empty(), "{how} {name}: nothing runs");
                }
            }
        }
        // The flag wins over the environment variable, even over one that names no path.
        let out = vm()
            .args(["run", mlp, "1", "--stats", "--kernels", "scalar"])
            .env(ISA_ENV_VAR, "avx9")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("tensor kernels:        scalar ("));
        // A bad request is refused before anything runs, tensor instructions or not.
        let fib = example("fib.asm");
        let out = vm()
            .args(["run", fib.to_str().unwrap(), "3"])
            .env(ISA_ENV_VAR, "avx9")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64));
        assert_eq!(
            text(&out.stderr),
            "adead-vm: ADEAD_KERNELS_ISA=avx9: unknown kernel path \"avx9\": expected scalar, \
             avx2 or avx512\n"
        );
        let out = run(&["run", fib.to_str().unwrap(), "3", "--kernels", "sse"]);
        assert_eq!(out.status.code(), Some(64));
        assert!(
            text(&out.stderr).starts_with("adead-vm: invalid value 'sse' for '--kernels <ISA>'"),
            "{}",
            text(&out.stderr)
        );
    }

    #[test]
    fn run_help_shows_every_default_and_the_kernel_variable() {
        let help = text(&run(&["run", "--help"]).stdout);
        let options: Vec<&str> = help
            .lines()
            .skip_while(|line| *line != "Options:")
            .skip(1)
            .take_while(|line| !line.is_empty())
            .collect();
        assert!(options.len() >= 14, "{help}");
        for line in options {
            let Some((_, rest)) = line.split_once(" <") else {
                continue;
            };
            // Flags that take a value name it from one short list and show a default.
            let value = &rest[..rest.find('>').unwrap()];
            assert!(
                ["N", "BYTES", "TIER", "ISA", "DURATION", "NAME", "FILE"].contains(&value),
                "{line}"
            );
            assert!(line.contains("[default: "), "{line}");
        }
        for expected in [
            "--max-memory <BYTES>",
            "[default: 1073741824]",
            "--max-call-depth <N>",
            "[default: 100000]",
            "--max-stack-registers <N>",
            "[default: 16777216]",
            "--max-tensors <N>",
            "[default: 1048576]",
            "--baseline-threshold <N>",
            "[default: 10]",
            "--jit-threshold <N>",
            "[default: 1000]",
            "[default: auto] [possible values: interp, baseline, opt, auto]",
            "ADEAD_KERNELS_ISA",
            "[possible values: scalar, avx2, avx512]",
            "--invoke <NAME>",
            "--timeout <DURATION>",
            "--threads <N>",
            "--save-profile <FILE>",
            "--load-profile <FILE>",
        ] {
            assert!(help.contains(expected), "{expected}: {help}");
        }
    }

    #[test]
    fn bad_input_gets_distinct_exit_codes_and_one_line() {
        let dir = std::env::temp_dir().join(format!("adead-vm-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let garbage = dir.join("garbage.bib");
        std::fs::write(&garbage, b"ADEADBIB\x01\x00\x00\x00\xff\xff\xff\xff").unwrap();
        let out = run(&["run", garbage.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(65));
        assert_one_clean_line(&text(&out.stderr));

        let out = run(&["run", dir.join("missing.bib").to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(66));
        assert_one_clean_line(&text(&out.stderr));

        let fib = example("fib.asm");
        let out = run(&["run", fib.to_str().unwrap(), "twelve"]);
        assert_eq!(out.status.code(), Some(64));
        assert_one_clean_line(&text(&out.stderr));
        let out = run(&["run", fib.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(64), "main needs its argument");
        let out = run(&["frobnicate"]);
        assert_eq!(out.status.code(), Some(64));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_saved_profile_warms_the_next_run_and_bad_ones_are_refused() {
        let dir = std::env::temp_dir().join(format!("adead-vm-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let profile = dir.join("sieve.json");
        let sieve = example("sieve.asm");
        let sieve = sieve.to_str().unwrap();
        let save = [
            "run",
            sieve,
            "100000",
            "--save-profile",
            profile.to_str().unwrap(),
        ];
        let out = run(&save);
        assert_eq!(text(&out.stdout), "9592\n", "{}", text(&out.stderr));
        assert_eq!(out.status.code(), Some(0));
        let json = std::fs::read_to_string(&profile).unwrap();
        assert!(json.contains("\"level\": \"baseline\""), "{json}");

        // The warm run compiles at load; it prints the same.
        let load = [
            "run",
            sieve,
            "100000",
            "--stats",
            "--load-profile",
            profile.to_str().unwrap(),
        ];
        let out = run(&load);
        assert_eq!(text(&out.stdout), "9592\n");
        let stats = text(&out.stderr);
        assert!(
            stats
                .lines()
                .any(|l| l.contains("baseline") && l.ends_with("at load")),
            "{stats}"
        );

        // Another module's profile, a damaged one, a missing one, an unwritable one.
        let fib = example("fib.asm");
        let other = [
            "run",
            fib.to_str().unwrap(),
            "5",
            "--load-profile",
            profile.to_str().unwrap(),
        ];
        let out = run(&other);
        assert_eq!(out.status.code(), Some(65));
        let stderr = text(&out.stderr);
        assert_one_clean_line(&stderr);
        assert!(
            stderr.contains("the profile is of module sha256:"),
            "{stderr}"
        );
        std::fs::write(&profile, &json[..json.len() / 2]).unwrap();
        let out = run(&load);
        assert_eq!(out.status.code(), Some(65));
        assert!(
            text(&out.stderr).contains("not a saved profile"),
            "{}",
            text(&out.stderr)
        );
        let missing = dir.join("missing.json");
        let out = run(&[
            "run",
            sieve,
            "10",
            "--load-profile",
            missing.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(66));
        assert_one_clean_line(&text(&out.stderr));
        let unwritable = dir.join("no-such-dir").join("p.json");
        let out = run(&[
            "run",
            sieve,
            "10",
            "--save-profile",
            unwritable.to_str().unwrap(),
        ]);
        assert_eq!(text(&out.stdout), "4\n", "the program ran");
        assert_eq!(out.status.code(), Some(74));
        assert_one_clean_line(&text(&out.stderr));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn listing(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("adead-vm-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("a temporary file");
        path
    }

    #[test]
    fn a_listing_that_is_not_utf8_is_refused_as_adead_asm_refuses_it() {
        // adead-asm's test `unreadable_input_exits_66_and_malformed_input_65_...` pins
        // the same words for the same bytes.
        let path = std::env::temp_dir().join(format!("adead-vm-{}-bin.asm", std::process::id()));
        std::fs::write(&path, b".func main\n  \xFF\xFE\x00").unwrap();
        let out = run(&["run", path.to_str().unwrap()]);
        let _ = std::fs::remove_file(&path);
        assert_eq!(out.status.code(), Some(65));
        assert_eq!(
            text(&out.stderr),
            format!(
                "adead-vm: `{}` is not UTF-8 text: invalid byte 0xff at line 2, column 3\n",
                path.display()
            )
        );
    }

    #[test]
    fn a_listing_named_bib_and_a_module_named_asm_get_hints() {
        let listing_bib = listing(
            "listing.bib",
            &std::fs::read_to_string(example("hello.asm")).unwrap(),
        );
        let out = run(&["run", listing_bib.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{stderr}");
        assert_one_clean_line(&stderr);
        assert!(
            stderr.contains("bad magic")
                && stderr.ends_with("(it looks like assembly text: name it .asm to run it)\n"),
            "{stderr}"
        );
        // Binary garbage gets no such hint.
        std::fs::write(&listing_bib, b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
        let stderr = text(&run(&["run", listing_bib.to_str().unwrap()]).stderr);
        assert!(
            stderr.contains("bad magic") && !stderr.contains("assembly"),
            "{stderr}"
        );
        let _ = std::fs::remove_file(&listing_bib);

        let module_asm = listing("module.asm", "");
        std::fs::write(&module_asm, b"ADEADBIB\x01\0\0\0\x08\0\0\0").unwrap();
        let out = run(&["run", module_asm.to_str().unwrap()]);
        let _ = std::fs::remove_file(&module_asm);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "adead-vm: `{}` is a .bib module, not a listing (name it .bib to run it)\n",
                module_asm.display()
            )
        );
    }

    #[test]
    fn assembly_errors_start_with_the_summary_line_of_adead_asm() {
        let path = listing(
            "bad.asm",
            ".func main params=0 regs=4\n    ad r1, r2, r3\n    add r1, r2\n    halt\n.end\n",
        );
        let out = run(&["run", path.to_str().unwrap()]);
        let _ = std::fs::remove_file(&path);
        let name = path.display();
        assert_eq!(out.status.code(), Some(65));
        assert_eq!(
            text(&out.stderr),
            format!(
                "adead-vm: could not assemble `{name}` (2 errors)\n\
                 {name}:2:5: error: unknown mnemonic `ad`\n\
                 \x20   2 |     ad r1, r2, r3\n\
                 \x20     |     ^^\n\
                 \x20     = help: did you mean `add`?\n\
                 \n\
                 {name}:3:15: error: `add` takes 3 operands, found 2\n\
                 \x20   3 |     add r1, r2\n\
                 \x20     |               ^\n\
                 \x20     = help: expected `add rD, rA, rB`\n"
            )
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn memory_the_host_cannot_provide_is_a_load_error_not_an_abort() {
        // 1 GiB of initial memory is within the engine's default limit but not within
        // a 1 GiB address space (the process needs some for itself).
        let path = listing(
            "big.asm",
            ".memory 1073741824\n.func main params=0 regs=1\n    ret r0\n.end\n",
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 1048576; exec {} run {}",
                env!("CARGO_BIN_EXE_adead-vm"),
                path.display()
            ))
            .output()
            .expect("sh runs");
        let _ = std::fs::remove_file(&path);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{stderr}");
        assert_one_clean_line(&stderr);
        assert!(
            stderr.contains("cannot provide the module's 1073741824 bytes"),
            "{stderr}"
        );
    }

    #[test]
    fn max_stack_registers_bounds_a_recursion() {
        // Each frame of `main` holds 2 registers: the host's call and 499 nested ones
        // fill 1000; the call that would pass it traps.
        let path = listing(
            "deep.asm",
            ".func main params=0 regs=2\n    call r0, main, r0, 0\n    ret r0\n.end\n",
        );
        for tier in ["interp", "opt"] {
            let out = run(&[
                "run",
                path.to_str().unwrap(),
                "--tier",
                tier,
                "--max-call-depth",
                "4294967295",
                "--max-stack-registers",
                "1000",
            ]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(70), "{stderr}");
            assert!(
                stderr.starts_with(
                    "adead-vm: trap: call depth limit exceeded in function `main` at instruction 0"
                ),
                "{stderr}"
            );
        }
        let _ = std::fs::remove_file(&path);
    }
}

#[test]
fn fused_loop_ops_stop_at_the_exact_instruction_when_fuel_runs_out() {
    // `addi` + backward `blt` run as one fused op in the fast loop; the metered loop
    // must still stop between them.
    let source = "
.func main params=0 regs=4
    movi r0, 0
    movi r1, 1000
top:
    addi r0, r0, 1
    blt r0, r1, top
    ret r0
.end
";
    for fuel in 0..30u64 {
        let trap = out_of_fuel(run_with_fuel(source, Some(fuel), &[]).1);
        assert_eq!(trap.fuel_used, Some(fuel));
        let expected_pc = if fuel < 2 { fuel } else { 2 + (fuel - 2) % 2 };
        assert_eq!(u64::from(trap.pc), expected_pc, "fuel {fuel}");
    }
    let done = run_with_fuel(source, Some(2 + 2 * 1000 + 1), &[])
        .1
        .unwrap();
    assert_eq!(
        (done.finish, done.fuel_used),
        (Finish::Returned(1000), Some(2003))
    );
}

/// `examples/mlp.asm` prints the peers' checksums (numpy's and onnxruntime's, in
/// benches/peers/tensor/results/raw.txt and the workplace's shared/peers: 5.8044 for
/// batch 1, 368.8797 for batch 64) and the class of row 0 (4, numpy's argmax), and its
/// exported functions give the same checksum bits on every kernel path of this CPU and
/// with 1 or 2 kernel threads.
#[test]
fn mlp_example_prints_the_peers_checksums_on_every_kernel_path() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/mlp.asm");
    let source = std::fs::read_to_string(&path).unwrap();
    for (batch, expected) in [(1, "5.8044\n4\n"), (64, "368.8797\n4\n")] {
        let m = Module::from_asm(&engine(), &source, "mlp.asm").unwrap_or_else(|e| panic!("{e}"));
        let (output, captured) = stdio::Output::capture();
        let mut inst = Instance::new(&m, &stdio::imports(&output)).unwrap();
        let done = inst.call_entry(&[Value::I64(batch)]).unwrap();
        output.flush().unwrap();
        assert_eq!(done.finish, Finish::Halted(0));
        assert_eq!(captured.text(), expected, "batch {batch}");
    }
    let mut checksums = Vec::new();
    for isa in adead_kernels::Isa::available() {
        for threads in [1, 2] {
            let engine = Engine::new(Config {
                kernel_isa: Some(isa),
                kernel_threads: threads,
                ..Config::default()
            });
            let m = Module::from_asm(&engine, &source, "mlp.asm").unwrap();
            let (output, _) = stdio::Output::capture();
            let mut inst = Instance::new(&m, &stdio::imports(&output)).unwrap();
            inst.call("setup", &[]).unwrap();
            let mut bits = Vec::new();
            for batch in [1, 64, 1] {
                inst.call("infer", &[Value::I64(batch)]).unwrap();
                let result = inst.call("checksum", &[Value::I64(batch)]).unwrap();
                let [Value::I64(sum)] = result[..] else {
                    panic!("checksum returned {result:?}")
                };
                bits.push(sum as u64);
            }
            let printed: Vec<String> = bits
                .iter()
                .map(|&b| format!("{:.4}", f64::from_bits(b)))
                .collect();
            assert_eq!(
                printed,
                ["5.8044", "368.8797", "5.8044"],
                "{isa}, {threads} thread(s)"
            );
            checksums.push(((isa, threads), bits));
        }
    }
    for (path, bits) in &checksums {
        assert_eq!(
            bits, &checksums[0].1,
            "{path:?} differs from {:?}",
            checksums[0].0
        );
    }
    let engine = engine();
    let m = Module::from_asm(&engine, &source, "mlp.asm").unwrap();
    let mut inst = Instance::new(&m, &stdio::imports(&stdio::Output::capture().0)).unwrap();
    inst.call("setup", &[]).unwrap();
    let CallError::Trap(trap) = inst.call("infer", &[Value::I64(65)]).unwrap_err() else {
        panic!("a batch of 65 must trap")
    };
    assert_eq!(trap.kind, TrapKind::User(1));
}

#[test]
fn fused_float_compare_and_branch_keep_results_and_exact_fuel() {
    // `flt` + `jnz` run as one fused op in the fast loop. Counting down from 5.0 in
    // steps of 1.0 takes 5 iterations of 4 instructions.
    let source = "
.func main params=0 regs=6
    fmovi r0, 5.0
    fmovi r1, 1.0
    fmovi r2, 0.0
    movi r4, 0
top:
    fsub r0, r0, r1
    addi r4, r4, 1
    flt r3, r2, r0
    jnz r3, top
    add r5, r4, r3
    ret r5
.end
";
    let run = |fuel: Option<u64>| run_with_fuel(source, fuel, &[]).1;
    let done = run(None).unwrap();
    // r3 is 0 after the last compare, so the result is the iteration count.
    assert_eq!(
        (done.finish, done.fuel_used),
        (Finish::Returned(5), Some(4 + 5 * 4 + 2))
    );
    for fuel in 0..(4 + 5 * 4 + 2) {
        let trap = out_of_fuel(run(Some(fuel)));
        assert_eq!(trap.fuel_used, Some(fuel));
        let expected_pc = match fuel {
            0..4 => fuel,
            4..24 => 4 + (fuel - 4) % 4,
            _ => fuel - 24 + 8,
        };
        assert_eq!(u64::from(trap.pc), expected_pc, "fuel {fuel}");
    }
}

#[test]
fn a_function_too_large_to_compile_stays_interpreted_with_the_reason() {
    // 50,001 instructions: past the native tier's limit (50,000), so `opt` leaves it
    // to the interpreter, says why, and the result is the interpreter's.
    let mut source = String::from(".func main params=0 regs=2\n    movi r0, 0\n");
    for _ in 0..49_999 {
        source.push_str("    addi r0, r0, 1\n");
    }
    source.push_str("    ret r0\n.end\n");
    let engine = Engine::new(Config {
        tier: Tier::Opt,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, &source, "large.asm").unwrap();
    let mut instance = Instance::new(&module, &Imports::new()).unwrap();
    let done = instance.call_entry(&[]).unwrap();
    assert_eq!(done.finish, Finish::Returned(49_999));
    let native = module.native_profile().expect("the opt tier");
    assert!(native.compiled.is_empty());
    let (func, _, reason) = &native.refused[0];
    assert_eq!(*func, 0);
    assert!(reason.contains("50001 instructions"), "{reason}");
}

#[test]
fn alloc_stays_fast_among_a_hundred_thousand_holes() {
    // 100,000 16-byte holes between live blocks, then 32-byte allocations that none of
    // them fits: each is placed above the heap's top. First fit used to pass every hole
    // (a minute for this run); it now walks one path of a tree. 4 + 4n + 3 + 4n + 1
    // instructions build the holes, 2 per allocation after them.
    let source = "
.memory 65536
.func main params=1 regs=8
    movi r2, 16
    movi r1, 0
    alloc r5, r2
    free r5
build:
    alloc r3, r2
    alloc r4, r2
    addi r1, r1, 1
    blt r1, r0, build
    movi r1, 0
    mov r6, r5
holes:
    free r6
    addi r6, r6, 32
    addi r1, r1, 1
    blt r1, r0, holes
    movi r2, 32
again:
    alloc r3, r2
    jmp again
.end
";
    let n = 100_000u64;
    let fuel = 4 + 4 * n + 3 + 4 * n + 1 + 2 * 20_000;
    let engine = Engine::new(Config {
        fuel: Some(fuel),
        max_memory: 1 << 27,
        ..Config::default()
    });
    let module = Module::from_asm(&engine, source, "holes.asm").unwrap();
    let mut inst = Instance::new(&module, &Imports::new()).unwrap();
    let CallError::Trap(trap) = inst.call_entry(&[Value::I64(n as i64)]).unwrap_err() else {
        panic!("the last loop runs until the fuel is spent")
    };
    assert_eq!((trap.kind, trap.pc), (TrapKind::OutOfFuel, 16));
    // The heap starts at 16; 20,000 allocations of 32 bytes above the 2n blocks of 16
    // bytes built first: memory grew to hold them.
    let top = 16 + 32 * n + 32 * 20_000;
    assert!(inst.memory().len() as u64 >= top);
}
