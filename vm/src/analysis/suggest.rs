//! Suggestions computed from what a run executed, each pointing at an instruction.
//! Every kind has a test program that triggers it and one that does not
//! (`vm/tests/analyze/`).

use std::collections::{BTreeMap, HashMap};

use adead_isa::{Family, Instruction, Opcode};
use serde::{Deserialize, Serialize};

use super::build::Facts;
use super::{RunOutcome, Suggestion};
use crate::TensorOpProfile;

/// Executions from which an instruction inside a loop counts as hot.
pub const HOT_EXECUTIONS: u64 = 100;

/// How far after a `matmul` (and after its `tadd`) the fusable op is looked for.
const FUSION_WINDOW: u32 = 8;

/// What a suggestion is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// `matmul`, a bias `tadd` and `relu` that `linear.relu` does in one op.
    UseLinearRelu,
    /// `matmul` and a bias `tadd` that `linear` does in one op.
    UseLinear,
    /// `tnew` inside a hot loop.
    TnewInHotLoop,
    /// Tensors a `tnew` made that were never freed.
    TensorNeverFreed,
    /// `hcall` inside a hot loop.
    HcallInHotLoop,
    /// The run ran out of fuel inside a loop.
    LoopOutOfFuel,
    /// f32 values widened to f64, computed on and narrowed back.
    F64OnF32Data,
}

impl SuggestionKind {
    /// The name used in the JSON form and the reports.
    pub const fn id(self) -> &'static str {
        match self {
            SuggestionKind::UseLinearRelu => "use_linear_relu",
            SuggestionKind::UseLinear => "use_linear",
            SuggestionKind::TnewInHotLoop => "tnew_in_hot_loop",
            SuggestionKind::TensorNeverFreed => "tensor_never_freed",
            SuggestionKind::HcallInHotLoop => "hcall_in_hot_loop",
            SuggestionKind::LoopOutOfFuel => "loop_out_of_fuel",
            SuggestionKind::F64OnF32Data => "f64_on_f32_data",
        }
    }
}

pub(crate) fn suggestions(all: &Facts<'_>) -> Vec<Suggestion> {
    let mut found = Vec::new();
    let recorded: HashMap<u32, &TensorOpProfile> = all
        .profile
        .tensors
        .ops
        .iter()
        .flatten()
        .map(|op| (op.pc, op))
        .collect();
    for (func, function) in all.isa.functions.iter().enumerate() {
        let func = func as u32;
        let code = function.code(all.isa);
        let counts = &all.counts[function.entry as usize..][..code.len()];
        let name = function.name.clone();
        let mut say = |kind, pc: u32, message: String| {
            found.push(Suggestion {
                kind,
                function: name.clone(),
                pc,
                message,
            });
        };
        for (pc, instr) in code.iter().enumerate() {
            let pc = pc as u32;
            let runs = counts[pc as usize];
            if runs == 0 {
                continue;
            }
            match instr.opcode() {
                Opcode::Matmul => {
                    let at = |pc: u32| recorded.get(&(function.entry + pc)).copied();
                    if let Some((kind, message)) = fusion(code, pc, at) {
                        say(kind, pc, message);
                    }
                }
                Opcode::TensorNew | Opcode::Hcall if runs >= HOT_EXECUTIONS => {
                    let Some(around) = all.loop_around(func, pc) else {
                        continue;
                    };
                    let (kind, advice) = if instr.opcode() == Opcode::TensorNew {
                        (
                            SuggestionKind::TnewInHotLoop,
                            "make the tensor once before the loop and reuse it: every op \
                             writes its result into an existing tensor",
                        )
                    } else {
                        (
                            SuggestionKind::HcallInHotLoop,
                            "each host call leaves native code for the host: call once per \
                             batch of work, or move the call out of the loop",
                        )
                    };
                    say(
                        kind,
                        pc,
                        format!(
                            "`{}` runs {runs} times in the loop at instruction {}: {advice}",
                            instr.opcode().mnemonic(),
                            around.header
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some((pc, message)) = widened_f32(code, counts) {
            say(SuggestionKind::F64OnF32Data, pc, message);
        }
    }
    found.extend(never_freed(all));
    found.extend(out_of_fuel(all));
    found.sort_by_key(|s| s.kind);
    found
}

/// True when `instr` writes register `r` as a value (a `Dst` operand); tensor ops
/// write the tensor behind their first register, not the register.
fn overwrites(instr: &Instruction, r: u8) -> bool {
    instr
        .opcode()
        .operands()
        .iter()
        .enumerate()
        .any(|(i, kind)| *kind == adead_isa::OperandKind::Dst && instr.reg(i) == r)
}

/// The op after `matmul` at `pc` that reads its result: the first instruction in the
/// window whose operand 1 is `out`, unless the register is overwritten before.
fn reader(code: &[Instruction], from: u32, out: u8, op: Opcode) -> Option<u32> {
    let last = (from + FUSION_WINDOW).min(code.len() as u32 - 1);
    for pc in from + 1..=last {
        let instr = &code[pc as usize];
        if instr.opcode() == op && instr.reg(1) == out {
            return Some(pc);
        }
        if overwrites(instr, out) || instr.opcode().flags().ends_block {
            return None;
        }
    }
    None
}

/// `matmul rT, rX, rW` then `tadd rU, rT, rB` with `rB` one row, then perhaps
/// `relu rV, rU`: the fused op that computes the same bits in one pass.
fn fusion<'r>(
    code: &[Instruction],
    pc: u32,
    recorded: impl Fn(u32) -> Option<&'r TensorOpProfile>,
) -> Option<(SuggestionKind, String)> {
    let matmul = &code[pc as usize];
    let add_pc = reader(code, pc, matmul.reg(0), Opcode::TensorAdd)?;
    let add = &code[add_pc as usize];
    // The bias must be one row of the product's width (what `linear` broadcasts).
    let product = recorded(pc)?;
    let width = *product.output.as_ref()?.last()?;
    let bias = recorded(add_pc)?.inputs.get(1)?;
    let one_row = bias.iter().rev().skip(1).all(|&d| d == 1) && bias.last() == Some(&width);
    if product.inputs.iter().any(|s| s.len() != 2) || !one_row {
        return None;
    }
    let operands = format!("r{}, r{}, r{}", matmul.reg(1), matmul.reg(2), add.reg(2));
    Some(match reader(code, add_pc, add.reg(0), Opcode::Relu) {
        Some(relu_pc) => {
            let relu = &code[relu_pc as usize];
            (
                SuggestionKind::UseLinearRelu,
                format!(
                    "`matmul` here, the bias `tadd` at {add_pc} and `relu` at {relu_pc} are \
                     `linear.relu r{}, {operands}`: the same bits in one pass over the output \
                     instead of three",
                    relu.reg(0)
                ),
            )
        }
        None => (
            SuggestionKind::UseLinear,
            format!(
                "`matmul` here and the bias `tadd` at {add_pc} are `linear r{}, {operands}`: \
                 the same bits in one pass over the output instead of two",
                add.reg(0)
            ),
        ),
    })
}

/// A function that widens f32 values (`fpromote`), computes in f64 and narrows the
/// results (`fdemote`): the first `fpromote` that ran, and the message.
fn widened_f32(code: &[Instruction], counts: &[u64]) -> Option<(u32, String)> {
    let (mut promoted, mut demoted, mut f64_ops) = (0u64, 0u64, 0u64);
    let mut first = None;
    for (pc, (instr, &n)) in code.iter().zip(counts).enumerate() {
        match instr.opcode() {
            Opcode::Fpromote => {
                promoted += n;
                if n > 0 && first.is_none() {
                    first = Some(pc as u32);
                }
            }
            Opcode::Fdemote => demoted += n,
            op if op.family() == Family::Float64 => f64_ops += n,
            _ => {}
        }
    }
    if demoted == 0 || f64_ops == 0 {
        return None;
    }
    Some((
        first?,
        format!(
            "f32 data is widened to f64 ({promoted} `fpromote`), computed on in f64 ({f64_ops} \
             instructions) and narrowed back ({demoted} `fdemote`): if f32 precision is \
             enough, the f32 ops (`fadd.f32`, `fmul.f32`, `ffma.f32`, ...) skip the \
             conversions (their results round differently)"
        ),
    ))
}

/// One suggestion per `tnew` whose tensors are still live at the end (the returned
/// tensor excepted).
fn never_freed(all: &Facts<'_>) -> Vec<Suggestion> {
    let mut per_site: BTreeMap<u32, (u64, Vec<usize>)> = BTreeMap::new();
    for tensor in &all.profile.tensors.live {
        if Some(tensor.handle) == all.facts.returned_handle {
            continue;
        }
        if let Some(pc) = tensor.made_at {
            let site = per_site.entry(pc).or_insert((0, tensor.shape.clone()));
            site.0 += 1;
        }
    }
    per_site
        .into_iter()
        .map(|(global, (count, shape))| {
            let (func, pc) = all.locate(global);
            let what = if count == 1 {
                format!("the tensor it made ({shape:?}) is")
            } else {
                format!("{count} tensors it made (the first {shape:?}) are")
            };
            Suggestion {
                kind: SuggestionKind::TensorNeverFreed,
                function: all.function_name(func).to_string(),
                pc,
                message: format!(
                    "{what} still live when the run ends: `tfree` each when done, or they \
                     hold their bytes against --max-tensor-bytes"
                ),
            }
        })
        .collect()
}

/// The loop the run ran out of fuel in, if it did in one.
fn out_of_fuel(all: &Facts<'_>) -> Option<Suggestion> {
    let RunOutcome::Trapped {
        trap, function, pc, ..
    } = &all.facts.outcome
    else {
        return None;
    };
    if trap != "out_of_fuel" {
        return None;
    }
    let func = all.isa.functions.iter().position(|f| &f.name == function)? as u32;
    let around = all.loop_around(func, *pc)?;
    Some(Suggestion {
        kind: SuggestionKind::LoopOutOfFuel,
        function: function.clone(),
        pc: *pc,
        message: format!(
            "the fuel ran out inside the loop at instruction {} after {} iterations: the \
             budget (--fuel) is too small for it, or its exit condition never holds",
            around.header, around.iterations
        ),
    })
}
