//! The benchmark's generated listings (`benches/support/listing.rs`) against independent
//! routes: each assembles to the module the generator built from its own choices and the
//! opcode table's encoding, the hex listing to the same code as the mnemonic one, and the
//! module's disassembly in both styles assembles back to it.

use adead_asm::{ListingStyle, assemble, disassemble};
use adead_isa::{Module, format, verify};

#[path = "../../benches/support/listing.rs"]
mod listing;

/// Instructions in the test's listings: hundreds of functions and data symbols, quick
/// to assemble unoptimised (the benchmark uses a million).
const INSTRUCTIONS: usize = 30_000;

/// Assembles `text` and compares the module with `expected` part by part, so that a
/// difference names the first instruction or table entry where it is.
fn assert_assembles_to(what: &str, text: &str, expected: &Module) -> Module {
    let module = assemble(text, "generated.asm")
        .unwrap_or_else(|d| panic!("{what}:\n{}", d.render(text, "generated.asm")));
    assert_eq!(
        module.code.len(),
        expected.code.len(),
        "{what}: code length"
    );
    if let Some(pc) = (0..module.code.len()).find(|&pc| module.code[pc] != expected.code[pc]) {
        let line = expected.debug.line_of(pc as u32).unwrap_or(0);
        panic!(
            "{what}: instruction {pc} (listing line {line}: {:?}) is {:?}, expected {:?}",
            text.lines().nth(line.saturating_sub(1) as usize),
            module.code[pc],
            expected.code[pc]
        );
    }
    assert_eq!(module.functions, expected.functions, "{what}: functions");
    assert_eq!(module.imports, expected.imports, "{what}: imports");
    assert_eq!(module.data, expected.data, "{what}: data");
    assert_eq!(module.exports, expected.exports, "{what}: exports");
    assert_eq!(module.entry, expected.entry, "{what}: entry");
    assert_eq!(module.memory_size, expected.memory_size, "{what}: memory");
    assert_eq!(module.debug, expected.debug, "{what}: line table");
    assert!(module == *expected, "{what}: the modules differ");
    module
}

#[test]
fn generated_listings_assemble_to_the_generated_module_by_every_route() {
    let generated = listing::generate(INSTRUCTIONS);
    assert_eq!(generated.instructions, INSTRUCTIONS);
    let mut expected = generated.module;
    expected.debug.source = "generated.asm".to_string();
    assert_eq!(expected.code.len(), INSTRUCTIONS);
    assert!(
        expected.functions.len() > 300,
        "{}",
        expected.functions.len()
    );
    assert!(expected.data.len() > 20, "{}", expected.data.len());
    verify(expected.clone()).expect("the generator's module verifies");

    let module = assert_assembles_to("mnemonic listing", &generated.mnemonic, &expected);

    let mut expected_hex = expected.clone();
    expected_hex.debug.lines = generated.hex_lines;
    assert_assembles_to("hex listing", &generated.hex, &expected_hex);

    let bytes = format::write(&module);
    for style in [ListingStyle::Mnemonic, ListingStyle::Hex] {
        let listing = disassemble(&module, style);
        let again = assert_assembles_to(&format!("{style:?} disassembly"), &listing, &module);
        assert_eq!(format::write(&again), bytes, "{style:?} disassembly");
    }
}
