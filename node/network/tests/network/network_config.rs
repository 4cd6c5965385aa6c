//! `network-config`: registrations printed from key files, assembled into the file a
//! static network starts from; bad input is refused with the field named.

use std::{path::Path, process::Command};

use doppio_keys::{
    Scheme,
    keygen::{derive_keys, key_file_path, write_key_files},
};
use doppio_network::orchestrator::file;

fn network_config(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_network-config")).args(args).output().unwrap()
}

fn registration(dir: &Path, i: u64, port: u16, stake: &str) -> std::process::Output {
    let key_file = key_file_path(&dir.join("keys"), i);
    let address = format!("127.0.0.1:{port}");
    network_config(&[
        "registration",
        "--key-file",
        key_file.to_str().unwrap(),
        "--libp2p-advertise-address",
        &address,
        "--api-url",
        "http://127.0.0.1:24000/",
        "--stake",
        stake,
        "--is-da",
        if i == 0 { "true" } else { "false" },
    ])
}

#[test]
fn registrations_assemble_into_a_network_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<_> = (0..2).map(|i| derive_keys(&[5; 32], i, Scheme::All).unwrap()).collect();
    write_key_files(&dir.path().join("keys"), &keys, false).unwrap();
    let mut paths = Vec::new();
    for i in 0..2u64 {
        let out = registration(dir.path(), i, 4000 + i as u16, "7");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let path = dir.path().join(format!("reg{i}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        paths.push(path.to_str().unwrap().to_owned());
    }
    let config = dir.path().join("network.json");
    let out =
        network_config(&["assemble", &paths[0], &paths[1], "--out", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let list = file::read(&config).unwrap();
    assert_eq!(list.nodes.len(), 2);
    for (i, node) in list.nodes.iter().enumerate() {
        let r = &node.registration;
        assert_eq!(node.index, i);
        assert_eq!(r.staking_key, keys[i].staking.as_ref().unwrap().public_key());
        assert_eq!(r.state_key, keys[i].state.as_ref().unwrap().ver_key());
        assert_eq!(r.stake, 7);
        assert_eq!(r.da, i == 0);
        assert_eq!(
            r.libp2p_address.to_string(),
            format!("/ip4/127.0.0.1/udp/{}/quic-v1", 4000 + i)
        );
    }

    // The same node twice, a zero stake, a tampered registration: refused, named.
    let out = network_config(&["assemble", &paths[0], &paths[0], "--out", "/dev/null"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nodes[1].staking_key"));
    let out = registration(dir.path(), 0, 4000, "0");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--stake"));
    let text = std::fs::read_to_string(&paths[1]).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["state_key"] = list.nodes[0].registration.state_key.to_string().into();
    value["proof_of_possession"] =
        list.nodes[0].registration.proof_of_possession.to_string().into();
    std::fs::write(&paths[1], value.to_string()).unwrap();
    let out = network_config(&["assemble", &paths[0], &paths[1], "--out", "/dev/null"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("proof_of_possession") && err.contains("reg1.json"), "{err}");
}
