//! Random tensor programs give the same outcome on every kernel path and thread count.
//!
//! The conformance suite pins each tensor op down with hand-derived expectations; this
//! property test adds programs nobody wrote: square tensors of one random size (sizes
//! chosen around the SIMD widths and the microkernel's tiles), filled with random values
//! including NaN, infinities, -0 and subnormals, then a random sequence of tensor
//! instructions (products, the linear layer, elementwise and row-wise ops, attention,
//! reshapes, frees and new tensors) over four tensor registers. Many sequences end in a
//! trap (a shape mismatch, a freed handle); that is part of the outcome. Every path the
//! CPU has, with 1, 2 and 3 threads, must give the same outcome (result or trap, with
//! its location, message and fuel), and the same live tensors bit for bit.

use adead_kernels::Isa;
use adead_vm::{Config, Engine, Imports, Instance, Module};
use proptest::prelude::*;

/// One instruction of the body: an opcode choice and three tensor-register choices.
type Op = (usize, usize, usize, usize);

/// The instruction `choice` on the square tensors r10 + a, r10 + b, r10 + c (r13 is the
/// row vector for biases and layernorm; r1, r2: the size; r3: size^2; r20: a value;
/// r21: an element index). Most choices keep the shapes square, so that sequences run
/// on; the row reductions, the reshape to one row, tfree and a bad index change shapes
/// or handles and lead to traps.
fn instruction(choice: usize, a: usize, b: usize, c: usize) -> String {
    let [a, b, c, e] = [a, b, c, (a + b + c) % 3].map(|t| format!("r{}", 10 + t));
    match choice % 24 {
        0 => format!("matmul {a}, {b}, {c}"),
        1 => format!("transpose {a}, {b}"),
        2 => format!("softmax {a}, {b}"),
        3 => format!("relu {a}, {b}"),
        4 => format!("gelu {a}, {b}"),
        5 => format!("sigmoid {a}, {b}"),
        6 => format!("tanh {a}, {b}"),
        7 => format!("texp {a}, {b}"),
        8 => format!("tadd {a}, {b}, {c}"),
        9 => format!("tsub {a}, {b}, {c}"),
        10 => format!("tmul {a}, {b}, {c}"),
        11 => format!("tscale {a}, {b}, r20"),
        12 => format!("layernorm {a}, {b}, r13, r13"),
        13 => format!("rowsum {a}, {b}"),
        14 => format!("rowmax {a}, {b}"),
        15 => format!("argmax {a}, {b}"),
        16 => format!("attention {a}, {b}, {c}, {e}"),
        17 => format!("attention.causal {a}, {b}, {c}, {e}"),
        18 => format!("linear {a}, {b}, {c}, r13"),
        19 => format!("linear.relu {a}, {b}, {c}, r13"),
        20 => format!("treshape {a}, r3, 1"),
        21 => format!("tset {a}, r21, r20"),
        22 => format!("tfree {a}"),
        _ => format!("tnew {a}, r1, 2"),
    }
}

fn program(size: u64, fills: &[u32; 4], value: u32, index: u64, ops: &[Op]) -> String {
    let mut text = format!(
        ".func main params=0 regs=32\n\
         movi r1, {size}\n movi r2, {size}\n movi r3, {}\n\
         tnew r10, r1, 2\n tnew r11, r1, 2\n tnew r12, r1, 2\n tnew r13, r1, 1\n",
        size * size
    );
    for (t, bits) in fills.iter().enumerate() {
        text += &format!(" movi r20, {bits}\n tfill r{}, r20\n", 10 + t);
    }
    // Now and then one past the last element: tset traps.
    let index = index % (size * size + 1);
    text += &format!(" movi r20, {value}\n movi r21, {index}\n");
    for &(choice, a, b, c) in ops {
        text += &format!(" {}\n", instruction(choice, a % 3, b % 3, c % 3));
    }
    text + " halt\n.end\n"
}

/// The outcome of `source` on one path and thread count, and every live tensor with its
/// handle, shape and bits, and the bytes the instance counts for them.
fn outcome(source: &str, isa: Isa, threads: usize) -> String {
    let engine = Engine::new(Config {
        kernel_isa: Some(isa),
        kernel_threads: threads,
        fuel: Some(100_000),
        ..Config::default()
    });
    let module = Module::from_asm(&engine, source, "random.asm").expect("generated program");
    let mut instance = Instance::new(&module, &Imports::new()).expect("no imports");
    let result = instance.call_entry(&[]);
    let mut text = format!("{result:?}\n{} tensor bytes\n", instance.tensor_bytes());
    let mut counted = 0;
    for (handle, t) in instance.tensors() {
        assert_eq!(instance.tensor(handle).map(|x| x.shape()), Ok(t.shape()));
        counted += t.byte_size() as u64 + adead_isa::TENSOR_ENTRY_BYTES;
        let bits: Vec<u32> = t.data().iter().map(|x| x.to_bits()).collect();
        text += &format!("{handle:#x} {:?} {bits:x?}\n", t.shape());
    }
    assert_eq!(
        counted,
        instance.tensor_bytes(),
        "live bytes match the live tensors (elements and entries)"
    );
    text
}

/// f32 bit patterns: ordinary values of a few magnitudes, and the special ones.
fn f32_bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => (-4.0f32..4.0).prop_map(f32::to_bits),
        1 => (-90.0f32..90.0).prop_map(f32::to_bits),
        1 => prop::sample::select(vec![
            f32::NAN.to_bits(),
            0x7FC0_1234,
            f32::INFINITY.to_bits(),
            f32::NEG_INFINITY.to_bits(),
            (-0.0f32).to_bits(),
            1,
            0x8000_0001,
            f32::MAX.to_bits(),
        ]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_tensor_programs_agree_on_every_path_and_thread_count(
        size in prop::sample::select(vec![1u64, 2, 3, 5, 16, 17, 33, 70]),
        fills in prop::array::uniform4(f32_bits()),
        value in f32_bits(),
        index in 0u64..4900,
        ops in prop::collection::vec((0usize..24, 0usize..3, 0usize..3, 0usize..3), 1..24),
    ) {
        let source = program(size, &fills, value, index, &ops);
        let expected = outcome(&source, Isa::Scalar, 1);
        for isa in Isa::available() {
            for threads in [1, 2, 3].into_iter().filter(|&t| (isa, t) != (Isa::Scalar, 1)) {
                let got = outcome(&source, isa, threads);
                prop_assert!(
                    got == expected,
                    "{isa} with {threads} thread(s) differs from scalar/1 on\n{source}\n\
                     scalar/1:\n{expected}\n{isa}/{threads}:\n{got}"
                );
            }
        }
    }
}
