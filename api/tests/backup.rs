//! `innogauge backup` cut off by kill -9 at moments spread over its run: no file that looks
//! complete is ever left (only `FILE.partial`), an earlier backup and the database stay as they
//! were, and a backup that did finish is sound.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn innogauge(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_innogauge"));
    command.arg("--database").arg(database).env("RUST_LOG", "warn").env_remove("RUST_BACKTRACE");
    command
}

fn sound(database: &Path) -> bool {
    innogauge(database).args(["check"]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn a_backup_cut_off_by_kill_9_leaves_no_file_that_looks_complete() {
    let dir = std::env::temp_dir().join(format!("innogauge-backup-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("source.db");
    assert!(innogauge(&database).args(["demo", "--no-serve"]).stdout(Stdio::null()).status().unwrap().success());
    let earlier = dir.join("earlier.db");
    let timed = Instant::now();
    assert!(innogauge(&database).arg("backup").arg(&earlier).stdout(Stdio::null()).status().unwrap().success());
    let full_run = timed.elapsed();
    let earlier_hash = sha(&earlier);
    let mut cut = 0;
    for round in 0..12u32 {
        let file: PathBuf = dir.join(format!("cut-{round}.db"));
        let mut child = innogauge(&database).arg("backup").arg(&file).stdout(Stdio::null()).spawn().unwrap();
        std::thread::sleep(full_run.mul_f64(f64::from(round) / 10.0).min(Duration::from_secs(10)));
        let _ = child.kill();
        let _ = child.wait();
        if file.exists() {
            assert!(sound(&file), "round {round}: a backup named as complete is sound");
        } else {
            cut += 1;
        }
    }
    assert!(cut > 0, "some backups were cut off");
    assert_eq!(sha(&earlier), earlier_hash, "an earlier backup is untouched");
    assert!(sound(&earlier) && sound(&database), "the earlier backup and the database are sound");
    let _ = std::fs::remove_dir_all(&dir);
}
