pub mod account;
pub mod verify;
