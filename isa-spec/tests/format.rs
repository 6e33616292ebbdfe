//! The `.bib` format: round trips, canonical encoding, and malformed input of every kind.
//!
//! Offsets in expectations are derived here from FORMAT.md's layout (see [`Walk`]), not
//! from the reader, so these tests check the reader against the spec.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::Range;

use adead_isa::format::{self, FormatError, FormatErrorKind, Section};
use adead_isa::{DecodeError, Module, Opcode, ShaderSource, verify};
use common::{rich_module, smallest_module, valid_module};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Allocation tracking: proves `read` never allocates from an untrusted count.

/// Records the largest single allocation made on the current thread.
struct TrackLargestAllocation;

thread_local! {
    // `const` and `Cell<usize>`: no lazy initialisation and no destructor, so using it
    // inside the allocator cannot allocate or recurse.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for TrackLargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation(new_size);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: TrackLargestAllocation = TrackLargestAllocation;

/// `format::read`, asserting that no single allocation exceeded a small multiple of the
/// input size (a count of 0xFFFF_FFFF trusted for a `Vec<Function>` would ask for 160 GiB).
fn read_checked(bytes: &[u8]) -> Result<Module, FormatError> {
    LARGEST.with(|largest| largest.set(0));
    let result = format::read(bytes);
    let largest = LARGEST.with(Cell::get);
    let bound = 4 * bytes.len() + 4096;
    assert!(
        largest <= bound,
        "read allocated {largest} bytes at once for a {}-byte input",
        bytes.len()
    );
    result
}

fn read_err(bytes: &[u8]) -> FormatError {
    match read_checked(bytes) {
        Ok(module) => panic!("accepted a malformed file as {module:?}"),
        Err(error) => error,
    }
}

fn error(section: Section, offset: usize, kind: FormatErrorKind) -> FormatError {
    FormatError {
        section,
        offset,
        kind,
    }
}

// ---------------------------------------------------------------------------------------
// The layout, from FORMAT.md.

const TABLE: usize = 16;
const BODIES: usize = 112;

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().expect("4 bytes"))
}

fn set_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

fn index_of(section: Section) -> usize {
    Section::BODIES
        .iter()
        .position(|&s| s == section)
        .expect("a body section")
}

/// File offset of the section table's `length` field for `section`.
fn table_length_field(section: Section) -> usize {
    TABLE + 12 * index_of(section) + 8
}

/// A section's body range, read from the table of a well-formed file.
fn range_of(bytes: &[u8], section: Section) -> Range<usize> {
    let entry = TABLE + 12 * index_of(section);
    let start = u32_at(bytes, entry + 4) as usize;
    start..start + u32_at(bytes, entry + 8) as usize
}

/// The bodies of a well-formed file.
fn bodies_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    Section::BODIES
        .iter()
        .map(|&s| bytes[range_of(bytes, s)].to_vec())
        .collect()
}

/// A file with a correct header and table around arbitrary bodies.
fn frame(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"ADEADBIB".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    let mut start = BODIES as u32;
    for (id, body) in (1u32..).zip(bodies) {
        for word in [id, start, body.len() as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        start += body.len() as u32;
    }
    for body in bodies {
        out.extend_from_slice(body);
    }
    out
}

/// What a length-like field counts.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Counts {
    /// A section's length in the section table.
    SectionLength,
    /// Entries, each at least `entry_size` bytes.
    Entries { entry_size: usize },
    /// Bytes of a string or blob.
    Bytes,
}

/// A count or length field of a file.
#[derive(Clone, Copy, Debug)]
struct LengthField {
    offset: usize,
    section: Section,
    counts: Counts,
    /// True when what it counts runs to the end of its section.
    last_in_section: bool,
}

/// Every entry start and every count or length field of `write(module)`, found by walking
/// the module with FORMAT.md's sizes.
struct Walk {
    bytes: Vec<u8>,
    entries: Vec<(Section, Vec<usize>)>,
    fields: Vec<LengthField>,
}

impl Walk {
    fn new(module: &Module) -> Walk {
        let bytes = format::write(module);
        let mut walk = Walk {
            entries: Vec::new(),
            fields: Vec::new(),
            bytes,
        };
        for section in Section::BODIES {
            walk.fields.push(LengthField {
                offset: table_length_field(section),
                section,
                counts: Counts::SectionLength,
                last_in_section: true,
            });
        }
        let string_len = |s: &str| 4 + s.len();
        let name_sizes = |names: Vec<&str>, fixed: usize| -> Vec<usize> {
            names.iter().map(|n| string_len(n) + fixed).collect()
        };
        walk.table(
            Section::Functions,
            20,
            &name_sizes(
                module.functions.iter().map(|f| f.name.as_str()).collect(),
                16,
            ),
        );
        walk.table(
            Section::Imports,
            8,
            &name_sizes(module.imports.iter().map(|i| i.name.as_str()).collect(), 4),
        );
        walk.table(
            Section::Exports,
            8,
            &name_sizes(module.exports.iter().map(|e| e.name.as_str()).collect(), 4),
        );
        let data_sizes: Vec<usize> = module
            .data
            .iter()
            .map(|d| string_len(&d.name) + 4 + 4 + d.bytes.len())
            .collect();
        let data_starts = walk.table(Section::Data, 12, &data_sizes);
        for (segment, start) in module.data.iter().zip(data_starts) {
            let blob = start + string_len(&segment.name) + 4;
            walk.field(Section::Data, blob, Counts::Bytes, 4 + segment.bytes.len());
        }
        let shader_sizes: Vec<usize> = module
            .shaders
            .iter()
            .map(|s| {
                string_len(&s.name)
                    + 4
                    + match &s.source {
                        ShaderSource::Wgsl(text) => string_len(text),
                        ShaderSource::SpirV(words) => 4 + 4 * words.len(),
                    }
            })
            .collect();
        let shader_starts = walk.table(Section::Shaders, 12, &shader_sizes);
        for (shader, start) in module.shaders.iter().zip(shader_starts) {
            let source = start + string_len(&shader.name) + 4;
            match &shader.source {
                ShaderSource::Wgsl(text) => {
                    walk.field(Section::Shaders, source, Counts::Bytes, string_len(text));
                }
                ShaderSource::SpirV(words) => walk.field(
                    Section::Shaders,
                    source,
                    Counts::Entries { entry_size: 4 },
                    4 + 4 * words.len(),
                ),
            }
        }
        let debug = range_of(&walk.bytes, Section::Debug).start;
        let source_len = string_len(&module.debug.source);
        walk.field(Section::Debug, debug, Counts::Bytes, source_len);
        let rows = vec![8; module.debug.lines.len()];
        walk.table_at(Section::Debug, debug + source_len, 8, &rows);
        walk
    }

    /// A table that fills its section: a count, then entries of the given sizes.
    fn table(&mut self, section: Section, entry_size: usize, sizes: &[usize]) -> Vec<usize> {
        let start = range_of(&self.bytes, section).start;
        self.table_at(section, start, entry_size, sizes)
    }

    fn table_at(
        &mut self,
        section: Section,
        count_at: usize,
        entry_size: usize,
        sizes: &[usize],
    ) -> Vec<usize> {
        let total: usize = sizes.iter().sum();
        self.field(section, count_at, Counts::Entries { entry_size }, 4 + total);
        let mut starts = Vec::new();
        let mut at = count_at + 4;
        for size in sizes {
            starts.push(at);
            // An entry's name length is the first field of each named entry.
            if section != Section::Debug {
                let name_len = u32_at(&self.bytes, at) as usize;
                self.field(section, at, Counts::Bytes, 4 + name_len);
            }
            at += size;
        }
        self.entries.push((section, starts.clone()));
        starts
    }

    /// Records a field whose counted content spans `span` bytes from the field on.
    fn field(&mut self, section: Section, offset: usize, counts: Counts, span: usize) {
        self.fields.push(LengthField {
            offset,
            section,
            counts,
            last_in_section: offset + span == range_of(&self.bytes, section).end,
        });
    }

    fn entry(&self, section: Section, index: usize) -> usize {
        self.entries
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, starts)| starts[index])
            .expect("walked table")
    }
}

// ---------------------------------------------------------------------------------------
// Round trips and canonical encoding.

#[test]
fn a_rich_module_round_trips_byte_for_byte() {
    let module = rich_module();
    let bytes = format::write(&module);
    assert_eq!(read_checked(&bytes), Ok(module.clone()));
    assert_eq!(format::write(&read_checked(&bytes).expect("valid")), bytes);
    assert!(verify(module).is_ok(), "the rich module is also verifiable");
    // Every family is represented.
    let families: std::collections::BTreeSet<_> = rich_module()
        .code
        .iter()
        .map(|i| i.opcode().family())
        .collect();
    assert_eq!(families.len(), adead_isa::Family::ALL.len());
}

#[test]
fn the_walk_agrees_with_the_writer() {
    // Guards the expectations below: every walked length field holds the length it names.
    for module in [rich_module(), smallest_module()] {
        let walk = Walk::new(&module);
        assert!(walk.fields.iter().filter(|f| f.last_in_section).count() >= 8);
        let functions = range_of(&walk.bytes, Section::Functions);
        assert_eq!(
            u32_at(&walk.bytes, functions.start) as usize,
            module.functions.len()
        );
        let last = walk.entry(Section::Functions, module.functions.len() - 1);
        let name = &module.functions[module.functions.len() - 1].name;
        assert_eq!(last + 4 + name.len() + 16, functions.end);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_modules_round_trip(module in valid_module()) {
        let bytes = format::write(&module);
        let read = read_checked(&bytes);
        prop_assert_eq!(read.as_ref(), Ok(&module));
        prop_assert_eq!(format::write(&module), bytes);
    }

    #[test]
    fn mutated_files_are_rejected_cleanly_or_accepted_canonically(
        module in valid_module(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = format::write(&module);
        for (at, value) in edits {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        if let Ok(accepted) = read_checked(&bytes) {
            // Accepted bytes are the canonical encoding of what was read.
            prop_assert_eq!(format::write(&accepted), bytes);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = read_checked(&bytes);
        let mut framed = b"ADEADBIB\x01\0\0\0\x08\0\0\0".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = read_checked(&framed);
    }
}

// ---------------------------------------------------------------------------------------
// Truncation, corruption and inflated counts.

/// The error `read` must give for the first `len` bytes of the valid file `bytes`.
fn expected_truncation(bytes: &[u8], len: usize) -> FormatError {
    let truncated = |section, offset, needed: usize| {
        error(
            section,
            offset,
            FormatErrorKind::Truncated {
                needed,
                available: len - offset,
            },
        )
    };
    match len {
        0..8 => truncated(Section::Header, 0, 8),
        8..12 => truncated(Section::Header, 8, 4),
        12..TABLE => truncated(Section::Header, 12, 4),
        TABLE..BODIES => truncated(Section::SectionTable, TABLE + (len - TABLE) / 4 * 4, 4),
        _ => {
            let section = Section::BODIES
                .into_iter()
                .find(|&s| range_of(bytes, s).end > len)
                .expect("len is inside some section");
            let range = range_of(bytes, section);
            truncated(section, range.start, range.len())
        }
    }
}

#[test]
fn every_truncation_is_reported_in_the_section_that_was_cut() {
    for module in [rich_module(), smallest_module()] {
        let bytes = format::write(&module);
        for len in 0..bytes.len() {
            assert_eq!(
                read_err(&bytes[..len]),
                expected_truncation(&bytes, len),
                "truncated to {len} bytes"
            );
        }
    }
}

/// The sections an error may blame when byte `at` of a valid file is changed.
fn sensible_sections(bytes: &[u8], at: usize) -> Vec<Section> {
    if at < TABLE {
        return vec![Section::Header];
    }
    if at < BODIES {
        // An id or offset breaks the table; a length cuts or misplaces a body.
        return vec![Section::SectionTable, Section::BODIES[(at - TABLE) / 12]];
    }
    let section = Section::BODIES
        .into_iter()
        .find(|&s| range_of(bytes, s).contains(&at))
        .expect("inside a body");
    match section {
        // The memory size bounds the data segments.
        Section::Meta => vec![Section::Meta, Section::Data],
        other => vec![other],
    }
}

#[test]
fn flipping_any_byte_never_panics_and_blames_a_sensible_section() {
    let bytes = format::write(&rich_module());
    let mut accepted = 0;
    for at in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xFF] {
            let mut flipped = bytes.clone();
            flipped[at] ^= mask;
            match read_checked(&flipped) {
                Ok(module) => {
                    accepted += 1;
                    assert_eq!(format::write(&module), flipped, "byte {at} ^ {mask:#x}");
                }
                Err(e) => assert!(
                    sensible_sections(&bytes, at).contains(&e.section),
                    "byte {at} ^ {mask:#x}: {e}"
                ),
            }
        }
    }
    // Immediates, data bytes and line numbers take any value, so some flips are valid.
    assert!(accepted > 0);
}

#[test]
fn huge_counts_and_lengths_are_rejected_before_allocating() {
    for module in [rich_module(), smallest_module()] {
        let walk = Walk::new(&module);
        for field in &walk.fields {
            let mut bytes = walk.bytes.clone();
            set_u32(&mut bytes, field.offset, u32::MAX);
            let section_end = range_of(&walk.bytes, field.section).end;
            let after = section_end - (field.offset + 4);
            let expected = match field.counts {
                Counts::SectionLength => {
                    let start = range_of(&walk.bytes, field.section).start;
                    error(
                        field.section,
                        start,
                        FormatErrorKind::Truncated {
                            needed: u32::MAX as usize,
                            available: bytes.len() - start,
                        },
                    )
                }
                Counts::Entries { entry_size } => error(
                    field.section,
                    field.offset,
                    FormatErrorKind::CountTooLarge {
                        count: u32::MAX,
                        entry_size,
                        remaining: after,
                    },
                ),
                Counts::Bytes => error(
                    field.section,
                    field.offset,
                    FormatErrorKind::Truncated {
                        needed: u32::MAX as usize,
                        available: after,
                    },
                ),
            };
            assert_eq!(read_err(&bytes), expected, "{field:?}");
        }
    }
}

#[test]
fn counts_and_lengths_one_too_large_are_rejected() {
    for module in [rich_module(), smallest_module()] {
        let walk = Walk::new(&module);
        for field in &walk.fields {
            let mut bytes = walk.bytes.clone();
            let value = u32_at(&bytes, field.offset);
            set_u32(&mut bytes, field.offset, value + 1);
            let e = read_err(&bytes);
            let section_end = range_of(&walk.bytes, field.section).end;
            let after = section_end - (field.offset + 4);
            match field.counts {
                Counts::SectionLength if field.section == Section::Debug => assert_eq!(
                    e,
                    error(
                        Section::Debug,
                        range_of(&walk.bytes, Section::Debug).start,
                        FormatErrorKind::Truncated {
                            needed: value as usize + 1,
                            available: value as usize
                        }
                    )
                ),
                Counts::SectionLength => {
                    // The next section no longer starts where this one ends.
                    let next = Section::BODIES[index_of(field.section) + 1];
                    let start = range_of(&walk.bytes, next).start;
                    assert_eq!(
                        e,
                        error(
                            Section::SectionTable,
                            table_length_field(next) - 4,
                            FormatErrorKind::SectionOutOfPlace {
                                expected: start + 1,
                                found: start as u32
                            }
                        )
                    );
                }
                Counts::Bytes if field.last_in_section => assert_eq!(
                    e,
                    error(
                        field.section,
                        field.offset,
                        FormatErrorKind::Truncated {
                            needed: value as usize + 1,
                            available: after
                        }
                    )
                ),
                Counts::Entries { entry_size } if field.last_in_section => {
                    if (value as usize + 1) * entry_size > after {
                        assert_eq!(
                            e,
                            error(
                                field.section,
                                field.offset,
                                FormatErrorKind::CountTooLarge {
                                    count: value + 1,
                                    entry_size,
                                    remaining: after
                                }
                            )
                        );
                    } else {
                        // Every entry parses, then the extra one finds the section's end.
                        assert_eq!(
                            e,
                            error(
                                field.section,
                                section_end,
                                FormatErrorKind::Truncated {
                                    needed: 4,
                                    available: 0
                                }
                            )
                        );
                    }
                }
                // Mid-section: the rest of the section is misread; any error will do, as
                // long as it stays in the section.
                _ => assert_eq!(e.section, field.section, "{field:?}: {e}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Header and table.

#[test]
fn bad_magic_version_and_section_count() {
    let bytes = format::write(&smallest_module());
    let mut b = bytes.clone();
    b[7] = b'X';
    assert_eq!(
        read_err(&b),
        error(Section::Header, 0, FormatErrorKind::BadMagic)
    );
    for version in [0, 2, u32::MAX] {
        let mut b = bytes.clone();
        set_u32(&mut b, 8, version);
        assert_eq!(
            read_err(&b),
            error(
                Section::Header,
                8,
                FormatErrorKind::UnsupportedVersion(version)
            )
        );
    }
    for count in [0, 7, 9] {
        let mut b = bytes.clone();
        set_u32(&mut b, 12, count);
        assert_eq!(
            read_err(&b),
            error(Section::Header, 12, FormatErrorKind::BadSectionCount(count))
        );
    }
    assert_eq!(
        read_err(b"hi"),
        error(Section::Header, 0, FormatErrorKind::BadMagic)
    );
    assert_eq!(
        read_err(b"ADE"),
        error(
            Section::Header,
            0,
            FormatErrorKind::Truncated {
                needed: 8,
                available: 3
            }
        )
    );
    assert_eq!(
        read_err(b""),
        error(
            Section::Header,
            0,
            FormatErrorKind::Truncated {
                needed: 8,
                available: 0
            }
        )
    );
}

#[test]
fn section_ids_and_offsets_must_follow_the_table_order() {
    let bytes = format::write(&rich_module());
    let mut b = bytes.clone();
    // Swap the ids of code (entry 1) and functions (entry 2).
    set_u32(&mut b, TABLE + 12, 3);
    set_u32(&mut b, TABLE + 24, 2);
    assert_eq!(
        read_err(&b),
        error(
            Section::SectionTable,
            TABLE + 12,
            FormatErrorKind::UnexpectedSectionId {
                expected: Section::Code,
                found: 3
            }
        )
    );
    let mut b = bytes.clone();
    set_u32(&mut b, TABLE + 4, 111);
    assert_eq!(
        read_err(&b),
        error(
            Section::SectionTable,
            TABLE + 4,
            FormatErrorKind::SectionOutOfPlace {
                expected: 112,
                found: 111
            }
        )
    );
}

#[test]
fn trailing_bytes_after_the_file_or_inside_a_section() {
    let bytes = format::write(&rich_module());
    let mut b = bytes.clone();
    b.push(0);
    assert_eq!(
        read_err(&b),
        error(
            Section::SectionTable,
            bytes.len(),
            FormatErrorKind::TrailingBytes { count: 1 }
        )
    );
    for (index, section) in Section::BODIES.into_iter().enumerate() {
        let mut bodies = bodies_of(&bytes);
        bodies[index].push(0);
        let b = frame(&bodies);
        let end = range_of(&b, section).end - 1;
        let expected = match section {
            Section::Code => error(
                Section::Code,
                range_of(&b, section).start,
                FormatErrorKind::CodeLengthNotMultiple {
                    len: bodies[index].len(),
                },
            ),
            _ => error(section, end, FormatErrorKind::TrailingBytes { count: 1 }),
        };
        assert_eq!(read_err(&b), expected, "{section}");
    }
}

// ---------------------------------------------------------------------------------------
// Code.

#[test]
fn every_instruction_must_decode() {
    let bytes = format::write(&rich_module());
    let code = range_of(&bytes, Section::Code).start;
    let at = |index: usize, word: usize| code + 20 * index + 4 * word;
    let cases = [
        // (instruction, word, value, error)
        (3, 0, 0xDEAD_BEEF, DecodeError::UnknownOpcode(0xDEAD_BEEF)),
        (
            3,
            2,
            256,
            DecodeError::RegisterOutOfRange {
                mnemonic: "add",
                index: 1,
                value: 256,
            },
        ),
        (
            3,
            4,
            1,
            DecodeError::UnusedWordNotZero {
                mnemonic: "add",
                index: 3,
                value: 1,
            },
        ),
    ];
    for (index, word, value, decode_error) in cases {
        let mut b = bytes.clone();
        set_u32(&mut b, at(index, word), value);
        assert_eq!(
            read_err(&b),
            error(
                Section::Code,
                at(index, 0),
                FormatErrorKind::BadInstruction {
                    index,
                    error: decode_error
                }
            )
        );
    }
}

// ---------------------------------------------------------------------------------------
// Structural rules: each broken on the rich module, reported at the field.

/// Breaks `module` with `edit` and returns the error with the walk of the broken module.
fn broken(edit: impl FnOnce(&mut Module)) -> (FormatError, Walk) {
    let mut module = rich_module();
    edit(&mut module);
    let walk = Walk::new(&module);
    (read_err(&walk.bytes), walk)
}

/// Offset of the `k`-th u32 after the name of entry `index` of `section`.
fn field_after_name(walk: &Walk, section: Section, index: usize, k: usize) -> usize {
    let start = walk.entry(section, index);
    start + 4 + u32_at(&walk.bytes, start) as usize + 4 * k
}

#[test]
fn names_must_be_unique_and_non_empty_in_every_table() {
    type Rename = fn(&mut Module, &str);
    let tables: [(Section, Rename); 5] = [
        (Section::Functions, |m, n| m.functions[1].name = n.into()),
        (Section::Imports, |m, n| m.imports[1].name = n.into()),
        (Section::Exports, |m, n| m.exports[1].name = n.into()),
        (Section::Data, |m, n| m.data[1].name = n.into()),
        (Section::Shaders, |m, n| m.shaders[1].name = n.into()),
    ];
    for (section, rename) in tables {
        let first = {
            let m = rich_module();
            match section {
                Section::Functions => m.functions[0].name.clone(),
                Section::Imports => m.imports[0].name.clone(),
                Section::Exports => m.exports[0].name.clone(),
                Section::Data => m.data[0].name.clone(),
                _ => m.shaders[0].name.clone(),
            }
        };
        let (e, walk) = broken(|m| rename(m, &first));
        assert_eq!(
            e,
            error(
                section,
                walk.entry(section, 1),
                FormatErrorKind::DuplicateName(first)
            )
        );
        let (e, walk) = broken(|m| rename(m, ""));
        assert_eq!(
            e,
            error(section, walk.entry(section, 1), FormatErrorKind::EmptyName)
        );
    }
}

#[test]
fn functions_must_tile_the_code() {
    let f = Section::Functions;
    let (e, walk) = broken(|m| m.functions[1].entry += 1);
    assert_eq!(e.section, f);
    assert_eq!(e.offset, field_after_name(&walk, f, 1, 0));
    assert!(matches!(
        e.kind,
        FormatErrorKind::FunctionsDoNotTileCode {
            entry: 23,
            expected: 22,
            ..
        }
    ));

    let (e, _) = broken(|m| m.functions[0].entry = 1);
    assert!(matches!(
        e.kind,
        FormatErrorKind::FunctionsDoNotTileCode {
            entry: 1,
            expected: 0,
            ..
        }
    ));

    let (e, walk) = broken(|m| m.functions[2].len = 2);
    assert_eq!(
        e,
        error(
            f,
            field_after_name(&walk, f, 2, 1),
            FormatErrorKind::FunctionPastCodeEnd {
                name: "tiny".into(),
                end: 29,
                code_len: 28
            }
        )
    );

    let (e, walk) = broken(|m| {
        m.code.push(common::ins(Opcode::Halt, &[]));
    });
    assert_eq!(
        e,
        error(
            f,
            field_after_name(&walk, f, 2, 1),
            FormatErrorKind::CodeNotCovered {
                covered: 28,
                code_len: 29
            }
        )
    );

    let (e, walk) = broken(|m| {
        m.functions[2].len = 0;
        m.code.pop();
    });
    assert_eq!(
        e,
        error(
            f,
            field_after_name(&walk, f, 2, 1),
            FormatErrorKind::EmptyFunction {
                name: "tiny".into()
            }
        )
    );

    let (e, _) = broken(|m| {
        m.functions.clear();
        m.exports.clear();
        m.entry = None;
    });
    assert_eq!(e.kind, FormatErrorKind::NoFunctions);
    assert_eq!(e.section, f);
}

#[test]
fn frames_hold_1_to_256_registers_and_no_more_params_than_registers() {
    let f = Section::Functions;
    for regs in [0, 257, u32::MAX] {
        let (e, walk) = broken(|m| m.functions[0].regs = regs);
        assert_eq!(
            e,
            error(
                f,
                field_after_name(&walk, f, 0, 2),
                FormatErrorKind::BadRegisterCount {
                    name: "main".into(),
                    regs
                }
            )
        );
    }
    let (e, walk) = broken(|m| m.functions[1].params = 4);
    assert_eq!(
        e,
        error(
            f,
            field_after_name(&walk, f, 1, 3),
            FormatErrorKind::TooManyParams {
                name: "pick·λ".into(),
                params: 4,
                regs: 3
            }
        )
    );
    assert_eq!(
        e.to_string(),
        format!(
            ".bib error in section `functions` at byte {}: function `pick·λ` has 4 parameters but only 3 registers",
            e.offset
        )
    );
}

#[test]
fn entry_and_exports_name_existing_functions() {
    let (e, walk) = broken(|m| m.entry = Some(3));
    assert_eq!(
        e,
        error(
            Section::Meta,
            range_of(&walk.bytes, Section::Meta).start + 4,
            FormatErrorKind::EntryNotAFunction {
                entry: 3,
                functions: 3
            }
        )
    );
    let (e, walk) = broken(|m| m.exports[1].func = 7);
    assert_eq!(
        e,
        error(
            Section::Exports,
            field_after_name(&walk, Section::Exports, 1, 0),
            FormatErrorKind::ExportOfMissingFunction {
                name: "pick".into(),
                func: 7,
                functions: 3
            }
        )
    );
}

#[test]
fn data_lies_inside_memory_in_address_order() {
    let d = Section::Data;
    let (e, walk) = broken(|m| m.memory_size = 4095);
    assert_eq!(
        e,
        error(
            d,
            field_after_name(&walk, d, 2, 0),
            FormatErrorKind::DataOutsideMemory {
                name: "end".into(),
                offset: 4000,
                len: 96,
                memory_size: 4095
            }
        )
    );
    let (e, walk) = broken(|m| m.data[2].offset = u32::MAX);
    assert_eq!(e.offset, field_after_name(&walk, d, 2, 0));
    assert!(matches!(e.kind, FormatErrorKind::DataOutsideMemory { .. }));

    // Overlapping the previous segment by one byte.
    let (e, walk) = broken(|m| m.data[1].offset = 12);
    assert_eq!(
        e,
        error(
            d,
            field_after_name(&walk, d, 1, 0),
            FormatErrorKind::DataOverlaps {
                name: "table".into(),
                offset: 12,
                previous_end: 13
            }
        )
    );
    // Out of address order.
    let (e, _) = broken(|m| m.data.swap(0, 1));
    assert!(matches!(
        e.kind,
        FormatErrorKind::DataOverlaps {
            offset: 0,
            previous_end: 48,
            ..
        }
    ));
}

#[test]
fn shaders_have_a_known_kind_and_wgsl_is_utf8() {
    let s = Section::Shaders;
    let walk = Walk::new(&rich_module());
    let kind_at = field_after_name(&walk, s, 1, 0);
    let mut b = walk.bytes.clone();
    set_u32(&mut b, kind_at, 2);
    assert_eq!(
        read_err(&b),
        error(s, kind_at, FormatErrorKind::UnknownShaderKind(2))
    );

    let source_at = field_after_name(&walk, s, 0, 1);
    let mut b = walk.bytes.clone();
    b[source_at + 4 + 2] = 0xC3; // a lead byte followed by ASCII
    assert_eq!(
        read_err(&b),
        error(s, source_at + 4 + 2, FormatErrorKind::InvalidUtf8)
    );
}

#[test]
fn names_must_be_utf8() {
    let walk = Walk::new(&rich_module());
    let name = walk.entry(Section::Imports, 0) + 4;
    let mut b = walk.bytes.clone();
    b[name] = 0xFF;
    assert_eq!(
        read_err(&b),
        error(Section::Imports, name, FormatErrorKind::InvalidUtf8)
    );
}

#[test]
fn debug_rows_are_in_pc_order_and_inside_the_code() {
    let g = Section::Debug;
    let (e, walk) = broken(|m| m.debug.lines.swap(1, 2));
    assert_eq!(
        e,
        error(
            g,
            walk.entry(g, 2),
            FormatErrorKind::DebugRowsOutOfOrder {
                pc: 4,
                previous: 22
            }
        )
    );
    let (e, _) = broken(|m| m.debug.lines[1].pc = 0);
    assert_eq!(
        e.kind,
        FormatErrorKind::DebugRowsOutOfOrder { pc: 0, previous: 0 }
    );
    let (e, walk) = broken(|m| m.debug.lines[3].pc = 28);
    assert_eq!(
        e,
        error(
            g,
            walk.entry(g, 3),
            FormatErrorKind::DebugPcOutOfRange {
                pc: 28,
                code_len: 28
            }
        )
    );
}

#[test]
fn messages_are_one_line_even_for_odd_names() {
    let (e, _) = broken(|m| {
        m.functions[2].name = "line\nbreak`".into();
        m.functions[2].regs = 0;
        m.functions[2].params = 0;
    });
    let text = e.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.ends_with("function `line\\nbreak`` has 0 registers (must be 1..=256)"),
        "{text}"
    );
}
