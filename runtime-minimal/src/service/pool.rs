//! [`ServicePool`]: several instances of one service, so many threads can call it at once.
//!
//! A [`MarineService`] serves one call at a time (`&mut self`). A pool holds `size` services
//! created from one config on one engine (so each module is compiled once and every further
//! instance costs instantiation only). A call checks an idle instance out, waiting at most the
//! checkout timeout, and gives it back afterwards. An instance whose call failed in a way that
//! may leave a module in an inconsistent state (a trap, a timeout, a refused memory growth, a
//! failed import) is not given back: it is dropped and a fresh instance takes its place, so one
//! caller's failure never leaks into another caller's answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::call_parameters::CallParameters;
use crate::config::ServiceConfig;
use crate::errors::MarineError;
use crate::types::IValue;

use super::{MarineService, ServiceOptions};

/// Counters of a pool's life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Calls served (whatever their outcome).
    pub calls: u64,
    /// Instances dropped after a call that may have left them inconsistent, and replaced.
    pub replaced: u64,
    /// Checkouts that gave up after the checkout timeout.
    pub checkout_timeouts: u64,
}

struct Slots {
    idle: Vec<MarineService>,
    /// Instances to create again (a replacement failed: retried at the next checkout).
    missing: usize,
}

/// `size` instances of one service, shared by threads (see the module documentation).
pub struct ServicePool {
    config: ServiceConfig,
    options: ServiceOptions,
    size: usize,
    checkout_timeout: Duration,
    slots: Mutex<Slots>,
    returned: Condvar,
    calls: AtomicU64,
    replaced: AtomicU64,
    checkout_timeouts: AtomicU64,
}

impl std::fmt::Debug for ServicePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicePool")
            .field("config", &self.config.source_label())
            .field("size", &self.size)
            .field("stats", &self.stats())
            .finish()
    }
}

/// Whether an instance may be in an inconsistent state after this error (its guest code was
/// stopped in the middle, or ran out of memory), so it must not serve another call.
fn poisons(error: &MarineError) -> bool {
    matches!(
        error,
        MarineError::Trap { .. }
            | MarineError::Timeout { .. }
            | MarineError::MemoryLimit { .. }
            | MarineError::Import { .. }
            | MarineError::HostFunction { .. }
            | MarineError::Abi { .. }
            | MarineError::OutOfBounds { .. }
            | MarineError::InvalidUtf8 { .. }
            | MarineError::UnexpectedResults { .. }
            | MarineError::Reentrancy { .. }
    )
}

impl ServicePool {
    /// Creates `size` instances (at least one) of the service `config` describes, all on
    /// `options.engine`. A call waits at most `checkout_timeout` for an idle instance.
    pub fn new(
        config: ServiceConfig,
        options: ServiceOptions,
        size: usize,
        checkout_timeout: Duration,
    ) -> Result<Self, MarineError> {
        let size = size.max(1);
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            idle.push(MarineService::with_options(
                config.clone(),
                options.clone(),
            )?);
        }
        Ok(ServicePool {
            config,
            options,
            size,
            checkout_timeout,
            slots: Mutex::new(Slots { idle, missing: 0 }),
            returned: Condvar::new(),
            calls: AtomicU64::new(0),
            replaced: AtomicU64::new(0),
            checkout_timeouts: AtomicU64::new(0),
        })
    }

    /// Number of instances.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The pool's counters.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            calls: self.calls.load(Ordering::Relaxed),
            replaced: self.replaced.load(Ordering::Relaxed),
            checkout_timeouts: self.checkout_timeouts.load(Ordering::Relaxed),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes an idle instance, creating one in place of a missing one, or waits for one to
    /// come back (at most the checkout timeout).
    fn checkout(&self) -> Result<MarineService, MarineError> {
        let deadline = Instant::now() + self.checkout_timeout;
        let mut slots = self.slots();
        loop {
            if let Some(service) = slots.idle.pop() {
                return Ok(service);
            }
            if slots.missing > 0 {
                slots.missing -= 1;
                drop(slots);
                return self.create().inspect_err(|_| self.slots().missing += 1);
            }
            let now = Instant::now();
            if now >= deadline {
                self.checkout_timeouts.fetch_add(1, Ordering::Relaxed);
                return Err(MarineError::PoolBusy {
                    size: self.size,
                    waited: self.checkout_timeout,
                });
            }
            slots = self
                .returned
                .wait_timeout(slots, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    fn create(&self) -> Result<MarineService, MarineError> {
        MarineService::with_options(self.config.clone(), self.options.clone())
    }

    /// Gives an instance back, or replaces it when `failure` may have left it inconsistent.
    fn checkin(&self, service: MarineService, failure: Option<&MarineError>) {
        let service = if failure.is_some_and(poisons) {
            drop(service);
            self.replaced.fetch_add(1, Ordering::Relaxed);
            self.create().ok()
        } else {
            Some(service)
        };
        let mut slots = self.slots();
        match service {
            Some(service) => slots.idle.push(service),
            None => slots.missing += 1,
        }
        drop(slots);
        self.returned.notify_one();
    }

    /// Runs `f` on an idle instance (see the module documentation for what happens after a
    /// failure). Fails with [`MarineError::PoolBusy`] when no instance became idle within
    /// the checkout timeout.
    pub fn with_service<R>(
        &self,
        f: impl FnOnce(&mut MarineService) -> Result<R, MarineError>,
    ) -> Result<R, MarineError> {
        let mut service = self.checkout()?;
        self.calls.fetch_add(1, Ordering::Relaxed);
        let result = f(&mut service);
        self.checkin(service, result.as_ref().err());
        result
    }

    /// [`MarineService::call_with_json`] on an idle instance.
    pub fn call_with_json(
        &self,
        module: &str,
        func: &str,
        args: serde_json::Value,
        call_params: CallParameters,
    ) -> Result<serde_json::Value, MarineError> {
        self.with_service(|service| service.call_with_json(module, func, args, call_params))
    }

    /// [`MarineService::call_with_json_str`] on an idle instance.
    pub fn call_with_json_str(
        &self,
        module: &str,
        func: &str,
        args: &str,
        call_params: CallParameters,
    ) -> Result<String, MarineError> {
        self.with_service(|service| service.call_with_json_str(module, func, args, call_params))
    }

    /// [`MarineService::call_with_ivalues`] on an idle instance.
    pub fn call_with_ivalues(
        &self,
        module: &str,
        func: &str,
        args: &[IValue],
        call_params: CallParameters,
    ) -> Result<Vec<IValue>, MarineError> {
        self.with_service(|service| service.call_with_ivalues(module, func, args, call_params))
    }
}
