//! The committed `ISA.md` must be exactly what the opcode table generates.

#[test]
fn isa_md_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ISA.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == adead_isa::reference::markdown(),
        "{path} is stale or missing; regenerate it with `cargo run -p adead-isa --bin gen-isa-doc`"
    );
}
