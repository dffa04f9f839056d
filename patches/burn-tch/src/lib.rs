//! Empty on purpose: see this crate's Cargo.toml. burn's `tch` backend is
//! not available in the `clr` workspace; use `clr-tch` for libtorch.
