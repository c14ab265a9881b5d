//! The context-free error of lifting and lowering: what went wrong at which guest address.
//! A runtime attaches the module and function the error happened in.

/// Errors of the lifting/lowering layer, before module/function context is attached.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AbiError {
    /// A guest-provided pointer/length pair does not fit in the guest memory.
    #[error("{what}: {len} bytes at {ptr:#x} are out of bounds of the {memory_size}-byte memory")]
    OutOfBounds {
        /// What was being read or written (for example `string`, `array of u64`).
        what: String,
        /// Start address.
        ptr: u64,
        /// Length in bytes (saturated at `u64::MAX` when the size computation overflowed).
        len: u64,
        /// Guest memory size in bytes at the time of the access.
        memory_size: u64,
    },
    /// A lifted string is not valid UTF-8.
    #[error("{what}: invalid UTF-8 at byte {valid_up_to} of {len}")]
    InvalidUtf8 {
        /// What was being read.
        what: String,
        /// Offset of the first invalid byte.
        valid_up_to: usize,
        /// Total length of the string in bytes.
        len: usize,
    },
    /// The guest's `allocate` failed (trapped or returned 0 for a non-empty request).
    #[error("allocate({size}, {tag}) failed: {reason}")]
    Allocation {
        /// Requested size in bytes.
        size: u64,
        /// Type tag (§1.2).
        tag: u8,
        /// Why.
        reason: String,
    },
    /// A value is too large for the 32-bit guest (length or count does not fit in u32).
    #[error("{what}: {len} does not fit in a 32-bit guest")]
    TooLarge {
        /// What was being lowered.
        what: String,
        /// The offending length.
        len: u64,
    },
    /// The host memory a value taken from a guest would take exceeds the budget
    /// ([`crate::Limits::max_value_size`]): a large value, or guest data that references the
    /// same memory many times over.
    #[error("lifting {what} exceeded the limit `max_value_size` = {limit} bytes of host memory")]
    LiftBudget {
        /// What was being read when the budget ran out.
        what: String,
        /// The budget in bytes.
        limit: u64,
    },
    /// A value does not have the type it is lowered or lifted as (internal consistency check;
    /// arguments are type-checked before lowering).
    #[error("value {given} does not match type {expected}")]
    ValueMismatch {
        /// Expected type (text form).
        expected: String,
        /// Given value kind or description.
        given: String,
    },
    /// A tagged block (`Option`, `Result`, enum) holds a discriminant its type has no case for.
    #[error("{what}: discriminant {value} at {ptr:#x} is not one of the type's {cases} cases")]
    InvalidDiscriminant {
        /// The type being read (text form).
        what: String,
        /// Address of the block.
        ptr: u64,
        /// The discriminant found.
        value: u32,
        /// How many cases the type has.
        cases: u32,
    },
    /// A call into a guest ABI function (`get_result_ptr`, `release_objects`, …) trapped.
    #[error("guest function `{function}` failed: {message}")]
    GuestCall {
        /// The ABI function that failed.
        function: String,
        /// Error text including the wasm backtrace.
        message: String,
    },
}
