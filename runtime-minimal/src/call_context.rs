//! The context of one top-level call, passed as a value.
//!
//! A top-level call (one the embedder makes: [`crate::Marine::call_with_options`], a service
//! call, loading a module) creates its own [`CallContext`]: its call parameters, its deadline,
//! and a record of what happens out of band while it runs (the stack of modules it has
//! entered, a timeout or refused re-entrant call, a refused memory growth). Entering a module
//! lends the context to that module's store for as long as the module runs; module imports
//! and host functions that call other modules pass the caller's context on. Nothing of a call
//! lives in state the service shares, so no call can see another call's parameters, stack or
//! incidents, and nothing is reset between calls.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::call_parameters::CallParameters;
use crate::errors::MemoryLimitScope;

/// One entry of a call's stack: a module running one of its exports (or its `_initialize` /
/// `_start`, or its wasm start function).
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// The module's name.
    pub(crate) module: Arc<str>,
    /// The function running.
    pub(crate) function: Arc<str>,
}

/// A memory growth refused during the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MemoryRefusal {
    /// The module whose memory could not grow.
    pub(crate) module: String,
    /// The function it was running (`None` outside any export, e.g. in a host call).
    pub(crate) function: Option<String>,
    /// Which limit refused it.
    pub(crate) scope: MemoryLimitScope,
    /// The limit in bytes.
    pub(crate) limit: u64,
    /// The size in bytes the module's memory would have grown to.
    pub(crate) requested: u64,
}

/// Something that happened during the call and decides how its failure is reported (the
/// innermost error alone would not say it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Incident {
    /// The call's deadline passed while `module` was running `function`.
    Timeout {
        /// The module running when the deadline passed.
        module: String,
        /// Its function (the top frame of that module).
        function: String,
    },
    /// A call into a module that is already on the call stack was refused.
    Reentrancy {
        /// The module called again.
        module: String,
        /// The function called.
        function: String,
        /// The call stack at that point, outermost first, as `module.function`.
        stack: Vec<String>,
    },
}

/// What the runtime learns while the call runs.
#[derive(Debug, Default)]
pub(crate) struct CallRecord {
    /// Modules running, outermost first.
    stack: Vec<Frame>,
    /// The first timeout or re-entrancy of the call.
    incident: Option<Incident>,
    /// The first memory growth refused during the call.
    refused_growth: Option<MemoryRefusal>,
}

impl CallRecord {
    /// The function `module` is running: its innermost frame.
    fn running_function(&self, module: &str) -> Option<String> {
        self.stack
            .iter()
            .rev()
            .find(|f| &*f.module == module)
            .map(|f| f.function.to_string())
    }

    /// The call stack as `module.function` strings, outermost first.
    fn stack_names(&self) -> Vec<String> {
        self.stack
            .iter()
            .map(|f| format!("{}.{}", f.module, f.function))
            .collect()
    }
}

/// The context of one top-level call (see the module docs).
#[derive(Debug)]
pub(crate) struct CallContext {
    /// Call parameters served by `get_call_parameters` in every module the call reaches.
    call_parameters: Arc<CallParameters>,
    /// The call's effective timeout.
    timeout: Option<Duration>,
    /// When the call times out (`None`: never).
    deadline: Option<Instant>,
    record: Mutex<CallRecord>,
}

/// What a finished call leaves behind: the findings that may refine its error.
#[derive(Debug, Default)]
pub(crate) struct CallFindings {
    /// The first timeout or re-entrancy.
    pub(crate) incident: Option<Incident>,
    /// The first refused memory growth.
    pub(crate) refused_growth: Option<MemoryRefusal>,
}

impl CallContext {
    /// The context of a call with these parameters that times out after `timeout`, starting
    /// now.
    pub(crate) fn new(call_parameters: CallParameters, timeout: Option<Duration>) -> Arc<Self> {
        Arc::new(CallContext {
            call_parameters: Arc::new(call_parameters),
            timeout,
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            record: Mutex::default(),
        })
    }

    /// The call parameters.
    pub(crate) fn call_parameters(&self) -> &CallParameters {
        &self.call_parameters
    }

    /// The call's effective timeout.
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// When the call times out (`None`: never).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The record, locked. A panic while it was held (only in an embedder's host function)
    /// leaves it consistent field by field, so poisoning is ignored.
    fn record(&self) -> MutexGuard<'_, CallRecord> {
        self.record
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Pushes a frame: `module` starts running `function`.
    pub(crate) fn push_frame(&self, module: &Arc<str>, function: &Arc<str>) {
        self.record().stack.push(Frame {
            module: module.clone(),
            function: function.clone(),
        });
    }

    /// Pops the innermost frame.
    pub(crate) fn pop_frame(&self) {
        self.record().stack.pop();
    }

    /// Records that the deadline passed while `module` was running (first incident wins).
    pub(crate) fn record_timeout(&self, module: &str) {
        let mut record = self.record();
        if record.incident.is_none() {
            let function = record.running_function(module).unwrap_or_default();
            record.incident = Some(Incident::Timeout {
                module: module.to_string(),
                function,
            });
        }
    }

    /// Records a refused call of `module.function`, already on the stack (first incident
    /// wins), and returns the stack with that call appended, outermost first.
    pub(crate) fn record_reentrancy(&self, module: &str, function: &str) -> Vec<String> {
        let mut record = self.record();
        let mut stack = record.stack_names();
        stack.push(format!("{module}.{function}"));
        if record.incident.is_none() {
            record.incident = Some(Incident::Reentrancy {
                module: module.to_string(),
                function: function.to_string(),
                stack: stack.clone(),
            });
        }
        stack
    }

    /// Records a refused memory growth of `module` (the first refusal wins), attributed to
    /// the function it is running.
    pub(crate) fn record_refused_growth(
        &self,
        module: &str,
        scope: MemoryLimitScope,
        limit: u64,
        requested: u64,
    ) {
        let mut record = self.record();
        if record.refused_growth.is_none() {
            let function = record.running_function(module);
            record.refused_growth = Some(MemoryRefusal {
                module: module.to_string(),
                function,
                scope,
                limit,
                requested,
            });
        }
    }

    /// The findings of the call so far, taken out of the record.
    pub(crate) fn take_findings(&self) -> CallFindings {
        let mut record = self.record();
        CallFindings {
            incident: record.incident.take(),
            refused_growth: record.refused_growth.take(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_contexts_share_nothing() {
        let a = CallContext::new(CallParameters::default(), None);
        let mut cp = CallParameters::default();
        cp.particle.id = "b".into();
        let b = CallContext::new(cp, Some(Duration::from_secs(1)));
        let m: Arc<str> = Arc::from("m");
        let f: Arc<str> = Arc::from("f");
        a.push_frame(&m, &f);
        a.record_timeout("m");
        assert_eq!(b.call_parameters().particle.id, "b");
        assert!(a.deadline().is_none() && b.deadline().is_some());
        assert!(b.take_findings().incident.is_none());
        assert_eq!(
            a.take_findings().incident,
            Some(Incident::Timeout {
                module: "m".into(),
                function: "f".into()
            })
        );
    }

    #[test]
    fn the_first_incident_wins_and_reentrancy_reports_the_stack() {
        let ctx = CallContext::new(CallParameters::default(), None);
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        let (f, g): (Arc<str>, Arc<str>) = (Arc::from("f"), Arc::from("g"));
        ctx.push_frame(&a, &f);
        ctx.push_frame(&b, &g);
        let stack = ctx.record_reentrancy("a", "f");
        assert_eq!(stack, ["a.f", "b.g", "a.f"]);
        ctx.record_timeout("b");
        ctx.record_refused_growth("b", MemoryLimitScope::Module, 10, 20);
        ctx.record_refused_growth("a", MemoryLimitScope::Total, 30, 40);
        let findings = ctx.take_findings();
        assert!(matches!(
            findings.incident,
            Some(Incident::Reentrancy { .. })
        ));
        let refused = findings.refused_growth.unwrap();
        assert_eq!(
            (refused.module.as_str(), refused.function.as_deref()),
            ("b", Some("g"))
        );
        ctx.pop_frame();
        ctx.pop_frame();
        assert!(ctx.take_findings().incident.is_none());
    }
}
