//! THE opcode table. Every opcode of the ISA is one row here and nowhere else.
//!
//! A row is: one doc line (the semantics, copied into `ISA.md`), the 32-bit opcode word,
//! the `Opcode` variant name, the assembler mnemonic, the operand kinds in word order
//! (each register operand with its value type: `int`, `f32`, `f64`, or `any` for bits
//! moved unchanged), and attributes:
//! - `end`: control never falls through to the next instruction (terminator);
//! - `trap`: the instruction can trap for a reason other than running out of fuel;
//! - `tensor`: the result replaces the contents and shape of the live tensor named by
//!   operand 0 (which may also be an input).
//!
//! Operand names used in the semantics (`rD`, `rA`, `rB`, `rC`, `rE`, `imm`, ...) are
//! derived from the operand kinds by [`crate::OperandKind::syntax_names`]: the destination
//! is `rD`, source registers are `rA`, `rB`, `rC`, `rE` in order.
//!
//! `for_each_opcode!(callback)` invokes `callback!` with every row; `opcode.rs` expands it
//! into the enum and its tables. Rows sharing a mnemonic (`halt`, `movi`) are overloads
//! that the assembler tells apart by operand count or operand syntax; a unit test proves
//! each overload set unambiguous.

/// Invokes `$callback!` with every row of the opcode table.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_opcode {
    ($callback:ident) => {
        $callback! {
            // ---------------------------------------------------------------- control 0x0000
            /// No effect.
            0x0000_0000 Nop "nop" [] [];
            /// Continue at `label`.
            0x0000_0001 Jmp "jmp" [Label] [end];
            /// Continue at `label` if rA == 0.
            0x0000_0002 Jz "jz" [Src:int, Label] [];
            /// Continue at `label` if rA != 0.
            0x0000_0003 Jnz "jnz" [Src:int, Label] [];
            /// Continue at `label` if rA == rB.
            0x0000_0010 Beq "beq" [Src:int, Src:int, Label] [];
            /// Continue at `label` if rA != rB.
            0x0000_0011 Bne "bne" [Src:int, Src:int, Label] [];
            /// Continue at `label` if rA < rB (signed).
            0x0000_0012 Blt "blt" [Src:int, Src:int, Label] [];
            /// Continue at `label` if rA >= rB (signed).
            0x0000_0013 Bge "bge" [Src:int, Src:int, Label] [];
            /// Continue at `label` if rA < rB (unsigned).
            0x0000_0014 Bltu "bltu" [Src:int, Src:int, Label] [];
            /// Continue at `label` if rA >= rB (unsigned).
            0x0000_0015 Bgeu "bgeu" [Src:int, Src:int, Label] [];
            /// Call `func` with the `n` arguments rFirst.. rFirst+n-1 as its r0..r(n-1); its `ret` value goes to rD. Traps when the call depth or register-stack limit is reached.
            0x0000_0020 Call "call" [Dst:any, Func, RegRange:any, Count] [trap];
            /// Return rA to the caller's rD; returning from the outermost call ends the run with rA as its result.
            0x0000_0021 Ret "ret" [Src:any] [end];
            /// Call host function `import` with the `n` arguments rFirst.. rFirst+n-1; its result (0 if it has none) goes to rD. Traps if the host function fails.
            0x0000_0022 Hcall "hcall" [Dst:any, Import, RegRange:any, Count] [trap];
            /// Trap with kind `user` and code `imm`.
            0x0000_0030 Trap "trap" [Imm32] [end, trap];
            /// End the program with exit code rA.
            0x0000_00FE HaltReg "halt" [Src:int] [end];
            /// End the program with exit code 0.
            0x0000_00FF Halt "halt" [] [end];

            // ---------------------------------------------------------------- memory 0x0001
            /// rD = address of a fresh block of rA bytes in linear memory, 16-byte aligned, contents zero. Traps when no block fits.
            0x0001_0000 Alloc "alloc" [Dst:int, Src:int] [trap];
            /// Release the block at address rA. Traps unless rA is the address of a live block.
            0x0001_0001 Free "free" [Src:int] [trap];
            /// rD = size of linear memory in bytes.
            0x0001_0002 MemSize "msize" [Dst:int] [];
            /// Copy rC bytes from address rB to address rA; the ranges may overlap. Traps if either range is out of bounds.
            0x0001_0003 MemCopy "mcopy" [Src:int, Src:int, Src:int] [trap];
            /// Set rC bytes at address rA to the low byte of rB. Traps if the range is out of bounds.
            0x0001_0004 MemFill "mfill" [Src:int, Src:int, Src:int] [trap];
            /// rD = 8 bytes at address rA + imm.
            0x0001_0010 Ld64 "ld64" [Dst:int, Src:int, Imm32] [trap];
            /// 8 bytes at address rA + imm = rB.
            0x0001_0011 St64 "st64" [Src:int, Imm32, Src:int] [trap];
            /// rD = byte at rA + imm, zero-extended.
            0x0001_0012 Ld8u "ld8u" [Dst:int, Src:int, Imm32] [trap];
            /// rD = byte at rA + imm, sign-extended.
            0x0001_0013 Ld8s "ld8s" [Dst:int, Src:int, Imm32] [trap];
            /// rD = 2 bytes at rA + imm, zero-extended.
            0x0001_0014 Ld16u "ld16u" [Dst:int, Src:int, Imm32] [trap];
            /// rD = 2 bytes at rA + imm, sign-extended.
            0x0001_0015 Ld16s "ld16s" [Dst:int, Src:int, Imm32] [trap];
            /// rD = 4 bytes at rA + imm, zero-extended.
            0x0001_0016 Ld32u "ld32u" [Dst:int, Src:int, Imm32] [trap];
            /// rD = 4 bytes at rA + imm, sign-extended.
            0x0001_0017 Ld32s "ld32s" [Dst:int, Src:int, Imm32] [trap];
            /// rD = f32 at rA + imm (bits unchanged, high 32 bits zero).
            0x0001_0018 Fld32 "fld32" [Dst:f32, Src:int, Imm32] [trap];
            /// rD = f64 at rA + imm (bits unchanged).
            0x0001_0019 Fld64 "fld64" [Dst:f64, Src:int, Imm32] [trap];
            /// byte at rA + imm = low 8 bits of rB.
            0x0001_0020 St8 "st8" [Src:int, Imm32, Src:int] [trap];
            /// 2 bytes at rA + imm = low 16 bits of rB.
            0x0001_0021 St16 "st16" [Src:int, Imm32, Src:int] [trap];
            /// 4 bytes at rA + imm = low 32 bits of rB.
            0x0001_0022 St32 "st32" [Src:int, Imm32, Src:int] [trap];
            /// f32 at rA + imm = low 32 bits of rB (bits unchanged).
            0x0001_0023 Fst32 "fst32" [Src:int, Imm32, Src:f32] [trap];
            /// f64 at rA + imm = rB (bits unchanged).
            0x0001_0024 Fst64 "fst64" [Src:int, Imm32, Src:f64] [trap];

            // ---------------------------------------------------------------- integer 0x0002
            /// rD = rA + rB (wrapping).
            0x0002_0000 Add "add" [Dst:int, Src:int, Src:int] [];
            /// rD = rA - rB (wrapping).
            0x0002_0001 Sub "sub" [Dst:int, Src:int, Src:int] [];
            /// rD = rA * rB (wrapping).
            0x0002_0002 Mul "mul" [Dst:int, Src:int, Src:int] [];
            /// rD = rA / rB (signed, rounds toward zero). Traps on rB == 0 and on MIN / -1.
            0x0002_0003 Div "div" [Dst:int, Src:int, Src:int] [trap];
            /// rD = rA / rB (unsigned). Traps on rB == 0.
            0x0002_0004 Divu "divu" [Dst:int, Src:int, Src:int] [trap];
            /// rD = rA rem rB (signed, sign of rA). Traps on rB == 0 and on MIN rem -1.
            0x0002_0005 Rem "rem" [Dst:int, Src:int, Src:int] [trap];
            /// rD = rA rem rB (unsigned). Traps on rB == 0.
            0x0002_0006 Remu "remu" [Dst:int, Src:int, Src:int] [trap];
            /// rD = rA & rB.
            0x0002_0007 And "and" [Dst:int, Src:int, Src:int] [];
            /// rD = rA | rB.
            0x0002_0008 Or "or" [Dst:int, Src:int, Src:int] [];
            /// rD = rA ^ rB.
            0x0002_0009 Xor "xor" [Dst:int, Src:int, Src:int] [];
            /// rD = rA << (rB mod 64).
            0x0002_000A Shl "shl" [Dst:int, Src:int, Src:int] [];
            /// rD = rA >> (rB mod 64), logical.
            0x0002_000B Shr "shr" [Dst:int, Src:int, Src:int] [];
            /// rD = rA >> (rB mod 64), arithmetic.
            0x0002_000C Sar "sar" [Dst:int, Src:int, Src:int] [];
            /// rD = rA rotated left by rB mod 64.
            0x0002_000D Rotl "rotl" [Dst:int, Src:int, Src:int] [];
            /// rD = rA rotated right by rB mod 64.
            0x0002_000E Rotr "rotr" [Dst:int, Src:int, Src:int] [];
            /// rD = rA + imm (imm sign-extended, wrapping).
            0x0002_0010 Addi "addi" [Dst:int, Src:int, Imm32] [];
            /// rD = rA * imm (imm sign-extended, wrapping).
            0x0002_0011 Muli "muli" [Dst:int, Src:int, Imm32] [];
            /// rD = rA & imm (imm sign-extended).
            0x0002_0012 Andi "andi" [Dst:int, Src:int, Imm32] [];
            /// rD = rA | imm (imm sign-extended).
            0x0002_0013 Ori "ori" [Dst:int, Src:int, Imm32] [];
            /// rD = rA ^ imm (imm sign-extended).
            0x0002_0014 Xori "xori" [Dst:int, Src:int, Imm32] [];
            /// rD = rA << (imm mod 64).
            0x0002_0015 Shli "shli" [Dst:int, Src:int, Imm32] [];
            /// rD = rA >> (imm mod 64), logical.
            0x0002_0016 Shri "shri" [Dst:int, Src:int, Imm32] [];
            /// rD = rA >> (imm mod 64), arithmetic.
            0x0002_0017 Sari "sari" [Dst:int, Src:int, Imm32] [];
            /// rD = -rA (wrapping).
            0x0002_0020 Neg "neg" [Dst:int, Src:int] [];
            /// rD = !rA (bitwise not).
            0x0002_0021 Not "not" [Dst:int, Src:int] [];
            /// rD = number of leading zero bits of rA (64 for 0).
            0x0002_0022 Clz "clz" [Dst:int, Src:int] [];
            /// rD = number of trailing zero bits of rA (64 for 0).
            0x0002_0023 Ctz "ctz" [Dst:int, Src:int] [];
            /// rD = number of one bits of rA.
            0x0002_0024 Popcnt "popcnt" [Dst:int, Src:int] [];
            /// rD = low 8 bits of rA, sign-extended.
            0x0002_0025 Sext8 "sext8" [Dst:int, Src:int] [];
            /// rD = low 16 bits of rA, sign-extended.
            0x0002_0026 Sext16 "sext16" [Dst:int, Src:int] [];
            /// rD = low 32 bits of rA, sign-extended.
            0x0002_0027 Sext32 "sext32" [Dst:int, Src:int] [];
            /// rD = low 8 bits of rA, zero-extended.
            0x0002_0028 Zext8 "zext8" [Dst:int, Src:int] [];
            /// rD = low 16 bits of rA, zero-extended.
            0x0002_0029 Zext16 "zext16" [Dst:int, Src:int] [];
            /// rD = low 32 bits of rA, zero-extended.
            0x0002_002A Zext32 "zext32" [Dst:int, Src:int] [];
            /// rD = 1 if rA == rB else 0.
            0x0002_0030 Seq "seq" [Dst:int, Src:int, Src:int] [];
            /// rD = 1 if rA != rB else 0.
            0x0002_0031 Sne "sne" [Dst:int, Src:int, Src:int] [];
            /// rD = 1 if rA < rB (signed) else 0.
            0x0002_0032 Slt "slt" [Dst:int, Src:int, Src:int] [];
            /// rD = 1 if rA <= rB (signed) else 0.
            0x0002_0033 Sle "sle" [Dst:int, Src:int, Src:int] [];
            /// rD = 1 if rA < rB (unsigned) else 0.
            0x0002_0034 Sltu "sltu" [Dst:int, Src:int, Src:int] [];
            /// rD = 1 if rA <= rB (unsigned) else 0.
            0x0002_0035 Sleu "sleu" [Dst:int, Src:int, Src:int] [];

            // ---------------------------------------------------------------- tensor 0x0003
            // Registers hold tensor handles. An op flagged `tensor` replaces the contents
            // and shape of the existing tensor rA with its result (rA may also be an input).
            // Results are defined bit for bit by the scalar reference in `adead-kernels`.
            /// Tensor rA = matrix product of tensors rB (m x k) and rC (k x n), or batched (b x m x k times b x k x n): each output the fma chain over k in increasing order from +0.0.
            0x0003_0000 Matmul "matmul" [Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = transpose of the 2-D tensor rB (bits unchanged).
            0x0003_0001 Transpose "transpose" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = row-wise softmax of tensor rB (max, exp(x - max), 16-lane sum, divide).
            0x0003_0002 Softmax "softmax" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = max(x, 0) for every element x of tensor rB (NaN stays NaN).
            0x0003_0003 Relu "relu" [Src:int, Src:int] [trap, tensor];
            /// rD = handle of a new tensor of zeros whose n dimensions (rank 1 to 4) are rFirst.. rFirst+n-1.
            0x0003_0010 TensorNew "tnew" [Dst:int, RegRange:int, Count] [trap];
            /// Free tensor rA; its handle is dead from now on.
            0x0003_0011 TensorFree "tfree" [Src:int] [trap];
            /// Every element of tensor rA = the f32 in rB.
            0x0003_0012 TensorFill "tfill" [Src:int, Src:f32] [trap];
            /// Tensor rA = its element count of f32s read from linear memory at address rB, row-major.
            0x0003_0013 TensorLoad "tload" [Src:int, Src:int] [trap];
            /// Linear memory at address rA = the f32 elements of tensor rB, row-major.
            0x0003_0014 TensorStore "tstore" [Src:int, Src:int] [trap];
            /// rD = rank of tensor rA.
            0x0003_0015 TensorRank "trank" [Dst:int, Src:int] [trap];
            /// rD = size of dimension imm of tensor rA.
            0x0003_0016 TensorDim "tdim" [Dst:int, Src:int, Imm32] [trap];
            /// Tensor rA takes the n dimensions rFirst.. rFirst+n-1, with the same element count.
            0x0003_0017 TensorReshape "treshape" [Src:int, RegRange:int, Count] [trap];
            /// rD = the f32 element at row-major index rB of tensor rA (high 32 bits zero).
            0x0003_0018 TensorGet "tget" [Dst:f32, Src:int, Src:int] [trap];
            /// Element at row-major index rB of tensor rA = the f32 in rC.
            0x0003_0019 TensorSet "tset" [Src:int, Src:int, Src:f32] [trap];
            /// Tensor rA = rB + rC elementwise; rC has rB's shape or is one row broadcast over every row.
            0x0003_0020 TensorAdd "tadd" [Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = rB - rC elementwise; rC has rB's shape or is one row broadcast over every row.
            0x0003_0021 TensorSub "tsub" [Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = rB * rC elementwise; rC has rB's shape or is one row broadcast over every row.
            0x0003_0022 TensorMul "tmul" [Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = rB * s for every element, s the f32 in rC.
            0x0003_0023 TensorScale "tscale" [Src:int, Src:int, Src:f32] [trap, tensor];
            /// Tensor rA = gelu(x) (tanh form) for every element x of tensor rB.
            0x0003_0024 Gelu "gelu" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = 1 / (1 + exp(-x)) for every element x of tensor rB.
            0x0003_0025 Sigmoid "sigmoid" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = tanh(x) for every element x of tensor rB.
            0x0003_0026 Tanh "tanh" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = exp(x) for every element x of tensor rB.
            0x0003_0027 Exp "texp" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = each row of rB normalised (mean and variance over the row, eps 1e-5), times row gamma rC plus row beta rE.
            0x0003_0028 LayerNorm "layernorm" [Src:int, Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = the sum of each row of tensor rB (16-lane order); the last dimension becomes 1.
            0x0003_0029 RowSum "rowsum" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = the maximum of each row of tensor rB (NaN if the row has one); the last dimension becomes 1.
            0x0003_002A RowMax "rowmax" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = the index (as f32) of the first maximum of each row of rB; the last dimension becomes 1.
            0x0003_002B ArgMax "argmax" [Src:int, Src:int] [trap, tensor];
            /// Tensor rA = softmax(rB . rC^T / sqrt(d)) . rE per head: scaled dot-product attention of queries rB, keys rC, values rE, each [heads, seq, d] or [seq, d] (one head).
            0x0003_0030 Attention "attention" [Src:int, Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = attention of queries rB, keys rC, values rE with a causal mask (query i sees keys 0..=i).
            0x0003_0031 AttentionCausal "attention.causal" [Src:int, Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = rB . rC + rE: input rB (m x k), weights rC (k x n), bias row rE (n).
            0x0003_0038 Linear "linear" [Src:int, Src:int, Src:int, Src:int] [trap, tensor];
            /// Tensor rA = max(rB . rC + rE, 0): the linear op followed by relu.
            0x0003_0039 LinearRelu "linear.relu" [Src:int, Src:int, Src:int, Src:int] [trap, tensor];

            // ---------------------------------------------------------------- moves 0x0004
            /// rD = rA.
            0x0004_0000 Mov "mov" [Dst:any, Src:any] [];
            /// rD = imm64.
            0x0004_0001 Movi "movi" [Dst:int, Imm64] [];
            /// rD = address of data symbol `@data` in linear memory.
            0x0004_0002 MoviData "movi" [Dst:int, Data] [];
            /// rD = the f64 immediate.
            0x0004_0003 Fmovi "fmovi" [Dst:f64, F64] [];
            /// rD = the f32 immediate (high 32 bits zero).
            0x0004_0004 FmoviF32 "fmovi.f32" [Dst:f32, F32] [];
            /// rD = rB if rA != 0 else rC.
            0x0004_0010 Select "select" [Dst:any, Src:int, Src:any, Src:any] [];

            // ---------------------------------------------------------------- f64 0x0005
            /// rD = rA + rB (f64).
            0x0005_0000 Fadd "fadd" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = rA - rB (f64).
            0x0005_0001 Fsub "fsub" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = rA * rB (f64).
            0x0005_0002 Fmul "fmul" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = rA / rB (f64).
            0x0005_0003 Fdiv "fdiv" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = min(rA, rB) (f64; NaN if either is NaN; -0 < +0).
            0x0005_0004 Fmin "fmin" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = max(rA, rB) (f64; NaN if either is NaN; -0 < +0).
            0x0005_0005 Fmax "fmax" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = sqrt(rA) (f64, correctly rounded).
            0x0005_0006 Fsqrt "fsqrt" [Dst:f64, Src:f64] [];
            /// rD = -rA (f64, flips the sign bit only).
            0x0005_0007 Fneg "fneg" [Dst:f64, Src:f64] [];
            /// rD = |rA| (f64, clears the sign bit only).
            0x0005_0008 Fabs "fabs" [Dst:f64, Src:f64] [];
            /// rD = rA rounded toward -inf (f64).
            0x0005_0009 Ffloor "ffloor" [Dst:f64, Src:f64] [];
            /// rD = rA rounded toward +inf (f64).
            0x0005_000A Fceil "fceil" [Dst:f64, Src:f64] [];
            /// rD = rA rounded toward zero (f64).
            0x0005_000B Ftrunc "ftrunc" [Dst:f64, Src:f64] [];
            /// rD = rA rounded to the nearest integer, ties to even (f64).
            0x0005_000C Fnearest "fnearest" [Dst:f64, Src:f64] [];
            /// rD = rA * rB + rC with one rounding (f64 fused multiply-add).
            0x0005_000D Ffma "ffma" [Dst:f64, Src:f64, Src:f64, Src:f64] [];
            /// rD = magnitude of rA with the sign of rB (f64, bits only).
            0x0005_000E Fcopysign "fcopysign" [Dst:f64, Src:f64, Src:f64] [];
            /// rD = 1 if rA == rB (f64; false for NaN) else 0.
            0x0005_0010 Feq "feq" [Dst:int, Src:f64, Src:f64] [];
            /// rD = 1 if rA < rB (f64; false for NaN) else 0.
            0x0005_0011 Flt "flt" [Dst:int, Src:f64, Src:f64] [];
            /// rD = 1 if rA <= rB (f64; false for NaN) else 0.
            0x0005_0012 Fle "fle" [Dst:int, Src:f64, Src:f64] [];

            // ---------------------------------------------------------------- f32 0x0006
            /// rD = rA + rB (f32).
            0x0006_0000 FaddF32 "fadd.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = rA - rB (f32).
            0x0006_0001 FsubF32 "fsub.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = rA * rB (f32).
            0x0006_0002 FmulF32 "fmul.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = rA / rB (f32).
            0x0006_0003 FdivF32 "fdiv.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = min(rA, rB) (f32; NaN if either is NaN; -0 < +0).
            0x0006_0004 FminF32 "fmin.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = max(rA, rB) (f32; NaN if either is NaN; -0 < +0).
            0x0006_0005 FmaxF32 "fmax.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = sqrt(rA) (f32, correctly rounded).
            0x0006_0006 FsqrtF32 "fsqrt.f32" [Dst:f32, Src:f32] [];
            /// rD = -rA (f32, flips the sign bit only).
            0x0006_0007 FnegF32 "fneg.f32" [Dst:f32, Src:f32] [];
            /// rD = |rA| (f32, clears the sign bit only).
            0x0006_0008 FabsF32 "fabs.f32" [Dst:f32, Src:f32] [];
            /// rD = rA rounded toward -inf (f32).
            0x0006_0009 FfloorF32 "ffloor.f32" [Dst:f32, Src:f32] [];
            /// rD = rA rounded toward +inf (f32).
            0x0006_000A FceilF32 "fceil.f32" [Dst:f32, Src:f32] [];
            /// rD = rA rounded toward zero (f32).
            0x0006_000B FtruncF32 "ftrunc.f32" [Dst:f32, Src:f32] [];
            /// rD = rA rounded to the nearest integer, ties to even (f32).
            0x0006_000C FnearestF32 "fnearest.f32" [Dst:f32, Src:f32] [];
            /// rD = rA * rB + rC with one rounding (f32 fused multiply-add).
            0x0006_000D FfmaF32 "ffma.f32" [Dst:f32, Src:f32, Src:f32, Src:f32] [];
            /// rD = magnitude of rA with the sign of rB (f32, bits only).
            0x0006_000E FcopysignF32 "fcopysign.f32" [Dst:f32, Src:f32, Src:f32] [];
            /// rD = 1 if rA == rB (f32; false for NaN) else 0.
            0x0006_0010 FeqF32 "feq.f32" [Dst:int, Src:f32, Src:f32] [];
            /// rD = 1 if rA < rB (f32; false for NaN) else 0.
            0x0006_0011 FltF32 "flt.f32" [Dst:int, Src:f32, Src:f32] [];
            /// rD = 1 if rA <= rB (f32; false for NaN) else 0.
            0x0006_0012 FleF32 "fle.f32" [Dst:int, Src:f32, Src:f32] [];

            // ---------------------------------------------------------------- conversions 0x0007
            /// rD = f64 nearest to the signed integer rA (ties to even).
            0x0007_0000 I2f "i2f" [Dst:f64, Src:int] [];
            /// rD = f64 nearest to the unsigned integer rA (ties to even).
            0x0007_0001 U2f "u2f" [Dst:f64, Src:int] [];
            /// rD = f64 rA truncated to a signed integer, saturating; NaN gives 0.
            0x0007_0002 F2i "f2i" [Dst:int, Src:f64] [];
            /// rD = f64 rA truncated to an unsigned integer, saturating; NaN gives 0.
            0x0007_0003 F2u "f2u" [Dst:int, Src:f64] [];
            /// rD = f32 nearest to the signed integer rA (ties to even).
            0x0007_0004 I2fF32 "i2f.f32" [Dst:f32, Src:int] [];
            /// rD = f32 nearest to the unsigned integer rA (ties to even).
            0x0007_0005 U2fF32 "u2f.f32" [Dst:f32, Src:int] [];
            /// rD = f32 rA truncated to a signed integer, saturating; NaN gives 0.
            0x0007_0006 F2iF32 "f2i.f32" [Dst:int, Src:f32] [];
            /// rD = f32 rA truncated to an unsigned integer, saturating; NaN gives 0.
            0x0007_0007 F2uF32 "f2u.f32" [Dst:int, Src:f32] [];
            /// rD = the f32 rA widened to f64 (exact; NaN becomes the canonical NaN).
            0x0007_0008 Fpromote "fpromote" [Dst:f64, Src:f32] [];
            /// rD = the f64 rA rounded to f32 (ties to even; NaN becomes the canonical NaN).
            0x0007_0009 Fdemote "fdemote" [Dst:f32, Src:f64] [];

            // ---------------------------------------------------------------- GPU 0xC0DA
            /// Open the GPU device (idempotent); without a usable GPU, tensor work stays on the CPU.
            0xC0DA_0001 GpuInit "gpu.init" [] [trap];
            /// rD = new tensor: a copy of tensor rA placed in GPU memory.
            0xC0DA_0010 GpuAlloc "gpu.alloc" [Dst:int, Src:int] [trap];
            /// rD = new tensor: the matrix product of tensors rA and rB computed on the GPU.
            0xC0DA_0020 GpuMatmul "gpu.matmul" [Dst:int, Src:int, Src:int] [trap];
            /// Wait until every GPU operation issued so far has finished.
            0xC0DA_00F0 GpuSync "gpu.sync" [] [trap];

            // ---------------------------------------------------------------- Vulkan-style compute 0x564B
            /// Open the compute device for module shaders (idempotent).
            0x564B_0001 VkInit "vk.init" [] [trap];
            /// rD = handle of a compute pipeline built from module shader `shader`.
            0x564B_0010 VkCompute "vk.compute" [Dst:int, Shader] [trap];
            /// Dispatch pipeline rA over rB workgroups with tensors rFirst.. rFirst+n-1 bound to bindings 0..n-1.
            0x564B_0020 VkSubmit "vk.submit" [Src:int, Src:int, RegRange:int, Count] [trap];
            /// Wait until every submitted dispatch has finished.
            0x564B_00F0 VkSync "vk.sync" [] [trap];
        }
    };
}
