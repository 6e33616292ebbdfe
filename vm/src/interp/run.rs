//! The dispatch loop.
//!
//! One `match` on a dense one-byte op per instruction, the hot state (instruction
//! pointer, frame pointer, fuel, memory base and length) in locals, registers addressed through a raw
//! frame pointer. The loop is instantiated twice: the fast form charges fuel per
//! straight-line run at branches, calls and returns (see `predecode.rs`); the metered
//! form charges one unit per instruction and runs only once the fuel left is less than
//! the next run's charge (or than an instruction's work, `crate::work`), so the
//! out-of-fuel trap lands on the exact instruction. Each form has a counting copy,
//! instantiated only for `Config::count_executions` (so the normal loops carry no
//! counting code), that adds one to an instruction's counter as it starts it.

use std::sync::atomic::{AtomicU32, Ordering};

use adead_isa::TrapKind;
use adead_isa::semantics as sem;
use adead_jit::Entry;

use super::code::{Code, Inst, Op};
use crate::host::{Caller, HostFunc};
use crate::memory::Memory;
use crate::native::{Native, NativeTier, Shared, Thresholds};
use crate::tensors::{TensorContext, TensorTable};
use crate::value::Value;
use adead_kernels::Kernels;

/// A caller's state saved by `call` and restored by `ret`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub ret_pc: u32,
    pub func: u32,
    /// The caller's frame size, so `ret` needs no function lookup.
    pub regs: u32,
    pub fp: usize,
    pub dst: u8,
    pub resume_cost: u32,
}

/// How a run ended without a trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// The outermost function returned this value.
    Returned(u64),
    /// A `halt` ended the program with this exit code.
    Halted(u64),
}

/// Why the loop stopped short.
pub(crate) enum Stop {
    /// A trap at global pc `pc`. The fuel is settled: what the trap's run was charged
    /// but did not execute has been given back.
    Trap {
        kind: TrapKind,
        pc: usize,
        detail: Option<String>,
    },
    /// The fast loop cannot charge the next run: continue in the metered loop.
    Meter,
}

/// Everything one run touches. The fields from `pc` on are the machine registers,
/// loaded into locals by [`Machine::run`] and written back when it stops.
pub(crate) struct Machine<'a> {
    pub code: &'a Code,
    pub hosts: &'a [HostFunc],
    pub memory: &'a mut Memory,
    pub stack: &'a mut Vec<u64>,
    pub frames: &'a mut Vec<Frame>,
    /// The module as verified (native code is compiled from it).
    pub module: &'a adead_isa::Module,
    pub calls: &'a mut [u64],
    pub loops: &'a mut [u64],
    /// Per instruction, its executions so far (`Config::count_executions`); empty when
    /// not counted.
    pub executions: &'a mut [u64],
    /// `frames.len() + 2 > max_depth` means a call would pass the depth limit: the
    /// engine's limit less the calls below this machine's first frame.
    pub max_depth: usize,
    /// Calls below this machine's first frame (native callers of a nested run).
    pub depth_base: usize,
    pub max_stack: usize,
    pub host_args: &'a mut Vec<Value>,
    pub tensors: &'a mut TensorTable,
    /// The engine's kernels; `Some` whenever the code has tensor instructions (their
    /// module loads only then).
    pub kernels: Option<&'a Kernels>,
    /// The module's native tier, when the engine runs one.
    pub native: Option<&'a NativeTier>,
    /// Entries and back-edges past which code moves to native code (`u64::MAX`: never),
    /// and past which it asks for optimized code.
    pub thresholds: Thresholds,
    /// Nonzero when the host asks the run to stop (see `InterruptHandle`): polled on
    /// entering a function and on taking a backward branch.
    pub interrupt: &'a AtomicU32,
    /// The state of the host's call that native code and nested runs share.
    pub shared: &'a mut Shared,
    pub pc: usize,
    pub fp: usize,
    pub func: u32,
    pub fuel: u64,
}

/// Makes the register stack hold at least `needed` registers (doubling, so that a deep
/// recursion grows it a logarithmic number of times), or fails when that passes
/// `max_stack` (the register-stack limit) or the host has no memory for it: both trap
/// with `call_depth`.
pub(crate) fn grow_stack(stack: &mut Vec<u64>, needed: usize, max_stack: usize) -> Result<(), ()> {
    if needed <= stack.len() {
        return Ok(());
    }
    if needed > max_stack {
        return Err(());
    }
    let grown = (stack.len() * 2).clamp(needed, max_stack);
    // The module decides how deep it recurses: a host that cannot provide the
    // registers stops the call like the limit does, instead of aborting.
    stack
        .try_reserve_exact(grown - stack.len())
        .map_err(|_| ())?;
    stack.resize(grown, 0);
    Ok(())
}

impl Machine<'_> {
    /// Runs from the saved state until the outermost return, a halt, a trap or (fast
    /// form only) a run it cannot charge.
    ///
    /// Safety of the unchecked accesses: the module was verified (register indices are
    /// inside their frame, branch targets inside their function, every function ends in
    /// a terminator, call and import indices valid) and `stack` always holds the
    /// current frame (`call` grows it before entering a callee).
    #[allow(clippy::too_many_lines)]
    pub(crate) fn run<const METERED: bool, const COUNTING: bool>(
        &mut self,
    ) -> Result<Finish, Stop> {
        let code: &Code = self.code;
        let insts = code.insts.as_ptr();
        // One more execution of the instruction at `$at`.
        macro_rules! count {
            ($at:expr, $delta:tt) => {
                if COUNTING {
                    // SAFETY: `$at` points into `insts`, and the counting loops run only
                    // with a counter per instruction.
                    unsafe {
                        *self.executions.as_mut_ptr().offset($at.offset_from(insts)) $delta 1
                    };
                }
            };
        }
        let funcs = &code.funcs[..];
        // SAFETY: the saved pc is a verified instruction index.
        let mut ip = unsafe { insts.add(self.pc) };
        let mut fp = self.fp;
        let mut func = self.func;
        let mut fuel = self.fuel;
        let mut frame_regs = funcs[func as usize].regs as usize;
        let mut base = self.stack.as_mut_ptr();
        // SAFETY: `fp + frame_regs <= stack.len()` holds for the current frame.
        let mut frame = unsafe { base.add(fp) };
        let mut mem = self.memory.bytes_mut().as_mut_ptr();
        let mut mem_len = self.memory.len();
        // A copy LLVM can keep in a register: `self` is reloaded after every store
        // through the frame pointer.
        let interrupt: &AtomicU32 = self.interrupt;

        macro_rules! save {
            () => {
                // SAFETY: ip points into `insts`.
                self.pc = unsafe { ip.offset_from(insts) } as usize;
                self.fp = fp;
                self.func = func;
                self.fuel = fuel;
            };
        }
        macro_rules! reg {
            ($i:expr) => {
                // SAFETY: verified register index inside the current frame.
                unsafe { *frame.add($i as usize) }
            };
        }
        macro_rules! set {
            ($i:expr, $v:expr) => {{
                let value: u64 = $v;
                // SAFETY: verified register index inside the current frame.
                unsafe { *frame.add($i as usize) = value }
            }};
        }
        // Stops with a trap at instruction pointer `$at`, giving back what its run was
        // charged and did not execute.
        macro_rules! stop_trap {
            ($at:expr, $kind:expr, $detail:expr) => {{
                // SAFETY: the trapping instruction lies in `insts`.
                let pc = unsafe { $at.offset_from(insts) } as usize;
                if !METERED {
                    fuel += u64::from(code.refund[pc]);
                }
                save!();
                return Err(Stop::Trap {
                    kind: $kind,
                    pc,
                    detail: $detail,
                });
            }};
        }
        macro_rules! trap_at {
            ($pc:expr, $kind:expr) => {
                stop_trap!($pc, $kind, None)
            };
        }
        // At a check point (ip at a function's entry or a loop header, its run not yet
        // charged): stops with `interrupted` there when the host asked for it.
        macro_rules! poll_interrupt {
            () => {
                if interrupt.load(Ordering::Relaxed) != 0 {
                    save!();
                    return Err(Stop::Trap {
                        kind: TrapKind::Interrupted,
                        pc: self.pc,
                        detail: None,
                    });
                }
            };
        }
        macro_rules! reload_memory {
            () => {
                mem = self.memory.bytes_mut().as_mut_ptr();
                mem_len = self.memory.len();
            };
        }
        // Everything native code may have changed: the state, the register stack's
        // place, memory.
        macro_rules! reload_all {
            () => {
                // SAFETY: native code and its helpers leave a verified pc.
                ip = unsafe { insts.add(self.pc) };
                fp = self.fp;
                func = self.func;
                fuel = self.fuel;
                frame_regs = funcs[func as usize].regs as usize;
                base = self.stack.as_mut_ptr();
                // SAFETY: the frame at fp lies inside the stack.
                frame = unsafe { base.add(fp) };
                reload_memory!();
            };
        }
        // Continue at ip (already set), first charging the run that starts there; the
        // fast loop hands over to the metered one when the fuel left cannot pay it.
        macro_rules! fall_through {
            ($cost:expr) => {{
                if !METERED {
                    let cost = u64::from($cost);
                    if fuel < cost {
                        save!();
                        return Err(Stop::Meter);
                    }
                    fuel -= cost;
                }
                continue;
            }};
        }
        // Continue at `target`, first charging the run that starts there.
        macro_rules! enter {
            ($target:expr, $cost:expr) => {{
                // SAFETY: branch targets are verified instruction indices.
                ip = unsafe { insts.add($target as usize) };
                fall_through!($cost)
            }};
        }
        // The current function returns `value` to its caller, or ends the run.
        macro_rules! return_value {
            ($value:expr) => {{
                let value: u64 = $value;
                match self.frames.pop() {
                    None => {
                        save!();
                        return Ok(Finish::Returned(value));
                    }
                    Some(caller) => {
                        fp = caller.fp;
                        func = caller.func;
                        frame_regs = caller.regs as usize;
                        // SAFETY: the caller's frame is still inside the stack.
                        frame = unsafe { base.add(fp) };
                        set!(caller.dst, value);
                        enter!(caller.ret_pc, caller.resume_cost)
                    }
                }
            }};
        }
        // Moves the current function, at `ip` (its start or a loop header, not yet
        // charged), to native code of level `$want` or better when the tier has it;
        // otherwise charges `$cost` and interprets on.
        macro_rules! native {
            ($entry:expr, $cost:expr, $want:expr) => {{
                save!();
                match self.run_native(func, $entry, $want) {
                    Native::Declined => fall_through!($cost),
                    Native::Returned(value) => {
                        fuel = self.fuel;
                        base = self.stack.as_mut_ptr();
                        reload_memory!();
                        return_value!(value)
                    }
                    Native::Resume => {
                        reload_all!();
                        // SAFETY: ip points into `insts`.
                        let at = unsafe { ip.offset_from(insts) } as usize;
                        fall_through!(code.charge[at])
                    }
                    Native::Finished(finish) => return Ok(finish),
                    Native::Trapped((kind, pc, detail)) => {
                        return Err(Stop::Trap { kind, pc, detail });
                    }
                }
            }};
        }

        loop {
            // SAFETY: ip points at a verified instruction (see above).
            // A reference, not a copy: each handler loads only the fields it uses.
            let inst = unsafe { &*ip };
            let this = ip;
            // SAFETY: every function ends in a terminator, so ip + 1 is at most one past
            // the end of `insts` and only dereferenced after a non-terminator.
            ip = unsafe { ip.add(1) };
            if METERED {
                if fuel == 0 {
                    trap_at!(this, TrapKind::OutOfFuel);
                }
                fuel -= 1;
            }
            count!(this, +=);
            macro_rules! trap {
                ($kind:expr) => {
                    trap_at!(this, $kind)
                };
            }
            macro_rules! try_trap {
                ($result:expr) => {
                    match $result {
                        Ok(value) => value,
                        Err(kind) => trap!(kind),
                    }
                };
            }
            // Take or skip the branch `$br`, counting loop iterations on backward ones.
            macro_rules! branch_on {
                ($br:expr, $cond:expr, $backward:expr) => {{
                    let br: &Inst = $br;
                    if $cond {
                        if $backward {
                            // SAFETY: branch targets are verified instruction indices.
                            ip = unsafe { insts.add(br.k as usize) };
                            poll_interrupt!();
                            // SAFETY: loops has one counter per instruction.
                            let count = unsafe { self.loops.get_unchecked_mut(br.k as usize) };
                            *count += 1;
                            if !METERED && *count > self.thresholds.native {
                                let header = br.k - funcs[func as usize].entry;
                                let want = self.thresholds.level(*count);
                                native!(Entry::LoopHeader(header), br.lo(), want)
                            }
                        }
                        enter!(br.k, br.lo())
                    } else {
                        fall_through!(br.hi())
                    }
                }};
            }
            macro_rules! branch {
                ($cond:expr, $backward:expr) => {
                    branch_on!(inst, $cond, $backward)
                };
            }
            // The add of a fused pair; in the fast loop, then the branch in the next slot,
            // taken when `$taken(rA, rB)` of the branch holds.
            macro_rules! fused {
                ($sum:expr, $taken:path) => {{
                    let sum: u64 = $sum;
                    set!(inst.a, sum);
                    if !METERED {
                        // SAFETY: a fused op is never a function's last instruction, and
                        // neither is the branch after it.
                        let branch = unsafe { &*ip };
                        count!(ip, +=);
                        ip = unsafe { ip.add(1) };
                        branch_on!(branch, $taken(reg!(branch.a), reg!(branch.b)), true)
                    }
                }};
            }
            // A float compare, then (fast loop) the jz/jnz in the next slot on its result.
            macro_rules! fused_compare {
                ($compare:path, $jump_when:expr) => {{
                    let holds = $compare(reg!(inst.b), reg!(inst.c));
                    set!(inst.a, holds);
                    if !METERED {
                        // SAFETY: the fused compare is not a function's last instruction,
                        // and neither is the branch after it.
                        let branch = unsafe { &*ip };
                        count!(ip, +=);
                        ip = unsafe { ip.add(1) };
                        let backward = matches!(branch.op, Op::JzBack | Op::JnzBack);
                        branch_on!(branch, (holds != 0) == $jump_when, backward)
                    }
                }};
            }
            // The result of an operation that pays for its work (`crate::work`) from
            // `fuel`. When it could not (it did nothing): the metered loop traps
            // `out_of_fuel` here, giving back the instruction's own unit; the fast loop
            // paid from what its run's charge left, so it hands the instruction to the
            // metered loop, uncharged, which decides with the exact fuel.
            macro_rules! worked {
                ($result:expr) => {
                    match $result {
                        Ok(value) => value,
                        Err((TrapKind::OutOfFuel, _)) if METERED => {
                            fuel += 1;
                            trap!(TrapKind::OutOfFuel)
                        }
                        Err((TrapKind::OutOfFuel, _)) => {
                            // SAFETY: `this` points into `insts`.
                            let pc = unsafe { this.offset_from(insts) } as usize;
                            fuel += u64::from(code.refund[pc]) + 1;
                            // Handed over unstarted: the metered loop counts it.
                            count!(this, -=);
                            ip = this;
                            save!();
                            return Err(Stop::Meter);
                        }
                        Err((kind, detail)) => stop_trap!(this, kind, detail),
                    }
                };
            }
            macro_rules! address {
                ($base:expr, $size:expr) => {
                    try_trap!(sem::effective_address($base, inst.k as i32, $size, mem_len))
                };
            }
            macro_rules! load {
                ($ty:ty, $widen:path) => {{
                    let at = address!(reg!(inst.b), size_of::<$ty>() as u64);
                    // SAFETY: `at + size` is inside linear memory (checked above).
                    let raw = unsafe { std::ptr::read_unaligned(mem.add(at) as *const $ty) };
                    set!(inst.a, $widen(<$ty>::from_le(raw)));
                }};
            }
            macro_rules! store {
                ($ty:ty, $narrow:path) => {{
                    let at = address!(reg!(inst.a), size_of::<$ty>() as u64);
                    let value = $narrow(reg!(inst.b)).to_le();
                    // SAFETY: `at + size` is inside linear memory (checked above).
                    unsafe { std::ptr::write_unaligned(mem.add(at) as *mut $ty, value) };
                }};
            }
            // rD = f(rA, rB), rD = f(rA, rB) or trap, rD = f(rA, imm), rD = f(rA).
            macro_rules! binary {
                ($f:path) => {
                    set!(inst.a, $f(reg!(inst.b), reg!(inst.c)))
                };
            }
            macro_rules! binary_trap {
                ($f:path) => {
                    set!(inst.a, try_trap!($f(reg!(inst.b), reg!(inst.c))))
                };
            }
            macro_rules! with_imm {
                ($f:path) => {
                    set!(inst.a, $f(reg!(inst.b), inst.imm))
                };
            }
            macro_rules! unary {
                ($f:path) => {
                    set!(inst.a, $f(reg!(inst.b)))
                };
            }
            macro_rules! ternary {
                ($f:path) => {
                    set!(inst.a, $f(reg!(inst.b), reg!(inst.c), reg!(inst.k)))
                };
            }

            match inst.op {
                Op::Nop => {}
                Op::Jmp => enter!(inst.k, inst.lo()),
                Op::JmpBack => branch!(true, true),
                Op::Jz => branch!(sem::jz(reg!(inst.a)), false),
                Op::JzBack => branch!(sem::jz(reg!(inst.a)), true),
                Op::Jnz => branch!(sem::jnz(reg!(inst.a)), false),
                Op::JnzBack => branch!(sem::jnz(reg!(inst.a)), true),
                Op::Beq => branch!(sem::beq(reg!(inst.a), reg!(inst.b)), false),
                Op::BeqBack => branch!(sem::beq(reg!(inst.a), reg!(inst.b)), true),
                Op::Bne => branch!(sem::bne(reg!(inst.a), reg!(inst.b)), false),
                Op::BneBack => branch!(sem::bne(reg!(inst.a), reg!(inst.b)), true),
                Op::Blt => branch!(sem::blt(reg!(inst.a), reg!(inst.b)), false),
                Op::BltBack => branch!(sem::blt(reg!(inst.a), reg!(inst.b)), true),
                Op::Bge => branch!(sem::bge(reg!(inst.a), reg!(inst.b)), false),
                Op::BgeBack => branch!(sem::bge(reg!(inst.a), reg!(inst.b)), true),
                Op::Bltu => branch!(sem::bltu(reg!(inst.a), reg!(inst.b)), false),
                Op::BltuBack => branch!(sem::bltu(reg!(inst.a), reg!(inst.b)), true),
                Op::Bgeu => branch!(sem::bgeu(reg!(inst.a), reg!(inst.b)), false),
                Op::BgeuBack => branch!(sem::bgeu(reg!(inst.a), reg!(inst.b)), true),
                Op::Call => {
                    let callee_index = inst.k as usize;
                    let callee = &funcs[callee_index];
                    if self.frames.len() + 2 > self.max_depth {
                        trap!(TrapKind::CallDepth);
                    }
                    let callee_fp = fp + frame_regs;
                    let callee_regs = callee.regs as usize;
                    let needed = callee_fp + callee_regs;
                    if needed > self.stack.len() {
                        if grow_stack(self.stack, needed, self.max_stack).is_err() {
                            trap!(TrapKind::CallDepth);
                        }
                        base = self.stack.as_mut_ptr();
                        // SAFETY: fp + frame_regs <= stack.len().
                        frame = unsafe { base.add(fp) };
                    }
                    let count = inst.hi() as usize;
                    // SAFETY: the arguments lie inside the caller's frame (verified), the
                    // callee's frame [callee_fp, needed) inside the stack (just ensured),
                    // and the two frames do not overlap.
                    unsafe {
                        let callee_frame = base.add(callee_fp);
                        let args = frame.add(inst.b as usize);
                        // Frames are small: plain stores beat a call to memcpy/memset.
                        // Volatile keeps LLVM from turning the loops back into those calls.
                        for i in 0..count {
                            std::ptr::write_volatile(callee_frame.add(i), *args.add(i));
                        }
                        for i in count..callee_regs {
                            std::ptr::write_volatile(callee_frame.add(i), 0);
                        }
                        frame = callee_frame;
                    }
                    if self.frames.len() == self.frames.capacity()
                        && self.frames.try_reserve(1).is_err()
                    {
                        trap!(TrapKind::CallDepth);
                    }
                    self.frames.push(Frame {
                        // SAFETY: ip points into `insts`.
                        ret_pc: unsafe { ip.offset_from(insts) } as u32,
                        func,
                        regs: frame_regs as u32,
                        fp,
                        dst: inst.a,
                        resume_cost: inst.lo(),
                    });
                    // SAFETY: the verifier proved the callee index.
                    let entries = unsafe { self.calls.get_unchecked_mut(callee_index) };
                    *entries += 1;
                    fp = callee_fp;
                    func = inst.k;
                    frame_regs = callee_regs;
                    // SAFETY: the callee's entry is a verified instruction index.
                    ip = unsafe { insts.add(callee.entry as usize) };
                    poll_interrupt!();
                    if !METERED && *entries > self.thresholds.native {
                        let want = self.thresholds.level(*entries);
                        native!(Entry::Start, callee.entry_cost, want)
                    }
                    fall_through!(callee.entry_cost)
                }
                Op::Ret => return_value!(reg!(inst.a)),
                Op::Hcall => {
                    let hosts: &[HostFunc] = self.hosts;
                    let host = &hosts[inst.k as usize];
                    self.host_args.clear();
                    for (i, &ty) in host.signature.params.iter().enumerate() {
                        self.host_args
                            .push(Value::from_bits(ty, reg!(inst.b as usize + i)));
                    }
                    let result = (host.func)(
                        &mut Caller {
                            memory: &mut *self.memory,
                            tensors: &mut *self.tensors,
                        },
                        &self.host_args[..],
                    );
                    reload_memory!();
                    match result {
                        Ok(value) => set!(inst.a, value.map_or(0, Value::to_bits)),
                        Err(error) => stop_trap!(this, TrapKind::Host, Some(error.0)),
                    }
                }
                Op::Trap => trap!(TrapKind::User(inst.imm as u32 as i32)),
                Op::HaltReg => {
                    let code = reg!(inst.a);
                    save!();
                    return Ok(Finish::Halted(code));
                }
                Op::Halt => {
                    save!();
                    return Ok(Finish::Halted(0));
                }
                Op::Alloc => {
                    let result = self.memory.alloc(reg!(inst.b), &mut fuel);
                    let addr = worked!(result.map_err(|kind| (kind, None)));
                    reload_memory!();
                    set!(inst.a, addr);
                }
                Op::Free => try_trap!(self.memory.free(reg!(inst.a))),
                Op::MemSize => set!(inst.a, mem_len),
                Op::MemCopy => {
                    let (to, from, len) = (reg!(inst.a), reg!(inst.b), reg!(inst.c));
                    let result = self.memory.copy(to, from, len, &mut fuel);
                    worked!(result.map_err(|kind| (kind, None)))
                }
                Op::MemFill => {
                    let (to, byte, len) = (reg!(inst.a), reg!(inst.b) as u8, reg!(inst.c));
                    let result = self.memory.fill(to, byte, len, &mut fuel);
                    worked!(result.map_err(|kind| (kind, None)))
                }
                Op::Ld64 => load!(u64, sem::ld64),
                Op::Ld8u => load!(u8, sem::ld8u),
                Op::Ld8s => load!(u8, sem::ld8s),
                Op::Ld16u => load!(u16, sem::ld16u),
                Op::Ld16s => load!(u16, sem::ld16s),
                Op::Ld32u => load!(u32, sem::ld32u),
                Op::Ld32s => load!(u32, sem::ld32s),
                Op::St64 => store!(u64, sem::st64),
                Op::St8 => store!(u8, sem::st8),
                Op::St16 => store!(u16, sem::st16),
                Op::St32 => store!(u32, sem::st32),
                Op::Add => binary!(sem::add),
                Op::Sub => binary!(sem::sub),
                Op::Mul => binary!(sem::mul),
                Op::Div => binary_trap!(sem::div),
                Op::Divu => binary_trap!(sem::divu),
                Op::Rem => binary_trap!(sem::rem),
                Op::Remu => binary_trap!(sem::remu),
                Op::And => binary!(sem::and),
                Op::Or => binary!(sem::or),
                Op::Xor => binary!(sem::xor),
                Op::Shl => binary!(sem::shl),
                Op::Shr => binary!(sem::shr),
                Op::Sar => binary!(sem::sar),
                Op::Rotl => binary!(sem::rotl),
                Op::Rotr => binary!(sem::rotr),
                Op::Addi => with_imm!(sem::addi),
                Op::Muli => with_imm!(sem::muli),
                Op::Andi => with_imm!(sem::andi),
                Op::Ori => with_imm!(sem::ori),
                Op::Xori => with_imm!(sem::xori),
                Op::Shli => with_imm!(sem::shli),
                Op::Shri => with_imm!(sem::shri),
                Op::Sari => with_imm!(sem::sari),
                Op::Neg => unary!(sem::neg),
                Op::Not => unary!(sem::not),
                Op::Clz => unary!(sem::clz),
                Op::Ctz => unary!(sem::ctz),
                Op::Popcnt => unary!(sem::popcnt),
                Op::Sext8 => unary!(sem::sext8),
                Op::Sext16 => unary!(sem::sext16),
                Op::Sext32 => unary!(sem::sext32),
                Op::Zext8 => unary!(sem::zext8),
                Op::Zext16 => unary!(sem::zext16),
                Op::Zext32 => unary!(sem::zext32),
                Op::Seq => binary!(sem::seq),
                Op::Sne => binary!(sem::sne),
                Op::Slt => binary!(sem::slt),
                Op::Sle => binary!(sem::sle),
                Op::Sltu => binary!(sem::sltu),
                Op::Sleu => binary!(sem::sleu),
                Op::Mov => unary!(sem::mov),
                Op::Movi => set!(inst.a, sem::movi(inst.imm)),
                Op::Select => ternary!(sem::select),
                Op::Fadd => binary!(sem::fadd),
                Op::Fsub => binary!(sem::fsub),
                Op::Fmul => binary!(sem::fmul),
                Op::Fdiv => binary!(sem::fdiv),
                Op::Fmin => binary!(sem::fmin),
                Op::Fmax => binary!(sem::fmax),
                Op::Fsqrt => unary!(sem::fsqrt),
                Op::Fneg => unary!(sem::fneg),
                Op::Fabs => unary!(sem::fabs),
                Op::Ffloor => unary!(sem::ffloor),
                Op::Fceil => unary!(sem::fceil),
                Op::Ftrunc => unary!(sem::ftrunc),
                Op::Fnearest => unary!(sem::fnearest),
                Op::Ffma => ternary!(sem::ffma),
                Op::Fcopysign => binary!(sem::fcopysign),
                Op::Feq => binary!(sem::feq),
                Op::Flt => binary!(sem::flt),
                Op::Fle => binary!(sem::fle),
                Op::FaddF32 => binary!(sem::fadd_f32),
                Op::FsubF32 => binary!(sem::fsub_f32),
                Op::FmulF32 => binary!(sem::fmul_f32),
                Op::FdivF32 => binary!(sem::fdiv_f32),
                Op::FminF32 => binary!(sem::fmin_f32),
                Op::FmaxF32 => binary!(sem::fmax_f32),
                Op::FsqrtF32 => unary!(sem::fsqrt_f32),
                Op::FnegF32 => unary!(sem::fneg_f32),
                Op::FabsF32 => unary!(sem::fabs_f32),
                Op::FfloorF32 => unary!(sem::ffloor_f32),
                Op::FceilF32 => unary!(sem::fceil_f32),
                Op::FtruncF32 => unary!(sem::ftrunc_f32),
                Op::FnearestF32 => unary!(sem::fnearest_f32),
                Op::FfmaF32 => ternary!(sem::ffma_f32),
                Op::FcopysignF32 => binary!(sem::fcopysign_f32),
                Op::FeqF32 => binary!(sem::feq_f32),
                Op::FltF32 => binary!(sem::flt_f32),
                Op::FleF32 => binary!(sem::fle_f32),
                Op::I2f => unary!(sem::i2f),
                Op::U2f => unary!(sem::u2f),
                Op::F2i => unary!(sem::f2i),
                Op::F2u => unary!(sem::f2u),
                Op::I2fF32 => unary!(sem::i2f_f32),
                Op::U2fF32 => unary!(sem::u2f_f32),
                Op::F2iF32 => unary!(sem::f2i_f32),
                Op::F2uF32 => unary!(sem::f2u_f32),
                Op::Fpromote => unary!(sem::fpromote),
                Op::Fdemote => unary!(sem::fdemote),
                Op::Tensor => {
                    let Some(kernels) = self.kernels else {
                        // Unreachable: a module with tensor instructions loads only
                        // with kernels (`Module::from_isa`); kept total all the same.
                        stop_trap!(
                            this,
                            TrapKind::TensorShape,
                            Some("no tensor kernels".into())
                        )
                    };
                    // SAFETY: the current frame holds `frame_regs` registers.
                    let regs = unsafe { std::slice::from_raw_parts_mut(frame, frame_regs) };
                    let (pc, op) = &code.tensor_ops[inst.k as usize];
                    let mut context = TensorContext {
                        table: &mut *self.tensors,
                        kernels,
                        memory: &mut *self.memory,
                    };
                    worked!(context.execute(*pc, op, regs, &mut fuel))
                }
                Op::FeqJz => fused_compare!(sem::feq, false),
                Op::FeqJnz => fused_compare!(sem::feq, true),
                Op::FltJz => fused_compare!(sem::flt, false),
                Op::FltJnz => fused_compare!(sem::flt, true),
                Op::FleJz => fused_compare!(sem::fle, false),
                Op::FleJnz => fused_compare!(sem::fle, true),
                Op::AddBltBack => fused!(sem::add(reg!(inst.b), reg!(inst.c)), sem::blt),
                Op::AddBgeBack => fused!(sem::add(reg!(inst.b), reg!(inst.c)), sem::bge),
                Op::AddBneBack => fused!(sem::add(reg!(inst.b), reg!(inst.c)), sem::bne),
                Op::AddBltuBack => fused!(sem::add(reg!(inst.b), reg!(inst.c)), sem::bltu),
                Op::AddiBltBack => fused!(sem::addi(reg!(inst.b), inst.imm), sem::blt),
                Op::AddiBgeBack => fused!(sem::addi(reg!(inst.b), inst.imm), sem::bge),
                Op::AddiBneBack => fused!(sem::addi(reg!(inst.b), inst.imm), sem::bne),
                Op::AddiBltuBack => fused!(sem::addi(reg!(inst.b), inst.imm), sem::bltu),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// `Config::max_call_depth`'s documentation promises 32 bytes per nested call.
    #[test]
    fn a_frame_record_takes_32_bytes() {
        assert_eq!(size_of::<super::Frame>(), 32);
    }
}
