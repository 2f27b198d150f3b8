//! The `innogauge` binary. For now a command-line front to the model: `validate` checks
//! upload files exactly as the server will, `demo` reads the demo data and prints the
//! progress of every target. `serve`, `import`, `token`, `migrate` join as the server lands.

mod board;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use innogauge_model::wire::ReportWire;
use innogauge_model::{Catalog, Dataset, Lang, Period, UploadOptions, read_upload};

/// The demo data set (fixtures/sample/observations.csv), embedded so a fresh install shows data.
const DEMO_DATA: &[u8] = include_bytes!("../../fixtures/sample/observations.csv");

#[derive(Parser, Debug)]
#[command(name = "innogauge", version, about = "InnoGauge 科创目标仪表: Chongqing's sci-tech targets, tracked")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check upload files (CSV) exactly as the server will, and print each report.
    Validate {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Period of files that do not state one (2025Q3, 2025年1-9月…).
        #[arg(long)]
        period: Option<String>,
        /// Region codes the uploader may write (a district statistician's scope).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Print the report as JSON (the API's shape).
        #[arg(long)]
        json: bool,
        /// Language of the messages: zh or en.
        #[arg(long, default_value = "zh", env = "INNOGAUGE_LANG")]
        lang: String,
    },
    /// Read the demo data and print the progress of every target.
    Demo {
        /// Language: zh or en.
        #[arg(long, default_value = "zh", env = "INNOGAUGE_LANG")]
        lang: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let catalog = Catalog::builtin();
    match cli.command {
        Command::Validate { files, period, regions, json, lang } => {
            let options = UploadOptions {
                period: period.as_deref().map(Period::parse).transpose().map_err(|e| anyhow::anyhow!("{}", e.message))?,
                allowed_regions: (!regions.is_empty()).then(|| regions.into_iter().collect::<BTreeSet<_>>()),
                ..UploadOptions::default()
            };
            let lang = Lang::parse(&lang).unwrap_or_default();
            let mut all_valid = true;
            for file in files {
                let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let upload = read_upload(catalog, &bytes, &options);
                tracing::info!(file = %file.display(), observations = upload.report.observations, errors = upload.report.error_count(), "validated");
                all_valid &= !upload.report.has_errors();
                if json {
                    println!("{}", serde_json::to_string_pretty(&ReportWire::from(&upload.report))?);
                } else {
                    print!("{}", board::report_text(&file.display().to_string(), &upload.report, lang));
                }
            }
            Ok(if all_valid { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Demo { lang } => {
            let lang = Lang::parse(&lang).unwrap_or_default();
            let upload = read_upload(catalog, DEMO_DATA, &UploadOptions::default());
            let (observations, _) =
                upload.accepted().map_err(|r| anyhow::anyhow!("the embedded demo data is invalid: {:?}", r.problems.first()))?;
            tracing::info!(observations = observations.len(), "demo data loaded");
            let dataset = Dataset::from_observations(&observations);
            print!("{}", board::progress_board(catalog, &dataset, lang));
            Ok(ExitCode::SUCCESS)
        }
    }
}
