//! Hosts the baseline tier's templates do not cover: no compiler can be made, so the
//! VM's tier policy skips the baseline tier (the optimizing tier and the interpreter
//! remain).

use adead_isa::Module as IsaModule;

use super::{BaselineCompiled, HotCounters};
use crate::abi::Trampoline;
use crate::compiler::Options;
use crate::error::{CompileError, JitError};
use crate::translate::REGISTER_ARGS;

/// The baseline compiler; on this host [`BaselineCompiler::new`] always refuses, so no
/// value of this type exists.
pub struct BaselineCompiler {
    never: std::convert::Infallible,
}

impl BaselineCompiler {
    /// False: this host has no baseline tier.
    pub const fn host_supported() -> bool {
        false
    }

    /// Refuses: the baseline tier's templates are x86-64 (System V) code.
    pub fn new(_options: Options) -> Result<BaselineCompiler, JitError> {
        Err(JitError::Unsupported(format!(
            "the baseline tier needs an x86-64 Unix host, not {}",
            std::env::consts::ARCH
        )))
    }

    /// Never called: no compiler exists on this host.
    pub fn trampolines(&self) -> [Trampoline; REGISTER_ARGS + 1] {
        match self.never {}
    }

    /// Never called: no compiler exists on this host.
    pub fn compile(
        &mut self,
        _module: &IsaModule,
        _func: u32,
        _counters: Option<&HotCounters>,
    ) -> Result<BaselineCompiled, CompileError> {
        match self.never {}
    }

    /// Never called: no compiler exists on this host.
    pub fn compile_batch(
        &mut self,
        _module: &IsaModule,
        _batch: &[(u32, Option<&HotCounters>)],
    ) -> Vec<Result<BaselineCompiled, CompileError>> {
        match self.never {}
    }
}
