//! The emulator over HTTP on loopback (feature `emulator-server`): any ARM client, not only this
//! crate, can be pointed at it.
//!
//! A small HTTP/1.1 server on `std::net` (no dependency): one thread per connection, keep-alive,
//! `Content-Length` and chunked request bodies. Each request becomes an [`http::Request`] with
//! the absolute URL `http://{listener}{path}`, where `{listener}` is the bound address or the
//! configured [public name](EmulatorServer::start_with_public_name), never the client's `Host`
//! (so `nextLink`, `Location` and the metadata endpoint's login endpoint point back at the
//! listener), and is answered by [`Emulator::handle_or_drop`]. A path with a dot segment or an
//! encoded separator (`..`, `%2e%2e`, `%2f`) is refused, never resolved. The control endpoint
//! (`/_emulator/`) answers only requests whose `Host` is the listener's own, and takes changes
//! only as `application/json`, so a web page cannot drive it (DNS rebinding, cross-site forms).
//! With [`EmulatorServer::start_tls`] it speaks HTTPS instead (rustls with the ring provider,
//! a [self-signed certificate](super::TlsIdentity)), for clients that refuse bearer tokens over
//! plain HTTP; URLs are then `https://...`.
//! What one client can cost is bounded: a request head of 64 KiB, a body of 4 MiB (allocated
//! as it arrives), 60 s to send a request (30 s idle between reads or requests), and 256
//! connections at once (more are closed at once).
//! A dropped-connection fault closes the socket: before answering for
//! [`TransportErrorKind::MaybeSent`](crate::transport::TransportErrorKind::MaybeSent), halfway
//! through the body for `ResponseUnreadable`.
//!
//! [`http::Request`]: crate::http::Request

use super::Emulator;
use crate::http::{Method, Request, Response};
use crate::transport::TransportErrorKind;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const MAX_HEAD: usize = 64 * 1024;
/// Azure Resource Manager's own limit on a request body is 4 MB; up to 256 connections may
/// each hold one.
const MAX_BODY: usize = 4 * 1024 * 1024;
const IDLE: Duration = Duration::from_secs(30);
/// The longest a request may take to arrive once the server starts reading it: a client that
/// trickles a byte every few seconds (slow loris) must not hold a thread forever.
const REQUEST_DEADLINE: Duration = Duration::from_secs(60);
/// Connections served at once; beyond that a new one is closed at once (one thread each).
const MAX_CONNECTIONS: usize = 256;

/// A running HTTP listener in front of an [`Emulator`]. Stops when dropped.
///
/// ```no_run
/// use azs_site_recovery::emulator::{Emulator, EmulatorServer};
/// let server = EmulatorServer::start(Emulator::default(), "127.0.0.1:0").unwrap();
/// println!("ARM endpoint: {}", server.base_url());
/// ```
#[derive(Debug)]
pub struct EmulatorServer {
    addr: SocketAddr,
    /// The authority (`host:port`) the answers name: the bound address or a public name.
    authority: String,
    scheme: &'static str,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl EmulatorServer {
    /// Listens on `addr` (e.g. `127.0.0.1:0` for any free port) and serves `emulator`.
    pub fn start(emulator: Emulator, addr: impl ToSocketAddrs) -> io::Result<Self> {
        Self::start_with(emulator, addr, None, None)
    }

    /// Like [`start`](Self::start) (or [`start_tls`](Self::start_tls) with `identity`), but the
    /// URLs in its answers (`Location`, `Azure-AsyncOperation`, `nextLink`, the metadata's
    /// `loginEndpoint`) name `public_name` (`host:port`, e.g. `emulator.test:8443`) instead of
    /// the bound address: for a listener reached through a proxy or a DNS name. The client's
    /// `Host` header is never echoed; the control endpoint accepts only that name, the bound
    /// address or `localhost:{port}`.
    ///
    /// ```no_run
    /// use azs_site_recovery::emulator::{Emulator, EmulatorServer};
    /// let server = EmulatorServer::start_with_public_name(
    ///     Emulator::default(), "127.0.0.1:8443", None, "emulator.test:8443").unwrap();
    /// assert_eq!(server.base_url(), "http://emulator.test:8443");
    /// ```
    pub fn start_with_public_name(
        emulator: Emulator,
        addr: impl ToSocketAddrs,
        identity: Option<&super::TlsIdentity>,
        public_name: &str,
    ) -> io::Result<Self> {
        let valid = !public_name.is_empty()
            && public_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !valid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the public name {:?} is not a plain host[:port]",
                    public_name.escape_debug().to_string()
                ),
            ));
        }
        let tls = identity
            .map(super::TlsIdentity::server_config)
            .transpose()?;
        Self::start_with(emulator, addr, tls, Some(public_name.to_owned()))
    }

    /// Listens on `addr` and serves `emulator` over HTTPS with `identity`'s certificate.
    ///
    /// ```no_run
    /// use azs_site_recovery::emulator::{Emulator, EmulatorServer, TlsIdentity};
    /// let dir = std::env::temp_dir().join("azs-emulator-tls");
    /// let identity = TlsIdentity::self_signed(&dir).unwrap();
    /// let server = EmulatorServer::start_tls(Emulator::default(), "127.0.0.1:0", &identity).unwrap();
    /// println!("{} trusts {}", server.base_url(), identity.cert_path().display());
    /// ```
    pub fn start_tls(
        emulator: Emulator,
        addr: impl ToSocketAddrs,
        identity: &super::TlsIdentity,
    ) -> io::Result<Self> {
        Self::start_with(emulator, addr, Some(identity.server_config()?), None)
    }

    fn start_with(
        emulator: Emulator,
        addr: impl ToSocketAddrs,
        tls: Option<Arc<rustls::ServerConfig>>,
        public_name: Option<String>,
    ) -> io::Result<Self> {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let authority = public_name.unwrap_or_else(|| addr.to_string());
        let own = Arc::new(OwnNames::new(addr, &authority));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let open = Arc::new(AtomicUsize::new(0));
        let accept = std::thread::Builder::new()
            .name("azs-emulator-accept".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = conn else { continue };
                    let Some(slot) = Slot::take(&open) else {
                        // Too many connections: closed at once (the client sees a reset).
                        drop(stream);
                        continue;
                    };
                    let emu = emulator.clone();
                    let flag = flag.clone();
                    let tls = tls.clone();
                    let own = own.clone();
                    // A connection that cannot get a thread is dropped (the client sees a reset).
                    let _ = std::thread::Builder::new()
                        .name("azs-emulator-conn".into())
                        .spawn(move || {
                            let _slot = slot;
                            let _ = stream.set_read_timeout(Some(IDLE));
                            // A client that never reads its answers must not block a write forever.
                            let _ = stream.set_write_timeout(Some(IDLE));
                            let _ = stream.set_nodelay(true);
                            let mut stream = Timed::new(stream);
                            match tls {
                                None => serve(emu, &mut stream, &own, scheme, &flag),
                                Some(cfg) => {
                                    if let Some(mut s) = super::tls::accept(cfg, stream) {
                                        serve(emu, &mut s, &own, scheme, &flag);
                                    }
                                }
                            }
                        });
                }
            })?;
        Ok(EmulatorServer {
            addr,
            authority,
            scheme,
            stop,
            accept: Some(accept),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{address}` (`https://` with TLS; the public name when one was given): the ARM
    /// endpoint to give a client.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// Stops accepting connections and waits for the listener thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

impl Drop for EmulatorServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// One of the [`MAX_CONNECTIONS`] connection slots, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Option<Slot> {
        open.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < MAX_CONNECTIONS).then_some(n + 1)
        })
        .ok()
        .map(|_| Slot(open.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection the server reads requests from and writes answers to (plain TCP or TLS).
pub(crate) trait Conn: Read + Write {
    /// Closes the connection abruptly (a dropped-connection fault).
    fn abort(&mut self);
    /// From now on, reads fail once `deadline` has passed (`None`: no deadline).
    fn set_deadline(&mut self, deadline: Option<Instant>);
}

/// A connection whose reads fail once `deadline` has passed (each read itself blocks at most
/// [`IDLE`]), so reading one request takes at most [`REQUEST_DEADLINE`] + [`IDLE`]. It sits
/// under TLS too: a handshake or a TLS record trickled a byte at a time is cut off the same way.
pub(crate) struct Timed<C> {
    inner: C,
    deadline: Option<Instant>,
}

impl<C> Timed<C> {
    fn new(inner: C) -> Self {
        Timed {
            inner,
            deadline: None,
        }
    }
}

impl<C: Read> Read for Timed<C> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the request did not arrive in time",
            ));
        }
        self.inner.read(buf)
    }
}

impl<C: Write> Write for Timed<C> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Conn for Timed<TcpStream> {
    fn abort(&mut self) {
        let _ = self.inner.shutdown(std::net::Shutdown::Both);
    }
    fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }
}

/// One connection: requests until the client closes, asks to close, or idles out.
/// The names a request may give in its `Host` to reach the control endpoint: the authority the
/// listener answers with, its bound address, and `localhost:{port}` when it is on loopback.
#[derive(Debug)]
struct OwnNames {
    authority: String,
    names: Vec<String>,
}

impl OwnNames {
    fn new(addr: SocketAddr, authority: &str) -> Self {
        let mut names = vec![authority.to_ascii_lowercase(), addr.to_string()];
        if addr.ip().is_loopback() {
            names.push(format!("localhost:{}", addr.port()));
        }
        OwnNames {
            authority: authority.to_owned(),
            names,
        }
    }

    fn is_own(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        self.names.contains(&host)
    }
}

/// Why a control-endpoint request is refused, if it is: it must name the listener itself in
/// `Host` and send changes as JSON, so a web page cannot drive the emulator (a cross-site form
/// can send only `text/plain` and friends; DNS rebinding brings a foreign `Host`).
fn control_refusal(request: &Request, own: &OwnNames) -> Option<Response> {
    let path = request.url.path().to_ascii_lowercase();
    if !(path == "/_emulator" || path.starts_with(super::control::PREFIX)) {
        return None;
    }
    let host_ok = request.headers.get("host").is_some_and(|h| own.is_own(h));
    let reading = matches!(request.method, Method::Get | Method::Head);
    let json = request.headers.get("content-type").is_some_and(|c| {
        c.trim()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    let why = if !host_ok {
        "the control endpoint answers only requests whose Host is the listener's own address"
    } else if !reading && !json {
        "the control endpoint takes changes only with content-type application/json"
    } else {
        return None;
    };
    Some(super::arm::ArmError::new(403, "Forbidden", why).into_response())
}

/// The connection is a trait object: one copy of the HTTP code serves plain TCP and TLS alike
/// (generic, the compiler built all of it twice).
fn serve(emu: Emulator, stream: &mut dyn Conn, own: &OwnNames, scheme: &str, stop: &AtomicBool) {
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::SeqCst) {
        reader
            .get_mut()
            .set_deadline(Some(Instant::now() + REQUEST_DEADLINE));
        let parsed = match read_request(&mut reader, &own.authority, scheme) {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(e) => {
                let _ = write_response(reader.get_mut(), &bad_request(&e.to_string()), false, true);
                return;
            }
        };
        reader.get_mut().set_deadline(None);
        let writer = reader.get_mut();
        let (request, keep_alive, head_only) = parsed;
        if let Some(refused) = control_refusal(&request, own) {
            if write_response(writer, &refused, head_only, !keep_alive).is_err() || !keep_alive {
                return;
            }
            continue;
        }
        match emu.handle_or_drop(&request) {
            Ok(resp) => {
                if write_response(writer, &resp, head_only, !keep_alive).is_err() || !keep_alive {
                    return;
                }
            }
            Err(e) => {
                if e.kind() == TransportErrorKind::ResponseUnreadable {
                    let _ = writer.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"partial\":",
                    );
                    let _ = writer.flush();
                }
                writer.abort();
                return;
            }
        }
    }
}

fn bad_request(message: &str) -> Response {
    super::arm::ArmError::new(
        400,
        "BadRequest",
        format!("Malformed HTTP request: {message}"),
    )
    .into_response()
}

type Parsed = (Request, bool, bool);

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

/// Reads one request; `None` when the client closed the connection between requests.
fn read_request<C: Read>(
    reader: &mut BufReader<C>,
    authority: &str,
    scheme: &str,
) -> io::Result<Option<Parsed>> {
    let mut line = String::new();
    let mut budget = MAX_HEAD;
    // Skip blank lines between requests.
    loop {
        line.clear();
        let n = match read_line_capped(reader, &mut line, &mut budget, "request head too large") {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("bad request line"));
    };
    let method = super::arm::method(method)
        .ok_or_else(|| invalid(&format!("unsupported method {method}")))?;
    let target = target.to_owned();
    let http10 = version.eq_ignore_ascii_case("HTTP/1.0");
    let mut headers = crate::http::Headers::new();
    loop {
        line.clear();
        let n = read_line_capped(reader, &mut line, &mut budget, "request head too large")?;
        if n == 0 {
            return Err(invalid("incomplete request head"));
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(invalid("bad header line"));
        };
        // A bare CR would end a header line of the answer, where the emulator echoes
        // x-ms-client-request-id and x-ms-correlation-request-id.
        if l.chars().any(|c| c.is_ascii_control() && c != '\t') {
            return Err(invalid("control character in a header line"));
        }
        headers.append(k.trim(), v.trim());
    }
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"))
    {
        read_chunked(reader)?
    } else {
        let len = match headers.get("content-length") {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid("bad content-length"))?,
            None => 0,
        };
        if len > MAX_BODY {
            return Err(invalid("body too large"));
        }
        read_exactly(reader, len)?
    };
    // The URL names the listener itself, never the client's `Host` (which would flow into
    // `Location`, `nextLink` and the metadata's `loginEndpoint`). An absolute-form target keeps
    // only its path and query.
    let path_and_query = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target.as_str(),
    };
    if !path_and_query.starts_with('/') {
        return Err(invalid("the request target is not a path"));
    }
    // URL parsing resolves `..` and `%2e%2e`: refuse them before it does, or
    // `DELETE .../protectedItems/%2e%2e` would reach the vault.
    let raw_path = path_and_query.split(['?', '#']).next().unwrap_or_default();
    if let Some(seg) = super::router::unsafe_segment(raw_path) {
        return Err(invalid(&format!(
            "the path segment {:?} is a dot segment or an encoded separator",
            seg.escape_debug().to_string()
        )));
    }
    let url = format!("{scheme}://{authority}{path_and_query}");
    let url = url::Url::parse(&url).map_err(|e| invalid(&format!("bad URL: {e}")))?;
    let connection = headers.get("connection").map(str::to_ascii_lowercase);
    let keep_alive = match connection.as_deref() {
        Some(c) if c.contains("close") => false,
        Some(c) if c.contains("keep-alive") => true,
        _ => !http10,
    };
    let mut request = Request::new(method, url);
    request.headers = headers;
    request.body = body;
    Ok(Some((request, keep_alive, method == Method::Head)))
}

/// Reads exactly `len` bytes, growing the buffer as they arrive (a `Content-Length` the client
/// never sends costs no memory).
fn read_exactly<R: Read>(reader: &mut R, len: usize) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    append_exactly(reader, len, &mut body)?;
    Ok(body)
}

fn append_exactly<R: Read>(reader: &mut R, len: usize, body: &mut Vec<u8>) -> io::Result<()> {
    let want = u64::try_from(len).map_err(|_| invalid("body too large"))?;
    let got = reader.by_ref().take(want).read_to_end(body)?;
    if got < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the body ended before its announced length",
        ));
    }
    Ok(())
}

/// `read_line`, but at most `budget` bytes (spent from it): a line without an end must not
/// grow without bound.
fn read_line_capped<R: BufRead>(
    reader: &mut R,
    line: &mut String,
    budget: &mut usize,
    too_large: &str,
) -> io::Result<usize> {
    let cap = u64::try_from(*budget).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader.by_ref().take(cap).read_line(line)?;
    if n > *budget {
        return Err(invalid(too_large));
    }
    *budget -= n;
    Ok(n)
}

fn read_chunked<C: Read>(reader: &mut BufReader<C>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    // Chunk-size lines, chunk ends and trailers together.
    let mut framing = MAX_HEAD + MAX_BODY;
    let too_large = "chunked framing too large";
    loop {
        line.clear();
        read_line_capped(reader, &mut line, &mut framing, too_large)?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                line.clear();
                if read_line_capped(reader, &mut line, &mut framing, too_large)? == 0
                    || line.trim().is_empty()
                {
                    return Ok(body);
                }
            }
        }
        if size > MAX_BODY - body.len() {
            return Err(invalid("body too large"));
        }
        append_exactly(reader, size, &mut body)?;
        line.clear();
        read_line_capped(reader, &mut line, &mut framing, too_large)?;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

fn write_response<W: Write>(
    w: &mut W,
    resp: &Response,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in resp.headers.iter() {
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str(&format!("content-length: {}\r\n", resp.body.len()));
    if close {
        out.push_str("connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut buf = out.into_bytes();
    if !head_only {
        buf.extend_from_slice(&resp.body);
    }
    w.write_all(&buf)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> SocketAddr {
        "127.0.0.1:1".parse().unwrap()
    }

    fn parse(raw: impl Read) -> io::Result<Option<Parsed>> {
        read_request(&mut BufReader::new(raw), &local().to_string(), "http")
    }

    #[test]
    fn connection_slots_run_out_and_come_back() {
        let open = Arc::new(AtomicUsize::new(0));
        let slots: Vec<Slot> = (0..MAX_CONNECTIONS)
            .map(|_| Slot::take(&open).unwrap())
            .collect();
        assert!(Slot::take(&open).is_none());
        drop(slots);
        assert_eq!(open.load(Ordering::SeqCst), 0);
        assert!(Slot::take(&open).is_some());
    }

    #[test]
    fn a_request_line_without_end_is_refused_not_buffered_forever() {
        let err = parse(io::repeat(b'a')).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
        let endless_headers = b"GET / HTTP/1.1\r\n"
            .chain(io::repeat(b'x').take(10 * MAX_HEAD as u64))
            .chain(&b"\r\n\r\n"[..]);
        let err = parse(endless_headers).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
    }

    #[test]
    fn a_header_with_a_bare_cr_is_refused_not_echoed() {
        let raw = b"GET / HTTP/1.1\r\nHost: h\r\nx-ms-client-request-id: a\rSet-Cookie: x\r\n\r\n";
        let err = parse(&raw[..]).unwrap_err();
        assert!(err.to_string().contains("control character"), "{err}");
        let raw = b"GET / HTTP/1.1\r\nHost: h\r\nx-ms-client-request-id: a\tb\r\n\r\n";
        let (req, ..) = parse(&raw[..]).unwrap().unwrap();
        assert_eq!(req.headers.get("x-ms-client-request-id"), Some("a\tb"));
    }

    #[test]
    fn a_huge_chunk_size_is_refused_without_panicking() {
        let raw = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nffffffffffffffff\r\n";
        let err = parse(&raw[..]).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
    }

    #[test]
    fn endless_trailers_end_in_an_error() {
        let raw = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
            .chain(io::repeat(b'x'));
        let err = parse(raw).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_an_error() {
        let raw = format!("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: {MAX_BODY}\r\n\r\n{{}}");
        let err = parse(raw.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        let raw = format!(
            "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{{}}",
            MAX_BODY + 1
        );
        let err = parse(raw.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");
        let raw = b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}";
        let (req, keep_alive, _) = parse(&raw[..]).unwrap().unwrap();
        assert_eq!(req.body, b"{}");
        assert!(keep_alive);
    }

    /// Sends its bytes one at a time, a millisecond apart (slow loris).
    struct Trickle<R>(R);

    impl<R: Read> Read for Trickle<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            std::thread::sleep(Duration::from_millis(1));
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn a_trickled_tls_handshake_is_cut_off_at_the_deadline() {
        let dir = std::env::temp_dir().join(format!("azs-emu-slow-tls-{}", std::process::id()));
        let identity = super::super::TlsIdentity::self_signed(&dir).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut c = TcpStream::connect(addr).unwrap();
            // A handshake record announcing 16 KiB, then its bytes 20 ms apart (over 5 min).
            let _ = c.write_all(&[0x16, 0x03, 0x01, 0x40, 0x00]);
            for _ in 0..150 {
                std::thread::sleep(Duration::from_millis(20));
                if c.write_all(&[0]).is_err() {
                    break;
                }
            }
        });
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(IDLE)).unwrap();
        let mut tls =
            super::super::tls::accept(identity.server_config().unwrap(), Timed::new(sock)).unwrap();
        let started = Instant::now();
        tls.set_deadline(Some(started + Duration::from_millis(200)));
        let err = tls.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        tls.abort();
        client.join().unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_request_past_its_deadline_stops_being_read() {
        // Without the deadline this head would take over a minute to reach MAX_HEAD.
        let slow = Trickle(b"GET / HTTP/1.1\r\n".chain(io::repeat(b'x')));
        let started = Instant::now();
        let mut reader = BufReader::new(Timed::new(slow));
        reader.get_mut().deadline = Some(Instant::now() + Duration::from_millis(200));
        let err = read_request(&mut reader, &local().to_string(), "http").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
