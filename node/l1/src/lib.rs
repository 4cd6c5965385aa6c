#![doc = include_str!("../README.md")]

pub mod args;
pub mod client;
pub mod deploy;
pub mod deposits;
pub mod dev;

pub use args::L1Args;
pub use client::{L1Client, L1Error, L1Options, L1Snapshot};
pub use deposits::{Deposit, Deposits};
pub use dev::{DevL1, DevL1Error};
