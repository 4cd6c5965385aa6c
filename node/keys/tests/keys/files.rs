//! keygen, key files, KeyArgs, pub-key.

use std::{os::unix::fs::PermissionsExt, path::Path};

use clap::Parser;
use doppio_keys::{
    BlsSecretKey, KeyArgs, KeyFileError, KeygenError, Scheme, SchnorrSigningKey,
    cli::{KeygenCli, PubKeyCli},
    key_file::{parse_key_file, vars},
    keygen, peer,
};

const SEED: &str = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn keygen_in(dir: &Path, extra: &[&str]) -> Result<String, KeygenError> {
    let mut args = vec!["keygen", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let cli = KeygenCli::try_parse_from(args).expect("valid arguments");
    let mut out = Vec::new();
    cli.run(&mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn keygen_is_deterministic_for_a_seed_and_writes_owner_only_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let out_a = keygen_in(a.path(), &["--seed", SEED, "-n", "3"]).unwrap();
    let out_b = keygen_in(b.path(), &["--seed", SEED, "-n", "3"]).unwrap();
    assert_eq!(
        out_a.replace(a.path().to_str().unwrap(), ""),
        out_b.replace(b.path().to_str().unwrap(), "")
    );
    let texts: Vec<String> = (0..3)
        .map(|i| std::fs::read_to_string(a.path().join(format!("{i}.env"))).unwrap())
        .collect();
    for (i, text) in texts.iter().enumerate() {
        let path = a.path().join(format!("{i}.env"));
        assert_eq!(&std::fs::read_to_string(b.path().join(format!("{i}.env"))).unwrap(), text);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        for name in [
            vars::PUBLIC_STAKING_KEY,
            vars::PRIVATE_STAKING_KEY,
            vars::PUBLIC_STATE_KEY,
            vars::PRIVATE_STATE_KEY,
        ] {
            assert!(text.contains(&format!("{name}=")), "{name} in {text}");
        }
        // The public keys printed are the file's.
        let keys = parse_key_file(text, &path).unwrap();
        assert!(out_a.contains(&keys.staking.public_key().to_string()));
        assert!(out_a.contains(&keys.state.ver_key().to_string()));
        assert!(!out_a.contains(&keys.staking.to_string()), "no private key on stdout");
    }
    assert_ne!(texts[0], texts[1], "per-index derivation");
    let other = tempfile::tempdir().unwrap();
    keygen_in(other.path(), &["--seed", &SEED.replace("1f", "20"), "-n", "1"]).unwrap();
    assert_ne!(std::fs::read_to_string(other.path().join("0.env")).unwrap(), texts[0]);
}

#[test]
fn keygen_without_seed_is_random() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    keygen_in(a.path(), &[]).unwrap();
    keygen_in(b.path(), &[]).unwrap();
    let read = |d: &Path| std::fs::read_to_string(d.join("0.env")).unwrap();
    assert_ne!(read(a.path()), read(b.path()));
}

#[test]
fn keygen_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    keygen_in(dir.path(), &["--seed", SEED, "-n", "2"]).unwrap();
    let before = std::fs::read_to_string(dir.path().join("1.env")).unwrap();
    // Asking for three files: 0 and 1 exist, so nothing is written, not even 2.env.
    let err = keygen_in(dir.path(), &["-n", "3"]).unwrap_err();
    assert!(matches!(&err, KeygenError::Exists { path } if path.ends_with("0.env")), "{err}");
    assert!(!dir.path().join("2.env").exists());
    assert_eq!(std::fs::read_to_string(dir.path().join("1.env")).unwrap(), before);
    // With --overwrite the files are replaced, and a loosened mode is tightened again.
    std::fs::set_permissions(dir.path().join("1.env"), std::fs::Permissions::from_mode(0o644))
        .unwrap();
    keygen_in(dir.path(), &["-n", "2", "--overwrite"]).unwrap();
    assert_ne!(std::fs::read_to_string(dir.path().join("1.env")).unwrap(), before);
    let mode = std::fs::metadata(dir.path().join("1.env")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn keygen_schemes_and_bad_seed() {
    let dir = tempfile::tempdir().unwrap();
    keygen_in(dir.path(), &["--scheme", "bls"]).unwrap();
    let text = std::fs::read_to_string(dir.path().join("0.env")).unwrap();
    assert!(text.contains(vars::PRIVATE_STAKING_KEY) && !text.contains("STATE_KEY"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    keygen_in(dir.path(), &["--scheme", "schnorr"]).unwrap();
    let text = std::fs::read_to_string(dir.path().join("0.env")).unwrap();
    assert!(text.contains(vars::PRIVATE_STATE_KEY) && !text.contains("STAKING_KEY"), "{text}");
    assert!(matches!(keygen::parse_seed("abcd"), Err(KeygenError::BadSeed { len: 4 })));
    assert!(KeygenCli::try_parse_from(["keygen", "-o", "x", "--seed", "zz"]).is_err());
    // The same index gives the same keys whatever the scheme.
    let seed = keygen::parse_seed(SEED).unwrap();
    let all = keygen::derive_keys(&seed, 4, Scheme::All).unwrap();
    let bls = keygen::derive_keys(&seed, 4, Scheme::Bls).unwrap();
    assert_eq!(all.staking, bls.staking);
    assert!(bls.state.is_none());
}

fn sample_file() -> String {
    let seed = keygen::parse_seed(SEED).unwrap();
    keygen::env_text(&keygen::derive_keys(&seed, 0, Scheme::All).unwrap())
}

#[test]
fn key_file_parse_errors_name_the_file_and_line() {
    let path = Path::new("/keys/0.env");
    let good = sample_file();
    let keys = parse_key_file(&good, path).unwrap();

    let garbage = format!("# comment\n\n{good}not a pair\n");
    let err = parse_key_file(&garbage, path).unwrap_err();
    assert!(matches!(err, KeyFileError::Syntax { line: 7, .. }), "{err}");
    assert!(err.to_string().starts_with("/keys/0.env:7:"), "{err}");

    let lines: Vec<&str> = good.lines().collect();
    let partial = format!("{}\n{}\n", lines[0], lines[1]);
    let err = parse_key_file(&partial, path).unwrap_err();
    assert!(matches!(err, KeyFileError::Missing { name: vars::PRIVATE_STATE_KEY, .. }), "{err}");
    assert!(err.to_string().contains("/keys/0.env"), "{err}");

    let corrupt = good.replacen("BLS_SIGNING_KEY~", "BLS_SIGNING_KEY~x", 1);
    let err = parse_key_file(&corrupt, path).unwrap_err();
    assert!(matches!(err, KeyFileError::StakingKey { .. }), "{err}");
    assert!(err.to_string().starts_with("/keys/0.env:2:"), "{err}");

    let other = BlsSecretKey::from_ikm(&[3; 32]).public_key().to_string();
    let mismatched = good.replace(&keys.staking.public_key().to_string(), &other);
    let err = parse_key_file(&mismatched, path).unwrap_err();
    assert!(matches!(err, KeyFileError::PublicKeyMismatch { line: 1, .. }), "{err}");

    let repeated = format!("{good}{}\n", lines[3]);
    let err = parse_key_file(&repeated, path).unwrap_err();
    assert!(matches!(err, KeyFileError::Repeated { line: 5, first: 4, .. }), "{err}");

    // Comments, export, quotes and unrelated variables are fine.
    let relaxed = format!(
        "# keys\nexport {}\nOTHER=1\n{}=\"{}\"\n",
        lines[1],
        vars::PRIVATE_STATE_KEY,
        keys.state
    );
    assert_eq!(parse_key_file(&relaxed, path).unwrap(), keys);
}

#[derive(Parser)]
struct Node {
    #[command(flatten)]
    keys: KeyArgs,
}

#[test]
fn key_args_load_from_file_or_options() {
    let dir = tempfile::tempdir().unwrap();
    keygen_in(dir.path(), &["--seed", SEED]).unwrap();
    let file = dir.path().join("0.env");
    let from_file = Node::try_parse_from(["node", "--key-file", file.to_str().unwrap()])
        .unwrap()
        .keys
        .load()
        .unwrap();
    let (sk, st) = (from_file.staking.to_string(), from_file.state.to_string());
    let explicit =
        Node::try_parse_from(["node", "--private-staking-key", &sk, "--private-state-key", &st])
            .unwrap()
            .keys
            .load()
            .unwrap();
    assert_eq!(explicit, from_file);
    let only_one =
        Node::try_parse_from(["node", "--private-staking-key", &sk]).unwrap().keys.load();
    assert!(matches!(only_one, Err(KeyFileError::Missing { name: vars::PRIVATE_STATE_KEY, .. })));
    let both = Node::try_parse_from(["node", "--key-file", "f", "--private-staking-key", &sk])
        .unwrap()
        .keys
        .load();
    assert!(matches!(both, Err(KeyFileError::Conflict)));
    let bad =
        Node::try_parse_from(["node", "--private-staking-key", &st, "--private-state-key", &st])
            .unwrap()
            .keys
            .load()
            .unwrap_err();
    assert!(bad.to_string().contains("--private-staking-key"), "{bad}");
    let missing =
        Node::try_parse_from(["node", "--key-file", "/nonexistent/0.env"]).unwrap().keys.load();
    assert!(matches!(missing, Err(KeyFileError::Io { .. })));
}

#[test]
fn pub_key_derives_public_keys_and_a_stable_peer_id() {
    let sk = BlsSecretKey::from_ikm(&[1; 32]);
    let out = PubKeyCli::try_parse_from(["pub-key", &sk.to_string()]).unwrap().output().unwrap();
    assert!(out.contains(&format!("{}={}", vars::PUBLIC_STAKING_KEY, sk.public_key())), "{out}");
    let peer = peer::peer_id(&sk);
    assert!(out.contains(&format!("LIBP2P_PEER_ID={peer}")), "{out}");
    assert!(peer.to_string().starts_with("12D3KooW"), "ed25519 peer ids: {peer}");
    assert_eq!(peer, peer::peer_id(&BlsSecretKey::from_ikm(&[1; 32])));
    assert_ne!(peer, peer::peer_id(&BlsSecretKey::from_ikm(&[2; 32])));
    let st = SchnorrSigningKey::from_seed(&[1; 32]).unwrap();
    let out = PubKeyCli::try_parse_from(["pub-key", &st.to_string()]).unwrap().output().unwrap();
    assert_eq!(out, format!("{}={}\n", vars::PUBLIC_STATE_KEY, st.ver_key()));
    assert!(PubKeyCli::try_parse_from(["pub-key", "nonsense"]).unwrap().output().is_err());
    assert!(
        PubKeyCli::try_parse_from(["pub-key", &sk.public_key().to_string()])
            .unwrap()
            .output()
            .is_err()
    );
}
