//! Webhooks (API.md section 6): the version 2.5 body and its `mac`, the headers that let a
//! receiver authenticate the whole body, the address check, and the dispatcher that sends
//! deliveries from the outbox the store writes with each event.

pub mod address;
pub mod dispatcher;
pub mod payload;
pub mod signature;

#[cfg(test)]
mod tests;
