//! `prevoir serve`: the HTTP API and the web page.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Directory holding the trained models (`canteen/`, `leaks/`).
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
}

pub fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
