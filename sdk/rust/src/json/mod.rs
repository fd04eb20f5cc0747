//! Small JSON helpers for modules: a top-level field lookup that scans the bytes without
//! parsing the rest or allocating, iterators over the members of an object or array, and a
//! writer. They read exactly as the AssemblyScript SDK's (json.ts) do, malformed input included.
use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::record::Record;
use crate::text::json_unescape;

mod grisu;
pub(crate) mod number;
mod writer;

pub use writer::JsonWriter;

/// The type of a JSON value, from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    String,
    /// Anything that is not another type: also unquoted garbage, which then reads as NaN.
    Number,
    Object,
    Array,
    True,
    False,
    Null,
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\n' || c == b'\r' || c == b'\t'
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && is_ws(b[p]) {
        p += 1;
    }
    p
}

/// `p` at an opening quote: the position after the closing quote.
fn skip_string(b: &[u8], mut p: usize) -> Option<usize> {
    p += 1;
    while p < b.len() {
        let c = b[p];
        if c == b'"' {
            return Some(p + 1);
        }
        p += if c == b'\\' { 2 } else { 1 };
    }
    None
}

/// The position after the value starting at `p`. Containers are skipped by counting brackets
/// of either kind outside strings; scalars run to the next `,` `}` `]` or white space.
fn skip_value(b: &[u8], mut p: usize) -> Option<usize> {
    let c = *b.get(p)?;
    if c == b'"' {
        return skip_string(b, p);
    }
    if c == b'{' || c == b'[' {
        let mut depth = 0i32;
        while p < b.len() {
            let d = b[p];
            if d == b'"' {
                p = skip_string(b, p)?;
                continue;
            }
            if d == b'{' || d == b'[' {
                depth += 1;
            } else if d == b'}' || d == b']' {
                depth -= 1;
                if depth == 0 {
                    return Some(p + 1);
                }
            }
            p += 1;
        }
        return None;
    }
    let start = p;
    while p < b.len() {
        let d = b[p];
        if d == b',' || d == b'}' || d == b']' || is_ws(d) {
            break;
        }
        p += 1;
    }
    if p > start {
        Some(p)
    } else {
        None
    }
}

/// The position of the first member inside the container `open` at the start of `b`.
fn enter_container(b: &[u8], open: u8) -> Option<usize> {
    let p = skip_ws(b, 0);
    if p < b.len() && b[p] == open {
        Some(skip_ws(b, p + 1))
    } else {
        None
    }
}

/// `p` just after a member: the position of the next member (past a comma), or of the close.
fn next_member(b: &[u8], p: usize) -> usize {
    let p = skip_ws(b, p);
    if p < b.len() && b[p] == b',' {
        skip_ws(b, p + 1)
    } else {
        p
    }
}

fn type_at(c: u8) -> JsonType {
    match c {
        b'"' => JsonType::String,
        b'{' => JsonType::Object,
        b'[' => JsonType::Array,
        b't' => JsonType::True,
        b'f' => JsonType::False,
        b'n' => JsonType::Null,
        _ => JsonType::Number,
    }
}

/// One JSON value found in a document: its raw bytes and its type.
#[derive(Clone, Copy, Debug)]
pub struct JsonValue<'a> {
    raw: &'a [u8],
    kind: JsonType,
}

impl<'a> JsonValue<'a> {
    fn at(b: &'a [u8], start: usize, end: usize) -> JsonValue<'a> {
        JsonValue { raw: &b[start..end], kind: type_at(b[start]) }
    }

    /// The value's JSON text, as in the document (a string with its quotes and escapes).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    pub fn kind(&self) -> JsonType {
        self.kind
    }

    pub fn is_string(&self) -> bool {
        self.kind == JsonType::String
    }

    pub fn is_number(&self) -> bool {
        self.kind == JsonType::Number
    }

    /// The decoded string when the value is a JSON string (borrowed unless it has escapes).
    pub fn string(&self) -> Option<Cow<'a, str>> {
        if self.kind != JsonType::String {
            return None;
        }
        Some(json_unescape(&self.raw[1..self.raw.len() - 1]))
    }

    /// The value as a number when it is one (parsed like JavaScript's parseFloat; None for NaN).
    pub fn number(&self) -> Option<f64> {
        if self.kind != JsonType::Number {
            return None;
        }
        let n = number::js_parse_float(self.raw);
        if n.is_nan() {
            None
        } else {
            Some(n)
        }
    }

    /// True when a string's decoded contents equal `text`, or another value's raw JSON does.
    /// Allocates only for a string with escapes.
    pub fn equals_text(&self, text: &[u8]) -> bool {
        if self.kind == JsonType::String {
            let inner = &self.raw[1..self.raw.len() - 1];
            if inner.contains(&b'\\') {
                return json_unescape(inner).as_bytes() == text;
            }
            return inner == text;
        }
        self.raw == text
    }

    /// The members of the value when it is an object.
    pub fn object(&self) -> Option<ObjectIter<'a>> {
        object(self.raw)
    }

    /// The elements of the value when it is an array.
    pub fn array(&self) -> Option<ArrayIter<'a>> {
        array(self.raw)
    }
}

/// A top-level field of a JSON object, found by scanning the bytes. Make one per field in
/// init and reuse it: `find` allocates nothing. Names are compared as raw UTF-8 (a key written
/// with escapes in the document does not match).
#[derive(Clone, Debug)]
pub struct JsonField {
    name: alloc::string::String,
}

impl JsonField {
    pub fn new(name: &str) -> JsonField {
        JsonField { name: name.into() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Looks the field up in a record's value.
    pub fn find<'a>(&self, record: &'a Record<'_>) -> Option<JsonValue<'a>> {
        self.find_in(record.value().unwrap_or(&[]))
    }

    /// Looks the field up in the JSON object `json`; None when absent, when `json` is not an
    /// object, or when the object is malformed before the field.
    pub fn find_in<'a>(&self, json: &'a [u8]) -> Option<JsonValue<'a>> {
        let b = json;
        let key = self.name.as_bytes();
        let mut p = enter_container(b, b'{')?;
        while p < b.len() && b[p] == b'"' {
            let ks = p + 1;
            let ke = skip_string(b, p)?;
            let matched = &b[ks..ke - 1] == key;
            p = skip_ws(b, ke);
            if p >= b.len() || b[p] != b':' {
                return None;
            }
            p = skip_ws(b, p + 1);
            let ve = skip_value(b, p)?;
            if matched {
                return Some(JsonValue::at(b, p, ve));
            }
            p = skip_ws(b, ve);
            if p >= b.len() || b[p] != b',' {
                return None;
            }
            p = skip_ws(b, p + 1);
        }
        None
    }
}

/// A key of an object member: its raw bytes between the quotes.
#[derive(Clone, Copy, Debug)]
pub struct JsonKey<'a> {
    raw: &'a [u8],
}

impl<'a> JsonKey<'a> {
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The decoded key (borrowed unless it has escapes).
    pub fn string(&self) -> Cow<'a, str> {
        json_unescape(self.raw)
    }
}

/// The members of a JSON object; iteration stops at the end or at the first malformed member.
pub struct ObjectIter<'a> {
    b: &'a [u8],
    p: usize,
    ok: bool,
}

/// The members of `json` when it is an object (after any white space).
pub fn object(json: &[u8]) -> Option<ObjectIter<'_>> {
    enter_container(json, b'{').map(|p| ObjectIter { b: json, p, ok: true })
}

impl<'a> Iterator for ObjectIter<'a> {
    type Item = (JsonKey<'a>, JsonValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if !self.ok {
            return None;
        }
        let b = self.b;
        let mut p = self.p;
        if p >= b.len() || b[p] != b'"' {
            return None;
        }
        let parsed = (|| {
            let ke = skip_string(b, p)?;
            let key = JsonKey { raw: &b[p + 1..ke - 1] };
            p = skip_ws(b, ke);
            if p >= b.len() || b[p] != b':' {
                return None;
            }
            p = skip_ws(b, p + 1);
            let ve = skip_value(b, p)?;
            Some((key, JsonValue::at(b, p, ve), ve))
        })();
        match parsed {
            Some((key, value, ve)) => {
                self.p = next_member(b, ve);
                Some((key, value))
            }
            None => {
                self.ok = false;
                None
            }
        }
    }
}

/// The elements of a JSON array; iteration stops at the end or at the first malformed element.
pub struct ArrayIter<'a> {
    b: &'a [u8],
    p: usize,
    ok: bool,
}

/// The elements of `json` when it is an array (after any white space).
pub fn array(json: &[u8]) -> Option<ArrayIter<'_>> {
    enter_container(json, b'[').map(|p| ArrayIter { b: json, p, ok: true })
}

impl<'a> Iterator for ArrayIter<'a> {
    type Item = JsonValue<'a>;

    fn next(&mut self) -> Option<JsonValue<'a>> {
        if !self.ok {
            return None;
        }
        let b = self.b;
        let p = self.p;
        if p >= b.len() || b[p] == b']' {
            return None;
        }
        match skip_value(b, p) {
            Some(e) => {
                self.p = next_member(b, e);
                Some(JsonValue::at(b, p, e))
            }
            None => {
                self.ok = false;
                None
            }
        }
    }
}

/// Appends `v` as JsonWriter::number writes it (null when not finite).
pub fn write_number(out: &mut Vec<u8>, v: f64) {
    number::write_number(out, v);
}
