//! A throwaway PostgreSQL server for the test suites, from Debian's `postgresql` package (no
//! Docker): `initdb` into a fresh directory under `target/`, start it on a free loopback port
//! with its socket in that directory, and stop and delete it when the guard is dropped.
//! `initdb` refuses to run as root, so as root it runs as the `postgres` user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A running throwaway server; stopped and removed on drop.
pub struct TestPostgres {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    /// `postgres://app@127.0.0.1:PORT/postgres`
    pub url: String,
}

fn bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|p| p.join("initdb").exists()).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().context("PostgreSQL is not installed: the PostgreSQL suites need it (Debian: apt-get install postgresql)")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl TestPostgres {
    /// Starts a server in `root/target/pg-test-<pid>`, without fsync (tests need no durability).
    pub fn start(root: &Path) -> Result<TestPostgres> {
        TestPostgres::start_with(root, false)
    }

    /// Starts a server with fsync on, as production runs it (for the benchmarks).
    pub fn start_durable(root: &Path) -> Result<TestPostgres> {
        TestPostgres::start_with(root, true)
    }

    fn start_with(root: &Path, durable: bool) -> Result<TestPostgres> {
        let bin = bin_dir()?;
        let dir = root.join(format!("target/pg-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status()?;
            if !status.success() {
                bail!("chown of {} to postgres failed", dir.display());
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let server = TestPostgres { bin, dir: dir.clone(), as_postgres, url: format!("postgres://app@127.0.0.1:{port}/postgres") };
        let data = dir.join("data");
        server.pg(
            "initdb",
            &["-D", &data.display().to_string(), "-U", "app", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        )?;
        let fsync = if durable { "on" } else { "off" };
        let options = format!("-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync={fsync} -c max_connections=200", dir.display());
        server.pg(
            "pg_ctl",
            &["-w", "-D", &data.display().to_string(), "-o", &options, "-l", &dir.join("log").display().to_string(), "start"],
        )?;
        println!("throwaway PostgreSQL at {}", server.url);
        Ok(server)
    }

    /// The text `psql` prints for one query (unaligned, tuples only).
    pub fn psql(&self, sql: &str) -> Result<String> {
        let output =
            Command::new(self.bin.join("psql")).args(["-X", "-At", "-d", &self.url, "-c", sql]).output().context("starting psql")?;
        if !output.status.success() {
            bail!("psql failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// The URL of another database on this server.
    pub fn url_of(&self, database: &str) -> String {
        match self.url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{database}"),
            None => self.url.clone(),
        }
    }

    /// A program of the server's PostgreSQL version (`psql`).
    pub fn program(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }

    /// [`TestPostgres::psql`] in another database of this server.
    pub fn psql_in(&self, database: &str, sql: &str) -> Result<String> {
        let output = Command::new(self.bin.join("psql"))
            .args(["-X", "-At", "-d", &self.url_of(database), "-c", sql])
            .output()
            .context("starting psql")?;
        if !output.status.success() {
            bail!("psql failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<()> {
        let program = self.bin.join(tool);
        let output = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(&program).args(args).current_dir(&self.dir).output()
        } else {
            Command::new(&program).args(args).current_dir(&self.dir).output()
        }
        .with_context(|| format!("starting {}", program.display()))?;
        if !output.status.success() {
            bail!("{tool} failed: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        }
        Ok(())
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        if let Err(e) = self.pg("pg_ctl", &["-w", "-D", &data, "-m", "fast", "stop"]) {
            println!("stopping the throwaway PostgreSQL: {e:#}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
