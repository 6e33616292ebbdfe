//! The ways a case can be executed, which must all observe exactly the same thing.
//!
//! A tier is an execution engine (today the interpreter; the native tiers join here)
//! together with the tensor kernel path (scalar, AVX2, AVX-512: every one this CPU
//! has) and the kernel thread count. The runner runs every case on every tier in
//! [`Tier::all`] and demands identical observations, so one corpus proves determinism
//! across tiers, SIMD widths and thread counts. A native tier joins by adding its
//! variant to [`Engine`], to [`Engine::ALL`], and one arm to [`Tier::configure`].

use std::fmt;
use std::str::FromStr;

use adead_kernels::Isa;
use adead_vm::Config;

/// The kernel thread counts every case runs with (1, an even split, an uneven one).
pub const THREAD_COUNTS: [usize; 3] = [1, 2, 3];

/// An execution engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// The predecoding interpreter, never tiering up.
    Interpreter,
}

impl Engine {
    /// Every engine, the reference (the interpreter) first.
    pub const ALL: &'static [Engine] = &[Engine::Interpreter];

    /// The short name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Engine::Interpreter => "interp",
        }
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

    /// Every tier this machine can run, the reference first.
    pub fn all() -> Vec<Tier> {
        let mut tiers = Vec::new();
        for &engine in Engine::ALL {
            for isa in Isa::available() {
                for threads in THREAD_COUNTS {
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
            // The native tiers compile what passes the hot threshold; a threshold that
            // is never reached keeps every instruction in the interpreter.
            Engine::Interpreter => config.hot_threshold = u64::MAX,
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
        assert_eq!(tiers.len(), Isa::available().len() * THREAD_COUNTS.len());
        for tier in tiers {
            assert_eq!(tier.to_string().parse::<Tier>(), Ok(tier));
        }
        assert!("interp/sse/1t".parse::<Tier>().is_err());
    }
}
