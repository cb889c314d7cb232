//! `amlform emulator serve`: the emulator as a standalone server, until Ctrl-C.

use crate::exit_status::ExitStatus;
use amlform_emulator::{ServeArgs, ServeInfo};

pub fn serve(args: &ServeArgs) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(amlform_emulator::serve(
        args,
        |info: &ServeInfo| println!("{info}"),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    ))?;
    println!("emulator stopped");
    Ok(ExitStatus::Success)
}
