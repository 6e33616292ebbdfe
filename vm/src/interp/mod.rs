//! The interpreter tier: predecoded code and the loop that runs it.

mod code;
mod predecode;
mod run;

pub(crate) use code::Code;
pub(crate) use predecode::predecode;
pub use run::Finish;
pub(crate) use run::{Frame, Machine, Stop};

/// The end of one invocation, with the exact fuel it used.
pub(crate) struct Outcome {
    pub result: Result<Finish, (adead_isa::TrapKind, usize, Option<String>)>,
    pub fuel_used: u64,
}

impl Machine<'_> {
    /// Calls function `func` with `args` (already checked against its parameter count),
    /// running the fast loop and switching to the metered loop when fuel runs short.
    pub(crate) fn invoke(&mut self, func: u32, args: &[u64], fuel: u64) -> Outcome {
        let info = &self.code.funcs[func as usize];
        let regs = info.regs as usize;
        if self.stack.len() < regs {
            self.stack.resize(regs, 0);
        }
        self.stack[..regs].fill(0);
        self.stack[..args.len()].copy_from_slice(args);
        self.frames.clear();
        self.calls[func as usize] += 1;
        self.pc = info.entry as usize;
        self.fp = 0;
        self.func = func;
        let mut metered = u64::from(info.entry_cost) > fuel;
        self.fuel = if metered {
            fuel
        } else {
            fuel - u64::from(info.entry_cost)
        };
        loop {
            let stop = if metered {
                self.run::<true>()
            } else {
                self.run::<false>()
            };
            match stop {
                Ok(finish) => {
                    return Outcome {
                        result: Ok(finish),
                        fuel_used: fuel - self.fuel,
                    };
                }
                Err(Stop::Meter) => metered = true,
                Err(Stop::Trap { kind, pc, detail }) => {
                    // The fast loop charged the rest of the run ahead; give it back.
                    let unrun = if metered {
                        0
                    } else {
                        u64::from(self.code.refund[pc])
                    };
                    return Outcome {
                        result: Err((kind, pc, detail)),
                        fuel_used: fuel - self.fuel - unrun,
                    };
                }
            }
        }
    }
}
