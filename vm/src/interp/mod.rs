//! The interpreter tier: predecoded code and the loop that runs it.

mod code;
mod predecode;
mod run;

use std::sync::atomic::Ordering;

use adead_isa::TrapKind;
use adead_jit::Entry;

pub(crate) use code::Code;
pub(crate) use predecode::predecode;
pub use run::Finish;
pub(crate) use run::{Frame, Machine, Stop, grow_stack};

use crate::native::Native;

/// A trap as the interpreter reports it: kind, global pc, detail.
pub(crate) type Trapped = (TrapKind, usize, Option<String>);

/// The end of one invocation, with the exact fuel it used.
pub(crate) struct Outcome {
    pub result: Result<Finish, Trapped>,
    pub fuel_used: u64,
}

impl Machine<'_> {
    /// Calls function `func` with `args` (already checked against its parameter count)
    /// from the host, with `fuel` to spend.
    pub(crate) fn invoke(&mut self, func: u32, args: &[u64], fuel: u64) -> Outcome {
        let regs = self.code.funcs[func as usize].regs as usize;
        if self.stack.len() < regs {
            self.stack.resize(regs, 0);
        }
        self.stack[..regs].fill(0);
        self.stack[..args.len()].copy_from_slice(args);
        self.frames.clear();
        self.fuel = fuel;
        let result = self.run_function(func, 0);
        Outcome {
            result,
            fuel_used: fuel - self.fuel,
        }
    }

    /// Runs function `func`, whose frame at register `fp` holds its arguments and zeros,
    /// from its start (not yet charged) until it returns, halts or traps: in native
    /// code when it is hot and compiled, else in the fast loop, switching to the metered
    /// loop when fuel runs short. Counts the entry.
    pub(crate) fn run_function(&mut self, func: u32, fp: usize) -> Result<Finish, Trapped> {
        let entry = self.code.funcs[func as usize].entry as usize;
        if self.interrupt.load(Ordering::Relaxed) != 0 {
            return Err((TrapKind::Interrupted, entry, None));
        }
        self.calls[func as usize] += 1;
        self.pc = entry;
        self.fp = fp;
        self.func = func;
        let entries = self.calls[func as usize];
        if entries > self.thresholds.native {
            match self.run_native(func, Entry::Start, self.thresholds.level(entries)) {
                Native::Declined | Native::Resume => {}
                // Native code that left for the interpreter and went on natively in a
                // loop's optimized version (`ExitRecord::reenter`) returns from the
                // innermost of the frames its exit recorded, not from `func`: the
                // interpreter continues in that caller.
                Native::Returned(value) => match self.frames.pop() {
                    None => return Ok(Finish::Returned(value)),
                    Some(caller) => {
                        self.stack[caller.fp + usize::from(caller.dst)] = value;
                        self.pc = caller.ret_pc as usize;
                        self.fp = caller.fp;
                        self.func = caller.func;
                    }
                },
                Native::Finished(finish) => return Ok(finish),
                Native::Trapped(trapped) => return Err(trapped),
            }
        }
        // At a leader (the entry, or where native code left off), its run not charged.
        let cost = u64::from(self.code.charge[self.pc]);
        let mut metered = cost > self.fuel;
        if !metered {
            self.fuel -= cost;
        }
        loop {
            let stop = match (metered, self.executions.is_empty()) {
                (true, true) => self.run::<true, false>(),
                (false, true) => self.run::<false, false>(),
                (true, false) => self.run::<true, true>(),
                (false, false) => self.run::<false, true>(),
            };
            match stop {
                Ok(finish) => return Ok(finish),
                Err(Stop::Meter) => metered = true,
                Err(Stop::Trap { kind, pc, detail }) => return Err((kind, pc, detail)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Random verified modules: the interpreter never panics, and its fast loop (fuel
    //! charged per straight-line run) agrees with the metered loop (one unit per
    //! instruction) on every outcome and on the exact fuel used.

    use adead_isa::{
        DataSegment, Family, Function, Instruction, Module as IsaModule, Opcode, OperandKind,
        OperandValue,
    };
    use proptest::prelude::*;

    use crate::{CallError, Config, Engine, Imports, Instance, Module};

    /// Scalar and tensor opcodes; host calls need imports and GPU/VK do not run.
    fn runnable() -> Vec<Opcode> {
        Opcode::ALL
            .iter()
            .copied()
            .filter(|op| !matches!(op.family(), Family::Gpu | Family::Vk) && *op != Opcode::Hcall)
            .collect()
    }

    /// One instruction with operands inside a frame of `regs` registers and a function
    /// of `len` instructions; calls go to function 0, which takes no parameters.
    fn instruction(op: Opcode, raw: &[u32; 4], regs: u32, len: u32) -> Option<Instruction> {
        let mut values = Vec::new();
        let mut range_first = 0;
        for (i, kind) in op.operands().iter().enumerate() {
            let w = raw[i];
            values.push(match kind {
                OperandKind::Dst | OperandKind::Src => OperandValue::Reg((w % regs) as u8),
                OperandKind::RegRange => {
                    range_first = w % regs;
                    OperandValue::Reg(range_first as u8)
                }
                OperandKind::Count => OperandValue::Count(match op {
                    Opcode::Call => 0,
                    _ => w % (regs - range_first + 1),
                }),
                OperandKind::Imm32 => OperandValue::Imm32(w as i32 % 64),
                OperandKind::Imm64 => OperandValue::Imm64(i64::from(w as i32)),
                OperandKind::F64 => OperandValue::F64(f64::from(w as i32).to_bits()),
                OperandKind::F32 => OperandValue::F32((w as i32 as f32).to_bits()),
                OperandKind::Label => OperandValue::Label(w % len),
                OperandKind::Func => OperandValue::Func(0),
                OperandKind::Data => OperandValue::Data(0),
                OperandKind::Import | OperandKind::Shader => return None,
            });
        }
        Instruction::from_operands(op, &values).ok()
    }

    fn module(ops: &[(usize, [u32; 4])], regs: u32) -> IsaModule {
        let pool = runnable();
        let len = ops.len() as u32 + 1;
        let mut code: Vec<Instruction> = ops
            .iter()
            .filter_map(|(i, raw)| instruction(pool[i % pool.len()], raw, regs, len))
            .collect();
        code.push(Instruction::from_operands(Opcode::Ret, &[OperandValue::Reg(0)]).unwrap());
        let mut module = IsaModule::new();
        module.memory_size = 256;
        module.functions.push(Function {
            name: "main".into(),
            entry: 0,
            len: code.len() as u32,
            regs,
            params: 0,
        });
        // Labels were drawn for `len` slots; clamp them to the code that survived.
        let last = code.len() as u32 - 1;
        for instr in &mut code {
            let mut words = instr.words();
            let mut index = 1;
            for kind in instr.opcode().operands() {
                if *kind == OperandKind::Label {
                    words[index] = words[index].min(last);
                }
                index += kind.words();
            }
            *instr = Instruction::from_words(words).unwrap();
        }
        module.code = code;
        module.entry = Some(0);
        module.data.push(DataSegment {
            name: "d".into(),
            offset: 16,
            bytes: vec![1, 2, 3, 4, 5, 6, 7, 8],
        });
        module
    }

    fn run(module: &IsaModule, fuel: Option<u64>) -> Result<crate::Completion, CallError> {
        let engine = Engine::new(Config {
            fuel,
            tier: crate::Tier::Interp,
            max_call_depth: 64,
            max_memory: 1 << 16,
            max_tensor_bytes: 1 << 12,
            max_tensors: 64,
            kernel_threads: 1,
            ..Config::default()
        });
        let module = Module::from_isa(&engine, module.clone()).expect("verified");
        let mut instance = Instance::new(&module, &Imports::new()).expect("no imports");
        instance.call_entry(&[])
    }

    fn fuel_of(outcome: &Result<crate::Completion, CallError>) -> u64 {
        match outcome {
            Ok(done) => done.fuel_used.expect("metered"),
            Err(CallError::Trap(trap)) => trap.fuel_used.expect("metered"),
            Err(other) => panic!("{other}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn fast_and_metered_loops_agree_on_outcome_and_fuel(
            ops in proptest::collection::vec((any::<usize>(), any::<[u32; 4]>()), 1..24),
            regs in 1u32..12,
        ) {
            let module = module(&ops, regs);
            prop_assume!(adead_isa::verify(module.clone()).is_ok());
            // Unlimited fuel would let a random loop spin; 20k units bounds it and is
            // itself charged by the fast loop.
            let free = run(&module, Some(20_000));
            let used = fuel_of(&free);
            // Exactly the fuel it used: the same outcome, reached partly in the metered loop.
            let exact = run(&module, Some(used));
            prop_assert_eq!(format!("{free:?}"), format!("{exact:?}"));
            if used > 0 {
                let short = run(&module, Some(used - 1));
                // An instruction that pays for its work stops with less used when the
                // rest cannot pay it (`crate::work`).
                let pays_for_work = |pc: u32| {
                    let op = module.code[pc as usize].opcode();
                    matches!(op, Opcode::Alloc | Opcode::MemCopy | Opcode::MemFill)
                        || op.family() == Family::Tensor
                };
                let is_out_of_fuel = matches!(
                    &short,
                    Err(CallError::Trap(t))
                        if t.kind == adead_isa::TrapKind::OutOfFuel
                            && (t.fuel_used == Some(used - 1)
                                || (t.fuel_used < Some(used - 1) && pays_for_work(t.pc)))
                );
                // A run that traps on its last instruction for another reason still
                // stops short of it with one unit less.
                prop_assert!(is_out_of_fuel, "{:?} with fuel {}", short, used - 1);
            }
        }
    }

    /// One loop per superinstruction, with the result and the fuel worked out by hand:
    /// the fused op must appear in the predecoded code, and the fast loop, the metered
    /// loop (fuel exactly what the run uses) and one unit less (`out_of_fuel`) must all
    /// agree with the count.
    #[test]
    fn every_superinstruction_gives_the_result_and_fuel_of_its_pair() {
        use super::code::Op;
        use crate::Finish;
        // Integer loops: three `movi` (r1 = start, r2 = bound, r3 = step), the body of
        // two instructions n times, `ret`: 2n + 4 units.
        let int_loop = |add: &str, branch: &str, start: i64, bound: i64, step: i64| {
            format!(
                ".func main params=0 regs=8\n movi r1, {start}\n movi r2, {bound}\n \
                 movi r3, {step}\ntop:\n {add}\n {branch} r1, r2, top\n ret r1\n.end\n"
            )
        };
        let add = "add r1, r1, r3";
        let addi_up = "addi r1, r1, 1";
        let addi_down = "addi r1, r1, -1";
        // Float loops: r1 counts, r5 = x from 0.0 up by r7 = 1.0, r6 = 5.0; four setup
        // instructions, the body of four (fadd, addi, compare, test) n times, `ret`:
        // 4n + 5 units.
        let float_loop = |compare: &str, test: &str| {
            format!(
                ".func main params=0 regs=8\n movi r1, 0\n fmovi r5, 0.0\n \
                 fmovi r6, 5.0\n fmovi r7, 1.0\ntop:\n fadd r5, r5, r7\n \
                 addi r1, r1, 1\n {compare}\n {test} r4, top\n ret r1\n.end\n"
            )
        };
        let cases: Vec<(String, Op, i64, u64)> = vec![
            // r1 = 0 .. 10 by 1: 10 iterations.
            (int_loop(addi_up, "blt", 0, 10, 1), Op::AddiBltBack, 10, 24),
            (int_loop(add, "blt", 0, 10, 1), Op::AddBltBack, 10, 24),
            // r1 = 10 down while r1 >= 0: leaves at -1 after 11 iterations.
            (
                int_loop(addi_down, "bge", 10, 0, -1),
                Op::AddiBgeBack,
                -1,
                26,
            ),
            (int_loop(add, "bge", 10, 0, -1), Op::AddBgeBack, -1, 26),
            (int_loop(addi_up, "bne", 0, 10, 1), Op::AddiBneBack, 10, 24),
            (int_loop(add, "bne", 0, 10, 1), Op::AddBneBack, 10, 24),
            // -5 + 1 = -4 is not below 10 unsigned: one iteration (signed, it would be 15).
            (
                int_loop(addi_up, "bltu", -5, 10, 1),
                Op::AddiBltuBack,
                -4,
                6,
            ),
            (int_loop(add, "bltu", -5, 10, 1), Op::AddBltuBack, -4, 6),
            // Again while x < 5: 5 iterations.
            (float_loop("flt r4, r5, r6", "jnz"), Op::FltJnz, 5, 25),
            // Again while not 5 < x: leaves at x = 6.
            (float_loop("flt r4, r6, r5", "jz"), Op::FltJz, 6, 29),
            // Again while x <= 5: leaves at x = 6.
            (float_loop("fle r4, r5, r6", "jnz"), Op::FleJnz, 6, 29),
            // Again while not 5 <= x: leaves at x = 5.
            (float_loop("fle r4, r6, r5", "jz"), Op::FleJz, 5, 25),
            // Again while x != 5.
            (float_loop("feq r4, r5, r6", "jz"), Op::FeqJz, 5, 25),
            // Again while x == 1: x = 1 loops once more, x = 2 leaves.
            (float_loop("feq r4, r5, r7", "jnz"), Op::FeqJnz, 2, 13),
            // A forward fused test: leave when not x <= 5 (x = 6), else jump back: four
            // setup, five per staying iteration (5 of them), four for the last, `ret`:
            // 4 + 25 + 4 + 1.
            (
                ".func main params=0 regs=8\n movi r1, 0\n fmovi r5, 0.0\n fmovi r6, 5.0\n \
                 fmovi r7, 1.0\ntop:\n fadd r5, r5, r7\n addi r1, r1, 1\n \
                 fle r4, r5, r6\n jz r4, out\n jmp top\nout:\n ret r1\n.end\n"
                    .to_string(),
                Op::FleJz,
                6,
                34,
            ),
        ];
        for (source, fused, result, fuel) in cases {
            let engine = |fuel| {
                Engine::new(Config {
                    fuel,
                    count_instructions: true,
                    tier: crate::Tier::Interp,
                    kernel_threads: 1,
                    ..Config::default()
                })
            };
            let module = Module::from_asm(&engine(None), &source, "fused.asm").expect(&source);
            assert!(
                module.code().insts.iter().any(|i| i.op == fused),
                "{fused:?} not formed:\n{source}"
            );
            for limit in [None, Some(fuel)] {
                let module = Module::from_asm(&engine(limit), &source, "fused.asm").unwrap();
                let done = Instance::new(&module, &Imports::new())
                    .unwrap()
                    .call_entry(&[])
                    .unwrap_or_else(|e| panic!("{fused:?} with fuel {limit:?}: {e}"));
                assert_eq!(done.finish, Finish::Returned(result as u64), "{fused:?}");
                assert_eq!(done.fuel_used, Some(fuel), "{fused:?} with fuel {limit:?}");
            }
            let module = Module::from_asm(&engine(Some(fuel - 1)), &source, "f.asm").unwrap();
            let short = Instance::new(&module, &Imports::new())
                .unwrap()
                .call_entry(&[]);
            assert!(
                matches!(&short, Err(CallError::Trap(t))
                    if t.kind == adead_isa::TrapKind::OutOfFuel && t.fuel_used == Some(fuel - 1)),
                "{fused:?} with fuel {}: {short:?}",
                fuel - 1
            );
        }
    }
}
