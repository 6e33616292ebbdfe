//! Running one case on one tier and recording everything a tier could get wrong.
//!
//! [`run_case`] assembles the case under an engine configured for the tier and the
//! case's limits, instantiates it with the standard print functions writing to a
//! captured buffer, calls the entry function and returns an [`Observation`]: how the
//! run ended, the output, the exact fuel, and the final linear memory.
//! [`run_case_with_opcodes`] also returns the module's opcodes, for coverage; the
//! runner asks for them on the reference tier only (every tier loads the same module).

use std::collections::BTreeSet;
use std::fmt;

use adead_isa::{Opcode, TrapKind};
use adead_vm::{
    CallError, Config, Engine, Finish, HostFunc, Instance, Module, SavedProfile, Signature, Value,
    stdio,
};

use crate::case::Case;
use crate::fnv::fnv1a64;
use crate::tier::Tier;

/// The budget of a case without `;! fuel-limit`: generous for any case, small enough
/// that a runaway loop fails in seconds instead of hanging the suite.
pub const DEFAULT_FUEL: u64 = 100_000_000;

/// What one run of a case did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// How the run ended.
    pub outcome: Outcome,
    /// Everything the print functions wrote.
    pub stdout: Vec<u8>,
    /// Instructions executed (the trapping one included; for `out_of_fuel`, the
    /// budget); `None` when the case never ran.
    pub fuel: Option<u64>,
    /// Linear memory after the run (empty when the case never ran).
    pub memory: Vec<u8>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The entry function returned these bits.
    Returned(u64),
    /// A `halt` ended the program with this exit code.
    Halted(u64),
    /// A trap stopped the run.
    Trapped(ObservedTrap),
    /// The case did not get to run: it failed to assemble, load or instantiate, or the
    /// call was refused. The text says why.
    Failed(String),
}

/// A trap as the case files name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedTrap {
    /// `TrapKind::id`.
    pub kind: &'static str,
    /// The code of a `user` trap.
    pub code: Option<i32>,
    /// The function running the trapping instruction.
    pub function: String,
    /// Its index in that function.
    pub pc: u32,
    /// The host's message (host traps), for failure reports.
    pub detail: Option<String>,
}

impl Observation {
    /// The FNV-1a 64 hash of the whole linear memory, as a difference between tiers is
    /// reported (the bytes themselves are compared).
    pub fn memory_hash(&self) -> u64 {
        fnv1a64(&self.memory)
    }

    fn failed(message: String) -> Observation {
        Observation {
            outcome: Outcome::Failed(message),
            stdout: Vec::new(),
            fuel: None,
            memory: Vec::new(),
        }
    }
}

/// The engine configuration for `case` on `tier`.
pub fn config(case: &Case, tier: Tier) -> Config {
    let defaults = Config::default();
    let mut config = Config {
        fuel: Some(case.limits.fuel.unwrap_or(DEFAULT_FUEL)),
        max_call_depth: case
            .limits
            .max_call_depth
            .unwrap_or(defaults.max_call_depth),
        max_memory: case.limits.max_memory.unwrap_or(defaults.max_memory),
        max_stack_registers: case
            .limits
            .max_stack_registers
            .unwrap_or(defaults.max_stack_registers),
        max_tensor_bytes: case
            .limits
            .max_tensor_bytes
            .unwrap_or(defaults.max_tensor_bytes),
        max_tensors: case.limits.max_tensors.unwrap_or(defaults.max_tensors),
        // `adead-vm run`'s setting, and what the runner's `interrupt` function needs.
        interruptible: true,
        ..defaults
    };
    tier.configure(&mut config);
    config
}

/// What one run of a case executed, for coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Executed {
    /// The opcodes of the assembled module (none when it did not load).
    pub module: BTreeSet<Opcode>,
    /// The opcodes native code executed (none on the interpreter).
    pub native: BTreeSet<Opcode>,
    /// Per instruction of the module, how many times it executed
    /// (`Config::count_executions`; none when it did not load).
    pub counts: Vec<u64>,
}

/// Runs `case` on `tier`.
pub fn run_case(case: &Case, tier: Tier) -> Observation {
    run(case, tier, None)
}

/// Runs `case` on `tier` without a fuel budget and without counting instructions, so
/// that native code carries no fuel code at all (and shapes its branches accordingly).
/// The observation's fuel is `None`. Only for a case known to end by itself (its
/// reference run did not run out of fuel).
pub fn run_case_unmetered(case: &Case, tier: Tier) -> Observation {
    let mut config = config(case, tier);
    config.fuel = None;
    config.count_instructions = false;
    run_with(case, config, tier.engine == crate::tier::Engine::Warm, None)
}

/// Runs `case` on `tier` and also says what it executed: the opcodes of its module and,
/// on a native tier (counting them, which is slower), those native code executed.
pub fn run_case_with_opcodes(case: &Case, tier: Tier) -> (Observation, Executed) {
    let mut executed = Executed::default();
    let observation = run(case, tier, Some(&mut executed));
    (observation, executed)
}

fn run(case: &Case, tier: Tier, executed: Option<&mut Executed>) -> Observation {
    let mut config = config(case, tier);
    config.count_executions = executed.is_some();
    run_with(
        case,
        config,
        tier.engine == crate::tier::Engine::Warm,
        executed,
    )
}

/// Runs `case` under `config`; `warm`: after a first run whose saved profile warms
/// the module of the run observed.
fn run_with(
    case: &Case,
    config: Config,
    warm: bool,
    executed: Option<&mut Executed>,
) -> Observation {
    let profile = if warm {
        match profile_of_a_run(case, config.clone()) {
            Ok(profile) => Some(profile),
            Err(message) => return Observation::failed(message),
        }
    } else {
        None
    };
    let engine = Engine::new(config);
    let module = match Module::from_asm(&engine, &case.source, &case.file) {
        Ok(module) => module,
        Err(error) => return Observation::failed(format!("load: {error}")),
    };
    if let Some(profile) = profile
        && let Err(error) = module.warm_start(&profile)
    {
        return Observation::failed(format!("warm start: {error}"));
    }
    let mut executed = executed;
    if let Some(executed) = executed.as_deref_mut() {
        executed
            .module
            .extend(module.isa().code.iter().map(|i| i.opcode()));
    }
    let (output, captured) = stdio::Output::capture();
    let mut imports = stdio::imports(&output);
    if let Some(handle) = engine.interrupt_handle() {
        imports.define(
            "interrupt",
            HostFunc::new(Signature::new(&[], None), move |_, _| {
                handle.interrupt();
                Ok(None)
            }),
        );
    }
    let mut instance = match Instance::new(&module, &imports) {
        Ok(instance) => instance,
        Err(error) => return Observation::failed(format!("instantiate: {error}")),
    };
    let args: Vec<Value> = case.args.iter().map(|&a| Value::I64(a)).collect();
    let result = instance.call_entry(&args);
    // Capturing cannot fail to flush; an error here would be a bug in the VM's buffer.
    let flushed = output.flush();
    let (outcome, fuel) = match result {
        Ok(completion) => (
            match completion.finish {
                Finish::Returned(bits) => Outcome::Returned(bits),
                Finish::Halted(code) => Outcome::Halted(code),
            },
            completion.fuel_used,
        ),
        Err(CallError::Trap(trap)) => (
            Outcome::Trapped(ObservedTrap {
                kind: trap.kind.id(),
                code: match trap.kind {
                    TrapKind::User(code) => Some(code),
                    _ => None,
                },
                function: trap.function,
                pc: trap.pc,
                detail: trap.detail,
            }),
            trap.fuel_used,
        ),
        Err(error) => (Outcome::Failed(format!("call: {error}")), None),
    };
    let outcome = match flushed {
        Err(error) => Outcome::Failed(format!("flushing the captured output: {error}")),
        Ok(()) => outcome,
    };
    if let (Some(executed), Some(counts)) = (executed, instance.profile().executions) {
        let native = counts.by_opcode(&module.isa().code, true);
        executed.native.extend(native.into_iter().map(|(op, _)| op));
        executed.counts = counts.total;
    }
    Observation {
        outcome,
        stdout: captured.bytes(),
        fuel,
        memory: instance.memory().to_vec(),
    }
}

/// The saved profile of one run of `case` under `config` (whatever its outcome), read
/// back from its JSON as `adead-vm run --load-profile` reads it.
fn profile_of_a_run(case: &Case, config: Config) -> Result<SavedProfile, String> {
    let engine = Engine::new(config);
    let module = Module::from_asm(&engine, &case.source, &case.file)
        .map_err(|error| format!("load: {error}"))?;
    let (output, _) = stdio::Output::capture();
    let mut imports = stdio::imports(&output);
    if let Some(handle) = engine.interrupt_handle() {
        imports.define(
            "interrupt",
            HostFunc::new(Signature::new(&[], None), move |_, _| {
                handle.interrupt();
                Ok(None)
            }),
        );
    }
    let mut instance =
        Instance::new(&module, &imports).map_err(|error| format!("instantiate: {error}"))?;
    let args: Vec<Value> = case.args.iter().map(|&a| Value::I64(a)).collect();
    // The first run's outcome is the observed run's to check.
    let _ = instance.call_entry(&args);
    SavedProfile::from_json(&SavedProfile::of(&instance).to_json())
        .map_err(|error| format!("reading the saved profile back: {error}"))
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(bits) => write!(f, "result {}", bits_text(*bits)),
            Outcome::Halted(code) => write!(f, "halt {}", bits_text(*code)),
            Outcome::Trapped(trap) => write!(f, "trap {trap}"),
            Outcome::Failed(message) => write!(f, "no run ({message})"),
        }
    }
}

impl fmt::Display for ObservedTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "{}({code})", self.kind)?,
            None => f.write_str(self.kind)?,
        }
        write!(f, " at {}:{}", self.function, self.pc)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// 64 bits as a report shows them: signed decimal and hex.
pub fn bits_text(bits: u64) -> String {
    format!("{} ({bits:#018x})", bits as i64)
}
