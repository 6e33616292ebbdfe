//! The five targets. Each is a [`Target`](crate::Target): its seeds, how it makes new
//! inputs, and what must hold for every input.

pub mod assembler;
pub mod execution;
pub mod onnx;
pub mod reader;
pub mod verifier;

/// The first `max_lines` lines of `text`, and a line saying how many more there were.
pub(crate) fn excerpt(text: &str, max_lines: usize) -> String {
    let total = text.lines().count();
    let mut out: Vec<String> = text
        .lines()
        .take(max_lines)
        .map(|line| {
            if line.len() > 200 {
                let mut cut = 200;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("{}... ({} bytes)", &line[..cut], line.len())
            } else {
                line.to_string()
            }
        })
        .collect();
    if total > max_lines {
        out.push(format!("... {} more lines", total - max_lines));
    }
    out.join("\n")
}
