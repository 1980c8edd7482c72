//! REDUCE and friends: calls are recorded as opaque objects, except the few
//! constructors CPython itself uses to pickle built-in values at protocols 0 to
//! 3, whose result is built here as data without running anything.

use super::super::super::error::DecodeError;
use super::super::super::value::{Global, ObjectKind, Value};
use super::super::builtins::{encode_text, Builtin};
use super::super::reader::Reader;
use super::builder::GraphBuilder;
use super::{NodeId, NodeKind, ObjectNode, Slot};

impl GraphBuilder<'_> {
    /// REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ: a known safe constructor gives its
    /// value, anything else an opaque object node.
    pub(super) fn make_call(
        &mut self,
        callable: Slot,
        kind: ObjectKind,
        args: NodeId,
        kwargs: Option<Slot>,
        r: &Reader,
    ) -> Result<Slot, DecodeError> {
        let is_callable = match &callable {
            Slot::Val(v) => matches!(v, Value::Global(_)),
            Slot::Node(id) => {
                matches!(&self.arena[*id as usize].kind, NodeKind::Leaf(Value::Global(_)) | NodeKind::Object(_))
            }
        };
        if !is_callable {
            let type_name = match &callable {
                Slot::Val(v) => v.type_name(),
                Slot::Node(id) => self.arena[*id as usize].kind.type_name(),
            };
            return Err(r.invalid(format!("a {type_name} is not callable")));
        }
        if kind == ObjectKind::Reduce {
            if let Some(made) = self.builtin(&callable, args, r)? {
                return Ok(made);
            }
        }
        self.count(1)?;
        let node = ObjectNode {
            callable,
            kind,
            args: Slot::Node(args),
            kwargs,
            list_items: Vec::new(),
            dict_items: Vec::new(),
            state: None,
        };
        let id = self.node(NodeKind::Object(Box::new(node)), r)?;
        Ok(Slot::Node(id))
    }

    /// The value of a call to one of the constructors CPython uses to pickle
    /// built-in values at protocols 0 to 3, built without running anything; `None`
    /// when the call is something else (it then stays an opaque object).
    fn builtin(&mut self, callable: &Slot, args: NodeId, r: &Reader) -> Result<Option<Slot>, DecodeError> {
        let Some(Value::Global(g)) = self.slot_scalar(callable) else { return Ok(None) };
        let Some(which) = Builtin::of(g) else { return Ok(None) };
        let NodeKind::Tuple(items) = &self.arena[args as usize].kind else { return Ok(None) };
        match (which, items.as_slice()) {
            (Builtin::Set, []) => self.made_node(NodeKind::Set(Vec::new()), r),
            (Builtin::FrozenSet, []) => self.made_node(NodeKind::FrozenSet(Vec::new()), r),
            (Builtin::Set | Builtin::FrozenSet, [Slot::Node(source)]) => {
                let source = *source;
                let Some(members) = self.snapshot(source, r)? else { return Ok(None) };
                let kind = if which == Builtin::Set { NodeKind::Set(members) } else { NodeKind::FrozenSet(members) };
                self.made_node(kind, r)
            }
            (Builtin::Bytes, []) => self.made_val(Value::Bytes(Vec::new())),
            (Builtin::ByteArray, []) => self.made_val(Value::ByteArray(Vec::new())),
            (Builtin::ByteArray, [arg]) => match self.slot_scalar(arg) {
                Some(Value::Bytes(b)) => {
                    let b = b.clone();
                    self.copied(b.len())?;
                    self.made_val(Value::ByteArray(b))
                }
                _ => Ok(None),
            },
            (Builtin::Encode, [text, rest @ ..]) if rest.len() <= 1 => {
                let encoding = match rest {
                    [] => Some("utf-8"),
                    [e] => self.slot_scalar(e).and_then(Value::as_str),
                    _ => None,
                };
                let (Some(Value::Str(s)), Some(encoding)) = (self.slot_scalar(text), encoding) else { return Ok(None) };
                let Some(bytes) = encode_text(s, encoding) else { return Ok(None) };
                self.copied(bytes.len())?;
                self.made_val(Value::Bytes(bytes))
            }
            // getattr(module.A, 'b') is how protocols below 4 name module.A.b,
            // which STACK_GLOBAL names directly.
            (Builtin::GetAttr, [owner, attr]) => {
                let (Some(Value::Global(owner)), Some(attr)) = (self.slot_scalar(owner), self.slot_str(attr)) else {
                    return Ok(None);
                };
                if attr.contains('.') {
                    return Ok(None);
                }
                let dotted = Global { module: owner.module.clone(), name: format!("{}.{attr}", owner.name) };
                self.made_val(Value::Global(Box::new(dotted)))
            }
            // copyreg.__newobj_ex__(cls, args, kwargs) is NEWOBJ_EX spelled for protocols below 4.
            (Builtin::NewObjEx, [cls, Slot::Node(inner_args), Slot::Node(kwargs)]) => {
                let (inner_args, kwargs) = (*inner_args, *kwargs);
                let cls_ok = match cls {
                    Slot::Val(v) => matches!(v, Value::Global(_)),
                    Slot::Node(id) => {
                        matches!(self.arena[*id as usize].kind, NodeKind::Leaf(Value::Global(_)) | NodeKind::Object(_))
                    }
                };
                let shapes_ok = matches!(self.arena[inner_args as usize].kind, NodeKind::Tuple(_))
                    && matches!(self.arena[kwargs as usize].kind, NodeKind::Dict(_));
                if !cls_ok || !shapes_ok {
                    return Ok(None);
                }
                let cls = self.share_item(args, 0, r)?;
                self.count(3)?;
                let node = ObjectNode {
                    callable: Slot::Node(cls),
                    kind: ObjectKind::NewObjEx,
                    args: Slot::Node(inner_args),
                    kwargs: Some(Slot::Node(kwargs)),
                    list_items: Vec::new(),
                    dict_items: Vec::new(),
                    state: None,
                };
                self.made_node(NodeKind::Object(Box::new(node)), r)
            }
            _ => Ok(None),
        }
    }

    fn made_node(&mut self, kind: NodeKind, r: &Reader) -> Result<Option<Slot>, DecodeError> {
        self.count(1)?;
        Ok(Some(Slot::Node(self.node(kind, r)?)))
    }

    fn made_val(&mut self, v: Value) -> Result<Option<Slot>, DecodeError> {
        self.count(1)?;
        Ok(Some(Slot::Val(v)))
    }

    fn copied(&mut self, n: usize) -> Result<(), DecodeError> {
        self.copied = self.copied.saturating_add(n);
        let limit = self.options.limits.max_data_bytes;
        if self.copied > limit {
            return Err(DecodeError::TooMuchData { limit });
        }
        Ok(())
    }

    /// References to the current items of a list, tuple, set or frozenset
    /// (what `set(items)` sees at the time of the call), or `None` for other
    /// sources. Inline scalars move into the arena so both places share them.
    fn snapshot(&mut self, source: NodeId, r: &Reader) -> Result<Option<Vec<Slot>>, DecodeError> {
        let len = match &self.arena[source as usize].kind {
            NodeKind::List(v) | NodeKind::Tuple(v) | NodeKind::Set(v) | NodeKind::FrozenSet(v) => v.len(),
            _ => return Ok(None),
        };
        self.count(len)?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(Slot::Node(self.share_item(source, i, r)?));
        }
        Ok(Some(out))
    }

    /// Item `i` of a container node as a node of its own (an inline scalar
    /// moves into the arena), so that another place can refer to it too.
    fn share_item(&mut self, container: NodeId, i: usize, r: &Reader) -> Result<NodeId, DecodeError> {
        match self.arena[container as usize].kind.child_mut(i) {
            Slot::Node(id) => Ok(*id),
            Slot::Val(v) => {
                let v = std::mem::replace(v, Value::None);
                let id = self.node(NodeKind::Leaf(v), r)?;
                *self.arena[container as usize].kind.child_mut(i) = Slot::Node(id);
                Ok(id)
            }
        }
    }
}
