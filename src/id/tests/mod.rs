// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Tests of ids and names.

mod names;
mod resource_id;
mod typed;
