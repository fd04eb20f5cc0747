//! The error a module returns from `init` or from a record function.
use alloc::string::{String, ToString};
use core::fmt;

use crate::abi::code;

/// Fails the batch (or, from `init`, refuses the params) with a message. Any `Display` value
/// converts into one, so `?` works on most errors and `Err("why")?` on a plain message.
/// (It is not `Display` itself: that keeps the blanket conversion possible.)
pub struct Error {
    message: String,
    pub(crate) code: i32,
}

pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// The module's own error (ABI code GUEST).
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), code: code::GUEST }
    }

    /// aggregate: the accumulator the host passed in is not one this module wrote (BAD_STATE).
    pub fn bad_state(message: impl Into<String>) -> Error {
        Error { message: message.into(), code: code::BAD_STATE }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E: fmt::Display> From<E> for Error {
    fn from(e: E) -> Error {
        Error::new(e.to_string())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, code {})", self.message, self.code)
    }
}
