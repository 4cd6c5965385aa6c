//! The module command line: what parses, and what each mistake says.
#![allow(missing_docs)]

use doppio_sequencer::cli::{CliError, Command, parse};
use doppio_storage::StorageConfig;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

fn launch(line: &str) -> doppio_sequencer::cli::Launch {
    match parse(&args(line)).unwrap() {
        Command::Run(l) => *l,
        Command::Help(h) => panic!("unexpected help: {h}"),
    }
}

fn error(line: &str) -> String {
    parse(&args(line)).expect_err("an error").to_string()
}

#[test]
fn the_documented_command_lines_parse() {
    let l = launch(
        "--genesis-file g.toml -- http --port 8080 --max-connections 5 -- query -- storage-fs --path /tmp/x -- submit -- status -- catchup -- config",
    );
    assert_eq!(l.node.genesis_file.to_str(), Some("g.toml"));
    let http = l.http.unwrap();
    assert_eq!((http.port, http.max_connections), (8080, 5));
    assert!(
        matches!(&l.storage, StorageConfig::Sqlite { path } if path.to_str() == Some("/tmp/x"))
    );
    assert!(l.modules.query && l.modules.submit && l.modules.status && l.modules.catchup);
    assert!(l.modules.config);
    assert!(l.pruning.is_none(), "archival by default");

    let l = launch("-- storage-sql --uri postgres://u@h/db --prune --target-retention 2d");
    assert!(
        matches!(&l.storage, StorageConfig::Postgres(o) if o.uri.as_deref() == Some("postgres://u@h/db"))
    );
    let p = l.pruning.unwrap();
    assert_eq!(p.target_retention.as_secs(), 2 * 86_400);
    assert!(l.http.is_none());
    assert_eq!(
        launch("--block-interval 250ms -- storage-fs --path d").node.block_interval.as_millis(),
        250
    );
}

#[test]
fn mistakes_are_named() {
    assert!(error("-- http -- query").contains("module `query` needs a storage module"));
    assert!(
        error("-- submit -- storage-fs --path d")
            .contains("module `submit` needs the `http` module")
    );
    assert!(error("-- http -- http -- storage-fs --path d").contains("`http` is given twice"));
    assert!(error("-- storage-fs --path a -- storage-sql").contains("given twice"));
    assert!(error("-- http").contains("needs a storage module for decided blocks"));
    assert!(error("-- gossip -- storage-fs --path d").contains("unknown module `gossip`"));
    assert!(error("-- http --port notaport -- storage-fs --path d").contains("notaport"));
    assert!(error("-- query --verbose").contains("--verbose"));
    assert!(error("--block-interval 5 parsecs -- storage-fs --path d").contains("parsecs"));
    assert!(error("--block-interval 3fortnights -- storage-fs --path d").contains("unknown unit"));
    assert!(matches!(parse(&args("-- help")), Err(CliError::Help)));
}

#[test]
fn help_for_each_module() {
    for (module, needle) in [
        ("http", "--port"),
        ("storage-fs", "--path"),
        ("storage-sql", "--uri"),
        ("query", "needs `http`"),
    ] {
        match parse(&args(&format!("-- help {module}"))).unwrap() {
            Command::Help(text) => assert!(text.contains(needle), "{module}: {text}"),
            Command::Run(_) => panic!("help expected"),
        }
    }
    assert!(matches!(parse(&args("-- help nonsense")), Err(CliError::Help)));
}

#[test]
fn network_options_parse() {
    let l = launch(
        "--orchestrator-url http://127.0.0.1:8080 --libp2p-bind-address 0.0.0.0:1769 \
         --libp2p-advertise-address 10.0.0.1:1769 --fetch-rate-limit 7 --stake 3 --is-da false \
         -- storage-fs --path /tmp/x",
    );
    let c = l.cluster.unwrap();
    assert_eq!(c.network.orchestrator_url.unwrap().as_str(), "http://127.0.0.1:8080/");
    assert_eq!(c.network.libp2p_advertise_address.unwrap().to_string(), "10.0.0.1:1769");
    assert_eq!((c.fetch_rate_limit, c.stake, c.is_da), (7, 3, false));
    // TCP bootstrap addresses are refused with the flag named.
    let e = error("--libp2p-bootstrap-nodes /ip4/1.2.3.4/tcp/1 -- storage-fs --path /tmp/x");
    assert!(e.contains("libp2p-bootstrap-nodes"), "{e}");
}

#[test]
fn l1_options_parse() {
    let l = launch("-- storage-fs --path d");
    assert!(l.node.l1.l1_provider_url.is_empty(), "no L1 unless asked for");
    assert!(l.node.l1.client().unwrap().is_none());
    assert!(l.node.fee_contract_address.is_none());

    let l = launch(
        "--l1-provider-url http://127.0.0.1:8545,http://10.0.0.2:8545 \
         --l1-events-max-block-range 500 --l1-polling-interval 250ms \
         --fee-contract-address 0x5fbdb2315678afecb367f032d93f642f64180aa3 \
         -- storage-fs --path d",
    );
    let urls: Vec<String> = l.node.l1.l1_provider_url.iter().map(|u| u.to_string()).collect();
    assert_eq!(urls, ["http://127.0.0.1:8545/", "http://10.0.0.2:8545/"]);
    assert_eq!(l.node.l1.l1_events_max_block_range, 500);
    assert_eq!(l.node.l1.l1_polling_interval.as_millis(), 250);
    let contract = l.node.fee_contract_address.unwrap().to_string().to_lowercase();
    assert_eq!(contract, "0x5fbdb2315678afecb367f032d93f642f64180aa3");

    assert!(error("--l1-provider-url not-a-url -- storage-fs --path d").contains("not-a-url"));
    assert!(error("--fee-contract-address 0x12 -- storage-fs --path d").contains("0x12"));
    let zero_range =
        launch("--l1-provider-url http://a:1 --l1-events-max-block-range 0 -- storage-fs --path d");
    let err = zero_range.node.l1.client().unwrap_err().to_string();
    assert!(err.contains("--l1-events-max-block-range"), "{err}");
}
