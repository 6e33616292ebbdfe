//! Paying for an instruction's work (`adead_isa::fuel`, ISA.md "Limits"): `alloc`,
//! `mcopy`, `mfill` and the tensor instructions cost fuel by the work their operands
//! ask for. The operation checks its operands first (a trap for them costs no work),
//! then pays with [`pay`] before it changes anything, then works.
//!
//! The fuel handed to an operation is what the caller can spend: the interpreter's
//! metered loop passes the exact fuel left; its fast loop and native code pass what
//! their run's charge left over, and when that is short they let the metered loop run
//! the instruction again with the exact amount. Without fuel metered, callers pass
//! `u64::MAX`.

use adead_isa::TrapKind;
use adead_isa::fuel::work_fuel;

/// Takes the fuel of `work` units of work from `fuel`; `Err(TrapKind::OutOfFuel)`, with
/// nothing taken, when it cannot pay. (The operations return that error for exactly
/// this reason and no other, so callers can tell it apart.)
pub(crate) fn pay(fuel: &mut u64, work: u64) -> Result<(), TrapKind> {
    let cost = work_fuel(work);
    if cost > *fuel {
        return Err(TrapKind::OutOfFuel);
    }
    *fuel -= cost;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pays_one_unit_per_64_of_work_or_nothing() {
        let mut fuel = 10;
        assert_eq!(pay(&mut fuel, 63), Ok(()));
        assert_eq!(fuel, 10);
        assert_eq!(pay(&mut fuel, 640), Ok(()));
        assert_eq!(fuel, 0);
        assert_eq!(pay(&mut fuel, 64), Err(TrapKind::OutOfFuel));
        assert_eq!(fuel, 0);
    }
}
