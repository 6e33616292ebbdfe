//! The `execution` target: random tensor programs on every kernel path, thread count
//! and tier, compared bit for bit.
//!
//! `adead-conformance --fuzz` already compares every tier on generated scalar
//! programs; this target covers the tensor instructions, whose kernels have a scalar
//! reference and AVX2 and AVX-512 paths that must reproduce it exactly, on one thread
//! or several. A program (`Spec`) creates tensors of shapes drawn around the SIMD
//! widths and the matmul tiles, mostly compatible with each other (`[m, k]`, `[k, n]`,
//! `[m, n]`, rows, batches, heads), now and then empty (a dimension of 0), fills them from constants or from a data segment
//! of special values (NaNs with payloads, infinities, -0, subnormals, the largest
//! finite values), then runs a random sequence of every tensor instruction (products,
//! the linear layer, attention, elementwise, activations, row ops, reshapes, new and
//! freed tensors, element reads printed and writes, loads and stores of memory at
//! good and bad addresses), part of it in a loop, under a fuel budget that is
//! sometimes too small, and tensor limits that are sometimes tight. It runs on every
//! kernel path `adead_kernels::Isa::available()` reports, with 1 and 2 kernel threads,
//! on `Tier::Interp`, `Tier::Baseline` and `Tier::Opt`; every run must observe exactly
//! what the interpreter on the scalar path with one thread does: outcome, trap kind and
//! place, stdout, fuel, memory, and every live tensor's handle, shape and bits
//! ([`crate::differential`]).
//!
//! The reproducer is the program's listing, whose first line states the limits it ran
//! under: `adead-vm run FILE --kernels avx2 --tier opt --fuel N` runs it by hand.

use adead_conformance::observe::Outcome;
use adead_kernels::Isa;
use adead_vm::{Config, Tier};

use crate::differential::{Setup, run_all};
use crate::driver::{Exec, Target};
use crate::rng::Rng;

/// Dimensions around the SIMD widths (8 and 16 lanes) and the matmul tiles.
const DIMS: [u64; 19] = [
    1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65,
];

/// f32 bit patterns: special values and ordinary ones.
const SPECIAL_F32: [u32; 16] = [
    0x0000_0000, // +0
    0x8000_0000, // -0
    0x3F80_0000, // 1
    0xBF80_0000, // -1
    0x7F80_0000, // inf
    0xFF80_0000, // -inf
    0x7FC0_0000, // the canonical NaN
    0x7FC0_1234, // a quiet NaN with a payload
    0xFF80_0001, // a signalling NaN, negative
    0x0000_0001, // the smallest subnormal
    0x807F_FFFF, // the largest negative subnormal
    0x7F7F_FFFF, // the largest finite
    0xFF7F_FFFF, // the lowest finite
    0x42B1_6666, // 88.7, near exp's overflow
    0xC2CF_CCCD, // -103.9, near exp's underflow
    0x3DCC_CCCD, // 0.1
];

/// Tensor registers: `r10` to `r17`.
const TENSORS: u32 = 8;
/// Registers: dims r27..r30, f32 values r20..r23, index r24, element r25, address
/// r26, rank/dim r31, print result r9, loop counter r7.
const REGS: u32 = 32;
/// Bytes of memory after the 1 KiB data segment (stores go there, or past the end).
const MEMORY: u64 = 65536;

/// The limits a program runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `Config::fuel`.
    pub fuel: u64,
    /// `Config::max_tensor_bytes`.
    pub max_tensor_bytes: u64,
    /// `Config::max_tensors`.
    pub max_tensors: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: 2_000_000,
            max_tensor_bytes: 16 << 20,
            max_tensors: 64,
        }
    }
}

/// One instruction (or a short group) of a program's body.
#[derive(Clone, Debug)]
enum Op {
    /// `mnemonic tA, tB, tC` (`matmul`, `tadd`, `tsub`, `tmul`).
    Binary(&'static str, u32, u32, u32),
    /// `mnemonic tA, tB` (activations, row ops, `transpose`).
    Unary(&'static str, u32, u32),
    /// `mnemonic tA, tB, tC, tE` (`layernorm`, `attention`, `linear`).
    Quaternary(&'static str, u32, u32, u32, u32),
    /// `tscale tA, tB, rV`.
    Scale(u32, u32, u32),
    /// `tnew tA` with these dimensions.
    New(u32, Vec<u64>),
    /// `treshape tA` to these dimensions.
    Reshape(u32, Vec<u64>),
    /// `tfill tA, rV`.
    Fill(u32, u32),
    /// `tset tA, index, rV`.
    Set(u32, u64, u32),
    /// `tget` of an element, printed as bits.
    Get(u32, u64),
    /// `tload tA` from the data segment at this byte offset (or past memory).
    Load(u32, u64),
    /// `tstore` of tA to this address.
    Store(u32, u64),
    /// `trank` (None) or `tdim imm`, printed.
    Shape(u32, Option<i32>),
    /// `tfree tA`.
    Free(u32),
    /// `movi rV, bits`: a new f32 value in one of r20..r23.
    Value(u32, u32),
}

/// A generated tensor program.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The initial tensors' shapes (one per tensor register).
    shapes: Vec<Vec<u64>>,
    /// Per initial tensor: fill with a constant, or load from this data offset.
    fills: Vec<Result<u32, u64>>,
    /// The data segment's f32 bits.
    data: Vec<u32>,
    /// The f32 values of r20..r23.
    values: [u32; 4],
    /// The body.
    ops: Vec<Op>,
    /// `ops[start..end]` runs this many times.
    repeat: Option<(usize, usize, u64)>,
    /// The limits.
    limits: Limits,
}

/// An input: the program's listing and limits, and its spec when it was generated
/// here (a replayed reproducer has only the listing).
#[derive(Clone, Debug)]
pub struct Program {
    /// The spec, for mutations.
    pub spec: Option<Spec>,
    /// The listing.
    pub listing: String,
    /// The limits.
    pub limits: Limits,
}

fn dims_text(dims: &[u64]) -> String {
    let moves: Vec<String> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| format!("    movi r{}, {d}\n", 27 + i))
        .collect();
    moves.concat()
}

fn t(i: u32) -> String {
    format!("r{}", 10 + i % TENSORS)
}

fn render_op(op: &Op, out: &mut String) {
    use std::fmt::Write;
    let _ = match op {
        Op::Binary(m, a, b, c) => writeln!(out, "    {m} {}, {}, {}", t(*a), t(*b), t(*c)),
        Op::Unary(m, a, b) => writeln!(out, "    {m} {}, {}", t(*a), t(*b)),
        Op::Quaternary(m, a, b, c, e) => {
            writeln!(out, "    {m} {}, {}, {}, {}", t(*a), t(*b), t(*c), t(*e))
        }
        Op::Scale(a, b, v) => writeln!(out, "    tscale {}, {}, r{}", t(*a), t(*b), 20 + v % 4),
        Op::New(a, dims) => {
            out.push_str(&dims_text(dims));
            writeln!(out, "    tnew {}, r27, {}", t(*a), dims.len())
        }
        Op::Reshape(a, dims) => {
            out.push_str(&dims_text(dims));
            writeln!(out, "    treshape {}, r27, {}", t(*a), dims.len())
        }
        Op::Fill(a, v) => writeln!(out, "    tfill {}, r{}", t(*a), 20 + v % 4),
        Op::Set(a, index, v) => writeln!(
            out,
            "    movi r24, {index}\n    tset {}, r24, r{}",
            t(*a),
            20 + v % 4
        ),
        Op::Get(a, index) => writeln!(
            out,
            "    movi r24, {index}\n    tget r25, {}, r24\n    hcall r9, print_u64, r25, 1",
            t(*a)
        ),
        Op::Load(a, offset) => writeln!(
            out,
            "    movi r26, @values\n    addi r26, r26, {offset}\n    tload {}, r26",
            t(*a)
        ),
        Op::Store(a, address) => {
            writeln!(out, "    movi r26, {address}\n    tstore r26, {}", t(*a))
        }
        Op::Shape(a, None) => writeln!(
            out,
            "    trank r31, {}\n    hcall r9, print_i64, r31, 1",
            t(*a)
        ),
        Op::Shape(a, Some(dim)) => writeln!(
            out,
            "    tdim r31, {}, {dim}\n    hcall r9, print_i64, r31, 1",
            t(*a)
        ),
        Op::Free(a) => writeln!(out, "    tfree {}", t(*a)),
        Op::Value(v, bits) => writeln!(out, "    movi r{}, {bits:#x}", 20 + v % 4),
    };
}

impl Spec {
    /// A fresh program.
    fn generate(rng: &mut Rng) -> Spec {
        let pick_dim = |rng: &mut Rng| rng.pick(&DIMS);
        let (m, k, n) = (pick_dim(rng), pick_dim(rng), pick_dim(rng));
        let (b, h) = (1 + rng.below(3), 1 + rng.below(3));
        let family = [
            vec![m, k],
            vec![k, n],
            vec![m, n],
            vec![n],
            vec![k],
            vec![m, k],
            vec![b, m, k],
            vec![b, k, n],
            vec![h, m, k],
            vec![1, n],
            vec![m, 1],
            vec![b, h, m, n],
        ];
        let shapes: Vec<Vec<u64>> = (0..TENSORS)
            .map(|_| {
                if rng.one_in(6) {
                    let rank = 1 + rng.below(4) as usize;
                    (0..rank)
                        .map(|_| if rng.one_in(12) { 0 } else { pick_dim(rng) })
                        .collect()
                } else {
                    family[rng.index(family.len())].clone()
                }
            })
            .collect();
        let data: Vec<u32> = (0..256).map(|_| random_f32(rng)).collect();
        let fills = (0..TENSORS)
            .map(|_| {
                if rng.one_in(2) {
                    Ok(random_f32(rng))
                } else {
                    Err(4 * rng.below(64))
                }
            })
            .collect();
        let values = [0; 4].map(|_| random_f32(rng));
        let len = rng.small(40) as usize;
        let mut state: Shapes = shapes.iter().cloned().map(Some).collect();
        let ops = (0..len)
            .map(|_| {
                let op = random_op(rng, &state);
                // An op that traps leaves the state as it was: later ops are drawn as
                // if it had not run.
                apply(&op, &mut state);
                op
            })
            .collect::<Vec<_>>();
        let repeat = rng.one_in(3).then(|| {
            let start = rng.index(ops.len());
            let end = start + 1 + rng.index(ops.len() - start);
            (start, end, 1 + rng.below(5))
        });
        let limits = random_limits(rng, initial_bytes(&shapes));
        Spec {
            shapes,
            fills,
            data,
            values,
            ops,
            repeat,
            limits,
        }
    }

    /// A variation of this program: one op replaced, inserted or deleted, or new
    /// values, fills or limits.
    fn mutate(&mut self, rng: &mut Rng) {
        for _ in 0..rng.small(4) {
            match rng.below(7) {
                0 | 1 if !self.ops.is_empty() => {
                    let at = rng.index(self.ops.len());
                    let op = random_op(rng, &self.shapes_before(at));
                    self.ops[at] = op;
                }
                2 => {
                    let at = rng.index(self.ops.len() + 1);
                    let op = random_op(rng, &self.shapes_before(at));
                    self.ops.insert(at, op);
                }
                3 if self.ops.len() > 1 => {
                    self.ops.remove(rng.index(self.ops.len()));
                }
                4 => self.values[rng.index(4)] = random_f32(rng),
                5 => {
                    let i = rng.index(self.fills.len());
                    self.fills[i] = Ok(random_f32(rng));
                }
                _ => self.limits = random_limits(rng, initial_bytes(&self.shapes)),
            }
        }
        if let Some((start, end, trips)) = self.repeat {
            let len = self.ops.len();
            self.repeat = (start < len).then(|| (start, end.clamp(start + 1, len), trips));
        }
    }

    /// What the generator knows of the tensor registers before op `at` (the loop's
    /// later trips aside).
    fn shapes_before(&self, at: usize) -> Shapes {
        let mut state: Shapes = self.shapes.iter().cloned().map(Some).collect();
        for op in &self.ops[..at] {
            apply(op, &mut state);
        }
        state
    }

    /// The listing.
    fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = header(&self.limits);
        let _ = writeln!(out, ".memory {}", MEMORY + 1024);
        out.push_str(".data values\n");
        for chunk in self.data.chunks(8) {
            let words: Vec<String> = chunk.iter().map(|w| format!("{w:#010x}")).collect();
            let _ = writeln!(out, "    .f32 {}", words.join(", "));
        }
        let _ = writeln!(out, ".func main params=0 regs={REGS}");
        for (v, bits) in self.values.iter().enumerate() {
            let _ = writeln!(out, "    movi r{}, {bits:#x}", 20 + v);
        }
        for (i, (shape, fill)) in self.shapes.iter().zip(&self.fills).enumerate() {
            let i = i as u32;
            render_op(&Op::New(i, shape.clone()), &mut out);
            match fill {
                Ok(bits) => {
                    let _ = writeln!(out, "    movi r25, {bits:#x}\n    tfill {}, r25", t(i));
                }
                Err(offset) => render_op(&Op::Load(i, *offset), &mut out),
            }
        }
        for (at, op) in self.ops.iter().enumerate() {
            if let Some((start, _, trips)) = self.repeat
                && at == start
            {
                let _ = writeln!(out, "    movi r7, {trips}\nloop:");
            }
            render_op(op, &mut out);
            if let Some((_, end, _)) = self.repeat
                && at + 1 == end
            {
                let _ = writeln!(out, "    addi r7, r7, -1\n    jnz r7, loop");
            }
        }
        out.push_str("    halt\n.end\n");
        out
    }
}

/// The listing's first line: the limits, for a replay.
fn header(limits: &Limits) -> String {
    format!(
        "; adead-fuzz execution: fuel={} max-tensor-bytes={} max-tensors={}\n",
        limits.fuel, limits.max_tensor_bytes, limits.max_tensors
    )
}

/// The limits stated in a listing's first line (the defaults where it states none).
fn parse_header(listing: &str) -> Limits {
    let mut limits = Limits::default();
    let first = listing.lines().next().unwrap_or("");
    for field in first.split_whitespace() {
        let Some((name, value)) = field.split_once('=') else {
            continue;
        };
        let Ok(value) = value.parse::<u64>() else {
            continue;
        };
        match name {
            "fuel" => limits.fuel = value,
            "max-tensor-bytes" => limits.max_tensor_bytes = value,
            "max-tensors" => limits.max_tensors = value,
            _ => {}
        }
    }
    limits
}

fn random_f32(rng: &mut Rng) -> u32 {
    match rng.below(4) {
        0 => rng.pick(&SPECIAL_F32),
        1 => rng.next_u64() as u32,
        _ => {
            // Ordinary values of a few magnitudes: a random mantissa, exponent -8..8.
            let sign = (rng.below(2) as u32) << 31;
            let exponent = (119 + rng.below(16) as u32) << 23;
            sign | exponent | (rng.next_u64() as u32 & 0x7F_FFFF)
        }
    }
}

/// Limits: now and then a small fuel budget, or tensor limits near what the initial
/// tensors take (`initial_bytes`), so that a later op passes them.
fn random_limits(rng: &mut Rng, initial_bytes: u64) -> Limits {
    let mut limits = Limits::default();
    if rng.one_in(4) {
        limits.fuel = rng.small(5000);
    }
    if rng.one_in(8) {
        limits.max_tensor_bytes = initial_bytes + rng.below(initial_bytes + 1);
    }
    if rng.one_in(8) {
        limits.max_tensors = u64::from(TENSORS) + rng.below(3);
    }
    limits
}

/// The bytes the initial tensors take.
fn initial_bytes(shapes: &[Vec<u64>]) -> u64 {
    shapes.iter().map(|s| 4 * s.iter().product::<u64>()).sum()
}

/// A dimension: usually one of [`DIMS`], now and then 0 (an empty tensor, which the
/// kernels must handle on every path) or one whose element count overflows.
fn random_dim(rng: &mut Rng) -> u64 {
    match rng.below(16) {
        0 => 0,
        1 => rng.pick(&[1 << 31, 1 << 32, 1 << 40, u64::MAX]),
        _ => rng.pick(&DIMS),
    }
}

/// Dimensions for a new tensor or a reshape: often the element count of `shape`
/// refactored, else random.
fn random_dims(rng: &mut Rng, shape: &[u64]) -> Vec<u64> {
    let count: u64 = shape.iter().product();
    match rng.below(4) {
        0 => vec![count],
        1 => {
            let d = *shape.last().unwrap_or(&1);
            vec![count / d.max(1), d]
        }
        2 => {
            let rank = rng.below(6) as usize;
            (0..rank).map(|_| random_dim(rng)).collect()
        }
        _ => {
            let mut dims = shape.to_vec();
            dims.reverse();
            if rng.one_in(4) {
                dims.push(1);
            }
            dims
        }
    }
}

/// What the generator knows of each tensor register: its shape, or `None` when it
/// holds no live tensor (freed, or after an op that traps).
type Shapes = Vec<Option<Vec<u64>>>;

/// A shape that is one row of `n` elements (`[n]`, `[1, n]`, ...).
fn is_row(shape: &[u64], n: u64) -> bool {
    shape.last() == Some(&n) && shape.iter().product::<u64>() == n
}

/// The shape `op` leaves in its destination if its operands have `shapes`, or `None`
/// if it traps (by the shape rules of `kernels/src/shapes.rs`). Ops without a tensor
/// result give back the destination's shape unchanged.
fn result_shape(op: &Op, shapes: &Shapes) -> Option<Option<Vec<u64>>> {
    let get = |i: &u32| shapes[(*i % TENSORS) as usize].clone();
    Some(match op {
        Op::Binary("matmul", _, b, c) => {
            let (b, c) = (get(b)?, get(c)?);
            match (b.as_slice(), c.as_slice()) {
                (&[m, k], &[k2, n]) if k == k2 => Some(vec![m, n]),
                (&[x, m, k], &[x2, k2, n]) if k == k2 && x == x2 => Some(vec![x, m, n]),
                _ => return None,
            }
        }
        Op::Binary(_, _, b, c) => {
            let (b, c) = (get(b)?, get(c)?);
            (b == c || is_row(&c, *b.last()?)).then_some(Some(b))?
        }
        Op::Unary(m, _, b) => {
            let b = get(b)?;
            match *m {
                "transpose" => match b.as_slice() {
                    &[r, c] => Some(vec![c, r]),
                    _ => return None,
                },
                "rowsum" | "rowmax" | "argmax" => {
                    let mut b = b;
                    *b.last_mut()? = 1;
                    Some(b)
                }
                _ => Some(b),
            }
        }
        Op::Quaternary("layernorm", _, b, c, e) => {
            let (b, c, e) = (get(b)?, get(c)?, get(e)?);
            let n = *b.last()?;
            (is_row(&c, n) && is_row(&e, n)).then_some(Some(b))?
        }
        Op::Quaternary(m, _, b, c, e) if m.starts_with("linear") => {
            let (b, c, e) = (get(b)?, get(c)?, get(e)?);
            match (b.as_slice(), c.as_slice()) {
                (&[m, k], &[k2, n]) if k == k2 && is_row(&e, n) => Some(vec![m, n]),
                _ => return None,
            }
        }
        Op::Quaternary(_, _, q, k, v) => {
            let (q, k, v) = (get(q)?, get(k)?, get(v)?);
            let split = |t: &[u64]| match *t {
                [s, d] => Some((1, s, d)),
                [h, s, d] => Some((h, s, d)),
                _ => None,
            };
            let ((hq, sq, d), (hk, sk, dk), (hv, sv, dv)) = (split(&q)?, split(&k)?, split(&v)?);
            let ranks = q.len() == k.len() && k.len() == v.len();
            if !(ranks && hq == hk && d == dk && hk == hv && sk == sv) {
                return None;
            }
            Some(if q.len() == 2 {
                vec![sq, dv]
            } else {
                vec![hq, sq, dv]
            })
        }
        Op::Scale(_, b, _) => Some(get(b)?),
        Op::New(_, dims) => {
            let count = dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
            ((1..=4).contains(&dims.len()) && count.is_some_and(|n| n < 1 << 28))
                .then(|| Some(dims.clone()))?
        }
        Op::Reshape(a, dims) => {
            let a = get(a)?;
            let count = dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
            let valid = (1..=4).contains(&dims.len()) && count == Some(a.iter().product::<u64>());
            valid.then(|| Some(dims.clone()))?
        }
        Op::Free(_) => None,
        Op::Fill(a, _)
        | Op::Load(a, _)
        | Op::Store(a, _)
        | Op::Set(a, _, _)
        | Op::Get(a, _)
        | Op::Shape(a, _) => Some(get(a)?),
        Op::Value(..) => None,
    })
}

/// The register an op writes a tensor to, if any.
fn destination(op: &Op) -> Option<u32> {
    match op {
        Op::Binary(_, a, ..) | Op::Unary(_, a, _) | Op::Quaternary(_, a, ..) => Some(*a),
        Op::Scale(a, ..) | Op::New(a, _) | Op::Free(a) => Some(*a),
        Op::Reshape(a, _) => Some(*a),
        _ => None,
    }
}

/// Updates `shapes` for `op`; false if the op traps by its shapes.
fn apply(op: &Op, shapes: &mut Shapes) -> bool {
    if let Op::Value(..) = op {
        return true;
    }
    match result_shape(op, shapes) {
        None => false,
        Some(shape) => {
            if let Some(a) = destination(op) {
                shapes[(a % TENSORS) as usize] = shape;
            }
            true
        }
    }
}

/// A random op; three times in four one whose shapes fit, when one is found among a
/// few tries.
fn random_op(rng: &mut Rng, shapes: &Shapes) -> Op {
    let fitting = !rng.one_in(4);
    let mut op = random_raw_op(rng, shapes);
    for _ in 0..24 {
        if !fitting || result_shape(&op, shapes).is_some() {
            break;
        }
        op = random_raw_op(rng, shapes);
    }
    op
}

fn random_raw_op(rng: &mut Rng, shapes: &Shapes) -> Op {
    let r = |rng: &mut Rng| rng.below(u64::from(TENSORS)) as u32;
    let (a, b, c, e) = (r(rng), r(rng), r(rng), r(rng));
    let shape = shapes[b as usize]
        .clone()
        .unwrap_or_else(|| vec![rng.pick(&DIMS)]);
    let elements: u64 = shape.iter().product();
    match rng.below(30) {
        0..=2 => Op::Binary("matmul", a, b, c),
        3 => Op::Binary("tadd", a, b, c),
        4 => Op::Binary("tsub", a, b, c),
        5 => Op::Binary("tmul", a, b, c),
        6..=15 => Op::Unary(
            rng.pick(&[
                "transpose",
                "softmax",
                "relu",
                "gelu",
                "sigmoid",
                "tanh",
                "texp",
                "rowsum",
                "rowmax",
                "argmax",
            ]),
            a,
            b,
        ),
        16..=19 => Op::Quaternary(
            rng.pick(&[
                "layernorm",
                "attention",
                "attention.causal",
                "linear",
                "linear.relu",
            ]),
            a,
            b,
            c,
            e,
        ),
        20 => Op::Scale(a, b, rng.below(4) as u32),
        21 => Op::New(a, random_dims(rng, &shape)),
        22 => Op::Reshape(b, random_dims(rng, &shape)),
        23 => Op::Fill(a, rng.below(4) as u32),
        24 => Op::Set(b, rng.below(elements + 2), rng.below(4) as u32),
        25 => Op::Get(b, rng.below(elements + 2)),
        26 => {
            let offset = if rng.one_in(6) {
                MEMORY + 1024 - rng.below(64)
            } else {
                4 * rng.below(256)
            };
            Op::Load(a, offset)
        }
        27 => {
            let address = if rng.one_in(6) {
                rng.pick(&[MEMORY + 1024 - 4, u64::MAX - 3, 1 << 40])
            } else {
                1024 + 4 * rng.below(8192)
            };
            Op::Store(b, address)
        }
        28 => {
            if rng.one_in(2) {
                Op::Shape(b, None)
            } else {
                Op::Shape(b, Some(rng.below(6) as i32 - 1))
            }
        }
        _ => {
            if rng.one_in(3) {
                Op::Free(a)
            } else {
                Op::Value(rng.below(4) as u32, random_f32(rng))
            }
        }
    }
}

/// The target: the kernel paths of this CPU, each with 1 and 2 threads, on the
/// interpreter and `opt`.
pub struct Execution {
    isas: Vec<Isa>,
}

impl Default for Execution {
    fn default() -> Execution {
        Execution::new()
    }
}

impl Execution {
    /// The target on every path `Isa::available()` reports.
    pub fn new() -> Execution {
        Execution {
            isas: Isa::available(),
        }
    }

    /// The setups a program runs on, the reference (interp, scalar, 1 thread) first.
    pub fn setups(&self, limits: &Limits) -> Vec<Setup> {
        let mut setups = Vec::new();
        for tier in [Tier::Interp, Tier::Baseline, Tier::Opt] {
            for &isa in &self.isas {
                for threads in [1, 2] {
                    setups.push(Setup {
                        name: format!("{}/{}/{threads}t", tier.name(), isa.name()),
                        config: Config {
                            fuel: Some(limits.fuel),
                            count_instructions: true,
                            tier,
                            jit_threshold: 0,
                            max_tensor_bytes: limits.max_tensor_bytes,
                            max_tensors: limits.max_tensors,
                            kernel_isa: Some(isa),
                            kernel_threads: threads,
                            ..Config::default()
                        },
                    });
                }
            }
        }
        setups
    }
}

impl Target for Execution {
    type Input = Program;

    fn name(&self) -> &'static str {
        "execution"
    }

    fn extension(&self) -> &'static str {
        "asm"
    }

    fn seeds(&mut self) -> Result<Vec<Program>, String> {
        if self.isas.first() != Some(&Isa::Scalar) {
            return Err("the scalar kernel path is not available".to_string());
        }
        // Fixed programs of their own seed: the corpus starts from generated ones.
        let mut rng = Rng::new(0xE4EC_0710);
        Ok((0..8)
            .map(|_| {
                let spec = Spec::generate(&mut rng);
                program(spec)
            })
            .collect())
    }

    fn generate(&mut self, rng: &mut Rng, corpus: &[Program]) -> Program {
        let parent = &corpus[rng.index(corpus.len())];
        match (&parent.spec, rng.one_in(2)) {
            (Some(spec), true) => {
                let mut spec = spec.clone();
                spec.mutate(rng);
                program(spec)
            }
            _ => program(Spec::generate(rng)),
        }
    }

    fn check(&mut self, input: &Program, exec: &mut Exec) -> Result<(), String> {
        let module = adead_asm::assemble(&input.listing, "execution.asm").map_err(|d| {
            format!(
                "the program does not assemble:\n{}",
                d.render(&input.listing, "execution.asm")
            )
        })?;
        let reference = run_all(&module, &[], &self.setups(&input.limits))?;
        let observation = &reference.observation;
        match &observation.outcome {
            Outcome::Returned(_) | Outcome::Halted(_) => {
                exec.tally("ended");
                exec.feature("ended");
            }
            Outcome::Trapped(trap) => {
                exec.tally("trapped");
                exec.tally(trap.kind);
                let opcode = module
                    .functions
                    .iter()
                    .find(|f| f.name == trap.function)
                    .and_then(|f| module.code.get((f.entry + trap.pc) as usize))
                    .map_or("?", |instr| instr.opcode().mnemonic());
                exec.feature(&format!("trap {} {opcode}", trap.kind));
            }
            Outcome::Failed(why) => {
                return Err(format!("the program did not run: {why}"));
            }
        }
        exec.feature_value("tensors", reference.tensors.len() as u64);
        let fuel = observation.fuel.unwrap_or(0);
        exec.feature_value("fuel", u64::from(64 - fuel.leading_zeros()));
        Ok(())
    }

    fn encode(&self, input: &Program) -> Vec<u8> {
        input.listing.as_bytes().to_vec()
    }

    fn decode(&self, bytes: &[u8]) -> Result<Program, String> {
        let listing = String::from_utf8(bytes.to_vec()).map_err(|e| format!("not UTF-8: {e}"))?;
        Ok(Program {
            spec: None,
            limits: parse_header(&listing),
            listing,
        })
    }
}

fn program(spec: Spec) -> Program {
    Program {
        listing: spec.render(),
        limits: spec.limits,
        spec: Some(spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_programs_assemble_and_state_their_limits() {
        let mut rng = Rng::new(1);
        for _ in 0..400 {
            let mut spec = Spec::generate(&mut rng);
            spec.mutate(&mut rng);
            let listing = spec.render();
            if let Err(d) = adead_asm::assemble(&listing, "t.asm") {
                panic!("{}\n{listing}", d.render(&listing, "t.asm"));
            }
            assert_eq!(parse_header(&listing), spec.limits);
        }
    }
}
