//! Writes `isa-spec/ISA.md` from the opcode table.
//!
//! `cargo run -p adead-isa --bin gen-isa-doc` regenerates the file;
//! `cargo run -p adead-isa --bin gen-isa-doc -- --check` exits with status 1 if the
//! committed file is stale (for CI), without writing anything.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ISA.md");
    let doc = adead_isa::reference::markdown();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => match std::fs::write(&path, doc) {
            Ok(()) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("gen-isa-doc: cannot write {}: {error}", path.display());
                ExitCode::FAILURE
            }
        },
        [flag] if flag == "--check" => match std::fs::read_to_string(&path) {
            Ok(current) if current == doc => ExitCode::SUCCESS,
            Ok(_) => {
                eprintln!(
                    "gen-isa-doc: {} is stale; run `cargo run -p adead-isa --bin gen-isa-doc`",
                    path.display()
                );
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("gen-isa-doc: cannot read {}: {error}", path.display());
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: gen-isa-doc [--check]");
            ExitCode::from(2)
        }
    }
}
