//! Lowering: the ONNX nodes on the path to the selected outputs, in graph order, to a
//! straight-line [`Program`] of tensor instructions on *stores* (the graph's input
//! tensors and the module's own tensors, constants and intermediates), each operand
//! with the shape (view) the instruction reads it as.
//!
//! Constants are folded where that is exact (`Reshape`, `Flatten`, `Transpose`,
//! `Squeeze`, `Unsqueeze`, `Identity`, `Cast` to f32, `Neg` and Gemm's `beta` of a
//! constant); `Reshape`, `Flatten`, `Squeeze`, `Unsqueeze`, `Identity`, `Dropout` and
//! `Cast` of f32 tensors are views (no instruction: the store is reshaped in place
//! before the next instruction that reads it). `MatMul` or `Gemm` followed by an `Add`
//! of a bias row becomes `linear` (bit-identical to `matmul` then `tadd`: the ISA
//! defines it as the matmul chain plus one addition), and with a following `Relu`
//! `linear.relu`, when the intermediate values have no other use.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::dims::{self, Dim, Shape};
use crate::error::{self, ImportError, NodeError, NodeProblem, OutputHint};
use crate::model::{
    self, Const, ConstData, attr, attr_float, attr_int, attr_ints, attr_string, dtype,
};
use crate::onnx::{NodeProto, TensorProto};

/// Where a tensor lives at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Store {
    /// The `i`-th parameter of `infer` (a graph input, owned by the caller).
    Input(usize),
    /// Slot `i` of the module's handle table (a constant or an intermediate).
    Slot(usize),
}

/// What a slot of the handle table holds.
#[derive(Debug)]
pub(crate) enum SlotKind {
    /// A constant, loaded from the data section on the first call.
    Const {
        /// The ONNX value it holds.
        name: String,
        /// Its dimensions (rank 1 to 4).
        dims: Vec<u64>,
        /// Its elements.
        data: Vec<f32>,
    },
    /// An intermediate result, reused by every call.
    Temp,
}

/// A runtime tensor value: a store seen with a shape.
#[derive(Clone, Debug)]
pub(crate) struct TensorVal {
    pub store: Store,
    pub shape: Shape,
    /// The ONNX value's name (for the listing's comments).
    pub name: String,
}

/// A value during lowering.
#[derive(Clone, Debug)]
enum Val {
    Const(Rc<Const>),
    Tensor(TensorVal),
}

/// One instruction: `mnemonic dst, srcs...` (with `scale` as an f32 register operand for
/// `tscale`), each operand read as the shape it carries; `dst` takes the shape given.
#[derive(Debug)]
pub(crate) struct Step {
    /// The ONNX nodes (indices) it computes.
    pub nodes: Vec<usize>,
    pub mnemonic: &'static str,
    pub dst: TensorVal,
    pub srcs: Vec<TensorVal>,
    pub scale: Option<f32>,
}

/// A graph input: `infer`'s parameter.
#[derive(Debug)]
pub(crate) struct InputInfo {
    pub name: String,
    /// Its shape, when the selected outputs need it (else the parameter is ignored).
    pub shape: Option<Shape>,
}

/// The lowered graph.
#[derive(Debug)]
pub(crate) struct Program {
    pub inputs: Vec<InputInfo>,
    pub slots: Vec<SlotKind>,
    pub steps: Vec<Step>,
    /// The selected outputs with their values, each in its own intermediate slot.
    pub outputs: Vec<TensorVal>,
    /// The nodes, for the listing's comments: (name, op type, inputs, outputs).
    pub node_labels: Vec<String>,
}

/// A failure while lowering: a node's (whose hint is computed at the top) or another.
enum Fail {
    Node(NodeError),
    Other(ImportError),
}

impl From<NodeError> for Fail {
    fn from(e: NodeError) -> Fail {
        Fail::Node(e)
    }
}

impl From<ImportError> for Fail {
    fn from(e: ImportError) -> Fail {
        Fail::Other(e)
    }
}

type R<T> = Result<T, Fail>;

/// The ISA's layernorm epsilon.
const LAYERNORM_EPS: f32 = 1e-5;

/// The VM's tensors have rank 1 to 4 (a scalar is stored as `[1]`).
const MAX_RANK: usize = 4;

/// The node's display name: its name, else `#index`.
pub(crate) fn node_name(node: &NodeProto, index: usize) -> String {
    match node.name() {
        "" => format!("#{index}"),
        name => name.to_string(),
    }
}

/// The node's operator, with its domain when that is not the default one.
pub(crate) fn op_label(node: &NodeProto) -> String {
    match node.domain() {
        "" | "ai.onnx" => node.op_type().to_string(),
        domain => format!("{domain}.{}", node.op_type()),
    }
}

/// The operators [`lower`] handles (default domain).
pub(crate) const OPS: &[&str] = &[
    "MatMul",
    "Gemm",
    "Add",
    "Sub",
    "Mul",
    "Sum",
    "Neg",
    "Relu",
    "Sigmoid",
    "Tanh",
    "Exp",
    "Gelu",
    "Softmax",
    "LayerNormalization",
    "Transpose",
    "Reshape",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Dropout",
    "Constant",
    "Cast",
];

/// The graph outputs and what the import selected, with the node graph's structure.
pub(crate) struct Graph<'g> {
    pub nodes: &'g [NodeProto],
    pub opset: i64,
    pub initializers: HashMap<&'g str, &'g TensorProto>,
    /// (name, elem type, shape) of each graph input that is not an initializer.
    pub inputs: Vec<(&'g str, Option<&'g crate::onnx::TypeProto>)>,
    pub graph_outputs: Vec<&'g str>,
    pub selected: Vec<String>,
    /// How many elements folding may create by broadcasting constants (the only fold
    /// whose size is not bounded by the file's own data).
    pub expand_budget: u64,
}

/// Lowers `graph` for its selected outputs.
pub(crate) fn lower(graph: &Graph<'_>) -> Result<Program, ImportError> {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        for out in node.output.iter().filter(|o| !o.is_empty()) {
            if producer.insert(out.as_str(), i).is_some()
                || graph.initializers.contains_key(out.as_str())
                || graph.inputs.iter().any(|(name, _)| name == out)
            {
                return Err(ImportError::Graph(format!(
                    "value `{out}` is defined more than once"
                )));
            }
        }
    }
    let cone = |outputs: &[&str]| -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack: Vec<&str> = outputs.to_vec();
        while let Some(value) = stack.pop() {
            if let Some(&i) = producer.get(value)
                && seen.insert(i)
            {
                stack.extend(graph.nodes[i].input.iter().map(String::as_str));
            }
        }
        seen
    };
    let selected: Vec<&str> = graph.selected.iter().map(String::as_str).collect();
    let needed = cone(&selected);
    let hint_for = |skip: &dyn Fn(&HashSet<usize>, &[&str]) -> bool| -> OutputHint {
        let names = graph
            .graph_outputs
            .iter()
            .filter(|o| {
                let c = cone(&[o]);
                !skip(&c, &[o])
            })
            .map(|o| o.to_string())
            .collect();
        OutputHint(names)
    };
    let node_error = |e: NodeError| -> ImportError {
        let node = &graph.nodes[e.node];
        ImportError::Node {
            node: node_name(node, e.node),
            op_type: op_label(node),
            problem: Box::new(e.problem),
            hint: hint_for(&|c, _| c.contains(&e.node)),
        }
    };
    // Unknown operators first, in graph order: the clearest message for a graph that
    // cannot be imported at all.
    for (i, node) in graph.nodes.iter().enumerate() {
        if needed.contains(&i)
            && (!matches!(node.domain(), "" | "ai.onnx") || !OPS.contains(&node.op_type()))
        {
            return Err(node_error(NodeError {
                node: i,
                problem: NodeProblem::UnknownOp,
            }));
        }
    }
    let mut uses: HashMap<String, usize> = HashMap::new();
    let mut consumers: HashMap<String, Vec<usize>> = HashMap::new();
    for &i in &needed {
        for input in graph.nodes[i].input.iter().filter(|v| !v.is_empty()) {
            *uses.entry(input.clone()).or_default() += 1;
            consumers.entry(input.clone()).or_default().push(i);
        }
    }
    for output in &graph.selected {
        *uses.entry(output.clone()).or_default() += 1;
    }

    let mut lowering = Lowering {
        graph,
        values: HashMap::new(),
        uses,
        consumers,
        selected: graph.selected.iter().cloned().collect(),
        slots: Vec::new(),
        const_slots: HashMap::new(),
        steps: Vec::new(),
        done: HashSet::new(),
        expand_budget: graph.expand_budget,
    };
    let mut inputs = Vec::new();
    for (index, (name, ty)) in graph.inputs.iter().enumerate() {
        let used = lowering.uses.contains_key(*name);
        let shape = if used {
            let shape = input_shape(*ty).map_err(|message| ImportError::Input {
                name: name.to_string(),
                message,
                hint: hint_for(&|_, outs| {
                    // Outputs whose cone reads this input directly or through nodes.
                    let c = cone(outs);
                    outs.contains(name)
                        || c.iter()
                            .any(|&i| graph.nodes[i].input.iter().any(|v| v == name))
                }),
            })?;
            lowering.values.insert(
                name.to_string(),
                Val::Tensor(TensorVal {
                    store: Store::Input(index),
                    shape: shape.clone(),
                    name: name.to_string(),
                }),
            );
            Some(shape)
        } else {
            None
        };
        inputs.push(InputInfo {
            name: name.to_string(),
            shape,
        });
    }
    let mut order: Vec<usize> = needed.iter().copied().collect();
    order.sort_unstable();
    for i in order {
        if lowering.done.contains(&i) {
            continue;
        }
        match lowering.node(i) {
            Ok(()) => {}
            Err(Fail::Node(e)) => return Err(node_error(e)),
            Err(Fail::Other(e)) => return Err(e),
        }
    }
    let outputs = match lowering.finish_outputs() {
        Ok(outputs) => outputs,
        Err(Fail::Node(e)) => return Err(node_error(e)),
        Err(Fail::Other(e)) => return Err(e),
    };
    let node_labels = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                "{} `{}` ({} -> {})",
                op_label(n),
                node_name(n, i),
                n.input.join(", "),
                n.output.join(", ")
            )
        })
        .collect();
    Ok(Program {
        inputs,
        slots: lowering.slots,
        steps: lowering.steps,
        outputs,
        node_labels,
    })
}

/// The shape of a graph input: f32, rank 1 to 4, static but for the first dimension.
fn input_shape(ty: Option<&crate::onnx::TypeProto>) -> Result<Shape, String> {
    use crate::onnx::tensor_shape_proto::dimension::Value as DimValue;
    use crate::onnx::type_proto::Value as TypeValue;
    let Some(TypeValue::TensorType(tensor)) = ty.and_then(|t| t.value.as_ref()) else {
        return Err("is not a tensor; only f32 tensor inputs are supported".into());
    };
    if tensor.elem_type() != dtype::FLOAT {
        return Err(format!(
            "is {}; only f32 tensor inputs are supported",
            model::dtype_name(tensor.elem_type())
        ));
    }
    let Some(shape) = &tensor.shape else {
        return Err(
            "has no shape; the importer needs static shapes (the first dimension may be dynamic)"
                .into(),
        );
    };
    if shape.dim.is_empty() || shape.dim.len() > MAX_RANK {
        return Err(format!(
            "has rank {}; the VM's tensors have rank 1 to 4",
            shape.dim.len()
        ));
    }
    shape
        .dim
        .iter()
        .enumerate()
        .map(|(i, d)| match &d.value {
            Some(DimValue::DimValue(v)) if *v >= 0 => Ok(Dim::fixed(*v as u64)),
            Some(DimValue::DimValue(v)) => Err(format!("dimension {i} is negative ({v})")),
            other if i == 0 => {
                let _ = other;
                Ok(Dim::BATCH)
            }
            Some(DimValue::DimParam(p)) => Err(format!(
                "dimension {i} is dynamic (`{p}`); only the first (batch) dimension may be"
            )),
            None => Err(format!(
                "dimension {i} is dynamic; only the first (batch) dimension may be"
            )),
        })
        .collect()
}

struct Lowering<'a, 'g> {
    graph: &'a Graph<'g>,
    values: HashMap<String, Val>,
    uses: HashMap<String, usize>,
    consumers: HashMap<String, Vec<usize>>,
    selected: HashSet<String>,
    slots: Vec<SlotKind>,
    const_slots: HashMap<String, usize>,
    steps: Vec<Step>,
    done: HashSet<usize>,
    expand_budget: u64,
}

/// The elementwise ops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Elem {
    Add,
    Sub,
    Mul,
}

impl Elem {
    fn mnemonic(self) -> &'static str {
        match self {
            Elem::Add => "tadd",
            Elem::Sub => "tsub",
            Elem::Mul => "tmul",
        }
    }
}

/// `shape` as a row of length `n` the ISA accepts: itself when it already is one (all
/// dimensions 1 but the last), else `[n]`.
fn row_view(shape: &[Dim], n: Dim) -> Shape {
    let is_row = shape.last() == Some(&n) && shape[..shape.len() - 1].iter().all(|d| d.is_one());
    if is_row { shape.to_vec() } else { vec![n] }
}

/// `shape` as rows of length `n`: itself when its last dimension is `n`, else
/// `[elements / n, n]`.
fn rows_view(shape: &[Dim], n: Dim) -> Option<Shape> {
    if shape.last() == Some(&n) {
        return Some(shape.to_vec());
    }
    Some(vec![dims::product(shape)?.div(n)?, n])
}

fn normalize_axis(axis: i64, rank: usize) -> Option<usize> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

impl Lowering<'_, '_> {
    fn node_proto(&self, i: usize) -> &NodeProto {
        &self.graph.nodes[i]
    }

    fn opset(&self) -> i64 {
        self.graph.opset
    }

    /// The value named `name`, reading an initializer on first use.
    fn lookup(&mut self, i: usize, name: &str) -> R<Val> {
        if let Some(v) = self.values.get(name) {
            return Ok(v.clone());
        }
        if let Some(t) = self.graph.initializers.get(name) {
            let c = Val::Const(Rc::new(model::read_tensor(t, name)?));
            self.values.insert(name.to_string(), c.clone());
            return Ok(c);
        }
        Err(error::operand(
            i,
            format!(
                "input `{name}` is not defined before it (not a graph input, an initializer \
                 or an output of an earlier node)"
            ),
        )
        .into())
    }

    /// Whether `name` is available now (defined or an initializer).
    fn available(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.graph.initializers.contains_key(name)
    }

    /// Input `k` of node `i`, required.
    fn input(&mut self, i: usize, k: usize) -> R<Val> {
        let name = self
            .input_name(i, k)
            .ok_or_else(|| error::operand(i, format!("input {k} is missing")))?;
        self.lookup(i, &name)
    }

    fn input_name(&self, i: usize, k: usize) -> Option<String> {
        self.node_proto(i)
            .input
            .get(k)
            .filter(|n| !n.is_empty())
            .cloned()
    }

    /// Input `k` of node `i`, if present.
    fn opt_input(&mut self, i: usize, k: usize) -> R<Option<Val>> {
        match self.input_name(i, k) {
            Some(name) => self.lookup(i, &name).map(Some),
            None => Ok(None),
        }
    }

    fn output_name(&self, i: usize, k: usize) -> R<String> {
        self.node_proto(i)
            .output
            .get(k)
            .filter(|n| !n.is_empty())
            .cloned()
            .ok_or_else(|| error::operand(i, format!("output {k} is missing")).into())
    }

    /// Whether output `k` of node `i` is used on the selected path.
    fn output_used(&self, i: usize, k: usize) -> bool {
        self.node_proto(i)
            .output
            .get(k)
            .is_some_and(|n| !n.is_empty() && self.uses.contains_key(n))
    }

    /// Defines output `k` of node `i`.
    fn define(&mut self, i: usize, k: usize, val: Val) -> R<()> {
        let name = self.output_name(i, k)?;
        let val = match val {
            Val::Tensor(t) => {
                if t.shape.len() > MAX_RANK {
                    return Err(error::shapes(
                        i,
                        format!(
                            "`{name}` would have rank {} ({}); the VM's tensors have rank 1 to 4",
                            t.shape.len(),
                            dims::show(&t.shape)
                        ),
                    )
                    .into());
                }
                Val::Tensor(TensorVal {
                    name: name.clone(),
                    ..t
                })
            }
            c => c,
        };
        self.values.insert(name, val);
        Ok(())
    }

    fn define_tensor(&mut self, i: usize, store: Store, shape: Shape) -> R<()> {
        self.define(
            i,
            0,
            Val::Tensor(TensorVal {
                store,
                shape,
                name: String::new(),
            }),
        )
    }

    fn define_const(&mut self, i: usize, c: Const) -> R<()> {
        self.define(i, 0, Val::Const(Rc::new(c)))
    }

    fn temp(&mut self, name: &str) -> TensorVal {
        self.slots.push(SlotKind::Temp);
        TensorVal {
            store: Store::Slot(self.slots.len() - 1),
            shape: Vec::new(),
            name: name.to_string(),
        }
    }

    /// A runtime tensor for `val` (named `name`): constants get a slot, loaded on the
    /// first call. Only f32 constants can be.
    fn tensor(&mut self, i: usize, name: &str, val: &Val) -> R<TensorVal> {
        match val {
            Val::Tensor(t) => Ok(t.clone()),
            Val::Const(c) => {
                let shape = dims::of_fixed(&c.dims);
                if let Some(&slot) = self.const_slots.get(name) {
                    return Ok(TensorVal {
                        store: Store::Slot(slot),
                        shape,
                        name: name.to_string(),
                    });
                }
                let Some(data) = c.as_f32() else {
                    return Err(NodeError {
                        node: i,
                        problem: NodeProblem::NotF32 {
                            value: name.to_string(),
                            dtype: model::dtype_name(c.dtype()),
                        },
                    }
                    .into());
                };
                if c.dims.len() > MAX_RANK {
                    return Err(error::shapes(
                        i,
                        format!(
                            "constant `{name}` has rank {}; the VM's tensors have rank 1 to 4",
                            c.dims.len()
                        ),
                    )
                    .into());
                }
                let stored = if c.dims.is_empty() {
                    vec![1]
                } else {
                    c.dims.clone()
                };
                self.slots.push(SlotKind::Const {
                    name: name.to_string(),
                    dims: stored,
                    data: data.to_vec(),
                });
                let slot = self.slots.len() - 1;
                self.const_slots.insert(name.to_string(), slot);
                Ok(TensorVal {
                    store: Store::Slot(slot),
                    shape,
                    name: name.to_string(),
                })
            }
        }
    }

    /// Input `k` of node `i` as a runtime tensor.
    fn tensor_input(&mut self, i: usize, k: usize) -> R<TensorVal> {
        let val = self.input(i, k)?;
        let name = self.input_name(i, k).unwrap_or_default();
        self.tensor(i, &name, &val)
    }

    fn push(
        &mut self,
        nodes: Vec<usize>,
        mnemonic: &'static str,
        dst: &TensorVal,
        dst_shape: Shape,
        srcs: Vec<TensorVal>,
        scale: Option<f32>,
    ) {
        self.steps.push(Step {
            nodes,
            mnemonic,
            dst: TensorVal {
                shape: dst_shape,
                ..dst.clone()
            },
            srcs,
            scale,
        });
    }

    /// A new constant value named after node `i`'s output `suffix`.
    fn fold_name(&self, i: usize, suffix: &str) -> String {
        let out = self
            .node_proto(i)
            .output
            .first()
            .cloned()
            .unwrap_or_default();
        format!("{out}{suffix}")
    }

    fn node(&mut self, i: usize) -> R<()> {
        let op = self.node_proto(i).op_type().to_string();
        match op.as_str() {
            "Identity" => {
                let v = self.input(i, 0)?;
                self.define(i, 0, v)
            }
            "Dropout" => self.dropout(i),
            "Constant" => self.constant(i),
            "Cast" => self.cast(i),
            "Relu" => self.unary(i, "relu"),
            "Sigmoid" => self.unary(i, "sigmoid"),
            "Tanh" => self.unary(i, "tanh"),
            "Exp" => self.unary(i, "texp"),
            "Gelu" => {
                let approximate =
                    attr_string(self.node_proto(i), "approximate").unwrap_or_else(|| "none".into());
                if approximate != "tanh" {
                    return Err(error::attribute(
                        i,
                        "approximate",
                        format!("\"{approximate}\""),
                        "\"tanh\" (the ISA's gelu is the tanh approximation; the erf form \
                         would give different results)",
                    )
                    .into());
                }
                self.unary(i, "gelu")
            }
            "Neg" => self.neg(i),
            "Softmax" => self.softmax(i),
            "Add" => self.binary(i, Elem::Add),
            "Sub" => self.binary(i, Elem::Sub),
            "Mul" => self.binary(i, Elem::Mul),
            "Sum" => self.sum(i),
            "MatMul" => self.matmul(i),
            "Gemm" => self.gemm(i),
            "LayerNormalization" => self.layernorm(i),
            "Transpose" => self.transpose(i),
            "Reshape" => self.reshape(i),
            "Flatten" => self.flatten(i),
            "Squeeze" => self.squeeze(i, true),
            "Unsqueeze" => self.squeeze(i, false),
            _ => Err(NodeError {
                node: i,
                problem: NodeProblem::UnknownOp,
            }
            .into()),
        }
    }

    fn unary(&mut self, i: usize, mnemonic: &'static str) -> R<()> {
        let x = self.tensor_input(i, 0)?;
        let out = self.output_name(i, 0)?;
        let dst = self.temp(&out);
        self.push(
            vec![i],
            mnemonic,
            &dst,
            x.shape.clone(),
            vec![x.clone()],
            None,
        );
        self.define_tensor(i, dst.store, x.shape)
    }

    fn neg(&mut self, i: usize) -> R<()> {
        if let Val::Const(c) = self.input(i, 0)?
            && let Some(data) = c.as_f32()
        {
            let negated = data.iter().map(|v| -v).collect();
            return self.define_const(i, Const::f32(c.dims.clone(), negated));
        }
        let x = self.tensor_input(i, 0)?;
        let out = self.output_name(i, 0)?;
        let dst = self.temp(&out);
        // x * -1 is -x exactly (only a NaN's payload becomes the canonical NaN).
        self.push(
            vec![i],
            "tscale",
            &dst,
            x.shape.clone(),
            vec![x.clone()],
            Some(-1.0),
        );
        self.define_tensor(i, dst.store, x.shape)
    }

    fn dropout(&mut self, i: usize) -> R<()> {
        if self.output_used(i, 1) {
            return Err(error::operand(i, "its mask output is not supported").into());
        }
        if let Some(mode) = self.opt_input(i, 2)? {
            let training = match &mode {
                Val::Const(c) => c.as_ints().map(|v| v.iter().any(|&x| x != 0)),
                Val::Tensor(_) => None,
            };
            if training != Some(false) {
                return Err(error::operand(
                    i,
                    "training_mode must be a constant false (inference: Dropout is the identity)",
                )
                .into());
            }
        }
        if attr_int(self.node_proto(i), "is_test") == Some(0) && self.opset() < 7 {
            return Err(error::attribute(i, "is_test", 0, "1 (inference)").into());
        }
        let v = self.input(i, 0)?;
        self.define(i, 0, v)
    }

    fn constant(&mut self, i: usize) -> R<()> {
        let node = self.node_proto(i);
        let name = self.output_name(i, 0)?;
        let c = if let Some(t) = attr(node, "value").and_then(|a| a.t.as_ref()) {
            model::read_tensor(t, &name)?
        } else if let Some(a) = attr(node, "value_float") {
            Const::f32(Vec::new(), vec![a.f()])
        } else if let Some(a) = attr(node, "value_floats") {
            Const::f32(vec![a.floats.len() as u64], a.floats.clone())
        } else if let Some(a) = attr(node, "value_int") {
            Const {
                dims: Vec::new(),
                data: ConstData::Int(vec![a.i()]),
            }
        } else if let Some(a) = attr(node, "value_ints") {
            Const {
                dims: vec![a.ints.len() as u64],
                data: ConstData::Int(a.ints.clone()),
            }
        } else {
            let which = node
                .attribute
                .first()
                .map_or("none".to_string(), |a| a.name().to_string());
            return Err(error::attribute(
                i,
                &which,
                "(set)",
                "value (a dense tensor), value_float(s), value_int(s)",
            )
            .into());
        };
        self.define_const(i, c)
    }

    fn cast(&mut self, i: usize) -> R<()> {
        let to = attr_int(self.node_proto(i), "to").unwrap_or(0) as i32;
        let v = self.input(i, 0)?;
        let name = self.input_name(i, 0).unwrap_or_default();
        match (&v, to) {
            (Val::Tensor(_), dtype::FLOAT) => self.define(i, 0, v),
            (Val::Const(c), dtype::FLOAT) => {
                let data: Vec<f32> = match &c.data {
                    ConstData::F32(d) => d.clone(),
                    ConstData::F64(d) => d.iter().map(|&x| x as f32).collect(),
                    ConstData::Int(d) => d.iter().map(|&x| x as f32).collect(),
                    ConstData::Other(t) => {
                        return Err(NodeError {
                            node: i,
                            problem: NodeProblem::NotF32 {
                                value: name,
                                dtype: model::dtype_name(*t),
                            },
                        }
                        .into());
                    }
                };
                self.define_const(i, Const::f32(c.dims.clone(), data))
            }
            (Val::Const(c), dtype::INT64 | dtype::INT32) if c.as_ints().is_some() => {
                self.define(i, 0, v)
            }
            _ => Err(error::attribute(
                i,
                "to",
                model::dtype_name(to),
                "1, float (f32): casts to other types cannot be computed",
            )
            .into()),
        }
    }

    fn softmax(&mut self, i: usize) -> R<()> {
        let x = self.tensor_input(i, 0)?;
        let rank = x.shape.len().max(1);
        let legacy = self.opset() < 13;
        let axis_attr = attr_int(self.node_proto(i), "axis").unwrap_or(if legacy { 1 } else { -1 });
        let axis = normalize_axis(axis_attr, rank)
            .ok_or_else(|| error::attribute(i, "axis", axis_attr, "an axis of the input"))?;
        let view = if axis + 1 == rank || x.shape.is_empty() {
            x.shape.clone()
        } else if legacy {
            // Before opset 13 Softmax works on the input flattened to 2-D at `axis`.
            let rows = dims::product(&x.shape[..axis]);
            let cols = dims::product(&x.shape[axis..]);
            match (rows, cols) {
                (Some(r), Some(c)) => vec![r, c],
                _ => return Err(error::shapes(i, "the flattened shape needs N²").into()),
            }
        } else {
            return Err(error::attribute(
                i,
                "axis",
                axis_attr,
                "the last axis (-1); the ISA's softmax is row-wise",
            )
            .into());
        };
        let out = self.output_name(i, 0)?;
        let dst = self.temp(&out);
        let src = TensorVal {
            shape: view.clone(),
            ..x.clone()
        };
        self.push(vec![i], "softmax", &dst, view, vec![src], None);
        self.define_tensor(i, dst.store, x.shape)
    }

    fn sum(&mut self, i: usize) -> R<()> {
        let count = self.node_proto(i).input.len();
        if count == 1 {
            let v = self.input(i, 0)?;
            return self.define(i, 0, v);
        }
        let out = self.output_name(i, 0)?;
        let first = self.tensor_input(i, 0)?;
        let dst = self.temp(&out);
        let mut acc = first.clone();
        for k in 1..count {
            let next = self.tensor_input(i, k)?;
            if next.shape != first.shape {
                return Err(error::shapes(
                    i,
                    format!(
                        "Sum of {} and {}: only inputs of one shape are supported",
                        dims::show(&first.shape),
                        dims::show(&next.shape)
                    ),
                )
                .into());
            }
            self.push(
                vec![i],
                "tadd",
                &dst,
                first.shape.clone(),
                vec![acc, next],
                None,
            );
            acc = TensorVal {
                shape: first.shape.clone(),
                ..dst.clone()
            };
        }
        self.define_tensor(i, dst.store, first.shape)
    }

    fn binary(&mut self, i: usize, op: Elem) -> R<()> {
        let legacy_broadcast = attr_int(self.node_proto(i), "broadcast").unwrap_or(0) != 0;
        if self.opset() < 7 && legacy_broadcast && attr(self.node_proto(i), "axis").is_some() {
            // The legacy broadcast at an axis other than the suffix is rare; refuse it
            // unless it is the suffix (the numpy rule then gives the same result).
            let axis = attr_int(self.node_proto(i), "axis").unwrap_or(0);
            let a = self.input(i, 0)?;
            let b = self.input(i, 1)?;
            let (ra, rb) = (self.rank_of(&a), self.rank_of(&b));
            if axis < 0 || axis as usize + rb != ra {
                return Err(error::attribute(
                    i,
                    "axis",
                    axis,
                    "the suffix position (legacy broadcast of trailing dimensions)",
                )
                .into());
            }
        }
        let a = self.input(i, 0)?;
        let b = self.input(i, 1)?;
        if self.opset() < 7 && !legacy_broadcast && self.shape_of(&a) != self.shape_of(&b) {
            return Err(error::shapes(
                i,
                "before opset 7 inputs of different shapes need broadcast=1",
            )
            .into());
        }
        let names = (
            self.input_name(i, 0).unwrap_or_default(),
            self.input_name(i, 1).unwrap_or_default(),
        );
        let out = self.output_name(i, 0)?;
        let (store, shape) = self.elementwise(vec![i], op, (&names.0, a), (&names.1, b), &out)?;
        self.define_tensor(i, store, shape)
    }

    fn rank_of(&self, v: &Val) -> usize {
        match v {
            Val::Const(c) => c.dims.len(),
            Val::Tensor(t) => t.shape.len(),
        }
    }

    fn shape_of(&self, v: &Val) -> Shape {
        match v {
            Val::Const(c) => dims::of_fixed(&c.dims),
            Val::Tensor(t) => t.shape.clone(),
        }
    }

    /// `a op b` with numpy broadcasting as far as the ISA computes it exactly: equal
    /// shapes, one operand a row broadcast over the other's trailing dimensions (a
    /// scalar included), a constant expanded to the other's static shape, and `x * c`
    /// for a scalar constant as `tscale`. Returns the result's store and shape.
    fn elementwise(
        &mut self,
        nodes: Vec<usize>,
        op: Elem,
        (a_name, a): (&str, Val),
        (b_name, b): (&str, Val),
        out: &str,
    ) -> R<(Store, Shape)> {
        let i = nodes[0];
        let (sa, sb) = (self.shape_of(&a), self.shape_of(&b));
        let Some(result) = dims::broadcast(&sa, &sb) else {
            return Err(error::shapes(
                i,
                format!(
                    "{} and {} do not broadcast",
                    dims::show(&sa),
                    dims::show(&sb)
                ),
            )
            .into());
        };
        // x * c for a scalar constant c: one tscale.
        if op == Elem::Mul {
            for (x, c, x_name) in [(&a, &b, a_name), (&b, &a, b_name)] {
                if let (Val::Tensor(_), Val::Const(k)) = (x, c)
                    && let Some([s]) = k.as_f32()
                    && dims::product(&result) == dims::product(&self.shape_of(x))
                {
                    let xt = self.tensor(i, x_name, x)?;
                    let dst = self.temp(out);
                    self.push(nodes, "tscale", &dst, xt.shape.clone(), vec![xt], Some(*s));
                    return Ok((dst.store, result));
                }
            }
        }
        let commutative = op != Elem::Sub;
        let at = self.tensor(i, a_name, &a)?;
        let bt = self.tensor(i, b_name, &b)?;
        let dst = self.temp(out);
        if sa == sb {
            self.push(nodes, op.mnemonic(), &dst, sa.clone(), vec![at, bt], None);
            return Ok((dst.store, result));
        }
        if let Some(n) = dims::row_broadcast(&sa, &sb) {
            let av = rows_view(&sa, n).ok_or_else(|| error::shapes(i, "a view needs N²"))?;
            let a_view = TensorVal {
                shape: av.clone(),
                ..at
            };
            let b_view = TensorVal {
                shape: row_view(&sb, n),
                ..bt
            };
            self.push(nodes, op.mnemonic(), &dst, av, vec![a_view, b_view], None);
            return Ok((dst.store, result));
        }
        if let Some(n) = dims::row_broadcast(&sb, &sa) {
            let bv = rows_view(&sb, n).ok_or_else(|| error::shapes(i, "a view needs N²"))?;
            let b_view = TensorVal {
                shape: bv.clone(),
                ..bt
            };
            let a_view = TensorVal {
                shape: row_view(&sa, n),
                ..at
            };
            self.push(
                nodes.clone(),
                op.mnemonic(),
                &dst,
                bv.clone(),
                vec![b_view, a_view],
                None,
            );
            if !commutative {
                // a - b = -(b - a) exactly (IEEE subtraction rounds symmetrically).
                let d = TensorVal {
                    shape: bv.clone(),
                    ..dst.clone()
                };
                self.push(nodes, "tscale", &dst, bv, vec![d], Some(-1.0));
            }
            return Ok((dst.store, result));
        }
        // A constant operand broadcast to the other's static shape.
        for (swap, c) in [(false, &b), (true, &a)] {
            let Val::Const(k) = c else { continue };
            let other = if swap { &sb } else { &sa };
            if dims::fixed(other).is_none() || result != *other {
                continue;
            }
            let Some(data) = k.as_f32() else { continue };
            let expanded = self.expand(i, data, &k.dims, other)?;
            let name = format!("{out}.{}", if swap { "a" } else { "b" });
            let kt = self.tensor(i, &name, &Val::Const(Rc::new(expanded)))?;
            let (x, y) = if swap {
                (kt, self.tensor(i, b_name, &b)?)
            } else {
                (self.tensor(i, a_name, &a)?, kt)
            };
            self.push(nodes, op.mnemonic(), &dst, result.clone(), vec![x, y], None);
            return Ok((dst.store, result));
        }
        Err(error::shapes(
            i,
            format!(
                "{} of {} and {}: supported are equal shapes, one operand broadcast as a row \
                 over the other's trailing dimensions (or a scalar), and a constant that \
                 broadcasts to the other's static shape",
                op.mnemonic(),
                dims::show(&sa),
                dims::show(&sb)
            ),
        )
        .into())
    }

    /// Broadcasts constant `data` of `dims` to the static shape `to`.
    fn expand(&mut self, i: usize, data: &[f32], from: &[u64], to: &[Dim]) -> R<Const> {
        let to: Vec<u64> = dims::fixed(to).unwrap_or_default();
        let count: u64 = to.iter().product();
        if count > self.expand_budget {
            return Err(ImportError::TooLarge(format!(
                "node {i}: broadcasting a constant to {to:?} passes the importer's bound on \
                 constants it creates"
            ))
            .into());
        }
        self.expand_budget -= count;
        let rank = to.len();
        let pad = rank - from.len();
        let from_full: Vec<u64> = std::iter::repeat_n(1, pad)
            .chain(from.iter().copied())
            .collect();
        let mut out = Vec::with_capacity(count as usize);
        let mut index = vec![0u64; rank];
        for _ in 0..count {
            let mut src = 0u64;
            for d in 0..rank {
                let coord = if from_full[d] == 1 { 0 } else { index[d] };
                src = src * from_full[d] + coord;
            }
            out.push(data[src as usize]);
            for d in (0..rank).rev() {
                index[d] += 1;
                if index[d] < to[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        Ok(Const::f32(to, out))
    }

    /// The single consumer of value `name` if it is an `op` node, `name` is not a
    /// selected output and has no other use.
    fn sole_consumer(&self, name: &str, op: &str) -> Option<usize> {
        if self.selected.contains(name) || self.uses.get(name) != Some(&1) {
            return None;
        }
        let &[j] = self.consumers.get(name)?.as_slice() else {
            return None;
        };
        let node = self.node_proto(j);
        (node.op_type() == op && matches!(node.domain(), "" | "ai.onnx")).then_some(j)
    }

    /// Whether `mm` (node `i`'s result of shape `shape`) can take the bias of the Add
    /// that consumes it: returns (Add node, bias value name, bias value).
    fn fusable_bias(&mut self, i: usize, shape: &[Dim]) -> R<Option<(usize, String, Val)>> {
        let out = self.output_name(i, 0)?;
        let Some(j) = self.sole_consumer(&out, "Add") else {
            return Ok(None);
        };
        let add = self.node_proto(j);
        if add.input.len() != 2 || (self.opset() < 7 && attr(add, "axis").is_some()) {
            return Ok(None);
        }
        let other = if add.input[0] == out {
            &add.input[1]
        } else {
            &add.input[0]
        };
        if other == &out || !self.available(other) {
            return Ok(None);
        }
        let other = other.clone();
        let bias = self.lookup(j, &other)?;
        if let Val::Const(c) = &bias
            && c.as_f32().is_none()
        {
            return Ok(None);
        }
        let sb = self.shape_of(&bias);
        let n = *shape.last().unwrap_or(&Dim::fixed(0));
        let fits = dims::row_broadcast(shape, &sb) == Some(n)
            && dims::broadcast(shape, &sb).as_deref() == Some(shape);
        Ok(fits.then_some((j, other, bias)))
    }

    /// Emits `dst = a . b` (+ bias, relu) for a plain product `a [m, k] . b [k, n]`
    /// (views), fusing the Add and Relu that follow node `i` when they can be; defines the
    /// last fused node's output with `out_shape`.
    #[allow(clippy::too_many_arguments)] // the product's operands, shapes and options
    fn product(
        &mut self,
        mut nodes: Vec<usize>,
        a: TensorVal,
        b: TensorVal,
        mm_shape: Shape,
        out_shape: Shape,
        bias: Option<TensorVal>,
        linear_ok: bool,
    ) -> R<()> {
        let i = nodes[0];
        let last = *nodes.last().unwrap_or(&i);
        let mut bias = bias.map(|t| (t, None));
        if bias.is_none()
            && linear_ok
            && let Some((j, name, val)) = self.fusable_bias(last, &out_shape)?
        {
            let t = self.tensor(j, &name, &val)?;
            bias = Some((t, Some(j)));
        }
        let Some((bias, add)) = bias else {
            let out = self.output_name(last, 0)?;
            let dst = self.temp(&out);
            self.push(nodes, "matmul", &dst, mm_shape, vec![a, b], None);
            return self.define_tensor(last, dst.store, out_shape);
        };
        nodes.extend(add);
        let head = *nodes.last().unwrap_or(&i);
        let relu = self
            .output_name(head, 0)
            .ok()
            .and_then(|o| self.sole_consumer(&o, "Relu"));
        nodes.extend(relu);
        let tail = *nodes.last().unwrap_or(&i);
        let n = *mm_shape.last().unwrap_or(&Dim::fixed(0));
        let bias = TensorVal {
            shape: row_view(&bias.shape, n),
            ..bias
        };
        let out = self.output_name(tail, 0)?;
        let dst = self.temp(&out);
        let mnemonic = if relu.is_some() {
            "linear.relu"
        } else {
            "linear"
        };
        for &k in &nodes[1..] {
            self.done.insert(k);
        }
        self.push(nodes, mnemonic, &dst, mm_shape, vec![a, b, bias], None);
        self.define_tensor(tail, dst.store, out_shape)
    }

    fn matmul(&mut self, i: usize) -> R<()> {
        let a = self.tensor_input(i, 0)?;
        let b = self.tensor_input(i, 1)?;
        let (sa, sb) = (a.shape.clone(), b.shape.clone());
        let mismatch = || {
            error::shapes(
                i,
                format!(
                    "MatMul of {} and {}: supported are [.., M, K] x [K, N], [M, K] x [K] and \
                     [B, M, K] x [B, K, N] with equal K (and B)",
                    dims::show(&sa),
                    dims::show(&sb)
                ),
            )
        };
        match (sa.len(), sb.len()) {
            (ra @ 1.., 2) => {
                let (k, n) = (sb[0], sb[1]);
                if sa[ra - 1] != k {
                    return Err(mismatch().into());
                }
                let rows = dims::product(&sa[..ra - 1]).ok_or_else(mismatch)?;
                let a_view = TensorVal {
                    shape: vec![rows, k],
                    ..a
                };
                let mut out_shape = sa[..ra - 1].to_vec();
                out_shape.push(n);
                self.product(vec![i], a_view, b, vec![rows, n], out_shape, None, true)
            }
            (2, 1) => {
                if sa[1] != sb[0] {
                    return Err(mismatch().into());
                }
                let b_view = TensorVal {
                    shape: vec![sb[0], Dim::fixed(1)],
                    ..b
                };
                self.product(
                    vec![i],
                    a,
                    b_view,
                    vec![sa[0], Dim::fixed(1)],
                    vec![sa[0]],
                    None,
                    false,
                )
            }
            (3, 3) if sa[0] == sb[0] && sa[2] == sb[1] => {
                let shape = vec![sa[0], sa[1], sb[2]];
                self.product(vec![i], a, b, shape.clone(), shape, None, false)
            }
            _ => Err(mismatch().into()),
        }
    }

    /// `val` (input `k` of node `i`) transposed: folded for a constant, a `transpose`
    /// instruction for a tensor.
    fn transposed(&mut self, i: usize, k: usize) -> R<TensorVal> {
        let val = self.input(i, k)?;
        let name = self.input_name(i, k).unwrap_or_default();
        if let Val::Const(c) = &val
            && c.dims.len() == 2
        {
            let folded = transpose_const(c, &[1, 0]);
            let t_name = format!("{name}^T");
            return self.tensor(i, &t_name, &Val::Const(Rc::new(folded)));
        }
        let t = self.tensor(i, &name, &val)?;
        if t.shape.len() != 2 {
            return Err(error::shapes(
                i,
                format!(
                    "Gemm needs 2-D inputs, `{name}` is {}",
                    dims::show(&t.shape)
                ),
            )
            .into());
        }
        let dst = self.temp(&format!("{name}^T"));
        let shape = vec![t.shape[1], t.shape[0]];
        self.push(vec![i], "transpose", &dst, shape.clone(), vec![t], None);
        Ok(TensorVal { shape, ..dst })
    }

    fn gemm(&mut self, i: usize) -> R<()> {
        let node = self.node_proto(i);
        let trans_a = attr_int(node, "transA").unwrap_or(0) != 0;
        let trans_b = attr_int(node, "transB").unwrap_or(0) != 0;
        let alpha = attr_float(node, "alpha").unwrap_or(1.0);
        let beta = attr_float(node, "beta").unwrap_or(1.0);
        let a = if trans_a {
            self.transposed(i, 0)?
        } else {
            self.tensor_input(i, 0)?
        };
        let b = if trans_b {
            self.transposed(i, 1)?
        } else {
            self.tensor_input(i, 1)?
        };
        if a.shape.len() != 2 || b.shape.len() != 2 || a.shape[1] != b.shape[0] {
            return Err(error::shapes(
                i,
                format!(
                    "Gemm of {} and {} (after transA/transB): needs [M, K] x [K, N]",
                    dims::show(&a.shape),
                    dims::show(&b.shape)
                ),
            )
            .into());
        }
        let shape = vec![a.shape[0], b.shape[1]];
        let c = if beta == 0.0 {
            None
        } else {
            self.opt_input(i, 2)?
        };
        let c_name = self.input_name(i, 2).unwrap_or_default();
        // beta * C: folded for a constant, a tscale for a tensor.
        let c = match c {
            None => None,
            Some(v) if beta == 1.0 => Some((c_name, v)),
            Some(Val::Const(k)) if k.as_f32().is_some() => {
                let data = k
                    .as_f32()
                    .unwrap_or_default()
                    .iter()
                    .map(|&x| beta * x)
                    .collect();
                let name = format!("{c_name}*beta");
                Some((name, Val::Const(Rc::new(Const::f32(k.dims.clone(), data)))))
            }
            Some(v) => {
                let t = self.tensor(i, &c_name, &v)?;
                let dst = self.temp(&format!("{c_name}*beta"));
                self.push(
                    vec![i],
                    "tscale",
                    &dst,
                    t.shape.clone(),
                    vec![t.clone()],
                    Some(beta),
                );
                Some((
                    dst.name.clone(),
                    Val::Tensor(TensorVal {
                        shape: t.shape,
                        ..dst
                    }),
                ))
            }
        };
        if alpha == 1.0 {
            if let Some((name, v)) = &c {
                let sc = self.shape_of(v);
                let n = shape[1];
                if dims::row_broadcast(&shape, &sc) == Some(n)
                    && dims::broadcast(&shape, &sc).as_deref() == Some(&shape[..])
                {
                    let bias = self.tensor(i, name, v)?;
                    return self.product(vec![i], a, b, shape.clone(), shape, Some(bias), true);
                }
            } else {
                return self.product(vec![i], a, b, shape.clone(), shape, None, false);
            }
        }
        let out = self.output_name(i, 0)?;
        let mm = self.temp(&format!("{out}.ab"));
        self.push(vec![i], "matmul", &mm, shape.clone(), vec![a, b], None);
        let mm = TensorVal {
            shape: shape.clone(),
            ..mm
        };
        if alpha != 1.0 {
            self.push(
                vec![i],
                "tscale",
                &mm,
                shape.clone(),
                vec![mm.clone()],
                Some(alpha),
            );
        }
        match c {
            None => self.define_tensor(i, mm.store, shape),
            Some((name, v)) => {
                let mm_name = mm.name.clone();
                let (store, result) = self.elementwise(
                    vec![i],
                    Elem::Add,
                    (&mm_name, Val::Tensor(mm)),
                    (&name, v),
                    &out,
                )?;
                if result != shape {
                    return Err(error::shapes(
                        i,
                        format!(
                            "C of shape {} does not broadcast to the result {}",
                            dims::show(&result),
                            dims::show(&shape)
                        ),
                    )
                    .into());
                }
                self.define_tensor(i, store, shape)
            }
        }
    }

    fn layernorm(&mut self, i: usize) -> R<()> {
        let node = self.node_proto(i);
        let eps = attr_float(node, "epsilon").unwrap_or(LAYERNORM_EPS);
        if eps.to_bits() != LAYERNORM_EPS.to_bits() {
            return Err(error::attribute(
                i,
                "epsilon",
                eps,
                "1e-5 (the ISA's layernorm adds 1e-5 to the variance)",
            )
            .into());
        }
        let stash = attr_int(node, "stash_type").unwrap_or(1);
        if stash != 1 {
            return Err(error::attribute(i, "stash_type", stash, "1 (f32)").into());
        }
        if self.output_used(i, 1) || self.output_used(i, 2) {
            return Err(
                error::operand(i, "its Mean and InvStdDev outputs are not supported").into(),
            );
        }
        let axis_attr = attr_int(node, "axis").unwrap_or(-1);
        let x = self.tensor_input(i, 0)?;
        let rank = x.shape.len();
        let axis = normalize_axis(axis_attr, rank)
            .ok_or_else(|| error::attribute(i, "axis", axis_attr, "an axis of the input"))?;
        let n =
            dims::product(&x.shape[axis..]).ok_or_else(|| error::shapes(i, "the row needs N²"))?;
        let x_view = rows_view(&x.shape, n).ok_or_else(|| error::shapes(i, "a view needs N²"))?;
        let x_view = if axis + 1 == rank {
            x.shape.clone()
        } else {
            x_view
        };
        let scale = self.tensor_input(i, 1)?;
        let row = |t: &TensorVal| -> R<TensorVal> {
            if dims::product(&t.shape) != Some(n) {
                return Err(error::shapes(
                    i,
                    format!(
                        "`{}` of shape {} is not one row of the normalised length {n}",
                        t.name,
                        dims::show(&t.shape)
                    ),
                )
                .into());
            }
            Ok(TensorVal {
                shape: row_view(&t.shape, n),
                ..t.clone()
            })
        };
        let scale = row(&scale)?;
        let bias = match self.opt_input(i, 2)? {
            Some(v) => {
                let name = self.input_name(i, 2).unwrap_or_default();
                let t = self.tensor(i, &name, &v)?;
                row(&t)?
            }
            None => {
                let Some(len) = n.fixed_value() else {
                    return Err(
                        error::shapes(i, "the normalised row must have a fixed length").into(),
                    );
                };
                let zeros = Const::f32(vec![len], vec![0.0; len as usize]);
                let name = self.fold_name(i, ".zero_bias");
                self.tensor(i, &name, &Val::Const(Rc::new(zeros)))?
            }
        };
        let out = self.output_name(i, 0)?;
        let dst = self.temp(&out);
        let src = TensorVal {
            shape: x_view.clone(),
            ..x.clone()
        };
        self.push(
            vec![i],
            "layernorm",
            &dst,
            x_view,
            vec![src, scale, bias],
            None,
        );
        self.define_tensor(i, dst.store, x.shape)
    }

    fn transpose(&mut self, i: usize) -> R<()> {
        let v = self.input(i, 0)?;
        let shape = self.shape_of(&v);
        let rank = shape.len();
        let perm: Vec<usize> = match attr_ints(self.node_proto(i), "perm") {
            Some(p) => p
                .iter()
                .map(|&x| usize::try_from(x).unwrap_or(usize::MAX))
                .collect(),
            None => (0..rank).rev().collect(),
        };
        let mut sorted = perm.clone();
        sorted.sort_unstable();
        if sorted != (0..rank).collect::<Vec<_>>() {
            return Err(error::attribute(
                i,
                "perm",
                format!("{perm:?}"),
                "a permutation of the input's axes",
            )
            .into());
        }
        if let Val::Const(c) = &v
            && let ConstData::F32(_) = c.data
        {
            return self.define_const(i, transpose_const(c, &perm));
        }
        let out_shape: Shape = perm.iter().map(|&p| shape[p]).collect();
        let x = self.tensor_input(i, 0)?;
        let moved: Vec<usize> = perm
            .iter()
            .copied()
            .filter(|&p| !shape[p].is_one())
            .collect();
        let mut kept = moved.clone();
        kept.sort_unstable();
        if moved == kept {
            // Only axes of size 1 move: the same elements in the same order.
            return self.define_tensor(i, x.store, out_shape);
        }
        if moved.len() == 2 {
            let (p, q) = (kept[0], kept[1]);
            let src = TensorVal {
                shape: vec![shape[p], shape[q]],
                ..x
            };
            let out = self.output_name(i, 0)?;
            let dst = self.temp(&out);
            self.push(
                vec![i],
                "transpose",
                &dst,
                vec![shape[q], shape[p]],
                vec![src],
                None,
            );
            return self.define_tensor(i, dst.store, out_shape);
        }
        Err(error::attribute(
            i,
            "perm",
            format!("{perm:?}"),
            "2-D transposes (two axes of size > 1 swapped; axes of size 1 may move)",
        )
        .into())
    }

    /// Defines node `i`'s output as `v` seen with `shape` (a view, or a folded constant).
    fn view(&mut self, i: usize, v: Val, shape: Shape) -> R<()> {
        match v {
            Val::Const(c) => {
                let dims = dims::fixed(&shape).unwrap_or_default();
                self.define_const(
                    i,
                    Const {
                        dims,
                        data: c.data.clone(),
                    },
                )
            }
            Val::Tensor(t) => {
                if shape.is_empty() {
                    return Err(error::shapes(i, "rank 0 results are not supported").into());
                }
                self.define_tensor(i, t.store, shape)
            }
        }
    }

    fn reshape(&mut self, i: usize) -> R<()> {
        let v = self.input(i, 0)?;
        let spec: Vec<i64> = if self.opset() < 5 {
            attr_ints(self.node_proto(i), "shape")
                .map(<[i64]>::to_vec)
                .unwrap_or_default()
        } else {
            match self.input(i, 1)? {
                Val::Const(c) if c.as_ints().is_some() => c.as_ints().unwrap_or_default().to_vec(),
                _ => {
                    return Err(error::operand(
                        i,
                        "its shape input must be a constant int64 tensor (static shapes)",
                    )
                    .into());
                }
            }
        };
        let allow_zero = attr_int(self.node_proto(i), "allowzero").unwrap_or(0) != 0;
        let input = self.shape_of(&v);
        let out = reshape_target(&input, &spec, allow_zero).map_err(|m| {
            error::shapes(
                i,
                format!("Reshape of {} to {spec:?}: {m}", dims::show(&input)),
            )
        })?;
        self.view(i, v, out)
    }

    fn flatten(&mut self, i: usize) -> R<()> {
        let v = self.input(i, 0)?;
        let shape = self.shape_of(&v);
        let axis_attr = attr_int(self.node_proto(i), "axis").unwrap_or(1);
        let r = shape.len() as i64;
        let axis = if axis_attr < 0 {
            axis_attr + r
        } else {
            axis_attr
        };
        if !(0..=r).contains(&axis) {
            return Err(error::attribute(i, "axis", axis_attr, "0 to the input's rank").into());
        }
        let axis = axis as usize;
        let out = match (dims::product(&shape[..axis]), dims::product(&shape[axis..])) {
            (Some(a), Some(b)) => vec![a, b],
            _ => return Err(error::shapes(i, "the flattened shape needs N²").into()),
        };
        self.view(i, v, out)
    }

    fn squeeze(&mut self, i: usize, squeeze: bool) -> R<()> {
        let v = self.input(i, 0)?;
        let shape = self.shape_of(&v);
        let axes: Option<Vec<i64>> = if self.opset() >= 13 {
            match self.opt_input(i, 1)? {
                None => None,
                Some(Val::Const(c)) if c.as_ints().is_some() => {
                    Some(c.as_ints().unwrap_or_default().to_vec())
                }
                Some(_) => {
                    return Err(error::operand(i, "its axes input must be a constant").into());
                }
            }
        } else {
            attr_ints(self.node_proto(i), "axes").map(<[i64]>::to_vec)
        };
        let out = if squeeze {
            match axes {
                None => {
                    if shape.iter().any(|d| d.batch) {
                        return Err(error::shapes(
                            i,
                            "Squeeze without axes of a shape with a dynamic dimension",
                        )
                        .into());
                    }
                    shape.iter().copied().filter(|d| !d.is_one()).collect()
                }
                Some(axes) => {
                    let mut drop = HashSet::new();
                    for a in axes {
                        let k = normalize_axis(a, shape.len())
                            .filter(|&k| shape[k].is_one())
                            .ok_or_else(|| error::attribute(i, "axes", a, "axes of size 1"))?;
                        drop.insert(k);
                    }
                    shape
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| !drop.contains(k))
                        .map(|(_, d)| *d)
                        .collect()
                }
            }
        } else {
            let axes = axes.ok_or_else(|| error::operand(i, "Unsqueeze needs axes"))?;
            let rank = shape.len() + axes.len();
            let mut ones = HashSet::new();
            for a in axes {
                let k = normalize_axis(a, rank)
                    .ok_or_else(|| error::attribute(i, "axes", a, "axes of the output"))?;
                ones.insert(k);
            }
            let mut rest = shape.iter();
            (0..rank)
                .map(|k| {
                    if ones.contains(&k) {
                        Some(Dim::fixed(1))
                    } else {
                        rest.next().copied()
                    }
                })
                .collect::<Option<Shape>>()
                .ok_or_else(|| error::attribute(i, "axes", "(repeated)", "distinct axes"))?
        };
        self.view(i, v, out)
    }

    /// Gives every selected output its own intermediate slot (copying an input, a
    /// constant, or a tensor another output already returns, with `tscale` by 1, which
    /// keeps every bit but a NaN's payload).
    fn finish_outputs(&mut self) -> R<Vec<TensorVal>> {
        let mut outputs: Vec<TensorVal> = Vec::new();
        for name in self.graph.selected.clone() {
            let val = match self.values.get(&name) {
                Some(v) => v.clone(),
                None if self.graph.initializers.contains_key(name.as_str()) => {
                    self.lookup(0, &name)?
                }
                None => {
                    return Err(
                        ImportError::Graph(format!("output `{name}` is never computed")).into(),
                    );
                }
            };
            let producer = self
                .graph
                .nodes
                .iter()
                .position(|n| n.output.contains(&name))
                .unwrap_or(0);
            let t = self.tensor(producer, &name, &val)?;
            let owned = matches!(t.store, Store::Slot(s) if matches!(self.slots[s], SlotKind::Temp))
                && !outputs.iter().any(|o| o.store == t.store);
            if owned {
                outputs.push(t);
            } else {
                let dst = self.temp(&name);
                self.push(
                    vec![producer],
                    "tscale",
                    &dst,
                    t.shape.clone(),
                    vec![t.clone()],
                    Some(1.0),
                );
                outputs.push(TensorVal {
                    shape: t.shape,
                    ..dst
                });
            }
        }
        Ok(outputs)
    }
}

/// The target of a Reshape: `0` copies the input's dimension (unless `allow_zero`), one
/// `-1` takes what is left.
fn reshape_target(input: &[Dim], spec: &[i64], allow_zero: bool) -> Result<Shape, String> {
    let mut out = Vec::with_capacity(spec.len().min(8));
    let mut infer = None;
    for (k, &s) in spec.iter().enumerate() {
        match s {
            -1 if infer.is_none() => {
                infer = Some(k);
                out.push(Dim::fixed(1));
            }
            -1 => return Err("more than one -1".into()),
            0 if !allow_zero => out.push(*input.get(k).ok_or("a 0 past the input's rank")?),
            s if s < 0 => return Err(format!("dimension {s}")),
            s => out.push(Dim::fixed(s as u64)),
        }
    }
    let total = dims::product(input).ok_or("the input's size needs N²")?;
    let known = dims::product(&out).ok_or("the shape needs N²")?;
    match infer {
        Some(k) => {
            out[k] = total
                .div(known)
                .ok_or_else(|| format!("{total} elements do not divide into {known}"))?;
        }
        None if known != total => {
            return Err(format!("{total} elements cannot take {known}"));
        }
        None => {}
    }
    Ok(out)
}

/// Constant `c` with its axes permuted by `perm`.
fn transpose_const(c: &Const, perm: &[usize]) -> Const {
    let rank = c.dims.len();
    let out_dims: Vec<u64> = perm.iter().map(|&p| c.dims[p]).collect();
    let mut in_strides = vec![1u64; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        in_strides[d] = in_strides[d + 1] * c.dims[d + 1];
    }
    let count: u64 = out_dims.iter().product();
    let mut index = vec![0u64; rank];
    let mut order = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let src: u64 = (0..rank).map(|d| index[d] * in_strides[perm[d]]).sum();
        order.push(src as usize);
        for d in (0..rank).rev() {
            index[d] += 1;
            if index[d] < out_dims[d] {
                break;
            }
            index[d] = 0;
        }
    }
    let data = match &c.data {
        ConstData::F32(v) => ConstData::F32(order.iter().map(|&k| v[k]).collect()),
        ConstData::F64(v) => ConstData::F64(order.iter().map(|&k| v[k]).collect()),
        ConstData::Int(v) => ConstData::Int(order.iter().map(|&k| v[k]).collect()),
        ConstData::Other(t) => ConstData::Other(*t),
    };
    Const {
        dims: out_dims,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: Dim = Dim::BATCH;
    fn f(n: u64) -> Dim {
        Dim::fixed(n)
    }

    #[test]
    fn reshape_targets() {
        assert_eq!(
            reshape_target(&[N, f(3), f(4)], &[0, -1], false),
            Ok(vec![N, f(12)])
        );
        assert_eq!(
            reshape_target(&[N, f(12)], &[-1, 3, 4], false),
            Ok(vec![N, f(3), f(4)])
        );
        assert_eq!(
            reshape_target(&[f(2), f(6)], &[3, 4], false),
            Ok(vec![f(3), f(4)])
        );
        assert!(reshape_target(&[f(2), f(6)], &[5, -1], false).is_err());
        assert!(reshape_target(&[N, f(6)], &[-1, -1], false).is_err());
        assert!(
            reshape_target(&[N, f(6)], &[4, -1], false).is_err(),
            "N / 4 is not a dimension"
        );
    }

    #[test]
    fn constant_transposes() {
        let c = Const::f32(vec![2, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        let t = transpose_const(&c, &[1, 0]);
        assert_eq!(t.dims, vec![3, 2]);
        assert_eq!(t.as_f32(), Some(&[0.0, 3.0, 1.0, 4.0, 2.0, 5.0][..]));
        let c = Const::f32(vec![2, 1, 2], vec![0.0, 1.0, 2.0, 3.0]);
        let t = transpose_const(&c, &[2, 1, 0]);
        assert_eq!(t.as_f32(), Some(&[0.0, 2.0, 1.0, 3.0][..]));
    }
}
