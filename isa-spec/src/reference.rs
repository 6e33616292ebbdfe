//! The ISA reference document, `isa-spec/ISA.md`, generated from the opcode table.
//!
//! `cargo run -p adead-isa --bin gen-isa-doc` writes it; a test fails when the committed
//! file differs from [`markdown`], so the document cannot drift from the table.

use std::fmt::Write;

use crate::opcode::{Family, Opcode};
use crate::operand::{OperandKind, SyntaxClass};
use crate::semantics::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};
use crate::trap::TrapKind;

/// Every operand kind, in the order the document lists them.
const OPERAND_KINDS: [OperandKind; 13] = [
    OperandKind::Dst,
    OperandKind::Src,
    OperandKind::RegRange,
    OperandKind::Count,
    OperandKind::Imm32,
    OperandKind::Imm64,
    OperandKind::F64,
    OperandKind::F32,
    OperandKind::Label,
    OperandKind::Func,
    OperandKind::Import,
    OperandKind::Data,
    OperandKind::Shader,
];

/// The whole reference document, `ISA.md`, as Markdown.
pub fn markdown() -> String {
    let mut doc = String::new();
    intro(&mut doc);
    encoding(&mut doc);
    operands(&mut doc);
    registers(&mut doc);
    determinism(&mut doc);
    traps(&mut doc);
    modules(&mut doc);
    for family in Family::ALL {
        family_section(&mut doc, family);
    }
    doc
}

/// The assembly form of an opcode: mnemonic, then its operand names separated by commas.
pub fn assembly_form(opcode: Opcode) -> String {
    let names = OperandKind::syntax_names(opcode.operands());
    if names.is_empty() {
        opcode.mnemonic().to_owned()
    } else {
        format!("{} {}", opcode.mnemonic(), names.join(", "))
    }
}

fn opcodes_of(family: Family) -> impl Iterator<Item = Opcode> {
    Opcode::ALL
        .iter()
        .copied()
        .filter(move |op| op.family() == family)
}

/// Text for a Markdown table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn family_heading(family: Family) -> String {
    format!("{} ({:#06x})", family.title(), family as u16)
}

fn intro(doc: &mut String) {
    doc.push_str("# ADead-BIB instruction set\n\n");
    doc.push_str(
        "<!-- Generated from isa-spec/src/table.rs by `cargo run -p adead-isa --bin gen-isa-doc`. \
         Do not edit by hand: edit the table and regenerate. -->\n\n",
    );
    let _ = writeln!(
        doc,
        "The ADead-BIB virtual machine runs one small instruction set: {} opcodes in {} \
         families. Everything below is generated from the opcode table \
         (`isa-spec/src/table.rs`), the single source of truth for opcode words, mnemonics, \
         operands, semantics and flags.\n",
        Opcode::ALL.len(),
        Family::ALL.len()
    );
    doc.push_str("| family | opcode words | opcodes |\n| --- | --- | --- |\n");
    for family in Family::ALL {
        let heading = family_heading(family);
        let _ = writeln!(
            doc,
            "| [{}](#{}) | `{:#06x}xxxx` | {} |",
            family.title(),
            anchor(&heading),
            family as u16,
            opcodes_of(family).count()
        );
    }
    doc.push('\n');
}

fn encoding(doc: &mut String) {
    doc.push_str(
        "## Encoding\n\n\
         An instruction is five little-endian 32-bit words, `op a b c d`: 20 bytes, always.\n\n\
         - `op` is the opcode word. Its high 16 bits name the family, its low 16 bits the \
         operation within the family.\n\
         - `a`, `b`, `c`, `d` hold the operands in the order the assembly form lists them. \
         Most operands take one word; `imm64` and `f64` take two, low word first.\n\
         - Operand words an opcode does not use must be zero, and register words must be \
         below 256; decoding rejects anything else. The encoding is canonical: every \
         instruction has exactly one, and assembling a disassembly gives back the same bytes.\n\
         - A function's instructions are numbered from 0 at its entry; jump targets \
         (`label`) are these numbers.\n\n",
    );
}

/// How an operand of `kind` is spelled in assembly, by its [`SyntaxClass`].
fn written_as(kind: OperandKind) -> &'static str {
    match (kind.syntax_class(), kind) {
        (SyntaxClass::Register, _) => "`r12`",
        (SyntaxClass::Integer, OperandKind::Count) => "`3`",
        (SyntaxClass::Integer, OperandKind::Imm64) => "`-5`, `0x7fffffffffffffff`",
        (SyntaxClass::Integer, _) => "`-5`, `0x10`",
        (SyntaxClass::Float, OperandKind::F32) => "`1.5`, `-inf`, `nan`, or raw bits `0x7fc00001`",
        (SyntaxClass::Float, _) => "`1.5`, `-inf`, `nan`, or raw bits `0x7ff8000000000001`",
        (SyntaxClass::Name, OperandKind::Label) => "a label: `loop`",
        (SyntaxClass::Name, OperandKind::Func) => "a function name: `fib`",
        (SyntaxClass::Name, OperandKind::Import) => "an import name: `print`",
        (SyntaxClass::Name, _) => "a shader name: `saxpy`",
        (SyntaxClass::DataRef, _) => "a data symbol: `@table`",
    }
}

fn operand_meaning(kind: OperandKind) -> &'static str {
    match kind {
        OperandKind::Dst => "register the instruction writes",
        OperandKind::Src => {
            "register the instruction reads; sources are named `rA`, `rB`, `rC`, `rE` in order"
        }
        OperandKind::RegRange => {
            "first of `n` consecutive registers (call arguments, bound tensors, the dimension list of `tnew` and `treshape`)"
        }
        OperandKind::Count => "number of registers in the preceding range",
        OperandKind::Imm32 => "32-bit two's-complement immediate",
        OperandKind::Imm64 => "64-bit integer immediate, two words, low word first",
        OperandKind::F64 => "binary64 immediate (its bits), two words, low word first",
        OperandKind::F32 => "binary32 immediate (its bits)",
        OperandKind::Label => "jump target: an instruction index in the current function",
        OperandKind::Func => "function index (written as the function's name)",
        OperandKind::Import => "host import index (written as the import's name)",
        OperandKind::Data => "data segment index; the value used is the segment's address",
        OperandKind::Shader => "shader index (written as the shader's name)",
    }
}

fn operands(doc: &mut String) {
    doc.push_str(
        "## Operands\n\n\
         The assembly form of an opcode names its operands by kind. Operands are separated \
         by commas: `add r3, r1, r2`.\n\n\
         | name | kind | words | written as | meaning |\n| --- | --- | --- | --- | --- |\n",
    );
    for kind in OPERAND_KINDS {
        let name = OperandKind::syntax_names(&[kind]).concat();
        let _ = writeln!(
            doc,
            "| `{name}` | {kind:?} | {} | {} | {} |",
            kind.words(),
            written_as(kind),
            cell(operand_meaning(kind))
        );
    }
    doc.push_str(
        "\nA mnemonic may name several opcodes (`halt`, `movi`); the assembler picks the one \
         whose operand count and syntax match.\n\n",
    );
}

fn registers(doc: &mut String) {
    doc.push_str(
        "## Registers\n\n\
         - Each function has its own frame of `regs` registers, 1 to 256, `r0` to \
         `r(regs-1)`. The verifier proves every register operand lies inside the frame.\n\
         - Registers are 64 bits and untyped. An f64 uses all 64 bits; an f32 uses the low \
         32 bits with the high 32 bits zero, and f32 operations read only the low 32 bits. \
         The *registers* column of each opcode gives the type each register operand is read \
         or written as: `int`, `f32`, `f64`, or `any` for bits moved unchanged. Types are \
         a fact about the instruction, not a check: any register may be read as any type.\n\
         - A function with `params` parameters receives them in `r0` to `r(params-1)`. \
         `call rD, func, rFirst, n` copies `rFirst` to `rFirst+n-1` into the callee's `r0` to \
         `r(n-1)`; `n` must equal the callee's `params`. The callee's `ret rA` writes `rA` to \
         the caller's `rD`. The callee's other registers start at 0.\n\
         - Tensors are values in the VM's tensor table; registers hold their handles.\n\n",
    );
}

fn determinism(doc: &mut String) {
    let _ = write!(
        doc,
        "## Deterministic semantics\n\n\
         The same module, inputs and limits give bit-identical results and the same traps \
         on every tier (interpreter, baseline JIT, optimizing JIT), every SIMD width, thread \
         count and GPU backend. The scalar rules are implemented once, in \
         `adead_isa::semantics`.\n\n\
         - **Integers** are two's complement and wrap on overflow. Division or remainder by \
         zero traps with `divide_by_zero`; signed `MIN / -1` and `MIN rem -1` trap with \
         `integer_overflow`. Shift and rotate counts are taken modulo 64.\n\
         - **Floats** are IEEE 754 binary32 and binary64, rounding to nearest, ties to even.\n\
         - **NaN**: every NaN an arithmetic float operation produces (add, sub, mul, div, \
         sqrt, min, max, conversions) is the canonical NaN: f64 `{:#018x}`, \
         f32 `{:#010x}`. Negation, absolute value, copysign, moves, loads and stores are bit \
         operations and never change a NaN's bits.\n\
         - **min and max** return NaN when either input is NaN, and order -0 below +0.\n\
         - **Float to integer** truncates toward zero and saturates at the integer's range; \
         NaN gives 0. **Integer to float** rounds to nearest, ties to even.\n\
         - **f32 in registers**: the low 32 bits, the high 32 bits zero.\n\
         - **Memory**: the address `rA + imm` is computed without wrap-around; an access \
         with any byte outside linear memory traps with `out_of_bounds`. A range operation \
         (`mcopy`, `mfill`) whose start lies past the end traps even when its length is 0, \
         as in WebAssembly. Memory has exactly the size the module declares, and grows only \
         through `alloc`.\n\
         - **Heap**: `alloc` returns 16-byte aligned, zeroed blocks, never below address \
         16 (so 0 can mean null), first fit in address order over freed ranges (merged \
         with their neighbours), else above every block handed out so far; memory grows \
         when that passes its end, up to the embedder's limit. The same sequence of \
         `alloc` and `free` gives the same addresses everywhere.\n\
         - **Limits**: fuel (an instruction budget), call depth, memory size, tensor \
         bytes and the number of live tensors are set by the embedder; exceeding one traps, at the same instruction on \
         every tier. Every instruction executed costs one unit of fuel, the trapping one \
         included; an `out_of_fuel` trap stops before the instruction it names. An \
         instruction whose work depends on its operands also costs one unit per 64 units \
         of *work* (rounded down), charged before the work starts: `mcopy` and `mfill` \
         work on their length in bytes, `alloc` on the size asked for; `tnew`, `tfill`, \
         `tload` and `tstore` on the tensor's elements; `matmul`, `linear` and \
         `linear.relu` on their multiply-adds (the elements of rB times the last \
         dimension of rC); `attention` on queries times the elements of the keys and \
         values, per head; every other op that writes a tensor on the elements of rB. An \
         op whose operands are not live tensors does no work and costs one unit (it \
         traps). When the fuel left cannot pay the work, the instruction traps \
         `out_of_fuel` without running. The \
         host's call counts as depth 1 and always starts; a `call` that would pass the \
         depth limit, or take the registers of all live frames past the register-stack \
         limit, traps with `call_depth`. Tiers charge fuel per straight-line run rather \
         than per instruction, with exactly this result; the rules they share are in \
         `adead_isa::fuel`.\n\
         - **Tensors** (f32) are defined by their scalar reference in `kernels/`: a matmul \
         output is the fused multiply-add chain over `k` in increasing order from +0.0; row \
         reductions use 16 interleaved partial accumulators combined in a fixed tree. Fast \
         CPU and GPU kernels reproduce the reference bit for bit.\n\
         - **Interruption**: the host may ask a run to stop (an interrupt handle, a \
         timeout, a signal). The run checks for the request at *check points* only: on \
         entering a function (the host's call and every `call`, after the call's own \
         checks) and on taking a backward branch (`target <= pc`), before the instruction \
         there runs; it then traps with `interrupted` there, charged only for what ran \
         before. When the request arrives is up to the host; where a run can stop is \
         fixed by the code, the same on every tier.\n\
         - **Host functions** are the only other source of non-determinism, and the \
         embedder chooses them.\n\n",
        CANONICAL_NAN_F64, CANONICAL_NAN_F32
    );
}

fn trap_meaning(kind: TrapKind) -> &'static str {
    match kind {
        TrapKind::DivideByZero => "integer division or remainder by zero",
        TrapKind::IntegerOverflow => "signed `MIN / -1` or `MIN rem -1`",
        TrapKind::OutOfBounds => "a memory access outside linear memory",
        TrapKind::OutOfFuel => "the instruction budget ran out (any instruction)",
        TrapKind::CallDepth => {
            "a `call` would pass the call depth limit, or the registers of all live frames would pass the register-stack limit (or more than the host can provide)"
        }
        TrapKind::OutOfMemory => "`alloc` found no free block",
        TrapKind::BadFree => "`free` of an address that is not a live block",
        TrapKind::User(_) => "the `trap imm` instruction; the trap carries `imm` as its code",
        TrapKind::Host => "a host function reported failure",
        TrapKind::TensorShape => {
            "a tensor op's inputs have shapes it cannot take; the trap's detail names the op and the shapes"
        }
        TrapKind::BadTensor => {
            "a register does not hold a live tensor handle (never created, or freed: handles carry a generation)"
        }
        TrapKind::TensorLimit => {
            "a tensor, or an op's result with the temporaries it needs while it runs, would take the live tensors past the embedder's tensor-bytes limit (checked before anything is allocated; each live tensor counts 128 bytes beside 4 per element), or a new tensor past its limit on live tensors"
        }
        TrapKind::Interrupted => {
            "the host asked the run to stop: reported at the next check point (a function's entry or a taken backward branch), naming the instruction that did not run"
        }
    }
}

fn traps(doc: &mut String) {
    doc.push_str(
        "## Traps\n\n\
         A trap stops the run and is reported as a value: its kind, the function and the \
         instruction. Every tier reports the same trap at the same instruction, with the \
         same side effects done before it. The flag *can trap* below marks the instructions \
         that can trap for a reason other than running out of fuel.\n\n\
         The *code* is the kind's stable number, as native code and the C ABI report \
         it (0 means no trap).\n\n\
         | id | code | raised when |\n| --- | --- | --- |\n",
    );
    for &kind in TrapKind::ALL {
        let _ = writeln!(
            doc,
            "| `{}` | {} | {} |",
            kind.id(),
            kind.code(),
            cell(trap_meaning(kind))
        );
    }
    doc.push('\n');
}

fn modules(doc: &mut String) {
    doc.push_str(
        "## Modules and the verifier\n\n\
         Programs ship as `.bib` modules, specified byte by byte in [FORMAT.md](FORMAT.md). \
         `format::read` checks a file's structure; `verify` then checks, once per load, what \
         needs the code's meaning, so that no tier checks it again:\n\n\
         - every `rD`, `rA`, `rB`, `rC`, `rE` register is below the function's `regs`, and \
         every range `rFirst`, `n` satisfies `rFirst + n <= regs`;\n\
         - every `label` is below the function's length;\n\
         - every `func`, `import`, `@data` and `shader` index names an existing entry;\n\
         - `call` passes exactly the callee's `params` arguments, `hcall` exactly the \
         import's `params`;\n\
         - the last instruction of every function *ends its block* (`jmp`, `ret`, `trap`, \
         `halt`), so no path falls off the end.\n\n",
    );
}

/// The value type of each register operand, `rD f64, rA f64, rB f64`.
fn register_types(op: Opcode) -> String {
    OperandKind::syntax_names(op.operands())
        .into_iter()
        .zip(op.value_types())
        .filter_map(|(name, ty)| ty.map(|ty| format!("{name} {}", ty.name())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn family_section(doc: &mut String, family: Family) {
    let count = opcodes_of(family).count();
    let _ = writeln!(
        doc,
        "## {}\n\n{count} opcode{}, words `{:#06x}xxxx`.\n",
        family_heading(family),
        if count == 1 { "" } else { "s" },
        family as u16
    );
    doc.push_str(
        "| word | assembly | registers | semantics | flags |\n| --- | --- | --- | --- | --- |\n",
    );
    for op in opcodes_of(family) {
        let flags = op.flags();
        let flag_text = [
            (flags.ends_block, "ends block"),
            (flags.can_trap, "can trap"),
            (flags.into_tensor, "result into tensor rA"),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, text)| *text)
        .collect::<Vec<_>>()
        .join(", ");
        let _ = writeln!(
            doc,
            "| `{:#010x}` | `{}` | {} | {} | {flag_text} |",
            op.word(),
            assembly_form(op),
            register_types(op),
            cell(op.semantics())
        );
    }
    doc.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_appears_once_with_its_word_and_form() {
        let doc = markdown();
        for &op in Opcode::ALL {
            let row = format!("| `{:#010x}` | `{}` |", op.word(), assembly_form(op));
            assert_eq!(doc.matches(&row).count(), 1, "{op:?}");
        }
        assert!(doc.contains(
            "| `0x00020000` | `add rD, rA, rB` | rD int, rA int, rB int | rD = rA + rB (wrapping). |  |"
        ));
        assert!(doc.contains("| `fst32 rA, imm, rB` | rA int, rB f32 |"));
        assert!(
            doc.contains("rD = rA \\| rB."),
            "pipes are escaped in cells"
        );
        assert!(doc.contains("`0x7ff8000000000000`") && doc.contains("`0x7fc00000`"));
    }

    #[test]
    fn the_operand_kind_list_covers_every_kind_the_table_uses() {
        for &op in Opcode::ALL {
            for kind in op.operands() {
                assert!(
                    OPERAND_KINDS.contains(kind),
                    "{kind:?} missing from OPERAND_KINDS"
                );
            }
        }
    }

    #[test]
    fn family_links_point_at_their_headings() {
        let doc = markdown();
        for family in Family::ALL {
            let heading = family_heading(family);
            assert!(doc.contains(&format!("\n## {heading}\n")));
            assert!(doc.contains(&format!("(#{})", anchor(&heading))));
        }
        assert_eq!(anchor("GPU (GPU_) (0xc0da)"), "gpu-gpu_-0xc0da");
    }
}
