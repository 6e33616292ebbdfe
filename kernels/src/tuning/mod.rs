//! The kernel parameters that depend on the CPU, chosen at run time: [`Tuning`].
//!
//! A [`Kernels`](crate::Kernels) holds one `Tuning`: the matrix product's tile shape and
//! cache blocking per instruction set ([`MatmulTuning`]), and the thresholds below which
//! work stays on one thread. Every value gives the reference's bits (the tile shape
//! only decides which registers hold an output, the blocking where a chain pauses in C,
//! the thresholds which thread runs a piece), so a tuning changes speed only.
//!
//! [`Tuning::default`] is the choice measured on the Zen 5 machine the kernels were
//! written on. [`Tuning::startup`] is the process's choice: the environment variable
//! `ADEAD_KERNELS_TUNING` ([`TuningMode`]) says whether to keep the default, measure,
//! or use what an earlier measurement on this CPU left in the cache directory (see
//! [`cache`] and [`measure`](mod@measure)).

pub mod cache;
pub mod measure;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::KernelError;
use crate::isa::Isa;

pub use cache::{CpuKey, TuningCache, TuningCacheError};
pub use measure::{MeasureBudget, measure};

/// Environment variable choosing where the tuning comes from: `default`, `measure` or
/// `cached` (see [`TuningMode`]).
pub const TUNING_ENV_VAR: &str = "ADEAD_KERNELS_TUNING";

/// A microkernel tile shape: `mr` rows x `nr` columns of C held in registers. Written
/// `6x16` in files and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tile {
    /// Rows of a full tile.
    pub mr: usize,
    /// Columns of a full tile (one to three vectors).
    pub nr: usize,
}

impl Tile {
    /// The AVX2 tiles, the default first: 6 x 16, 4 x 24, 8 x 8.
    pub const AVX2: [Tile; 3] = [Tile::new(6, 16), Tile::new(4, 24), Tile::new(8, 8)];
    /// The AVX-512 tiles, the default first: 12 x 32, 8 x 48, 16 x 16.
    pub const AVX512: [Tile; 3] = [Tile::new(12, 32), Tile::new(8, 48), Tile::new(16, 16)];

    /// The tile `mr x nr` (not checked: see [`Tile::choices`]).
    pub const fn new(mr: usize, nr: usize) -> Tile {
        Tile { mr, nr }
    }

    /// The tiles path `isa` has, the default first (none for the scalar path).
    pub fn choices(isa: Isa) -> &'static [Tile] {
        match isa {
            Isa::Scalar => &[],
            Isa::Avx2Fma => &Tile::AVX2,
            Isa::Avx512 => &Tile::AVX512,
        }
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.mr, self.nr)
    }
}

impl FromStr for Tile {
    type Err = String;

    /// Parses `MRxNR` (`6x16`).
    fn from_str(text: &str) -> Result<Tile, String> {
        let bad = || format!("`{text}` is not a tile shape (expected ROWSxCOLUMNS, as 6x16)");
        let (mr, nr) = text.split_once('x').ok_or_else(bad)?;
        Ok(Tile::new(
            mr.parse().map_err(|_| bad())?,
            nr.parse().map_err(|_| bad())?,
        ))
    }
}

impl TryFrom<String> for Tile {
    type Error = String;

    fn try_from(text: String) -> Result<Tile, String> {
        text.parse()
    }
}

impl From<Tile> for String {
    fn from(tile: Tile) -> String {
        tile.to_string()
    }
}

/// The matrix product's parameters on one instruction set.
///
/// The loop nest (see `matmul::driver`) walks B in blocks of `nc` columns, k in blocks
/// of `kc` steps (a `kc x nr` panel of B is meant to stay in L1), and A in blocks of
/// `mc` rows against each panel (`mc x kc` floats of A meant to stay in L2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatmulTuning {
    /// The microkernel's tile shape (one of [`Tile::choices`] of the path).
    pub tile: Tile,
    /// Depth of a k-block, 1 to [`MatmulTuning::MAX_KC`].
    pub kc: usize,
    /// Rows of A walked against one panel of B, 1 to [`MatmulTuning::MAX_MC`] (rounded
    /// down to whole tiles, at least one).
    pub mc: usize,
    /// Columns of a block of B, 1 to [`MatmulTuning::MAX_NC`].
    pub nc: usize,
    /// B is packed into panels (instead of read in place) when a `kc x n` block of it
    /// takes more than this many bytes, its panels are reused by three row tiles or
    /// more, and its rows are a multiple of 256 bytes apart (they then collide in a few
    /// cache sets) or span more than 4 MiB. 0 packs every such block; `usize::MAX`
    /// never packs.
    pub pack_min_bytes: usize,
}

impl MatmulTuning {
    /// Largest `kc` accepted.
    pub const MAX_KC: usize = 1 << 14;
    /// Largest `mc` accepted.
    pub const MAX_MC: usize = 1 << 14;
    /// Largest `nc` accepted.
    pub const MAX_NC: usize = 1 << 16;

    /// The AVX2 default: 6 x 16 tiles, `kc` 256, `mc` 144, `nc` 4096, B packed from
    /// blocks of 512 KiB.
    pub const AVX2_DEFAULT: MatmulTuning = MatmulTuning {
        tile: Tile::AVX2[0],
        kc: 256,
        mc: 144,
        nc: 4096,
        pack_min_bytes: 512 << 10,
    };

    /// The AVX-512 default: 12 x 32 tiles, `kc` 512, `mc` 144, `nc` 4096, B packed
    /// from blocks of 512 KiB.
    pub const AVX512_DEFAULT: MatmulTuning = MatmulTuning {
        tile: Tile::AVX512[0],
        kc: 512,
        mc: 144,
        nc: 4096,
        pack_min_bytes: 512 << 10,
    };

    /// Ok when path `isa` can run these parameters.
    pub fn check(&self, isa: Isa) -> Result<(), KernelError> {
        let bad = |what: String| Err(KernelError::BadTuning(format!("{isa}: {what}")));
        if !Tile::choices(isa).contains(&self.tile) {
            let names: Vec<String> = Tile::choices(isa).iter().map(Tile::to_string).collect();
            return bad(format!(
                "no {} tile (the path has {})",
                self.tile,
                names.join(", ")
            ));
        }
        for (name, value, max) in [
            ("kc", self.kc, Self::MAX_KC),
            ("mc", self.mc, Self::MAX_MC),
            ("nc", self.nc, Self::MAX_NC),
        ] {
            if value == 0 || value > max {
                return bad(format!("{name} = {value} is outside 1..={max}"));
            }
        }
        Ok(())
    }
}

/// The CPU-dependent parameters of every kernel (see the module docs).
///
/// ```
/// use adead_kernels::{Isa, Kernels, Tensor, Tile, Tuning, reference};
/// let mut tuning = Tuning::default();
/// tuning.avx2.tile = Tile::new(4, 24);
/// tuning.avx2.kc = 128;
/// tuning.parallel_min_fmas = 1 << 16;
/// let k = Kernels::with_tuning(Isa::best(), 2, tuning).unwrap();
/// let a = Tensor::from_fn(&[70, 300], |i| (i % 7) as f32 / 3.0).unwrap();
/// let b = Tensor::from_fn(&[300, 50], |i| (i % 5) as f32 / 7.0).unwrap();
/// // Same bits as the reference, whatever the tuning.
/// assert!(k.matmul(&a, &b).unwrap().bits_eq(&reference::matmul(&a, &b).unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// The matrix product on the AVX2 path.
    pub avx2: MatmulTuning,
    /// The matrix product on the AVX-512 path.
    pub avx512: MatmulTuning,
    /// A matrix product of fewer multiply-adds runs on one thread (waking the pool
    /// costs more than it saves).
    pub parallel_min_fmas: usize,
    /// Elementwise and row-wise work below this many element-operations (an element
    /// of a cheap op counts 1, of `exp`-like ops 16) stays on one thread.
    pub parallel_min_elements: usize,
    /// A batch of products each smaller than this many multiply-adds is split between
    /// threads by whole products (each computed on one thread); larger ones run one
    /// after the other, each split into tiles.
    pub batch_spread_max_fmas: usize,
}

impl Default for Tuning {
    /// Today's choice, measured on Zen 5: 12 x 32 / 6 x 16 tiles, `kc` 512 / 256, `mc`
    /// 144, `nc` 4096; products from 2^19 multiply-adds and elementwise work from
    /// 2^15 element-operations on several threads; batches of products under 2^21
    /// multiply-adds each spread by whole products.
    fn default() -> Tuning {
        Tuning {
            avx2: MatmulTuning::AVX2_DEFAULT,
            avx512: MatmulTuning::AVX512_DEFAULT,
            parallel_min_fmas: 1 << 19,
            parallel_min_elements: 1 << 15,
            batch_spread_max_fmas: 1 << 21,
        }
    }
}

impl Tuning {
    /// The matrix product's parameters on path `isa` (`None` for the scalar path,
    /// which has no blocking).
    pub fn matmul(&self, isa: Isa) -> Option<&MatmulTuning> {
        match isa {
            Isa::Scalar => None,
            Isa::Avx2Fma => Some(&self.avx2),
            Isa::Avx512 => Some(&self.avx512),
        }
    }

    /// The matrix product's parameters on path `isa`, for changing them.
    pub fn matmul_mut(&mut self, isa: Isa) -> Option<&mut MatmulTuning> {
        match isa {
            Isa::Scalar => None,
            Isa::Avx2Fma => Some(&mut self.avx2),
            Isa::Avx512 => Some(&mut self.avx512),
        }
    }

    /// One line for people: the path's tile and blocks, then the thresholds
    /// (`6x16 kc 256 mc 144 nc 4096 pack 524288, parallel from 524288 fmas / 32768
    /// elements, batches spread under 2097152 fmas`; `pack never` for `usize::MAX`).
    pub fn summary(&self, isa: Isa) -> String {
        let blocks = self.matmul(isa).map_or(String::new(), |m| {
            let pack = match m.pack_min_bytes {
                usize::MAX => "never".to_string(),
                bytes => bytes.to_string(),
            };
            format!(
                "{} kc {} mc {} nc {} pack {pack}, ",
                m.tile, m.kc, m.mc, m.nc
            )
        });
        format!(
            "{blocks}parallel from {} fmas / {} elements, batches spread under {} fmas",
            self.parallel_min_fmas, self.parallel_min_elements, self.batch_spread_max_fmas
        )
    }

    /// Ok when every part is valid: each path's tile is one it has and its blocking is
    /// in range (checked for both paths, whichever runs).
    pub fn check(&self) -> Result<(), KernelError> {
        self.avx2.check(Isa::Avx2Fma)?;
        self.avx512.check(Isa::Avx512)
    }

    /// Every tuning the tests must cover on path `isa`, the default first: each tile
    /// of the path with the default blocking and B packed whenever it may be; with
    /// small blocks (`kc` 7, `mc` 1, `nc` 1: every block edge is crossed even on small
    /// shapes), packing, and nothing parallel; with medium blocks (`kc` 96, two tiles
    /// and a row, three panels), packing, and everything parallel (thresholds 0, every
    /// batch spread by whole products); with blocks larger than any test shape and B
    /// never packed; with the default blocking and everything parallel; and the default
    /// with each threshold extreme. The scalar path has the thresholds only.
    pub fn all_choices(isa: Isa) -> Vec<Tuning> {
        let base = Tuning::default();
        let serial = Tuning {
            parallel_min_fmas: usize::MAX,
            parallel_min_elements: usize::MAX,
            batch_spread_max_fmas: 0,
            ..base
        };
        let parallel = Tuning {
            parallel_min_fmas: 0,
            parallel_min_elements: 0,
            batch_spread_max_fmas: usize::MAX,
            ..base
        };
        let mut out = vec![base, serial, parallel];
        if let Some(&default) = base.matmul(isa) {
            for &tile in Tile::choices(isa) {
                let with = |thresholds: Tuning, kc, mc, nc, pack_min_bytes| {
                    let mut t = thresholds;
                    *t.matmul_mut(isa).expect("a SIMD path") = MatmulTuning {
                        tile,
                        kc,
                        mc,
                        nc,
                        pack_min_bytes,
                    };
                    t
                };
                for t in [
                    with(base, default.kc, default.mc, default.nc, 0),
                    with(serial, 7, 1, 1, 0),
                    with(parallel, 96, 2 * tile.mr + 1, 3 * tile.nr, 0),
                    with(base, 1000, 1000, 1 << 16, usize::MAX),
                    with(
                        parallel,
                        default.kc,
                        default.mc,
                        default.nc,
                        default.pack_min_bytes,
                    ),
                ] {
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
        }
        out
    }
}

/// Where [`Tuning::startup`] takes the tuning from (`ADEAD_KERNELS_TUNING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuningMode {
    /// `default`: [`Tuning::default`], nothing measured, read or written.
    Default,
    /// `measure`: measure now (and store the result in the cache).
    Measure,
    /// `cached` (also when the variable is unset): what the cache holds for this CPU,
    /// path and thread count, else measure and store.
    Cached,
}

impl TuningMode {
    /// Parses `default`, `measure` or `cached` (ASCII case and surrounding spaces
    /// ignored).
    pub fn parse(text: &str) -> Result<TuningMode, KernelError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "default" => Ok(TuningMode::Default),
            "measure" => Ok(TuningMode::Measure),
            "cached" => Ok(TuningMode::Cached),
            _ => Err(KernelError::BadTuning(format!(
                "{TUNING_ENV_VAR}={text:?}: expected default, measure or cached"
            ))),
        }
    }

    /// The mode `ADEAD_KERNELS_TUNING` names, [`TuningMode::Cached`] when unset.
    pub fn from_env() -> Result<TuningMode, KernelError> {
        match std::env::var(TUNING_ENV_VAR) {
            Ok(text) => TuningMode::parse(&text),
            Err(_) => Ok(TuningMode::Cached),
        }
    }
}

/// Where a tuning came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuningOrigin {
    /// [`Tuning::default`] (asked for, or the scalar path, which has nothing to tune).
    Default,
    /// Measured in this process.
    Measured,
    /// Read from the cache file of this CPU.
    Cached,
    /// Given by the caller (a saved profile, [`Kernels::with_tuning`](crate::Kernels::with_tuning)).
    Given,
}

impl TuningOrigin {
    /// `default`, `measured`, `cached` or `given`.
    pub fn name(self) -> &'static str {
        match self {
            TuningOrigin::Default => "default",
            TuningOrigin::Measured => "measured",
            TuningOrigin::Cached => "cached",
            TuningOrigin::Given => "given",
        }
    }
}

impl Tuning {
    /// The tuning for path `isa` on `threads` threads in `mode`, with the cache in
    /// `cache` (`None`: no cache; nothing read or written). Measuring takes a fraction
    /// of a second; a cache that cannot be read or written is ignored (the result is
    /// then measured, and not stored).
    pub fn resolve(
        isa: Isa,
        threads: usize,
        mode: TuningMode,
        cache: Option<&TuningCache>,
    ) -> (Tuning, TuningOrigin) {
        if mode == TuningMode::Default || isa == Isa::Scalar || threads == 0 {
            return (Tuning::default(), TuningOrigin::Default);
        }
        if mode == TuningMode::Cached
            && let Some(tuning) = cache.and_then(|c| c.get(isa, threads).ok().flatten())
        {
            return (tuning, TuningOrigin::Cached);
        }
        match measure(isa, threads, &MeasureBudget::default()) {
            Ok(tuning) => {
                if let Some(cache) = cache {
                    // A cache that cannot be written only costs the next run a measurement.
                    let _ = cache.put(isa, threads, tuning);
                }
                (tuning, TuningOrigin::Measured)
            }
            Err(_) => (Tuning::default(), TuningOrigin::Default),
        }
    }

    /// The process's tuning for path `isa` on `threads` threads: `ADEAD_KERNELS_TUNING`
    /// (an unknown value is an error), the cache in the user's cache directory
    /// ([`TuningCache::user`]). Resolved once per path and thread count per process.
    pub fn startup(isa: Isa, threads: usize) -> Result<(Tuning, TuningOrigin), KernelError> {
        use std::collections::HashMap;
        use std::sync::Mutex;
        /// The choice per path and thread count.
        type Chosen = HashMap<(Isa, usize), (Tuning, TuningOrigin)>;
        static CHOSEN: Mutex<Option<Chosen>> = Mutex::new(None);
        let mode = TuningMode::from_env()?;
        let mut chosen = CHOSEN.lock().unwrap_or_else(|e| e.into_inner());
        let map = chosen.get_or_insert_with(HashMap::new);
        if let Some(&found) = map.get(&(isa, threads)) {
            return Ok(found);
        }
        let cache = TuningCache::user();
        let found = Tuning::resolve(isa, threads, mode, cache.as_ref());
        map.insert((isa, threads), found);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_unknown_ones_are_errors() {
        assert_eq!(TuningMode::parse(" Default ").unwrap(), TuningMode::Default);
        assert_eq!(TuningMode::parse("measure").unwrap(), TuningMode::Measure);
        assert_eq!(TuningMode::parse("CACHED").unwrap(), TuningMode::Cached);
        assert!(matches!(
            TuningMode::parse("fast"),
            Err(KernelError::BadTuning(_))
        ));
        for tile in Tile::AVX2.iter().chain(&Tile::AVX512) {
            assert_eq!(tile.to_string().parse::<Tile>().unwrap(), *tile);
        }
        assert!("6by16".parse::<Tile>().is_err());
        assert!("x16".parse::<Tile>().is_err());
    }

    #[test]
    fn resolve_follows_the_mode_and_survives_a_damaged_cache() {
        let Some(isa) = Isa::available()
            .into_iter()
            .rev()
            .find(|&i| i != Isa::Scalar)
        else {
            return;
        };
        let dir = std::env::temp_dir().join(format!("adead-tuning-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = TuningCache::at(&dir, CpuKey::new("TestCPU"));
        // default: nothing measured, nothing written.
        let (t, origin) = Tuning::resolve(isa, 2, TuningMode::Default, Some(&cache));
        assert_eq!((t, origin), (Tuning::default(), TuningOrigin::Default));
        assert!(!cache.path().exists());
        // cached, nothing there: measured and written.
        let (measured, origin) = Tuning::resolve(isa, 2, TuningMode::Cached, Some(&cache));
        assert_eq!(origin, TuningOrigin::Measured);
        assert_eq!(cache.get(isa, 2).unwrap(), Some(measured));
        // cached again: read back.
        let planted = Tuning {
            parallel_min_elements: 777,
            ..Tuning::default()
        };
        cache.put(isa, 2, planted).unwrap();
        let (t, origin) = Tuning::resolve(isa, 2, TuningMode::Cached, Some(&cache));
        assert_eq!((t, origin), (planted, TuningOrigin::Cached));
        // measure: measured even with an entry there, and the entry replaced.
        let (t, origin) = Tuning::resolve(isa, 2, TuningMode::Measure, Some(&cache));
        assert_eq!(origin, TuningOrigin::Measured);
        assert_eq!(cache.get(isa, 2).unwrap(), Some(t));
        // A damaged file: measured again and replaced.
        std::fs::write(cache.path(), "{ \"format\": 1, \"cpu\": ").unwrap();
        let (t, origin) = Tuning::resolve(isa, 2, TuningMode::Cached, Some(&cache));
        assert_eq!(origin, TuningOrigin::Measured);
        assert_eq!(cache.get(isa, 2).unwrap(), Some(t));
        // No cache at all: measured.
        let (_, origin) = Tuning::resolve(isa, 1, TuningMode::Cached, None);
        assert_eq!(origin, TuningOrigin::Measured);
        // The scalar path has nothing to tune.
        let (t, origin) = Tuning::resolve(Isa::Scalar, 2, TuningMode::Measure, Some(&cache));
        assert_eq!((t, origin), (Tuning::default(), TuningOrigin::Default));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
