//! The fuzz targets as `cargo test` runs them: each for a fixed number of executions
//! from a fixed seed (a few seconds each, unoptimised, on two cores), with no failure
//! allowed; and proof that the harness catches what it is built to catch: a reader
//! that panics, one that over-allocates and one that accepts what it cannot write
//! back, a difference between two runs, a reproducer that replays.

use std::io::Write;

use adead_fuzz::targets::execution::Execution;
use adead_fuzz::targets::reader::Reader;
use adead_fuzz::{Options, Report, TargetName, driver};
use adead_isa::Module;
use adead_isa::format::{self, FormatError, FormatErrorKind};

/// The reader target measures allocations: this test binary counts them as
/// `adead-fuzz` does.
#[global_allocator]
static ALLOC: adead_fuzz::alloc::Counting = adead_fuzz::alloc::Counting;

/// Prints past the test harness's output capture, so the counts appear in every run.
fn show(report: &Report) {
    let mut stdout = std::io::stdout().lock();
    // Losing a line of the report is no reason to fail the test.
    let _ = write!(stdout, "{report}");
}

/// Runs `target` for `iterations` from `seed` and demands no failure.
fn fuzz(target: TargetName, seed: u64, iterations: u64) -> Report {
    let report = target.run(&Options::iterations(seed, iterations));
    show(&report);
    assert!(report.failure.is_none(), "{report}");
    assert_eq!(report.executions, iterations);
    report
}

// The seeds are 300-odd modules and listings (examples and conformance cases); the
// iterations go past them into mutated inputs.

#[test]
fn reader() {
    let report = fuzz(TargetName::Reader, 0xF022_0001, 8000);
    assert!(report.tallies.get("accepted").copied().unwrap_or(0) > report.seeds as u64);
    assert!(report.tallies.get("rejected").copied().unwrap_or(0) > 1000);
}

#[test]
fn onnx() {
    let report = fuzz(TargetName::Onnx, 0xF022_0007, 1500);
    for what in ["imported", "refused"] {
        assert!(
            report.tallies.get(what).copied().unwrap_or(0) > 0,
            "no model {what}"
        );
    }
}

#[test]
fn verifier() {
    let report = fuzz(TargetName::Verifier, 0xF022_0002, 500);
    for what in ["verified", "rejected", "trapped", "returned"] {
        assert!(
            report.tallies.get(what).copied().unwrap_or(0) > 0,
            "no input {what}"
        );
    }
}

#[test]
fn assembler() {
    let report = fuzz(TargetName::Assembler, 0xF022_0003, 500);
    for what in ["accepted", "rejected"] {
        assert!(
            report.tallies.get(what).copied().unwrap_or(0) > 0,
            "no listing {what}"
        );
    }
}

#[test]
fn execution() {
    let report = fuzz(TargetName::Execution, 0xF022_0004, 40);
    for what in ["ended", "trapped"] {
        assert!(
            report.tallies.get(what).copied().unwrap_or(0) > 0,
            "no program {what}"
        );
    }
    // Every program ran on every path this CPU has, 1 and 2 threads, interp, baseline
    // and opt.
    let setups = Execution::new().setups(&Default::default());
    assert_eq!(setups.len(), adead_kernels::Isa::available().len() * 6);
}

#[test]
fn a_run_is_repeated_exactly_by_its_seed() {
    let run = || {
        let report = TargetName::Reader.run(&Options::iterations(0xF022_0005, 1500));
        (
            report.executions,
            report.corpus,
            report.features,
            report.tallies,
        )
    };
    assert_eq!(run(), run());
}

// Planted bugs: each reader below is `format::read` with one mistake a reader could
// make; the target must find it from the ordinary seeds within a short run, stop, and
// leave a reproducer that fails again on replay (and passes with the real reader).

/// The imports section's body, when the section table places it inside the file.
fn imports_section(bytes: &[u8]) -> Option<&[u8]> {
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    };
    // Imports are the fourth section: table entry 3 at 16 + 3 * 12.
    let offset = word(16 + 36 + 4)? as usize;
    let length = word(16 + 36 + 8)? as usize;
    bytes.get(offset..offset.checked_add(length)?)
}

/// The import count at the start of the imports section.
fn import_count(body: &[u8]) -> Option<u32> {
    let word = body.get(..4)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}

/// Indexes the last byte of the claimed imports before checking the count.
fn panics_on_a_large_count(bytes: &[u8]) -> Result<Module, FormatError> {
    if let Some(body) = imports_section(bytes)
        && let Some(count) = import_count(body)
        && count > 0
    {
        // A count the section cannot hold indexes past it: eight bytes per import.
        let last = (count as usize).saturating_mul(8) - 1;
        std::hint::black_box(body[last]);
    }
    format::read(bytes)
}

/// Reserves room for the claimed imports before checking the count.
fn trusts_the_count(bytes: &[u8]) -> Result<Module, FormatError> {
    if let Some(count) = imports_section(bytes).and_then(import_count) {
        // Capped so that the test itself stays safe: at most 256 MiB of address space,
        // never touched.
        let reserved: Vec<u64> = Vec::with_capacity((count as usize).min(1 << 25));
        std::hint::black_box(reserved);
    }
    format::read(bytes)
}

/// Accepts a file with bytes after its last section, by ignoring them.
fn ignores_trailing_bytes(bytes: &[u8]) -> Result<Module, FormatError> {
    match format::read(bytes) {
        Err(FormatError {
            kind: FormatErrorKind::TrailingBytes { count },
            ..
        }) if count < bytes.len() => format::read(&bytes[..bytes.len() - count]),
        other => other,
    }
}

fn catches(read: fn(&[u8]) -> Result<Module, FormatError>, seed: u64, expected: &str) {
    let mut options = Options::iterations(seed, 20_000);
    options.failure_dir = options.failure_dir.join("planted");
    let report = driver::run(&mut Reader::with_reader(read), &options);
    show(&report);
    let failure = report
        .failure
        .as_ref()
        .expect("the planted bug was not found");
    assert!(failure.message.contains(expected), "{}", failure.message);
    assert!(
        failure.iteration >= report.seeds as u64,
        "a seed failed: {report}"
    );
    let path = failure.path.as_ref().expect("a reproducer was written");
    let bytes = std::fs::read(path).expect("the reproducer reads");
    assert!(
        driver::replay(&mut Reader::with_reader(read), &bytes)
            .failure
            .is_some()
    );
    let fixed = driver::replay(&mut Reader::new(), &bytes);
    assert!(fixed.failure.is_none(), "{fixed}");
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_reader_that_panics_is_caught() {
    catches(panics_on_a_large_count, 0xB06_0001, "panicked");
}

#[test]
fn a_reader_that_allocates_what_the_file_claims_is_caught() {
    catches(trusts_the_count, 0xB06_0002, "allocated");
}

#[test]
fn a_reader_that_accepts_what_it_cannot_write_back_is_caught() {
    catches(ignores_trailing_bytes, 0xB06_0003, "write back");
}

#[test]
fn runs_that_differ_are_reported() {
    use adead_fuzz::differential::{Setup, run_all};
    use adead_vm::{Config, Tier};
    let module = adead_asm::assemble(
        ".func main params=0 regs=2\n movi r1, 1000\nloop:\n addi r1, r1, -1\n jnz r1, loop\n halt\n.end\n",
        "loop.asm",
    )
    .expect("assembles");
    let setup = |name: &str, fuel: u64, tier: Tier| Setup {
        name: name.to_string(),
        config: Config {
            fuel: Some(fuel),
            tier,
            ..Config::default()
        },
    };
    let same = [
        setup("interp", 100, Tier::Interp),
        setup("opt", 100, Tier::Opt),
    ];
    run_all(&module, &[], &same).expect("the tiers agree");
    let different = [
        setup("interp", 100, Tier::Interp),
        setup("opt with more fuel", 100_000, Tier::Opt),
    ];
    let report = run_all(&module, &[], &different).expect_err("a difference");
    assert!(report.contains("outcome"), "{report}");
    assert!(report.contains("fuel"), "{report}");
}

#[test]
fn the_command_line_runs_a_target_and_reports_its_executions() {
    let exe = env!("CARGO_BIN_EXE_adead-fuzz");
    let run = |args: &[&str]| {
        std::process::Command::new(exe)
            .args(args)
            .output()
            .expect("adead-fuzz runs")
    };
    let out = run(&[
        "reader",
        "--iterations",
        "400",
        "--seed",
        "0xF022_0006",
        "--progress",
        "0",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("fuzz reader: 400 executions in ") && stdout.contains("seed 0xf0220006"),
        "{stdout}"
    );
    assert_eq!(run(&["nothing"]).status.code(), Some(2));
    assert_eq!(
        run(&["reader", "--input", "/nonexistent/file.bib"])
            .status
            .code(),
        Some(2)
    );
}
