//! Every example assembles, and its listings in both styles assemble to identical bytes.

use adead_asm::{ListingStyle, assemble, disassemble};
use adead_isa::{DataSegment, Opcode, format, verify};

use crate::example_files;

fn assemble_example(name: &str) -> adead_isa::Module {
    let path = crate::examples_dir().join(name);
    let source = std::fs::read_to_string(&path).expect("example is readable");
    assemble(&source, name).unwrap_or_else(|d| panic!("{}", d.render(&source, name)))
}

#[test]
fn every_example_assembles_verifies_and_round_trips_in_both_styles() {
    let files = example_files();
    assert!(
        files.len() >= 3,
        "expected hello, fib and a hex listing: {files:?}"
    );
    for path in files {
        let name = path.display().to_string();
        let source = std::fs::read_to_string(&path).expect("example is readable");
        let module =
            assemble(&source, &name).unwrap_or_else(|d| panic!("{}", d.render(&source, &name)));
        verify(module.clone()).expect("examples verify");
        let bytes = format::write(&module);
        assert_eq!(format::read(&bytes).as_ref(), Ok(&module), "{name}");
        for style in [ListingStyle::Hex, ListingStyle::Mnemonic] {
            let listing = disassemble(&module, style);
            let again = assemble(&listing, "listing.asm").unwrap_or_else(|d| {
                panic!(
                    "{name} {style:?}:\n{}\n{listing}",
                    d.render(&listing, "listing.asm")
                )
            });
            assert_eq!(format::write(&again), bytes, "{name} {style:?}:\n{listing}");
            // The listing of the reassembled module is the same text: it is canonical.
            assert_eq!(disassemble(&again, style), listing, "{name} {style:?}");
        }
    }
}

#[test]
fn hello_prints_through_print_str() {
    let module = assemble_example("hello.asm");
    assert_eq!(
        module.data,
        vec![DataSegment {
            name: "msg".into(),
            offset: 16,
            bytes: b"hello, world\n".to_vec()
        }]
    );
    assert_eq!(module.imports.len(), 1);
    assert_eq!(
        (module.imports[0].name.as_str(), module.imports[0].params),
        ("print_str", 2)
    );
    let ops: Vec<Opcode> = module.code.iter().map(|i| i.opcode()).collect();
    assert_eq!(
        ops,
        [Opcode::MoviData, Opcode::Movi, Opcode::Hcall, Opcode::Halt]
    );
    assert_eq!(module.entry, Some(0));
}

#[test]
fn fib_is_recursive_and_exported() {
    let module = assemble_example("fib.asm");
    assert_eq!(module.function_index("fib"), Some(1));
    assert_eq!(module.export("fib"), Some(1));
    assert_eq!(module.entry, module.function_index("main"));
    assert_eq!(module.functions[0].params, 1);
    let fib = &module.functions[1];
    let calls_itself = fib
        .code(&module)
        .iter()
        .any(|i| i.opcode() == Opcode::Call && i.word(1) == 1);
    assert!(calls_itself);
    assert_eq!(module.imports[0].name, "print_i64");
    assert!(module.code.iter().any(|i| i.opcode() == Opcode::Halt));
}

#[test]
fn the_hex_listing_keeps_the_seed_words() {
    let module = assemble_example("seed.hex.asm");
    let words: Vec<u32> = module.code.iter().map(|i| i.words()[0]).collect();
    for seed in [
        0x0002_0000,
        0x0002_0001,
        0x0002_0002,
        0x0002_0003,
        0x0000_0000,
        0x0000_00FF,
    ] {
        assert!(words.contains(&seed), "{seed:#010x} missing");
    }
    // Without `.func`, the code forms `main`, the entry.
    assert_eq!(module.functions.len(), 1);
    assert_eq!(module.functions[0].name, "main");
    assert_eq!(module.entry, Some(0));
    assert_eq!(module.code[2].words(), [0x0002_0000, 3, 1, 2, 0]);
}
