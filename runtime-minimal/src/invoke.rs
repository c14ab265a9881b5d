//! Top-level calls: per-call settings (call parameters, timeout) and how a failed call is
//! reported.
//!
//! A top-level call is one made by the embedder (not a module-to-module call). Before it
//! starts, the service's [`crate::store::CallState`] is reset with the call's parameters (seen
//! by `get_call_parameters` in every module the call reaches) and its deadline (each module's
//! store arms its epoch deadline from it when the call enters it). Meanwhile the runtime
//! records what the innermost error alone would not say: the module running when the deadline
//! passed, a refused re-entrant call, a refused memory growth. If the call fails, these decide the error: [`MarineError::Timeout`], then
//! [`MarineError::Reentrancy`], then [`MarineError::MemoryLimit`] (wrapping the failure that
//! followed the refused growth), else the error itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::call_parameters::CallParameters;
use crate::errors::MarineError;
use crate::store::{Incident, MemoryRefusal, SharedState};

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

/// Runs `f` as a top-level call with these parameters and timeout, then reports a failure
/// with the findings of the call (see the module docs).
pub(crate) fn top_level<R>(
    shared: &SharedState,
    call_parameters: CallParameters,
    timeout: Option<Duration>,
    classify: Classify,
    f: impl FnOnce() -> Result<R, MarineError>,
) -> Result<R, MarineError> {
    {
        let call = &mut shared.lock().call;
        call.call_parameters = Arc::new(call_parameters);
        call.timeout = timeout;
        call.deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        call.stack.clear();
        call.incident = None;
        call.refused_growth = None;
    }
    let result = f();
    let (incident, refused_growth) = {
        let call = &mut shared.lock().call;
        call.deadline = None;
        (call.incident.take(), call.refused_growth.take())
    };
    result.map_err(|e| reported_error(e, timeout, incident, refused_growth, classify))
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
