//! Fee deposits from the L1, on anvil on loopback: five in-process nodes follow it, wait
//! for their genesis L1 block to be finalized, credit a `FeeContract` deposit once a
//! header's finalized L1 block passes it, and charge the credited builder for its
//! blocks; the chain keeps deciding through an L1 outage, and a restarted node reads
//! the deposits again and agrees on the credits. Needs anvil (scripts/foundry.sh); SKIPPED without it unless
//! `DOPPIO_REQUIRE_ANVIL=1`.
#![allow(missing_docs)]

mod common;

use std::{path::Path, time::Duration};

use alloy::{
    primitives::{Address, U256, utils::parse_ether},
    providers::ProviderBuilder,
    signers::local::PrivateKeySigner,
};
use common::{
    launch,
    net::{N, Net, driver_config, get, height, same_chain, wait_all, wait_decided},
    node_args, write_genesis,
};
use doppio_contracts::{bindings::FeeContract, keys::CONTRACT_CAPACITY};
use doppio_l1::{
    deploy::{DeployConfig, Deployment, deploy},
    dev::{ANVIL_FINALITY_DEPTH, DEV_KEYS, DevL1, anvil_for_tests},
};
use doppio_light_client::dev::{DevStakeTable, dev_state};
use doppio_sequencer::cli::Launch;
use doppio_types::{FeeProof, Header, NamespaceId, Transaction};
use futures_util::future::join_all;
use serde::Deserialize;

/// 1 wei per byte, no funded accounts: the builder has only what it deposits on the L1.
const GENESIS: &str = r#"
[chain_config]
chain_id = 35353
base_fee = '1 wei'
max_block_size = '10kb'
fee_recipient = '0x0000000000000000000000000000000000000fee'

[header]
timestamp = "2024-06-01T00:00:00Z"

[l1_finalized]
number = L1_BLOCK

[stake_table]
capacity = 10
"#;

#[derive(Deserialize)]
struct Account {
    balance: U256,
    proof: FeeProof,
}

async fn header(client: &reqwest::Client, url: &str, h: u64) -> Header {
    let v = get(client, &format!("{url}/v0/availability/header/{h}")).await.expect("a header");
    serde_json::from_value(v).expect("a header")
}

/// An account's balance after block `h`, its proof checked against header `h`'s root.
async fn balance(client: &reqwest::Client, url: &str, h: u64, account: Address) -> U256 {
    let v = get(client, &format!("{url}/v0/catchup/{h}/account/{account}")).await;
    let a: Account = serde_json::from_value(v.expect("an account")).expect("an account");
    let root = header(client, url, h).await.fee_merkle_tree_root;
    assert!(a.proof.verify(&root.0), "proof of {account} at height {h}");
    a.balance
}

const BUILDER: Address = Address::repeat_byte(0xb1);
const OTHER: Address = Address::repeat_byte(0xc2);

/// Deploys the contracts from anvil's first dev account.
async fn deploy_contracts(l1: &DevL1) -> anyhow::Result<Deployment> {
    let signer: PrivateKeySigner = DEV_KEYS[0].parse()?;
    let wallet = ProviderBuilder::new().wallet(signer).connect_http(l1.url());
    let config = DeployConfig {
        genesis: dev_state(5, 0),
        stake_table: DevStakeTable::new(3, CONTRACT_CAPACITY, 5)?.state(),
        history_entries: 4,
        permissioned_prover: Address::ZERO,
    };
    Ok(deploy(&wallet, &config).await?)
}

/// Deposits `milli` thousandths of an ether for `user`; returns the L1 block.
async fn deposit(l1: &DevL1, d: &Deployment, user: Address, milli: u64) -> anyhow::Result<u64> {
    let signer: PrivateKeySigner = DEV_KEYS[0].parse()?;
    let wallet = ProviderBuilder::new().wallet(signer).connect_http(l1.url());
    let fees = FeeContract::new(d.fee_contract, &wallet);
    let value = parse_ether("0.001")? * U256::from(milli);
    let receipt = fees.deposit(user).value(value).send().await?.get_receipt().await?;
    Ok(receipt.block_number.expect("mined"))
}

/// Launches of the five members in `dir`, following `l1`, building for [`BUILDER`].
fn launches(dir: &Path, l1: &DevL1, d: &Deployment, genesis_l1_block: u64) -> Vec<Launch> {
    let genesis_text = GENESIS.replace("L1_BLOCK", &genesis_l1_block.to_string());
    let genesis = write_genesis(dir, &genesis_text);
    (0..N)
        .map(|i| {
            let mut args = node_args(&genesis);
            args.builder_account = Some(BUILDER);
            args.fee_contract_address = Some(d.fee_contract);
            args.l1.l1_provider_url = vec![l1.url()];
            args.l1.l1_polling_interval = Duration::from_millis(100);
            args.l1.l1_retry_delay = Duration::from_millis(50);
            args.l1.l1_events_max_block_range = 2;
            launch(&dir.join(format!("node{i}")), args)
        })
        .collect()
}

/// The first height from `from` whose header's finalized L1 block is at least `block`.
async fn first_passing(client: &reqwest::Client, url: &str, from: u64, block: u64) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut h = from;
    loop {
        wait_all(client, &[url.to_owned()], h + 1).await;
        if header(client, url, h).await.l1_finalized.is_some_and(|b| b.number >= block) {
            return h;
        }
        assert!(tokio::time::Instant::now() < deadline, "no header passed L1 block {block}");
        h += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deposits_fund_the_builder_whose_blocks_then_pay_fees() -> anyhow::Result<()> {
    let Some(anvil) = anvil_for_tests("L1 fee deposits") else { return Ok(()) };
    let l1 = DevL1::start_with(anvil).await?;
    let deployment = deploy_contracts(&l1).await?;
    let (builder, other) = (BUILDER, OTHER);
    let milli = parse_ether("0.001")?;
    let mut deposit_blocks = Vec::new();
    for (user, n) in [(builder, 2u64), (other, 3), (builder, 5)] {
        deposit_blocks.push(deposit(&l1, &deployment, user, n).await?);
    }
    let deposited = milli * U256::from(7);

    // The genesis L1 block is the deployment's, before the deposits; anvil finalizes a
    // block 64 blocks later, so the nodes wait for it.
    let dir = tempfile::tempdir()?;
    let net = Net::new();
    let launches = launches(dir.path(), &l1, &deployment, deployment.l1_block);
    let starting =
        join_all(launches.iter().enumerate().map(|(i, l)| net.start_launch(l, i, driver_config())));
    tokio::pin!(starting);
    tokio::select! {
        _ = &mut starting => panic!("nodes started before their genesis L1 block was final"),
        _ = tokio::time::sleep(Duration::from_millis(1500)) => {}
    }
    l1.mine(ANVIL_FINALITY_DEPTH + 6).await?;
    let nodes = tokio::time::timeout(Duration::from_secs(60), starting).await?;
    let urls: Vec<String> = nodes.iter().map(|(_, url)| url.clone()).collect();
    let client = reqwest::Client::new();

    // The genesis header holds the L1's block at the deployment.
    wait_all(&client, &urls, 1).await;
    let genesis_header = header(&client, &urls[0], 0).await;
    let genesis_l1 = genesis_header.l1_finalized.expect("the genesis L1 block");
    assert_eq!(genesis_l1.number, deployment.l1_block);

    // The first header whose finalized L1 block passes the deposits credits them.
    let last_deposit = *deposit_blocks.last().unwrap();
    let credited_at = first_passing(&client, &urls[0], 1, last_deposit).await;
    assert_eq!(balance(&client, &urls[0], credited_at - 1, other).await, U256::ZERO);
    assert_eq!(balance(&client, &urls[0], credited_at, other).await, milli * U256::from(3));
    let first = header(&client, &urls[0], credited_at).await;
    let after_credit = balance(&client, &urls[0], credited_at, builder).await;
    assert_eq!(after_credit, deposited - first.fee_info.amount.0, "credited, then charged");

    // Transactions to every node: their blocks are charged to the builder.
    let mut hashes = Vec::new();
    for i in 0..10u32 {
        let tx = Transaction::new(NamespaceId(7), vec![i as u8; 200]);
        let url = &urls[i as usize % N];
        let r = client.post(format!("{url}/v0/submit/submit")).json(&tx).send().await?;
        assert!(r.status().is_success(), "submit to {url}: {}", r.status());
        hashes.push(tx.commit().to_string());
    }
    let mut top = credited_at;
    for hash in &hashes {
        top = top.max(wait_decided(&client, &urls, hash).await.0);
    }
    wait_all(&client, &urls, top + 1).await;
    same_chain(&client, &urls, top + 1).await;

    // Every block after the credit charges exactly its fee; the fee recipient gets them.
    let recipient = first.chain_config.fee_recipient;
    let mut paid = first.fee_info.amount.0;
    let mut previous = after_credit;
    for h in credited_at + 1..=top {
        let header = header(&client, &urls[0], h).await;
        assert_eq!(header.fee_info.account, builder);
        let now = balance(&client, &urls[0], h, builder).await;
        assert_eq!(now, previous - header.fee_info.amount.0, "fee of block {h}");
        (previous, paid) = (now, paid + header.fee_info.amount.0);
    }
    assert!(paid >= U256::from(10 * 200), "the ten transactions' bytes were paid for: {paid}");
    assert_eq!(previous, deposited - paid);
    assert_eq!(balance(&client, &urls[0], top, recipient).await, paid);

    // A second deposit, while blocks flow, is credited on top of what is left.
    let second = deposit(&l1, &deployment, builder, 4).await?;
    l1.mine(ANVIL_FINALITY_DEPTH + 1).await?;
    let at = first_passing(&client, &urls[0], top + 1, second).await;
    let before = balance(&client, &urls[0], at - 1, builder).await;
    let fee = header(&client, &urls[0], at).await.fee_info.amount.0;
    let after = balance(&client, &urls[0], at, builder).await;
    assert_eq!(after, before + milli * U256::from(4) - fee, "second deposit at height {at}");
    wait_all(&client, &urls, at + 1).await;
    same_chain(&client, &urls, at + 1).await;
    let top = at;

    // l1_finalized never goes back, and is never past the head.
    let mut last = genesis_l1.number;
    for h in 1..=top {
        let header = header(&client, &urls[0], h).await;
        let number = header.l1_finalized.expect("every header has one").number;
        assert!(number >= last && number <= header.l1_head, "height {h}: {number}");
        last = number;
    }
    eprintln!(
        "deposits in L1 blocks {deposit_blocks:?} credited at height {credited_at}; \
         heights {credited_at}..={top} paid {paid} wei; l1_finalized reached {last}"
    );
    for (running, _) in nodes {
        running.stop().await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_chain_rides_out_an_l1_outage_and_a_restarted_node_recomputes_credits()
-> anyhow::Result<()> {
    let Some(anvil) = anvil_for_tests("L1 outage and restart") else { return Ok(()) };
    let mut l1 = DevL1::start_with(anvil).await?;
    let deployment = deploy_contracts(&l1).await?;
    let first = deposit(&l1, &deployment, BUILDER, 5).await?;
    l1.mine(ANVIL_FINALITY_DEPTH).await?;
    let dir = tempfile::tempdir()?;
    let net = Net::new();
    let launches = launches(dir.path(), &l1, &deployment, deployment.l1_block);
    let starting =
        join_all(launches.iter().enumerate().map(|(i, l)| net.start_launch(l, i, driver_config())));
    let mut nodes: Vec<_> = tokio::time::timeout(Duration::from_secs(60), starting)
        .await?
        .into_iter()
        .map(Some)
        .collect();
    let mut urls: Vec<String> = nodes.iter().map(|n| n.as_ref().unwrap().1.clone()).collect();
    let client = reqwest::Client::new();
    let credited = first_passing(&client, &urls[0], 1, first).await;
    assert!(balance(&client, &urls[0], credited, BUILDER).await > U256::ZERO);

    // The L1 goes down: blocks are still decided, their L1 references stay put.
    let state = l1.pause().await?;
    let down_at = height(&client, &urls[0]).await;
    wait_all(&client, &urls, down_at + 5).await;
    let before = header(&client, &urls[0], down_at - 1).await;
    let during = header(&client, &urls[0], down_at + 4).await;
    assert_eq!(during.l1_finalized, before.l1_finalized, "no new finalized block while down");

    // Node 4 stops; the L1 comes back with a deposit for another account; node 4
    // restarts, reads the deposits again and agrees on the credit.
    let (stopped, _) = nodes[4].take().unwrap();
    stopped.stop().await;
    l1.resume(state).await?;
    let second = deposit(&l1, &deployment, OTHER, 3).await?;
    l1.mine(ANVIL_FINALITY_DEPTH).await?;
    let at = first_passing(&client, &urls[0], down_at, second).await;
    assert_eq!(balance(&client, &urls[0], at - 1, OTHER).await, U256::ZERO);
    assert_eq!(balance(&client, &urls[0], at, OTHER).await, parse_ether("0.003")?);
    nodes[4] = Some(net.start_launch(&launches[4], 4, driver_config()).await);
    urls[4] = nodes[4].as_ref().unwrap().1.clone();
    wait_all(&client, &urls, at + 3).await;
    same_chain(&client, &urls, at + 3).await;
    assert_eq!(balance(&client, &urls[4], at, OTHER).await, parse_ether("0.003")?);
    for (running, _) in nodes.into_iter().flatten() {
        running.stop().await;
    }
    Ok(())
}
