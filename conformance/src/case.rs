//! A conformance case as data: its assembly, how to run it, and what must come out.
//!
//! Cases come from `.case` files ([`crate::parse`]) or are generated ([`crate::sweep`]);
//! either way the runner sees only this type, so both go through the same tiers and the
//! same comparisons.

use std::fmt;

/// One program with its inputs, limits and expectations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Name, unique within its file.
    pub name: String,
    /// Where it comes from: a case file's path, or a generator's name.
    pub file: String,
    /// Line of its `;! case` directive (1-based; 0 for generated cases).
    pub line: usize,
    /// The assembly. For a case from a file, the lines before the case are blank, so the
    /// assembler's diagnostics and the trap's debug line name the file's own lines.
    pub source: String,
    /// Integer arguments of the entry function.
    pub args: Vec<i64>,
    /// Engine limits the case runs under.
    pub limits: Limits,
    /// Everything that must hold after the run, in file order.
    pub expectations: Vec<Expectation>,
}

/// Engine limits a case may set; `None` keeps the runner's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `;! fuel-limit N`: the instruction budget.
    pub fuel: Option<u64>,
    /// `;! max-memory N`: most bytes linear memory may grow to.
    pub max_memory: Option<u64>,
    /// `;! max-call-depth N`: most nested calls, the host's call to the entry included.
    pub max_call_depth: Option<u32>,
    /// `;! max-stack-registers N`: most registers all live frames may hold together.
    pub max_stack_registers: Option<u64>,
    /// `;! max-tensor-bytes N`: most bytes all live tensors may hold together.
    pub max_tensor_bytes: Option<u64>,
    /// `;! max-tensors N`: most tensors live at once.
    pub max_tensors: Option<u64>,
}

/// One expectation and the line that states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// Source line of the directive (for generated cases, 0).
    pub line: usize,
    /// What must hold.
    pub expect: Expect,
}

/// What must hold after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `;! result N`: the entry function returned these 64 bits.
    Result(u64),
    /// `;! halt N`: the program halted with this exit code.
    Halt(u64),
    /// `;! trap KIND at FUNC:PC`: the run trapped there.
    Trap(ExpectedTrap),
    /// `;! stdout TEXT` lines (or `;! stdout-none`): the whole output, line by line.
    Stdout(Vec<ExpectedLine>),
    /// `;! fuel N`: exact instructions executed (for `out_of_fuel`, the budget).
    Fuel(u64),
    /// `;! mem ADDR HEXBYTES`: these bytes at this address after the run.
    Memory {
        /// First address.
        addr: u64,
        /// Expected bytes.
        bytes: Vec<u8>,
    },
    /// `;! memhash ADDR LEN fnv1a64 0x...`: the FNV-1a 64 hash of a memory range.
    MemoryHash {
        /// First address.
        addr: u64,
        /// Length of the range in bytes.
        len: u64,
        /// Expected hash.
        hash: u64,
    },
}

/// An expected trap: its kind id, the `user` code if stated, and its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedTrap {
    /// `TrapKind::id` of the kind (`divide_by_zero`, `user`, ...).
    pub kind: String,
    /// For `user(N)`: the code `N`; `None` accepts any code.
    pub code: Option<i32>,
    /// Name of the function running the trapping instruction.
    pub function: String,
    /// Index of the trapping instruction in that function.
    pub pc: u32,
}

/// One expected line of standard output (without its `\n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedLine {
    /// Source line of its `;! stdout` directive.
    pub line: usize,
    /// The text.
    pub text: String,
    /// What produced it, for failure messages of generated cases (operands of a sweep
    /// check); `None` for case files, whose line number says enough.
    pub context: Option<String>,
}

impl Expect {
    /// How many assertions the expectation makes: one per stdout line (one for
    /// `stdout-none`), one for anything else.
    pub fn assertions(&self) -> usize {
        match self {
            Expect::Stdout(lines) => lines.len().max(1),
            _ => 1,
        }
    }

    /// True for the expectations that say how the run ended.
    pub fn is_outcome(&self) -> bool {
        matches!(self, Expect::Result(_) | Expect::Halt(_) | Expect::Trap(_))
    }
}

impl Case {
    /// Assertions the case makes in total.
    pub fn assertions(&self) -> usize {
        self.expectations
            .iter()
            .map(|e| e.expect.assertions())
            .sum()
    }
}

impl fmt::Display for ExpectedTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "{}({code})", self.kind)?,
            None => f.write_str(&self.kind)?,
        }
        write!(f, " at {}:{}", self.function, self.pc)
    }
}
