//! The schema of both databases as numbered migrations, embedded in the binary so that
//! `innogauge migrate` (and every start) needs no files beside it. A migration is applied once,
//! in order, and recorded in `schema_migrations`; a shipped migration is never edited.
//!
//! SQLite cannot change a CHECK constraint in place: migration 6 rebuilds `uploads` by SQLite's
//! own procedure (new table, copy, drop, rename), which is why SQLite migrations run with
//! foreign keys off and end with `PRAGMA foreign_key_check`.

/// SQLite migrations: (version, statements).
pub const SQLITE: &[(i64, &str)] = &[
    (
        1,
        r"
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    file_name TEXT,
    sha256 TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('upload', 'revert')),
    reverts INTEGER REFERENCES uploads (id),
    rows INTEGER NOT NULL,
    new_values INTEGER NOT NULL,
    revised_values INTEGER NOT NULL,
    unchanged_values INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX uploads_sha256 ON uploads (sha256);
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    upload_id INTEGER NOT NULL REFERENCES uploads (id),
    indicator TEXT NOT NULL,
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    month_index INTEGER NOT NULL,
    value REAL,
    note TEXT
);
CREATE INDEX revisions_key ON revisions (indicator, region, month_index, id);
CREATE INDEX revisions_upload ON revisions (upload_id);
CREATE TABLE current_values (
    indicator TEXT NOT NULL,
    region TEXT NOT NULL,
    month_index INTEGER NOT NULL,
    period TEXT NOT NULL,
    value REAL,
    revision_id INTEGER NOT NULL,
    upload_id INTEGER NOT NULL,
    PRIMARY KEY (indicator, region, month_index)
) WITHOUT ROWID;
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'statistician', 'reader')),
    regions TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);
",
    ),
    (
        2,
        r"
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'statistician', 'reader')),
    regions TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    disabled_at_ms INTEGER
);
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
",
    ),
    (
        3,
        r"
INSERT INTO current_values (indicator, region, month_index, period, value, revision_id, upload_id)
 SELECT r.indicator, r.region, r.month_index, r.period, r.value, r.id, r.upload_id FROM revisions r
 JOIN (SELECT MAX(id) AS id FROM revisions GROUP BY indicator, region, month_index) latest ON latest.id = r.id
 WHERE true
 ON CONFLICT (indicator, region, month_index) DO UPDATE SET period = excluded.period, value = excluded.value,
 revision_id = excluded.revision_id, upload_id = excluded.upload_id WHERE current_values.revision_id <> excluded.revision_id
",
    ),
    (
        4,
        r"
ALTER TABLE revisions ADD COLUMN value_text TEXT;
ALTER TABLE current_values ADD COLUMN value_text TEXT
",
    ),
    (
        5,
        r"
CREATE TABLE reports (
  period TEXT NOT NULL,
  lang TEXT NOT NULL,
  data_version INTEGER NOT NULL,
  published_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  html BLOB NOT NULL,
  pdf BLOB NOT NULL,
  sha256_pdf TEXT NOT NULL,
  PRIMARY KEY (period, lang)
)
",
    ),
    (
        6,
        r"
CREATE TABLE uploads_v6 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    file_name TEXT,
    sha256 TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('upload', 'revert', 'catalog')),
    reverts INTEGER REFERENCES uploads (id),
    rows INTEGER NOT NULL,
    new_values INTEGER NOT NULL,
    revised_values INTEGER NOT NULL,
    unchanged_values INTEGER NOT NULL,
    report TEXT NOT NULL
);
INSERT INTO uploads_v6 (id, created_at_ms, actor, file_name, sha256, idempotency_key, kind, reverts, rows, new_values, revised_values, unchanged_values, report)
 SELECT id, created_at_ms, actor, file_name, sha256, idempotency_key, kind, reverts, rows, new_values, revised_values, unchanged_values, report FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_v6 RENAME TO uploads;
CREATE INDEX uploads_sha256 ON uploads (sha256);
CREATE TABLE catalogs (
    upload_id INTEGER PRIMARY KEY REFERENCES uploads (id),
    document TEXT NOT NULL,
    source TEXT NOT NULL
)
",
    ),
    (
        7,
        r"
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    address TEXT,
    detail TEXT
)
",
    ),
    (
        8,
        r"
ALTER TABLE tokens ADD COLUMN expires_at_ms INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_at_ms INTEGER
",
    ),
    (
        9,
        r"
ALTER TABLE users ADD COLUMN last_sign_in_at_ms INTEGER;
CREATE TABLE password_resets (
    hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id)
",
    ),
];

/// PostgreSQL migrations: (version, statements).
pub const POSTGRES: &[(i64, &str)] = &[
    (
        1,
        r"
CREATE TABLE uploads (
    id BIGSERIAL PRIMARY KEY,
    created_at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    file_name TEXT,
    sha256 TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('upload', 'revert')),
    reverts BIGINT REFERENCES uploads (id),
    rows BIGINT NOT NULL,
    new_values BIGINT NOT NULL,
    revised_values BIGINT NOT NULL,
    unchanged_values BIGINT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX uploads_sha256 ON uploads (sha256);
CREATE TABLE revisions (
    id BIGSERIAL PRIMARY KEY,
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    indicator TEXT NOT NULL,
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    month_index INTEGER NOT NULL,
    value DOUBLE PRECISION,
    note TEXT
);
CREATE INDEX revisions_key ON revisions (indicator, region, month_index, id);
CREATE INDEX revisions_upload ON revisions (upload_id);
CREATE TABLE current_values (
    indicator TEXT NOT NULL,
    region TEXT NOT NULL,
    month_index INTEGER NOT NULL,
    period TEXT NOT NULL,
    value DOUBLE PRECISION,
    revision_id BIGINT NOT NULL,
    upload_id BIGINT NOT NULL,
    PRIMARY KEY (indicator, region, month_index)
);
CREATE TABLE tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'statistician', 'reader')),
    regions TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
",
    ),
    (
        2,
        r"
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'statistician', 'reader')),
    regions TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    disabled_at_ms BIGINT
);
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
",
    ),
    (
        3,
        r"
INSERT INTO current_values (indicator, region, month_index, period, value, revision_id, upload_id)
 SELECT r.indicator, r.region, r.month_index, r.period, r.value, r.id, r.upload_id FROM revisions r
 JOIN (SELECT MAX(id) AS id FROM revisions GROUP BY indicator, region, month_index) latest ON latest.id = r.id
 WHERE true
 ON CONFLICT (indicator, region, month_index) DO UPDATE SET period = excluded.period, value = excluded.value,
 revision_id = excluded.revision_id, upload_id = excluded.upload_id WHERE current_values.revision_id <> excluded.revision_id
",
    ),
    (
        4,
        r"
ALTER TABLE revisions ADD COLUMN value_text TEXT;
ALTER TABLE current_values ADD COLUMN value_text TEXT
",
    ),
    (
        5,
        r"
CREATE TABLE reports (
  period TEXT NOT NULL,
  lang TEXT NOT NULL,
  data_version BIGINT NOT NULL,
  published_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  html BYTEA NOT NULL,
  pdf BYTEA NOT NULL,
  sha256_pdf TEXT NOT NULL,
  PRIMARY KEY (period, lang)
)
",
    ),
    (
        6,
        r"
ALTER TABLE uploads DROP CONSTRAINT uploads_kind_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_kind_check CHECK (kind IN ('upload', 'revert', 'catalog'));
CREATE TABLE catalogs (
    upload_id BIGINT PRIMARY KEY REFERENCES uploads (id),
    document TEXT NOT NULL,
    source TEXT NOT NULL
)
",
    ),
    (
        7,
        r"
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    address TEXT,
    detail TEXT
)
",
    ),
    (
        8,
        r"
ALTER TABLE tokens ADD COLUMN expires_at_ms BIGINT;
ALTER TABLE tokens ADD COLUMN last_used_at_ms BIGINT
",
    ),
    (
        9,
        r"
ALTER TABLE users ADD COLUMN last_sign_in_at_ms BIGINT;
CREATE TABLE password_resets (
    hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id)
",
    ),
];

/// The statements of a migration, one at a time (neither driver runs several prepared
/// statements in one call).
pub fn statements(sql: &'static str) -> impl Iterator<Item = &'static str> {
    sql.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// Keeps `current_values` at the latest revision of each key after an upload's revisions are
/// written. The same statement works on both databases.
pub const REFRESH_CURRENT: &str = "INSERT INTO current_values (indicator, region, month_index, period, value, value_text, revision_id, upload_id)
 SELECT indicator, region, month_index, period, value, value_text, id, upload_id FROM revisions WHERE upload_id = $1
 ON CONFLICT (indicator, region, month_index) DO UPDATE SET period = excluded.period, value = excluded.value, value_text = excluded.value_text,
 revision_id = excluded.revision_id, upload_id = excluded.upload_id WHERE current_values.revision_id < excluded.revision_id";

/// Columns of a user row, in the order `common::user` reads them.
pub const USER_COLUMNS: &str = "id, login, name, role, regions, password_hash, created_at_ms, disabled_at_ms, last_sign_in_at_ms";

/// Columns of an upload row, in the order `upload_from_row` reads them.
pub const UPLOAD_COLUMNS: &str = "id, created_at_ms, actor, file_name, sha256, idempotency_key, kind, reverts, rows, new_values, revised_values, unchanged_values, report";
