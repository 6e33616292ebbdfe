//! The cost of one call: filled in with the benchmark.
fn main() {}
