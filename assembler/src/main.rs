//! `adead-asm`: assembles listings into `.bib` modules and disassembles modules into
//! canonical listings.
//!
//! ```text
//! adead-asm prog.asm [-o prog.bib]              assemble (default output: prog.bib)
//! adead-asm --disasm prog.bib [--mnemonic] [-o prog.asm]
//! adead-asm dis prog.bib [--mnemonic] [-o prog.asm]
//! ```
//!
//! Exit codes follow `sysexits.h`, the same scheme as `adead-vm` (`--help` and the
//! README list them too):
//!
//! ```text
//! Exit codes (sysexits.h, as adead-vm):
//!   0   success
//!   64  usage error: bad flags or arguments, an output that would overwrite the input
//!   65  bad input: assembly errors, a malformed .bib, a file that is not UTF-8 text
//!   66  the input file cannot be read
//!   73  the output file cannot be created
//!   74  a write failed: the output file, or standard output (a closed pipe included)
//! ```
//!
//! Every error is one line on stderr that starts with `adead-asm: `; assembly errors
//! follow that line with their diagnostics (file, line, column, source excerpt).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use adead_asm::{ListingStyle, Options};
use clap::{Args, Parser, Subcommand};

/// Usage error (`EX_USAGE`).
const EXIT_USAGE: u8 = 64;
/// Bad input data (`EX_DATAERR`).
const EXIT_DATA: u8 = 65;
/// The input cannot be read (`EX_NOINPUT`).
const EXIT_NO_INPUT: u8 = 66;
/// The output file cannot be created (`EX_CANTCREAT`).
const EXIT_CANT_CREATE: u8 = 73;
/// A write failed (`EX_IOERR`).
const EXIT_IO: u8 = 74;

/// The exit codes, as `--help` lists them (the crate docs above and the README say the
/// same; a test checks that they agree).
const EXIT_CODES_HELP: &str = "\
Exit codes (sysexits.h, as adead-vm):
  0   success
  64  usage error: bad flags or arguments, an output that would overwrite the input
  65  bad input: assembly errors, a malformed .bib, a file that is not UTF-8 text
  66  the input file cannot be read
  73  the output file cannot be created
  74  a write failed: the output file, or standard output (a closed pipe included)";

#[derive(Parser)]
#[command(
    name = "adead-asm",
    version,
    about = "Assemble ADead-BIB listings into .bib modules, or disassemble modules into listings",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXIT_CODES_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    main: MainArgs,
}

#[derive(Args)]
struct MainArgs {
    /// The listing to assemble (with --disasm: the .bib module to disassemble).
    #[arg(required = true, value_name = "INPUT")]
    input: Option<PathBuf>,
    /// Output file. Assembling: defaults to the input with the extension .bib.
    /// Disassembling: defaults to standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Disassemble a .bib module into its canonical listing.
    #[arg(long)]
    disasm: bool,
    /// With --disasm: mnemonic lines with hex comments (default: hex lines with
    /// mnemonic comments).
    #[arg(long, requires = "disasm")]
    mnemonic: bool,
    /// Assemble without the verifier's checks (for deliberately invalid modules).
    #[arg(long, conflicts_with = "disasm")]
    no_verify: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Disassemble a .bib module (the same as --disasm).
    #[command(visible_alias = "disasm", after_help = EXIT_CODES_HELP)]
    Dis(DisArgs),
}

#[derive(Args)]
struct DisArgs {
    /// The .bib module.
    #[arg(value_name = "INPUT")]
    input: PathBuf,
    /// Mnemonic lines with hex comments (default: hex lines with mnemonic comments).
    #[arg(long)]
    mnemonic: bool,
    /// Output file (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// An error already reported on stderr, with the exit code it ends the process with.
struct Reported(u8);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(clap_exit(&error)),
    };
    let result = match (cli.command, cli.main) {
        (Some(Command::Dis(args)), _) => {
            disassemble(&args.input, args.output.as_deref(), args.mnemonic)
        }
        (None, args) => match args.input {
            Some(input) if args.disasm => {
                disassemble(&input, args.output.as_deref(), args.mnemonic)
            }
            Some(input) => assemble(&input, args.output.as_deref(), !args.no_verify),
            // clap requires the input when there is no subcommand.
            None => Err(fail(EXIT_USAGE, "no input file")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Reported(code)) => ExitCode::from(code),
    }
}

/// Reports what clap stopped at and returns the exit code: `--help` and `--version` go
/// to stdout (0, or 74 when that write fails); a usage error goes to stderr as
/// `adead-asm: MESSAGE` followed by clap's usage lines (64).
fn clap_exit(error: &clap::Error) -> u8 {
    if !error.use_stderr() {
        return match error.print().and_then(|()| io::stdout().flush()) {
            Ok(()) => 0,
            Err(e) => fail(EXIT_IO, format_args!("cannot write the help: {e}")).0,
        };
    }
    let text = error.render().to_string();
    let message = text.strip_prefix("error: ").unwrap_or(&text);
    let _ = write!(io::stderr(), "adead-asm: {message}");
    EXIT_USAGE
}

/// Writes `adead-asm: MESSAGE` to stderr (ignoring a closed stderr) and returns
/// [`Reported`] with `code`.
fn fail(code: u8, message: impl std::fmt::Display) -> Reported {
    let _ = writeln!(io::stderr(), "adead-asm: {message}");
    Reported(code)
}

fn read(path: &Path) -> Result<Vec<u8>, Reported> {
    std::fs::read(path).map_err(|e| {
        fail(
            EXIT_NO_INPUT,
            format_args!("cannot read `{}`: {e}", path.display()),
        )
    })
}

/// Creates `path` (73 when it cannot be created) and writes `bytes` to it (74 when that
/// fails).
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

fn assemble(input: &Path, output: Option<&Path>, verify: bool) -> Result<(), Reported> {
    let bytes = read(input)?;
    let name = input.display().to_string();
    if bytes.starts_with(&adead_isa::format::MAGIC) {
        return Err(fail(
            EXIT_DATA,
            format_args!("`{name}` is a .bib module, not a listing (use --disasm to read it)"),
        ));
    }
    let source = match std::str::from_utf8(&bytes) {
        Ok(source) => source,
        Err(error) => return Err(fail(EXIT_DATA, adead_asm::not_utf8(&name, &bytes, error))),
    };
    let output = output.map_or_else(|| input.with_extension("bib"), Path::to_path_buf);
    if output == input {
        return Err(fail(
            EXIT_USAGE,
            format_args!("the output would overwrite the input `{name}`; choose another with -o"),
        ));
    }
    let module =
        adead_asm::assemble_with(source, &name, &Options { verify }).map_err(|diagnostics| {
            let count = diagnostics.total();
            let plural = if count == 1 { "" } else { "s" };
            let _ = write!(
                io::stderr().lock(),
                "adead-asm: could not assemble `{name}` ({count} error{plural})\n{}",
                diagnostics.render(source, &name)
            );
            Reported(EXIT_DATA)
        })?;
    write(&output, &adead_isa::format::write(&module))
}

fn disassemble(input: &Path, output: Option<&Path>, mnemonic: bool) -> Result<(), Reported> {
    let bytes = read(input)?;
    let name = input.display();
    let module = adead_isa::format::read(&bytes).map_err(|e| {
        let hint = if e.kind == adead_isa::format::FormatErrorKind::BadMagic
            && adead_asm::looks_like_listing(&bytes)
        {
            format!(
                " (it looks like assembly text: assemble it with `adead-asm {name} -o OUT.bib`)"
            )
        } else {
            String::new()
        };
        fail(EXIT_DATA, format_args!("`{name}`: {e}{hint}"))
    })?;
    let style = if mnemonic {
        ListingStyle::Mnemonic
    } else {
        ListingStyle::Hex
    };
    let listing = adead_asm::disassemble(&module, style);
    match output {
        Some(path) => write(path, listing.as_bytes()),
        None => {
            let mut stdout = io::stdout().lock();
            // A reader that stops early (`| head`) is a write error too: the listing
            // did not all arrive.
            stdout
                .write_all(listing.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| fail(EXIT_IO, format_args!("cannot write the listing: {e}")))
        }
    }
}
