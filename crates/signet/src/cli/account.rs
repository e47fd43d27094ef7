//! `signet account create --name NAME [--admin-email EMAIL]`: prints the new account's id, auth
//! token and private salt once, and with `--admin-email` its first admin's one-time password.
//! Only the token's SHA-256 and the password's Argon2id hash are stored, so this is the only
//! time either is shown.

use crate::config::Config;
use crate::service::users::{CreateAccount, create_account};
use crate::store::{Store, now_ms};

#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// Create an account; prints {"accountId", "authToken", "privateSalt"}, and with
    /// --admin-email also {"adminEmail", "adminPassword"}.
    Create {
        #[arg(long)]
        name: String,
        /// Also create the account's first dashboard admin, with a generated password.
        #[arg(long)]
        admin_email: Option<String>,
        #[command(flatten)]
        config: Config,
    },
}

/// The database `serve` uses, opened (and migrated) as `serve` opens it.
pub async fn open_store(config: &Config) -> Result<Store, String> {
    config.check()?;
    config.prepare_data_dir()?;
    Store::connect(&config.database_url())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// A service refusal as the command line reports it.
pub fn refused(e: crate::service::ServiceError) -> String {
    use crate::service::ServiceError as E;
    match e {
        E::Refused { message, .. }
        | E::NotFound { message, .. }
        | E::Conflict { message, .. }
        | E::Forbidden { message, .. } => message,
        E::Internal(cause) => cause,
    }
}

pub async fn run(cmd: AccountCommand) -> Result<(), String> {
    let AccountCommand::Create {
        name,
        admin_email,
        config,
    } = cmd;
    if name.trim().is_empty() || name.trim().chars().count() > 200 {
        return Err("--name: required, at most 200 characters".into());
    }
    let store = open_store(&config).await?;
    let created = create_account(&store, CreateAccount { name, admin_email }, now_ms())
        .await
        .map_err(|e| format!("cannot create the account: {}", refused(e)))?;
    let mut out = serde_json::json!({
        "accountId": created.account.id,
        "authToken": created.token,
        "privateSalt": created.account.private_salt,
    });
    if let Some((email, password)) = created.admin {
        out["adminEmail"] = email.into();
        out["adminPassword"] = password.into();
    }
    println!("{out}");
    Ok(())
}
