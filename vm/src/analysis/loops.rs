//! Loops from the code's backward branches, with what they executed.

use adead_isa::Instruction;
use adead_isa::fuel::branch_target;

/// A loop of one function: its header, the last backward branch to it, and its counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Loop {
    /// The target of the backward branches, within the function.
    pub header: u32,
    /// The last backward branch to it.
    pub end: u32,
    /// Times the header ran.
    pub iterations: u64,
    /// Executions of the instructions from the header to the end.
    pub instructions: u64,
}

/// The loops of a function's `code` whose instructions executed `counts` times: one
/// per header that a branch at or after it targets (the ISA's loops are the targets of
/// backward branches, as for the tiers' loop entries).
pub(crate) fn loops_of(code: &[Instruction], counts: &[u64]) -> Vec<Loop> {
    let mut ends: Vec<(u32, u32)> = Vec::new();
    for (pc, instr) in code.iter().enumerate() {
        if let Some(target) = branch_target(instr).filter(|&t| t as usize <= pc) {
            match ends.iter_mut().find(|(header, _)| *header == target) {
                Some((_, end)) => *end = (*end).max(pc as u32),
                None => ends.push((target, pc as u32)),
            }
        }
    }
    ends.sort_unstable();
    ends.into_iter()
        .map(|(header, end)| Loop {
            header,
            end,
            iterations: counts[header as usize],
            instructions: counts[header as usize..=end as usize].iter().sum(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_loops_each_span_their_header_to_their_last_back_edge() {
        let module = adead_asm::assemble(
            ".func main params=0 regs=3
                movi r0, 0
            outer:
                movi r1, 0
            inner:
                addi r1, r1, 1
                blt r1, r2, inner
                addi r0, r0, 1
                blt r0, r2, outer
                jmp done
            done:
                ret r0
            .end",
            "loops.asm",
        )
        .unwrap();
        let counts = [1, 2, 6, 6, 2, 2, 1, 1];
        let loops = loops_of(&module.code, &counts);
        assert_eq!(
            loops,
            [
                Loop {
                    header: 1,
                    end: 5,
                    iterations: 2,
                    instructions: 2 + 6 + 6 + 2 + 2
                },
                Loop {
                    header: 2,
                    end: 3,
                    iterations: 6,
                    instructions: 12
                },
            ]
        );
    }
}
