//! What the translator needs to know about a function before it emits anything: its
//! runs (from `adead_isa::fuel`), which leaders an entry reaches, which registers are
//! live at each leader, the machine type each register is kept in, and the registers
//! that hold one constant for the whole function.

use adead_isa::fuel::{Runs, branch_target};
use adead_isa::{Instruction, Opcode, ValueType};

/// A set of registers r0..r255.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RegSet([u64; 4]);

impl RegSet {
    pub(crate) fn insert(&mut self, reg: u8) {
        self.0[usize::from(reg >> 6)] |= 1 << (reg & 63);
    }

    pub(crate) fn remove(&mut self, reg: u8) {
        self.0[usize::from(reg >> 6)] &= !(1 << (reg & 63));
    }

    pub(crate) fn contains(&self, reg: u8) -> bool {
        self.0[usize::from(reg >> 6)] & (1 << (reg & 63)) != 0
    }

    /// Adds `other`; true if that changed the set.
    fn union(&mut self, other: &RegSet) -> bool {
        let mut changed = false;
        for (word, add) in self.0.iter_mut().zip(other.0) {
            let merged = *word | add;
            changed |= merged != *word;
            *word = merged;
        }
        changed
    }

    /// The registers, in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=255u8).filter(|&r| self.contains(r))
    }
}

/// The machine type a register is kept in inside native code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Repr {
    /// All 64 bits as an integer (also the choice when uses disagree).
    I64,
    /// A binary64 in a float register.
    F64,
    /// A binary32 in a float register: only when every access reads or writes an f32,
    /// so the high 32 bits (zero by the ISA's rule) are never observed.
    F32,
}

/// The facts about one function's code.
pub(crate) struct FunctionFacts {
    pub runs: Runs,
    /// Per leader pc: the registers read before being written on some path from it.
    live_in: Vec<RegSet>,
    /// Per register: its machine type.
    pub repr: Vec<Repr>,
    /// Per register: `Some(bits)` if the register is written once, by an immediate move
    /// that runs before any other block (so every loop header sees that value).
    pub constant: Vec<Option<u64>>,
    /// True if some instruction touches linear memory or its size (a load, a store,
    /// `msize`), so native code keeps the memory's base and length at hand.
    pub uses_memory: bool,
}

impl FunctionFacts {
    pub(crate) fn of(code: &[Instruction], regs: u32, params: u32) -> FunctionFacts {
        let runs = Runs::of(code);
        let live_in = liveness(code, &runs);
        let repr = representations(code, regs);
        let constant = constants(code, &runs, regs, params);
        let uses_memory = code.iter().any(|i| touches_memory(i.opcode()));
        FunctionFacts {
            runs,
            live_in,
            repr,
            constant,
            uses_memory,
        }
    }

    /// The registers live before the instruction at `pc` runs.
    pub(crate) fn live_at(&self, pc: usize) -> RegSet {
        self.live_in[pc]
    }

    /// The leaders reachable from `entry`, as a flag per pc.
    /// The leaders reachable from `entry` without passing through a leader `stop`
    /// says to stop at (such leaders are not included).
    pub(crate) fn reachable_within(
        &self,
        code: &[Instruction],
        entry: usize,
        stop: impl Fn(usize) -> bool,
    ) -> Vec<bool> {
        let mut reached = vec![false; code.len()];
        let mut work = vec![entry];
        while let Some(start) = work.pop() {
            if reached[start] {
                continue;
            }
            reached[start] = true;
            for next in block_successors(code, &self.runs, start) {
                if !reached[next] && !stop(next) {
                    work.push(next);
                }
            }
        }
        reached
    }
}

/// True for the instructions that read or write linear memory or its size inline.
pub(crate) fn touches_memory(op: Opcode) -> bool {
    use Opcode as O;
    matches!(
        op,
        O::Ld64
            | O::Ld8u
            | O::Ld8s
            | O::Ld16u
            | O::Ld16s
            | O::Ld32u
            | O::Ld32s
            | O::Fld32
            | O::Fld64
            | O::St64
            | O::St8
            | O::St16
            | O::St32
            | O::Fst32
            | O::Fst64
            | O::MemSize
    )
}

/// The last pc of the segment starting at leader `start`.
pub(crate) fn segment_end(runs: &Runs, start: usize) -> usize {
    let mut pc = start;
    while !runs.is_leader(pc + 1) {
        pc += 1;
    }
    pc
}

/// The leaders control can reach from the end of the segment starting at `start`.
fn block_successors(code: &[Instruction], runs: &Runs, start: usize) -> Vec<usize> {
    let last = segment_end(runs, start);
    let instr = &code[last];
    let mut next = Vec::with_capacity(2);
    if let Some(target) = branch_target(instr) {
        next.push(target as usize);
    }
    if !instr.opcode().flags().ends_block && last + 1 < code.len() {
        next.push(last + 1);
    }
    next
}

/// Backward liveness over the segments, to a fixed point, then through each segment:
/// the registers live before each instruction.
fn liveness(code: &[Instruction], runs: &Runs) -> Vec<RegSet> {
    let leaders: Vec<usize> = (0..code.len()).filter(|&pc| runs.is_leader(pc)).collect();
    // Per segment: the registers it reads before writing (gen) and writes (kill).
    let mut gen_kill = vec![(RegSet::default(), RegSet::default()); code.len()];
    for &start in &leaders {
        let (mut generated, mut killed) = (RegSet::default(), RegSet::default());
        for instr in &code[start..=segment_end(runs, start)] {
            // Reads happen before the write of the same instruction.
            for access in instr.registers().filter(|a| !a.write) {
                if !killed.contains(access.reg) {
                    generated.insert(access.reg);
                }
            }
            for access in instr.registers().filter(|a| a.write) {
                killed.insert(access.reg);
            }
        }
        gen_kill[start] = (generated, killed);
    }
    let successors: Vec<Vec<usize>> = (0..code.len())
        .map(|pc| {
            if runs.is_leader(pc) {
                block_successors(code, runs, pc)
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut live_in = vec![RegSet::default(); code.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for &start in leaders.iter().rev() {
            let mut out = RegSet::default();
            for &next in &successors[start] {
                out.union(&live_in[next]);
            }
            let (generated, killed) = &gen_kill[start];
            let mut live = *generated;
            for word in 0..4 {
                live.0[word] |= out.0[word] & !killed.0[word];
            }
            changed |= live_in[start].union(&live);
        }
    }
    // Inside each segment, backwards from what its successors need: the registers live
    // before every instruction (an exit in the middle of a segment stores those).
    for &start in &leaders {
        let end = segment_end(runs, start);
        let mut live = RegSet::default();
        for &next in &successors[start] {
            live.union(&live_in[next]);
        }
        for pc in (start..=end).rev() {
            for access in code[pc].registers().filter(|a| a.write) {
                live.remove(access.reg);
            }
            for access in code[pc].registers().filter(|a| !a.write) {
                live.insert(access.reg);
            }
            live_in[pc] = live;
        }
    }
    live_in
}

/// Per register, the machine type that fits every access: f64 if any access is an f64
/// and none an integer or f32 (`any` accesses move f64 bits losslessly), f32 only if
/// every access is an f32, otherwise a 64-bit integer.
fn representations(code: &[Instruction], regs: u32) -> Vec<Repr> {
    #[derive(Clone, Copy, Default)]
    struct Seen {
        int: bool,
        f32: bool,
        f64: bool,
        any: bool,
    }
    let mut seen = vec![Seen::default(); regs as usize];
    for instr in code {
        for access in instr.registers() {
            let s = &mut seen[usize::from(access.reg)];
            match access.ty {
                ValueType::Int => s.int = true,
                ValueType::F32 => s.f32 = true,
                ValueType::F64 => s.f64 = true,
                ValueType::Any => s.any = true,
            }
        }
    }
    seen.iter()
        .map(|s| match (s.int, s.f32, s.f64, s.any) {
            (false, false, true, _) => Repr::F64,
            (false, true, false, false) => Repr::F32,
            _ => Repr::I64,
        })
        .collect()
}

/// Registers written exactly once, by an immediate move in the function's first
/// segment when that segment runs only once (pc 0 is not a loop header), and not
/// parameters: any later point of the function sees that immediate.
fn constants(code: &[Instruction], runs: &Runs, regs: u32, params: u32) -> Vec<Option<u64>> {
    let mut writes = vec![0u32; regs as usize];
    for instr in code {
        for access in instr.registers().filter(|a| a.write) {
            writes[usize::from(access.reg)] += 1;
        }
    }
    let mut constant = vec![None; regs as usize];
    if code.is_empty() || runs.is_loop_header(0) {
        return constant;
    }
    for instr in &code[..=segment_end(runs, 0)] {
        let bits = match instr.opcode() {
            Opcode::Movi | Opcode::Fmovi => instr.wide(1),
            Opcode::FmoviF32 => u64::from(instr.word(1)),
            _ => continue,
        };
        let reg = instr.reg(0);
        if writes[usize::from(reg)] == 1 && u32::from(reg) >= params {
            constant[usize::from(reg)] = Some(bits);
        }
    }
    constant
}

#[cfg(test)]
mod tests {
    use super::*;
    use adead_isa::OperandValue as V;

    fn instr(op: Opcode, values: &[V]) -> Instruction {
        Instruction::from_operands(op, values).unwrap()
    }

    /// 0 movi r3, 7 | 1 fmovi r4, 1.0 | 2 add r1, r1, r0 (header) | 3 fadd r4, r4, r4
    /// 4 blt r1, r3, 2 | 5 ret r1
    fn counting_loop() -> Vec<Instruction> {
        vec![
            instr(Opcode::Movi, &[V::Reg(3), V::Imm64(7)]),
            instr(Opcode::Fmovi, &[V::Reg(4), V::F64(1f64.to_bits())]),
            instr(Opcode::Add, &[V::Reg(1), V::Reg(1), V::Reg(0)]),
            instr(Opcode::Fadd, &[V::Reg(4), V::Reg(4), V::Reg(4)]),
            instr(Opcode::Blt, &[V::Reg(1), V::Reg(3), V::Label(2)]),
            instr(Opcode::Ret, &[V::Reg(1)]),
        ]
    }

    #[test]
    fn liveness_at_the_loop_header_and_exit() {
        let code = counting_loop();
        let facts = FunctionFacts::of(&code, 5, 1);
        let at = |pc| facts.live_at(pc).iter().collect::<Vec<u8>>();
        assert_eq!(at(0), vec![0, 1]);
        assert_eq!(at(2), vec![0, 1, 3, 4]);
        assert_eq!(at(5), vec![1]);
    }

    #[test]
    fn types_and_constants() {
        let code = counting_loop();
        let facts = FunctionFacts::of(&code, 5, 1);
        assert_eq!(facts.repr[4], Repr::F64);
        assert_eq!(facts.repr[1], Repr::I64);
        assert_eq!(facts.constant[3], Some(7));
        assert_eq!(facts.constant[4], None, "written twice");
        assert_eq!(facts.constant[0], None);
        assert!(!facts.uses_memory);
    }

    #[test]
    fn f32_only_when_every_access_is_f32() {
        let code = vec![
            instr(Opcode::FaddF32, &[V::Reg(0), V::Reg(1), V::Reg(1)]),
            instr(Opcode::Mov, &[V::Reg(2), V::Reg(0)]),
            instr(Opcode::Ret, &[V::Reg(2)]),
        ];
        let facts = FunctionFacts::of(&code, 3, 0);
        assert_eq!(facts.repr[1], Repr::F32);
        assert_eq!(facts.repr[0], Repr::I64, "moved as bits");
        assert_eq!(facts.repr[2], Repr::I64);
    }

    #[test]
    fn reachability_follows_branches() {
        let code = counting_loop();
        let facts = FunctionFacts::of(&code, 5, 1);
        let from_header = facts.reachable_within(&code, 2, |_| false);
        assert!(!from_header[0] && from_header[2] && from_header[5]);
        let stopping = facts.reachable_within(&code, 2, |pc| pc == 5);
        assert!(stopping[2] && !stopping[5]);
    }
}
