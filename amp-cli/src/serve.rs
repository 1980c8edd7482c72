//! `amp serve`: answers calls from a responses file and prints each one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use amp_runtime::dynamic::{decode_fields, encode_fields, Fields};
use amp_runtime::server::ListenAddr;
use amp_runtime::wire::{ASK, COMMAND};
use amp_runtime::{AmpBox, ArgContext, BoxFuture, ConnectionConfig, Context, ErrorReply, Reply, Responder, Server};
use serde_json::{json, Map, Value as Json};

use crate::addr::Addr;
use crate::display::show_fields;
use crate::exit::{Failure, Outcome};
use crate::json::box_to_json;
use crate::output;
use crate::responses::{self, Answer, Responses};
use crate::schema::{self, Loaded};
use crate::signals::stop_signals;

/// What `amp serve` was given.
#[derive(Debug)]
pub struct ServeRequest {
    /// The schema file.
    pub schema: PathBuf,
    /// `HOST:PORT` (port 0: any free one) or `unix:PATH`.
    pub listen: String,
    /// The responses file; without one every call is answered `UNHANDLED`.
    pub responses: Option<PathBuf>,
}

/// Runs `amp serve` until SIGINT or SIGTERM.
pub async fn run(req: ServeRequest) -> Outcome {
    let loaded = schema::load(&req.schema)?;
    let answers = match &req.responses {
        Some(path) => responses::load(path, &loaded)?,
        None => Responses::default(),
    };
    let addr = Addr::parse(&req.listen).map_err(Failure::usage)?;
    // Watch the signals before saying we listen: a script may send one as
    // soon as it reads the first line.
    let stop = stop_signals()?;
    let responder = Answerer { loaded: Arc::new(loaded), answers: Arc::new(answers) };
    // Twisted's behaviour: an undeclared failure (arguments that do not
    // decode) is answered UNKNOWN and closes the connection.
    let config = ConnectionConfig::default();
    let bound = match &addr {
        Addr::Tcp(host, port) => Server::bind_tcp((host.as_str(), *port), responder, config).await,
        Addr::Unix(path) => Server::bind_unix(path, responder, config).await,
    };
    let server = bound.map_err(|e| Failure::connection(format!("cannot listen on {addr}: {e}")))?;
    let listening = match server.local_addr() {
        ListenAddr::Tcp(a) => a.to_string(),
        ListenAddr::Unix(_) => addr.to_string(),
    };
    output::json_line(&json!({ "listening": listening }));

    stop.await;
    server.shutdown(Duration::from_secs(1)).await;
    Ok(())
}

/// The responder: prints every call, answers from the responses file.
struct Answerer {
    loaded: Arc<Loaded>,
    answers: Arc<Responses>,
}

impl Responder for Answerer {
    fn respond<'a>(&'a self, _cx: &'a Context, command: &'a [u8], arguments: AmpBox) -> BoxFuture<'a, Reply> {
        Box::pin(std::future::ready(self.answer(command, arguments)))
    }
}

impl Answerer {
    fn answer(&self, command: &[u8], mut arguments: AmpBox) -> Reply {
        let asked = arguments.remove(ASK).is_some();
        arguments.remove(COMMAND);
        let mut line = Map::new();
        line.insert("command".into(), Json::String(String::from_utf8_lossy(command).into_owned()));
        let (Some(def), Some(original)) = (self.loaded.command(command), self.loaded.original_command(command)) else {
            line.insert("arguments".into(), box_to_json(&arguments));
            output::json_line(&Json::Object(line));
            return if asked { Reply::Unhandled } else { Reply::Answer(AmpBox::new()) };
        };
        let registry = &self.loaded.registry;
        let decoded = match decode_fields(&def.arguments, &arguments, registry, &mut ArgContext::new()) {
            Ok(decoded) => decoded,
            Err(e) => {
                line.insert("arguments".into(), box_to_json(&arguments));
                line.insert("decode_error".into(), Json::String(e.to_string()));
                output::json_line(&Json::Object(line));
                // As Twisted: UNKNOWN, then the connection closes. A box
                // without _ask cannot be answered; the connection is kept.
                return if asked {
                    Reply::Failed(format!("bad arguments for {}: {e}", def.name))
                } else {
                    Reply::Answer(AmpBox::new())
                };
            }
        };
        let shown = show_fields(original, &original.arguments, &decoded);
        line.insert("arguments".into(), shown.fields);
        if !shown.pickle_errors.is_empty() {
            line.insert("pickle_errors".into(), Json::Object(shown.pickle_errors));
        }
        output::json_line(&Json::Object(line));
        if !asked {
            // Never answered, whatever the command (Twisted would drop the
            // connection when such a box fails; this keeps it).
            return Reply::Answer(AmpBox::new());
        }
        match self.answers.get(command) {
            None => Reply::Unhandled,
            Some(Answer::Response(fields)) => Reply::Answer(fields.clone()),
            Some(Answer::Error { code, description, fatal: true }) => {
                Reply::Error(ErrorReply::fatal(code, description))
            }
            Some(Answer::Error { code, description, fatal: false }) => Reply::Error(ErrorReply::new(code, description)),
            Some(Answer::Echo) => {
                let echoed: Fields = def
                    .response
                    .iter()
                    .map(|f| (f.name.clone(), decoded.get(&f.name).cloned()))
                    .collect::<Vec<_>>()
                    .into();
                match encode_fields(&def.response, &echoed, registry, &mut ArgContext::new()) {
                    Ok(answer) => Reply::Answer(answer),
                    Err(e) => Reply::Failed(format!("cannot echo the arguments of {}: {e}", def.name)),
                }
            }
        }
    }
}
