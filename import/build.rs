//! Generates the ONNX protobuf types from the official `proto/onnx-ml.proto` with
//! prost-build, compiled by protox (a protobuf compiler in Rust), so no system `protoc`
//! is needed. The generated module lands in `OUT_DIR` and `src/onnx.rs` includes it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/onnx-ml.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
