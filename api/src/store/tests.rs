//! One test suite for every store: SQLite always, PostgreSQL when
//! `INNOGAUGE_TEST_POSTGRES_URL` names a throwaway database (`cargo xtask test` starts one;
//! with `INNOGAUGE_REQUIRE_POSTGRES=1`, as in CI, its absence is a failure, not a skip).

use innogauge_model::Decimal;

use super::*;

pub(crate) fn temp_sqlite_url(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("innogauge-test-{}-{name}-{}", std::process::id(), crate::time::now_ms()));
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}", dir.join("test.db").display())
}

/// A fresh PostgreSQL database for one test, or `None` when none is configured.
pub(crate) async fn temp_postgres(name: &str) -> Option<PostgresStore> {
    let Ok(url) = std::env::var("INNOGAUGE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("INNOGAUGE_REQUIRE_POSTGRES").is_none(),
            "INNOGAUGE_REQUIRE_POSTGRES is set but INNOGAUGE_TEST_POSTGRES_URL is not"
        );
        return None;
    };
    let admin = PostgresStore::open(&url).await.expect("connect to the test PostgreSQL");
    let db = format!("t_{}_{}_{}", name, std::process::id(), crate::time::now_ms());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(&admin.pool_for_tests()).await.unwrap();
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Some(PostgresStore::open(&format!("{base}/{db}")).await.unwrap())
}

fn upload(sha: &str, key: Option<&str>) -> NewUpload {
    NewUpload {
        actor: "永川区统计局".into(),
        file_name: Some("q3.csv".into()),
        sha256: sha.into(),
        idempotency_key: key.map(Into::into),
        kind: UploadKind::Upload,
        reverts: None,
        rows: 1,
        new_values: 1,
        revised_values: 0,
        unchanged_values: 0,
        report: "{}".into(),
        created_at_ms: 1_700_000_000_000,
    }
}

fn revision(region: &str, period: &str, month_index: i32, value: Option<f64>) -> NewRevision {
    NewRevision {
        indicator: "tech_smes".into(),
        region: region.into(),
        period: period.into(),
        month_index,
        value: value.map(Decimal::from),
        note: None,
    }
}

/// The behaviour every store must have.
async fn exercise(store: &dyn Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // idempotent
    assert_eq!(store.data_version().await.unwrap(), 0);
    assert!(store.current_values(None).await.unwrap().is_empty());

    let first = store
        .commit(
            NewUpload { new_values: 2, ..upload("aaa", Some("key-1")) },
            &[revision("500118", "2025Q2", 24_305, Some(1742.0)), revision("500116", "2025Q2", 24_305, Some(1500.0))],
        )
        .await
        .unwrap();
    assert_eq!(store.data_version().await.unwrap(), first.id);
    let second = store.commit(upload("bbb", None), &[revision("500118", "2025Q2", 24_305, Some(1750.0))]).await.unwrap();
    assert!(second.id > first.id);

    let mut current = store.current_values(None).await.unwrap();
    current.sort_by(|a, b| a.region.cmp(&b.region));
    assert_eq!(
        current.iter().map(|c| (c.region.as_str(), c.value)).collect::<Vec<_>>(),
        [("500116", 1500.0.into()), ("500118", 1750.0.into())]
    );
    let as_of_first = store.current_values(Some(first.id)).await.unwrap();
    assert!(as_of_first.iter().any(|c| c.region == "500118" && c.value == 1742.0), "earlier revisions stay queryable");

    let history = store.history("tech_smes", "500118", 24_305).await.unwrap();
    assert_eq!(
        history.iter().map(|h| (h.upload_id, h.value)).collect::<Vec<_>>(),
        [(first.id, Some(1742.0.into())), (second.id, Some(1750.0.into()))]
    );
    assert_eq!(history[0].actor, "永川区统计局");

    assert_eq!(store.find_duplicate("aaa", None).await.unwrap().map(|u| u.id), Some(first.id));
    assert_eq!(store.find_duplicate("zzz", Some("key-1")).await.unwrap().map(|u| u.id), Some(first.id));
    assert!(store.find_duplicate("zzz", Some("key-2")).await.unwrap().is_none());

    // Reverting the first upload: 500118 was superseded since, 500116 is restored to nothing.
    let plan = store.revert_plan(first.id).await.unwrap();
    assert_eq!(plan.len(), 2);
    let jiangjin = plan.iter().find(|p| p.revision.region == "500116").unwrap();
    assert!(jiangjin.still_current && jiangjin.previous.is_none());
    let yongchuan = plan.iter().find(|p| p.revision.region == "500118").unwrap();
    assert!(!yongchuan.still_current);
    let plan = store.revert_plan(second.id).await.unwrap();
    assert_eq!((plan[0].previous, plan[0].still_current), (Some(1742.0.into()), true));

    let revert = NewUpload {
        kind: UploadKind::Revert,
        reverts: Some(first.id),
        sha256: "revert".into(),
        idempotency_key: None,
        ..upload("r", None)
    };
    store.commit(revert, &[revision("500116", "2025Q2", 24_305, None)]).await.unwrap();
    let current = store.current_values(None).await.unwrap();
    assert_eq!(current.len(), 1, "a withdrawn value is no current value");
    assert_eq!(store.history("tech_smes", "500116", 24_305).await.unwrap().len(), 2, "nothing is deleted");
    assert_eq!(store.uploads(10, None).await.unwrap().len(), 3);
    assert_eq!(store.uploads(10, Some(second.id)).await.unwrap().len(), 1);
    assert_eq!(store.upload_revisions(first.id).await.unwrap().len(), 2);
    // What another process reads to catch up: the revisions after a version, in commit order.
    let latest = store.data_version().await.unwrap();
    assert_eq!(store.upload_ids_between(first.id, latest).await.unwrap().len(), 2);
    let mut since = Vec::new();
    store.each_revision_between(first.id, latest, &mut |r| since.push((r.upload_id, r.region, r.value))).await.unwrap();
    assert_eq!(since, [(second.id, "500118".to_owned(), Some(1750.0.into())), (latest, "500116".to_owned(), None)]);
    let kinds: Vec<UploadKind> = store.uploads(10, None).await.unwrap().iter().map(|u| u.kind).collect();
    assert_eq!(kinds, [UploadKind::Revert, UploadKind::Upload, UploadKind::Upload]);

    // Tokens: only the hash is stored; revoked tokens are not found.
    let token = store.create_token("张三", "statistician", &["500118".into()], "hash-1", 1, None).await.unwrap();
    assert_eq!(token.regions, ["500118"]);
    assert_eq!(store.token_by_hash("hash-1").await.unwrap().map(|t| t.id), Some(token.id));
    assert!(store.revoke_token(token.id, 2).await.unwrap());
    assert!(!store.revoke_token(token.id, 3).await.unwrap());
    assert!(store.token_by_hash("hash-1").await.unwrap().is_none());
    assert_eq!(store.tokens().await.unwrap()[0].revoked_at_ms, Some(2));

    let found = store.check().await.unwrap();
    assert!(found.is_sound(), "{found:?}");
    assert_eq!((found.uploads, found.revisions), (3, 4));

    // A failing commit leaves nothing behind: a duplicate idempotency key violates UNIQUE.
    let before = store.data_version().await.unwrap();
    assert!(store.commit(upload("ccc", Some("key-1")), &[revision("500101", "2025Q2", 24_305, Some(1.0))]).await.is_err());
    assert_eq!(store.data_version().await.unwrap(), before);
    assert!(store.history("tech_smes", "500101", 24_305).await.unwrap().is_empty());

    // Reports: stored once per quarter and language, the bytes as given; publishing a quarter
    // again stores nothing, not even its other language.
    let report = |lang: &str, pdf: &[u8]| PublishedReport {
        period: "2025Q3".into(),
        lang: lang.into(),
        data_version: 3,
        published_at: "2026-12-02T05:00:00Z".into(),
        actor: "admin".into(),
        html: b"<!doctype html>".to_vec(),
        pdf: pdf.to_vec(),
        sha256_pdf: "ab".into(),
    };
    store.publish_reports(&[report("zh", b"%PDF-zh\x00\xff"), report("en", b"%PDF-en")]).await.unwrap();
    assert!(matches!(store.publish_reports(&[report("fr", b"x"), report("zh", b"other")]).await, Err(StoreError::Conflict(_))));
    assert!(store.published_report("2025Q3", "fr").await.unwrap().is_none(), "a refused publication leaves nothing");
    assert_eq!(store.published_report("2025Q3", "zh").await.unwrap().unwrap().pdf, b"%PDF-zh\x00\xff");
    let listed: Vec<(String, i64)> = store.published_reports().await.unwrap().into_iter().map(|r| (r.lang, r.pdf_bytes)).collect();
    assert_eq!(listed, [("zh".to_owned(), 9), ("en".to_owned(), 7)]);
}

/// Two writers on one database (two pools, as two processes have): the second waits for the
/// first's lock, so ids follow commit order and each sees the other's commit as its base.
async fn writers_take_turns(first: &dyn Store, second: Arc<dyn Store>) {
    first.migrate().await.unwrap();
    let a = first.begin_write().await.unwrap();
    let base = a.version();
    let waiting = tokio::spawn(async move { second.begin_write().await.map(|tx| tx.version()) });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second writer waits for the first");
    let committed = a.commit(upload("first", None), &mut [revision("500118", "2025Q3", 24_308, Some(1.0))].into_iter()).await.unwrap();
    let seen = waiting.await.unwrap();
    assert_eq!(seen.unwrap(), committed.id, "the second writer's base is the first's commit");
    assert!(committed.id > base);
}

#[tokio::test]
async fn sqlite_writers_take_turns() {
    let url = temp_sqlite_url("turns");
    let first = SqliteStore::open(&url).await.unwrap();
    first.migrate().await.unwrap();
    let second = SqliteStore::open(&url).await.unwrap();
    writers_take_turns(&first, Arc::new(second)).await;
}

#[tokio::test]
async fn postgres_writers_take_turns() {
    if let Some(first) = temp_postgres("turns").await {
        first.migrate().await.unwrap();
        let second = PostgresStore::open(&first.url_for_tests()).await.unwrap();
        writers_take_turns(&first, Arc::new(second)).await;
    }
}

/// A revision must never be overwritten in `current_values` by an earlier one, whatever order
/// refreshes run in (the migration also repairs databases where that happened).
async fn current_values_follow_the_latest_revision(store: &dyn Store) {
    store.migrate().await.unwrap();
    let early = store.commit(upload("e", None), &[revision("500118", "2025Q3", 24_308, Some(1.0))]).await.unwrap();
    let late = store.commit(upload("l", None), &[revision("500118", "2025Q3", 24_308, Some(2.0))]).await.unwrap();
    assert!(late.id > early.id);
    // Replay the earlier upload's refresh, as a process finishing out of order once did.
    store.replay_refresh_for_tests(early.id).await.unwrap();
    assert!(store.check().await.unwrap().is_sound());
    let current = store.current_values(None).await.unwrap();
    assert_eq!(current.iter().map(|c| c.value).collect::<Vec<_>>(), [2.0]);
}

#[tokio::test]
async fn sqlite_current_values_follow_the_latest_revision() {
    current_values_follow_the_latest_revision(&SqliteStore::open(&temp_sqlite_url("latest")).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_current_values_follow_the_latest_revision() {
    if let Some(store) = temp_postgres("latest").await {
        current_values_follow_the_latest_revision(&store).await;
    }
}

#[tokio::test]
async fn sqlite_store_keeps_its_promises() {
    let store = SqliteStore::open(&temp_sqlite_url("store")).await.unwrap();
    exercise(&store).await;
}

#[tokio::test]
async fn postgres_store_keeps_its_promises() {
    if let Some(store) = temp_postgres("store").await {
        exercise(&store).await;
    }
}

#[tokio::test]
async fn a_large_commit_is_batched_and_keeps_every_value_and_note() {
    // 10,000 revisions: SQLite's multi-row batches, PostgreSQL's COPY (with its text escaping).
    let mut revisions: Vec<NewRevision> =
        (0..10_000).map(|i| revision(&format!("R{i}"), "2025Q3", 24_306, Some(f64::from(i) + 0.25))).collect();
    revisions[7].note = Some("含\t制表符、反斜杠\\和\n换行".into());
    revisions[8].value = None;
    let sqlite = SqliteStore::open(&temp_sqlite_url("large")).await.unwrap();
    let postgres = temp_postgres("large").await;
    let stores: Vec<&dyn Store> = std::iter::once(&sqlite as &dyn Store).chain(postgres.as_ref().map(|p| p as &dyn Store)).collect();
    for store in stores {
        store.migrate().await.unwrap();
        store.commit(NewUpload { new_values: 10_000, ..upload("big", None) }, &revisions).await.unwrap();
        assert!(store.check().await.unwrap().is_sound());
        assert_eq!(store.current_values(None).await.unwrap().len(), 9_999, "R8 has no value");
        let noted = store.history("tech_smes", "R7", 24_306).await.unwrap();
        assert_eq!((noted[0].value, noted[0].note.as_deref()), (Some(7.25.into()), Some("含\t制表符、反斜杠\\和\n换行")));
        assert_eq!(store.history("tech_smes", "R8", 24_306).await.unwrap()[0].value, None);
    }
}

/// A catalogue revision is a data version of its own: it follows the uploads before it and is
/// in force from its id on, for reads as of any later version.
async fn catalogue_revisions_are_data_versions(store: &dyn Store) {
    store.migrate().await.unwrap();
    let first = store.commit(upload("a", None), &[revision("500118", "2025Q3", 24_308, Some(1.0))]).await.unwrap();
    assert_eq!(store.catalog_as_of(first.id).await.unwrap(), None, "none applied: the built-in one is in force");
    let applying = NewUpload { kind: UploadKind::Catalog, rows: 0, new_values: 0, ..upload("catalog:1", None) };
    let tx = store.begin_write().await.unwrap();
    assert_eq!(tx.version(), first.id);
    let applied = tx.commit_catalog(applying.clone(), r#"{"target":[]}"#, "[[target]]\n").await.unwrap();
    assert!(applied.id > first.id);
    assert_eq!(store.data_version().await.unwrap(), applied.id, "a new data version");
    let later = store.commit(upload("b", None), &[revision("500118", "2025Q4", 24_311, Some(2.0))]).await.unwrap();
    let second = store.begin_write().await.unwrap().commit_catalog(applying, r#"{"unit":[]}"#, "# second\n").await.unwrap();
    let in_force = |version| async move { store.catalog_as_of(version).await.unwrap().map(|c| c.version) };
    assert_eq!(in_force(first.id).await, None);
    assert_eq!(in_force(applied.id).await, Some(applied.id));
    assert_eq!(in_force(later.id).await, Some(applied.id));
    assert_eq!(in_force(second.id).await, Some(second.id));
    let between = store.catalogs_between(first.id, later.id).await.unwrap();
    assert_eq!(between.len(), 1);
    assert_eq!((between[0].document.as_str(), between[0].source.as_str()), (r#"{"target":[]}"#, "[[target]]\n"));
    let listed: Vec<(i64, UploadKind)> = store.catalog_revisions().await.unwrap().iter().map(|u| (u.id, u.kind)).collect();
    assert_eq!(listed, [(second.id, UploadKind::Catalog), (applied.id, UploadKind::Catalog)]);
    assert_eq!(store.upload(applied.id).await.unwrap().unwrap().kind, UploadKind::Catalog);
    assert!(store.check().await.unwrap().is_sound(), "a revision without values is no partial upload");
    assert_eq!(store.upload_ids_between(first.id, second.id).await.unwrap(), [applied.id, later.id, second.id]);
}

#[tokio::test]
async fn sqlite_catalogue_revisions_are_data_versions() {
    catalogue_revisions_are_data_versions(&SqliteStore::open(&temp_sqlite_url("catalog")).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_catalogue_revisions_are_data_versions() {
    if let Some(store) = temp_postgres("catalog").await {
        catalogue_revisions_are_data_versions(&store).await;
    }
}

/// Migration 6 rebuilds SQLite's `uploads` (its CHECK constraint cannot be altered): a database
/// of migration 5 with uploads, a revert and revisions keeps every row, id and reference.
#[tokio::test]
async fn sqlite_uploads_survive_their_rebuild() {
    use sqlx::ConnectOptions as _;
    let url = temp_sqlite_url("rebuild");
    {
        let options: sqlx::sqlite::SqliteConnectOptions =
            url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().create_if_missing(true);
        let mut old = options.connect().await.unwrap();
        sqlx::query("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)")
            .execute(&mut old)
            .await
            .unwrap();
        for (version, sql) in &schema::SQLITE[..5] {
            for statement in schema::statements(sql) {
                sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut old).await.unwrap();
            }
            sqlx::query("INSERT INTO schema_migrations VALUES ($1, 0)").bind(version).execute(&mut old).await.unwrap();
        }
        for statement in [
            "INSERT INTO uploads (id, created_at_ms, actor, sha256, kind, rows, new_values, revised_values, unchanged_values, report) VALUES (3, 1, 'a', 'x', 'upload', 1, 1, 0, 0, '{}')",
            "INSERT INTO uploads (id, created_at_ms, actor, sha256, kind, reverts, rows, new_values, revised_values, unchanged_values, report) VALUES (7, 2, 'b', 'revert:3', 'revert', 3, 0, 0, 1, 0, '{}')",
            "INSERT INTO revisions (upload_id, indicator, region, period, month_index, value, value_text) VALUES (3, 'tech_smes', '500118', '2025Q3', 24308, 1.5, '1.5')",
            "INSERT INTO revisions (upload_id, indicator, region, period, month_index, value, value_text) VALUES (7, 'tech_smes', '500118', '2025Q3', 24308, NULL, NULL)",
            "INSERT INTO current_values (indicator, region, month_index, period, value, value_text, revision_id, upload_id) VALUES ('tech_smes', '500118', 24308, '2025Q3', NULL, NULL, 2, 7)",
        ] {
            sqlx::query(statement).execute(&mut old).await.unwrap();
        }
    }
    let store = SqliteStore::open(&url).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.data_version().await.unwrap(), 7);
    let revert = store.upload(7).await.unwrap().unwrap();
    assert_eq!((revert.kind, revert.reverts), (UploadKind::Revert, Some(3)));
    assert_eq!(store.history("tech_smes", "500118", 24_308).await.unwrap().len(), 2);
    // Ids go on after the highest (AUTOINCREMENT's sequence moved with the table), and foreign
    // keys are enforced again on every connection.
    let next = store.commit(upload("next", None), &[revision("500118", "2025Q4", 24_311, Some(2.0))]).await.unwrap();
    assert_eq!(next.id, 8);
    let dangling =
        sqlx::query("INSERT INTO revisions (upload_id, indicator, region, period, month_index) VALUES (99, 'x', 'y', '2025Q4', 1)")
            .execute(&store.pool_for_tests())
            .await;
    assert!(dangling.is_err(), "foreign keys are on after migrating");
    let check = store.check().await.unwrap();
    assert!(check.is_sound(), "{check:?}");
}

/// An account's lifecycle: disabled and enabled again, a new password that ends its sessions,
/// new regions, a new name; and the audit trail, append-only and newest first.
async fn accounts_change_and_leave_a_trail(store: &dyn Store) {
    store.migrate().await.unwrap();
    let user = store
        .create_user(NewUser {
            login: "zhangsan",
            name: "永川区统计局 张三",
            role: "statistician",
            regions: &["500118".to_owned()],
            password_hash: "old",
            created_at_ms: 1,
        })
        .await
        .unwrap();
    let far = i64::MAX / 2;
    store.create_session("s1", user.id, "c1", 1, far).await.unwrap();
    assert!(store.disable_user("zhangsan", 2).await.unwrap());
    assert!(!store.enable_user("nobody").await.unwrap());
    assert!(store.enable_user("zhangsan").await.unwrap());
    assert!(!store.enable_user("zhangsan").await.unwrap(), "enabled already");
    assert_eq!(store.user_by_login("zhangsan").await.unwrap().unwrap().disabled_at_ms, None);
    store.create_session("s2", user.id, "c2", 3, far).await.unwrap();
    assert!(store.session("s2", 4).await.unwrap().is_some());
    assert!(store.set_user_password("zhangsan", "new", None).await.unwrap());
    assert!(store.session("s2", 4).await.unwrap().is_none(), "a new password ends every session");
    assert!(store.set_user_regions("zhangsan", &["500118".to_owned(), "500116".to_owned()]).await.unwrap());
    assert!(store.rename_user("zhangsan", "永川区统计局 李四").await.unwrap());
    let now = store.user_by_login("zhangsan").await.unwrap().unwrap();
    assert_eq!(
        (now.password_hash.as_str(), now.regions.clone(), now.name.as_str()),
        ("new", vec!["500118".to_owned(), "500116".to_owned()], "永川区统计局 李四")
    );
    assert!(!store.set_user_password("nobody", "x", None).await.unwrap() && !store.rename_user("nobody", "x").await.unwrap());
    store.create_session("s3", user.id, "c3", 5, far).await.unwrap();
    store.create_session("s4", user.id, "c4", 6, far).await.unwrap();
    assert_eq!(store.user_by_login("zhangsan").await.unwrap().unwrap().last_sign_in_at_ms, Some(6), "the last sign-in");
    assert!(store.set_user_password("zhangsan", "mine", Some("s4")).await.unwrap());
    assert!(store.session("s3", 7).await.unwrap().is_none() && store.session("s4", 7).await.unwrap().is_some(), "all but the one kept");

    // Reset links: live until used or expired; a newer one voids an older; disabled accounts get none.
    let reset = |hash: &'static str, at: i64| NewPasswordReset {
        hash,
        login: "zhangsan",
        created_by: "admin",
        created_at_ms: at,
        expires_at_ms: at + 100,
    };
    assert!(store.create_password_reset(NewPasswordReset { login: "nobody", ..reset("r0", 10) }).await.unwrap().is_none());
    assert_eq!(store.create_password_reset(reset("r1", 10)).await.unwrap().unwrap().login, "zhangsan");
    assert!(store.password_reset_user("r1", 11).await.unwrap().is_some());
    assert!(store.password_reset_user("r1", 110).await.unwrap().is_none(), "expired");
    assert!(store.use_password_reset("r1", "late", 110).await.unwrap().is_none(), "an expired link sets nothing");
    store.create_password_reset(reset("r2", 20)).await.unwrap().unwrap();
    assert!(store.password_reset_user("r1", 21).await.unwrap().is_none(), "the newer link voids the older");
    assert_eq!(store.use_password_reset("r2", "reset", 22).await.unwrap().unwrap().password_hash, "reset");
    assert!(store.session("s4", 23).await.unwrap().is_none(), "a reset ends every session");
    assert!(store.use_password_reset("r2", "again", 23).await.unwrap().is_none(), "once only");
    store.create_password_reset(reset("r3", 30)).await.unwrap().unwrap();
    assert!(store.disable_user("zhangsan", 31).await.unwrap());
    assert!(store.use_password_reset("r3", "while away", 32).await.unwrap().is_none(), "not for a disabled account");
    assert!(store.create_password_reset(reset("r4", 33)).await.unwrap().is_none());
    assert!(store.enable_user("zhangsan").await.unwrap());
    assert!(store.password_reset_user("r3", 34).await.unwrap().is_none(), "disabling voided the link for good");
    assert_eq!(store.user_by_login("zhangsan").await.unwrap().unwrap().password_hash, "reset");
    for (i, action) in ["user.created", "user.disabled", "signed_in"].iter().enumerate() {
        let entry = AuditRecord {
            id: 0,
            at_ms: i64::try_from(i).unwrap(),
            actor: "console".into(),
            action: (*action).into(),
            subject: "zhangsan".into(),
            address: (i == 2).then(|| "10.0.0.7".into()),
            detail: None,
        };
        store.audit(&entry).await.unwrap();
    }
    let trail = store.audit_entries(10, None).await.unwrap();
    assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["signed_in", "user.disabled", "user.created"]);
    assert_eq!(trail[0].address.as_deref(), Some("10.0.0.7"));
    assert_eq!(store.audit_entries(1, Some(trail[0].id)).await.unwrap()[0].action, "user.disabled", "paged by id");
}

/// Account writes that read first (issuing a reset link looks the account up, then inserts)
/// beside other account writes, as two servers or two admins make them: every one succeeds.
/// On SQLite a deferred transaction that reads and then writes while another connection
/// commits fails at once with "database is locked" (its snapshot is stale, no busy wait helps).
async fn account_writes_side_by_side_all_succeed(store: Arc<dyn Store>) {
    store.migrate().await.unwrap();
    for login in ["zhangsan", "lisi"] {
        store
            .create_user(NewUser {
                login,
                name: login,
                role: "statistician",
                password_hash: "h",
                regions: &["500118".to_owned()],
                created_at_ms: 0,
            })
            .await
            .unwrap();
    }
    let issuing = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let secret = format!("r{i}");
                let made =
                    NewPasswordReset { hash: &secret, login: "zhangsan", created_by: "admin", created_at_ms: i, expires_at_ms: i + 1000 };
                store.create_password_reset(made).await.map(|_| ()).map_err(|e| format!("reset {i}: {e}"))?;
            }
            Ok::<(), String>(())
        })
    };
    let changing = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                store.set_user_password("lisi", &format!("h{i}"), None).await.map_err(|e| format!("password {i}: {e}"))?;
                store.disable_user("lisi", i).await.map_err(|e| format!("disable {i}: {e}"))?;
                store.enable_user("lisi").await.map_err(|e| format!("enable {i}: {e}"))?;
            }
            Ok::<(), String>(())
        })
    };
    issuing.await.unwrap().unwrap();
    changing.await.unwrap().unwrap();
    // The same login added twice at once: one account, one conflict, never a database error.
    for round in 0..20 {
        let login = format!("wangwu{round}");
        let add = |store: Arc<dyn Store>, login: String| {
            tokio::spawn(async move {
                let regions = ["500118".to_owned()];
                store
                    .create_user(NewUser {
                        login: &login,
                        name: "王五",
                        role: "reader",
                        password_hash: "h",
                        regions: &regions,
                        created_at_ms: 0,
                    })
                    .await
            })
        };
        let (a, b) = (add(store.clone(), login.clone()), add(store.clone(), login.clone()));
        let results = [a.await.unwrap(), b.await.unwrap()];
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{login}: {results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(StoreError::Conflict(_)))), "{login}: {results:?}");
    }
}

#[tokio::test]
async fn sqlite_account_writes_side_by_side_all_succeed() {
    account_writes_side_by_side_all_succeed(Arc::new(SqliteStore::open(&temp_sqlite_url("side-by-side")).await.unwrap())).await;
}

#[tokio::test]
async fn postgres_account_writes_side_by_side_all_succeed() {
    if let Some(store) = temp_postgres("side_by_side").await {
        account_writes_side_by_side_all_succeed(Arc::new(store)).await;
    }
}

#[tokio::test]
async fn sqlite_accounts_change_and_leave_a_trail() {
    accounts_change_and_leave_a_trail(&SqliteStore::open(&temp_sqlite_url("accounts")).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_accounts_change_and_leave_a_trail() {
    if let Some(store) = temp_postgres("accounts").await {
        accounts_change_and_leave_a_trail(&store).await;
    }
}
