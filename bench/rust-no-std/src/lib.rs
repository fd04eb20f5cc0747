//! modules/json-filter-rs, the same source, without std.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

include!("../../../modules/json-filter-rs/src/lib.rs");
