//! Reading what the protobuf messages hold: tensors (initializers and constants) as
//! typed arrays, node attributes, element type names. Every count a file states is
//! checked against the bytes actually there before anything is allocated from it.

use crate::error::ImportError;
use crate::onnx::{AttributeProto, NodeProto, TensorProto};

/// ONNX element types (`TensorProto.DataType`) the importer reads.
pub(crate) mod dtype {
    pub const FLOAT: i32 = 1;
    pub const UINT8: i32 = 2;
    pub const INT8: i32 = 3;
    pub const UINT16: i32 = 4;
    pub const INT16: i32 = 5;
    pub const INT32: i32 = 6;
    pub const INT64: i32 = 7;
    pub const BOOL: i32 = 9;
    pub const DOUBLE: i32 = 11;
}

/// The name of ONNX element type `t`, as the ONNX documentation writes it.
pub(crate) fn dtype_name(t: i32) -> String {
    let name = match t {
        0 => "undefined",
        1 => "float (f32)",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "double (f64)",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        _ => return format!("element type {t}"),
    };
    name.to_string()
}

/// A tensor known when the model is imported: an initializer, a `Constant`'s value or
/// the result of folding one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Const {
    /// Its dimensions (empty for a scalar).
    pub dims: Vec<u64>,
    /// Its elements, row-major.
    pub data: ConstData,
}

/// The elements of a [`Const`], by type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ConstData {
    /// f32 elements.
    F32(Vec<f32>),
    /// f64 elements.
    F64(Vec<f64>),
    /// Integers of any ONNX integer or bool type, widened.
    Int(Vec<i64>),
    /// Elements of a type the importer does not read (named by the ONNX type number).
    Other(i32),
}

impl Const {
    /// An f32 constant.
    pub fn f32(dims: Vec<u64>, data: Vec<f32>) -> Const {
        Const {
            dims,
            data: ConstData::F32(data),
        }
    }

    /// Its ONNX element type.
    pub fn dtype(&self) -> i32 {
        match &self.data {
            ConstData::F32(_) => dtype::FLOAT,
            ConstData::F64(_) => dtype::DOUBLE,
            ConstData::Int(_) => dtype::INT64,
            ConstData::Other(t) => *t,
        }
    }

    /// Its elements if they are f32.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            ConstData::F32(v) => Some(v),
            _ => None,
        }
    }

    /// Its elements if they are integers.
    pub fn as_ints(&self) -> Option<&[i64]> {
        match &self.data {
            ConstData::Int(v) => Some(v),
            _ => None,
        }
    }
}

/// The element count of `dims`, if it fits in memory's address range.
fn element_count(dims: &[u64]) -> Option<usize> {
    dims.iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .and_then(|n| usize::try_from(n).ok())
}

/// Reads a tensor's elements, checking that its data holds exactly the element count
/// its dimensions give (so no allocation is sized by a count the file merely states).
pub(crate) fn read_tensor(t: &TensorProto, name: &str) -> Result<Const, ImportError> {
    let bad = |message: String| ImportError::Tensor {
        name: name.to_string(),
        message,
    };
    if t.data_location == Some(1) {
        return Err(bad(
            "its data is stored in an external file, which is not supported (save the \
             model with its data inside: onnx.save(model, path, save_as_external_data=False))"
                .into(),
        ));
    }
    if t.segment.is_some() {
        return Err(bad("segmented tensors are not supported".into()));
    }
    let mut dims = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        dims.push(u64::try_from(d).map_err(|_| bad(format!("negative dimension {d}")))?);
    }
    let count = element_count(&dims).ok_or_else(|| bad("its element count overflows".into()))?;
    let data_type = t.data_type();
    let mismatch = |have: usize, what: &str| {
        bad(format!(
            "its dimensions {dims:?} give {count} elements but its {what} holds {have}"
        ))
    };
    let raw = t.raw_data.as_deref().filter(|r| !r.is_empty());
    let size = match data_type {
        dtype::FLOAT | dtype::INT32 | 12 => 4,
        dtype::DOUBLE | dtype::INT64 | 13 => 8,
        dtype::UINT8 | dtype::INT8 | dtype::BOOL => 1,
        dtype::UINT16 | dtype::INT16 | 10 | 16 => 2,
        _ => 0,
    };
    let data = match (data_type, raw) {
        (dtype::FLOAT, Some(raw)) => {
            check_raw(raw, size, count, &mismatch)?;
            ConstData::F32(
                raw.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            )
        }
        (dtype::FLOAT, None) => {
            if t.float_data.len() != count {
                return Err(mismatch(t.float_data.len(), "float_data"));
            }
            ConstData::F32(t.float_data.clone())
        }
        (dtype::DOUBLE, Some(raw)) => {
            check_raw(raw, size, count, &mismatch)?;
            ConstData::F64(
                raw.chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                    .collect(),
            )
        }
        (dtype::DOUBLE, None) => {
            if t.double_data.len() != count {
                return Err(mismatch(t.double_data.len(), "double_data"));
            }
            ConstData::F64(t.double_data.clone())
        }
        (dtype::INT64, Some(raw)) => {
            check_raw(raw, size, count, &mismatch)?;
            ConstData::Int(
                raw.chunks_exact(8)
                    .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                    .collect(),
            )
        }
        (dtype::INT64, None) => {
            if t.int64_data.len() != count {
                return Err(mismatch(t.int64_data.len(), "int64_data"));
            }
            ConstData::Int(t.int64_data.clone())
        }
        (dtype::INT32, Some(raw)) => {
            check_raw(raw, size, count, &mismatch)?;
            ConstData::Int(
                raw.chunks_exact(4)
                    .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                    .collect(),
            )
        }
        (dtype::INT8 | dtype::UINT8 | dtype::BOOL, Some(raw)) => {
            check_raw(raw, size, count, &mismatch)?;
            let signed = data_type == dtype::INT8;
            ConstData::Int(
                raw.iter()
                    .map(|&b| {
                        if signed {
                            i64::from(b as i8)
                        } else {
                            i64::from(b)
                        }
                    })
                    .collect(),
            )
        }
        (
            dtype::INT32 | dtype::INT16 | dtype::INT8 | dtype::UINT16 | dtype::UINT8 | dtype::BOOL,
            None,
        ) => {
            if t.int32_data.len() != count {
                return Err(mismatch(t.int32_data.len(), "int32_data"));
            }
            ConstData::Int(t.int32_data.iter().map(|&v| i64::from(v)).collect())
        }
        (other, _) => ConstData::Other(other),
    };
    Ok(Const { dims, data })
}

fn check_raw(
    raw: &[u8],
    size: usize,
    count: usize,
    mismatch: &dyn Fn(usize, &str) -> ImportError,
) -> Result<(), ImportError> {
    if count.checked_mul(size) != Some(raw.len()) {
        return Err(mismatch(raw.len() / size.max(1), "raw_data"));
    }
    Ok(())
}

/// The attribute `name` of `node`.
pub(crate) fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute.iter().find(|a| a.name() == name)
}

/// An integer attribute.
pub(crate) fn attr_int(node: &NodeProto, name: &str) -> Option<i64> {
    attr(node, name).map(AttributeProto::i)
}

/// A float attribute.
pub(crate) fn attr_float(node: &NodeProto, name: &str) -> Option<f32> {
    attr(node, name).map(AttributeProto::f)
}

/// A string attribute (lossy UTF-8).
pub(crate) fn attr_string(node: &NodeProto, name: &str) -> Option<String> {
    attr(node, name).map(|a| String::from_utf8_lossy(a.s()).into_owned())
}

/// An integer-list attribute.
pub(crate) fn attr_ints<'n>(node: &'n NodeProto, name: &str) -> Option<&'n [i64]> {
    attr(node, name).map(|a| a.ints.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(dims: &[i64], data_type: i32) -> TensorProto {
        TensorProto {
            dims: dims.to_vec(),
            data_type: Some(data_type),
            ..TensorProto::default()
        }
    }

    #[test]
    fn reads_raw_and_typed_data() {
        let mut t = tensor(&[2], dtype::FLOAT);
        t.raw_data = Some(
            [1.5f32, -2.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        );
        assert_eq!(
            read_tensor(&t, "t").unwrap().as_f32(),
            Some(&[1.5, -2.0][..])
        );
        let mut t = tensor(&[3], dtype::INT64);
        t.int64_data = vec![1, -1, 7];
        assert_eq!(
            read_tensor(&t, "t").unwrap().as_ints(),
            Some(&[1, -1, 7][..])
        );
    }

    #[test]
    fn a_stated_count_the_data_lacks_is_an_error_not_an_allocation() {
        let mut t = tensor(&[1 << 40, 1 << 20], dtype::FLOAT);
        t.raw_data = Some(vec![0; 8]);
        let e = read_tensor(&t, "w").unwrap_err().to_string();
        assert!(
            e.contains("tensor `w`") && e.contains("raw_data holds 2"),
            "{e}"
        );
        let t = tensor(&[i64::MAX, 4], dtype::FLOAT);
        assert!(
            read_tensor(&t, "w")
                .unwrap_err()
                .to_string()
                .contains("overflows")
        );
        let t = tensor(&[-1], dtype::FLOAT);
        assert!(
            read_tensor(&t, "w")
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
    }
}
