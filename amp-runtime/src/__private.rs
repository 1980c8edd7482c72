//! Runtime helpers that keep the code `#[amp_command]` generates small.
//! Everything here is named by absolute path from generated code.

pub use ::bytes::Bytes;
pub use ::std::boxed::Box;
pub use ::std::future::Future;
pub use ::std::option::Option::{self, None, Some};
pub use ::std::result::Result::{self, Err, Ok};
pub use ::std::string::String;
pub use ::std::vec::Vec;

use crate::command::{Command, CommandError};
use crate::connection::{BoxFuture, ErrorReply, Reply};
use crate::types::{ArgContext, BoxFields};
use crate::wire::AmpBox;

/// Decodes `C`'s arguments from `arguments`, runs `handler`, and turns its
/// outcome into a [`Reply`].
pub fn respond<'a, C, F, Fut>(arguments: AmpBox, handler: F) -> BoxFuture<'a, Reply>
where
    C: Command,
    F: FnOnce(C::Arguments) -> Fut + Send + 'a,
    Fut: Future<Output = Result<C::Response, C::Error>> + Send + 'a,
{
    Box::pin(async move {
        let mut acx = ArgContext::new();
        let args = match C::Arguments::read_fields(&arguments, &mut acx) {
            Ok(a) => a,
            Err(e) => return Reply::Failed(format!("bad arguments for {}: {e}", C::NAME)),
        };
        match handler(args).await {
            Ok(response) => {
                let mut out = AmpBox::new();
                match response.write_fields(&mut out, &mut acx) {
                    Ok(()) => Reply::Answer(out),
                    Err(e) => Reply::Failed(format!("cannot encode the response of {}: {e}", C::NAME)),
                }
            }
            Err(e) => Reply::Error(ErrorReply {
                code: Bytes::from_static(e.code().as_bytes()),
                description: e.description().to_owned(),
                fatal: e.is_fatal(),
            }),
        }
    })
}

/// The reply for a command the dispatcher does not know.
pub fn unhandled<'a>() -> BoxFuture<'a, Reply> {
    Box::pin(::std::future::ready(Reply::Unhandled))
}
