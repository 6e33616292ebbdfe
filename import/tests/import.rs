//! Imported models run in the VM: small graphs built here with the ONNX protobuf types,
//! whose results are worked out by hand (inputs and weights are small multiples of
//! powers of two, so every product and sum is exact in f32 and the expected values are
//! exact too), on every tier; the errors the importer promises; and malformed bytes.

use adead_import::{ImportError, Options, import, onnx};
use adead_vm::{Config, Engine, Imports, Instance, Module, Tier, TrapKind, Value};
use prost::Message;

use onnx::tensor_shape_proto::{Dimension, dimension::Value as DimValue};

fn dim(d: i64) -> Dimension {
    Dimension {
        value: (d >= 0).then_some(DimValue::DimValue(d)),
        ..Default::default()
    }
}

/// A tensor value info; `-1` is a dynamic dimension.
fn value(name: &str, elem: i32, dims: &[i64]) -> onnx::ValueInfoProto {
    onnx::ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(onnx::TypeProto {
            value: Some(onnx::type_proto::Value::TensorType(
                onnx::type_proto::Tensor {
                    elem_type: Some(elem),
                    shape: Some(onnx::TensorShapeProto {
                        dim: dims.iter().map(|&d| dim(d)).collect(),
                    }),
                },
            )),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn f32_value(name: &str, dims: &[i64]) -> onnx::ValueInfoProto {
    value(name, 1, dims)
}

fn init(name: &str, dims: &[i64], data: &[f32]) -> onnx::TensorProto {
    onnx::TensorProto {
        name: Some(name.into()),
        dims: dims.to_vec(),
        data_type: Some(1),
        raw_data: Some(data.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..Default::default()
    }
}

fn ints(name: &str, data: &[i64]) -> onnx::TensorProto {
    onnx::TensorProto {
        name: Some(name.into()),
        dims: vec![data.len() as i64],
        data_type: Some(7),
        int64_data: data.to_vec(),
        ..Default::default()
    }
}

fn attr_i(name: &str, i: i64) -> onnx::AttributeProto {
    onnx::AttributeProto {
        name: Some(name.into()),
        i: Some(i),
        r#type: Some(2),
        ..Default::default()
    }
}

fn attr_f(name: &str, f: f32) -> onnx::AttributeProto {
    onnx::AttributeProto {
        name: Some(name.into()),
        f: Some(f),
        r#type: Some(1),
        ..Default::default()
    }
}

fn attr_s(name: &str, s: &str) -> onnx::AttributeProto {
    onnx::AttributeProto {
        name: Some(name.into()),
        s: Some(s.as_bytes().to_vec()),
        r#type: Some(3),
        ..Default::default()
    }
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> onnx::NodeProto {
    onnx::NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn with(mut n: onnx::NodeProto, attrs: Vec<onnx::AttributeProto>) -> onnx::NodeProto {
    n.attribute = attrs;
    n
}

fn model(
    opset: i64,
    nodes: Vec<onnx::NodeProto>,
    inputs: Vec<onnx::ValueInfoProto>,
    outputs: Vec<onnx::ValueInfoProto>,
    inits: Vec<onnx::TensorProto>,
) -> Vec<u8> {
    onnx::ModelProto {
        ir_version: Some(8),
        opset_import: vec![onnx::OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(opset),
        }],
        graph: Some(onnx::GraphProto {
            name: Some("test".into()),
            node: nodes,
            input: inputs,
            output: outputs,
            initializer: inits,
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn configs() -> Vec<Config> {
    Tier::ALL
        .into_iter()
        .map(|tier| Config {
            tier,
            jit_threshold: 0,
            baseline_threshold: 0,
            background_compile: false,
            ..Config::default()
        })
        .collect()
}

/// Imports `bytes` and runs `infer` on `inputs` twice (the second call reuses the
/// module's tensors) on every tier, checking the inputs keep their shapes; returns the
/// output's shape and data, the same on every tier and call.
fn run(bytes: &[u8], outputs: &[&str], inputs: &[(&[usize], &[f32])]) -> (Vec<usize>, Vec<f32>) {
    let imported = import(
        bytes,
        &Options {
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut seen: Option<(Vec<usize>, Vec<f32>)> = None;
    for config in configs() {
        let engine = Engine::new(config);
        let module = Module::from_isa(&engine, imported.module.clone()).unwrap();
        let mut instance = Instance::new(&module, &Imports::new()).unwrap();
        let handles: Vec<u64> = inputs
            .iter()
            .map(|(shape, data)| instance.new_tensor(shape, data).unwrap())
            .collect();
        let args: Vec<Value> = handles.iter().map(|&h| Value::I64(h as i64)).collect();
        for _ in 0..2 {
            let result = instance
                .call("infer", &args)
                .unwrap_or_else(|e| panic!("{e}"));
            let t = instance.tensor(result[0].as_i64().unwrap() as u64).unwrap();
            let got = (t.shape().to_vec(), t.data().to_vec());
            for (h, (shape, _)) in handles.iter().zip(inputs) {
                assert_eq!(
                    instance.tensor(*h).unwrap().shape(),
                    *shape,
                    "inputs keep their shapes"
                );
            }
            match &seen {
                None => seen = Some(got),
                Some(first) => assert_eq!(
                    first.1.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    got.1.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "{:?}",
                    config_name(&engine)
                ),
            }
        }
    }
    seen.unwrap()
}

fn config_name(engine: &Engine) -> String {
    format!("{:?}", engine.config().tier)
}

/// y = relu(x . W + b) . W2 + b2, softmax-free so the values stay exact.
fn mlp() -> Vec<u8> {
    model(
        13,
        vec![
            node("MatMul", "mm1", &["x", "W"], &["h0"]),
            node("Add", "add1", &["h0", "b"], &["h1"]),
            node("Relu", "relu1", &["h1"], &["h"]),
            node("MatMul", "mm2", &["h", "W2"], &["z0"]),
            node("Add", "add2", &["b2", "z0"], &["z"]),
        ],
        vec![f32_value("x", &[-1, 3])],
        vec![f32_value("z", &[-1, 1])],
        vec![
            init("W", &[3, 2], &[1.0, -1.0, 0.5, 2.0, -0.25, 0.0]),
            init("b", &[2], &[0.5, -4.0]),
            init("W2", &[2, 1], &[2.0, 1.0]),
            init("b2", &[1, 1], &[0.25]),
        ],
    )
}

#[test]
fn a_fused_mlp_with_a_dynamic_batch_computes_what_the_hand_does() {
    let bytes = mlp();
    let listing = import(&bytes, &Options::default()).unwrap().listing;
    assert!(listing.contains("linear.relu"), "{listing}");
    assert!(listing.contains("node #2: Relu `relu1`"), "{listing}");
    assert!(
        listing.contains("\n    linear "),
        "the second MatMul + Add is fused: {listing}"
    );
    // Row [2, 4, 8]: x.W = [2+2-2, -2+8+0] = [2, 6]; + b = [2.5, 2]; relu; . W2 = 7; + 0.25.
    // Row [-1, 0, 4]: x.W = [-1-1, 1] = [-2, 1]; + b = [-1.5, -3]; relu = [0, 0]; 0.25.
    let (shape, data) = run(&bytes, &[], &[(&[2, 3], &[2.0, 4.0, 8.0, -1.0, 0.0, 4.0])]);
    assert_eq!(shape, vec![2, 1]);
    assert_eq!(data, vec![7.25, 0.25]);
    let (shape, data) = run(&bytes, &[], &[(&[1, 3], &[2.0, 4.0, 8.0])]);
    assert_eq!((shape, data), (vec![1, 1], vec![7.25]));
}

#[test]
fn gemm_with_alpha_beta_and_transposes() {
    // Y = 2 * (A^T . B^T) + 0.5 * C, A [3, 2] given transposed, B [2, 3] given transposed.
    let bytes = model(
        13,
        vec![with(
            node("Gemm", "g", &["A", "B", "C"], &["Y"]),
            vec![
                attr_i("transA", 1),
                attr_i("transB", 1),
                attr_f("alpha", 2.0),
                attr_f("beta", 0.5),
            ],
        )],
        vec![f32_value("A", &[3, 2])],
        vec![f32_value("Y", &[2, 2])],
        vec![
            init("B", &[2, 3], &[1.0, 0.0, -1.0, 0.5, 0.5, 0.5]),
            init("C", &[2], &[4.0, -8.0]),
        ],
    );
    // A = [[1, 2], [3, 4], [5, 6]] so A^T = [[1, 3, 5], [2, 4, 6]]; B^T = [[1, .5], [0, .5], [-1, .5]].
    // A^T.B^T = [[1-5, .5+1.5+2.5], [2-6, 1+2+3]] = [[-4, 4.5], [-4, 6]]; *2 + [2, -4].
    let (shape, data) = run(&bytes, &[], &[(&[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])]);
    assert_eq!(shape, vec![2, 2]);
    assert_eq!(data, vec![-6.0, 5.0, -6.0, 8.0]);
}

#[test]
fn broadcasts_views_and_a_row_minus_a_matrix() {
    // y = Reshape(Transpose(r - x), [1, 6]) * 0.5 with r a row [3]: x [2, 3].
    let bytes = model(
        13,
        vec![
            node("Sub", "sub", &["r", "x"], &["d"]),
            node("Transpose", "t", &["d"], &["dt"]),
            node("Reshape", "reshape", &["dt", "shape"], &["flat"]),
            node("Mul", "half", &["flat", "h"], &["y"]),
        ],
        vec![f32_value("x", &[2, 3])],
        vec![f32_value("y", &[1, 6])],
        vec![
            init("r", &[3], &[1.0, 2.0, 3.0]),
            ints("shape", &[1, -1]),
            init("h", &[], &[0.5]),
        ],
    );
    let listing = import(&bytes, &Options::default()).unwrap().listing;
    assert!(listing.contains("tscale"), "{listing}");
    // r - x = [[1-0, 2-1, 3-2], [1-4, 2-8, 3+1]] = [[1, 1, 1], [-3, -6, 4]]; transposed
    // [[1, -3], [1, -6], [1, 4]], flat, halved.
    let (shape, data) = run(&bytes, &[], &[(&[2, 3], &[0.0, 1.0, 2.0, 4.0, 8.0, -1.0])]);
    assert_eq!(shape, vec![1, 6]);
    assert_eq!(data, vec![0.5, -1.5, 0.5, -3.0, 0.5, 2.0]);
}

#[test]
fn softmax_and_layernorm_agree_with_a_reference() {
    let bytes = model(
        17,
        vec![
            node("Softmax", "sm", &["x"], &["p"]),
            with(
                node("LayerNormalization", "ln", &["p", "g", "b"], &["y"]),
                vec![attr_i("axis", -1)],
            ),
        ],
        vec![f32_value("x", &[-1, 4])],
        vec![f32_value("y", &[-1, 4])],
        vec![
            init("g", &[4], &[1.0, 2.0, 0.5, -1.0]),
            init("b", &[4], &[0.0, 1.0, 0.0, 0.25]),
        ],
    );
    let x = [0.5f32, -1.0, 2.0, 0.0, 3.0, 3.0, -2.0, 1.0];
    let (shape, data) = run(&bytes, &[], &[(&[2, 4], &x)]);
    assert_eq!(shape, vec![2, 4]);
    // f64 reference of softmax then layernorm (eps 1e-5).
    let (g, b) = ([1.0, 2.0, 0.5, -1.0], [0.0, 1.0, 0.0, 0.25]);
    for (row, out) in x.chunks(4).zip(data.chunks(4)) {
        let m = row.iter().fold(f64::MIN, |a, &v| a.max(v as f64));
        let e: Vec<f64> = row.iter().map(|&v| (v as f64 - m).exp()).collect();
        let s: f64 = e.iter().sum();
        let p: Vec<f64> = e.iter().map(|v| v / s).collect();
        let mean = p.iter().sum::<f64>() / 4.0;
        let var = p.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
        for j in 0..4 {
            let want = (p[j] - mean) / (var + 1e-5).sqrt() * g[j] + b[j];
            assert!((out[j] as f64 - want).abs() < 1e-4, "{out:?} vs {want}");
        }
    }
}

#[test]
fn wrong_input_shapes_trap() {
    let imported = import(&mlp(), &Options::default()).unwrap();
    let module = Module::from_isa(&Engine::default(), imported.module).unwrap();
    let mut instance = Instance::new(&module, &Imports::new()).unwrap();
    let x = instance.new_tensor(&[2, 4], &[0.0; 8]).unwrap();
    let trap = match instance.call("infer", &[Value::I64(x as i64)]) {
        Err(adead_vm::CallError::Trap(trap)) => trap,
        other => panic!("{other:?}"),
    };
    assert_eq!(trap.kind, TrapKind::User(1));
}

fn error(bytes: &[u8], outputs: &[&str]) -> ImportError {
    import(
        bytes,
        &Options {
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            ..Options::default()
        },
    )
    .unwrap_err()
}

#[test]
fn unsupported_nodes_name_the_node_and_hint_at_other_outputs() {
    // probabilities = Softmax(x); label = ArgMax(probabilities).
    let bytes = model(
        13,
        vec![
            node("Softmax", "sm", &["x"], &["probabilities"]),
            with(
                node("ArgMax", "am", &["probabilities"], &["label"]),
                vec![attr_i("axis", 1)],
            ),
        ],
        vec![f32_value("x", &[-1, 3])],
        vec![
            value("label", 7, &[-1, 1]),
            f32_value("probabilities", &[-1, 3]),
        ],
        vec![],
    );
    let e = error(&bytes, &[]).to_string();
    assert!(
        e.starts_with("node `am` (ArgMax): operator not supported; supported: MatMul"),
        "{e}"
    );
    assert!(
        e.contains("import without it with `--output probabilities`"),
        "{e}"
    );
    let e = error(&bytes, &["label"]).to_string();
    assert!(e.contains("--output probabilities"), "{e}");
    assert!(
        import(
            &bytes,
            &Options {
                outputs: vec!["probabilities".into()],
                ..Options::default()
            }
        )
        .is_ok()
    );
    let e = error(&bytes, &["nope"]);
    assert!(matches!(e, ImportError::UnknownOutput { .. }), "{e}");
    assert!(e.to_string().contains("`label`, `probabilities`"), "{e}");
}

#[test]
fn unsupported_attributes_types_and_shapes_are_errors() {
    let one = |n: onnx::NodeProto, inputs, inits| {
        error(
            &model(20, vec![n], inputs, vec![f32_value("y", &[-1, 4])], inits),
            &[],
        )
        .to_string()
    };
    let e = one(
        node("Gelu", "g", &["x"], &["y"]),
        vec![f32_value("x", &[-1, 4])],
        vec![],
    );
    assert!(
        e.contains("node `g` (Gelu): attribute `approximate` = \"none\""),
        "{e}"
    );
    let tanh_gelu = model(
        20,
        vec![with(
            node("Gelu", "g", &["x"], &["y"]),
            vec![attr_s("approximate", "tanh")],
        )],
        vec![f32_value("x", &[-1, 4])],
        vec![f32_value("y", &[-1, 4])],
        vec![],
    );
    assert!(
        import(&tanh_gelu, &Options::default())
            .unwrap()
            .listing
            .contains("gelu")
    );
    let e = one(
        node("Relu", "r", &["x"], &["y"]),
        vec![value("x", 7, &[-1, 4])],
        vec![],
    );
    assert!(e.contains("graph input `x` is int64"), "{e}");
    let e = one(
        node("Relu", "r", &["x"], &["y"]),
        vec![f32_value("x", &[4, -1])],
        vec![],
    );
    assert!(e.contains("dimension 1 is dynamic"), "{e}");
    let e = one(
        with(node("Cast", "c", &["x"], &["y"]), vec![attr_i("to", 7)]),
        vec![f32_value("x", &[-1, 4])],
        vec![],
    );
    assert!(e.contains("node `c` (Cast): attribute `to` = int64"), "{e}");
    let e = one(
        with(
            node("LayerNormalization", "ln", &["x", "g"], &["y"]),
            vec![attr_f("epsilon", 1e-3)],
        ),
        vec![f32_value("x", &[-1, 4])],
        vec![init("g", &[4], &[1.0; 4])],
    );
    assert!(e.contains("attribute `epsilon` = 0.001"), "{e}");
    let e = one(
        node("Add", "a", &["x", "c"], &["y"]),
        vec![f32_value("x", &[-1, 4])],
        vec![init("c", &[2, 1], &[1.0; 2])],
    );
    assert!(
        e.contains("node `a` (Add): [N, 4] and [2, 1] do not broadcast"),
        "{e}"
    );
    let e = one(
        node("Add", "a", &["x", "c"], &["y"]),
        vec![f32_value("x", &[-1, 4])],
        vec![onnx::TensorProto {
            data_type: Some(11),
            ..init("c", &[4], &[])
        }],
    );
    assert!(e.contains("tensor `c`"), "{e}");
}

#[test]
fn malformed_and_truncated_files_are_errors() {
    let bytes = mlp();
    for cut in [1, 7, bytes.len() / 3, bytes.len() - 1] {
        let e = error(&bytes[..cut], &[]);
        assert!(
            matches!(e, ImportError::Malformed(_) | ImportError::Graph(_)),
            "cut at {cut}: {e}"
        );
    }
    assert!(matches!(error(b"", &[]), ImportError::Malformed(_)));
    assert!(matches!(
        error(b"\xff\xff\xff\xff", &[]),
        ImportError::Malformed(_)
    ));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Mutated models (bytes flipped, cut, spliced) are imported or refused, never
        /// a panic; whatever is imported has been assembled and verified.
        #[test]
        fn mutated_models_never_panic(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
            do_cut in any::<bool>(),
        ) {
            let mut bytes = mlp();
            for (at, byte) in edits {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if do_cut {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            if let Ok(imported) = import(&bytes, &Options::default()) {
                prop_assert!(adead_isa::verify(imported.module).is_ok());
            }
        }
    }
}

#[test]
fn a_call_that_traps_half_way_leaves_the_next_call_right() {
    // LayerNormalization over the last two axes: the scale [2, 2] is read as a row [4].
    let bytes = model(
        17,
        vec![with(
            node("LayerNormalization", "ln", &["x", "g", "b"], &["y"]),
            vec![attr_i("axis", 1)],
        )],
        vec![f32_value("x", &[-1, 2, 2])],
        vec![f32_value("y", &[-1, 2, 2])],
        vec![
            init("g", &[2, 2], &[1.0, 2.0, 4.0, 8.0]),
            init("b", &[2, 2], &[0.0; 4]),
        ],
    );
    let imported = import(&bytes, &Options::default()).unwrap();
    assert!(
        imported.listing.contains("constants read through views"),
        "{}",
        imported.listing
    );
    let engine = Engine::new(Config {
        max_tensor_bytes: 64 * 1024,
        ..Config::default()
    });
    let module = Module::from_isa(&engine, imported.module).unwrap();
    let mut instance = Instance::new(&module, &Imports::new()).unwrap();
    // x = [-1, -1, 1, 1] per row: mean 0, variance 1, so y = x * g (to within eps).
    let small = instance
        .new_tensor(&[1, 2, 2], &[-1.0, -1.0, 1.0, 1.0])
        .unwrap();
    let big = instance.new_tensor(&[3000, 2, 2], &[0.5; 12000]).unwrap();
    let call = |instance: &mut Instance, x: u64| {
        instance.call("infer", &[Value::I64(x as i64)]).map(|r| {
            instance
                .tensor(r[0].as_i64().unwrap() as u64)
                .unwrap()
                .data()
                .to_vec()
        })
    };
    let first = call(&mut instance, small).unwrap();
    let trap = call(&mut instance, big).unwrap_err();
    assert!(
        matches!(trap, adead_vm::CallError::Trap(ref t) if t.kind == TrapKind::TensorLimit),
        "{trap:?}"
    );
    let again = call(&mut instance, small).unwrap();
    assert_eq!(first, again);
    for (y, want) in first.iter().zip([-1.0, -2.0, 4.0, 8.0]) {
        assert!((y - want).abs() < 1e-4, "{first:?}");
    }
}
