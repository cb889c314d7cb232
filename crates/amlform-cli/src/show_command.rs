//! `amlform show FILE`: a plan saved with `plan --out`, in any of the plan's forms.

use amlform_plan::SavedPlan;

use crate::cli::ShowArgs;

pub fn run(args: &ShowArgs, color: bool) -> anyhow::Result<u8> {
    let saved = SavedPlan::read(&args.file).map_err(anyhow::Error::msg)?;
    crate::plan_command::print_plan(&saved.plan, args.json, args.markdown, color)?;
    Ok(0)
}
