//! Errors about input data that point at the offending place: `file:line:column: expected …, found …`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in an input file. Lines and columns are 1-based, as editors show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: u64,
    pub column: Option<u64>,
}

impl Location {
    pub fn new(file: impl AsRef<Path>, line: u64, column: Option<u64>) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// Why an input file could not be read as the schema it should follow.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A value does not have the expected form.
    #[error("{location}: expected {expected}, found {found:?}")]
    Schema {
        location: Location,
        expected: String,
        found: String,
    },
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A required file is absent from the data directory.
    #[error("{}: file not found ({what})", path.display())]
    Missing { path: PathBuf, what: String },
}

impl DataError {
    pub fn schema(
        location: Location,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Self::Schema {
            location,
            expected: expected.into(),
            found: found.into(),
        }
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_error_reads_like_a_compiler_message() {
        let error = DataError::schema(
            Location::new("raw/frequentation.csv", 12, Some(3)),
            "an integer or NA",
            "12,5",
        );
        assert_eq!(
            error.to_string(),
            "raw/frequentation.csv:12:3: expected an integer or NA, found \"12,5\""
        );
    }

    #[test]
    fn location_without_column_omits_it() {
        assert_eq!(Location::new("a.inp", 7, None).to_string(), "a.inp:7");
    }
}
