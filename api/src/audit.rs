//! The audit trail of accounts and tokens: every change to who may do what (an account or token
//! created, disabled, enabled, its password, regions or name changed) and every sign-in and
//! failed sign-in, appended to the store with who, when and from which address. Admins read it
//! (`innogauge audit`); no public read shows it.

use crate::store::{AuditRecord, Store, StoreError};

/// Longest subject kept: a failed sign-in's login is whatever the visitor typed.
const MAX_SUBJECT_CHARS: usize = 64;

/// Appends one entry, stamped now.
pub async fn record(
    store: &dyn Store,
    actor: &str,
    action: &str,
    subject: &str,
    address: Option<&str>,
    detail: Option<String>,
) -> Result<(), StoreError> {
    let entry = AuditRecord {
        id: 0,
        at_ms: crate::time::now_ms(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: subject.chars().take(MAX_SUBJECT_CHARS).collect(),
        address: address.filter(|a| !a.is_empty()).map(str::to_owned),
        detail,
    };
    tracing::info!(actor, action, subject = %entry.subject, "audit");
    store.audit(&entry).await
}
