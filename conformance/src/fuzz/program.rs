//! Random verified programs from a seed, shaped to exercise what a native tier can get
//! wrong.
//!
//! A program is a `main` (no parameters) and up to five more functions. Function `i`
//! may call only functions `j > i`, so the call graph is acyclic, and a function may
//! also call itself at one or two *recursion sites* guarded by a counter in `r0`
//! (`bge rZero, r0, skip; addi rS, r0, -1; call rD, self, rS, n`), so recursion is
//! bounded by the counter its caller passes. Bodies are random statements: every
//! scalar opcode (integer, f64, f32, conversions, `select`, `mov` between registers
//! used as different types, immediates with NaN payloads, -0, infinities and
//! subnormals), loads and stores of every width at positive and negative offsets,
//! `alloc`/`free`/`mcopy`/`mfill`/`msize`, prints, forward `if`s, counted loops (nested,
//! top-tested with `jmp`, do-while with a backward conditional branch, counting up or
//! down, one whose header is the function's first instruction) and calls with up to 12
//! arguments, in frames of up to 256 registers. A third of the callees are *tiny*
//! (a few instructions, no loops), the kind the native tier translates into its
//! callers. Each function starts by loading constants into half of its registers and
//! mostly ends with a *digest*: its integer registers folded into its result (which
//! `main` prints) and its float registers stored with their own type's store, so
//! that every register's final value is observed.
//!
//! Each function's frame is laid out as its parameters, seven *reserved* registers
//! (a zero that is never written, the memory base, a temporary, three loop counters and
//! the counter of a loop at the function's entry) and the *scratch* registers random
//! statements write. Reserved registers are written only by the statements that own
//! them, so loops always terminate and the base always holds its known address.
//!
//! Programs come in two temperaments. A **calm** program (75%) cannot trap by
//! accident: divisions use a divisor forced positive and odd, memory accesses are in
//! bounds of the initial memory (which never shrinks), every `alloc` is freed before
//! the next, recursion counters and loop trips are chosen so that an estimated upper
//! bound on the instructions executed stays under [`CALM_FUEL`]. A third of the calm
//! programs get one **planted hazard** on the top-level path of `main` or of a callee
//! that `main` calls on its own (alone, or inside a loop at a chosen iteration): a
//! division by zero, `MIN / -1`, an access far outside
//! memory, a recursion past a lowered call-depth or register-stack limit, an `alloc`
//! larger than the memory limit, a bad `free`, a `trap N`, a `halt`, or a loop that never
//! ends. So a calm program's outcome kind is known in advance ([`Program::intent`]),
//! which checks the generator as much as the VM. A **wild** program (25%) also gets
//! random hazards anywhere: unguarded divisions, addresses from data, frees of random
//! values, traps, halts and returns under random conditions, recursion counters from
//! data, loops of a million trips, and random limits; its outcome is whatever happens.
//!
//! Some programs also get a small `Config::native_stack`, which is not a limit (nothing
//! traps on it) but makes native code continue in the interpreter a few calls deep,
//! and some grow memory in the middle of a straight-line run that then accesses the
//! new part, which native code (checking a run's accesses once, on entry) must leave
//! to the interpreter.

use adead_isa::fuel::work_fuel;
use adead_isa::{DataSegment, Function, Import, Module, Opcode, OperandValue};

use super::build::{Arg, Builder, imm, imm64, label, r};
use crate::rng::Rng;

/// The host functions every program imports, in import-index order, each with one
/// parameter: the print functions of `adead_vm::stdio`, and `interrupt`, which asks
/// the engine to stop the run (its argument is ignored; only wild programs call it, and
/// they run on an interruptible engine).
pub const IMPORTS: [&str; 5] = [
    "print_i64",
    "print_u64",
    "print_f64",
    "print_f32",
    "interrupt",
];

/// The import index of `interrupt` in [`IMPORTS`].
pub const INTERRUPT_IMPORT: u32 = 4;

/// The most instructions a calm program may execute by the generator's own upper-bound
/// estimate; the runner's bound ([`super::FUEL_BOUND`]) is well above it, so a calm
/// program never runs out of fuel unless it was planted an endless loop.
pub const CALM_FUEL: u64 = 60_000;

/// The call-depth limit of a program that was not given a low one: above any calm
/// recursion (counters stay at most [`MAX_CALM_COUNTER`], call chains at most six
/// functions deep).
pub const DEFAULT_CALL_DEPTH: u32 = 10_000;

/// The largest recursion counter a calm program passes.
pub const MAX_CALM_COUNTER: u64 = 4_000;

/// Registers reserved in every frame (see the module documentation).
const RESERVED: u32 = 7;

/// The largest parameter count a function gets.
const MAX_PARAMS: u32 = 12;

/// What a program must do, known from its construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// `main` returns.
    Return,
    /// The program halts.
    Halt,
    /// The program traps with this `TrapKind::id`.
    Trap(&'static str),
    /// A wild program: anything may happen.
    Unknown,
}

/// The one hazard planted on `main`'s path in a calm program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hazard {
    /// `div`, `divu`, `rem` or `remu` by a register holding 0.
    DivideByZero,
    /// `div` or `rem` of `i64::MIN` by -1.
    IntegerOverflow,
    /// A load, store, `mcopy` or `mfill` at a negative address or past the memory limit.
    OutOfBounds,
    /// A recursion past a lowered `max_call_depth` or `max_stack_registers`.
    CallDepth,
    /// An `alloc` larger than the memory limit.
    OutOfMemory,
    /// A `free` of an address that is not a live block, or a double free.
    BadFree,
    /// `trap N`.
    User,
    /// A loop without exit.
    OutOfFuel,
    /// `halt` or `halt rA` in the middle of `main`.
    Halt,
}

impl Hazard {
    /// Every hazard, in the order the generator draws them from.
    pub const ALL: [Hazard; 9] = [
        Hazard::DivideByZero,
        Hazard::IntegerOverflow,
        Hazard::OutOfBounds,
        Hazard::CallDepth,
        Hazard::OutOfMemory,
        Hazard::BadFree,
        Hazard::User,
        Hazard::OutOfFuel,
        Hazard::Halt,
    ];

    /// How a calm program with this hazard ends.
    pub const fn intent(self) -> Intent {
        Intent::Trap(match self {
            Hazard::DivideByZero => "divide_by_zero",
            Hazard::IntegerOverflow => "integer_overflow",
            Hazard::OutOfBounds => "out_of_bounds",
            Hazard::CallDepth => "call_depth",
            Hazard::OutOfMemory => "out_of_memory",
            Hazard::BadFree => "bad_free",
            Hazard::User => "user",
            Hazard::OutOfFuel => "out_of_fuel",
            Hazard::Halt => return Intent::Halt,
        })
    }
}

/// What a function plants on its top-level path.
#[derive(Clone, Copy, Debug)]
enum Plant {
    /// The hazard itself.
    Hazard(Hazard),
    /// A call of the function holding it.
    CallTo(usize),
}

/// The engine limits a program runs under (the same on every tier).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `Config::max_call_depth`.
    pub max_call_depth: u32,
    /// `Config::max_stack_registers`.
    pub max_stack_registers: u64,
    /// `Config::max_memory`.
    pub max_memory: u64,
    /// `Config::native_stack`: not a limit (nothing traps on it) but where native code
    /// continues in the interpreter; small ones force that in shallow call chains.
    pub native_stack: u64,
}

/// A generated program with the limits it runs under and what its construction
/// promises.
#[derive(Clone, Debug)]
pub struct Program {
    /// The seed it was generated from.
    pub seed: u64,
    /// The module (entry `main`, no parameters); it passes `adead_isa::verify`.
    pub module: Module,
    /// The limits to run it under.
    pub limits: Limits,
    /// True for a wild program (random hazards anywhere, `interrupt` calls among
    /// them); it runs on an interruptible engine.
    pub wild: bool,
    /// The hazard planted in a calm program, if any.
    pub hazard: Option<Hazard>,
    /// How the program must end ([`Intent::Unknown`] for a wild one).
    pub intent: Intent,
}

/// The module of the program generated from `seed` (see [`Program::generate`]).
pub fn generate(seed: u64) -> Module {
    Program::generate(seed).module
}

/// The register types statements pick their operands by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    F64,
    F32,
}

/// One function's signature and frame layout, decided before any body is generated.
#[derive(Clone, Debug)]
struct Sig {
    params: u32,
    regs: u32,
    /// Recursion sites (0, 1 or 2); with any, `r0` is the counter and never written.
    rec_sites: u32,
    /// Recursion sites only on the function's top-level path, never under an `if`
    /// (for the recursion of a planted `call_depth` hazard, which must be reached).
    recursion_always: bool,
    /// The function's first instruction is a loop header.
    entry_loop: bool,
    /// A few instructions without loops: a callee the native tier may translate into
    /// its callers.
    tiny: bool,
    /// Instructions to aim for.
    len_cap: usize,
    /// The most instructions one invocation may execute (recursion excluded).
    fuel_cap: u64,
    zero: u8,
    base: u8,
    temp: u8,
    loops: [u8; 3],
    entry: u8,
    /// Scratch registers `scratch.0..scratch.1`.
    scratch: (u32, u32),
}

/// What the whole program shares while its functions are generated.
struct Shared {
    wild: bool,
    sigs: Vec<Sig>,
    /// Per function: instructions one invocation executes at most, recursion excluded
    /// (known once the function is generated; callees are generated first).
    level_cost: Vec<u64>,
    mem_size: u64,
    max_memory: u64,
    data: Vec<DataSegment>,
}

impl Shared {
    /// Upper bound on the instructions a call of `func` with recursion counter `k`
    /// executes.
    fn total_cost(&self, func: usize, k: u64) -> u64 {
        let level = self.level_cost[func];
        match self.sigs[func].rec_sites {
            0 => level,
            1 => level.saturating_mul(k.saturating_add(1)),
            _ => {
                let calls = 1u64
                    .checked_shl(k.saturating_add(1).min(63) as u32)
                    .unwrap_or(u64::MAX)
                    - 1;
                level.saturating_mul(calls)
            }
        }
    }

    /// The largest counter whose call fits in `budget` (None if not even 0 fits).
    fn max_counter(&self, func: usize, budget: u64) -> Option<u64> {
        if self.total_cost(func, 0) > budget {
            return None;
        }
        let cap = match self.sigs[func].rec_sites {
            0 => 0,
            1 => MAX_CALM_COUNTER,
            _ => 12,
        };
        // Costs grow with k: walk up (by doubling, then one by one) while they fit.
        let mut k = 0;
        let mut step = 1;
        while k < cap {
            let next = (k + step).min(cap);
            if self.total_cost(func, next) <= budget {
                k = next;
                step *= 2;
            } else if step == 1 {
                break;
            } else {
                step = 1;
            }
        }
        Some(k)
    }
}

impl Program {
    /// The program of `seed`: the same seed always gives the same program.
    pub fn generate(seed: u64) -> Program {
        let mut rng = Rng::new(seed);
        let wild = chance(&mut rng, 25);
        let hazard = if !wild && chance(&mut rng, 35) {
            Some(rng.pick(&Hazard::ALL))
        } else {
            None
        };
        let mut nfuncs = 1 + rng.below(6) as usize;
        if hazard == Some(Hazard::CallDepth) {
            nfuncs = nfuncs.max(2);
        }
        let mem_size = rng.pick(&[64u64, 128, 256, 1024, 4096, 65536]);
        let data = data_segments(&mut rng, mem_size);
        let sigs = signatures(&mut rng, nfuncs, hazard);
        let mut limits = Limits {
            max_call_depth: DEFAULT_CALL_DEPTH,
            max_stack_registers: 1 << 24,
            max_memory: mem_size + (1 << 18),
            native_stack: if chance(&mut rng, 30) {
                rng.pick(&[0, 2048, 8192, 32768]) + rng.below(4096)
            } else {
                adead_vm::Config::default().native_stack
            },
        };
        if wild {
            if chance(&mut rng, 25) {
                limits.max_call_depth = 2 + rng.below(40) as u32;
            }
            if chance(&mut rng, 15) {
                limits.max_stack_registers = u64::from(sigs[0].regs) + 64 + rng.below(4096);
            }
            if chance(&mut rng, 30) {
                limits.max_memory = rng.pick(&[mem_size, mem_size + 65536, 1 << 20]);
            }
        }
        if hazard == Some(Hazard::CallDepth) {
            // The recursion of the last function runs into the limit after at most
            // 500 levels of at most 150 instructions each: far below the fuel bound.
            let last = &sigs[nfuncs - 1];
            if chance(&mut rng, 50) {
                limits.max_call_depth = 2 + rng.below(40) as u32;
            } else {
                limits.max_stack_registers =
                    u64::from(sigs[0].regs) + u64::from(last.regs) * (1 + rng.below(500));
            }
        }
        let mut shared = Shared {
            wild,
            sigs,
            level_cost: vec![0; nfuncs],
            mem_size,
            max_memory: limits.max_memory,
            data,
        };
        // Half of the hazards go into a callee that `main` calls on its top-level path
        // (other callers may reach it first: the trap is the same).
        let host = match (hazard, nfuncs) {
            (Some(Hazard::CallDepth), 3..) if chance(&mut rng, 50) => {
                1 + rng.below(nfuncs as u64 - 2) as usize
            }
            (Some(Hazard::CallDepth), _) | (None, _) | (_, 1) => 0,
            (Some(_), _) if chance(&mut rng, 50) => 1 + rng.below(nfuncs as u64 - 1) as usize,
            _ => 0,
        };
        let mut bodies = vec![Vec::new(); nfuncs];
        let mut main_halts = false;
        for index in (0..nfuncs).rev() {
            let plant = match hazard {
                Some(hazard) if index == host => Some(Plant::Hazard(hazard)),
                Some(_) if index == 0 => Some(Plant::CallTo(host)),
                _ => None,
            };
            let mut body = FnGen::new(&mut rng, &shared, index, plant);
            let cost = body.function();
            main_halts |= index == 0 && body.main_halts;
            bodies[index] = body.b.finish();
            shared.level_cost[index] = cost;
        }
        let mut module = Module::new();
        module.memory_size = mem_size as u32;
        module.entry = Some(0);
        module.imports = IMPORTS
            .iter()
            .map(|name| Import {
                name: (*name).to_string(),
                params: 1,
            })
            .collect();
        module.data = shared.data;
        for (index, (sig, body)) in shared.sigs.iter().zip(bodies).enumerate() {
            module.functions.push(Function {
                name: if index == 0 {
                    "main".to_string()
                } else {
                    format!("f{index}")
                },
                entry: module.code.len() as u32,
                len: body.len() as u32,
                regs: sig.regs,
                params: sig.params,
            });
            module.code.extend(body);
        }
        let intent = match (wild, hazard) {
            (true, _) => Intent::Unknown,
            (false, Some(hazard)) => hazard.intent(),
            (false, None) if main_halts => Intent::Halt,
            (false, None) => Intent::Return,
        };
        Program {
            seed,
            module,
            limits,
            wild,
            hazard,
            intent,
        }
    }
}

fn chance(rng: &mut Rng, percent: u64) -> bool {
    rng.below(100) < percent
}

/// Zero to two initialised segments inside the initial memory, in address order.
fn data_segments(rng: &mut Rng, mem_size: u64) -> Vec<DataSegment> {
    let mut segments = Vec::new();
    let mut next = rng.below(mem_size / 4);
    for index in 0..rng.below(3) {
        let room = mem_size.saturating_sub(next);
        if room < 2 {
            break;
        }
        let len = 1 + rng.below(room.min(96) - 1);
        let bytes = (0..len)
            .map(|_| match rng.below(4) {
                0 => 0,
                1 => 0xff,
                _ => rng.next_u64() as u8,
            })
            .collect();
        segments.push(DataSegment {
            name: format!("d{index}"),
            offset: next as u32,
            bytes,
        });
        next += len + rng.below(32);
        if next >= mem_size {
            break;
        }
    }
    segments
}

/// The signatures and frame layouts of `nfuncs` functions.
fn signatures(rng: &mut Rng, nfuncs: usize, hazard: Option<Hazard>) -> Vec<Sig> {
    let mut params: Vec<u32> = (0..nfuncs)
        .map(|index| {
            if index == 0 {
                0
            } else {
                rng.pick(&[0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 10, MAX_PARAMS])
            }
        })
        .collect();
    let mut rec_sites: Vec<u32> = (0..nfuncs)
        .map(|index| {
            if index > 0 && chance(rng, 35) {
                if chance(rng, 25) { 2 } else { 1 }
            } else {
                0
            }
        })
        .collect();
    if hazard == Some(Hazard::CallDepth) {
        rec_sites[nfuncs - 1] = 1;
    }
    for (p, &sites) in params.iter_mut().zip(&rec_sites) {
        if sites > 0 {
            *p = (*p).max(1);
        }
    }
    (0..nfuncs)
        .map(|index| {
            let p = params[index];
            // Every call's arguments, a recursion site's included, are a run of the
            // caller's scratch registers.
            let mut widest = params[index + 1..].iter().copied().max().unwrap_or(0);
            if rec_sites[index] > 0 {
                widest = widest.max(p);
            }
            let needed = (widest + 1).max(6);
            let scratch_count = if chance(rng, 15) {
                256 - p - RESERVED
            } else {
                needed + rng.below(20) as u32
            };
            let regs = p + RESERVED + scratch_count;
            let (reserved_at, scratch) = if chance(rng, 50) {
                (p, (p + RESERVED, regs))
            } else {
                (regs - RESERVED, (p, regs - RESERVED))
            };
            let reg = |offset: u32| (reserved_at + offset) as u8;
            let mut fuel_cap = if index == 0 {
                (200 << rng.below(9)).min(CALM_FUEL)
            } else {
                20 << rng.below(8)
            };
            if hazard == Some(Hazard::CallDepth) && index == nfuncs - 1 {
                fuel_cap = fuel_cap.min(150);
            }
            let tiny = index > 0 && chance(rng, 30);
            Sig {
                params: p,
                regs,
                rec_sites: rec_sites[index],
                recursion_always: hazard == Some(Hazard::CallDepth) && index == nfuncs - 1,
                entry_loop: !tiny && chance(rng, 20),
                tiny,
                // Small, so that compiling them (about 40 us per instruction) leaves
                // time to run them: compilation dominates the fuzzer's time.
                len_cap: match (index, rng.below(10)) {
                    _ if tiny => 1 + rng.below(16) as usize,
                    (0, 0..=6) => 16 + rng.below(64) as usize,
                    (0, _) => 80 + rng.below(120) as usize,
                    (_, 0..=7) => 6 + rng.below(50) as usize,
                    _ => 56 + rng.below(60) as usize,
                },
                fuel_cap,
                zero: reg(0),
                base: reg(1),
                temp: reg(2),
                loops: [reg(3), reg(4), reg(5)],
                entry: reg(6),
                scratch,
            }
        })
        .collect()
}

const INT_CONSTANTS: [i64; 24] = [
    0,
    1,
    -1,
    2,
    7,
    63,
    64,
    65,
    127,
    128,
    200,
    -64,
    i64::MIN,
    i64::MAX,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff,
    -0x8000_0000,
    0x1_0000_0000,
    0xff,
    0x8000,
    0x7ff8_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0x7fc0_0000,
];

const IMM_CONSTANTS: [i32; 14] = [
    0,
    1,
    -1,
    3,
    63,
    64,
    65,
    100,
    -100,
    i32::MIN,
    i32::MAX,
    0xff,
    0x7fff,
    -0x8000,
];

const F64_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0000, // +0
    0x8000_0000_0000_0000, // -0
    0x3ff0_0000_0000_0000, // 1
    0xbff8_0000_0000_0000, // -1.5
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // canonical NaN
    0x7ff0_0000_0000_0001, // signalling NaN, payload 1
    0xfff8_0000_0000_0123, // negative quiet NaN with a payload
    0x7ff4_0000_0000_0000, // signalling NaN, high payload
    0x0000_0000_0000_0001, // smallest subnormal
    0x000f_ffff_ffff_ffff, // largest subnormal
    0x0010_0000_0000_0000, // smallest normal
    0x7fef_ffff_ffff_ffff, // largest finite
    0x4340_0000_0000_0001, // 2^53 + 2
    0x3fe0_0000_0000_0000, // 0.5
    0x4004_0000_0000_0000, // 2.5 (a tie for fnearest)
    0xc004_0000_0000_0000, // -2.5
    0x43e0_0000_0000_0000, // 2^63 (f2i saturates)
    0xc3e0_0000_0000_0000, // -2^63
    0x43f0_0000_0000_0000, // 2^64 (f2u saturates)
    0x41df_ffff_ffc0_0000, // 2^31 - 1
    0x3ff8_0000_0000_0000, // 1.5
    0xc08f_4000_0000_0000, // -1000
];

const F32_CONSTANTS: [u32; 22] = [
    0x0000_0000, // +0
    0x8000_0000, // -0
    0x3f80_0000, // 1
    0xbfc0_0000, // -1.5
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x7fc0_0000, // canonical NaN
    0x7f80_0001, // signalling NaN
    0xffc0_0123, // negative quiet NaN with a payload
    0x0000_0001, // smallest subnormal
    0x007f_ffff, // largest subnormal
    0x0080_0000, // smallest normal
    0x7f7f_ffff, // largest finite
    0x3f00_0000, // 0.5
    0x4020_0000, // 2.5
    0xc020_0000, // -2.5
    0x5f00_0000, // 2^63
    0xdf00_0000, // -2^63
    0x5f80_0000, // 2^64
    0x4f00_0000, // 2^31
    0x4b80_0001, // 2^24 + 2
    0x3fc0_0000, // 1.5
];

/// The generator of one function's body.
struct FnGen<'a> {
    rng: &'a mut Rng,
    shared: &'a Shared,
    index: usize,
    sig: Sig,
    b: Builder,
    writable: Vec<u8>,
    ints: Vec<u8>,
    f64s: Vec<u8>,
    f32s: Vec<u8>,
    /// The address the base register holds.
    base_addr: u64,
    loop_depth: usize,
    if_depth: usize,
    rec_sites_left: u32,
    /// What is still to plant, and the length at which to plant it.
    plant: Option<(Plant, usize)>,
    /// `main`'s last instruction is a halt.
    main_halts: bool,
}

impl<'a> FnGen<'a> {
    fn new(rng: &'a mut Rng, shared: &'a Shared, index: usize, plant: Option<Plant>) -> Self {
        let sig = shared.sigs[index].clone();
        let counter = (sig.rec_sites > 0).then_some(0u8);
        let mut writable: Vec<u8> = (sig.scratch.0..sig.scratch.1)
            .map(|reg| reg as u8)
            .collect();
        writable.extend(
            (0..sig.params)
                .map(|reg| reg as u8)
                .filter(|&reg| Some(reg) != counter),
        );
        // Typed pools: disjoint while there are enough registers, so that some registers
        // are only ever used as one float type (which the native tier may keep in a float
        // register), while random picks outside the pools mix types.
        let mut shuffled = writable.clone();
        for i in (1..shuffled.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            shuffled.swap(i, j);
        }
        let wide = shuffled.len() > 40;
        let sizes = [
            3 + rng.below(if wide { 12 } else { 6 }) as usize,
            2 + rng.below(if wide { 8 } else { 4 }) as usize,
            2 + rng.below(if wide { 8 } else { 4 }) as usize,
        ];
        let mut cursor = 0;
        let mut take = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    let reg = shuffled[cursor % shuffled.len()];
                    cursor += 1;
                    reg
                })
                .collect()
        };
        let ints = take(sizes[0]);
        let f64s = take(sizes[1]);
        let f32s = take(sizes[2]);
        let base_addr = rng.below(shared.mem_size);
        let plant = plant.map(|plant| (plant, rng.below(sig.len_cap as u64) as usize));
        FnGen {
            rng,
            shared,
            index,
            rec_sites_left: sig.rec_sites,
            sig,
            b: Builder::default(),
            writable,
            ints,
            f64s,
            f32s,
            base_addr,
            loop_depth: 0,
            if_depth: 0,
            plant,
            main_halts: false,
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        chance(self.rng, percent)
    }

    fn wild(&self) -> bool {
        self.shared.wild
    }

    /// The whole function; returns the most instructions one invocation executes
    /// (recursive calls excluded).
    fn function(&mut self) -> u64 {
        let mut fuel = self.sig.fuel_cap;
        let mut cost = 0;
        if self.sig.entry_loop {
            cost += self.entry_loop(fuel / 2);
        } else {
            cost += self.preamble();
        }
        fuel = fuel.saturating_sub(cost);
        let len = self.sig.len_cap.saturating_sub(self.b.len()).max(2);
        cost += self.block(len, fuel.saturating_sub(8));
        while let Some((plant, _)) = self.plant.take() {
            cost += self.planted(plant, fuel.saturating_sub(cost));
        }
        while self.rec_sites_left > 0 {
            cost += self.recursion_site();
        }
        cost + self.terminator()
    }

    /// Sets the base register: the only write it ever gets.
    fn preamble(&mut self) -> u64 {
        let segment = self
            .shared
            .data
            .iter()
            .position(|segment| u64::from(segment.offset) == self.base_addr);
        let data_here = if self.shared.data.is_empty() || !self.chance(50) {
            segment
        } else {
            let index = self.rng.below(self.shared.data.len() as u64) as usize;
            self.base_addr = u64::from(self.shared.data[index].offset);
            Some(index)
        };
        match data_here {
            Some(index) => self.b.emit(
                Opcode::MoviData,
                &[
                    r(self.sig.base),
                    Arg::Value(OperandValue::Data(index as u32)),
                ],
            ),
            None => self.b.emit(
                Opcode::Movi,
                &[r(self.sig.base), imm64(self.base_addr as i64)],
            ),
        }
        1 + self.prologue()
    }

    /// Interesting constants (NaN payloads, -0, infinities, subnormals, extremes) in
    /// about half of the pool registers that are not parameters.
    fn prologue(&mut self) -> u64 {
        let (lo, hi) = self.sig.scratch;
        let mut cost = 0;
        for (ty, pool) in [
            (Ty::Int, self.ints.clone()),
            (Ty::F64, self.f64s.clone()),
            (Ty::F32, self.f32s.clone()),
        ] {
            for reg in pool {
                let percent = if self.sig.tiny { 15 } else { 50 };
                if !(lo..hi).contains(&u32::from(reg)) || !self.chance(percent) {
                    continue;
                }
                self.constant_into(ty, reg);
                cost += 1;
            }
        }
        cost
    }

    /// A constant of type `ty` into `d`.
    fn constant_into(&mut self, ty: Ty, d: u8) {
        match ty {
            Ty::F64 => {
                let bits = if self.chance(15) {
                    self.rng.next_u64()
                } else {
                    self.rng.pick(&F64_CONSTANTS)
                };
                self.b
                    .emit(Opcode::Fmovi, &[r(d), Arg::Value(OperandValue::F64(bits))]);
            }
            Ty::F32 => {
                let bits = if self.chance(15) {
                    self.rng.next_u64() as u32
                } else {
                    self.rng.pick(&F32_CONSTANTS)
                };
                self.b.emit(
                    Opcode::FmoviF32,
                    &[r(d), Arg::Value(OperandValue::F32(bits))],
                );
            }
            Ty::Int => {
                let value = self.int_constant();
                self.b.emit(Opcode::Movi, &[r(d), imm64(value)]);
            }
        }
    }

    /// A loop whose header is instruction 0, counting the reserved entry register up
    /// from 0 (every invocation's frame starts it at 0).
    fn entry_loop(&mut self, fuel: u64) -> u64 {
        let n = 1 + self.rng.below(6);
        let e = self.sig.entry;
        let t = self.sig.temp;
        let top_tested = self.chance(50);
        let head = self.b.here();
        let exit = self.b.label();
        let overhead = if top_tested { 5 } else { 4 };
        if top_tested {
            self.b.emit(Opcode::Movi, &[r(t), imm64(n as i64)]);
            self.b.emit(Opcode::Bge, &[r(e), r(t), label(exit)]);
        }
        let preamble = self.preamble();
        self.loop_depth += 1;
        let len = (self.sig.len_cap / 2).max(2);
        let body = preamble + self.block(len, (fuel / n).saturating_sub(overhead + preamble));
        self.loop_depth -= 1;
        self.b.emit(Opcode::Addi, &[r(e), r(e), imm(1)]);
        if top_tested {
            self.b.emit(Opcode::Jmp, &[label(head)]);
        } else {
            self.b.emit(Opcode::Movi, &[r(t), imm64(n as i64)]);
            self.b.emit(Opcode::Blt, &[r(e), r(t), label(head)]);
        }
        self.b.bind(exit);
        n * (body + overhead) + 2
    }

    /// The function's end: mostly a digest of its registers, then `ret` (or, in
    /// `main`, sometimes `halt`).
    fn terminator(&mut self) -> u64 {
        let mut cost = 1;
        let digest = if self.sig.tiny { 20 } else { 80 };
        let result = if self.chance(digest) {
            let (acc, spent) = self.digest();
            cost += spent;
            if self.index == 0 {
                let d = self.dst(Ty::Int);
                self.b.emit(
                    Opcode::Hcall,
                    &[
                        r(d),
                        Arg::Value(OperandValue::Import(1)),
                        r(acc),
                        Arg::Value(OperandValue::Count(1)),
                    ],
                );
                cost += 1;
            }
            acc
        } else {
            let ty = self.ty();
            self.src(ty)
        };
        if self.index == 0 {
            match self.rng.below(10) {
                0 => {
                    self.b.emit(Opcode::Halt, &[]);
                    self.main_halts = true;
                }
                1 => {
                    self.b.emit(Opcode::HaltReg, &[r(result)]);
                    self.main_halts = true;
                }
                2 if self.wild() => {
                    let code = self.rng.next_u64() as i32;
                    self.b.emit(Opcode::Trap, &[imm(code)]);
                }
                _ => self.b.emit(Opcode::Ret, &[r(result)]),
            }
        } else {
            self.b.emit(Opcode::Ret, &[r(result)]);
        }
        cost
    }

    /// Makes the final value of every pool register observable: the integers are
    /// folded into the temporary (returned, and printed by `main`), the floats stored
    /// with their own type's store (so that a register kept in a float register stays
    /// one) into memory, which every run compares. Returns the accumulator.
    fn digest(&mut self) -> (u8, u64) {
        let t = self.sig.temp;
        let mut cost = 1;
        self.b.emit(Opcode::Movi, &[r(t), imm64(0)]);
        let mut seen = Vec::new();
        for reg in self.ints.clone() {
            if seen.contains(&reg) {
                continue;
            }
            seen.push(reg);
            self.b.emit(Opcode::Xor, &[r(t), r(t), r(reg)]);
            self.b.emit(Opcode::Muli, &[r(t), r(t), imm(0x0100_0193)]);
            cost += 2;
        }
        let slots = self.shared.mem_size - 7;
        let area = self.rng.below(slots);
        let floats: Vec<(u8, Opcode)> = self
            .f64s
            .iter()
            .map(|&reg| (reg, Opcode::Fst64))
            .chain(self.f32s.iter().map(|&reg| (reg, Opcode::Fst32)))
            .collect();
        for (slot, (reg, op)) in floats.into_iter().enumerate() {
            if seen.contains(&reg) {
                continue;
            }
            seen.push(reg);
            let addr = (area + 8 * slot as u64) % slots;
            let off = addr as i64 - self.base_addr as i64;
            self.b
                .emit(op, &[r(self.sig.base), imm(off as i32), r(reg)]);
            cost += 1;
        }
        (t, cost)
    }

    fn ret(&mut self) {
        let ty = self.ty();
        let reg = self.src(ty);
        self.b.emit(Opcode::Ret, &[r(reg)]);
    }

    fn ty(&mut self) -> Ty {
        match self.rng.below(4) {
            0 | 1 => Ty::Int,
            2 => Ty::F64,
            _ => Ty::F32,
        }
    }

    fn pooled(&mut self, ty: Ty) -> u8 {
        let pool = match ty {
            Ty::Int => &self.ints,
            Ty::F64 => &self.f64s,
            Ty::F32 => &self.f32s,
        };
        pool[self.rng.below(pool.len() as u64) as usize]
    }

    /// A register to read as `ty`: mostly from its pool, sometimes any register of the
    /// frame (a reserved one, a parameter, a never-written zero, another type's value).
    fn src(&mut self, ty: Ty) -> u8 {
        match self.rng.below(20) {
            0..=15 => self.pooled(ty),
            16..=17 => self.rng.pick(&self.writable),
            _ => self.rng.below(u64::from(self.sig.regs)) as u8,
        }
    }

    /// A register to write as `ty`: mostly from its pool, sometimes any writable one.
    fn dst(&mut self, ty: Ty) -> u8 {
        if self.chance(85) {
            self.pooled(ty)
        } else {
            self.rng.pick(&self.writable)
        }
    }

    /// `n` distinct writable registers.
    fn distinct(&mut self, n: usize) -> Vec<u8> {
        let mut regs: Vec<u8> = Vec::with_capacity(n);
        while regs.len() < n {
            let reg = self.rng.pick(&self.writable);
            if !regs.contains(&reg) {
                regs.push(reg);
            }
        }
        regs
    }

    fn int_constant(&mut self) -> i64 {
        match self.rng.below(4) {
            0 => self.rng.next_u64() as i64,
            1 => self.rng.below(201) as i64 - 100,
            _ => self.rng.pick(&INT_CONSTANTS),
        }
    }

    fn imm_constant(&mut self) -> i32 {
        match self.rng.below(3) {
            0 => self.rng.next_u64() as i32,
            _ => self.rng.pick(&IMM_CONSTANTS),
        }
    }

    /// Statements until the block has about `len` instructions, or its fuel is spent;
    /// returns the most instructions one pass through it executes.
    fn block(&mut self, len: usize, fuel: u64) -> u64 {
        let end = self.b.len() + len;
        let mut used = 0;
        while self.b.len() < end {
            if let Some((plant, at)) = self.plant
                && self.loop_depth == 0
                && self.if_depth == 0
                && self.b.len() >= at
            {
                self.plant = None;
                used += self.planted(plant, fuel.saturating_sub(used));
                continue;
            }
            let left = fuel.saturating_sub(used);
            if left < 12 {
                break;
            }
            used += self.statement(left, end.saturating_sub(self.b.len()).max(1));
        }
        used
    }

    fn statement(&mut self, fuel: u64, len: usize) -> u64 {
        let can_nest = len >= 4 && fuel >= 30;
        let nest_if = can_nest && self.if_depth < 3;
        let nest_loop = can_nest && self.loop_depth < 3 && !self.sig.tiny;
        let callees = self.index + 1 < self.shared.sigs.len();
        let recurse = self.rec_sites_left > 0
            && self.loop_depth == 0
            && (self.if_depth == 0 || !self.sig.recursion_always);
        let on = |condition: bool, weight: u64| if condition { weight } else { 0 };
        // (weight, statement kind)
        let weights: [(u64, u8); 16] = [
            (24, 0),                  // integer
            (10, 1),                  // f64
            (9, 2),                   // f32
            (6, 3),                   // conversions
            (5, 4),                   // mov across types
            (7, 5),                   // constants
            (10, 6),                  // loads and stores
            (3, 7),                   // msize, mcopy, mfill
            (3, 8),                   // alloc and free
            (4, 9),                   // prints
            (on(nest_if, 7), 10),     // if
            (on(nest_loop, 7), 11),   // loop
            (on(callees, 8), 12),     // call
            (on(recurse, 4), 13),     // recursion site
            (3, 14),                  // division
            (on(self.wild(), 4), 15), // wild hazard
        ];
        let total: u64 = weights.iter().map(|&(w, _)| w).sum();
        let mut roll = self.rng.below(total);
        let mut kind = 0;
        for &(weight, k) in &weights {
            if roll < weight {
                kind = k;
                break;
            }
            roll -= weight;
        }
        match kind {
            0 => self.integer(),
            1 => self.float(Ty::F64),
            2 => self.float(Ty::F32),
            3 => self.conversion(),
            4 => self.mov(),
            5 => self.constant(),
            6 => self.memory(),
            7 => self.range(),
            8 => self.alloc(),
            9 => self.print(),
            10 => self.if_stmt(fuel, len),
            11 => self.loop_stmt(fuel, len),
            12 => self.call(fuel),
            13 => self.recursion_site(),
            14 => self.division(),
            _ => self.wild_hazard(fuel),
        }
    }

    fn integer(&mut self) -> u64 {
        use Opcode::*;
        match self.rng.below(6) {
            0 => {
                let op = self
                    .rng
                    .pick(&[Add, Sub, Mul, And, Or, Xor, Shl, Shr, Sar, Rotl, Rotr]);
                let (a, b) = (self.src(Ty::Int), self.src(Ty::Int));
                let d = self.dst(Ty::Int);
                self.b.emit(op, &[r(d), r(a), r(b)]);
            }
            1 => {
                let op = self
                    .rng
                    .pick(&[Addi, Muli, Andi, Ori, Xori, Shli, Shri, Sari]);
                let a = self.src(Ty::Int);
                let d = self.dst(Ty::Int);
                let value = self.imm_constant();
                self.b.emit(op, &[r(d), r(a), imm(value)]);
            }
            2 => {
                let op = self.rng.pick(&[
                    Neg, Not, Clz, Ctz, Popcnt, Sext8, Sext16, Sext32, Zext8, Zext16, Zext32,
                ]);
                let a = self.src(Ty::Int);
                let d = self.dst(Ty::Int);
                self.b.emit(op, &[r(d), r(a)]);
            }
            3 => {
                let op = self.rng.pick(&[Seq, Sne, Slt, Sle, Sltu, Sleu]);
                let (a, b) = (self.src(Ty::Int), self.src(Ty::Int));
                let d = self.dst(Ty::Int);
                self.b.emit(op, &[r(d), r(a), r(b)]);
            }
            4 => {
                let ty = self.ty();
                let cond = self.src(Ty::Int);
                let (a, b) = (self.src(ty), self.src(ty));
                let d = self.dst(ty);
                self.b.emit(Select, &[r(d), r(cond), r(a), r(b)]);
            }
            _ => {
                let d = self.dst(Ty::Int);
                let value = self.int_constant();
                self.b.emit(Movi, &[r(d), imm64(value)]);
            }
        }
        1
    }

    fn float(&mut self, ty: Ty) -> u64 {
        use Opcode::*;
        let f32 = ty == Ty::F32;
        match self.rng.below(4) {
            0 => {
                let op = if f32 {
                    self.rng.pick(&[
                        FaddF32,
                        FsubF32,
                        FmulF32,
                        FdivF32,
                        FminF32,
                        FmaxF32,
                        FcopysignF32,
                    ])
                } else {
                    self.rng
                        .pick(&[Fadd, Fsub, Fmul, Fdiv, Fmin, Fmax, Fcopysign])
                };
                let (a, b) = (self.src(ty), self.src(ty));
                let d = self.dst(ty);
                self.b.emit(op, &[r(d), r(a), r(b)]);
            }
            1 => {
                let op = if f32 {
                    self.rng.pick(&[
                        FsqrtF32,
                        FnegF32,
                        FabsF32,
                        FfloorF32,
                        FceilF32,
                        FtruncF32,
                        FnearestF32,
                    ])
                } else {
                    self.rng
                        .pick(&[Fsqrt, Fneg, Fabs, Ffloor, Fceil, Ftrunc, Fnearest])
                };
                let a = self.src(ty);
                let d = self.dst(ty);
                self.b.emit(op, &[r(d), r(a)]);
            }
            2 => {
                let op = if f32 { FfmaF32 } else { Ffma };
                let (a, b, c) = (self.src(ty), self.src(ty), self.src(ty));
                let d = self.dst(ty);
                self.b.emit(op, &[r(d), r(a), r(b), r(c)]);
            }
            _ => {
                let op = if f32 {
                    self.rng.pick(&[FeqF32, FltF32, FleF32])
                } else {
                    self.rng.pick(&[Feq, Flt, Fle])
                };
                let (a, b) = (self.src(ty), self.src(ty));
                let d = self.dst(Ty::Int);
                self.b.emit(op, &[r(d), r(a), r(b)]);
            }
        }
        1
    }

    fn conversion(&mut self) -> u64 {
        use Opcode::*;
        let (op, from, to) = self.rng.pick(&[
            (I2f, Ty::Int, Ty::F64),
            (U2f, Ty::Int, Ty::F64),
            (F2i, Ty::F64, Ty::Int),
            (F2u, Ty::F64, Ty::Int),
            (I2fF32, Ty::Int, Ty::F32),
            (U2fF32, Ty::Int, Ty::F32),
            (F2iF32, Ty::F32, Ty::Int),
            (F2uF32, Ty::F32, Ty::Int),
            (Fpromote, Ty::F32, Ty::F64),
            (Fdemote, Ty::F64, Ty::F32),
        ]);
        let a = self.src(from);
        let d = self.dst(to);
        self.b.emit(op, &[r(d), r(a)]);
        1
    }

    /// `mov` from a register of one type into one used as another.
    fn mov(&mut self) -> u64 {
        let (from, to) = (self.ty(), self.ty());
        let a = self.src(from);
        let d = self.dst(to);
        self.b.emit(Opcode::Mov, &[r(d), r(a)]);
        1
    }

    fn constant(&mut self) -> u64 {
        match self.rng.below(4) {
            2 if !self.shared.data.is_empty() => {
                let d = self.dst(Ty::Int);
                let index = self.rng.below(self.shared.data.len() as u64) as u32;
                self.b.emit(
                    Opcode::MoviData,
                    &[r(d), Arg::Value(OperandValue::Data(index))],
                );
            }
            roll => {
                let ty = [Ty::F64, Ty::F32, Ty::Int, Ty::Int][roll as usize];
                let d = self.dst(ty);
                self.constant_into(ty, d);
            }
        }
        1
    }

    /// A load or store: `(opcode, width, is a store, register type)`.
    fn access(&mut self) -> (Opcode, u64, bool, Ty) {
        use Opcode::*;
        self.rng.pick(&[
            (Ld64, 8, false, Ty::Int),
            (Ld8u, 1, false, Ty::Int),
            (Ld8s, 1, false, Ty::Int),
            (Ld16u, 2, false, Ty::Int),
            (Ld16s, 2, false, Ty::Int),
            (Ld32u, 4, false, Ty::Int),
            (Ld32s, 4, false, Ty::Int),
            (Fld32, 4, false, Ty::F32),
            (Fld64, 8, false, Ty::F64),
            (St64, 8, true, Ty::Int),
            (St8, 1, true, Ty::Int),
            (St16, 2, true, Ty::Int),
            (St32, 4, true, Ty::Int),
            (Fst32, 4, true, Ty::F32),
            (Fst64, 8, true, Ty::F64),
        ])
    }

    fn emit_access(&mut self, (op, _, store, ty): (Opcode, u64, bool, Ty), addr: u8, off: i32) {
        // The value register: mostly of the access's type, sometimes another.
        let ty = if self.chance(85) { ty } else { self.ty() };
        if store {
            let value = self.src(ty);
            self.b.emit(op, &[r(addr), imm(off), r(value)]);
        } else {
            let d = self.dst(ty);
            self.b.emit(op, &[r(d), r(addr), imm(off)]);
        }
    }

    /// An in-bounds address of the initial memory for `width` bytes, biased toward
    /// the data, the edges and unaligned addresses.
    fn in_bounds(&mut self, width: u64) -> u64 {
        let last = self.shared.mem_size - width;
        match self.rng.below(5) {
            0 => last,
            1 => self.rng.below(width.min(last + 1)),
            2 if !self.shared.data.is_empty() => {
                let segment = self.rng.pick(&self.shared.data.iter().collect::<Vec<_>>());
                (u64::from(segment.offset) + self.rng.below(16)).min(last)
            }
            _ => self.rng.below(last + 1),
        }
    }

    fn memory(&mut self) -> u64 {
        let access = self.access();
        let width = access.1;
        if self.chance(30) && self.shared.mem_size >= 32 {
            // A data-dependent address: a multiple of 16 below the end, plus an offset
            // that keeps all `width` bytes inside.
            let x = self.src(Ty::Int);
            let mask = (self.shared.mem_size - 16) as i32;
            let off = self.rng.below(17 - width) as i32;
            let (op, _, store, ty) = access;
            if self.chance(25) && ty == Ty::Int {
                // The address register is also the loaded or stored value.
                let p = self.dst(Ty::Int);
                self.b.emit(Opcode::Andi, &[r(p), r(x), imm(mask)]);
                if store {
                    self.b.emit(op, &[r(p), imm(off), r(p)]);
                } else {
                    self.b.emit(op, &[r(p), r(p), imm(off)]);
                }
            } else {
                let t = self.sig.temp;
                self.b.emit(Opcode::Andi, &[r(t), r(x), imm(mask)]);
                self.emit_access(access, t, off);
            }
            return 2;
        }
        let addr = self.in_bounds(width);
        let off = addr as i64 - self.base_addr as i64;
        self.emit_access(access, self.sig.base, off as i32);
        1
    }

    fn range(&mut self) -> u64 {
        let mem = self.shared.mem_size;
        match self.rng.below(3) {
            0 => {
                let d = self.dst(Ty::Int);
                self.b.emit(Opcode::MemSize, &[r(d)]);
                1
            }
            1 => {
                let regs = self.distinct(2);
                let len = self.rng.below(mem.min(80) + 1);
                let dst = self.rng.below(mem - len + 1);
                let value = self.src(Ty::Int);
                self.b.emit(Opcode::Movi, &[r(regs[0]), imm64(dst as i64)]);
                self.b.emit(Opcode::Movi, &[r(regs[1]), imm64(len as i64)]);
                self.b
                    .emit(Opcode::MemFill, &[r(regs[0]), r(value), r(regs[1])]);
                3 + work_fuel(len)
            }
            _ => {
                let regs = self.distinct(3);
                let len = self.rng.below(mem.min(80) + 1);
                let dst = self.rng.below(mem - len + 1);
                let src = self.rng.below(mem - len + 1);
                self.b.emit(Opcode::Movi, &[r(regs[0]), imm64(dst as i64)]);
                self.b.emit(Opcode::Movi, &[r(regs[1]), imm64(src as i64)]);
                self.b.emit(Opcode::Movi, &[r(regs[2]), imm64(len as i64)]);
                self.b
                    .emit(Opcode::MemCopy, &[r(regs[0]), r(regs[1]), r(regs[2])]);
                4 + work_fuel(len)
            }
        }
    }

    /// `alloc`, a few accesses inside the block, `free`: at most one block is live at a
    /// time, so a calm program never runs out of memory.
    fn alloc(&mut self) -> u64 {
        if self.chance(25) {
            return self.grow();
        }
        let t = self.sig.temp;
        let p = self.dst(Ty::Int);
        let size = 1 + self.rng.below(256);
        self.b.emit(Opcode::Movi, &[r(t), imm64(size as i64)]);
        self.b.emit(Opcode::Alloc, &[r(p), r(t)]);
        let mut cost = 3 + work_fuel(size);
        for _ in 0..self.rng.below(4) {
            let access = self.access();
            let width = access.1;
            if width > size {
                continue;
            }
            let off = self.rng.below(size - width + 1) as i32;
            // The value register must not be the block's own address (a load into it
            // would lose the address `free` needs).
            let (op, _, store, ty) = access;
            if store {
                let value = self.src(ty);
                self.b.emit(op, &[r(p), imm(off), r(value)]);
            } else {
                let d = self.dst(ty);
                if d == p {
                    continue;
                }
                self.b.emit(op, &[r(d), r(p), imm(off)]);
            }
            cost += 1;
        }
        if self.chance(30) {
            let value = self.src(Ty::Int);
            self.b.emit(Opcode::MemFill, &[r(p), r(value), r(t)]);
            cost += 1 + work_fuel(size);
        }
        self.b.emit(Opcode::Free, &[r(p)]);
        cost
    }

    /// An `alloc` as large as the initial memory (which makes memory grow to at least
    /// twice its size), an access past the initial end in the same straight-line run
    /// (so that native code, which checks a run's accesses on entry against the memory
    /// it had then, leaves that run to the interpreter), and `free`.
    fn grow(&mut self) -> u64 {
        let t = self.sig.temp;
        let p = self.dst(Ty::Int);
        let mem = self.shared.mem_size;
        self.b.emit(Opcode::Movi, &[r(t), imm64(mem as i64)]);
        self.b.emit(Opcode::Alloc, &[r(p), r(t)]);
        let access = self.access();
        let addr = mem + self.rng.below(mem - access.1 + 1);
        let off = addr as i64 - self.base_addr as i64;
        let (op, _, store, ty) = access;
        if store {
            let value = self.src(ty);
            self.b
                .emit(op, &[r(self.sig.base), imm(off as i32), r(value)]);
        } else {
            let d = self.dst(ty);
            if d == p {
                self.b.emit(Opcode::Free, &[r(p)]);
                return 4 + work_fuel(mem);
            }
            self.b.emit(op, &[r(d), r(self.sig.base), imm(off as i32)]);
        }
        self.b.emit(Opcode::Free, &[r(p)]);
        5 + work_fuel(mem)
    }

    fn print(&mut self) -> u64 {
        // Now and then a wild program asks to be stopped: it traps `interrupted` at its
        // next check point, which every tier must find at the same instruction.
        let (import, ty) = if self.wild() && self.chance(8) {
            (INTERRUPT_IMPORT, Ty::Int)
        } else {
            self.rng.pick(&[
                (0u32, Ty::Int),
                (0, Ty::Int),
                (1, Ty::Int),
                (2, Ty::F64),
                (3, Ty::F32),
            ])
        };
        let a = self.src(ty);
        let d = self.dst(Ty::Int);
        self.b.emit(
            Opcode::Hcall,
            &[
                r(d),
                Arg::Value(OperandValue::Import(import)),
                r(a),
                Arg::Value(OperandValue::Count(1)),
            ],
        );
        1
    }

    /// A forward conditional branch over a block, with or without an else block.
    fn if_stmt(&mut self, fuel: u64, len: usize) -> u64 {
        let skip = self.b.label();
        self.condition_to(skip);
        self.if_depth += 1;
        let then_len = 1 + self.rng.below(len as u64 / 2 + 1) as usize;
        let half = fuel.saturating_sub(3) / 2;
        let mut cost = 1 + self.block(then_len, half);
        if self.chance(40) {
            let end = self.b.label();
            self.b.emit(Opcode::Jmp, &[label(end)]);
            self.b.bind(skip);
            let else_len = 1 + self.rng.below(len as u64 / 3 + 1) as usize;
            cost += 1 + self.block(else_len, half);
            self.b.bind(end);
        } else {
            self.b.bind(skip);
        }
        self.if_depth -= 1;
        cost
    }

    /// A conditional branch to `target` on random registers.
    fn condition_to(&mut self, target: super::build::Label) {
        use Opcode::*;
        if self.chance(30) {
            let op = self.rng.pick(&[Jz, Jnz]);
            let a = self.src(Ty::Int);
            self.b.emit(op, &[r(a), label(target)]);
        } else {
            let op = self.rng.pick(&[Beq, Bne, Blt, Bge, Bltu, Bgeu]);
            let (a, b) = (self.src(Ty::Int), self.src(Ty::Int));
            self.b.emit(op, &[r(a), r(b), label(target)]);
        }
    }

    fn trips(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=5 => 1 + self.rng.below(6),
            6..=8 => 7 + self.rng.below(24),
            _ => 31 + self.rng.below(170),
        }
    }

    /// A counted loop: do-while down to 0, top-tested with `jmp`, or counting up to a
    /// limit; the counter is this nesting depth's reserved register.
    fn loop_stmt(&mut self, fuel: u64, len: usize) -> u64 {
        let counter = self.sig.loops[self.loop_depth];
        let (z, t) = (self.sig.zero, self.sig.temp);
        let mut n = self.trips();
        let form = self.rng.below(3);
        let overhead = 3;
        let mut body_fuel = (fuel.saturating_sub(3) / n).saturating_sub(overhead);
        if body_fuel < 8 {
            n = 1;
            body_fuel = fuel.saturating_sub(3 + overhead);
        }
        let endless = self.wild() && self.chance(6);
        if endless {
            n = (1 << 20) + self.rng.below(1000);
        }
        let body_len = 1 + self.rng.below(len as u64 * 2 / 3 + 1) as usize;
        let init = if form == 2 { 0 } else { n as i64 };
        self.b.emit(Opcode::Movi, &[r(counter), imm64(init)]);
        let head = self.b.here();
        let exit = self.b.label();
        if form == 1 {
            match self.rng.below(3) {
                0 => self.b.emit(Opcode::Jz, &[r(counter), label(exit)]),
                1 => self.b.emit(Opcode::Bge, &[r(z), r(counter), label(exit)]),
                _ => self.b.emit(Opcode::Beq, &[r(counter), r(z), label(exit)]),
            }
        }
        self.loop_depth += 1;
        let body = self.block(body_len, body_fuel);
        self.loop_depth -= 1;
        match form {
            0 => {
                self.b
                    .emit(Opcode::Addi, &[r(counter), r(counter), imm(-1)]);
                match self.rng.below(4) {
                    0 => self.b.emit(Opcode::Jnz, &[r(counter), label(head)]),
                    1 => self.b.emit(Opcode::Bne, &[r(counter), r(z), label(head)]),
                    2 => self.b.emit(Opcode::Blt, &[r(z), r(counter), label(head)]),
                    _ => self.b.emit(Opcode::Bltu, &[r(z), r(counter), label(head)]),
                }
            }
            1 => {
                self.b
                    .emit(Opcode::Addi, &[r(counter), r(counter), imm(-1)]);
                self.b.emit(Opcode::Jmp, &[label(head)]);
            }
            _ => {
                self.b.emit(Opcode::Addi, &[r(counter), r(counter), imm(1)]);
                self.b.emit(Opcode::Movi, &[r(t), imm64(n as i64)]);
                let op = self.rng.pick(&[Opcode::Blt, Opcode::Bne, Opcode::Bltu]);
                self.b.emit(op, &[r(counter), r(t), label(head)]);
            }
        }
        self.b.bind(exit);
        2 + n.saturating_mul(body + overhead)
    }

    /// A call of a later function, with some arguments set and a recursion counter that
    /// keeps the call within `fuel`.
    fn call(&mut self, fuel: u64) -> u64 {
        let nfuncs = self.shared.sigs.len();
        let callee = self.index + 1 + self.rng.below((nfuncs - self.index - 1) as u64) as usize;
        let n = self.shared.sigs[callee].params;
        let setup_max = u64::from(n) + 2;
        let Some(kmax) = self
            .shared
            .max_counter(callee, fuel.saturating_sub(setup_max + 1))
        else {
            return self.integer();
        };
        let (first, mut cost) = self.arguments(n);
        let mut k = 0;
        if self.shared.sigs[callee].rec_sites > 0 {
            let s = first;
            if self.wild() && self.chance(25) {
                let x = self.src(Ty::Int);
                self.b.emit(Opcode::Mov, &[r(s), r(x)]);
            } else if kmax >= 3 && self.chance(25) {
                // A counter from data, bounded by a mask.
                let bits = 63 - (kmax + 1).leading_zeros();
                let mask = (1i64 << bits) - 1;
                let x = self.src(Ty::Int);
                self.b.emit(Opcode::Andi, &[r(s), r(x), imm(mask as i32)]);
                k = mask as u64;
            } else {
                k = match self.rng.below(10) {
                    0 => kmax,
                    1..=2 => kmax / 2 + self.rng.below(kmax / 2 + 1),
                    _ => self.rng.below(kmax.min(8) + 1),
                };
                self.b.emit(Opcode::Movi, &[r(s), imm64(k as i64)]);
            }
            cost += 1;
        }
        let ty = self.rng.pick(&[Ty::Int, Ty::Int, Ty::F64, Ty::F32]);
        let d = self.dst(ty);
        self.emit_call(d, callee, first, n);
        cost + 1 + self.shared.total_cost(callee, k)
    }

    /// Picks the run of scratch registers for `n` arguments and sets some of them;
    /// returns its first register and the instructions spent.
    fn arguments(&mut self, n: u32) -> (u8, u64) {
        let (lo, hi) = self.sig.scratch;
        let first = lo + self.rng.below(u64::from(hi - lo - n) + 1) as u32;
        let mut cost = 0;
        for reg in first..first + n {
            if self.chance(35) {
                let ty = self.ty();
                let a = self.src(ty);
                self.b.emit(Opcode::Mov, &[r(reg as u8), r(a)]);
                cost += 1;
            }
        }
        (first as u8, cost)
    }

    fn emit_call(&mut self, d: u8, callee: usize, first: u8, n: u32) {
        self.b.emit(
            Opcode::Call,
            &[
                r(d),
                Arg::Value(OperandValue::Func(callee as u32)),
                r(first),
                Arg::Value(OperandValue::Count(n)),
            ],
        );
    }

    /// `if r0 > 0 { call self(r0 - 1, ...) }`.
    fn recursion_site(&mut self) -> u64 {
        self.rec_sites_left = self.rec_sites_left.saturating_sub(1);
        let skip = self.b.label();
        self.b
            .emit(Opcode::Bge, &[r(self.sig.zero), r(0), label(skip)]);
        let n = self.sig.params;
        let (first, cost) = self.arguments(n);
        self.b.emit(Opcode::Addi, &[r(first), r(0), imm(-1)]);
        let d = self.dst(Ty::Int);
        self.emit_call(d, self.index, first, n);
        self.b.bind(skip);
        cost + 3
    }

    /// A division whose divisor is forced positive and odd (never 0, never -1).
    fn division(&mut self) -> u64 {
        let op = self
            .rng
            .pick(&[Opcode::Div, Opcode::Divu, Opcode::Rem, Opcode::Remu]);
        let t = self.sig.temp;
        let (a, b) = (self.src(Ty::Int), self.src(Ty::Int));
        self.b.emit(Opcode::Shri, &[r(t), r(b), imm(1)]);
        self.b.emit(Opcode::Ori, &[r(t), r(t), imm(1)]);
        let d = self.dst(Ty::Int);
        self.b.emit(op, &[r(d), r(a), r(t)]);
        3
    }

    /// Something that may trap, halt or return, depending on data (wild programs only).
    fn wild_hazard(&mut self, fuel: u64) -> u64 {
        use Opcode::*;
        match self.rng.below(9) {
            0 => {
                let op = self.rng.pick(&[Div, Divu, Rem, Remu]);
                let (a, b) = (self.src(Ty::Int), self.src(Ty::Int));
                let d = self.dst(Ty::Int);
                self.b.emit(op, &[r(d), r(a), r(b)]);
            }
            1 => {
                // Near the end of the initial memory (in bounds or not, depending on
                // growth), or at an address from data.
                let access = self.access();
                if self.chance(50) {
                    let end = self.shared.mem_size as i64 - self.base_addr as i64;
                    let off = end - 8 + self.rng.below(16) as i64;
                    self.emit_access(access, self.sig.base, off as i32);
                } else {
                    let addr = self.src(Ty::Int);
                    let off = self.imm_constant();
                    self.emit_access(access, addr, off);
                }
            }
            2 => {
                let a = self.src(Ty::Int);
                self.b.emit(Free, &[r(a)]);
            }
            3 => {
                let a = self.src(Ty::Int);
                let d = self.dst(Ty::Int);
                self.b.emit(Alloc, &[r(d), r(a)]);
            }
            4..=6 => {
                let skip = self.b.label();
                self.condition_to(skip);
                match self.rng.below(3) {
                    0 => self.b.emit(Trap, &[imm(self.rng.below(1000) as i32)]),
                    1 => {
                        let a = self.src(Ty::Int);
                        self.b.emit(HaltReg, &[r(a)]);
                    }
                    _ => self.ret(),
                }
                self.b.bind(skip);
            }
            7 => {
                let op = self.rng.pick(&[MemCopy, MemFill]);
                let (a, b, c) = (self.src(Ty::Int), self.src(Ty::Int), self.src(Ty::Int));
                self.b.emit(op, &[r(a), r(b), r(c)]);
            }
            _ => {
                // A call whose recursion counter comes from data.
                if self.index + 1 < self.shared.sigs.len() {
                    return self.call(fuel);
                }
                self.b.emit(Nop, &[]);
            }
        }
        1
    }

    /// The planted hazard (or the call of the function holding it): alone, or inside a
    /// loop at a chosen iteration.
    fn planted(&mut self, plant: Plant, fuel: u64) -> u64 {
        match plant {
            Plant::Hazard(Hazard::OutOfFuel) => {
                // A loop without exit: its body is calm.
                let head = self.b.here();
                self.loop_depth += 1;
                let len = 1 + self.rng.below(12) as usize;
                self.block(len, 200);
                self.loop_depth -= 1;
                self.b.emit(Opcode::Jmp, &[label(head)]);
                1
            }
            _ if self.chance(50) => {
                let counter = self.sig.loops[0];
                let t = self.sig.temp;
                let n = 2 + self.rng.below(10);
                let k = 1 + self.rng.below(n);
                let body_fuel = (fuel / n).saturating_sub(10);
                self.b.emit(Opcode::Movi, &[r(counter), imm64(n as i64)]);
                let head = self.b.here();
                self.loop_depth += 1;
                let len = 1 + self.rng.below(10) as usize;
                let before = self.block(len, body_fuel / 2);
                let skip = self.b.label();
                self.b.emit(Opcode::Movi, &[r(t), imm64(k as i64)]);
                self.b.emit(Opcode::Bne, &[r(counter), r(t), label(skip)]);
                let call = self.plant_body(plant);
                self.b.bind(skip);
                let len = 1 + self.rng.below(10) as usize;
                let after = self.block(len, body_fuel / 2);
                self.loop_depth -= 1;
                self.b
                    .emit(Opcode::Addi, &[r(counter), r(counter), imm(-1)]);
                self.b.emit(Opcode::Jnz, &[r(counter), label(head)]);
                1 + n * (before + after + 8) + call
            }
            _ => 8 + self.plant_body(plant),
        }
    }

    /// The hazard's instructions, or the call of the function holding it (returning
    /// the call's cost: the callee runs until its own hazard).
    fn plant_body(&mut self, plant: Plant) -> u64 {
        match plant {
            Plant::Hazard(hazard) => {
                self.hazard(hazard);
                0
            }
            Plant::CallTo(callee) => {
                let n = self.shared.sigs[callee].params;
                let (first, cost) = self.arguments(n);
                if self.shared.sigs[callee].rec_sites > 0 {
                    self.b.emit(Opcode::Movi, &[r(first), imm64(0)]);
                }
                let d = self.dst(Ty::Int);
                self.emit_call(d, callee, first, n);
                cost + 2 + self.shared.level_cost[callee]
            }
        }
    }

    /// The instructions of a planted hazard (every one reached traps or halts).
    fn hazard(&mut self, hazard: Hazard) {
        use Opcode::*;
        let t = self.sig.temp;
        match hazard {
            Hazard::DivideByZero => {
                let op = self.rng.pick(&[Div, Divu, Rem, Remu]);
                let a = self.src(Ty::Int);
                let d = self.dst(Ty::Int);
                self.b.emit(Movi, &[r(t), imm64(0)]);
                self.b.emit(op, &[r(d), r(a), r(t)]);
            }
            Hazard::IntegerOverflow => {
                let op = self.rng.pick(&[Div, Rem]);
                let a = self.dst(Ty::Int);
                self.b.emit(Movi, &[r(a), imm64(i64::MIN)]);
                self.b.emit(Movi, &[r(t), imm64(-1)]);
                let d = self.dst(Ty::Int);
                self.b.emit(op, &[r(d), r(a), r(t)]);
            }
            Hazard::OutOfBounds => {
                let access = self.access();
                let limit = self.shared.max_memory as i64;
                match self.rng.below(5) {
                    0 => {
                        let off = -(self.base_addr as i64) - 1 - self.rng.below(16) as i64;
                        self.emit_access(access, self.sig.base, off as i32);
                    }
                    1 => {
                        let off = limit - self.base_addr as i64 + self.rng.below(64) as i64;
                        self.emit_access(access, self.sig.base, off as i32);
                    }
                    2 => {
                        // The address computation must not wrap around.
                        self.b.emit(Movi, &[r(t), imm64(-4)]);
                        self.emit_access(access, t, 8);
                    }
                    3 => {
                        let regs = self.distinct(2);
                        self.b.emit(Movi, &[r(regs[0]), imm64(limit + 16)]);
                        self.b.emit(Movi, &[r(regs[1]), imm64(4)]);
                        let value = self.src(Ty::Int);
                        self.b.emit(MemFill, &[r(regs[0]), r(value), r(regs[1])]);
                    }
                    _ => {
                        // The source range runs past the limit.
                        let regs = self.distinct(3);
                        self.b.emit(Movi, &[r(regs[0]), imm64(0)]);
                        self.b.emit(Movi, &[r(regs[1]), imm64(16)]);
                        self.b.emit(Movi, &[r(regs[2]), imm64(limit)]);
                        self.b.emit(MemCopy, &[r(regs[0]), r(regs[1]), r(regs[2])]);
                    }
                }
            }
            Hazard::CallDepth => {
                let callee = self.shared.sigs.len() - 1;
                let n = self.shared.sigs[callee].params;
                let (first, _) = self.arguments(n);
                self.b.emit(Movi, &[r(first), imm64(1_000_000)]);
                let d = self.dst(Ty::Int);
                self.emit_call(d, callee, first, n);
            }
            Hazard::OutOfMemory => {
                let size = self
                    .rng
                    .pick(&[self.shared.max_memory as i64, 1 << 40, -1, i64::MAX]);
                self.b.emit(Movi, &[r(t), imm64(size)]);
                let d = self.dst(Ty::Int);
                self.b.emit(Alloc, &[r(d), r(t)]);
            }
            Hazard::BadFree => {
                if self.chance(30) {
                    let p = self.dst(Ty::Int);
                    self.b.emit(Movi, &[r(t), imm64(32)]);
                    self.b.emit(Alloc, &[r(p), r(t)]);
                    self.b.emit(Free, &[r(p)]);
                    self.b.emit(Free, &[r(p)]);
                } else {
                    let addr = self.rng.pick(&[0i64, 1, 8, 17, -16, 1 << 20]);
                    self.b.emit(Movi, &[r(t), imm64(addr)]);
                    self.b.emit(Free, &[r(t)]);
                }
            }
            Hazard::User => {
                let code = self.imm_constant();
                self.b.emit(Trap, &[imm(code)]);
            }
            Hazard::Halt => {
                if self.chance(50) {
                    self.b.emit(Halt, &[]);
                } else {
                    let a = self.src(Ty::Int);
                    self.b.emit(HaltReg, &[r(a)]);
                }
            }
            Hazard::OutOfFuel => {
                let head = self.b.here();
                self.b.emit(Nop, &[]);
                self.b.emit(Jmp, &[label(head)]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_deterministic_and_verify() {
        for seed in 0..300 {
            let one = Program::generate(seed);
            let two = Program::generate(seed);
            assert_eq!(one.module, two.module, "seed {seed}");
            if let Err(error) = adead_isa::verify(one.module) {
                panic!("seed {seed}: {error}");
            }
        }
    }
}
