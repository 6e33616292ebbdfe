//! The dispatch loop.
//!
//! One `match` on a dense one-byte op per instruction, the hot state (instruction
//! pointer, frame pointer, fuel, memory base and length) in locals, registers addressed through a raw
//! frame pointer. The loop is instantiated twice: the fast form charges fuel per
//! straight-line run at branches, calls and returns (see `predecode.rs`); the metered
//! form charges one unit per instruction and runs only once the fuel left is less than
//! the next run's charge, so the out-of-fuel trap lands on the exact instruction.

use adead_isa::TrapKind;
use adead_isa::semantics::{self as sem, f32_of, f64_of};

use super::code::{Code, Inst, Op};
use crate::host::{Caller, HostFunc};
use crate::memory::Memory;
use crate::tensors::{TensorContext, TensorTable};
use crate::value::Value;
use adead_kernels::Kernels;

/// A caller's state saved by `call` and restored by `ret`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    ret_pc: u32,
    func: u32,
    /// The caller's frame size, so `ret` needs no function lookup.
    regs: u32,
    fp: usize,
    dst: u8,
    resume_cost: u32,
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
    /// A trap at global pc `pc`.
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
    pub calls: &'a mut [u64],
    pub loops: &'a mut [u64],
    pub max_depth: usize,
    pub max_stack: usize,
    pub host_args: &'a mut Vec<Value>,
    pub tensors: &'a mut TensorTable,
    /// The engine's kernels; `Some` whenever the code has tensor instructions (their
    /// module loads only then).
    pub kernels: Option<&'a Kernels>,
    pub pc: usize,
    pub fp: usize,
    pub func: u32,
    pub fuel: u64,
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
    pub(crate) fn run<const METERED: bool>(&mut self) -> Result<Finish, Stop> {
        let code: &Code = self.code;
        let insts = code.insts.as_ptr();
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
        macro_rules! trap_at {
            ($pc:expr, $kind:expr) => {{
                save!();
                return Err(Stop::Trap {
                    kind: $kind,
                    // SAFETY: the trapping instruction lies in `insts`.
                    pc: unsafe { $pc.offset_from(insts) } as usize,
                    detail: None,
                });
            }};
        }
        macro_rules! reload_memory {
            () => {
                mem = self.memory.bytes_mut().as_mut_ptr();
                mem_len = self.memory.len();
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
                            // SAFETY: loops has one counter per instruction.
                            unsafe { *self.loops.get_unchecked_mut(br.k as usize) += 1 };
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
            // The add of a fused pair; in the fast loop, then the branch in the next slot.
            macro_rules! fused {
                ($add:expr, |$x:ident, $y:ident| $cond:expr) => {{
                    let sum: u64 = $add;
                    set!(inst.a, sum);
                    if !METERED {
                        // SAFETY: a fused op is never a function's last instruction, and
                        // neither is the branch after it.
                        let branch = unsafe { &*ip };
                        ip = unsafe { ip.add(1) };
                        let $x = reg!(branch.a);
                        let $y = reg!(branch.b);
                        branch_on!(branch, $cond, true)
                    }
                }};
            }
            // A float compare, then (fast loop) the jz/jnz in the next slot on its result.
            macro_rules! fused_compare {
                (|$x:ident, $y:ident| $cond:expr, $jump_when:expr) => {{
                    let $x = f64_of(reg!(inst.b));
                    let $y = f64_of(reg!(inst.c));
                    let holds: bool = $cond;
                    set!(inst.a, u64::from(holds));
                    if !METERED {
                        // SAFETY: the fused compare is not a function's last instruction,
                        // and neither is the branch after it.
                        let branch = unsafe { &*ip };
                        ip = unsafe { ip.add(1) };
                        let backward = matches!(branch.op, Op::JzBack | Op::JnzBack);
                        branch_on!(branch, holds == $jump_when, backward)
                    }
                }};
            }
            macro_rules! address {
                ($base:expr, $size:expr) => {
                    try_trap!(sem::effective_address($base, inst.k as i32, $size, mem_len))
                };
            }
            macro_rules! load {
                ($ty:ty, $widen:expr) => {{
                    let at = address!(reg!(inst.b), size_of::<$ty>() as u64);
                    // SAFETY: `at + size` is inside linear memory (checked above).
                    let raw = unsafe { std::ptr::read_unaligned(mem.add(at) as *const $ty) };
                    set!(inst.a, $widen(<$ty>::from_le(raw)));
                }};
            }
            macro_rules! store {
                ($ty:ty) => {{
                    let at = address!(reg!(inst.a), size_of::<$ty>() as u64);
                    let value = (reg!(inst.b) as $ty).to_le();
                    // SAFETY: `at + size` is inside linear memory (checked above).
                    unsafe { std::ptr::write_unaligned(mem.add(at) as *mut $ty, value) };
                }};
            }
            macro_rules! int2 {
                (|$x:ident, $y:ident| $e:expr) => {{
                    let $x = reg!(inst.b);
                    let $y = reg!(inst.c);
                    set!(inst.a, $e)
                }};
            }
            macro_rules! int_imm {
                (|$x:ident, $y:ident| $e:expr) => {{
                    let $x = reg!(inst.b);
                    let $y = inst.imm;
                    set!(inst.a, $e)
                }};
            }
            macro_rules! int1 {
                (|$x:ident| $e:expr) => {{
                    let $x = reg!(inst.b);
                    set!(inst.a, $e)
                }};
            }
            macro_rules! f64_2 {
                (|$x:ident, $y:ident| $e:expr) => {
                    int2!(|a, b| {
                        let $x = f64_of(a);
                        let $y = f64_of(b);
                        $e
                    })
                };
            }
            macro_rules! f32_2 {
                (|$x:ident, $y:ident| $e:expr) => {
                    int2!(|a, b| {
                        let $x = f32_of(a);
                        let $y = f32_of(b);
                        $e
                    })
                };
            }

            match inst.op {
                Op::Nop => {}
                Op::Jmp => enter!(inst.k, inst.lo()),
                Op::JmpBack => branch!(true, true),
                Op::Jz => branch!(reg!(inst.a) == 0, false),
                Op::JzBack => branch!(reg!(inst.a) == 0, true),
                Op::Jnz => branch!(reg!(inst.a) != 0, false),
                Op::JnzBack => branch!(reg!(inst.a) != 0, true),
                Op::Beq => branch!(reg!(inst.a) == reg!(inst.b), false),
                Op::BeqBack => branch!(reg!(inst.a) == reg!(inst.b), true),
                Op::Bne => branch!(reg!(inst.a) != reg!(inst.b), false),
                Op::BneBack => branch!(reg!(inst.a) != reg!(inst.b), true),
                Op::Blt => branch!((reg!(inst.a) as i64) < (reg!(inst.b) as i64), false),
                Op::BltBack => branch!((reg!(inst.a) as i64) < (reg!(inst.b) as i64), true),
                Op::Bge => branch!((reg!(inst.a) as i64) >= (reg!(inst.b) as i64), false),
                Op::BgeBack => branch!((reg!(inst.a) as i64) >= (reg!(inst.b) as i64), true),
                Op::Bltu => branch!(reg!(inst.a) < reg!(inst.b), false),
                Op::BltuBack => branch!(reg!(inst.a) < reg!(inst.b), true),
                Op::Bgeu => branch!(reg!(inst.a) >= reg!(inst.b), false),
                Op::BgeuBack => branch!(reg!(inst.a) >= reg!(inst.b), true),
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
                        if needed > self.max_stack {
                            trap!(TrapKind::CallDepth);
                        }
                        let grown = (self.stack.len() * 2).clamp(needed, self.max_stack);
                        self.stack.resize(grown, 0);
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
                    unsafe { *self.calls.get_unchecked_mut(callee_index) += 1 };
                    fp = callee_fp;
                    func = inst.k;
                    frame_regs = callee_regs;
                    enter!(callee.entry, callee.entry_cost)
                }
                Op::Ret => {
                    let value = reg!(inst.a);
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
                }
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
                        },
                        &self.host_args[..],
                    );
                    reload_memory!();
                    match result {
                        Ok(value) => set!(inst.a, value.map_or(0, Value::to_bits)),
                        Err(error) => {
                            save!();
                            return Err(Stop::Trap {
                                kind: TrapKind::Host,
                                pc: unsafe { this.offset_from(insts) } as usize,
                                detail: Some(error.0),
                            });
                        }
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
                    let addr = try_trap!(self.memory.alloc(reg!(inst.b)));
                    reload_memory!();
                    set!(inst.a, addr);
                }
                Op::Free => try_trap!(self.memory.free(reg!(inst.a))),
                Op::MemSize => set!(inst.a, mem_len),
                Op::MemCopy => {
                    let len = reg!(inst.c);
                    let to = try_trap!(sem::effective_address(reg!(inst.a), 0, len, mem_len));
                    let from = try_trap!(sem::effective_address(reg!(inst.b), 0, len, mem_len));
                    self.memory
                        .bytes_mut()
                        .copy_within(from..from + len as usize, to);
                }
                Op::MemFill => {
                    let len = reg!(inst.c);
                    let to = try_trap!(sem::effective_address(reg!(inst.a), 0, len, mem_len));
                    self.memory.bytes_mut()[to..to + len as usize].fill(reg!(inst.b) as u8);
                }
                Op::Ld64 => load!(u64, |v: u64| v),
                Op::Ld8u => load!(u8, u64::from),
                Op::Ld8s => load!(i8, |v: i8| i64::from(v) as u64),
                Op::Ld16u => load!(u16, u64::from),
                Op::Ld16s => load!(i16, |v: i16| i64::from(v) as u64),
                Op::Ld32u => load!(u32, u64::from),
                Op::Ld32s => load!(i32, |v: i32| i64::from(v) as u64),
                Op::St64 => store!(u64),
                Op::St8 => store!(u8),
                Op::St16 => store!(u16),
                Op::St32 => store!(u32),
                Op::Add => int2!(|a, b| a.wrapping_add(b)),
                Op::Sub => int2!(|a, b| a.wrapping_sub(b)),
                Op::Mul => int2!(|a, b| a.wrapping_mul(b)),
                Op::Div => int2!(|a, b| try_trap!(sem::div_i64(a as i64, b as i64)) as u64),
                Op::Divu => int2!(|a, b| try_trap!(sem::div_u64(a, b))),
                Op::Rem => int2!(|a, b| try_trap!(sem::rem_i64(a as i64, b as i64)) as u64),
                Op::Remu => int2!(|a, b| try_trap!(sem::rem_u64(a, b))),
                Op::And => int2!(|a, b| a & b),
                Op::Or => int2!(|a, b| a | b),
                Op::Xor => int2!(|a, b| a ^ b),
                Op::Shl => int2!(|a, b| sem::shl(a, b)),
                Op::Shr => int2!(|a, b| sem::shr(a, b)),
                Op::Sar => int2!(|a, b| sem::sar(a, b)),
                Op::Rotl => int2!(|a, b| a.rotate_left((b & 63) as u32)),
                Op::Rotr => int2!(|a, b| a.rotate_right((b & 63) as u32)),
                Op::Addi => int_imm!(|a, i| a.wrapping_add(i)),
                Op::Muli => int_imm!(|a, i| a.wrapping_mul(i)),
                Op::Andi => int_imm!(|a, i| a & i),
                Op::Ori => int_imm!(|a, i| a | i),
                Op::Xori => int_imm!(|a, i| a ^ i),
                Op::Shli => int_imm!(|a, i| sem::shl(a, i)),
                Op::Shri => int_imm!(|a, i| sem::shr(a, i)),
                Op::Sari => int_imm!(|a, i| sem::sar(a, i)),
                Op::Neg => int1!(|a| a.wrapping_neg()),
                Op::Not => int1!(|a| !a),
                Op::Clz => int1!(|a| u64::from(a.leading_zeros())),
                Op::Ctz => int1!(|a| u64::from(a.trailing_zeros())),
                Op::Popcnt => int1!(|a| u64::from(a.count_ones())),
                Op::Sext8 => int1!(|a| i64::from(a as i8) as u64),
                Op::Sext16 => int1!(|a| i64::from(a as i16) as u64),
                Op::Sext32 => int1!(|a| i64::from(a as i32) as u64),
                Op::Zext8 => int1!(|a| u64::from(a as u8)),
                Op::Zext16 => int1!(|a| u64::from(a as u16)),
                Op::Zext32 => int1!(|a| u64::from(a as u32)),
                Op::Seq => int2!(|a, b| u64::from(a == b)),
                Op::Sne => int2!(|a, b| u64::from(a != b)),
                Op::Slt => int2!(|a, b| u64::from((a as i64) < (b as i64))),
                Op::Sle => int2!(|a, b| u64::from((a as i64) <= (b as i64))),
                Op::Sltu => int2!(|a, b| u64::from(a < b)),
                Op::Sleu => int2!(|a, b| u64::from(a <= b)),
                Op::Mov => int1!(|a| a),
                Op::Movi => set!(inst.a, inst.imm),
                Op::Select => {
                    let chosen = if reg!(inst.b) != 0 {
                        reg!(inst.c)
                    } else {
                        reg!(inst.k)
                    };
                    set!(inst.a, chosen);
                }
                Op::Fadd => f64_2!(|x, y| sem::canon_f64(x + y)),
                Op::Fsub => f64_2!(|x, y| sem::canon_f64(x - y)),
                Op::Fmul => f64_2!(|x, y| sem::canon_f64(x * y)),
                Op::Fdiv => f64_2!(|x, y| sem::canon_f64(x / y)),
                Op::Fmin => f64_2!(|x, y| sem::fmin_f64(x, y)),
                Op::Fmax => f64_2!(|x, y| sem::fmax_f64(x, y)),
                Op::Fsqrt => int1!(|a| sem::canon_f64(f64_of(a).sqrt())),
                Op::Fneg => int1!(|a| a ^ (1 << 63)),
                Op::Fabs => int1!(|a| a & !(1 << 63)),
                Op::Ffloor => int1!(|a| sem::canon_f64(f64_of(a).floor())),
                Op::Fceil => int1!(|a| sem::canon_f64(f64_of(a).ceil())),
                Op::Ftrunc => int1!(|a| sem::canon_f64(f64_of(a).trunc())),
                Op::Fnearest => int1!(|a| sem::canon_f64(f64_of(a).round_ties_even())),
                Op::Ffma => {
                    let product =
                        f64_of(reg!(inst.b)).mul_add(f64_of(reg!(inst.c)), f64_of(reg!(inst.k)));
                    set!(inst.a, sem::canon_f64(product));
                }
                Op::Fcopysign => int2!(|a, b| (a & !(1 << 63)) | (b & (1 << 63))),
                Op::Feq => f64_2!(|x, y| u64::from(x == y)),
                Op::Flt => f64_2!(|x, y| u64::from(x < y)),
                Op::Fle => f64_2!(|x, y| u64::from(x <= y)),
                Op::FaddF32 => f32_2!(|x, y| sem::canon_f32(x + y)),
                Op::FsubF32 => f32_2!(|x, y| sem::canon_f32(x - y)),
                Op::FmulF32 => f32_2!(|x, y| sem::canon_f32(x * y)),
                Op::FdivF32 => f32_2!(|x, y| sem::canon_f32(x / y)),
                Op::FminF32 => f32_2!(|x, y| sem::fmin_f32(x, y)),
                Op::FmaxF32 => f32_2!(|x, y| sem::fmax_f32(x, y)),
                Op::FsqrtF32 => int1!(|a| sem::canon_f32(f32_of(a).sqrt())),
                Op::FnegF32 => int1!(|a| u64::from(a as u32 ^ (1 << 31))),
                Op::FabsF32 => int1!(|a| u64::from(a as u32 & !(1 << 31))),
                Op::FfloorF32 => int1!(|a| sem::canon_f32(f32_of(a).floor())),
                Op::FceilF32 => int1!(|a| sem::canon_f32(f32_of(a).ceil())),
                Op::FtruncF32 => int1!(|a| sem::canon_f32(f32_of(a).trunc())),
                Op::FnearestF32 => int1!(|a| sem::canon_f32(f32_of(a).round_ties_even())),
                Op::FfmaF32 => {
                    let product =
                        f32_of(reg!(inst.b)).mul_add(f32_of(reg!(inst.c)), f32_of(reg!(inst.k)));
                    set!(inst.a, sem::canon_f32(product));
                }
                Op::FcopysignF32 => {
                    int2!(|a, b| u64::from((a as u32 & !(1 << 31)) | (b as u32 & (1 << 31))))
                }
                Op::FeqF32 => f32_2!(|x, y| u64::from(x == y)),
                Op::FltF32 => f32_2!(|x, y| u64::from(x < y)),
                Op::FleF32 => f32_2!(|x, y| u64::from(x <= y)),
                Op::I2f => int1!(|a| (a as i64 as f64).to_bits()),
                Op::U2f => int1!(|a| (a as f64).to_bits()),
                Op::F2i => int1!(|a| sem::f64_to_i64(f64_of(a)) as u64),
                Op::F2u => int1!(|a| sem::f64_to_u64(f64_of(a))),
                Op::I2fF32 => int1!(|a| u64::from((a as i64 as f32).to_bits())),
                Op::U2fF32 => int1!(|a| u64::from((a as f32).to_bits())),
                Op::F2iF32 => int1!(|a| sem::f32_to_i64(f32_of(a)) as u64),
                Op::F2uF32 => int1!(|a| sem::f32_to_u64(f32_of(a))),
                Op::Fpromote => int1!(|a| sem::canon_f64(f64::from(f32_of(a)))),
                Op::Fdemote => int1!(|a| sem::canon_f32(f64_of(a) as f32)),
                Op::Tensor => {
                    let Some(kernels) = self.kernels else {
                        // Unreachable: a module with tensor instructions loads only
                        // with kernels (`Module::from_isa`); kept total all the same.
                        save!();
                        return Err(Stop::Trap {
                            kind: TrapKind::TensorShape,
                            // SAFETY: the instruction lies in `insts`.
                            pc: unsafe { this.offset_from(insts) } as usize,
                            detail: Some("no tensor kernels".into()),
                        });
                    };
                    // SAFETY: the current frame holds `frame_regs` registers.
                    let regs = unsafe { std::slice::from_raw_parts_mut(frame, frame_regs) };
                    let mut context = TensorContext {
                        table: &mut *self.tensors,
                        kernels,
                        memory: &mut *self.memory,
                    };
                    if let Err((kind, detail)) =
                        context.execute(&code.tensor_ops[inst.k as usize], regs)
                    {
                        save!();
                        return Err(Stop::Trap {
                            kind,
                            // SAFETY: the trapping instruction lies in `insts`.
                            pc: unsafe { this.offset_from(insts) } as usize,
                            detail,
                        });
                    }
                }
                Op::FeqJz => fused_compare!(|x, y| x == y, false),
                Op::FeqJnz => fused_compare!(|x, y| x == y, true),
                Op::FltJz => fused_compare!(|x, y| x < y, false),
                Op::FltJnz => fused_compare!(|x, y| x < y, true),
                Op::FleJz => fused_compare!(|x, y| x <= y, false),
                Op::FleJnz => fused_compare!(|x, y| x <= y, true),
                Op::AddBltBack => fused!(reg!(inst.b).wrapping_add(reg!(inst.c)), |x, y| (x
                    as i64)
                    < (y as i64)),
                Op::AddBgeBack => fused!(reg!(inst.b).wrapping_add(reg!(inst.c)), |x, y| (x
                    as i64)
                    >= (y as i64)),
                Op::AddBneBack => fused!(reg!(inst.b).wrapping_add(reg!(inst.c)), |x, y| x != y),
                Op::AddBltuBack => fused!(reg!(inst.b).wrapping_add(reg!(inst.c)), |x, y| x < y),
                Op::AddiBltBack => fused!(reg!(inst.b).wrapping_add(inst.imm), |x, y| (x as i64)
                    < (y as i64)),
                Op::AddiBgeBack => fused!(reg!(inst.b).wrapping_add(inst.imm), |x, y| (x as i64)
                    >= (y as i64)),
                Op::AddiBneBack => fused!(reg!(inst.b).wrapping_add(inst.imm), |x, y| x != y),
                Op::AddiBltuBack => fused!(reg!(inst.b).wrapping_add(inst.imm), |x, y| x < y),
            }
        }
    }
}
