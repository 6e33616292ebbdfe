//! The committed header `include/adead.h` is what cbindgen makes of the crate now: a
//! stale header fails here, and so `./test.sh`.

use std::path::Path;

#[test]
fn committed_header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("capi/cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");

    let path = crate_dir.join("include/adead.h");
    if std::env::var_os("ADEAD_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/adead.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "capi/include/adead.h is stale (first difference at line {}): run \
             `ADEAD_BLESS=1 cargo test -p adead-capi` to update it, and commit it",
            line + 1
        );
    }
}
