//! The tuning cache: what [`measure`](super::measure()) chose on this CPU, kept
//! between processes in the user's cache directory.
//!
//! One JSON file per CPU model, `$XDG_CACHE_HOME/adead-vm/kernels-<cpu>.json` (or
//! `~/.cache/adead-vm/...`), with one entry per kernel path and thread count:
//!
//! ```json
//! { "format": 1, "cpu": "AuthenticAMD-25-1-1",
//!   "entries": [ { "isa": "avx2", "threads": 2, "tuning": { "avx2": { "tile": "6x16", ... }, ... } } ] }
//! ```
//!
//! A file that cannot be read, is not JSON of this shape, has another format number,
//! names another CPU, or holds a tuning this build cannot run is a
//! [`TuningCacheError`]; [`Tuning::resolve`] then measures again and writes a fresh
//! file. Writes go to a temporary file renamed over the old one, so concurrent
//! processes see a whole file or none. A missing or read-only home only means nothing
//! is cached.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Tuning;
use crate::isa::Isa;

/// The format of the cache file this build writes and reads.
pub const TUNING_CACHE_FORMAT: u32 = 1;

/// A CPU model as the cache and saved profiles name it: the CPUID vendor, family,
/// model and stepping (`AuthenticAMD-25-1-1`), `unknown` off x86-64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CpuKey(String);

impl CpuKey {
    /// This machine's CPU.
    pub fn this_cpu() -> CpuKey {
        #[cfg(target_arch = "x86_64")]
        {
            let cpuid = raw_cpuid::CpuId::new();
            let vendor = cpuid
                .get_vendor_info()
                .map_or_else(|| "unknown".to_string(), |v| v.as_str().to_string());
            let (family, model, stepping) = cpuid.get_feature_info().map_or((0, 0, 0), |f| {
                (f.family_id(), f.model_id(), f.stepping_id())
            });
            CpuKey::new(&format!("{vendor}-{family}-{model}-{stepping}"))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            CpuKey::new(std::env::consts::ARCH)
        }
    }

    /// A key from any text: characters other than ASCII letters, digits, `-` and `_`
    /// become `_` (the key is part of a file name).
    pub fn new(text: &str) -> CpuKey {
        CpuKey(
            text.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect(),
        )
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CpuKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the cache file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TuningCacheError {
    /// The file exists but cannot be read, or cannot be written.
    #[error("tuning cache {path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// Not JSON of the cache's shape (truncated, edited, another program's file).
    #[error("tuning cache {path} is damaged: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// Written by a build with another cache format.
    #[error(
        "tuning cache {path} has format {found}, this build reads format {TUNING_CACHE_FORMAT}"
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// Its format number.
        found: u32,
    },
    /// Measured on another CPU (a copied home directory).
    #[error("tuning cache {path} is of CPU {found}, not of this one ({expected})")]
    OtherCpu {
        /// The file.
        path: PathBuf,
        /// The CPU it names.
        found: String,
        /// This CPU.
        expected: String,
    },
    /// An entry this build cannot run (unknown path, tile shape, block size).
    #[error("tuning cache {path}: {message}")]
    BadEntry {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// The file's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheFile {
    format: u32,
    cpu: CpuKey,
    entries: Vec<CacheEntry>,
}

/// One path and thread count's tuning.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheEntry {
    isa: String,
    threads: usize,
    tuning: Tuning,
}

/// The cache file of one CPU in one directory.
#[derive(Debug, Clone)]
pub struct TuningCache {
    dir: PathBuf,
    cpu: CpuKey,
}

impl TuningCache {
    /// The cache of `cpu` in directory `dir` (created when first written).
    pub fn at(dir: impl Into<PathBuf>, cpu: CpuKey) -> TuningCache {
        TuningCache {
            dir: dir.into(),
            cpu,
        }
    }

    /// This CPU's cache in the user's cache directory: `$XDG_CACHE_HOME/adead-vm`
    /// (when set to an absolute path), else `$HOME/.cache/adead-vm`; `None` without
    /// either.
    pub fn user() -> Option<TuningCache> {
        let absolute = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        let base =
            absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
        Some(TuningCache::at(base.join("adead-vm"), CpuKey::this_cpu()))
    }

    /// The file: `DIR/kernels-<cpu>.json`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("kernels-{}.json", self.cpu))
    }

    /// The CPU whose file this is.
    pub fn cpu(&self) -> &CpuKey {
        &self.cpu
    }

    /// The file's entries, checked; `Ok(None)` when there is no file.
    fn read(&self) -> Result<Option<CacheFile>, TuningCacheError> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(TuningCacheError::Io { path, error }),
        };
        Self::parse(&path, &text, &self.cpu).map(Some)
    }

    fn parse(path: &Path, text: &str, cpu: &CpuKey) -> Result<CacheFile, TuningCacheError> {
        #[derive(Deserialize)]
        struct FormatOnly {
            format: u32,
        }
        let corrupt = |e: serde_json::Error| TuningCacheError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let format = serde_json::from_str::<FormatOnly>(text)
            .map_err(corrupt)?
            .format;
        if format != TUNING_CACHE_FORMAT {
            return Err(TuningCacheError::Format {
                path: path.to_path_buf(),
                found: format,
            });
        }
        let file: CacheFile = serde_json::from_str(text).map_err(corrupt)?;
        if &file.cpu != cpu {
            return Err(TuningCacheError::OtherCpu {
                path: path.to_path_buf(),
                found: file.cpu.0,
                expected: cpu.0.clone(),
            });
        }
        for entry in &file.entries {
            let bad = |message: String| TuningCacheError::BadEntry {
                path: path.to_path_buf(),
                message,
            };
            Isa::parse(&entry.isa).map_err(|e| bad(e.to_string()))?;
            entry.tuning.check().map_err(|e| bad(e.to_string()))?;
        }
        Ok(file)
    }

    /// The tuning stored for path `isa` on `threads` threads, if any.
    pub fn get(&self, isa: Isa, threads: usize) -> Result<Option<Tuning>, TuningCacheError> {
        Ok(self.read()?.and_then(|file| {
            file.entries
                .into_iter()
                .find(|e| e.isa == isa.name() && e.threads == threads)
                .map(|e| e.tuning)
        }))
    }

    /// Stores `tuning` for path `isa` on `threads` threads, keeping the file's other
    /// entries (a damaged or foreign file is replaced).
    pub fn put(&self, isa: Isa, threads: usize, tuning: Tuning) -> Result<(), TuningCacheError> {
        let path = self.path();
        let mut entries = match self.read() {
            Ok(Some(file)) => file.entries,
            Ok(None) | Err(_) => Vec::new(),
        };
        entries.retain(|e| !(e.isa == isa.name() && e.threads == threads));
        entries.push(CacheEntry {
            isa: isa.name().to_string(),
            threads,
            tuning,
        });
        let file = CacheFile {
            format: TUNING_CACHE_FORMAT,
            cpu: self.cpu.clone(),
            entries,
        };
        let text = serde_json::to_string_pretty(&file).expect("the cache is plain data") + "\n";
        let io = |error| TuningCacheError::Io {
            path: path.clone(),
            error,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        // Unique per process and call: concurrent writers never share a temporary file.
        static WRITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temporary = self.dir.join(format!(
            ".kernels-{}.{}.{n}.tmp",
            self.cpu,
            std::process::id()
        ));
        let written =
            std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuning::Tile;

    /// A fresh directory under the system's temporary directory.
    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("adead-tuning-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn other_tuning() -> Tuning {
        let mut t = Tuning::default();
        t.avx2.tile = Tile::new(4, 24);
        t.avx2.kc = 128;
        t.parallel_min_fmas = 1 << 17;
        t
    }

    #[test]
    fn entries_round_trip_and_are_kept_per_path_and_threads() {
        let dir = temp_dir("round-trip");
        let cache = TuningCache::at(&dir, CpuKey::new("TestCPU-1-2-3"));
        assert!(cache.get(Isa::Avx2Fma, 1).unwrap().is_none());
        cache.put(Isa::Avx2Fma, 1, other_tuning()).unwrap();
        cache.put(Isa::Avx2Fma, 2, Tuning::default()).unwrap();
        cache.put(Isa::Avx512, 2, other_tuning()).unwrap();
        assert_eq!(cache.get(Isa::Avx2Fma, 1).unwrap(), Some(other_tuning()));
        assert_eq!(cache.get(Isa::Avx2Fma, 2).unwrap(), Some(Tuning::default()));
        assert_eq!(cache.get(Isa::Avx512, 2).unwrap(), Some(other_tuning()));
        assert_eq!(cache.get(Isa::Avx512, 1).unwrap(), None);
        // Replacing an entry keeps one of it.
        cache.put(Isa::Avx2Fma, 1, Tuning::default()).unwrap();
        assert_eq!(cache.get(Isa::Avx2Fma, 1).unwrap(), Some(Tuning::default()));
        let text = std::fs::read_to_string(cache.path()).unwrap();
        assert_eq!(text.matches("\"threads\"").count(), 3, "{text}");
        assert!(text.contains("\"tile\": \"4x24\""), "{text}");
        assert!(cache.path().ends_with(
            "adead-tuning-test-round-trip-".to_string()
                + &std::process::id().to_string()
                + "/kernels-TestCPU-1-2-3.json"
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn damaged_and_foreign_files_are_typed_errors_and_get_replaced() {
        let dir = temp_dir("damaged");
        let cache = TuningCache::at(&dir, CpuKey::new("TestCPU"));
        cache.put(Isa::Avx2Fma, 2, other_tuning()).unwrap();
        let good = std::fs::read_to_string(cache.path()).unwrap();
        /// A damaged file and the error it must give.
        type Case = (String, fn(&TuningCacheError) -> bool);
        let cases: Vec<Case> = vec![
            (good[..good.len() / 2].to_string(), |e| {
                matches!(e, TuningCacheError::Corrupt { .. })
            }),
            ("not json at all".to_string(), |e| {
                matches!(e, TuningCacheError::Corrupt { .. })
            }),
            (good.replacen("\"format\": 1", "\"format\": 99", 1), |e| {
                matches!(e, TuningCacheError::Format { found: 99, .. })
            }),
            (good.replacen("TestCPU", "OtherCPU", 1), |e| {
                matches!(e, TuningCacheError::OtherCpu { .. })
            }),
            (good.replacen("4x24", "5x24", 1), |e| {
                matches!(e, TuningCacheError::BadEntry { .. })
            }),
            (good.replacen("\"avx2\",", "\"sse9\",", 1), |e| {
                matches!(e, TuningCacheError::BadEntry { .. })
            }),
            (good.replacen("\"kc\": 128", "\"kc\": 0", 1), |e| {
                matches!(e, TuningCacheError::BadEntry { .. })
            }),
            (good.replacen("{", "{\"extra\": 1,", 1), |e| {
                matches!(e, TuningCacheError::Corrupt { .. })
            }),
        ];
        for (text, expected) in cases {
            std::fs::write(cache.path(), &text).unwrap();
            let error = cache.get(Isa::Avx2Fma, 2).unwrap_err();
            assert!(expected(&error), "{error} for {text}");
            // Writing replaces the bad file with a good one.
            cache.put(Isa::Avx2Fma, 1, Tuning::default()).unwrap();
            assert_eq!(cache.get(Isa::Avx2Fma, 1).unwrap(), Some(Tuning::default()));
            assert_eq!(cache.get(Isa::Avx2Fma, 2).unwrap(), None);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unwritable_cache_is_an_error_not_a_panic() {
        let dir = temp_dir("unwritable");
        std::fs::create_dir_all(&dir).unwrap();
        // A file where the cache directory should be: nothing can be created under it.
        let blocker = dir.join("blocker");
        std::fs::write(&blocker, "x").unwrap();
        let cache = TuningCache::at(blocker.join("adead-vm"), CpuKey::new("TestCPU"));
        assert!(matches!(
            cache.put(Isa::Avx2Fma, 1, Tuning::default()),
            Err(TuningCacheError::Io { .. })
        ));
        assert!(
            cache.get(Isa::Avx2Fma, 1).is_err() || cache.get(Isa::Avx2Fma, 1).unwrap().is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cpu_keys_are_file_name_safe() {
        assert_eq!(
            CpuKey::new("Genuine Intel/6:85").as_str(),
            "Genuine_Intel_6_85"
        );
        let this = CpuKey::this_cpu();
        assert!(!this.as_str().is_empty());
        assert!(
            this.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
