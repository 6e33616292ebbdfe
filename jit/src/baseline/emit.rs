//! One pass over a verified function: one template per instruction.
//!
//! Machine registers in baseline code (all callee-saved, so helpers keep them):
//! `rbx` the context, `r12` the address of the frame (the register stack's base plus
//! `r13`), `r13` the frame's byte offset, `r14` the fuel left (metered code only), `r15`
//! linear memory's base. The call depth lives in the machine frame at `[rsp]`. Every VM
//! register lives in the frame, `[r12 + 8 * reg]`: a template loads its operands,
//! computes, and stores its result, so any instruction boundary is a place where the
//! interpreter can take over with nothing to write back.
//!
//! Fuel, traps and exits follow the Cranelift tier's rules exactly (see
//! `crate::abi`): each transfer into a leader charges that leader's run, a trap gives
//! back what its run was charged and will not execute, an exit leaves a run uncharged.
//! Rare paths (traps, exits, the stack growing, a call to a callee without native
//! code) are stubs placed after the function's body.

use dynasmrt::x64::X64Relocation;
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler, dynasm};

use adead_isa::fuel::Runs;
use adead_isa::semantics::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};
use adead_isa::{Family, Instruction, Opcode, TrapKind};

use super::semantic_calls::shim;
use super::{HotCounters, Versions};
use crate::abi::{FUEL_SHORT, Helpers, Status, execution_count_offset, offsets as o};
use crate::analysis::touches_memory;
use crate::error::CompileError;
use crate::translate::REGISTER_ARGS;

pub(crate) type Ops = VecAssembler<X64Relocation>;

/// What the whole module's code shares.
pub(crate) struct Setting<'a> {
    pub module: &'a adead_isa::Module,
    pub helpers: &'a Helpers,
    pub metered: bool,
    pub max_call_depth: u32,
    pub count_executions: bool,
    pub interruptible: bool,
}

/// A rare path, emitted after the body.
enum Stub {
    /// Trap `code` (with `payload`) at `pc`, giving back `refund` fuel.
    Trap {
        code: u32,
        payload: i32,
        pc: u32,
        refund: u32,
    },
    /// Trap with the code a helper returned in `eax`.
    HelperTrap { pc: u32, refund: u32 },
    /// Leave for the interpreter at `pc`, giving back `refund` fuel; `reenter` asks the
    /// VM to go on in optimized code at that loop header at once.
    Exit { pc: u32, refund: u32, reenter: bool },
    /// Grow the register stack to `rax` bytes, then continue at `resume`.
    Grow { pc: u32, resume: DynamicLabel },
    /// Call the VM's `call` helper for a callee without native code, then continue at
    /// `resume` with its value and status in `rax` and `rdx`.
    InterpretedCall { pc: u32, resume: DynamicLabel },
    /// A callee did not return: record this frame if it exited, and pass the status up.
    CallFailed { pc: u32 },
    /// The function's entry count reached the threshold: ask for optimized code.
    TierUp { resume: DynamicLabel },
}

/// The labels of one instruction: a transfer into it (charging its run when metered)
/// and its body.
#[derive(Clone, Copy)]
struct Leader {
    charge: DynamicLabel,
    body: DynamicLabel,
}

pub(crate) struct FunctionEmitter<'a, 'm> {
    ops: &'a mut Ops,
    setting: &'a Setting<'m>,
    func: u32,
    code: &'m [Instruction],
    runs: Runs,
    regs: u32,
    params: u32,
    global_entry: u32,
    leaders: Vec<Option<Leader>>,
    stubs: Vec<(DynamicLabel, Stub)>,
    epilogue: DynamicLabel,
    tails: Tails,
    counters: Option<&'a HotCounters>,
    /// The VM register whose value `xmm0` holds (as well as its slot), within a
    /// straight line: a float chain's next operation reads it from there instead of
    /// through memory (a store-to-load round trip on every link of the chain).
    xmm0_holds: Option<u8>,
}

/// A frame slot's displacement from `r12`.
fn slot(reg: u8) -> i32 {
    i32::from(reg) * 8
}

impl<'a, 'm> FunctionEmitter<'a, 'm> {
    pub(crate) fn new(
        ops: &'a mut Ops,
        setting: &'a Setting<'m>,
        func: u32,
        counters: Option<&'a HotCounters>,
    ) -> FunctionEmitter<'a, 'm> {
        let function = &setting.module.functions[func as usize];
        let code = function.code(setting.module);
        let runs = Runs::of(code);
        let leaders = (0..code.len())
            .map(|pc| {
                runs.is_leader(pc).then(|| {
                    let body = ops.new_dynamic_label();
                    let charge = if setting.metered {
                        ops.new_dynamic_label()
                    } else {
                        body
                    };
                    Leader { charge, body }
                })
            })
            .collect();
        let epilogue = ops.new_dynamic_label();
        let tails = Tails {
            trap: ops.new_dynamic_label(),
            trap_with_payload: ops.new_dynamic_label(),
            exit: ops.new_dynamic_label(),
        };
        FunctionEmitter {
            ops,
            setting,
            func,
            code,
            runs,
            regs: function.regs,
            params: function.params,
            global_entry: function.entry,
            leaders,
            // Memory accesses and divisions have a trap stub, a call four, a charge one:
            // room for that many, so that the list rarely grows.
            stubs: Vec::with_capacity(2 * code.len() + 8),
            epilogue,
            tails,
            counters,
            xmm0_holds: None,
        }
    }

    /// Emits the function: its start entry, an entry per loop header, the body and the
    /// stubs. Returns the entries' offsets in `ops`.
    pub(crate) fn emit(mut self) -> Result<Versions<usize>, CompileError> {
        if let Some(instr) = self.code.iter().find(|i| !supported(i.opcode())) {
            return Err(CompileError::Unsupported(instr.opcode().mnemonic()));
        }
        let start = self.ops.offset().0;
        self.emit_start_entry();
        let mut loops = Vec::new();
        for header in self.runs.loop_headers().collect::<Vec<_>>() {
            loops.push((header, self.ops.offset().0));
            self.prologue();
            let target = self.leader(header as usize).charge;
            dynasm!(self.ops ; .arch x64 ; jmp =>target);
        }
        for pc in 0..self.code.len() {
            self.emit_instruction(pc);
        }
        self.emit_stubs();
        self.emit_tails();
        let epilogue = self.epilogue;
        dynasm!(self.ops
            ; .arch x64
            ; =>epilogue
            ; add rsp, 8
            ; pop r15
            ; pop r14
            ; pop r13
            ; pop r12
            ; pop rbx
            ; pop rbp
            ; ret
        );
        Ok(Versions { start, loops })
    }

    fn leader(&self, pc: usize) -> Leader {
        self.leaders[pc].expect("branch targets and run starts are leaders")
    }

    fn stub(&mut self, stub: Stub) -> DynamicLabel {
        let label = self.ops.new_dynamic_label();
        self.stubs.push((label, stub));
        label
    }

    fn trap_stub(&mut self, kind: TrapKind, pc: usize) -> DynamicLabel {
        let payload = match kind {
            TrapKind::User(code) => code,
            _ => 0,
        };
        self.stub(Stub::Trap {
            code: kind.code(),
            payload,
            pc: pc as u32,
            refund: self.runs.refund(pc),
        })
    }

    /// Saves the callee-saved registers and sets up the pinned ones from the native
    /// signature's `(ctx, fp, depth)`; leaves the arguments in `rcx`, `r8`, `r9` and
    /// `[rbp + 16]` untouched.
    fn prologue(&mut self) {
        dynasm!(self.ops
            ; .arch x64
            ; push rbp
            ; mov rbp, rsp
            ; push rbx
            ; push r12
            ; push r13
            ; push r14
            ; push r15
            ; sub rsp, 8
            ; mov rbx, rdi
            ; mov r13, rsi
            ; mov [rsp], rdx
        );
        self.reload();
    }

    /// Reloads what a helper or a call may have moved: the frame, memory, the fuel.
    fn reload(&mut self) {
        dynasm!(self.ops
            ; .arch x64
            ; mov r12, [rbx + o::STACK_BASE]
            ; add r12, r13
            ; mov r15, [rbx + o::MEMORY_BASE]
        );
        if self.setting.metered {
            dynasm!(self.ops ; .arch x64 ; mov r14, [rbx + o::FUEL]);
        }
    }

    fn store_fuel(&mut self) {
        if self.setting.metered {
            dynasm!(self.ops ; .arch x64 ; mov [rbx + o::FUEL], r14);
        }
    }

    fn emit_start_entry(&mut self) {
        self.prologue();
        // The register arguments go to the frame, the other registers start at zero.
        let arg_regs = (self.params as usize).min(REGISTER_ARGS);
        for i in 0..arg_regs {
            let at = slot(i as u8);
            match i {
                0 => dynasm!(self.ops ; .arch x64 ; mov [r12 + at], rcx),
                1 => dynasm!(self.ops ; .arch x64 ; mov [r12 + at], r8),
                2 => dynasm!(self.ops ; .arch x64 ; mov [r12 + at], r9),
                _ => dynasm!(self.ops ; .arch x64 ; mov rax, [rbp + 16] ; mov [r12 + at], rax),
            }
        }
        let zeros = self.regs.saturating_sub(self.params);
        if zeros > 16 {
            let first = slot(self.params as u8);
            dynasm!(self.ops
                ; .arch x64
                ; lea rdi, [r12 + first]
                ; mov ecx, zeros as i32
                ; xor eax, eax
                ; rep stosq
            );
        } else {
            for reg in self.params..self.regs {
                let at = slot(reg as u8);
                dynasm!(self.ops ; .arch x64 ; mov QWORD [r12 + at], 0);
            }
        }
        if let Some(counters) = self.counters {
            let resume = self.ops.new_dynamic_label();
            let tier_up = self.stub(Stub::TierUp { resume });
            self.count_and_branch(counters.entry as usize, counters.threshold, tier_up);
            dynasm!(self.ops ; .arch x64 ; =>resume);
        }
        // The entry is a check point; then native recursion must leave the machine
        // stack room, or the interpreter (whose frames live on the heap) goes on.
        self.poll_interrupt(0);
        let low = self.stub(Stub::Exit {
            pc: 0,
            refund: 0,
            reenter: false,
        });
        let go = self.leader(0).charge;
        dynasm!(self.ops
            ; .arch x64
            ; cmp rsp, [rbx + o::NATIVE_STACK_LIMIT]
            ; jb =>low
            ; jmp =>go
        );
    }

    /// Adds one to the `u32` counter at `address` and jumps to `hot` when it reaches
    /// `threshold` (exactly, so that it happens once).
    fn count_and_branch(&mut self, address: usize, threshold: u32, hot: DynamicLabel) {
        dynasm!(self.ops
            ; .arch x64
            ; mov rax, QWORD address as i64
            ; mov ecx, [rax]
            ; add ecx, 1
            ; mov [rax], ecx
            ; cmp ecx, threshold as i32
            ; je =>hot
        );
    }

    /// At check point `pc` (its run not charged): traps `interrupted` there when the
    /// host asked the run to stop.
    fn poll_interrupt(&mut self, pc: usize) {
        if !self.setting.interruptible {
            return;
        }
        let stop = self.stub(Stub::Trap {
            code: TrapKind::Interrupted.code(),
            payload: 0,
            pc: pc as u32,
            refund: 0,
        });
        dynasm!(self.ops
            ; .arch x64
            ; mov rax, [rbx + o::INTERRUPT]
            ; cmp DWORD [rax], 0
            ; jne =>stop
        );
    }

    /// A taken backward branch to loop header `target`: a check point, then the loop's
    /// count toward optimized code, then the transfer.
    fn back_edge(&mut self, target: usize) {
        self.poll_interrupt(target);
        if let Some(counters) = self.counters
            && let Some(&(_, address)) = counters.loops.iter().find(|(h, _)| *h as usize == target)
        {
            let reenter = self.stub(Stub::Exit {
                pc: target as u32,
                refund: 0,
                reenter: true,
            });
            self.count_and_branch(address as usize, counters.threshold, reenter);
        }
        let go = self.leader(target).charge;
        dynasm!(self.ops ; .arch x64 ; jmp =>go);
    }

    // ------------------------------------------------------------------ instructions

    fn emit_instruction(&mut self, pc: usize) {
        let instr = self.code[pc];
        self.emit_template(pc);
        // What `xmm0` holds after the instruction: the f64 templates that leave their
        // result there say so themselves; any other write to the register held ends it.
        let op = instr.opcode();
        let produces = matches!(
            op,
            Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv | Opcode::Fsqrt | Opcode::I2f
        );
        if !produces
            && let Some(held) = self.xmm0_holds
            && (!keeps_xmm0(op) || instr.writes_register(held))
        {
            self.xmm0_holds = None;
        }
    }

    fn emit_template(&mut self, pc: usize) {
        if let Some(leader) = self.leaders[pc] {
            // Control arrives here from elsewhere too.
            self.xmm0_holds = None;
            if self.setting.metered {
                // Falling in from a plain instruction: that run already paid for this
                // one, so skip the charge.
                if pc > 0 && !adead_isa::fuel::ends_run(self.code[pc - 1].opcode()) {
                    let body = leader.body;
                    dynasm!(self.ops ; .arch x64 ; jmp =>body);
                }
                let cost = self.runs.charge(pc) as i32;
                let short = self.stub(Stub::Exit {
                    pc: pc as u32,
                    refund: 0,
                    reenter: false,
                });
                let charge = leader.charge;
                dynasm!(self.ops
                    ; .arch x64
                    ; =>charge
                    ; cmp r14, cost
                    ; jb =>short
                    ; sub r14, cost
                );
            }
            let body = leader.body;
            dynasm!(self.ops ; .arch x64 ; =>body);
        }
        let instr = self.code[pc];
        let op = instr.opcode();
        if self.setting.count_executions {
            let offset = execution_count_offset(self.global_entry, pc)
                .expect("the compiler checked that the counters are in reach");
            dynasm!(self.ops
                ; .arch x64
                ; mov rax, [rbx + o::EXECUTION_COUNTS]
                ; add QWORD [rax + offset], 1
            );
        }
        let r = |i: usize| slot(instr.reg(i));
        use Opcode as O;
        match op {
            O::Nop => {}
            O::Jmp => {
                let target = instr.word(0) as usize;
                if target <= pc {
                    self.back_edge(target);
                } else {
                    let go = self.leader(target).charge;
                    dynasm!(self.ops ; .arch x64 ; jmp =>go);
                }
            }
            O::Jz | O::Jnz | O::Beq | O::Bne | O::Blt | O::Bge | O::Bltu | O::Bgeu => {
                self.emit_branch(pc, &instr)
            }
            O::Call => self.emit_call(pc, &instr),
            O::Ret => {
                let a = r(0);
                self.store_fuel();
                let epilogue = self.epilogue;
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rax, [r12 + a]
                    ; xor edx, edx
                    ; jmp =>epilogue
                );
            }
            O::HaltReg | O::Halt => {
                if op == O::HaltReg {
                    let a = r(0);
                    dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a]);
                } else {
                    dynasm!(self.ops ; .arch x64 ; xor eax, eax);
                }
                self.store_fuel();
                let epilogue = self.epilogue;
                dynasm!(self.ops
                    ; .arch x64
                    ; mov edx, Status::Halted as i32
                    ; jmp =>epilogue
                );
            }
            O::Trap => {
                let stub = self.trap_stub(TrapKind::User(instr.word(0) as i32), pc);
                dynasm!(self.ops ; .arch x64 ; jmp =>stub);
            }
            O::Add | O::Sub | O::And | O::Or | O::Xor => {
                let (d, a, b) = (r(0), r(1), r(2));
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a]);
                match op {
                    O::Add => dynasm!(self.ops ; .arch x64 ; add rax, [r12 + b]),
                    O::Sub => dynasm!(self.ops ; .arch x64 ; sub rax, [r12 + b]),
                    O::And => dynasm!(self.ops ; .arch x64 ; and rax, [r12 + b]),
                    O::Or => dynasm!(self.ops ; .arch x64 ; or rax, [r12 + b]),
                    _ => dynasm!(self.ops ; .arch x64 ; xor rax, [r12 + b]),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Mul => {
                let (d, a, b) = (r(0), r(1), r(2));
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rax, [r12 + a]
                    ; imul rax, [r12 + b]
                    ; mov [r12 + d], rax
                );
            }
            O::Shl | O::Shr | O::Sar | O::Rotl | O::Rotr => {
                // The machine takes 64-bit shift counts modulo 64: the ISA's rule.
                let (d, a, b) = (r(0), r(1), r(2));
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a] ; mov rcx, [r12 + b]);
                match op {
                    O::Shl => dynasm!(self.ops ; .arch x64 ; shl rax, cl),
                    O::Shr => dynasm!(self.ops ; .arch x64 ; shr rax, cl),
                    O::Sar => dynasm!(self.ops ; .arch x64 ; sar rax, cl),
                    O::Rotl => dynasm!(self.ops ; .arch x64 ; rol rax, cl),
                    _ => dynasm!(self.ops ; .arch x64 ; ror rax, cl),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Addi | O::Muli | O::Andi | O::Ori | O::Xori => {
                // imm32 sign-extended, as the instruction's immediate forms take it.
                let (d, a, imm) = (r(0), r(1), instr.word(2) as i32);
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a]);
                match op {
                    O::Addi => dynasm!(self.ops ; .arch x64 ; add rax, imm),
                    O::Muli => dynasm!(self.ops ; .arch x64 ; imul rax, rax, imm),
                    O::Andi => dynasm!(self.ops ; .arch x64 ; and rax, imm),
                    O::Ori => dynasm!(self.ops ; .arch x64 ; or rax, imm),
                    _ => dynasm!(self.ops ; .arch x64 ; xor rax, imm),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Shli | O::Shri | O::Sari => {
                let (d, a, count) = (r(0), r(1), (instr.word(2) & 63) as i8);
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a]);
                match op {
                    O::Shli => dynasm!(self.ops ; .arch x64 ; shl rax, count),
                    O::Shri => dynasm!(self.ops ; .arch x64 ; shr rax, count),
                    _ => dynasm!(self.ops ; .arch x64 ; sar rax, count),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Div | O::Divu | O::Rem | O::Remu => self.emit_division(pc, &instr),
            O::Neg | O::Not => {
                let (d, a) = (r(0), r(1));
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a]);
                if op == O::Neg {
                    dynasm!(self.ops ; .arch x64 ; neg rax);
                } else {
                    dynasm!(self.ops ; .arch x64 ; not rax);
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Sext8 | O::Sext16 | O::Sext32 | O::Zext8 | O::Zext16 | O::Zext32 => {
                // The low bytes of a little-endian slot.
                let (d, a) = (r(0), r(1));
                match op {
                    O::Sext8 => dynasm!(self.ops ; .arch x64 ; movsx rax, BYTE [r12 + a]),
                    O::Sext16 => dynasm!(self.ops ; .arch x64 ; movsx rax, WORD [r12 + a]),
                    O::Sext32 => dynasm!(self.ops ; .arch x64 ; movsxd rax, DWORD [r12 + a]),
                    O::Zext8 => dynasm!(self.ops ; .arch x64 ; movzx eax, BYTE [r12 + a]),
                    O::Zext16 => dynasm!(self.ops ; .arch x64 ; movzx eax, WORD [r12 + a]),
                    _ => dynasm!(self.ops ; .arch x64 ; mov eax, DWORD [r12 + a]),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Seq | O::Sne | O::Slt | O::Sle | O::Sltu | O::Sleu => {
                let (d, a, b) = (r(0), r(1), r(2));
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rcx, [r12 + a]
                    ; xor eax, eax
                    ; cmp rcx, [r12 + b]
                );
                match op {
                    O::Seq => dynasm!(self.ops ; .arch x64 ; sete al),
                    O::Sne => dynasm!(self.ops ; .arch x64 ; setne al),
                    O::Slt => dynasm!(self.ops ; .arch x64 ; setl al),
                    O::Sle => dynasm!(self.ops ; .arch x64 ; setle al),
                    O::Sltu => dynasm!(self.ops ; .arch x64 ; setb al),
                    _ => dynasm!(self.ops ; .arch x64 ; setbe al),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Mov => {
                let (d, a) = (r(0), r(1));
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a] ; mov [r12 + d], rax);
            }
            O::Movi | O::Fmovi | O::FmoviF32 | O::MoviData => {
                let bits = match op {
                    O::FmoviF32 => u64::from(instr.word(1)),
                    O::MoviData => {
                        u64::from(self.setting.module.data[instr.word(1) as usize].offset)
                    }
                    _ => instr.wide(1),
                };
                self.store_constant(instr.reg(0), bits);
            }
            O::Select => {
                let (d, c, t, f) = (r(0), r(1), r(2), r(3));
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rax, [r12 + t]
                    ; cmp QWORD [r12 + c], 0
                    ; cmove rax, [r12 + f]
                    ; mov [r12 + d], rax
                );
            }
            O::Fadd | O::Fsub | O::Fmul | O::Fdiv => {
                let (d, mut a, mut b) = (r(0), r(1), r(2));
                let held = self.xmm0_holds;
                let commutes = matches!(op, O::Fadd | O::Fmul);
                if held == Some(instr.reg(2)) && held != Some(instr.reg(1)) && commutes {
                    // b + a: the same value, and a NaN result is made canonical anyway.
                    std::mem::swap(&mut a, &mut b);
                } else if held != Some(instr.reg(1)) {
                    dynasm!(self.ops ; .arch x64 ; movsd xmm0, [r12 + a]);
                }
                match op {
                    O::Fadd => dynasm!(self.ops ; .arch x64 ; addsd xmm0, [r12 + b]),
                    O::Fsub => dynasm!(self.ops ; .arch x64 ; subsd xmm0, [r12 + b]),
                    O::Fmul => dynasm!(self.ops ; .arch x64 ; mulsd xmm0, [r12 + b]),
                    _ => dynasm!(self.ops ; .arch x64 ; divsd xmm0, [r12 + b]),
                }
                self.store_canonical_f64(d);
                self.xmm0_holds = Some(instr.reg(0));
            }
            O::Fsqrt => {
                let (d, a) = (r(0), r(1));
                if self.xmm0_holds == Some(instr.reg(1)) {
                    dynasm!(self.ops ; .arch x64 ; sqrtsd xmm0, xmm0);
                } else {
                    dynasm!(self.ops ; .arch x64 ; xorpd xmm0, xmm0 ; sqrtsd xmm0, [r12 + a]);
                }
                self.store_canonical_f64(d);
                self.xmm0_holds = Some(instr.reg(0));
            }
            O::FaddF32 | O::FsubF32 | O::FmulF32 => {
                let (d, a, b) = (r(0), r(1), r(2));
                dynasm!(self.ops ; .arch x64 ; movss xmm0, [r12 + a]);
                match op {
                    O::FaddF32 => dynasm!(self.ops ; .arch x64 ; addss xmm0, [r12 + b]),
                    O::FsubF32 => dynasm!(self.ops ; .arch x64 ; subss xmm0, [r12 + b]),
                    _ => dynasm!(self.ops ; .arch x64 ; mulss xmm0, [r12 + b]),
                }
                // An f32 result: the high half zero, a NaN canonical.
                let nan = CANONICAL_NAN_F32 as i32;
                let ok = self.ops.new_dynamic_label();
                dynasm!(self.ops
                    ; .arch x64
                    ; movd eax, xmm0
                    ; ucomiss xmm0, xmm0
                    ; jnp =>ok
                    ; mov eax, nan
                    ; =>ok
                    ; mov [r12 + d], rax
                );
            }
            O::Fneg | O::Fabs => {
                let (d, a) = (r(0), r(1));
                dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a]);
                if op == O::Fneg {
                    dynasm!(self.ops ; .arch x64 ; btc rax, 63);
                } else {
                    dynasm!(self.ops ; .arch x64 ; btr rax, 63);
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::Feq | O::Flt | O::Fle => {
                // Ordered comparisons: false when either is NaN.
                let (d, a, b) = (r(0), r(1), r(2));
                dynasm!(self.ops ; .arch x64 ; xor eax, eax);
                match op {
                    O::Feq => dynasm!(self.ops
                        ; .arch x64
                        ; movsd xmm0, [r12 + a]
                        ; ucomisd xmm0, [r12 + b]
                        ; sete al
                        ; setnp cl
                        ; and al, cl
                    ),
                    // a < b is b > a, a <= b is b >= a: unordered sets CF and ZF.
                    O::Flt => dynasm!(self.ops
                        ; .arch x64
                        ; movsd xmm0, [r12 + b]
                        ; ucomisd xmm0, [r12 + a]
                        ; seta al
                    ),
                    _ => dynasm!(self.ops
                        ; .arch x64
                        ; movsd xmm0, [r12 + b]
                        ; ucomisd xmm0, [r12 + a]
                        ; setae al
                    ),
                }
                dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
            }
            O::I2f => {
                // Round to nearest even (the default rounding mode): never a NaN.
                let (d, a) = (r(0), r(1));
                dynasm!(self.ops
                    ; .arch x64
                    ; xorpd xmm0, xmm0
                    ; cvtsi2sd xmm0, QWORD [r12 + a]
                    ; movsd [r12 + d], xmm0
                );
                self.xmm0_holds = Some(instr.reg(0));
            }
            O::Ld64
            | O::Ld8u
            | O::Ld8s
            | O::Ld16u
            | O::Ld16s
            | O::Ld32u
            | O::Ld32s
            | O::Fld32
            | O::Fld64 => self.emit_load(pc, &instr),
            O::St64 | O::St8 | O::St16 | O::St32 | O::Fst32 | O::Fst64 => {
                self.emit_store(pc, &instr)
            }
            O::MemSize => {
                let d = r(0);
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rax, [rbx + o::MEMORY_LEN]
                    ; mov [r12 + d], rax
                );
            }
            O::Alloc => {
                let (d, size) = (r(0), r(1));
                dynasm!(self.ops ; .arch x64 ; mov rsi, [r12 + size]);
                self.call_helper(self.setting.helpers.alloc as usize, pc, true);
                dynasm!(self.ops ; .arch x64 ; mov rax, [rbx + o::RET] ; mov [r12 + d], rax);
            }
            O::Free => {
                let address = r(0);
                dynasm!(self.ops ; .arch x64 ; mov rsi, [r12 + address]);
                self.call_helper(self.setting.helpers.free as usize, pc, false);
            }
            O::MemCopy | O::MemFill => {
                let (a, b, c) = (r(0), r(1), r(2));
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rsi, [r12 + a]
                    ; mov rdx, [r12 + b]
                    ; mov rcx, [r12 + c]
                );
                let helper = if op == O::MemCopy {
                    self.setting.helpers.mcopy
                } else {
                    self.setting.helpers.mfill
                };
                self.call_helper(helper as usize, pc, true);
            }
            O::Hcall => {
                let (d, import, first) = (r(0), instr.word(1) as i32, r(2));
                dynasm!(self.ops
                    ; .arch x64
                    ; mov esi, import
                    ; lea rdx, [r13 + first]
                );
                self.call_helper(self.setting.helpers.hcall as usize, pc, false);
                dynasm!(self.ops ; .arch x64 ; mov rax, [rbx + o::RET] ; mov [r12 + d], rax);
            }
            op if op.family() == Family::Tensor => {
                // Operands and results live in the frame already.
                let index = (self.global_entry + pc as u32) as i32;
                let regs = self.regs as i32;
                dynasm!(self.ops
                    ; .arch x64
                    ; mov esi, index
                    ; mov rdx, r13
                    ; mov ecx, regs
                );
                self.call_helper(self.setting.helpers.tensor as usize, pc, true);
            }
            op => {
                let (address, args) = shim(op).expect("`supported` admitted only these");
                let sources: Vec<i32> = instr
                    .registers()
                    .filter(|a| !a.write)
                    .map(|a| slot(a.reg))
                    .collect();
                debug_assert_eq!(sources.len(), args);
                for (i, &at) in sources.iter().enumerate() {
                    match i {
                        0 => dynasm!(self.ops ; .arch x64 ; mov rdi, [r12 + at]),
                        1 => dynasm!(self.ops ; .arch x64 ; mov rsi, [r12 + at]),
                        _ => dynasm!(self.ops ; .arch x64 ; mov rdx, [r12 + at]),
                    }
                }
                let d = r(0);
                dynasm!(self.ops
                    ; .arch x64
                    ; mov rax, QWORD address as i64
                    ; call rax
                    ; mov [r12 + d], rax
                );
            }
        }
    }

    fn store_constant(&mut self, reg: u8, bits: u64) {
        let at = slot(reg);
        if bits as i64 == i64::from(bits as i32) {
            dynasm!(self.ops ; .arch x64 ; mov QWORD [r12 + at], bits as i32);
        } else {
            dynasm!(self.ops
                ; .arch x64
                ; mov rax, QWORD bits as i64
                ; mov [r12 + at], rax
            );
        }
    }

    /// Stores the f64 in `xmm0` to the slot at `d`, a NaN as the canonical NaN (in
    /// `xmm0` too). The value goes to memory from the float register (a store through an
    /// integer register would put a domain crossing on every float dependency chain),
    /// and a NaN is overwritten after.
    fn store_canonical_f64(&mut self, d: i32) {
        let ok = self.ops.new_dynamic_label();
        dynasm!(self.ops
            ; .arch x64
            ; movsd [r12 + d], xmm0
            ; ucomisd xmm0, xmm0
            ; jnp =>ok
            ; mov rax, QWORD CANONICAL_NAN_F64 as i64
            ; mov [r12 + d], rax
            ; movq xmm0, rax
            ; =>ok
        );
    }

    fn emit_branch(&mut self, pc: usize, instr: &Instruction) {
        use Opcode as O;
        let op = instr.opcode();
        let (a, b) = (slot(instr.reg(0)), slot(instr.reg(1)));
        let target = match op {
            O::Jz | O::Jnz => instr.word(1),
            _ => instr.word(2),
        } as usize;
        match op {
            O::Jz | O::Jnz => dynasm!(self.ops ; .arch x64 ; cmp QWORD [r12 + a], 0),
            _ => dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + a] ; cmp rax, [r12 + b]),
        }
        // The untaken way is the next leader's charge, which follows in the layout.
        let backward = target <= pc && (self.setting.interruptible || self.counters.is_some());
        let taken = if backward {
            self.ops.new_dynamic_label()
        } else {
            self.leader(target).charge
        };
        match op {
            O::Jz | O::Beq => dynasm!(self.ops ; .arch x64 ; je =>taken),
            O::Jnz | O::Bne => dynasm!(self.ops ; .arch x64 ; jne =>taken),
            O::Blt => dynasm!(self.ops ; .arch x64 ; jl =>taken),
            O::Bge => dynasm!(self.ops ; .arch x64 ; jge =>taken),
            O::Bltu => dynasm!(self.ops ; .arch x64 ; jb =>taken),
            _ => dynasm!(self.ops ; .arch x64 ; jae =>taken),
        }
        if backward {
            let fall = self.leader(pc + 1).charge;
            dynasm!(self.ops ; .arch x64 ; jmp =>fall ; =>taken);
            self.back_edge(target);
        }
    }

    /// `div`, `divu`, `rem`, `remu`: the semantics' traps tested first (a zero
    /// divisor; `MIN / -1` for the signed forms), so the machine division never faults.
    fn emit_division(&mut self, pc: usize, instr: &Instruction) {
        use Opcode as O;
        let op = instr.opcode();
        let (d, a, b) = (slot(instr.reg(0)), slot(instr.reg(1)), slot(instr.reg(2)));
        let by_zero = self.trap_stub(TrapKind::DivideByZero, pc);
        dynasm!(self.ops
            ; .arch x64
            ; mov rax, [r12 + a]
            ; mov rcx, [r12 + b]
            ; test rcx, rcx
            ; jz =>by_zero
        );
        if matches!(op, O::Div | O::Rem) {
            let overflow = self.trap_stub(TrapKind::IntegerOverflow, pc);
            let fine = self.ops.new_dynamic_label();
            dynasm!(self.ops
                ; .arch x64
                ; cmp rcx, -1
                ; jne =>fine
                ; mov rdx, QWORD i64::MIN
                ; cmp rax, rdx
                ; je =>overflow
                ; =>fine
                ; cqo
                ; idiv rcx
            );
        } else {
            dynasm!(self.ops ; .arch x64 ; xor edx, edx ; div rcx);
        }
        if matches!(op, O::Div | O::Divu) {
            dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rdx);
        }
    }

    /// Leaves `rax` = the host address of an access of `size` bytes at register
    /// `base` + `offset`, after the bounds check of `semantics::effective_address`: no
    /// wrap-around, and the whole access inside memory.
    fn address(&mut self, pc: usize, base: u8, offset: i32, size: i32) {
        let outside = self.trap_stub(TrapKind::OutOfBounds, pc);
        let at = slot(base);
        dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + at]);
        if offset > 0 {
            dynasm!(self.ops ; .arch x64 ; add rax, offset ; jc =>outside);
        } else if offset < 0 {
            // Adding a negative offset borrows (no carry) exactly when it goes below 0.
            dynasm!(self.ops ; .arch x64 ; add rax, offset ; jnc =>outside);
        }
        dynasm!(self.ops
            ; .arch x64
            ; mov rcx, [rbx + o::MEMORY_LEN]
            ; sub rcx, size
            ; jb =>outside
            ; cmp rax, rcx
            ; ja =>outside
            ; add rax, r15
        );
    }

    fn emit_load(&mut self, pc: usize, instr: &Instruction) {
        use Opcode as O;
        let op = instr.opcode();
        let size = match op {
            O::Ld8u | O::Ld8s => 1,
            O::Ld16u | O::Ld16s => 2,
            O::Ld32u | O::Ld32s | O::Fld32 => 4,
            _ => 8,
        };
        self.address(pc, instr.reg(1), instr.word(2) as i32, size);
        match op {
            O::Ld64 | O::Fld64 => dynasm!(self.ops ; .arch x64 ; mov rax, [rax]),
            O::Ld8u => dynasm!(self.ops ; .arch x64 ; movzx eax, BYTE [rax]),
            O::Ld8s => dynasm!(self.ops ; .arch x64 ; movsx rax, BYTE [rax]),
            O::Ld16u => dynasm!(self.ops ; .arch x64 ; movzx eax, WORD [rax]),
            O::Ld16s => dynasm!(self.ops ; .arch x64 ; movsx rax, WORD [rax]),
            O::Ld32u | O::Fld32 => dynasm!(self.ops ; .arch x64 ; mov eax, [rax]),
            _ => dynasm!(self.ops ; .arch x64 ; movsxd rax, DWORD [rax]),
        }
        let d = slot(instr.reg(0));
        dynasm!(self.ops ; .arch x64 ; mov [r12 + d], rax);
    }

    fn emit_store(&mut self, pc: usize, instr: &Instruction) {
        use Opcode as O;
        let op = instr.opcode();
        let size = match op {
            O::St8 => 1,
            O::St16 => 2,
            O::St32 | O::Fst32 => 4,
            _ => 8,
        };
        self.address(pc, instr.reg(0), instr.word(1) as i32, size);
        // Float stores move the bits unchanged (a NaN was made canonical when computed).
        let value = slot(instr.reg(2));
        dynasm!(self.ops ; .arch x64 ; mov rcx, [r12 + value]);
        match op {
            O::St8 => dynasm!(self.ops ; .arch x64 ; mov [rax], cl),
            O::St16 => dynasm!(self.ops ; .arch x64 ; mov [rax], cx),
            O::St32 | O::Fst32 => dynasm!(self.ops ; .arch x64 ; mov [rax], ecx),
            _ => dynasm!(self.ops ; .arch x64 ; mov [rax], rcx),
        }
    }

    /// Calls a helper with the context and the arguments already in `rsi`, `rdx`,
    /// `rcx`; traps at `pc` with a nonzero code. `working` helpers charge their work's
    /// fuel and may answer [`FUEL_SHORT`]: then native code leaves for the interpreter
    /// at `pc`, uncharged, for it to trap `out_of_fuel` exactly there.
    fn call_helper(&mut self, address: usize, pc: usize, working: bool) {
        self.store_fuel();
        dynasm!(self.ops
            ; .arch x64
            ; mov rdi, rbx
            ; mov rax, QWORD address as i64
            ; call rax
        );
        self.reload();
        if working && self.setting.metered {
            let short = self.stub(Stub::Exit {
                pc: pc as u32,
                refund: self.runs.refund(pc) + 1,
                reenter: false,
            });
            dynasm!(self.ops
                ; .arch x64
                ; cmp eax, FUEL_SHORT as i32
                ; je =>short
            );
        }
        let trap = self.stub(Stub::HelperTrap {
            pc: pc as u32,
            refund: self.runs.refund(pc),
        });
        dynasm!(self.ops ; .arch x64 ; test eax, eax ; jnz =>trap);
    }

    /// `call rD, func, rFirst, n`: the call-depth and register-stack limits as the
    /// interpreter checks them, then the callee's native code (or the VM's `call`
    /// helper), then its status.
    fn emit_call(&mut self, pc: usize, instr: &Instruction) {
        let callee = instr.word(1);
        let first = instr.reg(2);
        let count = instr.word(3) as usize;
        let callee_regs = self.setting.module.functions[callee as usize].regs;
        let callee_fp = (self.regs * 8) as i32;
        let too_deep = self.trap_stub(TrapKind::CallDepth, pc);
        let grown = self.ops.new_dynamic_label();
        let grow = self.stub(Stub::Grow {
            pc: pc as u32,
            resume: grown,
        });
        let needed = ((self.regs + callee_regs) * 8) as i32;
        dynasm!(self.ops
            ; .arch x64
            ; mov eax, self.setting.max_call_depth as i32
            ; cmp [rsp], rax
            ; jae =>too_deep
            ; lea rax, [r13 + needed]
            ; cmp rax, [rbx + o::STACK_LEN]
            ; ja =>grow
            ; =>grown
        );
        // Arguments past the register ones travel in the callee's frame.
        for i in REGISTER_ARGS..count {
            let from = slot(first + i as u8);
            let to = callee_fp + (i as i32) * 8;
            dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + from] ; mov [r12 + to], rax);
        }
        self.store_fuel();
        let returned = self.ops.new_dynamic_label();
        let interpreted = self.stub(Stub::InterpretedCall {
            pc: pc as u32,
            resume: returned,
        });
        let table_at = (callee as usize * 8) as i32;
        dynasm!(self.ops
            ; .arch x64
            ; mov rax, [rbx + o::CODE_TABLE]
            ; mov rax, [rax + table_at]
            ; test rax, rax
            ; jz =>interpreted
            ; mov rdi, rbx
            ; lea rsi, [r13 + callee_fp]
            ; mov rdx, [rsp]
            ; add rdx, 1
        );
        for i in 0..count.min(REGISTER_ARGS) {
            let from = slot(first + i as u8);
            match i {
                0 => dynasm!(self.ops ; .arch x64 ; mov rcx, [r12 + from]),
                1 => dynasm!(self.ops ; .arch x64 ; mov r8, [r12 + from]),
                2 => dynasm!(self.ops ; .arch x64 ; mov r9, [r12 + from]),
                _ => {}
            }
        }
        if count >= REGISTER_ARGS {
            // The fourth argument is the seventh integer one: on the stack.
            let from = slot(first + 3);
            dynasm!(self.ops
                ; .arch x64
                ; sub rsp, 16
                ; mov r10, [r12 + from]
                ; mov [rsp], r10
                ; call rax
                ; add rsp, 16
            );
        } else {
            dynasm!(self.ops ; .arch x64 ; call rax);
        }
        let failed = self.stub(Stub::CallFailed { pc: pc as u32 });
        let dst = slot(instr.reg(0));
        dynasm!(self.ops
            ; .arch x64
            ; =>returned
            ; test rdx, rdx
            ; jnz =>failed
        );
        self.reload();
        dynasm!(self.ops ; .arch x64 ; mov [r12 + dst], rax);
        // The next leader (after the call) is charged: its charge block follows.
    }

    // ------------------------------------------------------------------ stubs

    fn emit_stubs(&mut self) {
        let stubs = std::mem::take(&mut self.stubs);
        for (label, stub) in stubs {
            dynasm!(self.ops ; .arch x64 ; =>label);
            match stub {
                Stub::Trap {
                    code,
                    payload,
                    pc,
                    refund,
                } => {
                    dynasm!(self.ops ; .arch x64 ; mov eax, code as i32);
                    self.leave_trapped(pc, refund, payload);
                }
                Stub::HelperTrap { pc, refund } => self.leave_trapped(pc, refund, 0),
                Stub::Exit {
                    pc,
                    refund,
                    reenter,
                } => self.leave_exited(pc, refund, reenter),
                Stub::Grow { pc, resume } => {
                    // The reload after the helper takes the fuel from the context.
                    self.store_fuel();
                    dynasm!(self.ops
                        ; .arch x64
                        ; mov rdi, rbx
                        ; mov rsi, rax
                        ; mov rax, QWORD self.setting.helpers.grow_stack as usize as i64
                        ; call rax
                    );
                    self.reload();
                    dynasm!(self.ops ; .arch x64 ; test eax, eax ; jz =>resume);
                    self.leave_trapped(pc, self.runs.refund(pc as usize), 0);
                }
                Stub::InterpretedCall { pc, resume } => {
                    let instr = self.code[pc as usize];
                    let (callee, first, count) =
                        (instr.word(1), instr.reg(2), instr.word(3) as usize);
                    let callee_fp = (self.regs * 8) as i32;
                    for i in 0..count.min(REGISTER_ARGS) {
                        let from = slot(first + i as u8);
                        let to = callee_fp + (i as i32) * 8;
                        dynasm!(self.ops ; .arch x64 ; mov rax, [r12 + from] ; mov [r12 + to], rax);
                    }
                    dynasm!(self.ops
                        ; .arch x64
                        ; mov rdi, rbx
                        ; mov esi, callee as i32
                        ; lea rdx, [r13 + callee_fp]
                        ; mov rcx, [rsp]
                        ; add rcx, 1
                        ; mov rax, QWORD self.setting.helpers.call as usize as i64
                        ; call rax
                        ; mov edx, eax
                        ; mov rax, [rbx + o::RET]
                        ; jmp =>resume
                    );
                }
                Stub::CallFailed { pc } => {
                    // A trap or halt goes up unchanged (the callee filled the record and
                    // stored the fuel); an exit records this frame for the interpreter
                    // first (its registers are in the frame already).
                    let instr = self.code[pc as usize];
                    let dst = i32::from(instr.reg(0));
                    let epilogue = self.epilogue;
                    dynasm!(self.ops
                        ; .arch x64
                        ; cmp rdx, Status::Exited as i32
                        ; jne =>epilogue
                        ; mov rdi, rbx
                        ; mov esi, self.func as i32
                        ; mov edx, (pc + 1) as i32
                        ; mov ecx, dst
                        ; mov r8, r13
                        ; mov rax, QWORD self.setting.helpers.push_frame as usize as i64
                        ; call rax
                        ; xor eax, eax
                        ; mov edx, Status::Exited as i32
                        ; jmp =>epilogue
                    );
                }
                Stub::TierUp { resume } => {
                    let tier_up = self
                        .counters
                        .expect("tier-up stubs come with counters")
                        .tier_up;
                    self.store_fuel();
                    dynasm!(self.ops
                        ; .arch x64
                        ; mov rdi, rbx
                        ; mov esi, self.func as i32
                        ; mov rax, QWORD tier_up as usize as i64
                        ; call rax
                        ; jmp =>resume
                    );
                }
            }
        }
    }

    /// Leaves with a trap whose code is in `eax` at `pc`, giving back `refund` fuel:
    /// the stub sets the tail's operands and jumps to it.
    fn leave_trapped(&mut self, pc: u32, refund: u32, payload: i32) {
        dynasm!(self.ops ; .arch x64 ; mov ecx, pc as i32);
        if self.setting.metered {
            dynasm!(self.ops ; .arch x64 ; mov edx, refund as i32);
        }
        if payload == 0 {
            let tail = self.tails.trap;
            dynasm!(self.ops ; .arch x64 ; jmp =>tail);
        } else {
            let tail = self.tails.trap_with_payload;
            dynasm!(self.ops ; .arch x64 ; mov r8, payload ; jmp =>tail);
        }
    }

    /// Leaves for the interpreter at `pc` (every register is in the frame already),
    /// giving back `refund` fuel.
    fn leave_exited(&mut self, pc: u32, refund: u32, reenter: bool) {
        dynasm!(self.ops ; .arch x64 ; mov ecx, pc as i32);
        if self.setting.metered {
            dynasm!(self.ops ; .arch x64 ; mov edx, refund as i32);
        }
        let tail = self.tails.exit;
        dynasm!(self.ops
            ; .arch x64
            ; mov r8d, i32::from(reenter)
            ; jmp =>tail
        );
    }

    /// The code every trap and exit of the function ends in: `ecx` the pc, `edx` the
    /// fuel to give back (metered code), `eax` a trap's code, `r8` a trap's payload or
    /// an exit's `reenter`.
    fn emit_tails(&mut self) {
        let Tails {
            trap,
            trap_with_payload,
            exit,
        } = self.tails;
        let epilogue = self.epilogue;
        dynasm!(self.ops
            ; .arch x64
            ; =>trap
            ; xor r8d, r8d
            ; =>trap_with_payload
        );
        self.settle_fuel();
        dynasm!(self.ops
            ; .arch x64
            ; mov [rbx + o::EXIT_TRAP_CODE], eax
            ; mov DWORD [rbx + o::EXIT_FUNC], self.func as i32
            ; mov [rbx + o::EXIT_PC], ecx
            ; mov [rbx + o::EXIT_PAYLOAD], r8
            ; xor eax, eax
            ; mov edx, Status::Trapped as i32
            ; jmp =>epilogue
            ; =>exit
        );
        self.settle_fuel();
        dynasm!(self.ops
            ; .arch x64
            ; mov DWORD [rbx + o::EXIT_TRAP_CODE], 0
            ; mov DWORD [rbx + o::EXIT_FUNC], self.func as i32
            ; mov [rbx + o::EXIT_PC], ecx
            ; mov rax, [rsp]
            ; mov [rbx + o::EXIT_DEPTH], eax
            ; mov [rbx + o::EXIT_FP], r13
            ; mov [rbx + o::EXIT_REENTER], r8d
            ; xor eax, eax
            ; mov edx, Status::Exited as i32
            ; jmp =>epilogue
        );
    }

    /// Gives back the `edx` units of fuel a leaving run was charged and will not run,
    /// and stores the fuel for the VM.
    fn settle_fuel(&mut self) {
        if self.setting.metered {
            dynasm!(self.ops
                ; .arch x64
                ; add r14, rdx
                ; mov [rbx + o::FUEL], r14
            );
        }
    }
}

/// The shared ends of a function's traps and exits.
#[derive(Clone, Copy)]
struct Tails {
    trap: DynamicLabel,
    trap_with_payload: DynamicLabel,
    exit: DynamicLabel,
}

/// True for the instructions whose inline templates leave `xmm0` alone (or set what it
/// holds themselves): the integer, memory and bit-moving ones and the f64 arithmetic.
/// Control flow, calls, helpers, shims and the other float templates are the rest of
/// what [`supported`] admits.
fn keeps_xmm0(op: Opcode) -> bool {
    use Opcode as O;
    // Loads, stores and `msize` go through integer registers.
    touches_memory(op)
        || matches!(
            op,
            O::Nop
                | O::Add
                | O::Sub
                | O::Mul
                | O::And
                | O::Or
                | O::Xor
                | O::Shl
                | O::Shr
                | O::Sar
                | O::Rotl
                | O::Rotr
                | O::Addi
                | O::Muli
                | O::Andi
                | O::Ori
                | O::Xori
                | O::Shli
                | O::Shri
                | O::Sari
                | O::Div
                | O::Divu
                | O::Rem
                | O::Remu
                | O::Neg
                | O::Not
                | O::Sext8
                | O::Sext16
                | O::Sext32
                | O::Zext8
                | O::Zext16
                | O::Zext32
                | O::Seq
                | O::Sne
                | O::Slt
                | O::Sle
                | O::Sltu
                | O::Sleu
                | O::Mov
                | O::Movi
                | O::Fmovi
                | O::FmoviF32
                | O::MoviData
                | O::Select
                | O::Fadd
                | O::Fsub
                | O::Fmul
                | O::Fdiv
                | O::Fsqrt
                | O::I2f
                | O::Fneg
                | O::Fabs
        )
}

/// True for the instructions the baseline tier compiles: every one but GPU and VK
/// (which never reach native code) and the scalar ones without a template or a shim.
pub(crate) fn supported(op: Opcode) -> bool {
    use Opcode as O;
    match op.family() {
        Family::Gpu | Family::Vk => false,
        Family::Tensor => true,
        _ => {
            keeps_xmm0(op)
                || shim(op).is_some()
                || matches!(
                    op,
                    O::Jmp
                        | O::Jz
                        | O::Jnz
                        | O::Beq
                        | O::Bne
                        | O::Blt
                        | O::Bge
                        | O::Bltu
                        | O::Bgeu
                        | O::Call
                        | O::Ret
                        | O::Hcall
                        | O::Trap
                        | O::HaltReg
                        | O::Halt
                        | O::FaddF32
                        | O::FsubF32
                        | O::FmulF32
                        | O::Feq
                        | O::Flt
                        | O::Fle
                        | O::Alloc
                        | O::Free
                        | O::MemCopy
                        | O::MemFill
                )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_but_gpu_and_vk_has_a_template_or_a_shim() {
        for &op in Opcode::ALL {
            let device = matches!(op.family(), Family::Gpu | Family::Vk);
            assert_eq!(supported(op), !device, "{op:?}");
        }
    }
}
