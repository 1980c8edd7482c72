//! [`Router`]: a [`Responder`] built at run time, handler by handler.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;

use crate::command::Command;
use crate::connection::{typed, BoxFuture, Context, ErrorReply, Reply, Responder};
use crate::wire::{AmpBox, ASK, COMMAND};

type Handler = Arc<dyn Fn(Context, AmpBox) -> BoxFuture<'static, Reply> + Send + Sync>;
type Fallback = Arc<dyn Fn(Context, Bytes, AmpBox) -> BoxFuture<'static, Reply> + Send + Sync>;

/// Answers calls by wire name with handlers registered at run time: for
/// schema-less use (raw boxes) or to mix typed commands without a generated
/// dispatcher. A name with no handler is answered `UNHANDLED`, unless a
/// [`fallback`](Router::fallback) is set.
///
/// Raw handlers get the argument box without `_command` and `_ask`, and
/// return the answer fields (`_answer` is added) or an [`ErrorReply`].
///
/// ```
/// use amp_runtime::{AmpBox, ErrorReply, Router};
/// let router = Router::new().route("Echo", |_cx, args: AmpBox| async move {
///     let text = args.get("text").cloned().ok_or_else(|| ErrorReply::new("MISSING", "no text"))?;
///     Ok([("text", text)].into_iter().collect())
/// });
/// assert!(router.contains("Echo"));
/// ```
#[derive(Clone, Default)]
pub struct Router {
    routes: HashMap<Bytes, Handler>,
    fallback: Option<Fallback>,
}

fn raw_handler<F, Fut>(handler: F) -> Handler
where
    F: Fn(Context, AmpBox) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<AmpBox, ErrorReply>> + Send + 'static,
{
    Arc::new(move |cx, mut args| {
        args.remove(COMMAND);
        args.remove(ASK);
        let fut = handler(cx, args);
        Box::pin(async move {
            match fut.await {
                Ok(answer) => Reply::Answer(answer),
                Err(e) => Reply::Error(e),
            }
        })
    })
}

impl Router {
    /// A router with no handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the raw handler of the command `name`.
    pub fn route<F, Fut>(mut self, name: impl AsRef<[u8]>, handler: F) -> Self
    where
        F: Fn(Context, AmpBox) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AmpBox, ErrorReply>> + Send + 'static,
    {
        self.insert(name, handler);
        self
    }

    /// Adds (or replaces) the raw handler of `name`; returns whether one was replaced.
    pub fn insert<F, Fut>(&mut self, name: impl AsRef<[u8]>, handler: F) -> bool
    where
        F: Fn(Context, AmpBox) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AmpBox, ErrorReply>> + Send + 'static,
    {
        self.routes.insert(Bytes::copy_from_slice(name.as_ref()), raw_handler(handler)).is_some()
    }

    /// Adds (or replaces) a typed handler for the command `C`: its arguments
    /// are decoded (descriptors included), its result encoded; a declared
    /// error is answered with its code, a fatal one closes the connection
    /// after the answer, and undecodable arguments are an undeclared failure.
    pub fn command<C, F, Fut>(mut self, handler: F) -> Self
    where
        C: Command,
        F: Fn(Context, C::Arguments) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<C::Response, C::Error>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let route: Handler = Arc::new(move |cx: Context, args| {
            let (handler, handler_cx) = (handler.clone(), cx.clone());
            Box::pin(typed::answer::<C, _, _>(cx, args, move |args| handler(handler_cx, args)))
        });
        self.routes.insert(Bytes::from_static(C::NAME.as_bytes()), route);
        self
    }

    /// Answers every name without a handler (given the command name and the
    /// raw arguments, `_command` and `_ask` removed) instead of `UNHANDLED`.
    pub fn fallback<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Context, Bytes, AmpBox) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AmpBox, ErrorReply>> + Send + 'static,
    {
        self.fallback = Some(Arc::new(move |cx, name, mut args| {
            args.remove(COMMAND);
            args.remove(ASK);
            let fut = handler(cx, name, args);
            Box::pin(async move {
                match fut.await {
                    Ok(answer) => Reply::Answer(answer),
                    Err(e) => Reply::Error(e),
                }
            })
        }));
        self
    }

    /// Removes the handler of `name`; returns whether there was one.
    pub fn remove(&mut self, name: impl AsRef<[u8]>) -> bool {
        self.routes.remove(name.as_ref()).is_some()
    }

    /// Whether `name` has a handler.
    pub fn contains(&self, name: impl AsRef<[u8]>) -> bool {
        self.routes.contains_key(name.as_ref())
    }

    /// The names with a handler, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.routes.keys().map(|k| k.as_ref())
    }
}

impl Responder for Router {
    fn respond<'a>(&'a self, cx: &'a Context, command: &'a [u8], arguments: AmpBox) -> BoxFuture<'a, Reply> {
        match (self.routes.get(command), &self.fallback) {
            (Some(handler), _) => handler(cx.clone(), arguments),
            (None, Some(fallback)) => fallback(cx.clone(), Bytes::copy_from_slice(command), arguments),
            (None, None) => Box::pin(std::future::ready(Reply::Unhandled)),
        }
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = self.routes.keys().map(|k| String::from_utf8_lossy(k).into_owned()).collect();
        names.sort();
        f.debug_struct("Router").field("routes", &names).field("fallback", &self.fallback.is_some()).finish()
    }
}
