//! `amlform show FILE`: a plan saved with `plan --out`, in any of the plan's forms.

use crate::exit_status::ExitStatus;
use amlform_engine::PlanFile;

use crate::cli::ShowArgs;
use crate::printer::PlanForm;
use crate::settings::Settings;

pub fn run(args: &ShowArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let saved = PlanFile::read(&args.file)?;
    (settings.printer).plan(&saved.plan, PlanForm::of(args.json, args.markdown))?;
    Ok(ExitStatus::Success)
}
