//! Entering native code from the interpreter, and what happens when it comes back.

use std::any::Any;
use std::ffi::c_void;
use std::sync::atomic::AtomicU32;

use adead_isa::TrapKind;
use adead_jit::{Entry, ExitRecord, Status, VmContext};

use crate::config::Config;
use crate::interp::{Finish, Frame, Machine, Trapped};
use crate::native::Level;

/// Machine stack native code must have left when it starts (its frame, the
/// trampoline, a helper and the interpreter's frame in a nested call).
const HEADROOM: usize = 64 * 1024;

/// A caller's frame recorded by native code while an exit to the interpreter unwinds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExitFrame {
    pub func: u32,
    pub resume_pc: u32,
    pub dst: u32,
    pub fp: u64,
}

/// What native code and nested runs share during one call from the host.
pub(crate) struct Shared {
    /// The context native code sees.
    pub ctx: VmContext,
    /// Callers recorded by an exit to the interpreter, innermost first.
    pub exit_frames: Vec<ExitFrame>,
    /// The message of the trap a helper reported (a host function's error, a tensor
    /// shape).
    pub detail: Option<String>,
    /// A panic caught in a helper, raised again once native code has returned.
    pub panic: Option<Box<dyn Any + Send>>,
    /// Instructions are counted (fuel budget or counting on).
    pub metered: bool,
    /// The engine's call depth limit.
    pub max_call_depth: u32,
    /// Instructions executed by native code itself.
    pub native_spent: u64,
    /// Instructions executed inside the current `call` helpers (nested runs), so that
    /// native code's own share can be told apart.
    pub helper_spent: u64,
    /// The instance's instruction count before this call, and this call's budget: a
    /// tier-up's place in the instance's history.
    pub instructions_before: u64,
    pub fuel_start: u64,
    /// A working helper answered `FUEL_SHORT`: native code counted the instruction it
    /// now hands to the interpreter, which counts it again, so the exit takes native
    /// code's count back (`Config::count_executions`).
    pub uncount_exit: bool,
}

impl Shared {
    /// The state of a new call under `config` with `fuel` to spend, native code
    /// allowed to use `config.native_stack` bytes of the machine stack below this
    /// point and polling `interrupt`.
    pub(crate) fn new(
        config: &Config,
        code_table: *const usize,
        execution_counts: *mut u64,
        interrupt: &AtomicU32,
        instructions_before: u64,
        fuel: u64,
    ) -> Shared {
        let (metered, max_call_depth) = (config.metered(), config.max_call_depth);
        let budget = usize::try_from(config.native_stack).unwrap_or(usize::MAX);
        Shared {
            ctx: VmContext {
                memory_base: std::ptr::null_mut(),
                memory_len: 0,
                stack_base: std::ptr::null_mut(),
                stack_len: 0,
                native_stack_limit: stack_pointer().saturating_sub(budget),
                code_table,
                fuel,
                ret: 0,
                exit: ExitRecord::default(),
                execution_counts,
                vm: std::ptr::null_mut(),
                interrupt,
            },
            exit_frames: Vec::new(),
            detail: None,
            panic: None,
            metered,
            max_call_depth,
            native_spent: 0,
            helper_spent: 0,
            instructions_before,
            fuel_start: fuel,
            uncount_exit: false,
        }
    }
}

/// The approximate machine stack pointer (the address of a local).
#[inline(never)]
pub(crate) fn stack_pointer() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// How an attempt to run native code ended.
pub(crate) enum Native {
    /// No native code (not compiled, cannot be, or too little machine stack left):
    /// the interpreter goes on where it was.
    Declined,
    /// The function returned this value.
    Returned(u64),
    /// Native code stopped at a run boundary; the machine's state (pc, frame,
    /// function, frames) says where to go on, the run not yet charged.
    Resume,
    /// A `halt`.
    Finished(Finish),
    /// A trap, fuel settled.
    Trapped(Trapped),
}

impl Machine<'_> {
    /// Keeps the context's view of memory and the register stack current.
    pub(crate) fn refresh_context(&mut self) {
        let ctx = &mut self.shared.ctx;
        ctx.memory_base = self.memory.bytes_mut().as_mut_ptr();
        ctx.memory_len = self.memory.len();
        ctx.stack_base = self.stack.as_mut_ptr();
        ctx.stack_len = (self.stack.len() * 8) as u64;
    }

    /// Runs the current function (`self.func` with its frame at `self.fp`) natively
    /// from `entry`, which is where `self.pc` stands, its run not yet charged, in code
    /// of level `want` or better.
    pub(crate) fn run_native(&mut self, func: u32, entry: Entry, want: Level) -> Native {
        let Some(tier) = self.native else {
            return Native::Declined;
        };
        let at_instruction = self
            .shared
            .metered
            .then(|| self.shared.instructions_before + (self.shared.fuel_start - self.fuel));
        let Some(code) = tier.code_for(self.module, func, entry, at_instruction, want) else {
            return Native::Declined;
        };
        let params = self.module.functions[func as usize].params;
        let Some(trampoline) = tier.trampoline(params, entry) else {
            return Native::Declined;
        };
        if stack_pointer() < self.shared.ctx.native_stack_limit.saturating_add(HEADROOM) {
            return Native::Declined;
        }
        let depth = (self.depth_base + self.frames.len() + 1) as u64;
        let mut args = [0u64; 4];
        if entry == Entry::Start {
            for (i, arg) in args.iter_mut().enumerate().take(params as usize) {
                *arg = self.stack[self.fp + i];
            }
        }
        self.refresh_context();
        self.shared.ctx.fuel = self.fuel;
        let fuel_before = self.fuel;
        let helpers_before = self.shared.helper_spent;
        let outer = self.shared.ctx.vm;
        self.shared.ctx.vm = (self as *mut Self).cast::<c_void>();
        let ctx: *mut VmContext = &mut self.shared.ctx;
        // SAFETY: `code` is this module's native code for `func` at `entry`; the frame at
        // `fp` holds the function's registers (its live ones at a loop header), the
        // context is current, and the helpers reach this machine through `ctx.vm`.
        let status = unsafe {
            trampoline(
                ctx,
                (self.fp * 8) as u64,
                depth,
                code,
                args[0],
                args[1],
                args[2],
                args[3],
            )
        };
        self.shared.ctx.vm = outer;
        if let Some(panic) = self.shared.panic.take() {
            std::panic::resume_unwind(panic);
        }
        if self.shared.metered {
            self.fuel = self.shared.ctx.fuel;
            let nested = self.shared.helper_spent - helpers_before;
            self.shared.native_spent += fuel_before - self.fuel - nested;
        }
        let exit = self.shared.ctx.exit;
        match Status::from_code(status) {
            Some(Status::Returned) => Native::Returned(self.shared.ctx.ret),
            Some(Status::Halted) => Native::Finished(Finish::Halted(self.shared.ctx.ret)),
            Some(Status::Trapped) => {
                let kind = TrapKind::from_code(exit.trap_code, exit.payload as i32)
                    .unwrap_or(TrapKind::Host);
                let pc = (self.code.funcs[exit.func as usize].entry + exit.pc) as usize;
                Native::Trapped((kind, pc, self.shared.detail.take()))
            }
            Some(Status::Exited) => {
                self.resume_after_exit(&exit);
                if std::mem::take(&mut self.shared.uncount_exit) {
                    let counts = self.shared.ctx.execution_counts;
                    if !counts.is_null() {
                        // SAFETY: the counts hold one counter per instruction, and the
                        // exit's pc is one.
                        unsafe { *counts.add(self.pc) -= 1 };
                    }
                }
                if exit.reenter == 0 {
                    return Native::Resume;
                }
                // A loop entry's version reached a loop around it, or baseline code's
                // loop became hot: go on in the optimized version entered there
                // (nested loops each take one such step).
                match self.run_native(exit.func, Entry::LoopHeader(exit.pc), Level::Optimized) {
                    Native::Declined => Native::Resume,
                    outcome => outcome,
                }
            }
            None => unreachable!("native code returned status {status}"),
        }
    }

    /// Rebuilds the interpreter's view of the calls native code left: the frames it
    /// recorded, outermost first, then the function it stopped in.
    fn resume_after_exit(&mut self, exit: &ExitRecord) {
        let funcs = &self.code.funcs;
        for recorded in self.shared.exit_frames.drain(..).rev() {
            let info = &funcs[recorded.func as usize];
            let ret_pc = info.entry + recorded.resume_pc;
            self.frames.push(Frame {
                ret_pc,
                func: recorded.func,
                regs: info.regs,
                fp: (recorded.fp / 8) as usize,
                dst: recorded.dst as u8,
                resume_cost: self.code.charge[ret_pc as usize],
            });
        }
        self.func = exit.func;
        self.fp = (exit.fp / 8) as usize;
        self.pc = (funcs[exit.func as usize].entry + exit.pc) as usize;
        debug_assert_eq!(
            self.depth_base + self.frames.len() + 1,
            exit.depth as usize,
            "the interpreter's depth agrees with native code's"
        );
    }
}
