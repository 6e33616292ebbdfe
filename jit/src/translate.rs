//! One VM function (entered at its start or at one loop header) to Cranelift IR.
//!
//! Registers become Cranelift variables of the machine type the analysis chose; each
//! leader of the code gets a block, and each transfer into a leader goes through that
//! leader's charge block when fuel is metered (one check and one subtraction per run,
//! as `adead_isa::fuel` says). Scalar instructions are emitted inline from the rules of
//! `adead_isa::semantics`; everything that can trap tests its condition and leaves
//! through a cold block that fills the exit record: no Cranelift trap, no machine trap.
//! Calls go straight to the callee's native code through the context's code table
//! (or a direct call for recursion), and to the VM's `call` helper when the callee has
//! none yet. The rest (host calls, the heap, range operations, tensors) calls helpers.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, Endianness, FuncRef, InstBuilder, MemFlagsData, SigRef, Signature,
    Type, Value, types,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, Variable};

use adead_isa::semantics::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};
use adead_isa::{Instruction, Opcode, OperandKind, TrapKind};

use crate::abi::{FUEL_SHORT, Helpers, Status, execution_count_offset, offsets};
use crate::analysis::{FunctionFacts, RegSet, Repr, segment_end};
use crate::nan::{self, Nan, NanPlan};

/// Where a compiled function starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    /// At instruction 0, called with its arguments (the version calls use).
    Start,
    /// At this loop header, with every live register in the frame: the version that
    /// takes over a running call (on-stack replacement).
    LoopHeader(u32),
}

/// What the translator knows of the rest of the module.
pub(crate) struct ModuleView<'a> {
    pub module: &'a adead_isa::Module,
    pub helpers: &'a Helpers,
    /// Fuel is metered: every run is charged.
    pub metered: bool,
    pub max_call_depth: u32,
    pub count_executions: bool,
    /// Check points poll the host's stop request.
    pub interruptible: bool,
    pub call_conv: CallConv,
    pub frontend: TargetFrontendConfig,
}

/// The native signature of a function taking `args` arguments in machine registers:
/// `(ctx, fp, depth, a0, .., a(args-1)) -> (value, status)`.
pub(crate) fn native_signature(call_conv: CallConv, args: usize) -> Signature {
    let mut sig = Signature::new(call_conv);
    for _ in 0..3 + args {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Arguments passed in machine registers; the rest go through the callee's frame.
pub const REGISTER_ARGS: usize = 4;

/// The arguments a function's version entered at `entry` takes in machine registers:
/// its first parameters (up to [`REGISTER_ARGS`]) at its start, none at a loop header.
pub fn register_args(params: u32, entry: Entry) -> usize {
    match entry {
        Entry::Start => (params as usize).min(REGISTER_ARGS),
        Entry::LoopHeader(_) => 0,
    }
}

/// The cold block in `slot`, made on first use.
fn cold_block(b: &mut FunctionBuilder<'_>, slot: &mut Option<Block>) -> Block {
    *slot.get_or_insert_with(|| {
        let block = b.create_block();
        b.set_cold_block(block);
        block
    })
}

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Linear memory: little-endian on every host, never trapping (bounds are checked
/// before), possibly unaligned.
fn heap() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little)
}

fn ty_of(repr: Repr) -> Type {
    match repr {
        Repr::I64 => types::I64,
        Repr::F64 => types::F64,
        Repr::F32 => types::F32,
    }
}

/// Signatures of the helpers, imported into the function being built.
struct HelperSigs {
    call: SigRef,
    one: SigRef,
    two: SigRef,
    three: SigRef,
    push_frame: SigRef,
}

/// One VM function being translated: the physical function, or a callee inlined into
/// it. Everything that depends on which function's code is being emitted lives here.
struct Frame<'a> {
    facts: &'a FunctionFacts,
    code: &'a [Instruction],
    func: u32,
    /// Module-wide index of instruction 0.
    global_entry: u32,
    regs: u32,
    params: u32,
    entry: Entry,
    vars: Vec<Variable>,
    /// The byte offset of this function's frame in the register stack, and its call
    /// depth.
    fp: Value,
    depth: Value,
    body: Vec<Option<Block>>,
    charge: Vec<Option<Block>>,
    bail: Vec<Option<Block>>,
    /// Per leader: the exit to the interpreter from the top of its segment, after its
    /// run was charged (a failed segment bounds check).
    guard_bail: Vec<Option<Block>>,
    /// Per pc: a memory access whose bounds its segment checked on entry.
    checked: Vec<bool>,
    /// Per loop header that encloses the one a loop entry starts at: the exit that
    /// continues natively in the version entered there (see `Translator::exits_to`).
    loop_exit: Vec<Option<Block>>,
    /// Per check point (the entry, loop headers): the cold exit that traps
    /// `interrupted` there (see `Translator::interrupted`).
    interrupted: Vec<Option<Block>>,
    /// Where NaNs are canonicalised (see `nan.rs`): the plan, the registers' states
    /// before the instruction being translated, the state of the value it writes, and
    /// per float register the flag that says "pending" where the state is `Either`.
    nan: NanPlan,
    state: Vec<Nan>,
    result_state: Nan,
    flags: Vec<Option<Variable>>,
}

impl<'a> Frame<'a> {
    fn new(
        b: &mut FunctionBuilder<'_>,
        view: &ModuleView<'a>,
        facts: &'a FunctionFacts,
        func: u32,
        entry: Entry,
    ) -> Frame<'a> {
        let function = &view.module.functions[func as usize];
        let code = function.code(view.module);
        let start_plan = NanPlan::new(
            code,
            facts,
            0,
            nan::start_states(function.regs, function.params),
        );
        let nan = match entry {
            Entry::Start => start_plan,
            Entry::LoopHeader(header) => {
                let states = nan::loop_entry_states(&start_plan, header as usize, function.regs);
                NanPlan::new(code, facts, header as usize, states)
            }
        };
        let flags = facts
            .repr
            .iter()
            .zip(&nan.flagged)
            .map(|(&repr, &flagged)| {
                (repr != Repr::I64 && flagged).then(|| b.declare_var(types::I8))
            })
            .collect();
        let vars = facts
            .repr
            .iter()
            .map(|&repr| b.declare_var(ty_of(repr)))
            .collect();
        let len = code.len();
        Frame {
            facts,
            code,
            func,
            global_entry: function.entry,
            regs: function.regs,
            params: function.params,
            entry,
            vars,
            fp: Value::from_u32(0),
            depth: Value::from_u32(0),
            body: vec![None; len],
            charge: vec![None; len],
            bail: vec![None; len],
            guard_bail: vec![None; len],
            checked: vec![false; len],
            loop_exit: vec![None; len],
            interrupted: vec![None; len],
            nan,
            state: Vec::new(),
            result_state: Nan::Kept,
            flags,
        }
    }

    /// True if a transfer into `pc` leaves this version of the function: it is a loop
    /// entry's version, and `pc` is a loop header before the one it starts at (one of
    /// the loops around it, in structured code). Going on there in this version would
    /// make every loop around the entry one irreducible tangle that Cranelift optimises
    /// badly; the version entered at `pc` has them properly nested.
    fn exits_to(&self, pc: usize) -> bool {
        match self.entry {
            Entry::LoopHeader(header) => pc < header as usize && self.facts.runs.is_loop_header(pc),
            Entry::Start => false,
        }
    }

    /// Creates a block for every leader reachable from `start` (within this version);
    /// the leaders, in order.
    fn reachable_blocks(&mut self, b: &mut FunctionBuilder<'_>, start: usize) -> Vec<usize> {
        let reachable = self
            .facts
            .reachable_within(self.code, start, |pc| self.exits_to(pc));
        let mut leaders = Vec::new();
        for (pc, &reached) in reachable.iter().enumerate() {
            if reached {
                self.body[pc] = Some(b.create_block());
                leaders.push(pc);
            }
        }
        leaders
    }
}

/// A call whose callee is being translated inline: where the caller continues.
struct InlineSite {
    /// The caller's `call` instruction, and the register its result goes to.
    call_pc: usize,
    dst: u8,
    /// The caller's block after the call, taking the callee's result.
    resume: Block,
    /// The caller's NaN states at the call.
    state: Vec<Nan>,
}

/// Callees at most this long are translated into their callers.
pub(crate) const MAX_INLINE_LEN: u32 = 24;

/// True if calls to `func` may be translated inline: short, and without loops (whose
/// headers would have no entry of their own).
pub(crate) fn inlinable(module: &adead_isa::Module, facts: &FunctionFacts, func: u32) -> bool {
    let function = &module.functions[func as usize];
    function.len <= MAX_INLINE_LEN
        && facts.runs.loop_headers().next().is_none()
        && function
            .code(module)
            .iter()
            .all(|i| translatable(i.opcode()))
}

pub(crate) struct Translator<'a, 'b> {
    b: FunctionBuilder<'b>,
    view: &'a ModuleView<'a>,
    /// Every function's facts, where computed (the physical function's and those of
    /// the callees that may be inlined).
    all_facts: &'a [Option<FunctionFacts>],
    /// The function being emitted (the physical one, or an inlined callee), and the
    /// callers it is inlined into, outermost first.
    f: Frame<'a>,
    callers: Vec<(Frame<'a>, InlineSite)>,
    /// The physical function and its own reference, for direct recursion (the start
    /// version only).
    physical: u32,
    self_ref: Option<FuncRef>,
    /// The native signature by number of register arguments, imported on first use.
    native_sigs: [Option<SigRef>; REGISTER_ARGS + 1],
    sigs: HelperSigs,
    fuel: Option<Variable>,
    mem_base: Option<Variable>,
    mem_len: Option<Variable>,
    ctx: Value,
    trap_exit: Block,
}

impl<'a, 'b> Translator<'a, 'b> {
    pub(crate) fn new(
        mut b: FunctionBuilder<'b>,
        view: &'a ModuleView<'a>,
        all_facts: &'a [Option<FunctionFacts>],
        func: u32,
        entry: Entry,
        self_ref: Option<FuncRef>,
    ) -> Translator<'a, 'b> {
        let facts = all_facts[func as usize]
            .as_ref()
            .expect("the compiler analyses the function first");
        let f = Frame::new(&mut b, view, facts, func, entry);
        let helper_sig = |params: usize, returns: usize| {
            let mut sig = Signature::new(view.call_conv);
            sig.params.push(AbiParam::new(types::I64));
            for _ in 0..params {
                sig.params.push(AbiParam::new(types::I64));
            }
            for _ in 0..returns {
                sig.returns.push(AbiParam::new(types::I32));
            }
            sig
        };
        let call = {
            let mut sig = Signature::new(view.call_conv);
            sig.params.push(AbiParam::new(types::I64));
            sig.params.push(AbiParam::new(types::I32));
            sig.params.push(AbiParam::new(types::I64));
            sig.params.push(AbiParam::new(types::I64));
            sig.returns.push(AbiParam::new(types::I32));
            sig
        };
        let push_frame = {
            let mut sig = Signature::new(view.call_conv);
            sig.params.push(AbiParam::new(types::I64));
            sig.params.push(AbiParam::new(types::I32));
            sig.params.push(AbiParam::new(types::I32));
            sig.params.push(AbiParam::new(types::I32));
            sig.params.push(AbiParam::new(types::I64));
            sig
        };
        let sigs = HelperSigs {
            call: b.import_signature(call),
            one: b.import_signature(helper_sig(1, 1)),
            two: b.import_signature(helper_sig(2, 1)),
            three: b.import_signature(helper_sig(3, 1)),
            push_frame: b.import_signature(push_frame),
        };
        let fuel = view.metered.then(|| b.declare_var(types::I64));
        // Memory's base and length, if this function or a callee inlined into it
        // touches memory.
        let touches = |facts: &FunctionFacts| facts.uses_memory;
        let uses_memory = touches(facts)
            || f.code.iter().any(|instr| {
                instr.opcode() == Opcode::Call
                    && all_facts[instr.word(1) as usize]
                        .as_ref()
                        .is_some_and(|callee| {
                            inlinable(view.module, callee, instr.word(1)) && touches(callee)
                        })
            });
        let (mem_base, mem_len) = if uses_memory {
            (
                Some(b.declare_var(types::I64)),
                Some(b.declare_var(types::I64)),
            )
        } else {
            (None, None)
        };
        let trap_exit = b.create_block();
        b.set_cold_block(trap_exit);
        Translator {
            b,
            view,
            all_facts,
            f,
            callers: Vec::new(),
            physical: func,
            self_ref,
            native_sigs: [None; REGISTER_ARGS + 1],
            sigs,
            fuel,
            mem_base,
            mem_len,
            ctx: Value::from_u32(0),
            trap_exit,
        }
    }

    /// Emits the whole function.
    pub(crate) fn translate(mut self) {
        let start = match self.f.entry {
            Entry::Start => 0,
            Entry::LoopHeader(pc) => pc as usize,
        };
        let leaders = self.f.reachable_blocks(&mut self.b, start);
        self.emit_entry(start);
        for pc in leaders {
            self.emit_segment(pc);
        }
        self.emit_interrupted();
        self.emit_charges();
        self.emit_bails();
        self.emit_trap_exit();
        self.b.seal_all_blocks();
        self.b.finalize(self.view.frontend);
    }

    // ---------------------------------------------------------------- registers

    fn convert(&mut self, v: Value, from: Repr, to: Repr) -> Value {
        match (from, to) {
            _ if from == to => v,
            (Repr::I64, Repr::F64) => self.b.ins().bitcast(types::F64, MemFlagsData::new(), v),
            (Repr::F64, Repr::I64) => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            (Repr::I64, Repr::F32) => {
                let low = self.b.ins().ireduce(types::I32, v);
                self.b.ins().bitcast(types::F32, MemFlagsData::new(), low)
            }
            (Repr::F32, Repr::I64) => {
                let bits = self.b.ins().bitcast(types::I32, MemFlagsData::new(), v);
                self.b.ins().uextend(types::I64, bits)
            }
            (Repr::F64, Repr::F32) => {
                let bits = self.convert(v, Repr::F64, Repr::I64);
                self.convert(bits, Repr::I64, Repr::F32)
            }
            (Repr::F32, Repr::F64) => {
                let bits = self.convert(v, Repr::F32, Repr::I64);
                self.convert(bits, Repr::I64, Repr::F64)
            }
            _ => unreachable!("every pair of representations is covered above"),
        }
    }

    fn repr(&self, reg: u8) -> Repr {
        self.f.facts.repr[usize::from(reg)]
    }

    /// Register `reg` as `want`. Reading a float's bits (as an integer, or as the other
    /// float width) observes them: a pending NaN is canonicalised first.
    fn read(&mut self, reg: u8, want: Repr) -> Value {
        let own = self.repr(reg);
        let v = if own != want && own != Repr::I64 {
            let state = self.f.state[usize::from(reg)];
            self.observe(reg, state)
        } else {
            self.b.use_var(self.f.vars[usize::from(reg)])
        };
        self.convert(v, own, want)
    }

    /// Register `reg` as `want` where the instruction observes the value's bits in place
    /// (a float store, a sign operation).
    fn read_in(&mut self, reg: u8, want: Repr) -> Value {
        let state = self.f.state[usize::from(reg)];
        let v = self.observe(reg, state);
        self.convert(v, self.repr(reg), want)
    }

    /// Register `reg` in its own representation with its bits made final, given its
    /// NaN `state`.
    fn observe(&mut self, reg: u8, state: Nan) -> Value {
        let v = self.b.use_var(self.f.vars[usize::from(reg)]);
        let flag = match (state, self.f.flags[usize::from(reg)]) {
            (Nan::Either, Some(flag)) => Some(self.b.use_var(flag)),
            _ => None,
        };
        self.observe_value(v, self.repr(reg), state, flag)
    }

    /// `v` of `repr` with its bits made final: canonicalised when `state` is pending, or
    /// `Either` with `flag` set.
    fn observe_value(&mut self, v: Value, repr: Repr, state: Nan, flag: Option<Value>) -> Value {
        match (repr, state, flag) {
            (Repr::I64, ..) | (_, Nan::Settled | Nan::Kept, _) => v,
            (_, Nan::Pending, _) => self.canonical(v, repr),
            (_, Nan::Either, None) => {
                // Every register `Either` somewhere carries a flag (`NanPlan::flagged`),
                // and copies pass theirs along.
                unreachable!("an `Either` value observed without its flag")
            }
            (_, Nan::Either, Some(flag)) => {
                let is_nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
                let replace = self.b.ins().band(is_nan, flag);
                let nan = self.canonical_nan(repr);
                self.b.ins().select(replace, nan, v)
            }
        }
    }

    /// The flag of register `reg` in its current state: 1 if its value may be a pending
    /// NaN.
    fn flag_of(&mut self, reg: u8) -> Value {
        match (
            self.f.state[usize::from(reg)],
            self.f.flags[usize::from(reg)],
        ) {
            (Nan::Either, Some(flag)) => self.b.use_var(flag),
            (Nan::Pending, _) => self.b.ins().iconst(types::I8, 1),
            _ => self.b.ins().iconst(types::I8, 0),
        }
    }

    /// Register `reg` in its own representation.
    fn read_own(&mut self, reg: u8) -> (Value, Repr) {
        let own = self.repr(reg);
        (self.b.use_var(self.f.vars[usize::from(reg)]), own)
    }

    /// Writes the instruction's result `v`, of representation `from`, to `reg`.
    fn write(&mut self, reg: u8, v: Value, from: Repr) {
        self.write_flagged(reg, v, from, None);
    }

    /// Writes `v` to `reg`; `flag` is the value's pending flag when its state is
    /// `Either` (a copy of a register). A float going into another representation is
    /// observed on the way.
    fn write_flagged(&mut self, reg: u8, v: Value, from: Repr, flag: Option<Value>) {
        let state = self.f.result_state;
        let own = self.repr(reg);
        let v = if from != own && from != Repr::I64 {
            self.observe_value(v, from, state, flag)
        } else {
            v
        };
        let v = self.convert(v, from, own);
        self.b.def_var(self.f.vars[usize::from(reg)], v);
        if let Some(flag_var) = self.f.flags[usize::from(reg)] {
            let flag = match (flag, state) {
                (Some(flag), _) => flag,
                (None, Nan::Pending) => self.b.ins().iconst(types::I8, 1),
                (None, _) => self.b.ins().iconst(types::I8, 0),
            };
            self.b.def_var(flag_var, flag);
        }
    }

    /// Defines register `reg` as `v`, a value of its own representation whose bits are
    /// final (a constant, a value loaded from the frame): its NaN flag is cleared.
    fn define_bits(&mut self, reg: u8, v: Value) {
        self.b.def_var(self.f.vars[usize::from(reg)], v);
        if let Some(flag) = self.f.flags[usize::from(reg)] {
            let clear = self.b.ins().iconst(types::I8, 0);
            self.b.def_var(flag, clear);
        }
    }

    /// A constant of `bits` in register `reg`'s representation.
    fn constant(&mut self, reg: u8, bits: u64) -> Value {
        match self.repr(reg) {
            Repr::I64 => self.b.ins().iconst(types::I64, bits as i64),
            Repr::F64 => self.b.ins().f64const(Ieee64::with_bits(bits)),
            Repr::F32 => self.b.ins().f32const(Ieee32::with_bits(bits as u32)),
        }
    }

    /// The address of this function's frame in the register stack, computed where it
    /// is needed (the stack moves when it grows, and the hot paths never need it).
    fn frame_ptr(&mut self) -> Value {
        let base = self.ctx_load(offsets::STACK_BASE);
        self.b.ins().iadd(base, self.f.fp)
    }

    /// Loads register `reg` from the frame at `frame` in memory.
    fn load_from_frame(&mut self, reg: u8, frame: Value) {
        let offset = i32::from(reg) * 8;
        let v = match self.repr(reg) {
            Repr::F64 => self.b.ins().load(types::F64, trusted(), frame, offset),
            repr => {
                let bits = self.b.ins().load(types::I64, trusted(), frame, offset);
                self.convert(bits, Repr::I64, repr)
            }
        };
        self.define_bits(reg, v);
    }

    /// Stores register `reg`, whose NaN state is `state`, to the frame in memory (an f32
    /// with its high half zero, a pending NaN canonicalised).
    fn store_to_frame(&mut self, reg: u8, state: Nan, frame: Value) {
        let offset = i32::from(reg) * 8;
        let own = self.repr(reg);
        let v = self.observe(reg, state);
        let v = match own {
            Repr::F64 => v,
            _ => self.convert(v, own, Repr::I64),
        };
        self.b.ins().store(trusted(), v, frame, offset);
    }

    /// Stores register `reg` to the frame in the state of the instruction being
    /// translated.
    fn store_now(&mut self, reg: u8, frame: Value) {
        let state = self.f.state[usize::from(reg)];
        self.store_to_frame(reg, state, frame);
    }

    // ---------------------------------------------------------------- context

    fn ctx_load(&mut self, offset: i32) -> Value {
        self.b.ins().load(types::I64, trusted(), self.ctx, offset)
    }

    fn ctx_store(&mut self, v: Value, offset: i32) {
        self.b.ins().store(trusted(), v, self.ctx, offset);
    }

    fn ctx_store_u32(&mut self, value: u32, offset: i32) {
        let v = self.b.ins().iconst(types::I32, i64::from(value));
        self.ctx_store(v, offset);
    }

    /// Reloads linear memory's base and length (it may have grown and moved).
    fn reload_memory(&mut self) {
        if let (Some(base_var), Some(len_var)) = (self.mem_base, self.mem_len) {
            let base = self.ctx_load(offsets::MEMORY_BASE);
            let len = self.ctx_load(offsets::MEMORY_LEN);
            self.b.def_var(base_var, base);
            self.b.def_var(len_var, len);
        }
    }

    fn store_fuel(&mut self) {
        if let Some(fuel) = self.fuel {
            let v = self.b.use_var(fuel);
            self.ctx_store(v, offsets::FUEL);
        }
    }

    fn reload_fuel(&mut self) {
        if let Some(fuel) = self.fuel {
            let v = self.ctx_load(offsets::FUEL);
            self.b.def_var(fuel, v);
        }
    }

    fn status(&mut self, status: Status) -> Value {
        self.b.ins().iconst(types::I64, status as i64)
    }

    /// Adds one to the count of `op` (instrumentation for coverage tests).
    /// Counts one execution of instruction `pc` of this function
    /// (`Options::count_executions`).
    fn count_execution(&mut self, pc: usize) {
        let counts = self.ctx_load(offsets::EXECUTION_COUNTS);
        let offset = execution_count_offset(self.f.global_entry, pc)
            .expect("the compiler checked that the counters are in reach");
        let count = self.b.ins().load(types::I64, trusted(), counts, offset);
        let count = self.b.ins().iadd_imm_s(count, 1);
        self.b.ins().store(trusted(), count, counts, offset);
    }

    fn native_sig(&mut self, args: usize) -> SigRef {
        match self.native_sigs[args] {
            Some(sig) => sig,
            None => {
                let sig = self
                    .b
                    .import_signature(native_signature(self.view.call_conv, args));
                self.native_sigs[args] = Some(sig);
                sig
            }
        }
    }

    fn helper_address(&mut self, address: usize) -> Value {
        self.b.ins().iconst(types::I64, address as i64)
    }

    // ---------------------------------------------------------------- blocks

    fn body(&self, pc: usize) -> Block {
        self.f.body[pc].expect("a reachable leader has a block")
    }

    /// The block a transfer into leader `pc` jumps to: its charge block when metered.
    fn edge(&mut self, pc: usize) -> Block {
        if self.callers.is_empty() && self.f.exits_to(pc) {
            return cold_block(&mut self.b, &mut self.f.loop_exit[pc]);
        }
        if !self.view.metered {
            return self.body(pc);
        }
        match self.f.charge[pc] {
            Some(block) => block,
            None => {
                let block = self.b.create_block();
                self.f.charge[pc] = Some(block);
                block
            }
        }
    }

    /// True (an `i32`, nonzero) when the host asks the run to stop. The request word
    /// may change under native code at any time: atomic loads, which Cranelift neither
    /// hoists out of a loop nor merges with an earlier one. The word's address is
    /// loaded at each poll as well: a copy kept from the function's entry would live
    /// across every loop in a spilled register (a stack load and store per iteration).
    fn interrupt_requested(&mut self) -> Value {
        let address = self
            .b
            .ins()
            .iadd_imm_s(self.ctx, i64::from(offsets::INTERRUPT));
        let word = self.b.ins().atomic_load(types::I64, trusted(), address);
        self.b.ins().atomic_load(types::I32, trusted(), word)
    }

    /// The cold exit that traps `interrupted` at check point `pc` (its run not
    /// charged).
    fn interrupted(&mut self, pc: usize) -> Block {
        cold_block(&mut self.b, &mut self.f.interrupted[pc])
    }

    /// At check point `pc` (a function's entry): traps `interrupted` there when the
    /// host asked the run to stop, else continues in `go`.
    fn poll_interrupt(&mut self, pc: usize, go: Block) {
        if !self.view.interruptible {
            self.b.ins().jump(go, &[]);
            return;
        }
        let requested = self.interrupt_requested();
        let stop = self.interrupted(pc);
        self.b.ins().brif(requested, stop, &[], go, &[]);
    }

    fn emit_interrupted(&mut self) {
        for pc in 0..self.f.code.len() {
            let Some(block) = self.f.interrupted[pc] else {
                continue;
            };
            self.b.switch_to_block(block);
            let code = self
                .b
                .ins()
                .iconst(types::I32, i64::from(TrapKind::Interrupted.code()));
            self.leave_trapped_settled(code, 0, pc, 0);
        }
    }

    /// The cold block that leaves for the interpreter at leader `pc`, uncharged.
    fn bail(&mut self, pc: usize) -> Block {
        cold_block(&mut self.b, &mut self.f.bail[pc])
    }

    /// The cold block that leaves for the interpreter at leader `pc` from the top of
    /// its segment: the run there was charged (by a transfer, or as part of the run
    /// that fell into it, which charged exactly `charge(pc)` for what follows), so the
    /// exit gives that back.
    fn guard_bail(&mut self, pc: usize) -> Block {
        cold_block(&mut self.b, &mut self.f.guard_bail[pc])
    }

    /// Branches to a new cold block that reports trap `kind` at `pc` when `condition`
    /// holds; continues in a new block otherwise.
    fn trap_if(&mut self, condition: Value, kind: TrapKind, pc: usize) {
        let trap = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(trap);
        self.b.ins().brif(condition, trap, &[], next, &[]);
        self.b.switch_to_block(trap);
        let code = self.b.ins().iconst(types::I32, i64::from(kind.code()));
        let payload = match kind {
            TrapKind::User(user) => i64::from(user),
            _ => 0,
        };
        self.leave_trapped(code, payload, pc);
        self.b.switch_to_block(next);
    }

    /// Reports the helper's trap code `code` (an `i32`, nonzero) at `pc` when nonzero.
    fn trap_on_code(&mut self, code: Value, pc: usize) {
        let trap = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(trap);
        self.b.ins().brif(code, trap, &[], next, &[]);
        self.b.switch_to_block(trap);
        self.leave_trapped(code, 0, pc);
        self.b.switch_to_block(next);
    }

    /// Fills the exit record for a trap, settles the fuel (gives back what the run was
    /// charged and will not execute: `refund(pc)`), and jumps to the shared trap exit.
    fn leave_trapped(&mut self, code: Value, payload: i64, pc: usize) {
        let refund = self.f.facts.runs.refund(pc);
        self.leave_trapped_settled(code, payload, pc, refund);
    }

    /// [`Translator::leave_trapped`], giving back `refund` units of fuel.
    fn leave_trapped_settled(&mut self, code: Value, payload: i64, pc: usize, refund: u32) {
        if let Some(fuel) = self.fuel {
            let left = self.b.use_var(fuel);
            let settled = self.b.ins().iadd_imm_s(left, i64::from(refund));
            self.ctx_store(settled, offsets::FUEL);
        }
        self.ctx_store(code, offsets::EXIT_TRAP_CODE);
        self.ctx_store_u32(self.f.func, offsets::EXIT_FUNC);
        self.ctx_store_u32(pc as u32, offsets::EXIT_PC);
        let payload = self.b.ins().iconst(types::I64, payload);
        self.ctx_store(payload, offsets::EXIT_PAYLOAD);
        self.b.ins().jump(self.trap_exit, &[]);
    }

    fn emit_trap_exit(&mut self) {
        self.b.switch_to_block(self.trap_exit);
        let zero = self.b.ins().iconst(types::I64, 0);
        let status = self.status(Status::Trapped);
        self.b.ins().return_(&[zero, status]);
    }

    fn emit_charges(&mut self) {
        for pc in 0..self.f.code.len() {
            let (Some(block), Some(fuel)) = (self.f.charge[pc], self.fuel) else {
                continue;
            };
            let cost = i64::from(self.f.facts.runs.charge(pc));
            self.b.switch_to_block(block);
            let left = self.b.use_var(fuel);
            let short = self.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, left, cost);
            let bail = self.bail(pc);
            let pay = self.b.create_block();
            self.b.ins().brif(short, bail, &[], pay, &[]);
            self.b.switch_to_block(pay);
            let charged = self.b.ins().iadd_imm_s(left, -cost);
            self.b.def_var(fuel, charged);
            let body = self.body(pc);
            self.b.ins().jump(body, &[]);
        }
    }

    fn emit_bails(&mut self) {
        for pc in 0..self.f.code.len() {
            let Some(block) = self.f.bail[pc] else {
                continue;
            };
            self.b.switch_to_block(block);
            let live = self.f.facts.live_at(pc);
            let states = self.f.nan.at(pc).to_vec();
            self.leave_exited(pc, &live, &states, false);
        }
        for pc in 0..self.f.code.len() {
            let Some(block) = self.f.guard_bail[pc] else {
                continue;
            };
            self.b.switch_to_block(block);
            if let Some(fuel) = self.fuel {
                let charged = self.b.use_var(fuel);
                let uncharged = self
                    .b
                    .ins()
                    .iadd_imm_s(charged, i64::from(self.f.facts.runs.charge(pc)));
                self.b.def_var(fuel, uncharged);
            }
            let live = self.f.facts.live_at(pc);
            let states = self.f.nan.at(pc).to_vec();
            self.leave_exited(pc, &live, &states, false);
        }
        for pc in 0..self.f.code.len() {
            let Some(block) = self.f.loop_exit[pc] else {
                continue;
            };
            self.b.switch_to_block(block);
            let live = self.f.facts.live_at(pc);
            let states = self.f.nan.at(pc).to_vec();
            self.leave_exited(pc, &live, &states, true);
        }
    }

    /// Stores `live` (in NaN `states`) to the frame and leaves for the interpreter at
    /// leader `pc`.
    fn leave_exited(&mut self, pc: usize, live: &RegSet, states: &[Nan], reenter: bool) {
        let frame = self.frame_ptr();
        for reg in live.iter() {
            self.store_to_frame(reg, states[usize::from(reg)], frame);
        }
        self.store_fuel();
        self.ctx_store_u32(0, offsets::EXIT_TRAP_CODE);
        self.ctx_store_u32(self.f.func, offsets::EXIT_FUNC);
        self.ctx_store_u32(pc as u32, offsets::EXIT_PC);
        let depth = self.b.ins().ireduce(types::I32, self.f.depth);
        self.ctx_store(depth, offsets::EXIT_DEPTH);
        self.ctx_store(self.f.fp, offsets::EXIT_FP);
        self.ctx_store_u32(u32::from(reenter), offsets::EXIT_REENTER);
        self.record_callers();
        let zero = self.b.ins().iconst(types::I64, 0);
        let status = self.status(Status::Exited);
        self.b.ins().return_(&[zero, status]);
    }

    // ---------------------------------------------------------------- entry

    fn emit_entry(&mut self, start: usize) {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.ctx = params[0];
        self.f.fp = params[1];
        self.f.depth = params[2];
        self.reload_memory();
        self.reload_fuel();
        let live = self.f.facts.live_at(start);
        let loads_from_frame = match self.f.entry {
            Entry::Start => self.f.params as usize > REGISTER_ARGS,
            Entry::LoopHeader(_) => true,
        };
        let frame = if loads_from_frame {
            self.frame_ptr()
        } else {
            self.f.fp
        };
        match self.f.entry {
            Entry::Start => {
                for reg in live.iter() {
                    let index = u32::from(reg);
                    if index >= self.f.params {
                        let zero = self.constant(reg, 0);
                        self.define_bits(reg, zero);
                    } else if (index as usize) < REGISTER_ARGS {
                        let arg = params[3 + index as usize];
                        self.write(reg, arg, Repr::I64);
                    } else {
                        self.load_from_frame(reg, frame);
                    }
                }
                // The function's entry is a check point (before the stack check: the
                // interpreter that a low stack leaves for does not poll again).
                let checked = self.b.create_block();
                self.poll_interrupt(0, checked);
                self.b.switch_to_block(checked);
                // Deep native recursion would overflow the machine stack: leave for the
                // interpreter, whose frames live on the heap, before that happens.
                let sp = self.b.ins().get_stack_pointer(types::I64);
                let limit = self.ctx_load(offsets::NATIVE_STACK_LIMIT);
                let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
                let bail = self.bail(0);
                let go = self.edge(0);
                self.b.ins().brif(low, bail, &[], go, &[]);
            }
            Entry::LoopHeader(_) => {
                for reg in live.iter() {
                    match self.f.facts.constant[usize::from(reg)] {
                        Some(bits) if start != 0 => {
                            let v = self.constant(reg, bits);
                            self.define_bits(reg, v);
                        }
                        _ => self.load_from_frame(reg, frame),
                    }
                }
                let go = self.edge(start);
                self.b.ins().jump(go, &[]);
            }
        }
    }

    // ---------------------------------------------------------------- code

    fn emit_segment(&mut self, start: usize) {
        let block = self.body(start);
        self.b.switch_to_block(block);
        self.f.state = self.f.nan.at(start).to_vec();
        let end = segment_end(&self.f.facts.runs, start);
        if self.f.facts.uses_memory {
            self.guard_segment(start, end);
        }
        for pc in start..=end {
            let instr = self.f.code[pc];
            self.f.result_state = nan::result(&instr, &self.f.state);
            if self.view.count_executions {
                self.count_execution(pc);
            }
            if pc == end {
                self.emit_last(pc);
            } else {
                self.emit_instruction(pc);
            }
            nan::step(&instr, &mut self.f.state, &self.f.facts.repr);
        }
    }

    /// The last instruction of a segment: control flow, or a plain instruction that
    /// falls through into the next leader (which it does not charge).
    fn emit_last(&mut self, pc: usize) {
        let instr = self.f.code[pc];
        let op = instr.opcode();
        let reg = |i: usize| instr.reg(i);
        let w = |i: usize| instr.word(i) as usize;
        match op {
            Opcode::Jmp => {
                let target = self.edge(w(0));
                if w(0) <= pc {
                    // A back-edge: a check point.
                    self.poll_interrupt(w(0), target);
                } else {
                    self.b.ins().jump(target, &[]);
                }
            }
            Opcode::Jz
            | Opcode::Jnz
            | Opcode::Beq
            | Opcode::Bne
            | Opcode::Blt
            | Opcode::Bge
            | Opcode::Bltu
            | Opcode::Bgeu => {
                let (a, b, cc, target) = match op {
                    Opcode::Jz | Opcode::Jnz => {
                        let a = self.read(reg(0), Repr::I64);
                        let zero = self.b.ins().iconst(types::I64, 0);
                        let cc = if op == Opcode::Jz {
                            IntCC::Equal
                        } else {
                            IntCC::NotEqual
                        };
                        (a, zero, cc, w(1))
                    }
                    _ => {
                        let cc = match op {
                            Opcode::Beq => IntCC::Equal,
                            Opcode::Bne => IntCC::NotEqual,
                            Opcode::Blt => IntCC::SignedLessThan,
                            Opcode::Bge => IntCC::SignedGreaterThanOrEqual,
                            Opcode::Bltu => IntCC::UnsignedLessThan,
                            _ => IntCC::UnsignedGreaterThanOrEqual,
                        };
                        let a = self.read(reg(0), Repr::I64);
                        let b = self.read(reg(1), Repr::I64);
                        (a, b, cc, w(2))
                    }
                };
                let taken_now = self.b.ins().icmp(cc, a, b);
                if self.if_convertible(pc, target) {
                    self.emit_if_converted(pc, taken_now, target);
                } else {
                    let (taken, fall) = (self.edge(target), self.edge(pc + 1));
                    if target <= pc && self.view.interruptible {
                        // Taking a back-edge is a check point. The request is tested
                        // first, so that the loop's own path keeps one taken branch.
                        let requested = self.interrupt_requested();
                        let usual = self.b.create_block();
                        let asked = self.b.create_block();
                        self.b.set_cold_block(asked);
                        self.b.ins().brif(requested, asked, &[], usual, &[]);
                        self.b.switch_to_block(asked);
                        let stop = self.interrupted(target);
                        self.b.ins().brif(taken_now, stop, &[], fall, &[]);
                        self.b.switch_to_block(usual);
                    }
                    self.b.ins().brif(taken_now, taken, &[], fall, &[]);
                }
            }
            Opcode::Call => {
                if self.inlines(pc) {
                    self.emit_inline_call(pc);
                } else {
                    self.emit_call(pc);
                }
                let next = self.edge(pc + 1);
                self.b.ins().jump(next, &[]);
            }
            Opcode::Ret => {
                let v = self.read(reg(0), Repr::I64);
                if let Some((_, site)) = self.callers.last() {
                    let resume = site.resume;
                    self.b.ins().jump(resume, &[BlockArg::Value(v)]);
                } else {
                    self.store_fuel();
                    let status = self.status(Status::Returned);
                    self.b.ins().return_(&[v, status]);
                }
            }
            Opcode::HaltReg | Opcode::Halt => {
                let v = if op == Opcode::HaltReg {
                    self.read(reg(0), Repr::I64)
                } else {
                    self.b.ins().iconst(types::I64, 0)
                };
                self.store_fuel();
                let status = self.status(Status::Halted);
                self.b.ins().return_(&[v, status]);
            }
            Opcode::Trap => {
                let code = self
                    .b
                    .ins()
                    .iconst(types::I32, i64::from(TrapKind::User(0).code()));
                self.leave_trapped(code, i64::from(instr.word(0) as i32), pc);
            }
            _ => {
                self.emit_instruction(pc);
                if pc + 1 < self.f.code.len() {
                    let next = self.body(pc + 1);
                    self.b.ins().jump(next, &[]);
                }
            }
        }
    }

    /// True if the conditional branch at `pc` only skips, when taken, a few pure
    /// instructions up to `target` that nothing else jumps into: then both ways are
    /// computed and selected (`emit_if_converted`) instead of branching, which a branch
    /// on data (`if (flag) count++`) cannot mispredict. Not with fuel metered: the two
    /// ways charge different runs.
    fn if_convertible(&self, pc: usize, target: usize) -> bool {
        const MAX_SKIPPED: usize = 4;
        if self.view.metered || self.view.count_executions || target <= pc + 1 {
            return false;
        }
        if target - (pc + 1) > MAX_SKIPPED {
            return false;
        }
        ((pc + 1)..target).all(|q| {
            (q == pc + 1 || !self.f.facts.runs.is_leader(q)) && pure(self.f.code[q].opcode())
        })
    }

    /// The branch at `pc` skipping the pure instructions up to `target` when
    /// `taken`: they are computed anyway, and each register they write takes its old
    /// value when the branch is taken, its new one otherwise (NaN flags likewise).
    fn emit_if_converted(&mut self, pc: usize, taken: Value, target: usize) {
        let mut written = RegSet::default();
        for q in (pc + 1)..target {
            for access in self.f.code[q].registers().filter(|a| a.write) {
                written.insert(access.reg);
            }
        }
        let before: Vec<(u8, Value, Value, Nan)> = written
            .iter()
            .map(|reg| {
                let value = self.b.use_var(self.f.vars[usize::from(reg)]);
                let flag = self.flag_of(reg);
                (reg, value, flag, self.f.state[usize::from(reg)])
            })
            .collect();
        for q in (pc + 1)..target {
            let instr = self.f.code[q];
            self.f.result_state = nan::result(&instr, &self.f.state);
            self.emit_instruction(q);
            nan::step(&instr, &mut self.f.state, &self.f.facts.repr);
        }
        for (reg, old, old_flag, old_state) in before {
            let new = self.b.use_var(self.f.vars[usize::from(reg)]);
            let new_flag = self.flag_of(reg);
            let chosen = self.b.ins().select(taken, old, new);
            self.b.def_var(self.f.vars[usize::from(reg)], chosen);
            if let Some(flag) = self.f.flags[usize::from(reg)] {
                let chosen = self.b.ins().select(taken, old_flag, new_flag);
                self.b.def_var(flag, chosen);
            }
            let new_state = self.f.state[usize::from(reg)];
            self.f.state[usize::from(reg)] = nan::join(old_state, new_state);
        }
        let next = self.edge(target);
        self.b.ins().jump(next, &[]);
    }

    fn emit_instruction(&mut self, pc: usize) {
        let instr = self.f.code[pc];
        let op = instr.opcode();
        let reg = |i: usize| instr.reg(i);
        use Opcode as O;
        match op {
            O::Nop => {}
            O::Add | O::Sub | O::Mul | O::And | O::Or | O::Xor | O::Shl | O::Shr | O::Sar => {
                let a = self.read(reg(1), Repr::I64);
                let b = self.read(reg(2), Repr::I64);
                let v = self.int_binary(op, a, b);
                self.write(reg(0), v, Repr::I64);
            }
            O::Rotl | O::Rotr => {
                let a = self.read(reg(1), Repr::I64);
                let b = self.read(reg(2), Repr::I64);
                let v = if op == O::Rotl {
                    self.b.ins().rotl(a, b)
                } else {
                    self.b.ins().rotr(a, b)
                };
                self.write(reg(0), v, Repr::I64);
            }
            O::Addi | O::Muli | O::Andi | O::Ori | O::Xori | O::Shli | O::Shri | O::Sari => {
                let a = self.read(reg(1), Repr::I64);
                let imm = self
                    .b
                    .ins()
                    .iconst(types::I64, i64::from(instr.word(2) as i32));
                let base = match op {
                    O::Addi => O::Add,
                    O::Muli => O::Mul,
                    O::Andi => O::And,
                    O::Ori => O::Or,
                    O::Xori => O::Xor,
                    O::Shli => O::Shl,
                    O::Shri => O::Shr,
                    _ => O::Sar,
                };
                let v = self.int_binary(base, a, imm);
                self.write(reg(0), v, Repr::I64);
            }
            O::Div | O::Divu | O::Rem | O::Remu => self.emit_division(pc, &instr),
            O::Neg | O::Not | O::Clz | O::Ctz | O::Popcnt => {
                let a = self.read(reg(1), Repr::I64);
                let ins = self.b.ins();
                let v = match op {
                    O::Neg => ins.ineg(a),
                    O::Not => ins.bnot(a),
                    O::Clz => ins.clz(a),
                    O::Ctz => ins.ctz(a),
                    _ => ins.popcnt(a),
                };
                self.write(reg(0), v, Repr::I64);
            }
            O::Sext8 | O::Sext16 | O::Sext32 | O::Zext8 | O::Zext16 | O::Zext32 => {
                let a = self.read(reg(1), Repr::I64);
                let narrow = match op {
                    O::Sext8 | O::Zext8 => types::I8,
                    O::Sext16 | O::Zext16 => types::I16,
                    _ => types::I32,
                };
                let low = self.b.ins().ireduce(narrow, a);
                let v = if matches!(op, O::Sext8 | O::Sext16 | O::Sext32) {
                    self.b.ins().sextend(types::I64, low)
                } else {
                    self.b.ins().uextend(types::I64, low)
                };
                self.write(reg(0), v, Repr::I64);
            }
            O::Seq | O::Sne | O::Slt | O::Sle | O::Sltu | O::Sleu => {
                let cc = match op {
                    O::Seq => IntCC::Equal,
                    O::Sne => IntCC::NotEqual,
                    O::Slt => IntCC::SignedLessThan,
                    O::Sle => IntCC::SignedLessThanOrEqual,
                    O::Sltu => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedLessThanOrEqual,
                };
                let a = self.read(reg(1), Repr::I64);
                let b = self.read(reg(2), Repr::I64);
                let flag = self.b.ins().icmp(cc, a, b);
                let v = self.b.ins().uextend(types::I64, flag);
                self.write(reg(0), v, Repr::I64);
            }
            O::Mov => {
                let (v, repr) = self.read_own(reg(1));
                let flag = self.flag_of(reg(1));
                self.write_flagged(reg(0), v, repr, Some(flag));
            }
            O::Movi | O::Fmovi => {
                let v = self.constant(reg(0), instr.wide(1));
                self.define_bits(reg(0), v);
            }
            O::FmoviF32 => {
                let v = self.constant(reg(0), u64::from(instr.word(1)));
                self.define_bits(reg(0), v);
            }
            O::MoviData => {
                let address = self.view.module.data[instr.word(1) as usize].offset;
                let v = self.constant(reg(0), u64::from(address));
                self.define_bits(reg(0), v);
            }
            O::Select => {
                let want = self.repr(reg(0));
                let condition = self.read(reg(1), Repr::I64);
                let mut values = [Value::from_u32(0); 2];
                let mut flags = [Value::from_u32(0); 2];
                for (i, index) in [2, 3].into_iter().enumerate() {
                    if self.repr(reg(index)) == want {
                        values[i] = self.read(reg(index), want);
                        flags[i] = self.flag_of(reg(index));
                    } else {
                        // Read as another representation: observed, so final.
                        values[i] = self.read(reg(index), want);
                        flags[i] = self.b.ins().iconst(types::I8, 0);
                    }
                }
                let v = self.b.ins().select(condition, values[0], values[1]);
                let flag = self.b.ins().select(condition, flags[0], flags[1]);
                self.write_flagged(reg(0), v, want, Some(flag));
            }
            O::Fadd | O::Fsub | O::Fmul | O::Fdiv | O::Fmin | O::Fmax => {
                self.float_binary(op, &instr, Repr::F64)
            }
            O::FaddF32 | O::FsubF32 | O::FmulF32 | O::FdivF32 | O::FminF32 | O::FmaxF32 => {
                self.float_binary(op, &instr, Repr::F32)
            }
            O::Fsqrt | O::Ffloor | O::Fceil | O::Ftrunc | O::Fnearest => {
                self.float_unary(op, &instr, Repr::F64)
            }
            O::FsqrtF32 | O::FfloorF32 | O::FceilF32 | O::FtruncF32 | O::FnearestF32 => {
                self.float_unary(op, &instr, Repr::F32)
            }
            O::Fneg | O::Fabs | O::FnegF32 | O::FabsF32 => {
                // Bit operations: a NaN keeps its payload.
                let repr = if matches!(op, O::Fneg | O::Fabs) {
                    Repr::F64
                } else {
                    Repr::F32
                };
                let a = self.read_in(reg(1), repr);
                let v = if matches!(op, O::Fneg | O::FnegF32) {
                    self.b.ins().fneg(a)
                } else {
                    self.b.ins().fabs(a)
                };
                self.write(reg(0), v, repr);
            }
            O::Fcopysign | O::FcopysignF32 => {
                let repr = if op == O::Fcopysign {
                    Repr::F64
                } else {
                    Repr::F32
                };
                let a = self.read_in(reg(1), repr);
                let b = self.read_in(reg(2), repr);
                let v = self.b.ins().fcopysign(a, b);
                self.write(reg(0), v, repr);
            }
            O::Ffma | O::FfmaF32 => {
                let repr = if op == O::Ffma { Repr::F64 } else { Repr::F32 };
                let a = self.read(reg(1), repr);
                let b = self.read(reg(2), repr);
                let c = self.read(reg(3), repr);
                let v = self.b.ins().fma(a, b, c);
                self.write(reg(0), v, repr);
            }
            O::Feq | O::Flt | O::Fle | O::FeqF32 | O::FltF32 | O::FleF32 => {
                let repr = if matches!(op, O::Feq | O::Flt | O::Fle) {
                    Repr::F64
                } else {
                    Repr::F32
                };
                let cc = match op {
                    O::Feq | O::FeqF32 => FloatCC::Equal,
                    O::Flt | O::FltF32 => FloatCC::LessThan,
                    _ => FloatCC::LessThanOrEqual,
                };
                let a = self.read(reg(1), repr);
                let b = self.read(reg(2), repr);
                let flag = self.b.ins().fcmp(cc, a, b);
                let v = self.b.ins().uextend(types::I64, flag);
                self.write(reg(0), v, Repr::I64);
            }
            O::I2f | O::U2f | O::I2fF32 | O::U2fF32 => {
                let a = self.read(reg(1), Repr::I64);
                let (ty, repr) = if matches!(op, O::I2f | O::U2f) {
                    (types::F64, Repr::F64)
                } else {
                    (types::F32, Repr::F32)
                };
                let v = if matches!(op, O::I2f | O::I2fF32) {
                    self.b.ins().fcvt_from_sint(ty, a)
                } else {
                    self.b.ins().fcvt_from_uint(ty, a)
                };
                self.write(reg(0), v, repr);
            }
            O::F2i | O::F2u | O::F2iF32 | O::F2uF32 => {
                let repr = if matches!(op, O::F2i | O::F2u) {
                    Repr::F64
                } else {
                    Repr::F32
                };
                let a = self.read(reg(1), repr);
                let v = if matches!(op, O::F2i | O::F2iF32) {
                    self.b.ins().fcvt_to_sint_sat(types::I64, a)
                } else {
                    self.b.ins().fcvt_to_uint_sat(types::I64, a)
                };
                self.write(reg(0), v, Repr::I64);
            }
            O::Fpromote => {
                let a = self.read(reg(1), Repr::F32);
                let v = self.b.ins().fpromote(types::F64, a);
                let v = self.canonical(v, Repr::F64);
                self.write(reg(0), v, Repr::F64);
            }
            O::Fdemote => {
                let a = self.read(reg(1), Repr::F64);
                let v = self.b.ins().fdemote(types::F32, a);
                let v = self.canonical(v, Repr::F32);
                self.write(reg(0), v, Repr::F32);
            }
            O::Ld64
            | O::Ld8u
            | O::Ld8s
            | O::Ld16u
            | O::Ld16s
            | O::Ld32u
            | O::Ld32s
            | O::Fld32
            | O::Fld64 => self.emit_load(pc, &instr),
            O::St64 | O::St8 | O::St16 | O::St32 | O::Fst32 | O::Fst64 => {
                self.emit_store(pc, &instr)
            }
            O::MemSize => {
                let len = self.b.use_var(self.mem_len.expect("msize touches memory"));
                self.write(reg(0), len, Repr::I64);
            }
            O::Alloc => {
                let size = self.read(reg(1), Repr::I64);
                let code = self.call_working_helper(self.view.helpers.alloc as usize, &[size], pc);
                self.trap_on_code(code, pc);
                let address = self.ctx_load(offsets::RET);
                self.write(reg(0), address, Repr::I64);
                self.reload_memory();
            }
            O::Free => {
                let address = self.read(reg(0), Repr::I64);
                let code = self.call_helper(self.view.helpers.free as usize, &[address]);
                self.trap_on_code(code, pc);
            }
            O::MemCopy | O::MemFill => {
                let args = [
                    self.read(reg(0), Repr::I64),
                    self.read(reg(1), Repr::I64),
                    self.read(reg(2), Repr::I64),
                ];
                let helper = if op == O::MemCopy {
                    self.view.helpers.mcopy as usize
                } else {
                    self.view.helpers.mfill as usize
                };
                let code = self.call_working_helper(helper, &args, pc);
                self.trap_on_code(code, pc);
            }
            O::Hcall => self.emit_hcall(pc, &instr),
            op if op.family() == adead_isa::Family::Tensor => self.emit_tensor(pc, &instr),
            // Control flow ends a segment (`emit_last`); GPU and VK instructions never
            // reach a translator (the compiler refuses them first).
            _ => unreachable!("{op:?} is not translated inside a segment"),
        }
    }

    fn int_binary(&mut self, op: Opcode, a: Value, b: Value) -> Value {
        let ins = self.b.ins();
        match op {
            Opcode::Add => ins.iadd(a, b),
            Opcode::Sub => ins.isub(a, b),
            Opcode::Mul => ins.imul(a, b),
            Opcode::And => ins.band(a, b),
            Opcode::Or => ins.bor(a, b),
            Opcode::Xor => ins.bxor(a, b),
            // Cranelift takes shift counts modulo the type's width: the ISA's rule.
            Opcode::Shl => ins.ishl(a, b),
            Opcode::Shr => ins.ushr(a, b),
            _ => ins.sshr(a, b),
        }
    }

    /// `div`, `divu`, `rem`, `remu`: the semantics' traps tested first (a zero
    /// divisor; `MIN / -1` for the signed forms), so the machine division never faults.
    fn emit_division(&mut self, pc: usize, instr: &Instruction) {
        let op = instr.opcode();
        let a = self.read(instr.reg(1), Repr::I64);
        let b = self.read(instr.reg(2), Repr::I64);
        let zero = self.b.ins().icmp_imm_u(IntCC::Equal, b, 0);
        self.trap_if(zero, TrapKind::DivideByZero, pc);
        if matches!(op, Opcode::Div | Opcode::Rem) {
            let min = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
            let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
            let overflow = self.b.ins().band(min, minus_one);
            self.trap_if(overflow, TrapKind::IntegerOverflow, pc);
        }
        let ins = self.b.ins();
        let v = match op {
            Opcode::Div => ins.sdiv(a, b),
            Opcode::Divu => ins.udiv(a, b),
            Opcode::Rem => ins.srem(a, b),
            _ => ins.urem(a, b),
        };
        self.write(instr.reg(0), v, Repr::I64);
    }

    /// `v` with any NaN replaced by the canonical NaN of its width.
    fn canonical(&mut self, v: Value, repr: Repr) -> Value {
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
        let nan = self.canonical_nan(repr);
        self.b.ins().select(is_nan, nan, v)
    }

    fn canonical_nan(&mut self, repr: Repr) -> Value {
        match repr {
            Repr::F32 => self.b.ins().f32const(Ieee32::with_bits(CANONICAL_NAN_F32)),
            _ => self.b.ins().f64const(Ieee64::with_bits(CANONICAL_NAN_F64)),
        }
    }

    fn float_binary(&mut self, op: Opcode, instr: &Instruction, repr: Repr) {
        use Opcode as O;
        let a = self.read(instr.reg(1), repr);
        let b = self.read(instr.reg(2), repr);
        let ins = self.b.ins();
        let v = match op {
            O::Fadd | O::FaddF32 => ins.fadd(a, b),
            O::Fsub | O::FsubF32 => ins.fsub(a, b),
            O::Fmul | O::FmulF32 => ins.fmul(a, b),
            O::Fdiv | O::FdivF32 => ins.fdiv(a, b),
            // NaN if either is NaN, -0 below +0: the ISA's min and max.
            O::Fmin | O::FminF32 => ins.fmin(a, b),
            _ => ins.fmax(a, b),
        };
        self.write(instr.reg(0), v, repr);
    }

    fn float_unary(&mut self, op: Opcode, instr: &Instruction, repr: Repr) {
        use Opcode as O;
        let a = self.read(instr.reg(1), repr);
        let ins = self.b.ins();
        let v = match op {
            O::Fsqrt | O::FsqrtF32 => ins.sqrt(a),
            O::Ffloor | O::FfloorF32 => ins.floor(a),
            O::Fceil | O::FceilF32 => ins.ceil(a),
            O::Ftrunc | O::FtruncF32 => ins.trunc(a),
            // Round to nearest, ties to even.
            _ => ins.nearest(a),
        };
        self.write(instr.reg(0), v, repr);
    }

    // ---------------------------------------------------------------- memory

    /// True if every byte of `base + lo .. base + hi` lies in linear memory, by the rule
    /// of `semantics::effective_address` (no wrap-around): `0 <= base + lo` and
    /// `base + hi <= memory_len`. Memory is shorter than 2^63 bytes, so with `lo >= 0`
    /// that is `base < memory_len - hi + 1` (nothing passes when the right side is not
    /// positive), and with `lo < 0` the wrapped sum `base + lo` lands either in range or
    /// above `2^64 - 2^31`, far past any memory. Returns the "outside" flag.
    fn outside(&mut self, base: Value, lo: i64, hi: i64) -> Value {
        let len = self.b.use_var(self.mem_len.expect("a memory access"));
        let zero = self.b.ins().iconst(types::I64, 0);
        let (start, span) = if lo >= 0 {
            (base, hi)
        } else {
            (self.b.ins().iadd_imm_s(base, lo), hi - lo)
        };
        let room = self.b.ins().iadd_imm_s(len, 1 - span);
        let room = self.b.ins().smax(room, zero);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, start, room)
    }

    /// The host address of an access of `size` bytes at register `base_reg` + `offset`
    /// (returned as a base and an immediate offset), bounds-checked unless its segment
    /// checked it on entry.
    fn address(&mut self, pc: usize, base_reg: u8, offset: i32, size: i64) -> (Value, i32) {
        let base = self.read(base_reg, Repr::I64);
        if !self.f.checked[pc] {
            let outside = self.outside(base, i64::from(offset), i64::from(offset) + size);
            self.trap_if(outside, TrapKind::OutOfBounds, pc);
        }
        let mem = self.b.use_var(self.mem_base.expect("a memory access"));
        (self.b.ins().iadd(mem, base), offset)
    }

    /// One bounds check per base address for the accesses of the segment at `start`:
    /// the span of all the bytes they touch at that address is checked on entry, and
    /// the accesses go unchecked. A base address is an integer expression of the
    /// registers' values on entry (`add`, `addi`, `sub`, `mul`, `muli`, `shli`, `mov`,
    /// immediates), so an address recomputed before every access (`muli r6, r2, 56;
    /// add r6, r0, r6`) is checked once. When a span is not all in memory, some access
    /// of the segment traps (or memory grows first): native code leaves for the
    /// interpreter at the segment's start, which runs it and traps at the exact
    /// instruction.
    fn guard_segment(&mut self, start: usize, end: usize) {
        let mut spans: Vec<(Addr, i64, i64)> = Vec::new();
        let mut known: Vec<Option<Addr>> = (0..self.f.regs)
            .map(|r| Some(Addr::Entry(r as u8)))
            .collect();
        for pc in start..=end {
            let instr = self.f.code[pc];
            if let Some((base, offset, size)) = access(&instr)
                && let Some(addr) = &known[usize::from(base)]
            {
                let (lo, hi) = (offset, offset + size);
                match spans.iter_mut().find(|(a, ..)| a == addr) {
                    Some(span) => {
                        span.1 = span.1.min(lo);
                        span.2 = span.2.max(hi);
                    }
                    None => spans.push((addr.clone(), lo, hi)),
                }
                self.f.checked[pc] = true;
            }
            let value = Addr::of(&instr, &known, self.view.module);
            for access in instr.registers().filter(|a| a.write) {
                known[usize::from(access.reg)] = value.clone();
            }
        }
        for (addr, lo, hi) in spans {
            let base = self.emit_addr(&addr);
            let outside = self.outside(base, lo, hi);
            let leave = self.guard_bail(start);
            let next = self.b.create_block();
            self.b.ins().brif(outside, leave, &[], next, &[]);
            self.b.switch_to_block(next);
        }
    }

    /// The value of `addr` at the top of the segment.
    fn emit_addr(&mut self, addr: &Addr) -> Value {
        match addr {
            Addr::Entry(reg) => self.read(*reg, Repr::I64),
            Addr::Const(bits) => self.b.ins().iconst(types::I64, *bits as i64),
            Addr::Add(x, y) | Addr::Sub(x, y) | Addr::Mul(x, y) => {
                let (x, y) = (self.emit_addr(x), self.emit_addr(y));
                match addr {
                    Addr::Add(..) => self.b.ins().iadd(x, y),
                    Addr::Sub(..) => self.b.ins().isub(x, y),
                    _ => self.b.ins().imul(x, y),
                }
            }
        }
    }

    fn emit_load(&mut self, pc: usize, instr: &Instruction) {
        use Opcode as O;
        let op = instr.opcode();
        let size = match op {
            O::Ld8u | O::Ld8s => 1,
            O::Ld16u | O::Ld16s => 2,
            O::Ld32u | O::Ld32s | O::Fld32 => 4,
            _ => 8,
        };
        let (host, offset) = self.address(pc, instr.reg(1), instr.word(2) as i32, size);
        let ins = self.b.ins();
        let (v, repr) = match op {
            O::Ld64 => (ins.load(types::I64, heap(), host, offset), Repr::I64),
            O::Fld64 => (ins.load(types::F64, heap(), host, offset), Repr::F64),
            O::Fld32 => (ins.load(types::F32, heap(), host, offset), Repr::F32),
            O::Ld8u => (ins.uload8(types::I64, heap(), host, offset), Repr::I64),
            O::Ld8s => (ins.sload8(types::I64, heap(), host, offset), Repr::I64),
            O::Ld16u => (ins.uload16(types::I64, heap(), host, offset), Repr::I64),
            O::Ld16s => (ins.sload16(types::I64, heap(), host, offset), Repr::I64),
            O::Ld32u => (ins.uload32(heap(), host, offset), Repr::I64),
            _ => (ins.sload32(heap(), host, offset), Repr::I64),
        };
        self.write(instr.reg(0), v, repr);
    }

    fn emit_store(&mut self, pc: usize, instr: &Instruction) {
        use Opcode as O;
        let op = instr.opcode();
        let size = match op {
            O::St8 => 1,
            O::St16 => 2,
            O::St32 | O::Fst32 => 4,
            _ => 8,
        };
        let (host, offset) = self.address(pc, instr.reg(0), instr.word(1) as i32, size);
        let value = instr.reg(2);
        match op {
            O::Fst64 => {
                let v = self.read_in(value, Repr::F64);
                self.b.ins().store(heap(), v, host, offset);
            }
            O::Fst32 => {
                let v = self.read_in(value, Repr::F32);
                self.b.ins().store(heap(), v, host, offset);
            }
            O::St64 => {
                let v = self.read(value, Repr::I64);
                self.b.ins().store(heap(), v, host, offset);
            }
            O::St8 => {
                let v = self.read(value, Repr::I64);
                self.b.ins().istore8(heap(), v, host, offset);
            }
            O::St16 => {
                let v = self.read(value, Repr::I64);
                self.b.ins().istore16(heap(), v, host, offset);
            }
            _ => {
                let v = self.read(value, Repr::I64);
                self.b.ins().istore32(heap(), v, host, offset);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /// Calls a trap-code helper with the context and `args` (`i64` each); its `i32`
    /// result.
    fn call_helper(&mut self, address: usize, args: &[Value]) -> Value {
        let sig = match args.len() {
            1 => self.sigs.one,
            2 => self.sigs.two,
            _ => self.sigs.three,
        };
        let callee = self.helper_address(address);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.ctx);
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, callee, &all);
        self.b.inst_results(call)[0]
    }

    /// Calls a helper that charges its instruction's work (`alloc`, `mcopy`, `mfill`,
    /// tensor instructions) at `pc`. With fuel metered, the fuel goes to the context
    /// for it and comes back; when the helper says the fuel cannot pay
    /// ([`FUEL_SHORT`]), native code leaves for the interpreter at `pc`, uncharged,
    /// which traps `out_of_fuel` there. Returns the helper's code otherwise.
    fn call_working_helper(&mut self, address: usize, args: &[Value], pc: usize) -> Value {
        self.store_fuel();
        let code = self.call_helper(address, args);
        let Some(fuel) = self.fuel else {
            return code;
        };
        self.reload_fuel();
        let short = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, code, i64::from(FUEL_SHORT as i32));
        let leave = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(leave);
        self.b.ins().brif(short, leave, &[], next, &[]);
        self.b.switch_to_block(leave);
        // Uncharged at `pc`: the rest of the run and the instruction's own unit back.
        let charged = self.b.use_var(fuel);
        let refund = i64::from(self.f.facts.runs.refund(pc)) + 1;
        let uncharged = self.b.ins().iadd_imm_s(charged, refund);
        self.b.def_var(fuel, uncharged);
        let live = self.f.facts.live_at(pc);
        let states = self.f.state.clone();
        self.leave_exited(pc, &live, &states, false);
        self.b.switch_to_block(next);
        code
    }

    fn emit_hcall(&mut self, pc: usize, instr: &Instruction) {
        // The host function reads its arguments from the frame.
        let first = instr.reg(2);
        let count = instr.word(3);
        let frame = self.frame_ptr();
        for i in 0..count {
            self.store_now(first + i as u8, frame);
        }
        let import = self.b.ins().iconst(types::I64, i64::from(instr.word(1)));
        let args = self.b.ins().iadd_imm_s(self.f.fp, i64::from(first) * 8);
        let code = self.call_helper(self.view.helpers.hcall as usize, &[import, args]);
        self.trap_on_code(code, pc);
        let result = self.ctx_load(offsets::RET);
        self.write(instr.reg(0), result, Repr::I64);
        self.reload_memory();
    }

    fn emit_tensor(&mut self, pc: usize, instr: &Instruction) {
        let reads: Vec<u8> = instr
            .registers()
            .filter(|a| !a.write)
            .map(|a| a.reg)
            .collect();
        let frame = self.frame_ptr();
        for reg in reads {
            self.store_now(reg, frame);
        }
        let index = self
            .b
            .ins()
            .iconst(types::I64, i64::from(self.f.global_entry) + pc as i64);
        let regs = self.b.ins().iconst(types::I64, i64::from(self.f.regs));
        let code = self.call_working_helper(
            self.view.helpers.tensor as usize,
            &[index, self.f.fp, regs],
            pc,
        );
        self.trap_on_code(code, pc);
        let writes: Vec<u8> = instr
            .registers()
            .filter(|a| a.write)
            .map(|a| a.reg)
            .collect();
        for reg in writes {
            self.load_from_frame(reg, frame);
        }
        self.reload_memory();
    }

    /// The checks of a call from the current function at `pc` to `callee`, as the
    /// interpreter makes them (the call-depth limit, then the register-stack limit,
    /// growing the stack when it has room to), and the callee's frame offset.
    fn enter_callee(&mut self, pc: usize, callee: u32) -> Value {
        let callee_regs = u64::from(self.view.module.functions[callee as usize].regs);
        let too_deep = self.b.ins().icmp_imm_u(
            IntCC::UnsignedGreaterThanOrEqual,
            self.f.depth,
            i64::from(self.view.max_call_depth),
        );
        self.trap_if(too_deep, TrapKind::CallDepth, pc);

        let callee_fp = self
            .b
            .ins()
            .iadd_imm_s(self.f.fp, i64::from(self.f.regs) * 8);
        let needed = self.b.ins().iadd_imm_s(callee_fp, (callee_regs * 8) as i64);
        let stack_len = self.ctx_load(offsets::STACK_LEN);
        let short = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, needed, stack_len);
        let grow = self.b.create_block();
        let grown = self.b.create_block();
        self.b.set_cold_block(grow);
        self.b.ins().brif(short, grow, &[], grown, &[]);
        self.b.switch_to_block(grow);
        let code = self.call_helper(self.view.helpers.grow_stack as usize, &[needed]);
        self.trap_on_code(code, pc);
        self.b.ins().jump(grown, &[]);
        self.b.switch_to_block(grown);
        callee_fp
    }

    /// True if the call at `pc` of the current function is translated inline: a call
    /// of the physical function (not of an inlined callee) to a short callee.
    fn inlines(&self, pc: usize) -> bool {
        let callee = self.f.code[pc].word(1);
        self.callers.is_empty()
            && self.all_facts[callee as usize]
                .as_ref()
                .is_some_and(|facts| inlinable(self.view.module, facts, callee))
    }

    /// `call rD, func, rFirst, n` with the callee's code translated here: the same
    /// checks and fuel charges, the callee's registers in variables of their own, its
    /// traps reported in its own name, and its exits to the interpreter recording this
    /// caller's frame (see [`Translator::record_callers`]). The callee's `ret`
    /// continues here with its value in rD.
    fn emit_inline_call(&mut self, pc: usize) {
        let instr = self.f.code[pc];
        let dst = instr.reg(0);
        let callee = instr.word(1);
        let first = instr.reg(2);
        let count = instr.word(3) as usize;
        let callee_fp = self.enter_callee(pc, callee);
        let args: Vec<Value> = (0..count)
            .map(|i| self.read(first + i as u8, Repr::I64))
            .collect();
        let depth = self.b.ins().iadd_imm_s(self.f.depth, 1);
        let resume = self.b.create_block();
        self.b.append_block_param(resume, types::I64);

        let facts = self.all_facts[callee as usize]
            .as_ref()
            .expect("an inlinable callee has facts");
        let mut frame = Frame::new(&mut self.b, self.view, facts, callee, Entry::Start);
        frame.fp = callee_fp;
        frame.depth = depth;
        let leaders = frame.reachable_blocks(&mut self.b, 0);
        let site = InlineSite {
            call_pc: pc,
            dst,
            resume,
            state: self.f.state.clone(),
        };
        let caller = std::mem::replace(&mut self.f, frame);
        self.callers.push((caller, site));

        // The callee's parameters are the arguments; its other registers start at 0.
        self.f.result_state = Nan::Kept;
        for reg in self.f.facts.live_at(0).iter() {
            if u32::from(reg) < self.f.params {
                self.write(reg, args[usize::from(reg)], Repr::I64);
            } else {
                let zero = self.constant(reg, 0);
                self.define_bits(reg, zero);
            }
        }
        // The callee's entry is a check point.
        let go = self.edge(0);
        self.poll_interrupt(0, go);
        for leader in leaders {
            self.emit_segment(leader);
        }
        self.emit_interrupted();
        self.emit_charges();
        self.emit_bails();

        let (caller, _) = self.callers.pop().expect("pushed above");
        self.f = caller;
        self.b.switch_to_block(resume);
        let value = self.b.block_params(resume)[0];
        self.f.result_state = Nan::Kept;
        self.write(dst, value, Repr::I64);
    }

    /// When native code leaves for the interpreter from a callee translated inline,
    /// records each caller it is inlined into, innermost first, as a native caller
    /// does after its callee exits: the caller's registers live after the call are
    /// stored to its frame, and its frame goes to `Helpers::push_frame`.
    fn record_callers(&mut self) {
        for index in (0..self.callers.len()).rev() {
            std::mem::swap(&mut self.f, &mut self.callers[index].0);
            let (call_pc, dst) = {
                let site = &self.callers[index].1;
                (site.call_pc, site.dst)
            };
            let saved = std::mem::replace(&mut self.f.state, self.callers[index].1.state.clone());
            self.record_frame(call_pc, dst);
            self.f.state = saved;
            std::mem::swap(&mut self.f, &mut self.callers[index].0);
        }
    }

    /// Stores the current function's registers live after its call at `call_pc` (but
    /// `dst`, which the call's return writes) and records its frame for the interpreter.
    fn record_frame(&mut self, call_pc: usize, dst: u8) {
        let frame = self.frame_ptr();
        let mut live = self.f.facts.live_at(call_pc + 1);
        live.remove(dst);
        for reg in live.iter() {
            self.store_now(reg, frame);
        }
        let helper = self.helper_address(self.view.helpers.push_frame as usize);
        let func = self.b.ins().iconst(types::I32, i64::from(self.f.func));
        let resume = self.b.ins().iconst(types::I32, call_pc as i64 + 1);
        let dst_value = self.b.ins().iconst(types::I32, i64::from(dst));
        self.b.ins().call_indirect(
            self.sigs.push_frame,
            helper,
            &[self.ctx, func, resume, dst_value, self.f.fp],
        );
    }

    /// `call rD, func, rFirst, n`: the depth and register-stack limits as the
    /// interpreter checks them, then the callee's native code (or the VM's `call`
    /// helper), then the status: a trap or halt goes up as it is; an exit to the
    /// interpreter stores this frame and records it for the interpreter first.
    fn emit_call(&mut self, pc: usize) {
        let instr = self.f.code[pc];
        let dst = instr.reg(0);
        let callee = instr.word(1);
        let first = instr.reg(2);
        let count = instr.word(3) as usize;
        let callee_fp = self.enter_callee(pc, callee);

        let args: Vec<Value> = (0..count)
            .map(|i| self.read(first + i as u8, Repr::I64))
            .collect();
        // Arguments past the fourth travel in the callee's frame on every path.
        if count > REGISTER_ARGS {
            let frame = self.frame_ptr();
            for (i, &arg) in args.iter().enumerate().skip(REGISTER_ARGS) {
                let offset = (i64::from(self.f.regs) + i as i64) * 8;
                self.b.ins().store(trusted(), arg, frame, offset as i32);
            }
        }
        let depth = self.b.ins().iadd_imm_s(self.f.depth, 1);
        self.store_fuel();

        let join = self.b.create_block();
        self.b.append_block_param(join, types::I64);
        self.b.append_block_param(join, types::I64);
        let mut native_args = vec![self.ctx, callee_fp, depth];
        native_args.extend(args.iter().take(REGISTER_ARGS));
        let native_sig = self.native_sig(native_args.len() - 3);
        if let (Some(own), true) = (self.self_ref, callee == self.physical) {
            let call = self.b.ins().call(own, &native_args);
            let results = self.b.inst_results(call).to_vec();
            self.b.ins().jump(
                join,
                &[BlockArg::Value(results[0]), BlockArg::Value(results[1])],
            );
        } else {
            let table = self.ctx_load(offsets::CODE_TABLE);
            let code = self.b.ins().load(
                types::I64,
                trusted(),
                table,
                (callee as usize * size_of::<usize>()) as i32,
            );
            let native = self.b.create_block();
            let interpreted = self.b.create_block();
            self.b.set_cold_block(interpreted);
            self.b.ins().brif(code, native, &[], interpreted, &[]);

            self.b.switch_to_block(native);
            let call = self.b.ins().call_indirect(native_sig, code, &native_args);
            let results = self.b.inst_results(call).to_vec();
            self.b.ins().jump(
                join,
                &[BlockArg::Value(results[0]), BlockArg::Value(results[1])],
            );

            // No native code yet: the arguments go to the frame, the VM runs the call.
            self.b.switch_to_block(interpreted);
            let frame = self.frame_ptr();
            for (i, &arg) in args.iter().enumerate().take(REGISTER_ARGS) {
                let offset = (i64::from(self.f.regs) + i as i64) * 8;
                self.b.ins().store(trusted(), arg, frame, offset as i32);
            }
            let helper = self.helper_address(self.view.helpers.call as usize);
            let func = self.b.ins().iconst(types::I32, i64::from(callee));
            let call = self.b.ins().call_indirect(
                self.sigs.call,
                helper,
                &[self.ctx, func, callee_fp, depth],
            );
            let status = self.b.inst_results(call)[0];
            let status = self.b.ins().uextend(types::I64, status);
            let value = self.ctx_load(offsets::RET);
            self.b
                .ins()
                .jump(join, &[BlockArg::Value(value), BlockArg::Value(status)]);
        }

        self.b.switch_to_block(join);
        let value = self.b.block_params(join)[0];
        let status = self.b.block_params(join)[1];
        let failed = self.b.create_block();
        let returned = self.b.create_block();
        self.b.set_cold_block(failed);
        self.b.ins().brif(status, failed, &[], returned, &[]);

        // A trap or halt goes up unchanged (the callee filled the record and stored
        // the fuel); an exit records this frame for the interpreter first.
        self.b.switch_to_block(failed);
        let exited = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, status, Status::Exited as i64);
        let record = self.b.create_block();
        let pass = self.b.create_block();
        self.b.set_cold_block(record);
        self.b.set_cold_block(pass);
        self.b.ins().brif(exited, record, &[], pass, &[]);
        self.b.switch_to_block(pass);
        self.b.ins().return_(&[value, status]);
        self.b.switch_to_block(record);
        self.record_frame(pc, dst);
        self.record_callers();
        self.b.ins().return_(&[value, status]);

        self.b.switch_to_block(returned);
        self.write(dst, value, Repr::I64);
        self.reload_memory();
        self.reload_fuel();
    }
}

/// Operand kinds a translated instruction may carry; anything else is refused before
/// translation.
pub(crate) fn translatable(op: Opcode) -> bool {
    !matches!(op.family(), adead_isa::Family::Gpu | adead_isa::Family::Vk)
        && op.operands().iter().all(|k| *k != OperandKind::Shader)
}

/// The base register, offset and size of a load or store.
fn access(instr: &Instruction) -> Option<(u8, i64, i64)> {
    use Opcode as O;
    let op = instr.opcode();
    let size = match op {
        O::Ld8u | O::Ld8s | O::St8 => 1,
        O::Ld16u | O::Ld16s | O::St16 => 2,
        O::Ld32u | O::Ld32s | O::Fld32 | O::St32 | O::Fst32 => 4,
        O::Ld64 | O::Fld64 | O::St64 | O::Fst64 => 8,
        _ => return None,
    };
    let (base, offset) = if matches!(
        op,
        O::St8 | O::St16 | O::St32 | O::St64 | O::Fst32 | O::Fst64
    ) {
        (instr.reg(0), instr.word(1))
    } else {
        (instr.reg(1), instr.word(2))
    };
    Some((base, i64::from(offset as i32), size))
}

/// An integer value as an expression of the registers at the top of a segment: how
/// bounds checks find the accesses that share a base address.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Addr {
    Entry(u8),
    Const(u64),
    Add(Box<Addr>, Box<Addr>),
    Sub(Box<Addr>, Box<Addr>),
    Mul(Box<Addr>, Box<Addr>),
}

impl Addr {
    /// Expressions deeper than this are not followed (they are rare in addressing, and
    /// a check per access is the right answer for them).
    const MAX_DEPTH: usize = 6;

    fn depth(&self) -> usize {
        match self {
            Addr::Entry(_) | Addr::Const(_) => 1,
            Addr::Add(x, y) | Addr::Sub(x, y) | Addr::Mul(x, y) => 1 + x.depth().max(y.depth()),
        }
    }

    /// The value `instr` writes, as an expression of `known` values, if it is one of
    /// the wrapping integer operations followed (`semantics::add`, `sub`, `mul`, their
    /// immediate forms, `shli` as a multiplication by a power of two, moves and
    /// immediates).
    fn of(instr: &Instruction, known: &[Option<Addr>], module: &adead_isa::Module) -> Option<Addr> {
        use Opcode as O;
        let reg = |i: usize| known[usize::from(instr.reg(i))].clone();
        let imm = || Addr::Const(i64::from(instr.word(2) as i32) as u64);
        let both = |make: fn(Box<Addr>, Box<Addr>) -> Addr, x: Option<Addr>, y: Option<Addr>| {
            Some(make(Box::new(x?), Box::new(y?)))
        };
        let value = match instr.opcode() {
            O::Mov => reg(1),
            O::Movi => Some(Addr::Const(instr.wide(1))),
            O::MoviData => Some(Addr::Const(u64::from(
                module.data[instr.word(1) as usize].offset,
            ))),
            O::Add => both(Addr::Add, reg(1), reg(2)),
            O::Sub => both(Addr::Sub, reg(1), reg(2)),
            O::Mul => both(Addr::Mul, reg(1), reg(2)),
            O::Addi => both(Addr::Add, reg(1), Some(imm())),
            O::Muli => both(Addr::Mul, reg(1), Some(imm())),
            O::Shli => both(
                Addr::Mul,
                reg(1),
                Some(Addr::Const(1u64 << (instr.word(2) & 63))),
            ),
            _ => None,
        }?;
        (value.depth() <= Addr::MAX_DEPTH).then_some(value)
    }
}

/// True for the instructions without side effects or traps, safe to compute on a path
/// that does not take them.
fn pure(op: Opcode) -> bool {
    use Opcode as O;
    !op.flags().can_trap
        && !op.flags().ends_block
        && !op.is_branch()
        && !matches!(
            op.family(),
            adead_isa::Family::Memory | adead_isa::Family::Tensor
        )
        && !matches!(op, O::Call | O::Hcall | O::Nop)
        && !matches!(op.family(), adead_isa::Family::Gpu | adead_isa::Family::Vk)
}
