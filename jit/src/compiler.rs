//! The Cranelift tier: one JIT module per VM module, compiling functions on demand.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, UserFuncName, types};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};

use adead_isa::Module as IsaModule;

use crate::abi::{Helpers, NativeFn, Trampoline, execution_count_offset, offsets};
use crate::analysis::FunctionFacts;
use crate::error::{CompileError, JitError};
use crate::translate::{
    Entry, ModuleView, REGISTER_ARGS, Translator, native_signature, register_args, translatable,
};

/// How the compiled code must behave: fixed for a VM module's lifetime.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Charge fuel per run and leave for the interpreter when it runs short.
    pub metered: bool,
    /// The VM's call depth limit (the host's call is depth 1).
    pub max_call_depth: u32,
    /// The VM's helpers.
    pub helpers: Helpers,
    /// Functions longer than this many instructions are not compiled.
    pub max_function_len: u32,
    /// Run Cranelift's IR verifier on every function (about 30% more compile time).
    pub verify_ir: bool,
    /// Keep the machine code's disassembly in [`Compiled::disassembly`].
    pub disassemble: bool,
    /// Count every instruction native code executes in `VmContext::execution_counts`,
    /// per instruction of the module (for `adead-vm analyze` and coverage tests; it
    /// costs a memory increment per instruction). A function whose instructions lie
    /// past the reach of a 32-bit displacement (2^28 instructions) is refused.
    pub count_executions: bool,
    /// Poll `VmContext::interrupt` at every check point (function entries, taken
    /// backward branches) and trap `interrupted` there when it is set.
    pub interruptible: bool,
}

/// A function compiled to native code.
#[derive(Debug)]
pub struct Compiled {
    /// Its address, for the [`Trampoline`] and the code table.
    pub code: NativeFn,
    /// Bytes of machine code.
    pub size: usize,
    /// Time spent translating and compiling it.
    pub time: Duration,
    /// The machine code as text, when [`Options::disassemble`] asked for it.
    pub disassembly: Option<String>,
}

/// Compiles the functions of one VM module into native code that lives as long as the
/// compiler.
///
/// A complete use without a VM: `answer` needs none of the helpers
/// ([`Helpers::standalone`]).
///
/// ```
/// use adead_jit::{Compiler, Entry, ExitRecord, Helpers, Options, Status, VmContext};
///
/// let module = adead_asm::assemble(
///     ".func answer params=1 regs=2\n movi r1, 40\n add r1, r1, r0\n ret r1\n.end\n",
///     "answer.asm",
/// ).unwrap();
/// let options = Options { metered: false, max_call_depth: 1000, helpers: Helpers::standalone(),
///     max_function_len: 10_000, verify_ir: true, disassemble: false, count_executions: false,
///     interruptible: false };
/// let mut compiler = Compiler::new(options)?;
/// let compiled = compiler.compile(&module, 0, Entry::Start)?;
///
/// // The frame of `answer` (2 registers) at the bottom of a register stack.
/// let mut stack = [0u64; 2];
/// let table = [compiled.code as usize];
/// let no_stop = std::sync::atomic::AtomicU32::new(0);
/// let mut ctx = VmContext {
///     memory_base: std::ptr::null_mut(), memory_len: 0,
///     stack_base: stack.as_mut_ptr(), stack_len: 16,
///     native_stack_limit: 0, code_table: table.as_ptr(),
///     fuel: 0, ret: 0, exit: ExitRecord::default(),
///     execution_counts: std::ptr::null_mut(), vm: std::ptr::null_mut(), interrupt: &no_stop,
/// };
/// // SAFETY: the context, the frame and the code belong together.
/// let status = unsafe { (compiler.trampoline(1, Entry::Start))(&mut ctx, 0, 1, compiled.code, 2, 0, 0, 0) };
/// assert_eq!(Status::from_code(status), Some(Status::Returned));
/// assert_eq!(ctx.ret, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Compiler {
    jit: Option<JITModule>,
    options: Options,
    call_conv: CallConv,
    /// Per number of register arguments.
    trampolines: [Trampoline; REGISTER_ARGS + 1],
    facts: Vec<Option<FunctionFacts>>,
    context: cranelift_codegen::Context,
    builder: FunctionBuilderContext,
    next_name: u32,
    /// Set when Cranelift panicked: nothing more is compiled.
    poisoned: bool,
}

// SAFETY: the JIT module is only used through `&mut Compiler`, and nothing in it is tied
// to the thread that created it (its symbol table holds addresses, not thread-local
// state).
unsafe impl Send for Compiler {}

impl Compiler {
    /// A compiler for the host CPU, with the trampoline already built.
    pub fn new(options: Options) -> Result<Compiler, JitError> {
        let mut flags = settings::builder();
        let setting = |flags: &mut settings::Builder, name: &str, value: &str| {
            flags
                .set(name, value)
                .map_err(|e| JitError::Setup(format!("{name}={value}: {e}")))
        };
        setting(&mut flags, "opt_level", "speed")?;
        setting(&mut flags, "is_pic", "false")?;
        setting(&mut flags, "use_colocated_libcalls", "false")?;
        setting(&mut flags, "preserve_frame_pointers", "true")?;
        setting(
            &mut flags,
            "enable_verifier",
            if options.verify_ir { "true" } else { "false" },
        )?;
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::Unsupported(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Setup(e.to_string()))?;
        if isa.pointer_type() != types::I64 {
            return Err(JitError::Unsupported(format!(
                "{} has {}-bit pointers; native code needs 64",
                isa.triple(),
                isa.pointer_bits()
            )));
        }
        let call_conv = isa.default_call_conv();
        let mut jit = JITModule::new(JITBuilder::with_isa(
            isa,
            cranelift_module::default_libcall_names(),
        ));
        let mut context = jit.make_context();
        let mut builder = FunctionBuilderContext::new();
        // One trampoline passing all four register arguments serves every function: in
        // the host's C convention the caller cleans up, and a callee ignores the
        // arguments it does not take (each Cranelift compilation here costs about as
        // much as compiling a small function, on the path to the first native call).
        let trampoline = build_trampoline(
            &mut jit,
            &mut context,
            &mut builder,
            call_conv,
            REGISTER_ARGS,
        )?;
        let trampolines = [trampoline; REGISTER_ARGS + 1];
        Ok(Compiler {
            jit: Some(jit),
            options,
            call_conv,
            trampolines,
            facts: Vec::new(),
            context,
            builder,
            next_name: 0,
            poisoned: false,
        })
    }

    /// Calls native code from Rust (see [`Trampoline`]): the one for the version of a
    /// function with `params` parameters entered at `entry`.
    pub fn trampoline(&self, params: u32, entry: Entry) -> Trampoline {
        self.trampolines[register_args(params, entry)]
    }

    /// Every trampoline, by number of register arguments ([`register_args`]).
    pub fn trampolines(&self) -> [Trampoline; REGISTER_ARGS + 1] {
        self.trampolines
    }

    /// The loop headers of `func` where [`Entry::LoopHeader`] can enter it: the targets
    /// of its backward branches.
    pub fn loop_headers(module: &IsaModule, func: u32) -> Vec<u32> {
        let function = &module.functions[func as usize];
        adead_isa::fuel::Runs::of(function.code(module))
            .loop_headers()
            .collect()
    }

    /// Compiles function `func` of `module` (the module this compiler serves, verified)
    /// entered at `entry`.
    pub fn compile(
        &mut self,
        module: &IsaModule,
        func: u32,
        entry: Entry,
    ) -> Result<Compiled, CompileError> {
        let started = Instant::now();
        if self.poisoned {
            return Err(CompileError::Poisoned);
        }
        let function = module
            .functions
            .get(func as usize)
            .ok_or(CompileError::NoSuchFunction(func))?;
        if function.len > self.options.max_function_len {
            return Err(CompileError::TooLarge {
                len: function.len,
                limit: self.options.max_function_len,
            });
        }
        if self.options.count_executions
            && execution_count_offset(function.entry, function.len.saturating_sub(1) as usize)
                .is_none()
        {
            return Err(CompileError::CountersOutOfReach);
        }
        let code = function.code(module);
        if let Some(instr) = code.iter().find(|i| !translatable(i.opcode())) {
            return Err(CompileError::Unsupported(instr.opcode().mnemonic()));
        }
        if let Entry::LoopHeader(pc) = entry {
            let runs = adead_isa::fuel::Runs::of(code);
            if pc as usize >= code.len() || !runs.is_loop_header(pc as usize) {
                return Err(CompileError::NotALoopHeader(pc));
            }
        }
        if self.facts.len() < module.functions.len() {
            self.facts.resize_with(module.functions.len(), || None);
        }
        // The facts of this function and of every callee, for inlining.
        let callees = code
            .iter()
            .filter(|i| i.opcode() == adead_isa::Opcode::Call)
            .map(|i| i.word(1));
        for f in std::iter::once(func).chain(callees) {
            if self.facts[f as usize].is_none() {
                let callee = &module.functions[f as usize];
                self.facts[f as usize] = Some(FunctionFacts::of(
                    callee.code(module),
                    callee.regs,
                    callee.params,
                ));
            }
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.define(module, func, entry)));
        let (code, size, disassembly) = match outcome {
            Ok(result) => result?,
            Err(_) => {
                self.poisoned = true;
                return Err(CompileError::Panicked);
            }
        };
        Ok(Compiled {
            code,
            size,
            time: started.elapsed(),
            disassembly,
        })
    }

    fn define(
        &mut self,
        module: &IsaModule,
        func: u32,
        entry: Entry,
    ) -> Result<(NativeFn, usize, Option<String>), CompileError> {
        let jit = self.jit.as_mut().expect("the JIT module lives until drop");
        let params = module.functions[func as usize].params;
        let sig = native_signature(self.call_conv, register_args(params, entry));
        let name = format!("adead_{}", self.next_name);
        self.next_name += 1;
        let id = jit
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| CompileError::Codegen(e.to_string()))?;
        self.context.clear();
        self.context.func.signature = sig;
        self.context.func.name = UserFuncName::user(0, id.as_u32());
        self.context.set_disasm(self.options.disassemble);
        {
            let func_builder = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let self_ref =
                (entry == Entry::Start).then(|| jit.declare_func_in_func(id, func_builder.func));
            let view = ModuleView {
                module,
                helpers: &self.options.helpers,
                metered: self.options.metered,
                max_call_depth: self.options.max_call_depth,
                count_executions: self.options.count_executions,
                interruptible: self.options.interruptible,
                call_conv: self.call_conv,
                frontend: jit.target_config(),
            };
            Translator::new(func_builder, &view, &self.facts, func, entry, self_ref).translate();
        }
        jit.define_function(id, &mut self.context)
            .map_err(|e| CompileError::Codegen(format!("{e:?}")))?;
        let compiled = self
            .context
            .compiled_code()
            .expect("define_function compiled it");
        let size = compiled.code_info().total_size as usize;
        let disassembly = compiled.vcode.clone();
        jit.finalize_definitions()
            .map_err(|e| CompileError::Codegen(e.to_string()))?;
        let code = jit.get_finalized_function(id);
        Ok((code, size, disassembly))
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        if let Some(jit) = self.jit.take() {
            // SAFETY: the VM drops the compiler with its module, when no instance of the
            // module exists, so no compiled code is running or will run.
            unsafe { jit.free_memory() };
        }
    }
}

/// `trampoline(ctx, fp, depth, code, a0, a1, a2, a3)`: calls `code` with the native
/// signature of `args` register arguments, stores its value in `ctx.ret` and returns
/// its status.
fn build_trampoline(
    jit: &mut JITModule,
    context: &mut cranelift_codegen::Context,
    builder: &mut FunctionBuilderContext,
    call_conv: CallConv,
    args: usize,
) -> Result<Trampoline, JitError> {
    let mut sig = jit.make_signature();
    for _ in 0..8 {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig.returns.push(AbiParam::new(types::I64));
    let id: FuncId = jit
        .declare_function(&format!("adead_trampoline{args}"), Linkage::Local, &sig)
        .map_err(|e| JitError::Setup(e.to_string()))?;
    context.func.signature = sig;
    context.func.name = UserFuncName::user(0, id.as_u32());
    {
        let mut b = FunctionBuilder::new(&mut context.func, builder);
        let native = b.import_signature(native_signature(call_conv, args));
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let p = b.block_params(block).to_vec();
        let (ctx, fp, depth, code) = (p[0], p[1], p[2], p[3]);
        let mut call_args = vec![ctx, fp, depth];
        call_args.extend_from_slice(&p[4..4 + args]);
        let call = b.ins().call_indirect(native, code, &call_args);
        let results = b.inst_results(call).to_vec();
        b.ins()
            .store(MemFlagsData::trusted(), results[0], ctx, offsets::RET);
        b.ins().return_(&[results[1]]);
        b.seal_all_blocks();
        b.finalize(jit.target_config());
    }
    jit.define_function(id, context)
        .map_err(|e| JitError::Setup(format!("the trampoline: {e:?}")))?;
    jit.clear_context(context);
    jit.finalize_definitions()
        .map_err(|e| JitError::Setup(e.to_string()))?;
    let code = jit.get_finalized_function(id);
    // SAFETY: the function was built with exactly the `Trampoline` signature in the
    // platform's C calling convention.
    Ok(unsafe { std::mem::transmute::<*const u8, Trampoline>(code) })
}
