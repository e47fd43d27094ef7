pub mod account;
pub mod user;
pub mod verify;
