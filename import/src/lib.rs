//! # adead-import: ONNX models to verified ADead-BIB modules
//!
//! This crate's one concern is turning an ONNX graph into a module. [`import`] reads the
//! model's protobuf bytes (prost types generated from the official `onnx-ml.proto`, see
//! [`onnx`]), keeps the nodes the selected outputs need, lowers them to the tensor
//! instructions of the ISA (fusing MatMul/Gemm + Add (+ Relu) into `linear` /
//! `linear.relu`), writes that as an assembly listing whose comments name the ONNX nodes
//! of every instruction, and assembles the listing with `adead-asm` into a module that
//! has passed the verifier. Initializers and constants go to the module's data section.
//!
//! The module exports `infer`, taking one tensor handle per graph input (in graph order)
//! and returning the handle of the first selected output, and `output(k)`, the handle of
//! selected output `k` of the last call. The tensors it returns belong to the module:
//! the next call overwrites them. The first dimension of an input may be dynamic (the
//! batch size); `infer` traps `user` 1 when an input's shape differs from the model's.
//!
//! Only what the ISA computes exactly is imported: anything else (an operator or
//! attribute value not supported, a tensor that is not f32, a dynamic dimension past the
//! first) is an [`ImportError`] naming the node, with a hint to select other outputs
//! when some do not need it.
//!
//! ```
//! use adead_import::{import, Options, onnx};
//! use prost::Message;
//!
//! // y = relu(x) for x of shape [batch, 4].
//! let dim = |v: Option<i64>| onnx::tensor_shape_proto::Dimension {
//!     value: v.map(onnx::tensor_shape_proto::dimension::Value::DimValue),
//!     ..Default::default()
//! };
//! let value = |name: &str, dims: Vec<onnx::tensor_shape_proto::Dimension>| onnx::ValueInfoProto {
//!     name: Some(name.into()),
//!     r#type: Some(onnx::TypeProto {
//!         value: Some(onnx::type_proto::Value::TensorType(onnx::type_proto::Tensor {
//!             elem_type: Some(1),
//!             shape: Some(onnx::TensorShapeProto { dim: dims }),
//!         })),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! let model = onnx::ModelProto {
//!     opset_import: vec![onnx::OperatorSetIdProto { domain: Some(String::new()), version: Some(17) }],
//!     graph: Some(onnx::GraphProto {
//!         node: vec![onnx::NodeProto {
//!             op_type: Some("Relu".into()),
//!             input: vec!["x".into()],
//!             output: vec!["y".into()],
//!             ..Default::default()
//!         }],
//!         input: vec![value("x", vec![dim(None), dim(Some(4))])],
//!         output: vec![value("y", vec![dim(None), dim(Some(4))])],
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! let imported = import(&model.encode_to_vec(), &Options::default()).unwrap();
//! assert!(imported.listing.contains("relu"));
//! assert_eq!(imported.module.exports.len(), 2);
//! ```

mod dims;
mod emit;
mod error;
mod lower;
mod model;
pub mod onnx;

use std::collections::HashMap;

use prost::Message;

pub use error::{ImportError, NodeProblem, OutputHint};

/// The operators the importer supports, with their limits, as error messages list them.
pub const SUPPORTED_OPS: &str = "MatMul, Gemm, Add, Sub, Mul, Sum (equal shapes), Neg, Relu, \
    Sigmoid, Tanh, Exp, Gelu (approximate=\"tanh\"), Softmax (last axis), LayerNormalization \
    (epsilon 1e-5), Transpose (2-D), Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout \
    (inference), Constant, Cast (to float); all on f32 tensors of rank 1 to 4";

/// What to import.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The graph outputs to compute, in the order `output(k)` numbers them; `infer`
    /// returns the first. Empty: every graph output.
    pub outputs: Vec<String>,
    /// A name for the model in the listing's header (its file name).
    pub source_name: String,
}

/// An imported model.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The verified module.
    pub module: adead_isa::Module,
    /// The assembly listing it was assembled from, with the ONNX nodes in comments.
    pub listing: String,
    /// `infer`'s parameters: each graph input's name and shape (`[N, 64]`), or `None`
    /// for an input the selected outputs do not need.
    pub inputs: Vec<(String, Option<String>)>,
    /// The selected outputs' names and shapes.
    pub outputs: Vec<(String, String)>,
}

/// Imports the ONNX model in `bytes`.
pub fn import(bytes: &[u8], options: &Options) -> Result<Imported, ImportError> {
    let model =
        onnx::ModelProto::decode(bytes).map_err(|e| ImportError::Malformed(e.to_string()))?;
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| ImportError::Malformed("the model has no graph".into()))?;
    let opset = model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain(), "" | "ai.onnx"))
        .map(|o| o.version())
        .ok_or_else(|| ImportError::Graph("the model imports no default-domain opset".into()))?;
    let mut initializers = HashMap::new();
    for t in &graph.initializer {
        if initializers.insert(t.name(), t).is_some() {
            return Err(ImportError::Graph(format!(
                "initializer `{}` is defined more than once",
                t.name()
            )));
        }
    }
    let inputs: Vec<(&str, Option<&onnx::TypeProto>)> = graph
        .input
        .iter()
        .filter(|i| !initializers.contains_key(i.name()))
        .map(|i| (i.name(), i.r#type.as_ref()))
        .collect();
    let graph_outputs: Vec<&str> = graph.output.iter().map(|o| o.name()).collect();
    let mut selected: Vec<String> = Vec::new();
    if options.outputs.is_empty() {
        selected.extend(graph_outputs.iter().map(|s| s.to_string()));
    } else {
        for name in &options.outputs {
            if !graph_outputs.contains(&name.as_str()) {
                let available: Vec<String> =
                    graph_outputs.iter().map(|o| format!("`{o}`")).collect();
                return Err(ImportError::UnknownOutput {
                    name: name.clone(),
                    available: available.join(", "),
                });
            }
            if !selected.contains(name) {
                selected.push(name.clone());
            }
        }
    }
    if selected.is_empty() {
        return Err(ImportError::Graph("the graph has no outputs".into()));
    }
    let lowered = lower::lower(&lower::Graph {
        nodes: &graph.node,
        opset,
        initializers,
        inputs,
        graph_outputs,
        selected,
        expand_budget: (bytes.len() as u64 / 4).max(1 << 20),
    })?;
    let producer = match (model.producer_name(), model.producer_version()) {
        ("", _) => "unknown".to_string(),
        (name, "") => name.to_string(),
        (name, version) => format!("{name} {version}"),
    };
    let source = if options.source_name.is_empty() {
        "an ONNX model".to_string()
    } else {
        format!("`{}`", options.source_name)
    };
    let header = emit::Header {
        lines: vec![
            format!("generated by adead-import from {source}"),
            format!(
                "producer: {producer}; opset {opset}; graph `{}`; {} nodes, {} on the path to the selected outputs",
                graph.name(),
                graph.node.len(),
                lowered.steps.iter().map(|s| s.nodes.len()).sum::<usize>()
            ),
        ],
    };
    let listing = emit::listing(&lowered, &header)?;
    let module = adead_asm::assemble(&listing, "import.asm")
        .map_err(|diagnostics| ImportError::Internal(diagnostics.render(&listing, "import.asm")))?;
    Ok(Imported {
        module,
        listing,
        inputs: lowered
            .inputs
            .iter()
            .map(|i| (i.name.clone(), i.shape.as_deref().map(dims::show)))
            .collect(),
        outputs: lowered
            .outputs
            .iter()
            .map(|o| (o.name.clone(), dims::show(&o.shape)))
            .collect(),
    })
}
