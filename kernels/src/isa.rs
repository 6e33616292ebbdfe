//! Which CPU kernel path runs: [`Isa`], hardware detection and the start-up choice.
//!
//! Detection happens once per process. A path counts as available only when CPUID
//! reports its instructions (through raw-cpuid) AND the standard library's
//! `is_x86_feature_detected!` agrees, which also checks that the operating system saves
//! the wider registers (XSAVE state for YMM / ZMM); raw-cpuid alone reports bits only.
//!
//! Every path gives the same bits, so the choice is about speed only:
//! - [`Isa::Scalar`]: the portable fallback: the reference's operations in loops
//!   arranged for speed (its fma is `f32::mul_add`, a correctly rounded libm call:
//!   slow but exact).
//! - [`Isa::Avx2Fma`]: 256-bit AVX2 with FMA3.
//! - [`Isa::Avx512`]: 512-bit AVX-512F.
//!
//! The start-up choice ([`Isa::startup`]) is the best available path unless the
//! environment variable `ADEAD_KERNELS_ISA` (`scalar`, `avx2` or `avx512`) asks for
//! another; asking for a path the CPU lacks is an error, never a silent fallback.

use std::fmt;
use std::sync::OnceLock;

use crate::error::KernelError;

/// Environment variable that forces a kernel path: `scalar`, `avx2` or `avx512`.
pub const ISA_ENV_VAR: &str = "ADEAD_KERNELS_ISA";

/// A CPU kernel path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    /// Portable scalar code (the reference).
    Scalar,
    /// AVX2 + FMA3, 8 lanes per register.
    Avx2Fma,
    /// AVX-512F, 16 lanes per register.
    Avx512,
}

/// What this CPU can run, read once.
#[derive(Debug, Clone, Copy)]
struct CpuFeatures {
    avx2_fma: bool,
    avx512f: bool,
}

fn cpu_features() -> CpuFeatures {
    static FEATURES: OnceLock<CpuFeatures> = OnceLock::new();
    *FEATURES.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> CpuFeatures {
    let cpuid = raw_cpuid::CpuId::new();
    let fma_bit = cpuid.get_feature_info().is_some_and(|f| f.has_fma());
    let extended = cpuid.get_extended_feature_info();
    let avx2_bit = extended.as_ref().is_some_and(|e| e.has_avx2());
    let avx512f_bit = extended.as_ref().is_some_and(|e| e.has_avx512f());
    let avx2_fma = avx2_bit
        && fma_bit
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma");
    // The AVX-512 kernels also use AVX2/FMA instructions on 256-bit halves.
    let avx512f = avx2_fma && avx512f_bit && std::arch::is_x86_feature_detected!("avx512f");
    CpuFeatures { avx2_fma, avx512f }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> CpuFeatures {
    CpuFeatures {
        avx2_fma: false,
        avx512f: false,
    }
}

impl Isa {
    /// All paths, slowest first.
    pub const ALL: [Isa; 3] = [Isa::Scalar, Isa::Avx2Fma, Isa::Avx512];

    /// The name used by `ADEAD_KERNELS_ISA` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2Fma => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Parses `scalar`, `avx2` or `avx512` (ASCII case ignored, surrounding spaces too).
    pub fn parse(name: &str) -> Result<Isa, KernelError> {
        let wanted = name.trim();
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| KernelError::UnknownIsa(name.to_string()))
    }

    /// Ok when this CPU (and this build's target architecture) can run the path.
    pub fn check_available(self) -> Result<(), KernelError> {
        let features = cpu_features();
        let missing = match self {
            Isa::Scalar => None,
            Isa::Avx2Fma if !cfg!(target_arch = "x86_64") => Some("not an x86-64 build"),
            Isa::Avx2Fma => (!features.avx2_fma).then_some("AVX2 and FMA3 not both present"),
            Isa::Avx512 if !cfg!(target_arch = "x86_64") => Some("not an x86-64 build"),
            Isa::Avx512 => (!features.avx512f).then_some("AVX-512F (with AVX2, FMA3) not present"),
        };
        match missing {
            None => Ok(()),
            Some(reason) => Err(KernelError::IsaUnavailable {
                requested: self,
                reason,
            }),
        }
    }

    /// True when [`Isa::check_available`] succeeds.
    pub fn is_available(self) -> bool {
        self.check_available().is_ok()
    }

    /// Every path this machine can run, slowest first (always starts with `Scalar`).
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// The fastest available path.
    pub fn best() -> Isa {
        Isa::ALL
            .into_iter()
            .rev()
            .find(|i| i.is_available())
            .unwrap_or(Isa::Scalar)
    }

    /// The path a request names: `None` (no request) gives the best path; a name gives
    /// that path if this CPU can run it, else an error.
    pub fn resolve(request: Option<&str>) -> Result<Isa, KernelError> {
        match request {
            None => Ok(Isa::best()),
            Some(name) => {
                let isa = Isa::parse(name)?;
                isa.check_available()?;
                Ok(isa)
            }
        }
    }

    /// The path chosen at start-up: `ADEAD_KERNELS_ISA` if set (an error if it names an
    /// unknown or unavailable path), else the best one. Read once per process.
    pub fn startup() -> Result<Isa, KernelError> {
        static CHOICE: OnceLock<Result<Isa, KernelError>> = OnceLock::new();
        CHOICE
            .get_or_init(|| {
                let request = std::env::var(ISA_ENV_VAR).ok();
                Isa::resolve(request.as_deref())
            })
            .clone()
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(Isa::parse(isa.name()).unwrap(), isa);
        }
        assert_eq!(Isa::parse(" AVX512 ").unwrap(), Isa::Avx512);
        assert!(matches!(
            Isa::parse("sse9"),
            Err(KernelError::UnknownIsa(_))
        ));
    }

    #[test]
    fn scalar_is_always_available_and_best_is_available() {
        assert!(Isa::Scalar.is_available());
        assert!(Isa::best().is_available());
        assert_eq!(Isa::available()[0], Isa::Scalar);
        assert_eq!(Isa::resolve(None).unwrap(), Isa::best());
    }

    #[test]
    fn resolve_refuses_paths_the_cpu_lacks() {
        for isa in Isa::ALL {
            let resolved = Isa::resolve(Some(isa.name()));
            if isa.is_available() {
                assert_eq!(resolved.unwrap(), isa);
            } else {
                assert!(matches!(
                    resolved,
                    Err(KernelError::IsaUnavailable { requested, .. }) if requested == isa
                ));
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_agrees_with_std() {
        let std_avx512 = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        assert_eq!(Isa::Avx512.is_available(), std_avx512);
        let std_avx2 = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        assert_eq!(Isa::Avx2Fma.is_available(), std_avx2);
    }
}
