//! `FunctionCall` done right: a registry of Rust functions callable by
//! `(module, function)` name, with pickled arguments and result.
//!
//! Evennia's `FunctionCall(module, function, args, kwargs) -> result` lets
//! either process call a function of the other: `args` is
//! `pickle.dumps(args_tuple)`, `kwargs` `pickle.dumps(kwargs_dict)`, the
//! answer's `result` `pickle.dumps(return_value)`.
//!
//! **Evennia 6.1.0 cannot answer it.** Its responder is declared as
//! `receive_functioncall(self, module, function, func_args, func_kwargs)`
//! under a broken `@wraps`-decorated `catch_traceback`, and Twisted calls
//! responders with the command's argument names, so every call is answered
//! `EXCEPTION` / `catch_traceback() got an unexpected keyword argument 'args'
//! (error logged on other side)` (captured from a real Portal). Even if it
//! were reached, it would call *any* importable function by name.
//!
//! Here only the functions registered in a [`FunctionRegistry`] can be
//! called. A call of anything else, arguments that are not a pickled tuple
//! and a `str`-keyed dict, a function that fails, or a result that cannot be
//! pickled, is answered `EXCEPTION` with a description saying which; the
//! connection stays up.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use amp_runtime::{BoxFuture, CallError, Peer};
use bytes::Bytes;

use crate::codec::pickle::{self, Value};
use crate::commands::{FunctionCall, FunctionCallArguments, FunctionCallError, FunctionCallResponse};
use crate::payload::{Kwargs, PayloadError};
use crate::role::exception::evennia_description;

/// The arguments a remote caller passed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionArgs {
    /// Positional arguments (the pickled tuple).
    pub args: Vec<Value>,
    /// Keyword arguments (the pickled dict).
    pub kwargs: Kwargs,
}

/// A failure of a registered function: answered as `EXCEPTION` with this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError(pub String);

impl FunctionError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        FunctionError(message.into())
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FunctionError {}

/// What a registered function returns.
pub type FunctionResult = Result<Value, FunctionError>;

type SyncFunction = dyn Fn(FunctionArgs) -> FunctionResult + Send + Sync;
type AsyncFunction = dyn Fn(FunctionArgs) -> BoxFuture<'static, FunctionResult> + Send + Sync;

#[derive(Clone)]
enum Function {
    Sync(Arc<SyncFunction>),
    Async(Arc<AsyncFunction>),
}

/// The functions a peer may call with `FunctionCall`, by `(module, function)`.
///
/// ```
/// use amp_evennia::role::function_call::{FunctionRegistry, FunctionError};
/// use amp_evennia::codec::pickle::Value;
///
/// let mut functions = FunctionRegistry::new();
/// functions.register("game.maths", "add", |call| {
///     let sum = call.args.iter().map(|v| v.as_i64().ok_or_else(|| FunctionError::new("ints only"))).sum::<Result<i64, _>>()?;
///     Ok(Value::from(sum))
/// });
/// assert!(functions.contains("game.maths", "add"));
/// ```
#[derive(Clone, Default)]
pub struct FunctionRegistry {
    functions: HashMap<(String, String), Function>,
}

impl fmt::Debug for FunctionRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = self.functions.keys().map(|(m, n)| format!("{m}.{n}")).collect();
        names.sort();
        f.debug_struct("FunctionRegistry").field("functions", &names).finish()
    }
}

impl FunctionRegistry {
    /// No functions: every call is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `module.function`, run on the connection's task: keep it
    /// quick (use [`register_async`](Self::register_async) and
    /// `spawn_blocking` for heavy work). Replaces a previous registration.
    pub fn register<F>(&mut self, module: &str, function: &str, f: F) -> &mut Self
    where
        F: Fn(FunctionArgs) -> FunctionResult + Send + Sync + 'static,
    {
        self.functions.insert((module.to_owned(), function.to_owned()), Function::Sync(Arc::new(f)));
        self
    }

    /// Registers an async `module.function`.
    pub fn register_async<F, Fut>(&mut self, module: &str, function: &str, f: F) -> &mut Self
    where
        F: Fn(FunctionArgs) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = FunctionResult> + Send + 'static,
    {
        let f = Arc::new(move |args| Box::pin(f(args)) as BoxFuture<'static, FunctionResult>);
        self.functions.insert((module.to_owned(), function.to_owned()), Function::Async(f));
        self
    }

    /// Whether `module.function` is registered.
    pub fn contains(&self, module: &str, function: &str) -> bool {
        self.functions.contains_key(&(module.to_owned(), function.to_owned()))
    }

    /// Number of registered functions.
    pub fn len(&self) -> usize {
        self.functions.len()
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }

    /// Answers one `FunctionCall`: finds the function, unpickles the
    /// arguments, calls it and pickles the result (protocol 5).
    pub async fn answer(&self, call: FunctionCallArguments) -> Result<FunctionCallResponse, FunctionCallError> {
        let fail = |text: String| FunctionCallError::Exception(evennia_description(text));
        let name = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
        let (module, function) = (name(&call.module), name(&call.function));
        let found = self.functions.get(&(module.clone(), function.clone())).cloned();
        let Some(found) = found else {
            return Err(fail(format!("no function {module}.{function} is registered for FunctionCall")));
        };
        let args = decode_args(&call.args).map_err(|e| fail(format!("args: {e}")))?;
        let kwargs = decode_kwargs(&call.kwargs).map_err(|e| fail(format!("kwargs: {e}")))?;
        let call_args = FunctionArgs { args, kwargs };
        let result = match found {
            Function::Sync(f) => f(call_args),
            Function::Async(f) => f(call_args).await,
        }
        .map_err(|e| fail(format!("{module}.{function}: {e}")))?;
        let result = pickle::encode(&result).map_err(|e| fail(format!("cannot pickle the result: {e}")))?;
        Ok(FunctionCallResponse { result: Bytes::from(result) })
    }
}

fn decode_args(bytes: &[u8]) -> Result<Vec<Value>, PayloadError> {
    match pickle::decode(bytes).map_err(pickle::Error::from)? {
        // Python's `f(*args)` takes any sequence; Evennia sends a tuple.
        Value::Tuple(items) | Value::List(items) => Ok(items),
        other => Err(crate::payload::bad_field("args", "a tuple", &other)),
    }
}

fn decode_kwargs(bytes: &[u8]) -> Result<Kwargs, PayloadError> {
    Kwargs::from_value(pickle::decode(bytes).map_err(pickle::Error::from)?)
}

/// Why [`call_function`] failed.
#[derive(Debug, thiserror::Error)]
pub enum CallFunctionError {
    /// The arguments could not be pickled.
    #[error("cannot pickle the arguments: {0}")]
    Arguments(pickle::Error),
    /// The call failed (an `EXCEPTION` answer is `CallError::Declared`).
    #[error(transparent)]
    Call(#[from] CallError<FunctionCallError>),
    /// The result is no pickle this codec reads.
    #[error("cannot unpickle the result: {0}")]
    Result(pickle::Error),
}

/// Calls `module.function(*args, **kwargs)` on the peer and unpickles its
/// result, as Evennia's `send_FunctionCall` does. (A real Evennia 6.1 peer
/// answers every call with `EXCEPTION`, see the module docs.)
pub async fn call_function(
    peer: &Peer,
    module: &str,
    function: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> Result<Value, CallFunctionError> {
    let encode = |v: &Value| pickle::encode(v).map(Bytes::from).map_err(|e| CallFunctionError::Arguments(e.into()));
    let call = FunctionCallArguments {
        module: Bytes::copy_from_slice(module.as_bytes()),
        function: Bytes::copy_from_slice(function.as_bytes()),
        args: encode(&Value::Tuple(args))?,
        kwargs: encode(&kwargs.into_value())?,
    };
    let answer = peer.call::<FunctionCall>(call).await?;
    pickle::decode(&answer.result).map_err(|e| CallFunctionError::Result(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(module: &str, function: &str, args: Value, kwargs: Value) -> FunctionCallArguments {
        FunctionCallArguments {
            module: Bytes::copy_from_slice(module.as_bytes()),
            function: Bytes::copy_from_slice(function.as_bytes()),
            args: Bytes::from(pickle::encode(&args).unwrap()),
            kwargs: Bytes::from(pickle::encode(&kwargs).unwrap()),
        }
    }

    fn registry() -> FunctionRegistry {
        let mut r = FunctionRegistry::new();
        r.register("m", "add", |c| {
            let total: i64 = c.args.iter().filter_map(Value::as_i64).sum();
            let scale = c.kwargs.get("scale").and_then(Value::as_i64).unwrap_or(1);
            Ok(Value::from(total * scale))
        });
        r.register("m", "fail", |_| Err(FunctionError::new("nope")));
        r.register_async("m", "later", |c| async move { Ok(Value::List(c.args)) });
        r
    }

    fn exception(e: FunctionCallError) -> String {
        match e {
            FunctionCallError::Exception(text) => text,
        }
    }

    #[tokio::test]
    async fn registered_functions_answer_pickled_results() {
        let r = registry();
        let kwargs = Kwargs::new().with("scale", 10).into_value();
        let answer = r.answer(call("m", "add", Value::Tuple(vec![1.into(), 2.into()]), kwargs)).await.unwrap();
        assert_eq!(pickle::decode(&answer.result).unwrap(), Value::from(30));
        let answer = r.answer(call("m", "later", Value::Tuple(vec!["a".into()]), Value::Dict(vec![]))).await.unwrap();
        assert_eq!(pickle::decode(&answer.result).unwrap(), Value::List(vec!["a".into()]));
    }

    #[tokio::test]
    async fn anything_else_is_an_exception() {
        let r = registry();
        let empty = || Value::Dict(vec![]);
        let e = exception(r.answer(call("os", "system", Value::Tuple(vec![]), empty())).await.unwrap_err());
        // Every description ends as Evennia's do.
        assert_eq!(e, "no function os.system is registered for FunctionCall (error logged on other side)");
        let e = exception(r.answer(call("m", "fail", Value::Tuple(vec![]), empty())).await.unwrap_err());
        assert_eq!(e, "m.fail: nope (error logged on other side)");
        let e = exception(r.answer(call("m", "add", Value::from(3), empty())).await.unwrap_err());
        assert!(e.starts_with("args: "), "{e}");
        let e = exception(r.answer(call("m", "add", Value::Tuple(vec![]), Value::List(vec![]))).await.unwrap_err());
        assert!(e.starts_with("kwargs: "), "{e}");
        let mut garbage = call("m", "add", Value::Tuple(vec![]), empty());
        garbage.args = Bytes::from_static(b"\x80\x05not a pickle");
        assert!(exception(r.answer(garbage).await.unwrap_err()).starts_with("args: "));
    }
}
