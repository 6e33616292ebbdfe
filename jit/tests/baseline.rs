//! The baseline tier alone, without a VM: calls between its functions, fuel.

use adead_jit::{BaselineCompiler, ExitRecord, Helpers, Options, Status, VmContext};

/// Says the register stack grew (it is large enough already).
unsafe extern "C" fn grown(_: *mut VmContext, _: u64) -> u32 {
    0
}

fn options(metered: bool, grow_stack: unsafe extern "C" fn(*mut VmContext, u64) -> u32) -> Options {
    Options {
        metered,
        max_call_depth: 1000,
        helpers: Helpers {
            grow_stack,
            ..Helpers::standalone()
        },
        max_function_len: 10_000,
        verify_ir: false,
        disassemble: false,
        count_executions: false,
        interruptible: true,
    }
}

/// Runs function 0 of `source` natively with `fuel`, the register stack said to be
/// `stack_len` bytes long; its status, value and fuel left.
fn run(source: &str, fuel: u64, stack_len: u64) -> (Option<Status>, u64, u64) {
    let module = adead_asm::assemble(source, "test.asm").unwrap();
    let mut compiler = BaselineCompiler::new(options(true, grown)).unwrap();
    let all: Vec<(u32, Option<&adead_jit::HotCounters>)> = (0..module.functions.len() as u32)
        .map(|f| (f, None))
        .collect();
    let table: Vec<usize> = compiler
        .compile_batch(&module, &all)
        .into_iter()
        .map(|c| c.unwrap().versions.start as usize)
        .collect();
    let mut stack = vec![0u64; 1024];
    let no_stop = std::sync::atomic::AtomicU32::new(0);
    let mut ctx = VmContext {
        memory_base: std::ptr::null_mut(),
        memory_len: 0,
        stack_base: stack.as_mut_ptr(),
        stack_len,
        native_stack_limit: 0,
        code_table: table.as_ptr(),
        fuel,
        ret: 0,
        exit: ExitRecord::default(),
        execution_counts: std::ptr::null_mut(),
        vm: std::ptr::null_mut(),
        interrupt: &no_stop,
    };
    // SAFETY: the context, the frame and the code belong together.
    let status =
        unsafe { (compiler.trampolines()[0])(&mut ctx, 0, 1, table[0] as *const u8, 0, 0, 0, 0) };
    (Status::from_code(status), ctx.ret, ctx.fuel)
}

#[test]
fn a_call_charges_the_caller_and_the_callee() {
    let source = ".func main params=0 regs=3\n movi r0, 1\n call r1, leaf, r0, 1\n ret r1\n.end\n\
                  .func leaf params=1 regs=2\n addi r1, r0, 1\n addi r1, r1, 1\n addi r1, r1, 1\n ret r1\n.end\n";
    // 2 + 4 + 1 instructions; a small register stack makes the call grow it first,
    // which must not lose the caller's charge.
    for stack_len in [8 * 1024, 24] {
        assert_eq!(run(source, 100, stack_len), (Some(Status::Returned), 4, 93));
    }
}
