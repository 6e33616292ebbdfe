//! Running a generated program on one tier under one fuel meter, and checking that
//! every tier observes exactly what the interpreter does.

use std::collections::BTreeSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use adead_isa::{Opcode, TrapKind};
use adead_vm::{
    CallError, Config, Engine, Entry, Finish, HostFunc, Instance, Module, Signature, ValType,
    Value, stdio,
};

use super::mix;
use super::program::{Hazard, Intent, Program};
use crate::Observation;
use crate::fnv::fnv1a64;
use crate::observe::{ObservedTrap, Outcome, bits_text};
use crate::rng::Rng;

/// The budget of the reference run: a program that has not finished after this many
/// instructions ends as `out_of_fuel` (far above [`super::program::CALM_FUEL`], so only
/// planted endless loops and wild programs reach it).
pub const FUEL_BOUND: u64 = 200_000;

/// Salt of the runner's own random choices for a program (the threshold of the third
/// `auto` tier and the budget below the reference's count): its generator is
/// `Rng::new(mix(seed ^ RUNNER_SALT))`, independent of the program's.
pub const RUNNER_SALT: u64 = 0x5DEE_CE66_D1CE_5EED;

/// A tier policy with its compile thresholds: how one run executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The engine's tier policy.
    pub tier: adead_vm::Tier,
    /// `Config::baseline_threshold` (meaningful for `Tier::Auto`).
    pub baseline: u64,
    /// `Config::jit_threshold` (meaningful for `Tier::Auto`).
    pub threshold: u64,
}

impl Policy {
    /// The interpreter alone: the reference.
    pub const INTERP: Policy = Policy {
        tier: adead_vm::Tier::Interp,
        baseline: 0,
        threshold: 0,
    };

    /// Every function assembled by the baseline tier at load.
    pub const BASELINE: Policy = Policy {
        tier: adead_vm::Tier::Baseline,
        baseline: 0,
        threshold: 0,
    };

    /// Every function compiled at load.
    pub const OPT: Policy = Policy {
        tier: adead_vm::Tier::Opt,
        baseline: 0,
        threshold: 0,
    };

    /// Baseline code once entries or back-edges pass `baseline`, optimized code once
    /// they pass `threshold` (no baseline code when `baseline >= threshold`).
    pub const fn auto(baseline: u64, threshold: u64) -> Policy {
        Policy {
            tier: adead_vm::Tier::Auto,
            baseline,
            threshold,
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tier {
            adead_vm::Tier::Auto => write!(f, "auto{}/{}", self.baseline, self.threshold),
            tier => f.write_str(tier.name()),
        }
    }
}

/// How a run counts instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meter {
    /// No budget and no counting: native code carries no fuel code at all.
    Unmetered,
    /// No budget, counting (`Config::count_instructions`).
    Counting,
    /// This budget (`Config::fuel`).
    Budget(u64),
}

impl fmt::Display for Meter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Meter::Unmetered => f.write_str("unmetered"),
            Meter::Counting => f.write_str("counting"),
            Meter::Budget(fuel) => write!(f, "fuel {fuel}"),
        }
    }
}

/// What the native tier did in some runs, summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NativeCounts {
    /// Function versions compiled.
    pub compiled: u64,
    /// Of those, versions entered at a loop header (on-stack replacement).
    pub osr: u64,
    /// Functions or entries the native tier refused (left to the interpreter).
    pub refused: u64,
}

impl NativeCounts {
    fn add(&mut self, other: NativeCounts) {
        self.compiled += other.compiled;
        self.osr += other.osr;
        self.refused += other.refused;
    }
}

/// One run: what it observed and what the native tier compiled for it.
#[derive(Clone, Debug)]
pub struct Run {
    /// Outcome, stdout, fuel and memory.
    pub observation: Observation,
    /// What the native tier did.
    pub native: NativeCounts,
    /// The tensors live when the run ended, in handle order (none for the generated
    /// scalar programs; the tensor programs of `adead-fuzz` compare them).
    pub tensors: Vec<TensorState>,
    /// The bytes the instance counts for its live tensors.
    pub tensor_bytes: u64,
    /// Per instruction, its executions, when counted (`Meter::Counting` counts them:
    /// every tier must count the same).
    pub executions: Option<Vec<u64>>,
}

/// A tensor live after a run: its handle, its shape and the bits of its elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorState {
    /// The handle a register holds for it.
    pub handle: u64,
    /// Its dimensions.
    pub shape: Vec<usize>,
    /// Its elements' bits, row-major.
    pub bits: Vec<u32>,
}

/// The engine configuration of `program` on `policy` under `meter`.
pub fn config(program: &Program, policy: Policy, meter: Meter) -> Config {
    let (fuel, count_instructions) = match meter {
        Meter::Unmetered => (None, false),
        Meter::Counting => (None, true),
        Meter::Budget(fuel) => (Some(fuel), true),
    };
    Config {
        fuel,
        count_instructions,
        // The counting stage also counts each instruction's executions, which every
        // tier must count alike; the budgeted and unmetered stages run the code that
        // does not count them.
        count_executions: meter == Meter::Counting,
        tier: policy.tier,
        baseline_threshold: policy.baseline,
        jit_threshold: policy.threshold,
        // Tier-up at the same instruction on every replay of a program.
        background_compile: false,
        max_call_depth: program.limits.max_call_depth,
        max_stack_registers: program.limits.max_stack_registers,
        max_memory: program.limits.max_memory,
        native_stack: program.limits.native_stack,
        // Wild programs may call `interrupt`; calm ones run as embedders do by default.
        interruptible: program.wild,
        // Programs have no tensor instructions; one thread keeps runs independent.
        kernel_threads: 1,
        ..Config::default()
    }
}

/// Runs `program` once. A panic inside the VM is caught and returned as `Err` with its
/// message: it is a bug to report, never an outcome.
pub fn observe(program: &Program, policy: Policy, meter: Meter) -> Result<Run, String> {
    observe_module(&program.module, config(program, policy, meter), &[])
}

/// Runs the entry function of any module once under `config`, with `args` (i64 bits)
/// for its parameters, the standard print functions of `adead_vm::stdio` capturing its
/// output, and the `interrupt` host function of the wild programs (with as many
/// parameters as the module imports it with). A module that does
/// not load, instantiate or accept the call is an [`Outcome::Failed`] saying why. A
/// panic inside the VM is caught and returned as `Err` with its message: it is a bug to
/// report, never an outcome. This is how [`observe`] runs a generated program; the
/// fuzz targets of `adead-fuzz` run mutated modules and tensor programs through it.
pub fn observe_module(
    module: &adead_isa::Module,
    config: Config,
    args: &[u64],
) -> Result<Run, String> {
    catch_unwind(AssertUnwindSafe(|| run(module, config, args))).map_err(panic_message)
}

/// The message a panic was raised with.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

fn no_run(message: String) -> Run {
    Run {
        observation: Observation {
            outcome: Outcome::Failed(message),
            stdout: Vec::new(),
            fuel: None,
            memory: Vec::new(),
        },
        native: NativeCounts::default(),
        tensors: Vec::new(),
        tensor_bytes: 0,
        executions: None,
    }
}

fn run(module: &adead_isa::Module, config: Config, args: &[u64]) -> Run {
    let engine = Engine::new(config);
    let module = match Module::from_isa(&engine, module.clone()) {
        Ok(module) => module,
        Err(error) => return no_run(format!("load: {error}")),
    };
    let (output, captured) = stdio::Output::capture();
    let mut imports = stdio::imports(&output);
    let handle = engine.interrupt_handle();
    // The generated programs pass one argument; a module may import it with any count
    // (the conformance cases pass none): the function ignores its arguments.
    let params = module
        .isa()
        .imports
        .iter()
        .find(|import| import.name == "interrupt")
        .map_or(1, |import| import.params as usize);
    imports.define(
        "interrupt",
        HostFunc::new(
            Signature::new(&vec![ValType::I64; params], None),
            move |_, _| {
                if let Some(handle) = &handle {
                    handle.interrupt();
                }
                Ok(None)
            },
        ),
    );
    let mut instance = match Instance::new(&module, &imports) {
        Ok(instance) => instance,
        Err(error) => return no_run(format!("instantiate: {error}")),
    };
    let args: Vec<Value> = args.iter().map(|&bits| Value::I64(bits as i64)).collect();
    let result = instance.call_entry(&args);
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
    let mut native = NativeCounts::default();
    if let Some(profile) = module.native_profile() {
        native.compiled = profile.compiled.len() as u64;
        native.osr = profile
            .compiled
            .iter()
            .filter(|record| matches!(record.entry, Entry::LoopHeader(_)))
            .count() as u64;
        native.refused = profile.refused.len() as u64;
    }
    let mut tensors: Vec<TensorState> = instance
        .tensors()
        .map(|(handle, tensor)| TensorState {
            handle,
            shape: tensor.shape().to_vec(),
            bits: tensor.data().iter().map(|x| x.to_bits()).collect(),
        })
        .collect();
    tensors.sort_by_key(|tensor| tensor.handle);
    Run {
        observation: Observation {
            outcome,
            stdout: captured.bytes(),
            fuel,
            memory: instance.memory().to_vec(),
        },
        native,
        tensors,
        tensor_bytes: instance.tensor_bytes(),
        executions: instance.profile().executions.map(|e| e.total),
    }
}

/// The first difference found for a program: which run, and what it saw.
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The program's seed.
    pub seed: u64,
    /// The meter of the run that differed.
    pub meter: Meter,
    /// The tier that differed.
    pub policy: Policy,
    /// What the interpreter observed under the same meter (or what the rules demand).
    pub expected: Observation,
    /// What the tier observed, or the message of the panic it raised.
    pub observed: Result<Observation, String>,
    /// One line per field that differs.
    pub differences: Vec<String>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "DIVERGENCE seed {:#018x}: {} ({}) differs from the interpreter:",
            self.seed, self.policy, self.meter
        )?;
        for line in &self.differences {
            writeln!(f, "  {line}")?;
        }
        writeln!(f, "  expected: {}", Shown(&self.expected))?;
        match &self.observed {
            Ok(observation) => writeln!(f, "  observed: {}", Shown(observation)),
            Err(panic) => writeln!(f, "  observed: panic: {panic}"),
        }
    }
}

/// An observation in one line: outcome, stdout, fuel, memory size and hash.
pub struct Shown<'a>(pub &'a Observation);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        let text = String::from_utf8_lossy(&o.stdout);
        let mut lines: Vec<&str> = text.lines().collect();
        let more = lines.len().saturating_sub(8);
        lines.truncate(8);
        write!(f, "{}; stdout [{}", o.outcome, lines.join(" "))?;
        if more > 0 {
            write!(f, " ... {more} more lines")?;
        }
        write!(f, "]; fuel ")?;
        match o.fuel {
            Some(fuel) => write!(f, "{fuel}")?,
            None => f.write_str("-")?,
        }
        write!(
            f,
            "; memory {} bytes, fnv1a64 {:#018x}",
            o.memory.len(),
            fnv1a64(&o.memory)
        )
    }
}

/// The fields of `observed` that differ from `expected`, one line each.
pub fn differences(expected: &Observation, observed: &Observation) -> Vec<String> {
    let mut lines = Vec::new();
    if expected.outcome != observed.outcome {
        lines.push(format!(
            "outcome: expected {}, got {}",
            expected.outcome, observed.outcome
        ));
    }
    if expected.stdout != observed.stdout {
        lines.push(format!(
            "stdout: expected {} bytes, got {}{}",
            expected.stdout.len(),
            observed.stdout.len(),
            first_difference(&expected.stdout, &observed.stdout)
        ));
    }
    if expected.fuel != observed.fuel {
        lines.push(format!(
            "fuel: expected {:?}, got {:?}",
            expected.fuel, observed.fuel
        ));
    }
    if expected.memory != observed.memory {
        lines.push(format!(
            "memory: expected {} bytes (fnv1a64 {:#018x}), got {} ({:#018x}){}",
            expected.memory.len(),
            fnv1a64(&expected.memory),
            observed.memory.len(),
            fnv1a64(&observed.memory),
            first_difference(&expected.memory, &observed.memory)
        ));
    }
    lines
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(at) => format!(
            "; first difference at byte {at}: {:#04x} vs {:#04x}",
            a[at], b[at]
        ),
        None => String::new(),
    }
}

/// Everything one program's check found.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The program's seed.
    pub seed: u64,
    /// The interpreter's run under the [`FUEL_BOUND`] budget; `None` when the program
    /// could not be generated or its reference run panicked.
    pub reference: Option<Observation>,
    /// What the generator promised.
    pub intent: Intent,
    /// True for a wild program.
    pub wild: bool,
    /// The hazard planted in a calm program.
    pub hazard: Option<Hazard>,
    /// The opcodes the program uses.
    pub opcodes: BTreeSet<Opcode>,
    /// The first divergence, if any.
    pub divergence: Option<Divergence>,
    /// Why the program was skipped: it did not verify or load (a generator bug).
    pub skipped: Option<String>,
    /// Runs made.
    pub runs: u64,
    /// What the native tiers compiled, over all runs.
    pub native: NativeCounts,
}

/// One run of a check, as [`check_all`] records it.
#[derive(Clone, Debug)]
pub struct Row {
    /// The tier.
    pub policy: Policy,
    /// The meter.
    pub meter: Meter,
    /// What it observed (or its panic).
    pub observed: Result<Observation, String>,
}

/// The seven tiers a program runs on: the interpreter, `baseline`, `opt`, and `auto`
/// straight from the interpreter to optimized code at thresholds 0 and 1, through
/// baseline code at thresholds 0 and 1 (baseline code asks for optimized code at its
/// first entry or back-edge), and through baseline code at thresholds drawn by the
/// runner's generator (baseline 1..=4, optimized 1..=16 counts later).
pub fn policies(seed: u64) -> [Policy; 7] {
    let mut rng = runner_rng(seed);
    let baseline = 1 + rng.below(4);
    let optimized = baseline + 1 + rng.below(16);
    [
        Policy::INTERP,
        Policy::BASELINE,
        Policy::OPT,
        Policy::auto(0, 0),
        Policy::auto(1, 1),
        Policy::auto(0, 1),
        Policy::auto(baseline, optimized),
    ]
}

fn runner_rng(seed: u64) -> Rng {
    Rng::new(mix(seed ^ RUNNER_SALT))
}

/// Generates the program of `seed` and checks it on every tier, stopping at the first
/// divergence.
pub fn check(seed: u64) -> Verdict {
    check_seed(seed, None)
}

/// Like [`check`], but runs every stage to the end and returns every run made.
pub fn check_all(seed: u64) -> (Verdict, Vec<Row>) {
    let mut rows = Vec::new();
    let verdict = check_seed(seed, Some(&mut rows));
    (verdict, rows)
}

fn check_seed(seed: u64, rows: Option<&mut Vec<Row>>) -> Verdict {
    match catch_unwind(|| Program::generate(seed)) {
        Ok(program) => check_program(&program, rows),
        Err(payload) => Verdict {
            seed,
            reference: None,
            intent: Intent::Unknown,
            wild: false,
            hazard: None,
            opcodes: BTreeSet::new(),
            divergence: None,
            skipped: Some(format!(
                "the generator panicked (a generator bug): {}",
                panic_message(payload)
            )),
            runs: 0,
            native: NativeCounts::default(),
        },
    }
}

/// Checks `program`: the interpreter's run under [`FUEL_BOUND`] is the reference.
///
/// 1. Every tier counting without a budget (with the bound, if the reference ran out)
///    must equal it.
/// 2. If it finished, every tier with exactly the fuel it used must equal it, and every
///    tier unmetered must equal it but for the fuel, which is then not counted.
/// 3. Every tier with a budget drawn below that fuel must trap `out_of_fuel` exactly as
///    the interpreter does with it (same instruction, fuel, stdout and memory).
///
/// With `rows`, every stage runs to the end and every run is recorded; without, the
/// check stops at the first divergence.
pub fn check_program(program: &Program, mut rows: Option<&mut Vec<Row>>) -> Verdict {
    let mut verdict = Verdict {
        seed: program.seed,
        reference: None,
        intent: program.intent,
        wild: program.wild,
        hazard: program.hazard,
        opcodes: program.module.code.iter().map(|i| i.opcode()).collect(),
        divergence: None,
        skipped: None,
        runs: 0,
        native: NativeCounts::default(),
    };
    if let Err(error) = adead_isa::verify(program.module.clone()) {
        verdict.skipped = Some(format!("does not verify: {error}"));
        return verdict;
    }
    let policies = policies(program.seed);
    let mut rng = runner_rng(program.seed);
    // The first draw chose the threshold of the third auto tier.
    rng.next_u64();
    let recording = rows.is_some();
    // The executions the last run counted (`Meter::Counting`).
    let counted = std::cell::RefCell::new(None);
    let mut one = |verdict: &mut Verdict, policy: Policy, meter: Meter| {
        let run = observe(program, policy, meter);
        verdict.runs += 1;
        if let Ok(run) = &run {
            verdict.native.add(run.native);
            counted.replace(run.executions.clone());
        }
        let observed = run.map(|run| run.observation);
        if let Some(rows) = rows.as_deref_mut() {
            rows.push(Row {
                policy,
                meter,
                observed: observed.clone(),
            });
        }
        observed
    };
    let reference = match one(&mut verdict, Policy::INTERP, Meter::Budget(FUEL_BOUND)) {
        Ok(reference) => reference,
        Err(panic) => {
            verdict.divergence = Some(Divergence {
                seed: program.seed,
                meter: Meter::Budget(FUEL_BOUND),
                policy: Policy::INTERP,
                expected: no_run(String::from("no panic")).observation,
                observed: Err(panic.clone()),
                differences: vec![format!("the interpreter panicked: {panic}")],
            });
            return verdict;
        }
    };
    if let Outcome::Failed(why) = &reference.outcome {
        verdict.skipped = Some(format!("does not run: {why}"));
        return verdict;
    }
    verdict.reference = Some(reference.clone());
    let fuel = reference.fuel.unwrap_or(0);
    let ran_out =
        matches!(&reference.outcome, Outcome::Trapped(trap) if trap.kind == "out_of_fuel");
    let keep_going = |verdict: &Verdict, recording: bool| recording || verdict.divergence.is_none();

    let mut interpreted_counts: Option<Vec<u64>> = None;
    let mut stages: Vec<(Meter, Observation)> = Vec::new();
    if ran_out {
        stages.push((Meter::Budget(FUEL_BOUND), reference.clone()));
    } else {
        stages.push((Meter::Counting, reference.clone()));
        stages.push((Meter::Budget(fuel), reference.clone()));
        stages.push((
            Meter::Unmetered,
            Observation {
                fuel: None,
                ..reference.clone()
            },
        ));
    }
    for (meter, expected) in &stages {
        // Unmetered code differs from metered code only in carrying no fuel code; the
        // tier that compiles everything and the one that moves loops to native code in
        // their middle cover it, and compilation is most of the fuzzer's time.
        let unmetered = [
            Policy::INTERP,
            Policy::BASELINE,
            Policy::OPT,
            Policy::auto(1, 1),
            Policy::auto(0, 1),
        ];
        let tiers: &[Policy] = if *meter == Meter::Unmetered {
            &unmetered
        } else {
            &policies
        };
        for &policy in tiers {
            if !keep_going(&verdict, recording) {
                return verdict;
            }
            let observed = one(&mut verdict, policy, *meter);
            let counts = counted.take();
            compare(&mut verdict, policy, *meter, expected, observed.clone());
            if *meter == Meter::Counting && verdict.divergence.is_none() {
                // The interpreter runs first: its counts are the reference.
                match &interpreted_counts {
                    None => interpreted_counts = counts,
                    Some(reference) => {
                        if let Some(difference) = executions_differ(reference, counts.as_deref()) {
                            verdict.divergence = Some(Divergence {
                                seed: program.seed,
                                meter: *meter,
                                policy,
                                expected: expected.clone(),
                                observed,
                                differences: vec![difference],
                            });
                        }
                    }
                }
            }
        }
    }

    if fuel > 0 && keep_going(&verdict, recording) {
        let budget = match rng.below(4) {
            0 => fuel - 1,
            1 => rng.below(fuel.min(64)),
            _ => rng.below(fuel),
        };
        let meter = Meter::Budget(budget);
        let below = match one(&mut verdict, Policy::INTERP, meter) {
            Ok(below) => below,
            Err(panic) => {
                let expected = reference.clone();
                compare(&mut verdict, Policy::INTERP, meter, &expected, Err(panic));
                return verdict;
            }
        };
        // The rules themselves: less fuel than the run needs must stop it with
        // `out_of_fuel`, having used exactly the budget, or less when the instruction
        // it stops at pays for its work and the rest could not (`adead_isa::fuel`).
        let stopped_as_the_rules_say = match &below.outcome {
            Outcome::Trapped(trap) if trap.kind == "out_of_fuel" => match below.fuel {
                Some(used) if used == budget => true,
                Some(used) if used < budget => pays_for_work(program, &trap.function, trap.pc),
                _ => false,
            },
            _ => false,
        };
        if !stopped_as_the_rules_say && verdict.divergence.is_none() {
            verdict.divergence = Some(Divergence {
                seed: program.seed,
                meter,
                policy: Policy::INTERP,
                expected: below.clone(),
                observed: Ok(below.clone()),
                differences: vec![format!(
                    "the interpreter with a budget of {budget} below the {fuel} instructions \
                     the program needs did not trap out_of_fuel with fuel {budget} (or less, \
                     at an instruction whose work the rest could not pay)"
                )],
            });
        }
        for &policy in &policies[1..] {
            if !keep_going(&verdict, recording) {
                return verdict;
            }
            let observed = one(&mut verdict, policy, meter);
            compare(&mut verdict, policy, meter, &below, observed);
        }
    }
    verdict
}

/// How a tier's execution counts differ from the interpreter's, if they do.
fn executions_differ(interpreted: &[u64], counted: Option<&[u64]>) -> Option<String> {
    let Some(counted) = counted else {
        return Some("counted no executions".into());
    };
    let pc = interpreted
        .iter()
        .zip(counted)
        .position(|(a, b)| a != b)
        .or((interpreted.len() != counted.len()).then_some(interpreted.len().min(counted.len())))?;
    Some(format!(
        "executions of instruction {pc} (global): the interpreter counted {:?}, this tier {:?}",
        interpreted.get(pc),
        counted.get(pc)
    ))
}

/// True if the instruction at `pc` of function `name` pays for its work
/// (`adead_isa::fuel`): `alloc`, `mcopy`, `mfill` and tensor instructions.
fn pays_for_work(program: &Program, name: &str, pc: u32) -> bool {
    let module = &program.module;
    module
        .functions
        .iter()
        .find(|function| function.name == name)
        .and_then(|function| module.code.get((function.entry + pc) as usize))
        .is_some_and(|instr| {
            matches!(
                instr.opcode(),
                Opcode::Alloc | Opcode::MemCopy | Opcode::MemFill
            ) || instr.opcode().family() == adead_isa::Family::Tensor
        })
}

fn compare(
    verdict: &mut Verdict,
    policy: Policy,
    meter: Meter,
    expected: &Observation,
    observed: Result<Observation, String>,
) {
    if verdict.divergence.is_some() {
        return;
    }
    let differences = match &observed {
        Ok(observed) if observed == expected => return,
        Ok(observed) => differences(expected, observed),
        Err(panic) => vec![format!("panicked: {panic}")],
    };
    verdict.divergence = Some(Divergence {
        seed: verdict.seed,
        meter,
        policy,
        expected: expected.clone(),
        observed,
        differences,
    });
}

/// The outcome kind an intent names matches `outcome`.
pub fn intent_met(intent: Intent, outcome: &Outcome) -> bool {
    match (intent, outcome) {
        (Intent::Unknown, _) => true,
        (Intent::Return, Outcome::Returned(_)) | (Intent::Halt, Outcome::Halted(_)) => true,
        (Intent::Trap(kind), Outcome::Trapped(trap)) => trap.kind == kind,
        _ => false,
    }
}

/// `outcome` in a few words, for reports.
pub fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returned(bits) => format!("returned {}", bits_text(*bits)),
        other => other.to_string(),
    }
}
