//! The schema model: what a TOML schema declares, with source spans.
//!
//! One [`Schema`] mirrors a set of Twisted `amp.Command` classes: their
//! arguments, responses, errors and fatal errors, plus custom argument types
//! and named protocols (the commands one peer answers).

/// A byte range in the schema's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A whole schema file.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Commands in file order (`[commands.X]`).
    pub commands: Vec<CommandDef>,
    /// Custom argument types (`[types.X]`).
    pub types: Vec<CustomType>,
    /// Named protocols (`[protocols.X]`).
    pub protocols: Vec<ProtocolDef>,
}

/// One command (`[commands.KEY]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandDef {
    /// The table key: names the generated Rust items (`KEY`, `KEYArguments`, ...).
    pub key: String,
    /// The wire name (`commandName`): `name = "..."`, else the table key.
    pub name: String,
    /// `arguments`, in declaration order.
    pub arguments: Vec<Field>,
    /// `response`, in declaration order.
    pub response: Vec<Field>,
    /// `errors`: exception name -> wire code, in declaration order.
    pub errors: Vec<ErrorDef>,
    /// `fatal_errors`: exception name -> wire code, in declaration order.
    pub fatal_errors: Vec<ErrorDef>,
    /// `requires_answer` (default true).
    pub requires_answer: bool,
    /// The table key's span.
    pub span: Span,
}

/// One argument or response field, or a field of an AmpList element.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The wire name (the box key).
    pub name: String,
    /// Its type.
    pub ty: TypeRef,
    /// `optional = true`: absent on the wire when None.
    pub optional: bool,
    /// The field's span (its inline table).
    pub span: Span,
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `Integer`, with the Rust representation chosen by `repr`.
    Integer(IntRepr),
    /// `String`: raw bytes.
    String,
    /// `Unicode`: UTF-8 text.
    Unicode,
    /// `Path`: a filesystem path as UTF-8.
    Path,
    /// `Boolean`: `True` / `False`.
    Boolean,
    /// `Float`: Python's `str(float)`.
    Float,
    /// `Decimal`: Python's `str(Decimal)`.
    Decimal,
    /// `DateTime`: 32 characters with a fixed offset.
    DateTime,
    /// `Descriptor`: a file descriptor passed over a Unix socket.
    Descriptor,
    /// `ListOf` with `of`: elements of a type with a plain string form.
    ListOf(Box<TypeRef>),
    /// `AmpList` with `fields`: a list of boxes.
    AmpList(Vec<Field>),
    /// A type declared under `[types.NAME]`.
    Custom(String),
}

/// The Rust type an `Integer` maps to (`repr = "..."`, default `i64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntRepr {
    /// `repr = "i64"` (the default).
    #[default]
    I64,
    /// `repr = "u64"`.
    U64,
    /// `repr = "i128"`.
    I128,
    /// `repr = "big"`: `num_bigint::BigInt`, any size.
    Big,
}

/// One row of `errors` or `fatal_errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDef {
    /// The exception name (the Rust error variant).
    pub exception: String,
    /// The wire code.
    pub code: String,
    /// The row's span.
    pub span: Span,
}

/// A custom argument type (`[types.NAME]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomType {
    /// The name fields use in `type = "..."`.
    pub name: String,
    /// `rust = "path::To::Codec"`: a type implementing `amp_runtime::ArgumentType`.
    pub rust: String,
    /// The table key's span (`Compressed` in `[types.Compressed]`).
    pub span: Span,
}

/// A named protocol (`[protocols.NAME]`): the commands one peer answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolDef {
    /// The protocol name (`Server` gives `ServerHandler`).
    pub name: String,
    /// Table keys of the commands it answers, in order.
    pub answers: Vec<String>,
    /// The table key's span (`Server` in `[protocols.Server]`).
    pub span: Span,
}

impl Schema {
    /// The command with table key `key`.
    pub fn command(&self, key: &str) -> Option<&CommandDef> {
        self.commands.iter().find(|c| c.key == key)
    }

    /// The command with wire name `name`.
    pub fn command_by_wire_name(&self, name: &[u8]) -> Option<&CommandDef> {
        self.commands.iter().find(|c| c.name.as_bytes() == name)
    }

    /// The custom type named `name`.
    pub fn custom_type(&self, name: &str) -> Option<&CustomType> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The protocol named `name`.
    pub fn protocol(&self, name: &str) -> Option<&ProtocolDef> {
        self.protocols.iter().find(|p| p.name == name)
    }
}

impl Schema {
    /// A copy with every span set to `Span::default()`: compares two schemas
    /// by content only (the drift check compares an exported schema with a
    /// hand-written one this way).
    pub fn without_spans(&self) -> Schema {
        let mut s = self.clone();
        for c in &mut s.commands {
            c.span = Span::default();
            c.arguments.iter_mut().chain(c.response.iter_mut()).for_each(Field::clear_spans);
            c.errors.iter_mut().chain(c.fatal_errors.iter_mut()).for_each(|e| e.span = Span::default());
        }
        s.types.iter_mut().for_each(|t| t.span = Span::default());
        s.protocols.iter_mut().for_each(|p| p.span = Span::default());
        s
    }
}

impl Field {
    fn clear_spans(&mut self) {
        self.span = Span::default();
        self.ty.clear_spans();
    }
}

impl TypeRef {
    /// The type's name as a schema spells it in `type = "..."` (`Integer`,
    /// `ListOf`, `AmpList`, or the custom type's name).
    pub fn type_name(&self) -> &str {
        match self {
            TypeRef::Integer(_) => "Integer",
            TypeRef::String => "String",
            TypeRef::Unicode => "Unicode",
            TypeRef::Path => "Path",
            TypeRef::Boolean => "Boolean",
            TypeRef::Float => "Float",
            TypeRef::Decimal => "Decimal",
            TypeRef::DateTime => "DateTime",
            TypeRef::Descriptor => "Descriptor",
            TypeRef::ListOf(_) => "ListOf",
            TypeRef::AmpList(_) => "AmpList",
            TypeRef::Custom(name) => name,
        }
    }

    fn clear_spans(&mut self) {
        match self {
            TypeRef::ListOf(inner) => inner.clear_spans(),
            TypeRef::AmpList(fields) => fields.iter_mut().for_each(Field::clear_spans),
            _ => {}
        }
    }
}

/// The built-in type names, as `type = "..."` spells them.
pub const BUILTIN_TYPES: [&str; 11] = [
    "Integer",
    "String",
    "Unicode",
    "Path",
    "Boolean",
    "Float",
    "Decimal",
    "DateTime",
    "Descriptor",
    "ListOf",
    "AmpList",
];

impl IntRepr {
    /// The `repr = "..."` spelling: `i64`, `u64`, `i128` or `big`.
    pub fn as_str(self) -> &'static str {
        match self {
            IntRepr::I64 => "i64",
            IntRepr::U64 => "u64",
            IntRepr::I128 => "i128",
            IntRepr::Big => "big",
        }
    }

    /// Parses a `repr = "..."` value.
    pub fn from_name(name: &str) -> Option<IntRepr> {
        match name {
            "i64" => Some(IntRepr::I64),
            "u64" => Some(IntRepr::U64),
            "i128" => Some(IntRepr::I128),
            "big" => Some(IntRepr::Big),
            _ => None,
        }
    }
}
