//! When native code replaces a NaN by the canonical NaN.
//!
//! The ISA says every NaN an arithmetic float operation produces is the canonical NaN
//! (`semantics::canon_f64`, `canon_f32`). The interpreter canonicalises after every
//! operation; doing the same in native code costs a compare and a select per
//! operation, more than the operation itself. But a NaN's bits matter only where they
//! are *observed*: read as an integer (a store, an integer instruction, a call argument
//! or a returned value), flipped or copied bit by bit (`fneg`, `fabs`, `fcopysign`), or
//! written to memory or to the register frame. Another arithmetic operation, a compare
//! or a conversion gives the same result for any NaN. So native code canonicalises an
//! arithmetic result only where it is observed, and then only if it may be a NaN whose
//! bits were never fixed.
//!
//! Each register at each point is in one of four states, found by a forward data flow
//! over the runs:
//! - [`Nan::Settled`]: not a NaN, or the canonical one (constants, conversions from
//!   integers, `fpromote`/`fdemote`, which canonicalise);
//! - [`Nan::Kept`]: possibly a NaN whose bits must be kept as they are (loaded from
//!   memory, an immediate, a parameter, an integer result, a call's result);
//! - [`Nan::Pending`]: possibly a NaN from arithmetic, not yet canonical;
//! - [`Nan::Either`]: `Kept` on one path here and `Pending` on another. Native code
//!   then carries a flag beside the register, set where a pending value is written,
//!   and an observation canonicalises only when the flag is set.
//!
//! A register kept as a 64-bit integer exposes a float's bits as soon as it is written,
//! so a pending value is canonicalised on its way in.

use adead_isa::fuel::branch_target;
use adead_isa::{Instruction, Opcode};

use crate::analysis::{FunctionFacts, Repr, segment_end};

/// What a register may hold, for NaN canonicalisation (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nan {
    Settled,
    Kept,
    Pending,
    Either,
}

/// The state of a value that is one of two (a merge of paths, a select).
pub(crate) fn join(a: Nan, b: Nan) -> Nan {
    a.join(b)
}

impl Nan {
    fn join(self, other: Nan) -> Nan {
        use Nan::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Settled, x) | (x, Settled) => x,
            _ => Either,
        }
    }

    /// The state of a value after an observation made its bits final.
    pub(crate) fn observed(self) -> Nan {
        match self {
            Nan::Settled | Nan::Pending => Nan::Settled,
            Nan::Kept | Nan::Either => Nan::Kept,
        }
    }
}

/// True for the float operations whose NaN results the ISA canonicalises.
pub(crate) fn arithmetic(op: Opcode) -> bool {
    use Opcode as O;
    matches!(
        op,
        O::Fadd
            | O::Fsub
            | O::Fmul
            | O::Fdiv
            | O::Fmin
            | O::Fmax
            | O::Fsqrt
            | O::Ffloor
            | O::Fceil
            | O::Ftrunc
            | O::Fnearest
            | O::Ffma
            | O::FaddF32
            | O::FsubF32
            | O::FmulF32
            | O::FdivF32
            | O::FminF32
            | O::FmaxF32
            | O::FsqrtF32
            | O::FfloorF32
            | O::FceilF32
            | O::FtruncF32
            | O::FnearestF32
            | O::FfmaF32
    )
}

/// True if `bits` is a NaN as an f64 or, in its low half, as an f32: an immediate the
/// program may mean bit for bit.
fn nan_pattern(bits: u64) -> bool {
    f64::from_bits(bits).is_nan() || f32::from_bits(bits as u32).is_nan()
}

/// The state of the value `instr` writes, before the destination's representation is
/// considered.
pub(crate) fn result(instr: &Instruction, state: &[Nan]) -> Nan {
    use Opcode as O;
    let op = instr.opcode();
    let of = |i: usize| state[usize::from(instr.reg(i))];
    match op {
        _ if arithmetic(op) => Nan::Pending,
        O::Fpromote | O::Fdemote | O::I2f | O::U2f | O::I2fF32 | O::U2fF32 => Nan::Settled,
        // Bit operations observe their source (canonicalised if pending), but their
        // result is not canonical even then: the canonical NaN negated is another NaN,
        // whose bits are now the program's.
        O::Fneg | O::Fabs | O::FnegF32 | O::FabsF32 | O::Fcopysign | O::FcopysignF32 => Nan::Kept,
        O::Movi | O::Fmovi if nan_pattern(instr.wide(1)) => Nan::Kept,
        O::FmoviF32 if nan_pattern(u64::from(instr.word(1))) => Nan::Kept,
        O::Movi | O::Fmovi | O::FmoviF32 => Nan::Settled,
        O::Mov => of(1),
        O::Select => of(2).join(of(3)),
        // Everything else that writes a register writes bits: loads, integer
        // results, calls, host calls, tensor reads.
        _ => Nan::Kept,
    }
}

/// Updates `state` past `instr`: a register kept as an integer receives its value
/// observed.
pub(crate) fn step(instr: &Instruction, state: &mut [Nan], repr: &[Repr]) {
    let value = result(instr, state);
    for access in instr.registers().filter(|a| a.write) {
        let reg = usize::from(access.reg);
        state[reg] = if repr[reg] == Repr::I64 {
            value.observed()
        } else {
            value
        };
    }
}

/// The states of one function entered at one place.
pub(crate) struct NanPlan {
    /// Per reachable leader: the state of every register on entry.
    in_state: Vec<Option<Vec<Nan>>>,
    /// Per register: `Either` somewhere, so native code carries its flag.
    pub flagged: Vec<bool>,
}

impl NanPlan {
    /// The plan for `code` entered at leader `start` with `entry` states.
    pub(crate) fn new(
        code: &[Instruction],
        facts: &FunctionFacts,
        start: usize,
        entry: Vec<Nan>,
    ) -> NanPlan {
        let in_state = flow(code, facts, start, entry);
        let mut flagged = vec![false; facts.repr.len()];
        for (leader, states) in in_state.iter().enumerate() {
            let Some(states) = states else {
                continue;
            };
            let mut state = states.clone();
            for instr in &code[leader..=segment_end(&facts.runs, leader)] {
                for (reg, &s) in state.iter().enumerate() {
                    flagged[reg] |= s == Nan::Either;
                }
                step(instr, &mut state, &facts.repr);
            }
            for (reg, &s) in state.iter().enumerate() {
                flagged[reg] |= s == Nan::Either;
            }
        }
        NanPlan { in_state, flagged }
    }

    /// The states on entry to leader `pc`, if it is reachable from the plan's start.
    pub(crate) fn get(&self, pc: usize) -> Option<&[Nan]> {
        self.in_state.get(pc)?.as_deref()
    }

    /// The states on entry to leader `pc` (reachable from the plan's start).
    pub(crate) fn at(&self, pc: usize) -> &[Nan] {
        self.get(pc).expect("a leader reachable from the entry")
    }
}

/// The states of a call's frame at the start: parameters keep their bits, the rest are
/// zero.
pub(crate) fn start_states(regs: u32, params: u32) -> Vec<Nan> {
    (0..regs)
        .map(|r| if r < params { Nan::Kept } else { Nan::Settled })
        .collect()
}

/// The states at loop header `header` when native code takes over from the
/// interpreter, which canonicalises every arithmetic result at once: a register the
/// start plan cannot have left with kept bits there holds none.
pub(crate) fn loop_entry_states(start: &NanPlan, header: usize, regs: u32) -> Vec<Nan> {
    match start.get(header) {
        Some(states) => states
            .iter()
            .map(|&s| match s {
                Nan::Kept | Nan::Either => Nan::Kept,
                Nan::Settled | Nan::Pending => Nan::Settled,
            })
            .collect(),
        None => vec![Nan::Kept; regs as usize],
    }
}

/// Forward flow to a fixed point: the join of the states every predecessor leaves.
fn flow(
    code: &[Instruction],
    facts: &FunctionFacts,
    start: usize,
    entry: Vec<Nan>,
) -> Vec<Option<Vec<Nan>>> {
    let mut in_state: Vec<Option<Vec<Nan>>> = vec![None; code.len()];
    in_state[start] = Some(entry);
    let mut work = vec![start];
    while let Some(leader) = work.pop() {
        let mut state = in_state[leader].clone().expect("queued with a state");
        let last = segment_end(&facts.runs, leader);
        for instr in &code[leader..=last] {
            step(instr, &mut state, &facts.repr);
        }
        let instr = &code[last];
        let mut successors = Vec::with_capacity(2);
        if let Some(target) = branch_target(instr) {
            successors.push(target as usize);
        }
        if !instr.opcode().flags().ends_block && last + 1 < code.len() {
            successors.push(last + 1);
        }
        for next in successors {
            // A register dead at `next` is written before anything observes it: its
            // state there does not matter (settled keeps the join simple).
            let live = facts.live_at(next);
            let arriving = state.iter().enumerate().map(|(reg, &s)| {
                if live.contains(reg as u8) {
                    s
                } else {
                    Nan::Settled
                }
            });
            let merged: Vec<Nan> = match &in_state[next] {
                None => arriving.collect(),
                Some(old) => old.iter().zip(arriving).map(|(a, b)| a.join(b)).collect(),
            };
            if in_state[next].as_ref() != Some(&merged) {
                in_state[next] = Some(merged);
                work.push(next);
            }
        }
    }
    in_state
}

#[cfg(test)]
mod tests {
    use super::*;
    use adead_isa::OperandValue as V;

    fn instr(op: Opcode, values: &[V]) -> Instruction {
        Instruction::from_operands(op, values).unwrap()
    }

    #[test]
    fn arithmetic_stays_pending_and_a_merge_with_kept_bits_is_either() {
        // 0 fmovi r1, 0.0 | 1 fld64 r2, r0, 0 (kept) | 2 fadd r1, r1, r1 (header, pending)
        // 3 fadd r2, r2, r1 | 4 blt r0, r0, 2 | 5 fst64 r0, 0, r2 | 6 ret r0
        let code = vec![
            instr(Opcode::Fmovi, &[V::Reg(1), V::F64(0)]),
            instr(Opcode::Fld64, &[V::Reg(2), V::Reg(0), V::Imm32(0)]),
            instr(Opcode::Fadd, &[V::Reg(1), V::Reg(1), V::Reg(1)]),
            instr(Opcode::Fadd, &[V::Reg(2), V::Reg(2), V::Reg(1)]),
            instr(Opcode::Blt, &[V::Reg(0), V::Reg(0), V::Label(2)]),
            instr(Opcode::Fst64, &[V::Reg(0), V::Imm32(0), V::Reg(2)]),
            instr(Opcode::Ret, &[V::Reg(0)]),
        ];
        let facts = FunctionFacts::of(&code, 3, 1);
        let plan = NanPlan::new(&code, &facts, 0, start_states(3, 1));
        // r1: settled on entry, pending around the loop.
        assert_eq!(plan.at(2)[1], Nan::Pending);
        // r2: loaded (kept) on entry, pending after the fadd: either, with a flag.
        assert_eq!(plan.at(2)[2], Nan::Either);
        assert_eq!(plan.at(5)[2], Nan::Pending);
        // r0 is an integer parameter: kept.
        assert_eq!(plan.at(2)[0], Nan::Kept);
        let entry = loop_entry_states(&plan, 2, 3);
        assert_eq!(entry[1], Nan::Settled, "the interpreter canonicalised it");
        assert_eq!(entry[2], Nan::Kept);
    }

    #[test]
    fn observation_settles_pending_and_integer_registers_observe_on_write() {
        let mut state = vec![Nan::Kept, Nan::Pending, Nan::Settled];
        let repr = [Repr::F64, Repr::F64, Repr::I64];
        let fneg = instr(Opcode::Fneg, &[V::Reg(0), V::Reg(1)]);
        step(&fneg, &mut state, &repr);
        assert_eq!(state[0], Nan::Kept, "-NaN is not the canonical NaN");
        let fadd = instr(Opcode::Fadd, &[V::Reg(2), V::Reg(1), V::Reg(1)]);
        step(&fadd, &mut state, &repr);
        assert_eq!(state[2], Nan::Settled, "written into an integer register");
        let select = instr(
            Opcode::Select,
            &[V::Reg(1), V::Reg(2), V::Reg(0), V::Reg(1)],
        );
        state[0] = Nan::Kept;
        step(&select, &mut state, &repr);
        assert_eq!(state[1], Nan::Either);
    }
}
