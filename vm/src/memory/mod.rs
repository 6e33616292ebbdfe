//! Linear memory and the deterministic heap allocator behind `alloc` and `free`.
//!
//! Memory is a little-endian byte array. Addresses 0..16 are never handed out, so 0 can
//! serve as a null address. The heap starts at the first 16-aligned address after the
//! data segments. Its bookkeeping lives outside linear memory, so no store by the
//! program can corrupt it, and it depends only on the sequence of requests: the same
//! sequence gives the same addresses on every host and tier.
//!
//! Policy: first fit in address order over freed ranges (coalesced with neighbours),
//! found in logarithmic time (`holes.rs`), else bump the top of the heap; memory grows (doubling, capped by the engine's
//! `max_memory`) only when the top passes its end. Blocks are 16-byte aligned and
//! their size is rounded up to a multiple of 16; fresh blocks are zeroed.

mod holes;

use std::collections::BTreeMap;

use adead_isa::TrapKind;
use adead_isa::semantics::effective_address;

use holes::Holes;

use crate::profile::MemoryTraffic;

const ALIGN: u64 = 16;
/// Memory grows in multiples of this many bytes.
const GROW_GRANULE: u64 = 64 * 1024;

/// The linear memory of an instance, with its heap.
#[derive(Clone, Debug)]
pub(crate) struct Memory {
    bytes: Vec<u8>,
    max_len: u64,
    heap_top: u64,
    /// Live blocks: address -> size.
    live: BTreeMap<u64, u64>,
    /// Freed ranges below `heap_top`, coalesced: address -> size (for the neighbours
    /// of a freed block).
    free: BTreeMap<u64, u64>,
    /// The same ranges, for first fit.
    holes: Holes,
    /// What the heap and the range instructions did.
    traffic: MemoryTraffic,
}

fn align_up(value: u64, align: u64) -> Option<u64> {
    value.checked_add(align - 1).map(|v| v & !(align - 1))
}

impl Memory {
    /// Memory of exactly `size` bytes whose heap starts after `data_end` (and at 16 or
    /// above, so that `alloc` never returns 0).
    /// `None` when the host cannot provide the bytes: the size comes from the module,
    /// so its allocation must not abort the process.
    pub(crate) fn new(size: u64, data_end: u64, max_len: u64) -> Option<Memory> {
        let heap_base = align_up(data_end.max(ALIGN), ALIGN).unwrap_or(u64::MAX);
        let size = usize::try_from(size).ok()?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(size).ok()?;
        bytes.resize(size, 0);
        Some(Memory {
            bytes,
            max_len: max_len.max(size as u64),
            heap_top: heap_base,
            live: BTreeMap::new(),
            free: BTreeMap::new(),
            holes: Holes::new(),
            traffic: MemoryTraffic::default(),
        })
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Current size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// What `alloc`, `free`, `mcopy` and `mfill` did so far.
    pub(crate) fn traffic(&self) -> MemoryTraffic {
        self.traffic
    }

    /// Allocates a zeroed, 16-aligned block of `size` bytes and returns its address,
    /// paying for its work (the size asked, `crate::work`) from `fuel` once a place
    /// for it is found.
    pub(crate) fn alloc(&mut self, size: u64, fuel: &mut u64) -> Result<u64, TrapKind> {
        let asked = size;
        let size = align_up(size.max(1), ALIGN).ok_or(TrapKind::OutOfMemory)?;
        let hole = self.holes.first_fit(size);
        if hole.is_none() {
            let end = self
                .heap_top
                .checked_add(size)
                .ok_or(TrapKind::OutOfMemory)?;
            if end > self.max_len {
                return Err(TrapKind::OutOfMemory);
            }
        }
        crate::work::pay(fuel, asked)?;
        let addr = match hole {
            Some((addr, len)) => {
                self.remove_hole(addr);
                if len > size {
                    self.insert_hole(addr + size, len - size);
                }
                addr
            }
            None => self.bump(size)?,
        };
        self.bytes[addr as usize..(addr + size) as usize].fill(0);
        self.live.insert(addr, size);
        let traffic = &mut self.traffic;
        traffic.allocations += 1;
        traffic.allocated_bytes += size;
        traffic.live_heap_bytes += size;
        traffic.peak_heap_bytes = traffic.peak_heap_bytes.max(traffic.live_heap_bytes);
        Ok(addr)
    }

    /// True when no freed range is waiting for reuse.
    #[cfg(test)]
    fn no_holes(&self) -> bool {
        self.free.is_empty() && self.holes.is_empty()
    }

    fn insert_hole(&mut self, addr: u64, len: u64) {
        self.free.insert(addr, len);
        self.holes.insert(addr, len);
    }

    fn remove_hole(&mut self, addr: u64) {
        self.free.remove(&addr);
        self.holes.remove(addr);
    }

    fn bump(&mut self, size: u64) -> Result<u64, TrapKind> {
        let addr = self.heap_top;
        let end = addr.checked_add(size).ok_or(TrapKind::OutOfMemory)?;
        if end > self.len() {
            self.grow_to(end)?;
        }
        self.heap_top = end;
        Ok(addr)
    }

    fn grow_to(&mut self, needed: u64) -> Result<(), TrapKind> {
        if needed > self.max_len {
            return Err(TrapKind::OutOfMemory);
        }
        let doubled = self.len().saturating_mul(2);
        let target = align_up(needed.max(doubled), GROW_GRANULE)
            .unwrap_or(u64::MAX)
            .min(self.max_len);
        let target = usize::try_from(target).map_err(|_| TrapKind::OutOfMemory)?;
        self.bytes
            .try_reserve_exact(target - self.bytes.len())
            .map_err(|_| TrapKind::OutOfMemory)?;
        self.bytes.resize(target, 0);
        Ok(())
    }

    /// `mcopy`: copies `len` bytes from `from` to `to` (the ranges may overlap); a range
    /// outside memory traps, even an empty one that starts past the end.
    /// Its work, `len`, is paid from `fuel` once both ranges are checked.
    pub(crate) fn copy(
        &mut self,
        to: u64,
        from: u64,
        len: u64,
        fuel: &mut u64,
    ) -> Result<(), TrapKind> {
        let end = self.len();
        let to = effective_address(to, 0, len, end)?;
        let from = effective_address(from, 0, len, end)?;
        crate::work::pay(fuel, len)?;
        self.bytes.copy_within(from..from + len as usize, to);
        self.traffic.copied_bytes += len;
        Ok(())
    }

    /// `mfill`: sets `len` bytes at `to` to `byte`; a range outside memory traps.
    /// Its work, `len`, is paid from `fuel` once the range is checked.
    pub(crate) fn fill(
        &mut self,
        to: u64,
        byte: u8,
        len: u64,
        fuel: &mut u64,
    ) -> Result<(), TrapKind> {
        let to = effective_address(to, 0, len, self.len())?;
        crate::work::pay(fuel, len)?;
        self.bytes[to..to + len as usize].fill(byte);
        self.traffic.filled_bytes += len;
        Ok(())
    }

    /// Releases the block at `addr`; anything but the address of a live block traps.
    pub(crate) fn free(&mut self, addr: u64) -> Result<(), TrapKind> {
        let size = self.live.remove(&addr).ok_or(TrapKind::BadFree)?;
        self.traffic.frees += 1;
        self.traffic.live_heap_bytes -= size;
        let (mut start, mut len) = (addr, size);
        if let Some((&prev, &prev_len)) = self.free.range(..start).next_back()
            && prev + prev_len == start
        {
            self.remove_hole(prev);
            start = prev;
            len += prev_len;
        }
        if let Some(&next_len) = self.free.get(&(start + len)) {
            self.remove_hole(start + len);
            len += next_len;
        }
        if start + len == self.heap_top {
            self.heap_top = start;
        } else {
            self.insert_hole(start, len);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `alloc` with fuel to spare.
    fn take(memory: &mut Memory, size: u64) -> Result<u64, TrapKind> {
        let mut unlimited = u64::MAX;
        memory.alloc(size, &mut unlimited)
    }

    /// The placement rule as ISA.md states it, searched the slow way: the first freed
    /// range in address order that is large enough, else the top of the heap.
    struct Reference {
        top: u64,
        live: BTreeMap<u64, u64>,
        free: BTreeMap<u64, u64>,
    }

    impl Reference {
        fn alloc(&mut self, size: u64) -> u64 {
            let size = align_up(size.max(1), ALIGN).unwrap();
            if let Some((&addr, &len)) = self.free.iter().find(|&(_, &len)| len >= size) {
                self.free.remove(&addr);
                if len > size {
                    self.free.insert(addr + size, len - size);
                }
                self.live.insert(addr, size);
                return addr;
            }
            let addr = self.top;
            self.top += size;
            self.live.insert(addr, size);
            addr
        }

        fn free(&mut self, addr: u64) {
            let size = self.live.remove(&addr).unwrap();
            self.free.insert(addr, size);
            // Coalesce everything adjacent, then give the top range back to the top.
            let ranges: Vec<(u64, u64)> = self.free.iter().map(|(&a, &l)| (a, l)).collect();
            self.free.clear();
            for (a, l) in ranges {
                match self.free.iter_mut().next_back() {
                    Some((&pa, pl)) if pa + *pl == a => *pl += l,
                    _ => {
                        self.free.insert(a, l);
                    }
                }
            }
            if let Some((&a, &l)) = self.free.iter().next_back()
                && a + l == self.top
            {
                self.free.remove(&a);
                self.top = a;
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn allocation_follows_the_first_fit_rule(
            ops in proptest::collection::vec((proptest::bool::ANY, 0u64..200, 0usize..64), 1..400)
        ) {
            let mut memory = Memory::new(1 << 16, 40, 1 << 20).unwrap();
            let mut reference = Reference {
                top: 48,
                live: BTreeMap::new(),
                free: BTreeMap::new(),
            };
            let mut live: Vec<u64> = Vec::new();
            for (is_alloc, size, pick) in ops {
                if is_alloc || live.is_empty() {
                    let addr = take(&mut memory, size).unwrap();
                    proptest::prop_assert_eq!(addr, reference.alloc(size));
                    live.push(addr);
                } else {
                    let addr = live.swap_remove(pick % live.len());
                    memory.free(addr).unwrap();
                    reference.free(addr);
                }
                proptest::prop_assert_eq!(memory.heap_top, reference.top);
                proptest::prop_assert_eq!(&memory.free, &reference.free);
            }
        }
    }

    fn memory() -> Memory {
        Memory::new(4096, 40, 1 << 20).unwrap()
    }

    #[test]
    fn blocks_are_aligned_after_data_and_never_at_zero() {
        let mut m = memory();
        assert_eq!(take(&mut m, 1), Ok(48));
        assert_eq!(take(&mut m, 17), Ok(64));
        assert_eq!(take(&mut m, 0), Ok(96));
        let mut empty = Memory::new(64, 0, 64).unwrap();
        assert_eq!(take(&mut empty, 8), Ok(16));
    }

    #[test]
    fn freed_ranges_are_reused_first_fit_and_coalesced() {
        let mut m = memory();
        let a = take(&mut m, 16).unwrap();
        let b = take(&mut m, 16).unwrap();
        let c = take(&mut m, 16).unwrap();
        let _d = take(&mut m, 16).unwrap();
        m.free(a).unwrap();
        m.free(b).unwrap();
        // a and b merged into one 32-byte range at a.
        assert_eq!(take(&mut m, 32), Ok(a));
        m.free(c).unwrap();
        assert_eq!(take(&mut m, 16), Ok(c));
    }

    #[test]
    fn freeing_the_top_block_lowers_the_top() {
        let mut m = memory();
        let a = take(&mut m, 100).unwrap();
        m.free(a).unwrap();
        assert_eq!(take(&mut m, 100), Ok(a));
        assert!(m.no_holes());
    }

    #[test]
    fn bad_and_double_free_trap() {
        let mut m = memory();
        let a = take(&mut m, 16).unwrap();
        assert_eq!(m.free(a + 1), Err(TrapKind::BadFree));
        m.free(a).unwrap();
        assert_eq!(m.free(a), Err(TrapKind::BadFree));
        assert_eq!(m.free(0), Err(TrapKind::BadFree));
    }

    #[test]
    fn memory_grows_up_to_the_limit_then_traps() {
        let mut m = Memory::new(1024, 0, 256 * 1024).unwrap();
        let a = take(&mut m, 200 * 1024).unwrap();
        assert!(m.len() >= a + 200 * 1024);
        assert_eq!(take(&mut m, 100 * 1024), Err(TrapKind::OutOfMemory));
        assert_eq!(take(&mut m, u64::MAX), Err(TrapKind::OutOfMemory));
    }

    #[test]
    fn work_is_paid_after_the_checks_and_before_any_change() {
        let mut m = Memory::new(4096, 40, 4096).unwrap();
        let mut fuel = 31;
        assert_eq!(m.alloc(5000, &mut fuel), Err(TrapKind::OutOfMemory));
        assert_eq!(fuel, 31, "a request that cannot be placed costs no work");
        // 2048 bytes of work: 32 units.
        assert_eq!(m.alloc(2048, &mut fuel), Err(TrapKind::OutOfFuel));
        assert_eq!(
            (fuel, m.heap_top),
            (31, 48),
            "nothing taken, nothing placed"
        );
        let mut fuel = 32;
        assert_eq!(m.alloc(2048, &mut fuel), Ok(48));
        assert_eq!(fuel, 0);
        let mut fuel = 1;
        assert_eq!(m.fill(0, 7, 128, &mut fuel), Err(TrapKind::OutOfFuel));
        assert_eq!((fuel, m.bytes()[0]), (1, 0));
        assert_eq!(m.copy(0, 4000, 200, &mut fuel), Err(TrapKind::OutOfBounds));
        assert_eq!(m.copy(0, 64, 64, &mut fuel), Ok(()));
        assert_eq!(fuel, 0);
    }

    #[test]
    fn reused_blocks_are_zeroed() {
        let mut m = memory();
        let a = take(&mut m, 32).unwrap();
        m.bytes_mut()[a as usize] = 7;
        m.free(a).unwrap();
        let b = take(&mut m, 32).unwrap();
        assert_eq!(b, a);
        assert_eq!(m.bytes()[b as usize], 0);
    }
}
