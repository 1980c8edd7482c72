//! The graph decoder: the reference decoder, which takes every pickle.
//!
//! Python's memo holds references: `[d, d]` is pickled as "make a dict, memoize
//! it, fill it ... get it back", and the dict is filled *after* it is memoized.
//! So [`builder`] keeps every container in an arena and refers to it by
//! index; [`tree`] turns the finished graph into a tree, expanding shared
//! objects under caps. [`calls`] records calls, and builds the few
//! constructors of built-in values as data.

pub(super) mod builder;
mod calls;
pub(super) mod tree;

use super::super::value::{ObjectKind, Value};

/// An index into the arena.
pub(crate) type NodeId = u32;

/// A place on the stack, in a container or in the memo.
#[derive(Debug)]
pub(crate) enum Slot {
    /// A scalar that lives only here (None, bool, int, float, str, bytes, global).
    Val(Value),
    /// A value in the arena: a container, an object, or a scalar shared through
    /// the memo or DUP.
    Node(NodeId),
}

/// An arena entry.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    /// The offset of the opcode that created it, for error messages.
    pub(crate) offset: usize,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    /// A scalar (never a container).
    Leaf(Value),
    List(Vec<Slot>),
    Tuple(Vec<Slot>),
    /// Keys and values alternating: key 0, value 0, key 1, ...
    Dict(Vec<Slot>),
    Set(Vec<Slot>),
    FrozenSet(Vec<Slot>),
    Object(Box<ObjectNode>),
    /// Already moved into the result.
    Taken,
}

/// An object under construction (see [`Object`](super::super::Object)).
#[derive(Debug)]
pub(crate) struct ObjectNode {
    pub(crate) callable: Slot,
    pub(crate) kind: ObjectKind,
    /// A tuple node.
    pub(crate) args: Slot,
    /// A dict node (NEWOBJ_EX only).
    pub(crate) kwargs: Option<Slot>,
    pub(crate) list_items: Vec<Slot>,
    /// Keys and values alternating, as in [`NodeKind::Dict`].
    pub(crate) dict_items: Vec<Slot>,
    pub(crate) state: Option<Slot>,
}

impl NodeKind {
    /// The Python type name, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Leaf(v) => v.type_name(),
            NodeKind::List(_) => "list",
            NodeKind::Tuple(_) => "tuple",
            NodeKind::Dict(_) => "dict",
            NodeKind::Set(_) => "set",
            NodeKind::FrozenSet(_) => "frozenset",
            NodeKind::Object(_) => "object",
            NodeKind::Taken => "value",
        }
    }

    /// How many children [`NodeKind::child_mut`] enumerates.
    pub(crate) fn child_count(&self) -> usize {
        match self {
            NodeKind::Leaf(_) | NodeKind::Taken => 0,
            NodeKind::List(v) | NodeKind::Tuple(v) | NodeKind::Set(v) | NodeKind::FrozenSet(v) => v.len(),
            NodeKind::Dict(items) => items.len(),
            NodeKind::Object(o) => {
                2 + usize::from(o.kwargs.is_some())
                    + o.list_items.len()
                    + o.dict_items.len()
                    + usize::from(o.state.is_some())
            }
        }
    }

    /// Child `i`, in the order [`tree`] assembles them: items; key then
    /// value for each pair; for objects callable, args, kwargs, list items,
    /// dict items, state.
    pub(crate) fn child_mut(&mut self, i: usize) -> &mut Slot {
        match self {
            NodeKind::List(v) | NodeKind::Tuple(v) | NodeKind::Set(v) | NodeKind::FrozenSet(v) => &mut v[i],
            NodeKind::Dict(v) => &mut v[i],
            NodeKind::Object(o) => {
                let o = &mut **o;
                let mut i = i;
                if i == 0 {
                    return &mut o.callable;
                }
                if i == 1 {
                    return &mut o.args;
                }
                i -= 2;
                if let Some(kwargs) = &mut o.kwargs {
                    if i == 0 {
                        return kwargs;
                    }
                    i -= 1;
                }
                if i < o.list_items.len() {
                    return &mut o.list_items[i];
                }
                i -= o.list_items.len();
                if i < o.dict_items.len() {
                    return &mut o.dict_items[i];
                }
                o.state.as_mut().expect("child index within child_count")
            }
            NodeKind::Leaf(_) | NodeKind::Taken => unreachable!("scalars have no children"),
        }
    }

    /// Calls `f` on every child that is a node.
    pub(crate) fn for_each_node_child(&self, mut f: impl FnMut(NodeId)) {
        let mut visit = |s: &Slot| {
            if let Slot::Node(id) = s {
                f(*id)
            }
        };
        match self {
            NodeKind::Leaf(_) | NodeKind::Taken => {}
            NodeKind::List(v) | NodeKind::Tuple(v) | NodeKind::Set(v) | NodeKind::FrozenSet(v) => {
                v.iter().for_each(visit)
            }
            NodeKind::Dict(v) => v.iter().for_each(visit),
            NodeKind::Object(o) => {
                visit(&o.callable);
                visit(&o.args);
                o.kwargs.iter().for_each(&mut visit);
                o.list_items.iter().for_each(&mut visit);
                o.dict_items.iter().for_each(&mut visit);
                o.state.iter().for_each(visit);
            }
        }
    }
}
