//! Tests of ids and names.

mod names;
mod resource_id;
mod typed;
