//! `adead-import`: an ONNX model to a verified `.bib` module (or its assembly listing).
//!
//! ```text
//! adead-import model.onnx [-o model.bib] [--output NAME]...    the module
//! adead-import model.onnx --listing [-o model.asm]             the listing (default: stdout)
//! ```
//!
//! Exit codes follow `sysexits.h`, the same scheme as `adead-asm` and `adead-vm`:
//!
//! ```text
//! Exit codes (sysexits.h, as adead-asm and adead-vm):
//!   0   success
//!   64  usage error: bad flags or arguments, an --output the graph does not have, an
//!       output that would overwrite the input
//!   65  the model cannot be imported: a malformed or truncated file, an operator,
//!       attribute, type or shape not supported on the path to the selected outputs
//!   66  the model file cannot be read
//!   73  the output file cannot be created
//!   74  a write failed: the output file, or standard output (a closed pipe included)
//! ```

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use adead_import::{ImportError, Options};
use clap::Parser;

/// Usage error (`EX_USAGE`).
const EXIT_USAGE: u8 = 64;
/// The model cannot be imported (`EX_DATAERR`).
const EXIT_DATA: u8 = 65;
/// The model file cannot be read (`EX_NOINPUT`).
const EXIT_NO_INPUT: u8 = 66;
/// The output file cannot be created (`EX_CANTCREAT`).
const EXIT_CANT_CREATE: u8 = 73;
/// A write failed (`EX_IOERR`).
const EXIT_IO: u8 = 74;

/// The exit codes, as `--help` lists them (the crate docs above say the same).
const EXIT_CODES_HELP: &str = "\
Exit codes (sysexits.h, as adead-asm and adead-vm):
  0   success
  64  usage error: bad flags or arguments, an --output the graph does not have, an
      output that would overwrite the input
  65  the model cannot be imported: a malformed or truncated file, an operator,
      attribute, type or shape not supported on the path to the selected outputs
  66  the model file cannot be read
  73  the output file cannot be created
  74  a write failed: the output file, or standard output (a closed pipe included)";

const ABOUT: &str = "Import an ONNX model as an ADead-BIB module exporting infer(inputs...) -> \
the first selected output's tensor handle, and output(k) -> selected output k of the last call";

#[derive(Parser)]
#[command(name = "adead-import", version, about = ABOUT, after_help = EXIT_CODES_HELP)]
struct Cli {
    /// The ONNX model (`.onnx`).
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// Output file [default: the model with the extension .bib; with --listing,
    /// standard output].
    #[arg(short, long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Compute this graph output (repeatable; the first is what `infer` returns, each
    /// is `output(k)` in order); the nodes only other outputs need are left out
    /// [default: every graph output].
    #[arg(long = "output", value_name = "NAME")]
    outputs: Vec<String>,
    /// Write the assembly listing instead of the module: readable, diffable, with the
    /// ONNX nodes each instruction comes from in comments; `adead-asm` assembles it to
    /// the same module.
    #[arg(long)]
    listing: bool,
}

/// An error already reported, with its exit code.
struct Reported(u8);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(clap_exit(&error)),
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Reported(code)) => ExitCode::from(code),
    }
}

/// Reports what clap stopped at: help and version on stdout (0, or 74), a usage error
/// as one `adead-import: ` line and the usage (64).
fn clap_exit(error: &clap::Error) -> u8 {
    if !error.use_stderr() {
        return match error.print().and_then(|()| io::stdout().flush()) {
            Ok(()) => 0,
            Err(e) => fail(EXIT_IO, format_args!("cannot write the help: {e}")).0,
        };
    }
    let text = error.render().to_string();
    let message = text.strip_prefix("error: ").unwrap_or(&text);
    let _ = write!(io::stderr(), "adead-import: {message}");
    EXIT_USAGE
}

/// Writes `adead-import: MESSAGE` to stderr and returns [`Reported`] with `code`.
fn fail(code: u8, message: impl std::fmt::Display) -> Reported {
    let _ = writeln!(io::stderr(), "adead-import: {message}");
    Reported(code)
}

fn run(cli: &Cli) -> Result<(), Reported> {
    let name = cli.model.display().to_string();
    let bytes = std::fs::read(&cli.model)
        .map_err(|e| fail(EXIT_NO_INPUT, format_args!("cannot read `{name}`: {e}")))?;
    let out = match (&cli.out, cli.listing) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => None,
        (None, false) => Some(cli.model.with_extension("bib")),
    };
    if out.as_deref() == Some(cli.model.as_path()) {
        return Err(fail(
            EXIT_USAGE,
            format_args!("the output would overwrite the input `{name}`; choose another with -o"),
        ));
    }
    let options = Options {
        outputs: cli.outputs.clone(),
        source_name: cli
            .model
            .file_name()
            .map_or(name.clone(), |n| n.to_string_lossy().into_owned()),
    };
    let imported = adead_import::import(&bytes, &options).map_err(|error| {
        let code = match error {
            ImportError::UnknownOutput { .. } => EXIT_USAGE,
            _ => EXIT_DATA,
        };
        fail(code, format_args!("`{name}`: {error}"))
    })?;
    let bytes = if cli.listing {
        imported.listing.into_bytes()
    } else {
        adead_isa::format::write(&imported.module)
    };
    match &out {
        Some(path) => write(path, &bytes)?,
        None => io::stdout()
            .lock()
            .write_all(&bytes)
            .and_then(|()| io::stdout().flush())
            .map_err(|e| fail(EXIT_IO, format_args!("cannot write the listing: {e}")))?,
    }
    if let Some(path) = &out {
        let inputs: Vec<String> = imported
            .inputs
            .iter()
            .map(|(n, s)| format!("{n} {}", s.as_deref().unwrap_or("(unused)")))
            .collect();
        let outputs: Vec<String> = imported
            .outputs
            .iter()
            .map(|(n, s)| format!("{n} {s}"))
            .collect();
        let _ = writeln!(
            io::stderr(),
            "adead-import: wrote `{}`: infer({}) -> {}",
            path.display(),
            inputs.join(", "),
            outputs.join(", ")
        );
    }
    Ok(())
}

/// Creates `path` (73 when it cannot be created) and writes `bytes` (74 when that fails).
fn write(path: &Path, bytes: &[u8]) -> Result<(), Reported> {
    let mut file = File::create(path).map_err(|e| {
        fail(
            EXIT_CANT_CREATE,
            format_args!("cannot create `{}`: {e}", path.display()),
        )
    })?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| {
            fail(
                EXIT_IO,
                format_args!("cannot write `{}`: {e}", path.display()),
            )
        })
}
