//! Host functions: the embedder's code that modules call with `hcall`, and the only
//! source of non-determinism a run can have.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use adead_kernels::Tensor;

use crate::error::TensorError;
use crate::memory::Memory;
use crate::tensors::TensorTable;
use crate::value::{ValType, Value};

/// The typed signature of a host function: how it reads its argument registers and
/// what its result is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result type, if the function returns a value (otherwise `hcall` writes 0).
    pub result: Option<ValType>,
}

impl Signature {
    /// A signature from parameter types and an optional result.
    pub fn new(params: &[ValType], result: Option<ValType>) -> Signature {
        Signature {
            params: params.to_vec(),
            result,
        }
    }
}

/// A host function's failure; it becomes a `host` trap carrying the message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(pub String);

/// What a host function may touch while it runs: the instance's linear memory and its
/// tensors.
///
/// ```
/// use adead_vm::{Engine, HostFunc, Imports, Instance, Module, Signature, ValType, Value};
/// // The host sums the program's tensor and answers with a new one-element tensor.
/// let mut imports = Imports::new();
/// imports.define("total", HostFunc::new(
///     Signature::new(&[ValType::I64], Some(ValType::I64)),
///     |caller, args| {
///         let sum: f32 = caller.tensor(args[0].as_i64().unwrap_or(0) as u64)?.data().iter().sum();
///         Ok(Some(Value::I64(caller.new_tensor(&[1], &[sum])? as i64)))
///     },
/// ));
/// let module = Module::from_asm(&Engine::default(), "
///     .func main regs=4
///         movi r1, 3
///         tnew r0, r1, 1        ; a tensor of shape [3], zeros
///         hcall r2, total, r0, 1
///         ret r2
///     .end
///     .export main
/// ", "total.asm")?;
/// let mut instance = Instance::new(&module, &imports)?;
/// let handle = instance.call("main", &[])?[0].as_i64().unwrap() as u64;
/// assert_eq!(instance.tensor(handle)?.data(), &[0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Caller<'a> {
    pub(crate) memory: &'a mut Memory,
    pub(crate) tensors: &'a mut TensorTable,
}

impl Caller<'_> {
    /// The instance's linear memory.
    pub fn memory(&self) -> &[u8] {
        self.memory.bytes()
    }

    /// The instance's linear memory, writable.
    pub fn memory_mut(&mut self) -> &mut [u8] {
        self.memory.bytes_mut()
    }

    /// The live tensor behind `handle`, as [`crate::Instance::tensor`].
    pub fn tensor(&self, handle: u64) -> Result<&Tensor, TensorError> {
        Ok(self.tensors.get(handle)?)
    }

    /// The live tensor behind `handle`, writable, as [`crate::Instance::tensor_mut`].
    pub fn tensor_mut(&mut self, handle: u64) -> Result<&mut Tensor, TensorError> {
        Ok(self.tensors.get_mut(handle)?)
    }

    /// A new tensor holding a copy of `data`, as [`crate::Instance::new_tensor`]: the
    /// program's limits apply, and its handle is the host function's to return.
    pub fn new_tensor(&mut self, shape: &[usize], data: &[f32]) -> Result<u64, TensorError> {
        Ok(self.tensors.insert(shape, data)?)
    }

    /// Frees the tensor behind `handle`, as [`crate::Instance::free_tensor`].
    pub fn free_tensor(&mut self, handle: u64) -> Result<(), TensorError> {
        Ok(self.tensors.free(handle)?)
    }

    /// `len` bytes at `addr`, or an error naming the range if it is outside memory.
    pub fn read(&self, addr: u64, len: u64) -> Result<&[u8], HostError> {
        let bytes = self.memory.bytes();
        let end = addr.checked_add(len);
        match end {
            Some(end) if end <= bytes.len() as u64 => Ok(&bytes[addr as usize..end as usize]),
            _ => Err(HostError(format!(
                "range {addr:#x}+{len} is outside linear memory ({} bytes)",
                bytes.len()
            ))),
        }
    }
}

type HostFn = dyn Fn(&mut Caller<'_>, &[Value]) -> Result<Option<Value>, HostError> + Send + Sync;

/// A host function: a signature and the code behind it.
#[derive(Clone)]
pub struct HostFunc {
    pub(crate) signature: Signature,
    pub(crate) func: Arc<HostFn>,
}

impl HostFunc {
    /// Wraps a closure. The closure receives arguments typed by `signature.params` and
    /// must return a value of `signature.result` (`None` when there is none).
    pub fn new(
        signature: Signature,
        func: impl Fn(&mut Caller<'_>, &[Value]) -> Result<Option<Value>, HostError>
        + Send
        + Sync
        + 'static,
    ) -> HostFunc {
        HostFunc {
            signature,
            func: Arc::new(func),
        }
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}

impl fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostFunc")
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// Host functions by name, offered to [`crate::Instance::new`]; a module takes the ones
/// it imports.
///
/// ```
/// use adead_vm::{HostFunc, Imports, Signature, ValType, Value};
/// let mut imports = Imports::new();
/// imports.define("double", HostFunc::new(
///     Signature::new(&[ValType::I64], Some(ValType::I64)),
///     |_, args| Ok(Some(Value::I64(args[0].as_i64().unwrap_or(0) * 2))),
/// ));
/// assert!(imports.get("double").is_some());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Imports {
    funcs: HashMap<String, HostFunc>,
}

impl Imports {
    /// No host functions.
    pub fn new() -> Imports {
        Imports::default()
    }

    /// Adds (or replaces) the host function `name`.
    pub fn define(&mut self, name: &str, func: HostFunc) -> &mut Imports {
        self.funcs.insert(name.to_string(), func);
        self
    }

    /// The host function `name`.
    pub fn get(&self, name: &str) -> Option<&HostFunc> {
        self.funcs.get(name)
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: &Imports) -> &mut Imports {
        for (name, func) in &other.funcs {
            self.funcs.insert(name.clone(), func.clone());
        }
        self
    }
}
