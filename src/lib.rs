#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api_version;
pub mod capacity;
pub mod client;
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod human;
pub mod id;
mod json_text;
pub mod lifecycle;
pub mod model;
pub mod orchestrate;
pub mod pipeline;
pub mod preflight;
mod redact;
pub mod transport;

pub use api_version::ApiVersion;
pub use client::SiteRecoveryClient;
pub use error::Error;
pub use id::ResourceId;
