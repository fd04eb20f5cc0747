//! json-filter as a component of the `sluice:smartmodule/filter@1.0.0` world (sdk/wit), written
//! against the canonical ABI by hand: `wit-bindgen` is not available offline, and the world is
//! small. `sluice module build` embeds the world (`jco embed`) and makes the component
//! (`jco new`).
//!
//! Memory: everything the host lowers into this module (the params, the batch's records, their
//! keys, values and headers) comes from `cabi_realloc`, a bump arena reset by the post-return
//! functions, once the host has read the result. A kept record is returned as it came: its key,
//! value and headers still point into the arena, so filtering copies no bytes.
use sluice_sdk::JsonField;


// ---- canonical ABI layout of the world's types (sdk/wit/smartmodule.wit) ----
/// `record`: offset s64 @0, timestamp s64 @8, key option<list<u8>> @16, value @28, headers @40.
const RECORD_BYTES: usize = 48;
const RECORD_VALUE_AT: usize = 28;
/// `result<list<record>, error>` and `result<_, error>`: discriminant @0; ok list (ptr, len) @4;
/// error { code: enum u8 @4, message: string (ptr, len) @8 }.
const RESULT_BYTES: usize = 16;
const ARENA_CHUNK_MIN_BYTES: usize = 64 * 1024;

/// A bump allocator for what the host lowers: chunks that never move, all released at once.
struct Arena {
    chunks: Vec<Vec<u8>>,
    used: usize,
}

impl Arena {
    fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        if let Some(chunk) = self.chunks.last_mut() {
            let base = chunk.as_mut_ptr() as usize;
            let start = (base + self.used + align - 1) & !(align - 1);
            if start + size <= base + chunk.capacity() {
                self.used = start + size - base;
                return start as *mut u8;
            }
        }
        let last = self.chunks.last().map_or(0, |c| c.capacity());
        let capacity = (size + align).max(ARENA_CHUNK_MIN_BYTES).max(2 * last);
        self.chunks.push(Vec::with_capacity(capacity));
        self.used = 0;
        self.alloc(size, align)
    }

    /// Frees everything; keeps one chunk as large as all of them, so the next batch of the same
    /// size fits in one.
    fn reset(&mut self) {
        if self.chunks.len() > 1 {
            let total: usize = self.chunks.iter().map(|c| c.capacity()).sum();
            self.chunks.clear();
            self.chunks.push(Vec::with_capacity(total));
        }
        self.used = 0;
    }
}

/// Tells the host this module never frees an argument on its own (the arena above takes them back
/// all at once), so it may lower a whole batch into one allocation, and allocate in the arena
/// until the post-return function (docs/components.md).
#[link_section = "sluice:arguments"]
#[used]
static ARGUMENTS: [u8; 9] = *b"one-block";

// A component instance runs on one thread and the host never re-enters a call.
static mut ARENA: Arena = Arena { chunks: Vec::new(), used: 0 };
static mut RESULT: [u64; RESULT_BYTES / 8] = [0; RESULT_BYTES / 8];
static mut ERROR: String = String::new();
static mut FILTER: Option<(JsonField, Vec<u8>)> = None;

#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    let ptr = ARENA.alloc(new_len, align);
    if !old_ptr.is_null() {
        std::ptr::copy_nonoverlapping(old_ptr, ptr, old_len.min(new_len));
    }
    ptr
}

unsafe fn read_u32(at: usize) -> usize {
    (at as *const u32).read_unaligned() as usize
}

unsafe fn bytes<'a>(ptr: usize, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr as *const u8, len)
    }
}

unsafe fn result_area() -> *mut u8 {
    RESULT.as_mut_ptr() as *mut u8
}

/// `result::ok` with a list, or `ok(_)` when `list` is None.
unsafe fn ok(list: Option<(usize, usize)>) -> *mut u8 {
    let r = result_area();
    r.write(0);
    if let Some((ptr, len)) = list {
        (r.add(4) as *mut u32).write(ptr as u32);
        (r.add(8) as *mut u32).write(len as u32);
    }
    r
}

/// `result::err(error { code, message })`; error-code 0 is `guest`, 1 `bad-params`.
unsafe fn err(code: u8, message: String) -> *mut u8 {
    ERROR = message;
    let r = result_area();
    r.write(1);
    r.add(4).write(code);
    (r.add(8) as *mut u32).write(ERROR.as_ptr() as u32);
    (r.add(12) as *mut u32).write(ERROR.len() as u32);
    r
}

/// `init: func(params: list<tuple<string, string>>) -> result<_, error>`: params field (default
/// "level") and value (default "error"); others are ignored, as json-filter does.
#[no_mangle]
pub unsafe extern "C" fn init(ptr: usize, len: usize) -> *mut u8 {
    let mut field = "level".to_string();
    let mut value = "error".to_string();
    for i in 0..len {
        let pair = ptr + i * 16;
        let (key, val) = (bytes(read_u32(pair), read_u32(pair + 4)), bytes(read_u32(pair + 8), read_u32(pair + 12)));
        let text = match std::str::from_utf8(val) {
            Ok(t) => t.to_string(),
            Err(_) => return err(1, "params must be UTF-8".to_string()),
        };
        match key {
            b"field" => field = text,
            b"value" => value = text,
            _ => {}
        }
    }
    FILTER = Some((JsonField::new(&field), value.into_bytes()));
    ok(None)
}

#[no_mangle]
pub unsafe extern "C" fn cabi_post_init(_ret: *mut u8) {
    ARENA.reset();
}

/// `filter: func(records: list<record>) -> result<list<record>, error>`: the kept records are
/// copied (48 bytes each, their data still in the arena) into an output list in input order.
#[no_mangle]
pub unsafe extern "C" fn filter(ptr: usize, len: usize) -> *mut u8 {
    let (field, expected) = match &FILTER {
        Some(f) => (&f.0, &f.1),
        None => return err(0, "filter called before init".to_string()),
    };
    let out = ARENA.alloc(len.max(1) * RECORD_BYTES, 8) as usize;
    let mut kept = 0;
    for i in 0..len {
        let record = ptr + i * RECORD_BYTES;
        let value_at = record + RECORD_VALUE_AT;
        let value = if (value_at as *const u8).read() == 0 { &[][..] } else { bytes(read_u32(value_at + 4), read_u32(value_at + 8)) };
        if field.find_in(value).map_or(false, |v| v.equals_text(expected)) {
            std::ptr::copy_nonoverlapping(record as *const u8, (out + kept * RECORD_BYTES) as *mut u8, RECORD_BYTES);
            kept += 1;
        }
    }
    ok(Some((out, kept)))
}

#[no_mangle]
pub unsafe extern "C" fn cabi_post_filter(_ret: *mut u8) {
    ARENA.reset();
}

