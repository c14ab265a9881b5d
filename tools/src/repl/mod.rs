//! mrepl
