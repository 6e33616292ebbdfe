//! The BLIS-style loop nest around a microkernel, and the threads.
//!
//! ```text
//! for jc in n by NC:                        (B block: KC x NC)
//!   for pc in k by KC, in increasing order:  (k-blocks: never reordered, never split
//!     pack B[pc.., jc..] into NR panels        between threads)
//!     for each task (rows x panels of C):    (threads: disjoint output tiles)
//!       for ic in its rows by MC:            (A block: MC x KC, L2)
//!         for each B panel of the task:      (KC x NR, L1)
//!           for ir in the block by MR: microkernel tile (A read in place)
//! ```
//!
//! A is not packed: the tiles broadcast its elements straight from the row-major
//! matrix (12 forward streams), which on this machine is faster than any packing pass
//! (1.9x at 64^3, 1.1x at 1024^3, measured). B is packed only when that pays (see
//! [`pack_b`]); otherwise the tiles read it in place too. A partial last panel (n not a
//! multiple of NR) runs tiles whose loads and stores are masked to its columns, so no
//! access runs past a row of B or C and the tile is stored straight into C.
//!
//! Every output is written by exactly one task in every k-block, and the k-blocks run
//! one after the other, so each output's fma chain is the reference chain whatever the
//! thread count. The only thing the thread count changes is which thread runs a tile.

use std::ops::Range;

use super::buffer::{PACK_B, with_scratch};
use super::microkernel::{Microkernel, TileJob, wide_panels};
use super::pack::pack_b_panel;
use crate::math::{canonicalize, fma, relu};
use crate::parallel::Pool;
use crate::tuning::MatmulTuning;

/// One product `C[m x n] = A[m x k] . B[k x n] (+ bias) (relu)`, row-major, contiguous.
#[derive(Clone, Copy)]
pub(crate) struct Gemm<'a> {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub a: &'a [f32],
    pub b: &'a [f32],
    /// `n` values added once to each output row after the chain (the linear layer).
    pub bias: Option<&'a [f32]>,
    pub relu: bool,
}

impl Gemm<'_> {
    /// The epilogue of one output, as the reference defines it.
    #[inline]
    fn finish_scalar(&self, chain: f32, j: usize) -> f32 {
        let y = match self.bias {
            Some(b) => chain + b[j],
            None => chain,
        };
        if self.relu { relu(y) } else { canonicalize(y) }
    }

    fn fmas(&self) -> usize {
        self.m.saturating_mul(self.n).saturating_mul(self.k)
    }
}

/// Where the product may run in parallel: a pool (of 2 threads or more) or none, and
/// the multiply-adds from which a product is worth spreading over it.
#[derive(Clone, Copy)]
pub(crate) struct Threads<'p> {
    pub pool: Option<&'p Pool>,
    pub min_fmas: usize,
}

impl Threads<'_> {
    /// The pool, if this much work should be spread over it.
    fn for_work(&self, fmas: usize) -> Option<&Pool> {
        self.pool.filter(|_| fmas >= self.min_fmas)
    }
}

/// The output matrix, shared by tasks that write disjoint tiles of it.
#[derive(Clone, Copy)]
struct SharedOut {
    ptr: *mut f32,
    ld: usize,
}

// SAFETY: tasks write disjoint tiles of the output (see `partition`), and the owner's
// `&mut [f32]` is held for the whole parallel region, so no other access exists.
unsafe impl Send for SharedOut {}
// SAFETY: as above.
unsafe impl Sync for SharedOut {}

/// The row tiles of an `m`-row product: `m.div_ceil(MR)` tiles of consecutive rows
/// whose heights differ by at most one (64 rows with `MR = 12` are 10, 11, 11, 10, 11
/// and 11 rows, not five 12s and a 4). A short tile leaves the FMA units idle, and an
/// even split also balances the tiles between threads; which tile computes an output
/// never changes its fma chain.
#[derive(Clone, Copy, Debug)]
struct RowTiles {
    m: usize,
    count: usize,
}

impl RowTiles {
    fn new(m: usize, mr: usize) -> RowTiles {
        RowTiles {
            m,
            count: m.div_ceil(mr),
        }
    }

    /// The rows of tiles `tiles` (consecutive tiles cover consecutive rows).
    fn rows(&self, tiles: Range<usize>) -> Range<usize> {
        let start = |t: usize| self.m * t / self.count.max(1);
        start(tiles.start)..start(tiles.end)
    }
}

/// One task: a range of row tiles times a range of B panels of the current block.
#[derive(Debug, Clone)]
struct Task {
    tiles: Range<usize>,
    panels: Range<usize>,
}

/// Splits `tiles` row tiles x `panels` B panels into at most `tasks` disjoint pieces
/// of balanced size: whole row tiles when there are enough, else whole B panels.
fn partition(tiles: usize, panels: usize, tasks: usize) -> Vec<Task> {
    let split = |count: usize| -> Vec<Range<usize>> {
        let parts = tasks.min(count).max(1);
        (0..parts)
            .map(|t| (count * t / parts)..(count * (t + 1) / parts))
            .collect()
    };
    // Rows first: tasks then write whole rows of C, so no cache line of C is shared by
    // two threads whatever n is. (A split by panels once measured up to 2x slower; that
    // was the caller parking in rayon, since fixed: 64x784x128 on 2 threads now takes
    // 27.2 us either way.)
    if tiles >= tasks || tiles >= panels {
        split(tiles)
            .into_iter()
            .map(|t| Task {
                tiles: t,
                panels: 0..panels,
            })
            .collect()
    } else {
        split(panels)
            .into_iter()
            .map(|p| Task {
                tiles: 0..tiles,
                panels: p,
            })
            .collect()
    }
}

/// Whether B is packed into panels, or read in place by the tiles (row stride `n`).
///
/// Packing costs a pass over B; it pays when B's panels are reused by many row tiles
/// and in-place reads would be slow: a B block larger than half of L2 whose rows are a
/// multiple of 256 bytes apart (they then collide in a few cache sets), or one so large
/// that its rows span too many pages. Measured on Zen 5: in place is up to 20% faster
/// for 64 x 784 x 128, 256^3 and 100 x 1000 x 1000; packing is 1.8x faster for 1024^3.
///
/// The size from which a colliding block is packed is the tuning's `pack_min_bytes`
/// (512 KiB, half of Zen 5's L2, by default).
fn pack_b<K: Microkernel>(m: usize, k: usize, n: usize, kc: usize, pack_min_bytes: usize) -> bool {
    const MAX_IN_PLACE_SPAN: usize = 4 << 20;
    if pack_min_bytes == usize::MAX {
        return false;
    }
    let reused = m.div_ceil(K::MR) >= 3;
    let block_bytes = kc.min(k) * n * std::mem::size_of::<f32>();
    let conflict_free = !n.is_multiple_of(64) && block_bytes <= MAX_IN_PLACE_SPAN;
    reused && block_bytes > pack_min_bytes && !conflict_free
}

/// Runs `g` with the microkernel `kernel` and the blocking of `blocks` (its tile is
/// `kernel`'s), writing `c` (`m * n` floats).
pub(crate) fn gemm<K: Microkernel>(
    kernel: K,
    blocks: &MatmulTuning,
    threads: Threads<'_>,
    g: &Gemm<'_>,
    c: &mut [f32],
) {
    debug_assert_eq!((blocks.tile.mr, blocks.tile.nr), (K::MR, K::NR));
    let (kc_max, nc_max) = (blocks.kc.max(1), blocks.nc.max(1));
    let (m, k, n) = (g.m, g.k, g.n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for (i, out) in c.iter_mut().enumerate() {
            *out = g.finish_scalar(0.0, i % n);
        }
        return;
    }
    let out = SharedOut {
        ptr: c.as_mut_ptr(),
        ld: n,
    };
    let pool = threads.for_work(g.fmas());
    let packed = pack_b::<K>(m, k, n, kc_max, blocks.pack_min_bytes);
    let row_tiles = RowTiles::new(m, K::MR);
    for jc in (0..n).step_by(nc_max) {
        let nc = nc_max.min(n - jc);
        let panels = nc.div_ceil(K::NR);
        for pc in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - pc);
            let job = BlockJob {
                g,
                jc,
                nc,
                pc,
                kc,
                packed,
                row_tiles,
                mc: blocks.mc,
            };
            let packed_len = if packed { panels * K::NR * kc } else { 0 };
            with_scratch(&PACK_B, packed_len, |packed_b| {
                let b_block = &g.b[pc * n + jc..];
                let pack = |(q, panel): (usize, &mut [f32])| {
                    pack_b_panel(b_block, n, kc, nc, K::NR, q, panel)
                };
                match pool {
                    Some(p) => p.for_each_chunk(packed_b, K::NR * kc, |first, group| {
                        for (q, panel) in group.chunks_mut(K::NR * kc).enumerate() {
                            pack((first + q, panel));
                        }
                    }),
                    None => packed_b.chunks_mut(K::NR * kc).enumerate().for_each(pack),
                }
                let packed_b: &[f32] = packed_b;
                match pool {
                    Some(p) => {
                        let tasks = partition(row_tiles.count, panels, p.threads());
                        p.for_each_index(tasks.len(), |t| {
                            run_task(kernel, &job, packed_b, out, &tasks[t])
                        });
                    }
                    None => {
                        let all = Task {
                            tiles: 0..row_tiles.count,
                            panels: 0..panels,
                        };
                        run_task(kernel, &job, packed_b, out, &all)
                    }
                }
            });
        }
    }
}

/// The block of the loop nest a task works in.
struct BlockJob<'a> {
    g: &'a Gemm<'a>,
    jc: usize,
    nc: usize,
    pc: usize,
    kc: usize,
    /// The block's panels of B are in the packed buffer (else the tiles read B in
    /// place, a partial last panel through masked loads).
    packed: bool,
    row_tiles: RowTiles,
    /// Rows of A walked against one panel of B (rounded down to whole tiles).
    mc: usize,
}

fn run_task<K: Microkernel>(
    kernel: K,
    job: &BlockJob<'_>,
    packed_b: &[f32],
    out: SharedOut,
    task: &Task,
) {
    let BlockJob {
        g,
        jc,
        nc,
        pc,
        kc,
        packed,
        row_tiles,
        mc: block_rows_max,
    } = *job;
    let (k, n) = (g.k, g.n);
    let first = pc == 0;
    let last = pc + kc == k;
    // Blocks of MC rows (MC / MR whole tiles) of A are walked against each B panel.
    let tiles_per_block = (block_rows_max / K::MR).max(1);
    for block_start in task.tiles.clone().step_by(tiles_per_block) {
        let block = block_start..(block_start + tiles_per_block).min(task.tiles.end);
        let block_rows = row_tiles.rows(block.clone());
        let mc = block_rows.len();
        // A block of 1 to 3 rows runs wide tiles over several in-place panels.
        let wide = if mc <= 3 { wide_panels(mc, K::PV) } else { 1 };
        // Wide tiles span whole panels read in place.
        let wide_end = if packed {
            0
        } else {
            task.panels.end.min(nc / K::NR)
        };
        let mut q = task.panels.start;
        while q < task.panels.end {
            let span = if wide > 1 && q + wide <= wide_end {
                wide
            } else {
                1
            };
            let panel = q;
            q += span;
            let j0 = jc + panel * K::NR;
            let width = (span * K::NR).min(jc + nc - j0);
            let (b_panel, ldb) = if packed {
                (&packed_b[panel * K::NR * kc..][..K::NR * kc], K::NR)
            } else {
                // In place: kc rows of B from (pc, j0), `width` values each, stride n.
                (&g.b[pc * n + j0..][..(kc - 1) * n + width], n)
            };
            // A partial last panel runs only the vectors it needs (a 10-column panel of
            // 16 one vector per row); a wide tile all of its panels'.
            let vectors = if span > 1 {
                span * K::PV
            } else {
                width.div_ceil(K::LANES)
            };
            let tile_job = TileJob {
                kc,
                first,
                last,
                bias: g.bias.map_or(std::ptr::null(), |b| b[j0..].as_ptr()),
                relu: g.relu,
                a_row_stride: k,
                b_row_stride: ldb,
                vectors,
                cols: width,
            };
            for t in block.clone() {
                let tile_rows = row_tiles.rows(t..t + 1);
                let (ir, h) = (tile_rows.start, tile_rows.len());
                // Rows ir .. ir+h of A from column pc, read in place (row stride k).
                let a_tile = &g.a[ir * k + pc..][..(h - 1) * k + kc];
                // SAFETY: rows ir .. ir+h and columns j0 .. j0+width lie inside the
                // m x n output; only this task writes them in this block.
                let c_tile = unsafe { out.ptr.add(ir * out.ld + j0) };
                // SAFETY: `a_tile` holds the kc steps of h rows at stride k, `b_panel`
                // the kc steps of `width` columns at stride ldb (a packed panel holds
                // NR), the output tile has h rows of `width` columns at
                // stride n, the bias has them from j0; span is 1 or wide_panels(h, PV)
                // (h <= 3, whole panels: width = span * NR), and `vectors` is the
                // fewest vectors that cover `width`.
                unsafe {
                    kernel.tile(
                        h,
                        a_tile.as_ptr(),
                        b_panel.as_ptr(),
                        c_tile,
                        out.ld,
                        tile_job,
                    )
                };
            }
        }
    }
}

/// The `Scalar` path: rows split between threads, each row computed as
/// `acc[j] = fma(a[i][p], b[p][j], acc[j])` for `p` increasing (the reference chain
/// per output, walked row-wise so that B is read forwards), with `f32::mul_add`.
pub(crate) fn gemm_scalar(threads: Threads<'_>, g: &Gemm<'_>, c: &mut [f32]) {
    let (m, k, n) = (g.m, g.k, g.n);
    if m == 0 || n == 0 {
        return;
    }
    let row = |(i, c_row): (usize, &mut [f32])| {
        c_row.fill(0.0);
        for p in 0..k {
            let a = g.a[i * k + p];
            for (acc, &b) in c_row.iter_mut().zip(&g.b[p * n..][..n]) {
                *acc = fma(a, b, *acc);
            }
        }
        for (j, v) in c_row.iter_mut().enumerate() {
            *v = g.finish_scalar(*v, j);
        }
    };
    match threads.for_work(g.fmas()) {
        Some(pool) => pool.for_each_chunk(c, n, |first, rows| {
            for (i, c_row) in rows.chunks_mut(n).enumerate() {
                row((first + i, c_row));
            }
        }),
        None => c.chunks_mut(n).enumerate().for_each(row),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_tiles_are_balanced_and_cover_every_row_once() {
        for m in 1..200 {
            for mr in [6, 12] {
                let tiles = RowTiles::new(m, mr);
                let heights: Vec<usize> = (0..tiles.count)
                    .map(|t| tiles.rows(t..t + 1).len())
                    .collect();
                let (low, high) = (heights.iter().min(), heights.iter().max());
                assert!(high.unwrap() - low.unwrap() <= 1, "{m} {mr}: {heights:?}");
                assert!(*high.unwrap() <= mr);
                assert_eq!(tiles.rows(0..tiles.count), 0..m);
                for t in 1..tiles.count {
                    assert_eq!(tiles.rows(t - 1..t).end, tiles.rows(t..t + 1).start);
                }
            }
        }
        let tiles = RowTiles::new(64, 12);
        let heights: Vec<usize> = (0..6).map(|t| tiles.rows(t..t + 1).len()).collect();
        assert_eq!(heights, [10, 11, 11, 10, 11, 11]);
    }

    #[test]
    fn partition_covers_everything_once() {
        for (tiles, panels, tasks) in [(22, 8, 2), (1, 4, 2), (2, 1, 3), (17, 2, 3), (1, 5, 4)] {
            let parts = partition(tiles, panels, tasks);
            assert!(parts.len() <= tasks);
            let mut seen = vec![0u8; tiles * panels];
            for t in &parts {
                for i in t.tiles.clone() {
                    for q in t.panels.clone() {
                        seen[i * panels + q] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "{tiles} {panels} {tasks}");
        }
    }
}
