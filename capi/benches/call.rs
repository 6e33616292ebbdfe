//! The cost of one call from the host: an exported identity function (`ret r0`)
//! called through the Rust API and through the C ABI, in the same process
//! (`cargo bench -p adead-capi --bench call`; `benches/capi_call.sh` runs it with the C
//! program that calls the same function from C).
//!
//! - `rust/Instance::call`: by name, the result as a `Vec<Value>`.
//! - `rust/Instance::invoke`: by function index, the result as a `Completion`.
//! - `c_abi/adead_instance_call`: the `extern "C"` function as C calls it: a
//!   NUL-terminated name, an `adead_val_t` array, a result slot and a trap slot.
//!
//! Each under the interpreter alone and under the default policy (tier auto, where the
//! function runs as native code after its first calls).

use std::hint::black_box;
use std::ptr;

use adead::{
    ADEAD_I64, ADEAD_TIER_AUTO, ADEAD_TIER_INTERP, adead_config_delete, adead_config_new,
    adead_config_set_tier, adead_engine_delete, adead_engine_new, adead_instance_call,
    adead_instance_delete, adead_instance_new, adead_module_delete, adead_module_from_asm,
    adead_tier_t, adead_val_t, adead_valunion_t,
};
use adead_vm::{Config, Engine, Imports, Instance, Module, Tier, Value};
use criterion::{Criterion, criterion_group, criterion_main};

const IDENTITY: &str = ".func id params=1 regs=1\n    ret r0\n.end\n.export id\n";

fn calls(c: &mut Criterion) {
    for (label, tier, c_tier) in [
        ("interp", Tier::Interp, ADEAD_TIER_INTERP),
        ("auto", Tier::Auto, ADEAD_TIER_AUTO),
    ] {
        let mut group = c.benchmark_group(format!("call_identity/{label}"));

        let engine = Engine::new(Config {
            tier,
            ..Config::default()
        });
        let module = Module::from_asm(&engine, IDENTITY, "identity.asm").expect("assembles");
        let mut instance = Instance::new(&module, &Imports::new()).expect("instantiates");
        let func = module.isa().export("id").expect("exported");
        let mut n = 0i64;
        group.bench_function("rust/Instance::call", |b| {
            b.iter(|| {
                n += 1;
                let result = instance.call("id", &[Value::I64(black_box(n))]);
                assert_eq!(result, Ok(vec![Value::I64(n)]));
            })
        });
        group.bench_function("rust/Instance::invoke", |b| {
            b.iter(|| {
                n += 1;
                let completion = instance.invoke(func, &[Value::I64(black_box(n))]);
                black_box(completion.expect("returns"));
            })
        });

        let capi = CInstance::new(c_tier);
        group.bench_function("c_abi/adead_instance_call", |b| {
            b.iter(|| {
                n += 1;
                assert_eq!(capi.call(black_box(n)), n);
            })
        });
        group.finish();
    }
}

/// An instance made and called through the C API only.
struct CInstance {
    engine: *mut adead::adead_engine_t,
    module: *mut adead::adead_module_t,
    instance: *mut adead::adead_instance_t,
}

impl CInstance {
    fn new(tier: adead_tier_t) -> CInstance {
        let mut config = adead_config_new();
        assert!(adead_config_set_tier(Some(&mut config), tier).is_none());
        let engine = Box::into_raw(adead_engine_new(Some(&config)));
        adead_config_delete(Some(config));
        let mut module = ptr::null_mut();
        // SAFETY: live engine, readable source, NULL file name allowed.
        let error = unsafe {
            adead_module_from_asm(
                engine.as_ref(),
                IDENTITY.as_ptr().cast(),
                IDENTITY.len(),
                ptr::null(),
                Some(&mut module),
            )
        };
        assert!(error.is_none());
        let mut instance = ptr::null_mut();
        // SAFETY: `module` is the live module just made.
        assert!(
            adead_instance_new(unsafe { module.as_ref() }, None, Some(&mut instance)).is_none()
        );
        CInstance {
            engine,
            module,
            instance,
        }
    }

    fn call(&self, x: i64) -> i64 {
        let arg = adead_val_t {
            kind: ADEAD_I64,
            of: adead_valunion_t { i64: x },
        };
        let mut result = arg;
        let mut trap = ptr::null_mut();
        // SAFETY: a live instance, a NUL-terminated name, one argument, two slots.
        let error = unsafe {
            adead_instance_call(
                self.instance.as_mut(),
                c"id".as_ptr(),
                &arg,
                1,
                Some(&mut result),
                Some(&mut trap),
            )
        };
        assert!(error.is_none() && trap.is_null());
        // SAFETY: the call wrote an I64.
        unsafe { result.of.i64 }
    }
}

impl Drop for CInstance {
    fn drop(&mut self) {
        // SAFETY: each pointer came from `Box::into_raw` in `new` and is freed once.
        unsafe {
            adead_instance_delete(Some(Box::from_raw(self.instance)));
            adead_module_delete(Some(Box::from_raw(self.module)));
            adead_engine_delete(Some(Box::from_raw(self.engine)));
        }
    }
}

criterion_group!(benches, calls);
criterion_main!(benches);
