//! The value model: what a pickle holds, as data.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

/// A Python value read from (or written to) a pickle.
///
/// Built-in values map to their own variant. Anything else (a class instance, a
/// `datetime`, an `OrderedDict`, ...) is an [`Object`]: the recipe the pickle
/// gives to rebuild it (which global to call, with which arguments, then which
/// state to set), kept as data and written back unchanged. Nothing is ever
/// imported or executed.
///
/// Equality is structural: dict pairs and set members compare in order, `1`
/// differs from `True` and `1.0`, and floats compare by value except that NaN
/// equals NaN (so a decoded value equals itself).
///
/// Dropping, cloning, comparing and printing recurse once per nesting level;
/// decoded values are capped by [`Limits::max_depth`](super::Limits::max_depth),
/// and encoding never recurses, but a value nested thousands deep built in Rust
/// needs a large stack for those operations.
#[derive(Debug, Clone)]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// An `int` outside the `i64` range (the decoder never puts a small int here).
    BigInt(Box<BigInt>),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `bytes`.
    Bytes(Vec<u8>),
    /// A `bytearray`.
    ByteArray(Vec<u8>),
    /// A `list`.
    List(Vec<Value>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// A `dict`, pairs in insertion order.
    Dict(Vec<(Value, Value)>),
    /// A `set`, members in the pickle's order.
    Set(Vec<Value>),
    /// A `frozenset`, members in the pickle's order.
    FrozenSet(Vec<Value>),
    /// A reference to a module-level name (a class or a function), by name only.
    Global(Box<Global>),
    /// Anything else: an object the pickle builds by calling a global.
    Object(Box<Object>),
}

/// A module-level name a pickle refers to, such as `datetime.datetime`.
///
/// Pickles of protocol 0 to 2 name some modules the Python 2 way
/// (`__builtin__`, `copy_reg`); the decoder maps those to their Python 3 names
/// as CPython does, so `module` is always the Python 3 name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Global {
    /// The module, e.g. `datetime`.
    pub module: String,
    /// The name in the module, e.g. `datetime` (may be dotted: `Outer.Inner`).
    pub name: String,
}

impl Global {
    /// A reference to `module.name`.
    pub fn new(module: impl Into<String>, name: impl Into<String>) -> Self {
        Global { module: module.into(), name: name.into() }
    }

    /// Whether this is `module.name`.
    pub fn is(&self, module: &str, name: &str) -> bool {
        self.module == module && self.name == name
    }
}

/// How an [`Object`] is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ObjectKind {
    /// `callable(*args)` (opcode REDUCE; also INST and OBJ of protocol 0/1).
    Reduce,
    /// `cls.__new__(cls, *args)` (opcode NEWOBJ).
    NewObj,
    /// `cls.__new__(cls, *args, **kwargs)` (opcode NEWOBJ_EX).
    NewObjEx,
}

/// An object a pickle builds, kept as its recipe.
///
/// Python runs these steps in this order: create the object (see [`ObjectKind`]),
/// append `list_items`, set `dict_items`, then apply `state` (BUILD). The encoder
/// writes them back in that order, which is the order CPython writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// What is called: usually a [`Value::Global`], sometimes another object
    /// (for example `getattr(cls, "__new__")`).
    pub callable: Value,
    /// How the callable is used.
    pub kind: ObjectKind,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments ([`ObjectKind::NewObjEx`] only).
    pub kwargs: Vec<(Value, Value)>,
    /// Items appended after creation (APPEND/APPENDS, list subclasses).
    pub list_items: Vec<Value>,
    /// Items set after creation (SETITEM/SETITEMS, dict subclasses such as `OrderedDict`).
    pub dict_items: Vec<(Value, Value)>,
    /// The state given to `__setstate__` or merged into `__dict__` (BUILD).
    pub state: Option<Value>,
}

impl Object {
    /// `callable(*args)`, the form `datetime.datetime(b'...')` takes.
    pub fn reduce(callable: Value, args: Vec<Value>) -> Self {
        Object {
            callable,
            kind: ObjectKind::Reduce,
            args,
            kwargs: Vec::new(),
            list_items: Vec::new(),
            dict_items: Vec::new(),
            state: None,
        }
    }

    /// The global called, when the callable is one.
    pub fn global(&self) -> Option<&Global> {
        match &self.callable {
            Value::Global(g) => Some(g),
            _ => None,
        }
    }
}

impl Value {
    /// A reference to the global `module.name`.
    pub fn global(module: impl Into<String>, name: impl Into<String>) -> Value {
        Value::Global(Box::new(Global::new(module, name)))
    }

    /// An int of any size, stored as [`Value::Int`] when it fits in an `i64`.
    pub fn from_bigint(n: BigInt) -> Value {
        match n.to_i64() {
            Some(small) => Value::Int(small),
            None => Value::BigInt(Box::new(n)),
        }
    }

    /// The decimal text of an int, or `None` when it has more digits than
    /// CPython converts (4,300, `sys.get_int_max_str_digits()`): the
    /// conversion is quadratic, so a hostile 30 MB int must not reach it.
    pub fn int_text(&self) -> Option<String> {
        match self {
            Value::Int(n) => Some(n.to_string()),
            // 4300 decimal digits hold fewer than 14,286 bits: only ints near
            // the limit need their digits counted.
            Value::BigInt(n) if n.bits() <= 14_286 => {
                let text = n.to_string();
                (text.trim_start_matches('-').len() <= 4300).then_some(text)
            }
            _ => None,
        }
    }

    /// The Python type name (`"str"`, `"tuple"`, ...); `"global"` and `"object"`
    /// for the two opaque kinds.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::ByteArray(_) => "bytearray",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Global(_) => "global",
            Value::Object(_) => "object",
        }
    }

    /// The text of a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An `int` that fits in an `i64` (not a bool).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::BigInt(n) => n.to_i64(),
            _ => None,
        }
    }

    /// An `int` of any size (not a bool).
    pub fn as_bigint(&self) -> Option<BigInt> {
        match self {
            Value::Int(n) => Some(BigInt::from(*n)),
            Value::BigInt(n) => Some((**n).clone()),
            _ => None,
        }
    }

    /// A `float`, or an `int` converted to one (as Python arithmetic would).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(n) => Some(*n as f64),
            Value::BigInt(n) => n.to_f64(),
            _ => None,
        }
    }

    /// A `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The bytes of a `bytes` or `bytearray`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) | Value::ByteArray(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a `list` or `tuple`.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The pairs of a `dict`.
    pub fn as_dict(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Dict(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// The value under the `str` key `key` of a `dict` (the last one, as Python
    /// keeps the last value set for a key).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict()?.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// Whether Python can hash this value, i.e. use it as a dict key or set member.
    ///
    /// Lists, dicts, sets and bytearrays cannot; a tuple can when all its items can.
    /// Objects are assumed hashable (Python's default). Iterative: any depth is safe.
    pub fn is_hashable(&self) -> bool {
        // Most keys are scalars: answer without allocating.
        match self {
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => return false,
            Value::Tuple(_) | Value::FrozenSet(_) => {}
            _ => return true,
        }
        let mut todo = vec![self];
        while let Some(v) = todo.pop() {
            match v {
                Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => return false,
                Value::Tuple(items) => todo.extend(items),
                // A frozenset's members are hashable by construction in Python;
                // check them anyway for values built in Rust.
                Value::FrozenSet(items) => todo.extend(items),
                _ => {}
            }
        }
        true
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (BigInt(a), BigInt(b)) => a == b,
            (Int(a), BigInt(b)) | (BigInt(b), Int(a)) => **b == num_bigint::BigInt::from(*a),
            (Float(a), Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Str(a), Str(b)) => a == b,
            (Bytes(a), Bytes(b)) | (ByteArray(a), ByteArray(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) | (Set(a), Set(b)) | (FrozenSet(a), FrozenSet(b)) => a == b,
            (Dict(a), Dict(b)) => a == b,
            (Global(a), Global(b)) => a == b,
            (Object(a), Object(b)) => a == b,
            _ => false,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Int(i64::from(n))
            }
        }
    )*};
}
from_small_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_big_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                match i64::try_from(n) {
                    Ok(small) => Value::Int(small),
                    Err(_) => Value::BigInt(Box::new(BigInt::from(n))),
                }
            }
        }
    )*};
}
from_big_int!(u64, i128, u128, isize, usize);

impl From<BigInt> for Value {
    fn from(n: BigInt) -> Value {
        Value::from_bigint(n)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Value {
        Value::Float(f64::from(f))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Value {
        Value::Bytes(b.to_vec())
    }
}

impl From<Vec<u8>> for Value {
    /// Bytes become a Python `bytes` (use [`Value::List`] for a list of ints).
    fn from(b: Vec<u8>) -> Value {
        Value::Bytes(b)
    }
}

impl From<Vec<Value>> for Value {
    /// A Python `list`.
    fn from(items: Vec<Value>) -> Value {
        Value::List(items)
    }
}

impl From<Global> for Value {
    fn from(g: Global) -> Value {
        Value::Global(Box::new(g))
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(Box::new(o))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::None, Into::into)
    }
}
