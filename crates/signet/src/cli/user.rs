//! `signet user create --account ID --email EMAIL --role ROLE --password-stdin [--name NAME]`:
//! adds a dashboard user to an account. The password is read from standard input so that it
//! never appears in a process list or a shell history.

use std::io::Read;

use crate::config::Config;
use crate::domain::users::{MAX_PASSWORD_CHARS, Role};
use crate::service::users::{CreateUser, create_user};
use crate::store::now_ms;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create a user; prints {"userId", "accountId", "email", "role"}.
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        /// admin, sender or viewer.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (its first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Shown in the dashboard and the audit trail; the address's local part if absent.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        config: Config,
    },
}

pub async fn run(cmd: UserCommand) -> Result<(), String> {
    let UserCommand::Create {
        account,
        email,
        role,
        password_stdin: _,
        name,
        config,
    } = cmd;
    let role = Role::parse(&role)
        .ok_or_else(|| format!("--role: {role:?} is not one of admin, sender, viewer"))?;
    // One byte more than the longest password in four-byte characters tells a longer one.
    let mut input = String::new();
    std::io::stdin()
        .take((MAX_PASSWORD_CHARS * 4 + 2) as u64)
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = input.lines().next().unwrap_or_default().to_string();
    let store = super::account::open_store(&config).await?;
    let user = create_user(
        &store,
        CreateUser {
            account_id: account,
            email,
            name,
            role,
            password,
        },
        now_ms(),
    )
    .await
    .map_err(|e| format!("cannot create the user: {}", super::account::refused(e)))?;
    println!(
        "{}",
        serde_json::json!({"userId": user.id, "accountId": user.account_id, "email": user.email, "role": role.as_str()})
    );
    Ok(())
}
