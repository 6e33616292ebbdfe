//! The `#[repr(C)]` contract between native code and the VM that runs it.
//!
//! Native code knows the VM only through this module: a [`VmContext`] that the VM keeps
//! current (linear memory, the register stack, fuel, the table of compiled functions),
//! an [`ExitRecord`] native code fills when it leaves for any reason but a return, and
//! the [`Helpers`]: `extern "C"` functions of the VM for what native code does not do
//! inline. Every compiled function has one signature, [`NativeFn`]'s: the context, the
//! byte offset of its register frame in the register stack, its call depth and its first
//! four arguments; it returns a value and a [`Status`].
//!
//! Rules both sides keep:
//! - Registers live in the VM's register stack (`u64` each); a function's frame starts
//!   at `stack_base + fp` bytes. Native code keeps registers in machine registers and
//!   writes back to the frame only what someone will read: the operands of a helper that
//!   reads the frame (host calls, tensor instructions) before it, and every live register
//!   when it exits to the interpreter.
//! - `memory_base`, `memory_len`, `stack_base` and `stack_len` may change during any
//!   helper or call (memory grows, the register stack moves when it grows): native code
//!   reloads them after every one. Helpers leave them current when they return.
//! - Fuel lives in `fuel` across calls and exits. A native function is always entered
//!   at a run's first instruction with that run not yet charged, and exits to the
//!   interpreter the same way.
//! - Traps are never machine traps: every condition is tested and leaves through an
//!   exit that fills [`ExitRecord`] and returns [`Status::Trapped`].

use std::ffi::c_void;
use std::sync::atomic::AtomicU32;

/// How a native call ended. Returned beside the value; codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Status {
    /// The function returned its value.
    Returned = 0,
    /// A trap: the [`ExitRecord`] names kind, function, pc and payload.
    Trapped = 1,
    /// A `halt`: the value is the exit code.
    Halted = 2,
    /// The function stopped at a run boundary for the interpreter to continue (fuel
    /// ran short, or the machine stack): the record names function, pc, frame and
    /// depth, and every caller between it and the VM's entry has pushed its own frame
    /// with [`Helpers::push_frame`], innermost first.
    Exited = 3,
}

impl Status {
    /// The status with numeric `code`.
    pub const fn from_code(code: u64) -> Option<Status> {
        Some(match code {
            0 => Status::Returned,
            1 => Status::Trapped,
            2 => Status::Halted,
            3 => Status::Exited,
            _ => return None,
        })
    }
}

/// What native code leaves behind when it does not return normally.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct ExitRecord {
    /// A trap's `TrapKind::code` (0 when not a trap).
    pub trap_code: u32,
    /// The function that stopped (its index in the module).
    pub func: u32,
    /// The instruction, counted from the function's first.
    pub pc: u32,
    /// The call depth of that function (the host's call is 1).
    pub depth: u32,
    /// A user trap's code.
    pub payload: u64,
    /// The byte offset of that function's frame in the register stack.
    pub fp: u64,
    /// For [`Status::Exited`]: 1 when the exit enters a loop header that encloses the
    /// one the code was entered at, so the VM should go on natively at once in the
    /// version entered there; 0 when the interpreter should go on.
    pub reenter: u32,
}

/// The state native code shares with the VM. One per running call from the host; the
/// VM owns it and keeps the first six fields current whenever native code runs.
#[derive(Debug)]
#[repr(C)]
pub struct VmContext {
    /// Linear memory's first byte.
    pub memory_base: *mut u8,
    /// Linear memory's length in bytes (at most `i64::MAX`).
    pub memory_len: u64,
    /// The register stack's first register.
    pub stack_base: *mut u64,
    /// The register stack's length in bytes.
    pub stack_len: u64,
    /// Native code exits to the interpreter rather than let the machine stack pointer
    /// go below this address.
    pub native_stack_limit: usize,
    /// Per function of the module, the address of its compiled code, or 0.
    pub code_table: *const usize,
    /// Fuel left, across calls and exits (unused when fuel is not metered).
    pub fuel: u64,
    /// A value a helper returns (allocations, host results, a call's result).
    pub ret: u64,
    /// Why native code stopped, when it did not return.
    pub exit: ExitRecord,
    /// With [`crate::Options::count_executions`]: per instruction of the module (its
    /// global pc), how many times native code started it. An instruction native code
    /// hands to the interpreter after starting it (a working helper that answered
    /// [`FUEL_SHORT`]) stays counted: the VM takes that count back.
    pub execution_counts: *mut u64,
    /// The VM's own state, opaque to native code and passed to every helper through
    /// the context.
    pub vm: *mut c_void,
    /// The host's stop request, nonzero when set: native code polls it on entering a
    /// function and on taking a backward branch, and traps `interrupted` there. Another
    /// thread may set it at any time, so native code reads it with an atomic load.
    pub interrupt: *const AtomicU32,
}

/// Byte offsets of the [`VmContext`] fields native code reads and writes.
pub mod offsets {
    use super::{ExitRecord, VmContext};
    use std::mem::offset_of;

    /// `memory_base`.
    pub const MEMORY_BASE: i32 = offset_of!(VmContext, memory_base) as i32;
    /// `memory_len`.
    pub const MEMORY_LEN: i32 = offset_of!(VmContext, memory_len) as i32;
    /// `stack_base`.
    pub const STACK_BASE: i32 = offset_of!(VmContext, stack_base) as i32;
    /// `stack_len`.
    pub const STACK_LEN: i32 = offset_of!(VmContext, stack_len) as i32;
    /// `native_stack_limit`.
    pub const NATIVE_STACK_LIMIT: i32 = offset_of!(VmContext, native_stack_limit) as i32;
    /// `code_table`.
    pub const CODE_TABLE: i32 = offset_of!(VmContext, code_table) as i32;
    /// `fuel`.
    pub const FUEL: i32 = offset_of!(VmContext, fuel) as i32;
    /// `ret`.
    pub const RET: i32 = offset_of!(VmContext, ret) as i32;
    const EXIT: usize = offset_of!(VmContext, exit);
    /// `exit.trap_code`.
    pub const EXIT_TRAP_CODE: i32 = (EXIT + offset_of!(ExitRecord, trap_code)) as i32;
    /// `exit.func`.
    pub const EXIT_FUNC: i32 = (EXIT + offset_of!(ExitRecord, func)) as i32;
    /// `exit.pc`.
    pub const EXIT_PC: i32 = (EXIT + offset_of!(ExitRecord, pc)) as i32;
    /// `exit.depth`.
    pub const EXIT_DEPTH: i32 = (EXIT + offset_of!(ExitRecord, depth)) as i32;
    /// `exit.payload`.
    pub const EXIT_PAYLOAD: i32 = (EXIT + offset_of!(ExitRecord, payload)) as i32;
    /// `exit.fp`.
    pub const EXIT_FP: i32 = (EXIT + offset_of!(ExitRecord, fp)) as i32;
    /// `exit.reenter`.
    pub const EXIT_REENTER: i32 = (EXIT + offset_of!(ExitRecord, reenter)) as i32;
    /// `execution_counts`.
    pub const EXECUTION_COUNTS: i32 = offset_of!(VmContext, execution_counts) as i32;
    /// `interrupt`.
    pub const INTERRUPT: i32 = offset_of!(VmContext, interrupt) as i32;
}

/// A compiled function, as the [`Trampoline`] calls it. Not callable from Rust directly:
/// it returns two values in the registers of the compiler's own convention.
pub type NativeFn = *const u8;

/// Calls native code from Rust: `(ctx, fp, depth, code, a0, a1, a2, a3)`, the first
/// four arguments of a function started at its entry (ignored by loop entries). Stores
/// the function's value in `ctx.ret` and returns its [`Status`] code.
pub type Trampoline = unsafe extern "C" fn(
    ctx: *mut VmContext,
    fp: u64,
    depth: u64,
    code: NativeFn,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
) -> u64;

/// The byte offset of instruction `pc` of the function that starts at global pc
/// `entry` in [`VmContext::execution_counts`], when a 32-bit displacement reaches it
/// (the compilers refuse to count a function whose last instruction lies beyond).
pub(crate) fn execution_count_offset(entry: u32, pc: usize) -> Option<i32> {
    let global = u64::from(entry) + pc as u64;
    i32::try_from(global.checked_mul(8)?).ok()
}

/// What `alloc`, `mcopy`, `mfill` and `tensor` return, with fuel metered, when the fuel
/// in `VmContext::fuel` cannot pay their work (`adead_isa::fuel::work_fuel`): they did
/// nothing, and native code leaves for the interpreter at the instruction, uncharged
/// (its own unit given back), for the interpreter to trap `out_of_fuel` there exactly.
pub const FUEL_SHORT: u32 = u32::MAX;

/// The VM's side: functions native code calls for what it does not inline. Every one
/// takes the context first and, except `push_frame`, returns 0 for success or a trap
/// code (`TrapKind::code`) for native code to report at the instruction that called it;
/// a message for the trap, if any, stays with the VM. `call` is the exception: it
/// returns a [`Status`] code and fills the exit record itself. With fuel metered,
/// `alloc`, `mcopy`, `mfill` and `tensor` also charge their work's fuel from
/// `VmContext::fuel` (native code stores its fuel there before the call and reloads it
/// after), or return [`FUEL_SHORT`].
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Helpers {
    /// Runs function `func`, which has no compiled code, with its frame at byte offset
    /// `fp` (arguments in place, the rest of the frame to be zeroed by the VM) at call
    /// depth `depth`. The result (or a halt's code) goes to `ctx.ret`; returns a
    /// [`Status`] code (never `Exited`: the VM finishes the call).
    pub call: unsafe extern "C" fn(ctx: *mut VmContext, func: u32, fp: u64, depth: u64) -> u32,
    /// Grows the register stack to at least `needed` bytes, or returns the
    /// `call_depth` trap code when that passes the register-stack limit.
    pub grow_stack: unsafe extern "C" fn(ctx: *mut VmContext, needed: u64) -> u32,
    /// Calls host import `import` with its arguments in the registers at byte offset
    /// `args` of the register stack; its result goes to `ctx.ret`.
    pub hcall: unsafe extern "C" fn(ctx: *mut VmContext, import: u64, args: u64) -> u32,
    /// `alloc` of `size` bytes; the address goes to `ctx.ret`.
    pub alloc: unsafe extern "C" fn(ctx: *mut VmContext, size: u64) -> u32,
    /// `free` of `address`.
    pub free: unsafe extern "C" fn(ctx: *mut VmContext, address: u64) -> u32,
    /// `mcopy` of `len` bytes from `from` to `to`.
    pub mcopy: unsafe extern "C" fn(ctx: *mut VmContext, to: u64, from: u64, len: u64) -> u32,
    /// `mfill` of `len` bytes at `to` with the low byte of `byte`.
    pub mfill: unsafe extern "C" fn(ctx: *mut VmContext, to: u64, byte: u64, len: u64) -> u32,
    /// Runs the tensor instruction at module-wide instruction index `index` on the
    /// frame at byte offset `fp`, which has `regs` registers (its operands stored
    /// there; results written there).
    pub tensor: unsafe extern "C" fn(ctx: *mut VmContext, index: u64, fp: u64, regs: u64) -> u32,
    /// Records a caller's frame for the interpreter while an exit unwinds: function
    /// `func` continues at instruction `resume_pc` once the call it made returns into
    /// register `dst`; its frame is at byte offset `fp`.
    pub push_frame:
        unsafe extern "C" fn(ctx: *mut VmContext, func: u32, resume_pc: u32, dst: u32, fp: u64),
}

/// What every standalone helper reports: a `host` trap.
const HOST_TRAP: u32 = adead_isa::TrapKind::Host.code();

unsafe extern "C" fn refuse1(_: *mut VmContext, _: u64) -> u32 {
    HOST_TRAP
}
unsafe extern "C" fn refuse2(_: *mut VmContext, _: u64, _: u64) -> u32 {
    HOST_TRAP
}
unsafe extern "C" fn refuse3(_: *mut VmContext, _: u64, _: u64, _: u64) -> u32 {
    HOST_TRAP
}
unsafe extern "C" fn refuse_call(_: *mut VmContext, _: u32, _: u64, _: u64) -> u32 {
    Status::Trapped as u32
}
unsafe extern "C" fn record_nothing(_: *mut VmContext, _: u32, _: u32, _: u32, _: u64) {}

impl Helpers {
    /// Helpers for running compiled code without a VM (examples, tests, benchmarks):
    /// each reports a `host` trap (`call` a trapped status) and `push_frame` records
    /// nothing, so code that needs none of them runs as it would in the VM. Replace the
    /// fields a use needs.
    pub const fn standalone() -> Helpers {
        Helpers {
            call: refuse_call,
            grow_stack: refuse1,
            hcall: refuse2,
            alloc: refuse1,
            free: refuse1,
            mcopy: refuse3,
            mfill: refuse3,
            tensor: refuse3,
            push_frame: record_nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_their_codes() {
        for status in [
            Status::Returned,
            Status::Trapped,
            Status::Halted,
            Status::Exited,
        ] {
            assert_eq!(Status::from_code(status as u64), Some(status));
        }
        assert_eq!(Status::from_code(4), None);
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_context_layout_is_the_documented_one() {
        // Native code is compiled against these offsets; a reordering must be deliberate.
        assert_eq!(offsets::MEMORY_BASE, 0);
        assert_eq!(offsets::MEMORY_LEN, 8);
        assert_eq!(offsets::STACK_BASE, 16);
        assert_eq!(offsets::STACK_LEN, 24);
        assert_eq!(offsets::NATIVE_STACK_LIMIT, 32);
        assert_eq!(offsets::CODE_TABLE, 40);
        assert_eq!(offsets::FUEL, 48);
        assert_eq!(offsets::RET, 56);
        assert_eq!(offsets::EXIT_TRAP_CODE, 64);
        assert_eq!(offsets::EXIT_FP, 88);
        assert_eq!(offsets::EXIT_REENTER, 96);
        assert_eq!(offsets::EXECUTION_COUNTS, 104);
        assert_eq!(offsets::INTERRUPT, 120);
    }
}
