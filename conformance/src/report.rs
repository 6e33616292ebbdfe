//! The outcome of running a set of cases: counts, failures and coverage, as printed.
//!
//! `Display` for [`Report`] writes the failures and the summary line; the coverage
//! lines are `Display` of [`Report::coverage`], printed apart because the coverage of a
//! filtered selection says nothing about the corpus.

use std::fmt;

use crate::compare::Mismatch;
use crate::coverage::Coverage;
use crate::tier::Tier;

/// Counts, failures and coverage of one run of a set of cases.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Assertions those cases make (each checked on the reference tier, which every
    /// other tier must equal).
    pub assertions: usize,
    /// The tiers every case ran on.
    pub tiers: Vec<Tier>,
    /// Cases that met every expectation on every tier, with every tier agreeing.
    pub passed: usize,
    /// Cases with at least one mismatch.
    pub failed: usize,
    /// Every mismatch, case by case in corpus order.
    pub failures: Vec<Failure>,
    /// Opcodes the cases' modules use.
    pub coverage: Coverage,
}

/// A mismatch and the case it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The case's file (or generator).
    pub file: String,
    /// The case's name.
    pub case: String,
    /// What did not hold.
    pub mismatch: Mismatch,
}

impl Report {
    /// Cases run: every one either passed or failed.
    pub fn cases(&self) -> usize {
        self.passed + self.failed
    }

    /// True when every case passed.
    pub fn all_passed(&self) -> bool {
        self.failed == 0
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.mismatch;
        let at = if m.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, m.line)
        };
        let tier = m.tier.map_or("all tiers".to_string(), |t| t.to_string());
        write!(f, "FAIL {at}: case `{}` [{tier}]: {}", self.case, m.what)
    }
}

impl fmt::Display for Report {
    /// One line per failure, then the summary line:
    /// `conformance: C cases, A assertions, T tier(s): P passed, F failed [TIER, ...]`.
    /// Coverage is not included; print [`Report::coverage`] for it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for failure in &self.failures {
            writeln!(f, "{failure}")?;
        }
        let tiers: Vec<String> = self.tiers.iter().map(ToString::to_string).collect();
        writeln!(
            f,
            "conformance: {} cases, {} assertions, {} tier(s): {} passed, {} failed [{}]",
            self.cases(),
            self.assertions,
            self.tiers.len(),
            self.passed,
            self.failed,
            tiers.join(", ")
        )
    }
}
