//! Values crossing the host boundary. Inside the VM registers are untyped 64-bit words;
//! a value's type says how the host reads or writes those bits.

use std::fmt;

/// The type of a host-visible value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// Two's-complement 64-bit integer (all 64 bits).
    I64,
    /// binary64 (all 64 bits).
    F64,
    /// binary32 (low 32 bits, high bits zero).
    F32,
}

/// A typed value: an argument or result of a call, or of a host function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A 64-bit integer.
    I64(i64),
    /// A binary64 float.
    F64(f64),
    /// A binary32 float.
    F32(f32),
}

impl Value {
    /// The register bits of the value.
    pub fn to_bits(self) -> u64 {
        match self {
            Value::I64(v) => v as u64,
            Value::F64(v) => v.to_bits(),
            Value::F32(v) => u64::from(v.to_bits()),
        }
    }

    /// Reads register bits as a value of type `ty`.
    pub fn from_bits(ty: ValType, bits: u64) -> Value {
        match ty {
            ValType::I64 => Value::I64(bits as i64),
            ValType::F64 => Value::F64(f64::from_bits(bits)),
            ValType::F32 => Value::F32(f32::from_bits(bits as u32)),
        }
    }

    /// The value's type.
    pub fn ty(self) -> ValType {
        match self {
            Value::I64(_) => ValType::I64,
            Value::F64(_) => ValType::F64,
            Value::F32(_) => ValType::F32,
        }
    }

    /// The integer, if this is an `I64`.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Value::I64(v) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I64 => "i64",
            ValType::F64 => "f64",
            ValType::F32 => "f32",
        })
    }
}
