//! Marine guest SDK.
