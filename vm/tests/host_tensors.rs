//! Tensors across the embedding API: the host makes tensors, passes their handles,
//! reads results, and host functions read and make tensors during a call, on every tier
//! (host calls from native code go through a helper, not the interpreter's handler).

use adead_vm::{
    CallError, Config, Engine, HostFunc, Imports, Instance, Module, Signature, Tier, TrapKind,
    ValType, Value,
};

/// `product(a, b)` makes a tensor, writes `a · b` into it and returns its handle;
/// `dot_rows(a)` asks the host for the row sums of `a` and returns the host's tensor.
const PROGRAM: &str = "
.func product params=2 regs=6
    movi r2, 2
    movi r3, 2
    tnew r4, r2, 2
    matmul r4, r0, r1
    ret r4
.end
.func row_sums params=1 regs=3
    hcall r1, sums, r0, 1
    ret r1
.end
.func read params=2 regs=3
    tget r2, r0, r1
    ret r2
.end
.export product
.export row_sums
.export read
";

/// The host function `sums(t)`: a new [rows] tensor of the row sums of `t`.
fn imports() -> Imports {
    let mut imports = Imports::new();
    imports.define(
        "sums",
        HostFunc::new(
            Signature::new(&[ValType::I64], Some(ValType::I64)),
            |caller, args| {
                let input = caller.tensor(args[0].as_i64().unwrap_or(0) as u64)?;
                let row = input.row_len();
                let sums: Vec<f32> = input.data().chunks(row).map(|r| r.iter().sum()).collect();
                let handle = caller.new_tensor(&[sums.len()], &sums)?;
                Ok(Some(Value::I64(handle as i64)))
            },
        ),
    );
    imports
}

fn instance(config: Config) -> Instance {
    let module = Module::from_asm(&Engine::new(config), PROGRAM, "host.asm").expect("load");
    Instance::new(&module, &imports()).expect("instantiate")
}

fn handle(result: Result<Vec<Value>, CallError>) -> u64 {
    result.expect("call")[0].as_i64().expect("an i64") as u64
}

#[test]
fn a_host_tensor_goes_in_and_the_result_comes_out_on_every_tier() {
    for tier in Tier::ALL {
        let mut instance = instance(Config {
            tier,
            jit_threshold: 0,
            baseline_threshold: 0,
            background_compile: false,
            ..Config::default()
        });
        let a = instance.new_tensor(&[2, 2], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        let b = instance
            .new_tensor(&[2, 2], &[0.5, -1.0, 2.0, 0.25])
            .unwrap();
        let product =
            handle(instance.call("product", &[Value::I64(a as i64), Value::I64(b as i64)]));
        let result = instance.tensor(product).unwrap();
        // [1 2; 3 4] · [0.5 -1; 2 0.25], by hand; every product and sum is exact in f32.
        assert_eq!(result.shape(), &[2, 2], "{tier}");
        assert_eq!(result.data(), &[4.5, -0.5, 9.5, -2.0], "{tier}");

        // The host function reads the program's tensor and answers with its own.
        let sums = handle(instance.call("row_sums", &[Value::I64(product as i64)]));
        assert_eq!(instance.tensor(sums).unwrap().data(), &[4.0, 7.5], "{tier}");
        assert_eq!(instance.tensors().count(), 4, "{tier}");
    }
}

#[test]
fn new_data_for_an_input_needs_no_new_handle() {
    let mut instance = instance(Config::default());
    let t = instance.new_tensor(&[3], &[1.0, 2.0, 3.0]).unwrap();
    let read = |instance: &mut Instance, index: i64| {
        let bits = handle(instance.call("read", &[Value::I64(t as i64), Value::I64(index)]));
        f32::from_bits(bits as u32)
    };
    assert_eq!(read(&mut instance, 2), 3.0);
    instance.tensor_mut(t).unwrap().data_mut()[2] = -7.5;
    assert_eq!(read(&mut instance, 2), -7.5);
}

#[test]
fn a_freed_handle_is_stale_for_the_host_and_the_program() {
    let mut instance = instance(Config::default());
    let t = instance.new_tensor(&[1], &[1.0]).unwrap();
    instance.free_tensor(t).unwrap();
    assert_eq!(instance.tensor(t).unwrap_err().kind, TrapKind::BadTensor);
    assert_eq!(
        instance.tensor_mut(t).unwrap_err().kind,
        TrapKind::BadTensor
    );
    assert_eq!(
        instance.free_tensor(t).unwrap_err().kind,
        TrapKind::BadTensor
    );
    let Err(CallError::Trap(trap)) = instance.call("read", &[Value::I64(t as i64), Value::I64(0)])
    else {
        panic!("a stale handle must trap");
    };
    assert_eq!(
        (trap.kind, trap.function.as_str(), trap.pc),
        (TrapKind::BadTensor, "read", 0)
    );
    // The slot is reused, under a new generation: the old handle stays stale.
    let again = instance.new_tensor(&[1], &[2.0]).unwrap();
    assert_ne!(again, t);
    assert_eq!(again as u32, t as u32);
    assert!(instance.tensor(t).is_err());
}

#[test]
fn shapes_and_data_are_checked() {
    let mut instance = instance(Config::default());
    for (shape, len) in [
        (vec![], 0),
        (vec![1, 1, 1, 1, 1], 1),
        (vec![2, 3], 5),
        (vec![2, 3], 7),
    ] {
        let error = instance.new_tensor(&shape, &vec![0.0; len]).unwrap_err();
        assert_eq!(
            error.kind,
            TrapKind::TensorShape,
            "{shape:?} with {len}: {error}"
        );
    }
    // A shape whose size overflows is refused before anything is allocated.
    let error = instance.new_tensor(&[usize::MAX, 2], &[]).unwrap_err();
    assert_eq!(error.kind, TrapKind::TensorLimit, "{error}");
    assert_eq!(instance.tensors().count(), 0);
    assert_eq!(instance.tensor_bytes(), 0);
}

#[test]
fn host_tensors_count_against_the_limits_the_program_sees() {
    let mut instance = instance(Config {
        max_tensors: 2,
        ..Config::default()
    });
    let a = instance.new_tensor(&[2, 2], &[1.0; 4]).unwrap();
    let b = instance.new_tensor(&[2, 2], &[1.0; 4]).unwrap();
    assert_eq!(
        instance.new_tensor(&[1], &[0.0]).unwrap_err().kind,
        TrapKind::TensorLimit
    );
    // The program's `tnew` finds the table full too.
    let Err(CallError::Trap(trap)) =
        instance.call("product", &[Value::I64(a as i64), Value::I64(b as i64)])
    else {
        panic!("tnew past max_tensors must trap");
    };
    assert_eq!((trap.kind, trap.pc), (TrapKind::TensorLimit, 2));
    instance.free_tensor(b).unwrap();
    assert!(instance.new_tensor(&[1], &[0.0]).is_ok());

    // Bytes: 4 per element plus the entry's 128, as for the program's tensors.
    let entry = adead_isa::TENSOR_ENTRY_BYTES;
    let mut instance = instance_with_bytes(2 * (entry + 16));
    instance.new_tensor(&[4], &[0.0; 4]).unwrap();
    instance.new_tensor(&[4], &[0.0; 4]).unwrap();
    assert_eq!(instance.tensor_bytes(), 2 * (entry + 16));
    let error = instance.new_tensor(&[1], &[0.0]).unwrap_err();
    assert_eq!(error.kind, TrapKind::TensorLimit, "{error}");
}

fn instance_with_bytes(max_tensor_bytes: u64) -> Instance {
    instance(Config {
        max_tensor_bytes,
        ..Config::default()
    })
}

#[test]
fn a_host_function_s_tensor_error_is_a_host_trap_with_its_message() {
    let mut instance = instance(Config::default());
    let Err(CallError::Trap(trap)) = instance.call("row_sums", &[Value::I64(99)]) else {
        panic!("a bad handle in the host function must trap");
    };
    assert_eq!(trap.kind, TrapKind::Host);
    assert_eq!(
        trap.detail.as_deref(),
        Some("bad_tensor: 0x63 is not a live tensor handle")
    );
}
