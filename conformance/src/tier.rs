//! The execution tiers a case can run on.
//!
//! Every case runs on every tier in [`Tier::ALL`], and the runner demands identical
//! observations from all of them. A native tier joins the suite by adding its variant
//! here, to `ALL`, and one arm to [`Tier::configure`] that makes the engine use it.

use std::fmt;
use std::str::FromStr;

use adead_vm::Config;

/// A way of executing a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// The predecoding interpreter, never tiering up.
    Interpreter,
}

impl Tier {
    /// Every tier the suite runs, the reference (the interpreter) first.
    pub const ALL: &'static [Tier] = &[Tier::Interpreter];

    /// The short name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Interpreter => "interp",
        }
    }

    /// Makes `config` execute on this tier.
    pub fn configure(self, config: &mut Config) {
        match self {
            // The native tiers compile what passes the hot threshold; a threshold that
            // is never reached keeps every instruction in the interpreter.
            Tier::Interpreter => config.hot_threshold = u64::MAX,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tier {
    type Err = String;

    fn from_str(name: &str) -> Result<Tier, String> {
        Tier::ALL
            .iter()
            .copied()
            .find(|tier| tier.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Tier::ALL.iter().map(|t| t.name()).collect();
                format!("unknown tier `{name}` (known: {})", known.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &tier in Tier::ALL {
            assert_eq!(tier.name().parse::<Tier>(), Ok(tier));
        }
        assert!("jit".parse::<Tier>().is_err());
    }
}
