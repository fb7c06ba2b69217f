//! The JSON-RPC transport over a byte stream (standard input and output for editors).
//!
//! `lsp-server`'s own stdio transport ends the reader thread on the first malformed
//! header or body, which ends the server. This one answers such a message with a
//! JSON-RPC error (`ParseError` for bytes that are not JSON, `InvalidRequest` for JSON
//! that is not a message, with the message's `id` when it has one) and reads on.

use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Write};
use std::sync::{Arc, Mutex};

/// The largest message body read; a client never needs more than a source file's cap
/// plus its JSON escaping.
const MAX_BODY: usize = 256 * 1024 * 1024;

type Output = Arc<Mutex<Box<dyn Write + Send>>>;

/// Serves one client on a byte stream until it exits or closes `input`.
pub fn serve(
    input: impl BufRead + Send + 'static,
    output: impl Write + Send + 'static,
) -> crate::Result<()> {
    let output: Output = Arc::new(Mutex::new(Box::new(output)));
    let (to_server, from_client) = crossbeam_channel::unbounded();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    let (bodies, from_bodies) = crossbeam_channel::unbounded::<String>();
    let writer_output = Arc::clone(&output);
    let writer = std::thread::Builder::new()
        .name("infrac-lsp-writer".into())
        .spawn(move || write_loop(&from_server, &from_bodies, &writer_output))?;
    // The reader is not joined: it may be blocked on input the client never closes.
    std::thread::Builder::new()
        .name("infrac-lsp-reader".into())
        .spawn(move || read_loop(input, &to_server, &output))?;
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    let served = crate::run_with(&connection, Some(bodies));
    drop(connection);
    let written = writer
        .join()
        .map_err(|_| io::Error::other("the writer thread panicked"))?;
    served?;
    written?;
    Ok(())
}

/// Writes what the server sends, messages and serialised bodies alike, until both
/// channels are closed.
fn write_loop(
    messages: &crossbeam_channel::Receiver<Message>,
    bodies: &crossbeam_channel::Receiver<String>,
    output: &Output,
) -> io::Result<()> {
    let (mut messages_open, mut bodies_open) = (true, true);
    // A closed channel is always ready to report that it is closed: it is swapped for
    // one that never is, so the loop waits on the other.
    let (no_messages, no_bodies) = (crossbeam_channel::never(), crossbeam_channel::never());
    while messages_open || bodies_open {
        let message_channel = if messages_open {
            messages
        } else {
            &no_messages
        };
        let body_channel = if bodies_open { bodies } else { &no_bodies };
        crossbeam_channel::select! {
            recv(message_channel) -> message => match message {
                Ok(message) => {
                    let mut out = lock(output)?;
                    message.write(&mut *out)?;
                }
                Err(_) => messages_open = false,
            },
            recv(body_channel) -> body => match body {
                Ok(body) => {
                    let mut out = lock(output)?;
                    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
                    out.write_all(body.as_bytes())?;
                    out.flush()?;
                }
                Err(_) => bodies_open = false,
            },
        }
    }
    Ok(())
}

fn lock(output: &Output) -> io::Result<std::sync::MutexGuard<'_, Box<dyn Write + Send>>> {
    output
        .lock()
        .map_err(|_| io::Error::other("output lock poisoned"))
}

/// What one read of the stream gave.
enum Frame {
    Body(Vec<u8>),
    /// A framing problem, already skipped past.
    Bad(String),
    End,
}

fn read_loop(
    mut input: impl BufRead,
    to_server: &crossbeam_channel::Sender<Message>,
    output: &Output,
) -> io::Result<()> {
    loop {
        let body = match read_frame(&mut input)? {
            Frame::End => return Ok(()),
            Frame::Bad(why) => {
                reply_error(output, Value::Null, ErrorCode::ParseError, &why)?;
                continue;
            }
            Frame::Body(body) => body,
        };
        let value: Value = match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(e) => {
                let why = format!("the message is not JSON: {e}");
                reply_error(output, Value::Null, ErrorCode::ParseError, &why)?;
                continue;
            }
        };
        let id = value
            .get("id")
            .filter(|id| id.is_number() || id.is_string())
            .cloned()
            .unwrap_or(Value::Null);
        match serde_json::from_value::<Message>(value) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_server.send(message).is_err() || exit {
                    return Ok(());
                }
            }
            Err(e) => {
                let why = format!("the JSON is not a JSON-RPC message: {e}");
                reply_error(output, id, ErrorCode::InvalidRequest, &why)?;
            }
        }
    }
}

/// Reads one `Content-Length`-framed body. Header lines that are not `Name: value` are
/// skipped (and reported once for the frame), so the reader finds the next message.
fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut problem: Option<String> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(match problem {
                Some(why) => Frame::Bad(why),
                None => Frame::End,
            });
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if length.is_some() || problem.is_some() {
                break;
            }
            // Blank lines between messages carry nothing.
            continue;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => {
                        problem.get_or_insert(format!("bad Content-Length header: {text:?}"));
                    }
                }
            }
            Some(_) => {}
            None => {
                let shown: String = text.chars().take(80).collect();
                problem.get_or_insert(format!("malformed header line: {shown:?}"));
            }
        }
    }
    let Some(length) = length else {
        return Ok(Frame::Bad(problem.unwrap_or_else(|| {
            "a message without a Content-Length header".into()
        })));
    };
    if length > MAX_BODY {
        return Ok(Frame::Bad(format!(
            "a message of {length} bytes, more than the {MAX_BODY} accepted"
        )));
    }
    let mut body = vec![0; length];
    match input.read_exact(&mut body) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Frame::End),
        Err(e) => return Err(e),
    }
    // A stray header line next to a usable length costs nothing: the body is whole.
    Ok(Frame::Body(body))
}

fn reply_error(output: &Output, id: Value, code: ErrorCode, message: &str) -> io::Result<()> {
    let text = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
    .to_string();
    let mut out = lock(output)?;
    write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    out.flush()
}
