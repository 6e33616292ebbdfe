//! The C API called from Rust exactly as C calls it: the `extern "C"` functions with raw
//! pointers, NULLs included. Expected values are worked out by hand in the comments.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};

use adead::*;

/// The message of an error (and frees it), or `None` for success.
fn take(error: Option<Box<adead_error_t>>) -> Option<(adead_error_kind_t, u32, String)> {
    let error = error?;
    let kind = adead_error_kind(Some(&error));
    let code = adead_error_trap_code(Some(&error));
    // SAFETY: an error's message is a NUL-terminated string it owns.
    let message = unsafe { CStr::from_ptr(adead_error_message(Some(&error))) }
        .to_str()
        .expect("UTF-8")
        .to_string();
    adead_error_delete(Some(error));
    Some((kind, code, message))
}

/// Panics with the message when `error` is not NULL.
/// Takes ownership of an object the API wrote to an out-parameter.
fn owned<T>(pointer: *mut T) -> Option<Box<T>> {
    // SAFETY: the API's out-parameters receive NULL or a pointer from `Box::into_raw`.
    (!pointer.is_null()).then(|| unsafe { Box::from_raw(pointer) })
}

fn ok(error: Option<Box<adead_error_t>>) {
    if let Some((kind, _, message)) = take(error) {
        panic!("unexpected error (kind {kind}): {message}");
    }
}

fn text(pointer: *const c_char) -> String {
    assert!(!pointer.is_null());
    // SAFETY: the API returns NUL-terminated strings.
    unsafe { CStr::from_ptr(pointer) }
        .to_str()
        .expect("UTF-8")
        .to_string()
}

fn i64_val(v: i64) -> adead_val_t {
    adead_val_t {
        kind: ADEAD_I64,
        of: adead_valunion_t { i64: v },
    }
}

fn engine_with(configure: impl FnOnce(&mut adead_config_t)) -> Box<adead_engine_t> {
    let mut config = adead_config_new();
    configure(&mut config);
    let engine = adead_engine_new(Some(&config));
    adead_config_delete(Some(config));
    engine
}

fn module(engine: &adead_engine_t, source: &str) -> Box<adead_module_t> {
    let mut out = ptr::null_mut();
    // SAFETY: `source` is `len` readable bytes; a NULL file name is allowed.
    ok(unsafe {
        adead_module_from_asm(
            Some(engine),
            source.as_ptr().cast(),
            source.len(),
            ptr::null(),
            Some(&mut out),
        )
    });
    owned(out).expect("a module")
}

fn instance(module: &adead_module_t, imports: Option<&adead_imports_t>) -> Box<adead_instance_t> {
    let mut out = ptr::null_mut();
    ok(adead_instance_new(Some(module), imports, Some(&mut out)));
    owned(out).expect("an instance")
}

enum Outcome {
    Returned(i64),
    Trapped(Box<adead_trap_t>),
}

fn call(instance: &mut adead_instance_t, name: &str, args: &[adead_val_t]) -> Outcome {
    let name = CString::new(name).expect("no NUL");
    let mut result = i64_val(-12345);
    // What an uninitialised C variable may hold: the API overwrites it, never frees it.
    let mut trap = ptr::NonNull::<adead_trap_t>::dangling().as_ptr();
    // SAFETY: `name` is NUL-terminated and `args` holds `args.len()` values.
    ok(unsafe {
        adead_instance_call(
            Some(instance),
            name.as_ptr(),
            args.as_ptr(),
            args.len(),
            Some(&mut result),
            Some(&mut trap),
        )
    });
    match owned(trap) {
        Some(trap) => Outcome::Trapped(trap),
        None => {
            assert_eq!(result.kind, ADEAD_I64);
            // SAFETY: the kind says `i64`.
            Outcome::Returned(unsafe { result.of.i64 })
        }
    }
}

fn returned(outcome: Outcome) -> i64 {
    match outcome {
        Outcome::Returned(v) => v,
        Outcome::Trapped(trap) => panic!("trapped: {}", text(adead_trap_message(Some(&trap)))),
    }
}

fn trapped(outcome: Outcome) -> Box<adead_trap_t> {
    match outcome {
        Outcome::Returned(v) => panic!("returned {v}, expected a trap"),
        Outcome::Trapped(trap) => trap,
    }
}

const ARITH: &str = "
.func add params=2 regs=3
    add r2, r0, r1
    ret r2
.end
.func divide params=2 regs=3
    div r2, r0, r1
    ret r2
.end
.func boom params=0 regs=1
    trap -7
.end
.export add
.export divide
.export boom
";

#[test]
fn a_module_from_text_returns_and_traps_with_kind_function_and_pc() {
    let engine = engine_with(|c| ok(adead_config_set_fuel(Some(c), 1000)));
    let module = module(&engine, ARITH);
    let mut inst = instance(&module, None);

    // 40 + 2.
    assert_eq!(
        returned(call(&mut inst, "add", &[i64_val(40), i64_val(2)])),
        42
    );
    let mut fuel = 0;
    // add and ret: two instructions, one unit each.
    assert!(adead_instance_fuel_used(Some(&inst), Some(&mut fuel)));
    assert_eq!(fuel, 2);

    // 7 / 0: the `div` (instruction 0 of function 1, `divide`) traps; it is charged.
    let trap = trapped(call(&mut inst, "divide", &[i64_val(7), i64_val(0)]));
    assert_eq!(adead_trap_code(Some(&trap)), 1);
    assert_eq!(text(adead_trap_kind(Some(&trap))), "divide_by_zero");
    assert_eq!(text(adead_trap_function(Some(&trap))), "divide");
    assert_eq!(adead_trap_function_index(Some(&trap)), 1);
    assert_eq!(adead_trap_pc(Some(&trap)), 0);
    assert!(adead_trap_detail(Some(&trap)).is_null());
    assert!(adead_trap_fuel_used(Some(&trap), Some(&mut fuel)));
    assert_eq!(fuel, 1);
    let (mut file, mut line) = (ptr::null(), 0);
    assert!(adead_trap_line(
        Some(&trap),
        Some(&mut file),
        Some(&mut line)
    ));
    // The source starts with a newline: `div` is on line 7 of the text.
    assert_eq!((text(file).as_str(), line), ("module.asm", 7));
    let message = text(adead_trap_message(Some(&trap)));
    assert!(
        message.contains("`divide`") && message.contains("instruction 0"),
        "{message}"
    );
    adead_trap_delete(Some(trap));

    // A user trap carries its code.
    let trap = trapped(call(&mut inst, "boom", &[]));
    assert_eq!(text(adead_trap_kind(Some(&trap))), "user");
    assert_eq!(adead_trap_code(Some(&trap)), 8);
    assert_eq!(adead_trap_user_code(Some(&trap)), -7);
    adead_trap_delete(Some(trap));

    // The instance survives its traps.
    assert_eq!(
        returned(call(&mut inst, "add", &[i64_val(-5), i64_val(3)])),
        -2
    );

    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

#[test]
fn calls_take_more_arguments_than_fit_on_the_stack() {
    let engine = adead_engine_new(None);
    let module = module(
        &engine,
        "
.func weigh params=10 regs=11
    add r10, r0, r1
    add r10, r10, r2
    add r10, r10, r3
    add r10, r10, r4
    add r10, r10, r5
    add r10, r10, r6
    add r10, r10, r7
    add r10, r10, r8
    muli r9, r9, 1000
    add r10, r10, r9
    ret r10
.end
.export weigh
",
    );
    let mut inst = instance(&module, None);
    let args: Vec<adead_val_t> = (1..=10).map(i64_val).collect();
    // 1 + ... + 9 = 45, plus 10 * 1000.
    assert_eq!(returned(call(&mut inst, "weigh", &args)), 10_045);
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

#[test]
fn a_trap_without_trap_out_comes_back_as_an_error_with_its_code() {
    let engine = adead_engine_new(None);
    let module = module(&engine, ARITH);
    let mut inst = instance(&module, None);
    let args = [i64_val(1), i64_val(0)];
    let mut result = i64_val(0);
    // SAFETY: valid string and arguments; `trap_out` NULL is allowed.
    let error = take(unsafe {
        adead_instance_call(
            Some(&mut inst),
            c"divide".as_ptr(),
            args.as_ptr(),
            2,
            Some(&mut result),
            None,
        )
    })
    .expect("an error");
    assert_eq!((error.0, error.1), (ADEAD_ERROR_TRAP, 1));
    assert!(error.2.contains("integer division by zero"), "{}", error.2);
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

#[test]
fn modules_load_from_bib_bytes_and_bad_input_is_a_load_error() {
    let engine = adead_engine_new(None);
    let isa = adead_asm::assemble(ARITH, "arith.asm").expect("assembles");
    let bytes = adead_isa::format::write(&isa);
    let mut out = ptr::null_mut();
    // SAFETY: `bytes` is readable.
    ok(unsafe { adead_module_new(Some(&engine), bytes.as_ptr(), bytes.len(), Some(&mut out)) });
    let module = owned(out).expect("a module");
    out = ptr::null_mut();
    let mut inst = instance(&module, None);
    // 100 / 7 rounds toward zero.
    assert_eq!(
        returned(call(&mut inst, "divide", &[i64_val(100), i64_val(7)])),
        14
    );
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));

    // Truncated bytes.
    // SAFETY: as above.
    let error = take(unsafe { adead_module_new(Some(&engine), bytes.as_ptr(), 5, Some(&mut out)) });
    assert_eq!(error.expect("an error").0, ADEAD_ERROR_LOAD);
    assert!(out.is_null());

    // Text that does not assemble: the diagnostics name the file and the line.
    let source = ".func f params=0 regs=1\n    frobnicate r0\n.end\n";
    // SAFETY: readable text and a NUL-terminated file name.
    let error = take(unsafe {
        adead_module_from_asm(
            Some(&engine),
            source.as_ptr().cast(),
            source.len(),
            c"bad.asm".as_ptr(),
            Some(&mut out),
        )
    })
    .expect("an error");
    assert_eq!(error.0, ADEAD_ERROR_LOAD);
    assert!(error.2.contains("bad.asm:2"), "{}", error.2);
    assert!(out.is_null());
    adead_engine_delete(Some(engine));
}

#[test]
fn null_pointers_invalid_utf8_and_unknown_kinds_are_usage_errors() {
    let engine = adead_engine_new(None);
    let mut out = ptr::null_mut();
    let usage = |error| take(error).expect("an error").0;
    // SAFETY (every call below): the API is specified to check these pointers.
    unsafe {
        assert_eq!(
            usage(adead_module_from_asm(
                None,
                c"x".as_ptr(),
                1,
                ptr::null(),
                Some(&mut out)
            )),
            ADEAD_ERROR_USAGE
        );
        assert_eq!(
            usage(adead_module_from_asm(
                Some(&engine),
                ptr::null(),
                3,
                ptr::null(),
                Some(&mut out)
            )),
            ADEAD_ERROR_USAGE
        );
        assert_eq!(
            usage(adead_module_from_asm(
                Some(&engine),
                c"x".as_ptr(),
                1,
                ptr::null(),
                None
            )),
            ADEAD_ERROR_USAGE
        );
        let invalid = [0xff_u8, 0xfe];
        let (kind, _, message) = take(adead_module_from_asm(
            Some(&engine),
            invalid.as_ptr().cast(),
            2,
            ptr::null(),
            Some(&mut out),
        ))
        .expect("an error");
        assert_eq!(kind, ADEAD_ERROR_USAGE);
        assert!(message.contains("UTF-8"), "{message}");
        assert_eq!(
            usage(adead_module_new(None, ptr::null(), 0, Some(&mut out))),
            ADEAD_ERROR_USAGE
        );
    }
    assert!(out.is_null());
    assert_eq!(usage(adead_config_set_fuel(None, 5)), ADEAD_ERROR_USAGE);
    let mut config = adead_config_new();
    assert_eq!(
        usage(adead_config_set_tier(Some(&mut config), 9)),
        ADEAD_ERROR_USAGE
    );
    assert_eq!(
        usage(adead_config_set_max_call_depth(Some(&mut config), 0)),
        ADEAD_ERROR_USAGE
    );
    adead_config_delete(Some(config));
    let mut inst_out = ptr::null_mut();
    assert_eq!(
        usage(adead_instance_new(None, None, Some(&mut inst_out))),
        ADEAD_ERROR_USAGE
    );

    let module = module(&engine, ARITH);
    let mut inst = instance(&module, None);
    let bad_kind = adead_val_t {
        kind: 7,
        of: adead_valunion_t { i64: 1 },
    };
    let args = [i64_val(1), bad_kind];
    let mut trap = ptr::null_mut();
    // SAFETY (every call below): the API is specified to check these pointers.
    unsafe {
        assert_eq!(
            usage(adead_instance_call(
                None,
                c"add".as_ptr(),
                args.as_ptr(),
                2,
                None,
                Some(&mut trap)
            )),
            ADEAD_ERROR_USAGE
        );
        assert_eq!(
            usage(adead_instance_call(
                Some(&mut inst),
                ptr::null(),
                args.as_ptr(),
                2,
                None,
                Some(&mut trap)
            )),
            ADEAD_ERROR_USAGE
        );
        assert_eq!(
            usage(adead_instance_call(
                Some(&mut inst),
                c"add".as_ptr(),
                ptr::null(),
                2,
                None,
                Some(&mut trap)
            )),
            ADEAD_ERROR_USAGE
        );
        let (kind, _, message) = take(adead_instance_call(
            Some(&mut inst),
            c"add".as_ptr(),
            args.as_ptr(),
            2,
            None,
            Some(&mut trap),
        ))
        .expect("an error");
        assert_eq!(kind, ADEAD_ERROR_USAGE);
        assert!(message.contains("argument 1 has kind 7"), "{message}");
        let invalid = [0xc3_u8, 0x28, 0];
        assert_eq!(
            usage(adead_instance_call(
                Some(&mut inst),
                invalid.as_ptr().cast(),
                args.as_ptr(),
                2,
                None,
                Some(&mut trap)
            )),
            ADEAD_ERROR_USAGE
        );
        // Refused calls: no such export, the wrong number of arguments.
        let (kind, _, message) = take(adead_instance_call(
            Some(&mut inst),
            c"nope".as_ptr(),
            ptr::null(),
            0,
            None,
            Some(&mut trap),
        ))
        .expect("an error");
        assert_eq!(kind, ADEAD_ERROR_CALL);
        assert!(message.contains("nope"), "{message}");
        assert_eq!(
            take(adead_instance_call(
                Some(&mut inst),
                c"add".as_ptr(),
                args.as_ptr(),
                1,
                None,
                Some(&mut trap)
            ))
            .expect("an error")
            .0,
            ADEAD_ERROR_CALL
        );
    }
    assert!(trap.is_null());

    // Accessors on NULL say what they return.
    assert_eq!(adead_trap_code(None), 0);
    assert_eq!(text(adead_trap_kind(None)), "");
    assert_eq!(text(adead_error_message(None)), "");
    assert_eq!(adead_error_kind(None), 0);
    assert!(!adead_instance_fuel_used(None, None));
    // SAFETY: NULL is allowed.
    assert!(unsafe { adead_error_new(ptr::null()) }.is_none());
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
    // Deleting NULL is allowed.
    adead_engine_delete(None);
    adead_trap_delete(None);
}

/// Host function state: a call counter and whether the finalizer ran.
struct Counter {
    calls: AtomicU32,
    finalized: AtomicU32,
}

/// `scale(x) = x * 10`, counting its calls; fails on negative input.
unsafe extern "C" fn scale(
    env: *mut c_void,
    _caller: *mut adead_caller_t,
    args: *const adead_val_t,
    nargs: usize,
    result: *mut adead_val_t,
) -> Option<Box<adead_error_t>> {
    // SAFETY: `env` is the counter the test passed; `args`/`result` as documented.
    unsafe {
        (*env.cast::<Counter>())
            .calls
            .fetch_add(1, Ordering::SeqCst);
        assert_eq!(nargs, 1);
        let x = (*args).of.i64;
        if x < 0 {
            let message = CString::new(format!("scale: negative input {x}")).unwrap();
            return adead_error_new(message.as_ptr());
        }
        (*result).of.i64 = x * 10;
    }
    None
}

unsafe extern "C" fn finalize(env: *mut c_void) {
    // SAFETY: `env` is the counter the test passed.
    unsafe {
        (*env.cast::<Counter>())
            .finalized
            .fetch_add(1, Ordering::SeqCst)
    };
}

/// Writes an f64 where the signature says i64.
unsafe extern "C" fn wrong_kind(
    _env: *mut c_void,
    _caller: *mut adead_caller_t,
    _args: *const adead_val_t,
    _nargs: usize,
    result: *mut adead_val_t,
) -> Option<Box<adead_error_t>> {
    // SAFETY: `result` points to one value.
    unsafe {
        *result = adead_val_t {
            kind: ADEAD_F64,
            of: adead_valunion_t { f64: 1.5 },
        }
    };
    None
}

const HOSTED: &str = "
.func run params=2 regs=4
    add r2, r0, r1
    hcall r3, scale, r2, 1
    ret r3
.end
.func odd params=0 regs=2
    hcall r1, wrong, r0, 0
    ret r1
.end
.export run
.export odd
";

#[test]
fn c_host_functions_return_values_fail_as_host_traps_and_are_finalized_once() {
    let counter = Box::new(Counter {
        calls: AtomicU32::new(0),
        finalized: AtomicU32::new(0),
    });
    let env = ptr::from_ref(&*counter).cast_mut().cast::<c_void>();
    let engine = adead_engine_new(None);
    let module = module(&engine, HOSTED);
    let mut imports = adead_imports_new();
    let params = [ADEAD_I64];
    let result = ADEAD_I64;

    // A module that imports `scale` and `wrong` does not instantiate without them.
    let mut out = ptr::null_mut();
    let (kind, _, message) = take(adead_instance_new(
        Some(&module),
        Some(&imports),
        Some(&mut out),
    ))
    .expect("an error");
    assert_eq!(kind, ADEAD_ERROR_INSTANTIATE);
    assert!(message.contains("scale"), "{message}");

    // SAFETY: valid name, kinds and callbacks; `env` outlives every use.
    unsafe {
        // Two parameters where the module passes one: a mistyped import.
        let two = [ADEAD_I64, ADEAD_I64];
        ok(adead_imports_define(
            Some(&mut imports),
            c"scale".as_ptr(),
            two.as_ptr(),
            2,
            &result,
            Some(scale),
            env,
            None,
        ));
        ok(adead_imports_define(
            Some(&mut imports),
            c"wrong".as_ptr(),
            ptr::null(),
            0,
            &result,
            Some(wrong_kind),
            ptr::null_mut(),
            None,
        ));
        let (kind, _, message) = take(adead_instance_new(
            Some(&module),
            Some(&imports),
            Some(&mut out),
        ))
        .expect("an error");
        assert_eq!(kind, ADEAD_ERROR_INSTANTIATE);
        assert!(message.contains("mistyped import `scale`"), "{message}");
        // Replacing `scale` drops the first definition, which had no finalizer.
        ok(adead_imports_define(
            Some(&mut imports),
            c"scale".as_ptr(),
            params.as_ptr(),
            1,
            &result,
            Some(scale),
            env,
            Some(finalize),
        ));
        assert_eq!(
            take(adead_imports_define(
                Some(&mut imports),
                c"x".as_ptr(),
                params.as_ptr(),
                1,
                &result,
                None,
                env,
                None
            ))
            .expect("NULL callback")
            .0,
            ADEAD_ERROR_USAGE
        );
        let bad = 5u8;
        assert_eq!(
            take(adead_imports_define(
                Some(&mut imports),
                c"x".as_ptr(),
                params.as_ptr(),
                1,
                &bad,
                Some(scale),
                env,
                None
            ))
            .expect("bad kind")
            .0,
            ADEAD_ERROR_USAGE
        );
    }
    let mut inst = instance(&module, Some(&imports));
    // Instances keep their host functions: the imports may go first.
    adead_imports_delete(Some(imports));
    assert_eq!(counter.finalized.load(Ordering::SeqCst), 0);

    // (2 + 3) * 10.
    assert_eq!(
        returned(call(&mut inst, "run", &[i64_val(2), i64_val(3)])),
        50
    );
    // (1 + -4) = -3: the host fails, the call traps `host` at the `hcall` (pc 1).
    let trap = trapped(call(&mut inst, "run", &[i64_val(1), i64_val(-4)]));
    assert_eq!(text(adead_trap_kind(Some(&trap))), "host");
    assert_eq!(adead_trap_code(Some(&trap)), 9);
    assert_eq!(text(adead_trap_function(Some(&trap))), "run");
    assert_eq!(adead_trap_pc(Some(&trap)), 1);
    assert_eq!(
        text(adead_trap_detail(Some(&trap))),
        "scale: negative input -3"
    );
    adead_trap_delete(Some(trap));
    assert_eq!(counter.calls.load(Ordering::SeqCst), 2);

    // A result of the wrong kind fails the call rather than passing on f64 bits.
    let trap = trapped(call(&mut inst, "odd", &[]));
    assert_eq!(text(adead_trap_kind(Some(&trap))), "host");
    let detail = text(adead_trap_detail(Some(&trap)));
    assert!(
        detail.contains("`wrong` wrote a result of kind 1"),
        "{detail}"
    );
    adead_trap_delete(Some(trap));

    adead_instance_delete(Some(inst));
    assert_eq!(counter.finalized.load(Ordering::SeqCst), 1);
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

/// The host side of `sum_rows`: reads the program's [rows, cols] tensor through the
/// caller and answers with a new [rows] tensor of row sums.
unsafe extern "C" fn row_sums(
    _env: *mut c_void,
    caller: *mut adead_caller_t,
    args: *const adead_val_t,
    _nargs: usize,
    result: *mut adead_val_t,
) -> Option<Box<adead_error_t>> {
    // SAFETY: as documented for callbacks; the caller is used during the callback only.
    unsafe {
        let caller = &mut *caller;
        let handle = (*args).of.i64 as u64;
        let mut shape = [0usize; ADEAD_TENSOR_MAX_RANK];
        let mut rank = 0;
        if let Some(error) = adead_caller_tensor_shape(
            Some(&mut *caller),
            handle,
            shape.as_mut_ptr(),
            shape.len(),
            Some(&mut rank),
        ) {
            return Some(error);
        }
        let (mut data, mut len) = (ptr::null(), 0);
        if let Some(error) =
            adead_caller_tensor_data(Some(&mut *caller), handle, Some(&mut data), Some(&mut len))
        {
            return Some(error);
        }
        let data = std::slice::from_raw_parts(data, len);
        let sums: Vec<f32> = data.chunks(shape[1]).map(|row| row.iter().sum()).collect();
        let mut out = 0;
        if let Some(error) = adead_caller_tensor_new(
            Some(&mut *caller),
            shape.as_ptr(),
            1,
            sums.as_ptr(),
            sums.len(),
            Some(&mut out),
        ) {
            return Some(error);
        }
        (*result).of.i64 = out as i64;
    }
    None
}

const TENSORS: &str = "
.func double params=1 regs=1
    tadd r0, r0, r0
    ret r0
.end
.func sum_rows params=1 regs=2
    hcall r1, row_sums, r0, 1
    ret r1
.end
.func three params=0 regs=3
    movi r1, 3
    tnew r0, r1, 1
    ret r0
.end
.export double
.export sum_rows
.export three
";

fn tensor_instance(
    configure: impl FnOnce(&mut adead_config_t),
) -> (
    Box<adead_engine_t>,
    Box<adead_module_t>,
    Box<adead_instance_t>,
) {
    let engine = engine_with(configure);
    let module = module(&engine, TENSORS);
    let mut imports = adead_imports_new();
    let kinds = [ADEAD_I64];
    // SAFETY: valid name, kinds and callback.
    ok(unsafe {
        adead_imports_define(
            Some(&mut imports),
            c"row_sums".as_ptr(),
            kinds.as_ptr(),
            1,
            &kinds[0],
            Some(row_sums),
            ptr::null_mut(),
            None,
        )
    });
    let inst = instance(&module, Some(&imports));
    adead_imports_delete(Some(imports));
    (engine, module, inst)
}

#[test]
fn tensors_go_in_come_out_and_report_shape_and_handle_errors_with_trap_codes() {
    let (engine, module, mut inst) = tensor_instance(|_| {});
    let shape = [2usize, 3];
    let data = [1.0f32, 2.0, 3.0, 4.0, 5.5, -6.0];
    let mut handle = 0;
    // SAFETY (every call below): pointers to live buffers of the lengths given.
    unsafe {
        ok(adead_instance_tensor_new(
            Some(&mut inst),
            shape.as_ptr(),
            2,
            data.as_ptr(),
            6,
            Some(&mut handle),
        ));
        // Doubling in place: every element times 2, the same handle back.
        assert_eq!(
            returned(call(&mut inst, "double", &[i64_val(handle as i64)])),
            handle as i64
        );
        let mut dims = [0usize; ADEAD_TENSOR_MAX_RANK];
        let mut rank = 0;
        ok(adead_instance_tensor_shape(
            Some(&inst),
            handle,
            dims.as_mut_ptr(),
            dims.len(),
            Some(&mut rank),
        ));
        assert_eq!((rank, &dims[..2]), (2, &[2usize, 3][..]));
        let mut out = [0.0f32; 6];
        let mut len = 0;
        ok(adead_instance_tensor_read(
            Some(&inst),
            handle,
            out.as_mut_ptr(),
            6,
            Some(&mut len),
        ));
        assert_eq!((len, out), (6, [2.0, 4.0, 6.0, 8.0, 11.0, -12.0]));

        // A buffer too small: a usage error, with the size still reported.
        let mut small = [0.0f32; 2];
        let error = take(adead_instance_tensor_read(
            Some(&inst),
            handle,
            small.as_mut_ptr(),
            2,
            Some(&mut len),
        ))
        .expect("an error");
        assert_eq!((error.0, len), (ADEAD_ERROR_USAGE, 6));
        let error = take(adead_instance_tensor_shape(
            Some(&inst),
            handle,
            dims.as_mut_ptr(),
            1,
            Some(&mut rank),
        ))
        .expect("an error");
        assert_eq!((error.0, rank), (ADEAD_ERROR_USAGE, 2));

        // New data under the same handle, then a borrowed view of it.
        let fresh = [0.5f32, 0.25, 1.0, -1.0, 0.0, 3.0];
        ok(adead_instance_tensor_write(
            Some(&mut inst),
            handle,
            fresh.as_ptr(),
            6,
        ));
        let error = take(adead_instance_tensor_write(
            Some(&mut inst),
            handle,
            fresh.as_ptr(),
            5,
        ))
        .expect("an error");
        assert_eq!((error.0, error.1), (ADEAD_ERROR_TENSOR, 10));
        // Row sums by the host function: 0.5 + 0.25 + 1 = 1.75, -1 + 0 + 3 = 2.
        let sums = returned(call(&mut inst, "sum_rows", &[i64_val(handle as i64)])) as u64;
        let (mut view, mut view_len) = (ptr::null(), 0);
        ok(adead_instance_tensor_data(
            Some(&inst),
            sums,
            Some(&mut view),
            Some(&mut view_len),
        ));
        assert_eq!(std::slice::from_raw_parts(view, view_len), &[1.75, 2.0]);

        // A program-made tensor comes out too: `three` makes [3] zeros.
        let zeros = returned(call(&mut inst, "three", &[])) as u64;
        ok(adead_instance_tensor_read(
            Some(&inst),
            zeros,
            out.as_mut_ptr(),
            6,
            Some(&mut len),
        ));
        assert_eq!((len, &out[..3]), (3, &[0.0f32; 3][..]));

        // Freed handles go stale: bad_tensor (11), here and in the program.
        ok(adead_instance_tensor_free(Some(&mut inst), handle));
        let error = take(adead_instance_tensor_free(Some(&mut inst), handle)).expect("an error");
        assert_eq!((error.0, error.1), (ADEAD_ERROR_TENSOR, 11));
        assert!(error.2.starts_with("bad_tensor"), "{}", error.2);
        let trap = trapped(call(&mut inst, "double", &[i64_val(handle as i64)]));
        assert_eq!(text(adead_trap_kind(Some(&trap))), "bad_tensor");
        adead_trap_delete(Some(trap));
        // The host function meets the stale handle through its caller and returns that
        // error: the call traps `host` with the tensor error as its detail.
        let trap = trapped(call(&mut inst, "sum_rows", &[i64_val(handle as i64)]));
        assert_eq!(text(adead_trap_kind(Some(&trap))), "host");
        let detail = text(adead_trap_detail(Some(&trap)));
        assert!(detail.starts_with("bad_tensor"), "{detail}");
        adead_trap_delete(Some(trap));

        // Shapes that do not hold the data, and ranks outside 1..=4: tensor_shape (10).
        let error = take(adead_instance_tensor_new(
            Some(&mut inst),
            shape.as_ptr(),
            2,
            data.as_ptr(),
            5,
            Some(&mut handle),
        ))
        .expect("an error");
        assert_eq!((error.0, error.1), (ADEAD_ERROR_TENSOR, 10));
        let five = [1usize; 5];
        let error = take(adead_instance_tensor_new(
            Some(&mut inst),
            five.as_ptr(),
            5,
            data.as_ptr(),
            1,
            Some(&mut handle),
        ))
        .expect("an error");
        assert_eq!((error.0, error.1), (ADEAD_ERROR_TENSOR, 10));
        let error = take(adead_instance_tensor_new(
            Some(&mut inst),
            ptr::null(),
            2,
            data.as_ptr(),
            6,
            Some(&mut handle),
        ))
        .expect("an error");
        assert_eq!(error.0, ADEAD_ERROR_USAGE);
    }
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

#[test]
fn tensor_limits_from_the_config_bind_host_made_tensors() {
    let (engine, module, mut inst) =
        tensor_instance(|c| ok(adead_config_set_max_tensors(Some(c), 2)));
    let shape = [1usize];
    let one = [1.0f32];
    let mut handle = 0;
    // SAFETY: pointers to live buffers of the lengths given.
    unsafe {
        ok(adead_instance_tensor_new(
            Some(&mut inst),
            shape.as_ptr(),
            1,
            one.as_ptr(),
            1,
            Some(&mut handle),
        ));
        ok(adead_instance_tensor_new(
            Some(&mut inst),
            shape.as_ptr(),
            1,
            one.as_ptr(),
            1,
            Some(&mut handle),
        ));
        // The third of at most two live tensors: tensor_limit (12).
        let error = take(adead_instance_tensor_new(
            Some(&mut inst),
            shape.as_ptr(),
            1,
            one.as_ptr(),
            1,
            Some(&mut handle),
        ))
        .expect("an error");
        assert_eq!((error.0, error.1), (ADEAD_ERROR_TENSOR, 12));
    }
    // The program's `tnew` meets the same limit.
    let trap = trapped(call(&mut inst, "three", &[]));
    assert_eq!(text(adead_trap_kind(Some(&trap))), "tensor_limit");
    adead_trap_delete(Some(trap));
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

const LOOP: &str = "
.func count params=1 regs=3
    movi r1, 0
top:
    addi r1, r1, 1
    blt r1, r0, top
    ret r1
.end
.func helper params=0 regs=1
    ret r0
.end
.func twice params=0 regs=2
    call r1, helper, r0, 0
    call r1, helper, r0, 0
    ret r1
.end
.export count
.export twice
";

#[test]
fn fuel_limits_trap_out_of_fuel_and_the_profile_counts_instructions_and_calls() {
    for tier in [
        ADEAD_TIER_INTERP,
        ADEAD_TIER_BASELINE,
        ADEAD_TIER_OPT,
        ADEAD_TIER_AUTO,
    ] {
        let engine = engine_with(|c| {
            ok(adead_config_set_fuel(Some(c), 100));
            ok(adead_config_set_tier(Some(c), tier));
        });
        let module = module(&engine, LOOP);
        let mut inst = instance(&module, None);
        // count(10): movi, then 10 x (addi, blt), then ret: 1 + 20 + 1 = 22.
        assert_eq!(returned(call(&mut inst, "count", &[i64_val(10)])), 10);
        let mut fuel = 0;
        assert!(adead_instance_fuel_used(Some(&inst), Some(&mut fuel)));
        assert_eq!(fuel, 22, "tier {tier}");
        // count(1000) needs 2002: 100 runs out.
        let trap = trapped(call(&mut inst, "count", &[i64_val(1000)]));
        assert_eq!(text(adead_trap_kind(Some(&trap))), "out_of_fuel");
        assert!(adead_trap_fuel_used(Some(&trap), Some(&mut fuel)));
        assert_eq!(fuel, 100);
        adead_trap_delete(Some(trap));
        // twice(): ret r1 after two calls of a one-instruction function: 3 + 2 = 5.
        assert_eq!(returned(call(&mut inst, "twice", &[])), 0);

        let mut profile = ptr::null_mut();
        ok(adead_instance_profile(Some(&inst), Some(&mut profile)));
        let profile = owned(profile).expect("a profile");
        let mut instructions = 0;
        assert!(adead_profile_instructions(
            Some(&profile),
            Some(&mut instructions)
        ));
        assert_eq!(instructions, 22 + 100 + 5, "tier {tier}");
        assert_eq!(adead_profile_function_count(Some(&profile)), 3);
        let mut function = adead_function_profile_t {
            name: ptr::null(),
            calls: 0,
            hot: false,
        };
        assert!(adead_profile_function(
            Some(&profile),
            0,
            Some(&mut function)
        ));
        // `count` was called twice from the host.
        assert_eq!((text(function.name).as_str(), function.calls), ("count", 2));
        assert!(!adead_profile_function(
            Some(&profile),
            3,
            Some(&mut function)
        ));
        adead_profile_delete(Some(profile));
        adead_instance_delete(Some(inst));
        adead_module_delete(Some(module));
        adead_engine_delete(Some(engine));
    }
}

/// `poke(addr, byte)`: the host writes `byte` at `addr` of the caller's memory and
/// answers with the memory's size.
unsafe extern "C" fn poke(
    _env: *mut c_void,
    caller: *mut adead_caller_t,
    args: *const adead_val_t,
    _nargs: usize,
    result: *mut adead_val_t,
) -> Option<Box<adead_error_t>> {
    // SAFETY: as documented for callbacks.
    unsafe {
        let (mut data, mut len) = (ptr::null_mut(), 0);
        if let Some(error) = adead_caller_memory(caller.as_mut(), Some(&mut data), Some(&mut len)) {
            return Some(error);
        }
        let addr = (*args).of.i64 as usize;
        let byte = (*args.add(1)).of.i64 as u8;
        if addr >= len {
            return adead_error_new(c"poke: address outside memory".as_ptr());
        }
        *data.add(addr) = byte;
        (*result).of.i64 = len as i64;
    }
    None
}

#[test]
fn host_functions_reach_the_callers_memory() {
    let engine = adead_engine_new(None);
    let module = module(
        &engine,
        "
.memory 32
.func run params=2 regs=4
    hcall r2, poke, r0, 2
    ld8u r3, r0, 0
    add r3, r3, r2
    ret r3
.end
.export run
",
    );
    let mut imports = adead_imports_new();
    let kinds = [ADEAD_I64, ADEAD_I64];
    // SAFETY: valid name, kinds and callback.
    ok(unsafe {
        adead_imports_define(
            Some(&mut imports),
            c"poke".as_ptr(),
            kinds.as_ptr(),
            2,
            &kinds[0],
            Some(poke),
            ptr::null_mut(),
            None,
        )
    });
    let mut inst = instance(&module, Some(&imports));
    adead_imports_delete(Some(imports));
    // The byte the host wrote (200) plus the memory size it answered (32).
    assert_eq!(
        returned(call(&mut inst, "run", &[i64_val(9), i64_val(200)])),
        232
    );
    let trap = trapped(call(&mut inst, "run", &[i64_val(32), i64_val(1)]));
    assert_eq!(
        text(adead_trap_detail(Some(&trap))),
        "poke: address outside memory"
    );
    adead_trap_delete(Some(trap));
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

#[test]
fn instance_memory_holds_the_data_section_and_host_writes_reach_the_program() {
    let engine = adead_engine_new(None);
    let module = module(
        &engine,
        r#"
.memory 64
.data greeting
    .ascii "hi"
.func peek params=1 regs=2
    ld8u r1, r0, 0
    ret r1
.end
.export peek
"#,
    );
    let mut inst = instance(&module, None);
    let (mut data, mut len) = (ptr::null_mut(), 0);
    ok(adead_instance_memory(
        Some(&mut inst),
        Some(&mut data),
        Some(&mut len),
    ));
    assert_eq!(len, 64);
    // SAFETY: the API lent `len` bytes at `data` until the next call.
    let memory = unsafe { std::slice::from_raw_parts_mut(data, len) };
    let at = memory
        .windows(2)
        .position(|w| w == b"hi")
        .expect("the data segment") as i64;
    memory[40] = 0x5a;
    assert_eq!(returned(call(&mut inst, "peek", &[i64_val(at)])), 0x68);
    assert_eq!(returned(call(&mut inst, "peek", &[i64_val(40)])), 0x5a);
    adead_instance_delete(Some(inst));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}

#[test]
fn engines_modules_and_instances_outlive_what_made_them_and_cross_threads() {
    let engine = adead_engine_new(None);
    let module = module(&engine, ARITH);
    // The module keeps what it needs of the engine.
    adead_engine_delete(Some(engine));
    let module = &*module;
    std::thread::scope(|scope| {
        for i in 0..4 {
            scope.spawn(move || {
                let mut inst = instance(module, None);
                assert_eq!(
                    returned(call(&mut inst, "add", &[i64_val(i), i64_val(100)])),
                    100 + i
                );
                adead_instance_delete(Some(inst));
            });
        }
    });
}

#[test]
fn another_thread_stops_a_spinning_call_through_the_engine() {
    const SPIN: &str = "
.func spin params=0 regs=1
top:
    jmp top
.end
.func one params=0 regs=1
    movi r0, 1
    ret r0
.end
.export spin
.export one
";
    // Not interruptible (the default): its code does not poll, so asking is an error.
    let plain = engine_with(|_| {});
    let (kind, _, message) = take(adead_engine_interrupt(Some(&plain))).expect("refused");
    assert_eq!(kind, ADEAD_ERROR_USAGE);
    assert!(message.contains("not interruptible"), "{message}");
    assert_eq!(
        take(adead_engine_interrupt(None)).map(|e| e.0),
        Some(ADEAD_ERROR_USAGE)
    );
    adead_engine_delete(Some(plain));

    let engine = engine_with(|c| ok(adead_config_set_interruptible(Some(c), true)));
    let module = module(&engine, SPIN);
    let mut spinning = instance(&module, None);
    // The engine may be shared between threads (the header's rule, checked at compile
    // time): the watchdog borrows it while this thread runs the call.
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            ok(adead_engine_interrupt(Some(&engine)));
        });
        let trap = trapped(call(&mut spinning, "spin", &[]));
        assert_eq!(text(adead_trap_kind(Some(&trap))), "interrupted");
        // The loop's header is instruction 0: the taken back-edge stops there.
        assert_eq!(text(adead_trap_function(Some(&trap))), "spin");
        assert_eq!(adead_trap_pc(Some(&trap)), 0);
        adead_trap_delete(Some(trap));
    });
    // The request stays until cleared: a new call stops at its entry.
    let trap = trapped(call(&mut spinning, "one", &[]));
    assert_eq!(text(adead_trap_kind(Some(&trap))), "interrupted");
    adead_trap_delete(Some(trap));
    ok(adead_engine_clear_interrupt(Some(&engine)));
    assert_eq!(returned(call(&mut spinning, "one", &[])), 1);
    adead_instance_delete(Some(spinning));
    adead_module_delete(Some(module));
    adead_engine_delete(Some(engine));
}
