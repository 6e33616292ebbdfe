//! The heap's free ranges ("holes"), ordered by address, with first fit in logarithmic
//! time: a treap keyed by address whose nodes also hold the largest hole of their
//! subtree, so the search for the lowest-addressed hole of at least `size` bytes walks
//! one path from the root instead of every hole.
//!
//! Priorities come from a hash of the address, so the shape (and the time) depends
//! only on the holes; the answers never depend on the shape.

/// No node.
const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Node {
    addr: u64,
    len: u64,
    /// The largest `len` in this node's subtree.
    max: u64,
    priority: u64,
    left: u32,
    right: u32,
}

/// Non-overlapping ranges `(addr, len)`, `len > 0`.
#[derive(Clone, Debug)]
pub(crate) struct Holes {
    nodes: Vec<Node>,
    /// Slots of removed nodes, reused first.
    spare: Vec<u32>,
    root: u32,
}

/// splitmix64: a well-mixed priority for each address.
fn priority_of(addr: u64) -> u64 {
    let mut z = addr.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Holes {
    pub(crate) fn new() -> Holes {
        Holes {
            nodes: Vec::new(),
            spare: Vec::new(),
            root: NIL,
        }
    }

    /// True when there is no hole.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.root == NIL
    }

    /// The lowest-addressed hole of at least `size` bytes.
    pub(crate) fn first_fit(&self, size: u64) -> Option<(u64, u64)> {
        let mut at = self.root;
        if at == NIL || self.nodes[at as usize].max < size {
            return None;
        }
        // Invariant: the subtree at `at` holds a hole of at least `size`.
        loop {
            let node = &self.nodes[at as usize];
            if node.left != NIL && self.nodes[node.left as usize].max >= size {
                at = node.left;
            } else if node.len >= size {
                return Some((node.addr, node.len));
            } else {
                at = node.right;
            }
        }
    }

    /// Adds the hole `[addr, addr + len)`, which overlaps none.
    pub(crate) fn insert(&mut self, addr: u64, len: u64) {
        let node = Node {
            addr,
            len,
            max: len,
            priority: priority_of(addr),
            left: NIL,
            right: NIL,
        };
        let index = match self.spare.pop() {
            Some(index) => {
                self.nodes[index as usize] = node;
                index
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        let (below, above) = self.split(self.root, addr);
        let left = self.merge(below, index);
        self.root = self.merge(left, above);
    }

    /// Removes the hole starting at `addr`, which exists.
    pub(crate) fn remove(&mut self, addr: u64) {
        let (below, rest) = self.split(self.root, addr);
        // `rest` starts with the hole at `addr`: split it off after its address.
        let (hole, above) = self.split(rest, addr + 1);
        debug_assert!(hole != NIL && self.nodes[hole as usize].addr == addr);
        if hole != NIL {
            self.spare.push(hole);
        }
        self.root = self.merge(below, above);
    }

    /// Splits the subtree at `at` into the holes below `addr` and those from it on.
    fn split(&mut self, at: u32, addr: u64) -> (u32, u32) {
        if at == NIL {
            return (NIL, NIL);
        }
        if self.nodes[at as usize].addr < addr {
            let (middle, above) = self.split(self.nodes[at as usize].right, addr);
            self.nodes[at as usize].right = middle;
            self.update(at);
            (at, above)
        } else {
            let (below, middle) = self.split(self.nodes[at as usize].left, addr);
            self.nodes[at as usize].left = middle;
            self.update(at);
            (below, at)
        }
    }

    /// Joins two subtrees, every hole of `low` below every hole of `high`.
    fn merge(&mut self, low: u32, high: u32) -> u32 {
        if low == NIL {
            return high;
        }
        if high == NIL {
            return low;
        }
        if self.nodes[low as usize].priority > self.nodes[high as usize].priority {
            let right = self.merge(self.nodes[low as usize].right, high);
            self.nodes[low as usize].right = right;
            self.update(low);
            low
        } else {
            let left = self.merge(low, self.nodes[high as usize].left);
            self.nodes[high as usize].left = left;
            self.update(high);
            high
        }
    }

    fn update(&mut self, at: u32) {
        let node = self.nodes[at as usize];
        let max_of = |child: u32| {
            if child == NIL {
                0
            } else {
                self.nodes[child as usize].max
            }
        };
        let max = node.len.max(max_of(node.left)).max(max_of(node.right));
        self.nodes[at as usize].max = max;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::Holes;

    proptest! {
        /// Against the definition: the first hole in address order that is large enough.
        #[test]
        fn first_fit_is_the_lowest_addressed_hole_that_fits(
            ops in proptest::collection::vec((0u64..64, 1u64..8, 0u64..10), 1..300)
        ) {
            let mut holes = Holes::new();
            let mut model: BTreeMap<u64, u64> = BTreeMap::new();
            for (slot, len, size) in ops {
                // Slots of 8 units: holes never overlap.
                let addr = slot * 8;
                if let Some(len) = model.remove(&addr) {
                    let _ = len;
                    holes.remove(addr);
                } else {
                    model.insert(addr, len);
                    holes.insert(addr, len);
                }
                let expected = model.iter().find(|&(_, &l)| l >= size).map(|(&a, &l)| (a, l));
                prop_assert_eq!(holes.first_fit(size), expected);
                prop_assert_eq!(holes.is_empty(), model.is_empty());
            }
        }
    }

    #[test]
    fn a_hundred_thousand_holes_stay_shallow() {
        // Addresses in increasing order, the worst case for an unbalanced tree.
        let mut holes = Holes::new();
        for i in 0..100_000u64 {
            holes.insert(i * 32, 16);
        }
        fn depth(holes: &Holes, at: u32) -> usize {
            if at == super::NIL {
                return 0;
            }
            let node = holes.nodes[at as usize];
            1 + depth(holes, node.left).max(depth(holes, node.right))
        }
        // A treap's expected depth is about 3 log2(n) = 50 here.
        assert!(depth(&holes, holes.root) < 100);
        assert_eq!(holes.first_fit(17), None);
        assert_eq!(holes.first_fit(16), Some((0, 16)));
        holes.insert(100_000 * 32, 64);
        assert_eq!(holes.first_fit(17), Some((100_000 * 32, 64)));
    }
}
