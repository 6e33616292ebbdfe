//! # adead-conformance: the ISA conformance suite
//!
//! This crate will hold ISA behaviour as case files and the runner that executes every
//! case on every tier and demands identical results.
