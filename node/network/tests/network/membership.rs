//! The member set: non-members' connections are refused, broadcasts they author are
//! dropped even when a member forwards them, and removing a member disconnects it.

use std::{collections::HashSet, time::Duration};

use doppio_network::{DropReason, MessageKind, PeerId, SendError};

use crate::common::{config, eventually, keypair, node, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_members_are_refused_and_their_messages_dropped() {
    let (ka, kb, kx) = (keypair(30), keypair(31), keypair(32));
    let (a_id, b_id, x_id) =
        (ka.public().to_peer_id(), kb.public().to_peer_id(), kx.public().to_peer_id());
    let members: HashSet<PeerId> = [a_id, b_id].into_iter().collect();
    let mut a = node(ka, config(vec![], members.clone())).await;
    let mut b = node(kb, config(vec![a.bootstrap()], members.clone())).await;
    // The outsider counts everyone as a member and knows both addresses.
    let everyone: HashSet<PeerId> = [a_id, b_id, x_id].into_iter().collect();
    let x = node(kx, config(vec![a.bootstrap(), b.bootstrap()], everyone.clone())).await;

    eventually("a and b connect", || async { a.connected().await.contains(&b_id) }).await;
    eventually("a refuses the outsider's connections", || async {
        a.handle.metrics().connections_denied() >= 1
    })
    .await;
    let err = within("send from outsider", x.handle.send(a_id, b"let me in".to_vec())).await;
    assert!(matches!(err, Err(SendError::Undeliverable { .. })), "{err:?}");
    assert!(!a.connected().await.contains(&x_id));
    let err = a.handle.send(x_id, b"hello?".to_vec()).await.unwrap_err();
    assert_eq!(err, SendError::NotMember(x_id));

    // A admits the outsider; B does not. The outsider's broadcast reaches A, which
    // forwards it to B, which drops it because its author is not a member.
    within("admit", a.handle.set_members(everyone)).await.unwrap();
    eventually("a and the outsider connect", || async { a.connected().await.contains(&x_id) })
        .await;
    eventually("the outsider sees a subscribed", || async {
        x.handle.broadcast_peers().await.unwrap().contains(&a_id)
    })
    .await;
    // Gossip forwards through the mesh, formed at heartbeats: broadcast until B has seen
    // (and dropped) one.
    let mut sent = 0;
    eventually("b drops the forwarded broadcast", || {
        sent += 1;
        let (x, b) = (&x, &b);
        let msg = format!("outsider proposal {sent}").into_bytes();
        async move {
            let _ = x.handle.broadcast(msg).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            b.handle.metrics().dropped(DropReason::NonMember) >= 1
        }
    })
    .await;
    let m = a.recv().await;
    assert_eq!((m.from, m.kind), (x_id, MessageKind::Broadcast));
    assert!(m.bytes.starts_with(b"outsider proposal"));
    b.expect_silence(Duration::from_millis(300)).await;
    assert_eq!(b.handle.metrics().messages_received(MessageKind::Broadcast), 0);

    // Removing the outsider again closes its connection and refuses its messages.
    within("remove", a.handle.set_members(members)).await.unwrap();
    eventually("the outsider is disconnected", || async { !a.connected().await.contains(&x_id) })
        .await;
    let err = within("send after removal", x.handle.send(a_id, b"still here".to_vec())).await;
    assert!(err.is_err(), "{err:?}");
    while let Ok(m) = a.inbound.try_recv() {
        assert_ne!(m.bytes, b"still here", "a non-member's direct message was delivered");
    }
}
