//! The crate's error type.

use crate::transport::TransportError;

/// Everything that can go wrong, split by how far a request got.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed; see [`TransportError::kind`] for how far the request got.
    #[error(transparent)]
    Transport(#[from] TransportError),
}
