//! The ABI v1 side of a module (sdk/ABI.md): the exports every module has, and the drivers the
//! export macros call. Authors never use this directly.
use alloc::vec::Vec;
use core::slice;

use crate::error::{Error, Result};
use crate::output::Output;
use crate::panic;
use crate::params::Params;
use crate::record::{BatchReader, Record};
use crate::{Aggregate, ArrayMap, Emit, Filter, FilterMap, Init, Map};

/// The ABI version this SDK implements, returned by `sluice_abi_version`.
pub const ABI_VERSION: i32 = 1;

/// The host's default output bound (ABI.md §4): the SDK stops there rather than fill memory.
pub const OUTPUT_MAX_BYTES: usize = 16 << 20;

/// Kind codes returned by `sluice_kind` (ABI.md §3).
pub mod kind {
    pub const FILTER: i32 = 1;
    pub const MAP: i32 = 2;
    pub const FILTER_MAP: i32 = 3;
    pub const ARRAY_MAP: i32 = 4;
    pub const AGGREGATE: i32 = 5;
}

/// Error codes a module returns (ABI.md §6).
pub mod code {
    /// The module's own error; the message says what.
    pub const GUEST: i32 = -1;
    /// The input batch could not be decoded.
    pub const BAD_INPUT: i32 = -2;
    /// init refused the params.
    pub const BAD_PARAMS: i32 = -3;
    /// aggregate: the state passed in is not one the module understands.
    pub const BAD_STATE: i32 = -4;
    /// The output batch would pass the host's bound.
    pub const OUTPUT_TOO_LARGE: i32 = -101;
}

/// Host-allocated regions (params, input batch, state). Region i of a call is reused for
/// region i of the next one: they are dead at the first sluice_alloc after a sluice_process or
/// sluice_init (ABI.md §8), and reusing them saves an allocation per batch.
struct Regions {
    buffers: Vec<Vec<u8>>,
    next: usize,
    stale: bool,
}

// Module globals; wasm32 modules run on one thread and the host never re-enters a call.
static mut REGIONS: Regions = Regions { buffers: Vec::new(), next: 0, stale: false };
static mut OUTPUT: Output = Output::new();
/// aggregate: the accumulator, loaded from the host's state at every batch.
static mut STATE: Vec<u8> = Vec::new();
static mut IS_AGGREGATE: bool = false;

#[cfg_attr(feature = "abi-v1", no_mangle)]
pub extern "C" fn sluice_abi_version() -> i32 {
    ABI_VERSION
}

#[cfg_attr(feature = "abi-v1", no_mangle)]
pub extern "C" fn sluice_alloc(size: i32) -> *mut u8 {
    let regions = unsafe { &mut REGIONS };
    if regions.stale {
        regions.next = 0;
        regions.stale = false;
    }
    let want = if size > 0 { size as usize } else { 1 };
    let i = regions.next;
    regions.next += 1;
    if i == regions.buffers.len() {
        regions.buffers.push(Vec::new());
    }
    let buffer = &mut regions.buffers[i];
    if buffer.capacity() < want {
        *buffer = Vec::new(); // freed before the larger one is allocated
        *buffer = Vec::with_capacity(want.next_power_of_two().max(64));
    }
    buffer.as_mut_ptr()
}

#[cfg_attr(feature = "abi-v1", no_mangle)]
pub extern "C" fn sluice_output_ptr() -> *const u8 {
    unsafe { OUTPUT.as_ptr() }
}

#[cfg_attr(feature = "abi-v1", no_mangle)]
pub extern "C" fn sluice_output_len() -> i32 {
    unsafe { OUTPUT.len() as i32 }
}

#[cfg_attr(feature = "abi-v1", no_mangle)]
pub extern "C" fn sluice_error_ptr() -> *const u8 {
    panic::error_ptr()
}

#[cfg_attr(feature = "abi-v1", no_mangle)]
pub extern "C" fn sluice_error_len() -> i32 {
    panic::error_len()
}

pub fn state_ptr() -> *const u8 {
    unsafe { STATE.as_ptr() }
}

pub fn state_len() -> i32 {
    unsafe {
        if IS_AGGREGATE {
            STATE.len() as i32
        } else {
            -1
        }
    }
}

/// The bytes [ptr, ptr + len) the host wrote; empty for a negative length.
unsafe fn host_bytes<'a>(ptr: *const u8, len: i32) -> &'a [u8] {
    if len <= 0 || ptr.is_null() {
        &[]
    } else {
        slice::from_raw_parts(ptr, len as usize)
    }
}

/// Starts a guest call: the host's regions of the call before are dead, the error is cleared.
fn begin_call() {
    panic::install();
    unsafe { REGIONS.stale = true };
    panic::clear_error();
}

/// `sluice_init`: decodes the params and builds the module.
pub unsafe fn init<T: Init>(slot: &mut Option<T>, ptr: *const u8, len: i32) -> i32 {
    begin_call();
    panic::set_offset(None);
    let params = match Params::decode(host_bytes(ptr, len)) {
        Some(p) => p,
        None => {
            panic::set_error("malformed params");
            return code::BAD_PARAMS;
        }
    };
    match T::init(&params) {
        Ok(module) => {
            *slot = Some(module);
            0
        }
        Err(e) => {
            panic::set_error(e.message());
            code::BAD_PARAMS
        }
    }
}

/// Runs `each` over every record of the input batch, writing into OUTPUT; returns the output
/// record count or an error code (with the message set).
unsafe fn run_batch<T, F>(slot: &mut Option<T>, in_ptr: *const u8, in_len: i32, mut each: F) -> i32
where
    F: FnMut(&mut T, Record<'_>, &mut Output) -> Result<()>,
{
    begin_call();
    let module = match slot.as_mut() {
        Some(m) => m,
        None => {
            panic::set_error("sluice_process called before sluice_init succeeded");
            return code::GUEST;
        }
    };
    let input = host_bytes(in_ptr, in_len);
    let mut reader = match BatchReader::new(input) {
        Some(r) => r,
        None => {
            panic::set_error("input batch shorter than its record count");
            return code::BAD_INPUT;
        }
    };
    let out = &mut OUTPUT;
    out.begin();
    let mut index = 0u32;
    while let Some(next) = reader.next_record() {
        let record = match next {
            Some(r) => r,
            None => {
                panic::set_error(&alloc::format!("malformed input batch at record {index}"));
                return code::BAD_INPUT;
            }
        };
        let offset = record.offset();
        panic::set_offset(Some(offset));
        if let Err(e) = each(module, record, out) {
            panic::set_error(&alloc::format!("{} (record offset {offset})", e.message()));
            panic::set_offset(None);
            return e.code();
        }
        if out.overflowed() {
            panic::set_error(&alloc::format!("output batch exceeds {OUTPUT_MAX_BYTES} bytes at record {index}"));
            panic::set_offset(None);
            return code::OUTPUT_TOO_LARGE;
        }
        index += 1;
    }
    panic::set_offset(None);
    out.finish()
}

pub unsafe fn process_filter<T: Filter>(slot: &mut Option<T>, in_ptr: *const u8, in_len: i32, _: *const u8, _: i32) -> i32 {
    run_batch(slot, in_ptr, in_len, |m: &mut T, r, out| {
        if m.filter(&r)? {
            out.record(&r, r.offset());
        }
        Ok(())
    })
}

pub unsafe fn process_map<T: Map>(slot: &mut Option<T>, in_ptr: *const u8, in_len: i32, _: *const u8, _: i32) -> i32 {
    run_batch(slot, in_ptr, in_len, |m: &mut T, r, out| {
        let offset = r.offset();
        out.record(&m.map(r)?, offset);
        Ok(())
    })
}

pub unsafe fn process_filter_map<T: FilterMap>(slot: &mut Option<T>, in_ptr: *const u8, in_len: i32, _: *const u8, _: i32) -> i32 {
    run_batch(slot, in_ptr, in_len, |m: &mut T, r, out| {
        let offset = r.offset();
        if let Some(o) = m.filter_map(r)? {
            out.record(&o, offset);
        }
        Ok(())
    })
}

pub unsafe fn process_array_map<T: ArrayMap>(slot: &mut Option<T>, in_ptr: *const u8, in_len: i32, _: *const u8, _: i32) -> i32 {
    run_batch(slot, in_ptr, in_len, |m: &mut T, r, out| {
        let offset = r.offset();
        for o in m.array_map(r)? {
            out.record(&o, offset);
        }
        Ok(())
    })
}

pub unsafe fn process_aggregate<T: Aggregate>(slot: &mut Option<T>, in_ptr: *const u8, in_len: i32, state_ptr: *const u8, state_len: i32) -> i32 {
    IS_AGGREGATE = true;
    // The host owns the accumulator: it comes in with every batch (-1: none yet).
    let acc = &mut STATE;
    acc.clear();
    acc.extend_from_slice(host_bytes(state_ptr, state_len));
    run_batch(slot, in_ptr, in_len, |m: &mut T, r, out| {
        let offset = r.offset();
        match m.aggregate(acc, &r)? {
            Emit::Accumulator => out.record_with_value(&r, acc, offset),
            Emit::Value(v) => out.record_with_value(&r, &v, offset),
        }
        Ok(())
    })
}

impl Error {
    /// The ABI code this error is returned with: the module's own (GUEST) unless it said otherwise.
    pub(crate) fn code(&self) -> i32 {
        self.code
    }
}
