//! Static files at `/static` from the app's `static/` folder, as Flask
//! serves them: actix-files (ETag, Last-Modified, ranges, no path
//! traversal), and `url_for('static', filename=...)` with a content hash
//! for cache busting.

use std::path::PathBuf;

/// Where static files are and how they are addressed.
#[derive(Debug)]
pub(crate) struct StaticAssets {
    pub(crate) url_path: String,
    pub(crate) folder: PathBuf,
    /// Content hashes for `url_for('static', ...)` (with templates only).
    #[cfg(feature = "templates")]
    hashes: urls::Hashes,
}

impl StaticAssets {
    pub(crate) fn new(url_path: String, folder: PathBuf) -> Self {
        Self {
            url_path,
            folder,
            #[cfg(feature = "templates")]
            hashes: urls::Hashes::default(),
        }
    }
}

/// `url_for('static', filename=...)`: content-hashed URLs.
#[cfg(feature = "templates")]
mod urls {
    use std::collections::HashMap;
    use std::path::{Component, Path, PathBuf};
    use std::sync::Mutex;
    use std::time::SystemTime;

    use actix_web::{web, HttpRequest};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use sha2::Digest;

    use super::StaticAssets;

    type Stamp = (Option<SystemTime>, u64);

    /// Content hashes by file, with the stamp they were computed for.
    pub(super) type Hashes = Mutex<HashMap<PathBuf, (Stamp, String)>>;

    impl StaticAssets {
        /// `url_path/filename?v=<hash>`: the hash changes when the file does.
        /// A file that does not exist gets no hash (its URL then answers 404).
        fn url(&self, filename: &str) -> Result<String, String> {
            let relative = Path::new(filename.trim_start_matches('/'));
            if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
                return Err(format!(
                    "url_for('static'): `{filename}` is not a path inside the static folder"
                ));
            }
            let encoded: String = filename
                .trim_start_matches('/')
                .split('/')
                .map(|segment| percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string())
                .collect::<Vec<_>>()
                .join("/");
            let base = format!("{}/{encoded}", self.url_path.trim_end_matches('/'));
            Ok(match self.hash(&self.folder.join(relative)) {
                Some(hash) => format!("{base}?v={hash}"),
                None => base,
            })
        }

        /// Re-hashed only when the file's modification time or size changes.
        fn hash(&self, path: &Path) -> Option<String> {
            let meta = std::fs::metadata(path).ok()?;
            let stamp = (meta.modified().ok(), meta.len());
            if let Ok(hashes) = self.hashes.lock() {
                if let Some((known, hash)) = hashes.get(path) {
                    if *known == stamp {
                        return Some(hash.clone());
                    }
                }
            }
            let bytes = std::fs::read(path).ok()?;
            let digest = sha2::Sha256::digest(&bytes);
            let hash: String = URL_SAFE_NO_PAD.encode(digest).chars().take(12).collect();
            if let Ok(mut hashes) = self.hashes.lock() {
                hashes.insert(path.to_owned(), (stamp, hash.clone()));
            }
            Some(hash)
        }
    }

    /// Characters left as they are in a path segment.
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');

    /// The URL `url_for('static', filename=...)` gives.
    pub(crate) fn static_url(req: &HttpRequest, filename: &str) -> Result<String, String> {
        let assets = req
            .app_data::<web::Data<StaticAssets>>()
            .ok_or_else(|| "url_for('static'): the app has no static folder".to_owned())?;
        assets.url(filename)
    }
}

#[cfg(feature = "templates")]
pub(crate) use self::urls::static_url;
