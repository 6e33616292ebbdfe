//! `adead-vm analyze`: every suggestion has a program that triggers it and one that
//! does not (`tests/analyze/*.asm`, each saying which in its first line); the JSON
//! form reads back into `Analysis`; the counts agree with a hand count on every tier;
//! the text form names the sections; bad input fails as `run` fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use adead_vm::analysis::{ANALYSIS_FORMAT, Analysis, RunOutcome, SuggestionKind};

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/analyze")
        .join(name)
}

fn analyze(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adead-vm"))
        .arg("analyze")
        .args(args)
        .output()
        .expect("adead-vm runs")
}

/// The JSON report of `name` run with `flags`.
fn report(name: &str, flags: &[&str]) -> Analysis {
    report_with(name, flags, &[])
}

/// The JSON report of `name` run with `flags` and the program's `arguments`.
fn report_with(name: &str, flags: &[&str], arguments: &[&str]) -> Analysis {
    let path = program(name);
    let mut args = vec!["--json"];
    args.extend_from_slice(flags);
    args.push(path.to_str().unwrap());
    args.extend_from_slice(arguments);
    let out = analyze(&args);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 JSON");
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: not an Analysis ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn kinds(analysis: &Analysis) -> Vec<SuggestionKind> {
    analysis.suggestions.iter().map(|s| s.kind).collect()
}

#[test]
fn each_suggestion_has_a_program_that_triggers_it_and_one_that_does_not() {
    use SuggestionKind as K;
    // (program, fuel, the suggestions its comment promises, where the first points).
    type Case<'a> = (&'a str, Option<&'a str>, &'a [SuggestionKind], Option<u32>);
    let cases: [Case; 14] = [
        ("linear_relu.asm", None, &[K::UseLinearRelu], Some(12)),
        ("linear.asm", None, &[K::UseLinear], Some(12)),
        ("fused_already.asm", None, &[], None),
        ("tnew_in_loop.asm", None, &[K::TnewInHotLoop], Some(3)),
        ("tnew_before_loop.asm", None, &[], None),
        ("never_freed.asm", None, &[K::TensorNeverFreed], Some(3)),
        ("freed_or_returned.asm", None, &[], None),
        ("hcall_in_loop.asm", None, &[K::HcallInHotLoop], Some(2)),
        ("hcall_after_loop.asm", None, &[], None),
        ("spin.asm", Some("1000"), &[K::LoopOutOfFuel], Some(2)),
        ("straight.asm", Some("3"), &[], None),
        ("widened.asm", None, &[K::F64OnF32Data], Some(5)),
        ("f64_only.asm", None, &[], None),
        // The hand-written MLP (examples/) uses the fused ops and frees or keeps what
        // it must: nothing to say.
        ("../../../examples/mlp.asm", None, &[], None),
    ];
    for (name, fuel, expected, at) in cases {
        let flags: Vec<&str> = fuel.map(|fuel| vec!["--fuel", fuel]).unwrap_or_default();
        // The MLP's argument is its batch.
        let arguments: &[&str] = if name.ends_with("mlp.asm") {
            &["8"]
        } else {
            &[]
        };
        let analysis = report_with(name, &flags, arguments);
        assert_eq!(
            kinds(&analysis),
            expected,
            "{name}: {:#?}",
            analysis.suggestions
        );
        assert_eq!(analysis.suggestions.first().map(|s| s.pc), at, "{name}");
        assert!(
            analysis.suggestions.iter().all(|s| s.function == "main"),
            "{name}"
        );
    }
}

#[test]
fn counts_match_a_hand_count_on_every_tier() {
    // tnew_in_loop.asm: 3 `movi`, then 200 iterations of 4 instructions, then `ret`.
    for tier in ["interp", "baseline", "opt", "auto"] {
        let analysis = report("tnew_in_loop.asm", &["--tier", tier]);
        assert_eq!(analysis.format, ANALYSIS_FORMAT);
        assert_eq!(
            analysis.outcome,
            RunOutcome::Returned { value: 200 },
            "{tier}"
        );
        let d = &analysis.dynamic;
        assert_eq!(d.instructions, 3 + 200 * 4 + 1, "{tier}");
        // Fuel adds tnew's work: one unit per 64 elements, 128 each time.
        assert_eq!(d.fuel_used, Some(3 + 200 * 4 + 1 + 200 * 2), "{tier}");
        assert_eq!(d.loops.len(), 1, "{tier}");
        assert_eq!((d.loops[0].header, d.loops[0].end), (3, 6), "{tier}");
        assert_eq!(d.loops[0].iterations, 200, "{tier}");
        let tnew = d.opcodes.iter().find(|c| c.name == "tnew").unwrap();
        assert_eq!(tnew.count, 200, "{tier}");
        match tier {
            "interp" => assert_eq!(d.native_instructions, 0),
            "baseline" | "opt" => assert_eq!(d.native_instructions, d.instructions),
            _ => assert!(!d.tier_ups.is_empty(), "auto compiled nothing"),
        }
        let ops = &analysis.tensors.ops;
        let tnew = ops.iter().find(|op| op.opcode == "tnew").unwrap();
        assert_eq!((tnew.executions, tnew.shapes.as_str()), (200, "[128]"));
        // 128 f32 plus the table entry, one tensor at a time.
        assert_eq!(
            analysis.tensors.peak_bytes,
            512 + adead_isa::TENSOR_ENTRY_BYTES
        );
    }
}

#[test]
fn the_listing_of_the_hot_function_carries_each_instructions_count() {
    let analysis = report("hcall_after_loop.asm", &[]);
    let listing = &analysis.hot_code[0];
    assert_eq!(listing.function, "main");
    let counted: Vec<u64> = listing.lines.iter().filter_map(|l| l.count).collect();
    // 3 movi, the loop body 150 times, then hcall, movi, ret.
    assert_eq!(counted, [1, 1, 1, 150, 150, 150, 1, 1, 1]);
    let branch = listing
        .lines
        .iter()
        .find(|l| l.text.contains("; blt r0, r1, L3"))
        .expect("the disassembler's line for the back-edge");
    assert_eq!(branch.count, Some(150));
    assert!(
        branch.text.trim_start().starts_with("0005: "),
        "{}",
        branch.text
    );
}

#[test]
fn the_text_report_has_every_section_and_the_programs_output_comes_first() {
    let path = program("hcall_in_loop.asm");
    let out = analyze(&[path.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("0\n1\n2\n"), "{}", &text[..40]);
    for section in [
        "=== adead-vm analyze:",
        "--- static ---",
        "--- dynamic ---",
        "hottest loops",
        "--- memory ---",
        "--- hot code: main",
        "--- suggestions ---",
        "[hcall_in_hot_loop] main instruction 2:",
    ] {
        assert!(text.contains(section), "no `{section}` in\n{text}");
    }
    // With --json the program's output goes to stderr, so stdout is the JSON alone.
    let out = analyze(&["--json", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("0\n1\n"));
    serde_json::from_slice::<Analysis>(&out.stdout).expect("stdout is one JSON object");
}

#[test]
fn a_trap_is_reported_and_keeps_runs_exit_code() {
    let path = program("spin.asm");
    let out = analyze(&["--json", "--fuel", "1000", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(70));
    let analysis: Analysis = serde_json::from_slice(&out.stdout).unwrap();
    match &analysis.outcome {
        RunOutcome::Trapped { trap, pc, .. } => {
            assert_eq!((trap.as_str(), *pc), ("out_of_fuel", 2))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_input_fails_as_run_fails_and_writes_no_report() {
    let missing = analyze(&["/nonexistent/program.bib"]);
    assert_eq!(missing.status.code(), Some(66));
    assert!(missing.stdout.is_empty());
    // A call that cannot start (main takes one argument) is a usage error, no report.
    let mlp = program("../../../examples/mlp.asm");
    let out = analyze(&["--json", mlp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(64));
    assert!(out.stdout.is_empty());
    // --print-result would mix the tensor into the JSON on stdout.
    let path = program("straight.asm");
    let out = analyze(&["--json", "--print-result", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(64));
    assert!(out.stdout.is_empty());
    // An HTML file that cannot be written: 74, and the error names it.
    let path = program("straight.asm");
    let out = analyze(&["--html", "/nonexistent/dir/r.html", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(74));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write the report `/nonexistent/dir/r.html`"),
        "{stderr}"
    );
}
