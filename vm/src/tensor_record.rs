//! What `Config::record_tensor_ops` keeps of the tensor instructions a run executes:
//! per instruction and shapes, how often, how long and how much work; and which
//! instruction made each tensor, so that the ones never freed can be named.

use std::collections::HashMap;
use std::time::Duration;

use adead_isa::Opcode;

/// One tensor instruction with one set of shapes, over all its executions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorOpProfile {
    /// The instruction (its global pc).
    pub pc: u32,
    /// Its opcode.
    pub opcode: Opcode,
    /// The shapes of its tensor inputs, in operand order (ops that write a tensor;
    /// empty for the others).
    pub inputs: Vec<Vec<usize>>,
    /// The shape of the tensor it wrote or made (`None` for ops that make none).
    pub output: Option<Vec<usize>>,
    /// Executions with these shapes that completed.
    pub executions: u64,
    /// Their time, kernels included.
    pub time: Duration,
    /// Their multiply-adds (products and attention; 0 for the other ops).
    pub multiply_adds: u64,
}

/// A tensor still live: its handle, shape, and the instruction that made it
/// (`None` for one the host made).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveTensor {
    /// The handle the program sees.
    pub handle: u64,
    /// Its shape now.
    pub shape: Vec<usize>,
    /// The `tnew` that made it (its global pc), when recorded.
    pub made_at: Option<u32>,
}

/// The tensors of an instance over all its calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TensorProfile {
    /// The most bytes live tensors held at once (as `Config::max_tensor_bytes` counts
    /// them).
    pub peak_bytes: u64,
    /// Bytes live tensors hold now.
    pub live_bytes: u64,
    /// With `Config::record_tensor_ops`: each tensor instruction and shape set, in the
    /// order first seen.
    pub ops: Option<Vec<TensorOpProfile>>,
    /// The tensors live now, in slot order.
    pub live: Vec<LiveTensor>,
}

/// An instruction (its global pc) with its input shapes and its result's.
type OpKey = (u32, Vec<Vec<usize>>, Option<Vec<usize>>);

/// The recording kept while a run executes.
#[derive(Debug, Default)]
pub(crate) struct TensorRecord {
    ops: Vec<TensorOpProfile>,
    index: HashMap<OpKey, usize>,
    /// Live handle -> the instruction that made it.
    pub made_at: HashMap<u64, u32>,
}

impl TensorRecord {
    /// Adds one completed execution.
    pub(crate) fn add(
        &mut self,
        pc: u32,
        opcode: Opcode,
        inputs: Vec<Vec<usize>>,
        output: Option<Vec<usize>>,
        time: Duration,
        multiply_adds: u64,
    ) {
        let key = (pc, inputs, output);
        let at = match self.index.get(&key) {
            Some(&at) => at,
            None => {
                let (pc, inputs, output) = key.clone();
                self.ops.push(TensorOpProfile {
                    pc,
                    opcode,
                    inputs,
                    output,
                    executions: 0,
                    time: Duration::ZERO,
                    multiply_adds: 0,
                });
                self.index.insert(key, self.ops.len() - 1);
                self.ops.len() - 1
            }
        };
        let op = &mut self.ops[at];
        op.executions += 1;
        op.time += time;
        op.multiply_adds = op.multiply_adds.saturating_add(multiply_adds);
    }

    pub(crate) fn ops(&self) -> &[TensorOpProfile] {
        &self.ops
    }
}
