//! Verifier errors as diagnostics: each instruction error reported at the operand it
//! is about, with help naming the frame or the declaration at odds with it.

use adead_isa::{OperandKind, OperandValue, VerifyError, VerifyErrorKind};

use super::report::Span;
use super::{Asm, Resolved};

impl<'s> Asm<'s> {
    /// Reports a verifier error at the operand it is about.
    pub(super) fn verify_error(&mut self, resolved: &[Vec<Option<Resolved>>], error: VerifyError) {
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
        // An instruction that did not resolve already has its diagnostic.
        let Some(r) = resolved
            .get(function_index as usize)
            .and_then(|f| f.get(pc as usize))
            .and_then(Option::as_ref)
        else {
            return;
        };
        let operands: Vec<_> = r.instr.operands().collect();
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
        let span = index
            .and_then(|i| r.operands.get(i))
            .copied()
            .unwrap_or(r.span);
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
            Some(help) => self.error_help(span, kind.to_string(), help),
            None => self.error(span, kind.to_string()),
        }
    }
}
