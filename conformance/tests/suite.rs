//! The conformance suite as `cargo test` runs it: the whole corpus and the seeded
//! random sweep, on every tier.

use std::io::Write;

use adead_conformance::coverage::Coverage;
use adead_conformance::{Tier, runner, sweep};

/// Prints past the test harness's output capture (which takes only `print!`), so the
/// counts appear in every `cargo test` run, not only in failing ones.
fn show(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // Losing a line of the report is no reason to fail the suite.
    let _ = writeln!(stdout, "{text}");
}

#[test]
fn corpus_passes_on_every_tier_and_covers_every_executable_opcode() {
    let cases = match runner::load_corpus(&runner::corpus_dir()) {
        Ok(cases) => cases,
        Err(errors) => {
            let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("case files do not parse:\n{}", rendered.join("\n"));
        }
    };
    let report = runner::run_cases(&cases, &Tier::all());
    show(format!("{report}{}", report.coverage).trim_end());
    assert!(
        report.all_passed(),
        "{} case(s) failed (the FAIL lines are printed above)",
        report.failed
    );
    let uncovered = report.coverage.uncovered_executable();
    assert!(
        uncovered.is_empty(),
        "{} of {} executable opcodes have no conformance case: {:?}",
        uncovered.len(),
        Coverage::executable_total(),
        uncovered.iter().map(|op| op.mnemonic()).collect::<Vec<_>>()
    );
    let never = report.coverage.never_native();
    assert!(
        never.is_empty(),
        "{} executable opcodes never ran in native code: {:?}",
        never.len(),
        never.iter().map(|op| op.mnemonic()).collect::<Vec<_>>()
    );
}

#[test]
fn seeded_sweep_matches_the_oracle_on_every_tier() {
    let generated = sweep::generate(sweep::DEFAULT_SEED, sweep::DEFAULT_PER_OPCODE);
    let report = runner::run_cases(&generated.cases, &Tier::all());
    show(
        format!(
            "sweep: {} checks over {} opcodes, seed {:#x}\n{report}",
            generated.checks,
            generated.opcodes,
            sweep::DEFAULT_SEED
        )
        .trim_end(),
    );
    assert!(
        report.all_passed(),
        "{} sweep case(s) failed (the FAIL lines are printed above)",
        report.failed
    );
}
