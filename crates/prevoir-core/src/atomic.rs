//! Writes that never leave a half-written file: data goes to a temporary file in the target's
//! directory, is flushed to disk, then renamed over the target. The previous version of a model
//! file can be kept beside it under a timestamped name.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, creating parent directories as needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(&dir)?;
    // Temporary files are private (0600); the result is an ordinary file anyone may read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Like [`write_atomic`], but if `path` already exists its current content stays available as
/// `<stem>.<YYYYmmddTHHMMSS>.<ext>` (the old file's modification time). Returns the backup path.
pub fn write_keeping_previous(path: &Path, bytes: &[u8]) -> std::io::Result<Option<PathBuf>> {
    let backup = if path.exists() {
        let modified = std::fs::metadata(path)?.modified()?;
        let stamp = chrono::DateTime::<chrono::Utc>::from(modified).format("%Y%m%dT%H%M%S");
        let backup = versioned_name(path, &stamp.to_string());
        // A hard link keeps the old bytes under the new name without copying; the rename below
        // then swaps in the new content atomically.
        if std::fs::hard_link(path, &backup).is_err() {
            std::fs::copy(path, &backup)?;
        }
        Some(backup)
    } else {
        None
    };
    write_atomic(path, bytes)?;
    Ok(backup)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn versioned_name(path: &Path, stamp: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.{stamp}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{stamp}"),
    };
    let mut candidate = path.with_file_name(&name);
    let mut n = 1;
    while candidate.exists() {
        candidate = path.with_file_name(format!("{name}.{n}"));
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/model.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        // No temporary files left behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
    }

    #[test]
    fn keeps_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        assert_eq!(write_keeping_previous(&path, b"v1").unwrap(), None);
        let backup = write_keeping_previous(&path, b"v2").unwrap().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"v2");
        assert_eq!(std::fs::read(&backup).unwrap(), b"v1");
        let name = backup.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("model.") && name.ends_with(".json"),
            "{name}"
        );
        // A second replacement within the same second gets a distinct backup name.
        let backup2 = write_keeping_previous(&path, b"v3").unwrap().unwrap();
        assert_ne!(backup, backup2);
        assert_eq!(std::fs::read(&backup2).unwrap(), b"v2");
    }
}
