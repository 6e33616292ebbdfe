//! [`ImportError`]: everything that can stop an import, each naming what it is about.

use std::fmt;

/// Why a model could not be imported. Node errors name the node, its operator and what
/// is supported instead, with a hint to select other outputs (`--output`) when some of
/// the graph's outputs do not need the node.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not a well-formed ONNX protobuf (malformed or truncated).
    #[error("not a readable ONNX model: {0}")]
    Malformed(String),
    /// The graph's structure is broken: a value used before it is defined, duplicate
    /// definitions, a model without a graph.
    #[error("invalid graph: {0}")]
    Graph(String),
    /// An initializer or a constant's data does not match its declared type and shape,
    /// or lies outside the file.
    #[error("tensor `{name}`: {message}")]
    Tensor {
        /// The tensor's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// A graph input the selected outputs need has a type or shape the VM cannot take.
    #[error("graph input `{name}` {message}{hint}")]
    Input {
        /// The input's name.
        name: String,
        /// What is wrong with it.
        message: String,
        /// Outputs that do not need this input, if any.
        hint: OutputHint,
    },
    /// `--output` named a value that is not an output of the graph.
    #[error("`{name}` is not an output of the graph; its outputs are {available}")]
    UnknownOutput {
        /// The name asked for.
        name: String,
        /// The graph's outputs, quoted and comma separated.
        available: String,
    },
    /// A node on the path to the selected outputs cannot be imported exactly.
    #[error("node `{node}` ({op_type}): {problem}{hint}")]
    Node {
        /// The node's name, or `#index` for an unnamed node.
        node: String,
        /// Its operator, with its domain when that is not the default one.
        op_type: String,
        /// What is not supported.
        problem: Box<NodeProblem>,
        /// Outputs that do not need this node, if any.
        hint: OutputHint,
    },
    /// The model is larger than the module format or the importer's bounds allow.
    #[error("the model is too large: {0}")]
    TooLarge(String),
    /// The generated listing did not assemble or verify: a bug of the importer.
    #[error("internal error: the generated module does not assemble: {0}")]
    Internal(String),
}

/// What is not supported about a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeProblem {
    /// The operator is not one the importer knows.
    #[error("operator not supported; supported: {}", crate::SUPPORTED_OPS)]
    UnknownOp,
    /// An attribute has a value the importer cannot compute exactly.
    #[error("attribute `{attribute}` = {value} is not supported; supported: {supported}")]
    Attribute {
        /// The attribute's name.
        attribute: String,
        /// Its value, as text.
        value: String,
        /// The values that are supported.
        supported: String,
    },
    /// A tensor the node reads or makes is not f32.
    #[error("`{value}` is {dtype}; only f32 tensors can be computed (the VM's tensors are f32)")]
    NotF32 {
        /// The value's name.
        value: String,
        /// Its element type.
        dtype: String,
    },
    /// The operands' shapes are outside what the node's lowering supports.
    #[error("{0}")]
    Shapes(String),
    /// An input the node needs is missing or not a constant where one is required.
    #[error("{0}")]
    Operand(String),
}

/// The graph outputs that do not depend on a failing node: importing them alone with
/// `--output` avoids it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OutputHint(pub Vec<String>);

impl fmt::Display for OutputHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.0.iter().map(|n| format!("`{n}`")).collect();
        let flags: Vec<String> = self.0.iter().map(|n| format!("--output {n}")).collect();
        let (noun, verb) = if self.0.len() == 1 {
            ("output", "does")
        } else {
            ("outputs", "do")
        };
        write!(
            f,
            " (the graph {noun} {} {verb} not need it: import without it with `{}`)",
            names.join(", "),
            flags.join(" ")
        )
    }
}

/// A node error before the node's name and the hint are known (lowering works on node
/// indices).
#[derive(Debug)]
pub(crate) struct NodeError {
    pub node: usize,
    pub problem: NodeProblem,
}

/// Shorthand for a shapes problem of node `node`.
pub(crate) fn shapes(node: usize, message: impl Into<String>) -> NodeError {
    NodeError {
        node,
        problem: NodeProblem::Shapes(message.into()),
    }
}

/// Shorthand for an operand problem of node `node`.
pub(crate) fn operand(node: usize, message: impl Into<String>) -> NodeError {
    NodeError {
        node,
        problem: NodeProblem::Operand(message.into()),
    }
}

/// Shorthand for an unsupported attribute value of node `node`.
pub(crate) fn attribute(
    node: usize,
    attribute: &str,
    value: impl fmt::Display,
    supported: &str,
) -> NodeError {
    NodeError {
        node,
        problem: NodeProblem::Attribute {
            attribute: attribute.to_string(),
            value: value.to_string(),
            supported: supported.to_string(),
        },
    }
}
