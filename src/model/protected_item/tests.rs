//! Tests of protected items.
