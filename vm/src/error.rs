//! Errors at the VM's boundaries: loading, instantiating, calling.

use crate::trap::{Trap, TrapKind};

/// A module could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not a well-formed `.bib` module.
    #[error(transparent)]
    Format(#[from] adead_isa::format::FormatError),
    /// The module is well-formed but fails verification.
    #[error(transparent)]
    Verify(#[from] adead_isa::VerifyError),
    /// Assembly source did not assemble; `rendered` holds the diagnostics as text.
    #[error("{count} assembly error(s)\n{rendered}")]
    Assemble {
        /// Number of diagnostics.
        count: usize,
        /// The diagnostics, rendered with file, line, column and caret.
        rendered: String,
    },
    /// The module has tensor instructions and the configured kernels cannot run here.
    #[error("tensor kernels: {0}")]
    Kernels(#[from] adead_kernels::KernelError),
    /// The module uses an instruction this VM build cannot execute yet.
    #[error(
        "function `{function}` instruction {pc}: `{mnemonic}` ({family} family) is not supported by this VM yet"
    )]
    Unsupported {
        /// Function name.
        function: String,
        /// Instruction index within the function.
        pc: u32,
        /// The instruction's mnemonic.
        mnemonic: &'static str,
        /// Its family title.
        family: &'static str,
    },
}

/// An instance could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstantiateError {
    /// No host function of that name was provided.
    #[error("missing import: the module calls host function `{0}`, which is not provided")]
    MissingImport(String),
    /// The host function takes a different number of parameters than the module passes.
    #[error(
        "mistyped import `{name}`: the module passes {module_params} argument(s) but the host function takes {host_params}"
    )]
    ImportArity {
        /// Import name.
        name: String,
        /// Arguments the module passes.
        module_params: u32,
        /// Parameters the host function declares.
        host_params: usize,
    },
    /// The module's initial memory exceeds the engine's memory limit.
    #[error("the module needs {needed} bytes of memory but the limit is {limit}")]
    MemoryTooLarge {
        /// Bytes the module asks for.
        needed: u64,
        /// The engine's `max_memory`.
        limit: u64,
    },
    /// The host could not allocate the module's initial memory (within the engine's
    /// limit, but more than the process may have).
    #[error("the host cannot provide the module's {bytes} bytes of linear memory")]
    HostMemory {
        /// Bytes the module asks for.
        bytes: u64,
    },
}

/// A call from the host failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The run trapped.
    #[error(transparent)]
    Trap(#[from] Trap),
    /// No exported function has that name.
    #[error("no exported function `{0}`")]
    UnknownExport(String),
    /// No function has that index.
    #[error("the module has no function number {0}")]
    UnknownFunction(u32),
    /// The module has no entry function.
    #[error("the module has no entry function")]
    NoEntry,
    /// Wrong number of arguments.
    #[error("function `{function}` takes {expected} argument(s), {given} given")]
    ArgumentCount {
        /// Function name.
        function: String,
        /// Its parameter count.
        expected: u32,
        /// Arguments given.
        given: usize,
    },
}

/// The host could not make, read or free a tensor: the same kinds, with the same
/// messages, as the traps of a program's tensor instructions.
///
/// ```
/// use adead_vm::{Engine, Imports, Instance, Module, TrapKind};
/// let module = Module::from_asm(&Engine::default(), ".func main regs=1\n halt\n.end", "t.asm")?;
/// let mut instance = Instance::new(&module, &Imports::new())?;
/// let error = instance.new_tensor(&[2, 2], &[1.0, 2.0, 3.0]).unwrap_err();
/// assert_eq!(error.kind, TrapKind::TensorShape);
/// assert_eq!(instance.tensor(7).unwrap_err().kind, TrapKind::BadTensor);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.id())]
pub struct TensorError {
    /// `bad_tensor` (the handle names no live tensor: never made, or freed),
    /// `tensor_shape` (a rank outside 1..=4, or data that does not fill the shape) or
    /// `tensor_limit` (`Config::max_tensors` or `Config::max_tensor_bytes`).
    pub kind: TrapKind,
    /// What was wrong, with the handle or the shape.
    pub message: String,
}

impl From<(TrapKind, Option<String>)> for TensorError {
    fn from((kind, message): (TrapKind, Option<String>)) -> TensorError {
        TensorError {
            kind,
            message: message.unwrap_or_default(),
        }
    }
}

impl From<TensorError> for crate::HostError {
    /// A host function's tensor failure becomes its `host` trap's message.
    fn from(error: TensorError) -> crate::HostError {
        crate::HostError(error.to_string())
    }
}
