//! The output batch under construction (ABI.md §4), kept across batches so that a steady
//! stream of batches allocates nothing here once it has grown.
use alloc::vec::Vec;

use crate::abi::OUTPUT_MAX_BYTES;
use crate::record::Record;

pub struct Output {
    buf: Vec<u8>,
    count: u32,
    overflow: bool,
}

impl Output {
    pub const fn new() -> Output {
        Output { buf: Vec::new(), count: 0, overflow: false }
    }

    pub fn as_ptr(&self) -> *const u8 {
        self.buf.as_ptr()
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True once a record did not fit under OUTPUT_MAX_BYTES: the batch then fails.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    pub fn begin(&mut self) {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; 4]); // the record count, written by finish
        self.count = 0;
        self.overflow = false;
    }

    /// Writes the record count; returns it (what sluice_process returns).
    pub fn finish(&mut self) -> i32 {
        self.buf[..4].copy_from_slice(&self.count.to_le_bytes());
        self.count as i32
    }

    /// Room for `extra` more bytes, or false (nothing written) past OUTPUT_MAX_BYTES.
    fn room(&mut self, extra: usize) -> bool {
        if self.overflow || self.buf.len() + extra > OUTPUT_MAX_BYTES {
            self.overflow = true;
            return false;
        }
        self.buf.reserve(extra);
        true
    }

    fn span(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            None => self.buf.extend_from_slice(&(-1i32).to_le_bytes()),
            Some(b) => {
                self.buf.extend_from_slice(&(b.len() as i32).to_le_bytes());
                self.buf.extend_from_slice(b);
            }
        }
    }

    /// Appends `r` with the source offset `offset`.
    pub fn record(&mut self, r: &Record<'_>, offset: i64) {
        let encoded = r.encoded();
        if !encoded.is_empty() {
            // Unchanged since it was read: its bytes as they came, under the source offset.
            if self.room(encoded.len()) {
                let at = self.buf.len();
                self.buf.extend_from_slice(encoded);
                self.buf[at..at + 8].copy_from_slice(&offset.to_le_bytes());
                self.count += 1;
            }
            return;
        }
        self.write(r, r.value(), offset);
    }

    /// Appends `r` with `value` as its value and the source offset `offset`.
    pub fn record_with_value(&mut self, r: &Record<'_>, value: &[u8], offset: i64) {
        self.write(r, Some(value), offset);
    }

    fn write(&mut self, r: &Record<'_>, value: Option<&[u8]>, offset: i64) {
        let key = r.key();
        let mut headers_len = 0usize;
        let mut header_count = 0i32;
        for h in r.headers() {
            headers_len += 8 + h.key.len() + h.value.as_ref().map_or(0, |v| v.len());
            header_count += 1;
        }
        let size = 20 + key.map_or(0, |k| k.len()) + 4 + value.map_or(0, |v| v.len()) + 4 + headers_len;
        // One check for the whole record: it is written entirely or not at all.
        if !self.room(size) {
            return;
        }
        self.buf.extend_from_slice(&offset.to_le_bytes());
        self.buf.extend_from_slice(&r.timestamp().to_le_bytes());
        self.span(key);
        self.span(value);
        self.buf.extend_from_slice(&header_count.to_le_bytes());
        for h in r.headers() {
            self.span(Some(h.key.as_bytes()));
            self.span(h.value.as_deref());
        }
        self.count += 1;
    }
}
