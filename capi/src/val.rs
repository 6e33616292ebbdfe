//! `adead_val_t`: a typed value crossing the boundary (a call's argument or result, a
//! host function's argument or result).

use adead_vm::{ValType, Value};

use crate::boundary::{Failure, usage};

/// The type of an `adead_val_t` (`ADEAD_I64`, `ADEAD_F64`, `ADEAD_F32`). A byte rather
/// than a C enum so that any value C passes is defined behaviour: an unknown kind is an
/// `ADEAD_ERROR_USAGE` error.
pub type adead_valkind_t = u8;
/// A 64-bit two's-complement integer (also a tensor handle).
pub const ADEAD_I64: adead_valkind_t = 0;
/// A binary64 float.
pub const ADEAD_F64: adead_valkind_t = 1;
/// A binary32 float.
pub const ADEAD_F32: adead_valkind_t = 2;

/// The payload of an `adead_val_t`; `kind` says which member is meaningful.
#[repr(C)]
#[derive(Clone, Copy)]
pub union adead_valunion_t {
    /// For `ADEAD_I64`.
    pub i64: i64,
    /// For `ADEAD_F64`.
    pub f64: f64,
    /// For `ADEAD_F32`.
    pub f32: f32,
}

/// A typed value. Registers are untyped 64-bit words: a call's result is always its 64
/// bits as `ADEAD_I64`, so a function that returns an f64 gives its bits (copy them into
/// a `double` with `memcpy`); a tensor handle travels as `ADEAD_I64`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct adead_val_t {
    /// `ADEAD_I64`, `ADEAD_F64` or `ADEAD_F32`.
    pub kind: adead_valkind_t,
    /// The value.
    pub of: adead_valunion_t,
}

impl adead_val_t {
    /// The value C passed, or a usage error for an unknown kind naming it as `what()`
    /// (built only then: calls convert every argument).
    pub(crate) fn to_value(self, what: impl FnOnce() -> String) -> Result<Value, Failure> {
        // SAFETY: `kind` says which member C wrote; every bit pattern is valid for it.
        unsafe {
            match self.kind {
                ADEAD_I64 => Ok(Value::I64(self.of.i64)),
                ADEAD_F64 => Ok(Value::F64(self.of.f64)),
                ADEAD_F32 => Ok(Value::F32(self.of.f32)),
                other => Err(usage(format!(
                    "{} has kind {other}, which is none of ADEAD_I64 (0), ADEAD_F64 (1), ADEAD_F32 (2)",
                    what()
                ))),
            }
        }
    }

    pub(crate) fn from_value(value: Value) -> adead_val_t {
        match value {
            Value::I64(i64) => adead_val_t {
                kind: ADEAD_I64,
                of: adead_valunion_t { i64 },
            },
            Value::F64(f64) => adead_val_t {
                kind: ADEAD_F64,
                of: adead_valunion_t { f64 },
            },
            Value::F32(f32) => adead_val_t {
                kind: ADEAD_F32,
                of: adead_valunion_t { f32 },
            },
        }
    }

    /// A zero of type `ty` (what a host callback's result starts as).
    pub(crate) fn zero(ty: ValType) -> adead_val_t {
        adead_val_t::from_value(Value::from_bits(ty, 0))
    }
}

/// The kind byte of `ty`.
pub(crate) fn kind_of(ty: ValType) -> adead_valkind_t {
    match ty {
        ValType::I64 => ADEAD_I64,
        ValType::F64 => ADEAD_F64,
        ValType::F32 => ADEAD_F32,
    }
}

/// The type a kind byte names, or a usage error.
pub(crate) fn val_type(kind: adead_valkind_t, what: &str) -> Result<ValType, Failure> {
    match kind {
        ADEAD_I64 => Ok(ValType::I64),
        ADEAD_F64 => Ok(ValType::F64),
        ADEAD_F32 => Ok(ValType::F32),
        other => Err(usage(format!(
            "{what} is kind {other}, which is none of ADEAD_I64 (0), ADEAD_F64 (1), ADEAD_F32 (2)"
        ))),
    }
}
