//! Web accounts: people who sign in to the pages with a password, next to the API tokens of
//! [`crate::auth`] and with the same roles. Passwords are stored as argon2id PHC strings;
//! a sign-in opens a session whose secret lives only in an `HttpOnly; SameSite=Lax`
//! cookie (the store keeps its SHA-256) and whose CSRF token every state-changing request
//! made with that cookie must echo in `X-CSRF-Token`. Repeated failures for one login or one
//! address are slowed down by [`SignInThrottle`].

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use subtle::ConstantTimeEq;

use crate::auth::{self, Principal};
use crate::store::{SessionRecord, Store, StoreError, UserRecord};

/// The session cookie's name.
pub const COOKIE: &str = "ig_session";

/// How long a session lasts from sign-in: a working day, then sign in again.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Shortest password accepted by `innogauge users add`.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// The argon2id PHC string of a password (default parameters: 19 MiB, 2 passes, a random salt).
pub fn hash_password(password: &str) -> Result<String, HashError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the PHC string. A malformed string never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Checked against when the login is unknown, so that an unknown login costs the same time
/// as a wrong password and the answer time does not tell which logins exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("innogauge decoy password").unwrap_or_default())
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown login, wrong password or disabled account: deliberately one answer.
    #[error("wrong login or password")]
    Wrong,
    /// Too many failures: try again after this long.
    #[error("too many failed sign-ins; wait {} s", .0.as_secs().max(1))]
    Throttled(Duration),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A session just opened: the cookie secret (sent once, in `Set-Cookie`) and the record.
#[derive(Debug)]
pub struct NewSession {
    /// The cookie value.
    pub secret: String,
    /// The stored session.
    pub record: SessionRecord,
}

/// Checks a login and password and opens a session.
pub async fn sign_in(
    store: &dyn Store,
    throttle: &SignInThrottle,
    login: &str,
    password: &str,
    address: &str,
    now_ms: i64,
) -> Result<NewSession, SignInError> {
    let keys = [format!("login:{}", login.trim().to_lowercase()), format!("addr:{address}")];
    if let Some(wait) = keys.iter().filter_map(|k| throttle.wait(k)).max() {
        return Err(SignInError::Throttled(wait));
    }
    let user = store.user_by_login(login.trim()).await?;
    let phc = user.as_ref().map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    // Verifying takes ~50 ms of CPU: off the async workers.
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    let user = match user {
        Some(user) if matches && user.disabled_at_ms.is_none() => user,
        _ => {
            for key in &keys {
                throttle.failed(key);
            }
            tracing::info!(login, address, "sign-in refused");
            return Err(SignInError::Wrong);
        }
    };
    for key in &keys {
        throttle.succeeded(key);
    }
    let (secret, hash) = auth::new_secret("igs_");
    let (csrf, _) = auth::new_secret("");
    let expires_at_ms = now_ms + i64::try_from(SESSION_LIFETIME.as_millis()).unwrap_or(i64::MAX);
    store.create_session(&hash, user.id, &csrf, now_ms, expires_at_ms).await?;
    tracing::info!(login = user.login, "signed in");
    Ok(NewSession { secret, record: SessionRecord { hash, user, csrf, created_at_ms: now_ms, expires_at_ms } })
}

/// The live session behind a `Cookie` header, if any.
pub async fn session(store: &dyn Store, cookie_header: Option<&str>, now_ms: i64) -> Result<Option<SessionRecord>, StoreError> {
    let Some(secret) = cookie_header.and_then(|h| cookie_value(h, COOKIE)) else { return Ok(None) };
    if !secret.starts_with("igs_") || secret.len() != 68 {
        return Ok(None);
    }
    store.session(&auth::hash(secret), now_ms).await
}

/// Whether the CSRF token a request sent is its session's.
pub fn csrf_matches(session: &SessionRecord, sent: Option<&str>) -> bool {
    sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(session.csrf.as_bytes())))
}

/// The principal of a signed-in account.
pub fn principal(user: &UserRecord) -> Option<Principal> {
    Principal::new(&user.name, &user.role, &user.regions)
}

/// The `Set-Cookie` value that stores a session in the browser. `SameSite=Lax`, not `Strict`:
/// a statistician following a link to `/upload` from an e-mail stays signed in, and a
/// cross-site GET changes nothing here; every write also needs the CSRF token. `Secure` when the
/// page was reached over HTTPS (directly or, as `X-Forwarded-Proto` says, through a proxy).
pub fn set_cookie(secret: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(key, _)| *key == name).map(|(_, value)| value.trim())
}

/// Slows down password guessing: after [`SignInThrottle::FREE`] failures in a row for one key
/// (a login, or an address), each further attempt must wait twice as long as the last, from
/// one second up to [`SignInThrottle::MAX_WAIT`]. A success clears the key. In memory: a
/// restart forgets, and several processes each count on their own.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl SignInThrottle {
    /// Failures allowed without waiting.
    pub const FREE: u32 = 3;
    /// The longest wait.
    pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

    /// How long `key` must still wait, if at all.
    pub fn wait(&self, key: &str) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, last) = failures.get(key)?;
        let wait = Self::wait_after(*count);
        wait.checked_sub(last.elapsed()).filter(|left| !left.is_zero())
    }

    /// The wait after `count` failures in a row.
    pub fn wait_after(count: u32) -> Duration {
        if count < Self::FREE {
            return Duration::ZERO;
        }
        let doublings = (count - Self::FREE).min(20);
        Duration::from_secs(1u64 << doublings).min(Self::MAX_WAIT)
    }

    fn failed(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget keys idle for longer than the longest wait, so the map cannot grow forever.
        if failures.len() > 10_000 {
            failures.retain(|_, (_, last)| last.elapsed() < Self::MAX_WAIT);
        }
        let entry = failures.entry(key.to_owned()).or_insert((0, Instant::now()));
        *entry = (entry.0 + 1, Instant::now());
    }

    fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::store::{NewUser, SqliteStore};

    #[test]
    fn passwords_hash_to_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("anything", "not a phc string"));
        assert_ne!(phc, hash_password("correct horse battery").unwrap(), "each hash has its own salt");
    }

    #[test]
    fn the_throttle_doubles_the_wait_after_three_failures() {
        let waits: Vec<u64> = (0..8).map(|n| SignInThrottle::wait_after(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(SignInThrottle::wait_after(40), SignInThrottle::MAX_WAIT);
        let throttle = SignInThrottle::default();
        for _ in 0..3 {
            throttle.failed("login:x");
        }
        assert!(throttle.wait("login:x").is_some_and(|w| w <= Duration::from_secs(1)));
        throttle.succeeded("login:x");
        assert_eq!(throttle.wait("login:x"), None);
    }

    #[test]
    fn cookies_are_read_by_name() {
        assert_eq!(cookie_value("a=1; ig_session=igs_x; b=2", COOKIE), Some("igs_x"));
        assert_eq!(cookie_value("ig_sessionx=1", COOKIE), None);
        let set = set_cookie("igs_x", false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"));
        assert!(set_cookie("igs_x", true).ends_with("; Secure"));
    }

    #[tokio::test]
    async fn a_session_lives_until_sign_out_expiry_or_disabling() {
        let store = SqliteStore::open(&crate::store::tests::temp_sqlite_url("accounts")).await.unwrap();
        store.migrate().await.unwrap();
        let phc = hash_password("永川 password 2025").unwrap();
        let regions = ["500118".to_owned()];
        let new = NewUser {
            login: "zhang",
            name: "永川区统计局 张三",
            role: "statistician",
            regions: &regions,
            password_hash: &phc,
            created_at_ms: 1,
        };
        store.create_user(new.clone()).await.unwrap();
        assert!(matches!(store.create_user(new).await, Err(StoreError::Conflict(_))));
        let throttle = SignInThrottle::default();
        assert!(matches!(sign_in(&store, &throttle, "zhang", "wrong", "1.2.3.4", 10).await, Err(SignInError::Wrong)));
        assert!(matches!(sign_in(&store, &throttle, "nobody", "wrong", "1.2.3.4", 10).await, Err(SignInError::Wrong)));
        let opened = sign_in(&store, &throttle, " zhang ", "永川 password 2025", "1.2.3.5", 10).await.unwrap();
        let cookie = format!("theme=dark; {COOKIE}={}", opened.secret);
        let found = session(&store, Some(&cookie), 11).await.unwrap().unwrap();
        assert_eq!(found.user.login, "zhang");
        assert!(csrf_matches(&found, Some(&opened.record.csrf)));
        assert!(!csrf_matches(&found, Some("forged")) && !csrf_matches(&found, None));
        let who = principal(&found.user).unwrap();
        assert_eq!(who.write_scope(), Some(BTreeSet::from(["500118".to_owned()])));
        assert!(session(&store, Some(&cookie), found.expires_at_ms).await.unwrap().is_none(), "expired");
        store.disable_user("zhang", 12).await.unwrap();
        assert!(session(&store, Some(&cookie), 13).await.unwrap().is_none(), "disabled accounts lose their sessions");
        assert!(matches!(sign_in(&store, &throttle, "zhang", "永川 password 2025", "1.2.3.6", 14).await, Err(SignInError::Wrong)));
    }

    #[tokio::test]
    async fn repeated_failures_are_throttled_even_with_the_right_password() {
        let store = SqliteStore::open(&crate::store::tests::temp_sqlite_url("throttle")).await.unwrap();
        store.migrate().await.unwrap();
        let phc = hash_password("the right one 123").unwrap();
        let user = NewUser { login: "li", name: "李四", role: "admin", regions: &[], password_hash: &phc, created_at_ms: 1 };
        store.create_user(user).await.unwrap();
        let throttle = SignInThrottle::default();
        for _ in 0..SignInThrottle::FREE {
            assert!(matches!(sign_in(&store, &throttle, "li", "guess", "9.9.9.9", 1).await, Err(SignInError::Wrong)));
        }
        assert!(matches!(sign_in(&store, &throttle, "li", "the right one 123", "9.9.9.8", 1).await, Err(SignInError::Throttled(_))));
    }
}
