//! The reference app: `bmauth serve` runs it, `bmauth migrate` prepares the
//! database. All the work is in the `bmauth` library.

use std::net::SocketAddr;
use std::path::PathBuf;

use bmauth::{BmAuth, Config};
use clap::{Parser, Subcommand};
use figment::providers::Serialized;
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

mod cli;

use cli::clients::ClientsCommand;
use cli::invites::InvitesCommand;
use cli::users::{AdminCommand, UsersCommand};

#[derive(Parser)]
#[command(name = "bmauth", version, about = "Passkey sign-in for Rust web apps")]
struct Cli {
    /// Configuration file (optional; environment BMAUTH_* and flags override it).
    #[arg(
        long,
        global = true,
        default_value = "bmauth.toml",
        env = "BMAUTH_CONFIG"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the app (migrates the database first).
    Serve(Overrides),
    /// Apply database migrations and exit.
    Migrate(Overrides),
    /// Check the configuration and print it (secrets hidden).
    CheckConfig(Overrides),
    /// The OpenID Connect provider's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The apps that sign people in through BMAuth (OpenID Connect clients).
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// The accounts: list, show, disable, enable, delete.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Invitations to sign up (for `signup = "invite"` or `"domains"`).
    #[command(subcommand)]
    Invites(InvitesCommand),
    /// Who administers BMAuth.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a consistent copy of the live SQLite database to PATH.
    Backup {
        /// A new file (never overwritten).
        path: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a signing key that signs from now on; the old ones stay in the JWKS
    /// until the tokens they signed have expired.
    Rotate(Overrides),
}

/// Flags that override the file and environment. Unset flags override nothing.
#[derive(clap::Args, Serialize, Default)]
pub struct Overrides {
    /// Address to listen on, e.g. 127.0.0.1:3000.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<SocketAddr>,
    /// The app's public URL (also the WebAuthn origin).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    /// sqlite://path or postgres://...
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Read before anything else, so that even configuration errors are logged so.
    let log_format = Config::sources(&cli.config)
        .extract_inner("log_format")
        .unwrap_or_default();
    init_logging(log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bmauth: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// How the log is written (`log_format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum LogFormat {
    /// Lines for people; coloured only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    // On stderr: stdout is what commands print (`--json` for scripts).
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => log.json().with_current_span(false).init(),
        // A file or a pipe gets no colour codes.
        LogFormat::Text => log.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

/// The binary's own keys, beside the library's in the same file and environment.
#[derive(Debug, Deserialize)]
struct ServeConfig {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    /// The built browser bundle and static files (`scripts/build-site` writes it).
    #[serde(default = "default_site_dir")]
    site_dir: PathBuf,
    /// Where to serve Prometheus metrics (`GET /metrics`); off when unset. Keep it
    /// on an address only your monitoring reaches, e.g. 127.0.0.1:9464.
    #[serde(default)]
    metrics_listen: Option<SocketAddr>,
    /// `text` (the default) or `json`.
    #[serde(default)]
    #[allow(dead_code)] // read by `main` before the rest, checked here with it
    log_format: LogFormat,
}

const SERVE_KEYS: &[&str] = &["listen", "site_dir", "metrics_listen", "log_format"];

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 3000))
}

fn default_site_dir() -> PathBuf {
    PathBuf::from("target/site")
}

/// The library's configuration and the binary's, from one set of sources.
fn load(
    file: &std::path::Path,
    flags: Overrides,
) -> Result<(Config, ServeConfig), Box<dyn std::error::Error>> {
    let sources = Config::sources(file).merge(Serialized::defaults(flags));
    let serve: ServeConfig = sources
        .extract()
        .map_err(|e| format!("could not read configuration: {e}"))?;
    Ok((Config::from_sources(&sources, SERVE_KEYS)?, serve))
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve(overrides) => {
            let (config, serve) = load(&cli.config, overrides)?;
            let public_url = config.public_url.clone();
            let bmauth = BmAuth::start(config).await?;
            let listener = tokio::net::TcpListener::bind(serve.listen).await?;
            tracing::info!(
                "BMAuth is serving on http://{} (public URL {public_url}, {} database)",
                listener.local_addr()?,
                bmauth.database_name()
            );
            if let Some(address) = serve.metrics_listen {
                let listener = tokio::net::TcpListener::bind(address).await?;
                tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
                let metrics = bmauth.metrics_router::<()>();
                tokio::spawn(async move {
                    if let Err(error) = axum::serve(listener, metrics).await {
                        tracing::error!(%error, "the metrics listener stopped");
                    }
                });
            }
            let app = bmauth
                .app(&serve.site_dir)
                .into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
        Command::Migrate(overrides) => {
            let (config, _) = load(&cli.config, overrides)?;
            let database = BmAuth::migrate(&config).await?;
            println!("migrations applied ({database})");
        }
        Command::CheckConfig(overrides) => {
            let (config, serve) = load(&cli.config, overrides)?;
            config.validate()?;
            println!("configuration is valid:\n{config:#?}\n{serve:#?}");
        }
        Command::Keys(KeysCommand::Rotate(overrides)) => {
            let bmauth = beside_serve(&cli.config, overrides).await?;
            let kid = bmauth.auth().rotate_signing_key().await?;
            println!("kid={kid}");
        }
        Command::Clients(command) => cli::clients::run(&cli.config, command).await?,
        Command::Users(command) => cli::users::run(&cli.config, command).await?,
        Command::Invites(command) => cli::invites::run(&cli.config, command).await?,
        Command::Admin(command) => cli::users::admin(&cli.config, command).await?,
        Command::Backup { path, overrides } => {
            let bmauth = beside_serve(&cli.config, overrides).await?;
            bmauth.backup(&path).await?;
            println!(
                "backed up to {}; keep the data folder's server-secret with it",
                path.display()
            );
        }
    }
    Ok(())
}

/// The library on the same configuration and database as `serve`, for a command
/// that may run while it does: no worker of its own.
pub async fn beside_serve(
    file: &std::path::Path,
    overrides: Overrides,
) -> Result<BmAuth, Box<dyn std::error::Error>> {
    let (config, _) = load(file, overrides)?;
    Ok(BmAuth::builder(config)
        .background_worker(false)
        .start()
        .await?)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}
