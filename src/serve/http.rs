//! Just enough HTTP/1.1 for a local development server: one request per
//! connection (the answer says `Connection: close`), a `Content-Length`
//! body, no chunked uploads, no keep-alive, no TLS.

use std::io::{BufRead, Read, Write};

/// The largest request head (request line plus headers) read.
const MAX_HEAD: usize = 64 * 1024;

/// The largest request body read: Vercel's limit for a function's request.
pub const MAX_BODY: usize = 4_500_000;

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path, still percent-encoded, without the query.
    pub path: String,
    /// What follows `?`, without it; empty when there is none.
    pub query: String,
    /// Headers in the order sent, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why a request could not be read; each maps to the status answered.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the client closed the connection")]
    Closed,
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    #[error("the request head is over {MAX_HEAD} bytes")]
    HeadTooLarge,
    #[error("the request body is over {MAX_BODY} bytes")]
    BodyTooLarge,
    #[error("chunked request bodies are not supported; send `Content-Length`")]
    Chunked,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The status to answer with, or `None` when nobody is listening.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Closed | Self::Io(_) => None,
            Self::Malformed(_) => Some(400),
            Self::HeadTooLarge => Some(431),
            Self::BodyTooLarge => Some(413),
            Self::Chunked => Some(411),
        }
    }
}

/// Reads one request from `reader`.
pub fn read_request(reader: &mut impl BufRead) -> Result<Request, Error> {
    let mut head_len = 0;
    let mut line = String::new();
    // RFC 9112 §2.2: a server should ignore empty lines before the
    // request line.
    loop {
        line.clear();
        head_len += read_line(reader, &mut line, head_len)?;
        if line.is_empty() {
            return Err(Error::Closed);
        }
        if !line.trim_end_matches(['\r', '\n']).is_empty() {
            break;
        }
    }
    let mut parts = line.trim_end_matches(['\r', '\n']).split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Malformed(
            "the request line is not `METHOD TARGET HTTP/1.x`",
        ));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Error::Malformed("only HTTP/1.x is spoken"));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::Malformed("the method is not a token"));
    }
    if !target.starts_with('/') {
        return Err(Error::Malformed("the target is not an absolute path"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (method, path, query) = (method.to_string(), path.to_string(), query.to_string());

    let mut headers = Vec::new();
    loop {
        line.clear();
        head_len += read_line(reader, &mut line, head_len)?;
        if line.is_empty() {
            return Err(Error::Malformed("the headers do not end"));
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(Error::Malformed("a header line has no `:`"));
        };
        if name.is_empty() || name.ends_with([' ', '\t']) {
            return Err(Error::Malformed("a header name is empty or followed by a space"));
        }
        // RFC 9110 §5.5: a bare CR (or a NUL) in a value is refused, not
        // passed on to the function as a line break.
        if value.contains(['\r', '\0']) {
            return Err(Error::Malformed("a header value holds a bare CR or a NUL"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }

    let header = |wanted: &str| {
        headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
    };
    if header("transfer-encoding")
        .iter()
        .any(|v| !v.eq_ignore_ascii_case("identity"))
    {
        return Err(Error::Chunked);
    }
    let length = match header("content-length").as_slice() {
        [] => 0,
        [value] => value
            .parse::<usize>()
            .map_err(|_| Error::Malformed("`Content-Length` is not a number"))?,
        [first, rest @ ..] if rest.iter().all(|v| v == first) => first
            .parse::<usize>()
            .map_err(|_| Error::Malformed("`Content-Length` is not a number"))?,
        _ => return Err(Error::Malformed("`Content-Length` is given twice, differently")),
    };
    if length > MAX_BODY {
        return Err(Error::BodyTooLarge);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|err| match err.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::Malformed("the body is shorter than `Content-Length`"),
        _ => Error::Io(err),
    })?;
    Ok(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

/// Reads one line (bytes up to `\n`) into `line`, refusing a head that
/// would grow past [`MAX_HEAD`]; returns the bytes read.
fn read_line(reader: &mut impl BufRead, line: &mut String, so_far: usize) -> Result<usize, Error> {
    let mut bytes = Vec::new();
    let limit = (MAX_HEAD - so_far.min(MAX_HEAD)) as u64 + 1;
    let read = reader.take(limit).read_until(b'\n', &mut bytes)?;
    if so_far + read > MAX_HEAD {
        return Err(Error::HeadTooLarge);
    }
    // Header values are ISO-8859-1 by history; UTF-8 passes through.
    *line = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    Ok(read)
}

/// Headers a function may not set, because the server frames the answer.
const FRAMING: [&str; 3] = ["connection", "content-length", "transfer-encoding"];

/// Writes a complete response: the function's headers (less framing),
/// then `Content-Length` and `Connection: close`.
pub fn write_response(
    out: &mut impl Write,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        if FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) || name.contains(['\r', '\n']) {
            continue;
        }
        // A value may not break the head open.
        let value = value.replace(['\r', '\n'], " ");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(body)?;
    }
    out.flush()
}

/// The reason phrase for `status` (clients ignore it; people read it).
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        421 => "Misdirected Request",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Request, Error> {
        read_request(&mut std::io::BufReader::new(raw))
    }

    #[test]
    fn reads_a_get_with_query_and_headers() {
        let request =
            parse(b"GET /api/hello?x=1&y=2 HTTP/1.1\r\nHost: localhost\r\nX-Two:  a b \r\n\r\n").unwrap();
        assert_eq!(
            request,
            Request {
                method: "GET".into(),
                path: "/api/hello".into(),
                query: "x=1&y=2".into(),
                headers: vec![
                    ("Host".into(), "localhost".into()),
                    ("X-Two".into(), "a b".into())
                ],
                body: Vec::new(),
            }
        );
    }

    #[test]
    fn reads_exactly_content_length_bytes() {
        let request = parse(b"POST /a HTTP/1.1\nContent-Length: 5\n\nhelloEXTRA").unwrap();
        assert_eq!(request.body, b"hello");
        assert_eq!(request.query, "");
    }

    #[test]
    fn skips_leading_empty_lines() {
        assert_eq!(parse(b"\r\nGET / HTTP/1.0\r\n\r\n").unwrap().path, "/");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let status = |raw: &[u8]| parse(raw).map(|_| ()).map_err(|e| e.status());
        assert_eq!(status(b""), Err(None));
        assert_eq!(status(b"GET /\r\n\r\n"), Err(Some(400)));
        assert_eq!(status(b"GET / HTTP/2\r\n\r\n"), Err(Some(400)));
        assert_eq!(status(b"GET http://x/ HTTP/1.1\r\n\r\n"), Err(Some(400)));
        assert_eq!(status(b"GET / HTTP/1.1\r\nNoColon\r\n\r\n"), Err(Some(400)));
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n"), Err(Some(400)));
        assert_eq!(status(b"GET / HTTP/1.1\r\nX-A: one\rtwo\r\n\r\n"), Err(Some(400)));
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nshort"),
            Err(Some(400))
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            Err(Some(400))
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(Some(411))
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"),
            Err(Some(413))
        );
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(vec![b'a'; MAX_HEAD]);
        big.extend(b"\r\n\r\n");
        assert_eq!(status(&big), Err(Some(431)));
    }

    #[test]
    fn writes_framing_itself() {
        let mut out = Vec::new();
        let headers = vec![
            ("Content-Type".to_string(), "text/plain".to_string()),
            ("Content-Length".to_string(), "999".to_string()),
            ("X-Evil".to_string(), "a\r\nInjected: 1".to_string()),
        ];
        write_response(&mut out, 201, &headers, b"hi", false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Evil: a  Injected: 1\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\nhi"
        );
        let mut out = Vec::new();
        write_response(&mut out, 200, &[], b"body", true).unwrap();
        assert!(out.ends_with(b"Content-Length: 4\r\nConnection: close\r\n\r\n"));
    }
}
