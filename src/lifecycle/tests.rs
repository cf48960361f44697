//! Unit tests of the lifecycle (the exhaustive table lives in tests/lifecycle_table.rs).
