//! Write sluice SmartModules in Rust. The crate implements ABI v1 (`sdk/ABI.md`) around one
//! type of yours: it builds itself from the attach-time params (`Init`) and handles one record
//! at a time through the trait of its kind; one macro exports it.
//!
//! ```ignore
//! use sluice_sdk::{Filter, Init, JsonField, Params, Record, Result};
//!
//! pub struct Errors { field: JsonField }
//!
//! impl Init for Errors {
//!     fn init(params: &Params) -> Result<Self> {
//!         Ok(Errors { field: JsonField::new(params.get_or("field", "level")) })
//!     }
//! }
//!
//! impl Filter for Errors {
//!     fn filter(&mut self, record: &Record) -> Result<bool> {
//!         Ok(self.field.find(record).map_or(false, |v| v.equals_text(b"error")))
//!     }
//! }
//!
//! sluice_sdk::filter!(Errors);
//! ```
//!
//! Records are views into the batch the host copied into guest memory: nothing is copied
//! until the module keeps or changes something. A panic fails the batch with its message
//! (and the offset of the record being processed); so does an `Err` returned by the module.
#![cfg_attr(not(feature = "std"), no_std)]
// Without "abi-v1" only the JSON helpers are used (a component): the ABI drivers are dead code.
#![cfg_attr(not(feature = "abi-v1"), allow(dead_code))]
#![cfg_attr(all(not(feature = "std"), target_arch = "wasm32"), feature(alloc_error_handler))]

extern crate alloc;

mod abi;
mod error;
pub mod json;
mod log;
mod output;
mod panic;
mod params;
mod record;
mod text;

use alloc::vec::Vec;

pub use abi::{code, kind, ABI_VERSION, OUTPUT_MAX_BYTES};
pub use error::{Error, Result};
pub use json::{JsonField, JsonType, JsonValue, JsonWriter};
pub use log::{log, Level};
pub use params::Params;
pub use record::{Header, Headers, Record};
pub use json::number::js_parse_float;
pub use text::utf8_lossy;

/// Builds the module from its attach-time params, once per instance before any batch. An
/// `Err` refuses the params: the host does not attach the module and shows the message.
pub trait Init: Sized {
    fn init(params: &Params) -> Result<Self>;
}

/// `filter`: keep the record (unchanged) when `true`.
pub trait Filter: Init {
    fn filter(&mut self, record: &Record) -> Result<bool>;
}

/// `map`: exactly one output record per input record.
pub trait Map: Init {
    fn map<'a>(&mut self, record: Record<'a>) -> Result<Record<'a>>;
}

/// `filter_map`: zero or one output record per input record.
pub trait FilterMap: Init {
    fn filter_map<'a>(&mut self, record: Record<'a>) -> Result<Option<Record<'a>>>;
}

/// `array_map`: any number of output records per input record, all with its offset.
pub trait ArrayMap: Init {
    fn array_map<'a>(&mut self, record: Record<'a>) -> Result<Vec<Record<'a>>>;
}

/// What an aggregate emits for a record: the record itself, with its value replaced.
pub enum Emit {
    /// The new accumulator becomes the record's value.
    Accumulator,
    /// These bytes become the record's value.
    Value(Vec<u8>),
}

/// `aggregate`: updates the accumulator (owned by the host between batches, empty before the
/// first record ever) and emits one record per input record.
pub trait Aggregate: Init {
    fn aggregate(&mut self, acc: &mut Vec<u8>, record: &Record) -> Result<Emit>;
}

/// Exports a `Filter` type as the module (exactly one such macro per module).
#[macro_export]
macro_rules! filter {
    ($module:ty) => {
        $crate::__export_module!($module, $crate::kind::FILTER, process_filter);
    };
}

/// Exports a `Map` type as the module.
#[macro_export]
macro_rules! map {
    ($module:ty) => {
        $crate::__export_module!($module, $crate::kind::MAP, process_map);
    };
}

/// Exports a `FilterMap` type as the module.
#[macro_export]
macro_rules! filter_map {
    ($module:ty) => {
        $crate::__export_module!($module, $crate::kind::FILTER_MAP, process_filter_map);
    };
}

/// Exports an `ArrayMap` type as the module.
#[macro_export]
macro_rules! array_map {
    ($module:ty) => {
        $crate::__export_module!($module, $crate::kind::ARRAY_MAP, process_array_map);
    };
}

/// Exports an `Aggregate` type as the module, with the state exports only aggregates have.
#[macro_export]
macro_rules! aggregate {
    ($module:ty) => {
        $crate::__export_module!($module, $crate::kind::AGGREGATE, process_aggregate);
        #[no_mangle]
        pub extern "C" fn sluice_state_ptr() -> *const u8 {
            $crate::__private::state_ptr()
        }
        #[no_mangle]
        pub extern "C" fn sluice_state_len() -> i32 {
            $crate::__private::state_len()
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_module {
    ($module:ty, $kind:expr, $process:ident) => {
        // The instance built by sluice_init; wasm32 modules are single-threaded.
        static mut __SLUICE_MODULE: ::core::option::Option<$module> = ::core::option::Option::None;

        #[no_mangle]
        pub extern "C" fn sluice_kind() -> i32 {
            $kind
        }

        #[no_mangle]
        pub unsafe extern "C" fn sluice_init(ptr: *const u8, len: i32) -> i32 {
            $crate::__private::init::<$module>(&mut __SLUICE_MODULE, ptr, len)
        }

        #[no_mangle]
        pub unsafe extern "C" fn sluice_process(in_ptr: *const u8, in_len: i32, state_ptr: *const u8, state_len: i32) -> i32 {
            $crate::__private::$process::<$module>(&mut __SLUICE_MODULE, in_ptr, in_len, state_ptr, state_len)
        }
    };
}

/// What the export macros call; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::abi::{
        init, process_aggregate, process_array_map, process_filter, process_filter_map, process_map, state_len, state_ptr,
    };
}
