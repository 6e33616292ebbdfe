//! Byte-level mutations of `.bib` files, aware of the section table.
//!
//! Plain mutations (bit flips, byte sets, inserted, deleted and duplicated ranges,
//! truncation, splices of two inputs) are the classic ones. Three kinds know the format
//! (`isa-spec/FORMAT.md`): `u32` fields overwritten with boundary values (0, 1,
//! `0xFFFF_FFFF`, values around the input's length and around the bytes left after the
//! field) at the places counts and lengths live (the section table, the start of each
//! body) as often as anywhere else; whole sections spliced from another input; and a
//! *repair* after most edits that change the length, which moves the table's offsets
//! and lengths with the edit so that the reader gets past the table into the bodies.

use crate::rng::Rng;

/// Byte values worth trying anywhere.
const INTERESTING_BYTES: [u8; 9] = [0, 1, 0x7F, 0x80, 0xFF, 0x20, b'A', 0xC0, 0xFE];

/// `u32` values worth trying in a count, length, offset, index or register field.
pub const INTERESTING_U32: [u32; 27] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    16,
    20,
    31,
    32,
    64,
    255,
    256,
    257,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x1_0000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFF0,
    0xFFFF_FFFB,
    0xFFFF_FFFC,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
    0x0003_0000,
];

/// Where the section table starts, its entry size, and where the bodies start.
const TABLE: usize = 16;
const ENTRY: usize = 12;
const BODIES: usize = TABLE + 8 * ENTRY;

/// The section table of `bytes` as `(offset, length)` per entry, if the whole table is
/// present and every body lies inside the input.
fn sections(bytes: &[u8]) -> Option<[(usize, usize); 8]> {
    let mut out = [(0, 0); 8];
    for (i, slot) in out.iter_mut().enumerate() {
        let at = TABLE + i * ENTRY;
        let offset = read_u32(bytes, at + 4)? as usize;
        let length = read_u32(bytes, at + 8)? as usize;
        if offset.checked_add(length)? > bytes.len() {
            return None;
        }
        *slot = (offset, length);
    }
    Some(out)
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(word.try_into().ok()?))
}

fn write_u32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(word) = at.checked_add(4).and_then(|end| bytes.get_mut(at..end)) {
        word.copy_from_slice(&value.to_le_bytes());
    }
}

/// Moves the table with an edit: `delta` bytes inserted (or removed, negative) at
/// `at`. The section whose body holds `at` (or, for an insert, ends there) grows or
/// shrinks, the later ones move. `table` is the table as it was before the edit.
fn repair(bytes: &mut [u8], table: &[(usize, usize); 8], at: usize, delta: isize) {
    let inside = |&(offset, length): &(usize, usize)| {
        offset >= BODIES && at >= offset && at < offset + length
    };
    let at_end = |&(offset, length): &(usize, usize)| offset >= BODIES && at == offset + length;
    let k = table
        .iter()
        .position(inside)
        .or_else(|| (delta > 0).then(|| table.iter().position(at_end)).flatten());
    if let Some(k) = k {
        resize_section(bytes, table, k, delta);
    }
}

/// Section `k` of `table` grows by `delta` bytes (shrinks, negative); the later
/// sections move by as much.
fn resize_section(bytes: &mut [u8], table: &[(usize, usize); 8], k: usize, delta: isize) {
    for (i, &(offset, length)) in table.iter().enumerate() {
        let entry = TABLE + i * ENTRY;
        if i == k {
            let length = (length as isize + delta).max(0) as u32;
            write_u32(bytes, entry + 8, length);
        } else if i > k {
            let offset = (offset as isize + delta).max(0) as u32;
            write_u32(bytes, entry + 4, offset);
        }
    }
}

/// Offsets of fields worth overwriting: the table's fields and each body's first words.
fn field_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets: Vec<usize> = (0..8)
        .flat_map(|i| [0, 4, 8].map(|f| TABLE + i * ENTRY + f))
        .collect();
    offsets.extend([8, 12]);
    if let Some(table) = sections(bytes) {
        for (offset, length) in table {
            offsets.extend((0..length.min(16)).step_by(4).map(|k| offset + k));
        }
    }
    offsets.retain(|&at| at + 4 <= bytes.len());
    offsets
}

/// A boundary value for a `u32` field at `at` of `bytes`.
fn boundary_value(rng: &mut Rng, bytes: &[u8], at: usize) -> u32 {
    let len = bytes.len() as u64;
    let left = len.saturating_sub(at as u64 + 4);
    let old = u64::from(read_u32(bytes, at).unwrap_or(0));
    let value = match rng.below(6) {
        0 | 1 => u64::from(rng.pick(&INTERESTING_U32)),
        2 => {
            let base = rng.pick(&[len, left, left / 4, left / 8, left / 12, left / 20]);
            base.wrapping_add(rng.pick(&[0u64, 1, 2, 4]))
                .wrapping_sub(rng.pick(&[0u64, 1, 2, 4]))
        }
        3 => old.wrapping_add(rng.small(64)),
        4 => old.wrapping_sub(rng.small(64)),
        _ => rng.next_u64(),
    };
    value as u32
}

/// A corpus entry, mutated with another entry's bytes in reach (at most `max` bytes):
/// how the byte-level targets make an input.
pub fn mutated_entry(rng: &mut Rng, corpus: &[Vec<u8>], max: usize) -> Vec<u8> {
    let mut input = corpus[rng.index(corpus.len())].clone();
    let other = &corpus[rng.index(corpus.len())];
    mutate_bytes(rng, &mut input, other, max);
    input
}

/// Applies one to eight mutations to `bytes`; `other` is a second input for splices.
/// The result is at most `max_len` bytes.
pub fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, other: &[u8], max_len: usize) {
    let rounds = rng.small(8);
    for _ in 0..rounds {
        mutate_once(rng, bytes, other);
    }
    bytes.truncate(max_len);
}

fn mutate_once(rng: &mut Rng, bytes: &mut Vec<u8>, other: &[u8]) {
    let table = sections(bytes);
    let fix = rng.below(4) != 0;
    let len = bytes.len();
    match rng.below(13) {
        // A bit flip.
        0 if len > 0 => {
            let at = rng.index(len);
            bytes[at] ^= 1 << rng.below(8);
        }
        // A byte set to an interesting or random value.
        1 if len > 0 => {
            let at = rng.index(len);
            bytes[at] = if rng.one_in(2) {
                rng.pick(&INTERESTING_BYTES)
            } else {
                rng.next_u64() as u8
            };
        }
        // A u32 field (a count, length or offset) set to a boundary value.
        2..=4 if len >= 4 => {
            let fields = field_offsets(bytes);
            let at = if !fields.is_empty() && rng.one_in(2) {
                rng.pick(&fields)
            } else {
                rng.index(len - 3)
            };
            let value = boundary_value(rng, bytes, at);
            write_u32(bytes, at, value);
        }
        // Random bytes inserted.
        5 => {
            let at = rng.index(len + 1);
            let n = rng.small(64) as usize;
            let fresh: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            bytes.splice(at..at, fresh);
            if let (true, Some(table)) = (fix, table) {
                repair(bytes, &table, at, n as isize);
            }
        }
        // A range deleted.
        6 if len > 0 => {
            let at = rng.index(len);
            let n = (rng.small(64) as usize).min(len - at);
            bytes.drain(at..at + n);
            if let (true, Some(table)) = (fix, table) {
                repair(bytes, &table, at, -(n as isize));
            }
        }
        // A range duplicated elsewhere (a repeated instruction, entry or string).
        7 if len > 0 => {
            let from = rng.index(len);
            let n = (rng.small(64) as usize).min(len - from);
            let copy = bytes[from..from + n].to_vec();
            let at = rng.index(len + 1);
            bytes.splice(at..at, copy);
            if let (true, Some(table)) = (fix, table) {
                repair(bytes, &table, at, n as isize);
            }
        }
        // Two u32 fields swapped.
        8 if len >= 8 => {
            let a = rng.index(len - 3);
            let b = rng.index(len - 3);
            let (x, y) = (read_u32(bytes, a), read_u32(bytes, b));
            if let (Some(x), Some(y)) = (x, y) {
                write_u32(bytes, a, y);
                write_u32(bytes, b, x);
            }
        }
        // Cut short, or bytes appended.
        9 => {
            if len > 0 && rng.one_in(2) {
                bytes.truncate(rng.index(len));
            } else {
                let n = rng.small(16) as usize;
                bytes.extend((0..n).map(|_| rng.next_u64() as u8));
            }
        }
        // A splice: a head of this input and a tail of the other.
        10 if !other.is_empty() => {
            let cut = rng.index(len + 1);
            let from = rng.index(other.len());
            bytes.truncate(cut);
            bytes.extend_from_slice(&other[from..]);
        }
        // A whole section replaced by the same section of the other input.
        11 | 12 => {
            let (Some(mine), Some(theirs)) = (table, sections(other)) else {
                return;
            };
            let k = rng.index(8);
            let (offset, length) = mine[k];
            let (from, n) = theirs[k];
            let body = other[from..from + n].to_vec();
            bytes.splice(offset..offset + length, body);
            resize_section(bytes, &mine, k, n as isize - length as isize);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_bytes() -> Vec<u8> {
        let module = adead_asm::assemble(
            ".func main params=0 regs=2\n movi r1, 7\n halt r1\n.end\n.export main\n",
            "t.asm",
        )
        .expect("assembles");
        adead_isa::format::write(&module)
    }

    #[test]
    fn repaired_inserts_and_deletes_keep_the_table_consistent() {
        let bytes = module_bytes();
        let table = sections(&bytes).expect("a valid table");
        // Insert 20 bytes (one instruction) at the start of the code section.
        let (code, code_len) = table[1];
        let mut edited = bytes.clone();
        let instr = bytes[code..code + 20].to_vec();
        edited.splice(code..code, instr);
        repair(&mut edited, &table, code, 20);
        let after = sections(&edited).expect("still valid");
        assert_eq!(after[1], (code, code_len + 20));
        assert_eq!(after[2].0, table[2].0 + 20);
        assert_eq!(after[7].0 + after[7].1, edited.len());
    }

    #[test]
    fn mutations_are_deterministic_and_bounded() {
        let bytes = module_bytes();
        let run = |seed: u64| {
            let mut rng = Rng::new(seed);
            let mut out = Vec::new();
            for _ in 0..200 {
                let mut input = bytes.clone();
                mutate_bytes(&mut rng, &mut input, &bytes, 300);
                assert!(input.len() <= 300);
                out.push(input);
            }
            out
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        // Some mutants still read: the repair gets inputs past the table.
        let readable = run(5)
            .iter()
            .filter(|input| adead_isa::format::read(input).is_ok())
            .count();
        assert!(readable > 0, "no mutant was readable");
    }
}
