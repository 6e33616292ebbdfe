//! # adead-benches: benchmarks side by side with peers
//!
//! This crate will hold the criterion benchmarks and the benchmark programs (fib, loop,
//! sieve, mandel, nbody, matmul, MLP) and the comparison against C, Lua, LuaJIT and
//! WebAssembly peers. Nothing is built here yet: it arrives with the benchmark issue.
