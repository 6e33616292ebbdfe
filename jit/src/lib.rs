//! # adead-jit: native code tiers
//!
//! This crate will compile verified functions to native code: a Cranelift optimizing
//! tier for every target Cranelift supports, and a dynasm baseline tier on x86-64. It
//! knows the VM only through a small `#[repr(C)]` ABI (register frame, linear memory,
//! fuel), never through `adead-vm` types, and it reproduces the interpreter's results,
//! traps and fuel exactly. Nothing is built here yet: the tiers arrive with their own
//! issue, and until then the interpreter is the only tier.
