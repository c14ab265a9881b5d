//! Nothing here: the official runtime runs our modules in `tests/`.
