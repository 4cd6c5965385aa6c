#![doc = include_str!("../README.md")]
pub mod chain_config;
pub mod genesis;
pub mod units;
