//! The one host import ABI v1 allows: `sluice.log(level, ptr, len)`, imported only when used.

/// Log levels of `sluice.log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "sluice")]
extern "C" {
    #[link_name = "log"]
    fn host_log(level: i32, ptr: *const u8, len: i32);
}

/// Writes a line through the host (which keeps at most 4096 bytes of it and 64 lines per batch).
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        host_log(level as i32, message.as_ptr(), message.len() as i32)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}
