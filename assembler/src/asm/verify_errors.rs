//! Verifier errors as diagnostics: each instruction error reported at the operand it
//! is about, with help naming the frame or the declaration at odds with it.

use adead_isa::{Instruction, LineEntry, OperandKind, OperandValue, VerifyError, VerifyErrorKind};

use super::report::{At, Span};
use super::{Asm, listing_line};

impl<'s> Asm<'s> {
    /// Reports a verifier error at the operand it is about. `code` is the module's code
    /// and `lines` the listing line of each instruction.
    pub(super) fn verify_error(
        &mut self,
        code: &[Instruction],
        lines: &[LineEntry],
        error: VerifyError,
    ) {
        let VerifyError::Instruction {
            function_index,
            pc,
            kind,
            ..
        } = error
        else {
            self.error(Span::at(0, 0), error.to_string());
            return;
        };
        let Some(f) = self.functions.get(function_index as usize) else {
            return;
        };
        let pc = f.entry + pc.min(f.len);
        let end = f.entry + f.len;
        // An instruction that did not assemble already has its diagnostic.
        if pc >= end || self.broken.contains(pc) {
            return;
        }
        let Some(&instr) = code.get(pc as usize) else {
            return;
        };
        if self.full() {
            self.omitted += 1;
            return;
        }
        let operands: Vec<_> = instr.operands().collect();
        let wanted = |k: OperandKind| operands.iter().position(|&(kind, _)| kind == k);
        let index = match &kind {
            VerifyErrorKind::RegisterOutsideFrame { reg, .. } => {
                operands.iter().position(|&(k, v)| {
                    matches!(k, OperandKind::Dst | OperandKind::Src)
                        && v == OperandValue::Reg(*reg as u8)
                })
            }
            VerifyErrorKind::RegisterRangeOutsideFrame { .. }
            | VerifyErrorKind::FunctionArityMismatch { .. }
            | VerifyErrorKind::ImportArityMismatch { .. } => wanted(OperandKind::Count),
            VerifyErrorKind::LabelOutOfRange { .. } => wanted(OperandKind::Label),
            VerifyErrorKind::FunctionIndexOutOfRange { .. } => wanted(OperandKind::Func),
            VerifyErrorKind::ImportIndexOutOfRange { .. } => wanted(OperandKind::Import),
            VerifyErrorKind::DataIndexOutOfRange { .. } => wanted(OperandKind::Data),
            VerifyErrorKind::ShaderIndexOutOfRange { .. } => wanted(OperandKind::Shader),
            _ => None,
        };
        let line = listing_line(lines, pc);
        let at = match index {
            Some(index) => At::Operand {
                line,
                opcode: instr.opcode(),
                index,
            },
            None => At::Instruction { line },
        };
        let explicit_regs = self
            .functions
            .get(function_index as usize)
            .is_some_and(|f| f.regs.is_some());
        let help = match &kind {
            VerifyErrorKind::RegisterOutsideFrame { regs, .. }
            | VerifyErrorKind::RegisterRangeOutsideFrame { regs, .. } => Some(if explicit_regs {
                format!("`regs={regs}` gives r0..r{}", regs.saturating_sub(1))
            } else {
                format!("the frame has r0..r{}", regs.saturating_sub(1))
            }),
            VerifyErrorKind::FunctionArityMismatch { callee, params, .. } => {
                Some(format!("`{callee}` is declared with params={params}"))
            }
            VerifyErrorKind::ImportArityMismatch { import, .. } => self
                .imports
                .iter()
                .find(|def| &def.name == import)
                .and_then(|def| match (def.declared, def.first_use) {
                    (Some((p, s)), _) => {
                        Some(format!("declared with params={p} on line {}", s.line + 1))
                    }
                    (None, Some((p, s))) => Some(format!(
                        "its first `hcall` (line {}) passes {p}",
                        s.line + 1
                    )),
                    (None, None) => None,
                }),
            _ => None,
        };
        match help {
            Some(help) => self.error_help(at, kind.to_string(), help),
            None => self.error(at, kind.to_string()),
        }
    }
}
