//! `bmauth users list|show|disable|enable|delete|send-recovery-link` and
//! `bmauth admin grant|revoke`.

use bmauth::auth::{Actor, Person, PersonDetails};
use clap::Subcommand;
use serde_json::json;

use super::{print_json, when};
use crate::{Overrides, beside_serve};

#[derive(Subcommand)]
pub enum UsersCommand {
    /// The accounts, by address (tab-separated: email, state, role, passkeys, last sign-in).
    List {
        /// Only addresses containing this.
        #[arg(long)]
        search: Option<String>,
        /// A JSON array instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// One account: its passkeys, sessions and recent activity.
    Show {
        /// Its email address.
        email: String,
        /// JSON instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Stop the account signing in: its sessions and app tokens end at once.
    Disable {
        /// Its email address.
        email: String,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Let a disabled account sign in again.
    Enable {
        /// Its email address.
        email: String,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Mail the account a one-time link (24 hours) that lets the device opening it
    /// make a passkey: for a person who lost every device. A link sent before stops
    /// working.
    SendRecoveryLink {
        /// Its email address.
        email: String,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Delete the account and everything of it; the address is free again.
    Delete {
        /// Its email address.
        email: String,
        /// Say yes: nothing deleted can be brought back.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Make the account an administrator.
    Grant {
        /// Its email address.
        email: String,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Take administration away from the account.
    Revoke {
        /// Its email address.
        email: String,
        #[command(flatten)]
        overrides: Overrides,
    },
}

fn person_json(person: &Person) -> serde_json::Value {
    json!({
        "id": person.id.as_str(),
        "email": person.email,
        "state": person.state,
        "admin": person.admin,
        "created_at": when(person.created_at),
        "passkeys": person.passkeys,
        "last_sign_in": person.last_sign_in.map(when),
    })
}

fn details_json(details: &PersonDetails) -> serde_json::Value {
    let mut value = person_json(&details.person);
    value["passkey_list"] = details
        .passkey_list
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "provider": p.provider,
                "synced": p.synced,
                "created_at": when(p.created_at),
                "last_used_at": p.last_used_at.map(when),
                "counter_went_back_at": p.counter_went_back_at.map(when),
            })
        })
        .collect();
    value["live_sessions"] = json!(details.live_sessions);
    value["activity"] = details
        .activity
        .iter()
        .map(|e| {
            json!({
                "kind": e.kind.as_str(),
                "at": when(e.at),
                "passkey": e.passkey_name,
                "device": e.device,
                "ip": e.ip,
            })
        })
        .collect();
    value
}

fn row(person: &Person) -> String {
    let state = serde_json::to_value(person.state).unwrap_or_default();
    format!(
        "{}\t{}\t{}\t{}\t{}",
        person.email,
        state.as_str().unwrap_or_default(),
        if person.admin { "admin" } else { "user" },
        person.passkeys,
        person.last_sign_in.map_or_else(|| "never".into(), when),
    )
}

pub async fn run(
    file: &std::path::Path,
    command: UsersCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    let actor = Actor::CommandLine;
    match command {
        UsersCommand::List {
            search,
            json,
            overrides,
        } => {
            let bmauth = beside_serve(file, overrides).await?;
            let people = bmauth
                .auth()
                .people(search.as_deref().unwrap_or_default())
                .await?;
            if json {
                print_json(&people.iter().map(person_json).collect::<Vec<_>>())?;
            } else {
                for person in &people {
                    println!("{}", row(person));
                }
            }
        }
        UsersCommand::Show {
            email,
            json,
            overrides,
        } => {
            let bmauth = beside_serve(file, overrides).await?;
            let details = bmauth.auth().person(&email).await?;
            if json {
                print_json(&details_json(&details))?;
            } else {
                println!("{}", row(&details.person));
                println!("id\t{}", details.person.id.as_str());
                println!("live sessions\t{}", details.live_sessions);
                for p in &details.passkey_list {
                    println!(
                        "passkey\t{}\tadded {}\tlast used {}",
                        p.name,
                        when(p.created_at),
                        p.last_used_at.map_or_else(|| "never".into(), when)
                    );
                }
                for e in &details.activity {
                    println!(
                        "event\t{}\t{}\t{}",
                        when(e.at),
                        e.kind.as_str(),
                        e.ip.as_deref().unwrap_or_default()
                    );
                }
            }
        }
        UsersCommand::Disable { email, overrides } => {
            let bmauth = beside_serve(file, overrides).await?;
            bmauth.auth().disable_person(&email, &actor).await?;
            println!("disabled {email}: its sessions and app tokens have ended");
        }
        UsersCommand::SendRecoveryLink { email, overrides } => {
            let bmauth = beside_serve(file, overrides).await?;
            bmauth.auth().send_recovery_link(&email, &actor).await?;
            println!("sent {email} a recovery link, good for 24 hours");
        }
        UsersCommand::Enable { email, overrides } => {
            let bmauth = beside_serve(file, overrides).await?;
            bmauth.auth().enable_person(&email, &actor).await?;
            println!("enabled {email}");
        }
        UsersCommand::Delete {
            email,
            yes,
            overrides,
        } => {
            if !yes {
                return Err(format!(
                    "this deletes {email} with their passkeys, sessions and activity, for good: add --yes to go ahead"
                )
                .into());
            }
            let bmauth = beside_serve(file, overrides).await?;
            bmauth.auth().delete_person(&email, &actor).await?;
            println!("deleted {email}");
        }
    }
    Ok(())
}

pub async fn admin(
    file: &std::path::Path,
    command: AdminCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    let (email, overrides, grant) = match command {
        AdminCommand::Grant { email, overrides } => (email, overrides, true),
        AdminCommand::Revoke { email, overrides } => (email, overrides, false),
    };
    let bmauth = beside_serve(file, overrides).await?;
    bmauth
        .auth()
        .set_admin(&email, grant, &Actor::CommandLine)
        .await?;
    if grant {
        println!("{email} is an administrator");
    } else {
        println!("{email} is no longer an administrator");
    }
    Ok(())
}
