//! Nothing here: the comparison with the official generator is in `tests/`.
