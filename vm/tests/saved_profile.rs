//! Warm starts: a saved profile compiles at load what an earlier run compiled, is
//! refused for another module or format, and never changes what a run computes.

use adead_vm::{
    Config, Engine, Entry, Imports, Instance, Level, Module, ProfileError, SavedLevel,
    SavedProfile, Tier, Value,
};

/// `main(n)`: sums i * i for i below n in a loop, through a call per iteration.
const PROGRAM: &str = "
.func main params=1 regs=5
    movi r1, 0
    movi r2, 0
top:
    call r3, square, r2, 1
    add r1, r1, r3
    addi r2, r2, 1
    blt r2, r0, top
    ret r1
.end
.func square params=1 regs=1
    mul r0, r0, r0
    ret r0
.end
";

fn engine_for(tier: Tier) -> Engine {
    Engine::new(Config {
        tier,
        baseline_threshold: 2,
        jit_threshold: 20,
        background_compile: false,
        count_instructions: true,
        ..Config::default()
    })
}

/// Runs `main(n)` on `module`: the result and the fuel used.
fn run(module: &Module, n: i64) -> (u64, Option<u64>) {
    let mut instance = Instance::new(module, &Imports::new()).unwrap();
    let completion = instance.call_entry(&[Value::I64(n)]).unwrap();
    let (adead_vm::Finish::Returned(bits) | adead_vm::Finish::Halted(bits)) = completion.finish;
    (bits, completion.fuel_used)
}

fn profile_of_a_run(engine: &Engine, n: i64) -> SavedProfile {
    let module = Module::from_asm(engine, PROGRAM, "squares.asm").unwrap();
    let mut instance = Instance::new(&module, &Imports::new()).unwrap();
    instance.call_entry(&[Value::I64(n)]).unwrap();
    SavedProfile::of(&instance)
}

fn compiled_at_load(module: &Module) -> Vec<(u32, Entry, Level)> {
    let mut compiled: Vec<_> = module
        .native_profile()
        .map(|p| p.compiled)
        .unwrap_or_default()
        .iter()
        .map(|r| (r.func, r.entry, r.level))
        .collect();
    compiled.sort_by_key(|&(func, entry, level)| (func, format!("{entry:?}"), level.name()));
    compiled
}

#[test]
fn a_warm_start_compiles_at_load_what_the_saved_run_compiled() {
    if cfg!(not(all(target_arch = "x86_64", unix))) {
        // No baseline tier on this host: what is compiled differs (the policy test
        // below still runs).
        return;
    }
    let engine = engine_for(Tier::Auto);
    let profile = profile_of_a_run(&engine, 100);
    // 100 iterations: past both thresholds for the loop and for `square`.
    assert_eq!(profile.functions[0].name, "square");
    assert_eq!(profile.functions[0].calls, 3, "entries the interpreter saw");
    assert_eq!(profile.loops.len(), 1);
    let levels = |level| {
        let mut entries: Vec<_> = profile
            .compiled
            .iter()
            .filter(|c| c.level == level)
            .map(|c| (c.function, c.loop_header))
            .collect();
        entries.sort();
        entries
    };
    assert_eq!(levels(SavedLevel::Baseline), [(0, None), (1, None)]);
    assert_eq!(levels(SavedLevel::Optimized), [(0, Some(2)), (1, None)]);

    let json = profile.to_json();
    let read = SavedProfile::from_json(&json).unwrap();
    assert_eq!(read, profile);

    let module = Module::from_asm(&engine, PROGRAM, "squares.asm").unwrap();
    assert!(compiled_at_load(&module).is_empty());
    assert_eq!(module.warm_start(&read), Ok(4));
    assert_eq!(
        compiled_at_load(&module),
        [
            (0, Entry::LoopHeader(2), Level::Optimized),
            (0, Entry::Start, Level::Baseline),
            (1, Entry::Start, Level::Baseline),
            (1, Entry::Start, Level::Optimized),
        ]
    );
    // A warm module compiles nothing more, and computes what a cold one does.
    let warm = run(&module, 100);
    assert_eq!(compiled_at_load(&module).len(), 4);
    let cold = run(
        &Module::from_asm(&engine_for(Tier::Interp), PROGRAM, "squares.asm").unwrap(),
        100,
    );
    // The sum of i^2 for i < 100: 99 * 100 * 199 / 6.
    assert_eq!(warm.0, 328_350);
    assert_eq!(warm, cold);
}

#[test]
fn a_profile_changes_nothing_a_run_observes_on_any_policy() {
    let profile = profile_of_a_run(&engine_for(Tier::Auto), 50);
    let reference = run(
        &Module::from_asm(&engine_for(Tier::Interp), PROGRAM, "squares.asm").unwrap(),
        37,
    );
    for tier in Tier::ALL {
        let module = Module::from_asm(&engine_for(tier), PROGRAM, "squares.asm").unwrap();
        assert_eq!(
            module.warm_start(&profile),
            Ok(profile.compiled.len()),
            "{tier}"
        );
        if tier == Tier::Interp {
            assert!(module.native_profile().is_none());
        }
        assert_eq!(run(&module, 37), reference, "{tier}");
    }
}

#[test]
fn a_profile_of_another_module_is_refused() {
    let profile = profile_of_a_run(&engine_for(Tier::Auto), 30);
    let other = PROGRAM.replace("mul r0, r0, r0", "add r0, r0, r0");
    let module = Module::from_asm(&engine_for(Tier::Auto), &other, "squares.asm").unwrap();
    let Err(ProfileError::OtherModule {
        profile: theirs,
        module: ours,
    }) = module.warm_start(&profile)
    else {
        panic!("another module's profile must be refused");
    };
    assert_eq!(theirs, profile.module);
    assert_eq!(ours, module.hash());
    assert!(compiled_at_load(&module).is_empty());
}

#[test]
fn the_module_hash_is_the_sha256_of_its_encoding() {
    let module = Module::from_asm(&engine_for(Tier::Interp), PROGRAM, "squares.asm").unwrap();
    let bytes = adead_isa::format::write(module.isa());
    // The same bytes, loaded as a `.bib`, are the same module.
    let loaded = Module::from_bytes(&engine_for(Tier::Interp), &bytes).unwrap();
    assert_eq!(loaded.hash(), module.hash());
    let hash = module.hash();
    let hex = hash.strip_prefix("sha256:").unwrap();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
}

#[test]
fn damaged_profiles_are_errors_not_crashes() {
    let json = profile_of_a_run(&engine_for(Tier::Auto), 30).to_json();
    // Every prefix of the file: a truncated write.
    for end in 0..json.len() - 1 {
        let error = SavedProfile::from_json(&json[..end]).unwrap_err();
        assert!(matches!(error, ProfileError::Corrupt(_)), "{end}: {error}");
    }
    let format = json.replacen("\"format\": 2", "\"format\": 3", 1);
    assert_eq!(
        SavedProfile::from_json(&format),
        Err(ProfileError::Format { found: 3 })
    );
    let format = json.replacen("\"format\": 2", "\"format\": 0", 1);
    assert_eq!(
        SavedProfile::from_json(&format),
        Err(ProfileError::Format { found: 0 })
    );
    let unknown_field = json.replacen("{", "{\n  \"extra\": 0,", 1);
    assert!(matches!(
        SavedProfile::from_json(&unknown_field),
        Err(ProfileError::Corrupt(_))
    ));
    let level = json.replacen("\"baseline\"", "\"turbo\"", 1);
    assert!(matches!(
        SavedProfile::from_json(&level),
        Err(ProfileError::Corrupt(_))
    ));
}

#[test]
fn a_profile_naming_what_the_module_lacks_is_refused() {
    let engine = engine_for(Tier::Auto);
    let module = Module::from_asm(&engine, PROGRAM, "squares.asm").unwrap();
    let good = profile_of_a_run(&engine, 30);

    let mut renamed = good.clone();
    renamed.functions[0].name = "cube".into();
    assert!(matches!(
        module.warm_start(&renamed),
        Err(ProfileError::Unknown(_))
    ));

    let mut no_function = good.clone();
    no_function.compiled[0].function = 9;
    assert!(matches!(
        module.warm_start(&no_function),
        Err(ProfileError::Unknown(_))
    ));

    // Instruction 1 of `main` is not a loop header (2 is).
    let mut not_a_loop = good.clone();
    not_a_loop.compiled[0].loop_header = Some(1);
    assert!(matches!(
        module.warm_start(&not_a_loop),
        Err(ProfileError::Unknown(_))
    ));
    let mut not_a_loop = good;
    not_a_loop.loops[0].header = 1;
    assert!(matches!(
        module.warm_start(&not_a_loop),
        Err(ProfileError::Unknown(_))
    ));
    assert!(compiled_at_load(&module).is_empty());
}

/// A module with a tensor instruction, so that its engine builds kernels.
const TENSOR_PROGRAM: &str = "
    .func main params=0 regs=16
        movi r1, 3
        tnew r10, r1, 1
        tadd r10, r10, r10
        movi r2, 0
        ret r2
    .end";

#[test]
fn a_profile_keeps_the_kernels_tuning_and_gives_it_back_on_this_cpu_only() {
    let mut tuning = adead_kernels::Tuning::default();
    tuning.avx2.tile = adead_kernels::Tile::new(4, 24);
    tuning.avx2.kc = 96;
    tuning.parallel_min_fmas = 12345;
    let isa = adead_kernels::Isa::best();
    let engine = Engine::new(Config {
        kernel_isa: Some(isa),
        kernel_threads: 2,
        kernel_tuning: Some(tuning),
        ..Config::default()
    });
    let module = Module::from_asm(&engine, TENSOR_PROGRAM, "t.asm").unwrap();
    let mut instance = Instance::new(&module, &Imports::new()).unwrap();
    instance.call_entry(&[]).unwrap();
    let json = SavedProfile::of(&instance).to_json();
    assert!(json.contains("\"format\": 2"), "{json}");
    assert!(json.contains("\"kc\": 96"), "{json}");
    let profile = SavedProfile::from_json(&json).unwrap();
    let kernels = profile.kernels.as_ref().unwrap();
    assert_eq!((kernels.isa.as_str(), kernels.threads), (isa.name(), 2));
    assert_eq!(profile.kernel_tuning(isa, 2), Some(tuning));
    // Another thread count, path or CPU: not reused.
    assert_eq!(profile.kernel_tuning(isa, 1), None);
    assert_eq!(profile.kernel_tuning(adead_kernels::Isa::Scalar, 2), None);
    let other_cpu = json.replacen(&kernels.cpu, "OtherVendor-1-2-3", 1);
    assert_eq!(
        SavedProfile::from_json(&other_cpu)
            .unwrap()
            .kernel_tuning(isa, 2),
        None
    );
    // The saved tuning is what the next engine runs with.
    let next = Engine::new(Config {
        kernel_isa: Some(isa),
        kernel_threads: 2,
        kernel_tuning: profile.kernel_tuning(isa, 2),
        ..Config::default()
    });
    assert_eq!(*next.kernels().unwrap().tuning(), tuning);
    assert_eq!(
        next.kernels().unwrap().tuning_origin(),
        adead_kernels::TuningOrigin::Given
    );
    // A damaged tuning is a corrupt profile, not a crash.
    for (from, to) in [
        ("\"4x24\"", "\"5x24\""),
        ("\"kc\": 96", "\"kc\": 0"),
        ("\"isa\": \"", "\"isa\": \"x"),
    ] {
        let damaged = json.replacen(from, to, 1);
        assert!(
            matches!(
                SavedProfile::from_json(&damaged),
                Err(ProfileError::Corrupt(_))
            ),
            "{from} -> {to}"
        );
    }
    // A format-1 profile (no kernels field) is still read; one with the field is not.
    let without = SavedProfile {
        kernels: None,
        format: 1,
        ..profile.clone()
    };
    let old = SavedProfile::from_json(&without.to_json()).unwrap();
    assert_eq!(old.kernels, None);
    assert!(module.warm_start(&old).is_ok());
    let mixed = json.replacen("\"format\": 2", "\"format\": 1", 1);
    assert!(matches!(
        SavedProfile::from_json(&mixed),
        Err(ProfileError::Corrupt(_))
    ));
}

#[test]
fn a_profile_of_a_module_without_tensors_has_no_kernels() {
    let profile = profile_of_a_run(&engine_for(Tier::Interp), 5);
    assert_eq!(profile.kernels, None);
    assert!(!profile.to_json().contains("kernels"));
}
