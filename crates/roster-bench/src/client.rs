//! The load generator's HTTP/1.1 client (RFC 9112): one keep-alive connection
//! over `tokio::net::TcpStream`, its requests one after another.
//!
//! A request is what an identity provider sends: the method and target,
//! `Host`, `Authorization: Bearer`, the content type and `Content-Length`. The
//! answer is read as RFC 9112 §6 says: the status line, the headers, then the
//! body by `Content-Length`, or decoded from `Transfer-Encoding: chunked`
//! (§7.1), or up to the close when neither is given. A connection the server
//! closed while it was idle is opened again and the request sent once more.
//! Plain `http://` only: no TLS.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// `Content-Type` of SCIM requests (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";
/// `Content-Type` of the `/api/v1` requests.
pub const JSON: &str = "application/json";
/// `Content-Type` of the admin console's forms.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// Where requests go: a base URL `http://host:port/path`, resolved once, with
/// the bearer token and content type of every request.
pub struct Endpoint {
    address: SocketAddr,
    host: String,
    base_path: String,
    token: String,
    content_type: &'static str,
    /// A `Cookie` header value sent with every request (the console's
    /// session), if any.
    cookie: Option<String>,
}

impl Endpoint {
    /// Parses `http://host[:port][/base]`; requests' paths are appended to
    /// the base (so `/Users` under `http://h:8080/scim/v2`).
    pub fn parse(url: &str, token: &str, content_type: &'static str) -> anyhow::Result<Rc<Self>> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!("'{url}': the load generator speaks plain http:// only");
        };
        let (authority, base_path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        if authority.is_empty() {
            bail!("'{url}' names no host");
        }
        let with_port = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| !p.contains(']'))
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let address = with_port
            .to_socket_addrs()
            .with_context(|| format!("resolve {authority}"))?
            .next()
            .with_context(|| format!("{authority} has no address"))?;
        Ok(Rc::new(Self {
            address,
            host: authority.to_owned(),
            base_path: base_path.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            content_type,
            cookie: None,
        }))
    }

    /// The same endpoint, sending `cookie` (`name=value`) with every request.
    pub fn with_cookie(&self, cookie: String) -> Rc<Self> {
        Rc::new(Self {
            address: self.address,
            host: self.host.clone(),
            base_path: self.base_path.clone(),
            token: self.token.clone(),
            content_type: self.content_type,
            cookie: Some(cookie),
        })
    }

    /// The base URL, for the report.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.host, self.base_path)
    }
}

/// An answer: its status, the cookies it sets and its body.
pub struct Response {
    pub status: u16,
    /// The `Set-Cookie` header values.
    pub set_cookies: Vec<String>,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text, cut short, for an error message.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let cut: String = text.chars().take(300).collect();
        format!("HTTP {}: {cut}", self.status)
    }
}

/// One keep-alive connection to an [`Endpoint`].
pub struct Connection {
    endpoint: Rc<Endpoint>,
    stream: Option<BufReader<TcpStream>>,
    request: Vec<u8>,
    line: Vec<u8>,
}

impl Connection {
    /// A connection; it connects at its first request.
    pub fn new(endpoint: Rc<Endpoint>) -> Self {
        Self {
            endpoint,
            stream: None,
            request: Vec::with_capacity(4096),
            line: Vec::with_capacity(256),
        }
    }

    /// Sends one request (`path` after the endpoint's base) and reads its answer.
    pub async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> io::Result<Response> {
        self.write_request(method, path, body);
        let reused = self.stream.is_some();
        match self.exchange().await {
            Ok(response) => Ok(response),
            // The server closed the idle connection before reading this request.
            Err(error) if reused && closed_before_answer(&error) => {
                self.stream = None;
                self.exchange().await
            }
            Err(error) => Err(error),
        }
    }

    fn write_request(&mut self, method: &str, path: &str, body: &[u8]) {
        let endpoint = &self.endpoint;
        let request = &mut self.request;
        request.clear();
        let head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\n\
             Accept: {SCIM_JSON}, {JSON}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            endpoint.base_path,
            endpoint.host,
            endpoint.content_type,
            body.len()
        );
        request.extend_from_slice(head.as_bytes());
        if !endpoint.token.is_empty() {
            request.extend_from_slice(
                format!("Authorization: Bearer {}\r\n", endpoint.token).as_bytes(),
            );
        }
        if let Some(cookie) = &endpoint.cookie {
            request.extend_from_slice(format!("Cookie: {cookie}\r\n").as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        request.extend_from_slice(body);
    }

    /// Writes the prepared request and reads the answer, connecting first if
    /// needed; any failure leaves the connection closed.
    async fn exchange(&mut self) -> io::Result<Response> {
        let result = self.exchange_on_stream().await;
        if !matches!(result, Ok((_, true))) {
            self.stream = None;
        }
        result.map(|(response, _)| response)
    }

    /// The answer and whether the connection stays open.
    async fn exchange_on_stream(&mut self) -> io::Result<(Response, bool)> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.endpoint.address).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(BufReader::new(stream));
        }
        let stream = self.stream.as_mut().expect("connected above");
        stream.get_mut().write_all(&self.request).await?;
        read_response(stream, &mut self.line).await
    }
}

fn closed_before_answer(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted
    )
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Reads one line ending in LF into `line`, without the line end.
async fn read_line(stream: &mut BufReader<TcpStream>, line: &mut Vec<u8>) -> io::Result<()> {
    line.clear();
    if stream.read_until(b'\n', line).await? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(())
}

/// The framing headers of an answer.
#[derive(Default)]
struct Framing {
    content_length: Option<usize>,
    chunked: bool,
    close: bool,
    set_cookies: Vec<String>,
}

/// Reads a status line, headers and body; skips interim (1xx) answers.
async fn read_response(
    stream: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
) -> io::Result<(Response, bool)> {
    loop {
        read_line(stream, line).await?;
        let status = parse_status_line(line)?;
        let framing = read_headers(stream, line).await?;
        if (100..200).contains(&status) {
            continue;
        }
        let body = if status == 204 || status == 304 {
            Vec::new()
        } else if framing.chunked {
            read_chunked(stream, line).await?
        } else if let Some(length) = framing.content_length {
            let mut body = vec![0; length];
            stream.read_exact(&mut body).await?;
            body
        } else {
            let mut body = Vec::new();
            stream.read_to_end(&mut body).await?;
            let set_cookies = framing.set_cookies;
            return Ok((
                Response {
                    status,
                    set_cookies,
                    body,
                },
                false,
            ));
        };
        let set_cookies = framing.set_cookies;
        return Ok((
            Response {
                status,
                set_cookies,
                body,
            },
            !framing.close,
        ));
    }
}

/// `HTTP/1.1 200 OK` → 200.
fn parse_status_line(line: &[u8]) -> io::Result<u16> {
    let text = std::str::from_utf8(line).map_err(|_| invalid("a status line not in ASCII"))?;
    let mut parts = text.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(invalid(format!("not an HTTP/1 status line: {text:?}")));
    }
    parts
        .next()
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("no status code in {text:?}")))
}

async fn read_headers(
    stream: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
) -> io::Result<Framing> {
    let mut framing = Framing::default();
    loop {
        read_line(stream, line).await?;
        if line.is_empty() {
            return Ok(framing);
        }
        let text = String::from_utf8_lossy(line);
        let Some((name, value)) = text.split_once(':') else {
            return Err(invalid(format!("a header line without ':': {text:?}")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let length = value.parse().map_err(|_| invalid("a bad Content-Length"))?;
            framing.content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            framing.chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("set-cookie") {
            framing.set_cookies.push(value.to_owned());
        } else if name.eq_ignore_ascii_case("connection") {
            framing.close = value
                .split(',')
                .any(|option| option.trim().eq_ignore_ascii_case("close"));
        }
    }
}

/// A chunked body (RFC 9112 §7.1): size lines in hex, data, a zero-size
/// chunk, optional trailer fields, an empty line.
async fn read_chunked(
    stream: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        read_line(stream, line).await?;
        let size = chunk_size(line)?;
        if size == 0 {
            // Trailer fields, up to the empty line.
            loop {
                read_line(stream, line).await?;
                if line.is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        stream.read_exact(&mut body[start..]).await?;
        read_line(stream, line).await?;
        if !line.is_empty() {
            return Err(invalid("a chunk longer than its size"));
        }
    }
}

/// `1a;name=value` → 26.
fn chunk_size(line: &[u8]) -> io::Result<usize> {
    let text = std::str::from_utf8(line).map_err(|_| invalid("a chunk size not in ASCII"))?;
    let hex = text.split(';').next().unwrap_or_default().trim();
    usize::from_str_radix(hex, 16).map_err(|_| invalid(format!("a bad chunk size {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_and_chunk_sizes_parse() {
        assert_eq!(parse_status_line(b"HTTP/1.1 204 No Content").unwrap(), 204);
        assert_eq!(parse_status_line(b"HTTP/1.0 200").unwrap(), 200);
        assert!(parse_status_line(b"SSH-2.0-OpenSSH").is_err());
        assert_eq!(chunk_size(b"1a").unwrap(), 26);
        assert_eq!(chunk_size(b"1A;ext=1").unwrap(), 26);
        assert_eq!(chunk_size(b"0").unwrap(), 0);
        assert!(chunk_size(b"zz").is_err());
    }

    #[test]
    fn endpoints_parse_host_port_and_base() {
        let endpoint = Endpoint::parse("http://127.0.0.1:8080/scim/v2/", "t", SCIM_JSON).unwrap();
        assert_eq!(endpoint.address.port(), 8080);
        assert_eq!(endpoint.base_path, "/scim/v2");
        assert_eq!(endpoint.url(), "http://127.0.0.1:8080/scim/v2");
        let root = Endpoint::parse("http://127.0.0.1", "t", JSON).unwrap();
        assert_eq!(root.address.port(), 80);
        assert_eq!(root.base_path, "");
        assert!(Endpoint::parse("https://example.com", "t", JSON).is_err());
    }

    /// Every framing a server may use, over a real socket.
    #[test]
    fn answers_are_read_by_length_chunked_and_to_close() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut socket, _) = listener.accept().unwrap();
            let answers: [&[u8]; 3] = [
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
                b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nbye",
            ];
            for answer in answers {
                let mut buffer = [0u8; 1024];
                let _ = socket.read(&mut buffer).unwrap();
                socket.write_all(answer).unwrap();
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let url = format!("http://127.0.0.1:{port}/scim/v2");
            let mut connection = Connection::new(Endpoint::parse(&url, "t", SCIM_JSON).unwrap());
            let first = connection.send("GET", "/Users", b"").await.unwrap();
            assert_eq!((first.status, first.body.as_slice()), (200, &b"hello"[..]));
            let second = connection.send("POST", "/Users", b"{}").await.unwrap();
            assert_eq!(
                (second.status, second.body.as_slice()),
                (201, &b"abcde"[..])
            );
            let third = connection.send("GET", "/x", b"").await.unwrap();
            assert_eq!((third.status, third.body.as_slice()), (404, &b"bye"[..]));
        });
        server.join().unwrap();
    }
}
