//! SHA-256 fingerprints of input files and of whole training data sets.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

use crate::DataError;

/// One input file as it was when a model was trained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileFingerprint {
    /// Path relative to the data directory, with `/` separators.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Hex SHA-256 of a byte string.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Fingerprints `root/relative`.
pub fn fingerprint_file(root: &Path, relative: &str) -> Result<FileFingerprint, DataError> {
    let path = root.join(relative);
    let bytes = std::fs::read(&path).map_err(|e| DataError::io(&path, e))?;
    Ok(FileFingerprint {
        path: relative.replace('\\', "/"),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
    })
}

/// One fingerprint for a set of files: SHA-256 over the sorted `path sha256` lines, so it does not
/// depend on the order files were read in.
pub fn combined_fingerprint(files: &[FileFingerprint]) -> String {
    let mut lines: Vec<String> = files
        .iter()
        .map(|f| format!("{} {}\n", f.path, f.sha256))
        .collect();
    lines.sort();
    sha256_hex(lines.concat().as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn combined_is_order_independent_and_content_sensitive() {
        let a = FileFingerprint {
            path: "a.csv".into(),
            sha256: sha256_hex(b"1"),
            bytes: 1,
        };
        let b = FileFingerprint {
            path: "b.csv".into(),
            sha256: sha256_hex(b"2"),
            bytes: 1,
        };
        let c = FileFingerprint {
            path: "b.csv".into(),
            sha256: sha256_hex(b"3"),
            bytes: 1,
        };
        assert_eq!(
            combined_fingerprint(&[a.clone(), b.clone()]),
            combined_fingerprint(&[b.clone(), a.clone()])
        );
        assert_ne!(
            combined_fingerprint(&[a.clone(), b]),
            combined_fingerprint(&[a, c])
        );
    }
}
