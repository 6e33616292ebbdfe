//! The in-memory form of a `.bib` module. `format` reads and writes it byte for byte;
//! `verify` checks what the structure alone cannot.

use crate::instr::Instruction;

/// Linear memory size a module gets when its source does not say (`.memory`).
pub const DEFAULT_MEMORY_SIZE: u32 = 65536;

/// Most registers a function frame may have.
pub const MAX_REGISTERS: u32 = 256;

/// A whole program: code, its functions, what it imports and exports, its initial
/// memory, its shaders and its line table.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    /// Initial size of linear memory in bytes; data segments lie inside it.
    pub memory_size: u32,
    /// Index of the function `adead-vm run` starts, if the module has one.
    pub entry: Option<u32>,
    /// The code of every function, function after function.
    pub code: Vec<Instruction>,
    /// Functions in code order; together they cover `code` exactly.
    pub functions: Vec<Function>,
    /// Host functions the module calls with `hcall`.
    pub imports: Vec<Import>,
    /// Functions the host may call by name.
    pub exports: Vec<Export>,
    /// Initial contents of linear memory, by symbol, in address order.
    pub data: Vec<DataSegment>,
    /// Compute shaders for the `VK_` opcodes.
    pub shaders: Vec<Shader>,
    /// Source line per instruction, for trap messages.
    pub debug: DebugInfo,
}

/// One function: a run of instructions in `Module::code` and its frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Unique name.
    pub name: String,
    /// Index of its first instruction in `Module::code`.
    pub entry: u32,
    /// Number of instructions (at least one).
    pub len: u32,
    /// Registers in its frame, 1..=256.
    pub regs: u32,
    /// Parameters, passed in r0..r(params-1); at most `regs`.
    pub params: u32,
}

impl Function {
    /// The function's instructions.
    ///
    /// # Panics
    ///
    /// If the function does not lie inside `module.code`, which a verified module rules
    /// out; use [`Function::try_code`] for a module that may be broken.
    pub fn code<'m>(&self, module: &'m Module) -> &'m [Instruction] {
        self.try_code(module)
            .expect("the function lies outside the module's code")
    }

    /// The function's instructions, or `None` if `entry..entry + len` does not lie
    /// inside `module.code` (or overflows).
    pub fn try_code<'m>(&self, module: &'m Module) -> Option<&'m [Instruction]> {
        let start = self.entry as usize;
        let end = start.checked_add(self.len as usize)?;
        module.code.get(start..end)
    }
}

/// A host function the module needs, by name and parameter count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// Name the host registers the function under.
    pub name: String,
    /// Number of arguments every `hcall` of it passes.
    pub params: u32,
}

/// A function made callable by the host under a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// Name the host calls.
    pub name: String,
    /// Index into `Module::functions`.
    pub func: u32,
}

/// Initial bytes of linear memory at an address, named by a data symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment {
    /// Symbol name (`@name` in assembly).
    pub name: String,
    /// Address in linear memory.
    pub offset: u32,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Source of a compute shader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShaderSource {
    /// WGSL text.
    Wgsl(String),
    /// SPIR-V words.
    SpirV(Vec<u32>),
}

/// A named compute shader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shader {
    /// Name used by `vk.compute`.
    pub name: String,
    /// Its source.
    pub source: ShaderSource,
}

/// Where instructions came from.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DebugInfo {
    /// Name of the source file (may be empty).
    pub source: String,
    /// Line-table rows in increasing `pc` order; a row holds until the next one.
    pub lines: Vec<LineEntry>,
}

/// From instruction `pc` (an index into `Module::code`) on, code comes from `line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineEntry {
    /// Index into `Module::code`.
    pub pc: u32,
    /// 1-based source line.
    pub line: u32,
}

impl DebugInfo {
    /// The source line of the instruction at `pc` (index into `Module::code`).
    pub fn line_of(&self, pc: u32) -> Option<u32> {
        let after = self.lines.partition_point(|row| row.pc <= pc);
        after.checked_sub(1).map(|i| self.lines[i].line)
    }
}

impl Module {
    /// An empty module with the default memory size.
    pub fn new() -> Module {
        Module {
            memory_size: DEFAULT_MEMORY_SIZE,
            ..Module::default()
        }
    }

    /// Index of the function called `name`.
    pub fn function_index(&self, name: &str) -> Option<u32> {
        self.functions
            .iter()
            .position(|f| f.name == name)
            .map(|i| i as u32)
    }

    /// The function exported as `name`.
    pub fn export(&self, name: &str) -> Option<u32> {
        self.exports.iter().find(|e| e.name == name).map(|e| e.func)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_uses_the_last_row_at_or_before_pc() {
        let debug = DebugInfo {
            source: "x.asm".into(),
            lines: vec![LineEntry { pc: 0, line: 3 }, LineEntry { pc: 4, line: 9 }],
        };
        assert_eq!(debug.line_of(0), Some(3));
        assert_eq!(debug.line_of(3), Some(3));
        assert_eq!(debug.line_of(4), Some(9));
        assert_eq!(debug.line_of(100), Some(9));
        assert_eq!(DebugInfo::default().line_of(0), None);
    }
}
