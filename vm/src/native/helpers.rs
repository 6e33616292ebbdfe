//! The `extern "C"` helpers native code calls for what it does not do inline. Each
//! reaches the machine that entered native code through `VmContext::vm`, does what the
//! interpreter's handler does (the same methods of memory, the host functions and the
//! tensor table), and leaves the context current. A panic (a host function's, say)
//! never crosses native code: it is caught, reported as a trap so that native code
//! unwinds normally, and raised again once the VM is back in Rust.

use std::panic::{AssertUnwindSafe, catch_unwind};

use adead_isa::TrapKind;
use adead_jit::{Entry, FUEL_SHORT, Helpers, Status, VmContext};

use super::enter::ExitFrame;
use crate::host::Caller;
use crate::interp::{Finish, Machine, grow_stack};
use crate::tensors::TensorContext;
use crate::value::Value;

/// The helpers, as the compiler embeds their addresses.
pub(crate) const HELPERS: Helpers = Helpers {
    call,
    grow_stack: grow,
    hcall,
    alloc,
    free,
    mcopy,
    mfill,
    tensor,
    push_frame,
};

/// Runs `body` on the machine behind `ctx` and returns its code (0 for success, or a
/// trap code; a status for `call`) with the context refreshed. A panic is kept for the
/// VM to raise again and reads as `on_panic`, which makes native code leave as after a
/// trap.
///
/// # Safety
/// `ctx` is the context the machine passed to native code, with `vm` pointing at it.
unsafe fn with_machine(
    ctx: *mut VmContext,
    on_panic: u32,
    body: impl FnOnce(&mut Machine<'_>) -> u32,
) -> u32 {
    // SAFETY: the machine set `vm` to itself before entering native code and does not
    // touch itself until native code returns.
    let machine = unsafe { &mut *(*ctx).vm.cast::<Machine<'_>>() };
    let code = match catch_unwind(AssertUnwindSafe(|| body(&mut *machine))) {
        Ok(code) => code,
        Err(payload) => {
            machine.shared.panic = Some(payload);
            on_panic
        }
    };
    machine.refresh_context();
    code
}

/// What a helper's panic reads as: a trap, so that native code unwinds.
const HOST: u32 = TrapKind::Host.code();

fn trap_code(result: Result<(), TrapKind>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(kind) => kind.code(),
    }
}

/// Runs an operation that pays for its work (`crate::work`) with the fuel native code
/// stored in the context (all it may spend; unlimited when fuel is not metered), and
/// returns its code: [`FUEL_SHORT`] when it could not pay (it did nothing).
fn working(
    m: &mut Machine<'_>,
    op: impl FnOnce(&mut Machine<'_>, &mut u64) -> Result<(), TrapKind>,
) -> u32 {
    let metered = m.shared.metered;
    let mut fuel = if metered { m.shared.ctx.fuel } else { u64::MAX };
    let result = op(m, &mut fuel);
    if metered {
        m.shared.ctx.fuel = fuel;
    }
    match result {
        Ok(()) => 0,
        Err(TrapKind::OutOfFuel) => {
            m.shared.uncount_exit = true;
            FUEL_SHORT
        }
        Err(kind) => kind.code(),
    }
}

/// Baseline code's request for optimized code (`adead_jit::HotCounters::tier_up`).
pub(crate) const TIER_UP: adead_jit::TierUpHelper = tier_up;

unsafe extern "C" fn tier_up(ctx: *mut VmContext, func: u32) -> u32 {
    // SAFETY: called by baseline code with its context.
    unsafe {
        with_machine(ctx, 0, |m| {
            if let Some(tier) = m.native {
                let at_instruction = m.shared.metered.then(|| {
                    m.shared.instructions_before + (m.shared.fuel_start - m.shared.ctx.fuel)
                });
                // The code goes to the code table for later calls; this call goes on
                // in baseline code either way.
                let _ = tier.code_for(
                    m.module,
                    func,
                    Entry::Start,
                    at_instruction,
                    crate::native::Level::Optimized,
                );
            }
            0
        })
    }
}

unsafe extern "C" fn grow(ctx: *mut VmContext, needed: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            let needed = usize::try_from(needed / 8).unwrap_or(usize::MAX);
            trap_code(grow_stack(m.stack, needed, m.max_stack).map_err(|()| TrapKind::CallDepth))
        })
    }
}

unsafe extern "C" fn alloc(ctx: *mut VmContext, size: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            working(m, |m, fuel| {
                m.shared.ctx.ret = m.memory.alloc(size, fuel)?;
                Ok(())
            })
        })
    }
}

unsafe extern "C" fn free(ctx: *mut VmContext, address: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe { with_machine(ctx, HOST, |m| trap_code(m.memory.free(address))) }
}

unsafe extern "C" fn mcopy(ctx: *mut VmContext, to: u64, from: u64, len: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            working(m, |m, fuel| m.memory.copy(to, from, len, fuel))
        })
    }
}

unsafe extern "C" fn mfill(ctx: *mut VmContext, to: u64, byte: u64, len: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            working(m, |m, fuel| m.memory.fill(to, byte as u8, len, fuel))
        })
    }
}

unsafe extern "C" fn hcall(ctx: *mut VmContext, import: u64, args: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            let host = &m.hosts[import as usize];
            let first = (args / 8) as usize;
            m.host_args.clear();
            for (i, &ty) in host.signature.params.iter().enumerate() {
                m.host_args.push(Value::from_bits(ty, m.stack[first + i]));
            }
            let result = (host.func)(
                &mut Caller {
                    memory: &mut *m.memory,
                    tensors: &mut *m.tensors,
                },
                &m.host_args[..],
            );
            match result {
                Ok(value) => {
                    m.shared.ctx.ret = value.map_or(0, Value::to_bits);
                    0
                }
                Err(error) => {
                    m.shared.detail = Some(error.0);
                    TrapKind::Host.code()
                }
            }
        })
    }
}

unsafe extern "C" fn tensor(ctx: *mut VmContext, index: u64, fp: u64, regs: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            let Some(kernels) = m.kernels else {
                // A module with tensor instructions loads only with kernels.
                m.shared.detail = Some("no tensor kernels".into());
                return TrapKind::TensorShape.code();
            };
            let instr = m.module.code[index as usize];
            let start = (fp / 8) as usize;
            working(m, |m, fuel| {
                let frame = &mut m.stack[start..start + regs as usize];
                let mut context = TensorContext {
                    table: &mut *m.tensors,
                    kernels,
                    memory: &mut *m.memory,
                };
                context
                    .execute(index as u32, &instr, frame, fuel)
                    .map_err(|(kind, detail)| {
                        m.shared.detail = detail;
                        kind
                    })
            })
        })
    }
}

unsafe extern "C" fn push_frame(ctx: *mut VmContext, func: u32, resume_pc: u32, dst: u32, fp: u64) {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, HOST, |m| {
            m.shared.exit_frames.push(ExitFrame {
                func,
                resume_pc,
                dst,
                fp,
            });
            0
        });
    }
}

/// Runs function `func` in a nested machine: native code called it before it had
/// native code of its own. The nested run may move it to native code itself (its entry
/// counts toward the threshold like any other).
unsafe extern "C" fn call(ctx: *mut VmContext, func: u32, fp: u64, depth: u64) -> u32 {
    // SAFETY: called by native code with its context.
    unsafe {
        with_machine(ctx, Status::Trapped as u32, |m| {
            let start = (fp / 8) as usize;
            let function = &m.module.functions[func as usize];
            // The arguments are in place; the rest of the frame starts at zero.
            m.stack[start + function.params as usize..start + function.regs as usize].fill(0);
            let depth_base = depth as usize - 1;
            let fuel_before = m.shared.ctx.fuel;
            let helpers_before = m.shared.helper_spent;
            let mut frames = Vec::new();
            let mut nested = Machine {
                code: m.code,
                module: m.module,
                hosts: m.hosts,
                memory: &mut *m.memory,
                stack: &mut *m.stack,
                frames: &mut frames,
                calls: &mut *m.calls,
                loops: &mut *m.loops,
                executions: &mut *m.executions,
                max_depth: (m.shared.max_call_depth as usize).saturating_sub(depth_base),
                depth_base,
                max_stack: m.max_stack,
                host_args: &mut *m.host_args,
                tensors: &mut *m.tensors,
                kernels: m.kernels,
                native: m.native,
                thresholds: m.thresholds,
                interrupt: m.interrupt,
                shared: &mut *m.shared,
                pc: 0,
                fp: start,
                func,
                fuel: fuel_before,
            };
            let result = nested.run_function(func, start);
            let fuel = nested.fuel;
            let shared = &mut *m.shared;
            shared.ctx.fuel = fuel;
            // The nested run's instructions, its own native ones included, are not this
            // native code's: count them once, here.
            shared.helper_spent = helpers_before + (fuel_before - fuel);
            match result {
                Ok(Finish::Returned(value)) => {
                    shared.ctx.ret = value;
                    Status::Returned as u32
                }
                Ok(Finish::Halted(code)) => {
                    shared.ctx.ret = code;
                    Status::Halted as u32
                }
                Err((kind, pc, detail)) => {
                    let func = m.code.func_of[pc];
                    let exit = &mut m.shared.ctx.exit;
                    exit.trap_code = kind.code();
                    exit.func = func;
                    exit.pc = pc as u32 - m.code.funcs[func as usize].entry;
                    exit.payload = match kind {
                        TrapKind::User(code) => code as i64 as u64,
                        _ => 0,
                    };
                    m.shared.detail = detail;
                    Status::Trapped as u32
                }
            }
        })
    }
}
