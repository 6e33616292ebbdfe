//! # adead-kernels: tensor operations
//!
//! This crate will hold tensor storage and every tensor operation: the scalar reference
//! that defines each op's result bit for bit, the AVX2 and AVX-512 kernels chosen once
//! from CPUID, the GPU kernels on wgpu, and the dispatcher that picks a backend by size.
//! Nothing is built here yet: the tensor opcodes arrive with their own issue, and until
//! then the VM rejects modules that use them at load time.
