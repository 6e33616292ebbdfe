//! The profile: what ran how often, and what the native tier made of it. The
//! interpreter counts function entries and loop back-edges (native code does not
//! count), and the tier policy compiles what passes the threshold.

use crate::native::NativeProfile;
use crate::tensor_record::TensorProfile;

/// Counts of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionProfile {
    /// Function name.
    pub name: String,
    /// Entries the interpreter saw: calls from the host, from interpreted code, and from
    /// native code to a function without native code (calls between native functions
    /// are not counted).
    pub calls: u64,
    /// Entries reached the engine's hot threshold.
    pub hot: bool,
}

/// Counts of one loop header (the target of a backward branch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopProfile {
    /// Name of the function holding the loop.
    pub function: String,
    /// Index of the loop header within the function.
    pub header: u32,
    /// Backward branches taken to it in the interpreter.
    pub iterations: u64,
    /// Iterations reached the engine's hot threshold.
    pub hot: bool,
}

/// A snapshot of an instance's counters, accumulated over all its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Instructions executed, when counted (a fuel budget or
    /// `Config::count_instructions`).
    pub instructions: Option<u64>,
    /// Of those, the instructions native code executed.
    pub native_instructions: Option<u64>,
    /// Per function, in module order.
    pub functions: Vec<FunctionProfile>,
    /// Loop headers that ran at least once, most iterations first.
    pub loops: Vec<LoopProfile>,
    /// What the native tier compiled, or refused to (`None` under `Tier::Interp`).
    pub native: Option<NativeProfile>,
    /// With `Config::count_executions`: how many times each instruction executed.
    pub executions: Option<Executions>,
    /// Linear memory's size now (it only grows: its peak).
    pub memory_size: u64,
    /// What the heap and the range instructions did.
    pub memory: MemoryTraffic,
    /// Tensor bytes, live tensors, and (`Config::record_tensor_ops`) the tensor
    /// instructions.
    pub tensors: TensorProfile,
}

/// What `alloc`, `free`, `mcopy` and `mfill` did over all calls (sizes are the blocks'
/// sizes, rounded up to 16 bytes as `alloc` places them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryTraffic {
    /// Blocks allocated.
    pub allocations: u64,
    /// Their bytes.
    pub allocated_bytes: u64,
    /// Blocks freed.
    pub frees: u64,
    /// Bytes in live blocks now.
    pub live_heap_bytes: u64,
    /// The most bytes live blocks held at once.
    pub peak_heap_bytes: u64,
    /// Bytes `mcopy` copied.
    pub copied_bytes: u64,
    /// Bytes `mfill` set.
    pub filled_bytes: u64,
}

/// How many times each instruction of the module executed, over all calls
/// (`Config::count_executions`). The counts are the same on every tier: an
/// instruction counts when it starts, a trapping one included, one that fuel could not
/// pay for not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executions {
    /// Per instruction of the module (its global pc), on every tier.
    pub total: Vec<u64>,
    /// Per instruction, those of its executions that native code ran.
    pub native: Vec<u64>,
}

impl Executions {
    /// Per opcode in table order, the executions of its instructions in `code` (the
    /// module's), native ones only when `native_only`; opcodes that never ran are left
    /// out.
    ///
    /// ```
    /// use adead_isa::Opcode;
    /// use adead_vm::{Config, Engine, Imports, Instance, Module};
    /// let engine = Engine::new(Config { count_executions: true, ..Config::default() });
    /// let module = Module::from_asm(&engine, "
    ///     .func main params=0 regs=2
    ///         movi r0, 3
    ///     top:
    ///         addi r0, r0, -1
    ///         jnz r0, top
    ///         ret r0
    ///     .end
    /// ", "count.asm")?;
    /// let mut instance = Instance::new(&module, &Imports::new())?;
    /// instance.call_entry(&[])?;
    /// let executions = instance.profile().executions.unwrap();
    /// assert_eq!(executions.total, [1, 3, 3, 1]);
    /// let by_opcode = executions.by_opcode(&module.isa().code, false);
    /// assert_eq!(by_opcode[0], (Opcode::Jnz, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn by_opcode(
        &self,
        code: &[adead_isa::Instruction],
        native_only: bool,
    ) -> Vec<(adead_isa::Opcode, u64)> {
        let counts = if native_only {
            &self.native
        } else {
            &self.total
        };
        let mut per_opcode = vec![0u64; adead_isa::Opcode::ALL.len()];
        for (instr, &n) in code.iter().zip(counts) {
            per_opcode[instr.opcode().index()] += n;
        }
        adead_isa::Opcode::ALL
            .iter()
            .zip(per_opcode)
            .filter(|&(_, n)| n > 0)
            .map(|(&op, n)| (op, n))
            .collect()
    }
}
