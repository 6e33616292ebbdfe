//! Compiles one function of a listing with the baseline tier many times, for profiling
//! the compiler: `cargo run --release -p adead-jit --example baseline_compile -- FILE
//! FUNC TIMES`.

use adead_jit::{BaselineCompiler, Helpers, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, func, times] = &args[..] else {
        return Err("usage: baseline_compile FILE FUNC TIMES".into());
    };
    let source = std::fs::read_to_string(file)?;
    let module = adead_asm::assemble(&source, file).map_err(|_| "does not assemble")?;
    let func = module
        .functions
        .iter()
        .position(|f| &f.name == func)
        .ok_or("no such function")? as u32;
    let options = Options {
        metered: false,
        max_call_depth: 100_000,
        helpers: Helpers::standalone(),
        max_function_len: 50_000,
        verify_ir: false,
        disassemble: false,
        count_executions: false,
        interruptible: false,
    };
    let mut compiler = BaselineCompiler::new(options)?;
    let times: u32 = times.parse()?;
    let started = std::time::Instant::now();
    for _ in 0..times {
        compiler.compile(&module, func, None)?;
    }
    let elapsed = started.elapsed();
    let instructions = u64::from(module.functions[func as usize].len) * u64::from(times);
    println!(
        "{times} compilations in {elapsed:.2?}: {:.2} µs each, {:.1} million instructions per second",
        elapsed.as_secs_f64() * 1e6 / f64::from(times),
        instructions as f64 / elapsed.as_secs_f64() / 1e6
    );
    Ok(())
}
