//! Tests of the consensus state machine: the wire format, single steps with Byzantine
//! inputs and restarts, and seeded simulations of whole networks. Real BLS keys and real
//! VID throughout.

mod codec;
mod fixture;
mod machine;
mod sim;
mod simulation;
