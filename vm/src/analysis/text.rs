//! The report for a terminal.

use std::fmt::Write;

use super::{Analysis, Count, RunOutcome};

/// Entries of each ranked list shown.
const TOP: usize = 12;

pub(crate) fn render(a: &Analysis) -> String {
    let mut out = String::new();
    // `writeln!` into a String cannot fail.
    macro_rules! say {
        ($($arg:tt)*) => {
            let _ = writeln!(out, $($arg)*);
        };
    }
    let d = &a.dynamic;
    let percent = |share: f64| format!("{:5.1}%", share * 100.0);
    say!("=== adead-vm analyze: {} ===", a.program);
    say!("outcome: {}", outcome(&a.outcome));
    say!("wall time: {:.3} ms", a.wall_ms);
    say!();
    let s = &a.static_facts;
    say!("--- static ---");
    say!(
        "{} functions, {} instructions ({} bytes of code), {} bytes of data, {} bytes of memory",
        s.functions,
        s.instructions,
        s.code_bytes,
        s.data_bytes,
        s.memory_bytes
    );
    say!("by family:  {}", mix(&s.families, s.instructions as u64));
    say!("by opcode:  {}", mix(&s.opcodes, s.instructions as u64));
    say!();
    say!("--- dynamic ---");
    let native_share = if d.instructions == 0 {
        0.0
    } else {
        d.native_instructions as f64 / d.instructions as f64
    };
    say!(
        "{} instructions executed, {} of them in native code",
        d.instructions,
        percent(native_share).trim()
    );
    if let Some(fuel) = d.fuel_used {
        say!("fuel used: {fuel}");
    }
    say!("by family:  {}", mix(&d.families, d.instructions));
    say!("by opcode:  {}", mix(&d.opcodes, d.instructions));
    say!("hottest functions (instructions, share, native share, entries):");
    for f in d.functions.iter().take(TOP) {
        say!(
            "  {:<24} {:>14} {} {} {:>10}",
            f.name,
            f.instructions,
            percent(f.share),
            percent(f.native_share),
            f.entries
        );
    }
    if !d.loops.is_empty() {
        say!("hottest loops (function, header..last back-edge, iterations, instructions, share):");
        for l in d.loops.iter().take(TOP) {
            say!(
                "  {:<24} {:>5}..{:<5} {:>12} {:>14} {}",
                l.function,
                l.header,
                l.end,
                l.iterations,
                l.instructions,
                percent(l.share)
            );
        }
    }
    if !d.tier_ups.is_empty() {
        say!("tier-ups (function, entry, tier, at instruction, ready at, compile time, bytes):");
        for t in &d.tier_ups {
            let at = t
                .at_instruction
                .map_or_else(|| "at load".to_string(), |n| n.to_string());
            say!(
                "  {:<24} {:<12} {:<9} {:>14} {:>9.3} ms {:>9.1} us {:>7}",
                t.function,
                t.entry,
                t.tier,
                at,
                t.ready_ms,
                t.compile_us,
                t.code_bytes
            );
        }
    }
    for r in &d.refused {
        say!("  not compiled: {} ({}): {}", r.function, r.entry, r.reason);
    }
    say!();
    let m = &a.memory;
    say!("--- memory ---");
    say!(
        "linear memory {} bytes; heap: {} allocations ({} bytes), {} frees, peak {} bytes live, \
         {} bytes never freed; mcopy {} bytes, mfill {} bytes",
        m.size_bytes,
        m.allocations,
        m.allocated_bytes,
        m.frees,
        m.peak_heap_bytes,
        m.live_heap_bytes,
        m.copied_bytes,
        m.filled_bytes
    );
    let t = &a.tensors;
    if t.kernel_path.is_some() || !t.ops.is_empty() {
        say!();
        say!("--- tensors ---");
        say!(
            "kernels {} on {} thread(s), device {}; peak {} tensor bytes",
            t.kernel_path.as_deref().unwrap_or("-"),
            t.threads.unwrap_or(0),
            t.device,
            t.peak_bytes
        );
        if !t.ops.is_empty() {
            say!("ops (function@pc, opcode, shapes, executions, total, GFLOP/s):");
            for op in t.ops.iter().take(TOP) {
                let gflops = op.gflops.map_or_else(String::new, |g| format!("{g:8.2}"));
                say!(
                    "  {:<20} {:<16} {:<36} {:>8} {:>10.1} us {gflops}",
                    format!("{}@{}", op.function, op.pc),
                    op.opcode,
                    op.shapes,
                    op.executions,
                    op.total_us
                );
            }
        }
    }
    for listing in &a.hot_code {
        say!();
        say!(
            "--- hot code: {} ({} of all instructions) ---",
            listing.function,
            percent(listing.share).trim()
        );
        for line in &listing.lines {
            match line.count {
                Some(count) => {
                    say!("{count:>12} {}", line.text);
                }
                None => {
                    say!("{:>12} {}", "", line.text);
                }
            }
        }
    }
    say!();
    say!("--- suggestions ---");
    if a.suggestions.is_empty() {
        say!("none: nothing this analysis looks for was seen");
    }
    for s in &a.suggestions {
        say!(
            "[{}] {} instruction {}: {}",
            s.kind.id(),
            s.function,
            s.pc,
            s.message
        );
    }
    out
}

fn outcome(outcome: &RunOutcome) -> String {
    match outcome {
        RunOutcome::Returned { value } => format!("returned {value}"),
        RunOutcome::Halted { code } => format!("halted with {code}"),
        RunOutcome::Trapped { message, .. } => message.clone(),
        RunOutcome::Failed { message } => format!("did not run: {message}"),
    }
}

/// `add 40.0%, jnz 20.0%, ...` for the first entries of a ranked list.
fn mix(counts: &[Count], total: u64) -> String {
    let total = total.max(1) as f64;
    let shown: Vec<String> = counts
        .iter()
        .take(8)
        .map(|c| format!("{} {:.1}%", c.name, c.count as f64 / total * 100.0))
        .collect();
    let more = counts.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{}, and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
