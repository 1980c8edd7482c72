//! Loading a schema for the command line: the one parser (`amp_schema`),
//! the custom types `amp` links, and the view of the types it works with.

use std::path::Path;

use amp_runtime::dynamic::TypeRegistry;
use amp_schema::{CommandDef, Field, IntRepr, Schema, TypeRef};

use crate::exit::Failure;

/// The custom argument types this binary links, by the `rust` path a schema
/// names them with (`[types.NAME] rust = "..."`). `amp_evennia::compressed::Compressed`
/// is the type's path before amp-evennia grouped its codecs under `codec`:
/// schema files that name it still load.
const KNOWN_TYPES: &[&str] =
    &["amp_evennia::Compressed", "amp_evennia::codec::compressed::Compressed", "amp_evennia::compressed::Compressed"];

/// A schema ready for the command line.
#[derive(Debug)]
pub struct Loaded {
    /// The command line's view: every `Integer` is of any size (the `repr`
    /// of a field picks a Rust type, which the command line does not have;
    /// the wire form is the same), and a `Descriptor` reads as its ordinal
    /// (an `Integer`), since no descriptor travels in a file or a TCP stream.
    pub schema: Schema,
    /// The schema as written.
    pub original: Schema,
    /// The custom types, under the names the schema gives them.
    pub registry: TypeRegistry,
}

impl Loaded {
    /// The command with wire name `name`, in the command line's view.
    pub fn command(&self, name: &[u8]) -> Option<&CommandDef> {
        self.schema.command_by_wire_name(name)
    }

    /// The same command as written (to see its `Descriptor` fields).
    pub fn original_command(&self, name: &[u8]) -> Option<&CommandDef> {
        self.original.command_by_wire_name(name)
    }
}

/// Reads and checks the schema at `path` (exit 64 with every problem
/// rendered on failure) and maps its custom types to the codecs `amp` links.
pub fn load(path: &Path) -> Result<Loaded, Failure> {
    let original = amp_schema::load(path).map_err(Failure::usage)?;
    let mut registry = TypeRegistry::new();
    for custom in &original.types {
        let rust = custom.rust.trim_start_matches("::");
        if KNOWN_TYPES.contains(&rust) {
            registry.register::<amp_evennia::Compressed>(&custom.name);
        } else {
            return Err(Failure::usage(format!(
                "{}: type `{}` (rust = \"{}\") is not one the amp command line links; it knows {}",
                path.display(),
                custom.name,
                custom.rust,
                KNOWN_TYPES[0]
            )));
        }
    }
    let mut schema = original.clone();
    for command in &mut schema.commands {
        command.arguments.iter_mut().chain(command.response.iter_mut()).for_each(widen_field);
    }
    Ok(Loaded { schema, original, registry })
}

fn widen_field(field: &mut Field) {
    widen(&mut field.ty);
}

fn widen(ty: &mut TypeRef) {
    match ty {
        TypeRef::Integer(repr) => *repr = IntRepr::Big,
        TypeRef::Descriptor => *ty = TypeRef::Integer(IntRepr::Big),
        TypeRef::ListOf(inner) => widen(inner),
        TypeRef::AmpList(fields) => fields.iter_mut().for_each(widen_field),
        _ => {}
    }
}

/// The first field of `fields` (as written) that is or holds a `Descriptor`,
/// by its wire name: such a field cannot be given on the command line.
pub fn descriptor_field(fields: &[Field]) -> Option<&str> {
    fn holds(ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Descriptor => true,
            TypeRef::ListOf(inner) => holds(inner),
            TypeRef::AmpList(fields) => fields.iter().any(|f| holds(&f.ty)),
            _ => false,
        }
    }
    fields.iter().find(|f| holds(&f.ty)).map(|f| f.name.as_str())
}

/// Whether two types are the same, ignoring source spans.
pub fn same_type(a: &TypeRef, b: &TypeRef) -> bool {
    match (a, b) {
        (TypeRef::ListOf(x), TypeRef::ListOf(y)) => same_type(x, y),
        (TypeRef::AmpList(x), TypeRef::AmpList(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(f, g)| f.name == g.name && f.optional == g.optional && same_type(&f.ty, &g.ty))
        }
        _ => a == b,
    }
}
