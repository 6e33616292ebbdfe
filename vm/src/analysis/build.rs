//! The report from a module and a counted run's profile.

use std::collections::HashMap;

use adead_isa::{Family, Opcode};

use super::loops::{Loop, loops_of};
use super::{
    ANALYSIS_FORMAT, Analysis, Count, DynamicFacts, FunctionFacts, HotListing, LeakedTensor,
    ListingLine, LoopFacts, MAX_LISTING_LINES, MemoryFacts, Refusal, RunFacts, StaticFacts,
    TensorFacts, TensorOpFacts, TensorTime, TierUp,
};
use crate::native::NativeProfile;
use crate::{Entry, Module, Profile};

/// Hot functions whose listings the report shows.
const HOT_LISTINGS: usize = 3;
/// Loops the report lists.
const MAX_LOOPS: usize = 20;

/// What the builder and the suggestions share: the module, where each instruction
/// lives, and the counts.
pub(crate) struct Facts<'a> {
    pub isa: &'a adead_isa::Module,
    /// Per global pc, its function.
    pub func_of: Vec<u32>,
    /// Per global pc, its executions (zeros when not counted).
    pub counts: Vec<u64>,
    /// Per function, its loops.
    pub loops: Vec<Vec<Loop>>,
    pub profile: &'a Profile,
    pub facts: &'a RunFacts,
}

impl Facts<'_> {
    pub fn function_name(&self, func: u32) -> &str {
        &self.isa.functions[func as usize].name
    }

    /// The function of global pc `pc` and the pc within it.
    pub fn locate(&self, pc: u32) -> (u32, u32) {
        let func = self.func_of[pc as usize];
        (func, pc - self.isa.functions[func as usize].entry)
    }

    /// The innermost loop of function `func` holding local pc `pc`.
    pub fn loop_around(&self, func: u32, pc: u32) -> Option<&Loop> {
        self.loops[func as usize]
            .iter()
            .filter(|l| l.header <= pc && pc <= l.end)
            .min_by_key(|l| l.end - l.header)
    }
}

pub(crate) fn analysis(module: &Module, profile: &Profile, facts: &RunFacts) -> Analysis {
    let isa = module.isa();
    let mut func_of = vec![0u32; isa.code.len()];
    for (index, function) in isa.functions.iter().enumerate() {
        let range = function.entry as usize..(function.entry + function.len) as usize;
        if let Some(slots) = func_of.get_mut(range) {
            slots.fill(index as u32);
        }
    }
    let counts = profile
        .executions
        .as_ref()
        .map_or_else(|| vec![0; isa.code.len()], |e| e.total.clone());
    let loops = isa
        .functions
        .iter()
        .map(|function| {
            let code = function.code(isa);
            let base = function.entry as usize;
            loops_of(code, &counts[base..base + code.len()])
        })
        .collect();
    let all = Facts {
        isa,
        func_of,
        counts,
        loops,
        profile,
        facts,
    };
    let dynamic = dynamic_facts(&all);
    let hot_code = hot_listings(&all, &dynamic.functions);
    Analysis {
        format: ANALYSIS_FORMAT,
        program: facts.program.clone(),
        outcome: facts.outcome.clone(),
        wall_ms: facts.wall_time.as_secs_f64() * 1e3,
        static_facts: static_facts(isa),
        dynamic,
        memory: memory_facts(profile),
        tensors: tensor_facts(module, &all),
        hot_code,
        suggestions: super::suggest::suggestions(&all),
    }
}

/// Counts per name, most first (ties in name order), zeros left out.
fn ranked(counts: impl IntoIterator<Item = (String, u64)>) -> Vec<Count> {
    let mut merged: HashMap<String, u64> = HashMap::new();
    for (name, count) in counts {
        *merged.entry(name).or_default() += count;
    }
    let mut list: Vec<Count> = merged
        .into_iter()
        .filter(|&(_, count)| count > 0)
        .map(|(name, count)| Count { name, count })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    list
}

fn family_name(family: Family) -> String {
    family.title().to_string()
}

fn static_facts(isa: &adead_isa::Module) -> StaticFacts {
    let ops = || isa.code.iter().map(|i| i.opcode());
    StaticFacts {
        functions: isa.functions.len(),
        instructions: isa.code.len(),
        code_bytes: isa.code.len() as u64 * 20,
        data_bytes: isa.data.iter().map(|d| d.bytes.len() as u64).sum(),
        memory_bytes: u64::from(isa.memory_size),
        families: ranked(ops().map(|op| (family_name(op.family()), 1))),
        opcodes: ranked(ops().map(|op| (op.mnemonic().to_string(), 1))),
    }
}

fn dynamic_facts(all: &Facts<'_>) -> DynamicFacts {
    let profile = all.profile;
    let isa = all.isa;
    let native = profile
        .executions
        .as_ref()
        .map_or(&[][..], |e| e.native.as_slice());
    let total: u64 = all.counts.iter().sum();
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let executed = || {
        isa.code
            .iter()
            .zip(&all.counts)
            .map(|(i, &n)| (i.opcode(), n))
    };
    let mut functions: Vec<FunctionFacts> = isa
        .functions
        .iter()
        .enumerate()
        .map(|(index, function)| {
            let range = function.entry as usize..(function.entry + function.len) as usize;
            let instructions: u64 = all.counts[range.clone()].iter().sum();
            let natively: u64 = native.get(range).map_or(0, |n| n.iter().sum());
            FunctionFacts {
                name: function.name.clone(),
                index: index as u32,
                instructions,
                share: share(instructions),
                native_share: if instructions == 0 {
                    0.0
                } else {
                    natively as f64 / instructions as f64
                },
                entries: all
                    .counts
                    .get(function.entry as usize)
                    .copied()
                    .unwrap_or(0),
            }
        })
        .filter(|f| f.instructions > 0)
        .collect();
    functions.sort_by_key(|f| std::cmp::Reverse(f.instructions));
    let mut loops: Vec<LoopFacts> = all
        .loops
        .iter()
        .enumerate()
        .flat_map(|(func, loops)| {
            loops
                .iter()
                .filter(|l| l.iterations > 0)
                .map(move |l| LoopFacts {
                    function: all.function_name(func as u32).to_string(),
                    header: l.header,
                    end: l.end,
                    iterations: l.iterations,
                    instructions: l.instructions,
                    share: share(l.instructions),
                })
        })
        .collect();
    loops.sort_by_key(|l| std::cmp::Reverse(l.instructions));
    loops.truncate(MAX_LOOPS);
    let (tier_ups, refused) = profile
        .native
        .as_ref()
        .map(|native| native_facts(all, native))
        .unwrap_or_default();
    DynamicFacts {
        instructions: total,
        native_instructions: native.iter().sum(),
        fuel_used: profile.instructions,
        families: ranked(executed().map(|(op, n)| (family_name(op.family()), n))),
        opcodes: ranked(executed().map(|(op, n)| (op.mnemonic().to_string(), n))),
        functions,
        loops,
        tier_ups,
        refused,
    }
}

fn entry_name(entry: Entry) -> String {
    match entry {
        Entry::Start => "start".into(),
        Entry::LoopHeader(header) => format!("loop at {header}"),
    }
}

fn native_facts(all: &Facts<'_>, native: &NativeProfile) -> (Vec<TierUp>, Vec<Refusal>) {
    let started = all.facts.started;
    let tier_ups = native
        .compiled
        .iter()
        .map(|record| {
            let ready_ms = match record.finished.checked_duration_since(started) {
                Some(after) => after.as_secs_f64() * 1e3,
                None => -(started.duration_since(record.finished).as_secs_f64() * 1e3),
            };
            TierUp {
                function: all.function_name(record.func).to_string(),
                entry: entry_name(record.entry),
                tier: record.level.name().to_string(),
                at_instruction: record.at_instruction,
                ready_ms,
                compile_us: record.time.as_secs_f64() * 1e6,
                code_bytes: record.size,
            }
        })
        .collect();
    let refused = native
        .refused
        .iter()
        .map(|(func, entry, reason)| Refusal {
            function: all.function_name(*func).to_string(),
            entry: entry_name(*entry),
            reason: reason.clone(),
        })
        .collect();
    (tier_ups, refused)
}

fn memory_facts(profile: &Profile) -> MemoryFacts {
    let m = &profile.memory;
    MemoryFacts {
        size_bytes: profile.memory_size,
        allocations: m.allocations,
        allocated_bytes: m.allocated_bytes,
        frees: m.frees,
        peak_heap_bytes: m.peak_heap_bytes,
        live_heap_bytes: m.live_heap_bytes,
        copied_bytes: m.copied_bytes,
        filled_bytes: m.filled_bytes,
    }
}

/// `[64, 784] x [784, 128] -> [64, 128]`
fn shapes_text(inputs: &[Vec<usize>], output: Option<&Vec<usize>>) -> String {
    let inputs: Vec<String> = inputs.iter().map(|s| format!("{s:?}")).collect();
    match (inputs.is_empty(), output) {
        (true, Some(out)) => format!("{out:?}"),
        (true, None) => String::new(),
        (false, Some(out)) => format!("{} -> {out:?}", inputs.join(" x ")),
        (false, None) => inputs.join(" x "),
    }
}

fn tensor_facts(module: &Module, all: &Facts<'_>) -> TensorFacts {
    let tensors = &all.profile.tensors;
    let has_tensor_code = all
        .isa
        .code
        .iter()
        .any(|i| i.opcode().family() == Family::Tensor);
    let kernels = has_tensor_code
        .then(|| module.engine().kernels().ok())
        .flatten();
    let mut ops: Vec<TensorOpFacts> = Vec::new();
    let mut by_opcode: HashMap<Opcode, (u64, f64)> = HashMap::new();
    for op in tensors.ops.iter().flatten() {
        let (func, pc) = all.locate(op.pc);
        let seconds = op.time.as_secs_f64();
        let gflops = (op.multiply_adds > 0 && seconds > 0.0)
            .then(|| 2.0 * op.multiply_adds as f64 / seconds / 1e9);
        ops.push(TensorOpFacts {
            function: all.function_name(func).to_string(),
            pc,
            opcode: op.opcode.mnemonic().to_string(),
            shapes: shapes_text(&op.inputs, op.output.as_ref()),
            executions: op.executions,
            total_us: seconds * 1e6,
            gflops,
        });
        let entry = by_opcode.entry(op.opcode).or_default();
        entry.0 += op.executions;
        entry.1 += seconds * 1e6;
    }
    ops.sort_by(|a, b| b.total_us.total_cmp(&a.total_us));
    let mut by_opcode: Vec<TensorTime> = by_opcode
        .into_iter()
        .map(|(op, (executions, total_us))| TensorTime {
            opcode: op.mnemonic().to_string(),
            executions,
            total_us,
        })
        .collect();
    by_opcode.sort_by(|a, b| b.total_us.total_cmp(&a.total_us));
    let never_freed = tensors
        .live
        .iter()
        .filter(|t| Some(t.handle) != all.facts.returned_handle)
        .filter_map(|t| {
            let (func, pc) = all.locate(t.made_at?);
            Some(LeakedTensor {
                function: all.function_name(func).to_string(),
                pc,
                shape: t.shape.clone(),
            })
        })
        .collect();
    TensorFacts {
        kernel_path: kernels.map(|k| k.isa().to_string()),
        threads: kernels.map(|k| k.threads()),
        device: "cpu".into(),
        peak_bytes: tensors.peak_bytes,
        ops,
        by_opcode,
        never_freed,
    }
}

/// The listings of the functions with the most instructions executed.
fn hot_listings(all: &Facts<'_>, functions: &[FunctionFacts]) -> Vec<HotListing> {
    functions
        .iter()
        .take(HOT_LISTINGS)
        .filter_map(|f| {
            let lines =
                adead_asm::function_listing(all.isa, f.index, adead_asm::ListingStyle::Hex)?;
            // The `.line` directives would double the listing; labels stay.
            let lines: Vec<ListingLine> = lines
                .into_iter()
                .filter(|line| !line.text.starts_with(".line "))
                .map(|line| ListingLine {
                    count: line.pc.map(|pc| all.counts[pc as usize]),
                    text: line.text,
                })
                .collect();
            Some(HotListing {
                function: f.name.clone(),
                share: f.share,
                lines: window(lines),
            })
        })
        .collect()
}

/// At most [`MAX_LISTING_LINES`] lines, centred on the most executed one.
fn window(lines: Vec<ListingLine>) -> Vec<ListingLine> {
    if lines.len() <= MAX_LISTING_LINES {
        return lines;
    }
    let hottest = (0..lines.len())
        .max_by_key(|&i| (lines[i].count.unwrap_or(0), std::cmp::Reverse(i)))
        .unwrap_or(0);
    let start = hottest
        .saturating_sub(MAX_LISTING_LINES / 2)
        .min(lines.len() - MAX_LISTING_LINES);
    lines
        .into_iter()
        .skip(start)
        .take(MAX_LISTING_LINES)
        .collect()
}
