//! The `get_call_parameters` host import (guest ABI §5.3): the host's v3
//! [`CallParameters`] converted down to the record each host namespace's SDK expects (the
//! core's [`CallParametersLayout`]), lowered into the calling module with its `allocate`, and
//! handed over with `set_result_ptr`.

use marine_ast::call_parameters::CallParametersLayout;
use marine_ast::HostApi;
use wasmtime::{Caller, Linker};

use crate::errors::{ImportError, InCall, MarineError};
use crate::lower::lower_record;
use crate::memory::WasmGuest;
use crate::store::StoreState;

/// Lowers the current call parameters into the calling module and sets its result pointer.
fn get_call_parameters(
    mut caller: Caller<'_, StoreState>,
    namespace: &'static str,
    layout: CallParametersLayout,
) -> wasmtime::Result<()> {
    let module = caller.data().name.clone();
    let fail = |source: MarineError| {
        wasmtime::Error::new(ImportError {
            caller: module.to_string(),
            namespace: namespace.to_string(),
            function: "get_call_parameters".into(),
            source: Box::new(source),
        })
    };
    let abi = caller.data().registered_abi().map_err(fail)?;
    let fields = layout.value(caller.data().call_parameters());
    let ptr = lower_record(
        &mut WasmGuest::new(&mut caller, &abi),
        layout.record_type(),
        &fields,
    )
    .and_then(|ptr| abi.set_result(&mut caller, ptr, None).map(|()| ptr))
    .map_err(|e| fail(e.in_call(&module, "get_call_parameters")))?;
    log::trace!("module `{module}`: call parameters lowered at {ptr:#x} ({layout:?})");
    Ok(())
}

/// Registers `get_call_parameters` in every host namespace with its layout.
pub fn add_call_parameters_import(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    for api in HostApi::ALL {
        let (ns, layout) = (api.namespace(), CallParametersLayout::of_host_api(api));
        linker.func_wrap(
            ns,
            "get_call_parameters",
            move |caller: Caller<'_, StoreState>| get_call_parameters(caller, ns, layout),
        )?;
    }
    Ok(())
}
