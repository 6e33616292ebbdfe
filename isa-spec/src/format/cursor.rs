//! A bounds-checked reader over one part of a `.bib` file. Every read either succeeds
//! inside the part's bounds or returns a [`FormatError`] naming the part and the byte
//! offset, so the parsers above it never index, never panic and never trust a length.

use super::error::{FormatError, FormatErrorKind, Section};

/// Reads little-endian fields from `file[pos..end]`; offsets in errors are file offsets.
pub(super) struct Cursor<'a> {
    file: &'a [u8],
    pos: usize,
    end: usize,
    section: Section,
}

impl<'a> Cursor<'a> {
    /// A cursor over `file[start..end]`, reporting errors in `section`. Bounds past the end
    /// of the file are clamped, so a bad range can only make reads fail, never panic.
    pub(super) fn new(file: &'a [u8], section: Section, start: usize, end: usize) -> Self {
        let end = end.min(file.len());
        Cursor {
            file,
            pos: start.min(end),
            end,
            section,
        }
    }

    /// File offset of the next byte to read.
    pub(super) fn offset(&self) -> usize {
        self.pos
    }

    /// Bytes left in the part.
    pub(super) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// An error in this cursor's section at file offset `offset`.
    pub(super) fn error_at(&self, offset: usize, kind: FormatErrorKind) -> FormatError {
        FormatError {
            section: self.section,
            offset,
            kind,
        }
    }

    fn truncated_at(&self, offset: usize, needed: usize, available: usize) -> FormatError {
        self.error_at(offset, FormatErrorKind::Truncated { needed, available })
    }

    /// The next `n` bytes.
    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let start = self.pos;
        let slice = start
            .checked_add(n)
            .filter(|&end| end <= self.end)
            .and_then(|end| self.file.get(start..end))
            .ok_or_else(|| self.truncated_at(start, n, self.remaining()))?;
        self.pos += n;
        Ok(slice)
    }

    /// The next little-endian `u32`.
    pub(super) fn u32(&mut self) -> Result<u32, FormatError> {
        let start = self.pos;
        let bytes: [u8; 4] = self
            .bytes(4)?
            .try_into()
            .map_err(|_| self.truncated_at(start, 4, 0))?;
        Ok(u32::from_le_bytes(bytes))
    }

    /// A `u32` count of entries whose smallest encoding is `entry_size` bytes. Rejects a
    /// count the rest of the part cannot hold, so the caller may allocate `count` entries.
    pub(super) fn count(&mut self, entry_size: usize) -> Result<usize, FormatError> {
        let at = self.pos;
        let count = self.u32()?;
        let fits = (count as usize)
            .checked_mul(entry_size)
            .is_some_and(|needed| needed <= self.remaining());
        if fits {
            Ok(count as usize)
        } else {
            Err(self.error_at(
                at,
                FormatErrorKind::CountTooLarge {
                    count,
                    entry_size,
                    remaining: self.remaining(),
                },
            ))
        }
    }

    /// A `u32` byte length and that many bytes. A length past the end of the part is
    /// reported at the length field, the one to blame.
    pub(super) fn blob(&mut self) -> Result<&'a [u8], FormatError> {
        let at = self.pos;
        let len = self.u32()? as usize;
        if len > self.remaining() {
            return Err(self.truncated_at(at, len, self.remaining()));
        }
        self.bytes(len)
    }

    /// A string: a blob of UTF-8. Invalid UTF-8 is reported at its first bad byte.
    pub(super) fn string(&mut self) -> Result<String, FormatError> {
        let bytes = self.blob()?;
        let start = self.pos - bytes.len();
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => {
                Err(self.error_at(start + error.valid_up_to(), FormatErrorKind::InvalidUtf8))
            }
        }
    }

    /// Ends the part: every byte must have been read.
    pub(super) fn finish(self) -> Result<(), FormatError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(self.error_at(self.pos, FormatErrorKind::TrailingBytes { count })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded_by_the_part_not_the_file() {
        let file = [1, 0, 0, 0, 2, 0, 0, 0, 9];
        let mut c = Cursor::new(&file, Section::Meta, 0, 6);
        assert_eq!(c.u32(), Ok(1));
        let err = c.u32().unwrap_err();
        assert_eq!(err.offset, 4);
        assert_eq!(err.section, Section::Meta);
        assert_eq!(
            err.kind,
            FormatErrorKind::Truncated {
                needed: 4,
                available: 2
            }
        );
    }

    #[test]
    fn counts_are_checked_against_the_remaining_bytes() {
        let file = [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut c = Cursor::new(&file, Section::Imports, 0, file.len());
        let err = c.count(8).unwrap_err();
        assert_eq!(
            err.kind,
            FormatErrorKind::CountTooLarge {
                count: 2,
                entry_size: 8,
                remaining: 11
            }
        );
        let mut c = Cursor::new(&file, Section::Imports, 0, file.len());
        assert_eq!(c.count(5), Ok(2));
        let huge = [0xFF; 4];
        let mut c = Cursor::new(&huge, Section::Imports, 0, 4);
        assert!(matches!(
            c.count(usize::MAX).unwrap_err().kind,
            FormatErrorKind::CountTooLarge { .. }
        ));
    }

    #[test]
    fn strings_report_lengths_and_bad_bytes_where_they_are() {
        let file = [9, 0, 0, 0, b'a'];
        let err = Cursor::new(&file, Section::Debug, 0, 5)
            .string()
            .unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (
                0,
                FormatErrorKind::Truncated {
                    needed: 9,
                    available: 1
                }
            )
        );
        let file = [3, 0, 0, 0, b'a', 0xFF, b'b'];
        let err = Cursor::new(&file, Section::Debug, 0, 7)
            .string()
            .unwrap_err();
        assert_eq!((err.offset, err.kind), (5, FormatErrorKind::InvalidUtf8));
    }

    #[test]
    fn finish_reports_leftovers_and_bad_ranges_cannot_panic() {
        let file = [0u8; 6];
        let mut c = Cursor::new(&file, Section::Code, 0, 6);
        assert!(c.bytes(4).is_ok());
        assert_eq!(
            c.finish().unwrap_err().kind,
            FormatErrorKind::TrailingBytes { count: 2 }
        );
        let mut c = Cursor::new(&file, Section::Code, 100, 50);
        assert_eq!(c.remaining(), 0);
        assert!(c.bytes(usize::MAX).is_err());
        assert!(c.finish().is_ok());
    }
}
