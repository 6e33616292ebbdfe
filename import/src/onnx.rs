//! The ONNX protobuf messages (`ModelProto`, `GraphProto`, `NodeProto`, `TensorProto`,
//! ...), generated at build time by prost from the official `proto/onnx-ml.proto` of
//! onnx 1.23.2 (`build.rs`).

#![allow(missing_docs, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
