//! Packing of B: copies a `kc x cols` block of B into panels of `nr` columns, in the
//! order the microkernel reads them, so that the tile's B stream is contiguous and
//! stays in L1 while it is reused by every row tile of A.
//!
//! Panel `q` holds, for each `p` in `0..kc`, the `nr` values `B[p][q*nr .. q*nr + nr]`;
//! past the last column of B a partial panel's slots are left as they are (its tiles
//! are masked to the columns that exist and never read them). A is not packed: the microkernel reads it in place, which this
//! machine runs faster than a packing pass (see `driver`). Packing moves values only;
//! it does not change the order of any computation.

/// Packs panel `q` (columns `q*nr ..`) of the `kc x cols` block of `b` (starting at
/// `b[0]`, row stride `ldb`) into `panel` (`nr * kc` floats; slots past column `cols`
/// are not written).
pub(crate) fn pack_b_panel(
    b: &[f32],
    ldb: usize,
    kc: usize,
    cols: usize,
    nr: usize,
    q: usize,
    panel: &mut [f32],
) {
    let j0 = q * nr;
    let w = nr.min(cols.saturating_sub(j0));
    for (p, row) in panel.chunks_exact_mut(nr).take(kc).enumerate() {
        let src = &b[p * ldb + j0..][..w];
        row[..w].copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_panels_hold_their_columns_row_by_row() {
        // 2 x 3 block, nr = 2: panel 0 cols 0-1, panel 1 col 2 (its second slot is
        // past the block and keeps the -1 it had).
        let b: Vec<f32> = (0..6).map(|i| i as f32).collect();
        let mut dst = vec![-1.0; 2 * 2 * 2];
        for (q, panel) in dst.chunks_mut(4).enumerate() {
            pack_b_panel(&b, 3, 2, 3, 2, q, panel);
        }
        assert_eq!(dst, vec![0.0, 1.0, 3.0, 4.0, 2.0, -1.0, 5.0, -1.0]);
    }
}
