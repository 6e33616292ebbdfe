//! The seeded random sweep: every register operation the [`oracle`] models, applied to
//! many operands biased toward edge values, checked against the oracle.
//!
//! For each opcode the sweep draws `per_opcode` operand tuples from its own stream of
//! a fixed seed (so adding an opcode does not change the others' operands) and builds
//! ordinary [`Case`]s: one program that applies the opcode to every non-trapping tuple
//! and prints each result's bits with `print_u64`, expecting the oracle's answers line
//! by line and the exact fuel; and one small case per trapping tuple, expecting the
//! trap kind at the instruction. The runner then runs them on every tier like the
//! corpus, so the sweep also compares tiers.

use std::sync::LazyLock;

use adead_isa::{Opcode, OperandKind};

use crate::case::{Case, Expect, Expectation, ExpectedLine, ExpectedTrap, Limits};
use crate::oracle::{self, Answer, Domain, Signature};
use crate::rng::Rng;

/// The seed the test suite uses.
pub const DEFAULT_SEED: u64 = 0xADEA_DB1B_5EED_2024;
/// Operand tuples per opcode in the test suite.
pub const DEFAULT_PER_OPCODE: usize = 64;

/// The generated cases and what they check.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The cases, opcode by opcode.
    pub cases: Vec<Case>,
    /// Operand tuples checked against the oracle (each on every tier).
    pub checks: usize,
    /// Opcodes swept.
    pub opcodes: usize,
}

/// Generates the sweep for `seed` with `per_opcode` tuples per opcode.
pub fn generate(seed: u64, per_opcode: usize) -> Sweep {
    let mut sweep = Sweep {
        cases: Vec::new(),
        checks: 0,
        opcodes: 0,
    };
    let file = format!("sweep(seed={seed:#x})");
    for &op in Opcode::ALL {
        let Some(signature) = oracle::signature(op) else {
            continue;
        };
        let mut rng = Rng::new(seed ^ u64::from(op.word()).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut tuples = corner_tuples(signature);
        tuples.extend((0..per_opcode).map(|_| {
            let inputs = signature
                .inputs
                .iter()
                .map(|&d| operand(&mut rng, d))
                .collect();
            let imm = if signature.imm {
                immediate(&mut rng)
            } else {
                0
            };
            (inputs, imm)
        }));
        sweep.opcodes += 1;
        sweep.checks += tuples.len();
        let mut batch = Batch::new(op);
        for (index, (inputs, imm)) in tuples.iter().enumerate() {
            match oracle::evaluate(op, inputs, *imm) {
                Answer::Value(bits) => batch.push(inputs, *imm, bits),
                Answer::Trap(kind) => {
                    sweep
                        .cases
                        .push(trap_case(&file, op, index, inputs, *imm, kind));
                }
            }
        }
        sweep.cases.push(batch.into_case(&file));
    }
    sweep
}

/// The non-trapping tuples of one opcode, as one program.
struct Batch {
    op: Opcode,
    body: String,
    lines: Vec<ExpectedLine>,
    fuel: u64,
}

impl Batch {
    fn new(op: Opcode) -> Batch {
        Batch {
            op,
            body: String::new(),
            lines: Vec::new(),
            fuel: 0,
        }
    }

    fn push(&mut self, inputs: &[u64], imm: i32, result: u64) {
        let (load, count) = loads(inputs);
        self.body.push_str(&load);
        self.body
            .push_str(&format!("    {}\n", instruction(self.op, imm)));
        self.body.push_str("    hcall r9, print_u64, r0, 1\n");
        self.fuel += count + 2;
        self.lines.push(ExpectedLine {
            line: 0,
            text: result.to_string(),
            context: Some(describe(self.op, inputs, imm)),
        });
    }

    fn into_case(self, file: &str) -> Case {
        let source = format!(".func main params=0 regs=10\n{}    halt\n.end\n", self.body);
        Case {
            name: format!("sweep/{}", self.op.mnemonic()),
            file: file.to_string(),
            line: 0,
            source,
            args: Vec::new(),
            limits: Limits::default(),
            expectations: vec![
                expectation(Expect::Halt(0)),
                expectation(Expect::Stdout(self.lines)),
                expectation(Expect::Fuel(self.fuel + 1)),
            ],
        }
    }
}

fn trap_case(file: &str, op: Opcode, index: usize, inputs: &[u64], imm: i32, kind: &str) -> Case {
    let (load, count) = loads(inputs);
    let source = format!(
        ".func main params=0 regs=10\n{load}    {}\n    halt\n.end\n",
        instruction(op, imm)
    );
    Case {
        name: format!(
            "sweep/{}#{index} ({})",
            op.mnemonic(),
            describe(op, inputs, imm)
        ),
        file: file.to_string(),
        line: 0,
        source,
        args: Vec::new(),
        limits: Limits::default(),
        expectations: vec![
            expectation(Expect::Trap(ExpectedTrap {
                kind: kind.to_string(),
                code: None,
                function: "main".to_string(),
                pc: count as u32,
            })),
            expectation(Expect::Stdout(Vec::new())),
            expectation(Expect::Fuel(count + 1)),
        ],
    }
}

fn expectation(expect: Expect) -> Expectation {
    Expectation { line: 0, expect }
}

/// `movi r1, ...` for each input (registers r1, r2, ...) and how many instructions.
fn loads(inputs: &[u64]) -> (String, u64) {
    let text = inputs
        .iter()
        .enumerate()
        .map(|(i, &bits)| format!("    movi r{}, {}\n", i + 1, bits as i64))
        .collect();
    (text, inputs.len() as u64)
}

/// The instruction: destination r0, sources r1, r2, ... in order, the immediate last.
fn instruction(op: Opcode, imm: i32) -> String {
    let mut source = 0;
    let operands: Vec<String> = op
        .operands()
        .iter()
        .map(|kind| match kind {
            OperandKind::Dst => "r0".to_string(),
            OperandKind::Imm32 => imm.to_string(),
            _ => {
                source += 1;
                format!("r{source}")
            }
        })
        .collect();
    format!("{} {}", op.mnemonic(), operands.join(", "))
}

/// `div 0x8000000000000000, 0xffffffffffffffff`, for failure messages.
fn describe(op: Opcode, inputs: &[u64], imm: i32) -> String {
    let mut parts: Vec<String> = inputs.iter().map(|b| format!("{b:#018x}")).collect();
    if oracle::signature(op).is_some_and(|s| s.imm) {
        parts.push(imm.to_string());
    }
    format!("{} {}", op.mnemonic(), parts.join(", "))
}

/// Every combination of a few corner values per operand (fewer for three operands),
/// so that the worst cases (division by zero, `MIN / -1`, NaN against infinity, signed
/// zeros) are checked whatever the seed.
fn corner_tuples(signature: Signature) -> Vec<(Vec<u64>, i32)> {
    const INTS: [i64; 6] = [0, 1, -1, i64::MIN, i64::MAX, 64];
    const F64S: [u64; 10] = [
        0,
        0x8000_0000_0000_0000, // -0
        0x3ff0_0000_0000_0000, // 1
        0xbff0_0000_0000_0000, // -1
        0x7ff0_0000_0000_0000, // inf
        0xfff0_0000_0000_0000, // -inf
        0x7ff8_0000_0000_0000, // canonical NaN
        0x7ff0_0000_0000_0001, // signalling NaN with a payload
        0x0000_0000_0000_0001, // smallest subnormal
        0x4004_0000_0000_0000, // 2.5
    ];
    const F32S: [u64; 10] = [
        0,
        0x8000_0000,
        0x3f80_0000,
        0xbf80_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7f80_0001,
        0x0000_0001,
        0x4020_0000,
    ];
    const IMMS: [i32; 6] = [0, 1, -1, i32::MIN, i32::MAX, 64];
    let per_operand = if signature.inputs.len() > 2 {
        4
    } else {
        usize::MAX
    };
    let mut tuples: Vec<(Vec<u64>, i32)> = vec![(Vec::new(), 0)];
    for domain in signature.inputs {
        let values: Vec<u64> = match domain {
            Domain::Int => INTS.iter().map(|&v| v as u64).collect(),
            Domain::F64 => F64S.to_vec(),
            Domain::F32 => F32S.to_vec(),
        };
        tuples = tuples
            .into_iter()
            .flat_map(|(prefix, imm)| {
                values.iter().take(per_operand).map(move |&v| {
                    let mut inputs = prefix.clone();
                    inputs.push(v);
                    (inputs, imm)
                })
            })
            .collect();
    }
    if signature.imm {
        tuples = tuples
            .into_iter()
            .flat_map(|(inputs, _)| IMMS.iter().map(move |&imm| (inputs.clone(), imm)))
            .collect();
    }
    tuples
}

/// An operand of `domain`, biased toward edge values.
fn operand(rng: &mut Rng, domain: Domain) -> u64 {
    match domain {
        Domain::Int => integer(rng),
        Domain::F64 => float64(rng),
        Domain::F32 => {
            let low = u64::from(float32(rng));
            // f32 operations read only the low 32 bits; now and then, prove it.
            if rng.below(8) == 0 {
                low | rng.next_u64() << 32
            } else {
                low
            }
        }
    }
}

fn integer(rng: &mut Rng) -> u64 {
    const EDGES: [i64; 32] = [
        0,
        1,
        -1,
        2,
        -2,
        3,
        -3,
        7,
        10,
        63,
        64,
        65,
        127,
        128,
        255,
        256,
        0x7f,
        0x80,
        0x7fff,
        0x8000,
        0xffff,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0000,
        -0x8000_0000,
        i64::MAX,
        i64::MIN,
        i64::MAX - 1,
        i64::MIN + 1,
        1 << 53,
        (1 << 53) + 1,
    ];
    match rng.below(4) {
        0 => rng.pick(&EDGES) as u64,
        1 => rng.next_u64(),
        2 => (rng.below(129) as i64 - 64) as u64,
        _ => {
            // A random magnitude of random width, either sign: exercises every
            // leading-zero count and every rounding position of integer to float.
            let width = rng.below(64) + 1;
            let magnitude = rng.next_u64() >> (64 - width);
            if rng.below(2) == 0 {
                magnitude
            } else {
                magnitude.wrapping_neg()
            }
        }
    }
}

fn immediate(rng: &mut Rng) -> i32 {
    const EDGES: [i32; 14] = [
        0,
        1,
        -1,
        2,
        63,
        64,
        65,
        -64,
        127,
        0xff,
        0x7fff,
        -0x8000,
        i32::MAX,
        i32::MIN,
    ];
    match rng.below(3) {
        0 => rng.pick(&EDGES),
        1 => rng.next_u64() as i32,
        _ => rng.below(161) as i32 - 80,
    }
}

/// The f64 edge values, built once: a draw picks from them a third of the time.
static FLOAT64_EDGES: LazyLock<Vec<u64>> = LazyLock::new(float64_edges);

fn float64_edges() -> Vec<u64> {
    let two = |e: i32| 2f64.powi(e);
    let mut edges: Vec<u64> = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        3.5,
        0.1,
        3.0,
        1e300,
        -1e-300,
        1e16,
        0.5 - two(-54), // largest below 0.5
        two(52) - 0.5,  // largest with a fraction
        two(52) + 1.0,  // odd integer with no fraction bits left
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        two(63),          // first value f2i saturates
        -two(63),         // exactly i64::MIN
        two(63) - 1024.0, // largest below 2^63
        -two(63) - 2048.0,
        two(64),
        two(64) - 2048.0, // largest below 2^64
        1.0 + two(-24),   // halfway between two f32 values (rounds to even)
        1.0 + 3.0 * two(-24),
        f64::from(f32::MAX),
        f64::from(f32::MAX) + two(103), // f32 max plus half an f32 ulp
        f64::from(f32::from_bits(1)),   // smallest f32 subnormal
        f64::from(f32::from_bits(1)) / 2.0,
    ]
    .iter()
    .map(|x: &f64| x.to_bits())
    .collect();
    edges.extend([
        0x7ff8_0000_0000_0000, // canonical NaN
        0xfff8_0000_0000_0000, // negative quiet NaN
        0x7ff8_0000_0000_0001, // quiet NaN with a payload
        0x7ff0_0000_0000_0001, // signalling NaN
        0xfff4_0000_0000_0000,
        0x7fff_ffff_ffff_ffff,
        0x0000_0000_0000_0001, // smallest subnormal
        0x000f_ffff_ffff_ffff, // largest subnormal
        0x8000_0000_0000_0001,
    ]);
    edges
}

fn float64(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 | 1 => rng.pick(&FLOAT64_EDGES),
        2 => rng.next_u64(),
        3 => {
            // Small multiples of 1/4: exact ties for the rounding operations.
            (((rng.below(4001) as f64) - 2000.0) / 4.0).to_bits()
        }
        4 => rng.next_u64() & 0x800f_ffff_ffff_ffff, // subnormal or zero, either sign
        _ => {
            // A normal number within 2^±70: where sums and products stay finite.
            let sign = rng.below(2) << 63;
            let exponent = 1023 - 70 + rng.below(141);
            sign | exponent << 52 | rng.next_u64() >> 12
        }
    }
}

/// The f32 edge values, built once.
static FLOAT32_EDGES: LazyLock<Vec<u32>> = LazyLock::new(float32_edges);

fn float32_edges() -> Vec<u32> {
    let two = |e: i32| 2f32.powi(e);
    let mut edges: Vec<u32> = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        3.5,
        0.1,
        3.0,
        0.5 - two(-25),
        two(23) - 0.5,
        two(23) + 1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::EPSILON,
        two(63),
        -two(63),
        two(63) - two(39), // largest below 2^63
        two(64),
        two(64) - two(40), // largest below 2^64
    ]
    .iter()
    .map(|x: &f32| x.to_bits())
    .collect();
    edges.extend([
        0x7fc0_0000, // canonical NaN
        0xffc0_0000,
        0x7fc0_0001,
        0x7f80_0001, // signalling NaN
        0x7fff_ffff,
        0x0000_0001, // smallest subnormal
        0x007f_ffff, // largest subnormal
        0x8000_0001,
    ]);
    edges
}

fn float32(rng: &mut Rng) -> u32 {
    match rng.below(6) {
        0 | 1 => rng.pick(&FLOAT32_EDGES),
        2 => rng.next_u64() as u32,
        3 => (((rng.below(4001) as f32) - 2000.0) / 4.0).to_bits(),
        4 => rng.next_u64() as u32 & 0x807f_ffff,
        _ => {
            let sign = (rng.below(2) as u32) << 31;
            let exponent = 127 - 30 + rng.below(61) as u32;
            sign | exponent << 23 | (rng.next_u64() as u32) >> 9
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_counts_its_checks() {
        let a = generate(1, 8);
        let b = generate(1, 8);
        assert_eq!(a.cases, b.cases);
        assert!(a.checks > 8 * a.opcodes);
        assert!(a.opcodes >= 88, "{}", a.opcodes);
        let other = generate(2, 8);
        assert_ne!(a.cases, other.cases);
    }

    #[test]
    fn instructions_follow_the_operand_order_of_the_table() {
        assert_eq!(instruction(Opcode::Add, 0), "add r0, r1, r2");
        assert_eq!(instruction(Opcode::Addi, -5), "addi r0, r1, -5");
        assert_eq!(instruction(Opcode::Ffma, 0), "ffma r0, r1, r2, r3");
        assert_eq!(instruction(Opcode::Fsqrt, 0), "fsqrt r0, r1");
    }
}
