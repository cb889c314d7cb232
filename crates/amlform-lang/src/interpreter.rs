//! The expression interpreter: an [`Interpreter`] evaluates one expression (references,
//! operators, templates, `for` expressions, function calls) against a [`Scope`], the values
//! known so far.

use crate::codes;
use crate::config::Expr;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluated_config::ComputeInstance;
use crate::functions::{self, FunctionContext};
use crate::source_map::{Origin, Span};
use crate::suggest::hint_for;
use crate::value::Value;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use std::collections::BTreeMap;
use std::path::Path;

/// Everything an expression can refer to.
#[derive(Debug)]
pub(crate) struct Scope<'a> {
    pub variables: &'a BTreeMap<String, Value>,
    pub locals: &'a BTreeMap<String, Value>,
    pub workspaces: &'a BTreeMap<String, Value>,
    /// Each module block's outputs, by block name.
    pub modules: &'a BTreeMap<String, Value>,
    /// The compute blocks evaluated so far.
    pub computes: ComputeValues<'a>,
    /// `each.key` and `each.value` inside a `for_each` block.
    pub each: Option<(Value, Value)>,
    /// `count.index` inside a `count` block.
    pub count_index: Option<usize>,
    pub base_dir: &'a Path,
}

/// kind → label → the addresses of the block's instances.
pub(crate) type ComputeBlocks = BTreeMap<&'static str, BTreeMap<String, BlockInstances>>;

/// The instances of one compute block, in the order its value lists them.
#[derive(Debug)]
pub(crate) enum BlockInstances {
    /// Neither `count` nor `for_each`: the block's value is the instance's object.
    Single(String),
    /// `count`: a list of objects.
    Counted(Vec<String>),
    /// `for_each`: a map of objects by key, as `(key, address)`.
    Keyed(Vec<(String, String)>),
}

/// What `kind.label` references read: the compute blocks evaluated so far. A block's value is
/// built when a reference reads it, so the thousands nobody refers to cost nothing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ComputeValues<'a> {
    pub blocks: Option<&'a ComputeBlocks>,
    pub instances: Option<&'a BTreeMap<String, ComputeInstance>>,
}

impl ComputeValues<'_> {
    fn block(&self, kind: &str, label: &str) -> Option<&BlockInstances> {
        self.blocks?.get(kind)?.get(label)
    }

    fn object(&self, address: &str) -> Value {
        let Some(instance) = self.instances.and_then(|instances| instances.get(address)) else {
            return Value::Null;
        };
        let kind = instance.kind;
        let names = (kind.attributes.iter().map(|a| a.name)).chain(kind.computed.iter().copied());
        Value::Map(
            names
                .map(|name| (name.to_owned(), instance.value(name).clone()))
                .collect(),
        )
    }

    /// The value of `kind.label`: an object, or a list or map of them.
    fn value(&self, kind: &str, label: &str) -> Option<Value> {
        Some(match self.block(kind, label)? {
            BlockInstances::Single(address) => self.object(address),
            BlockInstances::Counted(addresses) => Value::List(
                addresses
                    .iter()
                    .map(|address| self.object(address))
                    .collect(),
            ),
            BlockInstances::Keyed(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(key, address)| (key.clone(), self.object(address)))
                    .collect(),
            ),
        })
    }

    /// `kind.label.attribute` of a block without `count`/`for_each`, read without building the
    /// whole object.
    fn attribute(&self, kind: &str, label: &str, attribute: &str) -> Option<Value> {
        let BlockInstances::Single(address) = self.block(kind, label)? else {
            return None;
        };
        let instance = self.instances?.get(address)?;
        match instance.attributes.get(attribute) {
            Some(set) => Some(set.value.clone()),
            None => instance.kind.attribute(attribute).map(|_| Value::Null),
        }
    }
}

impl Scope<'_> {
    /// Evaluates `expr`; `None` means an error was reported to `diagnostics`.
    pub fn eval(&self, expr: &Expr, diagnostics: &mut Diagnostics) -> Option<Value> {
        let mut interpreter = Interpreter {
            scope: self,
            origin: expr.origin,
            bindings: Vec::new(),
            diagnostics,
        };
        interpreter.eval(&expr.expr)
    }
}

/// One evaluation: the scope, where the expression came from, what `for` bound, and where
/// errors go.
struct Interpreter<'s, 'a> {
    scope: &'s Scope<'a>,
    origin: Origin,
    /// Names bound by `for` expressions, innermost last.
    bindings: Vec<(String, Value)>,
    diagnostics: &'s mut Diagnostics,
}

impl Interpreter<'_, '_> {
    fn span(&self, item: &impl hcl_edit::Span) -> Span {
        self.origin.span(item)
    }

    fn fail(
        &mut self,
        code: &'static str,
        at: Span,
        message: String,
        hint: impl Into<String>,
    ) -> Option<Value> {
        self.diagnostics
            .push(Diagnostic::error(code, message).at(at).hint(hint));
        None
    }

    fn eval(&mut self, expr: &Expression) -> Option<Value> {
        match expr {
            Expression::Null(_) => Some(Value::Null),
            Expression::Bool(b) => Some(Value::Bool(*b.value())),
            Expression::Number(n) => Some(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => Some(Value::String(s.value().clone())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval(item)?);
                }
                Some(Value::List(out))
            }
            Expression::Object(object) => {
                let mut out = BTreeMap::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        ObjectKey::Expression(key_expr) => match self.eval(key_expr)? {
                            Value::Unknown => return Some(Value::Unknown),
                            key => match key.to_template_string() {
                                Some(key) => key,
                                None => {
                                    let at = self.span(key_expr);
                                    return self.fail(
                                        codes::WRONG_TYPE,
                                        at,
                                        format!(
                                            "an object key must be a string, not a {}",
                                            key.type_name()
                                        ),
                                        "use a string key",
                                    );
                                }
                            },
                        },
                    };
                    out.insert(key, self.eval(value.expr())?);
                }
                Some(Value::Map(out))
            }
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template),
            Expression::Parenthesis(inner) => self.eval(inner.inner()),
            Expression::Variable(ident) => self.variable(ident.as_str(), self.span(ident), None),
            Expression::Traversal(traversal) => {
                self.traversal(&traversal.expr, &traversal.operators)
            }
            Expression::Conditional(conditional) => match self.eval(&conditional.cond_expr)? {
                Value::Bool(true) => self.eval(&conditional.true_expr),
                Value::Bool(false) => self.eval(&conditional.false_expr),
                Value::Unknown => Some(Value::Unknown),
                other => {
                    let at = self.span(&conditional.cond_expr);
                    self.fail(
                        codes::WRONG_TYPE,
                        at,
                        format!("a condition must be a bool, not a {}", other.type_name()),
                        "compare the value, e.g. `x == \"a\"`",
                    )
                }
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let at = self.span(&call.name.name);
                if !functions::is_function(name) {
                    let names: Vec<&str> = functions::function_names().collect();
                    let hint = hint_for(name, &names, || {
                        format!("the functions are: {}", names.join(", "))
                    });
                    return self.fail(
                        codes::UNKNOWN_FUNCTION,
                        at,
                        format!("there is no function named `{name}`"),
                        hint,
                    );
                }
                let mut args = Vec::with_capacity(call.args.len());
                for arg in call.args.iter() {
                    args.push(self.eval(arg)?);
                }
                if call.args.expand_final()
                    && let Some(Value::List(last) | Value::Set(last)) = args.pop()
                {
                    args.extend(last);
                }
                let context = FunctionContext {
                    base_dir: self.scope.base_dir,
                };
                match functions::call(name, &args, &context) {
                    Ok(value) => Some(value),
                    Err(message) => {
                        let at = self.span(expr);
                        self.fail(
                            codes::FUNCTION_CALL,
                            at,
                            message,
                            "check the arguments against docs/language.md",
                        )
                    }
                }
            }
            Expression::UnaryOp(op) => {
                let value = self.eval(&op.expr)?;
                match (op.operator.value(), value) {
                    (_, Value::Unknown) => Some(Value::Unknown),
                    (UnaryOperator::Neg, Value::Number(n)) => Some(Value::Number(-n)),
                    (UnaryOperator::Not, Value::Bool(b)) => Some(Value::Bool(!b)),
                    (operator, value) => {
                        let at = self.span(expr);
                        self.fail(
                            codes::INVALID_OPERATION,
                            at,
                            format!(
                                "`{}` cannot be applied to a {}",
                                operator.as_str(),
                                value.type_name()
                            ),
                            "`-` takes a number, `!` a bool",
                        )
                    }
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr)?;
                let rhs = self.eval(&op.rhs_expr)?;
                let operator = *op.operator.value();
                match binary(operator, lhs, rhs) {
                    Ok(value) => Some(value),
                    Err(message) => {
                        let at = self.span(expr);
                        self.fail(
                            codes::INVALID_OPERATION,
                            at,
                            message,
                            "convert the operands with `tonumber` or `tostring`",
                        )
                    }
                }
            }
            Expression::ForExpr(for_expr) => self.for_expr(for_expr),
        }
    }

    fn template(&mut self, template: &Template) -> Option<Value> {
        let mut out = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(literal) => out.push_str(literal.value()),
                Element::Interpolation(interpolation) => {
                    let value = self.eval(&interpolation.expr)?;
                    if value.is_unknown() {
                        return Some(Value::Unknown);
                    }
                    match value.to_template_string() {
                        Some(s) => out.push_str(&s),
                        None => {
                            let at = self.span(&interpolation.expr);
                            return self.fail(codes::WRONG_TYPE, at, format!("a {} cannot be put in a string", value.type_name()), "interpolate a string, number or bool; use `join` for lists or `jsonencode`");
                        }
                    }
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => match self
                        .eval(&if_directive.if_expr.cond_expr)?
                    {
                        Value::Bool(true) => match self.template(&if_directive.if_expr.template)? {
                            Value::String(s) => out.push_str(&s),
                            other => return Some(other),
                        },
                        Value::Bool(false) => {
                            if let Some(else_expr) = &if_directive.else_expr {
                                match self.template(&else_expr.template)? {
                                    Value::String(s) => out.push_str(&s),
                                    other => return Some(other),
                                }
                            }
                        }
                        Value::Unknown => return Some(Value::Unknown),
                        other => {
                            let at = self.span(&if_directive.if_expr.cond_expr);
                            return self.fail(
                                codes::WRONG_TYPE,
                                at,
                                format!("a condition must be a bool, not a {}", other.type_name()),
                                "compare the value, e.g. `x == \"a\"`",
                            );
                        }
                    },
                    Directive::For(for_directive) => {
                        let intro = &for_directive.for_expr;
                        let collection = self.eval(&intro.collection_expr)?;
                        let at = self.span(&intro.collection_expr);
                        let Some(pairs) = self.iterate(collection, at) else {
                            return Some(Value::Unknown);
                        };
                        for (key, value) in pairs {
                            let bound = self.bind(
                                intro.key_var.as_ref().map(|k| k.as_str()),
                                intro.value_var.as_str(),
                                key,
                                value,
                            );
                            let result = self.template(&intro.template);
                            self.bindings.truncate(self.bindings.len() - bound);
                            match result? {
                                Value::String(s) => out.push_str(&s),
                                other => return Some(other),
                            }
                        }
                    }
                },
            }
        }
        Some(Value::String(out))
    }

    /// Pairs (key, value) of a collection for `for`; `None` if it is unknown.
    fn iterate(&mut self, collection: Value, at: Span) -> Option<Vec<(Value, Value)>> {
        match collection {
            Value::List(items) | Value::Set(items) => Some(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Number(i as f64), v))
                    .collect(),
            ),
            Value::Map(map) => Some(
                map.into_iter()
                    .map(|(k, v)| (Value::String(k), v))
                    .collect(),
            ),
            Value::Unknown => None,
            other => {
                self.fail(
                    codes::WRONG_TYPE,
                    at,
                    format!(
                        "`for` needs a list, set or map, not a {}",
                        other.type_name()
                    ),
                    "iterate over a collection",
                );
                None
            }
        }
    }

    fn bind(&mut self, key_var: Option<&str>, value_var: &str, key: Value, value: Value) -> usize {
        let mut bound = 1;
        if let Some(key_var) = key_var {
            self.bindings.push((key_var.to_owned(), key));
            bound += 1;
        }
        self.bindings.push((value_var.to_owned(), value));
        bound
    }

    fn for_expr(&mut self, for_expr: &hcl_edit::expr::ForExpr) -> Option<Value> {
        let intro = &for_expr.intro;
        let collection = self.eval(&intro.collection_expr)?;
        let at = self.span(&intro.collection_expr);
        let Some(pairs) = self.iterate(collection, at) else {
            return Some(Value::Unknown);
        };
        let mut list = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in pairs {
            let bound = self.bind(
                intro.key_var.as_ref().map(|k| k.as_str()),
                intro.value_var.as_str(),
                key,
                value,
            );
            let result = self.for_item(for_expr, &mut list, &mut object);
            self.bindings.truncate(self.bindings.len() - bound);
            result?;
        }
        Some(match for_expr.key_expr {
            Some(_) => Value::Map(object),
            None => Value::List(list),
        })
    }

    fn for_item(
        &mut self,
        for_expr: &hcl_edit::expr::ForExpr,
        list: &mut Vec<Value>,
        object: &mut BTreeMap<String, Value>,
    ) -> Option<()> {
        if let Some(cond) = &for_expr.cond {
            match self.eval(&cond.expr)? {
                Value::Bool(true) | Value::Unknown => {}
                Value::Bool(false) => return Some(()),
                other => {
                    let at = self.span(&cond.expr);
                    self.fail(
                        codes::WRONG_TYPE,
                        at,
                        format!(
                            "a `for` condition must be a bool, not a {}",
                            other.type_name()
                        ),
                        "compare the value",
                    );
                    return None;
                }
            }
        }
        let value = self.eval(&for_expr.value_expr)?;
        match &for_expr.key_expr {
            None => list.push(value),
            Some(key_expr) => {
                let key = self.eval(key_expr)?;
                let Some(key) = key.to_template_string() else {
                    let at = self.span(key_expr);
                    self.fail(
                        codes::WRONG_TYPE,
                        at,
                        format!("a `for` key must be a string, not a {}", key.type_name()),
                        "produce a string key",
                    );
                    return None;
                };
                if for_expr.grouping {
                    match object.entry(key).or_insert_with(|| Value::List(Vec::new())) {
                        Value::List(items) => items.push(value),
                        _ => unreachable!("grouped entries are lists"),
                    }
                } else if object.insert(key.clone(), value).is_some() {
                    let at = self.span(key_expr);
                    self.fail(
                        codes::DUPLICATE,
                        at,
                        format!("the `for` expression produces the key \"{key}\" twice"),
                        "add `...` after the value to group duplicates",
                    );
                    return None;
                }
            }
        }
        Some(())
    }

    /// The value of a root name, with the first attribute after it when the root is a namespace.
    fn variable(&mut self, name: &str, at: Span, attr: Option<(&str, Span)>) -> Option<Value> {
        if let Some((_, value)) = self.bindings.iter().rev().find(|(bound, _)| bound == name) {
            return Some(value.clone());
        }
        let scope = self.scope;
        let Some((attr, attr_span)) = attr else {
            return self.fail(
                codes::INVALID_REFERENCE,
                at,
                format!("`{name}` must be followed by `.` and a name"),
                format!("write e.g. `{name}.<name>`"),
            );
        };
        let found = match name {
            "var" => scope.variables.get(attr).cloned(),
            "local" => scope.locals.get(attr).cloned(),
            "workspace" => scope.workspaces.get(attr).cloned(),
            "module" => scope.modules.get(attr).cloned(),
            "each" => match (&scope.each, attr) {
                (Some((key, _)), "key") => Some(key.clone()),
                (Some((_, value)), "value") => Some(value.clone()),
                _ => None,
            },
            "count" => match (scope.count_index, attr) {
                (Some(index), "index") => Some(Value::Number(index as f64)),
                _ => None,
            },
            kind => scope.computes.value(kind, attr),
        };
        match found {
            Some(value) => Some(value),
            // A declared variable or local without a value had its own error (no value, a
            // value that does not fit its type, an expression that failed): saying "not
            // defined" as well would name the wrong cause.
            None if matches!(name, "var" | "local") => None,
            // Undefined references are reported once, with their context, by the reference
            // check; reaching here means that check already failed.
            None => self.fail(
                codes::UNDEFINED_REFERENCE,
                attr_span,
                format!("`{name}.{attr}` is not defined"),
                "declare it, or fix the name",
            ),
        }
    }

    fn traversal(
        &mut self,
        root: &Expression,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Option<Value> {
        let (mut value, rest) = match (root, operators.first().map(|o| o.value())) {
            (Expression::Variable(ident), Some(TraversalOperator::GetAttr(attr)))
                if !self
                    .bindings
                    .iter()
                    .any(|(bound, _)| bound == ident.as_str()) =>
            {
                let direct = match operators.get(1).map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(attribute)) => self.scope.computes.attribute(
                        ident.as_str(),
                        attr.as_str(),
                        attribute.as_str(),
                    ),
                    _ => None,
                };
                match direct {
                    Some(value) => (value, &operators[2..]),
                    None => {
                        let value = self.variable(
                            ident.as_str(),
                            self.span(ident),
                            Some((attr.as_str(), self.span(attr))),
                        )?;
                        (value, &operators[1..])
                    }
                }
            }
            _ => (self.eval(root)?, operators),
        };
        for (i, operator) in rest.iter().enumerate() {
            match operator.value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match value {
                        Value::List(items) | Value::Set(items) => items,
                        Value::Null => Vec::new(),
                        Value::Unknown => return Some(Value::Unknown),
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply_operators(item, &rest[i + 1..])?);
                    }
                    return Some(Value::List(out));
                }
                _ => value = self.apply_operator(value, operator.value())?,
            }
        }
        Some(value)
    }

    fn apply_operators(
        &mut self,
        mut value: Value,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Option<Value> {
        for operator in operators {
            value = self.apply_operator(value, operator.value())?;
        }
        Some(value)
    }

    fn apply_operator(&mut self, value: Value, operator: &TraversalOperator) -> Option<Value> {
        if value == Value::Unknown {
            return Some(Value::Unknown);
        }
        match operator {
            TraversalOperator::GetAttr(attr) => {
                let at = self.span(attr);
                self.lookup_key(value, attr.as_str(), at)
            }
            TraversalOperator::Index(index_expr) => {
                let at = self.span(index_expr);
                match self.eval(index_expr)? {
                    Value::Unknown => Some(Value::Unknown),
                    Value::String(key) => self.lookup_key(value, &key, at),
                    Value::Number(n) => self.lookup_index(value, n, at),
                    other => self.fail(
                        codes::WRONG_TYPE,
                        at,
                        format!(
                            "an index must be a number or a string, not a {}",
                            other.type_name()
                        ),
                        "use `[0]` for lists and `[\"key\"]` for maps",
                    ),
                }
            }
            TraversalOperator::LegacyIndex(index) => {
                let at = self.span(index);
                self.lookup_index(value, *index.value() as f64, at)
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => Some(value),
        }
    }

    fn lookup_key(&mut self, value: Value, key: &str, at: Span) -> Option<Value> {
        match value {
            Value::Map(mut map) => match map.remove(key) {
                Some(found) => Some(found),
                None => {
                    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    let hint = hint_for(key, &keys, || format!("it has: {}", keys.join(", ")));
                    self.fail(
                        codes::INVALID_OPERATION,
                        at,
                        format!("the object has no attribute or key `{key}`"),
                        hint,
                    )
                }
            },
            other => self.fail(
                codes::INVALID_OPERATION,
                at,
                format!("cannot read `{key}` from a {}", other.type_name()),
                "only objects and maps have attributes",
            ),
        }
    }

    fn lookup_index(&mut self, value: Value, index: f64, at: Span) -> Option<Value> {
        match value {
            Value::List(mut items) => {
                let len = items.len();
                if index.fract() != 0.0 || index < 0.0 || index as usize >= len {
                    return self.fail(
                        codes::INVALID_OPERATION,
                        at,
                        format!("index {index} is out of range for a list of {len}"),
                        "indexes start at 0",
                    );
                }
                Some(items.swap_remove(index as usize))
            }
            Value::Map(map) => {
                let key = crate::value::format_number(index);
                self.lookup_key(Value::Map(map), &key, at)
            }
            other => self.fail(
                codes::INVALID_OPERATION,
                at,
                format!("cannot index a {}", other.type_name()),
                "only lists and maps can be indexed",
            ),
        }
    }
}

fn binary(operator: BinaryOperator, lhs: Value, rhs: Value) -> Result<Value, String> {
    use BinaryOperator::*;
    if matches!(operator, Eq | NotEq) {
        if lhs == Value::Unknown || rhs == Value::Unknown {
            return Ok(Value::Unknown);
        }
        let equal = lhs == rhs;
        return Ok(Value::Bool(if operator == Eq { equal } else { !equal }));
    }
    if lhs == Value::Unknown || rhs == Value::Unknown {
        return Ok(Value::Unknown);
    }
    match operator {
        And | Or => match (&lhs, &rhs) {
            (Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(if operator == And {
                *a && *b
            } else {
                *a || *b
            })),
            _ => Err(format!(
                "`{}` needs two bools, not a {} and a {}",
                operator.as_str(),
                lhs.type_name(),
                rhs.type_name()
            )),
        },
        _ => {
            let number = |v: &Value| match v {
                Value::Number(n) => Some(*n),
                Value::String(s) => s.parse().ok(),
                _ => None,
            };
            let (Some(a), Some(b)) = (number(&lhs), number(&rhs)) else {
                return Err(format!(
                    "`{}` needs two numbers, not a {} and a {}",
                    operator.as_str(),
                    lhs.type_name(),
                    rhs.type_name()
                ));
            };
            Ok(match operator {
                Plus => Value::Number(a + b),
                Minus => Value::Number(a - b),
                Mul => Value::Number(a * b),
                Div if b == 0.0 => return Err("division by zero".into()),
                Div => Value::Number(a / b),
                Mod if b == 0.0 => return Err("modulo by zero".into()),
                Mod => Value::Number(a % b),
                Less => Value::Bool(a < b),
                LessEq => Value::Bool(a <= b),
                Greater => Value::Bool(a > b),
                GreaterEq => Value::Bool(a >= b),
                Eq | NotEq | And | Or => unreachable!("handled above"),
            })
        }
    }
}
