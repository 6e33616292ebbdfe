//! The shortest real use: one case written inline, parsed, run on every tier, reported.
//!
//! `cargo run -p adead-conformance --example one_case`

use adead_conformance::parse::parse_file;
use adead_conformance::{Tier, runner};

const CASE: &str = "
; example: MIN / -1 traps, MIN divu -1 does not.
;! case overflow_only_when_signed
;! args -9223372036854775808 -1
;! stdout 0
;! trap integer_overflow at main:2
;! fuel 3
.func main params=2 regs=4
    divu r2, r0, r1
    hcall r3, print_u64, r2, 1
    div r2, r0, r1
    ret r2
.end
";

fn main() {
    let cases = parse_file("example.case", CASE).expect("the case parses");
    let report = runner::run_cases(&cases, &Tier::all());
    print!("{report}");
}
