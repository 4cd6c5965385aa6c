#![doc = include_str!("../README.md")]

pub mod api;
pub mod api_peers;
pub mod cli;
pub mod demo;
pub mod dev_l1;
pub mod dev_node;
pub mod driver;
pub mod l1;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod run;
pub mod state;
pub mod state_signer;
pub mod validator;

pub use node::{Decided, Node, NodeConfig, NodeError};
