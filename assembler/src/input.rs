//! Reading a listing's bytes: what both tools (`adead-asm` and `adead-vm run`) say
//! about bytes that are not a listing, and how they recognise one.

/// Why `bytes` (of the file `name`) are not UTF-8 text: the first invalid byte, with
/// its line and column (columns count bytes from 1). `error` is what
/// `std::str::from_utf8(bytes)` returned.
///
/// ```
/// let bytes = b"movi r1, 1\nhalt \xff\n";
/// let error = std::str::from_utf8(bytes).unwrap_err();
/// assert_eq!(
///     adead_asm::not_utf8("x.asm", bytes, error),
///     "`x.asm` is not UTF-8 text: invalid byte 0xff at line 2, column 6"
/// );
/// ```
pub fn not_utf8(name: &str, bytes: &[u8], error: std::str::Utf8Error) -> String {
    let at = error.valid_up_to();
    let before = &bytes[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    format!(
        "`{name}` is not UTF-8 text: invalid byte 0x{:02x} at line {line}, column {}",
        bytes[at],
        at - line_start + 1
    )
}

/// True when `bytes` are UTF-8 text without control characters other than whitespace:
/// what an assembly listing looks like, and no `.bib` module does (its magic holds a
/// NUL).
pub fn looks_like_listing(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| {
        !text.trim().is_empty()
            && text
                .chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    })
}
