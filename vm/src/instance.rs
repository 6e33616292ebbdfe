//! An instance: a module with its own linear memory, host functions and counters.

use crate::error::{CallError, InstantiateError, TensorError};
use crate::host::{HostFunc, Imports};
use crate::interp::{Finish, Frame, Machine};
use crate::memory::Memory;
use crate::module::Module;
use crate::native::{Shared, Thresholds};
use crate::profile::{Executions, FunctionProfile, LoopProfile, Profile};
use crate::tensors::TensorTable;
use crate::trap::Trap;
use crate::value::Value;

/// How a call from the host completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Returned or halted, with the value.
    pub finish: Finish,
    /// Fuel the call used (its instructions, plus the work of the instructions that
    /// pay for theirs), when counted: with a fuel budget or
    /// `Config::count_instructions` (the same count on every tier).
    pub fuel_used: Option<u64>,
}

/// A running copy of a module. A trap ends the call, not the instance: memory keeps
/// the effects made before the trap, and the host can call again.
pub struct Instance {
    module: Module,
    hosts: Vec<HostFunc>,
    memory: Memory,
    stack: Vec<u64>,
    frames: Vec<Frame>,
    calls: Vec<u64>,
    loops: Vec<u64>,
    host_args: Vec<Value>,
    tensors: TensorTable,
    instructions: u64,
    native_instructions: u64,
    /// Per instruction, its executions in the interpreter and in native code, when
    /// `Config::count_executions` asks (else empty).
    interpreted: Vec<u64>,
    native_executions: Vec<u64>,
}

impl Instance {
    /// Resolves the module's imports by name in `imports` and sets up linear memory
    /// from its data section.
    pub fn new(module: &Module, imports: &Imports) -> Result<Instance, InstantiateError> {
        let isa = module.isa();
        let config = module.engine().config();
        let hosts = isa
            .imports
            .iter()
            .map(|import| {
                let host = imports
                    .get(&import.name)
                    .ok_or_else(|| InstantiateError::MissingImport(import.name.clone()))?;
                if host.signature().params.len() != import.params as usize {
                    return Err(InstantiateError::ImportArity {
                        name: import.name.clone(),
                        module_params: import.params,
                        host_params: host.signature().params.len(),
                    });
                }
                Ok(host.clone())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let memory_size = u64::from(isa.memory_size);
        if memory_size > config.max_memory {
            return Err(InstantiateError::MemoryTooLarge {
                needed: memory_size,
                limit: config.max_memory,
            });
        }
        let data_end = isa
            .data
            .iter()
            .map(|segment| u64::from(segment.offset) + segment.bytes.len() as u64)
            .max()
            .unwrap_or(0);
        let mut memory = Memory::new(memory_size, data_end, config.max_memory)
            .ok_or(InstantiateError::HostMemory { bytes: memory_size })?;
        for segment in &isa.data {
            let start = segment.offset as usize;
            memory.bytes_mut()[start..start + segment.bytes.len()].copy_from_slice(&segment.bytes);
        }
        Ok(Instance {
            module: module.clone(),
            hosts,
            memory,
            stack: Vec::new(),
            frames: Vec::with_capacity(64),
            calls: vec![0; isa.functions.len()],
            loops: vec![0; isa.code.len()],
            host_args: Vec::new(),
            tensors: TensorTable::new(
                config.max_tensor_bytes,
                config.max_tensors,
                config.record_tensor_ops,
            ),
            instructions: 0,
            native_instructions: 0,
            interpreted: counters(config.count_executions, isa.code.len()),
            native_executions: counters(config.count_executions, isa.code.len()),
        })
    }

    /// Calls the function exported as `name`; its result (the `ret` value, or the exit
    /// code of a `halt`) comes back as one `I64`.
    pub fn call(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, CallError> {
        let func = self
            .module
            .isa()
            .export(name)
            .ok_or_else(|| CallError::UnknownExport(name.to_string()))?;
        let completion = self.invoke(func, args)?;
        let (Finish::Returned(bits) | Finish::Halted(bits)) = completion.finish;
        Ok(vec![Value::I64(bits as i64)])
    }

    /// Calls the module's entry function (`main` unless the module says otherwise).
    pub fn call_entry(&mut self, args: &[Value]) -> Result<Completion, CallError> {
        let func = self.module.isa().entry.ok_or(CallError::NoEntry)?;
        self.invoke(func, args)
    }

    /// Calls function number `func` of the module.
    pub fn invoke(&mut self, func: u32, args: &[Value]) -> Result<Completion, CallError> {
        let isa = self.module.isa();
        let function = isa
            .functions
            .get(func as usize)
            .ok_or(CallError::UnknownFunction(func))?;
        if args.len() != function.params as usize {
            return Err(CallError::ArgumentCount {
                function: function.name.clone(),
                expected: function.params,
                given: args.len(),
            });
        }
        let bits: Vec<u64> = args.iter().map(|v| v.to_bits()).collect();
        let config = self.module.engine().config();
        let fuel = config.fuel.unwrap_or(u64::MAX);
        let native = self.module.native();
        let interrupt = self.module.engine().interrupt_word();
        let execution_counts = if self.native_executions.is_empty() {
            std::ptr::null_mut()
        } else {
            self.native_executions.as_mut_ptr()
        };
        let mut shared = Shared::new(
            config,
            native.map_or(std::ptr::null(), |tier| tier.code_table()),
            execution_counts,
            interrupt,
            self.instructions,
            fuel,
        );
        let mut machine = Machine {
            code: self.module.code(),
            module: isa,
            hosts: &self.hosts,
            memory: &mut self.memory,
            stack: &mut self.stack,
            frames: &mut self.frames,
            calls: &mut self.calls,
            loops: &mut self.loops,
            executions: &mut self.interpreted,
            max_depth: config.max_call_depth as usize,
            depth_base: 0,
            max_stack: usize::try_from(config.max_stack_registers).unwrap_or(usize::MAX),
            host_args: &mut self.host_args,
            tensors: &mut self.tensors,
            // Resolved when the module was loaded if it has tensor instructions.
            kernels: self.module.engine().kernels().ok(),
            native,
            thresholds: Thresholds::of(native, config),
            interrupt,
            shared: &mut shared,
            pc: 0,
            fp: 0,
            func,
            fuel,
        };
        let outcome = machine.invoke(func, &bits, fuel);
        let fuel_used = config.metered().then_some(outcome.fuel_used);
        if config.metered() {
            self.instructions += outcome.fuel_used;
            self.native_instructions += shared.native_spent;
        }
        match outcome.result {
            Ok(finish) => Ok(Completion { finish, fuel_used }),
            Err((kind, global_pc, detail)) => {
                let func_index = self.module.code().func_of[global_pc];
                let function = &isa.functions[func_index as usize];
                let source = isa
                    .debug
                    .line_of(global_pc as u32)
                    .map(|line| (isa.debug.source.clone(), line));
                Err(CallError::Trap(Trap {
                    kind,
                    function: function.name.clone(),
                    func_index,
                    pc: global_pc as u32 - function.entry,
                    location: source,
                    detail,
                    fuel_used,
                }))
            }
        }
    }

    /// Linear memory.
    pub fn memory(&self) -> &[u8] {
        self.memory.bytes()
    }

    /// Linear memory, writable by the host.
    pub fn memory_mut(&mut self) -> &mut [u8] {
        self.memory.bytes_mut()
    }

    /// A new tensor holding a copy of `data` (row-major) in `shape`, for the host to pass
    /// to a call as `Value::I64(handle as i64)`. It counts against `Config::max_tensors`
    /// and `Config::max_tensor_bytes` like a tensor the program makes, lives until the
    /// program or the host frees it, and costs no fuel (the host's work is not the
    /// program's).
    ///
    /// ```
    /// use adead_vm::{Engine, Imports, Instance, Module, Value};
    /// // Doubles its input tensor in place and returns its handle.
    /// let module = Module::from_asm(&Engine::default(), "
    ///     .func double params=1 regs=1
    ///         tadd r0, r0, r0
    ///         ret r0
    ///     .end
    ///     .export double
    /// ", "double.asm")?;
    /// let mut instance = Instance::new(&module, &Imports::new())?;
    /// let input = instance.new_tensor(&[2, 2], &[1.0, 2.0, 3.0, 4.5])?;
    /// let result = instance.call("double", &[Value::I64(input as i64)])?;
    /// let output = instance.tensor(result[0].as_i64().unwrap() as u64)?;
    /// assert_eq!(output.shape(), &[2, 2]);
    /// assert_eq!(output.data(), &[2.0, 4.0, 6.0, 9.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new_tensor(&mut self, shape: &[usize], data: &[f32]) -> Result<u64, TensorError> {
        Ok(self.tensors.insert(shape, data)?)
    }

    /// The live tensor behind `handle` (a value a tensor register held), or a
    /// `bad_tensor` error for a handle that names none (freed, or never made).
    pub fn tensor(&self, handle: u64) -> Result<&adead_kernels::Tensor, TensorError> {
        Ok(self.tensors.get(handle)?)
    }

    /// The live tensor behind `handle`, writable: new data for an input between calls,
    /// without a new handle. Its element count is fixed (`Tensor::set_shape` keeps it).
    pub fn tensor_mut(&mut self, handle: u64) -> Result<&mut adead_kernels::Tensor, TensorError> {
        Ok(self.tensors.get_mut(handle)?)
    }

    /// Frees the tensor behind `handle`; the handle goes stale (a later use is a
    /// `bad_tensor` error here and a `bad_tensor` trap in the program).
    pub fn free_tensor(&mut self, handle: u64) -> Result<(), TensorError> {
        Ok(self.tensors.free(handle)?)
    }

    /// Every live tensor with its handle (the value a register holds), in slot order.
    pub fn tensors(&self) -> impl Iterator<Item = (u64, &adead_kernels::Tensor)> {
        self.tensors.live()
    }

    /// Bytes this instance's live tensors count toward `Config::max_tensor_bytes`: 4 per
    /// element, and `adead_isa::TENSOR_ENTRY_BYTES` per tensor.
    pub fn tensor_bytes(&self) -> u64 {
        self.tensors.live_bytes()
    }

    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The counters accumulated over every call so far.
    pub fn profile(&self) -> Profile {
        let isa = self.module.isa();
        let config = self.module.engine().config();
        let threshold = config.jit_threshold;
        let functions = isa
            .functions
            .iter()
            .zip(&self.calls)
            .map(|(function, &calls)| FunctionProfile {
                name: function.name.clone(),
                calls,
                hot: calls >= threshold,
            })
            .collect();
        let func_of = &self.module.code().func_of;
        let mut loops: Vec<LoopProfile> = self
            .loops
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(pc, &iterations)| {
                let function = &isa.functions[func_of[pc] as usize];
                LoopProfile {
                    function: function.name.clone(),
                    header: pc as u32 - function.entry,
                    iterations,
                    hot: iterations >= threshold,
                }
            })
            .collect();
        loops.sort_by_key(|l| std::cmp::Reverse(l.iterations));
        Profile {
            instructions: config.metered().then_some(self.instructions),
            native_instructions: config.metered().then_some(self.native_instructions),
            functions,
            loops,
            native: self.module.native_profile(),
            executions: config.count_executions.then(|| Executions {
                total: (self.interpreted.iter().zip(&self.native_executions))
                    .map(|(a, b)| a + b)
                    .collect(),
                native: self.native_executions.clone(),
            }),
            memory_size: self.memory.len(),
            memory: self.memory.traffic(),
            tensors: self.tensors.profile(),
        }
    }
}

/// One zeroed counter per instruction when `counting`, else none.
fn counters(counting: bool, instructions: usize) -> Vec<u64> {
    if counting {
        vec![0; instructions]
    } else {
        Vec::new()
    }
}
