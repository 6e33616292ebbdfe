//! Warm starts: what one run learned (its hot code, what the native tier compiled),
//! saved for the next run of the same module, which then compiles that code at load
//! instead of finding it hot again.
//!
//! A profile changes how fast a run gets to native code, never what it computes: every
//! tier gives the same results, traps and fuel, and a profile only chooses what is
//! compiled when. It is JSON, for people to read and diff; it names the module it came
//! from by the SHA-256 of the module's `.bib` encoding, and carries a format number, so
//! that a profile of another module, or of another version of this one, is refused with
//! a message instead of compiling the wrong functions.
//!
//! It also keeps the tensor kernels' tuning the run used ([`SavedKernels`]), so that the
//! next run on the same CPU, path and thread count takes it instead of measuring; on
//! another CPU it is ignored (the kernels are then tuned as usual).
//!
//! Format 2 added the kernels' tuning; a format-1 profile (the same without it) is still
//! read.

use adead_jit::Entry;
use adead_kernels::tuning::CpuKey;
use adead_kernels::{Isa, Tuning};
use serde::{Deserialize, Serialize};

use crate::instance::Instance;
use crate::module::Module;
use crate::native::Level;

/// The format of [`SavedProfile`] this VM writes; it reads this one and every earlier
/// one (format 1 had no [`SavedProfile::kernels`]).
pub const SAVED_PROFILE_FORMAT: u32 = 2;

/// What a run learned about a module, for the next run's warm start.
///
/// ```
/// use adead_vm::{Config, Engine, Imports, Instance, Module, SavedProfile, Value};
/// let source = "
///     .func main params=1 regs=3
///         movi r1, 0
///     top:
///         addi r1, r1, 1
///         blt r1, r0, top
///         ret r1
///     .end";
/// let engine = Engine::new(Config { jit_threshold: 100, background_compile: false, ..Config::default() });
///
/// // The first run finds the loop hot and compiles it.
/// let module = Module::from_asm(&engine, source, "count.asm")?;
/// let mut instance = Instance::new(&module, &Imports::new())?;
/// instance.call_entry(&[Value::I64(1000)])?;
/// let json = SavedProfile::of(&instance).to_json();
///
/// // The next run compiles it when the module loads.
/// let module = Module::from_asm(&engine, source, "count.asm")?;
/// module.warm_start(&SavedProfile::from_json(&json)?)?;
/// assert!(!module.native_profile().unwrap().compiled.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedProfile {
    /// [`SAVED_PROFILE_FORMAT`] when written.
    pub format: u32,
    /// `sha256:` and the hex SHA-256 of the module's `.bib` encoding
    /// ([`Module::hash`]).
    pub module: String,
    /// Functions the run entered, most entries first.
    pub functions: Vec<SavedFunction>,
    /// Loops the run iterated, most iterations first.
    pub loops: Vec<SavedLoop>,
    /// What the native tier compiled, in order, each entry once per level, then the
    /// optimized code it was still compiling when the profile was taken.
    pub compiled: Vec<SavedCompile>,
    /// The tensor kernels' tuning the run used, when the module has tensor
    /// instructions (absent in format 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernels: Option<SavedKernels>,
}

/// The tensor kernels of the saved run: where they ran and with which tuning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedKernels {
    /// The CPU ([`CpuKey`]: vendor, family, model, stepping).
    pub cpu: String,
    /// The kernel path (`scalar`, `avx2`, `avx512`).
    pub isa: String,
    /// The kernels' thread count.
    pub threads: usize,
    /// The tuning (see [`adead_kernels::Tuning`]).
    pub tuning: Tuning,
}

/// A function's entries in the saved run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedFunction {
    /// Index in the module.
    pub index: u32,
    /// Name, as a check and for readers.
    pub name: String,
    /// Entries the interpreter counted.
    pub calls: u64,
}

/// A loop's back-edges in the saved run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedLoop {
    /// Index of the function holding it.
    pub function: u32,
    /// The loop header's instruction index within the function.
    pub header: u32,
    /// Back-edges the interpreter counted.
    pub iterations: u64,
}

/// One compilation of the saved run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedCompile {
    /// Index of the function.
    pub function: u32,
    /// The loop header the code was entered at, or `None` for the function's start.
    pub loop_header: Option<u32>,
    /// The tier that compiled it.
    pub level: SavedLevel,
}

/// A native tier, as a profile names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedLevel {
    /// The baseline tier.
    Baseline,
    /// The optimizing tier.
    Optimized,
}

/// A saved profile could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Not a profile: bad JSON, or fields missing or of the wrong type.
    #[error("not a saved profile: {0}")]
    Corrupt(String),
    /// Written by a VM with another profile format.
    #[error("the profile has format {found}, this VM reads formats 1 to {SAVED_PROFILE_FORMAT}")]
    Format {
        /// The profile's format number.
        found: u32,
    },
    /// Saved from another module, or another version of this one.
    #[error("the profile is of module {profile}, not of this one ({module})")]
    OtherModule {
        /// The profile's module hash.
        profile: String,
        /// This module's hash.
        module: String,
    },
    /// It names a function or loop this module does not have: the profile was edited,
    /// or damaged in a way its hash cannot show.
    #[error("the profile names {0}, which this module does not have")]
    Unknown(String),
}

impl SavedProfile {
    /// What `instance`'s calls so far learned: its counters, and what the native tier
    /// compiled for its module.
    pub fn of(instance: &Instance) -> SavedProfile {
        let module = instance.module();
        let profile = instance.profile();
        let mut functions: Vec<SavedFunction> = profile
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.calls > 0)
            .map(|(index, f)| SavedFunction {
                index: index as u32,
                name: f.name.clone(),
                calls: f.calls,
            })
            .collect();
        functions.sort_by_key(|f| std::cmp::Reverse(f.calls));
        let index_of = |name: &str| {
            module
                .isa()
                .functions
                .iter()
                .position(|f| f.name == name)
                .expect("profile functions are the module's") as u32
        };
        // `Profile::loops` comes most iterations first.
        let loops = profile
            .loops
            .iter()
            .map(|l| SavedLoop {
                function: index_of(&l.function),
                header: l.header,
                iterations: l.iterations,
            })
            .collect();
        // What was compiled, then what the background thread was still compiling when
        // the run ended (a short run asks for optimized code it never gets to use: the
        // next run can have it from the start).
        let finished = profile
            .native
            .iter()
            .flat_map(|native| &native.compiled)
            .map(|record| (record.func, record.entry, record.level));
        let pending = module
            .pending_compilations()
            .into_iter()
            .map(|(func, entry)| (func, entry, Level::Optimized));
        let mut compiled: Vec<SavedCompile> = Vec::new();
        for (func, entry, level) in finished.chain(pending) {
            let saved = SavedCompile {
                function: func,
                loop_header: match entry {
                    Entry::Start => None,
                    Entry::LoopHeader(header) => Some(header),
                },
                level: match level {
                    Level::Baseline => SavedLevel::Baseline,
                    Level::Optimized => SavedLevel::Optimized,
                },
            };
            if !compiled.contains(&saved) {
                compiled.push(saved);
            }
        }
        // Only a module with tensor instructions uses (and had to build) kernels.
        let kernels = (!module.code().tensor_ops.is_empty())
            .then(|| module.engine().kernels_if_built())
            .flatten()
            .map(|kernels| SavedKernels {
                cpu: CpuKey::this_cpu().to_string(),
                isa: kernels.isa().name().to_string(),
                threads: kernels.threads(),
                tuning: *kernels.tuning(),
            });
        SavedProfile {
            format: SAVED_PROFILE_FORMAT,
            module: module.hash(),
            functions,
            loops,
            compiled,
            kernels,
        }
    }

    /// The saved kernels' tuning, if the run that saved it ran on this CPU with path
    /// `isa` on `threads` threads (else `None`: the tuning of another machine or
    /// configuration is not reused).
    pub fn kernel_tuning(&self, isa: Isa, threads: usize) -> Option<Tuning> {
        self.kernels
            .as_ref()
            .filter(|k| {
                k.cpu == CpuKey::this_cpu().as_str() && k.isa == isa.name() && k.threads == threads
            })
            .map(|k| k.tuning)
    }

    /// The profile as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a profile is plain data")
    }

    /// Reads a profile written by [`SavedProfile::to_json`], checking its format.
    pub fn from_json(text: &str) -> Result<SavedProfile, ProfileError> {
        // The format first, so that a future format with other fields is named as such.
        #[derive(Deserialize)]
        struct FormatOnly {
            format: u32,
        }
        let format = serde_json::from_str::<FormatOnly>(text)
            .map_err(|error| ProfileError::Corrupt(error.to_string()))?
            .format;
        if !(1..=SAVED_PROFILE_FORMAT).contains(&format) {
            return Err(ProfileError::Format { found: format });
        }
        let profile: SavedProfile =
            serde_json::from_str(text).map_err(|error| ProfileError::Corrupt(error.to_string()))?;
        if let Some(kernels) = &profile.kernels {
            if format < 2 {
                return Err(ProfileError::Corrupt(
                    "format 1 has no `kernels` field".to_string(),
                ));
            }
            Isa::parse(&kernels.isa)
                .map_err(|error| ProfileError::Corrupt(format!("kernels: {error}")))?;
            kernels
                .tuning
                .check()
                .map_err(|error| ProfileError::Corrupt(format!("kernels: {error}")))?;
        }
        Ok(profile)
    }

    /// The compilations to redo for `module`, after checking that the profile is its
    /// own and names only functions and loop headers it has.
    pub(crate) fn compilations_for(
        &self,
        module: &Module,
    ) -> Result<Vec<(u32, Entry, Level)>, ProfileError> {
        if !(1..=SAVED_PROFILE_FORMAT).contains(&self.format) {
            return Err(ProfileError::Format { found: self.format });
        }
        let hash = module.hash();
        if self.module != hash {
            return Err(ProfileError::OtherModule {
                profile: self.module.clone(),
                module: hash,
            });
        }
        let functions = &module.isa().functions;
        for f in &self.functions {
            if functions.get(f.index as usize).map(|g| &g.name) != Some(&f.name) {
                return Err(ProfileError::Unknown(format!(
                    "function {} `{}`",
                    f.index, f.name
                )));
            }
        }
        for l in &self.loops {
            let is_header = module
                .loop_headers(l.function)
                .is_some_and(|headers| headers.contains(&l.header));
            if !is_header {
                return Err(ProfileError::Unknown(format!(
                    "a loop at instruction {} of function {}",
                    l.header, l.function
                )));
            }
        }
        self.compiled
            .iter()
            .map(|c| {
                let headers = module
                    .loop_headers(c.function)
                    .ok_or_else(|| ProfileError::Unknown(format!("function {}", c.function)))?;
                let entry = match c.loop_header {
                    None => Entry::Start,
                    Some(header) if headers.contains(&header) => Entry::LoopHeader(header),
                    Some(header) => {
                        return Err(ProfileError::Unknown(format!(
                            "a loop at instruction {header} of function {}",
                            c.function
                        )));
                    }
                };
                let level = match c.level {
                    SavedLevel::Baseline => Level::Baseline,
                    SavedLevel::Optimized => Level::Optimized,
                };
                Ok((c.function, entry, level))
            })
            .collect()
    }
}
