//! A record as modules see it. Input records are views into the batch the host copied into
//! guest memory (ABI.md §4): key, value and headers borrow from it until a setter gives the
//! record bytes of its own. The input is decoded (and bounds-checked) once, as it is read.
use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::text::utf8_lossy;

/// One header: a UTF-8 key and a nullable value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub key: Cow<'a, str>,
    pub value: Option<Cow<'a, [u8]>>,
}

impl<'a> Header<'a> {
    pub fn new(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, [u8]>>) -> Header<'a> {
        Header { key: key.into(), value: Some(value.into()) }
    }

    /// A header whose value is null.
    pub fn null(key: impl Into<Cow<'a, str>>) -> Header<'a> {
        Header { key: key.into(), value: None }
    }
}

#[derive(Clone, Debug)]
enum HeaderList<'a> {
    /// As encoded in the input batch (count excluded), while unchanged.
    Raw { bytes: &'a [u8], count: u32 },
    Owned(Vec<Header<'a>>),
}

#[derive(Clone, Debug)]
pub struct Record<'a> {
    offset: i64,
    timestamp: i64,
    key: Option<Cow<'a, [u8]>>,
    value: Option<Cow<'a, [u8]>>,
    headers: HeaderList<'a>,
    /// The record's encoded bytes in the input batch while nothing is changed: output copies them whole.
    encoded: &'a [u8],
}

fn read_i32(b: &[u8], at: usize) -> i32 {
    assert!(at + 4 <= b.len());
    // One bounds check (above) instead of one per byte; unaligned reads are fine in wasm.
    i32::from_le(unsafe { (b.as_ptr().add(at) as *const i32).read_unaligned() })
}

fn read_i64(b: &[u8], at: usize) -> i64 {
    assert!(at + 8 <= b.len());
    i64::from_le(unsafe { (b.as_ptr().add(at) as *const i64).read_unaligned() })
}

/// A span of `len` bytes at `p` (len -1: null; other negatives are malformed).
fn span<'b>(b: &'b [u8], p: &mut usize, len: i32) -> Result<Option<&'b [u8]>, ()> {
    if len == -1 {
        return Ok(None);
    }
    if len < 0 || b.len() - *p < len as usize {
        return Err(());
    }
    let s = &b[*p..*p + len as usize];
    *p += len as usize;
    Ok(Some(s))
}

impl<'a> Record<'a> {
    /// A new record with a null key and value, no headers and timestamp 0, e.g. for array_map;
    /// its offset is always the source record's.
    pub fn new() -> Record<'static> {
        Record { offset: 0, timestamp: 0, key: None, value: None, headers: HeaderList::Raw { bytes: &[], count: 0 }, encoded: &[] }
    }

    /// Decodes the record at `*p` of batch `b`, advancing `*p`; Err when it overruns the batch.
    fn decode(b: &'a [u8], p: &mut usize) -> Result<Record<'a>, ()> {
        let start = *p;
        if b.len() - start < 24 {
            return Err(());
        }
        let offset = read_i64(b, start);
        let timestamp = read_i64(b, start + 8);
        let key_len = read_i32(b, start + 16);
        *p = start + 20;
        let key = span(b, p, key_len)?;
        if b.len() - *p < 4 {
            return Err(());
        }
        let value_len = read_i32(b, *p);
        *p += 4;
        let value = span(b, p, value_len)?;
        if b.len() - *p < 4 {
            return Err(());
        }
        let count = read_i32(b, *p);
        *p += 4;
        if count < 0 {
            return Err(());
        }
        let headers_start = *p;
        for _ in 0..count {
            if b.len() - *p < 4 {
                return Err(());
            }
            let k = read_i32(b, *p);
            *p += 4;
            if k < 0 || span(b, p, k)?.is_none() || b.len() - *p < 4 {
                return Err(());
            }
            let v = read_i32(b, *p);
            *p += 4;
            span(b, p, v)?;
        }
        Ok(Record {
            offset,
            timestamp,
            key: key.map(Cow::Borrowed),
            value: value.map(Cow::Borrowed),
            headers: HeaderList::Raw { bytes: &b[headers_start..*p], count: count as u32 },
            encoded: &b[start..*p],
        })
    }

    /// The source record's offset (output records always carry it).
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// Milliseconds since the Unix epoch.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    pub fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    pub fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }

    /// The key as text (invalid UTF-8 replaced by U+FFFD); None for a null key.
    pub fn key_str(&self) -> Option<Cow<'_, str>> {
        self.key().map(utf8_lossy)
    }

    /// The value as text (invalid UTF-8 replaced by U+FFFD); None for a null value.
    pub fn value_str(&self) -> Option<Cow<'_, str>> {
        self.value().map(utf8_lossy)
    }

    pub fn headers(&self) -> Headers<'_> {
        match &self.headers {
            HeaderList::Raw { bytes, count } => Headers { inner: HeadersInner::Raw { bytes, at: 0, left: *count } },
            HeaderList::Owned(list) => Headers { inner: HeadersInner::Owned(list.iter()) },
        }
    }

    /// The value of the first header named `name`; None when there is none or its value is null.
    pub fn header(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        self.headers().find(|h| h.key == name).and_then(|h| h.value)
    }

    pub(crate) fn encoded(&self) -> &[u8] {
        self.encoded
    }

    pub fn set_timestamp(&mut self, timestamp: i64) {
        self.timestamp = timestamp;
        self.encoded = &[];
    }

    pub fn set_key(&mut self, key: impl Into<Cow<'a, [u8]>>) {
        self.key = Some(key.into());
        self.encoded = &[];
    }

    pub fn set_null_key(&mut self) {
        self.key = None;
        self.encoded = &[];
    }

    pub fn set_value(&mut self, value: impl Into<Cow<'a, [u8]>>) {
        self.value = Some(value.into());
        self.encoded = &[];
    }

    pub fn set_null_value(&mut self) {
        self.value = None;
        self.encoded = &[];
    }

    pub fn set_headers(&mut self, headers: Vec<Header<'a>>) {
        self.headers = HeaderList::Owned(headers);
        self.encoded = &[];
    }

    pub fn add_header(&mut self, header: Header<'a>) {
        if let HeaderList::Raw { .. } = self.headers {
            let owned: Vec<Header<'a>> = self.raw_headers_owned();
            self.headers = HeaderList::Owned(owned);
        }
        if let HeaderList::Owned(list) = &mut self.headers {
            list.push(header);
        }
        self.encoded = &[];
    }

    /// The raw headers as a list borrowing from the batch (valid for 'a).
    fn raw_headers_owned(&self) -> Vec<Header<'a>> {
        match self.headers {
            HeaderList::Raw { bytes, count } => Headers { inner: HeadersInner::Raw { bytes, at: 0, left: count } }.collect(),
            HeaderList::Owned(ref list) => list.clone(),
        }
    }

    /// A copy of this record with another value (key, timestamp and headers stay).
    pub fn with_value(&self, value: impl Into<Cow<'a, [u8]>>) -> Record<'a> {
        let mut r = self.clone();
        r.set_value(value);
        r
    }
}

impl Default for Record<'static> {
    fn default() -> Self {
        Record::new()
    }
}

/// The headers of a record, in order.
pub struct Headers<'r> {
    inner: HeadersInner<'r>,
}

enum HeadersInner<'r> {
    Raw { bytes: &'r [u8], at: usize, left: u32 },
    Owned(core::slice::Iter<'r, Header<'r>>),
}

impl<'r> Iterator for Headers<'r> {
    type Item = Header<'r>;

    fn next(&mut self) -> Option<Header<'r>> {
        match &mut self.inner {
            HeadersInner::Raw { bytes, at, left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let b: &'r [u8] = *bytes;
                // Validated by Record::decode.
                let k = read_i32(b, *at) as usize;
                let key = utf8_lossy(&b[*at + 4..*at + 4 + k]);
                *at += 4 + k;
                let v = read_i32(b, *at);
                *at += 4;
                let value = if v < 0 {
                    None
                } else {
                    let s = &b[*at..*at + v as usize];
                    *at += v as usize;
                    Some(Cow::Borrowed(s))
                };
                Some(Header { key, value })
            }
            HeadersInner::Owned(it) => it.next().map(|h| Header {
                key: Cow::Borrowed(h.key.as_ref()),
                value: h.value.as_deref().map(Cow::Borrowed),
            }),
        }
    }
}

/// Reads the records of an input batch one by one.
pub(crate) struct BatchReader<'a> {
    bytes: &'a [u8],
    at: usize,
    left: u32,
}

impl<'a> BatchReader<'a> {
    /// None when the batch is shorter than its record count.
    pub(crate) fn new(bytes: &'a [u8]) -> Option<BatchReader<'a>> {
        if bytes.len() < 4 {
            return None;
        }
        let count = read_i32(bytes, 0);
        Some(BatchReader { bytes, at: 4, left: if count < 0 { 0 } else { count as u32 } })
    }

    /// The next record: None at the end, Some(None) when it is malformed.
    pub(crate) fn next_record(&mut self) -> Option<Option<Record<'a>>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(Record::decode(self.bytes, &mut self.at).ok())
    }
}
