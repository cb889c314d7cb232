//! The compute stage: a compute block's workspace, its `count` / `for_each` instances, and
//! each instance's attributes (set, defaulted or known only after apply) in schema order.

use super::*;

impl Evaluator<'_> {
    pub(super) fn compute(&mut self, block: &ComputeBlock) {
        let kind = block.kind;
        let Some(workspace) = self.compute_workspace(block) else {
            return;
        };
        let attached = kind.is_attached(block.attributes.contains_key("resource_id"));
        for attribute in kind.attributes {
            let set = block.attributes.get(attribute.name);
            if attribute.required && set.is_none() {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::MISSING_ATTRIBUTE,
                        format!(
                            "`{}` \"{}\" is missing the required attribute `{}`",
                            kind.block_name, block.label, attribute.name
                        ),
                    )
                    .at(block.label_span.clone())
                    .hint(format!(
                        "add `{} = ...`{}",
                        attribute.name,
                        if attribute.description.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", attribute.description)
                        }
                    )),
                );
            }
            if let Some(set) = set {
                let wrong_mode = match attribute.mode {
                    Mode::Both => None,
                    Mode::CreateOnly if attached => Some(
                        "creating a cluster; it cannot be set when attaching one with `resource_id`",
                    ),
                    Mode::AttachOnly if !attached => Some("attaching"),
                    _ => None,
                };
                if let Some(reason) = wrong_mode {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::MODE,
                            format!("`{}` is only for {reason}", attribute.name),
                        )
                        .at(set.key_span.clone())
                        .hint("remove it, or drop `resource_id` to create the cluster instead"),
                    );
                }
            }
        }
        let attribute_references: Vec<(&str, Vec<Reference>)> = block
            .attributes
            .iter()
            .map(|(name, a)| (*name, references(&a.value)))
            .collect();
        let secret_tainted: Vec<&str> = attribute_references
            .iter()
            .filter(|(_, references)| self.any_tainted(references))
            .map(|(name, _)| *name)
            .collect();
        for attribute in kind.attributes.iter().filter(|a| a.sensitive) {
            if let Some(set) = block.attributes.get(attribute.name) {
                rules::check_secret_source(
                    self.config,
                    attribute.name,
                    &set.value,
                    &mut self.diagnostics,
                );
            }
        }

        let prefix = &self.context.prefix;
        let address = format!("{prefix}{}", block.address());
        // Its blocks' own references, the computes of the modules it reads, and what the
        // module it is in depends on.
        let mut depends_on: BTreeSet<String> = (block_dependencies(block, &attribute_references)
            .into_iter())
        .map(|on| format!("{prefix}{on}"))
        .collect();
        let references = attribute_references
            .iter()
            .flat_map(|(_, references)| references);
        depends_on.extend(self.module_computes_read(references));
        depends_on.extend(self.context.depends_on.iter().cloned());
        let depends_on: Vec<String> = depends_on.into_iter().collect();
        let Some(instances) =
            self.instances_of(&address, block.count.as_deref(), block.for_each.as_deref())
        else {
            return;
        };

        let mut addresses = Vec::new();
        for (instance_address, each, count_index) in instances {
            let mut attributes = Vec::with_capacity(kind.attributes.len() + kind.computed.len());
            // In name order, as the instance keeps them: attributes, then computed values.
            for &position in kind.name_order() {
                let Some(attribute) = kind.attributes.get(position) else {
                    let computed = kind.computed[position - kind.attributes.len()];
                    let known = self
                        .known
                        .get(&instance_address)
                        .and_then(|values| values.get(computed));
                    attributes.push((
                        computed,
                        EvaluatedAttribute {
                            value: known.cloned().unwrap_or(Value::Unknown),
                            sensitive: false,
                            span: None,
                        },
                    ));
                    continue;
                };
                let evaluated = match block.attributes.get(attribute.name) {
                    Some(set) => {
                        let scope = Scope {
                            each: each.clone(),
                            count_index,
                            ..scope!(self)
                        };
                        let Some(value) = scope.eval(&set.value, &mut self.diagnostics) else {
                            continue;
                        };
                        let Some(value) =
                            self.typed(kind.block_name, attribute, value, set.value.span())
                        else {
                            continue;
                        };
                        EvaluatedAttribute {
                            value,
                            sensitive: attribute.sensitive
                                || secret_tainted.contains(&attribute.name),
                            span: Some(set.value.span()),
                        }
                    }
                    None => EvaluatedAttribute {
                        value: match (attribute.name, attribute.default) {
                            ("name", _) => Value::String(block.label.clone()),
                            (_, Some(DefaultValue::String(s))) => Value::from(s),
                            (_, Some(DefaultValue::Integer(n))) => Value::Number(n as f64),
                            (_, Some(DefaultValue::Bool(b))) => Value::Bool(b),
                            // Unset without a default: null, as an absent entry says.
                            (_, None) => continue,
                        },
                        sensitive: attribute.sensitive,
                        span: None,
                    },
                };
                if evaluated.sensitive {
                    self.diagnostics.add_secrets(&evaluated.value);
                }
                attributes.push((attribute.name, evaluated));
            }
            addresses.push((
                each.as_ref()
                    .map(|(k, _)| k.as_str().unwrap_or_default().to_owned()),
                instance_address.clone(),
            ));
            self.out.computes.insert(
                instance_address.clone(),
                ComputeInstance {
                    address: instance_address,
                    kind,
                    workspace: workspace.clone(),
                    attached,
                    attributes: AttributeMap::from_sorted(attributes),
                    depends_on: depends_on.clone(),
                    lifecycle: block.lifecycle.clone(),
                    label_span: block.label_span.clone(),
                },
            );
        }
        let instances = if block.count.is_some() {
            BlockInstances::Counted(addresses.into_iter().map(|(_, a)| a).collect())
        } else if block.for_each.is_some() {
            BlockInstances::Keyed(
                addresses
                    .into_iter()
                    .map(|(k, a)| (k.unwrap_or_default(), a))
                    .collect(),
            )
        } else {
            BlockInstances::Single(address)
        };
        self.compute_blocks
            .entry(kind.block_name)
            .or_default()
            .insert(block.label.clone(), instances);
    }

    /// The instances of a block at `address`: one, `count` numbered ones, or one per
    /// `for_each` key, each with its `each` and `count.index`; `None` after a diagnostic.
    pub(super) fn instances_of(
        &mut self,
        address: &str,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
    ) -> Option<Vec<Instance>> {
        Some(if let Some(count_expr) = count {
            let count = self.eval(count_expr)?;
            match count {
                Value::Unknown => {
                    self.unknown_meta(count_expr, "count");
                    return None;
                }
                Value::Number(n) if n > MAX_INSTANCES as f64 && n.fract() == 0.0 => {
                    self.diagnostics
                        .push(too_many_instances(count_expr.span(), "count", n));
                    return None;
                }
                Value::Number(n) if n >= 0.0 && n.fract() == 0.0 => (0..n as usize)
                    .map(|i| (format!("{address}[{i}]"), None, Some(i)))
                    .collect(),
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::COUNT,
                            format!("`count` must be a whole number of 0 or more, not {other}"),
                        )
                        .at(count_expr.span())
                        .hint("write e.g. `count = 2` or `count = length(var.names)`"),
                    );
                    return None;
                }
            }
        } else if let Some(for_each_expr) = for_each {
            let for_each = self.eval(for_each_expr)?;
            let pairs: Vec<(String, Value)> = match for_each {
                Value::Map(map) => map.into_iter().collect(),
                Value::Set(items) if items.iter().all(|i| matches!(i, Value::String(_))) => items
                    .into_iter()
                    .map(|i| (i.as_str().unwrap_or_default().to_owned(), i))
                    .collect(),
                Value::Unknown => {
                    self.unknown_meta(for_each_expr, "for_each");
                    return None;
                }
                other => {
                    let hint = match other {
                        Value::List(_) => "a list has no stable keys: wrap it in `toset(...)`, or build a map".to_owned(),
                        _ => "use a map (`{ a = ..., b = ... }`) or a set of strings (`toset([\"a\", \"b\"])`)".to_owned(),
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::FOR_EACH,
                            format!(
                                "`for_each` must be a map or a set of strings, not a {}",
                                other.type_name()
                            ),
                        )
                        .at(for_each_expr.span())
                        .hint(hint),
                    );
                    return None;
                }
            };
            if pairs.len() > MAX_INSTANCES {
                self.diagnostics.push(too_many_instances(
                    for_each_expr.span(),
                    "for_each",
                    pairs.len() as f64,
                ));
                return None;
            }
            pairs
                .into_iter()
                .map(|(key, value)| {
                    (
                        format!("{address}[\"{key}\"]"),
                        Some((Value::String(key), value)),
                        None,
                    )
                })
                .collect()
        } else {
            vec![(address.to_owned(), None, None)]
        })
    }

    fn unknown_meta(&mut self, expr: &Expr, what: &str) {
        self.diagnostics.push(
            Diagnostic::error(codes::UNKNOWN_VALUE, format!("`{what}` depends on a value known only after apply"))
                .at(expr.span())
                .hint(format!("`{what}` must be known when planning: derive it from variables and locals, not from computed attributes")),
        );
    }

    /// `label` when a workspace block declares it; else an error at `span`.
    pub(super) fn declared_workspace(&mut self, label: &str, span: &Span) -> Option<String> {
        if self.config.workspace(label).is_some() {
            return Some(label.to_owned());
        }
        let labels: Vec<&str> = (self.config.workspaces.iter())
            .map(|w| w.label.as_str())
            .collect();
        let hint = hint_for(label, &labels, || {
            format!("declare `workspace \"{label}\" {{ ... }}`")
        });
        self.diagnostics.push(
            Diagnostic::error(
                codes::WORKSPACE,
                format!("workspace `{label}` is not declared"),
            )
            .at(span.clone())
            .hint(hint),
        );
        None
    }

    fn compute_workspace(&mut self, block: &ComputeBlock) -> Option<String> {
        if let Some(workspace) = &self.context.default_workspace {
            // In a module: where the module block says, or a workspace it passed in.
            let Some((name, span)) = &block.workspace else {
                return Some(workspace.clone());
            };
            if let Some((label, _)) = self.context.workspaces.get(name) {
                return Some(label.clone());
            }
            self.diagnostics.push(
                Diagnostic::error(codes::WORKSPACE, format!("the module was given no workspace `{name}`"))
                    .at(span.clone())
                    .hint(format!("pass it in with `workspaces = {{ {name} = workspace.<label> }}` on the module block; without `workspace`, a compute goes to the module block's `workspace`")),
            );
            return None;
        }
        if let Some((label, span)) = &block.workspace {
            return self.declared_workspace(label, span);
        }
        match self.config.workspaces.as_slice() {
            [only] => Some(only.label.clone()),
            [] => {
                self.diagnostics.push(
                    Diagnostic::error(codes::WORKSPACE, format!("`{}` has no workspace to live in", block.address()))
                        .at(block.label_span.clone())
                        .hint("declare a `workspace \"<label>\" { name = ..., resource_group = ..., location = ... }` block"),
                );
                None
            }
            several => {
                let labels: Vec<String> = several
                    .iter()
                    .map(|w| format!("`workspace.{}`", w.label))
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WORKSPACE,
                        format!(
                            "`{}` must say which workspace it belongs to",
                            block.address()
                        ),
                    )
                    .at(block.label_span.clone())
                    .hint(format!(
                        "there are several workspaces: add `workspace = ` one of {}",
                        labels.join(", ")
                    )),
                );
                None
            }
        }
    }
}
