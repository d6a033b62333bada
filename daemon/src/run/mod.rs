//! The daemon (`syncd run`): keeps one environment of a GitOps repo in sync — triggers (poll,
//! webhooks, drift), the per-app state machine and scheduler, health waiting, leader election and
//! the HTTP surface. It drives the same pipeline stages as `syncd sync`; it adds the loop.

pub mod events;
pub mod leader;
pub mod metrics;
pub mod status;
pub mod trigger;
