//! Deploying the L1 contracts: `FeeContract`, and `LightClient` with its genesis
//! light-client and stake-table states (`PlonkVerifier` is a Solidity library whose
//! code is inside `LightClient`'s bytecode, so it needs no deployment of its own).

use std::fmt;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use doppio_contracts::{
    bindings::{FeeContract, LightClient},
    encode::{EncodeError, stake_table_words, state_words},
};
use doppio_light_client::state::{LightClientState, StakeTableState};

/// Default ring size of `LightClient`'s history (each entry costs about 44,000 gas at
/// deployment).
pub const DEFAULT_HISTORY_ENTRIES: u64 = 64;

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The genesis state does not fit the contract's types.
    #[error("genesis state: {0}")]
    Encode(#[from] EncodeError),
    /// A deployment transaction failed.
    #[error("deploying {contract}: {source}")]
    Contract {
        /// Which contract.
        contract: &'static str,
        /// The error.
        source: alloy::contract::Error,
    },
    /// Reading the L1 failed.
    #[error("L1: {0}")]
    Transport(#[from] alloy::transports::TransportError),
}

/// What to deploy `LightClient` with.
#[derive(Clone, Copy, Debug)]
pub struct DeployConfig {
    /// The genesis light-client state.
    pub genesis: LightClientState,
    /// The stake table every update is checked against.
    pub stake_table: StakeTableState,
    /// Entries of the history ring.
    pub history_entries: u64,
    /// The only address allowed to post updates, or zero for anyone.
    pub permissioned_prover: Address,
}

/// Where the contracts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// `FeeContract`.
    pub fee_contract: Address,
    /// `LightClient`.
    pub light_client: Address,
    /// The L1 block number after both deployments.
    pub l1_block: u64,
}

impl fmt::Display for Deployment {
    /// As a `.env` file, the variables the node and the prover read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "ESPRESSO_SEQUENCER_FEE_CONTRACT_ADDRESS={}", self.fee_contract)?;
        writeln!(f, "ESPRESSO_SEQUENCER_LIGHT_CLIENT_ADDRESS={}", self.light_client)?;
        writeln!(f, "DOPPIO_DEPLOYED_AT_L1_BLOCK={}", self.l1_block)
    }
}

/// The contract's `LightClientState` for `state`.
pub fn sol_state(state: &LightClientState) -> Result<LightClient::LightClientState, EncodeError> {
    let (view, height, root) = state_words(state)?;
    Ok(LightClient::LightClientState { viewNum: view, blockHeight: height, blockCommRoot: root })
}

/// The contract's `StakeTableState` for `table`.
pub fn sol_stake_table(table: &StakeTableState) -> LightClient::StakeTableState {
    let [bls, schnorr, amount, threshold] = stake_table_words(table);
    LightClient::StakeTableState {
        blsKeyComm: bls,
        schnorrKeyComm: schnorr,
        amountComm: amount,
        threshold,
    }
}

/// Deploys `FeeContract` and `LightClient` from `provider`'s wallet, one after the other.
pub async fn deploy<P: Provider>(
    provider: &P,
    config: &DeployConfig,
) -> Result<Deployment, DeployError> {
    let genesis = sol_state(&config.genesis)?;
    let fee_contract = FeeContract::deploy_builder(provider)
        .deploy()
        .await
        .map_err(|source| DeployError::Contract { contract: "FeeContract", source })?;
    let light_client = LightClient::deploy_builder(
        provider,
        genesis,
        sol_stake_table(&config.stake_table),
        U256::from(config.history_entries),
        config.permissioned_prover,
    )
    .deploy()
    .await
    .map_err(|source| DeployError::Contract { contract: "LightClient", source })?;
    let l1_block = provider.get_block_number().await?;
    Ok(Deployment { fee_contract, light_client, l1_block })
}
