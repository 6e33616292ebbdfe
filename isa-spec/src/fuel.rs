//! Straight-line runs, and how every tier charges fuel exactly with one check per run.
//!
//! The ISA's rule is simple: every instruction executed costs one unit of fuel, the
//! trapping one included, and an `out_of_fuel` trap stops before the instruction it
//! names. Counting one by one is slow, so every tier charges per *run* instead, by the
//! rules below, written once here for the interpreter and the native tiers alike:
//!
//! - A **leader** is a function's entry, a jump target, and every instruction after a
//!   branch, a `call`, or an instruction that ends a block. A **segment** runs from a
//!   leader up to (not including) the next leader.
//! - The **charge** of a leader is the length of its segment, plus the charge of the
//!   next leader when the segment falls through into it (its last instruction is not a
//!   branch, call or terminator: typically a loop header reached from above). So a
//!   charge is the number of instructions that run, if nothing traps, from that leader
//!   to the next transfer of control.
//! - **Every transfer pays for the run it enters**: the entry of a function (a call, or
//!   the host's call), a taken branch, a branch not taken (it enters the instruction
//!   after it), and a return (it enters the instruction after the `call`) each charge
//!   the leader they enter, before executing anything there. A fall-through into a
//!   leader charges nothing: the run before it already paid.
//! - When the fuel left is smaller than the charge, the run is not entered that way:
//!   the tier finishes **metered**, one unit per instruction, so that `out_of_fuel`
//!   lands on exactly the instruction the budget reaches. (Native code exits to the
//!   interpreter at the leader, uncharged, and the interpreter meters.)
//! - A trap at pc `p` gives back the **refund** of `p`: the instructions of its run
//!   that were charged but will not execute.
//! - An instruction whose work depends on its operands (range memory operations,
//!   `alloc`, tensor operations) also costs [`work_fuel`] of its work, which only the
//!   instruction's operands decide, checked and charged when it runs, before the work
//!   starts: the run's charge paid for its one unit. When the fuel left (counting the
//!   run's units not yet executed) cannot pay, it traps `out_of_fuel` without running.
//!   (The interpreter's fast loop, and native code, hand over to the metered loop at
//!   that instruction, uncharged, and the metered loop decides.)
//! - A **loop header** is the target of a backward branch (target <= the branch). The
//!   interpreter counts its back-edges per header, and native code can be entered there
//!   (on-stack replacement), uncharged, like any transfer.
//!
//! ```
//! use adead_isa::fuel::Runs;
//! use adead_isa::{Instruction, Opcode, OperandValue as V};
//! let code = [
//!     Instruction::from_operands(Opcode::Movi, &[V::Reg(0), V::Imm64(0)]).unwrap(),
//!     Instruction::from_operands(Opcode::Addi, &[V::Reg(0), V::Reg(0), V::Imm32(1)]).unwrap(),
//!     Instruction::from_operands(Opcode::Blt, &[V::Reg(0), V::Reg(1), V::Label(1)]).unwrap(),
//!     Instruction::from_operands(Opcode::Ret, &[V::Reg(0)]).unwrap(),
//! ];
//! let runs = Runs::of(&code);
//! assert_eq!(runs.charge(0), 3); // movi, then falls into the loop: addi, blt
//! assert_eq!(runs.charge(1), 2); // each iteration: addi, blt
//! assert_eq!(runs.charge(3), 1); // leaving the loop: ret
//! assert!(runs.is_loop_header(1));
//! assert_eq!(runs.refund(1), 1); // a trap at the addi did not run the blt
//! ```

use crate::instr::Instruction;
use crate::opcode::Opcode;
use crate::operand::OperandKind;

/// Units of work one unit of fuel pays for, beyond an instruction's own unit: bytes
/// for `mcopy`, `mfill` and `alloc`, elements or multiply-adds for tensor operations.
pub const WORK_PER_FUEL: u64 = 64;

/// The fuel an instruction costs for `work` units of work, beyond its own unit: one per
/// [`WORK_PER_FUEL`] units, rounded down (so small operations cost one unit in all).
///
/// ```
/// use adead_isa::fuel::work_fuel;
/// assert_eq!(work_fuel(63), 0);
/// assert_eq!(work_fuel(64), 1);
/// assert_eq!(work_fuel(1 << 20), 16_384); // an mfill of 1 MiB
/// ```
pub const fn work_fuel(work: u64) -> u64 {
    work / WORK_PER_FUEL
}

/// The runs of one function's code and the fuel each transfer charges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runs {
    /// Per pc, and one past the end (a leader charging 0). One vector, not one per
    /// property: every compiler computes the runs of every function it compiles, and
    /// for a small function the allocations cost more than the walk.
    at: Vec<RunsAt>,
}

/// What [`Runs`] knows of one pc.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RunsAt {
    /// Control can arrive other than from pc - 1.
    leader: bool,
    /// The target of a backward branch.
    loop_header: bool,
    /// The instruction ends its run (see [`ends_run`]).
    ends: bool,
    /// What a transfer into pc charges (meaningful at leaders).
    charge: u32,
    /// Charged-but-unrun instructions when the instruction at pc traps.
    refund: u32,
}

/// True if control leaves `op` other than by falling through to the next instruction
/// alone: a branch (taken or not, it is a transfer), a call, or a terminator.
pub fn ends_run(op: Opcode) -> bool {
    op.is_branch() || op == Opcode::Call || op.flags().ends_block
}

/// The jump target of a branch instruction.
pub fn branch_target(instr: &Instruction) -> Option<u32> {
    // The label's word, found from the operand kinds alone (every compiler asks this of
    // every instruction; decoding each operand's value to find it cost them more).
    let mut word = 0;
    for &kind in instr.opcode().operands() {
        if kind == OperandKind::Label {
            return Some(instr.word(word));
        }
        word += kind.words();
    }
    None
}

impl Runs {
    /// The runs of a function's code (verified: targets lie inside it).
    pub fn of(code: &[Instruction]) -> Runs {
        let len = code.len();
        let mut at = vec![RunsAt::default(); len + 1];
        at[0].leader = true;
        at[len].leader = true;
        for (pc, instr) in code.iter().enumerate() {
            let target = branch_target(instr);
            if let Some(target) = target {
                at[target as usize].leader = true;
                if target as usize <= pc {
                    at[target as usize].loop_header = true;
                }
            }
            // `ends_run`, with the branch test answered by the target just found.
            let op = instr.opcode();
            if target.is_some() || op == Opcode::Call || op.flags().ends_block {
                at[pc].ends = true;
                at[pc + 1].leader = true;
            }
        }
        // Walk backwards: `run` counts the instructions after pc up to the end of its
        // segment, plus the next leader's charge when this segment falls through.
        let mut run = 0u32;
        for pc in (0..len).rev() {
            if at[pc + 1].leader {
                run = if at[pc].ends { 0 } else { at[pc + 1].charge };
            }
            at[pc].refund = run;
            run += 1;
            at[pc].charge = run;
        }
        Runs { at }
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.at.len() - 1
    }

    /// True for a function without code (a verified one always has some).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if control can arrive at `pc` other than from `pc - 1` (one past the end
    /// counts as a leader).
    pub fn is_leader(&self, pc: usize) -> bool {
        self.at[pc].leader
    }

    /// The fuel a transfer into `pc` charges (meaningful at leaders; 0 one past the end).
    pub fn charge(&self, pc: usize) -> u32 {
        self.at[pc].charge
    }

    /// The fuel given back when the instruction at `pc` traps.
    pub fn refund(&self, pc: usize) -> u32 {
        assert!(pc < self.len(), "refund of pc {pc} past the end");
        self.at[pc].refund
    }

    /// True if `pc` is the target of a backward branch.
    pub fn is_loop_header(&self, pc: usize) -> bool {
        assert!(pc < self.len(), "loop header query of pc {pc} past the end");
        self.at[pc].loop_header
    }

    /// The loop headers, in increasing pc order.
    pub fn loop_headers(&self) -> impl Iterator<Item = u32> + '_ {
        self.at
            .iter()
            .enumerate()
            .filter(|(_, at)| at.loop_header)
            .map(|(pc, _)| pc as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OperandValue as V;

    fn instr(op: Opcode, values: &[V]) -> Instruction {
        Instruction::from_operands(op, values).unwrap()
    }

    #[test]
    fn a_loop_charges_its_body_per_iteration_and_refunds_exactly() {
        // 0 movi r0, 0 | 1 addi r0, r0, 1 (loop header) | 2 blt r0, r1, 1 | 3 ret r0
        let code = [
            instr(Opcode::Movi, &[V::Reg(0), V::Imm64(0)]),
            instr(Opcode::Addi, &[V::Reg(0), V::Reg(0), V::Imm32(1)]),
            instr(Opcode::Blt, &[V::Reg(0), V::Reg(1), V::Label(1)]),
            instr(Opcode::Ret, &[V::Reg(0)]),
        ];
        let runs = Runs::of(&code);
        assert_eq!(runs.charge(0), 3);
        assert_eq!(runs.charge(1), 2);
        assert_eq!(runs.charge(3), 1);
        assert_eq!(
            (0..runs.len())
                .map(|pc| runs.refund(pc))
                .collect::<Vec<_>>(),
            vec![2, 1, 0, 0]
        );
        assert_eq!(runs.loop_headers().collect::<Vec<_>>(), vec![1]);
        assert!(runs.is_leader(4) && !runs.is_leader(2));
    }

    #[test]
    fn calls_end_a_run_and_the_return_charges_the_rest() {
        let code = [
            instr(
                Opcode::Call,
                &[V::Reg(0), V::Func(0), V::Reg(0), V::Count(0)],
            ),
            instr(Opcode::Addi, &[V::Reg(0), V::Reg(0), V::Imm32(1)]),
            instr(Opcode::Ret, &[V::Reg(0)]),
        ];
        let runs = Runs::of(&code);
        assert_eq!(runs.charge(0), 1);
        assert_eq!(runs.charge(1), 2);
        assert_eq!(
            (0..runs.len())
                .map(|pc| runs.refund(pc))
                .collect::<Vec<_>>(),
            vec![0, 1, 0]
        );
        assert_eq!(runs.loop_headers().count(), 0);
    }

    #[test]
    fn a_forward_branch_target_is_a_leader_but_not_a_loop_header() {
        // 0 jz r0, 2 | 1 nop | 2 ret r0
        let code = [
            instr(Opcode::Jz, &[V::Reg(0), V::Label(2)]),
            instr(Opcode::Nop, &[]),
            instr(Opcode::Ret, &[V::Reg(0)]),
        ];
        let runs = Runs::of(&code);
        assert!(runs.is_leader(2) && !runs.is_loop_header(2));
        // Not taken: nop, then falls into 2: nop + ret.
        assert_eq!(runs.charge(1), 2);
        assert_eq!(runs.charge(2), 1);
    }
}
