//! The tensor table of an instance and the execution of tensor instructions.
//!
//! Registers hold handles: the low 32 bits are a slot index plus one (so 0 is never a
//! handle), the high 32 bits the slot's generation, which changes when the tensor is
//! freed. A stale or forged handle therefore traps (`bad_tensor`) instead of reaching
//! another tensor. Freed slots are reused last-freed first, so handle values are as
//! deterministic as everything else. Every op that produces a tensor writes it into
//! the existing tensor named by its first operand (replacing contents and shape), so a
//! program allocates its tensors once and an inference loop creates no handles.
//! The bytes of all live tensors are bounded by the engine's `max_tensor_bytes`,
//! checked before any allocation, and their number by `max_tensors` (an empty tensor
//! takes no bytes, but a slot in the table).

use std::time::Instant;

use adead_isa::{Instruction, Opcode, OperandKind, TENSOR_ENTRY_BYTES, TrapKind, ValueType};
use adead_kernels::{
    Destination, KernelError, Kernels, Tensor, reference::default_attention_scale,
};

use crate::memory::Memory;
use crate::tensor_record::{LiveTensor, TensorProfile, TensorRecord};

/// Layer normalisation's epsilon, fixed by the ISA.
const LAYERNORM_EPS: f32 = 1e-5;

/// A trap raised by a tensor instruction, with a message naming the op and shapes.
pub(crate) type TensorTrap = (TrapKind, Option<String>);

#[derive(Debug, Default)]
struct Slot {
    generation: u32,
    tensor: Option<Tensor>,
}

/// The live tensors of an instance.
#[derive(Debug)]
pub(crate) struct TensorTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live_bytes: u64,
    /// The most `live_bytes` ever held.
    peak_bytes: u64,
    max_bytes: u64,
    max_tensors: u64,
    /// With `Config::record_tensor_ops`.
    record: Option<Box<TensorRecord>>,
}

fn bad_handle(handle: u64) -> TensorTrap {
    bad_tensor_message(not_live(handle))
}

fn not_live(handle: u64) -> String {
    format!("{handle:#x} is not a live tensor handle")
}

fn bad_tensor_message(message: String) -> TensorTrap {
    (TrapKind::BadTensor, Some(message))
}

fn kernel_trap(error: KernelError) -> TensorTrap {
    let kind = match error {
        KernelError::Refused(message) => return bad_tensor_message(message),
        KernelError::TooLarge { .. } | KernelError::OverLimit { .. } => TrapKind::TensorLimit,
        _ => TrapKind::TensorShape,
    };
    (kind, Some(error.to_string()))
}

fn no_host_memory() -> TensorTrap {
    (
        TrapKind::TensorLimit,
        Some("the host cannot provide another tensor".into()),
    )
}

fn shape_trap(message: String) -> TensorTrap {
    (TrapKind::TensorShape, Some(message))
}

impl TensorTable {
    /// An empty table under the two limits, recording its ops when `record` asks
    /// (`Config::record_tensor_ops`).
    pub(crate) fn new(max_bytes: u64, max_tensors: u64, record: bool) -> TensorTable {
        TensorTable {
            slots: Vec::new(),
            free: Vec::new(),
            live_bytes: 0,
            peak_bytes: 0,
            max_bytes,
            max_tensors,
            record: record.then(Box::default),
        }
    }

    /// The peak and live bytes, the live tensors, and the recording if any.
    pub(crate) fn profile(&self) -> TensorProfile {
        let made_at = |handle| self.record.as_ref()?.made_at.get(&handle).copied();
        TensorProfile {
            peak_bytes: self.peak_bytes,
            live_bytes: self.live_bytes,
            ops: self.record.as_ref().map(|record| record.ops().to_vec()),
            live: self
                .live()
                .map(|(handle, tensor)| LiveTensor {
                    handle,
                    shape: tensor.shape().to_vec(),
                    made_at: made_at(handle),
                })
                .collect(),
        }
    }

    fn slot_index(&self, handle: u64) -> Option<usize> {
        let index = (handle as u32).checked_sub(1)? as usize;
        let slot = self.slots.get(index)?;
        (slot.generation == (handle >> 32) as u32 && slot.tensor.is_some()).then_some(index)
    }

    /// The tensor behind `handle`.
    pub(crate) fn get(&self, handle: u64) -> Result<&Tensor, TensorTrap> {
        self.slot_index(handle)
            .and_then(|i| self.slots[i].tensor.as_ref())
            .ok_or_else(|| bad_handle(handle))
    }

    /// The tensor behind `handle`, writable (its element count is fixed: the bytes it
    /// counts toward the limit do not change).
    pub(crate) fn get_mut(&mut self, handle: u64) -> Result<&mut Tensor, TensorTrap> {
        let index = self.slot_index(handle).ok_or_else(|| bad_handle(handle))?;
        self.slots[index]
            .tensor
            .as_mut()
            .ok_or_else(|| bad_handle(handle))
    }

    /// Checks that `bytes` more stay under the limit.
    fn check_room(&self, bytes: u64) -> Result<(), TensorTrap> {
        let after = self.live_bytes.saturating_add(bytes);
        if after > self.max_bytes {
            return Err((
                TrapKind::TensorLimit,
                Some(format!(
                    "{bytes} more tensor bytes would make {after}, over the limit of {}",
                    self.max_bytes
                )),
            ));
        }
        Ok(())
    }

    /// A new tensor of zeros; the limits are checked, then its work (its elements)
    /// paid from `fuel`, before anything is allocated.
    fn create(&mut self, shape: &[usize], fuel: &mut u64) -> Result<u64, TensorTrap> {
        let (elements, bytes) = self.admit(shape)?;
        pay(fuel, elements as u64)?;
        let tensor = Tensor::zeros(shape).map_err(kernel_trap)?;
        Ok(self.place(tensor, bytes))
    }

    /// A new tensor holding a copy of `data`, made by the host: the same limits as
    /// [`TensorTable::create`], no fuel (the host's work is not the program's).
    pub(crate) fn insert(&mut self, shape: &[usize], data: &[f32]) -> Result<u64, TensorTrap> {
        let (elements, bytes) = self.admit(shape)?;
        if data.len() != elements {
            return Err(shape_trap(format!(
                "shape {shape:?} holds {elements} elements, but {} were given",
                data.len()
            )));
        }
        let mut copy = Vec::new();
        if copy.try_reserve_exact(elements).is_err() {
            return Err(no_host_memory());
        }
        copy.extend_from_slice(data);
        let tensor = Tensor::from_vec(shape, copy).map_err(kernel_trap)?;
        let handle = self.place(tensor, bytes);
        self.peak_bytes = self.peak_bytes.max(self.live_bytes);
        Ok(handle)
    }

    /// Checks that one more tensor of `shape` fits the limits and that the table can
    /// take it; its element count and the bytes it will count.
    fn admit(&mut self, shape: &[usize]) -> Result<(usize, u64), TensorTrap> {
        let live = (self.slots.len() - self.free.len()) as u64;
        if live >= self.max_tensors {
            return Err((
                TrapKind::TensorLimit,
                Some(format!(
                    "a new tensor would make {} live tensors, over the limit of {}",
                    live + 1,
                    self.max_tensors
                )),
            ));
        }
        let elements = Tensor::element_count(shape).map_err(kernel_trap)?;
        let bytes = (elements as u64 * 4).saturating_add(TENSOR_ENTRY_BYTES);
        self.check_room(bytes)?;
        if self.free.is_empty() && self.slots.try_reserve(1).is_err() {
            return Err(no_host_memory());
        }
        Ok((elements, bytes))
    }

    /// Puts an admitted tensor in a slot (the last freed first) and returns its handle.
    fn place(&mut self, tensor: Tensor, bytes: u64) -> u64 {
        self.live_bytes += bytes;
        let index = match self.free.pop() {
            Some(index) => index as usize,
            None => {
                self.slots.push(Slot::default());
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        slot.tensor = Some(tensor);
        u64::from(slot.generation) << 32 | (index as u64 + 1)
    }

    /// Gives the tensor behind `handle` a new shape with the same element count.
    fn reshape(&mut self, handle: u64, shape: &[usize]) -> Result<(), TensorTrap> {
        self.get_mut(handle)?.set_shape(shape).map_err(kernel_trap)
    }

    /// Frees the tensor behind `handle`; the handle goes stale.
    pub(crate) fn free(&mut self, handle: u64) -> Result<(), TensorTrap> {
        let index = self.slot_index(handle).ok_or_else(|| bad_handle(handle))?;
        let slot = &mut self.slots[index];
        if let Some(tensor) = slot.tensor.take() {
            self.live_bytes -= tensor.byte_size() as u64 + TENSOR_ENTRY_BYTES;
        }
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index as u32);
        Ok(())
    }

    /// The live tensors with their handles, in slot order.
    pub(crate) fn live(&self) -> impl Iterator<Item = (u64, &Tensor)> {
        self.slots.iter().enumerate().filter_map(|(index, slot)| {
            let handle = u64::from(slot.generation) << 32 | (index as u64 + 1);
            slot.tensor.as_ref().map(|t| (handle, t))
        })
    }

    /// Bytes held by live tensors: their elements', and `TENSOR_ENTRY_BYTES` each.
    pub(crate) fn live_bytes(&self) -> u64 {
        self.live_bytes
    }
}

/// Reads a dimension list from registers: rank 1 to 4, each dimension a usize.
fn dims(regs: &[u64], first: usize, count: usize) -> Result<Vec<usize>, TensorTrap> {
    if !(1..=adead_kernels::MAX_RANK).contains(&count) {
        return Err(shape_trap(format!(
            "a tensor has 1 to {} dimensions, not {count}",
            adead_kernels::MAX_RANK
        )));
    }
    regs[first..first + count]
        .iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| {
                (
                    TrapKind::TensorLimit,
                    Some(format!("dimension {d} is too large")),
                )
            })
        })
        .collect()
}

fn element_index(tensor: &Tensor, index: u64) -> Result<usize, TensorTrap> {
    match usize::try_from(index) {
        Ok(i) if i < tensor.len() => Ok(i),
        _ => Err(shape_trap(format!(
            "index {index} is outside a tensor of {} elements (shape {:?})",
            tensor.len(),
            tensor.shape()
        ))),
    }
}

/// The memory range of a tensor's elements at `addr`, or an out-of-bounds trap.
fn memory_range(
    memory: &Memory,
    addr: u64,
    tensor: &Tensor,
) -> Result<std::ops::Range<usize>, TensorTrap> {
    let len = tensor.byte_size();
    adead_isa::semantics::effective_address(addr, 0, len as u64, memory.len())
        .map(|start| start..start + len)
        .map_err(|kind| (kind, None))
}

/// `out[i] = f32::from_le_bytes(bytes[4i..4i + 4])`: linear memory is little-endian, so
/// on a little-endian host this is one `memcpy` (a 200 KB `tload` measured 2x faster
/// than the element loop).
fn copy_from_le_bytes(bytes: &[u8], out: &mut [f32]) {
    if cfg!(target_endian = "little") {
        bytemuck::cast_slice_mut::<f32, u8>(out).copy_from_slice(bytes);
    } else {
        for (x, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
    }
}

/// The inverse of [`copy_from_le_bytes`].
fn copy_to_le_bytes(values: &[f32], bytes: &mut [u8]) {
    if cfg!(target_endian = "little") {
        bytes.copy_from_slice(bytemuck::cast_slice::<f32, u8>(values));
    } else {
        for (b, x) in bytes.chunks_exact_mut(4).zip(values) {
            b.copy_from_slice(&x.to_le_bytes());
        }
    }
}

/// The work (`crate::work`) of an op that writes a tensor (`into_tensor`), from its
/// inputs' shapes: multiply-adds for the products, queries times the elements of the
/// keys and values per head for attention, the elements of rB for the rest. 0 when an
/// input is not a live tensor (the op then traps before it works).
fn produce_work(table: &TensorTable, instr: &Instruction, regs: &[u64]) -> u64 {
    let tensor = |i: usize| table.get(regs[instr.reg(i) as usize]).ok();
    match instr.opcode() {
        Opcode::Matmul | Opcode::Linear | Opcode::LinearRelu => match (tensor(1), tensor(2)) {
            (Some(a), Some(b)) => {
                let n = b.shape().last().copied().unwrap_or(0) as u64;
                (a.len() as u64).saturating_mul(n)
            }
            _ => 0,
        },
        Opcode::Attention | Opcode::AttentionCausal => match (tensor(1), tensor(2), tensor(3)) {
            (Some(q), Some(k), Some(v)) => {
                let d = q.shape().last().copied().unwrap_or(1).max(1) as u64;
                let heads = if q.rank() == 3 {
                    q.shape()[0].max(1) as u64
                } else {
                    1
                };
                let queries = q.len() as u64 / d;
                queries.saturating_mul((k.len() + v.len()) as u64) / heads
            }
            _ => 0,
        },
        _ => tensor(1).map_or(0, |t| t.len() as u64),
    }
}

/// Pays `work` from `fuel` (see `crate::work`), as a tensor trap.
fn pay(fuel: &mut u64, work: u64) -> Result<(), TensorTrap> {
    crate::work::pay(fuel, work).map_err(|kind| (kind, None))
}

/// Everything a tensor instruction touches.
pub(crate) struct TensorContext<'a> {
    pub table: &'a mut TensorTable,
    pub kernels: &'a Kernels,
    pub memory: &'a mut Memory,
}

impl TensorContext<'_> {
    /// Executes one tensor instruction, the one at global pc `pc`, on the frame
    /// `regs`, paying for its work from `fuel` (see `crate::work`:
    /// `TrapKind::OutOfFuel` means it could not, and did nothing).
    pub(crate) fn execute(
        &mut self,
        pc: u32,
        instr: &Instruction,
        regs: &mut [u64],
        fuel: &mut u64,
    ) -> Result<(), TensorTrap> {
        let result = if self.table.record.is_some() {
            self.execute_recorded(pc, instr, regs, fuel)
        } else {
            self.execute_op(instr, regs, fuel)
        };
        self.table.peak_bytes = self.table.peak_bytes.max(self.table.live_bytes);
        result
    }

    /// [`TensorContext::execute`] with the recording: the shapes, the time and the
    /// work of an execution that completes, and who made and freed which tensor.
    fn execute_recorded(
        &mut self,
        pc: u32,
        instr: &Instruction,
        regs: &mut [u64],
        fuel: &mut u64,
    ) -> Result<(), TensorTrap> {
        let op = instr.opcode();
        let produces = op.flags().into_tensor;
        let shape =
            |table: &TensorTable, handle: u64| table.get(handle).ok().map(|t| t.shape().to_vec());
        // The inputs of an op that writes a tensor: its integer source registers after
        // the destination (the f32 ones are scalars).
        let inputs: Vec<Vec<usize>> = if produces {
            (op.operands()
                .iter()
                .zip(op.value_types())
                .enumerate()
                .skip(1))
            .filter(|(_, (kind, ty))| **kind == OperandKind::Src && **ty == Some(ValueType::Int))
            .filter_map(|(i, _)| shape(self.table, regs[instr.reg(i) as usize]))
            .collect()
        } else {
            Vec::new()
        };
        let multiply_adds = match op {
            Opcode::Matmul
            | Opcode::Linear
            | Opcode::LinearRelu
            | Opcode::Attention
            | Opcode::AttentionCausal => produce_work(self.table, instr, regs),
            _ => 0,
        };
        let first = regs[instr.reg(0) as usize];
        let started = Instant::now();
        let result = self.execute_op(instr, regs, fuel);
        let time = started.elapsed();
        if result.is_ok() {
            let made = regs[instr.reg(0) as usize];
            let output = (produces || op == Opcode::TensorNew)
                .then(|| shape(self.table, made))
                .flatten();
            if let Some(record) = self.table.record.as_mut() {
                match op {
                    Opcode::TensorNew => {
                        record.made_at.insert(made, pc);
                    }
                    Opcode::TensorFree => {
                        record.made_at.remove(&first);
                    }
                    _ => {}
                }
                record.add(pc, op, inputs, output, time, multiply_adds);
            }
        }
        result
    }

    fn execute_op(
        &mut self,
        instr: &Instruction,
        regs: &mut [u64],
        fuel: &mut u64,
    ) -> Result<(), TensorTrap> {
        if instr.opcode().flags().into_tensor {
            self.produce(instr, regs, fuel)
        } else {
            self.execute_table_op(instr, regs, fuel)
        }
    }

    /// Runs an op that writes its result into the tensor named by operand 0.
    ///
    /// The destination is taken out of the table and handed to the kernel, which asks
    /// it for the result's buffer once the inputs are validated: the byte limit is
    /// checked there, before anything is allocated, and the result reuses the
    /// destination's allocation. A destination that is also an input stays in the
    /// table while the op reads it; the result then goes to a fresh tensor.
    fn produce(
        &mut self,
        instr: &Instruction,
        regs: &[u64],
        fuel: &mut u64,
    ) -> Result<(), TensorTrap> {
        let work = produce_work(self.table, instr, regs);
        let handle = regs[instr.reg(0) as usize];
        // An invalid destination is reported when the op asks for it, after the
        // inputs' handles and shapes were checked (the order every tier keeps).
        let index = self.table.slot_index(handle);
        let aliased = reads_handle(instr, regs, handle);
        let old_bytes = index
            .and_then(|i| self.table.slots[i].tensor.as_ref())
            .map_or(0, |t| t.byte_size() as u64);
        let mut target = match index {
            Some(i) if !aliased => self.table.slots[i].tensor.take(),
            Some(_) => Some(Tensor::zeros(&[0]).map_err(kernel_trap)?),
            None => None,
        };
        let mut destination = Budgeted {
            handle,
            tensor: target.as_mut(),
            others: self.table.live_bytes - old_bytes,
            limit: self.table.max_bytes,
            work,
            fuel,
            short: false,
        };
        let mut result = run_op(self.kernels, self.table, instr, regs, &mut destination);
        if destination.short {
            result = Err((TrapKind::OutOfFuel, None));
        }
        // The destination goes back even when the op failed (it may have been reset),
        // and the live bytes count whatever it holds now.
        if let (Some(i), Some(tensor)) = (index, target)
            && (!aliased || result.is_ok())
        {
            self.table.live_bytes = self.table.live_bytes - old_bytes + tensor.byte_size() as u64;
            self.table.slots[i].tensor = Some(tensor);
        }
        result
    }

    /// The ops that create, free, move or inspect tensors.
    fn execute_table_op(
        &mut self,
        instr: &Instruction,
        regs: &mut [u64],
        fuel: &mut u64,
    ) -> Result<(), TensorTrap> {
        let reg = |i: usize| regs[instr.reg(i) as usize];
        let table = &mut *self.table;
        match instr.opcode() {
            Opcode::TensorNew => {
                let shape = dims(regs, instr.reg(1) as usize, instr.word(2) as usize)?;
                regs[instr.reg(0) as usize] = table.create(&shape, fuel)?;
            }
            Opcode::TensorFree => table.free(reg(0))?,
            Opcode::TensorFill => {
                let value = f32::from_bits(reg(1) as u32);
                let tensor = table.get_mut(reg(0))?;
                pay(fuel, tensor.len() as u64)?;
                tensor.data_mut().fill(value);
            }
            Opcode::TensorLoad => {
                let tensor = table.get_mut(reg(0))?;
                let range = memory_range(self.memory, reg(1), tensor)?;
                pay(fuel, tensor.len() as u64)?;
                let bytes = &self.memory.bytes()[range];
                copy_from_le_bytes(bytes, tensor.data_mut());
            }
            Opcode::TensorStore => {
                let tensor = table.get(reg(1))?;
                let range = memory_range(self.memory, reg(0), tensor)?;
                pay(fuel, tensor.len() as u64)?;
                let bytes = &mut self.memory.bytes_mut()[range];
                copy_to_le_bytes(tensor.data(), bytes);
            }
            Opcode::TensorRank => {
                regs[instr.reg(0) as usize] = table.get(reg(1))?.rank() as u64;
            }
            Opcode::TensorDim => {
                let tensor = table.get(reg(1))?;
                let axis = instr.word(2) as i32;
                let dim = usize::try_from(axis)
                    .ok()
                    .and_then(|a| tensor.shape().get(a))
                    .ok_or_else(|| {
                        shape_trap(format!(
                            "tdim: axis {axis} of a tensor of shape {:?}",
                            tensor.shape()
                        ))
                    })?;
                regs[instr.reg(0) as usize] = *dim as u64;
            }
            Opcode::TensorReshape => {
                let shape = dims(regs, instr.reg(1) as usize, instr.word(2) as usize)?;
                table.reshape(reg(0), &shape)?;
            }
            Opcode::TensorGet => {
                let tensor = table.get(reg(1))?;
                let i = element_index(tensor, reg(2))?;
                regs[instr.reg(0) as usize] = u64::from(tensor.data()[i].to_bits());
            }
            Opcode::TensorSet => {
                let value = f32::from_bits(reg(2) as u32);
                let tensor = table.get_mut(reg(0))?;
                let i = element_index(tensor, reg(1))?;
                tensor.data_mut()[i] = value;
            }
            other => {
                return Err(shape_trap(format!(
                    "`{}` is not a tensor instruction",
                    other.mnemonic()
                )));
            }
        }
        Ok(())
    }
}

/// Whether a register operand of `instr` other than operand 0 holds `handle`.
fn reads_handle(instr: &Instruction, regs: &[u64], handle: u64) -> bool {
    let mut word = 0;
    instr.opcode().operands().iter().any(|kind| {
        let here = word;
        word += kind.words();
        here > 0 && kind.is_register() && regs[instr.reg(here) as usize] == handle
    })
}

/// The destination of a VM op: the tensor being replaced, refusing a result (with the
/// op's temporaries) that would take the live tensors past the limit.
struct Budgeted<'t> {
    handle: u64,
    /// The tensor to replace; `None` when `handle` is not live.
    tensor: Option<&'t mut Tensor>,
    /// Live bytes of every other tensor.
    others: u64,
    limit: u64,
    /// The op's work, paid from `fuel` once its result fits (the inputs are valid by
    /// then), before the kernel computes anything; `short` when the fuel could not.
    work: u64,
    fuel: &'t mut u64,
    short: bool,
}

impl Destination for Budgeted<'_> {
    fn buffer(&mut self, shape: &[usize], scratch_bytes: usize) -> Result<&mut [f32], KernelError> {
        let Some(tensor) = self.tensor.as_deref_mut() else {
            return Err(KernelError::Refused(not_live(self.handle)));
        };
        let result_bytes = Tensor::element_count(shape)? as u64 * 4;
        let total = self
            .others
            .saturating_add(result_bytes)
            .saturating_add(scratch_bytes as u64);
        if total > self.limit {
            return Err(KernelError::OverLimit {
                result_bytes,
                scratch_bytes: scratch_bytes as u64,
                total,
                limit: self.limit,
            });
        }
        if crate::work::pay(self.fuel, self.work).is_err() {
            self.short = true;
            return Err(KernelError::Refused("out of fuel".into()));
        }
        tensor.buffer(shape, scratch_bytes)
    }
}

/// Runs the op of `instr` (one whose flags say `into_tensor`) into `out`.
fn run_op(
    k: &Kernels,
    table: &TensorTable,
    instr: &Instruction,
    regs: &[u64],
    out: &mut Budgeted<'_>,
) -> Result<(), TensorTrap> {
    let input = |i: usize| table.get(regs[instr.reg(i) as usize]);
    match instr.opcode() {
        Opcode::Matmul => k.matmul_into(input(1)?, input(2)?, out),
        Opcode::Transpose => k.transpose_into(input(1)?, out),
        Opcode::Softmax => k.softmax_into(input(1)?, out),
        Opcode::Relu => k.relu_into(input(1)?, out),
        Opcode::Gelu => k.gelu_into(input(1)?, out),
        Opcode::Sigmoid => k.sigmoid_into(input(1)?, out),
        Opcode::Tanh => k.tanh_into(input(1)?, out),
        Opcode::Exp => k.exp_into(input(1)?, out),
        Opcode::TensorAdd => k.add_into(input(1)?, input(2)?, out),
        Opcode::TensorSub => k.sub_into(input(1)?, input(2)?, out),
        Opcode::TensorMul => k.mul_into(input(1)?, input(2)?, out),
        Opcode::TensorScale => {
            let s = f32::from_bits(regs[instr.reg(2) as usize] as u32);
            k.scale_into(input(1)?, s, out)
        }
        Opcode::LayerNorm => k.layernorm_into(input(1)?, input(2)?, input(3)?, LAYERNORM_EPS, out),
        Opcode::RowSum => k.row_sum_into(input(1)?, out),
        Opcode::RowMax => k.row_max_into(input(1)?, out),
        Opcode::ArgMax => k.row_argmax_into(input(1)?, out),
        Opcode::Attention | Opcode::AttentionCausal => {
            let q = input(1)?;
            let d = q.shape().last().copied().unwrap_or(1);
            let causal = instr.opcode() == Opcode::AttentionCausal;
            k.attention_into(
                q,
                input(2)?,
                input(3)?,
                causal,
                default_attention_scale(d),
                out,
            )
        }
        Opcode::Linear | Opcode::LinearRelu => {
            let relu = instr.opcode() == Opcode::LinearRelu;
            k.linear_into(input(1)?, input(2)?, input(3)?, relu, out)
        }
        other => {
            return Err(shape_trap(format!(
                "`{}` does not produce a tensor",
                other.mnemonic()
            )));
        }
    }
    .map_err(kernel_trap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unlimited() -> u64 {
        u64::MAX
    }

    #[test]
    fn handles_are_generation_checked_and_slots_reused() {
        let mut table = TensorTable::new(1 << 20, 16, false);
        let a = table.create(&[2, 3], &mut unlimited()).unwrap();
        assert_eq!(a, 1);
        assert_eq!(table.live_bytes(), 24 + TENSOR_ENTRY_BYTES);
        table.free(a).unwrap();
        assert_eq!(table.live_bytes(), 0);
        assert_eq!(table.get(a).unwrap_err().0, TrapKind::BadTensor);
        assert_eq!(table.free(a).unwrap_err().0, TrapKind::BadTensor);
        let b = table.create(&[4], &mut unlimited()).unwrap();
        assert_eq!(b, 1 << 32 | 1, "same slot, next generation");
        assert_eq!(table.get(0).unwrap_err().0, TrapKind::BadTensor);
        assert_eq!(table.get(7).unwrap_err().0, TrapKind::BadTensor);
    }

    /// The entry bytes a tensor counts must cover what its entry takes on the host
    /// (the slot, and the allocator's bookkeeping of its elements), so that the byte
    /// limit bounds the memory of empty tensors too.
    #[test]
    fn an_entry_counts_at_least_what_it_takes() {
        assert!(size_of::<Slot>() as u64 + 16 + 4 <= TENSOR_ENTRY_BYTES);
        let mut table = TensorTable::new(3 * TENSOR_ENTRY_BYTES, 1 << 20, false);
        for _ in 0..3 {
            table.create(&[0], &mut unlimited()).unwrap();
        }
        assert_eq!(
            table.create(&[0], &mut unlimited()).unwrap_err().0,
            TrapKind::TensorLimit
        );
    }

    #[test]
    fn the_byte_limit_is_checked_before_allocating() {
        let mut table = TensorTable::new(100 + TENSOR_ENTRY_BYTES, 16, false);
        let _full = table.create(&[25], &mut unlimited()).unwrap();
        assert_eq!(
            table.create(&[1], &mut unlimited()).unwrap_err().0,
            TrapKind::TensorLimit
        );
        assert_eq!(
            table
                .create(&[1 << 20, 1 << 20, 1 << 20], &mut unlimited())
                .unwrap_err()
                .0,
            TrapKind::TensorLimit
        );
    }
}
