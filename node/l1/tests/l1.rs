//! The L1 client against anvil on loopback: deposits read in bounded ranges through a
//! list of URLs whose first is dead, waiting for finality, following the head through
//! an outage. Needs anvil (scripts/foundry.sh); SKIPPED without it unless
//! `DOPPIO_REQUIRE_ANVIL=1`.

use std::time::Duration;

use alloy::{
    primitives::{Address, U256, utils::parse_ether},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};
use doppio_contracts::{bindings::FeeContract, keys::CONTRACT_CAPACITY};
use doppio_l1::{
    L1Client, L1Error, L1Options,
    deploy::{DeployConfig, deploy},
    dev::{ANVIL_FINALITY_DEPTH, DEV_KEYS, DevL1, anvil_for_tests},
};
use doppio_light_client::dev::{DevStakeTable, dev_state};

fn fast() -> L1Options {
    L1Options {
        events_max_block_range: 3,
        polling_interval: Duration::from_millis(50),
        retry_delay: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
    }
}

/// A loopback URL nothing listens on.
fn dead_url() -> Url {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}").parse().unwrap()
}

async fn start(what: &str) -> Option<DevL1> {
    let binary = anvil_for_tests(what)?;
    Some(DevL1::start_with(binary).await.expect("anvil starts"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposits_in_bounded_ranges_with_a_dead_url_first() -> anyhow::Result<()> {
    let Some(l1) = start("L1 deposits").await else { return Ok(()) };
    let signer: PrivateKeySigner = DEV_KEYS[0].parse()?;
    let wallet = ProviderBuilder::new().wallet(signer).connect_http(l1.url());
    let table = DevStakeTable::new(3, CONTRACT_CAPACITY, 5)?;
    let config = DeployConfig {
        genesis: dev_state(5, 0),
        stake_table: table.state(),
        history_entries: 4,
        permissioned_prover: Address::ZERO,
    };
    let deployment = deploy(&wallet, &config).await?;
    let fees = FeeContract::new(deployment.fee_contract, &wallet);
    let (alice, bob) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb0));
    let milli = parse_ether("0.001")?;
    let mut blocks = Vec::new();
    for (user, n) in [(alice, 2u64), (bob, 3), (alice, 5), (bob, 7)] {
        let receipt =
            fees.deposit(user).value(milli * U256::from(n)).send().await?.get_receipt().await?;
        blocks.push(receipt.block_number.expect("mined"));
        l1.mine(2).await?; // spread the deposits over more ranges
    }
    let head = wallet.get_block_number().await?;

    let client = L1Client::new(&[dead_url(), l1.url()], fast())?;
    let deposits = client.deposits(deployment.fee_contract, 0, head).await?;
    assert_eq!(deposits.requests, (head + 1).div_ceil(3), "one request per 3 blocks");
    assert_eq!(client.current_url(), &l1.url(), "moved to the live URL");
    assert_eq!(client.switches(), 1, "and stayed there");
    let got: Vec<_> = deposits.deposits.iter().map(|d| (d.l1_block, d.user, d.amount)).collect();
    let want: Vec<_> = blocks
        .iter()
        .zip([(alice, 2u64), (bob, 3), (alice, 5), (bob, 7)])
        .map(|(&b, (u, n))| (b, u, milli * U256::from(n)))
        .collect();
    assert_eq!(got, want);

    // A header moving its finalized L1 block past the first three deposits credits them.
    let credits = deposits.credits(0, blocks[2]);
    assert_eq!(credits[&alice], milli * U256::from(7));
    assert_eq!(credits[&bob], milli * U256::from(3));
    assert_eq!(deposits.credits(blocks[2], head)[&bob], milli * U256::from(7));
    assert!(!deposits.credits(blocks[2], head).contains_key(&alice));
    let fee = deployment.fee_contract;
    assert_eq!(client.fee_credits(fee, 0, blocks[2]).await?, credits);
    assert_eq!(client.fee_credits(fee, blocks[3], blocks[3]).await?.len(), 0, "no move, no credit");

    let err = client.deposits(deployment.fee_contract, 5, 4).await.expect_err("a reversed range");
    assert!(matches!(err, L1Error::BadRange { .. }), "{err}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_url_dead_is_a_typed_error_and_no_urls_is_refused() {
    assert!(matches!(L1Client::new(&[], fast()), Err(L1Error::NoProviders)));
    let client = L1Client::new(&[dead_url(), dead_url()], fast()).unwrap();
    let err = client.head().await.expect_err("nothing listens");
    assert!(matches!(err, L1Error::AllProvidersFailed { count: 2, .. }), "{err}");
    assert_eq!(client.failures(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_for_a_block_to_be_finalized() -> anyhow::Result<()> {
    let Some(l1) = start("L1 finality").await else { return Ok(()) };
    l1.mine(10).await?;
    let client = L1Client::new(&[l1.url()], fast())?;
    assert_eq!(client.finalized().await?.map(|b| b.number), Some(0));
    let target = 5;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.wait_for_finalized(target).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "block {target} is not final at head 10");
    l1.mine(ANVIL_FINALITY_DEPTH).await?;
    let block = tokio::time::timeout(Duration::from_secs(10), waiting).await??;
    let expected = client.block_info(target.into()).await?.expect("block 5 exists");
    assert_eq!(block, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_head_through_an_outage() -> anyhow::Result<()> {
    let Some(mut l1) = start("L1 follower").await else { return Ok(()) };
    let client = L1Client::new(&[l1.url()], fast())?;
    let mut follow = client.follow();
    l1.mine(100).await?;
    let seen = tokio::time::timeout(
        Duration::from_secs(10),
        follow.wait_for(|s| s.head == 100 && s.finalized.map(|f| f.number) == Some(36)),
    )
    .await?
    .is_ok();
    assert!(seen, "the follower saw head 100, finalized 36");

    let state = l1.pause().await?;
    tokio::time::sleep(Duration::from_millis(500)).await; // the follower fails and backs off
    assert!(client.failures() > 0, "requests failed while the L1 was down");
    l1.resume(state).await?;
    l1.mine(5).await?;
    let seen = tokio::time::timeout(Duration::from_secs(10), follow.wait_for(|s| s.head == 105))
        .await?
        .is_ok();
    assert!(seen, "the follower resumed after the outage");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_binary_writes_addresses_of_deployed_contracts() -> anyhow::Result<()> {
    let Some(l1) = start("deploy binary").await else { return Ok(()) };
    let dir = tempfile::tempdir()?;
    let (env, table) = (dir.path().join("deployment.env"), dir.path().join("stake-table.json"));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(["--l1-provider-url", l1.url().as_str(), "--dev-stake-table", "4"])
        .arg("--write-stake-table")
        .arg(&table)
        .arg("--out")
        .arg(&env)
        .env_remove("ESPRESSO_SEQUENCER_L1_PROVIDER")
        .status()?;
    assert!(status.success());
    let text = std::fs::read_to_string(&env)?;
    let address = |name: &str| -> Address {
        let line = text.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).unwrap();
        line.parse().unwrap()
    };
    let provider = l1.provider();
    for name in
        ["ESPRESSO_SEQUENCER_FEE_CONTRACT_ADDRESS", "ESPRESSO_SEQUENCER_LIGHT_CLIENT_ADDRESS"]
    {
        assert!(!provider.get_code_at(address(name)).await?.is_empty(), "{name} has code");
    }
    // The written table is the one LightClient holds.
    let table =
        doppio_light_client::table::StakeTable::from_json(&std::fs::read_to_string(&table)?)?;
    let lc = doppio_contracts::bindings::LightClient::new(
        address("ESPRESSO_SEQUENCER_LIGHT_CLIENT_ADDRESS"),
        &provider,
    );
    let stored = lc.stakeTableState().call().await?;
    assert_eq!(stored, doppio_l1::deploy::sol_stake_table(&table.state()));
    assert_eq!(table.entries().len(), 4);

    // A missing stake-table file fails, naming it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(["--l1-provider-url", l1.url().as_str(), "--stake-table", "/nonexistent.json"])
        .env("RUST_BACKTRACE", "0")
        .output()?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.json"));
    Ok(())
}
