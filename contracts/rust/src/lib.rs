#![doc = include_str!("../README.md")]

pub mod bindings;
pub mod diff;
pub mod encode;
pub mod keys;
