pub mod account;
pub mod dsc;
pub mod user;
pub mod verify;
