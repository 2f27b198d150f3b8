//! The hostile uploads of `fixtures/uploads/attack/` (written by `cargo xtask attack`) sent to a
//! live `innogauge serve` with the default limits and the demo data: each must get its stated
//! answer, the server must stay up, its peak resident memory must stay under the bound the
//! README states, and the store must not change.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Peak resident memory the server may reach while refusing every file of the corpus: the
/// demo data's snapshot and caches, plus the read budget of one 64 MiB upload at a time
/// (README, "Limits").
const PEAK_RESIDENT_BOUND_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    content_type: String,
    status: u16,
    code: String,
    why: String,
}

/// The server process, killed when the test ends however it ends.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn innogauge(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_innogauge"));
    // Without RUST_BACKTRACE: a panic caught in calamine would otherwise load the debug symbols
    // to print one, and count them as the upload's memory.
    command.arg("--database").arg(database).env("RUST_LOG", "warn").env_remove("RUST_BACKTRACE");
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// One HTTP/1.1 exchange: the status and the body.
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(180))).expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send head");
    // The server may answer (413) before the whole body is sent and close: that is an answer.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no answer to {path}: {raw:?}"));
    let status = String::from_utf8_lossy(&raw[..split]).split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[(end + 4 + size).min(data.len())..];
    }
    out
}

fn peak_resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

#[test]
fn every_hostile_upload_is_refused_and_changes_nothing() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/uploads/attack");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(corpus.join("cases.toml")).expect("cases.toml")).expect("cases");
    let dir = std::env::temp_dir().join(format!("innogauge-attack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("attack.db");
    assert!(innogauge(&database).args(["demo", "--no-serve"]).stdout(Stdio::null()).status().unwrap().success());
    let created = innogauge(&database).args(["token", "create", "--name", "attacker", "--role", "admin"]).output().unwrap();
    let token = String::from_utf8(created.stdout).unwrap().lines().nth(1).unwrap().trim().to_owned();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = innogauge(&database).args(["serve", "--listen", &addr.to_string()]).stdout(Stdio::null()).spawn().unwrap();
    let server = Server { child };
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = request(addr, "GET", "/api/v1/export.csv", &[], b"").1;
    let bearer = format!("Bearer {token}");
    let mut failures = Vec::new();
    for case in &cases.case {
        let bytes = std::fs::read(corpus.join(&case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let content_type = match case.content_type.as_str() {
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            other => other,
        };
        let path = format!("/api/v1/uploads?filename={}", case.file);
        let (status, body) = request(addr, "POST", &path, &[("Authorization", &bearer), ("Content-Type", content_type)], &bytes);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let codes: Vec<String> = match json["report"]["problems"].as_array() {
            Some(problems) => problems.iter().filter_map(|p| p["code"].as_str().map(str::to_owned)).collect(),
            None => json["code"].as_str().map(str::to_owned).into_iter().collect(),
        };
        if status != case.status || !codes.contains(&case.code) {
            failures.push(format!("{} ({}): expected {} {}, got {status} {codes:?}", case.file, case.why, case.status, case.code));
        }
        let (alive, _) = request(addr, "GET", "/healthz", &[], b"");
        assert_eq!(alive, 200, "the server died on {}", case.file);
        eprintln!("{:>28}: {status}, peak resident so far {} MB", case.file, peak_resident_bytes(server.child.id()) / 1024 / 1024);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(request(addr, "GET", "/api/v1/export.csv", &[], b"").1, before, "the store did not change");
    let peak = peak_resident_bytes(server.child.id());
    eprintln!("peak resident memory of the server over the corpus: {} MB", peak / 1024 / 1024);
    assert!(peak < PEAK_RESIDENT_BOUND_BYTES, "peak resident {peak} bytes, bound {PEAK_RESIDENT_BOUND_BYTES}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
