//! Static shapes with one dynamic batch size: a dimension is `c` or `c·N`, where `N` is
//! the batch size the inputs bring at run time (the first dimension an input leaves
//! open). Reshapes, flattens and views multiply and divide such dimensions; anything
//! that would need `N²` or a fraction of `N` is refused.

use std::fmt;

/// One dimension: `coef`, times the batch size when `batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dim {
    /// The constant factor.
    pub coef: u64,
    /// Whether the batch size multiplies it.
    pub batch: bool,
}

/// A shape: one [`Dim`] per axis.
pub type Shape = Vec<Dim>;

impl Dim {
    /// The batch size itself, `N`.
    pub const BATCH: Dim = Dim {
        coef: 1,
        batch: true,
    };

    /// A fixed size.
    pub const fn fixed(n: u64) -> Dim {
        Dim {
            coef: n,
            batch: false,
        }
    }

    /// The size when it does not depend on the batch.
    pub fn fixed_value(self) -> Option<u64> {
        (!self.batch).then_some(self.coef)
    }

    /// Whether this is the fixed size 1.
    pub fn is_one(self) -> bool {
        self == Dim::fixed(1)
    }

    /// `self · other`, unless that needs `N²` or overflows.
    pub fn mul(self, other: Dim) -> Option<Dim> {
        if self.batch && other.batch {
            return None;
        }
        Some(Dim {
            coef: self.coef.checked_mul(other.coef)?,
            batch: self.batch || other.batch,
        })
    }

    /// `self / other` when it is exact and of the form `c` or `c·N`.
    pub fn div(self, other: Dim) -> Option<Dim> {
        if other.coef == 0 || !self.coef.is_multiple_of(other.coef) || (other.batch && !self.batch)
        {
            return None;
        }
        Some(Dim {
            coef: self.coef / other.coef,
            batch: self.batch && !other.batch,
        })
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.batch, self.coef) {
            (false, c) => write!(f, "{c}"),
            (true, 1) => f.write_str("N"),
            (true, c) => write!(f, "{c}N"),
        }
    }
}

/// The product of `dims` (1 for none), unless it needs `N²` or overflows.
pub fn product(dims: &[Dim]) -> Option<Dim> {
    dims.iter().try_fold(Dim::fixed(1), |acc, &d| acc.mul(d))
}

/// `[2, N, 10]`.
pub fn show(shape: &[Dim]) -> String {
    let dims: Vec<String> = shape.iter().map(Dim::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// The fixed sizes of `shape`, or `None` when one depends on the batch.
pub fn fixed(shape: &[Dim]) -> Option<Vec<u64>> {
    shape.iter().map(|d| d.fixed_value()).collect()
}

/// The shape of fixed sizes `dims`.
pub fn of_fixed(dims: &[u64]) -> Shape {
    dims.iter().map(|&d| Dim::fixed(d)).collect()
}

/// The numpy broadcast of two shapes (aligned at the right, a 1 stretching to the other
/// size), or `None` when they do not broadcast.
pub fn broadcast(a: &[Dim], b: &[Dim]) -> Option<Shape> {
    let rank = a.len().max(b.len());
    let at = |s: &[Dim], i: usize| {
        let pad = rank - s.len();
        if i < pad { Dim::fixed(1) } else { s[i - pad] }
    };
    (0..rank)
        .map(|i| {
            let (x, y) = (at(a, i), at(b, i));
            if x == y || y.is_one() {
                Some(x)
            } else if x.is_one() {
                Some(y)
            } else {
                None
            }
        })
        .collect()
}

/// How `b` meets `a` as one row broadcast over rows: `Some(row length)` when `b`,
/// without its leading 1s, is the trailing part of `a`'s shape (so each of `a`'s rows of
/// that length meets all of `b`), and the broadcast result has `a`'s element count.
pub fn row_broadcast(a: &[Dim], b: &[Dim]) -> Option<Dim> {
    let start = b.iter().position(|d| !d.is_one()).unwrap_or(b.len());
    let tail = &b[start..];
    if tail.len() > a.len() || a[a.len() - tail.len()..] != *tail {
        return None;
    }
    let result = broadcast(a, b)?;
    if product(&result)? != product(a)? {
        return None;
    }
    product(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: Dim = Dim::BATCH;
    fn f(n: u64) -> Dim {
        Dim::fixed(n)
    }

    #[test]
    fn arithmetic_keeps_one_batch_factor() {
        assert_eq!(
            N.mul(f(3)),
            Some(Dim {
                coef: 3,
                batch: true
            })
        );
        assert_eq!(N.mul(N), None);
        assert_eq!(
            Dim {
                coef: 12,
                batch: true
            }
            .div(f(4)),
            Some(Dim {
                coef: 3,
                batch: true
            })
        );
        assert_eq!(
            Dim {
                coef: 12,
                batch: true
            }
            .div(Dim {
                coef: 3,
                batch: true
            }),
            Some(f(4))
        );
        assert_eq!(f(12).div(N), None);
        assert_eq!(f(12).div(f(5)), None);
        assert_eq!(
            product(&[N, f(2), f(5)]).map(|d| d.to_string()),
            Some("10N".into())
        );
        assert_eq!(show(&[N, f(4)]), "[N, 4]");
    }

    #[test]
    fn broadcasts_as_numpy() {
        assert_eq!(broadcast(&[N, f(3)], &[f(3)]), Some(vec![N, f(3)]));
        assert_eq!(
            broadcast(&[f(2), f(3)], &[f(2), f(1)]),
            Some(vec![f(2), f(3)])
        );
        assert_eq!(broadcast(&[f(2), f(3)], &[f(4)]), None);
        assert_eq!(
            broadcast(&[f(3)], &[f(1), f(1), f(3)]),
            Some(vec![f(1), f(1), f(3)])
        );
    }

    #[test]
    fn row_broadcasts_are_trailing_parts() {
        assert_eq!(row_broadcast(&[N, f(3), f(4)], &[f(3), f(4)]), Some(f(12)));
        assert_eq!(row_broadcast(&[N, f(4)], &[f(1), f(4)]), Some(f(4)));
        assert_eq!(
            row_broadcast(&[f(2), f(3)], &[f(1)]),
            Some(f(1)),
            "a scalar"
        );
        assert_eq!(
            row_broadcast(&[f(2), f(3)], &[f(2), f(1)]),
            None,
            "a column"
        );
        assert_eq!(row_broadcast(&[f(3)], &[f(2), f(3)]), None, "b is larger");
    }
}
