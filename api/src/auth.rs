//! API tokens and roles. A token is shown once when created (`ig_` + 64 hex digits from the
//! OS's random source); only its SHA-256 is stored, and the presented token is checked by
//! hashing it and comparing in constant time. Secrets never reach a log line.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{Store, StoreError, TokenRecord};

pub use innogauge_model::wire::Role;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's name, recorded as the actor of uploads.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Regions a statistician may write.
    pub regions: BTreeSet<String>,
}

impl Principal {
    /// A principal from a stored name, role and regions (`None` for an unknown role).
    pub fn new(name: &str, role: &str, regions: &[String]) -> Option<Principal> {
        Some(Principal { name: name.to_owned(), role: Role::parse(role)?, regions: regions.iter().cloned().collect() })
    }

    /// Whether this principal may upload at all.
    pub fn can_write(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Statistician)
    }

    /// The regions an upload is restricted to (`None`: any region).
    pub fn write_scope(&self) -> Option<BTreeSet<String>> {
        (self.role == Role::Statistician).then(|| self.regions.clone())
    }
}

/// Why a request is not authenticated.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    #[error("missing bearer token")]
    Missing,
    /// Unknown, malformed or revoked token.
    #[error("invalid token")]
    Invalid,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A fresh token and its hash.
pub fn new_token() -> (String, String) {
    new_secret("ig_")
}

/// `prefix` + 64 hex digits from the OS's random source, and its SHA-256 (tokens, session
/// cookies, CSRF tokens).
pub fn new_secret(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("the operating system's random source failed: {e}"));
    let secret = format!("{prefix}{}", hex(&bytes));
    let hash = hash(&secret);
    (secret, hash)
}

/// SHA-256 of a secret, hex.
pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The principal behind an `Authorization` header value.
pub async fn authenticate(store: &dyn Store, header: Option<&str>) -> Result<Principal, AuthError> {
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer too.
    let secret = header
        .and_then(|h| h.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim())
        .ok_or(AuthError::Missing)?;
    if !secret.starts_with("ig_") || secret.len() != 67 {
        return Err(AuthError::Invalid);
    }
    let presented = hash(secret);
    let record = store.token_by_hash(&presented).await?.ok_or(AuthError::Invalid)?;
    // The lookup found it by hash; compare again in constant time so that no code path
    // depends on how much of a hash matched.
    if !bool::from(record.hash.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(AuthError::Invalid);
    }
    let now = crate::time::now_ms();
    if record.expires_at_ms.is_some_and(|expires| expires <= now) {
        return Err(AuthError::Invalid);
    }
    // At most one write a minute per token: a script that uploads every second does not make
    // every request a write (on SQLite it would wait behind every commit's lock).
    if record.last_used_at_ms.is_none_or(|last| now - last >= USE_RECORDED_EVERY_MS) {
        store.token_used(record.id, now).await?;
    }
    principal(&record).ok_or(AuthError::Invalid)
}

/// How often a token's last use is written down.
const USE_RECORDED_EVERY_MS: i64 = 60_000;

/// The principal of a stored token.
pub fn principal(record: &TokenRecord) -> Option<Principal> {
    Principal::new(&record.name, &record.role, &record.regions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    #[tokio::test]
    async fn a_created_token_authenticates_until_revoked() {
        let store = SqliteStore::open(&crate::store::tests::temp_sqlite_url("auth")).await.unwrap();
        store.migrate().await.unwrap();
        let (secret, hash) = new_token();
        assert_eq!(secret.len(), 67);
        let record = store.create_token("永川区统计局", "statistician", &["500118".into()], &hash, 1, None).await.unwrap();
        let header = format!("Bearer {secret}");
        let who = authenticate(&store, Some(&header)).await.unwrap();
        assert_eq!(who.role, Role::Statistician);
        assert_eq!(who.write_scope(), Some(BTreeSet::from(["500118".to_owned()])));
        assert!(matches!(authenticate(&store, None).await, Err(AuthError::Missing)));
        assert!(matches!(authenticate(&store, Some("Bearer ig_nope")).await, Err(AuthError::Invalid)));
        assert!(authenticate(&store, Some(&format!("bearer {secret}"))).await.is_ok(), "the scheme is case-insensitive");
        assert!(matches!(authenticate(&store, Some(&format!("Basic {secret}"))).await, Err(AuthError::Missing)));
        let (other, _) = new_token();
        assert!(matches!(authenticate(&store, Some(&format!("Bearer {other}"))).await, Err(AuthError::Invalid)));
        let used = store.tokens().await.unwrap()[0].last_used_at_ms.expect("its use is recorded");
        assert!(used > 1);
        store.revoke_token(record.id, 2).await.unwrap();
        assert!(matches!(authenticate(&store, Some(&header)).await, Err(AuthError::Invalid)));
    }

    #[tokio::test]
    async fn an_expired_token_is_refused() {
        let store = SqliteStore::open(&crate::store::tests::temp_sqlite_url("expiry")).await.unwrap();
        store.migrate().await.unwrap();
        let now = crate::time::now_ms();
        let (lasting, hash) = new_token();
        store.create_token("永川区统计局", "statistician", &["500118".into()], &hash, 1, Some(now + 3_600_000)).await.unwrap();
        assert!(authenticate(&store, Some(&format!("Bearer {lasting}"))).await.is_ok(), "before its expiry");
        let (expired, hash) = new_token();
        store.create_token("江北区统计局", "statistician", &["500105".into()], &hash, 1, Some(now - 1)).await.unwrap();
        assert!(matches!(authenticate(&store, Some(&format!("Bearer {expired}"))).await, Err(AuthError::Invalid)));
    }
}
