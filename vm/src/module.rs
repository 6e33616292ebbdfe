//! A loaded module: read, verified and predecoded once, then shared by its instances.

use std::sync::Arc;

use adead_isa::VerifiedModule;

use crate::engine::Engine;
use crate::error::LoadError;
use crate::interp::{self, Code};
use crate::native::{NativeProfile, NativeTier};

/// A module ready to instantiate. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Module {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    engine: Engine,
    /// Shared with the native tier's background compiler.
    verified: Arc<VerifiedModule>,
    code: Code,
    /// Native code, when the engine's tier policy runs any. Dropped with the module,
    /// which frees the code: no instance (which holds the module) is left to run it,
    /// and a background compilation holds it only while it compiles.
    native: Option<Arc<NativeTier>>,
}

impl Module {
    /// Reads a `.bib` module, verifies it and prepares it for execution.
    pub fn from_bytes(engine: &Engine, bytes: &[u8]) -> Result<Module, LoadError> {
        Module::from_isa(engine, adead_isa::format::read(bytes)?)
    }

    /// Assembles `source` (named `file_name` in diagnostics and debug info) and loads it.
    pub fn from_asm(engine: &Engine, source: &str, file_name: &str) -> Result<Module, LoadError> {
        let module =
            adead_asm::assemble(source, file_name).map_err(|diagnostics| LoadError::Assemble {
                count: diagnostics.total(),
                rendered: diagnostics.render(source, file_name),
            })?;
        Module::from_isa(engine, module)
    }

    /// Verifies and prepares an in-memory module.
    pub fn from_isa(engine: &Engine, module: adead_isa::Module) -> Result<Module, LoadError> {
        let verified = Arc::new(adead_isa::verify(module)?);
        let code = interp::predecode(&verified)?;
        if !code.tensor_ops.is_empty() {
            // Fail at load, not at the first tensor instruction.
            engine.kernels()?;
        }
        let native = NativeTier::new(&verified, engine.config());
        Ok(Module {
            inner: Arc::new(Inner {
                engine: engine.clone(),
                verified,
                code,
                native,
            }),
        })
    }

    /// The module as the ISA describes it.
    pub fn isa(&self) -> &adead_isa::Module {
        &self.inner.verified
    }

    /// The engine it was loaded with.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn code(&self) -> &Code {
        &self.inner.code
    }

    pub(crate) fn native(&self) -> Option<&NativeTier> {
        self.inner.native.as_deref()
    }

    /// What the native tier compiled for this module so far (shared by its instances),
    /// and what it left to the interpreter and why; `None` under [`crate::Tier::Interp`].
    pub fn native_profile(&self) -> Option<NativeProfile> {
        self.native().map(NativeTier::profile)
    }
}
