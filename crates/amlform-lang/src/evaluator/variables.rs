//! Variables: values from defaults, `AMLFORM_VAR_*`, variable files, `--var` and a module
//! block's inputs, each converted to its type and checked by its `validation` blocks.

use super::*;

impl Evaluator<'_> {
    pub(super) fn variables(&mut self, inputs: &VariableInputs) {
        let config = self.config;
        let mut given: BTreeMap<String, (Value, Option<Span>)> = BTreeMap::new();
        for (name, raw) in &inputs.env {
            if let Some(variable) = config.variable(name)
                && let Some(value) = self.raw_value(name, raw, &variable.ty, "the environment")
            {
                given.insert(name.clone(), (value, None));
            }
        }
        for file in &inputs.files {
            self.variable_file(*file, &mut given);
        }
        for (name, raw) in &inputs.cli {
            match config.variable(name) {
                Some(variable) => {
                    if let Some(value) = self.raw_value(name, raw, &variable.ty, "--var") {
                        given.insert(name.clone(), (value, None));
                    }
                }
                None => {
                    let names: Vec<&str> =
                        config.variables.iter().map(|v| v.name.as_str()).collect();
                    let hint =
                        hint_for(name, &names, || "declare it with a `variable` block".into());
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::UNDECLARED_VARIABLE,
                            format!("`--var {name}=...` sets a variable that is not declared"),
                        )
                        .hint(hint),
                    );
                }
            }
        }

        for (name, input) in &self.context.inputs {
            if config.variable(name).is_some() {
                given.insert(
                    name.clone(),
                    (input.value.clone(), Some(input.span.clone())),
                );
            } else {
                let names: Vec<&str> = config.variables.iter().map(|v| v.name.as_str()).collect();
                let hint = hint_for(name, &names, || {
                    "the module declares no such variable".into()
                });
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::UNDECLARED_VARIABLE,
                        format!("the module has no variable `{name}` for this input"),
                    )
                    .at(input.span.clone())
                    .hint(hint),
                );
            }
        }
        for variable in &config.variables {
            let input_sensitive = self
                .context
                .inputs
                .get(&variable.name)
                .is_some_and(|i| i.sensitive);
            if variable.sensitive || input_sensitive {
                self.sensitive_variables.insert(variable.name.clone());
            }
            let (value, value_span) = match given.remove(&variable.name) {
                Some(given) => given,
                None => match &variable.default {
                    Some(default) => match self.eval_constant(default) {
                        Some(value) => (value, Some(default.span())),
                        None => continue,
                    },
                    None => {
                        self.diagnostics.push(
                            Diagnostic::error(codes::MISSING_VARIABLE, format!("variable `{}` has no value", variable.name))
                                .at(variable.label_span.clone())
                                .label("no default and no value given")
                                .hint(format!(
                                    "give it a value with `--var {0}=...`, a `*.amlvars.hcl` file or `AMLFORM_VAR_{0}`, or add a `default`",
                                    variable.name
                                )),
                        );
                        continue;
                    }
                },
            };
            if variable.sensitive {
                self.diagnostics.add_secrets(&value);
            }
            let value = match variable.ty.convert(value) {
                Ok(value) => value,
                Err(message) => {
                    // A sensitive variable's value never appears in a message.
                    let message = if variable.sensitive {
                        "it does not fit the type".to_owned()
                    } else {
                        message
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::VARIABLE_VALUE,
                            format!("invalid value for variable `{}`: {message}", variable.name),
                        )
                        .at(value_span.unwrap_or_else(|| variable.label_span.clone()))
                        .hint(format!("the variable's type is `{}`", variable.ty)),
                    );
                    continue;
                }
            };
            self.validate_variable(variable, &value);
            self.out.variables.insert(
                variable.name.clone(),
                EvaluatedVariable {
                    value: value.clone(),
                    sensitive: variable.sensitive,
                },
            );
            self.variables.insert(variable.name.clone(), value);
        }
    }

    /// Evaluates an expression that may use functions but no references (defaults, var files).
    pub(super) fn eval_constant(&mut self, expr: &Expr) -> Option<Value> {
        if let Some(reference) = references(expr).into_iter().next() {
            self.diagnostics.push(
                Diagnostic::error(codes::INVALID_REFERENCE, format!("`{}` cannot be used here", reference.parts.join(".")))
                    .at(reference.span)
                    .hint("variable defaults and variable files hold constant values; use a `locals` block to compute values"),
            );
            return None;
        }
        let empty = BTreeMap::new();
        let scope = Scope {
            variables: &empty,
            locals: &empty,
            workspaces: &empty,
            modules: &empty,
            computes: ComputeValues::default(),
            each: None,
            count_index: None,
            base_dir: self.base_dir,
        };
        scope.eval(expr, &mut self.diagnostics)
    }

    fn raw_value(
        &mut self,
        name: &str,
        raw: &str,
        ty: &crate::type_constraint::TypeConstraint,
        source: &str,
    ) -> Option<Value> {
        if !ty.wants_expression() {
            return Some(Value::String(raw.to_owned()));
        }
        match hcl_edit::parser::parse_expr(raw) {
            Ok(expr) => {
                let mut scratch = Diagnostics::default();
                let empty = BTreeMap::new();
                let scope = Scope {
                    variables: &empty,
                    locals: &empty,
                    workspaces: &empty,
                    modules: &empty,
                    computes: ComputeValues::default(),
                    each: None,
                    count_index: None,
                    base_dir: self.base_dir,
                };
                let value = scope.eval(
                    &Expr {
                        origin: Origin::file(FileId(u32::MAX)),
                        expr,
                    },
                    &mut scratch,
                );
                if value.is_none() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::VARIABLE_VALUE,
                            format!(
                                "the value for variable `{name}` from {source} cannot be evaluated"
                            ),
                        )
                        .hint(
                            "give a constant value such as [\"a\", \"b\"] or { key = \"value\" }",
                        ),
                    );
                }
                value
            }
            Err(error) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::VARIABLE_VALUE,
                        format!(
                            "the value for variable `{name}` from {source} does not parse: {}",
                            error.message()
                        ),
                    )
                    .hint(format!(
                        "variable `{name}` has type `{ty}`; write its value in HCL syntax"
                    )),
                );
                None
            }
        }
    }

    fn variable_file(&mut self, file: FileId, given: &mut BTreeMap<String, (Value, Option<Span>)>) {
        let text = &self.sources.get(file).text;
        let body = match hcl_edit::parser::parse_body(text) {
            Ok(body) => body,
            Err(error) => {
                let offset = error.location().offset().min(text.len());
                self.diagnostics.push(
                    Diagnostic::error(codes::SYNTAX, format!("syntax error: {}", error.message()))
                        .at(Span::new(file, offset..offset))
                        .hint("a variable file holds `name = value` lines"),
                );
                return;
            }
        };
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let name = attribute.key.as_str();
                    let key_span =
                        Span::new(file, hcl_edit::Span::span(&attribute.key).unwrap_or(0..0));
                    if self.config.variable(name).is_none() {
                        let names: Vec<&str> = self
                            .config
                            .variables
                            .iter()
                            .map(|v| v.name.as_str())
                            .collect();
                        let hint = hint_for(name, &names, || {
                            "declare it with a `variable` block, or remove the line".into()
                        });
                        self.diagnostics.push(
                            Diagnostic::warning(
                                codes::UNDECLARED_VARIABLE,
                                format!("the variable file sets `{name}`, which is not declared"),
                            )
                            .at(key_span)
                            .hint(hint),
                        );
                        continue;
                    }
                    let expr = Expr {
                        origin: Origin::file(file),
                        expr: attribute.value.clone(),
                    };
                    if let Some(value) = self.eval_constant(&expr) {
                        given.insert(name.to_owned(), (value, Some(expr.span())));
                    }
                }
                Structure::Block(block) => self.diagnostics.push(
                    Diagnostic::error(
                        codes::UNKNOWN_BLOCK,
                        "a variable file holds only `name = value` lines",
                    )
                    .at(Span::new(
                        file,
                        hcl_edit::Span::span(&block.ident).unwrap_or(0..0),
                    ))
                    .hint("move blocks into a `.aml.hcl` file"),
                ),
            }
        }
    }

    fn validate_variable(&mut self, variable: &crate::config::VariableBlock, value: &Value) {
        let only_this = BTreeMap::from([(variable.name.clone(), value.clone())]);
        for validation in &variable.validations {
            for reference in references(&validation.condition) {
                if !(reference.root() == "var" && reference.name() == Some(&variable.name)) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::INVALID_REFERENCE,
                            format!(
                                "a validation of `{}` can only refer to `var.{}`",
                                variable.name, variable.name
                            ),
                        )
                        .at(reference.span)
                        .hint("move cross-variable checks into the configuration"),
                    );
                    return;
                }
            }
            let empty = BTreeMap::new();
            let scope = Scope {
                variables: &only_this,
                locals: &empty,
                workspaces: &empty,
                modules: &empty,
                computes: ComputeValues::default(),
                each: None,
                count_index: None,
                base_dir: self.base_dir,
            };
            let Some(result) = scope.eval(&validation.condition, &mut self.diagnostics) else {
                continue;
            };
            if result == Value::Bool(false) {
                let message = scope
                    .eval(&validation.error_message, &mut self.diagnostics)
                    .and_then(|m| m.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "the value is not valid".into());
                let shown = if variable.sensitive {
                    "(sensitive value)".to_owned()
                } else {
                    value.to_string()
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::VARIABLE_VALUE,
                        format!("invalid value for variable `{}`: {message}", variable.name),
                    )
                    .at(validation.condition.span())
                    .label(format!("false for {shown}"))
                    .hint("change the value, or the validation rule"),
                );
            } else if !matches!(result, Value::Bool(true) | Value::Unknown) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WRONG_TYPE,
                        format!(
                            "a validation condition must be a bool, not a {}",
                            result.type_name()
                        ),
                    )
                    .at(validation.condition.span())
                    .hint("write a comparison such as `length(var.x) > 0`"),
                );
            }
        }
    }
}
