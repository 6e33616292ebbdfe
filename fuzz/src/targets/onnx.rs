//! The `onnx` target: `adead_import::import` on mutated ONNX model files.
//!
//! Seeds are small models built here with the importer's own protobuf types (an MLP
//! whose layers fuse into `linear.relu` and `linear`, a Gemm with transposed weights,
//! layer normalisation, reshapes, a Constant, and a graph whose second output needs an
//! operator the importer refuses). Inputs are byte-level mutations of corpus entries
//! (`crate::mutate`), so they reach the protobuf decoder, the graph checks and the
//! lowering. For every input:
//!
//! - `import` returns, without panicking, and allocates at most [`alloc_bound`] of the
//!   input's length (the importer may expand a small constant to a static shape within
//!   its own budget, and writes the weights into the listing as text, so the bound is
//!   wider than the `.bib` reader's; what it catches is an allocation sized by a
//!   count the file claims);
//! - what it accepts is a module that verifies and that its listing assembles to.
//!
//! Features: the error's kind, or, for accepted models, the opcodes of the module.

use adead_asm::assemble;
use adead_import::onnx;
use adead_import::{ImportError, Options, import};
use prost::Message;

use crate::alloc;
use crate::driver::{Exec, Target};
use crate::mutate::mutated_entry;
use crate::rng::Rng;
use crate::targets::reader::variant;

/// The largest input the mutator makes.
pub const MAX_INPUT: usize = 64 * 1024;

/// The most `import` may allocate for an input of `len` bytes, in one allocation and in
/// all together: 256 bytes per input byte and 256 MiB (the importer's constant
/// expansion budget is a million elements at least, and the listing spells data out).
pub fn alloc_bound(len: usize) -> usize {
    256 * len + (256 << 20)
}

/// The target.
#[derive(Default)]
pub struct Onnx;

impl Onnx {
    /// The target on `adead_import::import`.
    pub fn new() -> Onnx {
        Onnx
    }
}

fn tensor(name: &str, dims: &[i64], data: &[f32]) -> onnx::TensorProto {
    onnx::TensorProto {
        name: Some(name.into()),
        dims: dims.to_vec(),
        data_type: Some(1),
        raw_data: Some(data.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..Default::default()
    }
}

fn value(name: &str, dims: &[i64]) -> onnx::ValueInfoProto {
    use onnx::tensor_shape_proto::{Dimension, dimension::Value};
    onnx::ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(onnx::TypeProto {
            value: Some(onnx::type_proto::Value::TensorType(
                onnx::type_proto::Tensor {
                    elem_type: Some(1),
                    shape: Some(onnx::TensorShapeProto {
                        dim: dims
                            .iter()
                            .map(|&d| Dimension {
                                value: Some(if d < 0 {
                                    Value::DimParam("N".into())
                                } else {
                                    Value::DimValue(d)
                                }),
                                ..Default::default()
                            })
                            .collect(),
                    }),
                },
            )),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> onnx::NodeProto {
    onnx::NodeProto {
        op_type: Some(op.into()),
        name: Some(format!("{op}_{}", outputs.first().copied().unwrap_or(""))),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn attribute_int(name: &str, i: i64) -> onnx::AttributeProto {
    onnx::AttributeProto {
        name: Some(name.into()),
        i: Some(i),
        r#type: Some(2),
        ..Default::default()
    }
}

fn model(
    nodes: Vec<onnx::NodeProto>,
    inputs: Vec<onnx::ValueInfoProto>,
    outputs: Vec<onnx::ValueInfoProto>,
    weights: Vec<onnx::TensorProto>,
) -> Vec<u8> {
    onnx::ModelProto {
        ir_version: Some(8),
        opset_import: vec![onnx::OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(17),
        }],
        graph: Some(onnx::GraphProto {
            name: Some("seed".into()),
            node: nodes,
            input: inputs,
            output: outputs,
            initializer: weights,
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// The seed models.
pub fn seed_models() -> Vec<Vec<u8>> {
    let ramp = |n: usize| (0..n).map(|i| (i as f32 * 0.37).sin()).collect::<Vec<_>>();
    let mlp = model(
        vec![
            node("MatMul", &["x", "w1"], &["h0"]),
            node("Add", &["h0", "b1"], &["h1"]),
            node("Relu", &["h1"], &["h"]),
            node("MatMul", &["h", "w2"], &["z0"]),
            node("Add", &["z0", "b2"], &["z"]),
            node("Softmax", &["z"], &["p"]),
        ],
        vec![value("x", &[-1, 4])],
        vec![value("p", &[-1, 3])],
        vec![
            tensor("w1", &[4, 5], &ramp(20)),
            tensor("b1", &[5], &ramp(5)),
            tensor("w2", &[5, 3], &ramp(15)),
            tensor("b2", &[3], &ramp(3)),
        ],
    );
    let mut gemm = node("Gemm", &["x", "w", "b"], &["y"]);
    gemm.attribute = vec![attribute_int("transB", 1)];
    let gemm = model(
        vec![gemm, node("Tanh", &["y"], &["t"])],
        vec![value("x", &[2, 3])],
        vec![value("t", &[2, 4])],
        vec![tensor("w", &[4, 3], &ramp(12)), tensor("b", &[4], &ramp(4))],
    );
    let norm = model(
        vec![
            node("LayerNormalization", &["x", "g", "b"], &["n"]),
            node("Sigmoid", &["n"], &["s"]),
        ],
        vec![value("x", &[3, 4])],
        vec![value("s", &[3, 4])],
        vec![tensor("g", &[4], &ramp(4)), tensor("b", &[4], &ramp(4))],
    );
    let mut constant = node("Constant", &[], &["c"]);
    constant.attribute = vec![onnx::AttributeProto {
        name: Some("value".into()),
        t: Some(tensor("c", &[1, 6], &ramp(6))),
        r#type: Some(4),
        ..Default::default()
    }];
    let shapes = model(
        vec![
            node("Flatten", &["x"], &["f"]),
            constant,
            node("Mul", &["f", "c"], &["m"]),
            node("Reshape", &["m", "shape"], &["r"]),
            node("Transpose", &["r"], &["t"]),
        ],
        vec![value("x", &[2, 3, 2])],
        vec![value("t", &[3, 4])],
        vec![onnx::TensorProto {
            name: Some("shape".into()),
            dims: vec![2],
            data_type: Some(7),
            int64_data: vec![4, 3],
            ..Default::default()
        }],
    );
    let refused = model(
        vec![
            node("Relu", &["x"], &["y"]),
            node("ArgMax", &["y"], &["label"]),
        ],
        vec![value("x", &[2, 5])],
        vec![value("y", &[2, 5]), value("label", &[2, 1])],
        vec![],
    );
    vec![mlp, gemm, norm, shapes, refused]
}

impl Target for Onnx {
    type Input = Vec<u8>;

    fn name(&self) -> &'static str {
        "onnx"
    }

    fn extension(&self) -> &'static str {
        "onnx"
    }

    fn seeds(&mut self) -> Result<Vec<Vec<u8>>, String> {
        if !alloc::installed() {
            return Err("the onnx target measures allocations: install \
                        `adead_fuzz::alloc::Counting` as the global allocator"
                .to_string());
        }
        Ok(seed_models())
    }

    fn generate(&mut self, rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
        mutated_entry(rng, corpus, MAX_INPUT)
    }

    fn check(&mut self, input: &Vec<u8>, exec: &mut Exec) -> Result<(), String> {
        let (result, usage) = alloc::measure(|| import(input, &Options::default()));
        let bound = alloc_bound(input.len());
        if usage.largest > bound || usage.total > bound {
            return Err(format!(
                "import allocated {} bytes in one allocation and {} in all ({} requests) for \
                 an input of {} bytes; the bound is {bound}",
                usage.largest,
                usage.total,
                usage.requests,
                input.len()
            ));
        }
        let imported = match result {
            Err(error) => {
                exec.tally("refused");
                let kind = match &error {
                    ImportError::Node { problem, .. } => {
                        format!("node {}", variant(&format!("{problem:?}")))
                    }
                    other => variant(&format!("{other:?}")).to_string(),
                };
                exec.feature(&format!("refused {kind}"));
                // The message must render (it is what users see).
                let _ = error.to_string();
                return Ok(());
            }
            Ok(imported) => imported,
        };
        exec.tally("imported");
        for instr in &imported.module.code {
            exec.feature_value("opcode", u64::from(instr.opcode().word()));
        }
        if let Err(error) = adead_isa::verify(imported.module.clone()) {
            return Err(format!("an imported module does not verify: {error}"));
        }
        match assemble(&imported.listing, "import.asm") {
            Ok(again) if again.code == imported.module.code => Ok(()),
            Ok(_) => Err("the listing assembles to other code than the module's".into()),
            Err(diagnostics) => Err(format!(
                "the listing of an imported model does not assemble:\n{}",
                diagnostics.render(&imported.listing, "import.asm")
            )),
        }
    }

    fn encode(&self, input: &Vec<u8>) -> Vec<u8> {
        input.clone()
    }

    fn decode(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }
}
