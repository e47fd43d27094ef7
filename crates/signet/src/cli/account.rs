//! `signet account create --name NAME`: prints the new account's id, auth token and private
//! salt once. Only the token's SHA-256 is stored, so this is the only time it is shown.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::store::{Account, Store, now_ms};

#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// Create an account; prints {"accountId", "authToken", "privateSalt"}.
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        config: Config,
    },
}

fn random_string(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub async fn run(cmd: AccountCommand) -> Result<(), String> {
    let AccountCommand::Create { name, config } = cmd;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err("--name: required, at most 200 characters".into());
    }
    config.check()?;
    config.prepare_data_dir()?;
    let store = Store::connect(&config.database_url())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    // 40 alphanumeric characters: about 238 bits, beyond any guessing.
    let token = random_string(40);
    let account = Account {
        id: ulid::Ulid::generate().to_string(),
        name: name.to_string(),
        token_hash: hex::encode(Sha256::digest(token.as_bytes())),
        private_salt: random_string(32),
        created_at: now_ms(),
    };
    store
        .insert_account(&account)
        .await
        .map_err(|e| format!("cannot create the account: {e}"))?;
    println!(
        "{}",
        serde_json::json!({"accountId": account.id, "authToken": token, "privateSalt": account.private_salt})
    );
    Ok(())
}
