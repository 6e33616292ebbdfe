//! The ways a case can be executed, which must all observe exactly the same thing.
//!
//! A tier is an execution engine (the interpreter, or native code under a tier policy)
//! together with the tensor kernel path (scalar, AVX2, AVX-512: every one this CPU
//! has) and the kernel thread count. The runner runs every case on every tier in
//! [`Tier::all`] and demands identical observations, so one corpus proves determinism
//! across tiers, SIMD widths and thread counts. A native tier joins by adding its
//! variant to [`Engine`], to [`Engine::ALL`], and one arm to [`Tier::configure`].

use std::fmt;
use std::str::FromStr;

use adead_kernels::Isa;
use adead_vm::{Config, Tier as Policy};

/// The kernel thread counts every case runs with on the interpreter (1, an even split,
/// an uneven one); the native engines, whose tensor instructions call the same kernel
/// entry points, run with one.
pub const THREAD_COUNTS: [usize; 3] = [1, 2, 3];

/// An execution engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// The predecoding interpreter, never tiering up.
    Interpreter,
    /// Baseline code for every function from the first instruction.
    Baseline,
    /// Optimized (Cranelift) code for every function from the first instruction.
    Opt,
    /// The interpreter moving to optimized code at the first entry or back-edge
    /// (thresholds 0, no baseline code).
    Auto0,
    /// The interpreter moving to optimized code at the second entry or back-edge
    /// (threshold 1): loops move to native code in the middle (on-stack replacement).
    Auto1,
    /// Three tiers: baseline code from the first entry or back-edge (threshold 0), which
    /// asks for optimized code at its own second entry or back-edge (threshold 2): calls
    /// between the two tiers, and loops moving from baseline to optimized code in the
    /// middle of calls made by baseline code.
    Mixed0,
    /// Three tiers at thresholds 1 and 3: the interpreter, then baseline code, then
    /// optimized code, each taking over loops in the middle.
    Mixed1,
    /// Three tiers at thresholds 0 and 2 with optimized code compiled on a background
    /// thread (the default): which tier runs what depends on timing, what is observed
    /// must not.
    Background,
    /// A warm start: the case runs once under three tiers at thresholds 1 and 3, its
    /// saved profile (through JSON) warms a fresh module, which compiles at load what
    /// the first run compiled; the second run is the one observed.
    Warm,
}

impl Engine {
    /// Every engine, the reference (the interpreter) first.
    pub const ALL: &'static [Engine] = &[
        Engine::Interpreter,
        Engine::Baseline,
        Engine::Opt,
        Engine::Auto0,
        Engine::Auto1,
        Engine::Mixed0,
        Engine::Mixed1,
        Engine::Background,
        Engine::Warm,
    ];

    /// The short name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Engine::Interpreter => "interp",
            Engine::Baseline => "baseline",
            Engine::Opt => "opt",
            Engine::Auto0 => "auto0",
            Engine::Auto1 => "auto1",
            Engine::Mixed0 => "mixed0",
            Engine::Mixed1 => "mixed1",
            Engine::Background => "background",
            Engine::Warm => "warm",
        }
    }

    /// True for the engines that run native code.
    pub const fn is_native(self) -> bool {
        !matches!(self, Engine::Interpreter)
    }
}

/// One way of executing a module: an engine, a kernel path and a thread count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tier {
    /// The execution engine.
    pub engine: Engine,
    /// The tensor kernel path.
    pub isa: Isa,
    /// Kernel threads.
    pub threads: usize,
}

impl Tier {
    /// The reference: the interpreter on the scalar kernels, one thread.
    pub const REFERENCE: Tier = Tier {
        engine: Engine::Interpreter,
        isa: Isa::Scalar,
        threads: 1,
    };

    /// Every tier this machine can run, the reference first: the interpreter on every
    /// kernel path and thread count, each native engine on every kernel path.
    pub fn all() -> Vec<Tier> {
        let mut tiers = Vec::new();
        for &engine in Engine::ALL {
            for isa in Isa::available() {
                let threads: &[usize] = if engine.is_native() {
                    &[1]
                } else {
                    &THREAD_COUNTS
                };
                for &threads in threads {
                    tiers.push(Tier {
                        engine,
                        isa,
                        threads,
                    });
                }
            }
        }
        tiers.sort_by_key(|tier| *tier != Tier::REFERENCE);
        tiers
    }

    /// Makes `config` execute on this tier.
    pub fn configure(self, config: &mut Config) {
        config.kernel_isa = Some(self.isa);
        config.kernel_threads = self.threads;
        match self.engine {
            Engine::Interpreter => config.tier = Policy::Interp,
            Engine::Baseline => config.tier = Policy::Baseline,
            Engine::Opt => config.tier = Policy::Opt,
            Engine::Auto0
            | Engine::Auto1
            | Engine::Mixed0
            | Engine::Mixed1
            | Engine::Background
            | Engine::Warm => {
                let (baseline, optimized) = match self.engine {
                    Engine::Auto0 => (0, 0),
                    Engine::Auto1 => (1, 1),
                    Engine::Mixed0 | Engine::Background => (0, 2),
                    _ => (1, 3),
                };
                config.tier = Policy::Auto;
                config.baseline_threshold = baseline;
                config.jit_threshold = optimized;
                // Repeatable tier-up, but on the engine that tests the default.
                config.background_compile = self.engine == Engine::Background;
            }
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}t",
            self.engine.name(),
            self.isa.name(),
            self.threads
        )
    }
}

impl FromStr for Tier {
    type Err = String;

    /// `interp/avx2/2t`, as [`Display`](fmt::Display) writes it.
    fn from_str(name: &str) -> Result<Tier, String> {
        Tier::all()
            .into_iter()
            .find(|tier| tier.to_string() == name)
            .ok_or_else(|| {
                let known: Vec<String> = Tier::all().iter().map(ToString::to_string).collect();
                format!("unknown tier `{name}` (known here: {})", known.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_comes_first_and_every_tier_round_trips_its_name() {
        let tiers = Tier::all();
        assert_eq!(tiers[0], Tier::REFERENCE);
        let paths = Isa::available().len();
        let native_engines = Engine::ALL.len() - 1;
        assert_eq!(
            tiers.len(),
            paths * THREAD_COUNTS.len() + native_engines * paths
        );
        for tier in tiers {
            assert_eq!(tier.to_string().parse::<Tier>(), Ok(tier));
        }
        assert!("interp/sse/1t".parse::<Tier>().is_err());
        assert!("opt/scalar/1t".parse::<Tier>().is_ok());
        assert!("baseline/scalar/1t".parse::<Tier>().is_ok());
    }
}
