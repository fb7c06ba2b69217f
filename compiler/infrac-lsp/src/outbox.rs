//! Where the server's answers and notifications go, serialised once.
//!
//! `lsp-server`'s messages carry their results and parameters as `serde_json::Value`
//! trees. For a large answer the tree costs far more than the answer: the document
//! symbols of a 5,000-guest lab are a tree of about a quarter of a million nodes, and
//! building it, writing it and freeing it took 70 ms against 4 ms for writing the same
//! symbols as JSON straight from their types. Over a byte stream ([`crate::serve`]) the
//! server therefore hands the writer finished message bodies; over an in-memory
//! connection (tests, benchmarks), which carries `Message`s, they are read back into one.

use lsp_server::{Message, Notification, RequestId, Response};
use lsp_types::notification::{LogMessage, Notification as _};
use lsp_types::{LogMessageParams, MessageType};
use serde::Serialize;
use serde_json::value::RawValue;

/// An answer's result, serialised already.
pub(crate) type Serialised = Box<RawValue>;

/// The server's way out: the connection's channel of messages, and the transport's
/// channel of serialised bodies when there is one.
#[derive(Clone)]
pub(crate) struct Outbox {
    messages: crossbeam_channel::Sender<Message>,
    bodies: Option<crossbeam_channel::Sender<String>>,
}

#[derive(Serialize)]
struct ReplyBody<'a> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    result: &'a RawValue,
}

#[derive(Serialize)]
struct NotificationBody<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
}

impl Outbox {
    pub(crate) fn new(
        messages: crossbeam_channel::Sender<Message>,
        bodies: Option<crossbeam_channel::Sender<String>>,
    ) -> Self {
        Outbox { messages, bodies }
    }

    /// Sends a message as it is (errors, and what `lsp-server` itself sends).
    /// False when the client is gone.
    pub(crate) fn send(&self, message: Message) -> bool {
        self.messages.send(message).is_ok()
    }

    /// Answers request `id` with `result`.
    pub(crate) fn reply(&self, id: RequestId, result: &RawValue) -> bool {
        match &self.bodies {
            Some(bodies) => {
                let body = ReplyBody {
                    jsonrpc: "2.0",
                    id: &id,
                    result,
                };
                match serde_json::to_string(&body) {
                    Ok(body) => bodies.send(body).is_ok(),
                    Err(e) => self.fail(id, &e),
                }
            }
            None => match serde_json::from_str(result.get()) {
                Ok(value) => self.send(Message::Response(Response {
                    id,
                    response_result: Ok(value),
                })),
                Err(e) => self.fail(id, &e),
            },
        }
    }

    /// Sends the notification `method` with `params`. False when the client is gone.
    pub(crate) fn notify(&self, method: &str, params: &impl Serialize) -> bool {
        let sent = match &self.bodies {
            Some(bodies) => serde_json::to_string(&NotificationBody {
                jsonrpc: "2.0",
                method,
                params,
            })
            .map(|body| bodies.send(body).is_ok()),
            None => serde_json::to_value(params).map(|params| {
                self.send(Message::Notification(Notification {
                    method: method.to_string(),
                    params,
                }))
            }),
        };
        // Parameters the server built itself always serialise; a failure would be a bug.
        // The client gets a log entry rather than half a message, and the server goes on:
        // the client is still there.
        sent.unwrap_or_else(|e| {
            self.send(Message::Notification(Notification::new(
                LogMessage::METHOD.to_string(),
                LogMessageParams {
                    typ: MessageType::ERROR,
                    message: format!("could not write a `{method}` notification: {e}"),
                },
            )))
        })
    }

    fn fail(&self, id: RequestId, why: &serde_json::Error) -> bool {
        let code = lsp_server::ErrorCode::InternalError as i32;
        self.send(Message::Response(Response::new_err(
            id,
            code,
            why.to_string(),
        )))
    }
}

/// `value` as an answer's result.
pub(crate) fn result(value: &impl Serialize) -> serde_json::Result<Serialised> {
    serde_json::value::to_raw_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Parameters serde_json cannot write: a map whose keys are not strings.
    fn unwritable() -> BTreeMap<(u8, u8), u8> {
        BTreeMap::from([((1, 2), 3)])
    }

    fn logged(message: Message) -> String {
        match message {
            Message::Notification(n) if n.method == LogMessage::METHOD => {
                serde_json::from_value::<LogMessageParams>(n.params)
                    .expect("log parameters")
                    .message
            }
            other => panic!("expected a log message, got {other:?}"),
        }
    }

    /// A notification that cannot be written becomes a log entry, over either kind of
    /// connection, and the server is told the client is still there.
    #[test]
    fn an_unwritable_notification_is_logged_not_taken_for_a_lost_client() {
        let (messages, received) = crossbeam_channel::unbounded();
        let (bodies, written) = crossbeam_channel::unbounded();
        let over_bytes = Outbox::new(messages.clone(), Some(bodies));
        assert!(over_bytes.notify("custom/odd", &unwritable()));
        assert!(written.try_recv().is_err(), "no half-written body");
        assert!(logged(received.try_recv().expect("a log message")).contains("custom/odd"));

        let in_memory = Outbox::new(messages, None);
        assert!(in_memory.notify("custom/odd", &unwritable()));
        assert!(logged(received.try_recv().expect("a log message")).contains("custom/odd"));

        drop(received);
        assert!(
            !in_memory.notify("custom/odd", &unwritable()),
            "the client is gone"
        );
    }
}
