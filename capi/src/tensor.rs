//! Tensors across the boundary: made from a shape and floats copied in, read back into
//! a caller's buffer or through a borrowed pointer, written, freed. The same six
//! functions exist for an instance (between calls) and for a caller (inside a host
//! function), since both reach the same tensor table.

use adead_vm::{Caller, Instance, Tensor, TensorError, TrapKind};

use crate::boundary::{Failure, guard, required, slice, slice_mut, usage};
use crate::error::adead_error_t;
use crate::host::{adead_caller_t, caller_of};
use crate::instance::adead_instance_t;

/// The largest rank a tensor may have: a shape buffer of this many `size_t` always
/// suffices for `adead_instance_tensor_shape`.
pub const ADEAD_TENSOR_MAX_RANK: usize = 4;
const _: () = assert!(ADEAD_TENSOR_MAX_RANK == adead_kernels::MAX_RANK);

/// The tensor table, as an instance or a caller reaches it.
trait TensorTable {
    fn make(&mut self, shape: &[usize], data: &[f32]) -> Result<u64, TensorError>;
    fn get(&self, handle: u64) -> Result<&Tensor, TensorError>;
    fn get_mut(&mut self, handle: u64) -> Result<&mut Tensor, TensorError>;
    fn free(&mut self, handle: u64) -> Result<(), TensorError>;
}

impl TensorTable for Instance {
    fn make(&mut self, shape: &[usize], data: &[f32]) -> Result<u64, TensorError> {
        self.new_tensor(shape, data)
    }
    fn get(&self, handle: u64) -> Result<&Tensor, TensorError> {
        self.tensor(handle)
    }
    fn get_mut(&mut self, handle: u64) -> Result<&mut Tensor, TensorError> {
        self.tensor_mut(handle)
    }
    fn free(&mut self, handle: u64) -> Result<(), TensorError> {
        self.free_tensor(handle)
    }
}

impl TensorTable for Caller<'_> {
    fn make(&mut self, shape: &[usize], data: &[f32]) -> Result<u64, TensorError> {
        self.new_tensor(shape, data)
    }
    fn get(&self, handle: u64) -> Result<&Tensor, TensorError> {
        self.tensor(handle)
    }
    fn get_mut(&mut self, handle: u64) -> Result<&mut Tensor, TensorError> {
        self.tensor_mut(handle)
    }
    fn free(&mut self, handle: u64) -> Result<(), TensorError> {
        self.free_tensor(handle)
    }
}

/// # Safety
/// `shape` holds `rank` sizes and `data` holds `len` floats (either may be NULL when
/// its length is 0).
unsafe fn make(
    table: &mut dyn TensorTable,
    shape: *const usize,
    rank: usize,
    data: *const f32,
    len: usize,
    handle_out: Option<&mut u64>,
) -> Result<(), Failure> {
    let handle_out = required(handle_out, "handle_out")?;
    // SAFETY: as the caller promises.
    let shape = unsafe { slice(shape, rank, "shape") }?;
    // SAFETY: as the caller promises.
    let data = unsafe { slice(data, len, "data") }?;
    *handle_out = table.make(shape, data).map_err(adead_error_t::tensor)?;
    Ok(())
}

/// # Safety
/// `shape_out` has room for `capacity` sizes (may be NULL when 0).
unsafe fn shape(
    table: &dyn TensorTable,
    handle: u64,
    shape_out: *mut usize,
    capacity: usize,
    rank_out: Option<&mut usize>,
) -> Result<(), Failure> {
    let tensor = table.get(handle).map_err(adead_error_t::tensor)?;
    let dims = tensor.shape();
    if let Some(rank_out) = rank_out {
        *rank_out = dims.len();
    }
    if capacity < dims.len() {
        return Err(usage(format!(
            "`shape_out` holds {capacity} sizes but the tensor has rank {}",
            dims.len()
        )));
    }
    // SAFETY: as the caller promises.
    let out = unsafe { slice_mut(shape_out, capacity, "shape_out") }?;
    out[..dims.len()].copy_from_slice(dims);
    Ok(())
}

/// # Safety
/// `data_out` has room for `capacity` floats (may be NULL when 0).
unsafe fn read(
    table: &dyn TensorTable,
    handle: u64,
    data_out: *mut f32,
    capacity: usize,
    len_out: Option<&mut usize>,
) -> Result<(), Failure> {
    let data = table.get(handle).map_err(adead_error_t::tensor)?.data();
    if let Some(len_out) = len_out {
        *len_out = data.len();
    }
    if capacity < data.len() {
        return Err(usage(format!(
            "`data_out` holds {capacity} floats but the tensor has {} elements",
            data.len()
        )));
    }
    // SAFETY: as the caller promises.
    let out = unsafe { slice_mut(data_out, capacity, "data_out") }?;
    out[..data.len()].copy_from_slice(data);
    Ok(())
}

fn borrow(
    table: &dyn TensorTable,
    handle: u64,
    data_out: Option<&mut *const f32>,
    len_out: Option<&mut usize>,
) -> Result<(), Failure> {
    let data_out = required(data_out, "data_out")?;
    let len_out = required(len_out, "len_out")?;
    let data = table.get(handle).map_err(adead_error_t::tensor)?.data();
    *data_out = data.as_ptr();
    *len_out = data.len();
    Ok(())
}

/// # Safety
/// `data` holds `len` floats (may be NULL when 0).
unsafe fn write(
    table: &mut dyn TensorTable,
    handle: u64,
    data: *const f32,
    len: usize,
) -> Result<(), Failure> {
    let tensor = table.get_mut(handle).map_err(adead_error_t::tensor)?;
    if tensor.len() != len {
        return Err(adead_error_t::tensor(TensorError {
            kind: TrapKind::TensorShape,
            message: format!(
                "{len} floats given for a tensor of shape {:?} ({} elements)",
                tensor.shape(),
                tensor.len()
            ),
        }));
    }
    // SAFETY: as the caller promises.
    let data = unsafe { slice(data, len, "data") }?;
    tensor.data_mut().copy_from_slice(data);
    Ok(())
}

/// The instance behind a C pointer, as a tensor table.
fn instance_mut(instance: Option<&mut adead_instance_t>) -> Result<&mut Instance, Failure> {
    Ok(&mut required(instance, "instance")?.instance)
}

/// The instance behind a C pointer, read-only.
fn instance_ref(instance: Option<&adead_instance_t>) -> Result<&Instance, Failure> {
    Ok(&required(instance, "instance")?.instance)
}

/// Makes a tensor of `rank` dimensions at `shape` (rank 1 to 4), holding a copy of the
/// `len` floats at `data` (row-major; `len` must be the product of the dimensions).
/// It counts against the engine's tensor limits like one the program makes, costs no
/// fuel, and lives until the program (`tfree`) or the host frees it, or the instance is
/// deleted. Pass its handle to a call as an `ADEAD_I64`.
///
/// On success returns NULL and writes the handle to `*handle_out`. Fails with
/// `ADEAD_ERROR_TENSOR` (trap code `tensor_shape` for a bad rank or length,
/// `tensor_limit` past a limit) or `ADEAD_ERROR_USAGE` (NULL pointers).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_instance_tensor_new(
    instance: Option<&mut adead_instance_t>,
    shape: *const usize,
    rank: usize,
    data: *const f32,
    len: usize,
    handle_out: Option<&mut u64>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header states what the pointers hold.
    guard(|| unsafe { make(instance_mut(instance)?, shape, rank, data, len, handle_out) })
}

/// Writes the rank of tensor `handle` to `*rank_out` (may be NULL) and its dimensions
/// to `shape_out`, which has room for `capacity` sizes (`ADEAD_TENSOR_MAX_RANK` always
/// suffices). Fails with `ADEAD_ERROR_TENSOR` (`bad_tensor`: no live tensor has that
/// handle) or `ADEAD_ERROR_USAGE` (a NULL instance, a `capacity` below the rank: the
/// rank is still written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_instance_tensor_shape(
    instance: Option<&adead_instance_t>,
    handle: u64,
    shape_out: *mut usize,
    capacity: usize,
    rank_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header states what `shape_out` holds.
    guard(|| unsafe {
        shape(
            instance_ref(instance)?,
            handle,
            shape_out,
            capacity,
            rank_out,
        )
    })
}

/// Copies the elements of tensor `handle` (row-major) into `data_out`, which has room
/// for `capacity` floats, and writes their number to `*len_out` (may be NULL). Fails
/// with `ADEAD_ERROR_TENSOR` (`bad_tensor`) or `ADEAD_ERROR_USAGE` (a NULL instance, a
/// `capacity` below the element count: the count is still written, nothing copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_instance_tensor_read(
    instance: Option<&adead_instance_t>,
    handle: u64,
    data_out: *mut f32,
    capacity: usize,
    len_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header states what `data_out` holds.
    guard(|| unsafe { read(instance_ref(instance)?, handle, data_out, capacity, len_out) })
}

/// Lends the elements of tensor `handle` without copying: their address to
/// `*data_out` and their number to `*len_out`. The pointer is owned by the instance and
/// valid only until the next function that takes the instance (a call, or any
/// `adead_instance_tensor_*` function) or its deletion; never write through it. Fails
/// with `ADEAD_ERROR_TENSOR` (`bad_tensor`) or `ADEAD_ERROR_USAGE` (NULL pointers).
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_tensor_data(
    instance: Option<&adead_instance_t>,
    handle: u64,
    data_out: Option<&mut *const f32>,
    len_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    guard(|| borrow(instance_ref(instance)?, handle, data_out, len_out))
}

/// Overwrites the elements of tensor `handle` with the `len` floats at `data`
/// (row-major), keeping its handle and shape: new input for the next call. Fails with
/// `ADEAD_ERROR_TENSOR` (`bad_tensor`; `tensor_shape` when `len` is not its element
/// count) or `ADEAD_ERROR_USAGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_instance_tensor_write(
    instance: Option<&mut adead_instance_t>,
    handle: u64,
    data: *const f32,
    len: usize,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header states what `data` holds.
    guard(|| unsafe { write(instance_mut(instance)?, handle, data, len) })
}

/// Frees tensor `handle`; the handle goes stale (a later use is a `bad_tensor` error
/// here and a `bad_tensor` trap in the program). Fails with `ADEAD_ERROR_TENSOR`
/// (`bad_tensor`) or `ADEAD_ERROR_USAGE`.
#[unsafe(no_mangle)]
pub extern "C" fn adead_instance_tensor_free(
    instance: Option<&mut adead_instance_t>,
    handle: u64,
) -> Option<Box<adead_error_t>> {
    guard(|| {
        instance_mut(instance)?
            .free(handle)
            .map_err(adead_error_t::tensor)
    })
}

/// `adead_instance_tensor_new` for a host function, on the calling instance: return the
/// handle (as its `ADEAD_I64` result) to give the program the tensor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_tensor_new(
    caller: Option<&mut adead_caller_t>,
    shape: *const usize,
    rank: usize,
    data: *const f32,
    len: usize,
    handle_out: Option<&mut u64>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header limits `caller` to its callback and states what the pointers
    // hold.
    guard(|| unsafe { make(caller_of(caller)?, shape, rank, data, len, handle_out) })
}

/// `adead_instance_tensor_shape` for a host function, on the calling instance.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_tensor_shape(
    caller: Option<&mut adead_caller_t>,
    handle: u64,
    shape_out: *mut usize,
    capacity: usize,
    rank_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: as `adead_caller_tensor_new`.
    guard(|| unsafe { shape(caller_of(caller)?, handle, shape_out, capacity, rank_out) })
}

/// `adead_instance_tensor_read` for a host function, on the calling instance.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_tensor_read(
    caller: Option<&mut adead_caller_t>,
    handle: u64,
    data_out: *mut f32,
    capacity: usize,
    len_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: as `adead_caller_tensor_new`.
    guard(|| unsafe { read(caller_of(caller)?, handle, data_out, capacity, len_out) })
}

/// `adead_instance_tensor_data` for a host function: the pointer is valid until the
/// next `adead_caller_*` function or the callback's return, whichever comes first.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_tensor_data(
    caller: Option<&mut adead_caller_t>,
    handle: u64,
    data_out: Option<&mut *const f32>,
    len_out: Option<&mut usize>,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header limits `caller` to its callback.
    guard(|| borrow(unsafe { caller_of(caller) }?, handle, data_out, len_out))
}

/// `adead_instance_tensor_write` for a host function, on the calling instance.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_tensor_write(
    caller: Option<&mut adead_caller_t>,
    handle: u64,
    data: *const f32,
    len: usize,
) -> Option<Box<adead_error_t>> {
    // SAFETY: as `adead_caller_tensor_new`.
    guard(|| unsafe { write(caller_of(caller)?, handle, data, len) })
}

/// `adead_instance_tensor_free` for a host function, on the calling instance.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn adead_caller_tensor_free(
    caller: Option<&mut adead_caller_t>,
    handle: u64,
) -> Option<Box<adead_error_t>> {
    // SAFETY: the header limits `caller` to its callback.
    guard(|| {
        unsafe { caller_of(caller) }?
            .free(handle)
            .map_err(adead_error_t::tensor)
    })
}
