//! Decoding of the open-data files: UTF-8 (with or without BOM) or Windows-1252 (cp1252, a superset
//! of latin-1 as browsers and `encoding_rs` understand it), detected per file.

use encoding_rs::{UTF_8, WINDOWS_1252};
use std::path::Path;

use crate::DataError;

/// The encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

/// Text decoded from a file, with what had to be done to decode it.
#[derive(Debug, Clone)]
pub struct DecodedText {
    pub text: String,
    pub encoding: TextEncoding,
    /// Whether the file used `\r\n` line ends (they are normalised to `\n` in `text`).
    pub crlf: bool,
}

/// Decodes bytes: a UTF-8 BOM or valid UTF-8 is taken as UTF-8, anything else as Windows-1252.
/// CRLF line ends become LF so that line numbers count the same for every file.
pub fn decode(bytes: &[u8]) -> DecodedText {
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (
            UTF_8.decode_without_bom_handling(rest).0.into_owned(),
            TextEncoding::Utf8Bom,
        )
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), TextEncoding::Utf8)
    } else {
        (
            WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            TextEncoding::Windows1252,
        )
    };
    let crlf = text.contains("\r\n");
    let text = if crlf {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    DecodedText {
        text,
        encoding,
        crlf,
    }
}

/// Reads and decodes a whole file.
pub fn read_text(path: &Path) -> Result<DecodedText, DataError> {
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            DataError::Missing {
                path: path.to_path_buf(),
                what: "expected input file".into(),
            }
        } else {
            DataError::io(path, source)
        }
    })?;
    Ok(decode(&bytes))
}

/// Lower case, French accents removed, `œ`/`æ` expanded; punctuation becomes spaces.
/// Used to match French labels whatever their spelling: dishes, holiday names, strike menus.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'Î' | 'Ï' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' => out.push('u'),
            'ç' | 'Ç' => out.push('c'),
            'ÿ' => out.push('y'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_is_stripped() {
        let decoded = decode(b"\xEF\xBB\xBFDate;Plat\r\n2011-01-04;Cr\xC3\xAApe\r\n");
        assert_eq!(decoded.encoding, TextEncoding::Utf8Bom);
        assert!(decoded.crlf);
        assert_eq!(decoded.text, "Date;Plat\n2011-01-04;Crêpe\n");
    }

    #[test]
    fn invalid_utf8_is_read_as_cp1252() {
        // "Fête" and "œuf" in cp1252: 0xEA is ê, 0x9C is œ (not in latin-1 proper).
        let decoded = decode(b"F\xEAte;\x9Cuf");
        assert_eq!(decoded.encoding, TextEncoding::Windows1252);
        assert_eq!(decoded.text, "Fête;œuf");
    }

    #[test]
    fn folding_removes_accents_and_case() {
        assert_eq!(fold("Rôti de BŒUF*"), "roti de boeuf ");
        assert_eq!(fold("Île flottante"), "ile flottante");
        assert_eq!(fold("repas grêve"), "repas greve");
    }

    #[test]
    fn plain_utf8_is_kept() {
        let decoded = decode("Épiphanie\n".as_bytes());
        assert_eq!(decoded.encoding, TextEncoding::Utf8);
        assert!(!decoded.crlf);
        assert_eq!(decoded.text, "Épiphanie\n");
    }
}
