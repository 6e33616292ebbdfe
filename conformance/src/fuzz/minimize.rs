//! Shrinking a diverging program to the few instructions that still make a tier
//! differ, so that a report shows the bug rather than the noise around it.
//!
//! Greedy and simple: every instruction but each function's last becomes a `nop`
//! while the program still diverges (which keeps every label and register valid), then
//! the `nop`s are deleted with the jump targets renumbered. Each step re-runs the whole
//! check, so shrinking a program takes a few hundred checks.

use adead_isa::{Instruction, Module, Opcode, OperandValue};

use super::exec::{Divergence, check_program};
use super::program::{Intent, Program};

/// The smallest variant of `program` found that still diverges, with its divergence;
/// `None` if `program` itself does not diverge.
pub fn minimize(program: &Program) -> Option<(Program, Divergence)> {
    shrink(program, diverges)
}

/// The smallest variant of `program` found for which `keep` still finds something,
/// with what it found.
fn shrink<T>(
    program: &Program,
    mut keep: impl FnMut(&Program) -> Option<T>,
) -> Option<(Program, T)> {
    let mut best = program.clone();
    // The variants are no longer what the generator promised.
    best.intent = Intent::Unknown;
    let mut divergence = keep(&best)?;
    let nop = Instruction::from_operands(Opcode::Nop, &[]).ok()?;
    // Later instructions first: removing the end of a program first leaves fewer
    // instructions for each later check to run.
    for function in (0..best.module.functions.len()).rev() {
        let (entry, len) = {
            let f = &best.module.functions[function];
            (f.entry as usize, f.len as usize)
        };
        for pc in (entry..entry + len - 1).rev() {
            if best.module.code[pc].opcode() == Opcode::Nop {
                continue;
            }
            let mut candidate = best.clone();
            candidate.module.code[pc] = nop;
            if let Some(found) = keep(&candidate) {
                best = candidate;
                divergence = found;
            }
        }
    }
    // Each compaction on its own: dropping the functions no call names any more can
    // lose what `keep` looks for (it may lie in one), deleting nops alone cannot.
    for compaction in [without_nops, without_uncalled] {
        let mut compact = best.clone();
        compact.module = compaction(&best.module);
        if let Some(found) = keep(&compact) {
            best = compact;
            divergence = found;
        }
    }
    Some((best, divergence))
}

/// `module` without the functions no `call` names (but the entry), function indices
/// renumbered.
fn without_uncalled(module: &Module) -> Module {
    let entry = module.entry.unwrap_or(0) as usize;
    let mut called = vec![false; module.functions.len()];
    called[entry] = true;
    for instr in &module.code {
        for (_, value) in instr.operands() {
            if let OperandValue::Func(func) = value {
                called[func as usize] = true;
            }
        }
    }
    let mut new_index = vec![0u32; called.len()];
    let mut next = 0;
    for (old, &kept) in called.iter().enumerate() {
        new_index[old] = next;
        next += u32::from(kept);
    }
    let mut out = module.clone();
    out.code.clear();
    out.functions.clear();
    out.exports.clear();
    out.entry = Some(new_index[entry]);
    for (index, function) in module.functions.iter().enumerate() {
        if !called[index] {
            continue;
        }
        let start = out.code.len() as u32;
        for instr in function.code(module) {
            let values: Vec<OperandValue> = instr
                .operands()
                .map(|(_, value)| match value {
                    OperandValue::Func(func) => OperandValue::Func(new_index[func as usize]),
                    other => other,
                })
                .collect();
            out.code
                .push(Instruction::from_operands(instr.opcode(), &values).unwrap_or(*instr));
        }
        out.functions.push(adead_isa::Function {
            entry: start,
            ..function.clone()
        });
    }
    out
}

fn diverges(program: &Program) -> Option<Divergence> {
    let verdict = check_program(program, None);
    if verdict.skipped.is_some() {
        return None;
    }
    verdict.divergence
}

/// `module` without its `nop`s (but a function's last instruction), jump targets
/// renumbered: a target that was a deleted `nop` becomes the next instruction kept.
fn without_nops(module: &Module) -> Module {
    let mut out = module.clone();
    out.code.clear();
    out.debug = Default::default();
    for (index, function) in module.functions.iter().enumerate() {
        let code = function.code(module);
        let last = code.len() - 1;
        let keep: Vec<bool> = code
            .iter()
            .enumerate()
            .map(|(pc, i)| pc == last || i.opcode() != Opcode::Nop)
            .collect();
        // new_index[pc]: the index the first kept instruction at or after pc gets.
        let mut new_index = vec![0u32; code.len()];
        let mut next = keep.iter().filter(|&&k| k).count() as u32;
        for pc in (0..code.len()).rev() {
            if keep[pc] {
                next -= 1;
            }
            new_index[pc] = next;
        }
        let entry = out.code.len() as u32;
        for (pc, instr) in code.iter().enumerate() {
            if !keep[pc] {
                continue;
            }
            let values: Vec<OperandValue> = instr
                .operands()
                .map(|(_, value)| match value {
                    OperandValue::Label(target) => OperandValue::Label(new_index[target as usize]),
                    other => other,
                })
                .collect();
            let renumbered = Instruction::from_operands(instr.opcode(), &values).unwrap_or(*instr);
            out.code.push(renumbered);
        }
        let f = &mut out.functions[index];
        f.entry = entry;
        f.len = out.code.len() as u32 - entry;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_keeps_only_what_the_predicate_needs() {
        let has_fdiv = |p: &Program| {
            p.module
                .code
                .iter()
                .any(|i| i.opcode() == Opcode::Fdiv)
                .then_some(())
        };
        // A program whose `main` has one, so that every other function can go.
        let main_has_fdiv = |p: &Program| {
            let main = &p.module.functions[p.module.entry.unwrap_or(0) as usize];
            main.code(&p.module)
                .iter()
                .any(|i| i.opcode() == Opcode::Fdiv)
        };
        let Some(program) = (0..).map(Program::generate).find(main_has_fdiv) else {
            unreachable!("the seeds never end")
        };
        let Some((small, ())) = shrink(&program, has_fdiv) else {
            panic!("the program has an fdiv")
        };
        assert!(adead_isa::verify(small.module.clone()).is_ok());
        // Each function keeps its last instruction; of the rest, one fdiv.
        let rest: Vec<Opcode> = small
            .module
            .functions
            .iter()
            .flat_map(|f| {
                let code = f.code(&small.module);
                code[..code.len() - 1].iter().map(|i| i.opcode())
            })
            .collect();
        assert_eq!(rest, [Opcode::Fdiv]);
        // Only functions still called remain (here: `main` alone, as nothing calls).
        assert_eq!(small.module.functions.len(), 1);
    }

    #[test]
    fn deleting_nops_renumbers_jump_targets() {
        use OperandValue as V;
        let i = |op, values: &[V]| Instruction::from_operands(op, values).unwrap();
        let mut module = Module::new();
        module.code = vec![
            i(Opcode::Nop, &[]),
            i(Opcode::Movi, &[V::Reg(0), V::Imm64(3)]),
            i(Opcode::Nop, &[]),
            i(Opcode::Jnz, &[V::Reg(0), V::Label(2)]),
            i(Opcode::Jz, &[V::Reg(0), V::Label(0)]),
            i(Opcode::Ret, &[V::Reg(0)]),
        ];
        module.functions.push(adead_isa::Function {
            name: "main".into(),
            entry: 0,
            len: 6,
            regs: 1,
            params: 0,
        });
        let out = without_nops(&module);
        assert_eq!(
            out.code,
            vec![
                i(Opcode::Movi, &[V::Reg(0), V::Imm64(3)]),
                i(Opcode::Jnz, &[V::Reg(0), V::Label(1)]),
                i(Opcode::Jz, &[V::Reg(0), V::Label(0)]),
                i(Opcode::Ret, &[V::Reg(0)]),
            ]
        );
        assert_eq!(out.functions[0].len, 4);
        assert!(adead_isa::verify(out).is_ok());
    }
}
