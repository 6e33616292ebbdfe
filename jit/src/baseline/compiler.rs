//! The baseline compiler on x86-64 Unix hosts.

use std::time::Instant;

use dynasmrt::{DynasmApi, dynasm};

use adead_isa::Module as IsaModule;

use super::code_memory::CodeMemory;
use super::emit::{FunctionEmitter, Ops, Setting};
use super::{BaselineCompiled, HotCounters, Versions};
use crate::abi::{Trampoline, execution_count_offset, offsets};
use crate::compiler::Options;
use crate::error::{CompileError, JitError};
use crate::translate::REGISTER_ARGS;

/// The baseline compiler of one VM module: its code lives as long as the compiler.
///
/// ```
/// use adead_jit::{BaselineCompiler, ExitRecord, Helpers, Options, Status, VmContext};
///
/// let module = adead_asm::assemble(
///     ".func answer params=1 regs=2\n movi r1, 40\n add r1, r1, r0\n ret r1\n.end\n",
///     "answer.asm",
/// ).unwrap();
/// let options = Options { metered: false, max_call_depth: 1000, helpers: Helpers::standalone(),
///     max_function_len: 10_000, verify_ir: false, disassemble: false, count_executions: false,
///     interruptible: false };
/// let mut compiler = match BaselineCompiler::new(options) {
///     Ok(compiler) => compiler,
///     Err(_) => return Ok(()), // not an x86-64 Unix host
/// };
/// let compiled = compiler.compile(&module, 0, None)?;
///
/// let mut stack = [0u64; 2];
/// let table = [compiled.versions.start as usize];
/// let no_stop = std::sync::atomic::AtomicU32::new(0);
/// let mut ctx = VmContext {
///     memory_base: std::ptr::null_mut(), memory_len: 0,
///     stack_base: stack.as_mut_ptr(), stack_len: 16,
///     native_stack_limit: 0, code_table: table.as_ptr(),
///     fuel: 0, ret: 0, exit: ExitRecord::default(),
///     execution_counts: std::ptr::null_mut(), vm: std::ptr::null_mut(), interrupt: &no_stop,
/// };
/// // SAFETY: the context, the frame and the code belong together.
/// let status = unsafe {
///     (compiler.trampolines()[1])(&mut ctx, 0, 1, compiled.versions.start, 2, 0, 0, 0)
/// };
/// assert_eq!(Status::from_code(status), Some(Status::Returned));
/// assert_eq!(ctx.ret, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BaselineCompiler {
    options: Options,
    memory: CodeMemory,
    trampoline: Trampoline,
    /// `ADEAD_BASELINE_DUMP`, read once: where each batch's machine code is written, for
    /// `objdump -b binary -m i386:x86-64 -D FILE` (the last batch wins).
    dump: Option<std::path::PathBuf>,
}

impl BaselineCompiler {
    /// True: this host has the baseline tier.
    pub const fn host_supported() -> bool {
        true
    }

    /// A compiler with its trampoline built.
    pub fn new(options: Options) -> Result<BaselineCompiler, JitError> {
        let mut memory = CodeMemory::new();
        let trampoline = build_trampoline(&mut memory)?;
        Ok(BaselineCompiler {
            options,
            memory,
            trampoline,
            dump: std::env::var_os("ADEAD_BASELINE_DUMP").map(Into::into),
        })
    }

    /// Calls native code from Rust, by number of register arguments (one trampoline
    /// serves every count: it passes all four).
    pub fn trampolines(&self) -> [Trampoline; REGISTER_ARGS + 1] {
        [self.trampoline; REGISTER_ARGS + 1]
    }

    /// Compiles function `func` of `module` (verified), every entry of it, counting
    /// toward optimized code with `counters`.
    pub fn compile(
        &mut self,
        module: &IsaModule,
        func: u32,
        counters: Option<&HotCounters>,
    ) -> Result<BaselineCompiled, CompileError> {
        let mut results = self.compile_batch(module, &[(func, counters)]);
        results.pop().expect("one per function")
    }

    /// Compiles the functions `batch` names (each with its counters) and installs their
    /// code in executable memory together (one copy, or one page protection change on
    /// hosts without the dual mapping).
    pub fn compile_batch(
        &mut self,
        module: &IsaModule,
        batch: &[(u32, Option<&HotCounters>)],
    ) -> Vec<Result<BaselineCompiled, CompileError>> {
        let started = Instant::now();
        let setting = Setting {
            module,
            helpers: &self.options.helpers,
            metered: self.options.metered,
            max_call_depth: self.options.max_call_depth,
            count_executions: self.options.count_executions,
            interruptible: self.options.interruptible,
        };
        // Sized for the usual code per instruction, so that the buffers rarely grow.
        let instructions: usize = batch
            .iter()
            .filter_map(|&(func, _)| module.functions.get(func as usize))
            .map(|f| f.len as usize)
            .sum();
        let mut ops = Ops::new_with_capacity(
            0,
            256 + instructions * 64,
            0,
            0,
            16 + instructions * 4,
            0,
            16 + instructions * 4,
        );
        let mut emitted = Vec::with_capacity(batch.len());
        for &(func, counters) in batch {
            let function_started = Instant::now();
            let result = match module.functions.get(func as usize) {
                None => Err(CompileError::NoSuchFunction(func)),
                Some(function) if function.len > self.options.max_function_len => {
                    Err(CompileError::TooLarge {
                        len: function.len,
                        limit: self.options.max_function_len,
                    })
                }
                Some(function)
                    if self.options.count_executions
                        && execution_count_offset(
                            function.entry,
                            function.len.saturating_sub(1) as usize,
                        )
                        .is_none() =>
                {
                    Err(CompileError::CountersOutOfReach)
                }
                Some(_) => {
                    let begin = ops.offset().0;
                    FunctionEmitter::new(&mut ops, &setting, func, counters)
                        .emit()
                        .map(|versions| (versions, ops.offset().0 - begin))
                }
            };
            emitted.push((result, function_started.elapsed()));
        }
        let installed = ops
            .finalize()
            .inspect(|bytes| {
                if let Some(path) = &self.dump {
                    // A debugging aid: a failed write costs only the dump.
                    let _ = std::fs::write(path, bytes);
                }
            })
            .map_err(|e| CompileError::Codegen(format!("dynasm: {e}")))
            .and_then(|bytes| {
                self.memory
                    .install(&bytes)
                    .map_err(|e| CompileError::Codegen(format!("executable memory: {e}")))
            });
        let base = match installed {
            Ok(base) => base,
            Err(error) => return batch.iter().map(|_| Err(error.clone())).collect(),
        };
        let share = started
            .elapsed()
            .saturating_sub(emitted.iter().map(|(_, t)| *t).sum())
            / batch.len().max(1) as u32;
        emitted
            .into_iter()
            .map(|(result, time)| {
                let (versions, size) = result?;
                // SAFETY: offsets inside the code just installed at `base`.
                let at = |offset: usize| unsafe { base.add(offset) };
                Ok(BaselineCompiled {
                    versions: Versions {
                        start: at(versions.start),
                        loops: versions
                            .loops
                            .into_iter()
                            .map(|(header, offset)| (header, at(offset)))
                            .collect(),
                    },
                    size,
                    time: time + share,
                })
            })
            .collect()
    }
}

/// `trampoline(ctx, fp, depth, code, a0, a1, a2, a3)`: calls `code` with the native
/// signature and all four register arguments (a function ignores those it does not
/// take), stores its value in `ctx.ret` and returns its status.
fn build_trampoline(memory: &mut CodeMemory) -> Result<Trampoline, JitError> {
    let mut ops = Ops::new(0);
    dynasm!(ops
        ; .arch x64
        ; push rbp
        ; mov rbp, rsp
        ; push rbx
        ; sub rsp, 24
        ; mov rbx, rdi
        ; mov rax, rcx
        ; mov rcx, r8
        ; mov r8, r9
        ; mov r9, [rbp + 16]
        ; mov r10, [rbp + 24]
        ; mov [rsp], r10
        ; call rax
        ; mov [rbx + offsets::RET], rax
        ; mov rax, rdx
        ; add rsp, 24
        ; pop rbx
        ; pop rbp
        ; ret
    );
    let bytes = ops
        .finalize()
        .map_err(|e| JitError::Setup(format!("the trampoline: {e}")))?;
    let code = memory
        .install(&bytes)
        .map_err(|e| JitError::Setup(format!("executable memory: {e}")))?;
    // SAFETY: the bytes are a complete function of exactly the `Trampoline` signature
    // in the System V convention, the C convention of x86-64 Unix.
    Ok(unsafe { std::mem::transmute::<*const u8, Trampoline>(code) })
}
