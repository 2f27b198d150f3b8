//! Integration tests over HTTP against real servers on 127.0.0.1:0, for SQLite and (when
//! `cargo xtask test` provides one) PostgreSQL: upload → read back → revise → history →
//! revert; every bad fixture rejected with its errors and the store unchanged; scope
//! violations; idempotent re-uploads; status codes; caching and compression; SSE, including a
//! client on a second process receiving a commit made through the first (PostgreSQL).
//!
//! The client is a few lines of HTTP/1.1 over a `TcpStream`, so nothing is mocked between the
//! test and the server's socket.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use innogauge_model::Catalog;

use crate::app::{App, Limits};
use crate::auth;
use crate::http::reply::CorsPolicy;
use crate::store::tests::{temp_postgres, temp_sqlite_url};
use crate::store::{SqliteStore, Store};

/// A running server.
struct Server {
    addr: SocketAddr,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(store: Arc<dyn Store>, limits: Limits) -> Server {
    start_following(store, limits, None).await
}

/// A server as `innogauge serve` runs one: following the commits of other processes, by
/// polling the store and, with PostgreSQL, by `LISTEN`.
async fn start_following(store: Arc<dyn Store>, limits: Limits, postgres: Option<crate::store::PostgresStore>) -> Server {
    store.migrate().await.unwrap();
    let (stop, shutdown) = watch::channel(false);
    let app = Arc::new(App::new(store, limits, CorsPolicy::AnyOrigin, shutdown.clone()).await.unwrap());
    tokio::spawn(crate::ingest::follow(app.ingest.clone(), postgres, app.limits.follow_every, shutdown.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut done = shutdown.clone();
    let task = tokio::spawn(super::serve(app.clone(), listener, async move {
        let _ = done.wait_for(|s| *s).await;
    }));
    Server { addr, app, stop, task }
}

async fn sqlite_server(name: &str) -> Server {
    start(Arc::new(SqliteStore::open(&temp_sqlite_url(name)).await.unwrap()), Limits::default()).await
}

/// A token of `role` for `regions`, created in the server's store.
async fn token(server: &Server, role: &str, regions: &[&str]) -> String {
    let (secret, hash) = auth::new_token();
    let regions: Vec<String> = regions.iter().map(|r| (*r).to_owned()).collect();
    server.app.store.create_token(&format!("{role} {}", regions.join(",")), role, &regions, &hash, 1, None).await.unwrap();
    secret
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await.expect("response within 30 s").unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

async fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, &[], b"").await
}

async fn post_csv(addr: SocketAddr, path: &str, token: &str, body: &[u8]) -> Response {
    let bearer = format!("Bearer {token}");
    request(addr, "POST", path, &[("Authorization", &bearer), ("Content-Type", "text/csv")], body).await
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(path)).unwrap()
}

fn latest_value(progress: &serde_json::Value) -> f64 {
    progress[0]["latest"]["value"].as_f64().unwrap()
}

async fn upload_read_revise_revert(server: &Server) {
    let addr = server.addr;
    let yongchuan = token(server, "statistician", &["500118"]).await;
    let admin = token(server, "admin", &[]).await;

    let first = post_csv(addr, "/api/v1/uploads", &yongchuan, &fixture("uploads/good/long_yongchuan_2025q3.csv")).await;
    assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.body));
    let first = first.json();
    assert_eq!(first["status"], "committed");
    assert_eq!(first["changes"]["new"].as_array().unwrap().len(), 8);
    let first_id = first["upload"]["id"].as_i64().unwrap();

    let read = get(addr, "/api/v1/progress?indicator=tech_smes&region=500118").await;
    assert_eq!(read.status, 200);
    assert_eq!(latest_value(&read.json()), 1753.0);

    let revised =
        post_csv(addr, "/api/v1/uploads", &yongchuan, "指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1800\n".as_bytes()).await;
    assert_eq!(revised.status, 201);
    let revised = revised.json();
    assert_eq!(revised["changes"]["revised"][0]["old"], 1753.0);
    assert_eq!(revised["changes"]["revised"][0]["new"], 1800.0);
    let revised_id = revised["upload"]["id"].as_i64().unwrap();
    assert_eq!(latest_value(&get(addr, "/api/v1/progress?indicator=tech_smes&region=500118").await.json()), 1800.0);

    let history = get(addr, "/api/v1/history?indicator=tech_smes&region=500118&period=2025Q3").await.json();
    let values: Vec<f64> = history.as_array().unwrap().iter().map(|h| h["value"].as_f64().unwrap()).collect();
    assert_eq!(values, [1753.0, 1800.0]);

    // The series as known after the first upload.
    let as_of = get(addr, &format!("/api/v1/series?indicator=tech_smes&region=500118&as_of={first_id}")).await.json();
    assert_eq!(as_of["series"]["points"].as_array().unwrap().last().unwrap()["value"], 1753.0);
    // Judged at an earlier period: the later value is left out of the series and its progress.
    let earlier = get(addr, "/api/v1/series?indicator=tech_smes&region=500118&period=2025Q2").await.json();
    assert!(earlier["series"]["points"].as_array().unwrap().iter().all(|p| p["period"] != "2025Q3"), "{earlier}");
    assert!(earlier["progress"][0].get("latest").is_none_or(|l| l["period"] != "2025Q3"));

    // Only an admin reverts; a revert appends, restoring the earlier value.
    let bearer = format!("Bearer {yongchuan}");
    assert_eq!(
        request(addr, "POST", &format!("/api/v1/uploads/{revised_id}/revert"), &[("Authorization", &bearer)], b"").await.status,
        403
    );
    let bearer = format!("Bearer {admin}");
    let revert = request(addr, "POST", &format!("/api/v1/uploads/{revised_id}/revert"), &[("Authorization", &bearer)], b"").await;
    assert_eq!(revert.status, 201, "{}", String::from_utf8_lossy(&revert.body));
    assert_eq!(latest_value(&get(addr, "/api/v1/progress?indicator=tech_smes&region=500118").await.json()), 1753.0);
    let history = get(addr, "/api/v1/history?indicator=tech_smes&region=500118&period=2025Q3").await.json();
    assert_eq!(history.as_array().unwrap().len(), 3, "nothing is deleted");
    assert_eq!(
        request(addr, "POST", &format!("/api/v1/uploads/{revised_id}/revert"), &[("Authorization", &bearer)], b"").await.status,
        409
    );

    let uploads = get(addr, "/api/v1/uploads").await.json();
    assert_eq!(uploads.as_array().unwrap().len(), 3);
    let detail = get(addr, &format!("/api/v1/uploads/{first_id}")).await.json();
    assert_eq!(detail["report"]["valid"], true);
    assert_eq!(get(addr, "/api/v1/uploads/999999").await.status, 404);
}

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    #[serde(default)]
    options: innogauge_model::wire::UploadOptionsWire,
    valid: bool,
    problems: Vec<String>,
}

async fn bad_fixtures_change_nothing(server: &Server) {
    let addr = server.addr;
    let admin = token(server, "admin", &[]).await;
    let yongchuan = token(server, "statistician", &["500118"]).await;
    let cases: Cases = toml::from_str(&String::from_utf8(fixture("uploads/cases.toml")).unwrap()).unwrap();
    let before = get(addr, "/api/v1/snapshot").await.json();
    for case in cases.case.iter().filter(|c| !c.valid) {
        let token = if case.options.allowed_regions.is_some() { &yongchuan } else { &admin };
        let path = match &case.options.period {
            Some(p) => format!("/api/v1/uploads?period={p}"),
            None => "/api/v1/uploads".to_owned(),
        };
        let response = post_csv(addr, &path, token, &fixture(&format!("uploads/{}", case.file))).await;
        assert_eq!(response.status, 422, "{}", case.file);
        let body = response.json();
        assert_eq!(body["status"], "rejected");
        let codes: Vec<String> = body["report"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p["severity"].as_str().unwrap(),
                    p["code"].as_str().unwrap(),
                    p["row"].as_u64().map_or("-".into(), |r| r.to_string()),
                    p["column"].as_str().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(codes, case.problems, "{}", case.file);
    }
    let bearer = format!("Bearer {admin}");
    let workbook = request(
        addr,
        "POST",
        "/api/v1/uploads?filename=bad_cells.xlsx",
        &[("Authorization", &bearer), ("Content-Type", "application/octet-stream")],
        &fixture("uploads/excel/bad_cells.xlsx"),
    )
    .await;
    assert_eq!(workbook.status, 422);
    let problems = &workbook.json()["report"]["problems"];
    assert_eq!(
        (problems[0]["code"].as_str(), problems[0]["row"].as_u64(), problems[0]["column"].as_str()),
        (Some("type-error"), Some(2), Some("D"))
    );
    assert_eq!(get(addr, "/api/v1/snapshot").await.json(), before, "a rejected upload changes nothing");
    assert_eq!(get(addr, "/api/v1/uploads").await.json().as_array().unwrap().len(), 0);
}

async fn excel_and_multipart_uploads(server: &Server) {
    let addr = server.addr;
    let admin = token(server, "admin", &[]).await;
    let bearer = format!("Bearer {admin}");
    let workbook = fixture("uploads/excel/wide_2025q3.xlsx");
    let boundary = "----innogauge-test";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"wide_2025q3.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").into_bytes();
    body.extend_from_slice(&workbook);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let response = request(addr, "POST", "/api/v1/uploads", &[("Authorization", &bearer), ("Content-Type", &content_type)], &body).await;
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.body));
    assert_eq!(response.json()["changes"]["new"].as_array().unwrap().len(), 9);
    assert_eq!(latest_value(&get(addr, "/api/v1/progress?indicator=rd_expenditure&region=500116").await.json()), 18.25);
}

async fn reuploads_are_idempotent(server: &Server) {
    let addr = server.addr;
    let admin = token(server, "admin", &[]).await;
    let file = fixture("uploads/good/long_english_city.csv");
    assert_eq!(post_csv(addr, "/api/v1/uploads", &admin, &file).await.status, 201);
    let version = get(addr, "/healthz").await.json()["data_version"].clone();
    let again = post_csv(addr, "/api/v1/uploads", &admin, &file).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "duplicate");
    let bearer = format!("Bearer {admin}");
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "text/csv"), ("Idempotency-Key", "k-1")];
    let first =
        request(addr, "POST", "/api/v1/uploads", &headers, b"indicator,region,period,value\nexperts_engaged,500000,2025Q3,40\n").await;
    assert_eq!(first.status, 201);
    let second =
        request(addr, "POST", "/api/v1/uploads", &headers, b"indicator,region,period,value\nexperts_engaged,500000,2025Q3,41\n").await;
    assert_eq!(second.json()["status"], "duplicate", "the same Idempotency-Key is the same upload");
    assert_ne!(get(addr, "/healthz").await.json()["data_version"], version);
    assert_eq!(get(addr, "/api/v1/uploads").await.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn sqlite_upload_read_revise_revert() {
    upload_read_revise_revert(&sqlite_server("flow").await).await;
}

#[tokio::test]
async fn sqlite_bad_fixtures_change_nothing() {
    bad_fixtures_change_nothing(&sqlite_server("bad").await).await;
}

#[tokio::test]
async fn sqlite_excel_and_multipart_uploads() {
    excel_and_multipart_uploads(&sqlite_server("excel").await).await;
}

#[tokio::test]
async fn sqlite_reuploads_are_idempotent() {
    reuploads_are_idempotent(&sqlite_server("idem").await).await;
}

#[tokio::test]
async fn postgres_upload_read_revise_revert() {
    if let Some(store) = temp_postgres("flow").await {
        upload_read_revise_revert(&start(Arc::new(store), Limits::default()).await).await;
    }
}

#[tokio::test]
async fn postgres_bad_fixtures_change_nothing() {
    if let Some(store) = temp_postgres("bad").await {
        bad_fixtures_change_nothing(&start(Arc::new(store), Limits::default()).await).await;
    }
}

#[tokio::test]
async fn postgres_reuploads_are_idempotent() {
    if let Some(store) = temp_postgres("idem").await {
        reuploads_are_idempotent(&start(Arc::new(store), Limits::default()).await).await;
    }
}

#[tokio::test]
async fn status_codes_say_what_went_wrong() {
    let server = start(
        Arc::new(SqliteStore::open(&temp_sqlite_url("codes")).await.unwrap()),
        Limits { max_upload_bytes: 1000, ..Limits::default() },
    )
    .await;
    let addr = server.addr;
    let reader = token(&server, "reader", &[]).await;
    let admin = token(&server, "admin", &[]).await;
    let csv = b"indicator,region,period,value\ntech_smes,500118,2025Q3,1\n";
    assert_eq!(request(addr, "POST", "/api/v1/uploads", &[("Content-Type", "text/csv")], csv).await.status, 401);
    assert_eq!(post_csv(addr, "/api/v1/uploads", "ig_not-a-token", csv).await.status, 401);
    assert_eq!(post_csv(addr, "/api/v1/uploads", &reader, csv).await.status, 403);
    let bearer = format!("Bearer {admin}");
    let png = request(addr, "POST", "/api/v1/uploads", &[("Authorization", &bearer), ("Content-Type", "image/png")], b"\x89PNG").await;
    assert_eq!(png.status, 415);
    assert_eq!(png.json()["code"], "unsupported-media-type");
    let large = post_csv(addr, "/api/v1/uploads", &admin, &vec![b'a'; 2000]).await;
    assert_eq!(large.status, 413);
    assert_eq!(large.json()["code"], "payload-too-large");
    let dry = post_csv(addr, "/api/v1/uploads?dry_run=true", &admin, csv).await;
    assert_eq!((dry.status, dry.json()["status"].as_str()), (200, Some("dry_run")));
    assert_eq!(get(addr, "/healthz").await.json()["data_version"], 0, "a dry run stores nothing");

    let unknown = get(addr, "/api/v1/nothing-here").await;
    assert_eq!((unknown.status, unknown.json()["code"].as_str()), (404, Some("not-found")));
    let wrong = request(addr, "DELETE", "/api/v1/uploads", &[], b"").await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
    assert_eq!(get(addr, "/api/v1/series").await.status, 400);
    assert_eq!(get(addr, "/api/v1/series?indicator=nope").await.status, 404);
    assert_eq!(get(addr, "/api/v1/ranking?indicator=tech_smes&measure=loudness").await.status, 400);
    assert_eq!(get(addr, "/api/v1/history?indicator=tech_smes&region=500118&period=2025Q9").await.json()["code"], "bad-period");
    assert_eq!(get(addr, "/api/v1/uploads/abc").await.status, 404);

    // Caching: ETag on the data version, 304 for a match; compression only when accepted.
    let first = request(addr, "GET", "/api/v1/catalog", &[("Accept-Encoding", "gzip"), ("Origin", "https://portal.example")], b"").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-encoding"), Some("gzip"));
    assert_eq!(first.header("access-control-allow-origin"), Some("*"));
    assert!(first.header("vary").unwrap().contains("Origin"));
    let etag = first.header("etag").unwrap().to_owned();
    assert_eq!(request(addr, "GET", "/api/v1/catalog", &[("If-None-Match", &etag)], b"").await.status, 304);
    assert_eq!(get(addr, "/api/v1/catalog").await.header("content-encoding"), None);
    let preflight = request(
        addr,
        "OPTIONS",
        "/api/v1/snapshot",
        &[("Origin", "https://portal.example"), ("Access-Control-Request-Method", "GET")],
        b"",
    )
    .await;
    assert_eq!(preflight.status, 204);
    let export = get(addr, "/api/v1/export.csv").await;
    assert!(export.body.starts_with("\u{FEFF}indicator,指标".as_bytes()));
    let metrics = String::from_utf8(get(addr, "/metrics").await.body).unwrap();
    assert!(metrics.contains("innogauge_http_requests_total{route=\"uploads\",status=\"413\"}"), "{metrics}");
    let openapi = get(addr, "/openapi.json").await.json();
    for (path, _, _) in super::ROUTES {
        assert!(openapi["paths"].get(path.replace("{}", "{id}")).is_some(), "{path} is not in openapi.json");
    }
    // The widget loader is served with CORS for every origin and a short cache; hashed files
    // for a year (when this server was built with a bundle).
    let loader = request(addr, "GET", "/widgets/innogauge.js", &[("Origin", "https://portal.example")], b"").await;
    if loader.status == 200 {
        assert_eq!(loader.header("access-control-allow-origin"), Some("*"));
        assert_eq!(loader.header("cache-control"), Some("public, max-age=300"));
        let manifest = get(addr, "/widgets/manifest.json").await.json();
        let wasm = get(addr, &format!("/widgets/{}", manifest["wasm"].as_str().unwrap())).await;
        assert_eq!(wasm.header("content-type"), Some("application/wasm"));
        assert_eq!(wasm.header("cache-control"), Some("public, max-age=31536000, immutable"));
        // With brotli accepted, the bytes compressed at build time are sent; they decode to the file.
        let name = manifest["wasm"].as_str().unwrap();
        let br = request(addr, "GET", &format!("/widgets/{name}"), &[("Accept-Encoding", "gzip, br")], b"").await;
        assert_eq!(br.header("content-encoding"), Some("br"));
        assert_eq!(br.body.len() as u64, manifest["bytes"][name]["br"].as_u64().unwrap());
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut br.body.as_slice(), &mut decoded).unwrap();
        assert_eq!(decoded, wasm.body);
    } else {
        assert_eq!(loader.status, 503);
    }
}

/// Reads an SSE stream until `needle` appears (or 20 s pass).
async fn read_until(stream: &mut TcpStream, seen: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut buffer = [0u8; 4096];
    while !seen.contains(needle) {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in:\n{seen}"))
            .unwrap();
        assert!(n > 0, "stream closed before {needle:?}:\n{seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
}

async fn open_events(addr: SocketAddr, last_event_id: Option<i64>) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let resume = last_event_id.map(|id| format!("Last-Event-ID: {id}\r\n")).unwrap_or_default();
    stream
        .write_all(format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n{resume}\r\n").as_bytes())
        .await
        .unwrap();
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event:").await;
    (stream, seen)
}

#[tokio::test]
async fn a_commit_reaches_open_event_streams_and_resumes() {
    let server = sqlite_server("sse").await;
    let admin = token(&server, "admin", &[]).await;
    let (mut stream, mut seen) = open_events(server.addr, None).await;
    assert!(seen.contains("event:hello") || seen.contains("event: hello"), "{seen}");
    let upload =
        post_csv(server.addr, "/api/v1/uploads", &admin, "指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1800\n".as_bytes()).await;
    let version = upload.json()["data_version"].as_i64().unwrap();
    read_until(&mut stream, &mut seen, &format!("\"version\":{version}")).await;
    assert!(
        seen.contains("\"tech_smes\"") && seen.contains("\"500000\"") && seen.contains("\"500118\""),
        "the city sum changed too: {seen}"
    );
    // A client that saw nothing since version 0 gets the commit replayed.
    let (mut resumed, mut replay) = open_events(server.addr, Some(0)).await;
    read_until(&mut resumed, &mut replay, &format!("id:{version}")).await;
    // Shutdown ends the streams, so the server stops instead of waiting for them.
    server.stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server.task).await.expect("the server stops with streams open").unwrap();
    assert_eq!(server.app.metrics.open_sse_clients(), 0);
}

/// One ticker beats for every open stream (a stream has no timer of its own): each stream gets
/// the heartbeat, and it keeps coming.
#[tokio::test]
async fn every_open_stream_gets_the_shared_heartbeat() {
    let store = SqliteStore::open(&temp_sqlite_url("heartbeat")).await.unwrap();
    let server = start(Arc::new(store), Limits { heartbeat: Duration::from_millis(200), ..Limits::default() }).await;
    let (mut first, mut seen_first) = open_events(server.addr, None).await;
    let (mut second, mut seen_second) = open_events(server.addr, None).await;
    for (stream, seen) in [(&mut first, &mut seen_first), (&mut second, &mut seen_second)] {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut buffer = [0u8; 1024];
        while seen.matches(":heartbeat").count() < 2 {
            let n = tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await.expect("two heartbeats").unwrap();
            assert!(n > 0, "stream closed: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }
    server.stop.send(true).unwrap();
}

#[tokio::test]
async fn postgres_commits_reach_clients_of_another_process() {
    let Some(store) = temp_postgres("sse").await else { return };
    let url = store.url_for_tests();
    let first = start(Arc::new(store.clone()), Limits::default()).await;
    let other_store = crate::store::PostgresStore::open(&url).await.unwrap();
    // Polling only every minute here: the commit must arrive by NOTIFY.
    let slow = Limits { follow_every: Duration::from_secs(60), ..Limits::default() };
    let second = start_following(Arc::new(other_store.clone()), slow, Some(other_store)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut stream, mut seen) = open_events(second.addr, None).await;
    let admin = token(&first, "admin", &[]).await;
    let upload =
        post_csv(first.addr, "/api/v1/uploads", &admin, "指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1800\n".as_bytes()).await;
    assert_eq!(upload.status, 201);
    let version = upload.json()["data_version"].as_i64().unwrap();
    read_until(&mut stream, &mut seen, &format!("\"version\":{version}")).await;
    // The second process's reads moved too.
    assert_eq!(latest_value(&get(second.addr, "/api/v1/progress?indicator=tech_smes&region=500118").await.json()), 1800.0);
}

#[tokio::test]
async fn boundaries_are_simplified_geojson_of_every_district() {
    let server = sqlite_server("boundaries").await;
    let response = get(server.addr, "/api/v1/boundaries").await;
    assert_eq!(response.status, 200);
    let map: innogauge_model::geo::FeatureCollection = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(map.features.len(), 38);
    assert!(map.position_count() < 8_000, "{} positions", map.position_count());
    let yongchuan = map.hit([105.9, 29.35]).map(|f| f.properties.code.as_str());
    assert_eq!(yongchuan, Some("500118"), "a point in 永川区");
}

#[tokio::test]
async fn bad_input_never_yields_a_server_error() {
    let server = sqlite_server("fuzz").await;
    let addr = server.addr;
    let admin = token(&server, "admin", &[]).await;
    let bearer = format!("Bearer {admin}");
    // A fixed-seed generator: the same 300 requests every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces = [
        "indicator",
        "region",
        "period",
        "value",
        "tech_smes",
        "500118",
        "永川区",
        "2025Q3",
        "合计",
        "%",
        "=",
        "&",
        "—",
        "\u{FEFF}",
        ",",
        "\n",
        "\"",
        "1,234",
        "-1",
        "1e999",
        "NaN",
    ];
    for round in 0..300 {
        let mut body = Vec::new();
        for _ in 0..(next() % 40) {
            if next() % 3 == 0 {
                body.push(u8::try_from(next() % 256).unwrap());
            } else {
                body.extend_from_slice(pieces[usize::try_from(next() % pieces.len() as u64).unwrap()].as_bytes());
            }
        }
        let content_type = [
            "text/csv",
            "application/octet-stream",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "multipart/form-data; boundary=x",
        ][round % 4];
        let response =
            request(addr, "POST", "/api/v1/uploads?dry_run=true", &[("Authorization", &bearer), ("Content-Type", content_type)], &body)
                .await;
        assert!(
            response.status < 500,
            "upload {round} ({content_type}, {body:?}) gave {}: {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
        let query: String = (0..(next() % 6))
            .map(|_| {
                format!(
                    "{}={}&",
                    pieces[usize::try_from(next() % 8).unwrap()],
                    pieces[usize::try_from(next() % pieces.len() as u64).unwrap()]
                )
            })
            .collect();
        let query: String = query.chars().filter(|c| !c.is_control() && *c != ' ').collect();
        for path in ["/api/v1/series", "/api/v1/progress", "/api/v1/ranking", "/api/v1/history", "/api/v1/export.csv", "/api/v1/uploads"] {
            let encoded: String = query
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"=&_-.".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
                .collect();
            let response = get(addr, &format!("{path}?{encoded}")).await;
            assert!(response.status < 500, "GET {path}?{encoded} gave {}", response.status);
        }
    }
}

/// An account created in the server's store; returns its login.
async fn account(server: &Server, login: &str, role: &str, regions: &[&str], password: &str) {
    let regions: Vec<String> = regions.iter().map(|r| (*r).to_owned()).collect();
    let password_hash = crate::accounts::hash_password(password).unwrap();
    let user = crate::store::NewUser {
        login,
        name: &format!("{login} 的名字"),
        role,
        regions: &regions,
        password_hash: &password_hash,
        created_at_ms: 1,
    };
    server.app.store.create_user(user).await.unwrap();
}

/// Sign-in, the session cookie, CSRF on every cookie-authenticated write, scope, sign-out,
/// and the pages that need a session.
async fn sessions_guard_the_pages_and_writes(server: &Server) {
    let addr = server.addr;
    account(server, "yongchuan", "statistician", &["500118"], "永川区 password 1").await;
    let page = get(addr, "/upload").await;
    assert_eq!((page.status, page.header("location")), (303, Some("/signin?next=%2Fupload")), "signed out: to the sign-in page");
    assert_eq!(get(addr, "/signin").await.status, 200);
    let board = get(addr, "/board").await;
    assert!(board.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    assert!(String::from_utf8_lossy(&board.body).contains(r#"data-page="board""#));

    let json = [("Content-Type", "application/json")];
    let wrong = request(addr, "POST", "/api/v1/session", &json, br#"{"login":"yongchuan","password":"nope"}"#).await;
    assert_eq!((wrong.status, wrong.json()["code"].as_str()), (401, Some("unauthorized")));
    let foreign = [("Content-Type", "application/json"), ("Origin", "https://evil.example")];
    let refused =
        request(addr, "POST", "/api/v1/session", &foreign, r#"{"login":"yongchuan","password":"永川区 password 1"}"#.as_bytes()).await;
    assert_eq!(refused.status, 403, "no sign-in from another site's page");
    let signed =
        request(addr, "POST", "/api/v1/session", &json, r#"{"login":"yongchuan","password":"永川区 password 1"}"#.as_bytes()).await;
    assert_eq!(signed.status, 200, "{}", String::from_utf8_lossy(&signed.body));
    let set_cookie = signed.header("set-cookie").unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = signed.json()["csrf"].as_str().unwrap().to_owned();
    assert_eq!(signed.json()["user"]["regions"][0], "500118");

    let me = request(addr, "GET", "/api/v1/session", &[("Cookie", &cookie)], b"").await;
    assert_eq!((me.status, me.json()["user"]["login"].as_str()), (200, Some("yongchuan")));
    assert_eq!(request(addr, "GET", "/upload", &[("Cookie", &cookie)], b"").await.status, 200);

    let csv = "indicator,region,period,value\nhigh_tech_enterprises,永川区,2025Q3,180\n".as_bytes();
    let no_csrf = request(addr, "POST", "/api/v1/uploads", &[("Cookie", &cookie), ("Content-Type", "text/csv")], csv).await;
    assert_eq!((no_csrf.status, no_csrf.json()["code"].as_str()), (403, Some("csrf")), "the cookie alone may not write");
    let forged = [("Cookie", cookie.as_str()), ("Content-Type", "text/csv"), ("X-CSRF-Token", "0000")];
    assert_eq!(request(addr, "POST", "/api/v1/uploads", &forged, csv).await.status, 403);
    let cross =
        [("Cookie", cookie.as_str()), ("Content-Type", "text/csv"), ("X-CSRF-Token", csrf.as_str()), ("Origin", "https://evil.example")];
    assert_eq!(request(addr, "POST", "/api/v1/uploads", &cross, csv).await.status, 403, "the token from another site is refused");
    let good = [("Cookie", cookie.as_str()), ("Content-Type", "text/csv"), ("X-CSRF-Token", csrf.as_str())];
    let committed = request(addr, "POST", "/api/v1/uploads", &good, csv).await;
    assert_eq!(committed.status, 201, "{}", String::from_utf8_lossy(&committed.body));
    assert_eq!(committed.json()["upload"]["actor"], "yongchuan 的名字");
    let jiangbei = "indicator,region,period,value\nhigh_tech_enterprises,江北区,2025Q3,300\n".as_bytes();
    let scope = request(addr, "POST", "/api/v1/uploads", &good, jiangbei).await;
    assert_eq!(scope.status, 422);
    assert_eq!(scope.json()["report"]["problems"][0]["code"], "scope-error");
    let id = committed.json()["upload"]["id"].as_i64().unwrap();
    let revert = request(addr, "POST", &format!("/api/v1/uploads/{id}/revert"), &good, b"").await;
    assert_eq!(revert.status, 403, "a statistician may not revert");

    assert_eq!(request(addr, "DELETE", "/api/v1/session", &[("Cookie", &cookie)], b"").await.status, 403, "sign-out needs the token too");
    let out = request(addr, "DELETE", "/api/v1/session", &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)], b"").await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(request(addr, "GET", "/api/v1/session", &[("Cookie", &cookie)], b"").await.status, 401, "the old cookie is dead");
    assert_eq!(request(addr, "POST", "/api/v1/uploads", &good, csv).await.status, 401);
    // The audit trail has the failed and the good sign-in, with the client's address.
    let trail = server.app.store.audit_entries(10, None).await.unwrap();
    let seen: Vec<(&str, &str, &str, Option<&str>)> =
        trail.iter().map(|e| (e.action.as_str(), e.subject.as_str(), e.actor.as_str(), e.address.as_deref())).collect();
    assert_eq!(
        seen,
        [
            ("signed_in", "yongchuan", "yongchuan 的名字", Some("127.0.0.1")),
            ("sign_in_failed", "yongchuan", "anonymous", Some("127.0.0.1"))
        ]
    );
}

#[tokio::test]
async fn sqlite_sessions_guard_the_pages_and_writes() {
    sessions_guard_the_pages_and_writes(&sqlite_server("sessions").await).await;
}

#[tokio::test]
async fn postgres_sessions_guard_the_pages_and_writes() {
    if let Some(store) = temp_postgres("sessions").await {
        sessions_guard_the_pages_and_writes(&start(Arc::new(store), Limits::default()).await).await;
    }
}

#[test]
fn paths_find_their_route_for_metrics_and_allow() {
    assert_eq!(super::route_label("/"), "pages");
    assert_eq!(super::route_label("/api/v1/progress"), "progress");
    assert_eq!(super::route_label("/api/v1/progress/"), "progress");
    assert_eq!(super::route_label("/api/v1/uploads/12/revert"), "revert");
    assert_eq!(super::route_label("/widgets/innogauge.js"), "widgets");
    assert_eq!(super::route_label("/api/v1/uploads/twelve"), "unknown");
    assert_eq!(super::route_label("/api/v1/progress/extra"), "unknown");
    assert_eq!(super::route_label("/api"), "unknown");
    assert_eq!(super::route_label("/reports/2025Q3.pdf"), "reports");
    assert_eq!(super::route_label("/reports/2025Q5.pdf"), "unknown");
    assert_eq!(super::route_label("/reports/2025Q3.pdf/draft"), "unknown", "a PDF has no draft below it");
    assert_eq!(super::allowed_methods("/api/v1/session"), Some("GET, POST, DELETE"));
    assert_eq!(super::allowed_methods("/nowhere"), None);
}

#[test]
fn every_get_route_is_found_by_the_one_match_and_nothing_else_is() {
    use super::{Get, ROUTES};
    for (pattern, methods, _) in ROUTES {
        let path = pattern.replace("{}", "12").replace("{file}", "innogauge.js").replace("{period}", "2025Q3");
        let found = Get::of(&path);
        assert_eq!(found.is_some(), methods.split(", ").any(|m| m == "GET"), "{path} ({methods})");
    }
    assert_eq!(Get::of("/api/v1/progress/"), Some(Get::Progress));
    assert_eq!(Get::of("/"), Some(Get::Root));
    assert_eq!(Get::of("/api/v1/uploads/12"), Some(Get::Upload(12)));
    assert_eq!(Get::of("/widgets/innogauge.js"), Some(Get::WidgetFile("innogauge.js".into())));
    for not_a_get in ["/api/v1/uploads/twelve", "/api/v1/uploads/12/revert", "/widgets/", "/widgets/a/b", "/api/v1/progress/extra", "/api"]
    {
        assert_eq!(Get::of(not_a_get), None, "{not_a_get}");
    }
}

/// Two servers on one database (as two `serve` processes), uploads sent to both at once with
/// one key in common: nothing is lost, ids follow commit order, every report's "old" value is
/// the previous commit's, every commit reaches the event streams of both, and both serve
/// exactly what the database holds.
async fn two_servers_lose_nothing(first: Server, second: Server) {
    let (mut events_a, mut seen_a) = open_events(first.addr, None).await;
    let (mut events_b, mut seen_b) = open_events(second.addr, None).await;
    let admin = token(&first, "admin", &[]).await;
    let districts: Vec<String> = Catalog::builtin().districts().map(|r| r.name_zh.clone()).collect();
    let mut sent = Vec::new();
    for i in 0..12usize {
        let addr = if i % 2 == 0 { first.addr } else { second.addr };
        let admin = admin.clone();
        // Every upload writes the shared key and one key of its own; some are large, so that
        // they take long enough to overlap.
        let mut csv = format!("指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,{}\n", 1000 + i);
        csv.push_str(&format!("高新技术企业,{},2024Q{},{}\n", districts[i], i % 4 + 1, 10 + i));
        if i % 3 == 0 {
            for (d, district) in districts.iter().enumerate() {
                for year in 2000..2020 {
                    csv.push_str(&format!("研发人员,{district},{year},{}\n", i * 1000 + d + year));
                }
            }
        }
        sent.push(tokio::spawn(async move { (i, post_csv(addr, "/api/v1/uploads", &admin, csv.as_bytes()).await) }));
    }
    let mut outcomes = Vec::new();
    for task in sent {
        let (i, response) = task.await.unwrap();
        assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.body));
        let body = response.json();
        outcomes.push((body["upload"]["id"].as_i64().unwrap(), i, body));
    }
    outcomes.sort_by_key(|(id, _, _)| *id);
    for pair in outcomes.windows(2) {
        let ((_, previous, _), (id, _, body)) = (&pair[0], &pair[1]);
        let revised = body["changes"]["revised"].as_array().unwrap();
        let shared =
            revised.iter().find(|r| r["region"] == "500118").unwrap_or_else(|| panic!("upload {id} revised the shared key: {body}"));
        assert_eq!(shared["old"].as_f64(), Some(1000.0 + *previous as f64), "upload {id}'s old value is the previous commit's");
    }
    let last = outcomes.last().unwrap();
    for (id, _, _) in &outcomes {
        read_until(&mut events_a, &mut seen_a, &format!("id:{id}\n")).await;
        read_until(&mut events_b, &mut seen_b, &format!("id:{id}\n")).await;
    }
    // Both serve the last commit's value, and exactly what the database holds.
    let reloaded = crate::data::DataCache::load(first.app.store.clone(), crate::data::builtin_catalog()).await.unwrap().current();
    assert_eq!(reloaded.version, last.0);
    for server in [&first, &second] {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while server.app.data.current().version < last.0 {
            assert!(tokio::time::Instant::now() < deadline, "the snapshot reaches the last commit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let served = latest_value(&get(server.addr, "/api/v1/progress?indicator=tech_smes&region=500118").await.json());
        assert_eq!(served, 1000.0 + last.1 as f64);
        let snapshot = server.app.data.current();
        assert_eq!(snapshot.dataset.len(), reloaded.dataset.len());
        for indicator in ["tech_smes", "high_tech_enterprises", "rd_personnel"] {
            for district in Catalog::builtin().districts() {
                assert_eq!(
                    snapshot.dataset.series(Catalog::builtin(), indicator, &district.code),
                    reloaded.dataset.series(Catalog::builtin(), indicator, &district.code),
                    "{indicator} {}",
                    district.code
                );
            }
        }
    }
}

#[tokio::test]
async fn postgres_two_servers_lose_nothing() {
    let Some(store) = temp_postgres("two").await else { return };
    let url = store.url_for_tests();
    let limits = Limits { uploads_per_minute: 1000, ..Limits::default() };
    let first = start_following(Arc::new(store.clone()), limits.clone(), Some(store)).await;
    let other = crate::store::PostgresStore::open(&url).await.unwrap();
    let second = start_following(Arc::new(other.clone()), limits, Some(other)).await;
    two_servers_lose_nothing(first, second).await;
}

#[tokio::test]
async fn sqlite_two_servers_lose_nothing() {
    let url = temp_sqlite_url("two");
    let limits = Limits { uploads_per_minute: 1000, ..Limits::default() };
    let first = start(Arc::new(SqliteStore::open(&url).await.unwrap()), limits.clone()).await;
    let second = start(Arc::new(SqliteStore::open(&url).await.unwrap()), limits).await;
    two_servers_lose_nothing(first, second).await;
}

/// `innogauge import` into the SQLite file of a running server: the server's reads and its
/// event streams follow within seconds, with no upload of its own.
#[tokio::test]
async fn an_import_beside_a_running_server_reaches_its_readers() {
    let url = temp_sqlite_url("import");
    let server = start(Arc::new(SqliteStore::open(&url).await.unwrap()), Limits::default()).await;
    let (mut events, mut seen) = open_events(server.addr, None).await;
    // What `innogauge import` does: its own store and ingestion door on the same file.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    let data = Arc::new(crate::data::DataCache::load(store.clone(), crate::data::builtin_catalog()).await.unwrap());
    let (_keep, nobody) = watch::channel(false);
    let events_of_import =
        Arc::new(crate::events::Events::new(Arc::new(crate::metrics::Metrics::default()), nobody, Duration::from_secs(15)));
    let door = crate::ingest::Ingest::new(store, data, events_of_import, Limits::default().read());
    let outcome = door
        .upload(crate::ingest::UploadRequest {
            bytes: "指标,地区,时期,数值\n高新技术企业,江津区,2025Q3,321\n".as_bytes().to_vec(),
            format: crate::ingest::FileFormat::Csv,
            file_name: Some("q3.csv".into()),
            options: innogauge_model::UploadOptions::default(),
            actor: "import:test".into(),
            idempotency_key: None,
            dry_run: false,
            grid_rows: None,
        })
        .await
        .unwrap();
    let version = outcome.data_version;
    read_until(&mut events, &mut seen, &format!("id:{version}\n")).await;
    assert!(seen.contains("\"high_tech_enterprises\"") && seen.contains("\"500116\""), "{seen}");
    assert_eq!(latest_value(&get(server.addr, "/api/v1/progress?indicator=high_tech_enterprises&region=500116").await.json()), 321.0);
}

/// The smaller failures of the reliability review, each as it was found.
#[tokio::test]
async fn the_reviews_smaller_failures_stay_fixed() {
    let server = start(
        Arc::new(SqliteStore::open(&temp_sqlite_url("review")).await.unwrap()),
        Limits { uploads_per_minute: 8, ..Limits::default() },
    )
    .await;
    let addr = server.addr;
    let admin = token(&server, "admin", &[]).await;
    let bearer = format!("Bearer {admin}");
    let csv = "指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1800\n".as_bytes();

    // A CSV in a multipart part declared image/png is refused, as are PNG bytes named .csv,
    // and a body that says nothing of its type.
    let part = |mime: &str, name: &str, bytes: &[u8]| {
        let mut body =
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n")
                .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        body
    };
    let form = [("Authorization", bearer.as_str()), ("Content-Type", "multipart/form-data; boundary=XyZ")];
    assert_eq!(request(addr, "POST", "/api/v1/uploads?dry_run=true", &form, &part("image/png", "q3.png", csv)).await.status, 415);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_eq!(request(addr, "POST", "/api/v1/uploads?dry_run=true", &form, &part("text/csv", "q3.csv", png)).await.status, 415);
    assert_eq!(request(addr, "POST", "/api/v1/uploads?dry_run=true", &[("Authorization", &bearer)], csv).await.status, 415);
    // Windows browsers send application/vnd.ms-excel for a .csv file: the name decides.
    let windows = request(addr, "POST", "/api/v1/uploads?dry_run=true", &form, &part("application/vnd.ms-excel", "q3.csv", csv)).await;
    assert_eq!(windows.status, 200, "{}", String::from_utf8_lossy(&windows.body));

    // A header-only file is empty-file, not an empty commit that moves the data version.
    let header_only = post_csv(addr, "/api/v1/uploads", &admin, "指标,地区,时期,数值\n".as_bytes()).await;
    assert_eq!(header_only.status, 422);
    assert_eq!(header_only.json()["report"]["problems"][0]["code"], "empty-file");
    assert_eq!(get(addr, "/healthz").await.json()["data_version"], 0);

    // A chunked body is read (up to the limit), not answered 411.
    let mut chunked = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/uploads?dry_run=true HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: {bearer}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        csv.len()
    );
    chunked.write_all(head.as_bytes()).await.unwrap();
    chunked.write_all(csv).await.unwrap();
    chunked.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    chunked.read_to_end(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));

    // Security headers on every answer; framing refused for pages with actions.
    let demo = get(addr, "/demo").await;
    assert_eq!(demo.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(get(addr, "/api/v1/catalog").await.header("x-content-type-options"), Some("nosniff"));
    let embed = get(addr, "/embed").await;
    assert_eq!(embed.header("x-frame-options"), Some("DENY"));
    assert!(embed.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));

    // The public does not see who uploaded or which file; a token holder does.
    let committed = post_csv(addr, "/api/v1/uploads", &admin, csv).await;
    assert_eq!(committed.status, 201);
    let public = get(addr, "/api/v1/uploads").await.json();
    assert!(public[0].get("actor").is_none() && public[0].get("file_name").is_none(), "{public}");
    let known = request(addr, "GET", "/api/v1/uploads", &[("Authorization", &bearer)], b"").await.json();
    assert_eq!(known[0]["actor"].as_str(), Some("admin "));

    // After a revert the same file can be sent again, and the revert names what it withdrew.
    let id = committed.json()["upload"]["id"].as_i64().unwrap();
    let revert = request(addr, "POST", &format!("/api/v1/uploads/{id}/revert"), &[("Authorization", &bearer)], b"").await;
    assert_eq!(revert.status, 201);
    assert_eq!(revert.json()["changes"]["withdrawn"][0]["value"].as_f64(), Some(1800.0), "{}", revert.json());
    let again = post_csv(addr, "/api/v1/uploads", &admin, csv).await;
    assert_eq!(again.json()["status"], "committed", "{}", again.json());

    // as_of past the current version is the current data, and does not poison the cache.
    let version = get(addr, "/healthz").await.json()["data_version"].as_i64().unwrap();
    let ahead = get(addr, "/api/v1/series?indicator=tech_smes&region=500118&as_of=999999999").await;
    assert_eq!(ahead.header("etag").unwrap(), get(addr, "/api/v1/series?indicator=tech_smes&region=500118").await.header("etag").unwrap());
    assert!(ahead.header("etag").unwrap().starts_with(&format!("\"v{version}-")));
    assert_eq!(get(addr, "/api/v1/series?indicator=tech_smes&as_of=-1").await.status, 400);

    // Over the upload rate, Retry-After says a wait after which a retry is not refused.
    let limited = post_csv(addr, "/api/v1/uploads?dry_run=true", &admin, csv).await;
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    // The lower-case scheme is a bearer token too.
    assert_ne!(post_csv(addr, "/api/v1/uploads", "", csv).await.status, 500);
    let lower = request(addr, "GET", "/api/v1/uploads", &[("Authorization", &format!("bearer {admin}"))], b"").await.json();
    assert!(lower[0].get("actor").is_some());
}

/// A large file being checked does not hold up anyone else's upload: reading runs off the async
/// runtime and without the write lock, so a small dry run sent meanwhile is answered first.
#[tokio::test]
async fn a_large_upload_does_not_hold_up_a_small_one() {
    let server = sqlite_server("busy").await;
    let admin = token(&server, "admin", &[]).await;
    let mut big = String::from("指标,地区,时期,数值\n");
    let districts: Vec<String> = Catalog::builtin().districts().map(|r| r.name_zh.clone()).collect();
    for indicator in ["研发人员", "科技型企业数量", "高新技术企业数量"] {
        for year in 1950..2100 {
            for month in 1..=12 {
                for district in &districts {
                    big.push_str(&format!("{indicator},{district},{year}-{month:02},{}\n", year + month));
                }
            }
        }
    }
    let addr = server.addr;
    let big_admin = admin.clone();
    let large = tokio::spawn(async move {
        let answer = post_csv(addr, "/api/v1/uploads?dry_run=true", &big_admin, big.as_bytes()).await;
        (answer.status, tokio::time::Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let small =
        post_csv(addr, "/api/v1/uploads?dry_run=true", &admin, "指标,地区,时期,数值\n科技型企业数量,永川区,2025Q3,1800\n".as_bytes()).await;
    let small_done = tokio::time::Instant::now();
    assert_eq!(small.status, 200);
    let (large_status, large_done) = large.await.unwrap();
    assert_eq!(large_status, 200);
    assert!(small_done < large_done, "the small dry run was answered while the large file was still being read");
}

/// The public figures of the sample data, exactly: the city is the exact sum of the districts
/// (no `526.7899999999997`), in the series and in the export, and no exported value has more
/// digits than its indicator's decimals. A value uploaded as `19.00` stays `19.00`.
#[tokio::test]
async fn figures_are_exact_as_a_statistics_office_publishes_them() {
    let server = sqlite_server("exact").await;
    let admin = token(&server, "admin", &[]).await;
    let demo = fixture("sample/observations.csv");
    assert_eq!(post_csv(server.addr, "/api/v1/uploads", &admin, &demo).await.status, 201);
    let series = |indicator: &str| {
        let path = format!("/api/v1/series?indicator={indicator}&region=500000");
        async move { String::from_utf8(get(server.addr, &path).await.body).unwrap() }
    };
    let rd = series("rd_expenditure").await;
    for (period, value) in [("2020Q4", "526.79"), ("2021Q4", "603.80"), ("2022Q4", "686.60")] {
        assert!(rd.contains(&format!(r#""period":"{period}","value":{value},"#)), "{period} {value} in {rd}");
    }
    let smes = series("tech_smes").await;
    assert!(smes.contains(r#""period":"2021Q4","value":36900,"#) && smes.contains(r#""period":"2022Q4","value":42989,"#), "{smes}");
    let high_tech = series("high_tech_enterprises").await;
    assert!(high_tech.contains(r#""value":5108,"#) && high_tech.contains(r#""value":6348,"#));

    let export = String::from_utf8(get(server.addr, "/api/v1/export.csv").await.body).unwrap();
    assert!(export.contains("\nrd_expenditure,全社会研发经费投入,500000,重庆市,2020Q4,526.79,亿元,sum_of_districts\n"), "the export");
    let catalog = Catalog::builtin();
    for line in export.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let decimals = catalog.indicator(cells[0]).map(|i| usize::from(i.decimals)).unwrap();
        let digits = cells[5].split_once('.').map_or(0, |(_, f)| f.len());
        assert!(digits <= decimals, "{line}: {digits} digits, {} published", decimals);
    }

    let csv = "指标,地区,时期,数值\n全社会研发经费投入,永川区,2026Q1,19.00\n".as_bytes();
    assert_eq!(post_csv(server.addr, "/api/v1/uploads", &admin, csv).await.status, 201);
    let history =
        String::from_utf8(get(server.addr, "/api/v1/history?indicator=rd_expenditure&region=500118&period=2026Q1").await.body).unwrap();
    assert!(history.contains(r#""value":19.00"#), "{history}");
    let one = String::from_utf8(get(server.addr, "/api/v1/export.csv?indicator=rd_expenditure&region=500118").await.body).unwrap();
    assert!(one.contains(",2026Q1,19.00,"), "{one}");
}

/// Backs up `server`'s store while uploads go on, restores the backup into `target_url`, and
/// finds there exactly the data the source held at the backup's version.
async fn backup_while_uploading_restores_the_same_data(server: Server, postgres: bool, file: PathBuf, target_url: String) {
    let admin = token(&server, "admin", &[]).await;
    assert_eq!(post_csv(server.addr, "/api/v1/uploads", &admin, &fixture("sample/observations.csv")).await.status, 201);
    let keep_going = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let uploader = {
        let (addr, admin, keep_going) = (server.addr, admin.clone(), keep_going.clone());
        tokio::spawn(async move {
            let mut committed = 0;
            while keep_going.load(std::sync::atomic::Ordering::Relaxed) {
                let csv = format!("指标,地区,时期,数值\n科技型企业数量,永川区,2026Q{},{}\n", committed % 4 + 1, 2000 + committed);
                if post_csv(addr, "/api/v1/uploads", &admin, csv.as_bytes()).await.status == 201 {
                    committed += 1;
                }
            }
            committed
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let done = crate::backup::backup(&*server.app.store, postgres, &file).await.unwrap();
    keep_going.store(false, std::sync::atomic::Ordering::Relaxed);
    let committed = uploader.await.unwrap();
    assert!(committed > 0, "uploads went on during the backup");
    assert!(file.exists() && !file.with_extension("db.partial").exists());
    if !postgres {
        // The copy was read to verify it, and nothing was left beside it: a `-wal` or `-shm`
        // file named after the backup would look like one more backup to whoever lists the
        // directory (the chaos run found `copy.db.partial-shm` and the like).
        let mut beside: Vec<String> =
            std::fs::read_dir(file.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        beside.sort();
        assert_eq!(beside, ["copy.db"]);
        let mut header = [0u8; 20];
        std::io::Read::read_exact(&mut std::fs::File::open(&file).unwrap(), &mut header).unwrap();
        assert_eq!(header[18..20], [1, 1], "the copy uses the rollback journal: readers of it create no -wal or -shm");
    }
    let latest = server.app.store.data_version().await.unwrap();
    assert!(done.counts.version >= 1 && done.counts.version <= latest, "{} of {latest}", done.counts.version);

    let restored = crate::backup::restore(&file, &target_url, false).await.unwrap();
    assert_eq!(restored, done.counts);
    let target: Arc<dyn Store> = if postgres {
        Arc::new(crate::store::PostgresStore::open(&target_url).await.unwrap())
    } else {
        Arc::new(SqliteStore::open(&target_url).await.unwrap())
    };
    let copy = crate::data::DataCache::load(target.clone(), crate::data::builtin_catalog()).await.unwrap().current();
    let source = server.app.data.as_of(done.counts.version).await.unwrap();
    assert_eq!(copy.version, done.counts.version);
    assert!(copy.dataset == source.dataset, "the restored snapshot is the source's at the backup's version");
    // A second restore into the now full database is refused unless forced.
    assert!(matches!(crate::backup::restore(&file, &target_url, false).await, Err(crate::backup::BackupError::NotEmpty(_))));
}

#[tokio::test]
async fn sqlite_backup_while_uploading_restores_the_same_data() {
    let server = start(
        Arc::new(SqliteStore::open(&temp_sqlite_url("backup")).await.unwrap()),
        Limits { uploads_per_minute: 100_000, ..Limits::default() },
    )
    .await;
    let dir = std::env::temp_dir().join(format!("innogauge-backup-{}", std::process::id()));
    let file = dir.join("copy.db");
    let target = temp_sqlite_url("restored");
    backup_while_uploading_restores_the_same_data(server, false, file, target).await;
}

#[tokio::test]
async fn postgres_backup_while_uploading_restores_the_same_data() {
    let (Some(source), Some(target)) = (temp_postgres("backup").await, temp_postgres("restored").await) else { return };
    let server = start(Arc::new(source), Limits { uploads_per_minute: 100_000, ..Limits::default() }).await;
    let dir = std::env::temp_dir().join(format!("innogauge-pgbackup-{}", std::process::id()));
    backup_while_uploading_restores_the_same_data(server, true, dir.join("copy.pgdump"), target.url_for_tests()).await;
}

/// Old scheduled backups are pruned, the newest kept, and a `.partial` left by a crash removed.
#[tokio::test]
async fn pruning_keeps_the_newest_backups() {
    let dir = std::env::temp_dir().join(format!("innogauge-prune-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in [
        "innogauge-20261201T000000Z.db",
        "innogauge-20261201T060000Z.db",
        "innogauge-20261201T120000Z.db",
        "innogauge-20261201T180000Z.db.partial",
        "innogauge-20261201T180000Z.db.partial-journal",
        "notes.txt",
    ] {
        std::fs::write(dir.join(name), b"x").unwrap();
    }
    let removed = crate::backup::prune(&dir, 2).await.unwrap();
    assert_eq!(removed.len(), 3);
    let mut left: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["innogauge-20261201T060000Z.db", "innogauge-20261201T120000Z.db", "notes.txt"]);
    assert_eq!(
        crate::backup::latest(&dir).map(|l| l.0.file_name().unwrap().to_string_lossy().into_owned()).as_deref(),
        Some("innogauge-20261201T120000Z.db")
    );
}

/// `innogauge export --all`: every revision with its upload, as CSV and as JSON lines.
#[tokio::test]
async fn the_full_history_exports_every_revision_with_its_upload() {
    let server = sqlite_server("archive").await;
    let admin = token(&server, "admin", &[]).await;
    let csv = "指标,地区,时期,数值,备注\n全社会研发经费投入,永川区,2026Q1,19.00,\"初步, 待核\"\n".as_bytes();
    let first = post_csv(server.addr, "/api/v1/uploads?filename=q1.csv", &admin, csv).await.json();
    let id = first["upload"]["id"].as_i64().unwrap();
    let bearer = format!("Bearer {admin}");
    assert_eq!(request(server.addr, "POST", &format!("/api/v1/uploads/{id}/revert"), &[("Authorization", &bearer)], b"").await.status, 201);
    let dir = std::env::temp_dir().join(format!("innogauge-archive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (csv_file, jsonl_file) = (dir.join("all.csv"), dir.join("all.jsonl"));
    assert_eq!(crate::archive::export(&*server.app.store, "csv", Some(&csv_file)).await.unwrap(), 2);
    assert_eq!(crate::archive::export(&*server.app.store, "jsonl", Some(&jsonl_file)).await.unwrap(), 2);
    let text = std::fs::read_to_string(&csv_file).unwrap();
    assert!(
        text.starts_with("\u{FEFF}revision,upload,created_at,actor,file_name,kind,reverts,sha256,indicator,region,period,value,note\n")
    );
    assert!(text.contains(",upload,,") && text.contains(",rd_expenditure,500118,2026Q1,19.00,\"初步, 待核\""), "{text}");
    assert!(text.contains(&format!(",revert,{id},")), "the revert names what it reverts: {text}");
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&jsonl_file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["file_name"], "q1.csv");
    assert_eq!(lines[1]["kind"], "revert");
    assert!(lines[1]["value"].is_null(), "the revert withdrew the value");
    assert!(std::fs::read_to_string(&jsonl_file).unwrap().contains(r#""value":19.00"#), "the digits as uploaded");
}

/// `GET /api/v1/evaluation`: every district evaluated at the latest quarter, one district on
/// request, the alternative method, answers cached by data version, and `as_of` reproducing a
/// result after the data moved on (what a published report needs).
#[tokio::test]
async fn the_evaluation_ranks_every_district_and_reproduces_an_earlier_result() {
    let server = sqlite_server("evaluation").await;
    let addr = server.addr;
    let empty = get(addr, "/api/v1/evaluation").await;
    assert_eq!(empty.status, 404, "no data, no evaluation");
    assert_eq!(empty.json()["code"], "not-found");
    let admin = token(&server, "admin", &[]).await;
    let first = post_csv(addr, "/api/v1/uploads", &admin, &fixture("sample/observations.csv")).await;
    assert_eq!(first.status, 201);
    let first_id = first.json()["upload"]["id"].as_i64().unwrap();

    let answer = get(addr, "/api/v1/evaluation").await;
    assert_eq!(answer.status, 200);
    let evaluation = answer.json();
    assert_eq!(evaluation["period"], "2025Q3", "the latest quarter with the data");
    assert_eq!(evaluation["compared_with"], "2024Q3");
    let districts = evaluation["districts"].as_array().unwrap();
    assert_eq!(districts.len(), 38);
    let mut ranks: Vec<i64> = districts.iter().filter_map(|d| d["rank"].as_i64()).collect();
    ranks.sort_unstable();
    assert_eq!(ranks.first(), Some(&1));
    assert_eq!(ranks.len(), 38, "the sample rates every district");
    for d in districts {
        let [low, high] = [d["rank_interval"][0].as_i64().unwrap(), d["rank_interval"][1].as_i64().unwrap()];
        assert!(low <= high && (1..=38).contains(&low) && (1..=38).contains(&high), "{d}");
    }
    // Cached by data version: the second answer is a 304 for the same ETag.
    let etag = answer.header("etag").unwrap().to_owned();
    assert_eq!(request(addr, "GET", "/api/v1/evaluation", &[("If-None-Match", &etag)], b"").await.status, 304);

    let yongchuan = get(addr, "/api/v1/evaluation?region=永川区").await.json();
    assert_eq!(yongchuan["districts"].as_array().unwrap().len(), 1);
    let before = yongchuan["districts"][0].clone();
    assert_eq!(before["region"], "500118");
    assert_eq!(before["rank"], districts.iter().find(|d| d["region"] == "500118").unwrap()["rank"], "its rank among all 38");

    let min_max = get(addr, "/api/v1/evaluation?method=min_max&region=500118").await.json();
    assert_eq!(min_max["method"], "min_max");
    assert_ne!(min_max["districts"][0]["index"], before["index"]);

    for (query, code) in [
        ("region=500000", "not-a-district"),
        ("period=2025", "bad-period"),
        ("period=someday", "bad-period"),
        ("method=best", "invalid-query"),
        ("as_of=-1", "bad-as-of"),
    ] {
        let bad = get(addr, &format!("/api/v1/evaluation?{query}")).await;
        assert_eq!(bad.status, 400, "{query}: {}", String::from_utf8_lossy(&bad.body));
        assert_eq!(bad.json()["code"], code, "{query}");
    }
    assert_eq!(get(addr, "/api/v1/evaluation?region=nowhere").await.status, 404);

    // An upload moves 永川区's index; as_of the first upload gives the first result exactly.
    let csv = "指标,地区,时期,数值\n高新技术企业数量,永川区,2025Q3,900\n有效发明专利拥有量,永川区,2025Q3,6000\n";
    assert_eq!(post_csv(addr, "/api/v1/uploads", &admin, csv.as_bytes()).await.status, 201);
    let after = get(addr, "/api/v1/evaluation?region=500118").await.json()["districts"][0].clone();
    assert!(after["index"].as_f64().unwrap() > before["index"].as_f64().unwrap() + 1.0, "{} → {}", before["index"], after["index"]);
    let reproduced = get(addr, &format!("/api/v1/evaluation?region=500118&as_of={first_id}")).await.json()["districts"][0].clone();
    assert_eq!(reproduced, before, "the evaluation as of the first upload is the one published then");
}

/// Runs a poppler tool on a PDF (`pdftotext`, `pdffonts`); CI installs poppler-utils.
fn poppler(tool: &str, pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("innogauge-report-{}-{tool}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let mut command = std::process::Command::new(tool);
    if tool == "pdftotext" {
        command.args(["-enc", "UTF-8"]).arg(&path).arg("-");
    } else {
        command.arg(&path);
    }
    let output = command.output().unwrap_or_else(|e| panic!("{tool} (Debian's poppler-utils) is needed: {e}"));
    assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Publishing a quarter's report: an admin only, both languages stored, the PDF's text and
/// fonts as a reader's tools see them, the list and the feed; a later upload that revises the
/// data leaves the published bytes as they were; a second publication is refused.
#[tokio::test]
async fn a_published_report_is_kept_byte_for_byte_after_the_data_are_revised() {
    let server = sqlite_server("reports").await;
    let addr = server.addr;
    let admin = token(&server, "admin", &[]).await;
    let statistician = token(&server, "statistician", &["500118"]).await;
    assert_eq!(post_csv(addr, "/api/v1/uploads", &admin, &fixture("sample/observations.csv")).await.status, 201);
    let publish = |secret: String| async move {
        request(addr, "POST", "/api/v1/reports/2025Q3/publish", &[("Authorization", &format!("Bearer {secret}"))], b"").await
    };
    assert_eq!(request(addr, "POST", "/api/v1/reports/2025Q3/publish", &[], b"").await.status, 401);
    assert_eq!(publish(statistician.clone()).await.status, 403, "only admins publish");
    assert_eq!(get(addr, "/reports/2025Q3").await.status, 404, "not published yet");
    assert_eq!(get(addr, "/reports/2025Q3/draft").await.status, 401, "drafts are for admins");
    let draft = request(addr, "GET", "/reports/2025Q3/draft", &[("Authorization", &format!("Bearer {admin}"))], b"").await;
    assert_eq!(draft.status, 200);
    assert!(String::from_utf8_lossy(&draft.body).contains("草稿"));

    let published = publish(admin.clone()).await;
    assert_eq!(published.status, 201, "{}", String::from_utf8_lossy(&published.body));
    let records = published.json();
    assert_eq!(records.as_array().unwrap().len(), 2, "Chinese and English");
    let version = records[0]["data_version"].as_i64().unwrap();

    // What a reader's tools find in the PDF: the districts and the figures of the API.
    let pdf = get(addr, "/reports/2025Q3.pdf").await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF-"));
    let text = poppler("pdftotext", &pdf.body);
    let evaluation = get(addr, "/api/v1/evaluation?period=2025Q3").await.json();
    for district in evaluation["districts"].as_array().unwrap() {
        assert!(text.contains(district["name_zh"].as_str().unwrap()), "{} is not in the PDF", district["name_zh"]);
    }
    let yongchuan = evaluation["districts"].as_array().unwrap().iter().find(|d| d["region"] == "500118").unwrap();
    let index = format!("{:.1}", yongchuan["index"].as_f64().unwrap());
    assert!(text.contains(&format!("指数 {index}")) || text.contains(&format!("指数{index}")), "永川区's index {index} is not in the PDF");
    assert!(text.contains("建立区县创新监测评价体系"), "the method names its source");
    let fonts = poppler("pdffonts", &pdf.body);
    let embedded: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!embedded.is_empty() && embedded.iter().all(|l| l.contains(" yes yes ")), "every font embedded as a subset:\n{fonts}");
    assert!(fonts.contains("NotoSansCJK"), "{fonts}");
    let english = get(addr, "/reports/2025Q3.pdf?lang=en").await;
    assert!(poppler("pdftotext", &english.body).contains("Yongchuan District"));
    let html = get(addr, "/reports/2025Q3").await;
    assert_eq!(html.status, 200);
    let page = String::from_utf8_lossy(&html.body).into_owned();
    assert!(page.contains("<svg") && page.contains("永川区") && page.contains(&format!("数据版本 #{version}")));
    assert!(!page.contains("<script"), "a report runs no script");

    // Listed, and in the feed.
    let list = String::from_utf8_lossy(&get(addr, "/reports").await.body).into_owned();
    assert!(list.contains("/reports/2025Q3.pdf") && list.contains("/reports/2025Q3?lang=en"));
    let feed = String::from_utf8_lossy(&get(addr, "/reports/feed.atom").await.body).into_owned();
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">") && feed.matches("<entry>").count() == 2, "{feed}");

    // A statistician revises 永川区's 2025Q3 values: the evaluation moves, the report does not.
    let csv = "指标,地区,时期,数值\n高新技术企业数量,永川区,2025Q3,900\n有效发明专利拥有量,永川区,2025Q3,6000\n";
    assert_eq!(post_csv(addr, "/api/v1/uploads", &statistician, csv.as_bytes()).await.status, 201);
    let moved = get(addr, "/api/v1/evaluation?period=2025Q3&region=500118").await.json();
    assert_ne!(moved["districts"][0]["index"], yongchuan["index"]);
    assert_eq!(get(addr, "/reports/2025Q3.pdf").await.body, pdf.body, "the published PDF is byte-identical");
    assert_eq!(get(addr, "/reports/2025Q3").await.body, html.body, "the published HTML is byte-identical");
    let again = publish(admin.clone()).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["code"], "already-published");
    assert_eq!(get(addr, "/api/v1/reports").await.json()[0]["data_version"], version, "the record keeps its data version");
    assert_eq!(get(addr, "/reports/2025Q4").await.status, 404);
    assert_eq!(get(addr, "/reports/2025-09").await.status, 404);
}

/// `GET /api/v1/chart.svg` draws each widget type that has a picture, by the widget's own
/// attributes, cached per data version; `/frame` puts one widget alone on a page, its
/// attributes escaped.
#[tokio::test]
async fn widgets_come_as_pictures_and_frames_for_pages_without_scripts() {
    let server = sqlite_server("pictures").await;
    let addr = server.addr;
    let admin = token(&server, "admin", &[]).await;
    assert_eq!(post_csv(addr, "/api/v1/uploads", &admin, &fixture("sample/observations.csv")).await.status, 201);
    let progress = get(addr, "/api/v1/progress?indicator=high_tech_enterprises&region=500000").await.json();
    let latest = progress[0]["latest"]["value"].as_i64().unwrap();
    for (query, must) in [
        ("type=gauge&indicator=high_tech_enterprises", format!("{}家", innogauge_model::format::format_number(latest as f64, 0))),
        ("type=ranking&indicator=rd_expenditure&measure=growth&region=永川区", "永川区".to_owned()),
        ("type=map&indicator=high_tech_enterprises&lang=en", "High-tech".to_owned()),
        ("type=board&region=500118", "永川区科技创新目标".to_owned()),
        ("type=index-ranking", "渝北区".to_owned()),
        ("type=index-profile&region=500118&lang=en", "Yongchuan District".to_owned()),
        ("type=index-map", "第一梯队".to_owned()),
    ] {
        let answer = get(addr, &format!("/api/v1/chart.svg?{}", query.replace("永川区", "%E6%B0%B8%E5%B7%9D%E5%8C%BA"))).await;
        assert_eq!(answer.status, 200, "{query}: {}", String::from_utf8_lossy(&answer.body));
        assert_eq!(answer.header("content-type"), Some("image/svg+xml"), "{query}");
        let svg = String::from_utf8(answer.body.clone()).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.trim_end().ends_with("</svg>"), "{query}");
        assert!(svg.contains(&must), "{query}: no {must:?} in the picture");
        assert!(svg.contains("<title>") && !svg.contains("<script"), "{query}");
        let etag = answer.header("etag").unwrap().to_owned();
        let again = request(
            addr,
            "GET",
            &format!("/api/v1/chart.svg?{}", query.replace("永川区", "%E6%B0%B8%E5%B7%9D%E5%8C%BA")),
            &[("If-None-Match", &etag)],
            b"",
        )
        .await;
        assert_eq!(again.status, 304, "{query}: cached per data version");
    }
    for (query, status) in [
        ("type=trend&indicator=tech_smes", 400),
        ("type=gauge", 400),
        ("type=gauge&indicator=nothing", 404),
        ("type=index-profile", 400),
        ("type=gauge&indicator=tech_smes&lang=fr", 400),
    ] {
        assert_eq!(get(addr, &format!("/api/v1/chart.svg?{query}")).await.status, status, "{query}");
    }
    let frame = get(addr, "/frame?type=gauge&indicator=high_tech_enterprises&region=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&id=g1").await;
    assert_eq!(frame.status, 200);
    let page = String::from_utf8(frame.body).unwrap();
    assert!(
        page.contains(r#"data-innogauge-frame="g1""#)
            && page.contains(r#"data-innogauge="gauge""#)
            && page.contains(r#"data-indicator="high_tech_enterprises""#)
    );
    assert!(!page.contains("<script>alert"), "attributes are escaped: {page}");
    assert!(frame.headers.iter().all(|(n, _)| !n.eq_ignore_ascii_case("x-frame-options")), "a frame page may be framed");
    assert_eq!(get(addr, "/frame").await.status, 400);
    assert_eq!(get(addr, "/frame?type=gauge%22%3E").await.status, 400, "a type is a widget name, not markup");

    // A widget's shared link: the chart alone on a page whose link preview names it and shows
    // its picture, which is chart.svg's picture as a PNG twice its size.
    let shared =
        get(addr, "/chart?type=ranking&indicator=rd_expenditure&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&measure=growth&theme=auto").await;
    assert_eq!(shared.status, 200);
    let page = String::from_utf8(shared.body).unwrap();
    let image = format!(
        r#"<meta property="og:image" content="http://{addr}/api/v1/chart.png?type=ranking&amp;indicator=rd_expenditure&amp;region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&amp;measure=growth">"#
    );
    assert!(page.contains(&image), "the preview picture is an absolute URL without the theme: {page}");
    assert!(page.contains(r#"<meta property="og:title" content="全社会研发经费投入 · 各区县">"#), "{page}");
    assert!(
        page.contains(
            r#"data-innogauge="ranking" data-indicator="rd_expenditure" data-region="永川区" data-measure="growth" data-theme="auto""#
        ),
        "{page}"
    );
    let png = get(addr, "/api/v1/chart.png?type=ranking&indicator=rd_expenditure&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&measure=growth").await;
    assert_eq!(png.status, 200, "{}", String::from_utf8_lossy(&png.body));
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert!(png.body.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let svg = String::from_utf8(
        get(addr, "/api/v1/chart.svg?type=ranking&indicator=rd_expenditure&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&measure=growth").await.body,
    )
    .unwrap();
    let svg_width: u32 = svg.split_once("width=\"").and_then(|(_, rest)| rest.split_once('"')).unwrap().0.parse().unwrap();
    let width = u32::from_be_bytes(png.body[16..20].try_into().unwrap());
    assert_eq!(width, 2 * svg_width, "twice the SVG's size");
    let again = request(
        addr,
        "GET",
        "/api/v1/chart.png?type=ranking&indicator=rd_expenditure&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&measure=growth",
        &[("If-None-Match", png.header("etag").unwrap())],
        b"",
    )
    .await;
    assert_eq!(again.status, 304, "cached per data version like the SVG");
    let respelt = request(
        addr,
        "GET",
        "/api/v1/chart.png?measure=growth&region=%E6%B0%B8%E5%B7%9D%E5%8C%BA&x=1&indicator=rd_expenditure&type=ranking",
        &[("If-None-Match", png.header("etag").unwrap())],
        b"",
    )
    .await;
    assert_eq!(respelt.status, 304, "one picture however the query is spelt: a flood of spellings is not a flood of renders");
    let gauge = String::from_utf8(get(addr, "/chart?type=trend&indicator=tech_smes&lang=en").await.body).unwrap();
    assert!(gauge.contains("/api/v1/chart.png?type=gauge&amp;indicator=tech_smes&amp;lang=en"), "a trend's preview is its gauge: {gauge}");
    assert!(gauge.contains(r#"<html lang="en">"#) && gauge.contains("Chongqing"), "{gauge}");
    for (query, status) in [
        ("type=trend", 400),
        ("type=sparkline&indicator=tech_smes", 400),
        ("type=gauge%22%3E&indicator=tech_smes", 400),
        ("type=gauge&indicator=nothing", 404),
        ("type=gauge&indicator=tech_smes&region=%22%3E%3Cscript%3E", 404),
        ("type=gauge&indicator=tech_smes&lang=fr", 400),
    ] {
        assert_eq!(get(addr, &format!("/chart?{query}")).await.status, status, "{query}");
    }
    let hostile = String::from_utf8(get(addr, "/chart?type=index-map&period=%22%3E%3Cscript%3E").await.body).unwrap();
    assert!(!hostile.contains("<script>"), "attributes are escaped: {hostile}");
}

/// The next plan's targets as data: a catalogue file applied to one server reaches the other
/// server's reads and event streams without a restart, the 2025 target gets its final verdict
/// once 2025Q4 is in, a past version keeps the catalogue it had, and a file with problems
/// changes nothing and names every problem with its line.
async fn the_next_plan_applies_live_on_every_server(first: Server, second: Server) {
    let admin = token(&first, "admin", &[]).await;
    let bearer = format!("Bearer {admin}");
    let csv = "指标,地区,时期,数值\n科技型企业数量,重庆市,2021Q4,36900\n科技型企业数量,重庆市,2025Q3,44100\n";
    assert_eq!(post_csv(first.addr, "/api/v1/uploads", &admin, csv.as_bytes()).await.status, 201);
    let (mut events, mut seen) = open_events(second.addr, None).await;
    let before = get(first.addr, "/healthz").await.json()["data_version"].as_i64().unwrap();
    let plan = String::from_utf8(fixture("plans/plan-2030-example.toml")).unwrap();
    let checked = request(first.addr, "POST", "/api/v1/catalog?dry_run=true", &[("Authorization", &bearer)], plan.as_bytes()).await;
    assert_eq!((checked.status, checked.json()["status"].as_str()), (200, Some("dry_run")));
    assert_eq!(checked.json()["changes"][0]["key"], "tech_smes_2030");
    assert_eq!(get(first.addr, "/healthz").await.json()["data_version"].as_i64(), Some(before), "a dry run changes nothing");

    let applied = request(first.addr, "POST", "/api/v1/catalog", &[("Authorization", &bearer)], plan.as_bytes()).await;
    assert_eq!(applied.status, 201, "{}", String::from_utf8_lossy(&applied.body));
    let version = applied.json()["data_version"].as_i64().unwrap();
    assert!(version > before, "a catalogue revision is a data version");
    // The other server hears of it as a `catalog` event and serves it, without a restart.
    read_until(&mut events, &mut seen, &format!("id:{version}\n")).await;
    assert!(seen.contains("event:catalog"), "{seen}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while second.app.data.current().version < version {
        assert!(tokio::time::Instant::now() < deadline, "the second server follows the revision");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let catalog = get(second.addr, "/api/v1/catalog").await.json();
    assert!(catalog["target"].as_array().unwrap().iter().any(|t| t["id"] == "tech_smes_2030"));
    let series = get(second.addr, "/api/v1/series?indicator=tech_smes").await.json();
    let targets: Vec<&str> = series["progress"].as_array().unwrap().iter().filter_map(|p| p["target"].as_str()).collect();
    assert_eq!(targets, ["tech_smes_2025", "tech_smes_2030"]);
    assert_eq!(series["progress"][0]["quarters_remaining"], 1, "2025 is open: one quarter of data to come");
    // What was in force before stays readable as it was.
    let earlier = get(second.addr, &format!("/api/v1/catalog?as_of={before}")).await.json();
    assert!(!earlier["target"].as_array().unwrap().iter().any(|t| t["id"] == "tech_smes_2030"));

    // 2025Q4 completes the 2025 target: its verdict is final; the 2030 target is the open one.
    let q4 = "指标,地区,时期,数值\n科技型企业数量,重庆市,2025Q4,44812\n";
    assert_eq!(post_csv(second.addr, "/api/v1/uploads", &admin, q4.as_bytes()).await.status, 201);
    let series = get(second.addr, "/api/v1/series?indicator=tech_smes").await.json();
    let final_2025 = &series["progress"][0];
    assert_eq!((final_2025["target"].as_str(), final_2025["status"].as_str()), (Some("tech_smes_2025"), Some("target_missed")));
    assert_eq!(final_2025["verdict"]["text"]["zh"], "2025年目标未实现（最终结果），差188家");
    assert!(final_2025.get("projected").is_none() && final_2025.get("quarters_remaining").is_none());
    assert_eq!(series["progress"][1]["quarters_remaining"], 20, "2030 has twenty quarters to go");

    // A file with problems: every one with its line, nothing changed.
    let at = get(first.addr, "/healthz").await.json()["data_version"].as_i64().unwrap();
    let broken = "[[target]]\nid = \"x_2030\"\nindicator = \"nope\"\nregions = [\"500000\"]\nkind = \"level\"\nbound = { at_least = 1 }\ndeadline = \"2030\"\nsource = { seed = \"\", document = \"d\", clause = \"c\", quote = \"q\" }\n\n[remove]\nindicator = [\"tech_smes\"]\n";
    let refused = request(first.addr, "POST", "/api/v1/catalog", &[("Authorization", &bearer)], broken.as_bytes()).await;
    assert_eq!(refused.status, 422, "{}", String::from_utf8_lossy(&refused.body));
    let problems = refused.json()["problems"].as_array().unwrap().clone();
    let said: Vec<String> = problems.iter().map(|p| p["text"]["en"].as_str().unwrap().to_owned()).collect();
    assert!(said.iter().any(|s| s.starts_with("line 1, target x_2030: unknown indicator")), "{said:?}");
    assert!(said.iter().any(|s| s.contains("indicator tech_smes") && s.contains("cannot be removed")), "{said:?}");
    assert!(problems.iter().all(|p| !p["text"]["zh"].as_str().unwrap().is_empty()));
    assert_eq!(get(first.addr, "/healthz").await.json()["data_version"].as_i64(), Some(at), "a rejected file changes nothing");
    let empty = request(first.addr, "POST", "/api/v1/catalog?dry_run=true", &[("Authorization", &bearer)], b"").await;
    assert_eq!(empty.status, 400, "a request without its file is a mistake, not an empty catalogue");
    let reader = token(&first, "statistician", &["500118"]).await;
    let forbidden =
        request(first.addr, "POST", "/api/v1/catalog", &[("Authorization", &format!("Bearer {reader}"))], plan.as_bytes()).await;
    assert_eq!(forbidden.status, 403);
}

#[tokio::test]
async fn sqlite_the_next_plan_applies_live_on_every_server() {
    let url = temp_sqlite_url("plan");
    let limits = Limits { follow_every: Duration::from_millis(200), ..Limits::default() };
    let first = start_following(Arc::new(SqliteStore::open(&url).await.unwrap()), limits.clone(), None).await;
    let second = start_following(Arc::new(SqliteStore::open(&url).await.unwrap()), limits, None).await;
    the_next_plan_applies_live_on_every_server(first, second).await;
}

#[tokio::test]
async fn postgres_the_next_plan_applies_live_on_every_server() {
    let Some(store) = temp_postgres("plan").await else { return };
    let url = store.url_for_tests();
    let first = start_following(Arc::new(store.clone()), Limits::default(), Some(store)).await;
    let other = crate::store::PostgresStore::open(&url).await.unwrap();
    let second = start_following(Arc::new(other.clone()), Limits::default(), Some(other)).await;
    the_next_plan_applies_live_on_every_server(first, second).await;
}

/// Two admins apply the same file at once on two servers: one revision, the other finds
/// nothing left to change (each is checked again under the write lock).
#[tokio::test]
async fn the_same_catalogue_file_applied_twice_at_once_makes_one_revision() {
    let url = temp_sqlite_url("plan-race");
    let first = start_following(Arc::new(SqliteStore::open(&url).await.unwrap()), Limits::default(), None).await;
    let second = start_following(Arc::new(SqliteStore::open(&url).await.unwrap()), Limits::default(), None).await;
    let bearer = format!("Bearer {}", token(&first, "admin", &[]).await);
    let plan = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/plans/plan-2030-example.toml")).unwrap();
    let headers = [("Authorization", bearer.as_str())];
    let (a, b) = tokio::join!(
        request(first.addr, "POST", "/api/v1/catalog", &headers, &plan),
        request(second.addr, "POST", "/api/v1/catalog", &headers, &plan),
    );
    let mut statuses =
        [(a.status, a.json()["status"].as_str().unwrap().to_owned()), (b.status, b.json()["status"].as_str().unwrap().to_owned())];
    statuses.sort();
    assert_eq!(statuses, [(200, "unchanged".to_owned()), (201, "applied".to_owned())]);
    assert_eq!(first.app.store.catalog_revisions().await.unwrap().len(), 1);
}

/// Signs in over HTTP: the cookie (`ig_session=…`) and the CSRF token.
async fn sign_in(addr: SocketAddr, login: &str, password: &str) -> Option<(String, String)> {
    let body = serde_json::json!({ "login": login, "password": password }).to_string();
    let signed = request(addr, "POST", "/api/v1/session", &[("Content-Type", "application/json")], body.as_bytes()).await;
    if signed.status != 200 {
        return None;
    }
    let cookie = signed.header("set-cookie")?.split(';').next()?.to_owned();
    Some((cookie, signed.json()["csrf"].as_str()?.to_owned()))
}

/// Posts a form (`application/x-www-form-urlencoded`) with a session cookie.
async fn post_form(addr: SocketAddr, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Response {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    request(addr, "POST", path, &headers, body.as_bytes()).await
}

/// Posts a form with a session cookie and its CSRF token.
async fn post_with_csrf(addr: SocketAddr, path: &str, cookie: &str, csrf: &str, fields: &[(&str, &str)]) -> Response {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    post_form(addr, path, Some(cookie), &all).await
}

fn text(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

/// The reset link's secret shown on an admin page.
fn reset_secret(page: &str) -> String {
    let at = page.find("/reset?token=").expect("a reset link on the page") + "/reset?token=".len();
    page[at..at + 68].to_owned()
}

/// The whole lifecycle of an account over HTTP: a user changes their own password and their
/// other session ends; an admin adds an account with a one-time link that works once, changes
/// its regions (an upload outside them is then refused), disables and enables it; every step
/// is in the audit trail with its actor, and no page acts without the session's CSRF token.
async fn accounts_live_and_change_over_the_web(server: &Server) {
    let addr = server.addr;
    account(server, "chief", "admin", &[], "the chief's password 1").await;
    account(server, "yongchuan", "statistician", &["500118"], "永川区 password 1").await;

    // Own password: two browsers signed in; the change from one ends the other.
    let (first, first_csrf) = sign_in(addr, "yongchuan", "永川区 password 1").await.unwrap();
    let (second, _) = sign_in(addr, "yongchuan", "永川区 password 1").await.unwrap();
    let page = request(addr, "GET", "/account", &[("Cookie", &first)], b"").await;
    assert_eq!(page.status, 200);
    assert!(text(&page).contains("yongchuan 的名字") && page.header("x-frame-options") == Some("DENY"));
    let change = |current: &'static str, new: &'static str, repeat: &'static str, csrf: String| {
        let cookie = first.clone();
        async move {
            post_form(addr, "/account", Some(&cookie), &[("csrf", &csrf), ("current", current), ("password", new), ("repeat", repeat)])
                .await
        }
    };
    assert_eq!(
        change("永川区 password 1", "a new password 2", "a new password 2", "forged".into()).await.status,
        403,
        "no CSRF token, no change"
    );
    let wrong = change("not it at all", "a new password 2", "a new password 2", first_csrf.clone()).await;
    assert_eq!(wrong.status, 422);
    assert!(text(&wrong).contains("当前密码不正确"));
    assert_eq!(change("永川区 password 1", "short", "short", first_csrf.clone()).await.status, 422, "the rules of users add");
    assert_eq!(change("永川区 password 1", "a new password 2", "a new password 3", first_csrf.clone()).await.status, 422);
    let changed = change("永川区 password 1", "a new password 2", "a new password 2", first_csrf.clone()).await;
    assert_eq!((changed.status, changed.header("location")), (303, Some("/account?changed=1")));
    assert_eq!(request(addr, "GET", "/api/v1/session", &[("Cookie", &second)], b"").await.status, 401, "the other browser is signed out");
    assert_eq!(request(addr, "GET", "/api/v1/session", &[("Cookie", &first)], b"").await.status, 200, "this one stays");
    assert!(sign_in(addr, "yongchuan", "永川区 password 1").await.is_none(), "the old password is gone");
    assert!(sign_in(addr, "yongchuan", "a new password 2").await.is_some());

    // The admin pages are for admins, and every form on them needs the session's token.
    assert!(text(&get(addr, "/admin/users").await).contains("/signin?next=/admin/users"), "signed out: where to sign in");
    assert_eq!(request(addr, "GET", "/admin/users", &[("Cookie", &first)], b"").await.status, 403, "a statistician is no admin");
    let (chief, csrf) = sign_in(addr, "chief", "the chief's password 1").await.unwrap();
    let listed = request(addr, "GET", "/admin/users", &[("Cookie", &chief)], b"").await;
    assert_eq!(listed.status, 200);
    assert!(text(&listed).contains("yongchuan") && text(&listed).contains(&csrf), "the forms carry the session's token");
    let add = [("action", "add"), ("login", "jiangjin"), ("name", "江津区统计局 王五"), ("role", "statistician"), ("regions", "江津区")];
    assert_eq!(post_form(addr, "/admin/users", Some(&chief), &add).await.status, 403, "without the token");
    let created = post_with_csrf(addr, "/admin/users", &chief, &csrf, &add).await;
    assert_eq!(created.status, 201, "{}", text(&created));
    let secret = reset_secret(&text(&created));
    assert!(secret.starts_with("igr_"));
    let stored = server.app.store.user_by_login("jiangjin").await.unwrap().unwrap();
    assert_eq!((stored.role.as_str(), stored.regions.as_slice()), ("statistician", ["500116".to_owned()].as_slice()));
    let again = post_with_csrf(addr, "/admin/users", &chief, &csrf, &add).await;
    assert_eq!(again.status, 422, "the login is taken");
    let bad = [("action", "add"), ("login", "has space"), ("name", "x"), ("role", "statistician"), ("regions", "江津区")];
    assert_eq!(post_with_csrf(addr, "/admin/users", &chief, &csrf, &bad).await.status, 422);

    // The link: shown, used once, then void; a weak password leaves it working.
    let path = format!("/reset?token={secret}");
    let form = get(addr, &path).await;
    assert_eq!(
        (form.status, form.header("referrer-policy")),
        (200, Some("same-origin")),
        "the secret in the address is sent to no other site"
    );
    assert!(text(&form).contains("jiangjin"));
    let weak = post_form(addr, "/reset", None, &[("token", &secret), ("password", "short"), ("repeat", "short")]).await;
    assert_eq!(weak.status, 422);
    let foreign = request(
        addr,
        "POST",
        "/reset",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Origin", "https://evil.example")],
        format!("token={secret}&password=jiangjin+password+1&repeat=jiangjin+password+1").as_bytes(),
    )
    .await;
    assert_eq!(foreign.status, 403, "no reset from another site's page");
    // Two uses at once: one sets the password, the other finds the link used.
    let set = |password: &'static str| {
        let secret = secret.clone();
        async move { post_form(addr, "/reset", None, &[("token", &secret), ("password", password), ("repeat", password)]).await.status }
    };
    let (a, b) = tokio::join!(set("jiangjin password 1"), set("jiangjin password 2"));
    let mut statuses = [a, b];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 410], "the link works once");
    assert_eq!(get(addr, &path).await.status, 410);
    let password = if a == 200 { "jiangjin password 1" } else { "jiangjin password 2" };
    let (jiangjin, jiangjin_csrf) = sign_in(addr, "jiangjin", password).await.expect("the password set by the link works");
    assert_eq!(get(addr, "/reset?token=igr_nope").await.status, 410);

    // Regions: moved to 永川区, an upload for 江津区 is refused and one for 永川区 lands.
    let regions = [("action", "regions"), ("login", "jiangjin"), ("regions", "永川区")];
    assert_eq!(post_with_csrf(addr, "/admin/users", &chief, &csrf, &regions).await.status, 303);
    let unknown = [("action", "regions"), ("login", "jiangjin"), ("regions", "火星区")];
    let refused = post_with_csrf(addr, "/admin/users", &chief, &csrf, &unknown).await;
    assert!(refused.status == 422 && text(&refused).contains("火星区"));
    let upload = |region: &'static str| {
        let (cookie, csrf) = (jiangjin.clone(), jiangjin_csrf.clone());
        async move {
            let csv = format!("indicator,region,period,value\nhigh_tech_enterprises,{region},2025Q3,180\n");
            let headers = [("Cookie", cookie.as_str()), ("Content-Type", "text/csv"), ("X-CSRF-Token", csrf.as_str())];
            request(addr, "POST", "/api/v1/uploads", &headers, csv.as_bytes()).await.status
        }
    };
    assert_eq!(upload("江津区").await, 422, "outside the new regions");
    assert_eq!(upload("永川区").await, 201);

    // Disable ends its sessions; enable lets it back in; an admin cannot lock themselves out.
    let disable = [("action", "disable"), ("login", "jiangjin")];
    assert_eq!(post_with_csrf(addr, "/admin/users", &chief, &csrf, &disable).await.status, 303);
    assert_eq!(request(addr, "GET", "/api/v1/session", &[("Cookie", &jiangjin)], b"").await.status, 401);
    let enable = [("action", "enable"), ("login", "jiangjin")];
    assert_eq!(post_with_csrf(addr, "/admin/users", &chief, &csrf, &enable).await.status, 303);
    assert!(sign_in(addr, "jiangjin", password).await.is_some());
    let myself = [("action", "disable"), ("login", "chief")];
    assert_eq!(post_with_csrf(addr, "/admin/users", &chief, &csrf, &myself).await.status, 422);

    // A second link replaces the first; the trail has every step with its actor.
    let reset = [("action", "reset"), ("login", "yongchuan")];
    let older = reset_secret(&text(&post_with_csrf(addr, "/admin/users", &chief, &csrf, &reset).await));
    let newer = reset_secret(&text(&post_with_csrf(addr, "/admin/users", &chief, &csrf, &reset).await));
    assert_eq!(get(addr, &format!("/reset?token={older}")).await.status, 410, "only the newest link works");
    assert_eq!(get(addr, &format!("/reset?token={newer}")).await.status, 200);
    let trail = server.app.store.audit_entries(100, None).await.unwrap();
    let has =
        |actor: &str, action: &str, subject: &str| trail.iter().any(|e| e.actor == actor && e.action == action && e.subject == subject);
    assert!(has("yongchuan 的名字", "user.password_changed", "yongchuan"));
    assert!(has("yongchuan 的名字", "password_change_failed", "yongchuan"));
    assert!(has("chief 的名字", "user.created", "jiangjin"));
    assert!(has("chief 的名字", "user.reset_issued", "jiangjin"));
    assert!(has("江津区统计局 王五", "user.reset_used", "jiangjin"));
    assert!(has("chief 的名字", "user.regions_changed", "jiangjin"));
    assert!(has("chief 的名字", "user.disabled", "jiangjin") && has("chief 的名字", "user.enabled", "jiangjin"));
    let audit = request(addr, "GET", "/admin/audit", &[("Cookie", &chief)], b"").await;
    assert_eq!(audit.status, 200);
    assert!(text(&audit).contains("使用重置链接") && text(&audit).contains("江津区统计局 王五"));
    assert_eq!(request(addr, "GET", "/admin/audit", &[("Cookie", &first)], b"").await.status, 403);
    assert!(!text(&audit).contains(&newer), "no secret in the trail");
    let last = server.app.store.user_by_login("chief").await.unwrap().unwrap().last_sign_in_at_ms;
    assert!(last.is_some(), "the last sign-in is recorded");
}

#[tokio::test]
async fn sqlite_accounts_live_and_change_over_the_web() {
    accounts_live_and_change_over_the_web(&sqlite_server("lifecycle").await).await;
}

#[tokio::test]
async fn postgres_accounts_live_and_change_over_the_web() {
    if let Some(store) = temp_postgres("lifecycle").await {
        accounts_live_and_change_over_the_web(&start(Arc::new(store), Limits::default()).await).await;
    }
}
