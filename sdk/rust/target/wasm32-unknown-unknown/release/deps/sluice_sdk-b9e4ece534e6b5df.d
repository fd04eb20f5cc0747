/work/wt-rust/sdk/rust/target/wasm32-unknown-unknown/release/deps/sluice_sdk-b9e4ece534e6b5df.rmeta: src/lib.rs src/abi.rs src/error.rs src/json/mod.rs src/json/grisu.rs src/json/number.rs src/json/writer.rs src/log.rs src/output.rs src/panic.rs src/params.rs src/record.rs src/text.rs

/work/wt-rust/sdk/rust/target/wasm32-unknown-unknown/release/deps/libsluice_sdk-b9e4ece534e6b5df.rlib: src/lib.rs src/abi.rs src/error.rs src/json/mod.rs src/json/grisu.rs src/json/number.rs src/json/writer.rs src/log.rs src/output.rs src/panic.rs src/params.rs src/record.rs src/text.rs

/work/wt-rust/sdk/rust/target/wasm32-unknown-unknown/release/deps/sluice_sdk-b9e4ece534e6b5df.d: src/lib.rs src/abi.rs src/error.rs src/json/mod.rs src/json/grisu.rs src/json/number.rs src/json/writer.rs src/log.rs src/output.rs src/panic.rs src/params.rs src/record.rs src/text.rs

src/lib.rs:
src/abi.rs:
src/error.rs:
src/json/mod.rs:
src/json/grisu.rs:
src/json/number.rs:
src/json/writer.rs:
src/log.rs:
src/output.rs:
src/panic.rs:
src/params.rs:
src/record.rs:
src/text.rs:
