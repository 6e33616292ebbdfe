//! The verifier: the checks that need the code's meaning, run once per load. A
//! [`VerifiedModule`] can only come out of [`verify`], so a tier that takes one may skip
//! every check made here: register indices within the frame, jump targets within the
//! function, function, import, data and shader indices, call arities, and no path that
//! falls off a function's end.
//!
//! Every rule is derived from the opcode table: the verifier matches on
//! [`OperandKind`], never on opcodes, so a new table row is verified without a change here.

use std::ops::Deref;

use crate::format::{FormatErrorKind, Section};
use crate::instr::Instruction;
use crate::module::{Function, Module};
use crate::operand::OperandKind;
use crate::structure;

/// A module that passed [`verify`]. It owns the module and derefs to it.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedModule {
    module: Module,
}

impl VerifiedModule {
    /// Gives the module back (to edit it, after which it must be verified again).
    pub fn into_inner(self) -> Module {
        self.module
    }
}

impl Deref for VerifiedModule {
    type Target = Module;

    fn deref(&self) -> &Module {
        &self.module
    }
}

impl AsRef<Module> for VerifiedModule {
    fn as_ref(&self) -> &Module {
        &self.module
    }
}

/// Why [`verify`] rejected a module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// An instruction breaks a rule.
    #[error("verify error in function `{}` at instruction {pc} (`{mnemonic}`): {kind}", .function.escape_debug())]
    Instruction {
        /// Name of the function.
        function: String,
        /// Index of the function in `Module::functions`.
        function_index: u32,
        /// Index of the instruction within the function (0 is its entry).
        pc: u32,
        /// The instruction's mnemonic.
        mnemonic: &'static str,
        /// What is wrong.
        kind: VerifyErrorKind,
    },
    /// The module breaks a structural rule of the `.bib` format. A module from
    /// [`format::read`](crate::format::read) never does; one built in memory can.
    #[error("verify error in section `{section}`: {kind}")]
    Structure {
        /// The section the offending field belongs to.
        section: Section,
        /// The rule, as `format::read` would report it.
        kind: FormatErrorKind,
    },
}

/// What is wrong with an instruction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyErrorKind {
    /// A `Dst` or `Src` register at or past the frame size.
    #[error("register r{reg} is outside the frame of {regs} registers")]
    RegisterOutsideFrame {
        /// The register.
        reg: u32,
        /// The function's frame size.
        regs: u32,
    },
    /// A `RegRange` whose `Count` registers run past the frame.
    #[error("registers r{first}.. ({count} of them) run past the frame of {regs} registers")]
    RegisterRangeOutsideFrame {
        /// The first register.
        first: u32,
        /// The number of registers.
        count: u32,
        /// The function's frame size.
        regs: u32,
    },
    /// A jump target at or past the function's length.
    #[error("jump target {target} is outside the function ({len} instructions)")]
    LabelOutOfRange {
        /// The target (instruction index in the function).
        target: u32,
        /// Instructions in the function.
        len: u32,
    },
    /// A function index that does not exist.
    #[error("function index {index} does not exist (the module has {functions} functions)")]
    FunctionIndexOutOfRange {
        /// The index.
        index: u32,
        /// Functions in the module.
        functions: usize,
    },
    /// An import index that does not exist.
    #[error("import index {index} does not exist (the module has {imports} imports)")]
    ImportIndexOutOfRange {
        /// The index.
        index: u32,
        /// Imports in the module.
        imports: usize,
    },
    /// A data segment index that does not exist.
    #[error("data index {index} does not exist (the module has {data} data segments)")]
    DataIndexOutOfRange {
        /// The index.
        index: u32,
        /// Data segments in the module.
        data: usize,
    },
    /// A shader index that does not exist.
    #[error("shader index {index} does not exist (the module has {shaders} shaders)")]
    ShaderIndexOutOfRange {
        /// The index.
        index: u32,
        /// Shaders in the module.
        shaders: usize,
    },
    /// A call passes a number of arguments other than the callee's parameter count.
    #[error("passes {args} arguments, but function `{}` takes {params}", .callee.escape_debug())]
    FunctionArityMismatch {
        /// The callee's name.
        callee: String,
        /// Its parameter count.
        params: u32,
        /// The arguments passed.
        args: u32,
    },
    /// A host call passes a number of arguments other than the import's parameter count.
    #[error("passes {args} arguments, but import `{}` takes {params}", .import.escape_debug())]
    ImportArityMismatch {
        /// The import's name.
        import: String,
        /// Its parameter count.
        params: u32,
        /// The arguments passed.
        args: u32,
    },
    /// The function's last instruction can fall through, past the function's end.
    #[error(
        "the last instruction of the function can fall through past its end (end it with `ret`, `jmp`, `halt` or `trap`)"
    )]
    FallsOffEnd,
}

/// Verifies `module`: first the structural rules `format::read` enforces (a module built
/// in memory never went through `read`), then every instruction of every function, in
/// order; the first broken rule is the error.
///
/// ```
/// use adead_isa::{verify, Function, Instruction, Module, Opcode, VerifyError, VerifyErrorKind};
/// let mut module = Module::new();
/// module.code.push(Instruction::from_words([Opcode::Ret.word(), 20, 0, 0, 0]).unwrap());
/// module.functions.push(Function { name: "main".into(), entry: 0, len: 1, regs: 16, params: 0 });
/// let err = verify(module).unwrap_err();
/// assert!(matches!(err, VerifyError::Instruction { pc: 0, kind: VerifyErrorKind::RegisterOutsideFrame { reg: 20, regs: 16 }, .. }));
/// assert_eq!(err.to_string(), "verify error in function `main` at instruction 0 (`ret`): register r20 is outside the frame of 16 registers");
/// ```
pub fn verify(module: Module) -> Result<VerifiedModule, VerifyError> {
    structure::check(&module).map_err(|violation| VerifyError::Structure {
        section: violation.place.section(),
        kind: violation.kind,
    })?;
    if let Some(first) = instruction_errors(&module).next() {
        return Err(first);
    }
    Ok(VerifiedModule { module })
}

/// Every instruction-level error of `module`, in code order: the first broken rule of
/// each instruction, and a `FallsOffEnd` per function that needs one. Tools that report
/// all errors at once (the assembler) use this; [`verify`] stops at the first. Functions
/// that do not lie inside the code (which `verify` rejects first) are skipped.
pub fn instruction_errors(module: &Module) -> impl Iterator<Item = VerifyError> + '_ {
    module
        .functions
        .iter()
        .enumerate()
        .flat_map(move |(function_index, function)| {
            function_errors(module, function_index, function)
        })
}

fn function_errors<'m>(
    module: &'m Module,
    function_index: usize,
    function: &'m Function,
) -> impl Iterator<Item = VerifyError> + 'm {
    // `structure::check` proved the function lies inside the code; `try_code` keeps that
    // reasoning local instead of trusting it with an index.
    let code = function.try_code(module).unwrap_or_default();
    let error_at = move |pc: usize, instr: &Instruction, kind| VerifyError::Instruction {
        function: function.name.clone(),
        function_index: function_index as u32,
        pc: pc as u32,
        mnemonic: instr.opcode().mnemonic(),
        kind,
    };
    let operand_errors = code.iter().enumerate().filter_map(move |(pc, instr)| {
        verify_instruction(module, function, instr)
            .err()
            .map(|kind| error_at(pc, instr, kind))
    });
    let falls_off = code
        .last()
        .filter(|last| !last.opcode().flags().ends_block)
        .map(|last| error_at(code.len() - 1, last, VerifyErrorKind::FallsOffEnd));
    operand_errors.chain(falls_off)
}

/// What a `Count` operand's value must equal, set by a preceding `Func` or `Import`.
enum Arity<'m> {
    Free,
    Function(&'m Function),
    Import(&'m str, u32),
}

fn verify_instruction(
    module: &Module,
    function: &Function,
    instr: &Instruction,
) -> Result<(), VerifyErrorKind> {
    let regs = function.regs;
    let in_range = |index: u32, len: usize| (index as usize) < len;
    let mut range_first: u32 = 0;
    let mut arity = Arity::Free;
    for (kind, value) in instr.operands() {
        let (word, _) = value.to_words();
        match kind {
            OperandKind::Dst | OperandKind::Src => {
                if word >= regs {
                    return Err(VerifyErrorKind::RegisterOutsideFrame { reg: word, regs });
                }
            }
            // Checked with the `Count` that follows it: an empty range may start anywhere
            // up to the frame's end.
            OperandKind::RegRange => range_first = word,
            OperandKind::Count => {
                if u64::from(range_first) + u64::from(word) > u64::from(regs) {
                    return Err(VerifyErrorKind::RegisterRangeOutsideFrame {
                        first: range_first,
                        count: word,
                        regs,
                    });
                }
                check_arity(&arity, word)?;
            }
            OperandKind::Label => {
                if word >= function.len {
                    return Err(VerifyErrorKind::LabelOutOfRange {
                        target: word,
                        len: function.len,
                    });
                }
            }
            OperandKind::Func => match module.functions.get(word as usize) {
                Some(callee) => arity = Arity::Function(callee),
                None => {
                    return Err(VerifyErrorKind::FunctionIndexOutOfRange {
                        index: word,
                        functions: module.functions.len(),
                    });
                }
            },
            OperandKind::Import => match module.imports.get(word as usize) {
                Some(import) => arity = Arity::Import(&import.name, import.params),
                None => {
                    return Err(VerifyErrorKind::ImportIndexOutOfRange {
                        index: word,
                        imports: module.imports.len(),
                    });
                }
            },
            OperandKind::Data => {
                if !in_range(word, module.data.len()) {
                    return Err(VerifyErrorKind::DataIndexOutOfRange {
                        index: word,
                        data: module.data.len(),
                    });
                }
            }
            OperandKind::Shader => {
                if !in_range(word, module.shaders.len()) {
                    return Err(VerifyErrorKind::ShaderIndexOutOfRange {
                        index: word,
                        shaders: module.shaders.len(),
                    });
                }
            }
            // Immediates: every bit pattern is meaningful.
            OperandKind::Imm32 | OperandKind::Imm64 | OperandKind::F64 | OperandKind::F32 => {}
        }
    }
    Ok(())
}

fn check_arity(arity: &Arity<'_>, args: u32) -> Result<(), VerifyErrorKind> {
    match *arity {
        Arity::Function(callee) if callee.params != args => {
            Err(VerifyErrorKind::FunctionArityMismatch {
                callee: callee.name.clone(),
                params: callee.params,
                args,
            })
        }
        Arity::Import(name, params) if params != args => {
            Err(VerifyErrorKind::ImportArityMismatch {
                import: name.to_owned(),
                params,
                args,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::Opcode;

    #[test]
    fn every_count_follows_a_register_range() {
        // The verifier checks a range when it meets its count; the table must keep them paired.
        for &op in Opcode::ALL {
            let kinds = op.operands();
            for (i, kind) in kinds.iter().enumerate() {
                if *kind == OperandKind::Count {
                    assert_eq!(
                        i.checked_sub(1).map(|p| kinds[p]),
                        Some(OperandKind::RegRange),
                        "{op:?}"
                    );
                }
                if *kind == OperandKind::RegRange {
                    assert_eq!(kinds.get(i + 1), Some(&OperandKind::Count), "{op:?}");
                }
            }
        }
    }

    #[test]
    fn an_arity_source_precedes_the_count_it_constrains() {
        // `call` and `hcall` name their callee before the argument count.
        for &op in Opcode::ALL {
            let kinds = op.operands();
            let position = |k| kinds.iter().position(|&x| x == k);
            if let Some(count) = position(OperandKind::Count) {
                for source in [OperandKind::Func, OperandKind::Import] {
                    if let Some(at) = position(source) {
                        assert!(at < count, "{op:?}");
                    }
                }
            }
        }
    }
}
