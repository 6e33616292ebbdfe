//! Which opcodes the corpus exercises, and which of them native code executed.
//!
//! Coverage is static: an opcode counts as covered when it appears in the assembled
//! module of at least one case. Native coverage is dynamic: the native tiers count the
//! instructions native code executes (`Config::count_executions`), and
//! an opcode counts when native code executed it in at least one case; the suite is
//! incomplete while an executable opcode never ran natively. The list of opcodes comes from the ISA table
//! (`Opcode::ALL`), so a new opcode is uncovered until a case uses it. Every opcode the
//! VM executes (control, memory, integer, float, conversions, moves and tensor) must be
//! covered. The GPU and VK families cannot run yet (the VM rejects them at load); they
//! are reported apart and do not make the suite incomplete.

use std::collections::BTreeSet;
use std::fmt;

use adead_isa::{Family, Opcode};

/// Opcodes seen in assembled case modules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Every opcode that appears in at least one case.
    pub covered: BTreeSet<Opcode>,
    /// Every opcode native code executed in at least one case.
    pub native: BTreeSet<Opcode>,
    /// A native tier ran (otherwise native coverage is not reported).
    pub native_tiers: bool,
}

/// True for the families whose run-time semantics arrive with later issues.
pub fn awaits_semantics(family: Family) -> bool {
    matches!(family, Family::Gpu | Family::Vk)
}

impl Coverage {
    /// Records the opcodes of one module.
    pub fn add(&mut self, opcodes: impl IntoIterator<Item = Opcode>) {
        self.covered.extend(opcodes);
    }

    /// Records the opcodes native code executed in one case.
    pub fn add_native(&mut self, opcodes: impl IntoIterator<Item = Opcode>) {
        self.native.extend(opcodes);
    }

    /// Executable opcodes native code never executed (empty when no native tier ran).
    pub fn never_native(&self) -> Vec<Opcode> {
        if !self.native_tiers {
            return Vec::new();
        }
        Opcode::ALL
            .iter()
            .copied()
            .filter(|&op| !awaits_semantics(op.family()) && !self.native.contains(&op))
            .collect()
    }

    /// Executable opcodes no case uses: the suite is incomplete while this is not
    /// empty.
    pub fn uncovered_executable(&self) -> Vec<Opcode> {
        self.uncovered(|op| !awaits_semantics(op.family()))
    }

    /// Uncovered opcodes of the families that cannot run yet.
    pub fn uncovered_pending(&self) -> Vec<Opcode> {
        self.uncovered(|op| awaits_semantics(op.family()))
    }

    /// Number of executable opcodes in the ISA.
    pub fn executable_total() -> usize {
        Opcode::ALL
            .iter()
            .filter(|op| !awaits_semantics(op.family()))
            .count()
    }

    fn uncovered(&self, keep: impl Fn(Opcode) -> bool) -> Vec<Opcode> {
        Opcode::ALL
            .iter()
            .copied()
            .filter(|&op| keep(op) && !self.covered.contains(&op))
            .collect()
    }
}

impl fmt::Display for Coverage {
    /// The coverage lines of a report, each ending in a newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let executable = self.uncovered_executable();
        let pending = self.uncovered_pending();
        let total = Coverage::executable_total();
        write!(
            f,
            "coverage: {}/{total} executable opcodes exercised",
            total - executable.len()
        )?;
        if executable.is_empty() {
            writeln!(f, ", none uncovered")?;
        } else {
            writeln!(
                f,
                "; UNCOVERED ({}): {}",
                executable.len(),
                mnemonics(&executable)
            )?;
        }
        if self.native_tiers {
            let never = self.never_native();
            write!(
                f,
                "coverage: {}/{total} executable opcodes executed natively",
                total - never.len()
            )?;
            if never.is_empty() {
                writeln!(f, ", 0 never executed natively")?;
            } else {
                writeln!(
                    f,
                    "; NEVER EXECUTED NATIVELY ({}): {}",
                    never.len(),
                    mnemonics(&never)
                )?;
            }
        }
        if !pending.is_empty() {
            writeln!(
                f,
                "coverage: not executable yet (GPU, VK), uncovered ({}): {}",
                pending.len(),
                mnemonics(&pending)
            )?;
        }
        Ok(())
    }
}

fn mnemonics(ops: &[Opcode]) -> String {
    let names: Vec<String> = ops
        .iter()
        .map(|op| {
            // Overloads share a mnemonic; the variant name tells them apart.
            if Opcode::by_mnemonic(op.mnemonic()).count() > 1 {
                format!("{} ({})", op.mnemonic(), op.name())
            } else {
                op.mnemonic().to_string()
            }
        })
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_families_are_reported_apart() {
        let mut coverage = Coverage::default();
        coverage.add(Opcode::ALL.iter().copied().filter(|&op| op != Opcode::Add));
        assert_eq!(coverage.uncovered_executable(), vec![Opcode::Add]);
        assert!(coverage.uncovered_pending().is_empty());
        let mut executable_only = Coverage::default();
        executable_only.add(
            Opcode::ALL
                .iter()
                .copied()
                .filter(|op| !awaits_semantics(op.family())),
        );
        assert!(executable_only.uncovered_executable().is_empty());
        assert!(
            executable_only
                .uncovered_pending()
                .contains(&Opcode::GpuMatmul)
        );
        assert!(executable_only.to_string().contains("none uncovered"));
    }

    #[test]
    fn tensor_opcodes_must_be_covered() {
        let mut coverage = Coverage::default();
        coverage.add(
            Opcode::ALL
                .iter()
                .copied()
                .filter(|&op| op != Opcode::Matmul && !awaits_semantics(op.family())),
        );
        assert_eq!(coverage.uncovered_executable(), vec![Opcode::Matmul]);
        assert!(coverage.to_string().contains("UNCOVERED (1): matmul"));
        assert!(!awaits_semantics(Family::Tensor));
    }

    #[test]
    fn native_coverage_is_reported_only_when_a_native_tier_ran() {
        let mut coverage = Coverage::default();
        coverage.add(Opcode::ALL.iter().copied());
        assert!(coverage.never_native().is_empty());
        assert!(!coverage.to_string().contains("natively"));
        coverage.native_tiers = true;
        coverage.add_native(Opcode::ALL.iter().copied().filter(|&op| op != Opcode::Rotl));
        assert_eq!(coverage.never_native(), vec![Opcode::Rotl]);
        assert!(
            coverage
                .to_string()
                .contains("NEVER EXECUTED NATIVELY (1): rotl")
        );
    }

    #[test]
    fn overloaded_mnemonics_name_their_variant() {
        assert_eq!(mnemonics(&[Opcode::Halt, Opcode::Add]), "halt (Halt), add");
    }
}
