//! The reqwest transport bounds every read: the body size (with and without a declared length)
//! and the whole request's time, even when each read is quick enough.
#![cfg(feature = "reqwest")]

use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::transport::{ReqwestTransport, Transport, TransportErrorKind};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that answers one connection with `head`, then `body` in `pieces` pieces, waiting
/// `gap` between them.
async fn serve(head: String, body: Vec<u8>, pieces: usize, gap: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let step = body.len().div_ceil(pieces.max(1)).max(1);
        for piece in body.chunks(step) {
            if s.write_all(piece).await.is_err() {
                return;
            }
            let _ = s.flush().await;
            tokio::time::sleep(gap).await;
        }
        let _ = s.shutdown().await;
    });
    format!("http://{addr}/x")
}

fn get(url: &str) -> Request {
    Request::new(Method::Get, url.parse().unwrap())
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_a_typed_error() {
    let t = ReqwestTransport::builder()
        .max_body_bytes(1024)
        .build()
        .unwrap();
    // Declared too large: refused before reading.
    let url = serve(
        "HTTP/1.1 200 OK\r\ncontent-length: 4096\r\nconnection: close\r\n\r\n".into(),
        vec![b'a'; 4096],
        1,
        Duration::ZERO,
    )
    .await;
    let e = t.send(&get(&url)).await.unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::ResponseUnreadable);
    let big = e.body_too_large().expect("a typed BodyTooLarge");
    assert_eq!((big.limit, big.declared), (1024, Some(4096)));
    assert!(e.to_string().contains("larger than 1024 bytes"), "{e}");

    // No length (read to close): stopped at the limit.
    let url = serve(
        "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".into(),
        vec![b'a'; 64 * 1024],
        16,
        Duration::ZERO,
    )
    .await;
    let e = t.send(&get(&url)).await.unwrap_err();
    assert_eq!(e.body_too_large().map(|b| b.declared), Some(None), "{e}");

    // At the limit: read whole.
    let url = serve(
        "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".into(),
        vec![b'a'; 1024],
        4,
        Duration::ZERO,
    )
    .await;
    assert_eq!(t.send(&get(&url)).await.unwrap().body.len(), 1024);
}

#[tokio::test]
async fn a_trickled_body_hits_the_overall_deadline() {
    let t = ReqwestTransport::builder()
        .read_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_millis(600)))
        .build()
        .unwrap();
    // Each piece comes well within the read timeout; the whole takes 4 s.
    let url = serve(
        "HTTP/1.1 200 OK\r\ncontent-length: 20\r\nconnection: close\r\n\r\n".into(),
        vec![b'a'; 20],
        20,
        Duration::from_millis(200),
    )
    .await;
    let started = Instant::now();
    let e = t.send(&get(&url)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{e}");
    assert_eq!(e.kind(), TransportErrorKind::ResponseUnreadable, "{e}");
}
