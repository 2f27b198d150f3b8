//! Read answers of the current data version, serialized and compressed once: a read's answer
//! only changes when the data do, so after a commit each is built on its first request and then
//! served as bytes until the next.

use bytes::Bytes;

/// A body already encoded as `compress` would.
pub type Encoded = (Bytes, Option<&'static str>);

/// Read answers of the current data version, serialized and compressed once, keyed by route,
/// query and encoding. Emptied when the version moves; bounded in bytes, so a crawler asking
/// every combination of parameters cannot make it grow without end (past the bound, answers are
/// built per request as before).
#[derive(Debug, Default)]
pub struct BodyCache {
    inner: std::sync::Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    version: i64,
    bytes: usize,
    /// By key, then by the encoding asked for (none, `br`, `gzip`): looked up by `&str`,
    /// without making a key per request.
    entries: std::collections::HashMap<String, [Option<Encoded>; 3]>,
}

/// The slot of an encoding asked for in [`CacheState::entries`].
fn slot(encoding: Option<&'static str>) -> usize {
    match encoding {
        None => 0,
        Some("br") => 1,
        Some(_) => 2,
    }
}

impl BodyCache {
    /// Most bytes kept.
    pub const MAX_BYTES: usize = 64 * 1024 * 1024;

    pub(crate) fn get(&self, version: i64, key: &str, encoding: Option<&'static str>) -> Option<Encoded> {
        let state = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.version != version {
            return None;
        }
        state.entries.get(key).and_then(|slots| slots[slot(encoding)].clone())
    }

    pub(crate) fn put(&self, version: i64, key: &str, encoding: Option<&'static str>, body: Encoded) {
        let mut state = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.version != version {
            if version < state.version {
                return; // a slow request of an older version
            }
            *state = CacheState { version, ..CacheState::default() };
        }
        if state.bytes + body.0.len() > Self::MAX_BYTES {
            return;
        }
        state.bytes += body.0.len();
        state.entries.entry(key.to_owned()).or_default()[slot(encoding)] = Some(body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_cache_keeps_one_version_and_a_bounded_size() {
        let cache = BodyCache::default();
        let body = (Bytes::from_static(b"{}"), None);
        cache.put(3, "progress?x", None, body.clone());
        assert_eq!(cache.get(3, "progress?x", None), Some(body.clone()));
        assert_eq!(cache.get(3, "progress?x", Some("br")), None, "each encoding on its own");
        assert_eq!(cache.get(4, "progress?x", None), None, "a new version answers anew");
        cache.put(4, "snapshot?", None, body.clone());
        cache.put(3, "progress?x", None, body.clone());
        assert_eq!(cache.get(4, "progress?x", None), None, "an older version's answer is not kept");
        let huge = (Bytes::from(vec![0u8; BodyCache::MAX_BYTES]), None);
        cache.put(4, "huge", None, huge);
        assert_eq!(cache.get(4, "huge", None), None, "past the bound nothing is kept");
        assert_eq!(cache.get(4, "snapshot?", None), Some(body));
    }
}
