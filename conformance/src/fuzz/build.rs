//! Building one function's code with symbolic labels, so that the generator can emit a
//! forward branch before it knows where its target lands.

use adead_isa::{Instruction, Opcode, OperandValue};

/// A jump target inside the function being built: bound to an instruction index once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Label(usize);

/// One operand as the generator writes it: a value, or a label resolved at the end.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg {
    Value(OperandValue),
    Label(Label),
}

/// A register operand.
pub(crate) fn r(reg: u8) -> Arg {
    Arg::Value(OperandValue::Reg(reg))
}

/// A 32-bit immediate operand.
pub(crate) fn imm(value: i32) -> Arg {
    Arg::Value(OperandValue::Imm32(value))
}

/// A 64-bit immediate operand.
pub(crate) fn imm64(value: i64) -> Arg {
    Arg::Value(OperandValue::Imm64(value))
}

/// A label operand.
pub(crate) fn label(target: Label) -> Arg {
    Arg::Label(target)
}

/// The code of one function under construction.
#[derive(Default)]
pub(crate) struct Builder {
    code: Vec<(Opcode, Vec<Arg>)>,
    labels: Vec<Option<u32>>,
}

impl Builder {
    /// Instructions emitted so far; also the index the next one gets.
    pub(crate) fn len(&self) -> usize {
        self.code.len()
    }

    /// A new, unbound label.
    pub(crate) fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Binds `target` to the next instruction emitted.
    pub(crate) fn bind(&mut self, target: Label) {
        debug_assert!(self.labels[target.0].is_none(), "a label is bound once");
        self.labels[target.0] = Some(self.code.len() as u32);
    }

    /// A label bound here, for a backward branch.
    pub(crate) fn here(&mut self) -> Label {
        let target = self.label();
        self.bind(target);
        target
    }

    /// Appends one instruction.
    pub(crate) fn emit(&mut self, op: Opcode, args: &[Arg]) {
        self.code.push((op, args.to_vec()));
    }

    /// Resolves the labels and encodes every instruction.
    ///
    /// # Panics
    ///
    /// On an unbound label or operands that do not fit the opcode: both are bugs in
    /// the generator, which must never produce them (the fuzz runner catches the panic
    /// and reports the seed).
    pub(crate) fn finish(self) -> Vec<Instruction> {
        let labels = self.labels;
        self.code
            .into_iter()
            .map(|(op, args)| {
                let values: Vec<OperandValue> = args
                    .iter()
                    .map(|arg| match *arg {
                        Arg::Value(value) => value,
                        Arg::Label(target) => OperandValue::Label(
                            labels[target.0].expect("the generator binds every label it uses"),
                        ),
                    })
                    .collect();
                Instruction::from_operands(op, &values).unwrap_or_else(|error| {
                    panic!("the generator built a bad `{}`: {error}", op.mnemonic())
                })
            })
            .collect()
    }
}
