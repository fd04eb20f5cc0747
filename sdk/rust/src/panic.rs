//! The error message region, and panics turned into it: a panic records "panicked at '<message>',
//! <file>:<line>:<col> (record offset N)" there before the module traps, and the host reports
//! that message (ABI.md §6) instead of an anonymous `unreachable`.
use alloc::vec::Vec;
use core::fmt::Write;

/// The host reads at most this many bytes of a message (GUEST_ERROR_MESSAGE_MAX_BYTES).
const ERROR_MAX_BYTES: usize = 4096;

static mut ERROR: Vec<u8> = Vec::new();
/// The offset of the record being processed, for messages; None outside a record.
static mut OFFSET: Option<i64> = None;

pub fn error_ptr() -> *const u8 {
    unsafe { ERROR.as_ptr() }
}

pub fn error_len() -> i32 {
    unsafe { ERROR.len() as i32 }
}

pub fn clear_error() {
    unsafe { ERROR.clear() };
}

pub fn set_offset(offset: Option<i64>) {
    unsafe { OFFSET = offset };
}

/// Replaces the message, cut to what the host reads (at a character boundary).
pub fn set_error(message: &str) {
    let mut end = message.len().min(ERROR_MAX_BYTES);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let error = unsafe { &mut ERROR };
    error.clear();
    error.extend_from_slice(&message.as_bytes()[..end]);
}

/// A `fmt::Write` into the error region that stops at the host's bound.
struct ErrorWriter;

impl Write for ErrorWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let error = unsafe { &mut ERROR };
        let room = ERROR_MAX_BYTES.saturating_sub(error.len());
        let mut end = s.len().min(room);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        error.extend_from_slice(&s.as_bytes()[..end]);
        Ok(())
    }
}

/// Records a panic's message; `info` displays as "panicked at '<message>', <file>:<line>:<col>".
fn record_panic(info: &core::panic::PanicInfo<'_>) {
    clear_error();
    let _ = write!(ErrorWriter, "{info}");
    if let Some(offset) = unsafe { OFFSET } {
        let _ = write!(ErrorWriter, " (record offset {offset})");
    }
}

/// Installs the panic hook once (std); the no_std build records panics in its panic handler.
pub fn install() {
    #[cfg(feature = "std")]
    {
        static mut INSTALLED: bool = false;
        unsafe {
            if !INSTALLED {
                INSTALLED = true;
                std::panic::set_hook(alloc::boxed::Box::new(|info| record_panic(info)));
            }
        }
    }
}

#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
mod no_std_runtime {
    //! What std provides otherwise: the panic handler and the allocator (bench-only, see Cargo.toml).
    use core::alloc::{GlobalAlloc, Layout};
    use core::arch::wasm32;

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
        super::record_panic(info);
        wasm32::unreachable()
    }

    #[alloc_error_handler]
    fn out_of_memory(_: Layout) -> ! {
        wasm32::unreachable()
    }

    const PAGE_BYTES: usize = 65536;
    /// Size classes 2^4 ..= 2^31: a freed block goes back to its class's free list.
    const CLASSES: usize = 32;
    const MIN_CLASS: u32 = 4;

    /// Power-of-two size classes with a free list each, carved from the top of the heap.
    struct SizeClassAllocator;

    static mut FREE: [usize; CLASSES] = [0; CLASSES];
    static mut TOP: usize = 0;
    static mut END: usize = 0;

    extern "C" {
        static __heap_base: u8;
    }

    unsafe fn carve(size: usize, align: usize) -> *mut u8 {
        if TOP == 0 {
            TOP = &__heap_base as *const u8 as usize;
            END = wasm32::memory_size(0) * PAGE_BYTES;
        }
        let start = (TOP + align - 1) & !(align - 1);
        let end = match start.checked_add(size) {
            Some(e) => e,
            None => return core::ptr::null_mut(),
        };
        if end > END {
            let pages = (end - END + PAGE_BYTES - 1) / PAGE_BYTES;
            if wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
            END += pages * PAGE_BYTES;
        }
        TOP = end;
        start as *mut u8
    }

    unsafe impl GlobalAlloc for SizeClassAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let size = layout.size().max(layout.align()).max(1 << MIN_CLASS).next_power_of_two();
            let class = size.trailing_zeros() as usize;
            if class >= CLASSES {
                return core::ptr::null_mut();
            }
            let head = FREE[class];
            if head != 0 && head % layout.align() == 0 {
                FREE[class] = *(head as *const usize);
                return head as *mut u8;
            }
            // Blocks are aligned to their size up to a page, so a reused block fits most layouts.
            carve(size, size.min(PAGE_BYTES).max(layout.align()))
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let size = layout.size().max(layout.align()).max(1 << MIN_CLASS).next_power_of_two();
            let class = size.trailing_zeros() as usize;
            *(ptr as *mut usize) = FREE[class];
            FREE[class] = ptr as usize;
        }
    }

    #[global_allocator]
    static ALLOCATOR: SizeClassAllocator = SizeClassAllocator;
}
