//! The L1 round trip: anvil (the npm `@foundry-rs/anvil` binary) on loopback, the
//! committed artifacts deployed with alloy, a real light-client proof from the prover
//! accepted, tampered ones rejected with their custom error decoded, and the stored state
//! read back; plus a FeeContract deposit and its event.
//!
//! Needs `DOPPIO_ANVIL` (scripts/foundry.sh prints it) or the binary that script installs
//! under `.tools/foundry`; without either the test prints SKIPPED, unless
//! `DOPPIO_REQUIRE_ANVIL=1` (scripts/test.sh sets it), where it fails.

use std::path::PathBuf;

use alloy::{
    node_bindings::Anvil,
    primitives::{Address, U256, utils::parse_ether},
    providers::{Provider, ProviderBuilder},
    sol_types::SolValue,
};
use doppio_accel::Accel;
use doppio_contracts::{
    bindings::{
        FeeContract,
        LightClient::{self, LightClientErrors},
        PlonkVerifier,
    },
    encode::{proof_words, stake_table_words, state_words},
    keys::{CONTRACT_CAPACITY, contract_keys},
};
use doppio_light_client::{
    circuit::verify_state_update,
    dev::{DevStakeTable, dev_state},
    state::LightClientState,
};
use doppio_plonk::{Proof, SOLIDITY_PROOF_WORDS};

const SEED: u64 = 21;

/// The anvil binary, or `None` after a SKIPPED line (a panic when required).
fn anvil_binary() -> Option<PathBuf> {
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/foundry/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    let path = std::env::var_os("DOPPIO_ANVIL").map(PathBuf::from).unwrap_or(installed);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("DOPPIO_REQUIRE_ANVIL").as_deref() == Ok("1") {
        panic!(
            "DOPPIO_REQUIRE_ANVIL=1 but no anvil at {} (run scripts/foundry.sh)",
            path.display()
        );
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: anvil round trip (no anvil at {}; run scripts/foundry.sh or set DOPPIO_ANVIL)",
        path.display()
    );
    None
}

fn sol_state(state: &LightClientState) -> LightClient::LightClientState {
    let (view, height, root) = state_words(state).expect("dev states fit");
    LightClient::LightClientState { viewNum: view, blockHeight: height, blockCommRoot: root }
}

fn sol_proof(proof: &Proof) -> PlonkVerifier::Proof {
    let words: [U256; SOLIDITY_PROOF_WORDS] =
        proof_words(proof).try_into().expect("the proof's word count");
    PlonkVerifier::Proof::abi_decode(&words.abi_encode()).expect("a static struct of 30 words")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_client_and_fee_contract_round_trip_on_anvil() -> anyhow::Result<()> {
    let Some(anvil_path) = anvil_binary() else { return Ok(()) };
    // Bounded: a stuck RPC fails the test instead of hanging CI.
    tokio::time::timeout(std::time::Duration::from_secs(600), round_trip(anvil_path)).await?
}

async fn round_trip(anvil_path: PathBuf) -> anyhow::Result<()> {
    let anvil = Anvil::new().path(anvil_path).try_spawn()?;
    let provider = ProviderBuilder::new()
        .wallet(alloy::signers::local::PrivateKeySigner::from(anvil.keys()[0].clone()))
        .connect_http(anvil.endpoint_url());

    let accel = Accel::cpu()?;
    let (pk, vk) = contract_keys(&accel)?;
    let table = DevStakeTable::new(CONTRACT_CAPACITY, CONTRACT_CAPACITY, SEED)?;
    let [bls, schnorr, amount, threshold] = stake_table_words(&table.state());
    let stake = LightClient::StakeTableState {
        blsKeyComm: bls,
        schnorrKeyComm: schnorr,
        amountComm: amount,
        threshold,
    };
    let genesis = sol_state(&dev_state(SEED, 0));
    let lc = LightClient::deploy(&provider, genesis.clone(), stake, U256::from(8), Address::ZERO)
        .await?;
    assert_eq!(lc.finalizedState().call().await?, genesis);

    let state = dev_state(SEED, 1);
    let proof = table.prove(&accel, &pk, &state, 1)?;
    verify_state_update(&vk, &state, &table.state(), &proof)?;

    // Tampered: another root for the same proof, and a proof with a changed evaluation.
    let mut wrong_root = sol_state(&state);
    wrong_root.blockCommRoot += U256::from(1);
    let mut wrong_eval = sol_proof(&proof);
    wrong_eval.zShiftEval += U256::from(1);
    for (s, p) in [(wrong_root, sol_proof(&proof)), (sol_state(&state), wrong_eval)] {
        let err = lc.newFinalizedState(s, p).call().await.expect_err("a tampered update");
        let decoded = err.as_decoded_interface_error::<LightClientErrors>();
        assert!(
            matches!(decoded, Some(LightClientErrors::InvalidProof(_))),
            "expected InvalidProof, got {err}"
        );
    }

    let receipt = lc
        .newFinalizedState(sol_state(&state), sol_proof(&proof))
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "the update succeeds");
    println!(
        "newFinalizedState transaction: {} gas (intrinsic and calldata included)",
        receipt.gas_used
    );
    let event = receipt.decoded_log::<LightClient::NewState>().expect("a NewState event");
    assert_eq!((event.viewNum, event.blockHeight), (10, 5));
    assert_eq!(lc.finalizedState().call().await?, sol_state(&state));
    let entry = lc.historyEntry(U256::from(1)).call().await?;
    assert_eq!(entry.l1BlockNumber, receipt.block_number.expect("mined"));
    assert_eq!(entry.blockCommRoot, sol_state(&state).blockCommRoot);

    // The same update again is outdated.
    let err = lc
        .newFinalizedState(sol_state(&state), sol_proof(&proof))
        .call()
        .await
        .expect_err("a replay");
    assert!(matches!(
        err.as_decoded_interface_error::<LightClientErrors>(),
        Some(LightClientErrors::OutdatedState(_))
    ));

    // FeeContract: a deposit emits Deposit and keeps the ether.
    let fees = FeeContract::deploy(&provider).await?;
    let user = Address::repeat_byte(0x42);
    let amount = parse_ether("0.01")?;
    let receipt = fees.deposit(user).value(amount).send().await?.get_receipt().await?;
    let deposit = receipt.decoded_log::<FeeContract::Deposit>().expect("a Deposit event");
    assert_eq!((deposit.user, deposit.amount), (user, amount));
    assert_eq!(provider.get_balance(*fees.address()).await?, amount);
    let err = fees.deposit(Address::ZERO).value(amount).call().await.expect_err("zero address");
    assert!(matches!(
        err.as_decoded_interface_error::<FeeContract::FeeContractErrors>(),
        Some(FeeContract::FeeContractErrors::InvalidUserAddress(_))
    ));
    Ok(())
}
