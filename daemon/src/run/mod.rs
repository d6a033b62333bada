//! The daemon (`syncd run`): keeps one environment of a GitOps repo in sync — triggers (poll,
//! webhooks, drift), the per-app state machine and scheduler, health waiting, leader election and
//! the HTTP surface. It drives the same pipeline stages as `syncd sync`; it adds the loop.

pub mod controller;
pub mod debounce;
pub mod events;
pub mod heal;
mod health_wait;
pub mod http;
pub mod inputs;
pub mod leader;
pub mod machine;
pub mod metrics;
pub mod reconcile;
pub mod reload;
mod removed;
pub mod round;
pub mod shared;
pub mod start;
pub mod status;
pub mod trigger;
pub mod webhook;
