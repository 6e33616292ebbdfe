//! Per module: the compilers of both native tiers, the code table, and what was
//! compiled when.

use std::io::Write as _;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use adead_isa::{Module as IsaModule, VerifiedModule};
use adead_jit::{
    BaselineCompiler, Compiler, Entry, HotCounters, NativeFn, Options, REGISTER_ARGS, Trampoline,
    register_args,
};

use crate::config::{Config, Tier};

/// A code-table word for a function whose compilation failed: it stays interpreted.
const FAILED: usize = usize::MAX;
/// A slot whose optimized code the background compiler is making.
const PENDING: usize = usize::MAX - 1;

/// A function's loop headers (in increasing order), each with the address of the
/// version entered there: 0 before it is tried, or `FAILED`.
type LoopEntries = Box<[(u32, AtomicUsize)]>;

/// Which native tier made a piece of code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The baseline tier: templates per opcode, compiled in one pass.
    Baseline,
    /// The optimizing tier: Cranelift.
    Optimized,
}

impl Level {
    /// The name the statistics use: `baseline`, `cranelift`.
    pub const fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Optimized => "cranelift",
        }
    }
}

/// Where the interpreter hands code to native code: counts of a function's entries or
/// of a loop's back-edges.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Thresholds {
    /// Past this count, code moves to native code (`u64::MAX`: never).
    pub native: u64,
    /// Past this count, it asks for optimized code.
    pub optimized: u64,
}

impl Thresholds {
    /// The thresholds of `config`'s tier policy, for a module with the native tier
    /// `native` (`None`: everything is interpreted).
    pub(crate) fn of(native: Option<&NativeTier>, config: &Config) -> Thresholds {
        let (native, optimized) = match (native, config.tier) {
            (None, _) | (_, Tier::Interp) => (u64::MAX, u64::MAX),
            (_, Tier::Opt) => (0, 0),
            (_, Tier::Baseline) => (0, u64::MAX),
            (Some(tier), Tier::Auto) if tier.use_baseline => {
                (config.baseline_threshold, config.jit_threshold)
            }
            (_, Tier::Auto) => (config.jit_threshold, config.jit_threshold),
        };
        Thresholds { native, optimized }
    }

    /// The level code with this count of entries or back-edges asks for.
    pub(crate) fn level(self, count: u64) -> Level {
        if count > self.optimized {
            Level::Optimized
        } else {
            Level::Baseline
        }
    }
}

/// One function compiled to native code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileRecord {
    /// The function's index.
    pub func: u32,
    /// Where the code starts: the function's start, or a loop header. The baseline tier
    /// compiles every entry of a function at once, recorded as its start.
    pub entry: Entry,
    /// The tier that compiled it.
    pub level: Level,
    /// Time spent compiling it.
    pub time: Duration,
    /// Bytes of machine code.
    pub size: usize,
    /// Instructions the instance had executed when it asked for the code (`None` when
    /// instructions are not counted, or at load with [`Tier::Opt`] or
    /// [`Tier::Baseline`]).
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

/// The code of one level: per function, its start version and its loop versions.
struct LevelCode {
    /// Per function: its start version's address, 0 before it is tried, or `FAILED`.
    starts: Box<[AtomicUsize]>,
    /// Per function: its loop headers and the address of the version entered there.
    loops: Box<[LoopEntries]>,
}

impl LevelCode {
    /// Empty slots for functions whose loop headers are `headers`.
    fn new(headers: &[Vec<u32>]) -> LevelCode {
        LevelCode {
            starts: headers.iter().map(|_| AtomicUsize::new(0)).collect(),
            loops: headers
                .iter()
                .map(|headers| headers.iter().map(|&h| (h, AtomicUsize::new(0))).collect())
                .collect(),
        }
    }

    fn slot(&self, func: u32, entry: Entry) -> Option<&AtomicUsize> {
        match entry {
            Entry::Start => self.starts.get(func as usize),
            Entry::LoopHeader(header) => {
                let entries = self.loops.get(func as usize)?;
                let at = entries.binary_search_by_key(&header, |(h, _)| *h).ok()?;
                Some(&entries[at].1)
            }
        }
    }
}

/// What a slot holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Never tried.
    Untried,
    /// Being compiled in the background.
    Pending,
    /// Tried, and refused.
    Failed,
    /// The code.
    Code(NativeFn),
}

fn read(slot: &AtomicUsize) -> Slot {
    match slot.load(Ordering::Acquire) {
        0 => Slot::Untried,
        PENDING => Slot::Pending,
        FAILED => Slot::Failed,
        code => Slot::Code(code as NativeFn),
    }
}

/// A request to the background compiler: a function, an entry, and the instance's
/// instruction count when it asked.
type Request = (u32, Entry, Option<u64>);

/// The thread that compiles optimized code while code goes on in lower tiers. It holds
/// the tier weakly (a module being dropped stops it) and the verified module strongly.
struct Background {
    module: Arc<VerifiedModule>,
    /// Started at the first request; `None` inside if it could not start (then
    /// compilations happen in the thread that asks).
    queue: Mutex<Option<Option<Sender<Request>>>>,
}

/// Baseline code's own counts toward optimized code (tier `auto` only).
struct HotCounts {
    entry: AtomicU32,
    loops: Box<[(u32, AtomicU32)]>,
}

/// The native tier of one module.
pub(crate) struct NativeTier {
    /// Itself, for the background compiler.
    me: Weak<NativeTier>,
    background: Option<Background>,
    options: Options,
    perf_map: bool,
    /// Per function: the address of its best start version, or 0 (not compiled, or
    /// never to be). Native code reads it through `VmContext::code_table`.
    code_table: Box<[AtomicUsize]>,
    /// The levels the policy uses.
    use_baseline: bool,
    use_optimized: bool,
    baseline_code: LevelCode,
    optimized_code: LevelCode,
    /// With both levels: per function, baseline code's counts, and the count at which
    /// it asks for optimized code.
    hot_counts: Option<(Box<[HotCounts]>, u32)>,
    compiler: Mutex<Option<Compiler>>,
    baseline: Mutex<Option<BaselineCompiler>>,
    /// Per number of register arguments, once a compiler exists (both tiers' code has
    /// one signature, so either compiler's trampolines call either's code).
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
    /// [`Tier::Opt`] or [`Tier::Baseline`] every function is compiled now; one that
    /// cannot be stays interpreted (see [`NativeProfile::refused`]).
    pub(crate) fn new(verified: &Arc<VerifiedModule>, config: &Config) -> Option<Arc<NativeTier>> {
        let module: &IsaModule = verified;
        let (use_baseline, use_optimized) = match config.tier {
            Tier::Interp => return None,
            Tier::Baseline => (true, false),
            Tier::Opt => (false, true),
            // Where the host has no baseline tier, auto goes straight to Cranelift.
            Tier::Auto => (
                BaselineCompiler::host_supported()
                    && config.baseline_threshold < config.jit_threshold,
                true,
            ),
        };
        let headers: Vec<Vec<u32>> = (0..module.functions.len() as u32)
            .map(|func| Compiler::loop_headers(module, func))
            .collect();
        let hot_counts = (use_baseline && use_optimized).then(|| {
            let counts = headers
                .iter()
                .map(|headers| HotCounts {
                    entry: AtomicU32::new(0),
                    loops: headers.iter().map(|&h| (h, AtomicU32::new(0))).collect(),
                })
                .collect();
            let gap = config.jit_threshold - config.baseline_threshold;
            (counts, u32::try_from(gap).unwrap_or(u32::MAX))
        });
        let background =
            (config.tier == Tier::Auto && config.background_compile).then(|| Background {
                module: Arc::clone(verified),
                queue: Mutex::new(None),
            });
        let tier = Arc::new_cyclic(|me| NativeTier {
            me: me.clone(),
            background,
            options: Options {
                metered: config.metered(),
                max_call_depth: config.max_call_depth,
                helpers: super::helpers::HELPERS,
                max_function_len: 50_000,
                verify_ir: cfg!(debug_assertions),
                disassemble: std::env::var_os("ADEAD_JIT_DISASM").is_some(),
                count_executions: config.count_executions,
                interruptible: config.interruptible,
            },
            perf_map: config.perf_map,
            code_table: module
                .functions
                .iter()
                .map(|_| AtomicUsize::new(0))
                .collect(),
            use_baseline,
            use_optimized,
            baseline_code: LevelCode::new(&headers),
            optimized_code: LevelCode::new(&headers),
            hot_counts,
            compiler: Mutex::new(None),
            baseline: Mutex::new(None),
            trampolines: OnceLock::new(),
            profile: Mutex::new(NativeProfile::default()),
        });
        match config.tier {
            Tier::Opt => {
                for func in 0..module.functions.len() as u32 {
                    tier.optimized(module, func, Entry::Start, None);
                }
            }
            Tier::Baseline => {
                let all: Vec<u32> = (0..module.functions.len() as u32).collect();
                tier.compile_baseline(module, &all, None);
            }
            _ => {}
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

    /// The best native code of `func` entered at `entry` for code this hot (`want`):
    /// optimized code if it exists, or when `want` asks for it and it can be compiled;
    /// else baseline code, compiled now if it was never tried. `None` if there is
    /// neither.
    pub(crate) fn code_for(
        &self,
        module: &IsaModule,
        func: u32,
        entry: Entry,
        at_instruction: Option<u64>,
        want: Level,
    ) -> Option<NativeFn> {
        if self.use_optimized {
            let slot = self.optimized_code.slot(func, entry)?;
            match read(slot) {
                Slot::Code(code) => return Some(code),
                Slot::Untried if want == Level::Optimized || !self.use_baseline => {
                    if !self.in_background(slot, func, entry, at_instruction)
                        && let Some(code) = self.optimized(module, func, entry, at_instruction)
                    {
                        return Some(code);
                    }
                }
                _ => {}
            }
            if want == Level::Optimized && read(slot) == Slot::Pending {
                self.rearm(func, entry);
            }
        }
        if !self.use_baseline {
            return None;
        }
        let slot = self.baseline_code.slot(func, entry)?;
        if read(slot) == Slot::Untried {
            self.compile_baseline(module, &[func], at_instruction);
        }
        match read(slot) {
            Slot::Code(code) => Some(code),
            _ => None,
        }
    }

    /// Queues the optimized compilation of `func` at `entry` (whose `slot` was never
    /// tried) for the background compiler; false if there is none (the caller compiles).
    fn in_background(
        &self,
        slot: &AtomicUsize,
        func: u32,
        entry: Entry,
        at_instruction: Option<u64>,
    ) -> bool {
        let Some(background) = &self.background else {
            return false;
        };
        let mut queue = lock(&background.queue);
        let sender = queue.get_or_insert_with(|| {
            let (sender, requests) = mpsc::channel::<Request>();
            let tier = self.me.clone();
            let module = Arc::clone(&background.module);
            std::thread::Builder::new()
                .name("adead-jit".into())
                .spawn(move || {
                    while let Ok((func, entry, at)) = requests.recv() {
                        let Some(tier) = tier.upgrade() else {
                            return;
                        };
                        tier.optimized(&module, func, entry, at);
                    }
                })
                .ok()
                .map(|_| sender)
        });
        let Some(sender) = sender else {
            return false;
        };
        if slot
            .compare_exchange(0, PENDING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            && sender.send((func, entry, at_instruction)).is_err()
        {
            // The thread is gone: compile here after all.
            slot.store(0, Ordering::Release);
            return false;
        }
        true
    }

    /// Baseline code asked for optimized code of `func` at `entry`, which is still
    /// being compiled: its counter starts again, so that it asks again later (a loop's
    /// baseline code leaves for optimized code only when it asks).
    ///
    /// Every loop of the function starts again, not only the one at `entry`: the
    /// baseline version that goes on holds the loops nested in it too, whose own
    /// optimized versions may be ready (an optimized inner loop that ended and reached
    /// its enclosing loop's header comes back here), and they must ask for them again.
    ///
    /// It asks again after `REARM` times the threshold, not after the threshold: each
    /// ask of a loop is an exit from baseline code and an entry back (about a
    /// microsecond), and while the compilation takes a millisecond or more, asking every
    /// threshold's worth of back-edges cost a short run a third of its time (sieve).
    fn rearm(&self, func: u32, entry: Entry) {
        const REARM: u32 = 16;
        let Some((counts, threshold)) = &self.hot_counts else {
            return;
        };
        // Baseline code asks when its counter reaches the threshold exactly.
        let again = threshold.wrapping_sub(threshold.saturating_mul(REARM));
        let counts = &counts[func as usize];
        match entry {
            Entry::Start => counts.entry.store(again, Ordering::Relaxed),
            Entry::LoopHeader(_) => {
                for (_, counter) in counts.loops.iter() {
                    counter.store(again, Ordering::Relaxed);
                }
            }
        }
    }

    /// Optimized code of `func` at `entry`, compiling it first if it was never tried (or
    /// is queued for the background compiler, which calls this).
    fn optimized(
        &self,
        module: &IsaModule,
        func: u32,
        entry: Entry,
        at_instruction: Option<u64>,
    ) -> Option<NativeFn> {
        let slot = self.optimized_code.slot(func, entry)?;
        // Untried, or queued for the background compiler (which is the caller then).
        let done = |slot: &AtomicUsize| match read(slot) {
            Slot::Untried | Slot::Pending => None,
            Slot::Failed => Some(None),
            Slot::Code(code) => Some(Some(code)),
        };
        if let Some(code) = done(slot) {
            return code;
        }
        let mut compiler = lock(&self.compiler);
        // Another instance may have compiled it while this one waited.
        if let Some(code) = done(slot) {
            return code;
        }
        if compiler.is_none() {
            match Compiler::new(self.options) {
                Ok(created) => {
                    let _ = self.trampolines.set(created.trampolines());
                    *compiler = Some(created);
                }
                Err(error) => {
                    slot.store(FAILED, Ordering::Release);
                    self.refuse(func, entry, error.to_string());
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
                let name = &module.functions[func as usize].name;
                if self.perf_map {
                    write_perf_map(compiled.code, compiled.size, name, entry, Level::Optimized);
                }
                self.record(CompileRecord {
                    func,
                    entry,
                    level: Level::Optimized,
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
                self.refuse(func, entry, error.to_string());
                None
            }
        }
    }

    /// Compiles every entry of the functions `funcs` not yet tried with the baseline
    /// compiler, in one batch.
    fn compile_baseline(&self, module: &IsaModule, funcs: &[u32], at_instruction: Option<u64>) {
        let mut compiler = lock(&self.baseline);
        let todo: Vec<u32> = funcs
            .iter()
            .copied()
            .filter(|&f| self.baseline_code.starts[f as usize].load(Ordering::Acquire) == 0)
            .collect();
        if todo.is_empty() {
            return;
        }
        if compiler.is_none() {
            match BaselineCompiler::new(self.options) {
                Ok(created) => {
                    let _ = self.trampolines.set(created.trampolines());
                    *compiler = Some(created);
                }
                Err(error) => {
                    for &func in &todo {
                        self.refuse_baseline(func, error.to_string());
                    }
                    return;
                }
            }
        }
        let compiler = compiler.as_mut().expect("created above");
        let counters: Vec<Option<HotCounters>> = todo
            .iter()
            .map(|&func| {
                let (counts, threshold) = self.hot_counts.as_ref()?;
                let counts = &counts[func as usize];
                Some(HotCounters {
                    entry: &counts.entry,
                    loops: counts
                        .loops
                        .iter()
                        .map(|(header, count)| (*header, count as *const AtomicU32))
                        .collect(),
                    threshold: *threshold,
                    tier_up: super::helpers::TIER_UP,
                })
            })
            .collect();
        let batch: Vec<(u32, Option<&HotCounters>)> = todo
            .iter()
            .zip(&counters)
            .map(|(&func, counters)| (func, counters.as_ref()))
            .collect();
        let results = compiler.compile_batch(module, &batch);
        for (&func, result) in todo.iter().zip(results) {
            let compiled = match result {
                Ok(compiled) => compiled,
                Err(error) => {
                    self.refuse_baseline(func, error.to_string());
                    continue;
                }
            };
            let name = &module.functions[func as usize].name;
            let versions = &compiled.versions;
            if self.perf_map {
                write_perf_map(
                    versions.start,
                    compiled.size,
                    name,
                    Entry::Start,
                    Level::Baseline,
                );
            }
            self.record(CompileRecord {
                func,
                entry: Entry::Start,
                level: Level::Baseline,
                time: compiled.time,
                size: compiled.size,
                at_instruction,
                finished: Instant::now(),
            });
            for ((header, slot), (compiled_header, code)) in self.baseline_code.loops[func as usize]
                .iter()
                .zip(&versions.loops)
            {
                debug_assert_eq!(header, compiled_header, "the same loop headers");
                slot.store(*code as usize, Ordering::Release);
            }
            self.baseline_code.starts[func as usize]
                .store(versions.start as usize, Ordering::Release);
            // Calls go to the best code: never from optimized code back to baseline.
            let _ = self.code_table[func as usize].compare_exchange(
                0,
                versions.start as usize,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    /// Compiles at load what a saved profile says an earlier run compiled, at the levels
    /// this tier policy uses (under [`Tier::Opt`] and [`Tier::Baseline`] most of it is
    /// compiled already):
    /// baseline code for every function listed, in one batch, now; optimized code for
    /// each listed entry on the background thread when there is one (so that the run
    /// starts at once), else now. Entries that are not loop headers of their function
    /// are skipped: the caller checked them against the module.
    pub(crate) fn warm(&self, module: &IsaModule, compiled: &[(u32, Entry, Level)]) {
        if self.use_baseline {
            let mut funcs: Vec<u32> = compiled.iter().map(|&(func, _, _)| func).collect();
            funcs.sort_unstable();
            funcs.dedup();
            self.compile_baseline(module, &funcs, None);
        }
        if !self.use_optimized {
            return;
        }
        for &(func, entry, level) in compiled {
            if level != Level::Optimized {
                continue;
            }
            let Some(slot) = self.optimized_code.slot(func, entry) else {
                continue;
            };
            if read(slot) == Slot::Untried && !self.in_background(slot, func, entry, None) {
                self.optimized(module, func, entry, None);
            }
        }
    }

    /// The optimized compilations asked for and not finished yet (on the background
    /// thread), in function order.
    pub(crate) fn pending(&self) -> Vec<(u32, Entry)> {
        let mut pending = Vec::new();
        for (func, start) in self.optimized_code.starts.iter().enumerate() {
            if read(start) == Slot::Pending {
                pending.push((func as u32, Entry::Start));
            }
            for (header, slot) in self.optimized_code.loops[func].iter() {
                if read(slot) == Slot::Pending {
                    pending.push((func as u32, Entry::LoopHeader(*header)));
                }
            }
        }
        pending
    }

    /// Every entry of `func` stays without baseline code, for `reason`.
    fn refuse_baseline(&self, func: u32, reason: String) {
        self.baseline_code.starts[func as usize].store(FAILED, Ordering::Release);
        for (_, slot) in &self.baseline_code.loops[func as usize] {
            slot.store(FAILED, Ordering::Release);
        }
        self.refuse(func, Entry::Start, reason);
    }

    fn record(&self, record: CompileRecord) {
        lock(&self.profile).compiled.push(record);
    }

    fn refuse(&self, func: u32, entry: Entry, reason: String) {
        lock(&self.profile).refused.push((func, entry, reason));
    }

    /// What the tier compiled so far.
    pub(crate) fn profile(&self) -> NativeProfile {
        lock(&self.profile).clone()
    }
}

/// One line per compiled function in `/tmp/perf-<pid>.map`: address, size, name (the
/// format `perf report` reads for JIT code). Best effort: a failed write costs only the
/// names in `perf`.
fn write_perf_map(code: NativeFn, size: usize, name: &str, entry: Entry, level: Level) {
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let level = level.name();
    let label = match entry {
        Entry::Start => format!("adead::{name}[{level}]"),
        Entry::LoopHeader(header) => format!("adead::{name}[{level} loop {header}]"),
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{:x} {:x} {label}", code as usize, size);
    }
}
