//! Placeholder until the model benchmark lands.
fn main() {}
