//! Linear memory: the address of an access, and how loads widen and stores narrow.
//!
//! Memory is little-endian. A load of `n` bytes reads them as an `n`-byte integer and
//! widens it to a register with the functions below; a store writes the low `n` bytes.
//! The float loads and stores move bits unchanged (`fld32` is `ld32u`, `fst64` is `st64`).

use crate::trap::TrapKind;

/// The linear-memory index of an access of `size` bytes at `base + offset`, computed
/// without wrap-around; out of bounds (one byte past the end included) traps.
#[inline(always)]
pub fn effective_address(
    base: u64,
    offset: i32,
    size: u64,
    memory_len: u64,
) -> Result<usize, TrapKind> {
    match (
        base.checked_add_signed(i64::from(offset)),
        memory_len.checked_sub(size),
    ) {
        (Some(start), Some(last_start)) if start <= last_start => Ok(start as usize),
        _ => Err(TrapKind::OutOfBounds),
    }
}

/// `ld8u`: a byte, zero-extended.
#[inline(always)]
pub const fn ld8u(raw: u8) -> u64 {
    raw as u64
}

/// `ld8s`: a byte, sign-extended.
#[inline(always)]
pub const fn ld8s(raw: u8) -> u64 {
    raw as i8 as i64 as u64
}

/// `ld16u`: 2 bytes, zero-extended.
#[inline(always)]
pub const fn ld16u(raw: u16) -> u64 {
    raw as u64
}

/// `ld16s`: 2 bytes, sign-extended.
#[inline(always)]
pub const fn ld16s(raw: u16) -> u64 {
    raw as i16 as i64 as u64
}

/// `ld32u`: 4 bytes, zero-extended.
#[inline(always)]
pub const fn ld32u(raw: u32) -> u64 {
    raw as u64
}

/// `ld32s`: 4 bytes, sign-extended.
#[inline(always)]
pub const fn ld32s(raw: u32) -> u64 {
    raw as i32 as i64 as u64
}

/// `ld64`: 8 bytes.
#[inline(always)]
pub const fn ld64(raw: u64) -> u64 {
    raw
}

/// `fld32`: an f32's bits, high 32 bits zero (the same as `ld32u`).
#[inline(always)]
pub const fn fld32(raw: u32) -> u64 {
    ld32u(raw)
}

/// `fld64`: an f64's bits (the same as `ld64`).
#[inline(always)]
pub const fn fld64(raw: u64) -> u64 {
    ld64(raw)
}

/// `st8`: the low 8 bits of rB.
#[inline(always)]
pub const fn st8(value: u64) -> u8 {
    value as u8
}

/// `st16`: the low 16 bits of rB.
#[inline(always)]
pub const fn st16(value: u64) -> u16 {
    value as u16
}

/// `st32`: the low 32 bits of rB.
#[inline(always)]
pub const fn st32(value: u64) -> u32 {
    value as u32
}

/// `st64`: all 64 bits of rB.
#[inline(always)]
pub const fn st64(value: u64) -> u64 {
    value
}

/// `fst32`: the f32 in the low 32 bits of rB (the same as `st32`).
#[inline(always)]
pub const fn fst32(value: u64) -> u32 {
    st32(value)
}

/// `fst64`: the f64 in rB (the same as `st64`).
#[inline(always)]
pub const fn fst64(value: u64) -> u64 {
    st64(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_do_not_wrap() {
        assert_eq!(effective_address(8, -8, 8, 16), Ok(0));
        assert_eq!(effective_address(8, 0, 8, 16), Ok(8));
        assert_eq!(effective_address(9, 0, 8, 16), Err(TrapKind::OutOfBounds));
        assert_eq!(effective_address(0, -1, 1, 16), Err(TrapKind::OutOfBounds));
        assert_eq!(
            effective_address(u64::MAX, 1, 1, 16),
            Err(TrapKind::OutOfBounds)
        );
        assert_eq!(effective_address(0, 0, 8, 4), Err(TrapKind::OutOfBounds));
    }

    #[test]
    fn loads_widen_and_stores_narrow() {
        assert_eq!(ld8s(0x80), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(ld8u(0x80), 0x80);
        assert_eq!(ld16s(0x8000), 0xFFFF_FFFF_FFFF_8000);
        assert_eq!(ld32s(0x8000_0000), 0xFFFF_FFFF_8000_0000);
        assert_eq!(st16(0x1_2345), 0x2345);
        assert_eq!(fst32(0xFFFF_FFFF_3F80_0000), 0x3F80_0000);
    }
}
