//! A minimal JSON writer into a growable buffer; commas are placed for you, strings escaped.
use alloc::vec::Vec;

use super::number::{write_integer, write_number};

#[derive(Default)]
pub struct JsonWriter {
    buf: Vec<u8>,
    need_comma: bool,
    after_key: bool,
}

fn hex_digit(n: u8) -> u8 {
    if n < 10 {
        b'0' + n
    } else {
        b'a' + n - 10
    }
}

impl JsonWriter {
    pub fn new() -> JsonWriter {
        JsonWriter::default()
    }

    fn prefix(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else if self.need_comma {
            self.buf.push(b',');
        }
        self.need_comma = true;
    }

    /// `"s"` with `"`, `\` and control characters escaped (\n \r \t, others as \u00XX).
    fn quoted(&mut self, s: &[u8]) {
        self.buf.push(b'"');
        let mut run = 0;
        for (i, &c) in s.iter().enumerate() {
            if c != b'"' && c != b'\\' && c >= 0x20 {
                continue;
            }
            self.buf.extend_from_slice(&s[run..i]);
            run = i + 1;
            self.buf.push(b'\\');
            match c {
                b'"' | b'\\' => self.buf.push(c),
                b'\n' => self.buf.push(b'n'),
                b'\r' => self.buf.push(b'r'),
                b'\t' => self.buf.push(b't'),
                _ => self.buf.extend_from_slice(&[b'u', b'0', b'0', hex_digit(c >> 4), hex_digit(c & 15)]),
            }
        }
        self.buf.extend_from_slice(&s[run..]);
        self.buf.push(b'"');
    }

    pub fn begin_object(&mut self) -> &mut Self {
        self.prefix();
        self.buf.push(b'{');
        self.need_comma = false;
        self
    }

    pub fn end_object(&mut self) -> &mut Self {
        self.buf.push(b'}');
        self.need_comma = true;
        self
    }

    pub fn begin_array(&mut self) -> &mut Self {
        self.prefix();
        self.buf.push(b'[');
        self.need_comma = false;
        self
    }

    pub fn end_array(&mut self) -> &mut Self {
        self.buf.push(b']');
        self.need_comma = true;
        self
    }

    pub fn key(&mut self, name: &str) -> &mut Self {
        if self.need_comma {
            self.buf.push(b',');
        }
        self.quoted(name.as_bytes());
        self.buf.push(b':');
        self.after_key = true;
        self.need_comma = true;
        self
    }

    pub fn string(&mut self, s: &str) -> &mut Self {
        self.prefix();
        self.quoted(s.as_bytes());
        self
    }

    /// Integers within 2^53 are written without a fraction; NaN and infinities as null.
    pub fn number(&mut self, v: f64) -> &mut Self {
        self.prefix();
        write_number(&mut self.buf, v);
        self
    }

    pub fn integer(&mut self, v: i64) -> &mut Self {
        self.prefix();
        write_integer(&mut self.buf, v);
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.prefix();
        self.buf.extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.prefix();
        self.buf.extend_from_slice(b"null");
        self
    }

    /// Writes already-encoded JSON text as one value.
    pub fn raw(&mut self, json: &[u8]) -> &mut Self {
        self.prefix();
        self.buf.extend_from_slice(json);
        self
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn reset(&mut self) {
        self.buf.clear();
        self.need_comma = false;
        self.after_key = false;
    }
}
