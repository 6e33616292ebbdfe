//! The listing: a lowered [`Program`] as ADead-BIB assembly text, which `adead-asm`
//! assembles into the module (so the `.bib` and the listing are one thing).
//!
//! The module's memory holds a table of tensor handles (one per constant and
//! intermediate), the handles of the last call's outputs, a flag saying whether the
//! tensors exist yet, and the constants' f32 data. `infer` creates the tensors on its
//! first call, checks the inputs' shapes (trap `user` 1 on a mismatch), runs the
//! instructions, puts inputs and constants back in their shapes, and returns the first
//! output's handle. `output(k)` returns the handle of selected output `k` of the last
//! call (trap `user` 2 past the last).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::dims::{Dim, Shape};
use crate::error::ImportError;
use crate::lower::{Program, SlotKind, Store, TensorVal};

/// Where the data symbols start (the assembler's first address) and their alignment.
const FIRST_DATA_ADDRESS: u64 = 16;

/// Lines at the top of the listing (what was imported, from where).
pub(crate) struct Header {
    pub lines: Vec<String>,
}

/// The f32 literal the assembler reads back to the same bits.
fn f32_literal(v: f32) -> String {
    if v.is_nan() {
        format!("0x{:08X}", v.to_bits())
    } else {
        format!("{v:?}")
    }
}

/// A symbol name made of the characters the assembler takes.
fn symbol(prefix: &str, index: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .take(40)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}{index}_{clean}")
}

/// A comment-safe rendering of an ONNX name (no line breaks).
fn safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The shape a VM tensor takes for `shape` (a scalar is `[1]`).
fn vm_shape(shape: &[Dim]) -> Shape {
    if shape.is_empty() {
        vec![Dim::fixed(1)]
    } else {
        shape.to_vec()
    }
}

struct Emitter<'p> {
    program: &'p Program,
    out: String,
    /// Registers.
    table: usize,
    batch: usize,
    s: usize,
    u: usize,
    operand: usize,
    dim: usize,
    scale: usize,
    current: HashMap<Store, Shape>,
    /// The constants some instruction reads through a view.
    viewed_consts: BTreeSet<usize>,
    batch_known: bool,
}

impl Emitter<'_> {
    fn line(&mut self, text: impl AsRef<str>) {
        self.out.push_str("    ");
        self.out.push_str(text.as_ref());
        self.out.push('\n');
    }

    fn comment(&mut self, text: impl AsRef<str>) {
        self.line(format!("; {}", safe(text.as_ref())));
    }

    /// Writes `shape`'s dimensions into the dimension registers.
    fn dims(&mut self, shape: &[Dim]) -> Result<(), ImportError> {
        for (k, d) in shape.iter().enumerate() {
            let r = self.dim + k;
            match (d.batch, d.coef) {
                (false, c) => self.line(format!("movi r{r}, {c}")),
                (true, _) if !self.batch_known => {
                    return Err(ImportError::Internal(
                        "a shape depends on the batch size but no input brings one".into(),
                    ));
                }
                (true, 1) => self.line(format!("mov r{r}, r{}", self.batch)),
                (true, c) if c <= i32::MAX as u64 => {
                    self.line(format!("muli r{r}, r{}, {c}", self.batch))
                }
                (true, c) => {
                    self.line(format!("movi r{r}, {c}"));
                    self.line(format!("mul r{r}, r{r}, r{}", self.batch));
                }
            }
        }
        Ok(())
    }

    fn slot_offset(slot: usize) -> usize {
        slot * 8
    }

    /// The register holding `store`'s handle, loading it into operand register `k`.
    fn load(&mut self, store: Store, k: usize, name: &str) -> String {
        match store {
            Store::Input(i) => format!("r{i}"),
            Store::Slot(slot) => {
                let r = self.operand + k;
                self.line(format!(
                    "ld64 r{r}, r{}, {}        ; {}",
                    self.table,
                    Self::slot_offset(slot),
                    safe(name)
                ));
                format!("r{r}")
            }
        }
    }

    /// Reshapes `store` (its handle in `reg`) to `shape` unless it has that shape.
    fn ensure(
        &mut self,
        store: Store,
        reg: &str,
        shape: &[Dim],
        name: &str,
    ) -> Result<(), ImportError> {
        let want = vm_shape(shape);
        match self.current.get(&store) {
            Some(have) if *have == want => return Ok(()),
            Some(_) => {}
            None => {
                return Err(ImportError::Internal(format!(
                    "`{name}` is read before it is computed"
                )));
            }
        }
        self.dims(&want)?;
        self.line(format!(
            "treshape {reg}, r{}, {}      ; view `{}` as {}",
            self.dim,
            want.len(),
            safe(name),
            crate::dims::show(&want)
        ));
        self.current.insert(store, want);
        if let Store::Slot(slot) = store
            && matches!(self.program.slots[slot], SlotKind::Const { .. })
        {
            self.viewed_consts.insert(slot);
        }
        Ok(())
    }

    fn step(&mut self, index: usize) -> Result<(), ImportError> {
        let step = &self.program.steps[index];
        for &n in &step.nodes {
            let label = self.program.node_labels[n].clone();
            self.comment(format!("node #{n}: {label}"));
        }
        // Two reads of one store must agree on its shape.
        for (a, x) in step.srcs.iter().enumerate() {
            for y in &step.srcs[a + 1..] {
                if x.store == y.store && vm_shape(&x.shape) != vm_shape(&y.shape) {
                    return Err(ImportError::Graph(format!(
                        "`{}` and `{}` share a tensor but one instruction reads them as {} and {}",
                        x.name,
                        y.name,
                        crate::dims::show(&x.shape),
                        crate::dims::show(&y.shape)
                    )));
                }
            }
        }
        let mut regs = Vec::new();
        let dst = self.load(step.dst.store, 0, &step.dst.name);
        for (k, src) in step.srcs.iter().enumerate() {
            let reg = if src.store == step.dst.store {
                dst.clone()
            } else {
                self.load(src.store, k + 1, &src.name)
            };
            self.ensure(src.store, &reg, &src.shape, &src.name)?;
            regs.push(reg);
        }
        if let Some(s) = step.scale {
            self.line(format!("fmovi.f32 r{}, {}", self.scale, f32_literal(s)));
            regs.push(format!("r{}", self.scale));
        }
        let names: Vec<String> = step.srcs.iter().map(|s| safe(&s.name)).collect();
        self.line(format!(
            "{} {dst}, {}      ; {} = {}({})",
            step.mnemonic,
            regs.join(", "),
            safe(&step.dst.name),
            step.mnemonic,
            names.join(", ")
        ));
        self.current
            .insert(step.dst.store, vm_shape(&step.dst.shape));
        Ok(())
    }
}

/// The assembly listing of `program`.
pub(crate) fn listing(program: &Program, header: &Header) -> Result<String, ImportError> {
    let n = program.inputs.len();
    let regs = n + 13;
    if regs > 256 {
        return Err(ImportError::TooLarge(format!(
            "{n} graph inputs (a function takes at most 243 here)"
        )));
    }
    let mut out = String::new();
    for line in &header.lines {
        let _ = writeln!(out, "; {}", safe(line));
    }
    // The data layout, to size the memory.
    let slots = program.slots.len();
    let outputs = program.outputs.len();
    let mut end = FIRST_DATA_ADDRESS;
    let mut add = |bytes: u64| {
        end = end.div_ceil(8) * 8 + bytes;
    };
    add(8 * slots.max(1) as u64);
    add(8 * outputs as u64);
    add(8);
    for slot in &program.slots {
        if let SlotKind::Const { data, .. } = slot {
            add(4 * data.len() as u64);
        }
    }
    let memory = end.div_ceil(65536).max(1) * 65536;
    if memory > u64::from(u32::MAX) {
        return Err(ImportError::TooLarge(format!(
            "the constants take {end} bytes; a module's memory holds at most 4 GiB"
        )));
    }
    let _ = writeln!(out, "\n.memory {memory}\n.noentry\n");
    let _ = writeln!(
        out,
        "; handles of the module's tensors: constants and intermediates, made by the first call"
    );
    let _ = writeln!(out, ".data handles\n    .zero {}", 8 * slots.max(1));
    let _ = writeln!(out, "; handles of the last call's outputs, for output(k)");
    let _ = writeln!(out, ".data outputs\n    .zero {}", 8 * outputs.max(1));
    let _ = writeln!(out, "; 1 once the tensors exist");
    let _ = writeln!(out, ".data state\n    .zero 8");
    let mut symbols = HashMap::new();
    for (index, slot) in program.slots.iter().enumerate() {
        if let SlotKind::Const { name, dims, data } = slot {
            let sym = symbol("k", index, name);
            let _ = writeln!(out, "; constant `{}` {dims:?}", safe(name));
            let _ = writeln!(out, ".data {sym}");
            if data.is_empty() {
                let _ = writeln!(out, "    .zero 0");
            }
            for chunk in data.chunks(8) {
                let values: Vec<String> = chunk.iter().map(|&v| f32_literal(v)).collect();
                let _ = writeln!(out, "    .f32 {}", values.join(", "));
            }
            symbols.insert(index, sym);
        }
    }

    let mut e = Emitter {
        program,
        out: String::new(),
        table: n,
        batch: n + 1,
        s: n + 2,
        u: n + 3,
        operand: n + 4,
        dim: n + 8,
        scale: n + 12,
        current: HashMap::new(),
        viewed_consts: BTreeSet::new(),
        batch_known: false,
    };
    let params: Vec<String> = program
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| match &input.shape {
            Some(shape) => format!(
                "r{i} = `{}` {}",
                safe(&input.name),
                crate::dims::show(shape)
            ),
            None => format!("r{i} = `{}` (not needed)", safe(&input.name)),
        })
        .collect();
    let _ = writeln!(
        e.out,
        "\n; infer({}): the handle of output `{}`",
        params.join(", "),
        program
            .outputs
            .first()
            .map_or(String::new(), |o| safe(&o.name))
    );
    let _ = writeln!(e.out, ".func infer params={n} regs={regs}");
    let (t, s, u) = (e.table, e.s, e.u);
    e.line(format!("movi r{t}, @handles"));
    e.line(format!("movi r{s}, @state"));
    e.line(format!("ld64 r{u}, r{s}, 0"));
    e.line("jnz r".to_string() + &u.to_string() + ", ready");
    e.comment(
        "first call: the constants' tensors from the data section, placeholders for the rest",
    );
    let o = e.operand;
    for (index, slot) in program.slots.iter().enumerate() {
        match slot {
            SlotKind::Const { name, dims, .. } => {
                let shape = crate::dims::of_fixed(dims);
                e.dims(&shape)?;
                e.line(format!(
                    "tnew r{o}, r{}, {}      ; `{}`",
                    e.dim,
                    dims.len(),
                    safe(name)
                ));
                e.line(format!("movi r{u}, @{}", symbols[&index]));
                e.line(format!("tload r{o}, r{u}"));
                e.current.insert(Store::Slot(index), shape);
            }
            SlotKind::Temp => {
                e.line(format!("movi r{}, 1", e.dim));
                e.line(format!("tnew r{o}, r{}, 1", e.dim));
            }
        }
        e.line(format!("st64 r{t}, {}, r{o}", Emitter::slot_offset(index)));
    }
    e.line(format!("movi r{u}, 1"));
    e.line(format!("st64 r{s}, 0, r{u}"));
    e.out.push_str("ready:\n");
    e.comment("the inputs' shapes (trap user 1 if one differs)");
    for (i, input) in program.inputs.iter().enumerate() {
        let Some(shape) = &input.shape else { continue };
        e.line(format!("trank r{s}, r{i}"));
        e.line(format!("movi r{u}, {}", shape.len()));
        e.line(format!("bne r{s}, r{u}, bad_input"));
        for (k, d) in shape.iter().enumerate() {
            if d.batch {
                if e.batch_known {
                    e.line(format!("tdim r{s}, r{i}, {k}"));
                    e.line(format!("bne r{s}, r{}, bad_input", e.batch));
                } else {
                    e.line(format!(
                        "tdim r{}, r{i}, {k}      ; N, the batch size",
                        e.batch
                    ));
                    e.batch_known = true;
                }
            } else {
                e.line(format!("tdim r{s}, r{i}, {k}"));
                e.line(format!("movi r{u}, {}", d.coef));
                e.line(format!("bne r{s}, r{u}, bad_input"));
            }
        }
        e.current.insert(Store::Input(i), shape.clone());
    }
    let head = std::mem::take(&mut e.out);
    for index in 0..program.steps.len() {
        e.step(index)?;
    }
    let steps = std::mem::take(&mut e.out);
    // Constants read through views get their own shapes back at the start of every
    // call (not only at the end), so that a call that trapped half way cannot leave
    // the next one a constant in another shape.
    if !e.viewed_consts.is_empty() {
        e.comment("constants read through views: their own shapes first");
    }
    for slot in e.viewed_consts.clone() {
        if let SlotKind::Const { name, dims, .. } = &program.slots[slot] {
            let reg = e.load(Store::Slot(slot), 0, name);
            e.dims(&crate::dims::of_fixed(dims))?;
            e.line(format!("treshape {reg}, r{}, {}", e.dim, dims.len()));
        }
    }
    let restores = std::mem::take(&mut e.out);
    e.out = head + &restores + &steps;
    e.comment("the inputs back in their shapes");
    for (i, input) in program.inputs.iter().enumerate() {
        if let Some(shape) = &input.shape {
            let reg = format!("r{i}");
            e.ensure(Store::Input(i), &reg, shape, &input.name)?;
        }
    }
    e.comment("the outputs");
    e.line(format!("movi r{s}, @outputs"));
    for (k, output) in program.outputs.iter().enumerate() {
        let TensorVal { store, shape, name } = output;
        let reg = e.load(*store, 0, name);
        e.ensure(*store, &reg, shape, name)?;
        e.line(format!(
            "st64 r{s}, {}, {reg}      ; output {k}: `{}`",
            8 * k,
            safe(name)
        ));
    }
    e.line(format!("ld64 r{u}, r{s}, 0"));
    e.line(format!("ret r{u}"));
    e.out.push_str("bad_input:\n");
    e.line("trap 1");
    e.out.push_str(".end\n\n");
    let body = e.out;
    out.push_str(&body);
    let _ = writeln!(
        out,
        "; output(k): the handle of output k of the last call (trap user 2 past the last)"
    );
    for (k, o) in program.outputs.iter().enumerate() {
        let _ = writeln!(
            out,
            ";   {k}: `{}` {}",
            safe(&o.name),
            crate::dims::show(&o.shape)
        );
    }
    let _ = write!(
        out,
        ".func output params=1 regs=4\n    movi r1, {outputs}\n    bgeu r0, r1, bad_index\n    \
         shli r1, r0, 3\n    movi r2, @outputs\n    add r2, r2, r1\n    ld64 r3, r2, 0\n    \
         ret r3\nbad_index:\n    trap 2\n.end\n\n.export infer\n.export output\n"
    );
    Ok(out)
}
