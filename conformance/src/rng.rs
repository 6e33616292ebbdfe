//! A small deterministic random number generator (xorshift64*), so that the sweep's
//! operands depend only on its seed, on every host and toolchain.

/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators").
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from `seed` (any value; zero is remapped, as xorshift cannot leave 0).
    pub fn new(seed: u64) -> Rng {
        Rng {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`); the tiny modulo bias does not matter here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One element of `items` (not empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected values are xorshift64* (shifts 12, 25, 27; multiplier
    /// 0x2545F4914F6CDD1D) computed independently with Python integers:
    ///
    /// ```python
    /// def gen(x, n):
    ///     out = []
    ///     for _ in range(n):
    ///         x ^= x >> 12
    ///         x ^= (x << 25) % 2**64
    ///         x ^= x >> 27
    ///         out.append(x * 0x2545F4914F6CDD1D % 2**64)
    ///     return out
    /// gen(7, 4); gen(1, 3); gen(0x9E3779B97F4A7C15, 2)  # the last is seed 0, remapped
    /// ```
    #[test]
    fn the_sequence_is_xorshift64_star() {
        let first = |seed: u64, n: usize| -> Vec<u64> {
            let mut rng = Rng::new(seed);
            (0..n).map(|_| rng.next_u64()).collect()
        };
        assert_eq!(
            first(7, 4),
            [
                0xd1fb_af7f_728d_2eae,
                0xeda4_6c77_629d_a6ae,
                0x16df_9d6a_c76b_d322,
                0x1b8d_7895_3576_722e,
            ]
        );
        assert_eq!(
            first(1, 3),
            [
                0x47e4_ce4b_896c_dd1d,
                0xabcf_a6a8_e079_651d,
                0xb9d1_0d8f_eb73_1f57,
            ]
        );
        assert_eq!(first(0, 2), [0x0d83_b3e2_9a21_487a, 0x54c4_4c79_f1fe_9d67]);
    }
}
