//! Web accounts: people who sign in to the pages with a password, next to the API tokens of
//! [`crate::auth`] and with the same roles. Passwords are stored as argon2id PHC strings;
//! a sign-in opens a session whose secret lives only in an `HttpOnly; SameSite=Lax`
//! cookie (the store keeps its SHA-256) and whose CSRF token every state-changing request
//! made with that cookie must echo in `X-CSRF-Token`. Repeated failures for one login or one
//! address are slowed down by [`SignInThrottle`].
//!
//! The lifecycle of an account lives here too, for the command line and the pages alike: the
//! password rules, a user's own password change (current password required, every other
//! session ends) and one-time reset links (`igr_` secrets, stored as SHA-256, void after
//! [`RESET_LIFETIME`] or their first use).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use innogauge_model::{Bilingual, Catalog};
use subtle::ConstantTimeEq;

use crate::auth::{self, Principal, Role};
use crate::store::{NewPasswordReset, SessionRecord, Store, StoreError, UserRecord};

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

/// How long a password-reset link works: a working day for the message to reach its reader.
pub const RESET_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// What is wrong with a new password and its repetition, if anything (the rules of
/// `innogauge users add`, for the command line and the pages alike).
pub fn new_password_problem(password: &str, repeated: Option<&str>) -> Option<Bilingual> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(Bilingual::new(
            format!("新密码至少需要 {MIN_PASSWORD_CHARS} 个字符。"),
            format!("The new password needs at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Some(Bilingual::new(
            format!("新密码最多 {MAX_PASSWORD_CHARS} 个字符。"),
            format!("The new password may have at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    if repeated.is_some_and(|r| r != password) {
        return Some(Bilingual::new("两次输入的新密码不一致。", "The two entries of the new password differ."));
    }
    None
}

/// Longest password accepted: argon2 takes any length, but a megabyte-long one is only work.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// What is wrong with a login for a new account, if anything.
pub fn login_problem(login: &str) -> Option<Bilingual> {
    let fine = !login.is_empty()
        && login.chars().count() <= 32
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    (!fine).then(|| {
        Bilingual::new("登录名为 1–32 个字母、数字或 . _ -（不含空格）。", "A login is 1–32 letters, digits or . _ - (no spaces).")
    })
}

/// The region codes of `words` (districts by code or name, each once) for an account or token
/// of `role`: a statistician needs at least one. For the command line and the admin page alike.
pub fn scope_of<'a>(catalog: &Catalog, role: Role, words: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, Bilingual> {
    let mut codes: Vec<String> = Vec::new();
    for word in words {
        let region = catalog.region(word).ok_or_else(|| {
            Bilingual::new(
                format!("未知地区“{word}”：请写区县名称或代码，如 永川区 或 500118。"),
                format!("Unknown region \"{word}\": write a district's name or code, e.g. 永川区 or 500118."),
            )
        })?;
        if !codes.iter().any(|c| **c == *region.code) {
            codes.push(region.code.to_string());
        }
    }
    if role == Role::Statistician && codes.is_empty() {
        return Err(Bilingual::new("统计员至少需要一个可上报地区。", "A statistician needs at least one region."));
    }
    Ok(codes)
}

/// `, regions 500118,500101` (empty without regions), for confirmations and the audit trail.
pub fn scope_text(codes: &[String]) -> String {
    if codes.is_empty() { String::new() } else { format!(", regions {}", codes.join(",")) }
}

/// The argon2id hash of `password`, computed off the async workers (it takes tens of ms of CPU).
pub async fn hash_password_blocking(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|e| HashError(e.to_string()))?
}

/// Why a signed-in user's own password change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The current password given is not the account's.
    #[error("the current password is wrong")]
    WrongCurrent,
    /// Too many wrong current passwords: try again after this long.
    #[error("too many wrong passwords; wait {} s", .0.as_secs().max(1))]
    Throttled(Duration),
    /// The new password breaks a rule.
    #[error("{0}")]
    Rule(Bilingual),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Changes a signed-in user's own password: the current one must be given (a wrong one counts
/// against the sign-in throttle of that login, so an unattended browser is no guessing oracle);
/// every other session of the account ends, this one stays.
pub async fn change_own_password(
    store: &dyn Store,
    throttle: &SignInThrottle,
    session: &SessionRecord,
    current: &str,
    new: &str,
    repeated: &str,
) -> Result<(), ChangeError> {
    let key = format!("login:{}", session.user.login.to_lowercase());
    if let Some(wait) = throttle.wait(&key) {
        return Err(ChangeError::Throttled(wait));
    }
    let (phc, given) = (session.user.password_hash.clone(), current.to_owned());
    if !tokio::task::spawn_blocking(move || verify_password(&given, &phc)).await.unwrap_or(false) {
        throttle.failed(&key);
        return Err(ChangeError::WrongCurrent);
    }
    throttle.succeeded(&key);
    if let Some(problem) = new_password_problem(new, Some(repeated)) {
        return Err(ChangeError::Rule(problem));
    }
    let hash = hash_password_blocking(new.to_owned()).await?;
    store.set_user_password(&session.user.login, &hash, Some(&session.hash)).await?;
    Ok(())
}

/// A reset link just issued: its secret appears once, in the link handed to the account's owner.
#[derive(Debug)]
pub struct IssuedReset {
    /// `igr_` + 64 hex digits.
    pub secret: String,
    /// The account it resets.
    pub user: UserRecord,
    /// Unix milliseconds after which it is void.
    pub expires_at_ms: i64,
}

impl IssuedReset {
    /// The link, on the server reached at `base` (`https://innogauge.example`, no trailing slash).
    pub fn link(&self, base: &str) -> String {
        format!("{}/reset?token={}", base.trim_end_matches('/'), self.secret)
    }
}

/// Issues a one-time reset link for the enabled account `login` (earlier unused ones of that
/// account stop working); `None` when there is no such enabled account. Only the link's SHA-256
/// is stored.
pub async fn issue_reset(store: &dyn Store, login: &str, created_by: &str, now_ms: i64) -> Result<Option<IssuedReset>, StoreError> {
    let (secret, hash) = auth::new_secret("igr_");
    let expires_at_ms = now_ms + i64::try_from(RESET_LIFETIME.as_millis()).unwrap_or(i64::MAX);
    let reset = NewPasswordReset { hash: &hash, login, created_by, created_at_ms: now_ms, expires_at_ms };
    Ok(store.create_password_reset(reset).await?.map(|user| IssuedReset { secret, user, expires_at_ms }))
}

/// The stored hash of a reset link's secret, when it has the shape of one.
fn reset_hash(secret: &str) -> Option<String> {
    let shaped = secret.len() == 68 && secret.starts_with("igr_") && secret[4..].bytes().all(|b| b.is_ascii_hexdigit());
    shaped.then(|| auth::hash(secret))
}

/// The account a live reset link belongs to (`None`: unknown, used, expired, or disabled).
pub async fn reset_user(store: &dyn Store, secret: &str, now_ms: i64) -> Result<Option<UserRecord>, StoreError> {
    match reset_hash(secret) {
        Some(hash) => store.password_reset_user(&hash, now_ms).await,
        None => Ok(None),
    }
}

/// Why a reset link could not set a password.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Unknown, used, expired or its account disabled: one answer for all.
    #[error("this reset link is not valid (used, expired or unknown)")]
    Void,
    /// The new password breaks a rule; the link still works.
    #[error("{0}")]
    Rule(Bilingual),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sets a new password through a reset link, which then never works again; every session of
/// the account ends.
pub async fn complete_reset(store: &dyn Store, secret: &str, new: &str, repeated: &str, now_ms: i64) -> Result<UserRecord, ResetError> {
    let hash = reset_hash(secret).ok_or(ResetError::Void)?;
    if let Some(problem) = new_password_problem(new, Some(repeated)) {
        return Err(ResetError::Rule(problem));
    }
    let password_hash = hash_password_blocking(new.to_owned()).await?;
    store.use_password_reset(&hash, &password_hash, now_ms).await?.ok_or(ResetError::Void)
}

/// A password nobody knows, for an account created on the admin page: its owner sets the real
/// one through the reset link issued with it, so no admin ever learns it.
pub fn unusable_password_hash() -> Result<String, HashError> {
    let (secret, _) = auth::new_secret("unusable_");
    hash_password(&secret)
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
