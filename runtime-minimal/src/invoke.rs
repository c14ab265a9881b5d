//! Top-level calls: per-call settings (call parameters, timeout) and how a failed call is
//! reported.
//!
//! A top-level call is one made by the embedder (not a module-to-module call). It runs in a
//! [`CallContext`] of its own, holding the call's parameters (seen by `get_call_parameters` in
//! every module the call reaches) and its deadline (each module's store arms its epoch
//! deadline from it when the call enters it). Meanwhile the context records what the
//! innermost error alone would not say: the module running when the deadline
//! passed, a refused re-entrant call, a refused memory growth. If the call fails, these decide the error: [`MarineError::Timeout`], then
//! [`MarineError::Reentrancy`], then [`MarineError::MemoryLimit`] (wrapping the failure that
//! followed the refused growth), else the error itself.

use std::sync::Arc;
use std::time::Duration;

use crate::call_context::{CallContext, CallFindings, Incident, MemoryRefusal};
use crate::call_parameters::CallParameters;
use crate::errors::MarineError;

/// Settings of one top-level call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Call parameters seen by every module the call reaches (`get_call_parameters`).
    pub call_parameters: CallParameters,
    /// Timeout of this call; `None` uses the service's default
    /// ([`crate::Marine::set_default_call_timeout`]).
    pub timeout: Option<Duration>,
}

impl CallOptions {
    /// Options with these call parameters and the default timeout.
    pub fn with_call_parameters(call_parameters: CallParameters) -> Self {
        CallOptions {
            call_parameters,
            timeout: None,
        }
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// Which out-of-band findings may turn a failure into a more specific error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Classify {
    /// Timeout, re-entrancy and memory limit (export calls).
    All,
    /// Timeout and re-entrancy only (loading: an initial memory above the limit stays an
    /// instantiation error).
    NoMemoryLimit,
}

/// Runs `f` as a top-level call in a context of its own (these call parameters, this
/// timeout, a fresh call stack), then reports a failure with the call's findings (see the
/// module docs).
pub(crate) fn top_level<R>(
    call_parameters: CallParameters,
    timeout: Option<Duration>,
    classify: Classify,
    f: impl FnOnce(&Arc<CallContext>) -> Result<R, MarineError>,
) -> Result<R, MarineError> {
    let call = CallContext::new(call_parameters, timeout);
    let result = f(&call);
    result.map_err(|e| {
        let CallFindings {
            incident,
            refused_growth,
        } = call.take_findings();
        reported_error(e, call.timeout(), incident, refused_growth, classify)
    })
}

fn reported_error(
    error: MarineError,
    timeout: Option<Duration>,
    incident: Option<Incident>,
    refused_growth: Option<MemoryRefusal>,
    classify: Classify,
) -> MarineError {
    match incident {
        Some(Incident::Timeout { module, function }) => MarineError::Timeout {
            module,
            function,
            timeout: timeout.unwrap_or_default(),
        },
        Some(Incident::Reentrancy {
            module,
            function,
            stack,
        }) => MarineError::Reentrancy {
            module,
            function,
            stack,
        },
        None => match (refused_growth, classify) {
            (Some(r), Classify::All) => MarineError::MemoryLimit {
                module: r.module,
                function: r.function.unwrap_or_default(),
                scope: r.scope,
                limit: r.limit,
                requested: r.requested,
                source: Box::new(error),
            },
            _ => error,
        },
    }
}
