//! Running one module on several configurations and demanding identical observations,
//! through the conformance crate's observation and comparison code
//! (`adead_conformance::fuzz::exec`): outcome (result or halt bits, trap kind, code,
//! function, instruction and detail), stdout bytes, exact fuel, every byte of linear
//! memory, and here also every live tensor (handle, shape, bits) and the tensor bytes.

use adead_conformance::fuzz::exec::{Run, Shown, differences, observe_module};
use adead_isa::Module;
use adead_vm::Config;

/// One configuration to run on, with the name reports give it.
#[derive(Clone, Debug)]
pub struct Setup {
    /// `interp/scalar/1t`, `opt`, ...
    pub name: String,
    /// The engine's configuration.
    pub config: Config,
}

/// Runs `module`'s entry with `args` on every setup (the first is the reference) and
/// returns the reference's run, or a report of the first setup that panicked or
/// observed anything different from the reference.
pub fn run_all(module: &Module, args: &[u64], setups: &[Setup]) -> Result<Run, String> {
    let Some((first, rest)) = setups.split_first() else {
        return Err("no setup to run on".to_string());
    };
    let reference = observe_module(module, first.config.clone(), args)
        .map_err(|panic| format!("{} panicked: {panic}", first.name))?;
    for setup in rest {
        let run = observe_module(module, setup.config.clone(), args)
            .map_err(|panic| format!("{} panicked: {panic}", setup.name))?;
        let mut lines = differences(&reference.observation, &run.observation);
        if run.tensor_bytes != reference.tensor_bytes {
            lines.push(format!(
                "tensor bytes: expected {}, got {}",
                reference.tensor_bytes, run.tensor_bytes
            ));
        }
        if run.tensors != reference.tensors {
            lines.push(tensor_difference(&reference, &run));
        }
        if !lines.is_empty() {
            return Err(format!(
                "{} differs from {}:\n  {}\n  expected: {}\n  observed: {}",
                setup.name,
                first.name,
                lines.join("\n  "),
                Shown(&reference.observation),
                Shown(&run.observation)
            ));
        }
    }
    Ok(reference)
}

/// The first live tensor that differs between two runs, in words.
fn tensor_difference(expected: &Run, observed: &Run) -> String {
    if expected.tensors.len() != observed.tensors.len() {
        return format!(
            "live tensors: expected {}, got {}",
            expected.tensors.len(),
            observed.tensors.len()
        );
    }
    for (a, b) in expected.tensors.iter().zip(&observed.tensors) {
        if a.handle != b.handle || a.shape != b.shape {
            return format!(
                "tensor: expected handle {:#x} shape {:?}, got handle {:#x} shape {:?}",
                a.handle, a.shape, b.handle, b.shape
            );
        }
        if let Some(at) = a.bits.iter().zip(&b.bits).position(|(x, y)| x != y) {
            return format!(
                "tensor {:#x} {:?}: element {at} is {:#010x}, expected {:#010x}",
                a.handle, a.shape, b.bits[at], a.bits[at]
            );
        }
    }
    "live tensors differ".to_string()
}
