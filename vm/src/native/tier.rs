//! Per module: the compiler, the code table, and what was compiled when.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use adead_isa::Module as IsaModule;
use adead_jit::{Compiler, Entry, NativeFn, Options, REGISTER_ARGS, Trampoline, register_args};

use crate::config::{Config, Tier};

/// A code-table word for a function whose compilation failed: it stays interpreted.
const FAILED: usize = usize::MAX;

/// A function's loop headers (in increasing order), each with the address of the
/// version entered there: 0 before it is tried, or `FAILED`.
type LoopEntries = Box<[(u32, AtomicUsize)]>;

/// One function compiled to native code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileRecord {
    /// The function's index.
    pub func: u32,
    /// Where the code starts: the function's start, or a loop header.
    pub entry: Entry,
    /// Time spent compiling it.
    pub time: Duration,
    /// Bytes of machine code.
    pub size: usize,
    /// Instructions the instance had executed when it asked for the code (`None` when
    /// instructions are not counted, or at load with [`Tier::Opt`]).
    pub at_instruction: Option<u64>,
    /// When the code was ready.
    pub finished: Instant,
}

/// What the native tier did for a module: every compilation, and every function it
/// left to the interpreter with the reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NativeProfile {
    /// Compilations, in order.
    pub compiled: Vec<CompileRecord>,
    /// Functions (and entries) that stay interpreted, with the reason.
    pub refused: Vec<(u32, Entry, String)>,
}

/// The native tier of one module.
pub(crate) struct NativeTier {
    options: Options,
    perf_map: bool,
    /// Per function: the address of its start version, or 0 (not compiled, or never
    /// to be). Native code reads it through `VmContext::code_table`.
    code_table: Box<[AtomicUsize]>,
    /// Per function: its start version's address, 0 before it is tried, or `FAILED`.
    starts: Box<[AtomicUsize]>,
    /// Per function: its loop headers and the address of the version entered there.
    loop_entries: Box<[LoopEntries]>,
    compiler: Mutex<Option<Compiler>>,
    /// Per number of register arguments, once a compiler exists.
    trampolines: OnceLock<[Trampoline; REGISTER_ARGS + 1]>,
    profile: Mutex<NativeProfile>,
}

impl std::fmt::Debug for NativeTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeTier").finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while compiling poisons only the compiler (it refuses from then on).
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl NativeTier {
    /// The tier for `module` under `config`, or `None` for [`Tier::Interp`]. With
    /// [`Tier::Opt`] every function is compiled now; one that cannot be stays
    /// interpreted (see [`NativeProfile::refused`]).
    pub(crate) fn new(module: &IsaModule, config: &Config) -> Option<NativeTier> {
        if config.tier == Tier::Interp {
            return None;
        }
        let tier = NativeTier {
            options: Options {
                metered: config.metered(),
                max_call_depth: config.max_call_depth,
                helpers: super::helpers::HELPERS,
                max_function_len: 50_000,
                verify_ir: cfg!(debug_assertions),
                disassemble: std::env::var_os("ADEAD_JIT_DISASM").is_some(),
                count_opcodes: config.count_native_opcodes,
                interruptible: config.interruptible,
            },
            perf_map: config.perf_map,
            code_table: module
                .functions
                .iter()
                .map(|_| AtomicUsize::new(0))
                .collect(),
            starts: module
                .functions
                .iter()
                .map(|_| AtomicUsize::new(0))
                .collect(),
            loop_entries: (0..module.functions.len() as u32)
                .map(|func| {
                    Compiler::loop_headers(module, func)
                        .into_iter()
                        .map(|header| (header, AtomicUsize::new(0)))
                        .collect()
                })
                .collect(),
            compiler: Mutex::new(None),
            trampolines: OnceLock::new(),
            profile: Mutex::new(NativeProfile::default()),
        };
        if config.tier == Tier::Opt {
            for func in 0..module.functions.len() as u32 {
                tier.code_for(module, func, Entry::Start, None);
            }
        }
        Some(tier)
    }

    /// The code table, for `VmContext::code_table`.
    pub(crate) fn code_table(&self) -> *const usize {
        self.code_table.as_ptr().cast()
    }

    /// The trampoline for a function of `params` parameters entered at `entry`, once a
    /// compiler exists.
    pub(crate) fn trampoline(&self, params: u32, entry: Entry) -> Option<Trampoline> {
        Some(self.trampolines.get()?[register_args(params, entry)])
    }

    fn slot(&self, func: u32, entry: Entry) -> Option<&AtomicUsize> {
        match entry {
            Entry::Start => self.starts.get(func as usize),
            Entry::LoopHeader(header) => {
                let entries = self.loop_entries.get(func as usize)?;
                let at = entries.binary_search_by_key(&header, |(h, _)| *h).ok()?;
                Some(&entries[at].1)
            }
        }
    }

    /// The native code of `func` entered at `entry`, compiling it first if it was never
    /// tried; `None` if it cannot be compiled.
    pub(crate) fn code_for(
        &self,
        module: &IsaModule,
        func: u32,
        entry: Entry,
        at_instruction: Option<u64>,
    ) -> Option<NativeFn> {
        let slot = self.slot(func, entry)?;
        match slot.load(Ordering::Acquire) {
            0 => {}
            FAILED => return None,
            code => return Some(code as NativeFn),
        }
        let mut compiler = lock(&self.compiler);
        // Another instance may have compiled it while this one waited.
        match slot.load(Ordering::Acquire) {
            0 => {}
            FAILED => return None,
            code => return Some(code as NativeFn),
        }
        if compiler.is_none() {
            match Compiler::new(self.options) {
                Ok(created) => {
                    let _ = self.trampolines.set(created.trampolines());
                    *compiler = Some(created);
                }
                Err(error) => {
                    slot.store(FAILED, Ordering::Release);
                    lock(&self.profile)
                        .refused
                        .push((func, entry, error.to_string()));
                    return None;
                }
            }
        }
        let compiler = compiler.as_mut().expect("created above");
        match compiler.compile(module, func, entry) {
            Ok(compiled) => {
                if let Some(text) = &compiled.disassembly {
                    eprintln!(
                        "; adead-jit: function {func} `{}` at {entry:?}\n{text}",
                        module.functions[func as usize].name
                    );
                }
                if self.perf_map {
                    write_perf_map(&compiled, &module.functions[func as usize].name, entry);
                }
                lock(&self.profile).compiled.push(CompileRecord {
                    func,
                    entry,
                    time: compiled.time,
                    size: compiled.size,
                    at_instruction,
                    finished: Instant::now(),
                });
                slot.store(compiled.code as usize, Ordering::Release);
                if entry == Entry::Start {
                    self.code_table[func as usize].store(compiled.code as usize, Ordering::Release);
                }
                Some(compiled.code)
            }
            Err(error) => {
                slot.store(FAILED, Ordering::Release);
                lock(&self.profile)
                    .refused
                    .push((func, entry, error.to_string()));
                None
            }
        }
    }

    /// What the tier compiled so far.
    pub(crate) fn profile(&self) -> NativeProfile {
        lock(&self.profile).clone()
    }
}

/// One line per compiled function in `/tmp/perf-<pid>.map`: address, size, name (the
/// format `perf report` reads for JIT code). Best effort: a failed write costs only the
/// names in `perf`.
fn write_perf_map(compiled: &adead_jit::Compiled, name: &str, entry: Entry) {
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let label = match entry {
        Entry::Start => format!("adead::{name}"),
        Entry::LoopHeader(header) => format!("adead::{name}[loop {header}]"),
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(
            file,
            "{:x} {:x} {label}",
            compiled.code as usize, compiled.size
        );
    }
}
