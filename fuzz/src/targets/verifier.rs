//! The `verifier` target: `adead_isa::verify` on modules that read, and every module it
//! accepts run on every tier.
//!
//! Inputs are `.bib` files: byte-level mutations of corpus entries (a third), and
//! structure-level mutations of modules that read (two thirds): an operand word set to
//! a boundary value for its kind (a register at or past the frame, a label at or past
//! the function's end, a function, import, data or shader index past the table, a
//! count off by one), two operand words swapped, the opcode replaced by another of the
//! same shape, instructions duplicated, deleted, swapped or taken from another module,
//! a function's code replaced by another module's, and the tables changed (frame sizes,
//! parameter counts, the entry, exports, import arities, memory size, data bytes).
//! For every input that `read` accepts:
//!
//! - `verify` returns without panicking, and never reports a structural violation
//!   (`read` has already checked the structure);
//! - a module it accepts loads and runs, from its entry with small arguments, under a
//!   small fuel budget, on `Tier::Interp`, `Tier::Baseline`, `Tier::Opt` and
//!   `Tier::Auto` with `jit_threshold` 0, without a panic and with the same outcome
//!   (result or halt bits, trap kind, function, instruction and detail), stdout, fuel,
//!   memory and live tensors on each ([`crate::differential`]).
//!
//! Features: the verifier's error kind with the opcode at fault, or the run's outcome
//! with the trapping opcode and the fuel used (by powers of two).

use adead_conformance::fnv1a64;
use adead_conformance::observe::Outcome;
use adead_isa::{Instruction, Module, Opcode, OperandKind, VerifyError, format, verify};
use adead_kernels::Isa;
use adead_vm::{Config, Tier};

use crate::differential::{Setup, run_all};
use crate::driver::{Exec, Target};
use crate::mutate::{INTERESTING_U32, mutate_bytes};
use crate::rng::Rng;
use crate::targets::reader::variant;

/// The largest input the mutators make.
pub const MAX_INPUT: usize = 256 * 1024;

/// The fuel budget of most runs; some inputs get a budget of 0 to 63 instead, so that
/// fuel runs out early on every tier (decided by a hash of the input, so a reproducer
/// file replays with its budget).
pub const FUEL: u64 = 20_000;

/// The target.
#[derive(Default)]
pub struct Verifier {}

impl Verifier {
    /// The target.
    pub fn new() -> Verifier {
        Verifier {}
    }
}

/// The engine configuration of a run of a verified module on `tier`: small limits, the
/// best kernel path, one kernel thread.
pub fn config(tier: Tier, fuel: u64) -> Config {
    Config {
        fuel: Some(fuel),
        count_instructions: true,
        tier,
        jit_threshold: 0,
        max_memory: 4 << 20,
        max_stack_registers: 1 << 16,
        max_tensor_bytes: 16 << 20,
        max_tensors: 256,
        kernel_isa: Some(Isa::best()),
        kernel_threads: 1,
        ..Config::default()
    }
}

/// The fuel budget of an input (see [`FUEL`]).
pub fn fuel_for(input: &[u8]) -> u64 {
    let hash = fnv1a64(input);
    if hash.is_multiple_of(4) {
        (hash >> 8) % 64
    } else {
        FUEL
    }
}

/// The arguments the entry function gets: small numbers, so that loops bounded by them
/// end.
pub fn entry_args(module: &Module) -> Vec<u64> {
    let params = module
        .entry
        .and_then(|entry| module.functions.get(entry as usize))
        .map_or(0, |function| function.params);
    (0..params as usize).map(|i| [5, 3, 2, 7][i % 4]).collect()
}

/// The word slots (1 to 4) of each operand of `op`, with its kind.
fn operand_slots(op: Opcode) -> Vec<(OperandKind, usize)> {
    let mut slots = Vec::new();
    let mut word = 1;
    for &kind in op.operands() {
        for k in 0..kind.words() {
            slots.push((kind, word + k));
        }
        word += kind.words();
    }
    slots
}

/// The index of the function holding instruction `pc`.
fn function_of(module: &Module, pc: usize) -> Option<usize> {
    module
        .functions
        .iter()
        .position(|f| (f.entry as usize..(f.entry + f.len) as usize).contains(&pc))
}

/// A boundary value for an operand word of `kind` in function `f`.
fn operand_value(rng: &mut Rng, module: &Module, f: usize, kind: OperandKind) -> u32 {
    let function = &module.functions[f];
    let near = |rng: &mut Rng, n: u32| {
        let random = rng.below(u64::from(n) + 2) as u32;
        rng.pick(&[0, n.saturating_sub(1), n, n + 1, u32::MAX, random])
    };
    match kind {
        OperandKind::Dst | OperandKind::Src | OperandKind::RegRange => {
            let regs = function.regs;
            let random = rng.below(256) as u32;
            rng.pick(&[
                0,
                regs.saturating_sub(1),
                regs.min(255),
                (regs + 1).min(255),
                255,
                random,
            ])
        }
        OperandKind::Count => {
            let random = rng.small(12) as u32;
            rng.pick(&[0, 1, 2, function.params, random, 256])
        }
        OperandKind::Label => near(rng, function.len),
        OperandKind::Func => near(rng, module.functions.len() as u32),
        OperandKind::Import => near(rng, module.imports.len() as u32),
        OperandKind::Data => near(rng, module.data.len() as u32),
        OperandKind::Shader => near(rng, module.shaders.len() as u32),
        OperandKind::Imm32 | OperandKind::Imm64 | OperandKind::F64 | OperandKind::F32 => {
            if rng.one_in(2) {
                rng.pick(&INTERESTING_U32)
            } else {
                rng.next_u64() as u32
            }
        }
    }
}

/// Every function from `f` on moves by `delta` instructions (after an insert or a
/// delete in function `f - 1`), and line-table rows past the code are dropped.
fn shift_functions(module: &mut Module, from: usize, delta: i64) {
    for function in &mut module.functions[from..] {
        function.entry = (i64::from(function.entry) + delta) as u32;
    }
    let len = module.code.len() as u32;
    module.debug.lines.retain(|row| row.pc < len);
}

/// One structure-level mutation of `module`; `other` is a second module to take code
/// from. Returns false when the mutation did not apply.
fn mutate_module(rng: &mut Rng, module: &mut Module, other: &Module) -> bool {
    if module.code.is_empty() || module.functions.is_empty() {
        return false;
    }
    let pc = rng.index(module.code.len());
    let Some(f) = function_of(module, pc) else {
        return false;
    };
    let instr = module.code[pc];
    let mut words = instr.words();
    match rng.below(12) {
        // An operand word set to a boundary value for its kind.
        0..=2 => {
            let slots = operand_slots(instr.opcode());
            if slots.is_empty() {
                return false;
            }
            let (kind, slot) = rng.pick(&slots);
            words[slot] = operand_value(rng, module, f, kind);
        }
        // Two operand words swapped.
        3 => {
            let slots = operand_slots(instr.opcode());
            if slots.len() < 2 {
                return false;
            }
            let (_, a) = rng.pick(&slots);
            let (_, b) = rng.pick(&slots);
            words.swap(a, b);
        }
        // Another opcode of the same shape (same operand kinds), or any opcode.
        4 => {
            let same: Vec<Opcode> = Opcode::ALL
                .iter()
                .copied()
                .filter(|op| op.operands() == instr.opcode().operands())
                .collect();
            let op = if rng.one_in(3) || same.is_empty() {
                rng.pick(Opcode::ALL)
            } else {
                rng.pick(&same)
            };
            words[0] = op.word();
            let used = 1 + op.operands().iter().map(|k| k.words()).sum::<usize>();
            for word in &mut words[used..] {
                *word = 0;
            }
        }
        // An instruction duplicated in place.
        5 => {
            module.code.insert(pc, instr);
            module.functions[f].len += 1;
            shift_functions(module, f + 1, 1);
            return true;
        }
        // An instruction deleted.
        6 => {
            if module.functions[f].len < 2 {
                return false;
            }
            module.code.remove(pc);
            module.functions[f].len -= 1;
            shift_functions(module, f + 1, -1);
            return true;
        }
        // Two instructions of the function swapped.
        7 => {
            let function = &module.functions[f];
            let other_pc = function.entry as usize + rng.index(function.len as usize);
            module.code.swap(pc, other_pc);
            return true;
        }
        // An instruction of the other module put in place of this one.
        8 => {
            if other.code.is_empty() {
                return false;
            }
            module.code[pc] = other.code[rng.index(other.code.len())];
            return true;
        }
        // The function's code replaced by a function of the other module, with its
        // frame half of the time.
        9 => {
            let Some(donor) = other.functions.get(rng.index(other.functions.len())) else {
                return false;
            };
            let Some(code) = donor.try_code(other) else {
                return false;
            };
            let function = module.functions[f].clone();
            let range = function.entry as usize..(function.entry + function.len) as usize;
            module.code.splice(range, code.iter().copied());
            module.functions[f].len = donor.len;
            if rng.one_in(2) {
                module.functions[f].regs = donor.regs;
                module.functions[f].params = donor.params;
            }
            shift_functions(
                module,
                f + 1,
                i64::from(donor.len) - i64::from(function.len),
            );
            return true;
        }
        // A function's frame or parameters.
        10 => {
            let function = &mut module.functions[f];
            if rng.one_in(2) {
                let random = 1 + rng.below(256) as u32;
                let regs = rng.pick(&[
                    1,
                    function.params.max(1),
                    function.params + 1,
                    16,
                    255,
                    256,
                    random,
                ]);
                function.regs = regs.clamp(function.params.max(1), 256);
            } else {
                function.params = rng.below(u64::from(function.regs) + 1) as u32;
            }
            return true;
        }
        // The module's tables: entry, exports, imports, memory, data.
        _ => {
            match rng.below(5) {
                0 => {
                    module.entry = if rng.one_in(4) {
                        None
                    } else {
                        Some(rng.index(module.functions.len()) as u32)
                    };
                }
                1 if !module.exports.is_empty() => {
                    let e = rng.index(module.exports.len());
                    module.exports[e].func = rng.index(module.functions.len()) as u32;
                }
                2 if !module.imports.is_empty() => {
                    let i = rng.index(module.imports.len());
                    module.imports[i].params = rng.below(13) as u32;
                }
                3 => {
                    let data_end = module
                        .data
                        .last()
                        .map_or(0, |d| d.offset as usize + d.bytes.len())
                        as u32;
                    module.memory_size = rng.pick(&[
                        data_end,
                        data_end + 1,
                        data_end.max(16),
                        65536,
                        1 << 20,
                        (4 << 20) + 1,
                        u32::MAX,
                    ]);
                }
                _ => {
                    let Some(segment) = module.data.iter_mut().find(|d| !d.bytes.is_empty()) else {
                        return false;
                    };
                    let at = rng.index(segment.bytes.len());
                    segment.bytes[at] = rng.next_u64() as u8;
                }
            }
            return true;
        }
    }
    match Instruction::from_words(words) {
        Ok(changed) => {
            module.code[pc] = changed;
            true
        }
        Err(_) => false,
    }
}

impl Target for Verifier {
    type Input = Vec<u8>;

    fn name(&self) -> &'static str {
        "verifier"
    }

    fn extension(&self) -> &'static str {
        "bib"
    }

    fn seeds(&mut self) -> Result<Vec<Vec<u8>>, String> {
        Ok(crate::seeds::modules()?.iter().map(format::write).collect())
    }

    fn generate(&mut self, rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut input = corpus[rng.index(corpus.len())].clone();
        let other = &corpus[rng.index(corpus.len())];
        if !rng.one_in(3)
            && let Ok(mut module) = format::read(&input)
        {
            let donor = format::read(other).unwrap_or_else(|_| module.clone());
            let rounds = rng.small(4);
            let mut applied = 0;
            for _ in 0..rounds * 4 {
                applied += u64::from(mutate_module(rng, &mut module, &donor));
                if applied == rounds {
                    break;
                }
            }
            let bytes = format::write(&module);
            if bytes.len() <= MAX_INPUT {
                return bytes;
            }
        }
        mutate_bytes(rng, &mut input, other, MAX_INPUT);
        input
    }

    fn check(&mut self, input: &Vec<u8>, exec: &mut Exec) -> Result<(), String> {
        let Ok(module) = format::read(input) else {
            exec.tally("unreadable");
            exec.feature("unreadable");
            return Ok(());
        };
        let verified = match verify(module.clone()) {
            Err(VerifyError::Structure { section, kind }) => {
                return Err(format!(
                    "read accepted the module but verify reports a structural violation in \
                     section `{section}`: {kind}"
                ));
            }
            Err(error @ VerifyError::Instruction { .. }) => {
                exec.tally("rejected");
                if let VerifyError::Instruction { kind, mnemonic, .. } = &error {
                    exec.feature(&format!(
                        "rejected {} {mnemonic}",
                        variant(&format!("{kind:?}"))
                    ));
                }
                let _ = error.to_string();
                return Ok(());
            }
            Ok(verified) => verified,
        };
        exec.tally("verified");
        let fuel = fuel_for(input);
        let setups: Vec<Setup> = [
            ("interp", Tier::Interp),
            ("baseline", Tier::Baseline),
            ("opt", Tier::Opt),
            ("auto (threshold 0)", Tier::Auto),
        ]
        .into_iter()
        .map(|(name, tier)| Setup {
            name: format!("{name}, fuel {fuel}"),
            config: config(tier, fuel),
        })
        .collect();
        let reference = run_all(&verified, &entry_args(&verified), &setups)?;
        let observation = &reference.observation;
        match &observation.outcome {
            Outcome::Returned(_) => exec.tally("returned"),
            Outcome::Halted(_) => exec.tally("halted"),
            Outcome::Trapped(trap) => {
                exec.tally("trapped");
                exec.tally(trap.kind);
                let opcode = verified
                    .functions
                    .iter()
                    .find(|f| f.name == trap.function)
                    .and_then(|f| verified.code.get((f.entry + trap.pc) as usize))
                    .map_or("?", |instr| instr.opcode().mnemonic());
                exec.feature(&format!("trap {} {opcode}", trap.kind));
            }
            Outcome::Failed(why) => {
                exec.tally("not run");
                exec.feature(&format!("not run {}", why.split(':').next().unwrap_or("")));
            }
        }
        let fuel_used = observation.fuel.unwrap_or(0);
        exec.feature_value("fuel", u64::from(64 - fuel_used.leading_zeros()));
        Ok(())
    }

    fn encode(&self, input: &Vec<u8>) -> Vec<u8> {
        input.clone()
    }

    fn decode(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }
}
