//! Finding the corpus, running every case on every tier, and building the report.
//!
//! Cases are independent, so they run on all cores; results are collected back in
//! corpus order, so the report is the same on every machine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use adead_isa::Opcode;

use crate::case::Case;
use crate::compare::{Mismatch, check_expectations, compare_tiers};
use crate::observe::{Outcome, run_case, run_case_unmetered, run_case_with_opcodes};
use crate::parse::{ParseError, parse_file};
use crate::report::{Failure, Report};
use crate::tier::Tier;

/// The corpus shipped with this crate: `conformance/cases`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// Every `.case` file under `dir` (recursively), parsed, in path order. A file is named
/// in errors and reports by its path relative to the current directory when possible.
pub fn load_corpus(dir: &Path) -> Result<Vec<Case>, Vec<ParseError>> {
    let mut files = Vec::new();
    if let Err(error) = collect_case_files(dir, &mut files) {
        return Err(vec![ParseError {
            file: dir.display().to_string(),
            line: 0,
            message: format!("cannot read the corpus: {error}"),
        }]);
    }
    files.sort();
    let here = std::env::current_dir().ok();
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let shown = here
            .as_deref()
            .and_then(|here| path.strip_prefix(here).ok())
            .unwrap_or(&path)
            .display()
            .to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_file(&shown, &text) {
                Ok(mut file_cases) => cases.append(&mut file_cases),
                Err(mut file_errors) => errors.append(&mut file_errors),
            },
            Err(error) => errors.push(ParseError {
                file: shown,
                line: 0,
                message: format!("cannot read: {error}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

fn collect_case_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_case_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "case") {
            files.push(path);
        }
    }
    Ok(())
}

/// True if `filter` occurs in the case's name or file.
pub fn selected(case: &Case, filter: &str) -> bool {
    case.name.contains(filter) || case.file.contains(filter)
}

/// What the report needs of one case's runs: the opcodes of its module and those native
/// code executed (for coverage) and everything that did not hold. The observations
/// themselves, each with a whole linear memory, are dropped as soon as they are
/// compared.
#[derive(Default)]
struct CaseResult {
    opcodes: BTreeSet<Opcode>,
    native: BTreeSet<Opcode>,
    mismatches: Vec<Mismatch>,
}

fn run_on_tiers(case: &Case, tiers: &[Tier]) -> CaseResult {
    let Some((&reference_tier, others)) = tiers.split_first() else {
        return CaseResult::default();
    };
    let (reference, executed) = run_case_with_opcodes(case, reference_tier);
    let mut native = executed.native;
    // Every tier must observe exactly what the reference (first) tier observed, so the
    // expectations are checked on the reference only: a wrong expectation is reported
    // once, not once per tier.
    let mut mismatches = check_expectations(case, reference_tier, &reference);
    // One native tier per engine counts what native code executed (counting makes the
    // code slower, not different): the first with its kernel path and thread count.
    // The same tier also runs without fuel (below): the kernel path does not change
    // what native code does without fuel.
    let mut counted = Vec::new();
    for &tier in others {
        let first_of_engine = tier.engine.is_native() && !counted.contains(&tier.engine);
        let observed = if first_of_engine {
            counted.push(tier.engine);
            let (observed, executed_here) = run_case_with_opcodes(case, tier);
            native.extend(executed_here.native);
            if let Some(mismatch) = compare_executions(
                case,
                (reference_tier, &executed.counts),
                (tier, &executed_here.counts),
            ) {
                mismatches.push(mismatch);
            }
            observed
        } else {
            run_case(case, tier)
        };
        mismatches.extend(compare_tiers(
            case,
            (reference_tier, &reference),
            (tier, &observed),
        ));
        // Native code without fuel has no fuel code at all (and converts branches it
        // would keep under a budget): run it that way too when the case ends by itself,
        // comparing everything but the fuel it does not count.
        if first_of_engine && ends_by_itself(case, &reference) {
            let mut unmetered = run_case_unmetered(case, tier);
            unmetered.fuel = reference.fuel;
            mismatches.extend(
                compare_tiers(case, (reference_tier, &reference), (tier, &unmetered))
                    .into_iter()
                    .map(|mut mismatch| {
                        mismatch.what = format!("without fuel: {}", mismatch.what);
                        mismatch
                    }),
            );
        }
    }
    CaseResult {
        opcodes: executed.module,
        native,
        mismatches,
    }
}

/// The first instruction whose execution count (`Config::count_executions`) `tier`
/// saw differently from the reference tier: counts are part of what every tier must
/// agree on, since `adead-vm analyze` reports them whatever tier ran the code.
fn compare_executions(
    case: &Case,
    (reference_tier, reference): (Tier, &[u64]),
    (tier, counts): (Tier, &[u64]),
) -> Option<Mismatch> {
    let what = if reference.len() != counts.len() {
        format!("{} instructions counted, {}", reference.len(), counts.len())
    } else {
        let pc = reference.iter().zip(counts).position(|(a, b)| a != b)?;
        format!(
            "instruction {pc} executed {} times, {}",
            reference[pc], counts[pc]
        )
    };
    Some(Mismatch {
        line: case.line,
        tier: None,
        what: format!("tiers disagree on executions: {reference_tier} vs {tier}: {what}"),
    })
}

/// True if `case`, observed as `reference`, ends without its fuel budget: it sets none
/// and did not run out of the default one.
fn ends_by_itself(case: &Case, reference: &crate::Observation) -> bool {
    case.limits.fuel.is_none()
        && !matches!(&reference.outcome, Outcome::Trapped(trap) if trap.kind == "out_of_fuel")
}

/// Runs every case on every tier in `tiers` and reports.
pub fn run_cases(cases: &[Case], tiers: &[Tier]) -> Report {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut results: Vec<(usize, CaseResult)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.min(cases.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(index) else {
                            break done;
                        };
                        done.push((index, run_on_tiers(case, tiers)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a conformance worker panicked"))
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);

    let mut report = Report {
        tiers: tiers.to_vec(),
        ..Report::default()
    };
    report.coverage.native_tiers = tiers.iter().any(|tier| tier.engine.is_native());
    for (index, result) in results {
        let case = &cases[index];
        report.assertions += case.assertions();
        report.coverage.add(result.opcodes);
        report.coverage.add_native(result.native);
        if result.mismatches.is_empty() {
            report.passed += 1;
        } else {
            report.failed += 1;
            report
                .failures
                .extend(result.mismatches.into_iter().map(|mismatch| Failure {
                    file: case.file.clone(),
                    case: case.name.clone(),
                    mismatch,
                }));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_expectation_is_reported_once_not_once_per_tier() {
        let cases = parse_file(
            "t.case",
            ";! case wrong\n;! result 3\n.func main params=0 regs=1\n    movi r0, 2\n    ret r0\n.end\n",
        )
        .expect("the case parses");
        let tiers = Tier::all();
        let report = run_cases(&cases, &tiers);
        assert_eq!(report.failed, 1);
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        assert_eq!(report.failures[0].mismatch.tier, Some(tiers[0]));
        assert_eq!(report.failures[0].mismatch.line, 2);
    }
}
