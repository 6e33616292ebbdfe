//! The structural rules of a module (FORMAT.md, "Structural rules checked by `read`") that
//! concern decoded values rather than bytes: tiling, frame sizes, names, indices, address
//! and pc order.
//!
//! They live here once and serve two callers: `format::read` runs them on what it parsed
//! and turns a [`Place`] into a byte offset; `verify` runs them first, because a module
//! built in memory never went through `read` and the instruction checks rely on them
//! (slicing a function's code, for one).

use std::collections::HashSet;

use crate::format::{FormatErrorKind, Section};
use crate::module::{MAX_REGISTERS, Module};

/// The field a structural rule found at fault, in terms of the decoded module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// `entry` in the meta section.
    MetaEntry,
    /// The function count.
    FunctionCount,
    /// A field of function `index`.
    Function(usize, FunctionField),
    /// The name of import `index`.
    ImportName(usize),
    /// A field of export `index`.
    Export(usize, ExportField),
    /// A field of data segment `index`.
    Data(usize, DataField),
    /// The name of shader `index`.
    ShaderName(usize),
    /// Line-table row `index`.
    DebugRow(usize),
}

/// Fields of a function entry, in encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FunctionField {
    Name,
    Entry,
    Len,
    Regs,
    Params,
}

/// Fields of an export entry, in encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportField {
    Name,
    Func,
}

/// Fields of a data segment entry, in encoding order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataField {
    Name,
    Offset,
}

impl Place {
    /// The section the field is encoded in.
    pub(crate) const fn section(self) -> Section {
        match self {
            Place::MetaEntry => Section::Meta,
            Place::FunctionCount | Place::Function(..) => Section::Functions,
            Place::ImportName(_) => Section::Imports,
            Place::Export(..) => Section::Exports,
            Place::Data(..) => Section::Data,
            Place::ShaderName(_) => Section::Shaders,
            Place::DebugRow(_) => Section::Debug,
        }
    }
}

/// A broken structural rule and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub place: Place,
    pub kind: FormatErrorKind,
}

fn violation(place: Place, kind: FormatErrorKind) -> Violation {
    Violation { place, kind }
}

/// Checks every structural rule, section by section in file order; the first broken rule
/// wins, so the same bad module always gives the same error.
pub(crate) fn check(module: &Module) -> Result<(), Violation> {
    check_entry(module)?;
    check_functions(module)?;
    check_names(
        module.imports.iter().map(|i| i.name.as_str()),
        Place::ImportName,
    )?;
    check_exports(module)?;
    check_data(module)?;
    check_names(
        module.shaders.iter().map(|s| s.name.as_str()),
        Place::ShaderName,
    )?;
    check_debug(module)
}

fn check_entry(module: &Module) -> Result<(), Violation> {
    match module.entry {
        Some(entry) if entry as usize >= module.functions.len() => Err(violation(
            Place::MetaEntry,
            FormatErrorKind::EntryNotAFunction {
                entry,
                functions: module.functions.len(),
            },
        )),
        _ => Ok(()),
    }
}

/// Names of one table: non-empty and unique.
fn check_names<'m>(
    names: impl Iterator<Item = &'m str>,
    place: impl Fn(usize) -> Place,
) -> Result<(), Violation> {
    let mut seen = HashSet::new();
    for (index, name) in names.enumerate() {
        if name.is_empty() {
            return Err(violation(place(index), FormatErrorKind::EmptyName));
        }
        if !seen.insert(name) {
            return Err(violation(
                place(index),
                FormatErrorKind::DuplicateName(name.to_owned()),
            ));
        }
    }
    Ok(())
}

fn check_functions(module: &Module) -> Result<(), Violation> {
    if module.functions.is_empty() {
        return Err(violation(
            Place::FunctionCount,
            FormatErrorKind::NoFunctions,
        ));
    }
    check_names(module.functions.iter().map(|f| f.name.as_str()), |index| {
        Place::Function(index, FunctionField::Name)
    })?;
    let code_len = module.code.len();
    // u64: `entry + len` of two u32 cannot overflow it.
    let mut expected_entry: u64 = 0;
    for (index, function) in module.functions.iter().enumerate() {
        let at = |field| Place::Function(index, field);
        let name = || function.name.clone();
        if u64::from(function.entry) != expected_entry {
            return Err(violation(
                at(FunctionField::Entry),
                FormatErrorKind::FunctionsDoNotTileCode {
                    name: name(),
                    entry: function.entry,
                    expected: expected_entry,
                },
            ));
        }
        if function.len == 0 {
            return Err(violation(
                at(FunctionField::Len),
                FormatErrorKind::EmptyFunction { name: name() },
            ));
        }
        let end = u64::from(function.entry) + u64::from(function.len);
        if end > code_len as u64 {
            return Err(violation(
                at(FunctionField::Len),
                FormatErrorKind::FunctionPastCodeEnd {
                    name: name(),
                    end,
                    code_len,
                },
            ));
        }
        if !(1..=MAX_REGISTERS).contains(&function.regs) {
            return Err(violation(
                at(FunctionField::Regs),
                FormatErrorKind::BadRegisterCount {
                    name: name(),
                    regs: function.regs,
                },
            ));
        }
        if function.params > function.regs {
            return Err(violation(
                at(FunctionField::Params),
                FormatErrorKind::TooManyParams {
                    name: name(),
                    params: function.params,
                    regs: function.regs,
                },
            ));
        }
        expected_entry = end;
    }
    if expected_entry != code_len as u64 {
        let last = module.functions.len() - 1;
        return Err(violation(
            Place::Function(last, FunctionField::Len),
            FormatErrorKind::CodeNotCovered {
                covered: expected_entry,
                code_len,
            },
        ));
    }
    Ok(())
}

fn check_exports(module: &Module) -> Result<(), Violation> {
    check_names(module.exports.iter().map(|e| e.name.as_str()), |index| {
        Place::Export(index, ExportField::Name)
    })?;
    let functions = module.functions.len();
    match module
        .exports
        .iter()
        .enumerate()
        .find(|(_, export)| export.func as usize >= functions)
    {
        Some((index, export)) => Err(violation(
            Place::Export(index, ExportField::Func),
            FormatErrorKind::ExportOfMissingFunction {
                name: export.name.clone(),
                func: export.func,
                functions,
            },
        )),
        None => Ok(()),
    }
}

fn check_data(module: &Module) -> Result<(), Violation> {
    check_names(module.data.iter().map(|d| d.name.as_str()), |index| {
        Place::Data(index, DataField::Name)
    })?;
    // Empty segments may share an address with their neighbours: order is by address,
    // and overlap means sharing a byte.
    let mut previous_end: u64 = 0;
    for (index, segment) in module.data.iter().enumerate() {
        let at = Place::Data(index, DataField::Offset);
        if u64::from(segment.offset) < previous_end {
            return Err(violation(
                at,
                FormatErrorKind::DataOverlaps {
                    name: segment.name.clone(),
                    offset: segment.offset,
                    previous_end,
                },
            ));
        }
        let end = u64::from(segment.offset).saturating_add(segment.bytes.len() as u64);
        if end > u64::from(module.memory_size) {
            return Err(violation(
                at,
                FormatErrorKind::DataOutsideMemory {
                    name: segment.name.clone(),
                    offset: segment.offset,
                    len: segment.bytes.len(),
                    memory_size: module.memory_size,
                },
            ));
        }
        previous_end = end;
    }
    Ok(())
}

fn check_debug(module: &Module) -> Result<(), Violation> {
    let code_len = module.code.len();
    let mut previous: Option<u32> = None;
    for (index, row) in module.debug.lines.iter().enumerate() {
        let at = Place::DebugRow(index);
        if let Some(previous) = previous.filter(|&previous| row.pc <= previous) {
            return Err(violation(
                at,
                FormatErrorKind::DebugRowsOutOfOrder {
                    pc: row.pc,
                    previous,
                },
            ));
        }
        if row.pc as usize >= code_len {
            return Err(violation(
                at,
                FormatErrorKind::DebugPcOutOfRange {
                    pc: row.pc,
                    code_len,
                },
            ));
        }
        previous = Some(row.pc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instr::Instruction;
    use crate::module::{DataSegment, Export, Function, Import, LineEntry};
    use crate::opcode::Opcode;

    fn halt() -> Instruction {
        Instruction::from_words([Opcode::Halt.word(), 0, 0, 0, 0]).expect("halt decodes")
    }

    fn function(name: &str, entry: u32, len: u32) -> Function {
        Function {
            name: name.into(),
            entry,
            len,
            regs: 4,
            params: 0,
        }
    }

    fn two_functions() -> Module {
        Module {
            code: vec![halt(); 3],
            functions: vec![function("a", 0, 1), function("b", 1, 2)],
            ..Module::new()
        }
    }

    fn kind_at(module: &Module) -> (Place, FormatErrorKind) {
        let v = check(module).expect_err("module should be rejected");
        (v.place, v.kind)
    }

    #[test]
    fn a_tiled_module_passes() {
        assert_eq!(check(&two_functions()), Ok(()));
    }

    #[test]
    fn functions_must_tile_and_cover_the_code() {
        let mut m = two_functions();
        m.functions[1].entry = 2;
        let (place, kind) = kind_at(&m);
        assert_eq!(place, Place::Function(1, FunctionField::Entry));
        assert!(matches!(
            kind,
            FormatErrorKind::FunctionsDoNotTileCode {
                entry: 2,
                expected: 1,
                ..
            }
        ));

        let mut m = two_functions();
        m.functions[1].len = 1;
        assert_eq!(
            kind_at(&m),
            (
                Place::Function(1, FunctionField::Len),
                FormatErrorKind::CodeNotCovered {
                    covered: 2,
                    code_len: 3
                }
            )
        );

        let mut m = two_functions();
        m.functions[1].len = u32::MAX;
        assert!(matches!(
            kind_at(&m).1,
            FormatErrorKind::FunctionPastCodeEnd { code_len: 3, .. }
        ));
    }

    #[test]
    fn frames_and_names_are_checked() {
        let mut m = two_functions();
        m.functions[0].regs = 257;
        assert_eq!(
            kind_at(&m).0,
            Place::Function(0, FunctionField::Regs),
            "257 registers"
        );
        let mut m = two_functions();
        m.functions[0].params = 5;
        assert_eq!(kind_at(&m).0, Place::Function(0, FunctionField::Params));
        let mut m = two_functions();
        m.functions[1].name = "a".into();
        assert_eq!(
            kind_at(&m),
            (
                Place::Function(1, FunctionField::Name),
                FormatErrorKind::DuplicateName("a".into())
            )
        );
        let mut m = two_functions();
        m.imports = vec![Import {
            name: String::new(),
            params: 0,
        }];
        assert_eq!(
            kind_at(&m),
            (Place::ImportName(0), FormatErrorKind::EmptyName)
        );
    }

    #[test]
    fn indices_addresses_and_rows_are_checked() {
        let mut m = two_functions();
        m.entry = Some(2);
        assert_eq!(kind_at(&m).0, Place::MetaEntry);

        let mut m = two_functions();
        m.exports = vec![Export {
            name: "x".into(),
            func: 9,
        }];
        assert_eq!(kind_at(&m).0, Place::Export(0, ExportField::Func));

        let mut m = two_functions();
        m.memory_size = 16;
        let segment = |name: &str, offset, len| DataSegment {
            name: name.into(),
            offset,
            bytes: vec![0; len],
        };
        // Empty segments may touch; a byte shared is an overlap.
        m.data = vec![segment("a", 0, 8), segment("e", 8, 0), segment("b", 8, 8)];
        assert_eq!(check(&m), Ok(()));
        m.data = vec![segment("a", 0, 8), segment("b", 7, 1)];
        assert_eq!(kind_at(&m).0, Place::Data(1, DataField::Offset));
        m.data = vec![segment("a", 9, 8)];
        assert!(matches!(
            kind_at(&m).1,
            FormatErrorKind::DataOutsideMemory {
                memory_size: 16,
                ..
            }
        ));

        let mut m = two_functions();
        m.debug.lines = vec![LineEntry { pc: 1, line: 1 }, LineEntry { pc: 1, line: 2 }];
        assert_eq!(kind_at(&m).0, Place::DebugRow(1));
        m.debug.lines = vec![LineEntry { pc: 3, line: 1 }];
        assert_eq!(
            kind_at(&m).1,
            FormatErrorKind::DebugPcOutOfRange { pc: 3, code_len: 3 }
        );
    }

    #[test]
    fn an_empty_module_has_no_functions() {
        assert_eq!(
            kind_at(&Module::new()),
            (Place::FunctionCount, FormatErrorKind::NoFunctions)
        );
    }
}
