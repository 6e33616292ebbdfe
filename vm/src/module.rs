//! A loaded module: read, verified and predecoded once, then shared by its instances.

use std::sync::{Arc, OnceLock};

use adead_isa::VerifiedModule;
use sha2::{Digest, Sha256};

use crate::engine::Engine;
use crate::error::LoadError;
use crate::interp::{self, Code};
use crate::native::{NativeProfile, NativeTier};
use crate::saved_profile::{ProfileError, SavedProfile};

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
    /// `Module::hash`, computed when first asked.
    hash: OnceLock<String>,
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
                hash: OnceLock::new(),
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

    /// The module's identity for saved profiles: `sha256:` and the hex SHA-256 of its
    /// `.bib` encoding (the same for a `.bib` file and the listing it came from).
    pub fn hash(&self) -> String {
        self.inner
            .hash
            .get_or_init(|| {
                let digest = Sha256::digest(adead_isa::format::write(self.isa()));
                let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
                format!("sha256:{hex}")
            })
            .clone()
    }

    /// Compiles now what the run that saved `profile` compiled (see [`SavedProfile`]),
    /// so that this module's first calls start in native code. Optimized code is
    /// compiled on the background thread when the engine has one
    /// ([`crate::Config::background_compile`]), else before this returns. Nothing
    /// observable changes, only speed; under [`crate::Tier::Interp`] nothing is compiled.
    /// Returns the number of compilations the profile lists.
    pub fn warm_start(&self, profile: &SavedProfile) -> Result<usize, ProfileError> {
        let compilations = profile.compilations_for(self)?;
        if let Some(native) = self.native() {
            native.warm(self.isa(), &compilations);
        }
        Ok(compilations.len())
    }

    /// Optimized compilations asked for and still running on the background thread.
    pub(crate) fn pending_compilations(&self) -> Vec<(u32, adead_jit::Entry)> {
        self.native().map(NativeTier::pending).unwrap_or_default()
    }

    /// The loop headers of function `func`, or `None` if there is no such function.
    pub(crate) fn loop_headers(&self, func: u32) -> Option<Vec<u32>> {
        ((func as usize) < self.isa().functions.len())
            .then(|| adead_jit::Compiler::loop_headers(self.isa(), func))
    }

    /// What the native tier compiled for this module so far (shared by its instances),
    /// and what it left to the interpreter and why; `None` under [`crate::Tier::Interp`].
    pub fn native_profile(&self) -> Option<NativeProfile> {
        self.native().map(NativeTier::profile)
    }
}
