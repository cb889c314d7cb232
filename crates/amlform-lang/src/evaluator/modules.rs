//! `module` blocks: each instance (one, `count` numbered or one per `for_each` key) is its
//! module's configuration evaluated on its own, its variables given by the block's inputs,
//! its computes at addresses under `module.NAME[KEY].` in the workspace the block names. The
//! instance's outputs are what `module.NAME.OUTPUT` reads. A module sees no workspace of its
//! caller: its computes go where the module block says.

use super::*;

/// Where an evaluation sits in the module tree: the root (all empty) or one module instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleContext {
    /// `module.team["a"].` (nested modules: each level's), prepended to every address.
    pub prefix: String,
    /// The workspace label the module block names, for the module's computes.
    pub default_workspace: Option<String>,
    /// The block's inputs: values for the module's variables.
    pub inputs: BTreeMap<String, ModuleInput>,
    /// The workspaces passed in (`workspaces = { NAME = workspace.LABEL }`), by the name the
    /// module uses: the root workspace's label and its value.
    pub workspaces: BTreeMap<String, (String, Value)>,
    /// What the module block depends on (the computes its inputs, `count`, `for_each` and
    /// `depends_on` read), which every compute in the module waits for.
    pub depends_on: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ModuleInput {
    pub value: Value,
    pub span: Span,
    /// Derived from a sensitive value: the variable is sensitive inside the module.
    pub sensitive: bool,
}

impl Evaluator<'_> {
    pub(super) fn module(&mut self, name: &str) {
        let config = self.config;
        let Some(block) = config.modules.iter().find(|block| block.name == name) else {
            return;
        };
        // A module whose directory could not be read was reported when it was parsed.
        let Some(child) = self.children.get(name) else {
            return;
        };
        let Some(workspace) = self.module_workspace(block) else {
            return;
        };
        let Some(passed) = self.passed_workspaces(block) else {
            return;
        };
        if let Some(declared) = child.config.workspaces.first() {
            self.diagnostics.push(
                Diagnostic::error(codes::WORKSPACE, "a module cannot declare a workspace")
                    .at(declared.label_span.clone())
                    .hint(format!(
                        "declare workspaces in the root configuration, and give the module one with `workspace = workspace.<label>` on `module \"{name}\"`"
                    )),
            );
            return;
        }
        let address = format!("{}module.{name}", self.context.prefix);
        let Some(instances) =
            self.instances_of(&address, block.count.as_deref(), block.for_each.as_deref())
        else {
            return;
        };
        let exprs = (block.inputs.iter().map(|(_, _, expr)| expr)).chain(
            block
                .count
                .iter()
                .chain(block.for_each.iter())
                .map(|expr| &**expr),
        );
        let references: Vec<Reference> = exprs.flat_map(references).collect();
        let mut depends_on = self.context.depends_on.clone();
        for reference in &references {
            if let (Some(_), Some(label)) = (compute_kind(reference.root()), reference.name()) {
                depends_on.insert(format!(
                    "{}{}.{label}",
                    self.context.prefix,
                    reference.root()
                ));
            }
        }
        depends_on.extend(self.module_computes_read(references.iter()));
        let prefix = &self.context.prefix;
        depends_on.extend(
            block
                .depends_on
                .iter()
                .map(|(address, _)| format!("{prefix}{address}")),
        );
        let mut values = Vec::with_capacity(instances.len());
        for (instance, each, count_index) in instances {
            let mut inputs = BTreeMap::new();
            for (input, key_span, expr) in &block.inputs {
                let scope = Scope {
                    each: each.clone(),
                    count_index,
                    ..scope!(self)
                };
                let Some(value) = scope.eval(expr, &mut self.diagnostics) else {
                    continue;
                };
                let sensitive =
                    self.is_tainted(expr) || self.diagnostics.value_holds_secret(&value);
                let span = key_span.clone();
                inputs.insert(
                    input.clone(),
                    ModuleInput {
                        value,
                        span,
                        sensitive,
                    },
                );
            }
            let context = ModuleContext {
                prefix: format!("{instance}."),
                default_workspace: Some(workspace.clone()),
                inputs,
                workspaces: passed.clone(),
                depends_on: depends_on.clone(),
            };
            let (evaluated, diagnostics) = Evaluator::new(
                &child.config,
                self.sources,
                &child.base_dir,
                self.known,
                &child.children,
                context,
            )
            .run(&VariableInputs::default());
            self.diagnostics.extend(diagnostics);
            let mut outputs = BTreeMap::new();
            for (output, evaluated) in evaluated.outputs {
                if evaluated.sensitive {
                    (self.sensitive_outputs).insert((name.to_owned(), output.clone()));
                }
                outputs.insert(output, evaluated.value);
            }
            let EvaluatedConfig {
                computes,
                imports,
                moves,
                removals,
                ..
            } = evaluated;
            self.out.computes.extend(computes);
            self.out.imports.extend(imports);
            self.out.moves.extend(moves);
            self.out.removals.extend(removals);
            values.push((each, count_index, Value::Map(outputs)));
        }
        let value = if block.for_each.is_some() {
            Value::Map(
                (values.into_iter())
                    .filter_map(|(each, _, value)| Some((each?.0.as_str()?.to_owned(), value)))
                    .collect(),
            )
        } else if block.count.is_some() {
            Value::List(values.into_iter().map(|(_, _, value)| value).collect())
        } else {
            values.pop().map_or(Value::Null, |(_, _, value)| value)
        };
        self.modules.insert(name.to_owned(), value);
    }

    /// The computes of the modules these references read (`module.m.out`: every compute of
    /// `module.m`, which its outputs may come from).
    pub(super) fn module_computes_read<'r>(
        &self,
        references: impl Iterator<Item = &'r Reference>,
    ) -> Vec<String> {
        let mut read = Vec::new();
        for reference in references {
            if let ("module", Some(name)) = (reference.root(), reference.name()) {
                let module = format!("{}module.{name}", self.context.prefix);
                read.extend(
                    (self.out.computes.keys())
                        .filter(|address| amlform_schema::is_under(address, &module))
                        .cloned(),
                );
            }
        }
        read
    }

    /// The workspaces a module block passes in, as the root knows them (through the caller's
    /// own passed-in ones, in a module); `None` after a diagnostic.
    fn passed_workspaces(
        &mut self,
        block: &crate::config::ModuleBlock,
    ) -> Option<BTreeMap<String, (String, Value)>> {
        let mut passed = BTreeMap::new();
        for (name, label, span) in &block.workspaces {
            let found = if self.context.default_workspace.is_some() {
                self.context.workspaces.get(label).cloned()
            } else {
                (self.workspaces.get(label)).map(|value| (label.clone(), value.clone()))
            };
            let Some(found) = found else {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WORKSPACE,
                        format!("workspace `{label}` is not declared here"),
                    )
                    .at(span.clone())
                    .hint("pass a workspace block of the root (or one passed to this module)"),
                );
                return None;
            };
            passed.insert(name.clone(), found);
        }
        Some(passed)
    }

    /// The workspace a module block's computes go to: the one it names (at the root), the
    /// caller's (in a module), or the root's only one.
    fn module_workspace(&mut self, block: &crate::config::ModuleBlock) -> Option<String> {
        if let Some(workspace) = &self.context.default_workspace {
            if let Some((_, span)) = &block.workspace {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WORKSPACE,
                        "a module inside a module cannot name a workspace",
                    )
                    .at(span.clone())
                    .hint("its computes go to the workspace of the module that uses it"),
                );
                return None;
            }
            return Some(workspace.clone());
        }
        if let Some((label, span)) = &block.workspace {
            return self.declared_workspace(label, span);
        }
        match self.config.workspaces.as_slice() {
            [only] => Some(only.label.clone()),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WORKSPACE,
                        format!(
                            "module `{}` must say which workspace its computes go to",
                            block.name
                        ),
                    )
                    .at(block.label_span.clone())
                    .hint("add `workspace = workspace.<label>` to the module block"),
                );
                None
            }
        }
    }
}
