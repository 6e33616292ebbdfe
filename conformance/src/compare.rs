//! Observations against expectations, and tiers against each other.
//!
//! [`check_expectations`] turns every unmet expectation of a case into a [`Mismatch`]
//! naming the directive's line; [`compare_tiers`] demands that every tier observed
//! exactly what the first (reference) tier observed: outcome, trap location, output,
//! fuel and every byte of the linear memory. The runner checks the expectations on the
//! reference tier only; the comparison carries them to every other tier.

use crate::case::{Case, Expect, ExpectedLine, ExpectedTrap};
use crate::fnv::fnv1a64;
use crate::observe::{Observation, Outcome};
use crate::tier::Tier;

/// One thing that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The line of the directive that failed (the case's line for cross-tier
    /// differences and runs that never started).
    pub line: usize,
    /// The tier that disagreed with the expectation; `None` for a difference between
    /// tiers.
    pub tier: Option<Tier>,
    /// Expected versus actual, in words.
    pub what: String,
}

/// Every expectation of `case` that `observation` (from `tier`) does not meet.
pub fn check_expectations(case: &Case, tier: Tier, observation: &Observation) -> Vec<Mismatch> {
    let mismatch = |line: usize, what: String| Mismatch {
        line,
        tier: Some(tier),
        what,
    };
    if let Outcome::Failed(message) = &observation.outcome {
        return vec![mismatch(
            case.line,
            format!("the case did not run: {message}"),
        )];
    }
    let mut found = Vec::new();
    for expectation in &case.expectations {
        let line = expectation.line;
        let problem = match &expectation.expect {
            Expect::Result(bits) => expect_outcome(&observation.outcome, &Outcome::Returned(*bits)),
            Expect::Halt(code) => expect_outcome(&observation.outcome, &Outcome::Halted(*code)),
            Expect::Trap(trap) => expect_trap(&observation.outcome, trap),
            Expect::Stdout(lines) => match stdout_difference(lines, &observation.stdout) {
                Some((at, what)) => {
                    found.push(mismatch(at, what));
                    None
                }
                None => None,
            },
            Expect::Fuel(fuel) => match observation.fuel {
                Some(used) if used == *fuel => None,
                Some(used) => Some(format!("fuel: expected {fuel}, got {used}")),
                None => Some(format!("fuel: expected {fuel}, but nothing ran")),
            },
            Expect::Memory { addr, bytes } => {
                match range(&observation.memory, *addr, bytes.len() as u64) {
                    Err(what) => Some(what),
                    Ok(actual) if actual == bytes.as_slice() => None,
                    Ok(actual) => Some(format!(
                        "memory at {addr:#x}: expected {}, got {}",
                        hex(bytes),
                        hex(actual)
                    )),
                }
            }
            Expect::MemoryHash { addr, len, hash } => {
                match range(&observation.memory, *addr, *len) {
                    Err(what) => Some(what),
                    Ok(actual) if fnv1a64(actual) == *hash => None,
                    Ok(actual) => Some(format!(
                        "fnv1a64 of memory {addr:#x}+{len}: expected {hash:#018x}, got {:#018x}",
                        fnv1a64(actual)
                    )),
                }
            }
        };
        if let Some(what) = problem {
            found.push(mismatch(line, what));
        }
    }
    found
}

fn expect_outcome(actual: &Outcome, expected: &Outcome) -> Option<String> {
    (actual != expected).then(|| format!("expected {expected}, got {actual}"))
}

fn expect_trap(actual: &Outcome, expected: &ExpectedTrap) -> Option<String> {
    let matches = match actual {
        Outcome::Trapped(trap) => {
            trap.kind == expected.kind
                && (expected.code.is_none() || trap.code == expected.code)
                && trap.function == expected.function
                && trap.pc == expected.pc
        }
        _ => false,
    };
    (!matches).then(|| format!("expected trap {expected}, got {actual}"))
}

/// The first difference between the expected lines and the actual output, with the
/// line of the directive it concerns.
fn stdout_difference(expected: &[ExpectedLine], actual: &[u8]) -> Option<(usize, String)> {
    let wanted: String = expected.iter().map(|l| format!("{}\n", l.text)).collect();
    if wanted.as_bytes() == actual {
        return None;
    }
    let text = String::from_utf8_lossy(actual);
    let mut got: Vec<&str> = text.split('\n').collect();
    let unterminated = got.pop().filter(|rest| !rest.is_empty());
    let last_line = expected.last().map_or(0, |l| l.line);
    for (index, want) in expected.iter().enumerate() {
        let context = want
            .context
            .as_ref()
            .map_or(String::new(), |c| format!(" [{c}]"));
        match got.get(index) {
            Some(line) if *line == want.text => {}
            Some(line) => {
                return Some((
                    want.line,
                    format!(
                        "stdout line {}{context}: expected {:?}, got {line:?}",
                        index + 1,
                        want.text
                    ),
                ));
            }
            None => {
                let what = match unterminated {
                    Some(rest) if index == got.len() => format!(
                        "stdout line {}{context}: expected {:?}, got {rest:?} without a newline",
                        index + 1,
                        want.text
                    ),
                    _ => format!(
                        "stdout line {}{context}: expected {:?}, but the output has only {} line(s)",
                        index + 1,
                        want.text,
                        got.len()
                    ),
                };
                return Some((want.line, what));
            }
        }
    }
    let extra = got
        .get(expected.len())
        .copied()
        .or(unterminated)
        .unwrap_or_default();
    Some((
        last_line,
        format!(
            "stdout: expected {} line(s), got more, starting with {extra:?}",
            expected.len()
        ),
    ))
}

fn range(memory: &[u8], addr: u64, len: u64) -> Result<&[u8], String> {
    addr.checked_add(len)
        .filter(|&end| end <= memory.len() as u64)
        .map(|end| &memory[addr as usize..end as usize])
        .ok_or_else(|| {
            format!(
                "memory range {addr:#x}+{len} lies outside linear memory ({} bytes)",
                memory.len()
            )
        })
}

fn hex(bytes: &[u8]) -> String {
    const SHOWN: usize = 64;
    let mut text: String = bytes
        .iter()
        .take(SHOWN)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > SHOWN {
        text.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    text
}

/// Every way `observed` (from `tier`) differs from the reference tier's observation.
/// Memories are compared byte for byte; their size and FNV-1a 64 hash only make the
/// message short.
pub fn compare_tiers(
    case: &Case,
    (reference_tier, reference): (Tier, &Observation),
    (tier, observed): (Tier, &Observation),
) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut differ = |what: &str, theirs: String, ours: String| {
        found.push(Mismatch {
            line: case.line,
            tier: None,
            what: format!("tiers disagree on {what}: {reference_tier} {theirs}, {tier} {ours}"),
        })
    };
    if observed.outcome != reference.outcome {
        differ(
            "the outcome",
            reference.outcome.to_string(),
            observed.outcome.to_string(),
        );
    }
    if observed.stdout != reference.stdout {
        differ(
            "stdout",
            format!("{:?}", String::from_utf8_lossy(&reference.stdout)),
            format!("{:?}", String::from_utf8_lossy(&observed.stdout)),
        );
    }
    if observed.fuel != reference.fuel {
        differ(
            "fuel",
            format!("{:?}", reference.fuel),
            format!("{:?}", observed.fuel),
        );
    }
    if observed.memory != reference.memory {
        differ(
            "linear memory",
            memory_summary(reference),
            memory_summary(observed),
        );
    }
    found
}

fn memory_summary(observation: &Observation) -> String {
    format!(
        "{} bytes, fnv1a64 {:#018x}",
        observation.memory.len(),
        observation.memory_hash()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Expectation, Limits};
    use crate::observe::ObservedTrap;

    fn case(expectations: Vec<Expect>) -> Case {
        Case {
            name: "c".into(),
            file: "f.case".into(),
            line: 1,
            source: String::new(),
            args: vec![],
            limits: Limits::default(),
            expectations: expectations
                .into_iter()
                .enumerate()
                .map(|(i, expect)| Expectation {
                    line: i + 2,
                    expect,
                })
                .collect(),
        }
    }

    fn observation(outcome: Outcome, stdout: &str, fuel: u64) -> Observation {
        Observation {
            outcome,
            stdout: stdout.as_bytes().to_vec(),
            fuel: Some(fuel),
            memory: vec![1, 2, 3, 4],
        }
    }

    fn lines(texts: &[&str]) -> Expect {
        Expect::Stdout(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| ExpectedLine {
                    line: 10 + i,
                    text: t.to_string(),
                    context: None,
                })
                .collect(),
        )
    }

    #[test]
    fn met_expectations_give_no_mismatch() {
        let c = case(vec![
            Expect::Result(5),
            lines(&["a", "b"]),
            Expect::Fuel(3),
            Expect::Memory {
                addr: 1,
                bytes: vec![2, 3],
            },
            Expect::MemoryHash {
                addr: 0,
                len: 4,
                hash: fnv1a64(&[1, 2, 3, 4]),
            },
        ]);
        let o = observation(Outcome::Returned(5), "a\nb\n", 3);
        assert_eq!(check_expectations(&c, Tier::REFERENCE, &o), vec![]);
    }

    #[test]
    fn each_unmet_expectation_names_its_line() {
        let c = case(vec![
            Expect::Halt(0),
            lines(&["a", "b"]),
            Expect::Fuel(3),
            Expect::Memory {
                addr: 3,
                bytes: vec![4, 5],
            },
        ]);
        let o = observation(Outcome::Returned(5), "a\nc\n", 4);
        let found: Vec<(usize, String)> = check_expectations(&c, Tier::REFERENCE, &o)
            .into_iter()
            .map(|m| (m.line, m.what))
            .collect();
        assert_eq!(
            found,
            [
                (
                    2,
                    "expected halt 0 (0x0000000000000000), got result 5 (0x0000000000000005)"
                        .to_string()
                ),
                (11, "stdout line 2: expected \"b\", got \"c\"".to_string()),
                (4, "fuel: expected 3, got 4".to_string()),
                (
                    5,
                    "memory range 0x3+2 lies outside linear memory (4 bytes)".to_string()
                ),
            ]
        );
    }

    #[test]
    fn stdout_differences_cover_missing_extra_and_unterminated_lines() {
        let want = |t: &[&str]| match lines(t) {
            Expect::Stdout(l) => l,
            _ => unreachable!(),
        };
        assert_eq!(stdout_difference(&want(&["a"]), b"a\n"), None);
        assert_eq!(stdout_difference(&want(&[]), b""), None);
        assert!(
            stdout_difference(&want(&["a", "b"]), b"a\n")
                .unwrap()
                .1
                .contains("only 1 line")
        );
        assert!(
            stdout_difference(&want(&["a"]), b"a\nb\n")
                .unwrap()
                .1
                .contains("got more, starting with \"b\"")
        );
        assert!(
            stdout_difference(&want(&["ab"]), b"ab")
                .unwrap()
                .1
                .contains("without a newline")
        );
        assert!(
            stdout_difference(&want(&[]), b"x")
                .unwrap()
                .1
                .contains("got more, starting with \"x\"")
        );
    }

    #[test]
    fn traps_match_on_kind_code_function_and_pc() {
        let trap = |kind: &'static str, code, pc| {
            Outcome::Trapped(ObservedTrap {
                kind,
                code,
                function: "main".into(),
                pc,
                detail: None,
            })
        };
        let expected = ExpectedTrap {
            kind: "user".into(),
            code: Some(3),
            function: "main".into(),
            pc: 2,
        };
        assert_eq!(expect_trap(&trap("user", Some(3), 2), &expected), None);
        assert!(expect_trap(&trap("user", Some(4), 2), &expected).is_some());
        assert!(expect_trap(&trap("user", Some(3), 1), &expected).is_some());
        assert!(expect_trap(&Outcome::Returned(0), &expected).is_some());
        let any_code = ExpectedTrap {
            code: None,
            ..expected
        };
        assert_eq!(expect_trap(&trap("user", Some(9), 2), &any_code), None);
    }

    #[test]
    fn tiers_must_agree_on_everything() {
        let c = case(vec![Expect::Result(1)]);
        let a = observation(Outcome::Returned(1), "x\n", 7);
        let mut b = a.clone();
        let reference = Tier::REFERENCE;
        assert_eq!(compare_tiers(&c, (reference, &a), (reference, &b)), vec![]);
        b.fuel = Some(8);
        b.memory[0] = 9;
        let found = compare_tiers(&c, (reference, &a), (reference, &b));
        assert_eq!(found.len(), 2);
        assert!(found[0].what.starts_with("tiers disagree on fuel"));
        assert!(found[1].what.starts_with("tiers disagree on linear memory"));
        assert!(found.iter().all(|m| m.tier.is_none()));
    }
}
