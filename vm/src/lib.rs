//! # adead-vm: the ADead-BIB virtual machine
//!
//! This crate runs verified modules. Bytes (or assembly) enter through
//! [`Module::from_bytes`] / [`Module::from_asm`], which read, verify and predecode them
//! once; an [`Instance`] gives a module its own linear memory and host functions; and
//! [`Instance::call`] runs a function in the interpreter, which counts function entries
//! and loop iterations for the tiers above it. Results leave as values, or as a
//! [`Trap`] naming the kind, function, instruction and source line. Limits (fuel, call
//! depth, memory, tensor bytes and live tensors) come from the [`Engine`]'s [`Config`] and trap identically on every
//! tier.
//!
//! Embedding in a host application, with one host function:
//!
//! ```
//! use adead_vm::{Config, Engine, HostFunc, Imports, Instance, Module, Signature, ValType, Value};
//!
//! let engine = Engine::new(Config { fuel: Some(1_000_000), ..Config::default() });
//! let module = Module::from_asm(&engine, "
//!     .func add_and_scale params=2 regs=4
//!         add r2, r0, r1
//!         hcall r3, scale, r2, 1
//!         ret r3
//!     .end
//!     .export add_and_scale
//! ", "example.asm")?;
//!
//! let mut imports = Imports::new();
//! imports.define("scale", HostFunc::new(
//!     Signature::new(&[ValType::I64], Some(ValType::I64)),
//!     |_caller, args| Ok(Some(Value::I64(args[0].as_i64().unwrap_or(0) * 10))),
//! ));
//! let mut instance = Instance::new(&module, &imports)?;
//! let result = instance.call("add_and_scale", &[Value::I64(2), Value::I64(3)])?;
//! assert_eq!(result, vec![Value::I64(50)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
mod config;
mod engine;
mod error;
mod host;
mod instance;
mod interp;
mod interrupt;
mod memory;
mod module;
mod native;
mod profile;
mod saved_profile;
pub mod stdio;
mod tensor_record;
mod tensors;
mod trap;
mod value;
mod work;

pub use adead_jit::Entry;
pub use adead_kernels::Tensor;
pub use config::{Config, Tier};
pub use engine::Engine;
pub use error::{CallError, InstantiateError, LoadError, TensorError};
pub use host::{Caller, HostError, HostFunc, Imports, Signature};
pub use instance::{Completion, Instance};
pub use interp::Finish;
pub use interrupt::InterruptHandle;
pub use module::Module;
pub use native::{CompileRecord, Level, NativeProfile};
pub use profile::{Executions, FunctionProfile, LoopProfile, MemoryTraffic, Profile};
pub use saved_profile::{
    ProfileError, SAVED_PROFILE_FORMAT, SavedCompile, SavedFunction, SavedKernels, SavedLevel,
    SavedLoop, SavedProfile,
};
pub use tensor_record::{LiveTensor, TensorOpProfile, TensorProfile};
pub use trap::{Trap, TrapKind};
pub use value::{ValType, Value};

/// The README's Rust code blocks, compiled and run as doc tests so that they keep
/// working as written.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
