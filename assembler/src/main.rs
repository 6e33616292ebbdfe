//! `adead-asm`: assembles listings into `.bib` modules and disassembles modules into
//! canonical listings.
//!
//! ```text
//! adead-asm prog.asm [-o prog.bib]              assemble (default output: prog.bib)
//! adead-asm --disasm prog.bib [--mnemonic] [-o prog.asm]
//! adead-asm dis prog.bib [--mnemonic] [-o prog.asm]
//! ```
//!
//! Exit status: 0 on success, 1 for errors in the input (diagnostics on stderr), 2 for
//! usage errors.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use adead_asm::{ListingStyle, Options};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "adead-asm",
    version,
    about = "Assemble ADead-BIB listings into .bib modules, or disassemble modules into listings",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
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
    #[arg(required = true)]
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
    #[command(visible_alias = "disasm")]
    Dis(DisArgs),
}

#[derive(Args)]
struct DisArgs {
    /// The .bib module.
    input: PathBuf,
    /// Mnemonic lines with hex comments (default: hex lines with mnemonic comments).
    #[arg(long)]
    mnemonic: bool,
    /// Output file (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// An error already reported on stderr.
struct Reported;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            None => Err(fail("no input file")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Reported) => ExitCode::from(1),
    }
}

/// Writes `error: MESSAGE` to stderr (ignoring a closed stderr) and returns [`Reported`].
fn fail(message: impl std::fmt::Display) -> Reported {
    let _ = writeln!(io::stderr(), "error: {message}");
    Reported
}

fn read(path: &Path) -> Result<Vec<u8>, Reported> {
    std::fs::read(path).map_err(|e| fail(format_args!("cannot read `{}`: {e}", path.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Reported> {
    std::fs::write(path, bytes)
        .map_err(|e| fail(format_args!("cannot write `{}`: {e}", path.display())))
}

fn assemble(input: &Path, output: Option<&Path>, verify: bool) -> Result<(), Reported> {
    let bytes = read(input)?;
    let name = input.display().to_string();
    if bytes.starts_with(&adead_isa::format::MAGIC) {
        return Err(fail(format_args!(
            "`{name}` is a .bib module, not a listing (use --disasm to read it)"
        )));
    }
    let Ok(source) = String::from_utf8(bytes) else {
        return Err(fail(format_args!("`{name}` is not UTF-8 text")));
    };
    let output = output.map_or_else(|| input.with_extension("bib"), Path::to_path_buf);
    if output == input {
        return Err(fail(format_args!(
            "the output would overwrite the input `{name}`; choose another with -o"
        )));
    }
    let module =
        adead_asm::assemble_with(&source, &name, &Options { verify }).map_err(|diagnostics| {
            let mut stderr = io::stderr().lock();
            let _ = write!(stderr, "{}", diagnostics.render(&source, &name));
            let count = diagnostics.total();
            let plural = if count == 1 { "" } else { "s" };
            let _ = writeln!(
                stderr,
                "\nerror: could not assemble `{name}` ({count} error{plural})"
            );
            Reported
        })?;
    write(&output, &adead_isa::format::write(&module))
}

fn disassemble(input: &Path, output: Option<&Path>, mnemonic: bool) -> Result<(), Reported> {
    let bytes = read(input)?;
    let module = adead_isa::format::read(&bytes)
        .map_err(|e| fail(format_args!("`{}`: {e}", input.display())))?;
    let style = if mnemonic {
        ListingStyle::Mnemonic
    } else {
        ListingStyle::Hex
    };
    let listing = adead_asm::disassemble(&module, style);
    match output {
        Some(path) => write(path, listing.as_bytes()),
        None => match io::stdout().lock().write_all(listing.as_bytes()) {
            Ok(()) => Ok(()),
            // A reader that stops early (`| head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(fail(format_args!("cannot write the listing: {e}"))),
        },
    }
}
