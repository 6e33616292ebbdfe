//! A trap as the host sees it: what happened and where.

use std::fmt;

pub use adead_isa::TrapKind;

/// A run stopped by a trap: its kind and its location. Every tier reports the same trap
/// at the same instruction, with the same side effects done before it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Trap {
    /// What went wrong.
    pub kind: TrapKind,
    /// Name of the function that was running.
    pub function: String,
    /// Index of that function in the module.
    pub func_index: u32,
    /// Index of the trapping instruction within the function.
    pub pc: u32,
    /// Source file and line, when the module has debug information.
    pub location: Option<(String, u32)>,
    /// Extra detail (a host function's error message).
    pub detail: Option<String>,
    /// Fuel the call used, when counted (with a fuel budget or
    /// `Config::count_instructions`): one unit per instruction executed, the trapping
    /// one included (except for an out-of-fuel trap, where the instruction did not
    /// run), plus the work of `alloc`, `mcopy`, `mfill` and tensor instructions
    /// (`adead_isa::fuel::work_fuel`).
    pub fuel_used: Option<u64>,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trap: {} in function `{}` at instruction {}",
            self.kind, self.function, self.pc
        )?;
        if let Some((file, line)) = &self.location {
            if file.is_empty() {
                write!(f, " (line {line})")?;
            } else {
                write!(f, " ({file}:{line})")?;
            }
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}
